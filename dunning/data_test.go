package dunning

import (
	"slices"
	"testing"
	"time"

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
		{"notice date passed", terminated(contract("A", "INTERNET", "2020-01-01", ""), today.AddDays(-1)), "", false},
		{"notice date today", terminated(contract("A", "INTERNET", "2020-01-01", ""), today), "", true},
		{"notice date ahead", terminated(contract("A", "INTERNET", "2020-01-01", ""), today.AddDays(30)), "", true},
		{"inactive state", inState(contract("A", "INTERNET", "2020-01-01", ""), "code:UKONCENA"), "", false},
		{"active state", inState(contract("A", "INTERNET", "2020-01-01", ""), "code:PLATNA"), "", true},
		{"state from showAs", abraflexi.Contract{ValidFrom: today, State: abraflexi.Ref{ID: abraflexi.NumericID(2), ShowAs: "UKONCENA: Ukončená"}}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsActiveContract(tt.c, today, tt.typ, "UKONCENA", "ZRUSENA"); got != tt.isActive {
				t.Errorf("IsActiveContract = %v, want %v", got, tt.isActive)
			}
		})
	}
}

func terminated(c abraflexi.Contract, on abraflexi.Date) abraflexi.Contract {
	c.TerminatedOn = on
	return c
}

func inState(c abraflexi.Contract, state string) abraflexi.Contract {
	id, _ := abraflexi.ParseID(state)
	c.State = abraflexi.RefTo(id)
	return c
}

func TestContractStatesIgnoredWhenNotConfigured(t *testing.T) {
	c := inState(contract("A", "INTERNET", "2020-01-01", ""), "code:UKONCENA")
	if !IsActiveContract(c, today, "") {
		t.Error("without CONTRACT_INACTIVE_STATES the state must not matter")
	}
	if got := ParseContractStates(" ukoncena, code:ZRUSENA ,,stavSmlouvy.X "); !slices.Equal(got, []string{"UKONCENA", "ZRUSENA", "X"}) {
		t.Errorf("ParseContractStates = %v", got)
	}
	m := DecideMark(today, MarkInput{Customers: []abraflexi.Address{cust("A", "UPOMINKA3")}, Contracts: []abraflexi.Contract{c},
		Invoices: []abraflexi.IssuedInvoice{invoice("F", "A", "100")}}, Policy{InactiveContractStates: []string{"UKONCENA"}})
	if m[0].Reason != ReasonNoContractSkipped {
		t.Errorf("mark with an inactive contract state: %s", m[0].Reason)
	}
}

func TestCreditNotesReduceTheDebt(t *testing.T) {
	customers := []abraflexi.Address{cust("A"), cust("B"), cust("C")}
	invoices := []abraflexi.IssuedInvoice{
		invoice("F1", "A", "400"), invoice("F2", "A", "200"),
		invoice("D1", "A", "-600", kind(abraflexi.KindCreditNote), due(today.AddDays(10))), // negative, not due: counts
		invoice("F3", "B", "500"),
		invoice("D2", "B", "200", kind(abraflexi.KindCreditNote)), // positive sign: the same
		invoice("D3", "B", "900", kind(abraflexi.KindCreditNote), state(abraflexi.PaymentStatePaid)),
		invoice("D4", "B", "900", kind(abraflexi.KindCreditNote), cancelled()),
		invoice("D5", "C", "50", kind(abraflexi.KindCreditNote)),
	}
	d := Debts(invoices, customers, today)
	if a := d["A"]; !a.Amount.IsZero() || !a.Invoiced.Equal(decimal.NewFromInt(600)) || !a.Credit.Equal(decimal.NewFromInt(600)) ||
		a.String() != "owes 600 CZK on 2 invoices less a 600 CZK credit note" {
		t.Errorf("A = %+v %q", a, a.String())
	}
	if b := d["B"]; !b.Amount.Equal(decimal.NewFromInt(300)) || b.String() != "owes 500 CZK on 1 invoice less a 200 CZK credit note" || !slices.Equal(b.CreditNotes, []string{"D2"}) {
		t.Errorf("B = %+v %q", b, b.String())
	}
	if c := d["C"]; !c.Amount.IsZero() || c.String() != "owes nothing less a 50 CZK credit note" {
		t.Errorf("C = %+v %q", c, c.String())
	}
	p := Policy{}
	plan := PlanUnblock(today, UnblockInput{Customers: []abraflexi.Address{cust("A", "ODPOJENO"), cust("B", "ODPOJENO")}, Invoices: invoices}, p)
	if plan.Decisions[0].Reason != ReasonNoIPLabelCleared || plan.Decisions[1].Reason != ReasonStillOwes ||
		plan.Decisions[1].Debt.String() != "owes 500 CZK on 1 invoice less a 200 CZK credit note" {
		t.Errorf("unblock decisions %+v", plan.Decisions)
	}
	if (Debt{}).String() != "owes nothing" {
		t.Errorf("no debt: %q", Debt{}.String())
	}
	eur := Debts([]abraflexi.IssuedInvoice{invoice("F", "A", "10", func(i *abraflexi.IssuedInvoice) { i.Currency = abraflexi.RefTo(abraflexi.CodeID("EUR")) })}, customers, today)
	if s := eur["A"].String(); s != "owes 10 EUR on 1 invoice" {
		t.Errorf("EUR debt %q", s)
	}
}

func TestDateInPrague(t *testing.T) {
	// 23:30 UTC on 9 March is 00:30 on 10 March in Prague (CET), and 22:30
	// UTC on 30 June is 00:30 on 1 July (CEST).
	for in, want := range map[string]string{"2026-03-09T23:30:00Z": "2026-03-10", "2026-06-30T22:30:00Z": "2026-07-01", "2026-06-30T21:30:00Z": "2026-06-30"} {
		ts, _ := time.Parse(time.RFC3339, in)
		if got := DateInPrague(ts).String(); got != want {
			t.Errorf("DateInPrague(%s) = %s, want %s", in, got, want)
		}
	}
	if TodayInPrague().IsZero() {
		t.Error("TodayInPrague is zero")
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
