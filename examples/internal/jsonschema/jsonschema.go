// Package jsonschema is a small JSON Schema (draft-07) validator covering
// the subset used by the MultiFlexi application and report schemas: type,
// enum, const, required, properties, patternProperties,
// additionalProperties, minProperties, items, minItems, minimum, maximum,
// pattern, format (date-time, uuid, uri), allOf, anyOf, oneOf, not,
// if/then/else and local $ref ("#/..."). Annotations (description,
// default, examples, $comment, ...) are ignored. Unknown keywords are an
// error, so a schema that needs more than this subset is noticed.
//
// It exists for tests; it is not a general-purpose validator.
package jsonschema

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Validate checks the JSON document doc against the JSON schema schema. It
// returns nil when doc is valid, otherwise an error listing every
// violation with its JSON pointer.
func Validate(schema, doc []byte) error {
	s, err := decode(schema)
	if err != nil {
		return fmt.Errorf("jsonschema: schema: %w", err)
	}
	d, err := decode(doc)
	if err != nil {
		return fmt.Errorf("jsonschema: document: %w", err)
	}
	v := &validator{root: s, patterns: map[string]*regexp.Regexp{}}
	v.validate(s, d, "")
	if v.fatal != nil {
		return v.fatal
	}
	return errors.Join(v.errs...)
}

func decode(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("trailing data after JSON value")
	}
	return v, nil
}

type validator struct {
	root     any
	errs     []error
	fatal    error
	patterns map[string]*regexp.Regexp
}

// annotations are keywords without validation meaning.
var annotations = []string{
	"$schema", "$id", "$comment", "$defs", "definitions", "title", "description",
	"default", "examples", "schemaVersion", "readOnly", "writeOnly",
}

func (v *validator) fail(ptr, format string, args ...any) {
	if ptr == "" {
		ptr = "/"
	}
	v.errs = append(v.errs, fmt.Errorf("%s: %s", ptr, fmt.Sprintf(format, args...)))
}

func (v *validator) schemaErr(format string, args ...any) {
	if v.fatal == nil {
		v.fatal = fmt.Errorf("jsonschema: unsupported schema: "+format, args...)
	}
}

func (v *validator) regexp(p string) *regexp.Regexp {
	if re, ok := v.patterns[p]; ok {
		return re
	}
	re, err := regexp.Compile(p)
	if err != nil {
		v.schemaErr("pattern %q: %v", p, err)
	}
	v.patterns[p] = re
	return re
}

// valid reports whether doc validates against s without recording errors.
func (v *validator) valid(s, doc any, ptr string) bool {
	sub := &validator{root: v.root, patterns: v.patterns}
	sub.validate(s, doc, ptr)
	if sub.fatal != nil && v.fatal == nil {
		v.fatal = sub.fatal
	}
	return len(sub.errs) == 0
}

func (v *validator) validate(schema, doc any, ptr string) {
	switch s := schema.(type) {
	case bool:
		if !s {
			v.fail(ptr, "not allowed")
		}
		return
	case map[string]any:
		v.validateObjectSchema(s, doc, ptr)
	default:
		v.schemaErr("schema at %s is %T", ptr, schema)
	}
}

func (v *validator) validateObjectSchema(s map[string]any, doc any, ptr string) {
	if ref, ok := s["$ref"].(string); ok {
		target, err := v.resolve(ref)
		if err != nil {
			v.schemaErr("%v", err)
			return
		}
		v.validate(target, doc, ptr)
	}
	keys := make([]string, 0, len(s))
	for k := range s {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		val := s[k]
		switch k {
		case "$ref", "then", "else":
			// $ref handled above; then/else with "if".
		case "type":
			if !matchesType(val, doc) {
				v.fail(ptr, "type %s, want %v", typeName(doc), val)
			}
		case "enum":
			list, _ := val.([]any)
			if !slices.ContainsFunc(list, func(e any) bool { return equal(e, doc) }) {
				v.fail(ptr, "value %s not in enum %v", short(doc), val)
			}
		case "const":
			if !equal(val, doc) {
				v.fail(ptr, "value %s, want const %v", short(doc), val)
			}
		case "required":
			obj, ok := doc.(map[string]any)
			if !ok {
				continue
			}
			for _, r := range val.([]any) {
				if _, ok := obj[r.(string)]; !ok {
					v.fail(ptr, "missing required property %q", r)
				}
			}
		case "properties", "patternProperties", "additionalProperties":
			// Handled together by validateProperties below.
		case "minProperties":
			if obj, ok := doc.(map[string]any); ok && len(obj) < toInt(val) {
				v.fail(ptr, "has %d properties, want at least %v", len(obj), val)
			}
		case "items":
			arr, ok := doc.([]any)
			if !ok {
				continue
			}
			if _, isList := val.([]any); isList {
				v.schemaErr("tuple items at %s", ptr)
				continue
			}
			for i, e := range arr {
				v.validate(val, e, ptr+"/"+strconv.Itoa(i))
			}
		case "minItems":
			if arr, ok := doc.([]any); ok && len(arr) < toInt(val) {
				v.fail(ptr, "has %d items, want at least %v", len(arr), val)
			}
		case "minimum", "maximum":
			n, ok := doc.(json.Number)
			if !ok {
				continue
			}
			x, _ := new(big.Float).SetString(n.String())
			lim, _ := new(big.Float).SetString(val.(json.Number).String())
			if c := x.Cmp(lim); (k == "minimum" && c < 0) || (k == "maximum" && c > 0) {
				v.fail(ptr, "%s is beyond %s %s", n, k, val)
			}
		case "pattern":
			if str, ok := doc.(string); ok {
				if re := v.regexp(val.(string)); re != nil && !re.MatchString(str) {
					v.fail(ptr, "%q does not match pattern %s", str, val)
				}
			}
		case "format":
			if str, ok := doc.(string); ok {
				if err := checkFormat(val.(string), str); err != nil {
					v.fail(ptr, "%q is not a valid %s: %v", str, val, err)
				}
			}
		case "allOf":
			for _, sub := range val.([]any) {
				v.validate(sub, doc, ptr)
			}
		case "anyOf", "oneOf":
			n := 0
			for _, sub := range val.([]any) {
				if v.valid(sub, doc, ptr) {
					n++
				}
			}
			if n == 0 || (k == "oneOf" && n > 1) {
				v.fail(ptr, "%s: %d of %d subschemas match", k, n, len(val.([]any)))
			}
		case "not":
			if v.valid(val, doc, ptr) {
				v.fail(ptr, "must not match the \"not\" subschema")
			}
		case "if":
			if v.valid(val, doc, ptr) {
				if then, ok := s["then"]; ok {
					v.validate(then, doc, ptr)
				}
			} else if els, ok := s["else"]; ok {
				v.validate(els, doc, ptr)
			}
		default:
			if !slices.Contains(annotations, k) {
				v.schemaErr("keyword %q at %s", k, ptr)
			}
		}
	}
	v.validateProperties(s, doc, ptr)
}

