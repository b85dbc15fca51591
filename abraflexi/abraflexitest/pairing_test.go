package abraflexitest

import (
	"context"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/spoje-net/isptools/abraflexi"
)

func readPayment(t *testing.T, s *Server, code string) abraflexi.Movement {
	t.Helper()
	c, err := abraflexi.NewClient(s.Config())
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.Bank.Get(context.Background(), abraflexi.CodeID(code))
	if err != nil {
		t.Fatal(err)
	}
	return b.Movement
}

// TestIgnoredExcessStaysOnThePayment: an overpayment paired with ignorovat
// pays the invoice, keeps the excess on the payment (sparovano false, its
// payment link lists the used part) and a later pairing can use only that
// excess.
func TestIgnoredExcessStaysOnThePayment(t *testing.T) {
	s := newTestServer(t)
	s.Seed(
		abraflexi.IssuedInvoice{Code: "VF1", VariableSymbol: "7", Total: decimal.NewFromInt(1000)},
		abraflexi.IssuedInvoice{Code: "VF2", VariableSymbol: "7", Total: decimal.NewFromInt(1000)},
		abraflexi.BankMovement{Movement: abraflexi.Movement{Code: "B1", VariableSymbol: "7", Total: decimal.NewFromInt(1500)}},
	)
	sp := func(inv, mode, castka string) map[string]any {
		m := map[string]any{"uhrazovanaFak": inv, "uhrazovanaFak@type": "faktura-vydana", "zbytek": mode}
		if castka != "" {
			m["uhrazovanaFak@castka"] = castka
		}
		return m
	}
	expectStatus(t, call(t, s, "POST", "banka.json", pairBody("code:B1", sp("code:VF1", "ignorovat", ""))), 201)
	m := readPayment(t, s, "B1")
	if bool(m.Paired) || len(m.Links) != 1 || !m.Allocated("CZK").Value.Equal(decimal.NewFromInt(1000)) ||
		!m.Unallocated("CZK").Value.Equal(decimal.NewFromInt(500)) || m.Links[0].PaidDocument().Code() != "VF1" {
		t.Fatalf("after the overpayment: %+v", m)
	}
	// The full amount cannot be paired again: only the 500 left.
	r := call(t, s, "POST", "banka.json", pairBody("code:B1", sp("code:VF2", "ne", "")))
	expectStatus(t, r, 400)
	if e := firstError(t, r); e["for"] != "sparovani" {
		t.Errorf("error %v", e)
	}
	expectStatus(t, call(t, s, "POST", "banka.json", pairBody("code:B1", sp("code:VF2", "castecnaUhrada", ""))), 201)
	if inv, _ := s.Invoice(abraflexi.CodeID("VF2")); !inv.Remaining.Equal(decimal.NewFromInt(500)) || inv.PaymentState != abraflexi.PaymentStatePartial {
		t.Errorf("VF2 %+v", inv)
	}
	m = readPayment(t, s, "B1")
	if !bool(m.Paired) || !m.Unallocated("CZK").Value.IsZero() || len(m.Links) != 2 {
		t.Fatalf("after using the excess: %+v", m)
	}
	expectStatus(t, call(t, s, "POST", "banka.json", pairBody("code:B1", sp("code:VF2", "castecnaUhrada", "1"))), 400)
}

