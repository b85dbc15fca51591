package dunning_test

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/dunning"
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
