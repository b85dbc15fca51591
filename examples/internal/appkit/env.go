package appkit

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Env reads the configuration of one run: the process environment first,
// then the variables of the loaded .env file (variables already in the
// environment win).
//
// The typed getters never fail outright. A bad value is recorded, the
// default is returned, and [Env.Err] later reports every bad variable of the
// run at once. An empty value counts as unset, so MultiFlexi's empty
// defaults select the built-in default.
//
// Env is safe for concurrent use.
type Env struct {
	lookup func(string) (string, bool)
	file   map[string]string

	mu       sync.Mutex
	problems []problem
}

// NewEnv returns an Env that looks variables up with lookup (typically
// [os.LookupEnv]; nil means no process environment) and falls back to
// fileVars (typically the result of [ParseDotenv]; may be nil).
func NewEnv(lookup func(string) (string, bool), fileVars map[string]string) *Env {
	if lookup == nil {
		lookup = func(string) (string, bool) { return "", false }
	}
	return &Env{lookup: lookup, file: fileVars}
}

// Lookup returns the raw value of name and whether it is set (in the
// environment or the .env file). It does not treat empty values specially.
func (e *Env) Lookup(name string) (string, bool) {
	if v, ok := e.lookup(name); ok {
		return v, true
	}
	v, ok := e.file[name]
	return v, ok
}

// value returns the trimmed value of name, or "" when unset or empty.
func (e *Env) value(name string) string {
	v, _ := e.Lookup(name)
	return strings.TrimSpace(v)
}

// Errorf records a configuration problem. Apps use it for checks the
// typed getters cannot express; the text should start with the variable's
// name (NAME=value: what is wrong, or NAME is required ...). Every line of
// the text is one problem. Prefixes such as "notify: invalid
// configuration: " are dropped, since the report adds its own
// ([ConfigError]); the value of a secret variable ([IsSecretKey]) is
// masked; and a problem about a variable that already has one, or with
// the text of one already recorded, is dropped: every variable is
// reported once, with the first problem found.
func (e *Env) Errorf(format string, args ...any) {
	text := fmt.Errorf(format, args...).Error()
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, line := range strings.Split(text, "\n") {
		e.record(line)
	}
}

// record adds one problem line; e.mu is held.
func (e *Env) record(line string) {
	line = strings.TrimSpace(line)
	for {
		loc := configPrefix.FindStringIndex(line)
		if loc == nil {
			break
		}
		line = line[loc[1]:]
	}
	if line == "" {
		return
	}
	name := ""
	if m := problemVar.FindStringSubmatch(line); m != nil {
		name = m[1]
		if IsSecretKey(name) {
			line = maskValue(line, name)
		}
	}
	for _, p := range e.problems {
		if p.text == line || (name != "" && p.name == name) {
			return
		}
	}
	e.problems = append(e.problems, problem{name: name, text: line})
}

// problem is one recorded configuration problem.
type problem struct {
	name string // the variable it is about, "" when unknown
	text string
}

var (
	// configPrefix matches the prefixes libraries put before their
	// configuration errors ("invalid configuration: ", "notify: invalid
	// configuration: ").
	configPrefix = regexp.MustCompile(`^(?:[a-z][a-z0-9_./-]*: )*invalid configuration: `)
	// problemVar matches the variable a problem text starts with.
	problemVar = regexp.MustCompile(`^([A-Z][A-Z0-9_]*)(?:[ =:(]|$)`)
)

// maskValue replaces the value in "NAME=value: ..." with [Redacted].
func maskValue(line, name string) string {
	rest, ok := strings.CutPrefix(line, name+"=")
	if !ok {
		return line
	}
	if q, err := strconv.QuotedPrefix(rest); err == nil {
		return name + "=" + Redacted + rest[len(q):]
	}
	if i := strings.Index(rest, ": "); i >= 0 {
		return name + "=" + Redacted + rest[i:]
	}
	return name + "=" + Redacted
}

// Err returns every configuration problem recorded so far as a
// [*ConfigError], or nil.
func (e *Env) Err() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.problems) == 0 {
		return nil
	}
	ce := &ConfigError{}
	for _, p := range e.problems {
		ce.Problems = append(ce.Problems, p.text)
	}
	return ce
}

