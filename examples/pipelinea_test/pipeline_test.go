package pipelinea_test

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/abraflexi/abraflexitest"
	"github.com/spoje-net/isptools/examples/internal/apptest"
	"github.com/spoje-net/isptools/svnhosts"
)

const (
	appMark    = "abraflexi-mark-defaulters"
	appBlock   = "blocknet"
	appUnblock = "unblocknet"
)

func TestMain(m *testing.M) { apptest.Main(m) }

// buildApps builds the three binaries once per test binary and returns
// their directory.
func buildApps(t *testing.T) string {
	t.Helper()
	return apptest.Build(t, "github.com/spoje-net/isptools/examples/"+appMark,
		"github.com/spoje-net/isptools/examples/"+appBlock,
		"github.com/spoje-net/isptools/examples/"+appUnblock)
}

func requireSVN(t *testing.T) {
	t.Helper()
	for _, bin := range []string{"svn", "svnadmin"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skipf("end-to-end test skipped: %s not found on PATH (install subversion; CI does)", bin)
		}
	}
}

// repo is a file:// Subversion repository holding the hosts file.
type repo struct {
	t    *testing.T
	url  string
	home string
}

func newRepo(t *testing.T, hosts string) *repo {
	t.Helper()
	dir := t.TempDir()
	r := &repo{t: t, home: t.TempDir()}
	path := filepath.Join(dir, "repo")
	r.svn("svnadmin", "create", path)
	r.url = "file://" + filepath.ToSlash(path)
	src := filepath.Join(dir, "hosts")
	if err := os.WriteFile(src, []byte(hosts), 0o644); err != nil {
		t.Fatal(err)
	}
	r.svn("svn", "import", "--non-interactive", "-m", "initial hosts file", src, r.url+"/hosts")
	return r
}

func (r *repo) svn(bin string, args ...string) string {
	r.t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + r.home, "LC_ALL=C"}
	out, err := cmd.CombinedOutput()
	if err != nil {
		r.t.Fatalf("%s %v: %v\n%s", bin, args, err, out)
	}
	return string(out)
}

// commits returns the number of revisions after the initial import.
func (r *repo) commits() int {
	r.t.Helper()
	n := 0
	for _, l := range strings.Split(r.svn("svn", "log", "-q", "--non-interactive", r.url), "\n") {
		if strings.HasPrefix(l, "r") {
			n++
		}
	}
	return n - 1
}

func (r *repo) hosts() string { return r.svn("svn", "cat", "--non-interactive", r.url+"/hosts") }

// state returns speed and original speed of ip in the current hosts file.
func (r *repo) state(ip string) (speed, orig int) {
	r.t.Helper()
	f, err := svnhosts.Parse([]byte(r.hosts()))
	if err != nil {
		r.t.Fatal(err)
	}
	st := f.State(netip.MustParseAddr(ip))
	if !st.Found {
		r.t.Fatalf("%s not in the hosts file", ip)
	}
	return st.Speed, st.OriginalSpeed
}

// lastLog returns the message of the newest commit.
func (r *repo) lastLog() string {
	return r.svn("svn", "log", "-l", "1", "--non-interactive", r.url)
}

// fixture is the AbraFlexi server, the repository and the binaries.
type fixture struct {
	t      *testing.T
	srv    *abraflexitest.Server
	client *abraflexi.Client
	repo   *repo
	bin    string
	ids    map[string]abraflexi.ID
	inv    map[string]abraflexi.ID
	schema []byte
}

const hostsFile = `# Spoje.Net hosts
10.0.0.1	alice-router	#speed=100 {code:ALICE}
10.0.0.2	alice-ap	#speed=50 {code:ALICE}
10.0.0.3	bob	#speed=200 {code:BOB}
10.0.0.5	erin	#speed=80 {code:ERIN}
10.0.0.7	gina	#speed=20 {code:GINA}
10.0.0.9	other	#speed=10 {code:OTHER}
`