// validateProperties applies properties, patternProperties and
// additionalProperties of s to an object doc.
func (v *validator) validateProperties(s map[string]any, doc any, ptr string) {
	obj, ok := doc.(map[string]any)
	if !ok {
		return
	}
	props, _ := s["properties"].(map[string]any)
	patterns, _ := s["patternProperties"].(map[string]any)
	additional, hasAdditional := s["additionalProperties"]
	if props == nil && patterns == nil && !hasAdditional {
		return
	}
	names := make([]string, 0, len(obj))
	for k := range obj {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, name := range names {
		val := obj[name]
		p := ptr + "/" + escapePointer(name)
		matched := false
		if sub, ok := props[name]; ok {
			matched = true
			v.validate(sub, val, p)
		}
		for pat, sub := range patterns {
			if re := v.regexp(pat); re != nil && re.MatchString(name) {
				matched = true
				v.validate(sub, val, p)
			}
		}
		if !matched && hasAdditional {
			if b, ok := additional.(bool); ok && !b {
				v.fail(p, "additional property %q not allowed", name)
			} else {
				v.validate(additional, val, p)
			}
		}
	}
}

func (v *validator) resolve(ref string) (any, error) {
	frag, ok := strings.CutPrefix(ref, "#")
	if !ok {
		return nil, fmt.Errorf("non-local $ref %q", ref)
	}
	cur := v.root
	if frag == "" {
		return cur, nil
	}
	for _, tok := range strings.Split(strings.TrimPrefix(frag, "/"), "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("$ref %q: not found", ref)
		}
		if cur, ok = m[tok]; !ok {
			return nil, fmt.Errorf("$ref %q: not found", ref)
		}
	}
	return cur, nil
}

func escapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

func matchesType(want, doc any) bool {
	switch w := want.(type) {
	case string:
		return isType(w, doc)
	case []any:
		for _, t := range w {
			if s, ok := t.(string); ok && isType(s, doc) {
				return true
			}
		}
	}
	return false
}

func isType(t string, doc any) bool {
	switch t {
	case "integer":
		n, ok := doc.(json.Number)
		if !ok {
			return false
		}
		f, _, err := big.ParseFloat(n.String(), 10, 200, big.ToNearestEven)
		return err == nil && f.IsInt()
	case "number":
		_, ok := doc.(json.Number)
		return ok
	default:
		return typeName(doc) == t
	}
}

func typeName(doc any) string {
	switch doc.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case json.Number:
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", doc)
}

func equal(a, b any) bool {
	an, aok := a.(json.Number)
	bn, bok := b.(json.Number)
	if aok && bok {
		x, _ := new(big.Float).SetString(an.String())
		y, _ := new(big.Float).SetString(bn.String())
		return x != nil && y != nil && x.Cmp(y) == 0
	}
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}

func toInt(v any) int {
	n, _ := v.(json.Number).Int64()
	return int(n)
}

func short(doc any) string {
	b, _ := json.Marshal(doc)
	if len(b) > 60 {
		return string(b[:60]) + "…"
	}
	return string(b)
}

var uuidRe = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

func checkFormat(format, s string) error {
	switch format {
	case "date-time":
		_, err := time.Parse(time.RFC3339, s)
		return err
	case "uuid":
		if !uuidRe.MatchString(s) {
			return errors.New("want 8-4-4-4-12 hex digits")
		}
	case "uri":
		u, err := url.Parse(s)
		if err != nil {
			return err
		}
		if u.Scheme == "" {
			return errors.New("no scheme")
		}
	}
	return nil // unknown formats are annotations
}
