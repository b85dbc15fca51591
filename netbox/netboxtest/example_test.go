package netboxtest_test

import (
	"context"
	"fmt"
	"net/http"

	"github.com/spoje-net/isptools/netbox"
	"github.com/spoje-net/isptools/netbox/netboxtest"
)

// Example seeds the in-memory NetBox, injects a transient 503 (the client
// retries reads, never writes) and reads the request log. In a test, pass
// t instead of nil and skip the Close.
func Example() {
	srv := netboxtest.NewServer(nil)
	defer srv.Close()
	srv.AddCustomField(netboxtest.CustomFieldDef{Name: "speed"})
	id := srv.AddIP(netboxtest.IP{Address: "192.0.2.1/24", Description: "{code:ACME}", CustomFields: map[string]any{"speed": 100}})

	srv.FailNext(http.MethodGet, "/api/ipam/ip-addresses/1/", http.StatusServiceUnavailable, 1)
	client, _ := netbox.New(srv.Config())
	if _, err := client.IPAddress(context.Background(), id); err != nil {
		panic(err)
	}
	if _, err := client.BulkUpdateIPAddresses(context.Background(), []netbox.IPAddressUpdate{
		{ID: id, CustomFields: map[string]any{"speed": 0}},
	}); err != nil {
		panic(err)
	}

	ip, _ := srv.IP(id)
	fmt.Println(ip.Address, "speed", string(ip.CustomFields["speed"]))
	for _, r := range srv.Requests() {
		fmt.Println(r.Method, r.Path, r.Status)
	}
	// Output:
	// 192.0.2.1/24 speed 0
	// GET /api/ipam/ip-addresses/1/ 503
	// GET /api/ipam/ip-addresses/1/ 200
	// PATCH /api/ipam/ip-addresses/ 200
}
