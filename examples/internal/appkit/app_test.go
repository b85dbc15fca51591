package appkit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
	"time"
)

// runResult is the outcome of one App.Run in a test.
type runResult struct {
	code   int
	stdout string
	stderr string
}

// report decodes the JSON report found on stdout.
func (r runResult) report(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &m); err != nil {
		t.Fatalf("stdout is not a JSON report: %v\n%s\nstderr:\n%s", err, r.stdout, r.stderr)
	}
	return m
}

// testApp returns an App with a fixed environment and a missing default
// .env file.
func testApp(t *testing.T, env map[string]string, body RunFunc) *App {
	t.Helper()
	return &App{
		Name:           "testapp",
		Body:           body,
		DefaultEnvFile: filepath.Join(t.TempDir(), "absent.env"),
		LookupEnv:      lookupMap(env),
		Now:            func() time.Time { return testTime },
	}
}

func run(a *App, args ...string) runResult {
	var out, errOut bytes.Buffer
	code := a.Run(context.Background(), args, &out, &errOut)
	return runResult{code, out.String(), errOut.String()}
}

func okBody(context.Context, *Env, *slog.Logger) (*Report, error) {
	return &Report{Message: "done"}, nil
}

func TestRunSuccessReportOnStdout(t *testing.T) {
	res := run(testApp(t, nil, okBody))
	if res.code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", res.code, res.stderr)
	}
	rep := res.report(t)
	if rep["producer"] != "testapp" || rep["status"] != "success" || rep["exitcode"] != 0.0 ||
		rep["timestamp"] != "2026-01-21T17:45:00+01:00" || rep["message"] != "done" {
		t.Errorf("report %v", rep)
	}
	if !strings.Contains(res.stderr, "INFO done status=success exitcode=0 report=php://stdout") {
		t.Errorf("summary line missing from stderr:\n%s", res.stderr)
	}
}

func TestRunFlagErrorsNeverExit2(t *testing.T) {
	called := false
	body := func(context.Context, *Env, *slog.Logger) (*Report, error) { called = true; return nil, nil }
	for _, args := range [][]string{{"-x"}, {"--bogus"}, {"-o"}, {"-version=maybe"}, {"extra"}, {"-e", "f", "positional"}} {
		res := run(testApp(t, nil, body), args...)
		if res.code != 1 {
			t.Errorf("%v: exit %d, want 1", args, res.code)
		}
		if !strings.Contains(res.stderr, "Usage: testapp") {
			t.Errorf("%v: no usage on stderr:\n%s", args, res.stderr)
		}
		if res.stdout != "" {
			t.Errorf("%v: stdout %q", args, res.stdout)
		}
	}
	if called {
		t.Error("body ran despite a flag error")
	}
}

func TestRunHelp(t *testing.T) {
	for _, arg := range []string{"-h", "--help"} {
		res := run(testApp(t, nil, okBody), arg)
		if res.code != 0 || !strings.Contains(res.stdout, "--environment FILE") || !strings.Contains(res.stdout, "--output FILE") || res.stderr != "" {
			t.Errorf("%s: exit %d, stdout:\n%s\nstderr:\n%s", arg, res.code, res.stdout, res.stderr)
		}
	}
}

func TestRunVersion(t *testing.T) {
	a := testApp(t, nil, okBody)
	a.BuildInfo = func() (*debug.BuildInfo, bool) {
		return &debug.BuildInfo{
			GoVersion: "go1.26.8",
			Main:      debug.Module{Path: "github.com/spoje-net/isptools", Version: "v0.3.0"},
			Settings: []debug.BuildSetting{
				{Key: "vcs.revision", Value: "7140606abc"},
				{Key: "vcs.time", Value: "2026-01-02T03:04:05Z"},
				{Key: "vcs.modified", Value: "true"},
			},
		}, true
	}
	res := run(a, "-version")
	want := "testapp 0.3.0 (github.com/spoje-net/isptools, commit 7140606abc+dirty, go1.26.8)\n"
	if res.code != 0 || res.stdout != want {
		t.Errorf("exit %d stdout %q, want %q", res.code, res.stdout, want)
	}
	if got := VersionString("x", nil, false); got != "x unknown (no build information)" {
		t.Errorf("no build info: %q", got)
	}
	// The real build info of the test binary works too.
	if res := run(testApp(t, nil, okBody), "--version"); res.code != 0 || !strings.HasPrefix(res.stdout, "testapp ") {
		t.Errorf("real build info: exit %d, %q", res.code, res.stdout)
	}
}

func TestRunEnvironmentFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "app.env")
	content := "LABEL_VIP=FILEVIP\nexport MAX_BLOCKS=7\nRESULT_FILE=" + filepath.Join(dir, "out.json") + "\n"
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, flagName := range []string{"-e", "--environment", "-environment", "--e"} {
		var vip string
		var maxBlocks int
		a := testApp(t, map[string]string{"MAX_BLOCKS": "3"}, func(_ context.Context, env *Env, _ *slog.Logger) (*Report, error) {
			vip = env.String("LABEL_VIP", "VIP")
			maxBlocks = env.Int("MAX_BLOCKS", 100, 0)
			return &Report{}, env.Err()
		})
		res := run(a, flagName, path)
		if res.code != 0 {
			t.Fatalf("%s: exit %d\n%s", flagName, res.code, res.stderr)
		}
		if vip != "FILEVIP" || maxBlocks != 3 {
			t.Errorf("%s: LABEL_VIP=%q MAX_BLOCKS=%d; want the file value and the process value", flagName, vip, maxBlocks)
		}
		if res.stdout != "" {
			t.Errorf("%s: report went to stdout although RESULT_FILE is set", flagName)
		}
		if _, err := os.Stat(filepath.Join(dir, "out.json")); err != nil {
			t.Errorf("%s: RESULT_FILE from .env not written: %v", flagName, err)
		}
	}
}

