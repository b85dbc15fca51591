// Package netboxreal_test runs the built blocknet and unblocknet binaries
// as processes against an in-memory AbraFlexi (abraflexitest) and a real
// NetBox (NETWORK_BACKEND=netbox). It skips with a message unless
// ISPTOOLS_NETBOX_URL and ISPTOOLS_NETBOX_TOKEN name one (CI starts NetBox
// 4.4.10 from ../shared/netbox; README "Tests against a real NetBox").
// The test seeds its own custom fields (isptools_e2e_*), IPs in
// 10.202.0.0/24 and customers E2E*, and deletes them afterwards.
package netboxreal_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/abraflexi/abraflexitest"
	"github.com/spoje-net/isptools/examples/internal/apptest"
	"github.com/spoje-net/isptools/netbox/netboxtest"
)

func TestMain(m *testing.M) { apptest.Main(m) }

const (
	speedField = "isptools_e2e_speed"
	origField  = "isptools_e2e_speed_orig"
)

// fixture is the AbraFlexi server, the real NetBox and the binaries.
type fixture struct {
	t      *testing.T
	srv    *abraflexitest.Server
	client *abraflexi.Client
	nb     *netboxtest.Real
	bin    string
	ids    map[string]int64 // NetBox IP object ids by address
	cust   map[string]abraflexi.ID
	inv    map[string]abraflexi.ID
	schema []byte
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	nb := netboxtest.RealFromEnv(t)
	if testing.Short() {
		t.Skip("end-to-end test skipped in -short mode")
	}
	f := &fixture{t: t, srv: abraflexitest.NewServer(t), nb: nb, ids: map[string]int64{}, cust: map[string]abraflexi.ID{}, inv: map[string]abraflexi.ID{},
		schema: apptest.ReportSchema(t),
		bin:    apptest.Build(t, "github.com/spoje-net/isptools/examples/blocknet", "github.com/spoje-net/isptools/examples/unblocknet")}
	var err error
	if f.client, err = abraflexi.NewClient(f.srv.Config()); err != nil {
		t.Fatal(err)
	}
	nb.AddCustomField(netboxtest.CustomFieldDef{Name: speedField, Label: "E2E speed"})
	nb.AddCustomField(netboxtest.CustomFieldDef{Name: origField, Label: "E2E speed before block"})

	today := abraflexi.DateOf(time.Now())
	add := func(code, debt string, labels ...string) {
		f.cust[code] = f.srv.AddAddress(abraflexi.Address{Code: code, Name: "Customer " + code, Labels: abraflexi.Labels(labels...)})
		f.srv.AddContract(abraflexi.Contract{Code: "SML-" + code, Name: "Contract " + code,
			Customer: abraflexi.RefTo(abraflexi.CodeID(code)), Type: abraflexi.RefTo(abraflexi.CodeID("INTERNET")),
			ValidFrom: abraflexi.NewDate(2024, time.January, 1)})
		if debt != "" {
			a := decimal.RequireFromString(debt)
			f.inv[code] = f.srv.AddInvoice(abraflexi.IssuedInvoice{Code: "FV-" + code, Customer: abraflexi.RefTo(abraflexi.CodeID(code)),
				VariableSymbol: fmt.Sprintf("%d", 2000+len(f.inv)), Total: a, Remaining: a,
				IssuedOn: today.AddDays(-45), DueOn: today.AddDays(-30), DocumentType: abraflexi.RefTo(abraflexi.CodeID("FAKTURA"))})
		}
	}
	add("E2EALICE", "499", "UPOMINKA3", "ODPOJENO") // blocked, pays, unblocked
	add("E2EGINA", "90", "UPOMINKA3", "ODPOJENO")   // blocked, keeps owing
	add("E2EDUPE", "100", "UPOMINKA3", "ODPOJENO")  // her IP is duplicated in the global table
	add("E2EFRANK", "150", "UPOMINKA3", "ODPOJENO") // no IP
	add("E2EBOB", "1200", "UPOMINKA3", "ODPOJENO", "VIP")
	add("E2EOLGA", "") // blocked in NetBox by these tools, no label, owes nothing
	add("E2EHANK", "") // cut by hand (speed 0, nothing kept)

	ips := []netboxtest.IP{
		{Address: "10.202.0.1/24", Description: "router {code:E2EALICE}", CustomFields: map[string]any{speedField: 100}},
		{Address: "10.202.0.2/24", Description: "ap {code:E2EALICE}", CustomFields: map[string]any{speedField: 50}},
		{Address: "10.202.0.3/24", Description: "{code:E2EBOB}", CustomFields: map[string]any{speedField: 200}},
		{Address: "10.202.0.7/24", Description: "{code:E2EGINA}", CustomFields: map[string]any{speedField: 20}},
		{Address: "10.202.0.8/24", Description: "{code:E2EDUPE}", CustomFields: map[string]any{speedField: 30}},
		{Address: "10.202.0.8/32", Description: "stale duplicate, nobody's"}, // one POST: both end up in the global table
		{Address: "10.202.0.9/24", Description: "{code:E2EOLGA}", CustomFields: map[string]any{speedField: 0, origField: 64}},
		{Address: "10.202.0.10/24", Description: "{code:E2EHANK}", CustomFields: map[string]any{speedField: 0}},
	}
	for i, id := range nb.AddIPs(ips...) {
		f.ids[ips[i].Address] = id
	}
	return f
}

