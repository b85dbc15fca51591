package netbox_test

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"testing"

	"github.com/spoje-net/isptools/netbackend"
	"github.com/spoje-net/isptools/netbox"
	"github.com/spoje-net/isptools/netbox/netboxtest"
)

// counts are the requests of one stage of a run.
type counts struct{ status, fields, ipGET, write int }

func (c counts) String() string {
	return fmt.Sprintf("status %d, custom fields %d, IP GET %d, writes %d", c.status, c.fields, c.ipGET, c.write)
}

func countRequests(reqs []netboxtest.Request) counts {
	var c counts
	for _, r := range reqs {
		switch {
		case r.IsWrite():
			c.write++
		case r.Path == "/api/status/":
			c.status++
		case r.Path == "/api/extras/custom-fields/":
			c.fields++
		case r.Path == "/api/ipam/ip-addresses/":
			c.ipGET++
		}
	}
	return c
}

// TestRequestBudget1000 runs the backend calls of a blocknet and an
// unblocknet run over 1,000 customers (one IP each), as dunning makes them,
// and checks that the IPs are read in one listing pass and one
// verification pass: the dry run and the apply reuse the lookup's objects.
// With one object NetBox rejects (an address duplicated in the global
// table), the chunk holding it is split down to that object; nothing else
// is read again.
func TestRequestBudget1000(t *testing.T) {
	for _, bad := range []bool{false, true} {
		t.Run(fmt.Sprintf("bad object %v", bad), func(t *testing.T) {
			ctx := context.Background()
			srv := netboxtest.NewServer(t)
			srv.AddCustomField(netboxtest.CustomFieldDef{Name: "speed"})
			srv.AddCustomField(netboxtest.CustomFieldDef{Name: "speed_orig"})
			var customers []string
			var blocks, unblocks []netbackend.Change
			var addrs []netip.Addr
			for i := range 1000 {
				addr := netip.AddrFrom4([4]byte{10, 11, byte(i / 250), byte(i%250 + 1)})
				code := fmt.Sprintf("C%04d", i)
				srv.AddIP(netboxtest.IP{Address: addr.String() + "/24", Description: "{code:" + code + "}", CustomFields: map[string]any{"speed": 100}})
				customers = append(customers, code)
				addrs = append(addrs, addr)
				blocks = append(blocks, netbackend.Change{Customer: code, IP: addr, Action: netbackend.Block})
				unblocks = append(unblocks, netbackend.Change{Customer: code, IP: addr, Action: netbackend.Unblock})
			}
			if bad {
				// one more object at C0500's host in the global table, nobody's
				srv.AddIP(netboxtest.IP{Address: addrs[500].String() + "/32", Description: "duplicate"})
			}
			be, _ := netbox.NewBackend(srv.Client(), netbox.BackendConfig{})
			stage := func(name string, fn func() error) counts {
				t.Helper()
				srv.ResetRequests()
				if err := fn(); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				c := countRequests(srv.Requests())
				t.Logf("%-16s %v", name, c)
				return c
			}
			var res []netbackend.Result
			lookup := stage("block lookup", func() error { _, err := be.CustomerIPs(ctx, customers); return err })
			dry := stage("block dry run", func() error {
				_, err := be.Apply(ctx, blocks, netbackend.ApplyOptions{DryRun: true})
				return err
			})
			apply := stage("block apply", func() error {
				var err error
				res, err = be.Apply(ctx, blocks, netbackend.ApplyOptions{})
				return err
			})
			verify := stage("block verify", func() error { _, err := be.State(ctx, addrs); return err })
			s := netbackend.Summarize(res)
			want := 1000
			if bad {
				want = 999
				if res[500].Status != netbackend.Failed || s[netbackend.Failed] != 1 {
					t.Errorf("bad object: %+v, summary %v", res[500], s)
				}
			}
			if s[netbackend.Changed] != want {
				t.Fatalf("summary %v", s)
			}
			// one listing pass (a count and the pages), one verification pass
			pages := 1
			if bad {
				pages = 2 // 1,001 objects, 1,000 a page
			}
			if lookup.ipGET > pages+1 || dry.ipGET+apply.ipGET != 0 || verify.ipGET > pages {
				t.Errorf("IP reads: lookup %d, dry run %d, apply %d, verify %d", lookup.ipGET, dry.ipGET, apply.ipGET, verify.ipGET)
			}
			chunks := 1000 / netbox.DefaultBulkSize
			if !bad && apply.write != chunks {
				t.Errorf("%d writes, want %d", apply.write, chunks)
			}
			if bad && (apply.write <= chunks || apply.write > chunks+14) {
				t.Errorf("%d writes with one bad object, want %d chunks plus at most 14 to isolate it", apply.write, chunks)
			}
			total := lookup.status + lookup.fields + lookup.ipGET + dry.fields + dry.ipGET + apply.fields + apply.ipGET + apply.write + verify.ipGET + verify.fields
			t.Logf("blocknet backend total: %d requests (%d writes)", total, apply.write)

			blocked := stage("unblock blocked", func() error { _, err := be.Blocked(ctx); return err })
			lookup = stage("unblock lookup", func() error { _, err := be.CustomerIPs(ctx, customers); return err })
			apply = stage("unblock apply", func() error {
				var err error
				res, err = be.Apply(ctx, unblocks, netbackend.ApplyOptions{})
				return err
			})
			verify = stage("unblock verify", func() error { _, err := be.State(ctx, addrs); return err })
			if blocked.ipGET != 2 || lookup.ipGET > pages || apply.ipGET != 0 || verify.ipGET > pages {
				t.Errorf("unblock IP reads: blocked %d, lookup %d, apply %d, verify %d", blocked.ipGET, lookup.ipGET, apply.ipGET, verify.ipGET)
			}
			if s := netbackend.Summarize(res); s[netbackend.Changed] != want {
				t.Errorf("unblock summary %v", s)
			}
			total = blocked.ipGET + blocked.fields + lookup.ipGET + apply.fields + apply.ipGET + apply.write + verify.ipGET
			t.Logf("unblocknet backend total: %d requests (%d writes)", total, apply.write)
		})
	}
}

// TestBudgetIgnoresRequestsOtherThanNetBoxAPI keeps countRequests honest.
func TestBudgetIgnoresRequestsOtherThanNetBoxAPI(t *testing.T) {
	c := countRequests([]netboxtest.Request{{Method: http.MethodGet, Path: "/api/status/"}, {Method: http.MethodPatch, Path: "/api/ipam/ip-addresses/"}})
	if c.status != 1 || c.write != 1 || c.ipGET != 0 {
		t.Fatal(c)
	}
}
