package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spoje-net/isptools/dunning"
	"github.com/spoje-net/isptools/examples/internal/apptest"
	"github.com/spoje-net/isptools/notify/notifytest"
)

func TestMain(m *testing.M) { apptest.Main(m) }

// appPackages are the apps the -keep commands run.
var appPackages = []string{
	"github.com/spoje-net/isptools/examples/" + appMark, "github.com/spoje-net/isptools/examples/" + appBlock,
	"github.com/spoje-net/isptools/examples/" + appUnblock, "github.com/spoje-net/isptools/examples/" + appMatch,
	"github.com/spoje-net/isptools/examples/" + appBatch, "github.com/spoje-net/isptools/examples/" + appBridge,
	"github.com/spoje-net/isptools/examples/" + appConfirm, "github.com/spoje-net/isptools/examples/" + appNotice,
}

// columns is the width of a line on a terminal: tabs go to the next
// multiple of 8.
func columns(line string) int {
	n := 0
	for _, r := range line {
		if r == '\t' {
			n += 8 - n%8
		} else {
			n++
		}
	}
	return n
}

// checkLayout: every line of the account fits 100 columns and none ends
// in a space.
func checkLayout(t *testing.T, out string) {
	t.Helper()
	for i, l := range strings.Split(out, "\n") {
		if w := columns(l); w > maxWidth {
			t.Errorf("line %d is %d columns wide: %q", i+1, w, l)
		}
		if strings.TrimRight(l, " \t") != l {
			t.Errorf("line %d ends in white space: %q", i+1, l)
		}
	}
}

// TestColumnsAndWrap checks the measures the layout test relies on.
func TestColumnsAndWrap(t *testing.T) {
	if got := columns("    before      10.24.0.26\tvankova"); got != 39 {
		t.Errorf("columns = %d", got)
	}
	for _, l := range wrap("23 customers carry UPOMINKA3: 16 newly marked ODPOJENO, 2 already marked", 30) {
		if len([]rune(l)) > 30 {
			t.Errorf("wrapped line %q is longer than 30", l)
		}
	}
	if got := wrap(strings.Repeat("x", 25), 10); len(got) != 3 || got[0] != "xxxxxxxxx…" {
		t.Errorf("a long word: %q", got)
	}
	var b bytes.Buffer
	tw := &trimWriter{w: &b}
	fmt.Fprint(tw, "a  \nb\t \n  \n")
	if b.String() != "a\nb\t\n\n" {
		t.Errorf("trimWriter wrote %q", b.String())
	}
}

// summaryRe parses a summary: "18 ODPOJENO customers: 15 newly cut off
// (17 IPs), 2 already cut off, 1 without IP."
var summaryRe = regexp.MustCompile(`^(\d+) [^:]*?(?:: (.*))?\.$`)

// checkSummaries: every summary of the account is printed (maybe
// wrapped) and its groups add up to its total.
func checkSummaries(t *testing.T, summaries []string, out string) {
	t.Helper()
	flat := strings.Join(strings.Fields(out), " ")
	if len(summaries) < 6 {
		t.Errorf("%d summaries, want one per stage: %q", len(summaries), summaries)
	}
	paren := regexp.MustCompile(`\([^)]*\)`)
	for _, s := range summaries {
		if !strings.Contains(flat, s) {
			t.Errorf("summary %q is not in the account", s)
		}
		m := summaryRe.FindStringSubmatch(s)
		if m == nil {
			t.Errorf("summary %q does not parse", s)
			continue
		}
		total, _ := strconv.Atoi(m[1])
		sum := 0
		if m[2] != "" {
			for _, g := range strings.Split(paren.ReplaceAllString(m[2], ""), ", ") {
				n, err := strconv.Atoi(strings.Fields(g)[0])
				if err != nil {
					t.Errorf("summary %q: group %q has no count", s, g)
				}
				sum += n
			}
		} else {
			sum = total
		}
		if sum != total {
			t.Errorf("summary %q: the groups add up to %d, not %d", s, sum, total)
		}
	}
}

