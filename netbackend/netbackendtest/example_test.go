package netbackendtest_test

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/spoje-net/isptools/netbackend"
	"github.com/spoje-net/isptools/netbackend/netbackendtest"
)

// An in-memory backend for tests of higher layers: seed hosts, inject a
// failure, run the code under test and inspect the hosts and calls.
func Example() {
	ctx := context.Background()
	nb := netbackendtest.New()
	nb.Add("ALICE", "10.0.0.1", 100)
	nb.Add("BOB", "10.0.0.2", 50)
	nb.FailIP(netip.MustParseAddr("10.0.0.2"), netbackendtest.ErrInjected)

	res, _ := nb.Apply(ctx, []netbackend.Change{
		{Customer: "ALICE", IP: netip.MustParseAddr("10.0.0.1"), Action: netbackend.Block},
		{Customer: "BOB", IP: netip.MustParseAddr("10.0.0.2"), Action: netbackend.Block},
	}, netbackend.ApplyOptions{})
	for _, r := range res {
		fmt.Println(r.Change.Customer, r.Status)
	}
	h, _ := nb.Host(netip.MustParseAddr("10.0.0.1"))
	fmt.Println("ALICE speed", h.Speed, "kept", h.OriginalSpeed)
	fmt.Println("calls", len(nb.Calls()))
	// Output:
	// ALICE changed
	// BOB failed
	// ALICE speed 0 kept 100
	// calls 1
}
