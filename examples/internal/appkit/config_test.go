package appkit

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/spoje-net/isptools/examples/multiflexi"
)

const testDefinition = `{
  "executable": "testapp",
  "name": {"en": "Test App"},
  "description": {"en": "Tests things."},
  "x-example": "DOCUMENTID=1 testapp -e app.env",
  "exitCodes": {"1": {"description": {"en": "Error"}}, "0": {"description": "Success"}},
  "environment": {
    "ABRAFLEXI_URL": {"type": "url", "description": {"en": "Server"}, "defval": "https://demo", "required": true, "x-default": ""},
    "ABRAFLEXI_PASSWORD": {"type": "password", "description": {"en": "Password"}, "defval": "", "required": true},
    "DOCUMENTID": {"type": "string", "description": {"en": "Document"}, "defval": "", "required": true},
    "NETWORK_BACKEND": {"type": "string", "description": {"en": "Backend"}, "defval": "svn", "required": false},
    "SVNURL": {"type": "url", "description": {"en": "Repository"}, "defval": "", "required": false, "x-required-when": "NETWORK_BACKEND=svn"},
    "HOSTS_FILE": {"type": "file-path", "description": {"en": "Hosts"}, "defval": "", "required": false, "x-required-when": "NETWORK_BACKEND=file"},
    "DRY_RUN": {"type": "bool", "description": {"en": "Dry run"}, "defval": false, "required": false},
    "MAX_BLOCKS": {"type": "integer", "description": {"en": "Limit"}, "defval": 100, "required": false},
    "EASE_LOGGER": {"type": "string", "description": {"en": "Logs"}, "defval": "console|syslog", "required": false, "x-default": "console"}
  }
}`

func testDef(t *testing.T) *multiflexi.Definition {
	t.Helper()
	d, err := multiflexi.Parse([]byte(testDefinition))
	if err != nil {
		t.Fatal(err)
	}
	d.File = "test.multiflexi.app.json"
	return d
}

func problems(t *testing.T, env *Env) []string {
	t.Helper()
	var ce *ConfigError
	if err := env.Err(); !errors.As(err, &ce) {
		t.Fatalf("Err() = %#v, want a *ConfigError", err)
	}
	return ce.Problems
}

func TestCheckDefinition(t *testing.T) {
	def := testDef(t)
	env := NewEnv(lookupMap(map[string]string{"DRY_RUN": "maybe", "MAX_BLOCKS": "many", "ABRAFLEXI_PASSWORD": " "}), nil)
	CheckDefinition(env, def)
	want := []string{
		"ABRAFLEXI_URL is required but not set",
		"ABRAFLEXI_PASSWORD is required but not set",
		"DOCUMENTID is required but not set",
		"SVNURL is required when NETWORK_BACKEND=svn", // svn is NETWORK_BACKEND's default
		`DRY_RUN="maybe": not a boolean (use true/false, 1/0, yes/no or on/off)`,
		`MAX_BLOCKS="many": not an integer`,
	}
	if got := problems(t, env); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	env = NewEnv(lookupMap(map[string]string{"ABRAFLEXI_URL": "u", "ABRAFLEXI_PASSWORD": "p", "DOCUMENTID": "1", "NETWORK_BACKEND": "FILE"}), nil)
	CheckDefinition(env, def)
	if got := problems(t, env); len(got) != 1 || got[0] != "HOSTS_FILE is required when NETWORK_BACKEND=file" {
		t.Errorf("file backend: %q", got)
	}
	env = NewEnv(lookupMap(map[string]string{"ABRAFLEXI_URL": "u", "ABRAFLEXI_PASSWORD": "p", "DOCUMENTID": "1", "SVNURL": "file:///r", "DRY_RUN": "on"}), nil)
	CheckDefinition(env, def)
	if err := env.Err(); err != nil {
		t.Errorf("complete configuration: %v", err)
	}
	CheckDefinition(env, nil) // no definition, no check
}

// TestConfigErrorEachVariableOnce: problems found twice (the definition's
// check and the app's getter), problems with library prefixes and several
// problems in one error all come out once, without repeated prefixes, and
// secret values are masked.
func TestConfigErrorEachVariableOnce(t *testing.T) {
	env := NewEnv(lookupMap(map[string]string{"MAX_BLOCKS": "x", "SMTP_PASSWORD": "hunter2"}), nil)
	env.Required("DOCUMENTID")
	env.Required("DOCUMENTID")
	env.Int("MAX_BLOCKS", 1, 0)
	env.Errorf("MAX_BLOCKS=%q: not a number", "x") // a second problem about the same variable
	notifyErr := errors.New("notify: invalid configuration: EASE_FROM is required but not set\nSMTP_PORT=\"x\": not a port number")
	env.Errorf("%v", notifyErr)
	env.Errorf("%w", errors.New("invalid configuration: EASE_FROM is required but not set"))
	env.Errorf("SMTP_PASSWORD=%q: too short", "hunter2")
	env.Errorf("environment file: x.env: unterminated quoted value")
	env.Errorf("environment file: x.env: unterminated quoted value")

	err := env.Err()
	want := `invalid configuration: DOCUMENTID is required but not set; MAX_BLOCKS="x": not an integer; ` +
		`EASE_FROM is required but not set; SMTP_PORT="x": not a port number; SMTP_PASSWORD=REDACTED: too short; ` +
		`environment file: x.env: unterminated quoted value`
	if err == nil || err.Error() != want {
		t.Fatalf("Err() =\n%v\nwant\n%s", err, want)
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Error("secret value in the error")
	}
	if n := len(err.(interface{ Unwrap() []error }).Unwrap()); n != 6 {
		t.Errorf("Unwrap: %d errors, want 6", n)
	}
}