// TestSummaryAddsUp: a summary leaves out empty groups and adds up.
func TestSummaryAddsUp(t *testing.T) {
	p := newPrinter(&bytes.Buffer{}, fixedNow)
	p.summary(18, "ODPOJENO customers", part{15, "newly cut off (17 IPs)"}, part{2, "already cut off"}, part{0, "exempt"}, part{1, "without IP"})
	p.summary(0, "customers decided about")
	want := []string{"18 ODPOJENO customers: 15 newly cut off (17 IPs), 2 already cut off, 1 without IP.", "0 customers decided about."}
	if strings.Join(p.summaries, "\n") != strings.Join(want, "\n") {
		t.Errorf("summaries %q", p.summaries)
	}
}

func fixedNow() time.Time { return time.Date(2026, 3, 16, 9, 0, 0, 0, time.UTC) }

// exportRe and commandRe parse what -keep prints.
var (
	exportRe  = regexp.MustCompile(`^    export (.*)$`)
	commandRe = regexp.MustCompile(`^    ((?:[A-Z_]+=\S+ )*)go run \./examples/(\S+)$`)
)

// shellWords splits the assignments of an export line, honouring single
// quotes and backslash escapes, as the shell does.
func shellWords(s string) []string {
	var out []string
	var cur strings.Builder
	quoted, have := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\'':
			quoted, have = !quoted, true
		case c == '\\' && !quoted && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
		case c == ' ' && !quoted:
			if have || cur.Len() > 0 {
				out = append(out, cur.String())
			}
			cur.Reset()
			have = false
		default:
			cur.WriteByte(c)
		}
	}
	if have || cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}

func TestShellQuoteRoundTrip(t *testing.T) {
	for _, v := range []string{"plain", "DemoNet s.r.o. <f@x.cz>", "it's", "file:///tmp/a b/c", ""} {
		if got := shellWords("A=" + shellQuote(v)); len(got) != 1 || got[0] != "A="+v {
			t.Errorf("%q quoted as %q parses as %q", v, shellQuote(v), got)
		}
	}
	lines := exportLines([]setting{{name: "A", value: strings.Repeat("a", 60)}, {name: "B", value: strings.Repeat("b", 60)}, {name: "A", value: "dup"}}, "    ", 100)
	if len(lines) != 2 || !strings.HasPrefix(lines[1], "    export B=") {
		t.Errorf("export lines %q", lines)
	}
}

// runKeptCommands runs, against the servers a -keep run keeps, the real
// binaries with the export lines and the example commands it printed:
// the configuration they state is complete and works.
func runKeptCommands(ctx context.Context, t *testing.T, out, bins string, cmds []exampleCommand) {
	t.Helper()
	var env []string
	type command struct{ app, vars string }
	var got []command
	for _, l := range strings.Split(out, "\n") {
		if m := exportRe.FindStringSubmatch(l); m != nil {
			env = append(env, shellWords(m[1])...)
		}
		if m := commandRe.FindStringSubmatch(l); m != nil {
			got = append(got, command{m[2], strings.TrimSpace(m[1])})
		}
	}
	vars := map[string]bool{}
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		vars[name] = true
	}
	for _, name := range []string{"ABRAFLEXI_URL", "ABRAFLEXI_LOGIN", "ABRAFLEXI_PASSWORD", "ABRAFLEXI_COMPANY", "NETWORK_BACKEND",
		"EASE_FROM", "SMTP_HOST", "SMTP_PORT", "INET_CONTRACT_TYPE", "MAX_BLOCKS"} {
		if !vars[name] {
			t.Errorf("-keep exports no %s:\n%s", name, out)
		}
	}
	if len(got) != len(appPackages) {
		t.Fatalf("-keep prints %d commands, want one per app (%d)", len(got), len(appPackages))
	}
	for i, c := range got {
		want := cmds[i]
		if c.app != want.app {
			t.Errorf("command %d runs %s, want %s", i+1, c.app, want.app)
		}
		procEnv := append(append([]string{}, env...), strings.Fields(c.vars)...)
		r := apptest.Run(t, filepath.Join(bins, c.app), procEnv)
		if r.Code != want.exit || r.Report == nil || r.Report["producer"] != c.app {
			t.Errorf("%s %s go run ./examples/%s: exit %d (want %d), report %v\n%s", strings.Join(env, " "), c.vars, c.app, r.Code, want.exit, r.Report, r.Stderr)
		}
	}
}

