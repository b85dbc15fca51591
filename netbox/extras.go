package netbox

import (
	"context"
	"iter"
	"net/http"
	"net/url"
	"strconv"
)

const (
	journalEntriesPath = "/api/extras/journal-entries/"
	customFieldsPath   = "/api/extras/custom-fields/"
)

// CreateJournalEntries creates journal entries with one request (NetBox
// accepts a list for bulk creation). POST is never retried.
func (c *Client) CreateJournalEntries(ctx context.Context, entries []JournalEntryRequest) ([]JournalEntry, error) {
	if len(entries) == 0 {
		return nil, nil
	}
	var out []JournalEntry
	err := c.do(ctx, http.MethodPost, c.apiURL(journalEntriesPath, nil), entries, &out)
	return out, err
}

// CustomFieldFilter selects custom field definitions.
type CustomFieldFilter struct {
	// Name matches any of these names.
	Name []string
	// ObjectType matches fields assigned to this object type, e.g. "ipam.ipaddress".
	ObjectType string
}

// CustomFields lists custom field definitions. The object type filter is
// "object_type" on NetBox 4.x and "content_types" on 3.x (which ignores
// object_type); callers should still check CustomField.ObjectTypes.
func (c *Client) CustomFields(ctx context.Context, f CustomFieldFilter) iter.Seq2[CustomField, error] {
	return func(yield func(CustomField, error) bool) {
		q := url.Values{"limit": {"1000"}}
		if len(f.Name) > 0 {
			q["name"] = f.Name
		}
		if f.ObjectType != "" {
			key := "object_type"
			if v, err := c.ServerVersion(ctx); err == nil && v.Major < 4 {
				key = "content_types"
			}
			q.Set(key, f.ObjectType)
		}
		list(ctx, c, customFieldsPath, q, func(cf CustomField) int64 { return cf.ID }, yield)
	}
}

// CreateCustomField creates a custom field definition, naming its models
// as the server's version expects (object_types or content_types). POST is
// never retried.
func (c *Client) CreateCustomField(ctx context.Context, req CustomFieldRequest) (CustomField, error) {
	var out CustomField
	var body any = req
	if v, err := c.ServerVersion(ctx); err == nil && v.Major < 4 {
		body = struct {
			CustomFieldRequest
			ObjectTypes  []string `json:"object_types,omitempty"`
			ContentTypes []string `json:"content_types"`
		}{CustomFieldRequest: req, ContentTypes: req.ObjectTypes}
	}
	err := c.do(ctx, http.MethodPost, c.apiURL(customFieldsPath, nil), body, &out)
	return out, err
}

const tenantsPath = "/api/tenancy/tenants/"

// TenantFilter selects tenants; several values of one filter are OR-ed,
// different filters AND-ed (NetBox's rules). Unknown values match nothing.
type TenantFilter struct {
	ID   []int64  // object ids
	Name []string // exact names
	Slug []string // exact slugs
}

// Tenants lists the tenants matching the filter (id, url, name and slug).
func (c *Client) Tenants(ctx context.Context, f TenantFilter) iter.Seq2[Tenant, error] {
	q := url.Values{"limit": {"1000"}, "fields": {"id,url,name,slug"}}
	for _, id := range f.ID {
		q.Add("id", strconv.FormatInt(id, 10))
	}
	q["name"] = append(q["name"], f.Name...)
	q["slug"] = append(q["slug"], f.Slug...)
	for k, vs := range q {
		if len(vs) == 0 {
			delete(q, k)
		}
	}
	return func(yield func(Tenant, error) bool) {
		list(ctx, c, tenantsPath, q, func(t Tenant) int64 { return t.ID }, yield)
	}
}
