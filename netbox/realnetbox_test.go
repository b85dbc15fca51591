package netbox_test

// Tests against a real NetBox, run when ISPTOOLS_NETBOX_URL and
// ISPTOOLS_NETBOX_TOKEN name one (CI starts NetBox 4.4.10 from
// ../shared/netbox; see README "Tests against a real NetBox"). They skip
// with a message otherwise. Each seeds its own custom fields (names
// starting with "isptools_it_"), tenants and IPs in 10.0.0.0/24 (the
// conformance hosts), 2001:db8::/64 and 10.201.0.0/16, and deletes them
// afterwards.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spoje-net/isptools/netbackend"
	"github.com/spoje-net/isptools/netbackend/netbackendtest"
	"github.com/spoje-net/isptools/netbox"
	"github.com/spoje-net/isptools/netbox/netboxtest"
)

// realFields creates the test's speed, original-speed and customer custom
// fields and returns a backend configuration using them.
func realFields(t *testing.T, nb *netboxtest.Real, prefix string) netbox.BackendConfig {
	t.Helper()
	cfg := netbox.BackendConfig{SpeedField: prefix + "speed", OrigSpeedField: prefix + "speed_orig", LookupField: prefix + "customer"}
	nb.AddCustomField(netboxtest.CustomFieldDef{Name: cfg.SpeedField, Label: "IT speed " + prefix})
	nb.AddCustomField(netboxtest.CustomFieldDef{Name: cfg.OrigSpeedField, Label: "IT speed before block " + prefix})
	nb.AddCustomField(netboxtest.CustomFieldDef{Name: cfg.LookupField, Label: "IT customer " + prefix, Type: "text"})
	return cfg
}

// TestRealConformance runs the shared backend suite against the NetBox
// backend on a real NetBox, with each customer lookup. The suite's
// subtests share the conformance addresses, so they take turns.
func TestRealConformance(t *testing.T) {
	nb := netboxtest.RealFromEnv(t)
	base := realFields(t, nb, "isptools_it_ct_")
	var turn sync.Mutex
	for _, lookup := range []netbox.Lookup{netbox.LookupDescription, netbox.LookupTenant, netbox.LookupCustomField} {
		t.Run(string(lookup), func(t *testing.T) {
			netbackendtest.Conformance(t, func(t *testing.T, hosts []netbackendtest.Host) netbackend.Backend {
				turn.Lock()
				t.Cleanup(turn.Unlock) // registered first: runs after the IPs are gone
				nb := netboxtest.RealFromEnv(t)
				ips := []netboxtest.IP{{Address: "10.0.0.99/24", Description: "mentions CUSTA", CustomFields: map[string]any{base.SpeedField: 1}}}
				tenants := map[string]bool{}
				for _, h := range hosts {
					cf := map[string]any{}
					if h.Speed >= 0 {
						cf[base.SpeedField] = h.Speed
					}
					if h.OriginalSpeed >= 0 {
						cf[base.OrigSpeedField] = h.OriginalSpeed
					}
					ip := netboxtest.IP{Address: h.IP.String() + "/24", Description: "{code:" + h.Customer + "}", CustomFields: cf}
					if h.IP.Is6() {
						ip.Address = h.IP.String() + "/64"
					}
					switch lookup {
					case netbox.LookupTenant:
						slug := "isptools-it-" + strings.ToLower(h.Customer)
						if !tenants[h.Customer] {
							tenants[h.Customer] = true
							nb.AddTenant(h.Customer, slug)
						}
						ip.Description, ip.Tenant = "", slug
					case netbox.LookupCustomField:
						ip.Description, cf[base.LookupField] = "", h.Customer
					}
					ips = append(ips, ip)
				}
				nb.AddIPs(ips...)
				cfg := base
				cfg.Lookup, cfg.Journal = lookup, true
				if lookup != netbox.LookupCustomField {
					cfg.LookupField = ""
				}
				be, err := netbox.NewBackend(nb.Client(), cfg)
				if err != nil {
					t.Fatal(err)
				}
				return be
			})
		})
	}
}

// realHosts seeds n IPs 10.201.<block>.x/24 at speed 100, customer
// ITC<block>_<i>, plus extra in the same request.
func realHosts(t *testing.T, nb *netboxtest.Real, cfg netbox.BackendConfig, block, n int, extra ...netboxtest.IP) ([]netbackend.Change, []int64) {
	t.Helper()
	ips := slices.Clone(extra)
	var changes []netbackend.Change
	for i := range n {
		addr := netip.AddrFrom4([4]byte{10, 201, byte(block + i/250), byte(i%250 + 1)})
		code := fmt.Sprintf("ITC%d_%d", block, i)
		ips = append(ips, netboxtest.IP{Address: addr.String() + "/24", Description: "{code:" + code + "}",
			CustomFields: map[string]any{cfg.SpeedField: 100}})
		changes = append(changes, netbackend.Change{Customer: code, IP: addr, Action: netbackend.Block, Reason: "real NetBox test"})
	}
	return changes, nb.AddIPs(ips...)[len(extra):]
}

