package netboxtest

import (
	"encoding/json"
	"net/netip"
	"slices"
	"time"

	"github.com/spoje-net/isptools/netbox"
)

// IP describes an IP address to seed with [Server.AddIP].
type IP struct {
	// Address with prefix length, e.g. "10.0.0.1/24" (required).
	Address string
	// Status is active (default), reserved, deprecated, dhcp or slaac.
	Status      string
	Description string // description
	DNSName     string // DNS name
	Comments    string // comments
	// Tenant is a tenant slug; the tenant is created when unknown (named
	// like its slug; see AddTenant for other names).
	Tenant string
	// VRF is the name of the VRF holding the address ("" is the global
	// table); the VRF is created when unknown.
	VRF string
	// ID is the object id to use (0: the next free one), for tests that
	// mirror ids recorded from a real server.
	ID int64
	// CustomFields are stored as given (Go ints become integers); they are
	// not validated, so tests can seed bad data.
	CustomFields map[string]any
}

// CustomFieldDef describes a custom field definition to seed.
type CustomFieldDef struct {
	// ID is the object id to use (0: the next free one).
	ID    int64
	Name  string // field name (required)
	Label string // UI label
	// Type is a NetBox custom field type ("integer" when empty).
	Type string
	// ObjectTypes defaults to ["ipam.ipaddress"].
	ObjectTypes []string
	Required    bool // whether objects must set it
	// Min and Max are validation_minimum and validation_maximum of integer fields.
	Min, Max *int64
}

