// Package apptest holds the helpers of the apps' end-to-end tests: build
// an app binary once per test process, run it as a process with a chosen
// environment in an empty directory, read and decode its JSON report, find
// the MultiFlexi report schema in the reference data, and build the
// environment for the abraflexitest and notifytest fixtures.
//
// It is imported only by tests. A test package using [Binary] or [Build]
// calls [Main] from its TestMain so the binaries are removed afterwards.
package apptest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spoje-net/isptools/abraflexi/abraflexitest"
	"github.com/spoje-net/isptools/examples/internal/jsonschema"
)

// Timeout bounds one run of an app binary.
const Timeout = 2 * time.Minute

var (
	mu     sync.Mutex
	builds = map[string]*build{}
	dirs   []string
)

type build struct {
	once sync.Once
	dir  string
	err  error
}

// Main runs the tests of m, removes every binary built by [Build] and
// [Binary], and exits with the tests' code. Call it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	mu.Lock()
	for _, d := range dirs {
		os.RemoveAll(d)
	}
	mu.Unlock()
	os.Exit(code)
}

// Build builds the main packages pkgs (import paths or ".") into one
// temporary directory, once per test process and set of packages, and
// returns the directory; each binary is named after its package's
// directory.
func Build(t testing.TB, pkgs ...string) string {
	t.Helper()
	key := strings.Join(pkgs, "\x00")
	mu.Lock()
	b := builds[key]
	if b == nil {
		b = &build{}
		builds[key] = b
	}
	mu.Unlock()
	b.once.Do(func() {
		if b.dir, b.err = os.MkdirTemp("", "apptest-bin-"); b.err != nil {
			return
		}
		mu.Lock()
		dirs = append(dirs, b.dir)
		mu.Unlock()
		args := append([]string{"build", "-o", b.dir + string(os.PathSeparator)}, pkgs...)
		if out, err := exec.Command("go", args...).CombinedOutput(); err != nil {
			b.err = fmt.Errorf("go build %s: %v\n%s", strings.Join(pkgs, " "), err, out)
		}
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.dir
}

// Binary builds the main package in the current directory (the app under
// test) once and returns the path of the binary called name.
func Binary(t testing.TB, name string) string {
	t.Helper()
	dir := Build(t, ".")
	if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
		// go build names the binary after the directory; make it name.
		entries, _ := os.ReadDir(dir)
		if len(entries) != 1 {
			t.Fatalf("binary %s not built in %s", name, dir)
		}
		if err := os.Rename(filepath.Join(dir, entries[0].Name()), filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, name)
}

// Result is one run of an app binary.
type Result struct {
	// Code is the exit code.
	Code int
	// Raw is the JSON report as written; nil when the app wrote none to
	// RESULT_FILE.
	Raw []byte
	// Report is Raw decoded; nil without a report.
	Report map[string]any
	// Stderr is the app's log.
	Stderr string
}

// Run runs bin with args in a new empty directory (so no stray .env
// file is loaded) with only PATH, EASE_LOGGER=console and
// RESULT_FILE=<dir>/report.json in its environment, followed by env
// ("NAME=value", later entries win). It reads the report from RESULT_FILE
// when the app wrote one there (-o elsewhere leaves Raw nil) and logs the
// app's stderr and report with t.Logf.
func Run(t testing.TB, bin string, env []string, args ...string) Result {
	t.Helper()
	r, err := run(bin, t.TempDir(), env, args...)
	if err != nil {
		t.Fatalf("%s: %v", filepath.Base(bin), err)
	}
	r.log(t, bin, args)
	return r
}

// run runs bin in dir as [Run] describes; it does not touch the test, so
// it may run on any goroutine.
func run(bin, dir string, env []string, args ...string) (Result, error) {
	report := filepath.Join(dir, "report.json")
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "EASE_LOGGER=console", "RESULT_FILE=" + report}, env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	r := Result{Stderr: stderr.String()}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		r.Code = ee.ExitCode()
	case err != nil:
		return r, err
	}
	if raw, err := os.ReadFile(report); err == nil {
		r.Raw = raw
		if err := json.Unmarshal(raw, &r.Report); err != nil {
			return r, fmt.Errorf("report: %v\n%s", err, raw)
		}
	}
	return r, nil
}

