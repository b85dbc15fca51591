package netboxtest

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

const ipListPath = "/api/ipam/ip-addresses/"

var ipStatuses = map[string]string{
	"active": "Active", "reserved": "Reserved", "deprecated": "Deprecated", "dhcp": "DHCP", "slaac": "SLAAC",
}

type ipObj struct {
	id          int64
	prefix      netip.Prefix // address with mask, host bits kept
	status      string
	vrf         *vrfObj // nil: the global table
	tenant      *tenant
	dnsName     string
	description string
	comments    string
	cf          map[string]any // int64, string, bool, json.Number, nil ...
	created     time.Time
	updated     time.Time
}

func (o *ipObj) clone() *ipObj {
	c := *o
	c.cf = make(map[string]any, len(o.cf))
	for k, v := range o.cf {
		c.cf[k] = v
	}
	return &c
}

type tenant struct {
	id         int64
	name, slug string
}

type vrfObj struct {
	id   int64
	name string
}

// sortedIPs returns the objects in NetBox's default order as observed on
// real servers: by host address (IPv4 first), objects of one host by mask
// length, then id. Objects of one host tie in NetBox (the recorded answers
// list them either way round, even across the pages of one listing); the
// emulation keeps them in one order. It is not the id order, so offset
// paging over it shifts when objects change.
func (s *Server) sortedIPs() []*ipObj {
	out := make([]*ipObj, 0, len(s.ips))
	for _, o := range s.ips {
		out = append(out, o)
	}
	slices.SortFunc(out, func(a, b *ipObj) int {
		if c := a.prefix.Addr().Compare(b.prefix.Addr()); c != 0 {
			return c
		}
		if c := cmp.Compare(int64(a.prefix.Bits()), int64(b.prefix.Bits())); c != 0 {
			return c
		}
		return cmp.Compare(a.id, b.id)
	})
	return out
}

// ordered sorts rendered list items by an ordering= value ("id", "-id",
// "address", "-address"); NetBox 3.x and unknown values keep the default.
func (s *Server) ordered(q url.Values, objs []*ipObj) []*ipObj {
	if s.version.Major < 4 {
		return objs
	}
	switch q.Get("ordering") {
	case "id":
		slices.SortFunc(objs, func(a, b *ipObj) int { return cmp.Compare(a.id, b.id) })
	case "-id":
		slices.SortFunc(objs, func(a, b *ipObj) int { return cmp.Compare(b.id, a.id) })
	case "-address":
		slices.Reverse(objs)
	}
	return objs
}

// renderIP renders the 4.x representation.
func (s *Server) renderIP(base string, o *ipObj) map[string]any {
	fam := map[string]any{"value": 4, "label": "IPv4"}
	if o.prefix.Addr().Is6() {
		fam = map[string]any{"value": 6, "label": "IPv6"}
	}
	var ten, vrf any
	if o.vrf != nil {
		vrf = map[string]any{
			"id": o.vrf.id, "url": fmt.Sprintf("%s/api/ipam/vrfs/%d/", base, o.vrf.id),
			"display": o.vrf.name, "name": o.vrf.name, "rd": nil, "description": "",
		}
	}
	if o.tenant != nil {
		ten = map[string]any{
			"id": o.tenant.id, "url": fmt.Sprintf("%s/api/tenancy/tenants/%d/", base, o.tenant.id),
			"display": o.tenant.name, "name": o.tenant.name, "slug": o.tenant.slug, "description": "",
		}
	}
	cfs := map[string]any{}
	for _, d := range s.cfs {
		if slices.Contains(d.objectTypes, "ipam.ipaddress") {
			cfs[d.name] = o.cf[d.name]
		}
	}
	return map[string]any{
		"id":                   o.id,
		"url":                  fmt.Sprintf("%s%s%d/", base, ipListPath, o.id),
		"display_url":          fmt.Sprintf("%s/ipam/ip-addresses/%d/", base, o.id),
		"display":              o.prefix.String(),
		"family":               fam,
		"address":              o.prefix.String(),
		"vrf":                  vrf,
		"tenant":               ten,
		"status":               map[string]any{"value": o.status, "label": ipStatuses[o.status]},
		"role":                 nil,
		"assigned_object_type": nil,
		"assigned_object_id":   nil,
		"assigned_object":      nil,
		"nat_inside":           nil,
		"nat_outside":          []any{},
		"dns_name":             o.dnsName,
		"description":          o.description,
		"comments":             o.comments,
		"tags":                 []any{},
		"custom_fields":        cfs,
		"created":              timestamp(o.created),
		"last_updated":         timestamp(o.updated),
	}
}

