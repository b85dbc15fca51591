// Package envconf reads the configuration of isptools runs from
// environment variables the way the isptools apps do, so that a Go
// service using the SDK and the apps accept the same values and report a
// bad configuration with the same words.
//
// An [Env] wraps a lookup function (os.LookupEnv, or one that also sees a
// .env file). Its typed getters never fail outright: a bad value is
// recorded, the default is returned, and [Env.Err] reports every problem
// of the run at once as an [*Error]:
//
//	invalid configuration: ABRAFLEXI_LOGIN is required but not set; MAX_BLOCKS="ten": not an integer
//
// Each problem starts with the variable it is about and names its value
// (quoted, shortened when long, masked for secrets, see [IsSecretKey]);
// every variable is reported once, with the first problem found. An empty
// value counts as unset, so MultiFlexi's empty defaults select the
// built-in default ([Env.StringOrEmpty] is the exception for variables
// whose empty value means something).
//
// The readers of the SDK packages (dunning.MarkPolicyFromLookup,
// payments.ConfigFromLookup, notify.ConfigFromLookup,
// abraflexi.ConfigFromLookup, backendenv.FromLookup, …) read through an
// Env and return its [*Error]; [Join] merges their errors into one, as an
// app reports them.
package envconf

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Lookup looks up an environment variable: its value and whether it is
// set. os.LookupEnv is one.
type Lookup = func(name string) (string, bool)

// Redacted replaces the value of a secret variable in problem texts.
const Redacted = "REDACTED"

// secretKeyParts are the substrings that make a variable name secret.
var secretKeyParts = []string{"password", "pass", "token", "secret"}

// IsSecretKey reports whether a variable (or log attribute) name looks
// like it holds a secret: it contains password, pass, token or secret (any
// case). It is deliberately broad ("passed" matches too).
func IsSecretKey(name string) bool {
	k := strings.ToLower(name)
	for _, p := range secretKeyParts {
		if strings.Contains(k, p) {
			return true
		}
	}
	return false
}

// Env reads variables through a lookup function and collects the
// configuration problems it finds. The zero value is not usable; create
// one with [New]. Env is safe for concurrent use.
type Env struct {
	lookup Lookup

	mu       sync.Mutex
	problems []problem
}

// problem is one recorded configuration problem.
type problem struct {
	name string // the variable it is about, "" when unknown
	text string
}

// New returns an Env reading through lookup; nil means the process
// environment (os.LookupEnv).
func New(lookup Lookup) *Env {
	if lookup == nil {
		lookup = os.LookupEnv
	}
	return &Env{lookup: lookup}
}

// Only returns a lookup that sees the variables names of lookup and
// nothing else, for reading a part of a configuration with a reader of the
// whole.
func Only(lookup Lookup, names ...string) Lookup {
	if lookup == nil {
		lookup = os.LookupEnv
	}
	return func(name string) (string, bool) {
		for _, n := range names {
			if n == name {
				return lookup(name)
			}
		}
		return "", false
	}
}

// Lookup returns the raw value of name and whether it is set. It does not
// trim the value nor treat empty values specially (passwords are taken
// verbatim).
func (e *Env) Lookup(name string) (string, bool) { return e.lookup(name) }

// value returns the trimmed value of name, or "" when unset or empty.
func (e *Env) value(name string) string {
	v, _ := e.lookup(name)
	return strings.TrimSpace(v)
}

// String returns the trimmed value of name, or def when it is unset or
// empty.
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
	v, ok := e.lookup(name)
	if !ok {
		return def
	}
	return strings.TrimSpace(v)
}

// Required returns the trimmed value of name and records "NAME is required
// but not set" when it is unset or empty. The value itself never appears
// in problems.
func (e *Env) Required(name string) string {
	v := e.value(name)
	if v == "" {
		e.Errorf("%s is required but not set", name)
	}
	return v
}

// Bool returns the boolean value of name, or def when it is unset or
// empty. true, 1, yes and on mean true; false, 0, no and off mean false
// (any case); anything else is recorded as a problem naming the value.
func (e *Env) Bool(name string, def bool) bool {
	v := e.value(name)
	if v == "" {
		return def
	}
	b, ok := ParseBool(v)
	if !ok {
		e.Errorf("%s=%s: %s", name, Quote(v), NotABool)
		return def
	}
	return b
}

// NotABool is the problem text of a value [ParseBool] rejects.
const NotABool = "not a boolean (use true/false, 1/0, yes/no or on/off)"