// TestForeignCurrencyPairing: a EUR payment pays a EUR invoice by the euro
// amounts (castka in the payment's currency), whatever the crown figures
// at their two rates say; a payment cannot pay an invoice in another
// currency.
func TestForeignCurrencyPairing(t *testing.T) {
	s := newTestServer(t)
	eur := abraflexi.RefTo(abraflexi.CodeID("EUR"))
	s.Seed(
		abraflexi.IssuedInvoice{Code: "VF-EUR", VariableSymbol: "8", Total: decimal.NewFromInt(2500), TotalInCurrency: decimal.NewFromInt(100), Currency: eur},
		abraflexi.IssuedInvoice{Code: "VF-CZK", VariableSymbol: "9", Total: decimal.NewFromInt(2500)},
		abraflexi.BankMovement{Movement: abraflexi.Movement{Code: "B-EUR", Total: decimal.NewFromInt(2450), TotalInCurrency: decimal.NewFromInt(100), Currency: eur}},
	)
	inv, _ := s.Invoice(abraflexi.CodeID("VF-EUR"))
	if !inv.RemainingInCurrency.Equal(decimal.NewFromInt(100)) || !inv.Remaining.Equal(decimal.NewFromInt(2500)) {
		t.Fatalf("seeded EUR invoice %+v", inv)
	}
	sp := func(inv string) map[string]any {
		return map[string]any{"uhrazovanaFak": inv, "uhrazovanaFak@type": "faktura-vydana", "zbytek": "ne"}
	}
	r := call(t, s, "POST", "banka.json", pairBody("code:B-EUR", sp("code:VF-CZK")))
	expectStatus(t, r, 400)
	expectStatus(t, call(t, s, "POST", "banka.json", pairBody("code:B-EUR", sp("code:VF-EUR"))), 201)
	inv, _ = s.Invoice(abraflexi.CodeID("VF-EUR"))
	if !inv.RemainingInCurrency.IsZero() || !inv.Remaining.IsZero() || inv.PaymentState != abraflexi.PaymentStatePaid {
		t.Errorf("EUR invoice after pairing %+v", inv)
	}
	m := readPayment(t, s, "B-EUR")
	if !bool(m.Paired) || len(m.Links) != 1 || !m.Links[0].AmountInCurrency.Equal(decimal.NewFromInt(100)) ||
		!m.Links[0].Amount.Equal(decimal.NewFromInt(2450)) || m.Links[0].Currency.Code() != "EUR" {
		t.Errorf("EUR payment %+v", m)
	}
	// A partial EUR payment lowers the crown figure at the invoice's rate.
	s.Seed(
		abraflexi.IssuedInvoice{Code: "VF-EUR2", VariableSymbol: "10", Total: decimal.NewFromInt(2500), TotalInCurrency: decimal.NewFromInt(100), Currency: eur},
		abraflexi.BankMovement{Movement: abraflexi.Movement{Code: "B-EUR2", Total: decimal.NewFromInt(980), TotalInCurrency: decimal.NewFromInt(40), Currency: eur}},
	)
	part := map[string]any{"uhrazovanaFak": "code:VF-EUR2", "uhrazovanaFak@type": "faktura-vydana", "uhrazovanaFak@castka": "40", "zbytek": "castecnaUhrada"}
	expectStatus(t, call(t, s, "POST", "banka.json", pairBody("code:B-EUR2", part)), 201)
	inv, _ = s.Invoice(abraflexi.CodeID("VF-EUR2"))
	if !inv.RemainingInCurrency.Equal(decimal.NewFromInt(60)) || !inv.Remaining.Equal(decimal.NewFromInt(1500)) || inv.PaymentState != abraflexi.PaymentStatePartial {
		t.Errorf("partly paid EUR invoice %+v", inv)
	}
}