func newFixture(t *testing.T) *fixture {
	t.Helper()
	requireSVN(t)
	if testing.Short() {
		t.Skip("end-to-end test skipped in -short mode")
	}
	// The MultiFlexi report schema comes from the reference data; without
	// it the reports are still checked field by field, only not against
	// the schema.
	schema := apptest.ReportSchema(t)
	var err error
	f := &fixture{t: t, srv: abraflexitest.NewServer(t), bin: buildApps(t), repo: newRepo(t, hostsFile),
		ids: map[string]abraflexi.ID{}, inv: map[string]abraflexi.ID{}, schema: schema}
	if f.client, err = abraflexi.NewClient(f.srv.Config()); err != nil {
		t.Fatal(err)
	}
	today := abraflexi.DateOf(time.Now())
	add := func(code, contractType, debt string, labels ...string) {
		f.ids[code] = f.srv.AddAddress(abraflexi.Address{Code: code, Name: "Customer " + code, Labels: abraflexi.Labels(labels...)})
		if contractType != "" {
			f.srv.AddContract(abraflexi.Contract{Code: "SML-" + code, Name: "Contract " + code,
				Customer: abraflexi.RefTo(abraflexi.CodeID(code)), Type: abraflexi.RefTo(abraflexi.CodeID(contractType)),
				ValidFrom: abraflexi.NewDate(2024, time.January, 1)})
		}
		if debt != "" {
			a := decimal.RequireFromString(debt)
			f.inv[code] = f.srv.AddInvoice(abraflexi.IssuedInvoice{Code: "FV-" + code, Customer: abraflexi.RefTo(abraflexi.CodeID(code)),
				VariableSymbol: fmt.Sprintf("%d", 1000+len(f.inv)), Total: a, Remaining: a,
				IssuedOn: today.AddDays(-45), DueOn: today.AddDays(-30), DocumentType: abraflexi.RefTo(abraflexi.CodeID("FAKTURA"))})
		}
	}
	add("ALICE", "INTERNET", "499", "UPOMINKA3", "NEPLATIC") // marked, blocked, pays, unblocked
	add("BOB", "INTERNET", "1200", "UPOMINKA3", "VIP")       // never touched
	add("CAROL", "INTERNET", "", "UPOMINKA3")                // stale reminder
	add("DAVE", "VOIP", "300", "UPOMINKA3")                  // no internet contract
	add("ERIN", "INTERNET", "80", "UPOMINKA3", "NEODPOJOVAT")
	add("FRANK", "INTERNET", "150", "UPOMINKA3") // marked, but has no IP
	add("GINA", "INTERNET", "90", "UPOMINKA3")   // marked, blocked, keeps owing
	return f
}

// result is one process run.
type result struct {
	code   int
	report map[string]any
	raw    []byte
	stderr string
}

func (r result) customers() map[string]map[string]any {
	out := map[string]map[string]any{}
	cs, _ := r.report["customers"].([]any)
	for _, c := range cs {
		m := c.(map[string]any)
		out[m["kod"].(string)] = m
	}
	return out
}

func (r result) actions() map[string]string {
	out := map[string]string{}
	for k, c := range r.customers() {
		out[k] = c["action"].(string)
	}
	return out
}

func (r result) metric(name string) float64 {
	m, _ := r.report["metrics"].(map[string]any)
	v, _ := m[name].(float64)
	return v
}

