package payments

import (
	"testing"

	"github.com/shopspring/decimal"

	"github.com/spoje-net/isptools/abraflexi"
)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func bankPayment(id int64, vs, amount string) Payment {
	return Payment{Evidence: abraflexi.EvidenceBank, Movement: abraflexi.Movement{
		ID: abraflexi.NumericID(id), Code: "B+" + vs, VariableSymbol: vs, Total: dec(amount),
		Direction: abraflexi.DirectionIncoming, IssuedOn: abraflexi.NewDate(2026, 1, 15),
	}}
}

func kindRef(kind string) abraflexi.Ref {
	return abraflexi.Ref{ID: abraflexi.CodeID("FAKTURA"), Fields: map[string]string{"typDoklK": kind}}
}

func invoice(id int64, code, vs, due string) abraflexi.IssuedInvoice {
	return abraflexi.IssuedInvoice{
		ID: abraflexi.NumericID(id), Code: code, VariableSymbol: vs,
		Total: dec(due), Remaining: dec(due), DocumentType: kindRef(abraflexi.KindInvoice),
	}
}

func eurPayment(id int64, vs, czk, eur string) Payment {
	return pay(bankPayment(id, vs, czk), func(m *abraflexi.Movement) {
		m.Currency, m.TotalInCurrency = abraflexi.RefTo(abraflexi.CodeID("EUR")), dec(eur)
	})
}

// eurInvoice makes inv a euro invoice of eur euros (its crown figures stay).
func eurInvoice(inv abraflexi.IssuedInvoice, eur string) abraflexi.IssuedInvoice {
	inv.Currency, inv.TotalInCurrency, inv.RemainingInCurrency = abraflexi.RefTo(abraflexi.CodeID("EUR")), dec(eur), dec(eur)
	return inv
}

// advanceCovered is inv paid by a deducted advance: nothing left to pay,
// the payment state still empty.
func advanceCovered(inv abraflexi.IssuedInvoice) abraflexi.IssuedInvoice {
	inv.Remaining, inv.RemainingInCurrency, inv.PaymentState = decimal.Zero, decimal.Zero, abraflexi.PaymentStateUnpaid
	return inv
}

func paid(inv abraflexi.IssuedInvoice) abraflexi.IssuedInvoice {
	inv.Remaining, inv.RemainingInCurrency, inv.PaymentState = decimal.Zero, decimal.Zero, abraflexi.PaymentStatePaid
	return inv
}

// overpaid gives p a payment link of castka (and castkaMen) to invoice, as
// an overpayment paired with ignorovat leaves it: unpaired.
func overpaid(p Payment, castka, castkaMen, invoice string) Payment {
	l := abraflexi.Link{Type: abraflexi.LinkPayment, Amount: dec(castka), A: abraflexi.RefTo(abraflexi.CodeID(invoice))}
	if castkaMen != "" {
		l.AmountInCurrency = dec(castkaMen)
	}
	p.Movement.Links = append(p.Movement.Links, l)
	return p
}

func with(inv abraflexi.IssuedInvoice, mod func(*abraflexi.IssuedInvoice)) abraflexi.IssuedInvoice {
	mod(&inv)
	return inv
}

func pay(p Payment, mod func(*abraflexi.Movement)) Payment {
	mod(&p.Movement)
	return p
}

func TestReasonExitCode(t *testing.T) {
	want := map[Reason]int{
		Matched: 0, MatchedPartial: 0, MatchedOverpayment: 0, AlreadyMatched: 0, NotIncoming: 0, PaymentCancelled: 0,
		NoVarSym: 2, UnknownVarSym: 2, Ambiguous: 2, Overpayment: 2, CurrencyMismatch: 2, InvalidAmount: 2,
		NoDocumentID: 1, DocumentNotFound: 1, AmbiguousDocument: 1, SettleFailed: 1, Failed: 1, Reason("bogus"): 1,
	}
	for r, code := range want {
		if got := r.ExitCode(); got != code {
			t.Errorf("%s.ExitCode() = %d, want %d", r, got, code)
		}
	}
	for _, r := range []Reason{Matched, MatchedPartial, MatchedOverpayment} {
		if !r.Paired() {
			t.Errorf("%s.Paired() = false", r)
		}
	}
	if AlreadyMatched.Paired() || Overpayment.Paired() {
		t.Error("unpaired reasons report Paired")
	}
}