// TestSeveralInvoicesInOnePairing: one pairing with several uhrazovanaFak
// (the client's PairRequest.More) consumes the payment in the listed
// order: with ne the sum must be exact; with castecnaUhrada the first
// invoices are paid in full and the rest of the payment goes to the next
// one; every paid invoice gets its own payment link. An invoice listed
// twice, a paid invoice or one in another currency fails the whole
// pairing and nothing is written.
func TestSeveralInvoicesInOnePairing(t *testing.T) {
	s := newTestServer(t)
	s.Seed(
		abraflexi.Address{Code: "CUST", Name: "Zákazník"},
		abraflexi.IssuedInvoice{Code: "VF1", VariableSymbol: "1", Total: decimal.NewFromInt(500), Customer: abraflexi.RefTo(abraflexi.CodeID("CUST"))},
		abraflexi.IssuedInvoice{Code: "VF2", VariableSymbol: "2", Total: decimal.NewFromInt(300), Customer: abraflexi.RefTo(abraflexi.CodeID("CUST"))},
		abraflexi.IssuedInvoice{Code: "VF3", VariableSymbol: "3", Total: decimal.NewFromInt(200), Customer: abraflexi.RefTo(abraflexi.CodeID("CUST"))},
		abraflexi.IssuedInvoice{Code: "VF-EUR", VariableSymbol: "4", Total: decimal.NewFromInt(2500), TotalInCurrency: decimal.NewFromInt(100),
			Currency: abraflexi.RefTo(abraflexi.CodeID("EUR"))},
		abraflexi.BankMovement{Movement: abraflexi.Movement{Code: "B-EXACT", Total: decimal.NewFromInt(800)}},
		abraflexi.BankMovement{Movement: abraflexi.Movement{Code: "B-PART", Total: decimal.NewFromInt(250)}},
		abraflexi.BankMovement{Movement: abraflexi.Movement{Code: "B-BAD", Total: decimal.NewFromInt(1000)}},
	)
	c, err := abraflexi.NewClient(s.Config())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	more := func(codes ...string) []abraflexi.PairInvoice {
		var out []abraflexi.PairInvoice
		for _, c := range codes {
			out = append(out, abraflexi.PairInvoice{Invoice: abraflexi.CodeID(c)})
		}
		return out
	}
	remaining := func(code string) string {
		inv, _ := s.Invoice(abraflexi.CodeID(code))
		return inv.Remaining.String() + " " + inv.PaymentState
	}

	// ne with the wrong sum: 400, nothing written.
	bad := abraflexi.PairRequest{PaymentEvidence: abraflexi.EvidenceBank, Payment: abraflexi.CodeID("B-EXACT"),
		Invoice: abraflexi.CodeID("VF1"), More: more("VF3"), Remainder: abraflexi.RemainderNone}
	if err := c.Pair(ctx, bad); err == nil {
		t.Fatal("500+200 paired from 800 with zbytek ne")
	}
	if got := remaining("VF1"); got != "500 " {
		t.Fatalf("VF1 after a refused pairing: %s", got)
	}
	// ne with the exact sum: both paid, two links, the payment paired.
	ok := bad
	ok.More = more("VF2")
	if err := c.Pair(ctx, ok); err != nil {
		t.Fatal(err)
	}
	if remaining("VF1") != "0 "+abraflexi.PaymentStatePaid || remaining("VF2") != "0 "+abraflexi.PaymentStatePaid {
		t.Errorf("after 500+300: VF1 %s, VF2 %s", remaining("VF1"), remaining("VF2"))
	}
	m := readPayment(t, s, "B-EXACT")
	if !bool(m.Paired) || len(m.Links) != 2 || m.Links[0].PaidDocument().Code() != "VF1" || m.Links[1].PaidDocument().Code() != "VF2" ||
		!m.Links[0].Amount.Equal(decimal.NewFromInt(500)) || !m.Links[1].Amount.Equal(decimal.NewFromInt(300)) {
		t.Errorf("payment links %+v", m.Links)
	}

	// castecnaUhrada consumes in order: of 250, VF3 (200) takes 200 first
	// and the 50 left go to the next listed invoice, VF5 (100).
	s.Seed(abraflexi.IssuedInvoice{Code: "VF5", VariableSymbol: "5", Total: decimal.NewFromInt(100)})
	part := abraflexi.PairRequest{PaymentEvidence: abraflexi.EvidenceBank, Payment: abraflexi.CodeID("B-PART"),
		Invoice: abraflexi.CodeID("VF3"), More: more("VF5"), Remainder: abraflexi.RemainderPartial}
	if err := c.Pair(ctx, part); err != nil {
		t.Fatal(err)
	}
	if remaining("VF3") != "0 "+abraflexi.PaymentStatePaid || remaining("VF5") != "50 "+abraflexi.PaymentStatePartial {
		t.Errorf("after 250 over 200+100: VF3 %s, VF5 %s", remaining("VF3"), remaining("VF5"))
	}

	// Refused as a whole: an invoice twice, a paid invoice, another currency.
	s.Seed(abraflexi.IssuedInvoice{Code: "VF6", VariableSymbol: "6", Total: decimal.NewFromInt(500)})
	for name, sp := range map[string]map[string]any{
		"twice": {"zbytek": "ignorovat", "uhrazovanaFak": []any{
			map[string]any{"@type": "faktura-vydana", "id": "code:VF6"}, map[string]any{"@type": "faktura-vydana", "id": "code:VF6"}}},
		"paid": {"zbytek": "ignorovat", "uhrazovanaFak": []any{
			map[string]any{"@type": "faktura-vydana", "id": "code:VF6"}, map[string]any{"@type": "faktura-vydana", "id": "code:VF1"}}},
		"currency": {"zbytek": "ignorovat", "uhrazovanaFak": []any{
			map[string]any{"@type": "faktura-vydana", "id": "code:VF6"}, map[string]any{"@type": "faktura-vydana", "id": "code:VF-EUR"}}},
	} {
		r := call(t, s, "POST", "banka.json", pairBody("code:B-BAD", sp))
		if r.status != 400 {
			t.Errorf("%s: status %d %s", name, r.status, r.raw)
		}
		if got := remaining("VF6"); got != "500 " {
			t.Errorf("%s: VF6 %s", name, got)
		}
	}
}

