package appkit

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func lookupMap(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

func TestEnvPrecedence(t *testing.T) {
	env := NewEnv(lookupMap(map[string]string{"A": "process", "EMPTY": ""}), map[string]string{"A": "file", "B": "file", "EMPTY": "file"})
	if got := env.String("A", "def"); got != "process" {
		t.Errorf("A = %q, want the process value", got)
	}
	if got := env.String("B", "def"); got != "file" {
		t.Errorf("B = %q, want the file value", got)
	}
	// A variable set (even empty) in the process environment wins; empty means default.
	if got := env.String("EMPTY", "def"); got != "def" {
		t.Errorf("EMPTY = %q, want the default", got)
	}
	if got := env.String("C", "def"); got != "def" {
		t.Errorf("C = %q, want def", got)
	}
	if v, ok := env.Lookup("EMPTY"); !ok || v != "" {
		t.Errorf("Lookup(EMPTY) = %q, %v; want \"\", true", v, ok)
	}
	if err := env.Err(); err != nil {
		t.Errorf("Err = %v", err)
	}
	if got := NewEnv(nil, nil).String("X", "d"); got != "d" {
		t.Errorf("nil lookup: %q", got)
	}
}

func TestEnvGetters(t *testing.T) {
	env := NewEnv(lookupMap(map[string]string{
		"B1": "Yes", "B2": "off", "B3": "1", "B4": " TRUE ",
		"I1": "42", "I2": "-5",
		"E1": "NetBox",
		"D1": "30", "D2": "1m30s",
		"S": "  trimmed ",
	}), nil)
	if !env.Bool("B1", false) || env.Bool("B2", true) || !env.Bool("B3", false) || !env.Bool("B4", false) {
		t.Error("Bool spellings misparsed")
	}
	if !env.Bool("UNSET", true) {
		t.Error("Bool default not used")
	}
	if got := env.Int("I1", 0, 0); got != 42 {
		t.Errorf("Int = %d", got)
	}
	if got := env.Int("I2", 7, -10); got != -5 {
		t.Errorf("Int with negative minimum = %d", got)
	}
	if got := env.Enum("E1", "svn", "svn", "netbox", "file"); got != "netbox" {
		t.Errorf("Enum = %q, want canonical netbox", got)
	}
	if got := env.Enum("UNSET", "svn", "svn", "netbox"); got != "svn" {
		t.Errorf("Enum default = %q", got)
	}
	if got := env.Duration("D1", 0); got != 30*time.Second {
		t.Errorf("Duration seconds = %v", got)
	}
	if got := env.Duration("D2", 0); got != 90*time.Second {
		t.Errorf("Duration = %v", got)
	}
	if got := env.String("S", ""); got != "trimmed" {
		t.Errorf("String = %q", got)
	}
	if err := env.Err(); err != nil {
		t.Errorf("Err = %v", err)
	}
}

func TestEnvCollectsAllErrors(t *testing.T) {
	env := NewEnv(lookupMap(map[string]string{
		"APP_DEBUG":          "maybe",
		"MAX_BLOCKS":         "ten",
		"MIN_DEBT":           "-1",
		"NETWORK_BACKEND":    "ldap",
		"SMTP_TIMEOUT":       "soon",
		"NEG":                "-5s",
		"ABRAFLEXI_PASSWORD": "",
	}), nil)
	if got := env.Bool("APP_DEBUG", true); !got {
		t.Error("Bool: bad value must return the default")
	}
	if got := env.Int("MAX_BLOCKS", 100, 0); got != 100 {
		t.Errorf("Int: bad value returned %d, want default", got)
	}
	env.Int("MIN_DEBT", 0, 0)
	if got := env.Enum("NETWORK_BACKEND", "svn", "svn", "netbox", "file"); got != "svn" {
		t.Errorf("Enum: bad value returned %q, want default", got)
	}
	env.Duration("SMTP_TIMEOUT", time.Second)
	env.Duration("NEG", time.Second)
	env.Required("ABRAFLEXI_PASSWORD")
	env.Required("DOCUMENTID")
	env.Errorf("%s: custom check failed", "CUSTOM")

	err := env.Err()
	if err == nil {
		t.Fatal("Err = nil, want all errors")
	}
	for _, want := range []string{
		`APP_DEBUG="maybe": not a boolean`,
		`MAX_BLOCKS="ten": not an integer`,
		`MIN_DEBT=-1: must be at least 0`,
		`NETWORK_BACKEND="ldap": must be one of svn|netbox|file`,
		`SMTP_TIMEOUT="soon": not a duration`,
		`NEG="-5s": must not be negative`,
		`ABRAFLEXI_PASSWORD is required but not set`,
		`DOCUMENTID is required but not set`,
		`CUSTOM: custom check failed`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Err() lacks %q:\n%v", want, err)
		}
	}
	var joined interface{ Unwrap() []error }
	if !errors.As(err, &joined) || len(joined.Unwrap()) != 9 {
		t.Errorf("Err() is not a join of 9 errors: %#v", err)
	}
}

func TestParseBool(t *testing.T) {
	for in, want := range map[string]bool{"true": true, "ON": true, "yes": true, "1": true, "false": false, "No": false, "0": false, "off": false} {
		if got, ok := ParseBool(in); !ok || got != want {
			t.Errorf("ParseBool(%q) = %v, %v", in, got, ok)
		}
	}
	for _, in := range []string{"", "2", "y", "enabled"} {
		if _, ok := ParseBool(in); ok {
			t.Errorf("ParseBool(%q) accepted", in)
		}
	}
}

func TestQuoteValueShortens(t *testing.T) {
	got := quoteValue(strings.Repeat("x", 100))
	if len([]rune(got)) != 64+3 {
		t.Errorf("quoteValue length %d: %s", len([]rune(got)), got)
	}
}
