package netbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"regexp"
	"slices"
	"strings"

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
	return &Backend{c: c, cfg: cfg, log: c.logger}, nil
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

// checkFields returns the existing definitions of the named fields and an
// error when some are missing (or, with integer, not integers).
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
	for _, n := range names {
		cf, ok := have[n]
		switch {
		case !ok:
			e.Missing = append(e.Missing, n)
		case integer && cf.Type.Value != "integer":
			e.WrongType = append(e.WrongType, n)
		}
	}
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
		out = append(out, strings.TrimSpace(m[1]))
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

// Target implements [netbackend.Targeter]: the NetBox URL.
func (b *Backend) Target() string { return b.c.base.Redacted() }

// CustomerIPs returns the IP addresses of each customer, exact matches only.
// It queries NetBox with filters on chunks of customers, or lists all IP
// addresses once (few fields) when that takes fewer requests. An address
// that NetBox also holds as an object of another owner (another {code:X},
// tenant or customer field) is a conflict: left out, and reported.
func (b *Backend) CustomerIPs(ctx context.Context, customers []string) (netbackend.Lookup, error) {
	ips, err := b.customerIPs(ctx, customers)
	if err != nil {
		return netbackend.Lookup{}, err
	}
	out := netbackend.Lookup{IPs: map[string][]netip.Addr{}}
	var all []netip.Addr
	for _, list := range ips {
		all = append(all, list...)
	}
	objs, err := b.readAddrs(ctx, all)
	if err != nil {
		return netbackend.Lookup{}, err
	}
	contested := map[netip.Addr]*netbackend.Conflict{}
	for a, list := range objs {
		var owners, at []string
		for _, o := range list {
			own := b.owners(o)
			if len(own) > 0 {
				at = append(at, fmt.Sprintf("netbox ip-address %d", o.ID))
			}
			for _, w := range own {
				if !slices.Contains(owners, w) {
					owners = append(owners, w)
				}
			}
		}
		if len(owners) > 1 {
			slices.Sort(owners)
			contested[a] = &netbackend.Conflict{IP: a, Customers: owners, Where: at}
		}
	}
	codes := uniqueCodes(customers)
	reported := map[netip.Addr]bool{}
	for _, c := range codes {
		for _, a := range ips[c] {
			if conf := contested[a]; conf != nil {
				if !reported[a] {
					reported[a] = true
					out.Conflicts = append(out.Conflicts, *conf)
				}
				continue
			}
			out.IPs[c] = append(out.IPs[c], a)
		}
	}
	return out, nil
}

// owners returns the owners an IP address object names: the codes of its
// {code:X} tokens, its tenant (name, else slug) or its customer field.
func (b *Backend) owners(ip IPAddress) []string {
	switch b.cfg.Lookup {
	case LookupTenant:
		if ip.Tenant == nil {
			return nil
		}
		if ip.Tenant.Name != "" {
			return []string{ip.Tenant.Name}
		}
		return []string{ip.Tenant.Slug}
	case LookupCustomField:
		if v := strings.TrimSpace(ip.CustomFields.String(b.cfg.LookupField)); v != "" {
			return []string{v}
		}
		return nil
	default:
		var out []string
		for _, c := range descriptionCodes(ip.Description) {
			if c != "" && !slices.Contains(out, c) {
				out = append(out, c)
			}
		}
		return out
	}
}

// owns reports whether the IP address object belongs to customer code.
func (b *Backend) owns(ip IPAddress, code string) bool {
	if b.cfg.Lookup == LookupTenant {
		return ip.Tenant != nil && ip.Tenant.Slug == TenantSlug(code)
	}
	return slices.Contains(b.owners(ip), strings.TrimSpace(code))
}

// Blocked implements [netbackend.Backend]: one listing of every IP address
// object, keeping those held as blocked ([netbackend.IsBlocked]).
func (b *Backend) Blocked(ctx context.Context) ([]netbackend.BlockedEntry, error) {
	var out []netbackend.BlockedEntry
	err := b.each(ctx, IPAddressFilter{Fields: []string{"id", "address", "description", "tenant", "custom_fields"}}, func(ip IPAddress) {
		a, ok := hostAddr(ip.Address)
		if !ok {
			return
		}
		speed, orig, err := b.speeds(ip)
		if err != nil || !netbackend.IsBlocked(speed, orig) {
			return
		}
		e := netbackend.BlockedEntry{IP: a, Speed: speed, OriginalSpeed: orig, Where: fmt.Sprintf("netbox ip-address %d", ip.ID)}
		owners := b.owners(ip)
		if len(owners) == 0 {
			out = append(out, e)
		}
		for _, w := range owners {
			e.Customer = w
			out = append(out, e)
		}
	})
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(out, func(x, y netbackend.BlockedEntry) int {
		if c := strings.Compare(x.Customer, y.Customer); c != 0 {
			return c
		}
		return x.IP.Compare(y.IP)
	})
	return out, nil
}

