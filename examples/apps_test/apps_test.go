// Package apps_test checks what every app binary says about itself and
// how it treats a bad configuration, against the MultiFlexi definitions
// read here independently of the apps' code: -h and -version, the
// configuration check (every problem once, before anything changes), the
// RESULT_FILE pre-check and the PHP report metrics.
package apps_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/abraflexi/abraflexitest"
	"github.com/spoje-net/isptools/examples/internal/apptest"
	"github.com/spoje-net/isptools/examples/multiflexi"
)

func TestMain(m *testing.M) { apptest.Main(m) }

// apps are the executables of the definitions.
var apps = []string{
	"abraflexi-mark-defaulters", "blocknet", "unblocknet", "isp-match-received-payment",
	"isp-match-payments-batch", "isp-potvrzeni-prijeti-uhrady", "isp-potvrzeni-prijeti-bankovni-platby",
	"isp-match-and-notify",
}

// binaries builds every app once and returns the directory.
func binaries(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("building the apps is skipped in -short mode")
	}
	var pkgs []string
	for _, a := range apps {
		pkgs = append(pkgs, "github.com/spoje-net/isptools/examples/"+a)
	}
	return apptest.Build(t, pkgs...)
}

// rawDefinition is a definition as the JSON says, decoded here without
// the multiflexi package, so the tests do not only compare the help with
// itself.
type rawDefinition struct {
	Name        map[string]string `json:"name"`
	Description map[string]string `json:"description"`
	Executable  string            `json:"executable"`
	Example     string            `json:"x-example"`
	ExitCodes   map[string]struct {
		Description map[string]string `json:"description"`
	} `json:"exitCodes"`
	Environment map[string]struct {
		Type          string            `json:"type"`
		Description   map[string]string `json:"description"`
		Defval        any               `json:"defval"`
		Required      bool              `json:"required"`
		BinaryDefault any               `json:"x-default"`
		RequiredWhen  string            `json:"x-required-when"`
	} `json:"environment"`
}

func definitions(t *testing.T) map[string]rawDefinition {
	t.Helper()
	out := map[string]rawDefinition{}
	files, err := filepath.Glob("../multiflexi/*.multiflexi.app.json")
	if err != nil || len(files) != len(apps) {
		t.Fatalf("definitions %v %v", files, err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var d rawDefinition
		if err := json.Unmarshal(b, &d); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out[d.Executable] = d
	}
	return out
}

// run runs bin with exactly env (plus PATH) in an empty directory and
// returns the exit code, stdout and stderr.
func run(t *testing.T, bin string, env []string, args ...string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), apptest.Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = t.TempDir()
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH")}, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, stdout.String(), stderr.String()
}

// nextEntry finds the end of a help entry: a line indented by at most two
// spaces.
var nextEntry = regexp.MustCompile(`\n {0,2}\S`)

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// TestHelpDescribesTheApp: -h prints, on stdout, the app's description,
// every variable of its definition with its meaning and whether it is
// required or its default, every exit code and the example.
func TestHelpDescribesTheApp(t *testing.T) {
	dir := binaries(t)
	for name, def := range definitions(t) {
		t.Run(name, func(t *testing.T) {
			code, out, errOut := run(t, filepath.Join(dir, name), nil, "-h")
			if code != 0 || errOut != "" {
				t.Fatalf("exit %d, stderr %q", code, errOut)
			}
			for i, l := range strings.Split(out, "\n") {
				if len([]rune(l)) > 80 && strings.Contains(strings.TrimSpace(l), " ") || strings.TrimRight(l, " ") != l {
					t.Errorf("help line %d longer than 80 columns or with trailing spaces: %q", i+1, l)
				}
			}
			flat := strings.ReplaceAll(oneLine(out), ` \ `, " ") // shell line continuations
			for _, want := range []string{name + " - " + def.Name["en"], oneLine(def.Description["en"]),
				"--environment FILE", "--output FILE", "-version", "Example: " + def.Example} {
				if !strings.Contains(flat, want) {
					t.Errorf("help lacks %q", want)
				}
			}
			for code, ec := range def.ExitCodes {
				if !strings.Contains(flat, code+" "+oneLine(ec.Description["en"])) {
					t.Errorf("help lacks exit code %s %q", code, ec.Description["en"])
				}
			}
			for v, d := range def.Environment {
				i := strings.Index(out, "\n  "+v+"  (")
				if i < 0 {
					t.Errorf("help lacks the variable %s", v)
					continue
				}
				entry := out[i+1:]
				if j := nextEntry.FindStringIndex(entry); j != nil {
					entry = entry[:j[0]] // up to the next variable or section
				}
				attrs := entry[strings.Index(entry, "(")+1 : strings.Index(entry, ")\n")]
				bin := multiflexi.FormatValue(d.Defval)
				if d.BinaryDefault != nil {
					bin = multiflexi.FormatValue(d.BinaryDefault)
				}
				switch {
				case d.Required && !strings.HasPrefix(attrs, "required"):
					t.Errorf("%s: %q does not say required", v, attrs)
				case d.RequiredWhen != "" && !strings.HasPrefix(attrs, "required when "+d.RequiredWhen):
					t.Errorf("%s: %q does not say required when %s", v, attrs, d.RequiredWhen)
				case bin != "" && !strings.Contains(attrs, "default "+bin):
					t.Errorf("%s: %q does not give the binary default %q", v, attrs, bin)
				case !d.Required && bin == "" && !strings.Contains(attrs, "no default"):
					t.Errorf("%s: %q does not say there is no default", v, attrs)
				}
				if mf := multiflexi.FormatValue(d.Defval); mf != bin && mf != "" && !strings.Contains(attrs, "MultiFlexi default "+mf) {
					t.Errorf("%s: %q does not give MultiFlexi's default %q", v, attrs, mf)
				}
				if !strings.Contains(oneLine(entry), oneLine(d.Description["en"])) {
					t.Errorf("%s: help entry %q lacks the meaning %q", v, entry, d.Description["en"])
				}
			}
		})
	}
}