func TestRealVersionAndTokens(t *testing.T) {
	nb := netboxtest.RealFromEnv(t)
	ctx := context.Background()
	v, err := nb.Client().ServerVersion(ctx)
	if err != nil || v.Major < 3 {
		t.Fatalf("version %v, %v", v, err)
	}
	t.Logf("real NetBox %s", v)

	// A v2 token on a server before 4.5: the error says why.
	cfg := nb.Config()
	cfg.Token = "nbt_abcdefabcdef.0123456789abcdef0123456789abcdef01234567"
	c, _ := netbox.New(cfg)
	_, err = c.ServerVersion(ctx)
	if v.SupportsBearer() {
		if !errors.Is(err, netbox.ErrForbidden) {
			t.Errorf("unknown v2 token on %s: %v", v, err)
		}
	} else if !errors.Is(err, netbox.ErrBearerUnsupported) || !strings.Contains(err.Error(), "NetBox "+fmt.Sprint(v.Major)) {
		t.Errorf("v2 token on %s: %v", v, err)
	}

	if nb.ReadOnlyToken == "" {
		t.Skipf("%s not set: skipping the read-only token", netboxtest.EnvRealROToken)
	}
	fields := realFields(t, nb, "isptools_it_ro_")
	changes, _ := realHosts(t, nb, fields, 10, 3)
	cfg = nb.Config()
	cfg.Token = nb.ReadOnlyToken
	c, _ = netbox.New(cfg)
	be, _ := netbox.NewBackend(c, fields)
	res, err := be.Apply(ctx, changes, netbackend.ApplyOptions{})
	if !errors.Is(err, netbox.ErrForbidden) || res[0].Status != netbackend.Failed {
		t.Errorf("read-only token: %+v, %v", res, err)
	}
	if _, err := be.State(ctx, []netip.Addr{changes[0].IP}); err != nil {
		t.Errorf("read-only token cannot read: %v", err)
	}
}

// TestRealPagingByID lists more IPs than a page holds, by id, and checks
// that each is seen once.
func TestRealPagingByID(t *testing.T) {
	nb := netboxtest.RealFromEnv(t)
	fields := realFields(t, nb, "isptools_it_pg_")
	_, ids := realHosts(t, nb, fields, 20, 25)
	seen := map[int64]int{}
	for ip, err := range nb.Client().IPAddresses(context.Background(), netbox.IPAddressFilter{Parent: []string{"10.201.20.0/24"}, Limit: 10, Fields: []string{"id", "address"}}) {
		if err != nil {
			t.Fatal(err)
		}
		seen[ip.ID]++
	}
	for _, id := range ids {
		if seen[id] != 1 {
			t.Errorf("id %d seen %d times", id, seen[id])
		}
	}
}

// TestRealBadObjectIsIsolated: an address duplicated in the global table
// makes NetBox refuse every PATCH of it; the run changes everybody else and
// reports only that IP as failed, with NetBox's message.
func TestRealBadObjectIsIsolated(t *testing.T) {
	nb := netboxtest.RealFromEnv(t)
	fields := realFields(t, nb, "isptools_it_dup_")
	// One bulk POST: NetBox checks uniqueness only against the database,
	// so 10.201.30.5 ends up twice in the global table.
	changes, _ := realHosts(t, nb, fields, 30, 9, netboxtest.IP{Address: "10.201.30.5/32", Description: "duplicate of ITC30_4"})
	be, _ := netbox.NewBackend(nb.Client(), fields)
	ctx := context.Background()
	res, err := be.Apply(ctx, changes, netbackend.ApplyOptions{})
	if err != nil {
		t.Fatalf("one bad object failed the run: %v", err)
	}
	for i, r := range res {
		switch {
		case i == 4:
			if r.Status != netbackend.Failed || !strings.Contains(r.Err.Error(), "Duplicate IP address found in global table") {
				t.Errorf("duplicate: %+v", r)
			}
		case r.Status != netbackend.Changed:
			t.Errorf("%s: %+v", r.Change.IP, r)
		}
	}
	st, err := be.State(ctx, []netip.Addr{changes[0].IP, changes[4].IP})
	if err != nil || !st[changes[0].IP].Blocked {
		t.Errorf("state %+v %v", st, err)
	}
}

