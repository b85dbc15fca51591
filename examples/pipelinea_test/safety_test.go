package pipelinea_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
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
	"github.com/spoje-net/isptools/netbox"
	"github.com/spoje-net/isptools/netbox/netboxtest"
)

// customerSpec is one AbraFlexi customer of a safety fixture: its labels
// and the overdue amount it owes ("" for nothing).
type customerSpec struct {
	code, owes string
	labels     []string
}

// newSafetyFixture is AbraFlexi with the given customers (each with an
// internet contract) and a file:// repository holding hosts.
func newSafetyFixture(t *testing.T, hosts string, customers ...customerSpec) *fixture {
	t.Helper()
	requireSVN(t)
	if testing.Short() {
		t.Skip("end-to-end test skipped in -short mode")
	}
	f := &fixture{t: t, srv: abraflexitest.NewServer(t), bin: buildApps(t), repo: newRepo(t, hosts),
		ids: map[string]abraflexi.ID{}, inv: map[string]abraflexi.ID{}, schema: apptest.ReportSchema(t)}
	var err error
	if f.client, err = abraflexi.NewClient(f.srv.Config()); err != nil {
		t.Fatal(err)
	}
	today := abraflexi.DateOf(time.Now())
	for i, c := range customers {
		f.ids[c.code] = f.srv.AddAddress(abraflexi.Address{Code: c.code, Name: "Customer " + c.code, Labels: abraflexi.Labels(c.labels...)})
		f.srv.AddContract(abraflexi.Contract{Code: "SML-" + c.code, Customer: abraflexi.RefTo(abraflexi.CodeID(c.code)),
			Type: abraflexi.RefTo(abraflexi.CodeID("INTERNET")), ValidFrom: abraflexi.NewDate(2024, time.January, 1)})
		if c.owes != "" {
			a := decimal.RequireFromString(c.owes)
			f.inv[c.code] = f.srv.AddInvoice(abraflexi.IssuedInvoice{Code: "FV-" + c.code, Customer: abraflexi.RefTo(abraflexi.CodeID(c.code)),
				VariableSymbol: fmt.Sprint(2000 + i), Total: a, Remaining: a, IssuedOn: today.AddDays(-45), DueOn: today.AddDays(-30),
				DocumentType: abraflexi.RefTo(abraflexi.CodeID("FAKTURA"))})
		}
	}
	return f
}

func (f *fixture) addLabel(code, label string) {
	f.t.Helper()
	if _, err := f.client.Addresses.AddLabels(context.Background(), []abraflexi.ID{f.ids[code]}, abraflexi.WriteOptions{}, label); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) removeLabel(code, label string) {
	f.t.Helper()
	if _, err := f.client.Addresses.RemoveLabelsBatch(context.Background(), []abraflexi.ID{f.ids[code]}, abraflexi.WriteOptions{}, label); err != nil {
		f.t.Fatal(err)
	}
}

func (r result) warnings() string {
	w, _ := json.Marshal(r.report["warnings"])
	return string(w)
}

func (r result) why(code string) string {
	s, _ := r.customers()[code]["why"].(string)
	return s
}

// started is an app process started by startApp.
type started struct {
	app    string
	cmd    *exec.Cmd
	report string
	stderr *bytes.Buffer
}

// startApp starts app as fixture.run would, without waiting for it.
func (f *fixture) startApp(app string, extra ...string) *started {
	f.t.Helper()
	dir := f.t.TempDir()
	s := &started{app: app, report: filepath.Join(dir, "report.json"), stderr: &bytes.Buffer{}}
	s.cmd = exec.Command(filepath.Join(f.bin, app))
	s.cmd.Dir = dir
	s.cmd.Env = append(append([]string{"PATH=" + os.Getenv("PATH"), "EASE_LOGGER=console", "RESULT_FILE=" + s.report},
		apptest.AbraFlexiEnv(f.srv)...), append([]string{"HOME=" + f.repo.home, "LC_ALL=C", "NETWORK_BACKEND=svn", "SVNURL=" + f.repo.url}, extra...)...)
	s.cmd.Stderr = s.stderr
	if err := s.cmd.Start(); err != nil {
		f.t.Fatal(err)
	}
	return s
}