// TestCustomerBankAccounts: adresar-bankovni-ucet holds accounts without
// kod, related to an address-book record, listed and filtered like any
// evidence.
func TestCustomerBankAccounts(t *testing.T) {
	s := newTestServer(t)
	s.AddAddress(abraflexi.Address{Code: "CUST", Name: "Zákazník"})
	s.AddCustomerBankAccount(abraflexi.CustomerBankAccount{Customer: abraflexi.RefTo(abraflexi.CodeID("CUST")), Number: "19-2000145399",
		BankCode: abraflexi.RefTo(abraflexi.CodeID("0800"))})
	s.AddCustomerBankAccount(abraflexi.CustomerBankAccount{Customer: abraflexi.RefTo(abraflexi.CodeID("CUST")), IBAN: "DE89 3704 0044 0532 0130 00"})
	if _, err := s.TrySeed(abraflexi.CustomerBankAccount{Customer: abraflexi.RefTo(abraflexi.CodeID("NOBODY")), Number: "1"}); err == nil {
		t.Error("an account of a missing customer was stored")
	}
	c, err := abraflexi.NewClient(s.Config())
	if err != nil {
		t.Fatal(err)
	}
	svc := abraflexi.NewService[abraflexi.CustomerBankAccount](c)
	all, err := svc.All(context.Background(), abraflexi.ListOptions{})
	if err != nil || len(all) != 2 {
		t.Fatalf("listing: %v %+v", err, all)
	}
	key, ok := all[0].AccountIBAN()
	if !ok || key != abraflexi.MustParseIBAN("CZ6508000000192000145399") || all[0].Customer.Code() != "CUST" || all[0].BankCode.Code() != "0800" {
		t.Errorf("first account %+v (%s)", all[0], key)
	}
	got, err := svc.All(context.Background(), abraflexi.ListOptions{Filter: abraflexi.Or(abraflexi.Like("buc", "2000145399"),
		abraflexi.In("iban", "CZ6508000000192000145399"))})
	if err != nil || len(got) != 1 {
		t.Errorf("filtered: %v %+v", err, got)
	}
}