var ipBrief = []string{"id", "url", "display", "family", "address", "description"}

// notFound is the 404 of a missing object: 4.x names the model.
func (s *Server) notFound() *apiError {
	if s.version.Major < 4 {
		return detail(http.StatusNotFound, "Not found.")
	}
	return detail(http.StatusNotFound, "No IPAddress matches the given query.")
}

func (s *Server) getIP(base string, id int64, q url.Values) (any, *apiError) {
	o := s.ips[id]
	if o == nil {
		return nil, s.notFound()
	}
	return s.restrict(q, s.renderIP(base, o), ipBrief), nil
}

func (s *Server) listIPs(base string, u *url.URL) (any, *apiError) {
	q := u.Query()
	match, e := s.ipFilter(q)
	if e != nil {
		return nil, e
	}
	var items []map[string]any
	for _, o := range s.ordered(q, s.sortedIPs()) {
		if match(o) {
			items = append(items, s.restrict(q, s.renderIP(base, o), ipBrief))
		}
	}
	return s.page(base, u, items)
}

// ipFilter builds the filter of a list request; unknown parameters are ignored.
func (s *Server) ipFilter(q url.Values) (func(*ipObj) bool, *apiError) {
	var preds []func(*ipObj) bool
	for _, lk := range []string{"", "n", "gt", "gte", "lt", "lte"} {
		key := "id"
		if lk != "" {
			key += "__" + lk
		}
		vs := q[key]
		if len(vs) == 0 {
			continue
		}
		var ids []int64
		for _, v := range vs {
			id, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return nil, fieldErr(http.StatusBadRequest, key, "Enter a whole number.")
			}
			ids = append(ids, id)
		}
		cmp := intLookups[lk]
		preds = append(preds, func(o *ipObj) bool {
			if lk == "n" {
				return !slices.Contains(ids, o.id)
			}
			return slices.ContainsFunc(ids, func(n int64) bool { return cmp(o.id, n) })
		})
	}
	if vs := q["tenant_id"]; len(vs) > 0 {
		var ids []int64
		for _, v := range vs {
			id, err := strconv.ParseInt(v, 10, 64)
			if err != nil || !slices.ContainsFunc(slices.Collect(maps.Values(s.tenants)), func(t *tenant) bool { return t.id == id }) {
				return nil, fieldErr(http.StatusBadRequest, "tenant_id",
					fmt.Sprintf("Select a valid choice. %s is not one of the available choices.", v))
			}
			ids = append(ids, id)
		}
		preds = append(preds, func(o *ipObj) bool { return o.tenant != nil && slices.Contains(ids, o.tenant.id) })
	}
	if vs := q["address"]; len(vs) > 0 {
		var exact []netip.Prefix
		var hosts []netip.Addr
		for _, v := range vs {
			if p, err := netip.ParsePrefix(v); err == nil {
				exact = append(exact, p)
			} else if a, err := netip.ParseAddr(v); err == nil {
				hosts = append(hosts, a)
			}
		}
		preds = append(preds, func(o *ipObj) bool {
			return slices.Contains(exact, o.prefix) || slices.Contains(hosts, o.prefix.Addr())
		})
	}
	if vs := q["parent"]; len(vs) > 0 {
		var parents []netip.Prefix
		for _, v := range vs {
			if p, err := netip.ParsePrefix(v); err == nil {
				parents = append(parents, p.Masked())
			}
		}
		preds = append(preds, func(o *ipObj) bool {
			return slices.ContainsFunc(parents, func(p netip.Prefix) bool { return p.Contains(o.prefix.Addr()) })
		})
	}
	if vs := q["tenant"]; len(vs) > 0 {
		for _, v := range vs {
			if s.tenants[v] == nil {
				return nil, fieldErr(http.StatusBadRequest, "tenant",
					fmt.Sprintf("Select a valid choice. %s is not one of the available choices.", v))
			}
		}
		preds = append(preds, func(o *ipObj) bool { return o.tenant != nil && slices.Contains(vs, o.tenant.slug) })
	}
	if v := q.Get("q"); v != "" {
		lv := strings.ToLower(v)
		preds = append(preds, func(o *ipObj) bool {
			return strings.Contains(strings.ToLower(o.dnsName), lv) ||
				strings.Contains(strings.ToLower(o.description), lv) ||
				strings.HasPrefix(strings.ToLower(o.prefix.String()), lv)
		})
	}
	if vs := q["description"]; len(vs) > 0 {
		preds = append(preds, func(o *ipObj) bool { return slices.Contains(vs, o.description) })
	}
	if vs := q["description__ic"]; len(vs) > 0 {
		preds = append(preds, func(o *ipObj) bool {
			d := strings.ToLower(o.description)
			return slices.ContainsFunc(vs, func(v string) bool { return strings.Contains(d, strings.ToLower(v)) })
		})
	}
	for key, vs := range q {
		if !strings.HasPrefix(key, "cf_") || len(vs) == 0 {
			continue
		}
		name, lookup, _ := strings.Cut(strings.TrimPrefix(key, "cf_"), "__")
		def := s.cfDef(name, "ipam.ipaddress")
		if def == nil {
			continue // NetBox ignores filters on undefined custom fields
		}
		p, e := cfPredicate(def, key, lookup, vs, s.version.Major >= 4)
		if e != nil {
			return nil, e
		}
		if p != nil {
			preds = append(preds, p)
		}
	}
	return func(o *ipObj) bool {
		for _, p := range preds {
			if !p(o) {
				return false
			}
		}
		return true
	}, nil
}