// AddCustomField defines a custom field and returns its id.
func (s *Server) AddCustomField(d CustomFieldDef) int64 {
	s.helper()
	if d.Type == "" {
		d.Type = "integer"
	}
	if len(d.ObjectTypes) == 0 {
		d.ObjectTypes = []string{netbox.ObjectTypeIPAddress}
	}
	if d.Name == "" || cfTypes[d.Type] == "" {
		s.fatalf("netboxtest: bad custom field %+v", d)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.newID(kindCF, d.ID)
	s.cfs = append(s.cfs, &cfObj{id: id, name: d.Name, label: d.Label, typ: d.Type, objectTypes: d.ObjectTypes,
		required: d.Required, min: d.Min, max: d.Max, created: time.Now()})
	return id
}

// Object kinds, each with its own id sequence as NetBox's tables have.
const (
	kindIP      = "ip"
	kindCF      = "cf"
	kindTenant  = "tenant"
	kindVRF     = "vrf"
	kindJournal = "journal"
)

// newID returns want (and moves the kind's id sequence past it) or the
// kind's next id.
func (s *Server) newID(kind string, want int64) int64 {
	if want <= 0 {
		s.nextID[kind]++
		return s.nextID[kind]
	}
	s.nextID[kind] = max(s.nextID[kind], want)
	return want
}

// RemoveCustomField deletes a custom field definition by name; objects
// keep no value for it. No-op for an unknown name.
func (s *Server) RemoveCustomField(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfs = slices.DeleteFunc(s.cfs, func(d *cfObj) bool { return d.name == name })
	for id, o := range s.ips {
		if _, ok := o.cf[name]; ok {
			c := o.clone()
			delete(c.cf, name)
			s.ips[id] = c
		}
	}
}

// AddTenant adds a tenant and returns its id; IP.Tenant then names it by
// its slug. An existing slug keeps its tenant.
func (s *Server) AddTenant(name, slug string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addTenant(name, slug).id
}

func (s *Server) addTenant(name, slug string) *tenant {
	if t := s.tenants[slug]; t != nil {
		return t
	}
	t := &tenant{id: s.newID(kindTenant, 0), name: name, slug: slug}
	s.tenants[slug] = t
	return t
}

// AddIP adds an IP address and returns its id. It fails the test when the
// address does not parse.
func (s *Server) AddIP(ip IP) int64 {
	s.helper()
	p, err := netip.ParsePrefix(ip.Address)
	if err != nil {
		s.fatalf("netboxtest: AddIP: %v", err)
	}
	if ip.Status == "" {
		ip.Status = "active"
	}
	if ipStatuses[ip.Status] == "" {
		s.fatalf("netboxtest: AddIP: unknown status %q", ip.Status)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if ip.ID > 0 && s.ips[ip.ID] != nil {
		s.fatalf("netboxtest: AddIP: id %d exists", ip.ID)
	}
	now := time.Now()
	o := &ipObj{id: s.newID(kindIP, ip.ID), prefix: p, status: ip.Status, dnsName: ip.DNSName, description: ip.Description,
		comments: ip.Comments, cf: map[string]any{}, created: now, updated: now}
	if ip.Tenant != "" {
		o.tenant = s.addTenant(ip.Tenant, ip.Tenant)
	}
	if ip.VRF != "" {
		if s.vrfs[ip.VRF] == nil {
			s.vrfs[ip.VRF] = &vrfObj{id: s.newID(kindVRF, 0), name: ip.VRF}
		}
		o.vrf = s.vrfs[ip.VRF]
	}
	for k, v := range ip.CustomFields {
		if n, ok := v.(int); ok {
			v = int64(n)
		}
		o.cf[k] = v
	}
	s.ips[o.id] = o
	return o.id
}

// SetCustomFields changes custom field values of a stored IP address
// without validation (nil clears), as an operator editing NetBox would;
// it is not counted by ChangeCount. It fails the test for an unknown id.
func (s *Server) SetCustomFields(id int64, values map[string]any) {
	s.helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.ips[id]
	if o == nil {
		s.fatalf("netboxtest: SetCustomFields: no IP address %d", id)
	}
	c := o.clone()
	for k, v := range values {
		if n, ok := v.(int); ok {
			v = int64(n)
		}
		c.cf[k] = v
	}
	c.updated = time.Now()
	s.ips[id] = c
}

// DeleteIP removes a stored IP address (no-op for an unknown id).
func (s *Server) DeleteIP(id int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.ips, id)
}

// IP returns the stored IP address with the given id as the client type.
func (s *Server) IP(id int64) (netbox.IPAddress, bool) {
	s.helper()
	s.mu.Lock()
	o := s.ips[id]
	var m map[string]any
	if o != nil {
		m = s.renderIP(s.URL, o)
	}
	s.mu.Unlock()
	if o == nil {
		return netbox.IPAddress{}, false
	}
	var ip netbox.IPAddress
	s.convert(m, &ip)
	return ip, true
}

// IPs returns all stored IP addresses, by id.
func (s *Server) IPs() []netbox.IPAddress {
	s.helper()
	s.mu.Lock()
	objs := s.sortedIPs()
	s.mu.Unlock()
	return renderAll[netbox.IPAddress](s, objs, s.renderIP)
}

// JournalEntries returns all stored journal entries.
func (s *Server) JournalEntries() []netbox.JournalEntry {
	s.helper()
	s.mu.Lock()
	objs := slices.Clone(s.journals)
	s.mu.Unlock()
	return renderAll[netbox.JournalEntry](s, objs, s.renderJournal)
}

// CustomFields returns all custom field definitions.
func (s *Server) CustomFields() []netbox.CustomField {
	s.helper()
	s.mu.Lock()
	objs := slices.Clone(s.cfs)
	s.mu.Unlock()
	return renderAll[netbox.CustomField](s, objs, s.renderCF)
}

// renderAll renders stored objects as the API would and decodes them into
// the client's type T.
func renderAll[T, O any](s *Server, objs []O, render func(base string, o O) map[string]any) []T {
	s.helper()
	s.mu.Lock()
	ms := make([]map[string]any, 0, len(objs))
	for _, o := range objs {
		ms = append(ms, render(s.URL, o))
	}
	s.mu.Unlock()
	var out []T
	s.convert(ms, &out)
	return out
}

func (s *Server) convert(in, out any) {
	s.helper()
	b, err := json.Marshal(in)
	if err == nil {
		err = json.Unmarshal(b, out)
	}
	if err != nil {
		s.fatalf("netboxtest: convert: %v", err)
	}
}
