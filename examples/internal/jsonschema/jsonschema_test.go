package jsonschema_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spoje-net/isptools/examples/internal/jsonschema"
)

const schema = `{
  "$defs": {"loc": {"oneOf": [{"type": "string"}, {"type": "object", "minProperties": 1,
     "properties": {"en": {"type": "string"}}, "additionalProperties": false}]}},
  "type": "object",
  "required": ["name", "version"],
  "properties": {
    "name": {"$ref": "#/$defs/loc"},
    "version": {"type": "string", "pattern": "^[0-9]+(\\.[0-9]+)*$"},
    "id": {"type": "string", "format": "uuid"},
    "when": {"type": "string", "format": "date-time"},
    "level": {"enum": ["a", "b"]},
    "n": {"type": "integer", "minimum": 1, "maximum": 10},
    "m": {"type": ["number", "string"]},
    "tags": {"type": "array", "items": {"type": "string"}, "minItems": 1},
    "fixed": {"const": true},
    "env": {"type": "object", "patternProperties": {"^[A-Z]+$": {"type": "object", "required": ["type"]}},
            "additionalProperties": false},
    "helm": {"type": "object", "allOf": [{"if": {"properties": {"on": {"const": true}}, "required": ["on"]},
             "then": {"required": ["chart"]}}]}
  }
}`

func TestValidateAccepts(t *testing.T) {
	doc := `{"name": {"en": "x"}, "version": "1.2.3", "id": "4c188353-3b5a-4229-917b-31206dee5bba",
	 "when": "2026-01-21T17:45:00+01:00", "level": "b", "n": 10, "m": 1.5, "tags": ["a"], "fixed": true,
	 "env": {"ABC": {"type": "string"}}, "helm": {"on": false}, "extra": 1}`
	if err := jsonschema.Validate([]byte(schema), []byte(doc)); err != nil {
		t.Fatalf("valid document rejected: %v", err)
	}
}

// TestValidateRejects checks that every violation is reported with the
// JSON pointer of the offending value (the wording is the library's).
func TestValidateRejects(t *testing.T) {
	tests := map[string]struct{ doc, want string }{
		"required":       {`{"name": "x"}`, `missing property 'version'`},
		"pattern":        {`{"name": "x", "version": "v1"}`, "at '/version'"},
		"localized-bad":  {`{"name": {"xx": "y"}, "version": "1"}`, "at '/name': 'oneOf' failed"},
		"localized-none": {`{"name": {}, "version": "1"}`, "at '/name': 'oneOf' failed"},
		"uuid":           {`{"name": "x", "version": "1", "id": "nope"}`, "at '/id'"},
		"date-time":      {`{"name": "x", "version": "1", "when": "21.1.2026"}`, "at '/when'"},
		"enum":           {`{"name": "x", "version": "1", "level": "c"}`, "at '/level'"},
		"integer":        {`{"name": "x", "version": "1", "n": 1.5}`, "at '/n': got number, want integer"},
		"minimum":        {`{"name": "x", "version": "1", "n": 0}`, "at '/n'"},
		"maximum":        {`{"name": "x", "version": "1", "n": 11}`, "at '/n'"},
		"type-list":      {`{"name": "x", "version": "1", "m": true}`, "at '/m'"},
		"items":          {`{"name": "x", "version": "1", "tags": [1]}`, "at '/tags/0'"},
		"minItems":       {`{"name": "x", "version": "1", "tags": []}`, "at '/tags'"},
		"const":          {`{"name": "x", "version": "1", "fixed": false}`, "at '/fixed'"},
		"pattern-prop":   {`{"name": "x", "version": "1", "env": {"ABC": {}}}`, `at '/env/ABC': missing property 'type'`},
		"additional":     {`{"name": "x", "version": "1", "env": {"abc": {}}}`, `at '/env': additional properties 'abc' not allowed`},
		"if-then":        {`{"name": "x", "version": "1", "helm": {"on": true}}`, `at '/helm': missing property 'chart'`},
		"root-type":      {`[]`, "got array, want object"},
		"not-json":       {`{"name": `, "document"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			err := jsonschema.Validate([]byte(schema), []byte(tt.doc))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate = %v, want error containing %q", err, tt.want)
			}
		})
	}
}

func TestValidateBadSchema(t *testing.T) {
	for _, bad := range []string{`{"type": 1}`, `{"$ref": "https://example.com/other.json"}`, `{`} {
		if err := jsonschema.Validate([]byte(bad), []byte(`{}`)); err == nil || !strings.Contains(err.Error(), "schema") {
			t.Errorf("schema %s: Validate = %v, want a schema error", bad, err)
		}
	}
}

// TestMultiFlexiSchemas checks the validator against the real MultiFlexi
// schemas and the PHP isp-tools app definition, which python-jsonschema
// accepts.
func TestMultiFlexiSchemas(t *testing.T) {
	dir := os.Getenv("ISPTOOLS_REFERENCE_DIR")
	if dir == "" {
		t.Skip("ISPTOOLS_REFERENCE_DIR is not set; skipping validation against the MultiFlexi reference schemas")
	}
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, "multiflexi", name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	app := read("multiflexi.app.schema.json")
	if err := jsonschema.Validate(app, read("example.isp-tools.match_received_payment.multiflexi.app.json")); err != nil {
		t.Errorf("PHP example app rejected: %v", err)
	}
	bad := `{"$schema": "x", "name": "n", "description": "d", "executable": "e", "environment": {},
	  "version": "v1", "events": {"listens": {}}, "exitCodes": {"-1": {"description": "x"}}}`
	err := jsonschema.Validate(app, []byte(bad))
	for _, want := range []string{"'/version'", "'listens' not allowed", "'-1' not allowed"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("invalid app: error %v, want mention of %s", err, want)
		}
	}
	report := read("multiflexi.report.schema.json")
	if err := jsonschema.Validate(report, []byte(`{"producer": "p", "status": "success", "timestamp": "2026-01-21T17:45:00+01:00", "metrics": {"a": 1, "b": "x"}}`)); err != nil {
		t.Errorf("valid report rejected: %v", err)
	}
	if err := jsonschema.Validate(report, []byte(`{"status": "ok", "timestamp": "x", "metrics": {"a": [1]}}`)); err == nil {
		t.Error("invalid report accepted")
	}
}
