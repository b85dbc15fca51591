package dunning_test

import (
	"context"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/abraflexi/abraflexitest"
	"github.com/spoje-net/isptools/dunning"
	"github.com/spoje-net/isptools/envconf"
)

func Example() {
	today := abraflexi.NewDate(2026, time.March, 10)
	customer := func(code string, labels ...string) abraflexi.Address {
		return abraflexi.Address{Code: code, Labels: abraflexi.Labels(labels...)}
	}
	internet := abraflexi.Contract{
		Type:      abraflexi.RefTo(abraflexi.CodeID("INTERNET")),
		ValidFrom: abraflexi.NewDate(2020, time.January, 1),
	}
	contract := func(code string) abraflexi.Contract {
		c := internet
		c.Customer = abraflexi.RefTo(abraflexi.CodeID(code))
		return c
	}
	invoice := func(code string, amount int64) abraflexi.IssuedInvoice {
		return abraflexi.IssuedInvoice{
			Code:         "FV-" + code,
			Customer:     abraflexi.RefTo(abraflexi.CodeID(code)),
			Remaining:    decimal.NewFromInt(amount),
			DueOn:        today.AddDays(-30),
			DocumentType: abraflexi.Ref{Fields: map[string]string{"typDoklK": abraflexi.KindInvoice}},
		}
	}
	in := dunning.MarkInput{
		Customers: []abraflexi.Address{
			customer("ALICE", "UPOMINKA3"),
			customer("BOB", "UPOMINKA3", "VIP"),
			customer("CAROL", "UPOMINKA3"),
			customer("DAVE", "UPOMINKA3", "ODPOJENO"),
		},
		Contracts: []abraflexi.Contract{contract("ALICE"), contract("BOB"), contract("CAROL"), contract("DAVE")},
		Invoices:  []abraflexi.IssuedInvoice{invoice("ALICE", 499), invoice("BOB", 1200), invoice("DAVE", 300)},
	}
	policy := dunning.DefaultPolicy()
	policy.ContractType = "typSmlouvy.INTERNET"
	for _, d := range dunning.DecideMark(today, in, policy) {
		fmt.Println(d.Customer.Code, d.Reason, d.Debt.Amount)
	}
	// Output:
	// ALICE marked_for_disconnection 499
	// BOB vip_skipped 1200
	// CAROL no_debt_skipped 0
	// DAVE already_marked 300
}

func ExampleCzechHolidays() {
	for _, d := range dunning.CzechHolidays(2026) {
		name, _ := dunning.CzechHoliday(d)
		fmt.Println(d, name)
	}
	// Output:
	// 2026-01-01 Restoration Day of the Independent Czech State; New Year's Day
	// 2026-04-03 Good Friday
	// 2026-04-06 Easter Monday
	// 2026-05-01 Labour Day
	// 2026-05-08 Liberation Day
	// 2026-07-05 Saints Cyril and Methodius Day
	// 2026-07-06 Jan Hus Day
	// 2026-09-28 St. Wenceslas Day
	// 2026-10-28 Independent Czechoslovak State Day
	// 2026-11-17 Struggle for Freedom and Democracy Day
	// 2026-12-24 Christmas Eve
	// 2026-12-25 Christmas Day
	// 2026-12-26 St. Stephen's Day
}

// lookupOf is a lookup over a fixed set of variables; a service passes
// os.LookupEnv.
func lookupOf(vars map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) { v, ok := vars[name]; return v, ok }
}

// The policy of abraflexi-mark-defaulters, read as the app reads it.
func ExampleMarkPolicyFromLookup() {
	policy, err := dunning.MarkPolicyFromLookup(lookupOf(map[string]string{"MIN_DEBT": "100", "CONTRACT_INACTIVE_STATES": "UKONCENO"}))
	fmt.Println(policy.Labels.ThirdReminder, policy.ContractType, policy.MinDebt, policy.InactiveContractStates, err)
	// Output: UPOMINKA3 typSmlouvy.INTERNET 100 [UKONCENO] <nil>
}

