package netbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spoje-net/isptools/netbackend"
)

// ErrMissingCustomField matches a [*MissingCustomFieldsError].
var ErrMissingCustomField = errors.New("netbox: custom field missing")

// MissingCustomFieldsError says which custom fields are not defined (or not
// usable) on ipam.ipaddress and how to create them.
type MissingCustomFieldsError struct {
	// Missing lists fields that are not defined for ipam.ipaddress.
	Missing []string
	// WrongType lists fields that exist but are not of type integer.
	WrongType []string
}

// Error explains the problem and how to fix it.
func (e *MissingCustomFieldsError) Error() string {
	var parts []string
	if len(e.Missing) > 0 {
		parts = append(parts, fmt.Sprintf("custom field(s) %s not defined for %s", quoteAll(e.Missing), ObjectTypeIPAddress))
	}
	if len(e.WrongType) > 0 {
		parts = append(parts, fmt.Sprintf("custom field(s) %s are not of type integer", quoteAll(e.WrongType)))
	}
	return "netbox: " + strings.Join(parts, "; ") +
		`; create them as integer custom fields on IPAM > IP Address (NetBox UI: Customization > Custom Fields, ` +
		`or POST /api/extras/custom-fields/ {"name": "<name>", "type": "integer", "object_types": ["ipam.ipaddress"]}), ` +
		`or call Backend.EnsureCustomFields`
}

// Is matches ErrMissingCustomField.
func (e *MissingCustomFieldsError) Is(target error) bool { return target == ErrMissingCustomField }

func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}

// Backend is the NetBox network backend; it implements netbackend.Backend.
type Backend struct {
	c   *Client
	cfg BackendConfig
	log *slog.Logger

	mu       sync.Mutex
	fieldsAt map[string]time.Time    // custom fields last found usable, by name
	reads    map[netip.Addr]hostRead // every object at a host, as last read
	total    int                     // number of IP objects in NetBox (-1 unknown)
	totalAt  time.Time               // when total was read
	now      func() time.Time        // clock (tests)
}

// hostRead is every IP object NetBox held at one host address when read.
type hostRead struct {
	objs []IPAddress
	at   time.Time
}

var _ netbackend.Backend = (*Backend)(nil)

// NewBackend returns a backend using the client; zero config fields take defaults.
func NewBackend(c *Client, cfg BackendConfig) (*Backend, error) {
	if c == nil {
		return nil, errors.New("netbox: NewBackend: nil client")
	}
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	return &Backend{c: c, cfg: cfg, log: c.logger, fieldsAt: map[string]time.Time{},
		reads: map[netip.Addr]hostRead{}, total: -1, now: time.Now}, nil
}

// Config returns the effective configuration (defaults filled in).
func (b *Backend) Config() BackendConfig { return b.cfg }

// Name returns "netbox".
func (b *Backend) Name() string { return "netbox" }

// CheckCustomFields verifies that the speed and original-speed fields exist
// as integer custom fields on ipam.ipaddress. The error matches
// [ErrMissingCustomField] and says how to create them.
func (b *Backend) CheckCustomFields(ctx context.Context) error {
	_, err := b.checkFields(ctx, []string{b.cfg.SpeedField, b.cfg.OrigSpeedField}, true)
	return err
}

// speedFields checks the speed fields, trusting a check younger than
// ReuseReads.
func (b *Backend) speedFields(ctx context.Context) error {
	names := []string{b.cfg.SpeedField, b.cfg.OrigSpeedField}
	if b.fresh(names...) {
		return nil
	}
	_, err := b.checkFields(ctx, names, true)
	return err
}

// fresh reports whether every named field was found usable within ReuseReads.
func (b *Backend) fresh(names ...string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, n := range names {
		at, ok := b.fieldsAt[n]
		if !ok || b.cfg.ReuseReads <= 0 || b.now().Sub(at) > b.cfg.ReuseReads {
			return false
		}
	}
	return true
}