var intLookups = map[string]func(a, b int64) bool{
	"":    func(a, b int64) bool { return a == b },
	"n":   func(a, b int64) bool { return a != b },
	"lt":  func(a, b int64) bool { return a < b },
	"lte": func(a, b int64) bool { return a <= b },
	"gt":  func(a, b int64) bool { return a > b },
	"gte": func(a, b int64) bool { return a >= b },
}

func cfPredicate(def *cfObj, key, lookup string, vs []string, v4 bool) (func(*ipObj) bool, *apiError) {
	if def.typ != "integer" {
		if lookup != "" {
			return nil, nil // other lookups are not emulated: ignored
		}
		return func(o *ipObj) bool {
			s := strings.ToLower(fmt.Sprint(o.cf[def.name]))
			if o.cf[def.name] == nil {
				return false
			}
			return slices.ContainsFunc(vs, func(v string) bool { return strings.Contains(s, strings.ToLower(v)) })
		}, nil
	}
	if lookup == "empty" {
		if !v4 {
			return nil, nil // NetBox 3.x ignores the lookup
		}
		want, err := strconv.ParseBool(vs[0])
		if err != nil {
			return nil, nil
		}
		return func(o *ipObj) bool { return (o.cf[def.name] == nil) == want }, nil
	}
	var nums []int64
	for _, v := range vs {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, fieldErr(http.StatusBadRequest, key, "Enter a whole number.")
		}
		nums = append(nums, n)
	}
	cmp := intLookups[lookup]
	if cmp == nil {
		return nil, nil
	}
	return func(o *ipObj) bool {
		v, ok := o.cf[def.name].(int64)
		if !ok {
			return false
		}
		if lookup == "n" {
			return !slices.Contains(nums, v)
		}
		return slices.ContainsFunc(nums, func(n int64) bool { return cmp(v, n) })
	}, nil
}

