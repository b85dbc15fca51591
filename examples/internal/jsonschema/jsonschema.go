// Package jsonschema validates JSON documents against a JSON Schema for the
// tests of the apps: the MultiFlexi application definitions and the JSON
// reports against the schemas MultiFlexi publishes. It is a thin wrapper
// around github.com/santhosh-tekuri/jsonschema/v6 that compiles a schema
// given as bytes, offline (no $ref is fetched), with format assertions on
// (date-time, uuid, uri, ...), and reports every violation with its JSON
// pointer in one error.
package jsonschema

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// schemaURL is the location the schema is compiled under; it only names
// the resource, nothing is fetched.
const schemaURL = "mem:///schema.json"

// compiled caches the compiled schemas by the SHA-256 of their bytes: the
// tests validate many documents against the same few schemas.
var compiled sync.Map // [sha256.Size]byte -> *jsonschema.Schema

// Validate checks the JSON document doc against the JSON schema schema
// (draft-07 unless its $schema says otherwise). It returns nil when doc is
// valid, otherwise an error listing every violation with its JSON pointer.
func Validate(schema, doc []byte) error {
	s, err := compile(schema)
	if err != nil {
		return err
	}
	d, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return fmt.Errorf("jsonschema: document: %w", err)
	}
	return s.Validate(d)
}

func compile(schema []byte) (*jsonschema.Schema, error) {
	key := sha256.Sum256(schema)
	if s, ok := compiled.Load(key); ok {
		return s.(*jsonschema.Schema), nil
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schema))
	if err != nil {
		return nil, fmt.Errorf("jsonschema: schema: %w", err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft7)
	c.AssertFormat()
	if err := c.AddResource(schemaURL, doc); err != nil {
		return nil, fmt.Errorf("jsonschema: schema: %w", err)
	}
	s, err := c.Compile(schemaURL)
	if err != nil {
		return nil, fmt.Errorf("jsonschema: schema: %w", err)
	}
	compiled.Store(key, s)
	return s, nil
}
