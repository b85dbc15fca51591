package netbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Choice is a NetBox choice value such as status {"value": "active", "label": "Active"}.
type Choice struct {
	Value string `json:"value"` // raw value, e.g. "active"
	Label string `json:"label"` // human label, e.g. "Active"
}

// UnmarshalJSON accepts the object form and, for very old NetBox versions,
// a numeric value.
func (c *Choice) UnmarshalJSON(b []byte) error {
	var raw struct {
		Value json.RawMessage `json:"value"`
		Label string          `json:"label"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return fmt.Errorf("netbox: choice: %w", err)
	}
	c.Label = raw.Label
	c.Value = ""
	if len(raw.Value) > 0 && !bytes.Equal(raw.Value, []byte("null")) {
		if err := json.Unmarshal(raw.Value, &c.Value); err != nil {
			c.Value = string(raw.Value) // a number
		}
	}
	return nil
}

// Family is the IP family {"value": 4, "label": "IPv4"}.
type Family struct {
	Value int    `json:"value"` // 4 or 6
	Label string `json:"label"` // "IPv4" or "IPv6"
}

// UnmarshalJSON accepts the object form and the bare number of NetBox 2.x.
func (f *Family) UnmarshalJSON(b []byte) error {
	if n, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
		*f = Family{Value: n, Label: fmt.Sprintf("IPv%d", n)}
		return nil
	}
	type plain Family
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return fmt.Errorf("netbox: family: %w", err)
	}
	*f = Family(p)
	return nil
}

// Timestamp is a NetBox date-time. It also accepts the date-only "created"
// of older NetBox versions.
type Timestamp struct{ time.Time }

// UnmarshalJSON parses RFC 3339 date-times and plain dates.
func (t *Timestamp) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("netbox: timestamp: %w", err)
	}
	if s == "" {
		t.Time = time.Time{}
		return nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02"} {
		if v, err := time.Parse(layout, s); err == nil {
			t.Time = v
			return nil
		}
	}
	return fmt.Errorf("netbox: timestamp %q: unknown format", s)
}

// MarshalJSON renders RFC 3339 with fractional seconds.
func (t Timestamp) MarshalJSON() ([]byte, error) {
	return json.Marshal(t.Time.UTC().Format(time.RFC3339Nano))
}

// Ref is a brief nested object (tenant, VRF, tag, ...).
type Ref struct {
	ID          int64  `json:"id"`                    // object id
	URL         string `json:"url,omitempty"`         // API URL
	Display     string `json:"display,omitempty"`     // display string
	Name        string `json:"name,omitempty"`        // name
	Slug        string `json:"slug,omitempty"`        // slug (tenants, tags)
	Description string `json:"description,omitempty"` // description
	// RD is set for VRFs.
	RD *string `json:"rd,omitempty"`
	// Color is set for tags.
	Color string `json:"color,omitempty"`
}

// NestedIPAddress is the brief form used by nat_inside and nat_outside.
type NestedIPAddress struct {
	ID      int64  `json:"id"`      // object id
	URL     string `json:"url"`     // API URL
	Display string `json:"display"` // display string
	Family  Family `json:"family"`  // IP family
	Address string `json:"address"` // address with mask
}

// CustomFields holds custom field values by name as raw JSON (null for unset).
type CustomFields map[string]json.RawMessage

// Int returns the integer value of a custom field. ok is false when the
// field is absent or null; err is set when it holds a non-integer.
func (cf CustomFields) Int(name string) (v int, ok bool, err error) {
	raw, present := cf[name]
	if !present || len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return 0, false, nil
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err != nil {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return 0, false, fmt.Errorf("netbox: custom field %s: not a number: %s", name, raw)
		}
		n = json.Number(strings.TrimSpace(s))
	}
	i, err := strconv.Atoi(n.String())
	if err != nil {
		return 0, false, fmt.Errorf("netbox: custom field %s: not an integer: %s", name, raw)
	}
	return i, true, nil
}

// String returns a custom field's text value ("" when absent, null or not text).
func (cf CustomFields) String(name string) string {
	var s string
	if json.Unmarshal(cf[name], &s) == nil {
		return s
	}
	return ""
}

// IPAddress is a NetBox IP address (the 4.x representation; fields left out
// by a fields= filter stay zero).
type IPAddress struct {
	ID                 int64             `json:"id"`                        // object id
	URL                string            `json:"url"`                       // API URL
	DisplayURL         string            `json:"display_url,omitempty"`     // UI URL (NetBox 4.1+)
	Display            string            `json:"display"`                   // display string
	Family             Family            `json:"family"`                    // IP family
	Address            string            `json:"address"`                   // address with mask, e.g. "10.0.0.1/24"
	VRF                *Ref              `json:"vrf"`                       // VRF or nil (global table)
	Tenant             *Ref              `json:"tenant"`                    // tenant or nil
	Status             *Choice           `json:"status"`                    // status (active, reserved, ...)
	Role               *Choice           `json:"role"`                      // role or nil
	AssignedObjectType *string           `json:"assigned_object_type"`      // type of the assigned object, e.g. "dcim.interface"
	AssignedObjectID   *int64            `json:"assigned_object_id"`        // id of the assigned object
	AssignedObject     json.RawMessage   `json:"assigned_object,omitempty"` // the assigned object, undecoded
	NATInside          *NestedIPAddress  `json:"nat_inside"`                // inside NAT address or nil
	NATOutside         []NestedIPAddress `json:"nat_outside"`               // outside NAT addresses
	DNSName            string            `json:"dns_name"`                  // DNS name
	Description        string            `json:"description"`               // description
	Comments           string            `json:"comments"`                  // comments
	Tags               []Ref             `json:"tags"`                      // tags
	CustomFields       CustomFields      `json:"custom_fields"`             // all custom fields of ipam.ipaddress (null when unset)
	Created            *Timestamp        `json:"created"`                   // creation time
	LastUpdated        *Timestamp        `json:"last_updated"`              // last change time
}

// IPAddressUpdate is one object of a bulk PATCH: the id plus the fields to set.
type IPAddressUpdate struct {
	ID int64 `json:"id"` // id of the object to change
	// CustomFields is merged into the object's custom fields; a nil value
	// (JSON null) clears a field.
	CustomFields map[string]any `json:"custom_fields,omitempty"`
	// Description replaces the description when non-nil.
	Description *string `json:"description,omitempty"`
	// ChangelogMessage is stored on the change record (NetBox 4.4+; older
	// versions ignore it). At most 200 characters.
	ChangelogMessage string `json:"changelog_message,omitempty"`
}

// JournalEntry is a NetBox journal entry.
type JournalEntry struct {
	ID                 int64      `json:"id"`                   // object id
	URL                string     `json:"url"`                  // API URL
	Display            string     `json:"display"`              // display string
	AssignedObjectType string     `json:"assigned_object_type"` // object type, e.g. "ipam.ipaddress"
	AssignedObjectID   int64      `json:"assigned_object_id"`   // object id
	Created            *Timestamp `json:"created"`              // creation time
	CreatedBy          *int64     `json:"created_by"`           // id of the creating user
	Kind               Choice     `json:"kind"`                 // info, success, warning or danger
	Comments           string     `json:"comments"`             // text (Markdown)
}

// Journal entry kinds.
const (
	KindInfo    = "info"
	KindSuccess = "success"
	KindWarning = "warning"
	KindDanger  = "danger"
)

// JournalEntryRequest creates a journal entry.
type JournalEntryRequest struct {
	AssignedObjectType string `json:"assigned_object_type"` // object type, e.g. ObjectTypeIPAddress
	AssignedObjectID   int64  `json:"assigned_object_id"`   // object id
	// Kind is one of the Kind* constants (NetBox defaults to info).
	Kind     string `json:"kind,omitempty"`
	Comments string `json:"comments"` // text (Markdown, required)
}

// CustomField is a custom field definition.
type CustomField struct {
	ID      int64  `json:"id"`      // object id
	URL     string `json:"url"`     // API URL
	Display string `json:"display"` // display string
	// ObjectTypes are the models the field applies to, e.g.
	// ["ipam.ipaddress"]: "object_types" in NetBox 4.x, "content_types" in
	// 3.x (decoded from either).
	ObjectTypes []string `json:"object_types"`
	Type        Choice   `json:"type"`        // field type (integer, text, ...)
	Name        string   `json:"name"`        // name used in custom_fields and cf_ filters
	Label       string   `json:"label"`       // UI label
	Description string   `json:"description"` // description
	Required    bool     `json:"required"`    // whether objects must set it
}

// UnmarshalJSON decodes a custom field of NetBox 4.x (object_types) or 3.x
// (content_types).
func (cf *CustomField) UnmarshalJSON(b []byte) error {
	type plain CustomField
	var v struct {
		plain
		ContentTypes []string `json:"content_types"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*cf = CustomField(v.plain)
	if len(cf.ObjectTypes) == 0 {
		cf.ObjectTypes = v.ContentTypes
	}
	return nil
}

// CustomFieldRequest creates a custom field definition.
type CustomFieldRequest struct {
	Name  string `json:"name"`            // letters, digits and underscores
	Label string `json:"label,omitempty"` // UI label
	Type  string `json:"type"`            // "integer", "text", ...
	// ObjectTypes are the models, e.g. []string{ObjectTypeIPAddress}; sent
	// as "content_types" to NetBox 3.x.
	ObjectTypes []string `json:"object_types"`
	Description string   `json:"description,omitempty"` // description
	Required    bool     `json:"required"`              // whether objects must set it
}

// Tenant is a NetBox tenant (the fields the backend reads).
type Tenant struct {
	ID   int64  `json:"id"`   // object id
	URL  string `json:"url"`  // API URL
	Name string `json:"name"` // name, unique
	Slug string `json:"slug"` // slug, unique
}

// ObjectTypeIPAddress is the object type of IP addresses.
const ObjectTypeIPAddress = "ipam.ipaddress"