// wait waits for the process and returns its exit code and report.
func (s *started) wait(t *testing.T) (int, map[string]any) {
	t.Helper()
	err := s.cmd.Wait()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	var rep map[string]any
	if raw, err := os.ReadFile(s.report); err == nil {
		_ = json.Unmarshal(raw, &rep)
	}
	if code != 0 {
		t.Logf("%s: exit %d\n%s", s.app, code, s.stderr)
	}
	return code, rep
}

// TestBlockAndUnblockAtTheSameMoment is part 2 of the issue: blocknet and
// unblocknet are started by the same AbraFlexi change, so they run at the
// same time. The payer carries ODPOJENO but owes nothing, the debtor
// carries it and owes. Whatever the order the run lock lets them run in,
// the payer is never left blocked and the debtor always is.
func TestBlockAndUnblockAtTheSameMoment(t *testing.T) {
	t.Parallel()
	f := newSafetyFixture(t, "10.0.1.1\tpayer\t#speed=100 {code:PAYER}\n10.0.1.2\tdebtor\t#speed=200 {code:DEBTOR}\n",
		customerSpec{code: "PAYER", labels: []string{"ODPOJENO"}},
		customerSpec{code: "DEBTOR", owes: "500", labels: []string{"ODPOJENO"}})
	const rounds = 10
	payerCut := 0 // rounds in which blocknet cut the payer before unblocknet restored them
	for round := range rounds {
		if !slices.Contains(f.labels("PAYER"), "ODPOJENO") {
			f.addLabel("PAYER", "ODPOJENO")
		}
		before := f.repo.commits()
		// Both processes start at the same moment; the lock orders them.
		block, unblock := f.startApp(appBlock), f.startApp(appUnblock)
		bc, brep := block.wait(t)
		uc, urep := unblock.wait(t)
		if bc != 0 || uc != 0 {
			t.Fatalf("round %d: blocknet exit %d, unblocknet exit %d\nblocknet: %v\nunblocknet: %v", round, bc, uc, brep, urep)
		}
		if speed, orig := f.repo.state("10.0.1.1"); speed != 100 || orig != -1 {
			t.Fatalf("round %d: the payer is left blocked (speed %d orig %d)\n%s", round, speed, orig, f.repo.hosts())
		}
		if speed, orig := f.repo.state("10.0.1.2"); speed != 0 || orig != 200 {
			t.Fatalf("round %d: the debtor is not blocked (speed %d orig %d)", round, speed, orig)
		}
		if slices.Contains(f.labels("PAYER"), "ODPOJENO") || !slices.Contains(f.labels("DEBTOR"), "ODPOJENO") {
			t.Fatalf("round %d: labels PAYER %v DEBTOR %v", round, f.labels("PAYER"), f.labels("DEBTOR"))
		}
		if f.repo.commits()-before == 2 {
			payerCut++
		}
	}
	t.Logf("%d rounds; in %d of them blocknet ran first and cut the payer, and unblocknet restored them after it", rounds, payerCut)
}

