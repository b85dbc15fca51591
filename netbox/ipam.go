package netbox

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

const ipAddressesPath = "/api/ipam/ip-addresses/"

// IPAddressFilter selects IP addresses. Several values of one filter are
// OR-ed by NetBox; different filters are AND-ed. NetBox silently ignores
// unknown parameters, including cf_ filters on undefined custom fields.
type IPAddressFilter struct {
	// Address matches "10.0.0.1" (any mask) or "10.0.0.1/24" (exact).
	Address []string
	// Parent matches addresses inside these prefixes.
	Parent []string
	// Tenant matches tenant slugs (NetBox answers 400 for an unknown slug).
	Tenant []string
	// TenantID matches tenant ids (NetBox answers 400 for an unknown id).
	TenantID []int64
	// ID matches object ids.
	ID []int64
	// Q is NetBox's free-text search (dns_name, description, address prefix).
	Q string
	// DescriptionIC matches descriptions containing any value, case-insensitively.
	DescriptionIC []string
	// CustomFields filters by custom field value: cf_<name>=<value>.
	CustomFields map[string][]string
	// Fields restricts the returned fields (NetBox 4.0+), e.g. "id", "address".
	Fields []string
	// Limit is the page size (NetBox caps it at MAX_PAGE_SIZE). Zero asks for
	// the server's maximum page.
	Limit int
	// Extra holds further raw query parameters.
	Extra url.Values
}

// Values encodes the filter as query parameters.
func (f IPAddressFilter) Values() url.Values {
	q := url.Values{}
	for k, vs := range f.Extra {
		q[k] = append(q[k], vs...)
	}
	q["address"] = append(q["address"], f.Address...)
	q["parent"] = append(q["parent"], f.Parent...)
	q["tenant"] = append(q["tenant"], f.Tenant...)
	for _, id := range f.ID {
		q.Add("id", strconv.FormatInt(id, 10))
	}
	for _, id := range f.TenantID {
		q.Add("tenant_id", strconv.FormatInt(id, 10))
	}
	if f.Q != "" {
		q.Set("q", f.Q)
	}
	q["description__ic"] = append(q["description__ic"], f.DescriptionIC...)
	for name, vs := range f.CustomFields {
		q["cf_"+name] = append(q["cf_"+name], vs...)
	}
	if len(f.Fields) > 0 {
		q.Set("fields", strings.Join(f.Fields, ","))
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 1000
	}
	q.Set("limit", strconv.Itoa(limit))
	for k, vs := range q {
		if len(vs) == 0 {
			delete(q, k)
		}
	}
	return q
}

// IPAddresses lists the IP addresses matching the filter. On NetBox 4.x
// it pages by id (ordering=id, then id__gt), so no object is skipped or
// seen twice while others change; elsewhere it follows the next links and
// skips objects already seen. Iteration stops after the first error.
func (c *Client) IPAddresses(ctx context.Context, f IPAddressFilter) iter.Seq2[IPAddress, error] {
	return func(yield func(IPAddress, error) bool) {
		list(ctx, c, ipAddressesPath, f.Values(), func(ip IPAddress) int64 { return ip.ID }, yield)
	}
}

// CountIPAddresses returns how many IP addresses match the filter, with one
// request of a single row.
func (c *Client) CountIPAddresses(ctx context.Context, f IPAddressFilter) (int, error) {
	f.Limit, f.Fields = 1, []string{"id"}
	var page Page[IPAddress]
	if err := c.do(ctx, http.MethodGet, c.apiURL(ipAddressesPath, f.Values()), nil, &page); err != nil {
		return 0, err
	}
	if page.Count == nil {
		return 0, errors.New("netbox: count of IP addresses not reported")
	}
	return *page.Count, nil
}

// IPAddress returns one IP address by id; a missing one gives an error
// matching [ErrNotFound].
func (c *Client) IPAddress(ctx context.Context, id int64) (IPAddress, error) {
	var ip IPAddress
	err := c.do(ctx, http.MethodGet, c.apiURL(fmt.Sprintf("%s%d/", ipAddressesPath, id), nil), nil, &ip)
	return ip, err
}

// UpdateIPAddressCustomFields PATCHes custom fields of one IP address.
// NetBox merges the values into the existing ones; a nil value clears a
// field. Like every write it is never retried.
func (c *Client) UpdateIPAddressCustomFields(ctx context.Context, id int64, fields map[string]any) (IPAddress, error) {
	var ip IPAddress
	body := map[string]any{"custom_fields": fields}
	err := c.do(ctx, http.MethodPatch, c.apiURL(fmt.Sprintf("%s%d/", ipAddressesPath, id), nil), body, &ip)
	return ip, err
}

// BulkUpdateIPAddresses PATCHes several IP addresses in one request. NetBox
// applies the list in one transaction: all objects change or none does. Ids
// that do not exist are skipped by NetBox and are absent from the answer.
// NetBox validates every object as a whole, so one object that is invalid
// for another reason (an address duplicated in the global table) fails the
// request with a 400 that does not say which object it was.
//
// The request is never retried and runs under Config.WriteTimeout: NetBox
// keeps applying a bulk PATCH after the client gave up waiting, so after a
// timeout or a lost answer the caller must read the objects back to learn
// what happened.
func (c *Client) BulkUpdateIPAddresses(ctx context.Context, updates []IPAddressUpdate) ([]IPAddress, error) {
	if len(updates) == 0 {
		return nil, nil
	}
	for i, u := range updates {
		if u.ID <= 0 {
			return nil, fmt.Errorf("netbox: bulk update %d: missing id", i)
		}
	}
	var out []IPAddress
	err := c.do(ctx, http.MethodPatch, c.apiURL(ipAddressesPath, nil), updates, &out)
	return out, err
}