// ConfigError is every configuration problem of a run, each a line
// starting with the variable it is about (NAME="value": what is wrong, or
// NAME is required but not set). It is how every app reports a bad
// configuration: "invalid configuration: " and the problems separated by
// "; ".
type ConfigError struct {
	// Problems are the problem texts in the order found.
	Problems []string
}

// Error implements error.
func (e *ConfigError) Error() string {
	return "invalid configuration: " + strings.Join(e.Problems, "; ")
}

// Unwrap returns every problem as an error.
func (e *ConfigError) Unwrap() []error {
	out := make([]error, len(e.Problems))
	for i, p := range e.Problems {
		out[i] = errors.New(p)
	}
	return out
}

// String returns the value of name, or def when it is unset or empty.
func (e *Env) String(name, def string) string {
	if v := e.value(name); v != "" {
		return v
	}
	return def
}

// StringOrEmpty returns the trimmed value of name when it is set, even
// when empty, and def only when it is unset: for variables whose empty
// value means something (INET_CONTRACT_TYPE= counts every contract type,
// unset means the default type).
func (e *Env) StringOrEmpty(name, def string) string {
	v, ok := e.Lookup(name)
	if !ok {
		return def
	}
	return strings.TrimSpace(v)
}

// Required returns the value of name and records an error when it is unset
// or empty. The value itself never appears in errors.
func (e *Env) Required(name string) string {
	v := e.value(name)
	if v == "" {
		e.Errorf("%s is required but not set", name)
	}
	return v
}

// Bool returns the boolean value of name, or def when it is unset or empty.
// true, 1, yes and on mean true; false, 0, no and off mean false (any
// case). Anything else is recorded as an error naming the variable and the
// value.
func (e *Env) Bool(name string, def bool) bool {
	v := e.value(name)
	if v == "" {
		return def
	}
	b, ok := ParseBool(v)
	if !ok {
		e.Errorf("%s=%s: not a boolean (use true/false, 1/0, yes/no or on/off)", name, quoteValue(v))
		return def
	}
	return b
}

// ParseBool parses the boolean spellings accepted by [Env.Bool]. ok is
// false when s is none of them.
func ParseBool(s string) (value, ok bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "1", "yes", "on":
		return true, true
	case "false", "0", "no", "off":
		return false, true
	}
	return false, false
}

// Int returns the integer value of name, or def when it is unset or empty.
// A value that is not a base-10 integer or is below minimum is recorded as
// an error and def is returned.
func (e *Env) Int(name string, def, minimum int) int {
	v := e.value(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		e.Errorf("%s=%s: not an integer", name, quoteValue(v))
		return def
	}
	if n < minimum {
		e.Errorf("%s=%d: must be at least %d", name, n, minimum)
		return def
	}
	return n
}

// Enum returns the value of name, or def when it is unset or empty. The
// value must be one of allowed (compared case-insensitively, returned as
// spelled in allowed); anything else is recorded as an error listing the
// allowed values.
func (e *Env) Enum(name, def string, allowed ...string) string {
	v := e.value(name)
	if v == "" {
		return def
	}
	for _, a := range allowed {
		if strings.EqualFold(v, a) {
			return a
		}
	}
	e.Errorf("%s=%s: must be one of %s", name, quoteValue(v), strings.Join(allowed, "|"))
	return def
}

// Duration returns the duration value of name, or def when it is unset or
// empty. A plain non-negative integer means seconds ("30"); otherwise Go
// duration syntax is accepted ("1m30s"). Negative or malformed values are
// recorded as errors.
func (e *Env) Duration(name string, def time.Duration) time.Duration {
	v := e.value(name)
	if v == "" {
		return def
	}
	var d time.Duration
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		d = time.Duration(n) * time.Second
	} else if d, err = time.ParseDuration(v); err != nil {
		e.Errorf("%s=%s: not a duration (seconds or e.g. 1m30s)", name, quoteValue(v))
		return def
	}
	if d < 0 {
		e.Errorf("%s=%s: must not be negative", name, quoteValue(v))
		return def
	}
	return d
}

// quoteValue quotes a configuration value for an error message, shortening
// long values.
func quoteValue(v string) string {
	const limit = 64
	if r := []rune(v); len(r) > limit {
		v = string(r[:limit]) + "…"
	}
	return strconv.Quote(v)
}