func TestRunDefaultEnvFile(t *testing.T) {
	dir := t.TempDir()
	a := testApp(t, nil, func(_ context.Context, env *Env, _ *slog.Logger) (*Report, error) {
		return &Report{Message: env.String("GREETING", "none")}, nil
	})
	a.DefaultEnvFile = filepath.Join(dir, ".env")
	if res := run(a); res.code != 0 || res.report(t)["message"] != "none" {
		t.Fatalf("absent default .env: exit %d, %s", res.code, res.stdout)
	}
	if err := os.WriteFile(a.DefaultEnvFile, []byte("GREETING=hello\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if res := run(a); res.code != 0 || res.report(t)["message"] != "hello" {
		t.Fatalf("default .env: exit %d, %s", res.code, res.stdout)
	}
	if err := os.WriteFile(a.DefaultEnvFile, []byte("GREETING\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	res := run(a)
	if res.code != 1 || !strings.Contains(res.report(t)["message"].(string), a.DefaultEnvFile+": ") || !strings.Contains(res.report(t)["message"].(string), "GREETING") {
		t.Fatalf("broken default .env: exit %d, %s", res.code, res.stdout)
	}
}

func TestRunBadEnvironmentFileReportsError(t *testing.T) {
	sawErr := false
	a := testApp(t, nil, func(_ context.Context, env *Env, _ *slog.Logger) (*Report, error) {
		sawErr = env.Err() != nil
		return nil, env.Err()
	})
	missing := filepath.Join(t.TempDir(), "nope.env")
	res := run(a, "-e", missing)
	if res.code != 1 || !sawErr {
		t.Fatalf("exit %d, body saw the error %v", res.code, sawErr)
	}
	rep := res.report(t)
	if rep["status"] != "error" || !strings.Contains(rep["message"].(string), missing) {
		t.Errorf("report %v", rep)
	}
}

func TestRunInvalidConfigurationListsAllVariables(t *testing.T) {
	sawErr := false
	a := testApp(t, map[string]string{"APP_DEBUG": "perhaps", "EASE_LOGGER": "console"}, func(_ context.Context, env *Env, _ *slog.Logger) (*Report, error) {
		sawErr = env.Err() != nil // the body is told before it does anything
		return &Report{Message: "ignored"}, nil
	})
	res := run(a)
	if res.code != 1 || !sawErr {
		t.Fatalf("exit %d, body saw the error %v", res.code, sawErr)
	}
	if !strings.Contains(res.report(t)["message"].(string), `APP_DEBUG="perhaps": not a boolean`) {
		t.Errorf("message: %v", res.report(t)["message"])
	}

	// Errors found by the body's getters are all reported even if the body ignores Env.Err.
	a = testApp(t, map[string]string{"MAX_BLOCKS": "x", "NETWORK_BACKEND": "ldap"}, func(_ context.Context, env *Env, _ *slog.Logger) (*Report, error) {
		env.Int("MAX_BLOCKS", 100, 0)
		env.Enum("NETWORK_BACKEND", "svn", "svn", "netbox", "file")
		env.Required("DOCUMENTID")
		return &Report{Message: "would have run"}, nil
	})
	res = run(a)
	msg := res.report(t)["message"].(string)
	if res.code != 1 || res.report(t)["status"] != "error" {
		t.Fatalf("exit %d, report %s", res.code, res.stdout)
	}
	for _, want := range []string{"MAX_BLOCKS", "NETWORK_BACKEND", "DOCUMENTID is required"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %s", msg, want)
		}
	}
}

func TestRunPanicIsExit1WithReport(t *testing.T) {
	a := testApp(t, nil, func(context.Context, *Env, *slog.Logger) (*Report, error) {
		panic(errors.New("backend exploded"))
	})
	res := run(a)
	if res.code != 1 {
		t.Fatalf("exit %d, want 1", res.code)
	}
	rep := res.report(t)
	if rep["status"] != "error" || rep["exitcode"] != 1.0 || !strings.Contains(rep["message"].(string), "panic: backend exploded") {
		t.Errorf("report %v", rep)
	}
	if !strings.Contains(res.stderr, "panic recovered") || !strings.Contains(res.stderr, "app_test.go") {
		t.Errorf("panic and stack not logged:\n%s", res.stderr)
	}
}

func TestRunExitCodes(t *testing.T) {
	tests := []struct {
		name   string
		body   RunFunc
		code   int
		status string
	}{
		{"warning is 0", func(context.Context, *Env, *slog.Logger) (*Report, error) {
			return &Report{Status: StatusWarning}, nil
		}, 0, "warning"},
		{"error is 1", func(context.Context, *Env, *slog.Logger) (*Report, error) {
			return &Report{Payment: &Payment{Document: "D"}}, errors.New("abraflexi: 401")
		}, 1, "error"},
		{"status error is 1", func(context.Context, *Env, *slog.Logger) (*Report, error) {
			return &Report{Status: StatusError}, nil
		}, 1, "error"},
		{"explicit 2", func(context.Context, *Env, *slog.Logger) (*Report, error) {
			return &Report{ExitCode: ExitUnmatched, Payment: &Payment{Document: "B1", Reason: "unknown_varsym"}}, nil
		}, 2, "warning"},
		{"nil report is success", func(context.Context, *Env, *slog.Logger) (*Report, error) {
			return nil, nil
		}, 0, "success"},
		{"nil body", nil, 1, "error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := run(testApp(t, nil, tt.body))
			rep := res.report(t)
			if res.code != tt.code || rep["status"] != tt.status || rep["exitcode"] != float64(tt.code) ||
				rep["metrics"].(map[string]any)["exit_code"] != float64(tt.code) {
				t.Errorf("exit %d, report %v; want %d %s", res.code, rep, tt.code, tt.status)
			}
		})
	}
}

func TestRunCancelledContext(t *testing.T) {
	a := testApp(t, nil, func(ctx context.Context, _ *Env, _ *slog.Logger) (*Report, error) {
		return nil, ctx.Err()
	})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errOut bytes.Buffer
	if code := a.Run(ctx, nil, &out, &errOut); code != 1 || !strings.Contains(out.String(), "context canceled") {
		t.Errorf("exit %d, report %s", code, out.String())
	}
}

func TestRunOutputDestinations(t *testing.T) {
	dir := t.TempDir()
	envPath := filepath.Join(dir, "env.json")
	flagPath := filepath.Join(dir, "flag.json")

	// RESULT_FILE from the environment.
	res := run(testApp(t, map[string]string{"RESULT_FILE": envPath}, okBody))
	if res.code != 0 || res.stdout != "" {
		t.Fatalf("exit %d stdout %q", res.code, res.stdout)
	}
	if b, err := os.ReadFile(envPath); err != nil || !bytes.Contains(b, []byte(`"message": "done"`)) {
		t.Fatalf("RESULT_FILE content %s, %v", b, err)
	}
	// -o and --output win over RESULT_FILE.
	for _, f := range []string{"-o", "--output"} {
		os.Remove(flagPath)
		res = run(testApp(t, map[string]string{"RESULT_FILE": envPath}, okBody), f, flagPath)
		if _, err := os.Stat(flagPath); res.code != 0 || err != nil {
			t.Errorf("%s: exit %d, %v", f, res.code, err)
		}
	}
	// php://stderr.
	res = run(testApp(t, map[string]string{"RESULT_FILE": "php://stderr"}, okBody))
	if res.stdout != "" || !strings.Contains(res.stderr, `"producer": "testapp"`) {
		t.Errorf("php://stderr: stdout %q stderr %q", res.stdout, res.stderr)
	}
	// The app's default.
	a := testApp(t, nil, okBody)
	a.DefaultResultFile = filepath.Join(dir, "default.json")
	if res = run(a); res.code != 0 {
		t.Fatal(res.stderr)
	}
	if _, err := os.Stat(a.DefaultResultFile); err != nil {
		t.Errorf("DefaultResultFile not written: %v", err)
	}
	// An unwritable destination turns success into exit 1.
	res = run(testApp(t, nil, okBody), "-o", filepath.Join(dir, "missing", "r.json"))
	if res.code != 1 || !strings.Contains(res.stderr, "RESULT_FILE=") || !strings.Contains(res.stdout, `"status": "error"`) {
		t.Errorf("unwritable: exit %d\nstdout:\n%s\nstderr:\n%s", res.code, res.stdout, res.stderr)
	}
}

func TestRunLoggerFromEnvironment(t *testing.T) {
	fake := &fakeSyslog{}
	a := testApp(t, map[string]string{"EASE_LOGGER": "syslog", "APP_DEBUG": "on", "ABRAFLEXI_PASSWORD": "pw"},
		func(_ context.Context, env *Env, log *slog.Logger) (*Report, error) {
			log.Debug("config", "ABRAFLEXI_PASSWORD", env.String("ABRAFLEXI_PASSWORD", ""))
			return &Report{Message: "ok"}, nil
		})
	var gotTag string
	a.DialSyslog = func(tag string) (SyslogWriter, error) { gotTag = tag; return fake, nil }
	res := run(a)
	if res.code != 0 || gotTag != "testapp" {
		t.Fatalf("exit %d tag %q", res.code, gotTag)
	}
	lines := strings.Join(fake.lines, "\n")
	if !strings.Contains(lines, "debug config ABRAFLEXI_PASSWORD=REDACTED") || !strings.Contains(lines, "info ok status=success") {
		t.Errorf("syslog lines:\n%s", lines)
	}
	if strings.Contains(lines+res.stderr, "=pw") {
		t.Error("password logged")
	}
	if res.stderr != "" {
		t.Errorf("console output although EASE_LOGGER=syslog:\n%s", res.stderr)
	}
	if !fake.closed {
		t.Error("syslog not closed")
	}
}
