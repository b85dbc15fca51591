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
		NoDocumentID: 1, DocumentNotFound: 1, SettleFailed: 1, Failed: 1, Reason("bogus"): 1,
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
		{name: "currency mismatch", payment: pay(bankPayment(1, "12345", "1000"), func(m *abraflexi.Movement) { m.Currency = abraflexi.RefTo(abraflexi.CodeID("EUR")) }), invoices: []abraflexi.IssuedInvoice{inv}, policy: settle,
			reason: CurrencyMismatch, invoice: "VF1-0001/2026"},
		{name: "missing currency is CZK", payment: pay(bankPayment(1, "12345", "1000"), func(m *abraflexi.Movement) { m.Currency = abraflexi.RefTo(abraflexi.CodeID("CZK")) }), invoices: []abraflexi.IssuedInvoice{inv}, policy: settle,
			reason: Matched, remainder: abraflexi.RemainderNone, invoice: "VF1-0001/2026"},
		{name: "same foreign currency", payment: pay(bankPayment(1, "12345", "1000"), func(m *abraflexi.Movement) { m.Currency = abraflexi.Ref{ShowAs: "EUR: Euro"} }),
			invoices: []abraflexi.IssuedInvoice{with(inv, func(i *abraflexi.IssuedInvoice) { i.Currency = abraflexi.RefTo(abraflexi.CodeID("eur")) })}, policy: settle,
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
		{name: "zero remaining on unpaid invoice falls back to the total", payment: bankPayment(1, "12345", "1000"), invoices: []abraflexi.IssuedInvoice{with(inv, func(i *abraflexi.IssuedInvoice) { i.Remaining = decimal.Zero })}, policy: settle,
			reason: Matched, remainder: abraflexi.RemainderNone, invoice: "VF1-0001/2026"},
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