// run runs app with the base environment plus extra ("NAME=value").
func (f *fixture) run(app string, extra ...string) result {
	f.t.Helper()
	env := append(apptest.AbraFlexiEnv(f.srv), "HOME="+f.repo.home, "LC_ALL=C", "NETWORK_BACKEND=svn", "SVNURL="+f.repo.url)
	run := apptest.Run(f.t, filepath.Join(f.bin, app), append(env, extra...))
	res := result{code: run.Code, report: run.Report, raw: run.Raw, stderr: run.Stderr}
	if res.raw == nil {
		f.t.Fatalf("%s wrote no report\nstderr:\n%s", app, res.stderr)
	}
	if f.schema != nil { // nil without the reference data (see newFixture)
		run.ValidateReport(f.t, f.schema)
	}
	// The PHP report fields and the exit-code bookkeeping.
	if res.report["producer"] != app || res.report["exitcode"] != float64(res.code) || res.metric("exit_code") != float64(res.code) {
		f.t.Errorf("%s: producer/exitcode/metrics.exit_code inconsistent with exit %d:\n%s", app, res.code, res.raw)
	}
	for _, k := range []string{"status", "timestamp", "message", "metrics", "customers"} {
		if _, ok := res.report[k]; !ok {
			f.t.Errorf("%s report lacks %q:\n%s", app, k, res.raw)
		}
	}
	wantStatus := map[int][]string{0: {"success", "warning"}, 1: {"error"}}[res.code]
	if !slices.Contains(wantStatus, fmt.Sprint(res.report["status"])) {
		f.t.Errorf("%s: status %v with exit %d", app, res.report["status"], res.code)
	}
	return res
}

func (f *fixture) labels(code string) []string {
	f.t.Helper()
	l, ok := f.srv.Labels(abraflexi.EvidenceAddress, f.ids[code])
	if !ok {
		f.t.Fatalf("no customer %s", code)
	}
	return l.Codes()
}

func (f *fixture) allLabels() map[string][]string {
	out := map[string][]string{}
	for code := range f.ids {
		out[code] = f.labels(code)
	}
	return out
}

func (f *fixture) writes() int {
	n := 0
	for _, r := range f.srv.Requests() {
		if r.Method != "GET" {
			n++
		}
	}
	return n
}

func sameLabels(a, b map[string][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !slices.Equal(v, b[k]) {
			return false
		}
	}
	return true
}

// expectDecisionLogs checks that the run logged one info line per
// customer of the report, with the customer's code and action.
func expectDecisionLogs(t *testing.T, app string, r result) {
	t.Helper()
	lines := apptest.Result{Stderr: r.stderr}.LogLines("customer ")
	if len(lines) != len(r.customers()) {
		t.Errorf("%s: %d customer log lines for %d customers:\n%s", app, len(lines), len(r.customers()), r.stderr)
	}
	for kod, action := range r.actions() {
		got := apptest.Result{Stderr: r.stderr}.LogLines(" INFO ", "customer "+kod+": "+action, "kod="+kod, "action="+action, "why=")
		if len(got) != 1 {
			t.Errorf("%s: %d info lines for %s %s, want 1:\n%s", app, len(got), kod, action, r.stderr)
		}
	}
}

func expectActions(t *testing.T, app string, r result, want map[string]string) {
	t.Helper()
	got := r.actions()
	if len(got) != len(want) {
		t.Errorf("%s actions %v, want %v", app, got, want)
		return
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: %s action %q, want %q\n%s", app, k, got[k], w, r.raw)
		}
	}
}

