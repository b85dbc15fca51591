package netbox_test

import (
	"context"
	"fmt"
	"net/netip"
	"testing"

	"github.com/spoje-net/isptools/netbackend"
	"github.com/spoje-net/isptools/netbox"
	"github.com/spoje-net/isptools/netbox/netboxtest"
)

// benchIPs is the number of customers (one IP each) of BenchmarkBlock1000IPs.
const benchIPs = 1000

// benchNetBox starts a NetBox test server with the speed custom fields and n
// IPs at speed 100, each described with its own customer code, and returns
// it with the customer codes and the changes blocking every IP. The caller
// closes the server.
func benchNetBox(b *testing.B, n int) (*netboxtest.Server, []string, []netbackend.Change) {
	b.Helper()
	srv := netboxtest.NewServer(b)
	srv.AddCustomField(netboxtest.CustomFieldDef{Name: "speed"})
	srv.AddCustomField(netboxtest.CustomFieldDef{Name: "speed_orig"})
	customers := make([]string, 0, n)
	changes := make([]netbackend.Change, 0, n)
	for i := range n {
		addr := netip.AddrFrom4([4]byte{10, 9, byte(i / 250), byte(i%250 + 1)})
		code := fmt.Sprintf("C%04d", i)
		srv.AddIP(netboxtest.IP{Address: addr.String() + "/24", Description: "{code:" + code + "}", CustomFields: map[string]any{"speed": 100}})
		customers = append(customers, code)
		changes = append(changes, netbackend.Change{Customer: code, IP: addr, Action: netbackend.Block, Reason: "unpaid invoice"})
	}
	return srv, customers, changes
}

// BenchmarkBlock1000IPs is the backend side of a block run for 1,000
// customers with one IP each: the IP lookup ([netbox.Backend.CustomerIPs]),
// the dry run, the real [netbox.Backend.Apply] blocking every IP and the
// re-read of their state ([netbox.Backend.State]), as dunning.Block does. The
// NetBox test server is seeded afresh outside the timer before every
// iteration; requests/op, GET/op and writes/op count the requests it logged
// during one run. Time and allocations include the in-process test server.
func BenchmarkBlock1000IPs(b *testing.B) {
	ctx := context.Background()
	var gets, writes int
	b.ReportAllocs()
	b.StopTimer()
	for range b.N {
		srv, customers, changes := benchNetBox(b, benchIPs)
		be, err := netbox.NewBackend(srv.Client(), netbox.BackendConfig{})
		if err != nil {
			b.Fatal(err)
		}
		srv.ResetRequests()
		b.StartTimer()
		look, err := be.CustomerIPs(ctx, customers)
		ips := look.IPs
		if err != nil {
			b.Fatal(err)
		}
		if _, err := be.Apply(ctx, changes, netbackend.ApplyOptions{DryRun: true}); err != nil {
			b.Fatal(err)
		}
		res, err := be.Apply(ctx, changes, netbackend.ApplyOptions{})
		if err != nil {
			b.Fatal(err)
		}
		state, err := be.State(ctx, addrs(changes))
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		if len(state) != benchIPs {
			b.Fatalf("state of %d IPs, want %d", len(state), benchIPs)
		}
		if len(ips) != benchIPs {
			b.Fatalf("%d customers with IPs, want %d", len(ips), benchIPs)
		}
		if s := netbackend.Summarize(res); s[netbackend.Changed] != benchIPs {
			b.Fatalf("summary %v", s)
		}
		for _, r := range srv.Requests() {
			if r.IsWrite() {
				writes++
			} else {
				gets++
			}
		}
		srv.Close()
	}
	n := float64(b.N)
	b.ReportMetric(float64(gets+writes)/n, "requests/op")
	b.ReportMetric(float64(gets)/n, "GET/op")
	b.ReportMetric(float64(writes)/n, "writes/op")
}

// addrs returns the IPs of changes.
func addrs(changes []netbackend.Change) []netip.Addr {
	out := make([]netip.Addr, len(changes))
	for i, c := range changes {
		out[i] = c.IP
	}
	return out
}
