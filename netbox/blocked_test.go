package netbox_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/spoje-net/isptools/netbackend"
	"github.com/spoje-net/isptools/netbox"
	"github.com/spoje-net/isptools/netbox/netboxtest"
)

func TestBlockedListsKeptOriginalsAndHandBlocks(t *testing.T) {
	for _, version := range []string{"4.4.10", "3.1.11"} {
		t.Run(version, func(t *testing.T) {
			srv := netboxtest.NewServer(t)
			srv.SetVersion(version)
			srv.AddCustomField(netboxtest.CustomFieldDef{Name: "speed"})
			srv.AddCustomField(netboxtest.CustomFieldDef{Name: "speed_orig"})
			srv.AddIP(netboxtest.IP{Address: "10.6.0.9/24", Description: "{code:B}", CustomFields: map[string]any{"speed": 0, "speed_orig": 300}})
			srv.AddIP(netboxtest.IP{Address: "10.6.0.2/24", Description: "{code:A}", CustomFields: map[string]any{"speed": 10, "speed_orig": 100}}) // throttled
			srv.AddIP(netboxtest.IP{Address: "10.6.0.3/24", Description: "{code:A}", CustomFields: map[string]any{"speed": 0}})                     // by hand
			srv.AddIP(netboxtest.IP{Address: "10.6.0.4/24", Description: "{code:A}", CustomFields: map[string]any{"speed": 100}})                   // not blocked
			srv.AddIP(netboxtest.IP{Address: "10.6.0.5/24", Description: "gateway", CustomFields: map[string]any{"speed": 0}})                      // nobody's
			srv.AddIP(netboxtest.IP{Address: "10.6.0.6/24", Description: "{code:C}", CustomFields: map[string]any{"speed": 0, "speed_orig": 0}})    // ours, had no speed
			be, _ := netbox.NewBackend(srv.Client(), netbox.BackendConfig{})
			srv.ResetRequests()
			got, err := be.Blocked(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			var lines []string
			for _, e := range got {
				lines = append(lines, fmt.Sprintf("%s %s %d/%d %v", e.Customer, e.IP, e.Speed, e.OriginalSpeed, e.KeptOriginal()))
				if !strings.HasPrefix(e.Where, "netbox ip-address ") {
					t.Errorf("where %q", e.Where)
				}
			}
			want := []string{" 10.6.0.5 0/-1 false", "A 10.6.0.2 10/100 true", "A 10.6.0.3 0/-1 false", "B 10.6.0.9 0/300 true", "C 10.6.0.6 0/0 true"}
			if fmt.Sprint(lines) != fmt.Sprint(want) {
				t.Errorf("got  %q\nwant %q", lines, want)
			}
			var lists []netboxtest.Request
			for _, r := range srv.Requests() {
				if r.Path == "/api/ipam/ip-addresses/" {
					lists = append(lists, r)
				}
			}
			if len(lists) != 2 || lists[0].Query.Get("cf_speed_orig__gte") != "0" || lists[1].Query.Get("cf_speed") != "0" {
				t.Errorf("listings %+v", lists)
			}
		})
	}
}

func TestBlockedByTenantNamesTheTenant(t *testing.T) {
	srv := netboxtest.NewServer(t)
	srv.AddCustomField(netboxtest.CustomFieldDef{Name: "speed"})
	srv.AddCustomField(netboxtest.CustomFieldDef{Name: "speed_orig"})
	srv.AddTenant("CUST9", "cust9")
	srv.AddIP(netboxtest.IP{Address: "10.6.1.1/24", Tenant: "cust9", CustomFields: map[string]any{"speed": 0, "speed_orig": 50}})
	be, _ := netbox.NewBackend(srv.Client(), netbox.BackendConfig{Lookup: netbox.LookupTenant})
	got, err := be.Blocked(context.Background())
	if err != nil || len(got) != 1 || got[0].Customer != "CUST9" {
		t.Fatalf("got %+v, %v", got, err)
	}
}

func TestBlockSpeedThrottles(t *testing.T) {
	f := newFixture(t, netbox.BackendConfig{})
	ctx := context.Background()
	throttle := func(customer, ip string, speed int) netbackend.Change {
		c := change(customer, ip, netbackend.Block)
		c.BlockSpeed = speed
		return c
	}
	apply := func(c netbackend.Change) netbackend.Result {
		t.Helper()
		res, err := f.be.Apply(ctx, []netbackend.Change{c}, netbackend.ApplyOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return res[0]
	}
	if r := apply(throttle("ACME", "10.0.0.1", 10)); r.Status != netbackend.Changed || r.SpeedBefore != 100 || r.SpeedAfter != 10 {
		t.Fatalf("throttle: %+v", r)
	}
	if s, o := f.speeds(t, "10.0.0.1"); s != "10" || o != "100" {
		t.Fatalf("after throttle speed=%s orig=%s", s, o)
	}
	if r := apply(throttle("ACME", "10.0.0.1", 10)); r.Status != netbackend.Unchanged {
		t.Errorf("same throttle again: %+v", r)
	}
	if r := apply(throttle("ACME", "10.0.0.1", 50)); r.Status != netbackend.Unchanged {
		t.Errorf("milder throttle of a throttled IP: %+v", r)
	}
	// A harder block keeps the original, never the throttled speed.
	if r := apply(throttle("ACME", "10.0.0.1", 0)); r.Status != netbackend.Changed || r.SpeedAfter != 0 {
		t.Errorf("cut after throttle: %+v", r)
	}
	if s, o := f.speeds(t, "10.0.0.1"); s != "0" || o != "100" {
		t.Fatalf("after cut speed=%s orig=%s", s, o)
	}
	// Blocked by hand (speed 0, nothing kept): never raised to a throttle.
	if r := apply(throttle("NOORIG", "10.0.0.5", 10)); r.Status != netbackend.Unchanged {
		t.Errorf("throttle of a hand block: %+v", r)
	}
	if r := apply(throttle("ACME", "10.0.0.2", 10)); r.Status != netbackend.Changed {
		t.Fatalf("throttle 10.0.0.2: %+v", r)
	}
	// An unblock restores a throttled IP too.
	if r := apply(change("ACME", "10.0.0.2", netbackend.Unblock)); r.Status != netbackend.Changed || r.SpeedBefore != 10 || r.SpeedAfter != 50 {
		t.Errorf("unblock of a throttled IP: %+v", r)
	}
}

func TestPagingByIDWhileObjectsChange(t *testing.T) {
	// Between the first and the second page, the first IP listed is
	// deleted. Offset paging (NetBox 3.x) then skips a row: every later row
	// moves up by one. Paging by id (4.x) sees every IP exactly once.
	for _, tc := range []struct {
		version string
		want    int
	}{{"4.4.10", 9}, {"3.1.11", 8}} {
		t.Run(tc.version, func(t *testing.T) {
			srv := netboxtest.NewServer(t)
			srv.SetVersion(tc.version)
			srv.SetMaxPageSize(3)
			var first int64
			for i := 1; i <= 9; i++ {
				id := srv.AddIP(netboxtest.IP{Address: fmt.Sprintf("10.7.0.%d/24", i)})
				if i == 1 {
					first = id
				}
			}
			lists := 0
			srv.OnRequest(func(n int, r netboxtest.Request) {
				if r.Path == "/api/ipam/ip-addresses/" {
					if lists++; lists == 2 {
						srv.DeleteIP(first)
					}
				}
			})
			seen := map[string]int{}
			for _, ip := range collect(t, srv.Client(), netbox.IPAddressFilter{Limit: 3}) {
				seen[ip.Address]++
			}
			if len(seen) != tc.want {
				t.Errorf("%d distinct IPs listed, want %d: %v", len(seen), tc.want, seen)
			}
			for a, n := range seen {
				if n != 1 {
					t.Errorf("%s listed %d times", a, n)
				}
			}
		})
	}
}

func TestListingOutOfIDOrderFails(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/status/" {
			_, _ = w.Write([]byte(`{"netbox-version": "4.4.10"}`))
			return
		}
		_, _ = w.Write([]byte(`{"count":2,"next":null,"previous":null,"results":[{"id":5,"address":"10.0.0.1/32"},{"id":3,"address":"10.0.0.2/32"}]}`))
	}))
	defer srv.Close()
	c, _ := netbox.New(netbox.Config{URL: srv.URL, Token: "t"})
	var last error
	for _, err := range c.IPAddresses(context.Background(), netbox.IPAddressFilter{}) {
		last = err
	}
	if !errors.Is(last, netbox.ErrInconsistentListing) {
		t.Fatalf("got %v", last)
	}
}

