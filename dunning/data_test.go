package dunning

import (
	"slices"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/spoje-net/isptools/abraflexi"
)

func TestIsActiveContract(t *testing.T) {
	tests := []struct {
		name     string
		c        abraflexi.Contract
		typ      string
		isActive bool
	}{
		{"open-ended", contract("A", "INTERNET", "2020-01-01", ""), "", true},
		{"starts today", contract("A", "INTERNET", today.String(), ""), "", true},
		{"starts tomorrow", contract("A", "INTERNET", today.AddDays(1).String(), ""), "", false},
		{"ends today", contract("A", "INTERNET", "2020-01-01", today.String()), "", true},
		{"ended yesterday", contract("A", "INTERNET", "2020-01-01", today.AddDays(-1).String()), "", false},
		{"no start", contract("A", "INTERNET", "", ""), "", false},
		{"type code", contract("A", "INTERNET", "2020-01-01", ""), "INTERNET", true},
		{"type code: prefix", contract("A", "INTERNET", "2020-01-01", ""), "code:INTERNET", true},
		{"type typSmlouvy. prefix", contract("A", "INTERNET", "2020-01-01", ""), "typSmlouvy.INTERNET", true},
		{"type lower case", contract("A", "INTERNET", "2020-01-01", ""), "internet", true},
		{"seed spelling on the contract", contract("A", "typSmlouvy.INTERNET", "2020-01-01", ""), "INTERNET", true},
		{"other type", contract("A", "VOIP", "2020-01-01", ""), "typSmlouvy.INTERNET", false},
		{"no type with filter", contract("A", "", "2020-01-01", ""), "INTERNET", false},
		{"no type without filter", contract("A", "", "2020-01-01", ""), "", true},
		{"type from showAs", abraflexi.Contract{ValidFrom: today, Type: abraflexi.Ref{ID: abraflexi.NumericID(3), ShowAs: "INTERNET: Internet"}}, "INTERNET", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsActiveContract(tt.c, today, tt.typ); got != tt.isActive {
				t.Errorf("IsActiveContract = %v, want %v", got, tt.isActive)
			}
		})
	}
}

func TestIsDebt(t *testing.T) {
	tests := []struct {
		name string
		inv  abraflexi.IssuedInvoice
		debt bool
	}{
		{"unpaid overdue invoice", invoice("F1", "A", "100"), true},
		{"partly paid", invoice("F1", "A", "40", state(abraflexi.PaymentStatePartial)), true},
		{"advance invoice", invoice("F1", "A", "100", kind(abraflexi.KindAdvanceInvoice)), true},
		{"paid", invoice("F1", "A", "0", state(abraflexi.PaymentStatePaid)), false},
		{"paid manually", invoice("F1", "A", "100", state(abraflexi.PaymentStatePaidManually)), false},
		{"cancelled", invoice("F1", "A", "100", cancelled()), false},
		{"due today", invoice("F1", "A", "100", due(today)), false},
		{"due tomorrow", invoice("F1", "A", "100", due(today.AddDays(1))), false},
		{"due yesterday", invoice("F1", "A", "100", due(today.AddDays(-1))), true},
		{"no due date", invoice("F1", "A", "100", due(abraflexi.Date{})), false},
		{"credit note", invoice("F1", "A", "100", kind(abraflexi.KindCreditNote)), false},
		{"proforma", invoice("F1", "A", "100", kind(abraflexi.KindProforma)), false},
		{"kind not expanded", invoice("F1", "A", "100", kind("")), false},
		{"nothing left", invoice("F1", "A", "0"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsDebt(tt.inv, today); got != tt.debt {
				t.Errorf("IsDebt = %v, want %v", got, tt.debt)
			}
		})
	}
}

func TestDebtsSumsPerCustomer(t *testing.T) {
	byNumber := invoice("F9", "", "5")
	byNumber.Customer = abraflexi.RefTo(abraflexi.NumericID(42))
	byShowAs := invoice("F8", "", "0.25")
	byShowAs.Customer = abraflexi.Ref{ID: abraflexi.NumericID(77), ShowAs: "BOB: Bob s.r.o."}
	unknown := invoice("F7", "", "1000")
	unknown.Customer = abraflexi.RefTo(abraflexi.NumericID(999))
	invoices := []abraflexi.IssuedInvoice{
		invoice("F2", "ALICE", "100.10"),
		invoice("F1", "ALICE", "0.90", state(abraflexi.PaymentStatePartial)),
		invoice("F3", "ALICE", "500", state(abraflexi.PaymentStatePaid)),
		byNumber, byShowAs, unknown,
	}
	customers := []abraflexi.Address{custID(42, "ALICE"), cust("BOB")}
	got := Debts(invoices, customers, today)
	if a := got["ALICE"]; !a.Amount.Equal(decimal.RequireFromString("106")) || !slices.Equal(a.Invoices, []string{"F1", "F2", "F9"}) || a.Count() != 3 {
		t.Errorf("ALICE = %v %v", a.Amount, a.Invoices)
	}
	if b := got["BOB"]; !b.Amount.Equal(decimal.RequireFromString("0.25")) {
		t.Errorf("BOB = %v", b.Amount)
	}
	if len(got) != 2 {
		t.Errorf("debts of %d customers, want 2: %v", len(got), got)
	}
}

func TestNormalizeContractType(t *testing.T) {
	for in, want := range map[string]string{
		"": "", "INTERNET": "INTERNET", "code:INTERNET": "INTERNET", "typSmlouvy.INTERNET": "INTERNET",
		" typsmlouvy.internet ": "INTERNET", "typSmlouvy.": "TYPSMLOUVY.",
	} {
		if got := NormalizeContractType(in); got != want {
			t.Errorf("NormalizeContractType(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPolicyValidate(t *testing.T) {
	if err := DefaultPolicy().Validate(); err != nil {
		t.Errorf("default policy: %v", err)
	}
	if err := (Policy{}).Validate(); err != nil {
		t.Errorf("zero policy: %v", err)
	}
	bad := []Policy{
		{MinDebt: decimal.NewFromInt(-1)},
		{DefaultSpeed: -5},
		{CutDays: "sometimes"},
	}
	for _, p := range bad {
		if err := p.Validate(); err == nil {
			t.Errorf("%+v accepted", p)
		}
	}
	if err := (Policy{MaxBlocks: Unlimited}).Validate(); err != nil {
		t.Errorf("an unlimited breaker is a valid choice: %v", err)
	}
	p := DefaultPolicy()
	if p.MaxBlocks != 100 || p.Labels.Disconnected != "ODPOJENO" || p.Labels.ThirdReminder != "UPOMINKA3" ||
		p.Labels.VIP != "VIP" || p.Labels.NoDisconnect != "NEODPOJOVAT" || p.CutDays != CutAnyDay || !p.MinDebt.IsZero() {
		t.Errorf("DefaultPolicy() = %+v", p)
	}
}
