package envconf

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func lookupMap(m map[string]string) Lookup {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

func TestGettersAndProblems(t *testing.T) {
	env := New(lookupMap(map[string]string{
		"B": " yes ", "BAD_BOOL": "maybe", "I": "7", "LOW": "-1", "NAN": "ten",
		"E": "NetBox", "BAD_E": "ftp", "D": "90", "BAD_D": "soon", "NEG_D": "-1s",
		"EMPTY": "", "S": " x ", "LONG": strings.Repeat("é", 70),
	}))
	if !env.Bool("B", false) || env.Bool("BAD_BOOL", false) || !env.Bool("UNSET", true) {
		t.Error("Bool")
	}
	if env.Int("I", 0, 0) != 7 || env.Int("LOW", 3, 0) != 3 || env.Int("NAN", 4, 0) != 4 {
		t.Error("Int")
	}
	if env.Enum("E", "svn", "svn", "netbox") != "netbox" || env.Enum("BAD_E", "svn", "svn", "netbox") != "svn" {
		t.Error("Enum")
	}
	if env.Duration("D", 0) != 90*time.Second || env.Duration("BAD_D", time.Minute) != time.Minute || env.Duration("NEG_D", time.Second) != time.Second {
		t.Error("Duration")
	}
	if env.String("EMPTY", "def") != "def" || env.StringOrEmpty("EMPTY", "def") != "" || env.StringOrEmpty("UNSET", "def") != "def" || env.String("S", "") != "x" {
		t.Error("String/StringOrEmpty")
	}
	env.Required("MISSING")
	env.Enum("LONG", "", "a")
	want := []string{
		`BAD_BOOL="maybe": not a boolean (use true/false, 1/0, yes/no or on/off)`,
		`LOW=-1: must be at least 0`,
		`NAN="ten": not an integer`,
		`BAD_E="ftp": must be one of svn|netbox`,
		`BAD_D="soon": not a duration (seconds or e.g. 1m30s)`,
		`NEG_D="-1s": must not be negative`,
		`MISSING is required but not set`,
		`LONG="` + strings.Repeat("é", 64) + `…": must be one of a`,
	}
	var ce *Error
	if err := env.Err(); !errors.As(err, &ce) || strings.Join(ce.Problems, "\n") != strings.Join(want, "\n") {
		t.Fatalf("problems:\n%v\nwant:\n%s", err, strings.Join(want, "\n"))
	}
	if !errors.Is(env.Err(), ErrInvalid) {
		t.Error("not ErrInvalid")
	}
	if got := env.Err().Error(); !strings.HasPrefix(got, "invalid configuration: BAD_BOOL=") || strings.Count(got, "invalid configuration") != 1 {
		t.Errorf("Error() = %q", got)
	}
}

// TestEachVariableOnceSecretsMasked: a variable is reported once with its
// first problem; library prefixes are dropped; secret values never appear.
func TestEachVariableOnceSecretsMasked(t *testing.T) {
	env := New(lookupMap(map[string]string{"MAX_BLOCKS": "x", "SVNPASS": "hunter2"}))
	env.Int("MAX_BLOCKS", 1, 0)
	env.Errorf("MAX_BLOCKS=%q: second problem", "x")
	env.Errorf("notify: invalid configuration: EASE_FROM is required but not set\nSMTP_PORT=\"x\": not a port number")
	env.Errorf("invalid configuration: EASE_FROM is required but not set")
	for in, want := range map[string]string{
		`SVNPASS="a\"b: c": bad`: `SVNPASS=REDACTED: bad`,
		`SMTP_PASSWORD=abc: bad`: `SMTP_PASSWORD=REDACTED: bad`,
		`NETBOXTOKEN=abc`:        `NETBOXTOKEN=REDACTED`,
		`SECRET_X is required`:   `SECRET_X is required`,
	} {
		e := New(nil)
		e.Errorf("%s", in)
		if got := e.Err().(*Error).Problems[0]; got != want {
			t.Errorf("%q recorded as %q, want %q", in, got, want)
		}
	}
	env.Errorf("SVNPASS=%q: bad", "hunter2")
	want := `invalid configuration: MAX_BLOCKS="x": not an integer; EASE_FROM is required but not set; SMTP_PORT="x": not a port number; SVNPASS=REDACTED: bad`
	if got := env.Err().Error(); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestRecordAndJoin(t *testing.T) {
	a := New(lookupMap(map[string]string{"MAX_BLOCKS": "ten"}))
	a.Int("MAX_BLOCKS", 100, 0)
	a.Required("ABRAFLEXI_LOGIN")
	kind := errors.New("pkg: invalid configuration")
	aerr := WithKind(a.Err(), kind)
	if !errors.Is(aerr, kind) || !errors.Is(aerr, ErrInvalid) {
		t.Error("WithKind: the error does not match its kind")
	}
	b := New(lookupMap(map[string]string{"CUT_DAYS": "never"}))
	b.Required("ABRAFLEXI_LOGIN") // the same variable again: reported once
	b.Enum("CUT_DAYS", "any", "any", "workdays")
	wrapped := fmt.Errorf("reading the policy: %w", b.Err())
	other := errors.New("svn: executable file not found")

	if Join(nil, nil) != nil {
		t.Error("Join of nils is not nil")
	}
	got := Join(aerr, nil, wrapped)
	want := `invalid configuration: MAX_BLOCKS="ten": not an integer; ABRAFLEXI_LOGIN is required but not set; CUT_DAYS="never": must be one of any|workdays`
	if got == nil || got.Error() != want {
		t.Fatalf("Join = %v\nwant %s", got, want)
	}
	if _, ok := got.(*Error); !ok || !errors.Is(got, kind) {
		t.Errorf("Join = %T, want the merged *Error keeping the kind", got)
	}
	got = Join(other, aerr)
	if !errors.Is(got, other) || !strings.HasPrefix(got.Error(), "invalid configuration: MAX_BLOCKS=") {
		t.Errorf("Join with another error = %q", got)
	}

	env := New(nil)
	env.Record(nil)
	env.Record(wrapped)
	env.Record(other)
	env.Record(errors.New("netbox: invalid configuration: NETBOXURL is required\nNETBOXTOKEN is required"))
	want = `invalid configuration: ABRAFLEXI_LOGIN is required but not set; CUT_DAYS="never": must be one of any|workdays; svn: executable file not found; NETBOXURL is required; NETBOXTOKEN is required`
	if got := env.Err().Error(); got != want {
		t.Errorf("Record:\n got %s\nwant %s", got, want)
	}
}

func TestOnlyAndNew(t *testing.T) {
	t.Setenv("ENVCONF_TEST_A", "a")
	t.Setenv("ENVCONF_TEST_B", "b")
	env := New(nil) // the process environment
	if env.String("ENVCONF_TEST_A", "") != "a" {
		t.Error("New(nil) does not read the process environment")
	}
	only := New(Only(nil, "ENVCONF_TEST_B"))
	if only.String("ENVCONF_TEST_A", "none") != "none" || only.String("ENVCONF_TEST_B", "") != "b" {
		t.Error("Only lets other variables through or hides its own")
	}
	if v, ok := env.Lookup("ENVCONF_TEST_UNSET"); ok || v != "" {
		t.Error("Lookup of an unset variable")
	}
}

func TestIsSecretKey(t *testing.T) {
	for name, want := range map[string]bool{"SVNPASS": true, "SMTP_PASSWORD": true, "NETBOXTOKEN": true, "client_secret": true, "SVNUSER": false, "ABRAFLEXI_URL": false} {
		if IsSecretKey(name) != want {
			t.Errorf("IsSecretKey(%s) != %v", name, want)
		}
	}
}
