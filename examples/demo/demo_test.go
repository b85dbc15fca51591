package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/dunning"
	"github.com/spoje-net/isptools/examples/internal/apptest"
	"github.com/spoje-net/isptools/examples/internal/jsonschema"
	"github.com/spoje-net/isptools/notify"
	"github.com/spoje-net/isptools/payments"
	"github.com/spoje-net/isptools/svnhosts"
)

// fixedClock makes the elapsed times and report timestamps of a run
// reproducible.
func fixedClock(c *config) {
	t := time.Date(2026, 3, 16, 9, 0, 0, 0, time.UTC)
	c.now = func() time.Time { return t }
}

// addrRe matches the ephemeral ports and temporary paths a run prints.
var addrRe = regexp.MustCompile(`127\.0\.0\.1:\d+|isptools-demo-\d+`)

// normalize masks addresses and drops the closing lines, which differ
// with -keep.
func normalize(s string) string {
	for _, end := range []string{"\n  Next:", "\n  The servers keep running"} {
		if i := strings.Index(s, end); i >= 0 {
			s = s[:i]
		}
	}
	return addrRe.ReplaceAllString(strings.TrimRight(s, "\n"), "ADDR")
}

func TestDemoEndToEnd(t *testing.T) {
	var bins string
	if !testing.Short() {
		bins = apptest.Build(t, appPackages...) // before TMPDIR changes: the binaries outlive the check below
	}
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // the demo's temporary files go here
	out := filepath.Join(t.TempDir(), "demo-out")
	args := []string{"-customers", "40", "-seed", "7", "-today", "2026-03-16", "-out", out}
	ctx := t.Context()

	var stdout1, stderr1 bytes.Buffer
	code, acc := execute(ctx, args, &stdout1, &stderr1, fixedClock)
	if code != 0 {
		t.Fatalf("exit code %d, stderr:\n%s\nstdout:\n%s", code, &stderr1, &stdout1)
	}
	text := stdout1.String()
	t.Logf("backend %s, output:\n%s", acc.Backend, text)
	checkLayout(t, text)
	checkSummaries(t, acc.Summaries, text)
	t.Run("settings", func(t *testing.T) {
		for _, s := range settings(config{customers: 40, lang: "cs"}) {
			if !strings.Contains(text, s.name+"="+shellQuote(s.value)) {
				t.Errorf("the account does not state %s=%s", s.name, s.value)
			}
		}
	})

	t.Run("mark", func(t *testing.T) {
		c := acc.Mark.Counts()
		for _, r := range []dunning.Reason{dunning.ReasonMarked, dunning.ReasonAlreadyMarked, dunning.ReasonVIPSkipped,
			dunning.ReasonNoDisconnectSkipped, dunning.ReasonNoContractSkipped, dunning.ReasonNoDebtSkipped} {
			if c[r] == 0 {
				t.Errorf("no mark decision %s: %v", r, c)
			}
		}
		if c[dunning.ReasonErrorMarking] != 0 {
			t.Errorf("marking errors: %v", c)
		}
	})
	t.Run("block", func(t *testing.T) {
		c := acc.Block.Counts()
		if acc.Block.NewlyBlocked() == 0 || c[dunning.ReasonNoIPFound] != 1 || c[dunning.ReasonErrorBlocking] != 0 {
			t.Errorf("block counts %v, newly %d", c, acc.Block.NewlyBlocked())
		}
		if len(acc.Block.Mismatches) > 0 || acc.Block.Refusal != nil {
			t.Errorf("mismatches %v, refusal %v", acc.Block.Mismatches, acc.Block.Refusal)
		}
		for _, d := range acc.Block.Decisions {
			for _, ip := range d.Newly {
				if !strings.Contains(string(acc.HostsBlocked), ip.String()+"\t") || !hostsSpeedZero(acc.HostsBlocked, d.Customer.Code) {
					t.Errorf("%s %s is not at speed 0 after blocknet", d.Customer.Code, ip)
				}
			}
		}
	})
	t.Run("payments", func(t *testing.T) {
		seen := map[payments.Reason]int{}
		for _, m := range acc.Matches {
			seen[m.Result.Reason]++
			if string(m.Result.Reason) != m.Spec.Expect {
				t.Errorf("%s (%s): %s, want %s", m.Spec.Code, m.Spec.Note, m.Result.Reason, m.Spec.Expect)
			}
		}
		for _, r := range []payments.Reason{payments.Matched, payments.MatchedPartial, payments.MatchedOverpayment,
			payments.UnknownVarSym, payments.NoVarSym, payments.NotIncoming} {
			if seen[r] == 0 {
				t.Errorf("no payment with reason %s: %v", r, seen)
			}
		}
		evs := map[string]bool{}
		for _, m := range acc.Matches {
			if m.Result.Matched() {
				evs[m.Result.Evidence] = true
			}
		}
		if !evs[abraflexi.EvidenceBank] || !evs[abraflexi.EvidenceCash] {
			t.Errorf("matched evidences %v, want bank and cash", evs)
		}
	})
	t.Run("mail", func(t *testing.T) {
		sent := 0
		for _, n := range acc.Notices {
			if n.Err != nil {
				t.Errorf("%s for %s: %v", n.App, n.Trigger, n.Err)
			}
			if n.Result.Reason == notify.ReasonSent {
				sent++
			}
		}
		if sent == 0 || len(acc.Mails) != sent {
			t.Fatalf("%d notifications sent, %d e-mails captured", sent, len(acc.Mails))
		}
		pdfs := 0
		for _, m := range acc.Mails {
			if _, err := os.Stat(filepath.Join(out, m.File)); err != nil {
				t.Error(err)
			}
			if len(m.Attachments) == 1 && strings.HasSuffix(m.Attachments[0], ".pdf") {
				pdfs++
			}
			if !strings.Contains(text, m.Subject) || !strings.Contains(text, m.To) {
				t.Errorf("e-mail %q to %s not in the account", m.Subject, m.To)
			}
		}
		if pdfs == 0 {
			t.Error("no confirmation with the invoice PDF")
		}
	})
	t.Run("unblock", func(t *testing.T) {
		c := acc.Unblock.Counts()
		if c[dunning.ReasonUnblocked] == 0 || c[dunning.ReasonStillOwes] == 0 || acc.Unblock.Err() != nil {
			t.Errorf("unblock counts %v, err %v", c, acc.Unblock.Err())
		}
		// Exactly the cut-off customers who paid all they owed are
		// reconnected: the ones the story lets pay everything.
		paidUp := map[string]bool{}
		def := acc.World.byRole(roleDefaulter)
		for _, c := range []*customer{def[0], def[1], def[3], acc.World.byRole(roleAlreadyCut)[0]} {
			paidUp[c.Code] = true
		}
		for _, d := range acc.Unblock.Decisions {
			if got := d.Reason == dunning.ReasonUnblocked; got != paidUp[d.Customer.Code] {
				t.Errorf("%s: %s (paid up: %v)", d.Customer.Code, d.Reason, paidUp[d.Customer.Code])
			}
			if d.Reason == dunning.ReasonUnblocked && hostsSpeedZero(acc.HostsAfter, d.Customer.Code) {
				t.Errorf("%s unblocked but still at speed 0", d.Customer.Code)
			}
		}
		if acc.Backend == backendSVN && len(acc.Commits) != 2 {
			t.Errorf("commits %q, want one for blocknet and one for unblocknet", acc.Commits)
		}
	})
	t.Run("files", func(t *testing.T) {
		for _, f := range []string{"reports/01-" + appMark + ".json", "reports/02-" + appBlock + ".json", "reports/06-" + appUnblock + ".json",
			"hosts/hosts.1-before", "hosts/hosts.2-after-blocknet", "hosts/hosts.3-after-unblocknet", markerFile} {
			if _, err := os.Stat(filepath.Join(out, f)); err != nil {
				t.Error(err)
			}
		}
		var rep struct {
			Producer string `json:"producer"`
			ExitCode int    `json:"exitcode"`
			Status   string `json:"status"`
		}
		data, err := os.ReadFile(filepath.Join(out, "reports", "02-"+appBlock+".json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(data, &rep); err != nil || rep.Producer != appBlock || rep.ExitCode != 0 || rep.Status != "warning" {
			t.Errorf("blocknet report %+v (%v), want producer blocknet, exit 0, warning (a customer has no IP)", rep, err)
		}
		if schema := apptest.ReportSchema(t); schema != nil {
			all, _ := filepath.Glob(filepath.Join(out, "reports", "*.json"))
			for _, f := range all {
				doc, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				if err := jsonschema.Validate(schema, doc); err != nil {
					t.Errorf("%s is invalid against the MultiFlexi report schema: %v", filepath.Base(f), err)
				}
			}
		}
		reps, _ := filepath.Glob(filepath.Join(out, "reports", "03-*.json"))
		if len(reps) != len(acc.Matches) {
			t.Errorf("%d match reports for %d payments", len(reps), len(acc.Matches))
		}
		for _, want := range []string{"1. Setting up", appMark, appBlock, appMatch, appConfirm, appNotice, appUnblock, "Totals", "Written to " + out} {
			if !strings.Contains(text, want) {
				t.Errorf("the account does not mention %q", want)
			}
		}
	})

	// A re-run into the same directory, kept running: the same account,
	// the output cleaned (no file of the first run left over), the servers
	// reachable until the demo is told to stop.
	stale := filepath.Join(out, "mail", "99-stale.eml")
	if err := os.WriteFile(stale, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout2, stderr2 bytes.Buffer
	var abraURL string
	code, acc2 := execute(ctx, append(args, "-keep"), &stdout2, &stderr2, func(c *config) {
		fixedClock(c)
		c.wait = func(ctx context.Context) {
			m := regexp.MustCompile(`AbraFlexi  (http://\S+)`).FindStringSubmatch(stdout2.String())
			if m == nil {
				t.Error("-keep printed no AbraFlexi URL")
				return
			}
			abraURL = m[1]
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, abraURL+"/adresar.json?limit=1", nil)
			req.SetBasicAuth("winstrom", "winstrom")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Errorf("AbraFlexi is not reachable with -keep: %v", err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("GET adresar.json: %s", resp.Status)
			}
			if bins != "" {
				runKeptCommands(ctx, t, stdout2.String(), bins, exampleCommands(acc))
			}
		}
	})
	if code != 0 {
		t.Fatalf("re-run: exit code %d, stderr:\n%s", code, &stderr2)
	}
	first, second := normalize(stdout1.String()), normalize(stdout2.String())
	checkLayout(t, stdout2.String())
	if second != first {
		t.Errorf("the re-run's account differs:\n--- first\n%s\n--- second\n%s", first, second)
	}
	if !strings.Contains(stdout2.String(), "curl -su winstrom:winstrom") || abraURL == "" {
		t.Errorf("-keep did not print the curl examples")
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("the re-run left %s: %v", stale, err)
	}
	if len(acc2.Mails) != len(acc.Mails) || !slices.Equal(acc2.Commits, acc.Commits) {
		t.Errorf("re-run: %d mails, commits %q; first run %d, %q", len(acc2.Mails), acc2.Commits, len(acc.Mails), acc.Commits)
	}
	for _, f := range []string{"hosts/hosts.1-before", "hosts/hosts.3-after-unblocknet"} {
		if b, _ := os.ReadFile(filepath.Join(out, f)); !bytes.Equal(b, map[string][]byte{
			"hosts/hosts.1-before": acc.HostsBefore, "hosts/hosts.3-after-unblocknet": acc.HostsAfter}[f]) {
			t.Errorf("re-run: %s differs from the first run", f)
		}
	}
	left, _ := os.ReadDir(tmp)
	for _, e := range left {
		if !strings.HasPrefix(e.Name(), t.Name()) { // the test's own t.TempDir of the apps' runs
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}

// hostsSpeedZero reports whether any line of code is at speed 0.
func hostsSpeedZero(hosts []byte, code string) bool {
	for _, l := range linesOf(hosts, code) {
		if strings.Contains(l, "speed=0 ") {
			return true
		}
	}
	return false
}

func TestFileBackend(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	var stdout, stderr bytes.Buffer
	code, acc := execute(t.Context(), []string{"-customers", "30", "-seed", "3", "-today", "2026-01-01", "-backend", "file",
		"-lang", "en", "-out", filepath.Join(t.TempDir(), "out")}, &stdout, &stderr, fixedClock)
	if code != 0 {
		t.Fatalf("exit code %d, stderr:\n%s\nstdout:\n%s", code, &stderr, &stdout)
	}
	if acc.Backend != backendFile || acc.Unblock.Counts()[dunning.ReasonUnblocked] == 0 || len(acc.Mails) == 0 {
		t.Errorf("backend %s, unblock %v, %d mails", acc.Backend, acc.Unblock.Counts(), len(acc.Mails))
	}
	if !strings.Contains(stdout.String(), "Payment of invoice") || !strings.Contains(stdout.String(), "We have received your payment") {
		t.Errorf("no English e-mail subjects in the account:\n%s", &stdout)
	}
}

func TestHelp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(t.Context(), []string{"-h"}, &stdout, &stderr); code != 0 {
		t.Fatalf("-h: exit code %d", code)
	}
	for _, want := range []string{"Usage:", "-customers", "-keep", "-out", "-seed", "-today", "-backend", "curl"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("usage does not mention %q:\n%s", want, &stderr)
		}
	}
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-customers", "5"}, {"-backend", "netbox"}, {"-today", "16.3.2026"}, {"-lang", "de"}, {"extra"}, {"-nosuchflag"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(t.Context(), args, &stdout, &stderr); code != 2 {
			t.Errorf("%q: exit code %d, want 2", args, code)
		}
		if stderr.Len() == 0 {
			t.Errorf("%q: no error message", args)
		}
	}
}