// applyPatch applies a PATCH body to a copy of o and validates the result.
func (s *Server) applyPatch(o *ipObj, raw json.RawMessage) (*ipObj, *apiError) {
	var body map[string]json.RawMessage
	if err := decode(raw, &body); err != nil {
		return nil, fieldErr(http.StatusBadRequest, "non_field_errors", "Invalid data. Expected a dictionary, but got "+jsonKind(raw)+".")
	}
	c := o.clone()
	for key, v := range body {
		var str string
		strField := func(dst *string) *apiError {
			if err := json.Unmarshal(v, &str); err != nil {
				return fieldErr(http.StatusBadRequest, key, "Not a valid string.")
			}
			*dst = str
			return nil
		}
		var e *apiError
		switch key {
		case "description":
			e = strField(&c.description)
		case "dns_name":
			e = strField(&c.dnsName)
		case "comments":
			e = strField(&c.comments)
		case "status":
			if e = strField(&c.status); e == nil && ipStatuses[c.status] == "" {
				e = fieldErr(http.StatusBadRequest, key, fmt.Sprintf("\"%s\" is not a valid choice.", c.status))
			}
		case "address":
			var addr string
			if e = strField(&addr); e == nil {
				p, err := netip.ParsePrefix(addr)
				if err != nil {
					e = fieldErr(http.StatusBadRequest, key, "Enter a valid IPv4 or IPv6 address with optional mask.")
				} else {
					c.prefix = p
				}
			}
		case "custom_fields":
			e = s.mergeCF(c, v)
		}
		if e != nil {
			return nil, e
		}
	}
	if e := s.validateCF(c); e != nil {
		return nil, e
	}
	if e := s.validateUnique(c); e != nil {
		return nil, e
	}
	c.updated = time.Now()
	return c, nil
}

// validateUnique refuses an object whose host is held by another object
// of the same table, as NetBox's IPAddress.clean() does on every save
// (ENFORCE_GLOBAL_UNIQUE and VRF enforce_unique are on by default). So an
// address duplicated in the global table makes every PATCH of either
// object fail, whatever the PATCH changes.
func (s *Server) validateUnique(c *ipObj) *apiError {
	for _, o := range s.sortedIPs() {
		if o.id == c.id || o.vrf != c.vrf || o.prefix.Addr() != c.prefix.Addr() {
			continue
		}
		table := "global table"
		if c.vrf != nil {
			table = "VRF " + c.vrf.name
		}
		return fieldErr(http.StatusBadRequest, "address", fmt.Sprintf("Duplicate IP address found in %s: %s", table, o.prefix))
	}
	return nil
}

func jsonKind(raw json.RawMessage) string {
	var v any
	_ = json.Unmarshal(raw, &v)
	switch v.(type) {
	case []any:
		return "list"
	case string:
		return "str"
	case nil:
		return "null"
	case map[string]any:
		return "dict"
	}
	return "value"
}

func (s *Server) mergeCF(c *ipObj, raw json.RawMessage) *apiError {
	var m map[string]any
	if err := decode(raw, &m); err != nil || m == nil {
		return fieldErr(http.StatusBadRequest, "custom_fields",
			"Invalid data format. Custom field data must be passed as a dictionary mapping field names to their values.")
	}
	for name, v := range m {
		if s.cfDef(name, "ipam.ipaddress") == nil {
			switch {
			case s.version.Major < 4:
				return fieldErr(http.StatusBadRequest, "__all__", fmt.Sprintf("Unknown field name '%s' in custom field data.", name))
			case s.version.AtLeast(4, 5, 8):
				return &apiError{status: http.StatusBadRequest, body: map[string]any{"custom_fields": map[string]any{
					name: []string{fmt.Sprintf("Custom field '%s' does not exist for this object type.", name)},
				}}}
			}
			continue // NetBox 4.0 to 4.5.7 drop it silently
		}
		c.cf[name] = v
	}
	return nil
}

// validateCF validates all custom field values like NetBox's model clean().
func (s *Server) validateCF(c *ipObj) *apiError {
	for _, d := range s.cfs {
		if !slices.Contains(d.objectTypes, "ipam.ipaddress") {
			continue
		}
		v := c.cf[d.name]
		if v == nil || v == "" {
			if d.required {
				return fieldErr(http.StatusBadRequest, "__all__", fmt.Sprintf("Missing required custom field '%s'.", d.name))
			}
			continue
		}
		msg := ""
		switch d.typ {
		case "integer":
			n, ok := asInt(v)
			switch {
			case !ok:
				msg = "Value must be an integer."
			case d.min != nil && n < *d.min:
				msg = fmt.Sprintf("Value must be at least %s", s.limitText(*d.min))
			case d.max != nil && n > *d.max:
				msg = fmt.Sprintf("Value must not exceed %s", s.limitText(*d.max))
			default:
				c.cf[d.name] = n
			}
		case "text", "longtext", "url":
			if _, ok := v.(string); !ok {
				msg = "Value must be a string."
			}
		case "boolean":
			if _, ok := v.(bool); !ok {
				msg = "Value must be true or false."
			}
		}
		if msg != "" {
			return fieldErr(http.StatusBadRequest, "__all__", fmt.Sprintf("Invalid value for custom field '%s': %s", d.name, msg))
		}
	}
	return nil
}