// checkFields returns the existing definitions of the named fields and an
// error when some are missing (or, with integer, not integers). The
// models of a field are "object_types" on NetBox 4.x and "content_types"
// on 3.x; both are understood.
func (b *Backend) checkFields(ctx context.Context, names []string, integer bool) (map[string]CustomField, error) {
	have := map[string]CustomField{}
	for cf, err := range b.c.CustomFields(ctx, CustomFieldFilter{Name: names, ObjectType: ObjectTypeIPAddress}) {
		if err != nil {
			return nil, fmt.Errorf("netbox: check custom fields: %w", err)
		}
		// The filters are not trusted: NetBox ignores unknown parameters.
		if slices.Contains(names, cf.Name) && slices.Contains(cf.ObjectTypes, ObjectTypeIPAddress) {
			have[cf.Name] = cf
		}
	}
	var e MissingCustomFieldsError
	now := b.now()
	b.mu.Lock()
	for _, n := range names {
		cf, ok := have[n]
		switch {
		case !ok:
			e.Missing = append(e.Missing, n)
		case integer && cf.Type.Value != "integer":
			e.WrongType = append(e.WrongType, n)
		default:
			b.fieldsAt[n] = now
		}
	}
	b.mu.Unlock()
	if len(e.Missing)+len(e.WrongType) > 0 {
		return have, &e
	}
	return have, nil
}

// EnsureCustomFields creates the speed and original-speed custom fields
// (type integer, on ipam.ipaddress) when they are missing, and returns the
// ones it created.
func (b *Backend) EnsureCustomFields(ctx context.Context) ([]CustomField, error) {
	names := []string{b.cfg.SpeedField, b.cfg.OrigSpeedField}
	have, err := b.checkFields(ctx, names, true)
	var missing *MissingCustomFieldsError
	if err != nil && !errors.As(err, &missing) {
		return nil, err
	}
	if missing != nil && len(missing.WrongType) > 0 {
		return nil, err
	}
	labels := map[string]string{b.cfg.SpeedField: "Speed", b.cfg.OrigSpeedField: "Speed before block"}
	var created []CustomField
	for _, n := range names {
		if _, ok := have[n]; ok {
			continue
		}
		cf, err := b.c.CreateCustomField(ctx, CustomFieldRequest{
			Name: n, Label: labels[n], Type: "integer", ObjectTypes: []string{ObjectTypeIPAddress},
			Description: "Managed by isptools (block/unblock of customers)",
		})
		if err != nil {
			return created, fmt.Errorf("netbox: create custom field %q: %w", n, err)
		}
		created = append(created, cf)
	}
	return created, nil
}

var codeToken = regexp.MustCompile(`\{code:([^}]*)\}`)

// descriptionCodes returns the customer codes of the {code:X} tokens.
func descriptionCodes(desc string) []string {
	var out []string
	for _, m := range codeToken.FindAllStringSubmatch(desc, -1) {
		if c := strings.TrimSpace(m[1]); c != "" && !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}

// hostAddr returns the host address of a NetBox "a.b.c.d/len" address.
func hostAddr(s string) (netip.Addr, bool) {
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Addr().Unmap(), true
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap(), true
	}
	return netip.Addr{}, false
}

// readFields are the fields every IP read asks for: enough to know the
// owner and the speeds of an object (NetBox 3.x ignores fields= and sends
// whole objects).
var readFields = []string{"id", "address", "description", "tenant", "custom_fields"}

// owners returns who an IP object belongs to under the configured lookup:
// the customer codes of its {code:X} tokens, the value of the lookup
// custom field, or its tenant ("tenant:<id>"; see ownerName).
func (b *Backend) owners(ip IPAddress) []string {
	switch b.cfg.Lookup {
	case LookupTenant:
		if ip.Tenant == nil || ip.Tenant.ID == 0 {
			return nil
		}
		return []string{tenantKey(ip.Tenant.ID)}
	case LookupCustomField:
		if v := strings.TrimSpace(ip.CustomFields.String(b.cfg.LookupField)); v != "" {
			return []string{v}
		}
		return nil
	default:
		return descriptionCodes(ip.Description)
	}
}

func tenantKey(id int64) string { return "tenant:" + strconv.FormatInt(id, 10) }