// TestVersionLine: -version prints "<app> <version> (...)" on stdout;
// the packaging test checks that a packaged binary prints the package's
// version.
func TestVersionLine(t *testing.T) {
	dir := binaries(t)
	for _, name := range apps {
		code, out, _ := run(t, filepath.Join(dir, name), nil, "-version")
		f := strings.Fields(out)
		if code != 0 || len(f) < 2 || f[0] != name || f[1] == "" {
			t.Errorf("%s -version: exit %d, %q", name, code, out)
		}
	}
}

// report decodes a JSON report.
func report(t *testing.T, raw string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		t.Fatalf("not a JSON report: %v\n%s", err, raw)
	}
	return m
}

// TestEmptyEnvironmentNamesEveryRequiredVariable: with nothing configured
// every app exits 1 and its report names every required variable (and
// those required by the defaults, such as SVNURL for the default svn
// backend) exactly once, behind a single "invalid configuration: ".
func TestEmptyEnvironmentNamesEveryRequiredVariable(t *testing.T) {
	dir := binaries(t)
	for name, def := range definitions(t) {
		t.Run(name, func(t *testing.T) {
			code, out, errOut := run(t, filepath.Join(dir, name), []string{"ABRAFLEXI_PASSWORD=hunter2-secret", "EASE_LOGGER=console"})
			r := report(t, out)
			msg, _ := r["message"].(string)
			if code != 1 || r["status"] != "error" || !strings.HasPrefix(msg, "invalid configuration: ") {
				t.Fatalf("exit %d, message %q", code, msg)
			}
			if n := strings.Count(msg, "invalid configuration"); n != 1 {
				t.Errorf("%q says invalid configuration %d times", msg, n)
			}
			var want []string
			for v, d := range def.Environment {
				if v == "ABRAFLEXI_PASSWORD" {
					continue // set
				}
				if d.Required || (d.RequiredWhen != "" && strings.HasSuffix(d.RequiredWhen, "="+multiflexi.FormatValue(def.Environment[strings.Split(d.RequiredWhen, "=")[0]].Defval))) {
					want = append(want, v)
				}
			}
			slices.Sort(want)
			for _, v := range want {
				if n := strings.Count(msg, v+" is required"); n != 1 {
					t.Errorf("%s named %d times as required in %q", v, n, msg)
				}
			}
			if strings.Contains(out+errOut, "hunter2") {
				t.Error("the password appears in the output")
			}
			if strings.HasPrefix(name, "isp-match") && !strings.Contains(msg, "ABRAFLEXI_URL is required") {
				t.Errorf("the matcher does not report the AbraFlexi variables: %q", msg)
			}
			t.Logf("%s: %s", name, msg)
		})
	}
}