// TestSelfHealingThroughTheBinaries is part 1: unblocknet converges on
// what the hosts file holds, not on the label.
func TestSelfHealingThroughTheBinaries(t *testing.T) {
	t.Parallel()
	const hosts = "10.0.2.1\torphan\t#speed=0 orig=150 {code:ORPHAN}\n" + // label removed by another tool
		"10.0.2.2\tvip\t#speed=0 orig=250 {code:VIPC}\n" + // VIP: never cut
		"10.0.2.3\thand\t#speed=0 {code:HAND}\n" + // blocked by hand
		"10.0.2.4\tdebtor\t#speed=0 orig=50 {code:DEBTOR}\n" + // still owes
		"10.0.2.5\tcut\t#speed=80 {code:CUT}\n"
	f := newSafetyFixture(t, hosts,
		customerSpec{code: "ORPHAN", owes: "300"},
		customerSpec{code: "VIPC", owes: "300", labels: []string{"ODPOJENO", "VIP"}},
		customerSpec{code: "HAND"},
		customerSpec{code: "DEBTOR", owes: "300", labels: []string{"ODPOJENO"}},
		customerSpec{code: "CUT", owes: "300", labels: []string{"ODPOJENO", "NEPLATIC"}})

	dry := f.run(appUnblock, "DRY_RUN=true")
	if dry.code != 0 || f.repo.commits() != 0 || f.repo.hosts() != hosts {
		t.Fatalf("dry run: exit %d commits %d\n%s", dry.code, f.repo.commits(), dry.raw)
	}
	want := map[string]string{"ORPHAN": "orphan_unblocked", "VIPC": "orphan_unblocked", "DEBTOR": "still_owes", "CUT": "still_owes"}
	expectActions(t, "unblocknet dry run", dry, want)

	r := f.run(appUnblock)
	if r.code != 0 || r.report["status"] != "warning" || f.repo.commits() != 1 {
		t.Fatalf("unblock: exit %d status %v commits %d\n%s", r.code, r.report["status"], f.repo.commits(), r.raw)
	}
	expectActions(t, appUnblock, r, want)
	expectDecisionLogs(t, appUnblock, r)
	if w := r.why("ORPHAN"); w != "blocked in the hosts file but carries no ODPOJENO" {
		t.Errorf("ORPHAN why %q", w)
	}
	if w := r.why("VIPC"); !strings.HasPrefix(w, "blocked in the hosts file but is VIP") {
		t.Errorf("VIPC why %q", w)
	}
	if w := r.warnings(); !strings.Contains(w, "10.0.2.3 of HAND (hosts line 3) at speed 0, no kept original: blocked by hand, left alone") {
		t.Errorf("warnings %s", w)
	}
	if r.metric("orphans_unblocked") != 2 || r.metric("warnings") != 1 {
		t.Errorf("metrics %v", r.report["metrics"])
	}
	for ip, want := range map[string][2]int{"10.0.2.1": {150, -1}, "10.0.2.2": {250, -1}, "10.0.2.3": {0, -1}, "10.0.2.4": {0, 50}} {
		if s, o := f.repo.state(ip); s != want[0] || o != want[1] {
			t.Errorf("after unblock %s: speed %d orig %d, want %v", ip, s, o, want)
		}
	}
	if !slices.Equal(f.labels("VIPC"), []string{"ODPOJENO", "VIP"}) {
		t.Errorf("VIPC labels %v: self-healing changes no label", f.labels("VIPC"))
	}

	// Anyone removing ODPOJENO after the block (abraflexi-reminder's
	// clean-labels job) no longer leaves the customer cut off for good.
	if r := f.run(appBlock); r.code != 0 || r.actions()["CUT"] != "blocked" {
		t.Fatalf("block: exit %d\n%s", r.code, r.raw)
	}
	f.removeLabel("CUT", "ODPOJENO")
	r = f.run(appUnblock)
	if r.code != 0 || r.actions()["CUT"] != "orphan_unblocked" {
		t.Fatalf("unblock after the label was removed: exit %d\n%s", r.code, r.raw)
	}
	if s, o := f.repo.state("10.0.2.5"); s != 80 || o != -1 {
		t.Errorf("CUT speed %d orig %d, want 80 restored", s, o)
	}
	if !slices.Equal(f.labels("CUT"), []string{"NEPLATIC"}) {
		t.Errorf("CUT labels %v", f.labels("CUT"))
	}
}

