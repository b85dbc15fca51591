package netbox

import (
	"context"
	"iter"
	"net/http"
	"net/url"
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

// CustomFields lists custom field definitions.
func (c *Client) CustomFields(ctx context.Context, f CustomFieldFilter) iter.Seq2[CustomField, error] {
	q := url.Values{"limit": {"1000"}}
	if len(f.Name) > 0 {
		q["name"] = f.Name
	}
	if f.ObjectType != "" {
		q.Set("object_type", f.ObjectType)
	}
	return func(yield func(CustomField, error) bool) {
		list(ctx, c, customFieldsPath, q, func(cf CustomField) int64 { return cf.ID }, yield)
	}
}

// CreateCustomField creates a custom field definition. POST is never retried.
func (c *Client) CreateCustomField(ctx context.Context, req CustomFieldRequest) (CustomField, error) {
	var out CustomField
	err := c.do(ctx, http.MethodPost, c.apiURL(customFieldsPath, nil), req, &out)
	return out, err
}
