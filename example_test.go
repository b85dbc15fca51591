package isptools_test

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"github.com/shopspring/decimal"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/abraflexi/abraflexitest"
	"github.com/spoje-net/isptools/dunning"
	"github.com/spoje-net/isptools/netbackend/netbackendtest"
)

// Pipeline A on in-memory parts: mark the defaulter, then cut its IP.
func Example() {
	ctx := context.Background()
	srv, err := abraflexitest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	today := abraflexi.NewDate(2026, time.November, 25)
	for _, code := range []string{"ALICE", "BOB"} {
		srv.AddAddress(abraflexi.Address{Code: code, Name: code, Labels: abraflexi.Labels("UPOMINKA3")})
		srv.AddContract(abraflexi.Contract{Code: "SML-" + code, Name: "Internet",
			Customer: abraflexi.RefTo(abraflexi.CodeID(code)), Type: abraflexi.RefTo(abraflexi.CodeID("INTERNET")),
			ValidFrom: abraflexi.NewDate(2024, time.January, 1)})
	}
	// ALICE owes an overdue invoice; BOB has paid everything.
	srv.AddInvoice(abraflexi.IssuedInvoice{Code: "FV-1", Customer: abraflexi.RefTo(abraflexi.CodeID("ALICE")),
		VariableSymbol: "1", Total: decimal.NewFromInt(499), DueOn: today.AddDays(-20)})

	client, err := abraflexi.NewClient(srv.Config())
	if err != nil {
		panic(err)
	}
	af := dunning.NewAbraFlexi(client)
	opts := dunning.Options{Today: today}

	marked, err := dunning.Mark(ctx, af, af, dunning.DefaultPolicy(), opts)
	if err != nil {
		panic(err)
	}
	for _, d := range marked.Decisions {
		fmt.Println("mark", d.Customer.Code, d.Reason)
	}

	network := netbackendtest.New(netbackendtest.Host{Customer: "ALICE", IP: netip.MustParseAddr("10.0.0.7"), Speed: 512, OriginalSpeed: -1})
	blocked, err := dunning.Block(ctx, af, network, dunning.DefaultPolicy(), opts)
	if err != nil {
		panic(err)
	}
	for _, d := range blocked.Decisions {
		fmt.Println("block", d.Customer.Code, d.Reason, d.IPs)
	}
	// Output:
	// mark ALICE marked_for_disconnection
	// mark BOB no_debt_skipped
	// block ALICE blocked [10.0.0.7]
}