func TestCheckDestination(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, ok := range []string{DestStdout, DestStderr, "-", filepath.Join(dir, "new.json"), file} {
		if err := CheckDestination(ok); err != nil {
			t.Errorf("CheckDestination(%q) = %v", ok, err)
		}
	}
	for dest, want := range map[string]string{
		"":                               "empty",
		"s3://bucket/x":                  "unsupported",
		dir:                              "is a directory",
		"/nonexistent/dir/x.json":        "directory /nonexistent/dir does not exist",
		filepath.Join(file, "sub.json"):  "is not a directory",
		filepath.Join(dir, "no", "x.js"): "does not exist",
	} {
		if err := CheckDestination(dest); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("CheckDestination(%q) = %v, want %q", dest, err, want)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("the check left files behind: %v", entries)
	}
	if _, err := os.Stat(filepath.Join(dir, "new.json")); err == nil {
		t.Error("the check created the destination")
	}
}

// TestRunRefusesUnwritableResultFile: a RESULT_FILE that cannot be written
// is a configuration problem found before the body does anything; the
// report goes to stdout.
func TestRunRefusesUnwritableResultFile(t *testing.T) {
	worked := false
	a := testApp(t, map[string]string{"RESULT_FILE": "/nonexistent/dir/x.json"}, func(_ context.Context, env *Env, _ *slog.Logger) (*Report, error) {
		if err := env.Err(); err != nil {
			return nil, err
		}
		worked = true
		return &Report{Message: "changed things"}, nil
	})
	res := run(a)
	if res.code != 1 || worked {
		t.Fatalf("exit %d, worked %v", res.code, worked)
	}
	msg, _ := res.report(t)["message"].(string)
	if !strings.HasPrefix(msg, `invalid configuration: RESULT_FILE="/nonexistent/dir/x.json": the report cannot be written there`) {
		t.Errorf("message %q", msg)
	}
}

// TestRunReportToStdoutWhenTheWriteFails: when the destination vanishes
// during the run, the report is written to stdout, marked failed.
func TestRunReportToStdoutWhenTheWriteFails(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "reports")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	a := testApp(t, map[string]string{"RESULT_FILE": filepath.Join(dir, "r.json")}, func(context.Context, *Env, *slog.Logger) (*Report, error) {
		if err := os.RemoveAll(dir); err != nil {
			return nil, err
		}
		return &Report{Message: "done"}, nil
	})
	res := run(a)
	rep := res.report(t)
	if res.code != 1 || rep["status"] != "error" || rep["exitcode"] != 1.0 {
		t.Fatalf("exit %d report %v", res.code, rep)
	}
	if msg := rep["message"].(string); !strings.HasPrefix(msg, "done; writing the report to RESULT_FILE=") {
		t.Errorf("message %q", msg)
	}
	if !strings.Contains(res.stderr, "writing the report failed; writing it to stdout instead") {
		t.Errorf("stderr:\n%s", res.stderr)
	}
}

// TestRunChecksTheDefinition: an app with a definition reports every
// missing variable at once, before its body's own, each once.
func TestRunChecksTheDefinition(t *testing.T) {
	a := testApp(t, map[string]string{"MAX_BLOCKS": "-3", "CUT_DAYS": "sunday"}, func(_ context.Context, env *Env, _ *slog.Logger) (*Report, error) {
		env.Required("DOCUMENTID")
		env.Int("MAX_BLOCKS", 100, 0)
		env.Enum("CUT_DAYS", "any", "any", "workdays")
		if err := env.Err(); err != nil {
			return &Report{Message: "No DOCUMENTID provided."}, nil
		}
		return &Report{}, nil
	})
	a.Definition = testDef(t)
	res := run(a)
	want := "invalid configuration: ABRAFLEXI_URL is required but not set; ABRAFLEXI_PASSWORD is required but not set; " +
		"DOCUMENTID is required but not set; SVNURL is required when NETWORK_BACKEND=svn; " +
		`MAX_BLOCKS=-3: must be at least 0; CUT_DAYS="sunday": must be one of any|workdays`
	if msg := res.report(t)["message"]; res.code != 1 || msg != want {
		t.Errorf("exit %d message\n%v\nwant\n%s", res.code, msg, want)
	}
	if n := strings.Count(res.stderr, "ERROR configuration error"); n != 6 {
		t.Errorf("%d configuration error lines, want 6:\n%s", n, res.stderr)
	}
}

