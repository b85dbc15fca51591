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
	d := Debts(invoices, customers, today, "")
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
	eur := Debts([]abraflexi.IssuedInvoice{invoice("F", "A", "250", inEUR("10"))}, customers, today, "")
	if s := eur["A"].String(); s != "owes 10 EUR on 1 invoice" {
		t.Errorf("EUR debt %q", s)
	}
}

// inEUR makes an invoice in euros with amount left in EUR (zbyvaUhraditMen);
// its Remaining stays the crown figure (zbyvaUhradit).
func inEUR(amount string) invOpt {
	return func(i *abraflexi.IssuedInvoice) {
		i.Currency = abraflexi.RefTo(abraflexi.CodeID("EUR"))
		i.RemainingInCurrency = decimal.RequireFromString(amount)
		i.TotalInCurrency = i.RemainingInCurrency
	}
}

func inCZK() invOpt {
	return func(i *abraflexi.IssuedInvoice) { i.Currency = abraflexi.RefTo(abraflexi.CodeID("CZK")) }
}

// TestMinDebtPerCurrency: MIN_DEBT applies to each currency's sum by its
// own amount, never to a sum of crowns and euros, and never to the crown
// figure (zbyvaUhradit) of a euro invoice; mark and unblock agree.
func TestMinDebtPerCurrency(t *testing.T) {
	type want struct {
		owes bool
		why  string
	}
	tests := []struct {
		name     string
		home     string
		minDebt  string
		invoices []abraflexi.IssuedInvoice
		want     want
	}{
		{"crowns above the minimum", "", "100", []abraflexi.IssuedInvoice{invoice("F1", "A", "101")},
			want{true, "owes 101 CZK on 1 invoice"}},
		{"crowns at the minimum", "", "100", []abraflexi.IssuedInvoice{invoice("F1", "A", "100")},
			want{false, "owes 100 CZK on 1 invoice"}},
		// 40 EUR is 1000 CZK at the invoice's rate: the crown figure must
		// not make it a debt above 100
		{"euros below the minimum, their crown figure above", "", "100", []abraflexi.IssuedInvoice{invoice("E1", "A", "1000", inEUR("40"))},
			want{false, "owes 40 EUR on 1 invoice"}},
		{"euros above the minimum", "", "100", []abraflexi.IssuedInvoice{invoice("E1", "A", "2600", inEUR("104"))},
			want{true, "owes 104 EUR on 1 invoice"}},
		// 60 CZK + 60 EUR: each below 100, never added up to 120
		{"two currencies, each below", "CZK", "100", []abraflexi.IssuedInvoice{invoice("F1", "A", "60", inCZK()), invoice("E1", "A", "1500", inEUR("60"))},
			want{false, "owes 60 CZK on 1 invoice; owes 60 EUR on 1 invoice"}},
		{"two currencies, euros above", "CZK", "100", []abraflexi.IssuedInvoice{invoice("F1", "A", "60"), invoice("E1", "A", "2600", inEUR("60")), invoice("E2", "A", "1300", inEUR("50"))},
			want{true, "owes 60 CZK on 1 invoice; owes 110 EUR on 2 invoices"}},
		// a euro credit note reduces only the euro debt
		{"euro credit note against a crown debt", "", "0", []abraflexi.IssuedInvoice{invoice("F1", "A", "500"), invoice("D1", "A", "-500", kind(abraflexi.KindCreditNote), inEUR("-20"))},
			want{true, "owes 500 CZK on 1 invoice; owes nothing less a 20 EUR credit note"}},
		{"euro credit note settles the euro debt", "", "0", []abraflexi.IssuedInvoice{invoice("E1", "A", "500", inEUR("20")), invoice("D1", "A", "-500", kind(abraflexi.KindCreditNote), inEUR("-20"))},
			want{false, "owes 20 EUR on 1 invoice less a 20 EUR credit note"}},
		// a euro invoice paid in euros whose crown figure still shows a
		// rounding remainder is no debt
		{"nothing left in euros", "", "0", []abraflexi.IssuedInvoice{invoice("E1", "A", "0.40", inEUR("0"), state(abraflexi.PaymentStatePartial))},
			want{false, "owes nothing"}},
		// a company keeping its books in euros: its euro invoices count by
		// zbyvaUhradit, crown invoices by zbyvaUhraditMen
		{"home EUR, crowns above", "EUR", "100", []abraflexi.IssuedInvoice{invoice("K1", "A", "20", inCZK(), func(i *abraflexi.IssuedInvoice) { i.RemainingInCurrency = decimal.NewFromInt(500) })},
			want{true, "owes 500 CZK on 1 invoice"}},
		{"home EUR, euros without mena", "EUR", "100", []abraflexi.IssuedInvoice{invoice("E1", "A", "90")},
			want{false, "owes 90 EUR on 1 invoice"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Policy{MinDebt: decimal.RequireFromString(tt.minDebt), HomeCurrency: tt.home}
			debt := Debts(tt.invoices, []abraflexi.Address{cust("A")}, today, tt.home)["A"]
			if got := debt.String(); got != tt.want.why {
				t.Errorf("debt %q, want %q", got, tt.want.why)
			}
			if got := p.owes(debt); got != tt.want.owes {
				t.Errorf("owes = %v, want %v (by currency %v)", got, tt.want.owes, debt.ByCurrency())
			}
			m := DecideMark(today, MarkInput{Customers: []abraflexi.Address{cust("A", "UPOMINKA3")},
				Contracts: []abraflexi.Contract{contract("A", "INTERNET", "2020-01-01", "")}, Invoices: tt.invoices}, p)
			if marked := m[0].Reason == ReasonMarked; marked != tt.want.owes {
				t.Errorf("mark: %s (%s), want marked %v", m[0].Reason, m[0].Debt, tt.want.owes)
			}
			u := PlanUnblock(today, UnblockInput{Customers: []abraflexi.Address{cust("A", "ODPOJENO")}, Invoices: tt.invoices}, p)
			if still := u.Decisions[0].Reason == ReasonStillOwes; still != tt.want.owes {
				t.Errorf("unblock: %s (%s), want still owing %v", u.Decisions[0].Reason, u.Decisions[0].Debt, tt.want.owes)
			}
		})
	}
}