// matchesTenant reports whether a tenant belongs to the customer code:
// its slug as stored or its name is exactly the code. A slug computed
// from the code is never used, since several codes share one ("A.1",
// "A-1" and "A 1" all slugify to "a-1").
func matchesTenant(t *Ref, code string) bool {
	return t != nil && (t.Slug == code || t.Name == code)
}

// ownedBy reports whether the object belongs to the customer code.
func (b *Backend) ownedBy(ip IPAddress, code string) bool {
	if b.cfg.Lookup == LookupTenant {
		return matchesTenant(ip.Tenant, code)
	}
	return slices.Contains(b.owners(ip), code)
}

// CustomerIPs returns the IP addresses of each customer, exact matches
// only, and the conflicts among them: an IP whose objects belong to more
// than one customer (two {code:X} tokens, objects of one host in two VRFs
// or with two masks owned by different customers), and, with the tenant
// lookup, a code that names several tenants (one by slug, another by
// name). Conflicting IPs are left out of Lookup.IPs.
//
// It queries NetBox with filters on chunks of customers, or lists all IP
// addresses once when that takes fewer requests; either way it then knows
// every object at the customers' hosts, and a following Apply reuses what
// it read (see BackendConfig.ReuseReads).
func (b *Backend) CustomerIPs(ctx context.Context, customers []string) (netbackend.Lookup, error) {
	codes := uniqueCodes(customers)
	out := netbackend.Lookup{IPs: map[string][]netip.Addr{}}
	if len(codes) == 0 {
		return out, nil
	}
	if b.cfg.Lookup == LookupCustomField && !b.fresh(b.cfg.LookupField) {
		if _, err := b.checkFields(ctx, []string{b.cfg.LookupField}, false); err != nil {
			return out, err
		}
	}
	var tenants map[string][]Tenant // code -> tenants matching it
	if b.cfg.Lookup == LookupTenant {
		var err error
		if tenants, err = b.tenantsOf(ctx, codes); err != nil {
			return out, err
		}
	}
	scan, err := b.shouldScan(ctx, len(codes))
	if err != nil {
		return out, err
	}
	byHost := map[netip.Addr][]IPAddress{}
	if scan {
		if err := b.each(ctx, IPAddressFilter{Fields: readFields}, func(ip IPAddress) {
			if a, ok := hostAddr(ip.Address); ok {
				byHost[a] = append(byHost[a], ip)
			}
		}); err != nil {
			return out, err
		}
		b.setTotal(countObjs(byHost))
	} else {
		hosts := map[netip.Addr]bool{}
		for chunk := range slices.Chunk(codes, b.cfg.QueryChunk) {
			if err := b.queryCustomers(ctx, chunk, tenants, func(ip IPAddress) {
				if a, ok := hostAddr(ip.Address); ok {
					hosts[a] = true
				}
			}); err != nil {
				return out, err
			}
		}
		// Every object at those hosts, whoever it belongs to: for the
		// conflicts, and for Apply to reuse.
		list := slices.SortedFunc(maps.Keys(hosts), netip.Addr.Compare)
		if byHost, err = b.readHosts(ctx, list, false); err != nil {
			return out, err
		}
	}
	now := b.now()
	b.mu.Lock()
	for a, objs := range byHost {
		b.reads[a] = hostRead{objs: objs, at: now}
	}
	b.mu.Unlock()
	return b.resolve(codes, tenants, byHost), nil
}

func countObjs(byHost map[netip.Addr][]IPAddress) int {
	n := 0
	for _, objs := range byHost {
		n += len(objs)
	}
	return n
}

