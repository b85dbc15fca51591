package netbox_test

import (
	"testing"

	"github.com/spoje-net/isptools/netbackend"
	"github.com/spoje-net/isptools/netbackend/netbackendtest"
	"github.com/spoje-net/isptools/netbox"
	"github.com/spoje-net/isptools/netbox/netboxtest"
)

// TestConformance runs the shared backend suite against the NetBox backend
// with each customer lookup.
func TestConformance(t *testing.T) {
	for _, lookup := range []netbox.Lookup{netbox.LookupDescription, netbox.LookupTenant, netbox.LookupCustomField} {
		t.Run(string(lookup), func(t *testing.T) {
			netbackendtest.Conformance(t, func(t *testing.T, hosts []netbackendtest.Host) netbackend.Backend {
				srv := netboxtest.NewServer(t)
				srv.AddCustomField(netboxtest.CustomFieldDef{Name: "speed"})
				srv.AddCustomField(netboxtest.CustomFieldDef{Name: "speed_orig"})
				srv.AddCustomField(netboxtest.CustomFieldDef{Name: "customer", Type: "text"})
				// an unrelated object that must never match
				srv.AddIP(netboxtest.IP{Address: "10.0.0.99/24", Description: "mentions CUSTA", CustomFields: map[string]any{"speed": 1}})
				tenants := map[string]bool{}
				for _, h := range hosts {
					cf := map[string]any{}
					if h.Speed >= 0 {
						cf["speed"] = h.Speed
					}
					if h.OriginalSpeed >= 0 {
						cf["speed_orig"] = h.OriginalSpeed
					}
					ip := netboxtest.IP{Address: h.IP.String() + "/24", Description: "{code:" + h.Customer + "}", CustomFields: cf}
					if h.IP.Is6() {
						ip.Address = h.IP.String() + "/64"
					}
					switch lookup {
					case netbox.LookupTenant:
						if !tenants[h.Customer] {
							tenants[h.Customer] = true
							srv.AddTenant(h.Customer, netbox.TenantSlug(h.Customer))
						}
						ip.Description, ip.Tenant = "", netbox.TenantSlug(h.Customer)
					case netbox.LookupCustomField:
						ip.Description, cf["customer"] = "", h.Customer
					}
					srv.AddIP(ip)
				}
				cfg := netbox.BackendConfig{Lookup: lookup, Journal: true}
				if lookup == netbox.LookupCustomField {
					cfg.LookupField = "customer"
				}
				be, err := netbox.NewBackend(srv.Client(), cfg)
				if err != nil {
					t.Fatal(err)
				}
				return be
			})
		})
	}
}