func TestPipelineA(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	initialLabels := f.allLabels()
	initialHosts := f.repo.hosts()

	// --- abraflexi-mark-defaulters ---
	r := f.run(appMark, "DRY_RUN=true", "INET_CONTRACT_TYPE=typSmlouvy.INTERNET")
	if r.code != 0 || r.report["dryRun"] != true || r.actions()["ALICE"] != "marked_for_disconnection" {
		t.Fatalf("mark dry run: exit %d\n%s\n%s", r.code, r.raw, r.stderr)
	}
	if f.writes() != 0 || !sameLabels(f.allLabels(), initialLabels) {
		t.Fatalf("mark dry run wrote to AbraFlexi: %v", f.allLabels())
	}

	r = f.run(appMark, "INET_CONTRACT_TYPE=typSmlouvy.INTERNET")
	if r.code != 0 || r.report["status"] != "success" {
		t.Fatalf("mark: exit %d\n%s\n%s", r.code, r.raw, r.stderr)
	}
	expectActions(t, appMark, r, map[string]string{
		"ALICE": "marked_for_disconnection", "BOB": "vip_skipped", "CAROL": "no_debt_skipped", "DAVE": "no_contract_skipped",
		"ERIN": "nodisconnect_skipped", "FRANK": "marked_for_disconnection", "GINA": "marked_for_disconnection",
	})
	expectDecisionLogs(t, appMark, r)
	if c := r.customers()["ALICE"]; c["unpaid_invoices"] != float64(1) || c["due"] != float64(499) {
		t.Errorf("ALICE entry %v", c)
	}
	if r.metric("marked") != 3 || r.metric("customers_total") != 7 || r.metric("skipped") != 4 || r.metric("errors") != 0 {
		t.Errorf("mark metrics %v", r.report["metrics"])
	}
	wantLabels := map[string][]string{
		"ALICE": {"NEPLATIC", "ODPOJENO", "UPOMINKA3"}, "BOB": {"UPOMINKA3", "VIP"}, "CAROL": {"UPOMINKA3"}, "DAVE": {"UPOMINKA3"},
		"ERIN": {"NEODPOJOVAT", "UPOMINKA3"}, "FRANK": {"ODPOJENO", "UPOMINKA3"}, "GINA": {"ODPOJENO", "UPOMINKA3"},
	}
	if got := f.allLabels(); !sameLabels(got, wantLabels) {
		t.Fatalf("labels after mark %v\nwant %v", got, wantLabels)
	}
	f.srv.ResetRequests()
	r = f.run(appMark, "INET_CONTRACT_TYPE=typSmlouvy.INTERNET")
	if r.code != 0 || r.metric("marked") != 0 || r.metric("already_marked") != 3 || f.writes() != 0 {
		t.Errorf("second mark run: exit %d writes %d\n%s", r.code, f.writes(), r.raw)
	}

	// --- blocknet ---
	r = f.run(appBlock, "DRY_RUN=true")
	if r.code != 0 || r.report["dryRun"] != true || r.metric("newly_blocked") != 2 || f.repo.commits() != 0 || f.repo.hosts() != initialHosts {
		t.Fatalf("block dry run: exit %d commits %d\n%s\n%s", r.code, f.repo.commits(), r.raw, r.stderr)
	}

	r = f.run(appBlock, "MAX_BLOCKS=1")
	if r.code != 1 || r.report["status"] != "error" || f.repo.commits() != 0 || f.repo.hosts() != initialHosts {
		t.Fatalf("circuit breaker: exit %d commits %d\n%s\n%s", r.code, f.repo.commits(), r.raw, r.stderr)
	}
	msg, _ := r.report["message"].(string)
	if !strings.Contains(msg, "circuit breaker") || !strings.Contains(msg, "MAX_BLOCKS=1") || !strings.Contains(msg, "ALICE, GINA") {
		t.Errorf("breaker message %q", msg)
	}
	if refused, _ := r.report["refused"].(map[string]any); refused == nil || fmt.Sprint(refused["customers"]) != "[ALICE GINA]" {
		t.Errorf("breaker report: %s", r.raw)
	}
	expectActions(t, appBlock, r, map[string]string{"ALICE": "would_block", "GINA": "would_block", "FRANK": "no_ip_found"})

	r = f.run(appBlock)
	if r.code != 0 || r.report["status"] != "warning" {
		t.Fatalf("block: exit %d\n%s\n%s", r.code, r.raw, r.stderr)
	}
	expectActions(t, appBlock, r, map[string]string{"ALICE": "blocked", "GINA": "blocked", "FRANK": "no_ip_found"})
	expectDecisionLogs(t, appBlock, r)
	if !strings.Contains(r.stderr, "ips=10.0.0.1,10.0.0.2") {
		t.Errorf("ALICE's IPs are not logged:\n%s", r.stderr)
	}
	if ips := fmt.Sprint(r.customers()["ALICE"]["ips"]); ips != "[10.0.0.1 10.0.0.2]" {
		t.Errorf("ALICE ips %s", ips)
	}
	if ips := fmt.Sprint(r.customers()["FRANK"]["ips"]); ips != "[]" {
		t.Errorf("FRANK ips %s", ips)
	}
	if r.metric("blocked") != 2 || r.metric("newly_blocked") != 2 || r.metric("ips_blocked") != 3 || r.metric("no_ip_found") != 1 || r.metric("mismatches") != 0 {
		t.Errorf("block metrics %v", r.report["metrics"])
	}
	if n := f.repo.commits(); n != 1 {
		t.Fatalf("block made %d commits, want 1", n)
	}
	if log := f.repo.lastLog(); !strings.Contains(log, "blocknet") || !strings.Contains(log, "ALICE") || !strings.Contains(log, "GINA") {
		t.Errorf("commit message:\n%s", log)
	}
	for ip, want := range map[string][2]int{"10.0.0.1": {0, 100}, "10.0.0.2": {0, 50}, "10.0.0.7": {0, 20}, "10.0.0.3": {200, -1}, "10.0.0.5": {80, -1}} {
		if s, o := f.repo.state(ip); s != want[0] || o != want[1] {
			t.Errorf("after block %s: speed %d orig %d, want %v", ip, s, o, want)
		}
	}
	blockedHosts := f.repo.hosts()
	r = f.run(appBlock)
	if r.code != 0 || r.metric("newly_blocked") != 0 || r.metric("blocked") != 2 || f.repo.commits() != 1 || f.repo.hosts() != blockedHosts {
		t.Errorf("second block run: exit %d commits %d\n%s", r.code, f.repo.commits(), r.raw)
	}

	// --- a payment clears ALICE's debt ---
	pay := abraflexi.BankMovement{Movement: abraflexi.Movement{VariableSymbol: "1000", Total: decimal.NewFromInt(499),
		IssuedOn: abraflexi.DateOf(time.Now()), Direction: abraflexi.DirectionIncoming, Payer: abraflexi.RefTo(abraflexi.CodeID("ALICE"))}}
	payID := f.srv.AddBankMovement(pay)
	if err := f.client.Pair(context.Background(), abraflexi.PairRequest{PaymentEvidence: abraflexi.EvidenceBank, Payment: payID,
		Invoice: f.inv["ALICE"], Remainder: abraflexi.RemainderNone}); err != nil {
		t.Fatalf("pairing the payment: %v", err)
	}
	if inv, _ := f.srv.Invoice(f.inv["ALICE"]); !inv.Remaining.IsZero() {
		t.Fatalf("ALICE's invoice still owes %s after pairing", inv.Remaining)
	}

	// --- unblocknet ---
	labelsBefore := f.allLabels()
	f.srv.ResetRequests()
	r = f.run(appUnblock, "DRY_RUN=true")
	if r.code != 0 || r.report["dryRun"] != true || f.writes() != 0 || f.repo.commits() != 1 || f.repo.hosts() != blockedHosts || !sameLabels(f.allLabels(), labelsBefore) {
		t.Fatalf("unblock dry run changed something: exit %d writes %d commits %d\n%s", r.code, f.writes(), f.repo.commits(), r.raw)
	}
	expectActions(t, appUnblock, r, map[string]string{"ALICE": "unblocked", "FRANK": "still_owes", "GINA": "still_owes"})

	r = f.run(appUnblock, "DEFAULT_SPEED=5")
	if r.code != 0 || r.report["status"] != "success" {
		t.Fatalf("unblock: exit %d\n%s\n%s", r.code, r.raw, r.stderr)
	}
	expectDecisionLogs(t, appUnblock, r)
	expectActions(t, appUnblock, r, map[string]string{"ALICE": "unblocked", "FRANK": "still_owes", "GINA": "still_owes"})
	if c := r.customers()["GINA"]; c["unpaid_invoices"] != float64(1) || c["due"] != float64(90) {
		t.Errorf("GINA entry %v", c)
	}
	if r.metric("unblocked") != 1 || r.metric("ips_unblocked") != 2 || r.metric("still_owes") != 2 {
		t.Errorf("unblock metrics %v", r.report["metrics"])
	}
	if n := f.repo.commits(); n != 2 {
		t.Fatalf("unblock: %d commits in total, want 2", n)
	}
	for ip, want := range map[string][2]int{"10.0.0.1": {100, -1}, "10.0.0.2": {50, -1}, "10.0.0.7": {0, 20}} {
		if s, o := f.repo.state(ip); s != want[0] || o != want[1] {
			t.Errorf("after unblock %s: speed %d orig %d, want %v", ip, s, o, want)
		}
	}
	if got := f.labels("ALICE"); !slices.Equal(got, []string{"NEPLATIC", "UPOMINKA3"}) {
		t.Errorf("ALICE labels after unblock %v (ODPOJENO removed, others intact)", got)
	}
	for _, code := range []string{"FRANK", "GINA"} {
		if got := f.labels(code); !slices.Equal(got, []string{"ODPOJENO", "UPOMINKA3"}) {
			t.Errorf("%s labels after unblock %v", code, got)
		}
	}
	unblockedHosts := f.repo.hosts()
	labelsAfter := f.allLabels()
	f.srv.ResetRequests()
	r = f.run(appUnblock, "DEFAULT_SPEED=5")
	if r.code != 0 || r.metric("unblocked") != 0 || f.writes() != 0 || f.repo.commits() != 2 || f.repo.hosts() != unblockedHosts || !sameLabels(f.allLabels(), labelsAfter) {
		t.Errorf("second unblock run changed something: exit %d writes %d commits %d\n%s", r.code, f.writes(), f.repo.commits(), r.raw)
	}
	// The stale UPOMINKA3 of ALICE does not mark her again; blocknet has nothing new.
	r = f.run(appMark, "INET_CONTRACT_TYPE=typSmlouvy.INTERNET")
	if r.code != 0 || r.actions()["ALICE"] != "no_debt_skipped" || r.metric("marked") != 0 {
		t.Errorf("mark after payment: exit %d\n%s", r.code, r.raw)
	}
	r = f.run(appBlock)
	if r.code != 0 || r.metric("newly_blocked") != 0 || f.repo.commits() != 2 {
		t.Errorf("block after payment: exit %d commits %d\n%s", r.code, f.repo.commits(), r.raw)
	}
}

