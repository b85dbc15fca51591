package netbox_test

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/spoje-net/isptools/netbackend"
	"github.com/spoje-net/isptools/netbox"
	"github.com/spoje-net/isptools/netbox/netboxtest"
)

// Example blocks a customer's IPs and unblocks them again, against the
// in-memory NetBox of package netboxtest.
func Example() {
	srv := netboxtest.NewServer(nil) // in a test: netboxtest.NewServer(t)
	defer srv.Close()
	srv.AddIP(netboxtest.IP{Address: "192.0.2.10/24", Description: "# speed=100 {code:ACME}",
		CustomFields: map[string]any{"speed": 100}})

	client, err := netbox.New(srv.Config()) // in production: netbox.ConfigFromEnv()
	if err != nil {
		panic(err)
	}
	backend, err := netbox.NewBackend(client, netbox.BackendConfig{})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	if _, err := backend.EnsureCustomFields(ctx); err != nil { // creates speed and speed_orig
		panic(err)
	}

	look, err := backend.CustomerIPs(ctx, []string{"ACME"})
	ips := look.IPs
	if err != nil {
		panic(err)
	}
	fmt.Println("ACME:", ips["ACME"])

	var changes []netbackend.Change
	for _, ip := range ips["ACME"] {
		changes = append(changes, netbackend.Change{Customer: "ACME", IP: ip, Action: netbackend.Block, Reason: "unpaid"})
	}
	res, err := backend.Apply(ctx, changes, netbackend.ApplyOptions{})
	if err != nil {
		panic(err)
	}
	fmt.Println(res[0].Change, res[0].Status, res[0].SpeedBefore, "->", res[0].SpeedAfter)

	changes[0].Action = netbackend.Unblock
	res, _ = backend.Apply(ctx, changes, netbackend.ApplyOptions{})
	fmt.Println(res[0].Change, res[0].Status, res[0].SpeedBefore, "->", res[0].SpeedAfter)

	st, _ := backend.State(ctx, []netip.Addr{netip.MustParseAddr("192.0.2.10")})
	fmt.Printf("%+v\n", st[netip.MustParseAddr("192.0.2.10")])
	// Output:
	// ACME: [192.0.2.10]
	// block 192.0.2.10 (ACME) changed 100 -> 0
	// unblock 192.0.2.10 (ACME) changed 0 -> 100
	// {IP:192.0.2.10 Found:true Blocked:false Speed:100 OriginalSpeed:-1}
}

func ExampleTenantSlug() {
	fmt.Println(netbox.TenantSlug("ACME.Net 01"))
	// Output: acme-net-01
}