func TestWriteHelpAndManPage(t *testing.T) {
	def := testDef(t)
	var b strings.Builder
	if err := WriteHelp(&b, "testapp", def); err != nil {
		t.Fatal(err)
	}
	help := b.String()
	for _, want := range []string{
		"testapp - Test App\n\nTests things.\n",
		usageLine("testapp"),
		"  -e, --environment FILE\n", "  -o, --output FILE\n", "  -version, --version\n", "  -h, --help\n",
		"  ABRAFLEXI_URL  (required; MultiFlexi default https://demo)\n      Server\n",
		"  ABRAFLEXI_PASSWORD  (required; secret)\n",
		"  SVNURL  (required when NETWORK_BACKEND=svn; no default)\n",
		"  DRY_RUN  (default false)\n",
		"  MAX_BLOCKS  (default 100)\n",
		"  EASE_LOGGER  (default console; MultiFlexi default console|syslog)\n",
		"Exit codes:\n  0\n      Success\n  1\n      Error\n",
		"Example:\n  DOCUMENTID=1 testapp -e app.env\n",
		DefinitionsDir + "/test.multiflexi.app.json",
	} {
		if !strings.Contains(help, want) {
			t.Errorf("help lacks %q:\n%s", want, help)
		}
	}
	for i, l := range strings.Split(help, "\n") {
		long := len([]rune(l)) > 80 && strings.Contains(strings.TrimSpace(l), " ") // a long path alone is fine
		if long || strings.TrimRight(l, " ") != l {
			t.Errorf("help line %d too long or with trailing spaces: %q", i+1, l)
		}
	}

	b.Reset()
	if err := WriteHelp(&b, "plain", nil); err != nil || !strings.Contains(b.String(), usageLine("plain")) {
		t.Errorf("help without a definition: %v\n%s", err, b.String())
	}

	man := string(ManPage(def, "1:1.2.3-1", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)))
	for _, want := range []string{
		".TH \"TESTAPP\" 1 \"2026\\-01\\-02\" \"isptools 1:1.2.3\\-1\" \"isptools\"\n",
		".SH NAME\ntestapp \\- Test App\n",
		".SH ENVIRONMENT\n.TP\n.B ABRAFLEXI_URL\nServer\n.br\n(required; MultiFlexi default https://demo)\n",
		".B SVNURL\nRepository\n.br\n(required when NETWORK_BACKEND=svn; no default)\n",
		".SH EXIT STATUS\n.TP\n.B 0\nSuccess\n.TP\n.B 1\nError\n",
		"DOCUMENTID=1 testapp \\-e app.env\n",
	} {
		if !strings.Contains(man, want) {
			t.Errorf("man page lacks %q:\n%s", want, man)
		}
	}
}

func TestRoffText(t *testing.T) {
	if got := roffText(".hidden \\ request - x\n'y"); got != `\&.hidden \e request \- x 'y` {
		t.Errorf("roffText = %q", got)
	}
}

func TestVersion(t *testing.T) {
	info := func(v string, settings ...string) *debug.BuildInfo {
		bi := &debug.BuildInfo{Main: debug.Module{Path: "m", Version: v}}
		for i := 0; i+1 < len(settings); i += 2 {
			bi.Settings = append(bi.Settings, debug.BuildSetting{Key: settings[i], Value: settings[i+1]})
		}
		return bi
	}
	vcs := []string{"vcs.revision", "0123456789abcdef", "vcs.time", "2026-01-02T23:30:00Z"}
	for _, c := range []struct {
		info *debug.BuildInfo
		want string
	}{
		{info("v1.2.3"), "1.2.3"},
		{info("(devel)", vcs...), "0.1.0~git20260102.0123456789ab"},
		{info("v0.0.0-20260102233000-0123456789ab+dirty", vcs...), "0.1.0~git20260102.0123456789ab"},
		{info("v1.2.4-0.20260102233000-0123456789ab", vcs...), "0.1.0~git20260102.0123456789ab"},
		{info("(devel)"), "unknown"},
	} {
		if got := Version(c.info, true); got != c.want {
			t.Errorf("Version(%s) = %q, want %q", c.info.Main.Version, got, c.want)
		}
	}
	old := version
	version = "1:2.0.0-1"
	defer func() { version = old }()
	if got := Version(nil, false); got != "1:2.0.0-1" {
		t.Errorf("packaged version: %q", got)
	}
	if got := DevVersion(time.Unix(0, 0), "abc"); got != "0.1.0~git19700101" {
		t.Errorf("DevVersion without a full commit: %q", got)
	}
}