// log logs the run's stderr and report with t.Logf.
func (r Result) log(t testing.TB, bin string, args []string) {
	t.Helper()
	t.Logf("%s %v: exit %d\nlog:\n%s", filepath.Base(bin), args, r.Code, r.Stderr)
	if r.Raw != nil {
		t.Logf("report: %s", r.Raw)
	}
}

// Decode unmarshals the report into v, failing the test when there is no
// report or it does not decode.
func (r Result) Decode(t testing.TB, v any) {
	t.Helper()
	if r.Raw == nil {
		t.Fatalf("no report (exit %d)\nlog:\n%s", r.Code, r.Stderr)
	}
	if err := json.Unmarshal(r.Raw, v); err != nil {
		t.Fatalf("report: %v\n%s", err, r.Raw)
	}
}

// Check fails the test unless the run exited with code and its report has
// the status and reason, the producer and the same exit code.
func (r Result) Check(t testing.TB, producer string, code int, status, reason string) {
	t.Helper()
	if r.Code != code || r.Report["status"] != status || r.Report["reason"] != reason {
		t.Fatalf("exit %d status %v reason %v, want %d %s %s\nreport %v\nstderr:\n%s",
			r.Code, r.Report["status"], r.Report["reason"], code, status, reason, r.Report, r.Stderr)
	}
	if r.Report["producer"] != producer || r.Report["exitcode"] != float64(code) {
		t.Errorf("producer/exitcode: %v", r.Report)
	}
}

// AbraFlexiEnv returns the ABRAFLEXI_URL, ABRAFLEXI_LOGIN,
// ABRAFLEXI_PASSWORD and ABRAFLEXI_COMPANY of srv.
func AbraFlexiEnv(srv *abraflexitest.Server) []string {
	cfg := srv.Config()
	return []string{"ABRAFLEXI_URL=" + cfg.URL, "ABRAFLEXI_LOGIN=" + cfg.Login,
		"ABRAFLEXI_PASSWORD=" + cfg.Password, "ABRAFLEXI_COMPANY=" + cfg.Company}
}

// ReportSchema returns the MultiFlexi report schema from
// $ISPTOOLS_REFERENCE_DIR/multiflexi/multiflexi.report.schema.json, or nil
// (with a log line) when ISPTOOLS_REFERENCE_DIR is not set.
func ReportSchema(t testing.TB) []byte {
	t.Helper()
	dir := os.Getenv("ISPTOOLS_REFERENCE_DIR")
	if dir == "" {
		t.Log("ISPTOOLS_REFERENCE_DIR not set: reports are not validated against the MultiFlexi report schema")
		return nil
	}
	schema, err := os.ReadFile(filepath.Join(dir, "multiflexi", "multiflexi.report.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	return schema
}

// ValidateReport checks the run's report against schema ([ReportSchema]);
// a nil schema skips the check.
func (r Result) ValidateReport(t testing.TB, schema []byte) {
	t.Helper()
	if schema == nil {
		return
	}
	if err := jsonschema.Validate(schema, r.Raw); err != nil {
		t.Errorf("report invalid against the MultiFlexi schema: %v\n%s", err, r.Raw)
	}
}

// LogLines returns the lines of the run's log that contain every one of
// parts.
func (r Result) LogLines(parts ...string) []string {
	var out []string
	for _, l := range strings.Split(r.Stderr, "\n") {
		ok := l != ""
		for _, p := range parts {
			ok = ok && strings.Contains(l, p)
		}
		if ok {
			out = append(out, l)
		}
	}
	return out
}