// TestBadValuesNamedWithTheirValue: bad values are reported with the
// value, together with the missing variables, each once.
func TestBadValuesNamedWithTheirValue(t *testing.T) {
	dir := binaries(t)
	code, out, _ := run(t, filepath.Join(dir, "blocknet"), []string{"DRY_RUN=maybe", "MAX_BLOCKS=ten", "CUT_DAYS=sunday", "NETWORK_BACKEND=file"})
	msg, _ := report(t, out)["message"].(string)
	for _, want := range []string{`DRY_RUN="maybe": not a boolean`, `MAX_BLOCKS="ten": not an integer`, `CUT_DAYS="sunday": must be one of any|workdays`,
		"ABRAFLEXI_LOGIN is required but not set", "HOSTS_FILE is required when NETWORK_BACKEND=file"} {
		if code != 1 || strings.Count(msg, want) != 1 {
			t.Errorf("exit %d, message %q: want %q once", code, msg, want)
		}
	}
	if strings.Contains(msg, "SVNURL") {
		t.Errorf("SVNURL reported although NETWORK_BACKEND=file: %q", msg)
	}
	code, out, _ = run(t, filepath.Join(dir, "isp-match-and-notify"), []string{"SMTP_PORT=x", "EASE_FROM=not-an-address", "MATCH_OVERPAY_MODE=refund"})
	msg, _ = report(t, out)["message"].(string)
	for _, want := range []string{`SMTP_PORT="x"`, `EASE_FROM="not-an-address"`, `MATCH_OVERPAY_MODE="refund"`, "DOCUMENTID is required", "ABRAFLEXI_COMPANY is required"} {
		if code != 1 || strings.Count(msg, want) != 1 {
			t.Errorf("exit %d, message %q: want %q once", code, msg, want)
		}
	}
}