func TestConfigurationErrorsNameTheVariable(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tests := []struct {
		app   string
		extra []string
		want  string
	}{
		{appBlock, []string{"MAX_BLOCKS=lots"}, "MAX_BLOCKS"},
		{appBlock, []string{"CUT_DAYS=sometimes"}, "CUT_DAYS"},
		{appBlock, []string{"SVNURL="}, "SVNURL"},
		{appBlock, []string{"NETWORK_BACKEND=carrier-pigeon"}, "NETWORK_BACKEND"},
		{appBlock, []string{"NETWORK_BACKEND=file"}, "HOSTS_FILE"},
		{appBlock, []string{"NETWORK_BACKEND=netbox"}, "NETBOXURL"},
		{appUnblock, []string{"DEFAULT_SPEED=-1"}, "DEFAULT_SPEED"},
		{appUnblock, []string{"MIN_DEBT=a lot"}, "MIN_DEBT"},
		{appMark, []string{"ABRAFLEXI_URL="}, "ABRAFLEXI_URL"},
		{appMark, []string{"DRY_RUN=maybe"}, "DRY_RUN"},
	}
	for _, tt := range tests {
		r := f.run(tt.app, tt.extra...)
		msg, _ := r.report["message"].(string)
		if r.code != 1 || !strings.Contains(msg, tt.want) {
			t.Errorf("%s %v: exit %d, message %q; want exit 1 naming %s", tt.app, tt.extra, r.code, msg, tt.want)
		}
	}
	if f.repo.commits() != 0 || f.writes() != 0 {
		t.Errorf("a misconfigured run changed something")
	}
}
