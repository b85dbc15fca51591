package netbox_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spoje-net/isptools/netbackend"
	"github.com/spoje-net/isptools/netbox"
	"github.com/spoje-net/isptools/netbox/netboxtest"
)

// fixture is a NetBox with the speed fields and a few customers' IPs.
type fixture struct {
	srv *netboxtest.Server
	be  *netbox.Backend
	ids map[string]int64 // by host address
}

func newFixture(t *testing.T, cfg netbox.BackendConfig) *fixture {
	t.Helper()
	srv := netboxtest.NewServer(t)
	srv.AddCustomField(netboxtest.CustomFieldDef{Name: "speed"})
	srv.AddCustomField(netboxtest.CustomFieldDef{Name: "speed_orig"})
	f := &fixture{srv: srv, ids: map[string]int64{}}
	add := func(addr, desc string, cf map[string]any) {
		f.ids[strings.Split(addr, "/")[0]] = srv.AddIP(netboxtest.IP{Address: addr, Description: desc, CustomFields: cf})
	}
	add("10.0.0.1/24", "# speed=100 {code:ACME}", map[string]any{"speed": 100})
	add("10.0.0.2/24", "router {code:ACME} backup", map[string]any{"speed": 50})
	add("10.0.0.3/24", "{code:ACME2}", map[string]any{"speed": 20})
	add("10.0.0.4/24", "{code:BLOCKED}", map[string]any{"speed": 0, "speed_orig": 300})
	add("10.0.0.5/24", "{code:NOORIG}", map[string]any{"speed": 0})
	add("10.0.0.6/24", "no code here, mentions ACME", map[string]any{"speed": 10})
	be, err := netbox.NewBackend(srv.Client(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	f.be = be
	return f
}

func (f *fixture) speeds(t *testing.T, host string) (speed, orig string) {
	t.Helper()
	ip, ok := f.srv.IP(f.ids[host])
	if !ok {
		t.Fatalf("IP %s gone", host)
	}
	return string(ip.CustomFields["speed"]), string(ip.CustomFields["speed_orig"])
}

func change(customer, ip string, a netbackend.Action) netbackend.Change {
	return netbackend.Change{Customer: customer, IP: netip.MustParseAddr(ip), Action: a, Reason: "unpaid invoice"}
}

func TestCustomerIPsDescription(t *testing.T) {
	f := newFixture(t, netbox.BackendConfig{})
	got, err := f.be.CustomerIPs(context.Background(), []string{"ACME", "ACME2", "NOBODY"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]netip.Addr{
		"ACME":  {netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.0.2")},
		"ACME2": {netip.MustParseAddr("10.0.0.3")},
	}
	if fmt.Sprint(got.IPs) != fmt.Sprint(want) || len(got.Conflicts) != 0 {
		t.Fatalf("got %+v, want %v", got, want)
	}
	var lists []netboxtest.Request
	for _, r := range f.srv.Requests() {
		if r.Path == "/api/ipam/ip-addresses/" {
			lists = append(lists, r)
		}
	}
	// one filtered query, then every object at the hosts found
	if len(lists) != 2 {
		t.Fatalf("want a filtered query and an address query, got %d: %+v", len(lists), lists)
	}
	if q := lists[0].Query["description__ic"]; !slices.Equal(q, []string{"{code:ACME}", "{code:ACME2}", "{code:NOBODY}"}) {
		t.Errorf("server-side filter = %v", q)
	}
	if q := lists[1].Query["address"]; !slices.Equal(q, []string{"10.0.0.1", "10.0.0.2", "10.0.0.3"}) {
		t.Errorf("address query = %v", q)
	}
}

func TestCustomerIPsScanAboveThreshold(t *testing.T) {
	f := newFixture(t, netbox.BackendConfig{ScanThreshold: 2, QueryChunk: 1})
	got, err := f.be.CustomerIPs(context.Background(), []string{"ACME", "ACME2", "BLOCKED", "X"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.IPs["ACME"]) != 2 || len(got.IPs["ACME2"]) != 1 || len(got.IPs["BLOCKED"]) != 1 || len(got.IPs["X"]) != 0 {
		t.Fatalf("got %v", got)
	}
	var lists []netboxtest.Request
	for _, r := range f.srv.Requests() {
		if r.Path == "/api/ipam/ip-addresses/" {
			lists = append(lists, r)
		}
	}
	// one count + one page instead of 4 filtered queries
	if len(lists) != 2 || lists[1].Query.Get("fields") == "" || lists[1].Query.Get("ordering") != "id" {
		t.Fatalf("want count + one restricted listing by id, got %+v", lists)
	}
}

func TestCustomerIPsTenantExact(t *testing.T) {
	srv := netboxtest.NewServer(t)
	srv.AddTenant("Acme Networks", "ACME.NET") // slug is not a NetBox slug, but stored as is
	srv.AddTenant("ACME", "acme")              // matched by name
	srv.AddTenant("A-1", "a-1")                // "A.1" and "A 1" share its computed slug
	srv.AddTenant("Other", "other")            // nobody's
	srv.AddTenant("Twin by name", "TWIN")      // TWIN names two tenants:
	srv.AddTenant("TWIN", "twin-by-name")      // one by slug, one by name
	srv.AddIP(netboxtest.IP{Address: "192.0.2.1/32", Tenant: "ACME.NET"})
	srv.AddIP(netboxtest.IP{Address: "192.0.2.2/32", Tenant: "acme"})
	srv.AddIP(netboxtest.IP{Address: "192.0.2.3/32", Tenant: "other"})
	srv.AddIP(netboxtest.IP{Address: "192.0.2.4/32", Tenant: "a-1"})
	srv.AddIP(netboxtest.IP{Address: "192.0.2.5/32", Tenant: "TWIN"})
	srv.AddIP(netboxtest.IP{Address: "192.0.2.6/32", Tenant: "twin-by-name"})
	be, err := netbox.NewBackend(srv.Client(), netbox.BackendConfig{Lookup: netbox.LookupTenant})
	if err != nil {
		t.Fatal(err)
	}
	got, err := be.CustomerIPs(context.Background(), []string{"ACME.NET", "UNKNOWN", "ACME", "A.1", "A 1", "A-1", "TWIN"})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got.IPs) != "map[A-1:[192.0.2.4] ACME:[192.0.2.2] ACME.NET:[192.0.2.1]]" {
		t.Errorf("IPs %v", got.IPs)
	}
	if len(got.Conflicts) != 1 || got.Conflicts[0].IP.IsValid() || !slices.Equal(got.Conflicts[0].Customers, []string{"TWIN"}) ||
		len(got.Conflicts[0].Where) != 2 || !strings.Contains(got.Conflicts[0].Where[0], "netbox tenant") {
		t.Errorf("conflicts %+v", got.Conflicts)
	}
}

func TestCustomerIPsConflictingOwners(t *testing.T) {
	srv := netboxtest.NewServer(t)
	srv.AddCustomField(netboxtest.CustomFieldDef{Name: "speed"})
	srv.AddCustomField(netboxtest.CustomFieldDef{Name: "speed_orig"})
	srv.AddIP(netboxtest.IP{Address: "10.5.0.1/24", Description: "{code:A}"})
	a2 := srv.AddIP(netboxtest.IP{Address: "10.5.0.2/24", Description: "{code:A}"})
	b2 := srv.AddIP(netboxtest.IP{Address: "10.5.0.2/32", VRF: "mgmt", Description: "{code:B} re-assigned"}) // same host, B
	srv.AddIP(netboxtest.IP{Address: "10.5.0.3/24", Description: "{code:A} {code:C}"})                       // one object, two codes
	be, _ := netbox.NewBackend(srv.Client(), netbox.BackendConfig{})
	ctx := context.Background()
	got, err := be.CustomerIPs(ctx, []string{"A"})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got.IPs) != "map[A:[10.5.0.1]]" {
		t.Errorf("IPs %v", got.IPs)
	}
	if len(got.Conflicts) != 2 || got.Conflicts[0].String() != fmt.Sprintf("10.5.0.2 claimed by A, B (netbox ip-address %d, netbox ip-address %d)", a2, b2) ||
		!slices.Equal(got.Conflicts[1].Customers, []string{"A", "C"}) {
		t.Errorf("conflicts %v", got.Conflicts)
	}
	// A host held by objects of two customers is a conflict for Apply too:
	// neither object is changed, for either customer.
	for _, who := range []string{"B", "A"} {
		res, err := be.Apply(ctx, []netbackend.Change{change(who, "10.5.0.2", netbackend.Block)}, netbackend.ApplyOptions{})
		if err != nil || res[0].Status != netbackend.Failed || !errors.Is(res[0].Err, netbackend.ErrConflict) {
			t.Fatalf("block %s: %+v %v; want failed wrapping ErrConflict", who, res, err)
		}
	}
	for _, ip := range srv.IPs() {
		if speed := string(ip.CustomFields["speed"]); speed != "" && speed != "null" {
			t.Errorf("%s speed %s, want untouched", ip.Address, speed)
		}
	}
	res, _ := be.Apply(ctx, []netbackend.Change{change("D", "10.5.0.1", netbackend.Block)}, netbackend.ApplyOptions{})
	if res[0].Status != netbackend.Failed || !strings.Contains(res[0].Err.Error(), "belongs to A") || !errors.Is(res[0].Err, netbackend.ErrConflict) {
		t.Errorf("block of A's IP for D: %+v", res[0])
	}
}

func TestCustomerIPsCustomField(t *testing.T) {
	srv := netboxtest.NewServer(t)
	srv.AddIP(netboxtest.IP{Address: "192.0.2.1/32", CustomFields: map[string]any{"customer": "ACME"}})
	srv.AddIP(netboxtest.IP{Address: "192.0.2.2/32", CustomFields: map[string]any{"customer": "ACME2"}})
	be, err := netbox.NewBackend(srv.Client(), netbox.BackendConfig{Lookup: netbox.LookupCustomField, LookupField: "customer"})
	if err != nil {
		t.Fatal(err)
	}
	// Without the field NetBox would ignore cf_customer and return every IP.
	_, err = be.CustomerIPs(context.Background(), []string{"ACME"})

	if !errors.Is(err, netbox.ErrMissingCustomField) || !strings.Contains(err.Error(), `"customer"`) {
		t.Fatalf("want missing custom field error, got %v", err)
	}
	srv.AddCustomField(netboxtest.CustomFieldDef{Name: "customer", Type: "text"})
	got, err := be.CustomerIPs(context.Background(), []string{"ACME"})
	if err != nil {
		t.Fatal(err)
	}
	// The text filter is loose (contains) on the server; ACME2 must not match.
	if fmt.Sprint(got.IPs) != "map[ACME:[192.0.2.1]]" {
		t.Fatalf("got %v", got)
	}
}

func TestBlockAndIdempotence(t *testing.T) {
	f := newFixture(t, netbox.BackendConfig{})
	ctx := context.Background()
	changes := []netbackend.Change{change("ACME", "10.0.0.1", netbackend.Block), change("ACME", "10.0.0.2", netbackend.Block)}
	res, err := f.be.Apply(ctx, changes, netbackend.ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if r.Status != netbackend.Changed || r.SpeedAfter != 0 {
			t.Errorf("result %d = %+v", i, r)
		}
	}
	if res[0].SpeedBefore != 100 || res[1].SpeedBefore != 50 {
		t.Errorf("speed before = %d, %d", res[0].SpeedBefore, res[1].SpeedBefore)
	}
	if s, o := f.speeds(t, "10.0.0.1"); s != "0" || o != "100" {
		t.Errorf("10.0.0.1 speed=%s orig=%s", s, o)
	}
	if s, o := f.speeds(t, "10.0.0.2"); s != "0" || o != "50" {
		t.Errorf("10.0.0.2 speed=%s orig=%s", s, o)
	}
	if w := f.srv.Writes(); len(w) != 1 || w[0].Method != http.MethodPatch || w[0].Path != "/api/ipam/ip-addresses/" {
		t.Fatalf("want one bulk PATCH, got %+v", w)
	}

	f.srv.ResetRequests()
	res, err = f.be.Apply(ctx, changes, netbackend.ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if s := netbackend.Summarize(res); s[netbackend.Unchanged] != 2 {
		t.Fatalf("second run: %v", s)
	}
	if w := f.srv.Writes(); len(w) != 0 {
		t.Fatalf("second run wrote: %+v", w)
	}
	if _, o := f.speeds(t, "10.0.0.1"); o != "100" {
		t.Errorf("second block overwrote the kept speed: %s", o)
	}
}

func TestUnblock(t *testing.T) {
	f := newFixture(t, netbox.BackendConfig{})
	withFallback := change("NOORIG", "10.0.0.5", netbackend.Unblock)
	withFallback.FallbackSpeed = 25
	res, err := f.be.Apply(context.Background(), []netbackend.Change{
		change("BLOCKED", "10.0.0.4", netbackend.Unblock), // kept original 300
		withFallback, // nothing kept: fallback
		change("ACME", "10.0.0.1", netbackend.Unblock), // not blocked
	}, netbackend.ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := []netbackend.Status{res[0].Status, res[1].Status, res[2].Status}
	if !slices.Equal(got, []netbackend.Status{netbackend.Changed, netbackend.Changed, netbackend.Unchanged}) {
		t.Fatalf("statuses %v", got)
	}
	if res[0].SpeedAfter != 300 || res[1].SpeedAfter != 25 {
		t.Errorf("speed after = %d, %d", res[0].SpeedAfter, res[1].SpeedAfter)
	}
	if s, o := f.speeds(t, "10.0.0.4"); s != "300" || o != "null" {
		t.Errorf("10.0.0.4 speed=%s orig=%s", s, o)
	}
	if s, o := f.speeds(t, "10.0.0.5"); s != "25" || o != "null" {
		t.Errorf("10.0.0.5 speed=%s orig=%s", s, o)
	}
	if s, _ := f.speeds(t, "10.0.0.1"); s != "100" {
		t.Errorf("unblock touched an unblocked IP: speed=%s", s)
	}
}

func TestUnblockWithoutOriginalOrFallbackClearsSpeed(t *testing.T) {
	f := newFixture(t, netbox.BackendConfig{})
	res, err := f.be.Apply(context.Background(), []netbackend.Change{change("NOORIG", "10.0.0.5", netbackend.Unblock)}, netbackend.ApplyOptions{})
	if err != nil || res[0].Status != netbackend.Changed || res[0].SpeedAfter != -1 {
		t.Fatalf("res=%+v err=%v", res, err)
	}
	if s, _ := f.speeds(t, "10.0.0.5"); s != "null" {
		t.Errorf("speed=%s, want null", s)
	}
}

func TestBlockThenUnblockRestores(t *testing.T) {
	f := newFixture(t, netbox.BackendConfig{})
	ctx := context.Background()
	if _, err := f.be.Apply(ctx, []netbackend.Change{change("ACME", "10.0.0.1", netbackend.Block)}, netbackend.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	st, err := f.be.State(ctx, []netip.Addr{netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("192.0.2.99")})
	if err != nil {
		t.Fatal(err)
	}
	if s := st[netip.MustParseAddr("10.0.0.1")]; !s.Found || !s.Blocked || s.Speed != 0 || s.OriginalSpeed != 100 {
		t.Errorf("state after block: %+v", s)
	}
	if s := st[netip.MustParseAddr("192.0.2.99")]; s.Found {
		t.Errorf("unknown IP found: %+v", s)
	}
	if _, err := f.be.Apply(ctx, []netbackend.Change{change("ACME", "10.0.0.1", netbackend.Unblock)}, netbackend.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	if s, o := f.speeds(t, "10.0.0.1"); s != "100" || o != "null" {
		t.Errorf("after unblock speed=%s orig=%s", s, o)
	}
}

func TestUnknownIPAndCustomer(t *testing.T) {
	f := newFixture(t, netbox.BackendConfig{})
	got, err := f.be.CustomerIPs(context.Background(), []string{"NOBODY"})
	if err != nil || len(got.IPs["NOBODY"]) != 0 {
		t.Fatalf("got %v, %v", got, err)
	}
	res, err := f.be.Apply(context.Background(), []netbackend.Change{change("NOBODY", "192.0.2.99", netbackend.Block)}, netbackend.ApplyOptions{})
	if err != nil || res[0].Status != netbackend.NotFound {
		t.Fatalf("res=%+v err=%v", res, err)
	}
	if w := f.srv.Writes(); len(w) != 0 {
		t.Fatalf("wrote: %+v", w)
	}
}

func TestDryRunWritesNothing(t *testing.T) {
	f := newFixture(t, netbox.BackendConfig{Journal: true})
	res, err := f.be.Apply(context.Background(), []netbackend.Change{
		change("ACME", "10.0.0.1", netbackend.Block),
		change("BLOCKED", "10.0.0.4", netbackend.Unblock),
	}, netbackend.ApplyOptions{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Status != netbackend.Changed || res[0].SpeedAfter != 0 || res[1].Status != netbackend.Changed || res[1].SpeedAfter != 300 {
		t.Fatalf("dry run results %+v", res)
	}
	if w := f.srv.Writes(); len(w) != 0 {
		t.Fatalf("dry run wrote: %+v", w)
	}
	if s, _ := f.speeds(t, "10.0.0.1"); s != "100" {
		t.Errorf("dry run changed speed to %s", s)
	}
}

func TestWrongTokenFailsCleanly(t *testing.T) {
	f := newFixture(t, netbox.BackendConfig{})
	cfg := f.srv.Config()
	cfg.Token = ""
	if _, err := netbox.New(cfg); err == nil || !strings.Contains(err.Error(), "Token (NETBOXTOKEN) is required") {
		t.Fatalf("missing token: %v", err)
	}
	cfg.Token = "0123456789abcdef0123456789abcdef01234567"
	c, err := netbox.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	be, _ := netbox.NewBackend(c, netbox.BackendConfig{})
	_, err = be.Apply(context.Background(), []netbackend.Change{change("ACME", "10.0.0.1", netbackend.Block)}, netbackend.ApplyOptions{})
	if !errors.Is(err, netbox.ErrForbidden) || !strings.Contains(err.Error(), "Invalid token") {
		t.Fatalf("want 403 Invalid token, got %v", err)
	}
	if strings.Contains(err.Error(), cfg.Token) {
		t.Fatal("error leaks the token")
	}
	if w := f.srv.Writes(); len(w) != 0 {
		t.Fatalf("wrote: %+v", w)
	}
}

func TestMissingCustomFieldThenEnsure(t *testing.T) {
	srv := netboxtest.NewServer(t)
	id := srv.AddIP(netboxtest.IP{Address: "10.1.0.1/32", Description: "{code:C}"})
	srv.AddCustomField(netboxtest.CustomFieldDef{Name: "speed"})
	be, _ := netbox.NewBackend(srv.Client(), netbox.BackendConfig{})
	ctx := context.Background()
	ch := []netbackend.Change{change("C", "10.1.0.1", netbackend.Block)}
	_, err := be.Apply(ctx, ch, netbackend.ApplyOptions{})
	var mce *netbox.MissingCustomFieldsError
	if !errors.As(err, &mce) || !slices.Equal(mce.Missing, []string{"speed_orig"}) {
		t.Fatalf("want missing speed_orig, got %v", err)
	}
	if !strings.Contains(err.Error(), "EnsureCustomFields") || !strings.Contains(err.Error(), `"type": "integer"`) {
		t.Errorf("error does not say how to fix: %v", err)
	}
	if w := srv.Writes(); len(w) != 0 {
		t.Fatalf("wrote before the check: %+v", w)
	}
	created, err := be.EnsureCustomFields(ctx)
	if err != nil || len(created) != 1 || created[0].Name != "speed_orig" || created[0].Type.Value != "integer" ||
		!slices.Equal(created[0].ObjectTypes, []string{"ipam.ipaddress"}) {
		t.Fatalf("EnsureCustomFields = %+v, %v", created, err)
	}
	if again, err := be.EnsureCustomFields(ctx); err != nil || len(again) != 0 {
		t.Fatalf("second EnsureCustomFields = %+v, %v", again, err)
	}
	srv.ResetRequests()
	// speed unset: the block sets 0 and keeps 0 (ours, unblock uses the fallback).
	res, err := be.Apply(ctx, ch, netbackend.ApplyOptions{})
	if err != nil || res[0].Status != netbackend.Changed {
		t.Fatalf("res=%+v err=%v", res, err)
	}
	ip, _ := srv.IP(id)
	if string(ip.CustomFields["speed"]) != "0" || string(ip.CustomFields["speed_orig"]) != "0" {
		t.Errorf("custom fields %s", ip.CustomFields)
	}
}

func TestWrongTypeCustomField(t *testing.T) {
	srv := netboxtest.NewServer(t)
	srv.AddCustomField(netboxtest.CustomFieldDef{Name: "speed", Type: "text"})
	srv.AddCustomField(netboxtest.CustomFieldDef{Name: "speed_orig"})
	be, _ := netbox.NewBackend(srv.Client(), netbox.BackendConfig{})
	err := be.CheckCustomFields(context.Background())
	var mce *netbox.MissingCustomFieldsError
	if !errors.As(err, &mce) || !slices.Equal(mce.WrongType, []string{"speed"}) {
		t.Fatalf("got %v", err)
	}
}

func TestBulk400IsolatesTheBadObject(t *testing.T) {
	maxOrig := int64(60)
	// A maximum on speed_orig makes keeping 100 fail validation for one
	// object of the bulk request; NetBox rejects the whole request.
	srv := netboxtest.NewServer(t)
	srv.AddCustomField(netboxtest.CustomFieldDef{Name: "speed"})
	srv.AddCustomField(netboxtest.CustomFieldDef{Name: "speed_orig", Max: &maxOrig})
	okID := srv.AddIP(netboxtest.IP{Address: "10.0.0.2/24", CustomFields: map[string]any{"speed": 50}})
	badID := srv.AddIP(netboxtest.IP{Address: "10.0.0.1/24", CustomFields: map[string]any{"speed": 100}})
	be, _ := netbox.NewBackend(srv.Client(), netbox.BackendConfig{})
	res, err := be.Apply(context.Background(), []netbackend.Change{
		change("ACME", "10.0.0.2", netbackend.Block),
		change("ACME", "10.0.0.1", netbackend.Block),
	}, netbackend.ApplyOptions{})
	if err != nil {
		t.Fatalf("one bad object is not a batch failure: %v", err)
	}
	if res[0].Status != netbackend.Changed {
		t.Errorf("good object: %+v", res[0])
	}
	var apiErr *netbox.APIError
	if res[1].Status != netbackend.Failed || !errors.As(res[1].Err, &apiErr) || !strings.Contains(apiErr.Fields["__all__"][0], "Value must not exceed 60") ||
		!strings.Contains(res[1].Err.Error(), fmt.Sprintf("id %d", badID)) {
		t.Fatalf("bad object: %+v", res[1])
	}
	if ip, _ := srv.IP(okID); string(ip.CustomFields["speed"]) != "0" {
		t.Errorf("good object not blocked")
	}
	if ip, _ := srv.IP(badID); string(ip.CustomFields["speed"]) != "100" {
		t.Errorf("bad object changed")
	}
	// the whole chunk, then each half
	if w := srv.Writes(); len(w) != 3 || w[0].Status != 400 || w[1].Status != 200 || w[2].Status != 400 {
		t.Errorf("writes %+v", w)
	}
	// The bad object alone (the next run): its change fails, the batch
	// does not (the run must not report everybody else as failed).
	res, err = be.Apply(context.Background(), []netbackend.Change{
		change("ACME", "10.0.0.2", netbackend.Block),
		change("ACME", "10.0.0.1", netbackend.Block),
	}, netbackend.ApplyOptions{})
	if err != nil || res[0].Status != netbackend.Unchanged || res[1].Status != netbackend.Failed {
		t.Fatalf("rerun with only the bad object to write: %+v, %v", res, err)
	}
}

func TestBulkChunksFailIndependently(t *testing.T) {
	maxOrig := int64(60)
	srv := netboxtest.NewServer(t)
	srv.AddCustomField(netboxtest.CustomFieldDef{Name: "speed"})
	srv.AddCustomField(netboxtest.CustomFieldDef{Name: "speed_orig", Max: &maxOrig})
	var changes []netbackend.Change
	for i, speed := range []int{10, 20, 30, 100} {
		addr := fmt.Sprintf("10.2.0.%d", i+1)
		srv.AddIP(netboxtest.IP{Address: addr + "/32", CustomFields: map[string]any{"speed": speed}})
		changes = append(changes, change("C", addr, netbackend.Block))
	}
	be, _ := netbox.NewBackend(srv.Client(), netbox.BackendConfig{BulkSize: 2})
	res, err := be.Apply(context.Background(), changes, netbackend.ApplyOptions{})
	if err != nil {
		t.Fatalf("a partly applied run is not a batch failure: %v", err)
	}
	got := []netbackend.Status{res[0].Status, res[1].Status, res[2].Status, res[3].Status}
	// the second chunk is rejected whole (orig 100 > 60) and then split:
	// 30 goes through, 100 fails alone
	want := []netbackend.Status{netbackend.Changed, netbackend.Changed, netbackend.Changed, netbackend.Failed}
	if !slices.Equal(got, want) {
		t.Fatalf("statuses %v, want %v", got, want)
	}
	st, _ := be.State(context.Background(), []netip.Addr{netip.MustParseAddr("10.2.0.2"), netip.MustParseAddr("10.2.0.3")})
	if !st[netip.MustParseAddr("10.2.0.2")].Blocked || !st[netip.MustParseAddr("10.2.0.3")].Blocked {
		t.Errorf("state %+v", st)
	}
}

func TestJournalEntries(t *testing.T) {
	f := newFixture(t, netbox.BackendConfig{Journal: true})
	_, err := f.be.Apply(context.Background(), []netbackend.Change{
		change("ACME", "10.0.0.1", netbackend.Block),
		change("BLOCKED", "10.0.0.4", netbackend.Unblock),
		change("ACME", "10.0.0.2", netbackend.Block),
	}, netbackend.ApplyOptions{Note: "run 42"})
	if err != nil {
		t.Fatal(err)
	}
	posts := 0
	for _, w := range f.srv.Writes() {
		if w.Method == http.MethodPost {
			posts++
		}
	}
	if posts != 1 {
		t.Errorf("want one bulk journal POST, got %d", posts)
	}
	entries := f.srv.JournalEntries()
	if len(entries) != 3 {
		t.Fatalf("entries %+v", entries)
	}
	e := entries[0]
	if e.AssignedObjectType != "ipam.ipaddress" || e.AssignedObjectID != f.ids["10.0.0.1"] || e.Kind.Value != "warning" ||
		!strings.Contains(e.Comments, "Blocked 10.0.0.1 for customer ACME: unpaid invoice (run 42)") {
		t.Errorf("entry %+v", e)
	}
	if entries[1].Kind.Value != "success" || !strings.Contains(entries[1].Comments, "Unblocked 10.0.0.4 for customer BLOCKED") {
		t.Errorf("entry %+v", entries[1])
	}
}

func TestApplyNeverRetriesBulkPatch(t *testing.T) {
	for _, tc := range []struct {
		name    string
		fault   netboxtest.Fault
		applied bool
	}{
		{"503 before NetBox saw it", netboxtest.Fault{Method: http.MethodPatch, Path: "/api/ipam/ip-addresses/", Status: 503}, false},
		{"connection lost before", netboxtest.Fault{Method: http.MethodPatch, Path: "/api/ipam/ip-addresses/", Drop: true}, false},
		{"answer lost after NetBox applied it", netboxtest.Fault{Method: http.MethodPatch, Path: "/api/ipam/ip-addresses/", DropAfter: true}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, netbox.BackendConfig{SettleTime: 300 * time.Millisecond})
			f.srv.InjectFault(tc.fault)
			res, err := f.be.Apply(context.Background(), []netbackend.Change{change("ACME", "10.0.0.1", netbackend.Block)}, netbackend.ApplyOptions{})
			if w := f.srv.Writes(); len(w) != 1 {
				t.Fatalf("bulk PATCH sent %d times: %+v", len(w), w)
			}
			if tc.applied {
				if err != nil || res[0].Status != netbackend.Changed {
					t.Fatalf("applied write reported as %+v, %v", res, err)
				}
				if n := f.srv.ChangeCount(f.ids["10.0.0.1"]); n != 1 {
					t.Errorf("%d change records", n)
				}
				return
			}
			if res[0].Status != netbackend.Failed || !strings.Contains(res[0].Err.Error(), "still shows the old values") || err == nil {
				t.Fatalf("lost write reported as %+v, %v", res, err)
			}
		})
	}
}

func TestSlowWriteIsReadBackNotRepeated(t *testing.T) {
	// The server takes 20 ms per object; the client waits 100 ms for a
	// write. A chunk of 10 times out, NetBox applies it anyway, the backend
	// reads it back and reports the truth; the following chunks are smaller.
	srv := netboxtest.NewServer(t)
	srv.AddCustomField(netboxtest.CustomFieldDef{Name: "speed"})
	srv.AddCustomField(netboxtest.CustomFieldDef{Name: "speed_orig"})
	var changes []netbackend.Change
	var ids []int64
	for i := range 20 {
		addr := fmt.Sprintf("10.3.0.%d", i+1)
		ids = append(ids, srv.AddIP(netboxtest.IP{Address: addr + "/24", Description: fmt.Sprintf("{code:C%d}", i), CustomFields: map[string]any{"speed": 100}}))
		changes = append(changes, change(fmt.Sprintf("C%d", i), addr, netbackend.Block))
	}
	srv.SetWriteLatency(20 * time.Millisecond)
	cfg := srv.Config()
	cfg.WriteTimeout = 100 * time.Millisecond
	c, _ := netbox.New(cfg)
	be, _ := netbox.NewBackend(c, netbox.BackendConfig{BulkSize: 10, SettleTime: 2 * time.Second})
	res, err := be.Apply(context.Background(), changes, netbackend.ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if s := netbackend.Summarize(res); s[netbackend.Changed] != 20 {
		t.Fatalf("summary %v: %+v", s, res)
	}
	for _, id := range ids {
		if n := srv.ChangeCount(id); n != 1 {
			t.Fatalf("IP %d has %d change records, want 1 (a write was repeated)", id, n)
		}
	}
	var sizes []int
	for _, w := range srv.Writes() {
		var items []any
		_ = json.Unmarshal(w.Body, &items)
		sizes = append(sizes, len(items))
	}
	if sizes[0] != 10 || sizes[1] >= 10 {
		t.Errorf("chunk sizes %v: the chunk after a timeout must be smaller", sizes)
	}
}

func TestIgnoredCustomFieldIsAFailure(t *testing.T) {
	// NetBox 4.4 drops an undefined custom field from a PATCH and answers
	// 200. Simulate a field that vanishes after the check (or a server
	// that lists it but does not store it): the answer lacks it.
	srv := netboxtest.NewServer(t)
	srv.AddCustomField(netboxtest.CustomFieldDef{Name: "speed"})
	srv.AddCustomField(netboxtest.CustomFieldDef{Name: "speed_orig", ObjectTypes: []string{"ipam.ipaddress"}})
	srv.AddIP(netboxtest.IP{Address: "10.4.0.1/24", Description: "{code:A}", CustomFields: map[string]any{"speed": 100}})
	be, _ := netbox.NewBackend(srv.Client(), netbox.BackendConfig{})
	ctx := context.Background()
	if err := be.CheckCustomFields(ctx); err != nil {
		t.Fatal(err)
	}
	srv.RemoveCustomField("speed_orig")
	res, err := be.Apply(ctx, []netbackend.Change{change("A", "10.4.0.1", netbackend.Block)}, netbackend.ApplyOptions{})
	if err == nil || res[0].Status != netbackend.Failed || !strings.Contains(res[0].Err.Error(), `custom field "speed_orig"`) {
		t.Fatalf("got %+v, %v", res, err)
	}
}

func TestBlockRun1000IPsRequestCount(t *testing.T) {
	srv := netboxtest.NewServer(t)
	srv.AddCustomField(netboxtest.CustomFieldDef{Name: "speed"})
	srv.AddCustomField(netboxtest.CustomFieldDef{Name: "speed_orig"})
	var customers []string
	var changes []netbackend.Change
	for i := range 1000 {
		addr := netip.AddrFrom4([4]byte{10, 9, byte(i / 250), byte(i%250 + 1)})
		code := fmt.Sprintf("C%04d", i)
		srv.AddIP(netboxtest.IP{Address: addr.String() + "/24", Description: "{code:" + code + "}", CustomFields: map[string]any{"speed": 100}})
		customers = append(customers, code)
		changes = append(changes, netbackend.Change{Customer: code, IP: addr, Action: netbackend.Block})
	}
	be, _ := netbox.NewBackend(srv.Client(), netbox.BackendConfig{})
	ctx := context.Background()

	ips, err := be.CustomerIPs(ctx, customers)
	if err != nil || len(ips.IPs) != 1000 {
		t.Fatalf("CustomerIPs: %d customers, %v", len(ips.IPs), err)
	}
	lookup := len(srv.Requests())
	srv.ResetRequests()

	res, err := be.Apply(ctx, changes, netbackend.ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if s := netbackend.Summarize(res); s[netbackend.Changed] != 1000 {
		t.Fatalf("summary %v", s)
	}
	apply, writes := len(srv.Requests()), len(srv.Writes())
	t.Logf("1000-IP run: CustomerIPs %d requests, Apply %d requests (%d writes)", lookup, apply, writes)
	// lookup: version, count, one page; apply: the custom-field check and
	// the chunks, reusing the lookup's objects
	if lookup > 3 || apply-writes > 1 || writes != 1000/netbox.DefaultBulkSize {
		t.Errorf("too many requests: lookup %d, apply %d (%d writes)", lookup, apply, writes)
	}
	for _, ip := range srv.IPs() {
		if v, ok, _ := ip.CustomFields.Int("speed"); !ok || v != 0 {
			t.Fatalf("%s not blocked", ip.Address)
		}
	}
}