// ParseBool parses the boolean spellings [Env.Bool] accepts. ok is false
// when s is none of them.
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
// a problem and def is returned.
func (e *Env) Int(name string, def, minimum int) int {
	v := e.value(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		e.Errorf("%s=%s: not an integer", name, Quote(v))
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
// spelled in allowed); anything else is recorded as a problem listing the
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
	e.Errorf("%s=%s: must be one of %s", name, Quote(v), strings.Join(allowed, "|"))
	return def
}

// Duration returns the duration value of name, or def when it is unset or
// empty. A plain non-negative integer means seconds ("30"); otherwise Go
// duration syntax is accepted ("1m30s"). Negative or malformed values are
// recorded as problems.
func (e *Env) Duration(name string, def time.Duration) time.Duration {
	v := e.value(name)
	if v == "" {
		return def
	}
	d, err := ParseDuration(v)
	if err != nil {
		e.Errorf("%s=%s: %v", name, Quote(v), err)
		return def
	}
	return d
}

// ParseDuration parses the durations [Env.Duration] accepts: a plain
// non-negative integer is seconds, anything else Go duration syntax; a
// negative duration is an error.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	var d time.Duration
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		d = time.Duration(n) * time.Second
	} else if d, err = time.ParseDuration(s); err != nil {
		return 0, errors.New("not a duration (seconds or e.g. 1m30s)")
	}
	if d < 0 {
		return 0, errors.New("must not be negative")
	}
	return d, nil
}

// Quote quotes a configuration value for a problem text, shortening values
// longer than 64 characters.
func Quote(v string) string {
	const limit = 64
	if r := []rune(v); len(r) > limit {
		v = string(r[:limit]) + "…"
	}
	return strconv.Quote(v)
}

// Errorf records a configuration problem for checks the typed getters
// cannot express. The text should start with the variable's name
// (NAME=value: what is wrong, or NAME is required ...). Every line of the
// text is one problem. Prefixes such as "notify: invalid configuration: "
// are dropped, since [Error] adds its own; the value of a secret variable
// ([IsSecretKey]) is masked; and a problem about a variable that already
// has one, or with the text of one already recorded, is dropped: every
// variable is reported once, with the first problem found.
func (e *Env) Errorf(format string, args ...any) {
	e.recordText(fmt.Errorf(format, args...).Error())
}

// Record adds the problems of err: each problem of an [*Error] found in
// err's chain, else every line of err's text, as [Env.Errorf] does. A nil
// err records nothing. Apps use it to collect the errors of the SDK's
// readers into their own configuration check.
func (e *Env) Record(err error) {
	if err == nil {
		return
	}
	var ce *Error
	if errors.As(err, &ce) {
		e.mu.Lock()
		defer e.mu.Unlock()
		for _, p := range ce.Problems {
			e.record(p)
		}
		return
	}
	e.recordText(err.Error())
}

func (e *Env) recordText(text string) {
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

// Err returns every problem recorded so far as an [*Error], or nil.
func (e *Env) Err() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.problems) == 0 {
		return nil
	}
	ce := &Error{}
	for _, p := range e.problems {
		ce.Problems = append(ce.Problems, p.text)
	}
	return ce
}

// Error is every configuration problem of a run, each a text starting
// with the variable it is about (NAME="value": what is wrong, or NAME is
// required but not set). Its text is "invalid configuration: " and the
// problems separated by "; ", the same in every app and SDK reader.
type Error struct {
	// Problems are the problem texts in the order found.
	Problems []string
	// Kind, when set, is a sentinel the error matches with errors.Is, such
	// as notify.ErrInvalidConfig; see [WithKind].
	Kind error
}

// Error implements error.
func (e *Error) Error() string {
	return "invalid configuration: " + strings.Join(e.Problems, "; ")
}

// Unwrap returns every problem as an error.
func (e *Error) Unwrap() []error {
	out := make([]error, len(e.Problems))
	for i, p := range e.Problems {
		out[i] = errors.New(p)
	}
	return out
}

// Is reports whether target is [ErrInvalid] or the error's Kind.
func (e *Error) Is(target error) bool {
	return target == ErrInvalid || (e.Kind != nil && errors.Is(e.Kind, target))
}

// ErrInvalid matches every [*Error] with errors.Is.
var ErrInvalid = errors.New("invalid configuration")

// WithKind sets the Kind of the [*Error] err (when it is one) so that it
// also matches kind with errors.Is, and returns err. A reader of a package
// with its own sentinel returns env.Err() through it:
//
//	return cfg, envconf.WithKind(env.Err(), ErrInvalidConfig)
func WithKind(err, kind error) error {
	var ce *Error
	if errors.As(err, &ce) {
		ce.Kind = kind
	}
	return err
}

// Join merges errors as an app reports them: the problems of every
// [*Error] among errs into one [*Error] (each variable once, the first
// problem found), followed by the other non-nil errors (errors.Join). It
// returns nil when every err is nil, and the merged [*Error] alone when
// there are no other errors, so a service reading its configuration with
// several SDK readers reports it in one line:
//
//	policy, perr := dunning.BlockPolicyFromLookup(os.LookupEnv)
//	opts, oerr := dunning.NetOptionsFromLookup(os.LookupEnv)
//	if err := envconf.Join(perr, oerr); err != nil {
//		return err
//	}
func Join(errs ...error) error {
	merged := New(func(string) (string, bool) { return "", false })
	var kind error
	var others []error
	for _, err := range errs {
		var ce *Error
		switch {
		case err == nil:
		case errors.As(err, &ce):
			merged.Record(ce)
			if kind == nil {
				kind = ce.Kind
			}
		default:
			others = append(others, err)
		}
	}
	cerr := merged.Err()
	if cerr != nil {
		cerr.(*Error).Kind = kind
	}
	if len(others) == 0 {
		return cerr
	}
	return errors.Join(append([]error{cerr}, others...)...)
}
