package netbox_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"testing"

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
	look, err := f.be.CustomerIPs(context.Background(), []string{"ACME", "ACME2", "NOBODY"})
	got := look.IPs
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]netip.Addr{
		"ACME":  {netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.0.2")},
		"ACME2": {netip.MustParseAddr("10.0.0.3")},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	reqs := f.srv.Requests()
	// one filtered query, and one read of the found addresses for conflicts
	if len(reqs) != 2 || reqs[1].Query["address"] == nil {
		t.Fatalf("want one filtered query and one address read, got %d: %+v", len(reqs), reqs)
	}
	if q := reqs[0].Query["description__ic"]; !slices.Equal(q, []string{"{code:ACME}", "{code:ACME2}", "{code:NOBODY}"}) {
		t.Errorf("server-side filter = %v", q)
	}
}

func TestCustomerIPsScanAboveThreshold(t *testing.T) {
	f := newFixture(t, netbox.BackendConfig{ScanThreshold: 2, QueryChunk: 1})
	look, err := f.be.CustomerIPs(context.Background(), []string{"ACME", "ACME2", "BLOCKED", "X"})
	got := look.IPs
	if err != nil {
		t.Fatal(err)
	}
	if len(got["ACME"]) != 2 || len(got["ACME2"]) != 1 || len(got["BLOCKED"]) != 1 || len(got["X"]) != 0 {
		t.Fatalf("got %v", got)
	}
	reqs := f.srv.Requests()
	// one count + one page instead of 4 filtered queries, and the same
	// again to read the found addresses for conflicts
	if len(reqs) != 4 || reqs[1].Query.Get("fields") == "" {
		t.Fatalf("want count + one restricted listing, got %+v", reqs)
	}
}

func TestCustomerIPsTenant(t *testing.T) {
	srv := netboxtest.NewServer(t)
	srv.AddIP(netboxtest.IP{Address: "192.0.2.1/32", Tenant: "acme-net"})
	srv.AddIP(netboxtest.IP{Address: "192.0.2.2/32", Tenant: "acme"})
	srv.AddIP(netboxtest.IP{Address: "192.0.2.3/32", Tenant: "other"})
	be, err := netbox.NewBackend(srv.Client(), netbox.BackendConfig{Lookup: netbox.LookupTenant})
	if err != nil {
		t.Fatal(err)
	}
	// "UNKNOWN" has no tenant: NetBox answers 400 for the whole query, the
	// backend retries per slug.
	look, err := be.CustomerIPs(context.Background(), []string{"ACME.NET", "UNKNOWN", "ACME"})
	got := look.IPs
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != "map[ACME:[192.0.2.2] ACME.NET:[192.0.2.1]]" {
		t.Fatalf("got %v", got)
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
	look, err := be.CustomerIPs(context.Background(), []string{"ACME"})
	got := look.IPs
	if err != nil {
		t.Fatal(err)
	}
	// The text filter is loose (contains) on the server; ACME2 must not match.
	if fmt.Sprint(got) != "map[ACME:[192.0.2.1]]" {
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
	look, err := f.be.CustomerIPs(context.Background(), []string{"NOBODY"})
	got := look.IPs
	if err != nil || len(got["NOBODY"]) != 0 {
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
	// speed unset: the block sets 0 and keeps the original 0 ("none").
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

func TestBulk400LeavesNothingHalfChanged(t *testing.T) {
	maxOrig := int64(60)
	// A maximum on speed_orig makes keeping 100 fail validation for one
	// object of the bulk request.
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
	if !errors.Is(err, netbox.ErrBadRequest) {
		t.Fatalf("want a 400 error, got %v", err)
	}
	var apiErr *netbox.APIError
	if !errors.As(err, &apiErr) || !strings.Contains(apiErr.Fields["__all__"][0], "Value must not exceed 60") {
		t.Fatalf("NetBox body not kept: %#v", apiErr)
	}
	for i, r := range res {
		if r.Status != netbackend.Failed || !errors.Is(r.Err, netbox.ErrBadRequest) {
			t.Errorf("result %d = %+v", i, r)
		}
	}
	for _, id := range []int64{okID, badID} {
		ip, _ := srv.IP(id)
		if v, _, _ := ip.CustomFields.Int("speed"); v == 0 {
			t.Errorf("IP %d changed although the bulk request failed", id)
		}
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
	want := []netbackend.Status{netbackend.Changed, netbackend.Changed, netbackend.Failed, netbackend.Failed}
	if !slices.Equal(got, want) {
		t.Fatalf("statuses %v, want %v", got, want)
	}
	st, _ := be.State(context.Background(), []netip.Addr{netip.MustParseAddr("10.2.0.2"), netip.MustParseAddr("10.2.0.3")})
	if !st[netip.MustParseAddr("10.2.0.2")].Blocked || st[netip.MustParseAddr("10.2.0.3")].Blocked {
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

func TestApplyRetriesBulkPatchOn503(t *testing.T) {
	f := newFixture(t, netbox.BackendConfig{})
	f.srv.FailNext(http.MethodPatch, "/api/ipam/ip-addresses/", http.StatusServiceUnavailable, 1)
	res, err := f.be.Apply(context.Background(), []netbackend.Change{change("ACME", "10.0.0.1", netbackend.Block)}, netbackend.ApplyOptions{})
	if err != nil || res[0].Status != netbackend.Changed {
		t.Fatalf("res=%+v err=%v", res, err)
	}
	if w := f.srv.Writes(); len(w) != 2 || w[0].Status != 503 || w[1].Status != 200 {
		t.Fatalf("writes %+v", w)
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

	look, err := be.CustomerIPs(ctx, customers)
	ips := look.IPs
	if err != nil || len(ips) != 1000 {
		t.Fatalf("CustomerIPs: %d customers, %v", len(ips), err)
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
	apply := len(srv.Requests())
	t.Logf("1000-IP run: CustomerIPs %d requests, Apply %d requests (%d writes)", lookup, apply, len(srv.Writes()))
	if lookup > 4 || apply > 6 {
		t.Errorf("too many requests: lookup %d, apply %d", lookup, apply)
	}
	for _, ip := range srv.IPs() {
		if v, ok, _ := ip.CustomFields.Int("speed"); !ok || v != 0 {
			t.Fatalf("%s not blocked", ip.Address)
		}
	}
}
