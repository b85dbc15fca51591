package appkit

import (
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseDotenv(t *testing.T) {
	src := "\uFEFF# comment\n" +
		"\n" +
		"PLAIN=value\n" +
		"  SPACED  =  spaced value  \n" +
		"export EXPORTED=yes\n" +
		"SINGLE='a \"b\" $c # not comment'\n" +
		"DOUBLE=\"line1\\nline2 \\\"q\\\" # kept\" # comment\n" +
		"INLINE=abc # comment\n" +
		"HASH=a#b\n" +
		"EMPTY=\n" +
		"EMPTYQ=\"\"\n" +
		"URL=https://x.example/?a=b&c=d\n" +
		"EXPANDED=${PLAIN}-x\n" +
		"LITERAL='${PLAIN}'\n" +
		"DUP=1\n" +
		"DUP=2\n"
	got, err := ParseDotenv("test.env", strings.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"PLAIN":    "value",
		"SPACED":   "spaced value",
		"EXPORTED": "yes",
		"SINGLE":   `a "b" $c # not comment`,
		"DOUBLE":   "line1\nline2 \"q\" # kept",
		"INLINE":   "abc",
		"HASH":     "a#b",
		"EMPTY":    "",
		"EMPTYQ":   "",
		"URL":      "https://x.example/?a=b&c=d",
		"EXPANDED": "value-x",
		"LITERAL":  "${PLAIN}",
		"DUP":      "2",
	}
	if !maps.Equal(got, want) {
		t.Errorf("ParseDotenv =\n%q\nwant\n%q", got, want)
	}
}

func TestParseDotenvErrors(t *testing.T) {
	tests := map[string]string{
		"A=1\nnovalue\n":       "x.env: ",
		"A='open\n":            "x.env: unterminated quoted value",
		"B=\"open\n":           "x.env: unterminated quoted value",
		"OK=1\nWITH SPACE=1\n": "x.env: ",
		"A.B=1\n":              `x.env: invalid variable name "A.B"`,
		"1BAD=2\n":             `x.env: invalid variable name "1BAD"`,
	}
	for src, want := range tests {
		_, err := ParseDotenv("x.env", strings.NewReader(src))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseDotenv(%q) error = %v, want %q", src, err, want)
		}
	}
}

func TestLoadDotenv(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.env")
	if err := os.WriteFile(path, []byte("A=1\nB C\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := LoadDotenv(path)
	if err == nil || !strings.Contains(err.Error(), path+":") {
		t.Fatalf("LoadDotenv error = %v, want it to name %s", err, path)
	}
	if _, err := LoadDotenv(filepath.Join(t.TempDir(), "missing.env")); !os.IsNotExist(err) {
		t.Fatalf("LoadDotenv(missing) error = %v, want not-exist", err)
	}
}
