package multiflexi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Definition is the part of a MultiFlexi app definition that the apps use
// to describe and check themselves (-h, the man pages, the README's
// configuration table and the configuration check before a run). It is
// the single source of truth for what an app reads: its variables, their
// meaning, defaults and whether they are required, and its exit codes.
//
// Besides the keys of the MultiFlexi schema it reads three extension keys,
// which the schema allows (additionalProperties) and MultiFlexi ignores:
//
//   - "x-example" (top level): one example command line.
//   - "x-default" (per variable): the default of the binary when it differs
//     from "defval", the value MultiFlexi fills in for a new job; "" means
//     the binary has no default.
//   - "x-required-when" (per variable): NAME=value, the variable is
//     required when the variable NAME (or its default) has that value, for
//     example SVNURL with "NETWORK_BACKEND=svn".
type Definition struct {
	// File is the definition's file name in [FS].
	File string
	// Executable is the binary name.
	Executable string
	// Version is the definition's version field.
	Version string
	// Name and Description are the localized texts; see [Text].
	Name, Description map[string]string
	// Example is one example command line ("x-example").
	Example string
	// ExitCodes are the documented exit codes, in ascending order.
	ExitCodes []ExitCode
	// Environment lists the variables in the order of the file.
	Environment []Variable
}

// ExitCode is one entry of a definition's "exitCodes".
type ExitCode struct {
	// Code is the process exit status.
	Code int
	// Description is the localized meaning.
	Description map[string]string
	// Severity is MultiFlexi's severity (success, warning, error, ...).
	Severity string
}

// Variable is one environment variable of a definition.
type Variable struct {
	// Name is the variable name.
	Name string
	// Type is the MultiFlexi type (string, bool, integer, password, ...).
	Type string
	// Description is the localized meaning.
	Description map[string]string
	// Defval is MultiFlexi's default ("defval"): a string, bool or number.
	Defval any
	// Required is the definition's "required": the app refuses to run
	// without the variable.
	Required bool
	// RequiredWhen is "x-required-when", NAME=value, or empty.
	RequiredWhen string
	// binaryDefault is "x-default"; nil when absent (then Defval).
	binaryDefault any
}

// Text returns the English text of a localized field, else the Czech one,
// else any.
func Text(loc map[string]string) string {
	for _, lang := range []string{"en", "cs"} {
		if s := loc[lang]; s != "" {
			return s
		}
	}
	for _, k := range slices.Sorted(maps.Keys(loc)) {
		return loc[k]
	}
	return ""
}

// BinaryDefault returns the default the binary uses when the variable is
// unset or empty, formatted as it would be written in the environment; ""
// means no default.
func (v Variable) BinaryDefault() string {
	if v.binaryDefault != nil {
		return FormatValue(v.binaryDefault)
	}
	return FormatValue(v.Defval)
}

// MultiFlexiDefault returns Defval formatted as it would be written in the
// environment.
func (v Variable) MultiFlexiDefault() string { return FormatValue(v.Defval) }

// Condition splits RequiredWhen into the variable and the value; ok is
// false when there is no condition.
func (v Variable) Condition() (name, value string, ok bool) {
	if v.RequiredWhen == "" {
		return "", "", false
	}
	return strings.Cut(v.RequiredWhen, "=")
}

// FormatValue renders a JSON default (string, bool, number) as an
// environment value: true, 100, php://stdout.
func FormatValue(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case bool:
		return strconv.FormatBool(v)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case json.Number:
		return v.String()
	}
	return fmt.Sprint(v)
}

// Variable returns the variable called name.
func (d *Definition) Variable(name string) (Variable, bool) {
	for _, v := range d.Environment {
		if v.Name == name {
			return v, true
		}
	}
	return Variable{}, false
}

// Lookup returns the definition of the app whose executable is name.
func Lookup(name string) (*Definition, error) {
	defs, err := All()
	if err != nil {
		return nil, err
	}
	for _, d := range defs {
		if d.Executable == name {
			return d, nil
		}
	}
	return nil, fmt.Errorf("multiflexi: no definition with executable %q", name)
}

// All returns every definition of [FS], sorted by file name.
func All() ([]*Definition, error) {
	names, err := fs.Glob(FS, "*.multiflexi.app.json")
	if err != nil {
		return nil, err
	}
	slices.Sort(names)
	out := make([]*Definition, 0, len(names))
	for _, name := range names {
		data, err := fs.ReadFile(FS, name)
		if err != nil {
			return nil, err
		}
		d, err := Parse(data)
		if err != nil {
			return nil, fmt.Errorf("multiflexi: %s: %w", name, err)
		}
		d.File = name
		out = append(out, d)
	}
	return out, nil
}

// Parse decodes one app definition.
func Parse(data []byte) (*Definition, error) {
	var raw struct {
		Version     string                     `json:"version"`
		Name        localized                  `json:"name"`
		Description localized                  `json:"description"`
		Executable  string                     `json:"executable"`
		Example     string                     `json:"x-example"`
		ExitCodes   map[string]json.RawMessage `json:"exitCodes"`
		Environment orderedEnv                 `json:"environment"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, err
	}
	d := &Definition{
		Executable:  raw.Executable,
		Version:     raw.Version,
		Name:        raw.Name,
		Description: raw.Description,
		Example:     raw.Example,
		Environment: raw.Environment,
	}
	for code, msg := range raw.ExitCodes {
		n, err := strconv.Atoi(code)
		if err != nil {
			return nil, fmt.Errorf("exit code %q: %w", code, err)
		}
		var ec struct {
			Description localized `json:"description"`
			Severity    string    `json:"severity"`
		}
		if err := json.Unmarshal(msg, &ec); err != nil {
			return nil, fmt.Errorf("exit code %s: %w", code, err)
		}
		d.ExitCodes = append(d.ExitCodes, ExitCode{Code: n, Description: ec.Description, Severity: ec.Severity})
	}
	slices.SortFunc(d.ExitCodes, func(a, b ExitCode) int { return a.Code - b.Code })
	return d, nil
}

// localized is a localizedString of the schema: a plain string (taken as
// English) or an object of languages.
type localized map[string]string

func (l *localized) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*l = localized{"en": s}
		return nil
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*l = m
	return nil
}

// orderedEnv decodes the "environment" object keeping the file's order.
type orderedEnv []Variable

func (e *orderedEnv) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return fmt.Errorf("environment: want an object")
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		name, _ := tok.(string)
		for _, seen := range *e {
			if seen.Name == name {
				// JSON readers keep one of the two silently, each its own
				return fmt.Errorf("environment %s: listed twice", name)
			}
		}
		var v struct {
			Type          string    `json:"type"`
			Description   localized `json:"description"`
			Defval        any       `json:"defval"`
			Required      bool      `json:"required"`
			BinaryDefault any       `json:"x-default"`
			RequiredWhen  string    `json:"x-required-when"`
		}
		if err := dec.Decode(&v); err != nil {
			return fmt.Errorf("environment %s: %w", name, err)
		}
		if v.RequiredWhen != "" && !strings.Contains(v.RequiredWhen, "=") {
			return fmt.Errorf("environment %s: x-required-when %q: want NAME=value", name, v.RequiredWhen)
		}
		*e = append(*e, Variable{
			Name: name, Type: v.Type, Description: v.Description, Defval: v.Defval,
			Required: v.Required, RequiredWhen: v.RequiredWhen, binaryDefault: v.BinaryDefault,
		})
	}
	_, err := dec.Token()
	return err
}