// speeds returns speed and kept original (-1 when unset) of a NetBox object.
func (f *fixture) speeds(address string) (int, int) {
	f.t.Helper()
	ip, ok := f.nb.IP(f.ids[address])
	if !ok {
		f.t.Fatalf("%s gone from NetBox", address)
	}
	get := func(name string) int {
		v, ok, err := ip.CustomFields.Int(name)
		if err != nil {
			f.t.Fatal(err)
		}
		if !ok {
			return -1
		}
		return v
	}
	return get(speedField), get(origField)
}

func (f *fixture) expectSpeeds(when string, want map[string][2]int) {
	f.t.Helper()
	for addr, w := range want {
		if s, o := f.speeds(addr); s != w[0] || o != w[1] {
			f.t.Errorf("%s: %s speed %d orig %d, want %v", when, addr, s, o, w)
		}
	}
}

// run runs app against the fixture with extra environment ("NAME=value").
func (f *fixture) run(app string, extra ...string) apptest.Result {
	f.t.Helper()
	env := append(apptest.AbraFlexiEnv(f.srv), "NETWORK_BACKEND=netbox", "NETBOXURL="+f.nb.URL, "NETBOXTOKEN="+f.nb.Token,
		"NETBOX_SPEED_FIELD="+speedField, "NETBOX_ORIG_SPEED_FIELD="+origField)
	r := apptest.Run(f.t, filepath.Join(f.bin, app), append(env, extra...))
	if r.Raw == nil {
		f.t.Fatalf("%s wrote no report\n%s", app, r.Stderr)
	}
	r.ValidateReport(f.t, f.schema)
	if strings.Contains(string(r.Raw)+r.Stderr, f.nb.Token) {
		f.t.Errorf("%s: the NetBox token is in the report or the log", app)
	}
	return r
}

func actions(r apptest.Result) map[string]string {
	out := map[string]string{}
	cs, _ := r.Report["customers"].([]any)
	for _, c := range cs {
		m := c.(map[string]any)
		out[m["kod"].(string)] = fmt.Sprint(m["action"])
	}
	return out
}