func TestDecide(t *testing.T) {
	settle := DefaultPolicy()
	manual := DefaultPolicy()
	manual.OverpayMode = OverpayManual
	noLabels := Policy{OverpayMode: OverpaySettle}

	inv := invoice(10, "VF1-0001/2026", "12345", "1000")
	tests := []struct {
		name      string
		payment   Payment
		invoices  []abraflexi.IssuedInvoice
		policy    Policy
		reason    Reason
		remainder abraflexi.RemainderMode
		amount    string // PairAmount; "" = nil
		labels    []string
		invoice   string
	}{
		{name: "exact", payment: bankPayment(1, "12345", "1000"), invoices: []abraflexi.IssuedInvoice{inv}, policy: settle,
			reason: Matched, remainder: abraflexi.RemainderNone, invoice: "VF1-0001/2026"},
		{name: "exact with trailing zero decimals", payment: bankPayment(1, "12345", "1000.000"), invoices: []abraflexi.IssuedInvoice{inv}, policy: settle,
			reason: Matched, remainder: abraflexi.RemainderNone, invoice: "VF1-0001/2026"},
		{name: "underpayment is partial", payment: bankPayment(1, "12345", "999.99"), invoices: []abraflexi.IssuedInvoice{inv}, policy: settle,
			reason: MatchedPartial, remainder: abraflexi.RemainderPartial, amount: "999.99", invoice: "VF1-0001/2026"},
		{name: "overpayment settled", payment: bankPayment(1, "12345", "1000.01"), invoices: []abraflexi.IssuedInvoice{inv}, policy: settle,
			reason: MatchedOverpayment, remainder: abraflexi.RemainderIgnore, labels: []string{"PREPLATEK"}, invoice: "VF1-0001/2026"},
		{name: "overpayment manual", payment: bankPayment(1, "12345", "1500"), invoices: []abraflexi.IssuedInvoice{inv}, policy: manual,
			reason: Overpayment, labels: []string{"PREPLATEK"}, invoice: "VF1-0001/2026"},
		{name: "overpayment without label configured", payment: bankPayment(1, "12345", "1500"), invoices: []abraflexi.IssuedInvoice{inv}, policy: noLabels,
			reason: MatchedOverpayment, remainder: abraflexi.RemainderIgnore, invoice: "VF1-0001/2026"},
		{name: "empty overpay mode settles", payment: bankPayment(1, "12345", "1500"), invoices: []abraflexi.IssuedInvoice{inv}, policy: Policy{Labels: DefaultLabels()},
			reason: MatchedOverpayment, remainder: abraflexi.RemainderIgnore, labels: []string{"PREPLATEK"}, invoice: "VF1-0001/2026"},
		{name: "no varsym", payment: bankPayment(1, "", "1000"), invoices: []abraflexi.IssuedInvoice{inv}, policy: settle,
			reason: NoVarSym, labels: []string{"NEIDENTIFIKOVANO"}},
		{name: "blank varsym", payment: bankPayment(1, "   ", "1000"), invoices: []abraflexi.IssuedInvoice{inv}, policy: settle,
			reason: NoVarSym, labels: []string{"NEIDENTIFIKOVANO"}},
		{name: "all-zero varsym", payment: bankPayment(1, "0000", "1000"), invoices: []abraflexi.IssuedInvoice{with(inv, func(i *abraflexi.IssuedInvoice) { i.VariableSymbol = "0" })}, policy: settle,
			reason: NoVarSym, labels: []string{"NEIDENTIFIKOVANO"}},
		{name: "unknown varsym", payment: bankPayment(1, "99999", "1000"), invoices: []abraflexi.IssuedInvoice{inv}, policy: settle,
			reason: UnknownVarSym, labels: []string{"CHYBIFAKTURA"}},
		{name: "no invoices at all", payment: bankPayment(1, "12345", "1000"), policy: settle,
			reason: UnknownVarSym, labels: []string{"CHYBIFAKTURA"}},
		{name: "ambiguous", payment: bankPayment(1, "12345", "1000"), invoices: []abraflexi.IssuedInvoice{inv, invoice(11, "VF1-0002/2026", "012345", "1000")}, policy: settle,
			reason: Ambiguous, labels: []string{"NEIDENTIFIKOVANO"}},
		{name: "leading zeros on payment", payment: bankPayment(1, "0012345", "1000"), invoices: []abraflexi.IssuedInvoice{inv}, policy: settle,
			reason: Matched, remainder: abraflexi.RemainderNone, invoice: "VF1-0001/2026"},
		{name: "leading zeros on invoice", payment: bankPayment(1, "12345", "1000"), invoices: []abraflexi.IssuedInvoice{with(inv, func(i *abraflexi.IssuedInvoice) { i.VariableSymbol = "0000012345" })}, policy: settle,
			reason: Matched, remainder: abraflexi.RemainderNone, invoice: "VF1-0001/2026"},
		{name: "varsym with spaces", payment: bankPayment(1, " 12345 ", "1000"), invoices: []abraflexi.IssuedInvoice{inv}, policy: settle,
			reason: Matched, remainder: abraflexi.RemainderNone, invoice: "VF1-0001/2026"},
		{name: "suffix is not the same symbol", payment: bankPayment(1, "2345", "1000"), invoices: []abraflexi.IssuedInvoice{inv}, policy: settle,
			reason: UnknownVarSym, labels: []string{"CHYBIFAKTURA"}},
		{name: "paid invoice is no candidate", payment: bankPayment(1, "12345", "1000"), invoices: []abraflexi.IssuedInvoice{with(inv, func(i *abraflexi.IssuedInvoice) { i.PaymentState = abraflexi.PaymentStatePaid })}, policy: settle,
			reason: UnknownVarSym, labels: []string{"CHYBIFAKTURA"}},
		{name: "manually paid invoice is no candidate", payment: bankPayment(1, "12345", "1000"), invoices: []abraflexi.IssuedInvoice{with(inv, func(i *abraflexi.IssuedInvoice) { i.PaymentState = abraflexi.PaymentStatePaidManually })}, policy: settle,
			reason: UnknownVarSym, labels: []string{"CHYBIFAKTURA"}},
		{name: "cancelled invoice is no candidate", payment: bankPayment(1, "12345", "1000"), invoices: []abraflexi.IssuedInvoice{inv, with(inv, func(i *abraflexi.IssuedInvoice) { i.ID = abraflexi.NumericID(12); i.Cancelled = true })}, policy: settle,
			reason: Matched, remainder: abraflexi.RemainderNone, invoice: "VF1-0001/2026"},
		{name: "credit note is no candidate", payment: bankPayment(1, "12345", "1000"), invoices: []abraflexi.IssuedInvoice{inv, with(inv, func(i *abraflexi.IssuedInvoice) { i.DocumentType = kindRef(abraflexi.KindCreditNote) })}, policy: settle,
			reason: Matched, remainder: abraflexi.RemainderNone, invoice: "VF1-0001/2026"},
		{name: "proforma is no candidate", payment: bankPayment(1, "12345", "1000"), invoices: []abraflexi.IssuedInvoice{with(inv, func(i *abraflexi.IssuedInvoice) { i.DocumentType = kindRef(abraflexi.KindProforma) })}, policy: settle,
			reason: UnknownVarSym, labels: []string{"CHYBIFAKTURA"}},
		{name: "unexpanded kind is no candidate", payment: bankPayment(1, "12345", "1000"), invoices: []abraflexi.IssuedInvoice{with(inv, func(i *abraflexi.IssuedInvoice) { i.DocumentType = abraflexi.Ref{} })}, policy: settle,
			reason: UnknownVarSym, labels: []string{"CHYBIFAKTURA"}},
		{name: "advance invoice is a candidate", payment: bankPayment(1, "12345", "1000"), invoices: []abraflexi.IssuedInvoice{with(inv, func(i *abraflexi.IssuedInvoice) { i.DocumentType = kindRef(abraflexi.KindAdvanceInvoice) })}, policy: settle,
			reason: Matched, remainder: abraflexi.RemainderNone, invoice: "VF1-0001/2026"},
		{name: "partly paid invoice compares with the remainder", payment: bankPayment(1, "12345", "400"), invoices: []abraflexi.IssuedInvoice{with(inv, func(i *abraflexi.IssuedInvoice) {
			i.PaymentState = abraflexi.PaymentStatePartial
			i.Remaining = dec("400")
		})}, policy: settle, reason: Matched, remainder: abraflexi.RemainderNone, invoice: "VF1-0001/2026"},
		{name: "already matched", payment: pay(bankPayment(1, "12345", "1000"), func(m *abraflexi.Movement) { m.Paired = true }), invoices: []abraflexi.IssuedInvoice{inv}, policy: settle,
			reason: AlreadyMatched},
		{name: "outgoing", payment: pay(bankPayment(1, "12345", "1000"), func(m *abraflexi.Movement) { m.Direction = abraflexi.DirectionOutgoing }), invoices: []abraflexi.IssuedInvoice{inv}, policy: settle,
			reason: NotIncoming},
		{name: "outgoing without varsym is still not incoming", payment: pay(bankPayment(1, "", "1000"), func(m *abraflexi.Movement) { m.Direction = abraflexi.DirectionOutgoing }), policy: settle,
			reason: NotIncoming},
		{name: "cancelled payment", payment: pay(bankPayment(1, "12345", "1000"), func(m *abraflexi.Movement) { m.Cancelled = true }), invoices: []abraflexi.IssuedInvoice{inv}, policy: settle,
			reason: PaymentCancelled},
		{name: "zero amount", payment: bankPayment(1, "12345", "0"), invoices: []abraflexi.IssuedInvoice{inv}, policy: settle,
			reason: InvalidAmount, labels: []string{"NEIDENTIFIKOVANO"}},
		{name: "half a heller rounds to zero", payment: bankPayment(1, "12345", "0.004"), invoices: []abraflexi.IssuedInvoice{inv}, policy: settle,
			reason: InvalidAmount, labels: []string{"NEIDENTIFIKOVANO"}},
		{name: "currency mismatch", payment: pay(bankPayment(1, "12345", "1000"), func(m *abraflexi.Movement) {
			m.Currency, m.TotalInCurrency = abraflexi.RefTo(abraflexi.CodeID("EUR")), dec("40")
		}), invoices: []abraflexi.IssuedInvoice{inv}, policy: settle,
			reason: CurrencyMismatch, labels: []string{"NEIDENTIFIKOVANO"}, invoice: "VF1-0001/2026"},
		{name: "missing currency is CZK", payment: pay(bankPayment(1, "12345", "1000"), func(m *abraflexi.Movement) { m.Currency = abraflexi.RefTo(abraflexi.CodeID("CZK")) }), invoices: []abraflexi.IssuedInvoice{inv}, policy: settle,
			reason: Matched, remainder: abraflexi.RemainderNone, invoice: "VF1-0001/2026"},
		{name: "same foreign currency", payment: pay(bankPayment(1, "12345", "1000"), func(m *abraflexi.Movement) {
			m.Currency, m.TotalInCurrency = abraflexi.Ref{ShowAs: "EUR: Euro"}, dec("40")
		}),
			invoices: []abraflexi.IssuedInvoice{eurInvoice(with(inv, func(i *abraflexi.IssuedInvoice) { i.Currency = abraflexi.RefTo(abraflexi.CodeID("eur")) }), "40")}, policy: settle,
			reason: Matched, remainder: abraflexi.RemainderNone, invoice: "VF1-0001/2026"},
		// Decimal edge cases.
		{name: "0.1 + 0.2 pays 0.3 exactly", payment: bankPayment(1, "12345", dec("0.1").Add(dec("0.2")).String()), invoices: []abraflexi.IssuedInvoice{invoice(10, "VF1-0001/2026", "12345", "0.3")}, policy: settle,
			reason: Matched, remainder: abraflexi.RemainderNone, invoice: "VF1-0001/2026"},
		{name: "float artefact 0.30000000000000004 pays 0.3", payment: bankPayment(1, "12345", "0.30000000000000004"), invoices: []abraflexi.IssuedInvoice{invoice(10, "VF1-0001/2026", "12345", "0.3")}, policy: settle,
			reason: Matched, remainder: abraflexi.RemainderNone, invoice: "VF1-0001/2026"},
		{name: "Java exponent rendering", payment: bankPayment(1, "12345", "1.2290034529E8"), invoices: []abraflexi.IssuedInvoice{invoice(10, "VF1-0001/2026", "12345", "122900345.29")}, policy: settle,
			reason: Matched, remainder: abraflexi.RemainderNone, invoice: "VF1-0001/2026"},
		{name: "Java exponent rendering one heller short", payment: bankPayment(1, "12345", "1.2290034528E8"), invoices: []abraflexi.IssuedInvoice{invoice(10, "VF1-0001/2026", "12345", "122900345.29")}, policy: settle,
			reason: MatchedPartial, remainder: abraflexi.RemainderPartial, amount: "122900345.28", invoice: "VF1-0001/2026"},
		{name: "one heller over", payment: bankPayment(1, "12345", "1000.01"), invoices: []abraflexi.IssuedInvoice{inv}, policy: manual,
			reason: Overpayment, labels: []string{"PREPLATEK"}, invoice: "VF1-0001/2026"},
		// Foreign currency: a payment and an invoice in euros compare by
		// their euro amounts; the crown figures are at two different rates
		// (2450 at the payment's, 2500 at the invoice's).
		{name: "EUR payment pays EUR invoice exactly", payment: eurPayment(1, "12345", "2450", "100"), invoices: []abraflexi.IssuedInvoice{eurInvoice(invoice(10, "VF-EUR", "12345", "2500"), "100")}, policy: settle,
			reason: Matched, remainder: abraflexi.RemainderNone, invoice: "VF-EUR"},
		{name: "EUR underpayment pays euros", payment: eurPayment(1, "12345", "980", "40"), invoices: []abraflexi.IssuedInvoice{eurInvoice(invoice(10, "VF-EUR", "12345", "2500"), "100")}, policy: settle,
			reason: MatchedPartial, remainder: abraflexi.RemainderPartial, amount: "40", invoice: "VF-EUR"},
		{name: "EUR overpayment", payment: eurPayment(1, "12345", "2940", "120"), invoices: []abraflexi.IssuedInvoice{eurInvoice(invoice(10, "VF-EUR", "12345", "2500"), "100")}, policy: settle,
			reason: MatchedOverpayment, remainder: abraflexi.RemainderIgnore, labels: []string{"PREPLATEK"}, invoice: "VF-EUR"},
		{name: "EUR crowns never compared with the invoice's crowns", payment: eurPayment(1, "12345", "2500", "102.04"), invoices: []abraflexi.IssuedInvoice{eurInvoice(invoice(10, "VF-EUR", "12345", "2500"), "100")}, policy: manual,
			reason: Overpayment, labels: []string{"PREPLATEK"}, invoice: "VF-EUR"},
		{name: "EUR payment of a CZK invoice", payment: eurPayment(1, "12345", "1000", "40"), invoices: []abraflexi.IssuedInvoice{inv}, policy: settle,
			reason: CurrencyMismatch, labels: []string{"NEIDENTIFIKOVANO"}, invoice: "VF1-0001/2026"},
		{name: "CZK payment of a EUR invoice", payment: bankPayment(1, "12345", "2500"), invoices: []abraflexi.IssuedInvoice{eurInvoice(invoice(10, "VF-EUR", "12345", "2500"), "100")}, policy: settle,
			reason: CurrencyMismatch, labels: []string{"NEIDENTIFIKOVANO"}, invoice: "VF-EUR"},
		{name: "partly paid EUR invoice compares with zbyvaUhraditMen", payment: eurPayment(1, "12345", "1470", "60"), invoices: []abraflexi.IssuedInvoice{with(eurInvoice(invoice(10, "VF-EUR", "12345", "2500"), "100"), func(i *abraflexi.IssuedInvoice) {
			i.PaymentState, i.Remaining, i.RemainingInCurrency = abraflexi.PaymentStatePartial, dec("1500"), dec("60")
		})}, policy: settle, reason: Matched, remainder: abraflexi.RemainderNone, invoice: "VF-EUR"},
		{name: "home currency EUR: documents without mena are in euros", payment: bankPayment(1, "12345", "100"), invoices: []abraflexi.IssuedInvoice{with(invoice(10, "VF1", "12345", "100"), func(i *abraflexi.IssuedInvoice) {
			i.Currency = abraflexi.RefTo(abraflexi.CodeID("EUR"))
		})}, policy: Policy{HomeCurrency: "eur", Labels: DefaultLabels()}, reason: Matched, remainder: abraflexi.RemainderNone, invoice: "VF1"},
		// An invoice covered by a deducted advance: nothing left to pay,
		// stavUhrK still empty. It is not due, so it is no candidate.
		{name: "advance-covered invoice is not due", payment: bankPayment(1, "12345", "1000"), invoices: []abraflexi.IssuedInvoice{advanceCovered(inv)}, policy: settle,
			reason: UnknownVarSym, labels: []string{"CHYBIFAKTURA"}},
		{name: "advance-covered invoice beside an open one", payment: bankPayment(1, "12345", "500"), invoices: []abraflexi.IssuedInvoice{advanceCovered(inv), invoice(11, "VF1-0002/2026", "12345", "500")}, policy: settle,
			reason: Matched, remainder: abraflexi.RemainderNone, invoice: "VF1-0002/2026"},
		{name: "advance-covered EUR invoice is not due", payment: eurPayment(1, "12345", "2450", "100"), invoices: []abraflexi.IssuedInvoice{advanceCovered(eurInvoice(invoice(10, "VF-EUR", "12345", "2500"), "100"))}, policy: settle,
			reason: UnknownVarSym, labels: []string{"CHYBIFAKTURA"}},
		// Re-runs after a settled overpayment (ignorovat): the excess stays
		// on the payment, unpaired, and is all that may still be paired.
		{name: "overpayment re-run: invoice paid", payment: overpaid(bankPayment(1, "12345", "1500"), "1000", "", "VF1-0001/2026"), invoices: []abraflexi.IssuedInvoice{paid(inv)}, policy: settle,
			reason: AlreadyMatched},
		{name: "overpayment re-run: invoice listed open by a stale read", payment: overpaid(bankPayment(1, "12345", "1500"), "1000", "", "VF1-0001/2026"), policy: settle,
			reason: AlreadyMatched},
		{name: "overpayment re-run: the next invoice gets only the excess", payment: overpaid(bankPayment(1, "12345", "1500"), "1000", "", "VF1-0001/2026"), invoices: []abraflexi.IssuedInvoice{paid(inv), invoice(11, "VF1-0002/2026", "12345", "1000")}, policy: settle,
			reason: MatchedPartial, remainder: abraflexi.RemainderPartial, amount: "500", invoice: "VF1-0002/2026"},
		{name: "overpayment re-run: the excess pays the next invoice exactly", payment: overpaid(bankPayment(1, "12345", "1500"), "1000", "", "VF1-0001/2026"), invoices: []abraflexi.IssuedInvoice{invoice(11, "VF1-0002/2026", "12345", "500")}, policy: settle,
			reason: Matched, remainder: abraflexi.RemainderNone, amount: "500", invoice: "VF1-0002/2026"},
		{name: "overpayment re-run: the excess overpays again", payment: overpaid(bankPayment(1, "12345", "1500"), "1000", "", "VF1-0001/2026"), invoices: []abraflexi.IssuedInvoice{invoice(11, "VF1-0002/2026", "12345", "300")}, policy: settle,
			reason: MatchedOverpayment, remainder: abraflexi.RemainderIgnore, labels: []string{"PREPLATEK"}, invoice: "VF1-0002/2026"},
		{name: "EUR overpayment re-run", payment: overpaid(eurPayment(1, "12345", "2940", "120"), "2450", "100", "VF-EUR"), invoices: []abraflexi.IssuedInvoice{eurInvoice(invoice(11, "VF-EUR2", "12345", "2500"), "100")}, policy: settle,
			reason: MatchedPartial, remainder: abraflexi.RemainderPartial, amount: "20", invoice: "VF-EUR2"},
		{name: "links that use the payment up", payment: overpaid(bankPayment(1, "12345", "1000"), "1000", "", "VF1-0001/2026"), invoices: []abraflexi.IssuedInvoice{invoice(11, "VF1-0002/2026", "12345", "1000")}, policy: settle,
			reason: AlreadyMatched},
		{name: "a cancelled link uses nothing", payment: pay(bankPayment(1, "12345", "1000"), func(m *abraflexi.Movement) {
			m.Links = []abraflexi.Link{{Type: abraflexi.LinkPayment, Amount: dec("1000"), Cancelled: true}}
		}), invoices: []abraflexi.IssuedInvoice{inv}, policy: settle, reason: Matched, remainder: abraflexi.RemainderNone, invoice: "VF1-0001/2026"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Decide(tt.payment, tt.invoices, tt.policy)
			if d.Reason != tt.reason {
				t.Fatalf("reason = %s, want %s (decision %+v)", d.Reason, tt.reason, d)
			}
			if d.Remainder != tt.remainder {
				t.Errorf("remainder = %q, want %q", d.Remainder, tt.remainder)
			}
			if d.Pairs() != (tt.remainder != "") {
				t.Errorf("Pairs() = %v", d.Pairs())
			}
			switch {
			case tt.amount == "" && d.PairAmount != nil:
				t.Errorf("pair amount = %s, want none", d.PairAmount)
			case tt.amount != "" && (d.PairAmount == nil || !d.PairAmount.Equal(dec(tt.amount))):
				t.Errorf("pair amount = %v, want %s", d.PairAmount, tt.amount)
			}
			if !equalStrings(d.Labels, tt.labels) {
				t.Errorf("labels = %q, want %q", d.Labels, tt.labels)
			}
			got := ""
			if d.Invoice != nil {
				got = d.Invoice.Code
			}
			if got != tt.invoice {
				t.Errorf("invoice = %q, want %q", got, tt.invoice)
			}
			req, ok := d.PairRequest(tt.payment)
			if ok != d.Pairs() {
				t.Fatalf("PairRequest ok = %v, Pairs = %v", ok, d.Pairs())
			}
			if ok {
				if req.PaymentEvidence != abraflexi.EvidenceBank || req.Payment != tt.payment.Movement.ID || req.Invoice != d.Invoice.ID || req.Remainder != d.Remainder {
					t.Errorf("pair request = %+v", req)
				}
				if err := req.Validate(); err != nil {
					t.Errorf("pair request invalid: %v", err)
				}
			}
		})
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestDecideDoesNotModifyInput(t *testing.T) {
	invs := []abraflexi.IssuedInvoice{invoice(10, "VF1", "1", "100")}
	d := Decide(bankPayment(1, "1", "100"), invs, DefaultPolicy())
	d.Invoice.Code = "CHANGED"
	if invs[0].Code != "VF1" {
		t.Fatal("the decision aliases the caller's invoice")
	}
}

func TestPlanCarriesPairingsForward(t *testing.T) {
	invs := []abraflexi.IssuedInvoice{
		invoice(10, "A", "111", "1000"),
		invoice(11, "B", "222", "1000"),
		invoice(12, "C", "333", "500"),
	}
	pays := []Payment{
		bankPayment(1, "111", "1000"), // pays A in full
		bankPayment(2, "111", "1000"), // A no longer open
		bankPayment(3, "222", "600"),  // partial on B
		bankPayment(4, "0222", "400"), // the rest of B exactly
		bankPayment(5, "222", "1"),    // B paid: unknown
		bankPayment(6, "333", "800"),  // overpays C
		bankPayment(6, "333", "800"),  // the same payment listed twice
		pay(bankPayment(7, "333", "1"), func(m *abraflexi.Movement) { m.Paired = true }),
	}
	want := []Reason{Matched, UnknownVarSym, MatchedPartial, Matched, UnknownVarSym, MatchedOverpayment, AlreadyMatched, AlreadyMatched}
	ds := Plan(pays, invs, DefaultPolicy())
	if len(ds) != len(pays) {
		t.Fatalf("%d decisions for %d payments", len(ds), len(pays))
	}
	for i, d := range ds {
		if d.Reason != want[i] {
			t.Errorf("payment %d: %s, want %s", i, d.Reason, want[i])
		}
	}
	if !ds[3].Due.Equal(dec("400")) {
		t.Errorf("second payment of B saw %s due, want 400", ds[3].Due)
	}
	if invs[1].Remaining.Cmp(dec("1000")) != 0 || invs[1].PaymentState != "" {
		t.Error("Plan modified the caller's invoices")
	}
	// Each payment alone against the snapshot agrees with Plan for the
	// first payment of every invoice.
	for _, i := range []int{0, 2, 5} {
		if d := Decide(pays[i], invs, DefaultPolicy()); d.Reason != ds[i].Reason {
			t.Errorf("Decide(%d) = %s, Plan = %s", i, d.Reason, ds[i].Reason)
		}
	}
}

func TestPlanAmbiguousStaysAmbiguous(t *testing.T) {
	invs := []abraflexi.IssuedInvoice{invoice(10, "A", "5", "10"), invoice(11, "B", "05", "10")}
	ds := Plan([]Payment{bankPayment(1, "5", "10"), bankPayment(2, "5", "10")}, invs, DefaultPolicy())
	for i, d := range ds {
		if d.Reason != Ambiguous || d.Candidates != 2 {
			t.Errorf("payment %d: %s with %d candidates", i, d.Reason, d.Candidates)
		}
	}
}

func TestParseOverpayMode(t *testing.T) {
	for in, want := range map[string]OverpayMode{"": OverpaySettle, "settle": OverpaySettle, " Manual ": OverpayManual} {
		got, err := ParseOverpayMode(in)
		if err != nil || got != want {
			t.Errorf("ParseOverpayMode(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseOverpayMode("refund"); err == nil {
		t.Error("ParseOverpayMode(refund) did not fail")
	}
}

func TestParseEvidenceChoice(t *testing.T) {
	for in, want := range map[string][]string{
		"":               {abraflexi.EvidenceBank, abraflexi.EvidenceCash},
		"auto":           {abraflexi.EvidenceBank, abraflexi.EvidenceCash},
		"BANKA":          {abraflexi.EvidenceBank},
		"pokladna":       {abraflexi.EvidenceCash},
		"pokladni-pohyb": {abraflexi.EvidenceCash},
	} {
		got, err := ParseEvidenceChoice(in)
		if err != nil || !equalStrings(got.Evidences(), want) {
			t.Errorf("ParseEvidenceChoice(%q) = %q (%v), %v", in, got, got.Evidences(), err)
		}
	}
	if _, err := ParseEvidenceChoice("faktura-vydana"); err == nil {
		t.Error("ParseEvidenceChoice(faktura-vydana) did not fail")
	}
}

func TestParseDocumentID(t *testing.T) {
	for in, want := range map[string]string{
		"123":          "123",
		" 42 ":         "42",
		"code:B+1/26":  "code:B+1/26",
		"b+0001/2026":  "code:B+0001/2026",
		"ext:BANK:abc": "ext:BANK:abc",
		"0012":         "12",
	} {
		id, err := ParseDocumentID(in)
		if err != nil || id.String() != want {
			t.Errorf("ParseDocumentID(%q) = %s, %v; want %s", in, id, err, want)
		}
	}
	for _, in := range []string{"", "0", "-5", "code:"} {
		if _, err := ParseDocumentID(in); err == nil {
			t.Errorf("ParseDocumentID(%q) did not fail", in)
		}
	}
}

// TestAlreadyMatchedNamesThePaidInvoice: a re-run names the invoice the
// payment paid (from its links), so the bridge can confirm it.
func TestAlreadyMatchedNamesThePaidInvoice(t *testing.T) {
	p := overpaid(bankPayment(1, "12345", "1500"), "1000", "", "VF1-0001/2026")
	d := Decide(p, nil, DefaultPolicy())
	if d.Reason != AlreadyMatched || d.Paid.Code() != "VF1-0001/2026" || !d.Allocated.Equal(dec("1000")) || !d.Amount.Equal(dec("500")) {
		t.Fatalf("decision %+v", d)
	}
	p = pay(overpaid(bankPayment(1, "12345", "1000"), "1000", "", "VF1-0009/2026"), func(m *abraflexi.Movement) { m.Paired = true })
	if d := Decide(p, nil, DefaultPolicy()); d.Reason != AlreadyMatched || d.Paid.Code() != "VF1-0009/2026" {
		t.Fatalf("paired payment: %+v", d)
	}
}

// TestPlanForeignCurrency carries euro amounts forward and never mixes
// them with crowns.
func TestPlanForeignCurrency(t *testing.T) {
	invs := []abraflexi.IssuedInvoice{eurInvoice(invoice(10, "A", "111", "2500"), "100"), invoice(11, "B", "222", "1000")}
	pays := []Payment{
		eurPayment(1, "111", "1470", "60"), // partial on A: 40 EUR left
		eurPayment(2, "111", "980", "40"),  // the rest of A exactly
		eurPayment(3, "222", "1000", "40"), // EUR on a CZK invoice
		bankPayment(4, "222", "1000"),      // pays B
	}
	ds := Plan(pays, invs, DefaultPolicy())
	want := []Reason{MatchedPartial, Matched, CurrencyMismatch, Matched}
	for i, d := range ds {
		if d.Reason != want[i] {
			t.Errorf("payment %d: %s, want %s", i, d.Reason, want[i])
		}
	}
	if !ds[1].Due.Equal(dec("40")) || ds[1].Currency != "EUR" {
		t.Errorf("second payment of A saw %s %s due, want 40 EUR", ds[1].Due, ds[1].Currency)
	}
}