func TestDebtByCurrency(t *testing.T) {
	d := Debts([]abraflexi.IssuedInvoice{invoice("F1", "A", "60"), invoice("E1", "A", "1500", inEUR("60.50")), invoice("E2", "A", "30", inEUR("1"))},
		[]abraflexi.Address{cust("A")}, today, "")["A"]
	if got := d.ByCurrency().String(); got != "60.00 CZK, 61.50 EUR" {
		t.Errorf("ByCurrency %q", got)
	}
	if d.Currency != "CZK" || !d.Amount.Equal(decimal.NewFromInt(60)) || d.Count() != 3 || !slices.Equal(d.Invoices, []string{"E1", "E2", "F1"}) || len(d.Parts) != 2 {
		t.Errorf("debt %+v: the home currency's part first, every invoice listed", d)
	}
	only := Debts([]abraflexi.IssuedInvoice{invoice("E1", "A", "1500", inEUR("60"))}, []abraflexi.Address{cust("A")}, today, "")["A"]
	if only.Currency != "EUR" || !only.Amount.Equal(decimal.NewFromInt(60)) || only.Parts != nil {
		t.Errorf("euro-only debt %+v", only)
	}
	if got := (Debt{Amount: decimal.NewFromInt(5)}).ByCurrency().String(); got != "5.00 CZK" {
		t.Errorf("a Debt without currency is in CZK: %q", got)
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
		{"euros left", invoice("F1", "A", "0", inEUR("5")), true},
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
	got := Debts(invoices, customers, today, "CZK")
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