func TestRefusesForeignOutputDir(t *testing.T) {
	dir := t.TempDir()
	mine := filepath.Join(dir, "thesis.tex")
	if err := os.WriteFile(mine, []byte("precious"), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := run(t.Context(), []string{"-customers", "30", "-backend", "file", "-out", dir}, &stdout, &stderr); code != 1 {
		t.Fatalf("exit code %d, want 1", code)
	}
	if !strings.Contains(stderr.String(), "not created by the demo") {
		t.Errorf("stderr: %s", &stderr)
	}
	if b, err := os.ReadFile(mine); err != nil || string(b) != "precious" {
		t.Errorf("the foreign file was touched: %q, %v", b, err)
	}
}

func TestGenerateDeterministic(t *testing.T) {
	today := abraflexi.NewDate(2026, 3, 16)
	a, b := generate(7, 120, today), generate(7, 120, today)
	if !bytes.Equal(a.hostsFile(), b.hostsFile()) {
		t.Error("the same seed gave different hosts files")
	}
	ja, _ := json.Marshal(a.records())
	jb, _ := json.Marshal(b.records())
	if !bytes.Equal(ja, jb) {
		t.Error("the same seed gave different AbraFlexi records")
	}
	if c := generate(8, 120, today); bytes.Equal(c.hostsFile(), a.hostsFile()) {
		t.Error("another seed gave the same hosts file")
	}
	f, err := svnhosts.Parse(a.hostsFile())
	if err != nil {
		t.Fatal(err)
	}
	if p := f.Check(); len(p) > 0 {
		t.Errorf("hosts file problems: %v", p)
	}
	emails := map[string]bool{}
	for _, c := range a.Customers {
		if emails[c.Email] {
			t.Errorf("duplicate e-mail %s", c.Email)
		}
		emails[c.Email] = true
		if !strings.HasSuffix(c.Email, ".example.cz") && !strings.HasSuffix(c.Email, "@example.cz") && !strings.HasSuffix(c.Email, ".invalid") {
			t.Errorf("%s: e-mail %s outside example.cz and .invalid", c.Code, c.Email)
		}
		if got := f.CustomerIPs(c.Code); len(got) != len(c.Hosts) {
			t.Errorf("%s: %d IPs in the hosts file, generated %d", c.Code, len(got), len(c.Hosts))
		}
	}
}