// resolve turns the objects at the hosts into the lookup of the codes.
func (b *Backend) resolve(codes []string, tenants map[string][]Tenant, byHost map[netip.Addr][]IPAddress) netbackend.Lookup {
	out := netbackend.Lookup{IPs: map[string][]netip.Addr{}}
	asked := map[string][]string{} // owner key -> asked codes it stands for
	excluded := map[string]bool{}  // codes with an owner conflict
	for _, code := range codes {
		switch {
		case b.cfg.Lookup != LookupTenant:
			asked[code] = append(asked[code], code)
		case len(tenants[code]) > 1:
			excluded[code] = true
			var where []string
			for _, t := range tenants[code] {
				where = append(where, fmt.Sprintf("netbox tenant %d (name %q, slug %q)", t.ID, t.Name, t.Slug))
			}
			out.Conflicts = append(out.Conflicts, netbackend.Conflict{Customers: []string{code}, Where: where})
		case len(tenants[code]) == 1:
			k := tenantKey(tenants[code][0].ID)
			asked[k] = append(asked[k], code)
		}
	}
	for _, host := range slices.SortedFunc(maps.Keys(byHost), netip.Addr.Compare) {
		claim := map[string]bool{} // customers claiming the host
		var where []string
		mine := false
		for _, ip := range byHost[host] {
			keys := b.owners(ip)
			if len(keys) == 0 {
				continue
			}
			where = append(where, fmt.Sprintf("netbox ip-address %d", ip.ID))
			for _, k := range keys {
				if cs, ok := asked[k]; ok {
					mine = true
					for _, c := range cs {
						claim[c] = true
					}
					continue
				}
				claim[b.ownerName(k, ip)] = true
			}
		}
		if !mine {
			continue
		}
		who := slices.Sorted(maps.Keys(claim))
		if len(who) > 1 {
			out.Conflicts = append(out.Conflicts, netbackend.Conflict{IP: host, Customers: who, Where: where})
			continue
		}
		if c := who[0]; !excluded[c] {
			out.IPs[c] = append(out.IPs[c], host)
		}
	}
	return out
}

// ownerName names an owner key for a conflict report: the code itself, or
// the tenant's name.
func (b *Backend) ownerName(key string, ip IPAddress) string {
	if strings.HasPrefix(key, "tenant:") && ip.Tenant != nil {
		return ip.Tenant.Name
	}
	return key
}

func uniqueCodes(customers []string) []string {
	var codes []string
	seen := map[string]bool{}
	for _, c := range customers {
		c = strings.TrimSpace(c)
		if c != "" && !seen[c] {
			seen[c] = true
			codes = append(codes, c)
		}
	}
	return codes
}