func TestCustomFieldsOfNetBox3(t *testing.T) {
	srv := netboxtest.NewServer(t)
	srv.SetVersion("3.1.11")
	srv.AddCustomField(netboxtest.CustomFieldDef{Name: "speed"})
	srv.AddIP(netboxtest.IP{Address: "10.8.0.1/24", Description: "{code:A}", CustomFields: map[string]any{"speed": 100}})
	be, _ := netbox.NewBackend(srv.Client(), netbox.BackendConfig{})
	ctx := context.Background()
	err := be.CheckCustomFields(ctx)
	var mce *netbox.MissingCustomFieldsError
	if !errors.As(err, &mce) || fmt.Sprint(mce.Missing) != "[speed_orig]" {
		t.Fatalf("3.x: existing field reported missing or wrong: %v", err)
	}
	created, err := be.EnsureCustomFields(ctx)
	if err != nil || len(created) != 1 || fmt.Sprint(created[0].ObjectTypes) != "[ipam.ipaddress]" {
		t.Fatalf("EnsureCustomFields on 3.x: %+v %v", created, err)
	}
	res, err := be.Apply(ctx, []netbackend.Change{change("A", "10.8.0.1", netbackend.Block)}, netbackend.ApplyOptions{})
	if err != nil || res[0].Status != netbackend.Changed {
		t.Fatalf("block on 3.x: %+v %v", res, err)
	}
}

