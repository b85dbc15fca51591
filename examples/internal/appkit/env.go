package appkit

import (
	"github.com/spoje-net/isptools/envconf"
)

// Env reads the configuration of one run: the process environment first,
// then the variables of the loaded .env file (variables already in the
// environment win). It is [envconf.Env], the reader of the SDK, so the
// apps and the SDK's readers (dunning.MarkPolicyFromLookup,
// payments.ConfigFromLookup, …) accept the same values and name problems
// with the same words.
//
// The typed getters never fail outright. A bad value is recorded, the
// default is returned, and [Env.Err] later reports every bad variable of the
// run at once. An empty value counts as unset, so MultiFlexi's empty
// defaults select the built-in default.
//
// Env is safe for concurrent use.
type Env = envconf.Env

// ConfigError is every configuration problem of a run, each a line
// starting with the variable it is about (NAME="value": what is wrong, or
// NAME is required but not set). It is how every app reports a bad
// configuration: "invalid configuration: " and the problems separated by
// "; " ([envconf.Error]).
type ConfigError = envconf.Error

// NewEnv returns an Env that looks variables up with lookup (typically
// [os.LookupEnv]; nil means no process environment) and falls back to
// fileVars (typically the result of [ParseDotenv]; may be nil).
func NewEnv(lookup func(string) (string, bool), fileVars map[string]string) *Env {
	if lookup == nil {
		lookup = func(string) (string, bool) { return "", false }
	}
	return envconf.New(func(name string) (string, bool) {
		if v, ok := lookup(name); ok {
			return v, true
		}
		v, ok := fileVars[name]
		return v, ok
	})
}

// ParseBool parses the boolean spellings accepted by [Env.Bool]. ok is
// false when s is none of them.
func ParseBool(s string) (value, ok bool) { return envconf.ParseBool(s) }

// quoteValue quotes a configuration value for an error message, shortening
// long values ([envconf.Quote]).
func quoteValue(v string) string { return envconf.Quote(v) }