// The policy of blocknet; bad values are named with the apps' words.
func ExampleBlockPolicyFromLookup() {
	policy, err := dunning.BlockPolicyFromLookup(lookupOf(map[string]string{"MAX_BLOCKS": "0", "CUT_DAYS": "workdays"}))
	fmt.Println(policy.MaxBlocks == dunning.Unlimited, policy.CutDays, err)
	_, err = dunning.BlockPolicyFromLookup(lookupOf(map[string]string{"MAX_BLOCKS": "ten"}))
	fmt.Println(err)
	// Output:
	// true workdays <nil>
	// invalid configuration: MAX_BLOCKS="ten": not an integer
}

// The policy of unblocknet.
func ExampleUnblockPolicyFromLookup() {
	policy, err := dunning.UnblockPolicyFromLookup(lookupOf(map[string]string{"DEFAULT_SPEED": "10240", "MIN_DEBT": "50"}))
	fmt.Println(policy.DefaultSpeed, policy.MinDebt, err)
	// Output: 10240 50 <nil>
}

// The options of abraflexi-mark-defaulters: DRY_RUN, and today in Prague.
func ExampleOptionsFromLookup() {
	opts, err := dunning.OptionsFromLookup(lookupOf(map[string]string{"DRY_RUN": "true"}))
	opts.Note = "my-service"
	fmt.Println(opts.DryRun, opts.Today == dunning.TodayInPrague(), err)
	// Output: true true <nil>
}

// The options of blocknet and unblocknet add the run lock.
func ExampleNetOptionsFromLookup() {
	opts, err := dunning.NetOptionsFromLookup(lookupOf(map[string]string{"RUN_LOCK_TIMEOUT": "30"}))
	fmt.Println(opts.DryRun, opts.Lock.Timeout, err)
	// Output: false 30s <nil>
}

// A service marks, blocks and unblocks with the apps' configuration; the
// adapter's methods pass it as both source and label writer.
func ExampleAbraFlexi_Mark() {
	srv, err := abraflexitest.Start(abraflexitest.WithToday(abraflexi.NewDate(2026, time.March, 10)))
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	srv.Seed(abraflexi.Address{Code: "ALICE", Labels: abraflexi.Labels("UPOMINKA3")},
		abraflexi.Contract{Code: "SML-ALICE", Customer: abraflexi.RefTo(abraflexi.CodeID("ALICE")),
			Type: abraflexi.RefTo(abraflexi.CodeID("INTERNET")), ValidFrom: abraflexi.NewDate(2024, time.January, 1)},
		abraflexi.IssuedInvoice{Code: "FV-1", Customer: abraflexi.RefTo(abraflexi.CodeID("ALICE")),
			Total: decimal.NewFromInt(499), Remaining: decimal.NewFromInt(499),
			IssuedOn: abraflexi.NewDate(2026, time.January, 1), DueOn: abraflexi.NewDate(2026, time.January, 15),
			DocumentType: abraflexi.RefTo(abraflexi.CodeID("FAKTURA"))})
	client, err := abraflexi.NewClient(srv.Config())
	if err != nil {
		panic(err)
	}

	env := lookupOf(map[string]string{"DRY_RUN": "true"}) // os.LookupEnv in a service
	policy, perr := dunning.MarkPolicyFromLookup(env)
	opts, oerr := dunning.OptionsFromLookup(env)
	if err := envconf.Join(perr, oerr); err != nil {
		panic(err) // invalid configuration: every bad variable, as the app says it
	}
	opts.Today = abraflexi.NewDate(2026, time.March, 10)
	res, err := dunning.NewAbraFlexi(client).Mark(context.Background(), policy, opts)
	if err != nil {
		panic(err)
	}
	for _, d := range res.Decisions {
		fmt.Println(d.Customer.Code, d.Reason, d.Debt.Amount)
	}
	// Output: ALICE marked_for_disconnection 499
}