func TestReadOnlyTokenStopsAfterFirstChunk(t *testing.T) {
	srv := netboxtest.NewServer(t)
	srv.AddCustomField(netboxtest.CustomFieldDef{Name: "speed"})
	srv.AddCustomField(netboxtest.CustomFieldDef{Name: "speed_orig"})
	var changes []netbackend.Change
	for i := range 5 {
		addr := fmt.Sprintf("10.9.0.%d", i+1)
		srv.AddIP(netboxtest.IP{Address: addr + "/24", Description: "{code:A}", CustomFields: map[string]any{"speed": 10}})
		changes = append(changes, change("A", addr, netbackend.Block))
	}
	cfg := srv.Config()
	cfg.Token = srv.ReadOnlyToken
	c, _ := netbox.New(cfg)
	be, _ := netbox.NewBackend(c, netbox.BackendConfig{BulkSize: 2})
	res, err := be.Apply(context.Background(), changes, netbackend.ApplyOptions{})
	if !errors.Is(err, netbox.ErrForbidden) || !strings.Contains(err.Error(), "You do not have permission") {
		t.Fatalf("got %v", err)
	}
	for _, r := range res {
		if r.Status != netbackend.Failed {
			t.Errorf("%+v", r)
		}
	}
	if w := srv.Writes(); len(w) != 1 {
		t.Errorf("%d writes with a read-only token, want 1", len(w))
	}
	if _, err := be.State(context.Background(), []netip.Addr{netip.MustParseAddr("10.9.0.1")}); err != nil {
		t.Errorf("reads with a read-only token: %v", err)
	}
}
