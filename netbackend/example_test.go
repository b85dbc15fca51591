package netbackend_test

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/spoje-net/isptools/netbackend"
	"github.com/spoje-net/isptools/netbackend/netbackendtest"
)

// Resolve customers' IPs in one call, then block them all in one call.
func Example() {
	ctx := context.Background()
	var backend netbackend.Backend = netbackendtest.New(
		netbackendtest.Host{Customer: "CUST1", IP: netip.MustParseAddr("10.0.0.1"), Speed: 512, OriginalSpeed: -1},
		netbackendtest.Host{Customer: "CUST1", IP: netip.MustParseAddr("10.0.0.2"), Speed: 0, OriginalSpeed: 256},
	)
	look, _ := backend.CustomerIPs(ctx, []string{"CUST1"})
	var changes []netbackend.Change
	for _, ip := range look.IPs["CUST1"] {
		changes = append(changes, netbackend.Change{Customer: "CUST1", IP: ip, Action: netbackend.Block, Reason: "unpaid"})
	}
	results, _ := backend.Apply(ctx, changes, netbackend.ApplyOptions{})
	for _, r := range results {
		fmt.Println(r.Change.IP, r.Status)
	}
	// Output:
	// 10.0.0.1 changed
	// 10.0.0.2 unchanged
}