// tenantsOf finds the tenants each code names exactly (by slug or name):
// by filtered queries for a few codes, or by listing all tenants.
func (b *Backend) tenantsOf(ctx context.Context, codes []string) (map[string][]Tenant, error) {
	out := map[string][]Tenant{}
	seen := map[string]map[int64]bool{}
	add := func(t Tenant) {
		for _, code := range []string{t.Slug, t.Name} {
			if !slices.Contains(codes, code) || seen[code][t.ID] {
				continue
			}
			if seen[code] == nil {
				seen[code] = map[int64]bool{}
			}
			seen[code][t.ID] = true
			out[code] = append(out[code], t)
		}
	}
	each := func(f TenantFilter) error {
		for t, err := range b.c.Tenants(ctx, f) {
			if err != nil {
				return fmt.Errorf("netbox: list tenants: %w", err)
			}
			add(t)
		}
		return nil
	}
	if b.cfg.ScanThreshold >= 0 && len(codes) > b.cfg.ScanThreshold {
		return out, each(TenantFilter{})
	}
	for chunk := range slices.Chunk(codes, b.cfg.QueryChunk) {
		if err := each(TenantFilter{Slug: chunk}); err != nil {
			return nil, err
		}
		if err := each(TenantFilter{Name: chunk}); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// queryCustomers runs the filtered query of one chunk of customer codes.
// The server-side filters are loose (description__ic contains, text custom
// fields match case-insensitively); the exact match is made on the answer.
func (b *Backend) queryCustomers(ctx context.Context, codes []string, tenants map[string][]Tenant, add func(IPAddress)) error {
	f := IPAddressFilter{Fields: readFields}
	switch b.cfg.Lookup {
	case LookupTenant:
		for _, c := range codes {
			for _, t := range tenants[c] {
				if !slices.Contains(f.TenantID, t.ID) {
					f.TenantID = append(f.TenantID, t.ID)
				}
			}
		}
		if len(f.TenantID) == 0 {
			return nil
		}
	case LookupCustomField:
		f.CustomFields = map[string][]string{b.cfg.LookupField: codes}
	default:
		for _, c := range codes {
			f.DescriptionIC = append(f.DescriptionIC, "{code:"+c+"}")
		}
	}
	return b.each(ctx, f, func(ip IPAddress) {
		for _, c := range codes {
			if b.ownedBy(ip, c) {
				add(ip)
				return
			}
		}
	})
}

func (b *Backend) each(ctx context.Context, f IPAddressFilter, fn func(IPAddress)) error {
	for ip, err := range b.c.IPAddresses(ctx, f) {
		if err != nil {
			return fmt.Errorf("netbox: list IP addresses: %w", err)
		}
		fn(ip)
	}
	return nil
}

func (b *Backend) setTotal(n int) {
	b.mu.Lock()
	b.total, b.totalAt = n, b.now()
	b.mu.Unlock()
}

// shouldScan reports whether listing all IP addresses takes fewer requests
// than n filter values in chunks of QueryChunk. The number of IP objects
// comes from the last full listing when younger than ReuseReads, else from
// a one-row count request.
func (b *Backend) shouldScan(ctx context.Context, n int) (bool, error) {
	if b.cfg.ScanThreshold < 0 || n <= b.cfg.ScanThreshold {
		return false, nil
	}
	b.mu.Lock()
	total := b.total
	if b.cfg.ReuseReads <= 0 || b.now().Sub(b.totalAt) > b.cfg.ReuseReads {
		total = -1
	}
	b.mu.Unlock()
	if total < 0 {
		var err error
		if total, err = b.c.CountIPAddresses(ctx, IPAddressFilter{}); err != nil {
			return false, fmt.Errorf("netbox: count IP addresses: %w", err)
		}
		b.setTotal(total)
	}
	pages := (total + 999) / 1000
	queries := (n + b.cfg.QueryChunk - 1) / b.cfg.QueryChunk
	b.log.DebugContext(ctx, "netbox lookup plan", "values", n, "ips", total, "scan_pages", pages, "queries", queries)
	return pages < queries, nil
}

// readHosts reads every IP object at the given hosts (whatever its mask
// or VRF), by address filters in chunks or by listing all IP addresses
// when that takes fewer requests. With reuse, hosts read within
// ReuseReads are answered from memory. What it reads is remembered.
func (b *Backend) readHosts(ctx context.Context, hosts []netip.Addr, reuse bool) (map[netip.Addr][]IPAddress, error) {
	out := map[netip.Addr][]IPAddress{}
	want := map[netip.Addr]bool{}
	var missing []string
	now := b.now()
	b.mu.Lock()
	for _, a := range hosts {
		a = a.Unmap()
		if want[a] {
			continue
		}
		want[a] = true
		if r, ok := b.reads[a]; reuse && ok && b.cfg.ReuseReads > 0 && now.Sub(r.at) <= b.cfg.ReuseReads {
			out[a] = r.objs
			continue
		}
		missing = append(missing, a.String())
	}
	b.mu.Unlock()
	if len(missing) == 0 {
		return out, nil
	}
	got := map[netip.Addr][]IPAddress{}
	add := func(ip IPAddress) {
		if a, ok := hostAddr(ip.Address); ok && want[a] {
			got[a] = append(got[a], ip)
		}
	}
	scan, err := b.shouldScan(ctx, len(missing))
	if err != nil {
		return nil, err
	}
	if scan {
		n := 0
		if err := b.each(ctx, IPAddressFilter{Fields: readFields}, func(ip IPAddress) { n++; add(ip) }); err != nil {
			return nil, err
		}
		b.setTotal(n)
	} else {
		for chunk := range slices.Chunk(missing, b.cfg.QueryChunk) {
			if err := b.each(ctx, IPAddressFilter{Address: chunk, Fields: readFields}, add); err != nil {
				return nil, err
			}
		}
	}
	at := b.now()
	b.mu.Lock()
	for _, s := range missing {
		a := netip.MustParseAddr(s)
		out[a] = got[a]
		b.reads[a] = hostRead{objs: got[a], at: at}
	}
	b.mu.Unlock()
	return out, nil
}

// speeds reads the speed and original speed (-1 when unset) of an IP address.
func (b *Backend) speeds(ip IPAddress) (speed, orig int, err error) {
	speed, orig = -1, -1
	if v, ok, err := ip.CustomFields.Int(b.cfg.SpeedField); err != nil {
		return -1, -1, err
	} else if ok {
		speed = v
	}
	if v, ok, err := ip.CustomFields.Int(b.cfg.OrigSpeedField); err != nil {
		return -1, -1, err
	} else if ok {
		orig = v
	}
	return speed, orig, nil
}

// State reads the current state of the given IPs from NetBox (never from
// memory: it is the verification pass). When NetBox holds several objects
// for one IP (for example in different VRFs), the first one counts.
func (b *Backend) State(ctx context.Context, ips []netip.Addr) (map[netip.Addr]netbackend.IPState, error) {
	objs, err := b.readHosts(ctx, ips, false)
	if err != nil {
		return nil, err
	}
	out := make(map[netip.Addr]netbackend.IPState, len(ips))
	for _, a := range ips {
		st := netbackend.IPState{IP: a, Speed: -1, OriginalSpeed: -1}
		if list := objs[a.Unmap()]; len(list) > 0 {
			speed, orig, err := b.speeds(list[0])
			if err != nil {
				return nil, fmt.Errorf("netbox: IP %s (id %d): %w", a, list[0].ID, err)
			}
			st = netbackend.IPState{IP: a, Found: true, Blocked: speed == 0, Speed: speed, OriginalSpeed: orig}
		}
		out[a] = st
	}
	return out, nil
}

// Blocked lists the IP objects NetBox holds as blocked: every object with
// a kept original speed (whatever its speed: cut to 0 or throttled), and
// every object at speed 0 without one (blocked by hand). It makes two
// filtered listings, cf_<orig>__gte=0 and cf_<speed>=0, paged by id, and
// checks every answer itself (NetBox 3.x ignores some custom-field
// lookups). An object is listed once per customer it belongs to (none:
// Customer is empty); with the tenant lookup the customer is the tenant's
// name.
func (b *Backend) Blocked(ctx context.Context) ([]netbackend.BlockedEntry, error) {
	if err := b.speedFields(ctx); err != nil {
		return nil, err
	}
	seen := map[int64]bool{}
	var out []netbackend.BlockedEntry
	var bad error
	add := func(ip IPAddress) {
		if seen[ip.ID] {
			return
		}
		seen[ip.ID] = true
		a, ok := hostAddr(ip.Address)
		if !ok {
			return
		}
		speed, orig, err := b.speeds(ip)
		if err != nil {
			bad = errors.Join(bad, fmt.Errorf("netbox: IP %s (id %d): %w", a, ip.ID, err))
			return
		}
		if orig < 0 && speed != 0 {
			return
		}
		who := []string{""}
		if b.cfg.Lookup == LookupTenant {
			if ip.Tenant != nil {
				who = []string{ip.Tenant.Name}
			}
		} else if keys := b.owners(ip); len(keys) > 0 {
			who = keys
		}
		for _, c := range who {
			out = append(out, netbackend.BlockedEntry{Customer: c, IP: a, Speed: speed, OriginalSpeed: orig,
				Where: fmt.Sprintf("netbox ip-address %d", ip.ID)})
		}
	}
	for _, cf := range []map[string][]string{
		{b.cfg.OrigSpeedField + "__gte": {"0"}},
		{b.cfg.SpeedField: {"0"}},
	} {
		if err := b.each(ctx, IPAddressFilter{Fields: readFields, CustomFields: cf}, add); err != nil {
			return nil, err
		}
	}
	if bad != nil {
		return nil, bad
	}
	slices.SortFunc(out, func(x, y netbackend.BlockedEntry) int {
		if c := strings.Compare(x.Customer, y.Customer); c != 0 {
			return c
		}
		if c := x.IP.Compare(y.IP); c != 0 {
			return c
		}
		return strings.Compare(x.Where, y.Where)
	})
	return out, nil
}