// TestRealSlowWriteIsReadBack: with a write timeout shorter than NetBox
// needs for a chunk, the client gives up waiting, NetBox applies the write
// anyway; the backend reads the objects back, reports them changed, and
// never sends the write again (one change record per object besides its
// creation). It also logs NetBox's time per object of a bulk PATCH.
func TestRealSlowWriteIsReadBack(t *testing.T) {
	nb := netboxtest.RealFromEnv(t)
	fields := realFields(t, nb, "isptools_it_slow_")
	ctx := context.Background()
	changes, ids := realHosts(t, nb, fields, 40, 100)

	// NetBox's time per object, measured with a generous timeout.
	c := nb.Client()
	for _, n := range []int{10, 50} {
		var up []netbox.IPAddressUpdate
		for _, id := range ids[:n] {
			up = append(up, netbox.IPAddressUpdate{ID: id, CustomFields: map[string]any{fields.SpeedField: 100}})
		}
		start := time.Now()
		if _, err := c.BulkUpdateIPAddresses(ctx, up); err != nil {
			t.Fatal(err)
		}
		took := time.Since(start)
		t.Logf("bulk PATCH of %d objects: %s, %.3f s per object", n, took.Round(time.Millisecond), took.Seconds()/float64(n))
	}
	before := make([]int, len(ids))
	for i, id := range ids {
		before[i] = nb.ChangeCount(id)
	}

	cfg := nb.Config()
	cfg.WriteTimeout = 300 * time.Millisecond // 100 objects take seconds
	slow, _ := netbox.New(cfg)
	be, _ := netbox.NewBackend(slow, netbox.BackendConfig{SpeedField: fields.SpeedField, OrigSpeedField: fields.OrigSpeedField,
		BulkSize: 100, SettleTime: 2 * time.Minute})
	start := time.Now()
	res, err := be.Apply(ctx, changes, netbackend.ApplyOptions{})
	t.Logf("Apply of 100 blocks with a 300 ms write timeout: %s", time.Since(start).Round(time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if s := netbackend.Summarize(res); s[netbackend.Changed] != 100 {
		t.Fatalf("summary %v; first %+v", s, res[0])
	}
	for i, id := range ids {
		if n := nb.ChangeCount(id) - before[i]; n != 1 {
			t.Fatalf("IP id %d: %d change records from the block, want 1 (the write was sent again)", id, n)
		}
	}
}

// TestRealIgnoredCustomFieldFails: NetBox 4.4 silently drops a custom
// field that is not defined; the backend's check of the answer turns that
// into a failure instead of a success.
func TestRealIgnoredCustomFieldFails(t *testing.T) {
	nb := netboxtest.RealFromEnv(t)
	fields := realFields(t, nb, "isptools_it_ign_")
	changes, _ := realHosts(t, nb, fields, 50, 2)
	be, _ := netbox.NewBackend(nb.Client(), fields)
	ctx := context.Background()
	if err := be.CheckCustomFields(ctx); err != nil {
		t.Fatal(err)
	}
	nb.RemoveCustomField(fields.OrigSpeedField) // after the check, before the write
	res, err := be.Apply(ctx, changes, netbackend.ApplyOptions{})
	if err == nil || res[0].Status == netbackend.Changed {
		t.Fatalf("write of a dropped field reported %+v, %v", res, err)
	}
	t.Logf("reported: %v", res[0].Err)
}

// TestRealBlockedAndTenantConflict lists blocked entries through the real
// filters and checks the exact tenant match with a code naming two tenants.
func TestRealBlockedAndTenantConflict(t *testing.T) {
	nb := netboxtest.RealFromEnv(t)
	fields := realFields(t, nb, "isptools_it_bl_")
	nb.AddTenant("ITTWIN", "isptools-it-twin-a")
	nb.AddTenant("ITTWIN other", "ITTWIN")
	nb.AddTenant("ITSOLO", "isptools-it-solo")
	nb.AddIPs(
		netboxtest.IP{Address: "10.201.60.1/24", Tenant: "isptools-it-twin-a", CustomFields: map[string]any{fields.SpeedField: 0, fields.OrigSpeedField: 300}},
		netboxtest.IP{Address: "10.201.60.2/24", Tenant: "ITTWIN", CustomFields: map[string]any{fields.SpeedField: 0}},
		netboxtest.IP{Address: "10.201.60.3/24", Tenant: "isptools-it-solo", CustomFields: map[string]any{fields.SpeedField: 10, fields.OrigSpeedField: 100}},
		netboxtest.IP{Address: "10.201.60.4/24", Tenant: "isptools-it-solo", CustomFields: map[string]any{fields.SpeedField: 100}},
	)
	cfg := fields
	cfg.Lookup, cfg.LookupField = netbox.LookupTenant, ""
	be, _ := netbox.NewBackend(nb.Client(), cfg)
	ctx := context.Background()
	got, err := be.CustomerIPs(ctx, []string{"ITTWIN", "ITSOLO"})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got.IPs["ITSOLO"]) != "[10.201.60.3 10.201.60.4]" || len(got.IPs["ITTWIN"]) != 0 {
		t.Errorf("IPs %v", got.IPs)
	}
	if len(got.Conflicts) != 1 || got.Conflicts[0].IP.IsValid() || fmt.Sprint(got.Conflicts[0].Customers) != "[ITTWIN]" || len(got.Conflicts[0].Where) != 2 {
		t.Errorf("conflicts %v", got.Conflicts)
	}
	blocked, err := be.Blocked(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var mine []string
	for _, e := range blocked {
		if strings.HasPrefix(e.IP.String(), "10.201.60.") {
			mine = append(mine, fmt.Sprintf("%s %s %d/%d", e.Customer, e.IP, e.Speed, e.OriginalSpeed))
		}
	}
	want := "[ITSOLO 10.201.60.3 10/100 ITTWIN 10.201.60.1 0/300 ITTWIN other 10.201.60.2 0/-1]"
	if fmt.Sprint(mine) != want {
		t.Errorf("blocked %v, want %s", mine, want)
	}
}

// countingTransport counts the requests it sends, by kind.
type countingTransport struct {
	mu                  sync.Mutex
	ipGET, write, other int
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	switch {
	case r.Method != http.MethodGet:
		c.write++
	case r.URL.Path == "/api/ipam/ip-addresses/":
		c.ipGET++
	default:
		c.other++
	}
	c.mu.Unlock()
	return http.DefaultTransport.RoundTrip(r)
}

// BenchmarkRealBlockRun1000 is the backend side of a blocknet run over
// 1,000 customers (one IP each) against a real NetBox: the lookup, the dry
// run, the apply and the verification, as dunning makes them, with and
// without one object NetBox refuses (an address duplicated in the global
// table). Seeding runs outside the timer. It skips without a real NetBox;
// run it with -run '^$' -bench RealBlockRun1000 -benchtime=1x.
func BenchmarkRealBlockRun1000(b *testing.B) {
	nb := netboxtest.RealFromEnv(b)
	for _, bad := range []bool{false, true} {
		b.Run(fmt.Sprintf("bad=%v", bad), func(b *testing.B) {
			ctx := context.Background()
			var reqs, writes, ipGET, applySec float64
			for range b.N {
				b.StopTimer()
				fields := netbox.BackendConfig{SpeedField: "isptools_it_bench_speed", OrigSpeedField: "isptools_it_bench_speed_orig"}
				nb.AddCustomField(netboxtest.CustomFieldDef{Name: fields.SpeedField})
				nb.AddCustomField(netboxtest.CustomFieldDef{Name: fields.OrigSpeedField})
				var ips []netboxtest.IP
				var changes []netbackend.Change
				var customers []string
				var addrs []netip.Addr
				for i := range 1000 {
					addr := netip.AddrFrom4([4]byte{10, 201, byte(100 + i/250), byte(i%250 + 1)})
					code := fmt.Sprintf("ITB%04d", i)
					ips = append(ips, netboxtest.IP{Address: addr.String() + "/24", Description: "{code:" + code + "}",
						CustomFields: map[string]any{fields.SpeedField: 100}})
					changes = append(changes, netbackend.Change{Customer: code, IP: addr, Action: netbackend.Block})
					customers = append(customers, code)
					addrs = append(addrs, addr)
				}
				if bad {
					ips = append(ips, netboxtest.IP{Address: addrs[500].String() + "/32", Description: "duplicate"})
				}
				nb.AddIPs(ips...)
				ct := &countingTransport{}
				cfg := nb.Config()
				cfg.Transport = ct
				c, _ := netbox.New(cfg)
				be, _ := netbox.NewBackend(c, fields)
				b.StartTimer()
				if _, err := be.CustomerIPs(ctx, customers); err != nil {
					b.Fatal(err)
				}
				if _, err := be.Apply(ctx, changes, netbackend.ApplyOptions{DryRun: true}); err != nil {
					b.Fatal(err)
				}
				start := time.Now()
				res, err := be.Apply(ctx, changes, netbackend.ApplyOptions{})
				applySec += time.Since(start).Seconds()
				if err != nil {
					b.Fatal(err)
				}
				if _, err := be.State(ctx, addrs); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				if s := netbackend.Summarize(res); s[netbackend.Changed] < 999 {
					b.Fatalf("summary %v", s)
				}
				reqs += float64(ct.ipGET + ct.write + ct.other)
				writes += float64(ct.write)
				ipGET += float64(ct.ipGET)
				b.StartTimer()
			}
			n := float64(b.N)
			b.ReportMetric(reqs/n, "requests/op")
			b.ReportMetric(writes/n, "writes/op")
			b.ReportMetric(ipGET/n, "IP-GET/op")
			b.ReportMetric(applySec/n/1000, "apply-s/IP")
		})
	}
}