// seeded returns an AbraFlexi with one customer to block (CUT, 10.0.0.7)
// and one to unblock (PAID, blocked in the hosts file, owing nothing) and
// the path of a hosts file with both.
func seeded(t *testing.T) (*abraflexitest.Server, string) {
	t.Helper()
	srv := abraflexitest.NewServer(t)
	today := abraflexi.DateOf(time.Now())
	srv.AddAddress(abraflexi.Address{Code: "CUT", Name: "Owes", Labels: abraflexi.Labels("ODPOJENO", "UPOMINKA3")})
	srv.AddAddress(abraflexi.Address{Code: "VIPC", Name: "VIP", Labels: abraflexi.Labels("ODPOJENO", "VIP")})
	srv.AddAddress(abraflexi.Address{Code: "NOIP", Name: "No IP", Labels: abraflexi.Labels("ODPOJENO")})
	srv.AddContract(abraflexi.Contract{Code: "SML-CUT", Customer: abraflexi.RefTo(abraflexi.CodeID("CUT")),
		Type: abraflexi.RefTo(abraflexi.CodeID("INTERNET")), ValidFrom: abraflexi.NewDate(2024, time.January, 1)})
	srv.AddInvoice(abraflexi.IssuedInvoice{Code: "FV-CUT", Customer: abraflexi.RefTo(abraflexi.CodeID("CUT")), VariableSymbol: "1001",
		Total: decimal.RequireFromString("500"), Remaining: decimal.RequireFromString("500"),
		IssuedOn: today.AddDays(-45), DueOn: today.AddDays(-30), DocumentType: abraflexi.RefTo(abraflexi.CodeID("FAKTURA"))})
	hosts := filepath.Join(t.TempDir(), "hosts")
	if err := os.WriteFile(hosts, []byte("10.0.0.7\tcut\t#speed=100 {code:CUT}\n10.0.0.8\tvip\t#speed=50 {code:VIPC}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return srv, hosts
}

// TestUnwritableResultFileChangesNothing: RESULT_FILE in a directory that
// does not exist makes blocknet refuse to start: exit 1, a message naming
// RESULT_FILE, the report on stdout, the hosts file unchanged and no
// AbraFlexi request. With a writable RESULT_FILE the same run blocks, so
// the check is what kept the hosts file.
func TestUnwritableResultFileChangesNothing(t *testing.T) {
	dir := binaries(t)
	srv, hosts := seeded(t)
	before, _ := os.ReadFile(hosts)
	env := append(apptest.AbraFlexiEnv(srv), "NETWORK_BACKEND=file", "HOSTS_FILE="+hosts, "EASE_LOGGER=console")
	srv.ResetRequests()
	code, out, errOut := run(t, filepath.Join(dir, "blocknet"), append(env, "RESULT_FILE=/nonexistent/dir/x.json"))
	r := report(t, out)
	msg, _ := r["message"].(string)
	if code != 1 || r["status"] != "error" || !strings.Contains(msg, `RESULT_FILE="/nonexistent/dir/x.json"`) {
		t.Fatalf("exit %d, message %q\n%s", code, msg, errOut)
	}
	if after, _ := os.ReadFile(hosts); !bytes.Equal(after, before) {
		t.Errorf("hosts file changed:\n%s", after)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d AbraFlexi requests", n)
	}

	good := filepath.Join(t.TempDir(), "r.json")
	if code, _, errOut := run(t, filepath.Join(dir, "blocknet"), append(env, "RESULT_FILE="+good)); code != 0 {
		t.Fatalf("control run: exit %d\n%s", code, errOut)
	}
	if after, _ := os.ReadFile(hosts); bytes.Equal(after, before) {
		t.Error("the control run did not block: the test proves nothing")
	}
}

// TestEveryAppChecksResultFileFirst: no app talks to AbraFlexi when its
// report cannot be written.
func TestEveryAppChecksResultFileFirst(t *testing.T) {
	dir := binaries(t)
	srv, hosts := seeded(t)
	env := append(apptest.AbraFlexiEnv(srv), "NETWORK_BACKEND=file", "HOSTS_FILE="+hosts, "DOCUMENTID=B1", "DOCID=FV-CUT",
		"EASE_FROM=ucetni@example.cz", "MUTE=true", "RESULT_FILE=/nonexistent/dir/x.json")
	for _, name := range apps {
		srv.ResetRequests()
		code, out, _ := run(t, filepath.Join(dir, name), env)
		msg, _ := report(t, out)["message"].(string)
		if code != 1 || !strings.Contains(msg, "RESULT_FILE=") || len(srv.Requests()) != 0 {
			t.Errorf("%s: exit %d, %d requests, message %q", name, code, len(srv.Requests()), msg)
		}
	}
}

// TestPHPMetricsInReports runs the Pipeline A binaries and checks the
// PHP tools' metric names and values in their reports.
func TestPHPMetricsInReports(t *testing.T) {
	dir := binaries(t)
	srv, hosts := seeded(t)
	env := append(apptest.AbraFlexiEnv(srv), "NETWORK_BACKEND=file", "HOSTS_FILE="+hosts, "EASE_LOGGER=console")
	metrics := func(t *testing.T, app string, extra ...string) (map[string]any, string) {
		t.Helper()
		res := filepath.Join(t.TempDir(), "r.json")
		code, _, errOut := run(t, filepath.Join(dir, app), append(append(env, "RESULT_FILE="+res), extra...))
		raw, err := os.ReadFile(res)
		if err != nil || code != 0 {
			t.Fatalf("%s: exit %d, %v\n%s", app, code, err, errOut)
		}
		r := report(t, string(raw))
		m, _ := r["metrics"].(map[string]any)
		msg, _ := r["message"].(string)
		return m, msg
	}
	check := func(t *testing.T, app string, got map[string]any, want map[string]int) {
		t.Helper()
		for k, n := range want {
			if got[k] != float64(n) {
				t.Errorf("%s: metric %s = %v, want %d (metrics %v)", app, k, got[k], n, got)
			}
		}
	}
	m, _ := metrics(t, "abraflexi-mark-defaulters", "DRY_RUN=true")
	check(t, "abraflexi-mark-defaulters", m, map[string]int{"checked": 1, "marked": 0, "skipped": 0, "errors": 0})

	m, msg := metrics(t, "blocknet")
	check(t, "blocknet", m, map[string]int{"disconnected_total": 3, "blocked": 1, "vip_skipped": 1, "nodisconnect_skipped": 0, "no_ip": 1, "errors": 0})
	if !strings.HasPrefix(msg, "1 customers blocked, 1 newly") {
		t.Errorf("first run: %q", msg)
	}
	_, msg = metrics(t, "blocknet")
	if !strings.HasPrefix(msg, "1 customers blocked, 0 newly") {
		t.Errorf("re-run: %q, want it to start with \"1 customers blocked, 0 newly\"", msg)
	}

	m, _ = metrics(t, "unblocknet")
	check(t, "unblocknet", m, map[string]int{"disconnected_total": 3, "still_owing": 1, "unblocked": 1, "labels_cleared": 2, "no_ip": 1, "errors": 0})
	t.Log(fmt.Sprint(m))
}