// customerIPs is the lookup of [Backend.CustomerIPs] before conflicts.
func (b *Backend) customerIPs(ctx context.Context, customers []string) (map[string][]netip.Addr, error) {
	codes := uniqueCodes(customers)
	out := map[string][]netip.Addr{}
	if len(codes) == 0 {
		return out, nil
	}
	if b.cfg.Lookup == LookupCustomField {
		if _, err := b.checkFields(ctx, []string{b.cfg.LookupField}, false); err != nil {
			return nil, err
		}
	}
	match := b.matcher(codes)
	seen := map[string]map[netip.Addr]bool{}
	add := func(ip IPAddress) {
		addr, ok := hostAddr(ip.Address)
		if !ok {
			return
		}
		for _, code := range match(ip) {
			if seen[code] == nil {
				seen[code] = map[netip.Addr]bool{}
			}
			if !seen[code][addr] {
				seen[code][addr] = true
				out[code] = append(out[code], addr)
			}
		}
	}
	fields := []string{"id", "address", "description", "tenant", "custom_fields"}
	scan, err := b.shouldScan(ctx, len(codes))
	if err != nil {
		return nil, err
	}
	if scan {
		for ip, err := range b.c.IPAddresses(ctx, IPAddressFilter{Fields: fields}) {
			if err != nil {
				return nil, fmt.Errorf("netbox: list IP addresses: %w", err)
			}
			add(ip)
		}
		return out, nil
	}
	for chunk := range slices.Chunk(codes, b.cfg.QueryChunk) {
		if err := b.queryCustomers(ctx, chunk, fields, add); err != nil {
			return nil, err
		}
	}
	return out, nil
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

// matcher returns the requested customer codes an IP address belongs to.
func (b *Backend) matcher(codes []string) func(IPAddress) []string {
	want := map[string]bool{}
	for _, c := range codes {
		want[c] = true
	}
	switch b.cfg.Lookup {
	case LookupTenant:
		bySlug := map[string][]string{}
		for _, c := range codes {
			bySlug[TenantSlug(c)] = append(bySlug[TenantSlug(c)], c)
		}
		return func(ip IPAddress) []string {
			if ip.Tenant == nil {
				return nil
			}
			return bySlug[ip.Tenant.Slug]
		}
	case LookupCustomField:
		return func(ip IPAddress) []string {
			if v := strings.TrimSpace(ip.CustomFields.String(b.cfg.LookupField)); want[v] {
				return []string{v}
			}
			return nil
		}
	default:
		return func(ip IPAddress) []string {
			var out []string
			for _, c := range descriptionCodes(ip.Description) {
				if want[c] && !slices.Contains(out, c) {
					out = append(out, c)
				}
			}
			return out
		}
	}
}

// queryCustomers runs the filtered queries of one chunk of customer codes.
func (b *Backend) queryCustomers(ctx context.Context, codes, fields []string, add func(IPAddress)) error {
	f := IPAddressFilter{Fields: fields}
	switch b.cfg.Lookup {
	case LookupTenant:
		for _, c := range codes {
			if s := TenantSlug(c); s != "" && !slices.Contains(f.Tenant, s) {
				f.Tenant = append(f.Tenant, s)
			}
		}
		if len(f.Tenant) == 0 {
			return nil
		}
	case LookupCustomField:
		f.CustomFields = map[string][]string{b.cfg.LookupField: codes}
	default:
		for _, c := range codes {
			f.DescriptionIC = append(f.DescriptionIC, "{code:"+c+"}")
		}
	}
	err := b.each(ctx, f, add)
	var apiErr *APIError
	if b.cfg.Lookup == LookupTenant && errors.As(err, &apiErr) && apiErr.StatusCode == 400 && apiErr.Fields["tenant"] != nil {
		// NetBox rejects the whole query when one slug is unknown: ask per
		// slug and treat an unknown slug as a customer without IPs.
		if len(f.Tenant) == 1 {
			return nil
		}
		for _, s := range f.Tenant {
			one := f
			one.Tenant = []string{s}
			err := b.each(ctx, one, add)
			if errors.As(err, &apiErr) && apiErr.StatusCode == 400 && apiErr.Fields["tenant"] != nil {
				continue
			}
			if err != nil {
				return err
			}
		}
		return nil
	}
	return err
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

// shouldScan reports whether listing all IP addresses takes fewer requests
// than n filter values in chunks of QueryChunk.
func (b *Backend) shouldScan(ctx context.Context, n int) (bool, error) {
	if b.cfg.ScanThreshold < 0 || n <= b.cfg.ScanThreshold {
		return false, nil
	}
	total, err := b.c.CountIPAddresses(ctx, IPAddressFilter{})
	if err != nil {
		return false, fmt.Errorf("netbox: count IP addresses: %w", err)
	}
	pages := (total + 999) / 1000
	queries := (n + b.cfg.QueryChunk - 1) / b.cfg.QueryChunk
	b.log.DebugContext(ctx, "netbox lookup plan", "values", n, "ips", total, "scan_pages", pages, "queries", queries)
	return pages < queries, nil
}

// readAddrs reads the IP address objects of the given hosts (every object
// whose host part matches, whatever its mask or VRF).
func (b *Backend) readAddrs(ctx context.Context, addrs []netip.Addr) (map[netip.Addr][]IPAddress, error) {
	out := map[netip.Addr][]IPAddress{}
	want := map[netip.Addr]bool{}
	var list []string
	for _, a := range addrs {
		a = a.Unmap()
		if !want[a] {
			want[a] = true
			list = append(list, a.String())
		}
	}
	if len(list) == 0 {
		return out, nil
	}
	add := func(ip IPAddress) {
		if a, ok := hostAddr(ip.Address); ok && want[a] {
			out[a] = append(out[a], ip)
		}
	}
	fields := []string{"id", "address", "description", "tenant", "custom_fields"}
	scan, err := b.shouldScan(ctx, len(list))
	if err != nil {
		return nil, err
	}
	if scan {
		return out, b.each(ctx, IPAddressFilter{Fields: fields}, add)
	}
	for chunk := range slices.Chunk(list, b.cfg.QueryChunk) {
		if err := b.each(ctx, IPAddressFilter{Address: chunk, Fields: fields}, add); err != nil {
			return nil, err
		}
	}
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

// State reads the current state of the given IPs. When NetBox holds several
// objects for one IP (for example in different VRFs), the first one counts.
func (b *Backend) State(ctx context.Context, ips []netip.Addr) (map[netip.Addr]netbackend.IPState, error) {
	objs, err := b.readAddrs(ctx, ips)
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