func TestBlocknetAndUnblocknetAgainstRealNetBox(t *testing.T) {
	f := newFixture(t)
	initial := map[string][2]int{
		"10.202.0.1/24": {100, -1}, "10.202.0.2/24": {50, -1}, "10.202.0.3/24": {200, -1}, "10.202.0.7/24": {20, -1},
		"10.202.0.8/24": {30, -1}, "10.202.0.9/24": {0, 64}, "10.202.0.10/24": {0, -1},
	}

	// A dry run changes nothing.
	r := f.run("blocknet", "DRY_RUN=true")
	if r.Report["dryRun"] != true {
		t.Fatalf("dry run: exit %d\n%s", r.Code, r.Raw)
	}
	f.expectSpeeds("after the dry run", initial)

	// The duplicate makes NetBox refuse every PATCH of E2EDUPE's IP; the
	// run blocks everyone else and reports her as the one error.
	r = f.run("blocknet")
	if r.Code != 1 || r.Report["status"] != "error" {
		t.Errorf("block: exit %d status %v, want 1 error (one customer failed)\n%s", r.Code, r.Report["status"], r.Raw)
	}
	got := actions(r)
	want := map[string]string{"E2EALICE": "blocked", "E2EGINA": "blocked", "E2EDUPE": "error_blocking", "E2EFRANK": "no_ip_found"}
	for code, action := range want {
		if got[code] != action {
			t.Errorf("block: %s %q, want %q\n%s", code, got[code], action, r.Raw)
		}
	}
	if !strings.Contains(string(r.Raw), "Duplicate IP address found in global table") {
		t.Errorf("block: NetBox's reason for E2EDUPE is not in the report\n%s", r.Raw)
	}
	f.expectSpeeds("after block", map[string][2]int{
		"10.202.0.1/24": {0, 100}, "10.202.0.2/24": {0, 50}, "10.202.0.7/24": {0, 20},
		"10.202.0.3/24": {200, -1}, "10.202.0.8/24": {30, -1},
	})

	// Idempotent: nothing new to block.
	r = f.run("blocknet")
	if got := actions(r); got["E2EALICE"] != "blocked" || got["E2EGINA"] != "blocked" {
		t.Errorf("second block: %v\n%s", got, r.Raw)
	}
	if m, _ := r.Report["metrics"].(map[string]any); m["newly_blocked"] != float64(0) {
		t.Errorf("second block blocked again: %v", m)
	}

	// E2EALICE pays.
	pay := abraflexi.BankMovement{Movement: abraflexi.Movement{VariableSymbol: "2000", Total: decimal.NewFromInt(499),
		IssuedOn: abraflexi.DateOf(time.Now()), Direction: abraflexi.DirectionIncoming, Payer: abraflexi.RefTo(abraflexi.CodeID("E2EALICE"))}}
	payID := f.srv.AddBankMovement(pay)
	if err := f.client.Pair(context.Background(), abraflexi.PairRequest{PaymentEvidence: abraflexi.EvidenceBank, Payment: payID,
		Invoice: f.inv["E2EALICE"], Remainder: abraflexi.RemainderNone}); err != nil {
		t.Fatalf("pairing the payment: %v", err)
	}

	r = f.run("unblocknet", "DEFAULT_SPEED=5")
	got = actions(r)
	// Self-healing (issue 11): E2EOLGA is blocked in NetBox with a kept
	// original but carries no ODPOJENO and owes nothing; E2EHANK was cut by
	// hand and is left alone.
	for code, action := range map[string]string{"E2EALICE": "unblocked", "E2EGINA": "still_owes", "E2EOLGA": "orphan_unblocked"} {
		if got[code] != action {
			t.Errorf("unblock: %s %q, want %q\n%s", code, got[code], action, r.Raw)
		}
	}
	f.expectSpeeds("after unblock", map[string][2]int{
		"10.202.0.1/24": {100, -1}, "10.202.0.2/24": {50, -1}, "10.202.0.7/24": {0, 20},
		"10.202.0.9/24": {64, -1}, "10.202.0.10/24": {0, -1},
	})
	if l, _ := f.srv.Labels(abraflexi.EvidenceAddress, f.cust["E2EALICE"]); slices.Contains(l.Codes(), "ODPOJENO") {
		t.Errorf("E2EALICE still carries ODPOJENO: %v", l.Codes())
	}
}

// TestPlanningFailureReportsNobodyBlocked: when the run cannot even plan
// (the custom fields do not exist), nobody may be reported as blocked.
func TestPlanningFailureReportsNobodyBlocked(t *testing.T) {
	f := newFixture(t)
	r := f.run("blocknet", "NETBOX_SPEED_FIELD=isptools_e2e_no_such_field")
	if r.Code != 1 {
		t.Errorf("exit %d, want 1", r.Code)
	}
	for code, action := range actions(r) {
		if action == "blocked" {
			t.Errorf("%s reported blocked although nothing was written\n%s", code, r.Raw)
		}
	}
	if m, _ := r.Report["metrics"].(map[string]any); m["blocked"] != float64(0) {
		t.Errorf("metrics %v", m)
	}
	f.expectSpeeds("after the failed run", map[string][2]int{"10.202.0.1/24": {100, -1}, "10.202.0.7/24": {20, -1}})
}