// TestHostsLineBelongsToItsCustomer is part 4: a re-assigned address on
// the lines of two customers is a conflict, the word fallback is opt-in,
// and the hosts file's sanity findings are in the report.
func TestHostsLineBelongsToItsCustomer(t *testing.T) {
	t.Parallel()
	const hosts = "# hosts\n" +
		"10.0.3.5\told\t#speed=100 {code:DEBT}\n" + // line 2: the address moved to PAY, the old line stayed
		"10.0.3.6\tdebt\t#speed=100 {code:DEBT}\n" +
		"10.0.3.5\tnew\t#speed=100 {code:PAY}\n" + // line 4
		"10.0.3.7\twordy\t#speed=100 former owner WORDY\n"
	f := newSafetyFixture(t, hosts,
		customerSpec{code: "DEBT", owes: "500", labels: []string{"ODPOJENO"}},
		customerSpec{code: "PAY"},
		customerSpec{code: "WORDY", owes: "500", labels: []string{"ODPOJENO"}})

	r := f.run(appBlock)
	if r.code != 0 || r.report["status"] != "warning" {
		t.Fatalf("block: exit %d\n%s\n%s", r.code, r.raw, r.stderr)
	}
	expectActions(t, appBlock, r, map[string]string{"DEBT": "ip_conflict", "PAY": "ip_conflict", "WORDY": "no_ip_found"})
	expectDecisionLogs(t, appBlock, r)
	for _, code := range []string{"DEBT", "PAY"} {
		if w := r.why(code); !strings.Contains(w, "10.0.3.5 claimed by DEBT, PAY (hosts line 2, hosts line 4)") {
			t.Errorf("%s why %q", code, w)
		}
	}
	if w := r.warnings(); !strings.Contains(w, "hosts file line 4: duplicate-ip: IP 10.0.3.5 already on line 2") {
		t.Errorf("the hosts file check is not in the report: %s", w)
	}
	if ips := fmt.Sprint(r.customers()["DEBT"]["ips"]); ips != "[10.0.3.6]" {
		t.Errorf("DEBT ips %s", ips)
	}
	head := f.repo.hosts()
	for _, line := range []string{"10.0.3.5\told\t#speed=100 {code:DEBT}\n", "10.0.3.5\tnew\t#speed=100 {code:PAY}\n", "10.0.3.6\tdebt\t# speed=0 orig=100 {code:DEBT}\n", "former owner WORDY\n"} {
		if !strings.Contains(head, line) {
			t.Errorf("hosts file lacks %q:\n%s", line, head)
		}
	}
	// The PHP tool's word match only when the operator opts in.
	r = f.run(appBlock, "DRY_RUN=true", "HOSTS_CODE_FALLBACK=word")
	if r.code != 0 || r.actions()["WORDY"] != "blocked" || fmt.Sprint(r.customers()["WORDY"]["ips"]) != "[10.0.3.7]" {
		t.Errorf("word fallback: exit %d\n%s", r.code, r.raw)
	}
	if r := f.run(appBlock, "HOSTS_CODE_FALLBACK=fuzzy"); r.code != 1 || !strings.Contains(fmt.Sprint(r.report["message"]), "HOSTS_CODE_FALLBACK") {
		t.Errorf("bad HOSTS_CODE_FALLBACK: exit %d %v", r.code, r.report["message"])
	}
	// DEBT pays: its own line is restored, the contested ones stay, and
	// the label stays until the conflict is resolved.
	f.srv.Put(abraflexi.EvidenceIssuedInvoice, map[string]any{"id": f.inv["DEBT"].String(), "stavUhrK": abraflexi.PaymentStatePaid, "zbyvaUhradit": "0"})
	r = f.run(appUnblock)
	if r.code != 0 || r.report["status"] != "warning" {
		t.Fatalf("unblock: exit %d\n%s", r.code, r.raw)
	}
	expectActions(t, appUnblock, r, map[string]string{"DEBT": "ip_conflict", "PAY": "ip_conflict", "WORDY": "still_owes"})
	if s, _ := f.repo.state("10.0.3.6"); s != 100 {
		t.Errorf("DEBT's own line not restored: speed %d", s)
	}
	if !slices.Contains(f.labels("DEBT"), "ODPOJENO") {
		t.Error("DEBT lost the label although an IP of theirs is contested")
	}
}

