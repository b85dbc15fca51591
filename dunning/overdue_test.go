package dunning_test

import (
	"fmt"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/dunning"
)

func invoiceDue(code, due, remaining string) abraflexi.IssuedInvoice {
	inv := abraflexi.IssuedInvoice{Code: code, Remaining: decimal.RequireFromString(remaining), Total: decimal.RequireFromString(remaining),
		DocumentType: abraflexi.Ref{Fields: map[string]string{"typDoklK": abraflexi.KindInvoice}}}
	if due != "" {
		inv.DueOn = abraflexi.MustParseDate(due)
	}
	return inv
}

func TestParseMinOverdueDays(t *testing.T) {
	for in, want := range map[string]int{"": 0, "0": 0, " 14 ": 14} {
		if got, err := dunning.ParseMinOverdueDays(in); err != nil || got != want {
			t.Errorf("ParseMinOverdueDays(%q) = %d, %v", in, got, err)
		}
	}
	for _, in := range []string{"-1", "2w", "1.5", "x"} {
		if _, err := dunning.ParseMinOverdueDays(in); err == nil {
			t.Errorf("ParseMinOverdueDays(%q) accepted", in)
		}
	}
}

func TestMeetsMinOverdue(t *testing.T) {
	today := abraflexi.MustParseDate("2026-03-18")
	paid := invoiceDue("PAID", "2025-12-01", "0")
	paid.PaymentState = abraflexi.PaymentStatePaid
	cancelled := invoiceDue("STORNO", "2025-12-01", "500")
	cancelled.Cancelled = true
	credit := invoiceDue("DOBROPIS", "2025-12-01", "500")
	credit.DocumentType = abraflexi.Ref{Fields: map[string]string{"typDoklK": abraflexi.KindCreditNote}}
	for _, tc := range []struct {
		name     string
		invoices []abraflexi.IssuedInvoice
		min      int
		ok       bool
		why      string
	}{
		{"default 0: any debt", []abraflexi.IssuedInvoice{invoiceDue("A", "2026-03-17", "100")}, 0, true, "oldest unpaid invoice 1 day overdue"},
		{"the oldest decides", []abraflexi.IssuedInvoice{invoiceDue("NEW", "2026-03-10", "100"), invoiceDue("OLD", "2026-03-01", "100")}, 17, true,
			"oldest unpaid invoice 17 days overdue"},
		{"one day short", []abraflexi.IssuedInvoice{invoiceDue("OLD", "2026-03-02", "100")}, 17, false,
			"oldest unpaid invoice 16 days overdue, fewer than MIN_OVERDUE_DAYS=17"},
		{"due today is not overdue", []abraflexi.IssuedInvoice{invoiceDue("TODAY", "2026-03-18", "100")}, 0, false, "no unpaid invoice is overdue"},
		{"paid, cancelled and credit notes do not count", []abraflexi.IssuedInvoice{paid, cancelled, credit, invoiceDue("A", "2026-03-11", "100")}, 14, false,
			"oldest unpaid invoice 7 days overdue, fewer than MIN_OVERDUE_DAYS=14"},
		{"no due date is no debt", []abraflexi.IssuedInvoice{invoiceDue("NODUE", "", "100")}, 0, false, "no unpaid invoice is overdue"},
		{"nothing at all", nil, 0, false, "no unpaid invoice is overdue"},
		{"across a DST change", []abraflexi.IssuedInvoice{invoiceDue("A", "2026-03-28", "1")}, 0, true, "oldest unpaid invoice 3 days overdue"},
	} {
		day := today
		if tc.name == "across a DST change" {
			day = abraflexi.MustParseDate("2026-03-31")
		}
		ok, why := dunning.MeetsMinOverdue(tc.invoices, day, tc.min)
		if ok != tc.ok || why != tc.why {
			t.Errorf("%s: %v %q; want %v %q", tc.name, ok, why, tc.ok, tc.why)
		}
	}
	inv, days, ok := dunning.OldestDebt([]abraflexi.IssuedInvoice{invoiceDue("B", "2026-03-01", "1"), invoiceDue("A", "2026-03-01", "1")}, today)
	if !ok || inv.Code != "A" || days != 17 {
		t.Errorf("OldestDebt = %s %d %v", inv.Code, days, ok)
	}
}

func ExampleMeetsMinOverdue() {
	debt := abraflexi.IssuedInvoice{Code: "FV-3/2026", Remaining: decimal.NewFromInt(600), DueOn: abraflexi.MustParseDate("2026-03-01"),
		DocumentType: abraflexi.Ref{Fields: map[string]string{"typDoklK": abraflexi.KindInvoice}}}
	fmt.Println(dunning.MeetsMinOverdue([]abraflexi.IssuedInvoice{debt}, abraflexi.MustParseDate("2026-03-18"), 14))
	// Output: true oldest unpaid invoice 17 days overdue
}