// limitText renders a validation limit: NetBox 4.4 stores limits as
// decimals ("60.0000").
func (s *Server) limitText(n int64) string {
	if s.version.AtLeast(4, 4, 0) {
		return fmt.Sprintf("%d.0000", n)
	}
	return strconv.FormatInt(n, 10)
}

// asInt accepts JSON integers only (Python's type(value) is int).
func asInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case int:
		return int64(n), true
	case json.Number:
		if strings.ContainsAny(string(n), ".eE") {
			return 0, false
		}
		i, err := n.Int64()
		return i, err == nil
	}
	return 0, false
}

func (s *Server) patchIP(base string, id int64, body []byte) (any, *apiError) {
	o := s.ips[id]
	if o == nil {
		return nil, s.notFound()
	}
	c, e := s.applyPatch(o, body)
	if e != nil {
		return nil, e
	}
	s.ips[id] = c
	s.changes[id]++
	return s.renderIP(base, c), nil
}

// bulkPatchIPs updates a list of objects in one transaction, as NetBox's
// bulk_update does: items are keyed by id (the last item of a repeated id
// wins, applied to the stored object), unknown ids are skipped, every
// object is validated as a whole and one failure stores nothing; the
// answer lists the objects in the default (address) order.
func (s *Server) bulkPatchIPs(base string, body []byte) (any, *apiError) {
	var items []json.RawMessage
	if err := decode(body, &items); err != nil {
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, detail(http.StatusBadRequest, "JSON parse error - "+err.Error())
		}
		return nil, fieldErr(http.StatusBadRequest, "non_field_errors",
			fmt.Sprintf("Expected a list of items but got type \"%s\".", jsonKind(body)))
	}
	ids := make([]int64, len(items))
	errs := make([]any, len(items))
	bad, stringID := false, false
	for i, raw := range items {
		errs[i] = map[string]any{}
		var head struct {
			ID json.RawMessage `json:"id"`
		}
		if err := decode(raw, &head); err != nil || len(head.ID) == 0 || string(head.ID) == "null" {
			errs[i], bad = map[string]any{"id": []string{"This field is required."}}, true
			continue
		}
		var str string
		if json.Unmarshal(head.ID, &str) == nil {
			// DRF accepts "36" as an integer, but NetBox then looks the
			// data up by the string and finds none.
			if id, err := strconv.ParseInt(str, 10, 64); err == nil {
				ids[i], stringID = id, stringID || s.ips[id] != nil
				continue
			}
			errs[i], bad = map[string]any{"id": []string{"A valid integer is required."}}, true
			continue
		}
		id, ok := asInt(json.Number(head.ID))
		if !ok {
			errs[i], bad = map[string]any{"id": []string{"A valid integer is required."}}, true
			continue
		}
		ids[i] = id
	}
	if bad {
		return nil, &apiError{status: http.StatusBadRequest, body: errs}
	}
	if stringID {
		return nil, fieldErr(http.StatusBadRequest, "non_field_errors", "No data provided")
	}
	last := map[int64]json.RawMessage{}
	for i, raw := range items {
		last[ids[i]] = raw
	}
	updated := map[int64]*ipObj{}
	stored := map[int64]*ipObj{}
	for _, o := range s.sortedIPs() {
		raw, ok := last[o.id]
		if !ok {
			continue
		}
		c, e := s.applyPatch(o, raw)
		if e != nil {
			for id, orig := range stored { // the transaction rolls back
				s.ips[id] = orig
			}
			return nil, e
		}
		updated[o.id], stored[o.id] = c, o
		s.ips[o.id] = c // later objects are validated against it, as in the transaction
	}
	out := []any{}
	for _, o := range s.sortedIPs() {
		if c, ok := updated[o.id]; ok {
			s.changes[o.id]++
			out = append(out, s.renderIP(base, c))
		}
	}
	return out, nil
}
