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
