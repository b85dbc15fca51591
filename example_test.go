package isptools_test

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"time"

	"github.com/shopspring/decimal"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/abraflexi/abraflexitest"
	"github.com/spoje-net/isptools/dunning"
	"github.com/spoje-net/isptools/envconf"
	"github.com/spoje-net/isptools/netbackend/backendenv"
	"github.com/spoje-net/isptools/netbackend/netbackendtest"
	"github.com/spoje-net/isptools/report"
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

	// af is both the source and the label writer (af.Mark(ctx, policy,
	// opts) says the same): the two are separate seams for tests.
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

// blocknet as a library call, with blocknet's configuration: the same
// variables, the same errors, the same report. A service passes
// os.LookupEnv where this example passes its own variables.
func Example_withTheAppsConfiguration() {
	ctx := context.Background()
	srv, err := abraflexitest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	srv.AddAddress(abraflexi.Address{Code: "ALICE", Labels: abraflexi.Labels("ODPOJENO")})
	dir, _ := os.MkdirTemp("", "isptools-example")
	defer os.RemoveAll(dir)
	hosts := filepath.Join(dir, "hosts")
	_ = os.WriteFile(hosts, []byte("10.0.0.7\talice\t# speed=10240 {code:ALICE}\n"), 0o644)
	cfg := srv.Config()
	vars := map[string]string{
		"ABRAFLEXI_URL": cfg.URL, "ABRAFLEXI_LOGIN": cfg.Login, "ABRAFLEXI_PASSWORD": cfg.Password, "ABRAFLEXI_COMPANY": cfg.Company,
		"NETWORK_BACKEND": "file", "HOSTS_FILE": hosts, "MAX_BLOCKS": "50", "RUN_LOCK_FILE": filepath.Join(dir, "lock"),
	}
	lookup := func(name string) (string, bool) { v, ok := vars[name]; return v, ok } // os.LookupEnv

	// The whole configuration, every problem at once, as blocknet says it.
	afCfg, e1 := abraflexi.ConfigFromLookup(lookup)
	policy, e2 := dunning.BlockPolicyFromLookup(lookup)
	opts, e3 := dunning.NetOptionsFromLookup(lookup)
	nb, e4 := backendenv.FromLookup(lookup, nil)
	if err := envconf.Join(e1, e2, e3, e4); err != nil {
		panic(err) // invalid configuration: MAX_BLOCKS="ten": not an integer; ...
	}
	client, err := abraflexi.NewClient(afCfg)
	if err != nil {
		panic(err)
	}
	opts.Note = "my-service"
	res, err := dunning.NewAbraFlexi(client).Block(ctx, nb, policy, opts)

	r := report.Block(res) // blocknet's report
	code := r.Finalize("my-service", time.Now(), err)
	fmt.Println(code, r.Message)
	data, _ := os.ReadFile(hosts)
	fmt.Print(string(data))
	// Output:
	// 0 1 customers blocked, 1 newly (1 IPs), 0 skipped (0 without IP), 0 errors
	// 10.0.0.7	alice	# speed=0 orig=10240 {code:ALICE}
}