// TestKilledRunLeavesTheWorkingCopy is part 6: blocknet killed between
// the rewrite and the commit leaves the configured working copy modified;
// the next run reverts that, says so, and goes on.
func TestKilledRunLeavesTheWorkingCopy(t *testing.T) {
	t.Parallel()
	const hosts = "10.0.4.1\tdebtor\t#speed=100 {code:DEBTOR}\n10.0.4.2\tother\t#speed=100 {code:OTHER}\n"
	f := newSafetyFixture(t, hosts, customerSpec{code: "DEBTOR", owes: "500", labels: []string{"ODPOJENO"}})
	wc := filepath.Join(t.TempDir(), "wc")
	f.repo.svn("svn", "checkout", "--non-interactive", f.repo.url, wc)
	// An svn that kills the app (its parent) instead of committing.
	killer := filepath.Join(t.TempDir(), "svn-killer")
	script := "#!/bin/sh\ncase \"$1\" in commit) kill -9 $PPID; sleep 5; exit 1;; esac\nexec svn \"$@\"\n"
	if err := os.WriteFile(killer, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	env := append(apptest.AbraFlexiEnv(f.srv), "HOME="+f.repo.home, "LC_ALL=C", "NETWORK_BACKEND=svn", "SVNURL="+f.repo.url, "SVN_WORKING_COPY="+wc)
	killed := apptest.Run(t, filepath.Join(f.bin, appBlock), append(env, "SVNBIN="+killer))
	if killed.Code == 0 || f.repo.commits() != 0 {
		t.Fatalf("the run was not killed before its commit: exit %d, %d commits", killed.Code, f.repo.commits())
	}
	if st := f.repo.svn("svn", "status", wc); !strings.Contains(st, "M") {
		t.Fatalf("the killed run left no modification: %q", st)
	}
	r := apptest.Run(t, filepath.Join(f.bin, appBlock), env)
	if r.Code != 0 || f.repo.commits() != 1 {
		t.Fatalf("the run after the killed one: exit %d, %d commits\n%s", r.Code, f.repo.commits(), r.Stderr)
	}
	if len(r.LogLines("WARN", "reverting a leftover change of the hosts file")) != 1 {
		t.Errorf("no warning about the leftover:\n%s", r.Stderr)
	}
	if s, o := f.repo.state("10.0.4.1"); s != 0 || o != 100 {
		t.Errorf("debtor speed %d orig %d", s, o)
	}
	if st := f.repo.svn("svn", "status", wc); strings.TrimSpace(st) != "" {
		t.Errorf("working copy not clean: %q", st)
	}
}

// netboxFixture is AbraFlexi plus netboxtest with the speed fields.
type netboxFixture struct {
	*fixture
	nb *netboxtest.Server
}

func newNetBoxFixture(t *testing.T, customers ...customerSpec) *netboxFixture {
	t.Helper()
	f := newSafetyFixture(t, "# unused\n", customers...)
	nb := netboxtest.NewServer(t)
	nb.AddCustomField(netboxtest.CustomFieldDef{Name: "speed"})
	nb.AddCustomField(netboxtest.CustomFieldDef{Name: "speed_orig"})
	return &netboxFixture{fixture: f, nb: nb}
}

// runNetBox runs app against the NetBox backend.
func (f *netboxFixture) runNetBox(app string, extra ...string) result {
	cfg := f.nb.Config()
	return f.run(app, append([]string{"NETWORK_BACKEND=netbox", "NETBOXURL=" + cfg.URL, "NETBOXTOKEN=" + cfg.Token}, extra...)...)
}

func (f *netboxFixture) speeds(id int64) (speed, orig string) {
	ip, ok := f.nb.IP(id)
	if !ok {
		f.t.Fatalf("no IP %d", id)
	}
	return string(ip.CustomFields["speed"]), string(ip.CustomFields["speed_orig"])
}

// TestSelfHealingNetBox is part 1 on the NetBox backend.
func TestSelfHealingNetBox(t *testing.T) {
	t.Parallel()
	f := newNetBoxFixture(t,
		customerSpec{code: "ORPHAN", owes: "300"},
		customerSpec{code: "HAND"},
		customerSpec{code: "DEBTOR", owes: "300", labels: []string{"ODPOJENO"}})
	orphan := f.nb.AddIP(netboxtest.IP{Address: "10.0.5.1/24", Description: "{code:ORPHAN}", CustomFields: map[string]any{"speed": 0, "speed_orig": 150}})
	hand := f.nb.AddIP(netboxtest.IP{Address: "10.0.5.2/24", Description: "{code:HAND}", CustomFields: map[string]any{"speed": 0}})
	debtor := f.nb.AddIP(netboxtest.IP{Address: "10.0.5.3/24", Description: "{code:DEBTOR}", CustomFields: map[string]any{"speed": 0, "speed_orig": 50}})

	r := f.runNetBox(appUnblock)
	if r.code != 0 || r.report["status"] != "warning" {
		t.Fatalf("unblock: exit %d\n%s\n%s", r.code, r.raw, r.stderr)
	}
	expectActions(t, appUnblock, r, map[string]string{"ORPHAN": "orphan_unblocked", "DEBTOR": "still_owes"})
	if w := r.why("ORPHAN"); w != "blocked in NetBox but carries no ODPOJENO" {
		t.Errorf("ORPHAN why %q", w)
	}
	if w := r.warnings(); !strings.Contains(w, "10.0.5.2 of HAND") || !strings.Contains(w, "blocked by hand") {
		t.Errorf("warnings %s", w)
	}
	for id, want := range map[int64][2]string{orphan: {"150", "null"}, hand: {"0", "null"}, debtor: {"0", "50"}} {
		if s, o := f.speeds(id); s != want[0] || (o != want[1] && !(want[1] == "null" && o == "")) {
			t.Errorf("IP %d: speed %s orig %s, want %v", id, s, o, want)
		}
	}
}

// TestConflictNetBox is part 4 on NetBox: one address held by the objects
// of two customers is changed for neither.
func TestConflictNetBox(t *testing.T) {
	t.Parallel()
	f := newNetBoxFixture(t,
		customerSpec{code: "DEBT", owes: "500", labels: []string{"ODPOJENO"}},
		customerSpec{code: "PAY"})
	old := f.nb.AddIP(netboxtest.IP{Address: "10.0.6.5/24", Description: "old line {code:DEBT}", CustomFields: map[string]any{"speed": 100}})
	own := f.nb.AddIP(netboxtest.IP{Address: "10.0.6.6/24", Description: "{code:DEBT}", CustomFields: map[string]any{"speed": 100}})
	moved := f.nb.AddIP(netboxtest.IP{Address: "10.0.6.5/24", Description: "{code:PAY}", CustomFields: map[string]any{"speed": 100}})
	r := f.runNetBox(appBlock)
	if r.code != 0 || r.report["status"] != "warning" {
		t.Fatalf("block: exit %d\n%s\n%s", r.code, r.raw, r.stderr)
	}
	expectActions(t, appBlock, r, map[string]string{"DEBT": "ip_conflict", "PAY": "ip_conflict"})
	if w := r.why("PAY"); !strings.Contains(w, fmt.Sprintf("netbox ip-address %d", old)) || !strings.Contains(w, fmt.Sprintf("netbox ip-address %d", moved)) {
		t.Errorf("PAY why %q", w)
	}
	for id, want := range map[int64]string{old: "100", moved: "100", own: "0"} {
		if s, _ := f.speeds(id); s != want {
			t.Errorf("IP %d speed %s, want %s", id, s, want)
		}
	}
}

// TestTenantMatchedExactlyNetBox: customers A.1 and A-1 share the slug a
// computed slug would give them; each is matched by its own tenant only.
func TestTenantMatchedExactlyNetBox(t *testing.T) {
	t.Parallel()
	f := newNetBoxFixture(t,
		customerSpec{code: "A.1", owes: "500", labels: []string{"ODPOJENO"}},
		customerSpec{code: "A-1"})
	f.nb.AddTenant("A.1", "a1")
	f.nb.AddTenant("A-1", "a-1")
	mine := f.nb.AddIP(netboxtest.IP{Address: "10.0.7.1/24", Tenant: "a1", CustomFields: map[string]any{"speed": 100}})
	theirs := f.nb.AddIP(netboxtest.IP{Address: "10.0.7.2/24", Tenant: "a-1", CustomFields: map[string]any{"speed": 100}})
	r := f.runNetBox(appBlock, "NETBOX_CUSTOMER_LOOKUP=tenant")
	if r.code != 0 || r.actions()["A.1"] != "blocked" {
		t.Fatalf("block: exit %d\n%s", r.code, r.raw)
	}
	if s, _ := f.speeds(mine); s != "0" {
		t.Errorf("A.1's IP speed %s, want 0", s)
	}
	if s, _ := f.speeds(theirs); s != "100" {
		t.Errorf("A-1's IP speed %s: cut for A.1 by a shared computed slug (%s)", s, netbox.TenantSlug("A.1"))
	}
}