// TestDemoSettingsConfigureTheRuns: the stages read the demo's settings
// with the apps' readers: a circuit breaker of 1 refuses blocknet's run.
func TestDemoSettingsConfigureTheRuns(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	var stdout, stderr bytes.Buffer
	code, acc := execute(t.Context(), []string{"-customers", "30", "-seed", "3", "-today", "2026-03-16", "-backend", "file",
		"-out", filepath.Join(t.TempDir(), "out")}, &stdout, &stderr, func(c *config) {
		fixedClock(c)
		c.adjustSettings = func(ss []setting) []setting {
			for i := range ss {
				if ss[i].name == "MAX_BLOCKS" {
					ss[i].value = "1"
				}
			}
			return ss
		}
	})
	if code != 1 || acc.Block == nil || acc.Block.Refusal == nil || acc.Block.Refusal.Kind != dunning.RefusedCircuitBreaker {
		t.Fatalf("MAX_BLOCKS=1: exit %d, block %+v\n%s", code, acc.Block, &stderr)
	}
	if !strings.Contains(stdout.String(), "MAX_BLOCKS=1") {
		t.Errorf("the account does not state MAX_BLOCKS=1:\n%s", &stdout)
	}
}

// TestDemoInvoicePDFCzech: the invoice PDF attached to a confirmation
// shows the customer's Czech name as written (read with pdftotext when
// poppler-utils is installed).
func TestDemoInvoicePDFCzech(t *testing.T) {
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Skip("pdftotext (poppler-utils) is not installed")
	}
	t.Setenv("TMPDIR", t.TempDir())
	out := filepath.Join(t.TempDir(), "out")
	var stdout, stderr bytes.Buffer
	code, acc := execute(t.Context(), []string{"-customers", "30", "-seed", "3", "-today", "2026-03-16", "-backend", "file", "-out", out},
		&stdout, &stderr, fixedClock)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, &stderr)
	}
	checked := 0
	for _, m := range acc.Mails {
		if len(m.Attachments) == 0 {
			continue
		}
		raw, err := os.ReadFile(filepath.Join(out, m.File))
		if err != nil {
			t.Fatal(err)
		}
		msg, err := notifytest.Parse(raw)
		if err != nil || len(msg.Attachments) != 1 {
			t.Fatalf("%s: %v, %d attachments", m.File, err, len(msg.Attachments))
		}
		pdf := filepath.Join(t.TempDir(), "invoice.pdf")
		if err := os.WriteFile(pdf, msg.Attachments[0].Data, 0o644); err != nil {
			t.Fatal(err)
		}
		text, err := exec.Command(bin, "-enc", "UTF-8", pdf, "-").Output()
		if err != nil {
			t.Fatalf("pdftotext: %v", err)
		}
		var name string
		for _, c := range acc.World.Customers {
			if strings.Contains(string(text), "Odběratel: "+c.Code+" ") {
				name = c.Name
				if !strings.Contains(string(text), "Odběratel: "+c.Code+" "+c.Name) {
					t.Errorf("%s: the PDF reads\n%s\nnot the name %q", m.File, text, c.Name)
				}
			}
		}
		if name == "" {
			t.Errorf("%s: no customer in the PDF text\n%s", m.File, text)
		}
		if strings.ContainsAny(name, "áčďéěíňóřšťúůýž") {
			checked++
		}
	}
	if checked == 0 {
		t.Error("no PDF of a customer whose name has Czech diacritics")
	}
}
