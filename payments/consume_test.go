package payments_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/abraflexi/abraflexitest"
	"github.com/spoje-net/isptools/payments"
)

// TestServerOverpaymentIsConsumedOnce: after an overpayment paired with
// ignorovat the payment stays unpaired with its excess on it. Re-running
// (webhook redelivery) must never pay the full amount again: without a
// new invoice nothing happens, a new invoice of the same variable symbol
// gets only the excess, and then the payment is used up.
func TestServerOverpaymentIsConsumedOnce(t *testing.T) {
	w := newWorld(t)
	first := w.invoice("VF1-0001/2026", "777", "1000")
	pay := w.bank("B+0001/2026", "777", "1500")

	res, err := w.matcher(nil).MatchOne(ctx, "B+0001/2026")
	if err != nil || res.Reason != payments.MatchedOverpayment {
		t.Fatalf("first run %+v, %v", res, err)
	}
	if m := w.mustMovement(t, abraflexi.EvidenceBank, pay); m.Paired {
		t.Fatal("abraflexitest marks an ignorovat overpayment paired; the re-run below would prove nothing")
	}

	// Redelivered event: already matched, nothing written, no label.
	w.srv.ResetRequests()
	res, err = w.matcher(nil).MatchOne(ctx, "B+0001/2026")
	if err != nil || res.Reason != payments.AlreadyMatched || res.ExitCode != 0 || res.Invoice != "VF1-0001/2026" ||
		!res.Allocated.Equal(d("1000")) || !res.Amount.Equal(d("500")) {
		t.Fatalf("re-run %+v, %v", res, err)
	}
	if n := w.posts(); n != 0 {
		t.Errorf("re-run wrote %d requests", n)
	}
	if got := w.mustMovement(t, abraflexi.EvidenceBank, pay).Labels.Codes(); !slices.Equal(got, []string{"PREPLATEK", "VIP"}) {
		t.Errorf("labels after the re-run %v", got)
	}

	// The next month's invoice of the same variable symbol: only the 500
	// left is paired with it.
	second := w.invoice("VF1-0002/2026", "777", "1000")
	res, err = w.matcher(nil).MatchOne(ctx, "B+0001/2026")
	if err != nil || res.Reason != payments.MatchedPartial || res.Invoice != "VF1-0002/2026" || !res.Amount.Equal(d("500")) {
		t.Fatalf("run with the next invoice %+v, %v", res, err)
	}
	if inv := w.mustInvoice(t, second); !inv.Remaining.Equal(d("500")) || inv.PaymentState != abraflexi.PaymentStatePartial {
		t.Errorf("second invoice %+v", inv)
	}
	if inv := w.mustInvoice(t, first); !inv.Remaining.IsZero() {
		t.Errorf("first invoice %+v", inv)
	}
	res, err = w.matcher(nil).MatchOne(ctx, "B+0001/2026")
	if err != nil || res.Reason != payments.AlreadyMatched {
		t.Fatalf("last run %+v, %v", res, err)
	}
	if inv := w.mustInvoice(t, second); !inv.Remaining.Equal(d("500")) {
		t.Errorf("the payment paid the second invoice again: %+v", inv)
	}
}

// TestServerForeignCurrency: a 100 EUR payment pays a 100 EUR invoice
// exactly (not as 2450 of 2500 crowns), and a EUR payment of a CZK
// invoice goes to the manual queue with the unidentified label.
func TestServerForeignCurrency(t *testing.T) {
	w := newWorld(t)
	eur := abraflexi.RefTo(abraflexi.CodeID("EUR"))
	inv := w.srv.AddInvoice(abraflexi.IssuedInvoice{Code: "VF-EUR", VariableSymbol: "500", Total: d("2500"), TotalInCurrency: d("100"),
		Currency: eur, DocumentType: abraflexi.RefTo(abraflexi.CodeID("FAKTURA"))})
	w.bank("B-EUR", "500", "2450", func(m *abraflexi.Movement) { m.Currency, m.TotalInCurrency = eur, d("100") })
	w.invoice("VF-CZK", "600", "2500")
	mismatch := w.bank("B-EUR2", "600", "2450", func(m *abraflexi.Movement) { m.Currency, m.TotalInCurrency = eur, d("100") })

	res, err := w.matcher(nil).MatchOne(ctx, "B-EUR")
	if err != nil || res.Reason != payments.Matched || res.Currency != "EUR" || !res.Amount.Equal(d("100")) || !res.Due.Equal(d("100")) ||
		!strings.Contains(res.Message, "100.00 EUR") {
		t.Fatalf("%+v, %v", res, err)
	}
	if got := w.mustInvoice(t, inv); got.PaymentState != abraflexi.PaymentStatePaid || !got.RemainingInCurrency.IsZero() {
		t.Errorf("EUR invoice %+v", got)
	}
	res, err = w.matcher(nil).MatchOne(ctx, "B-EUR2")
	if err != nil || res.Reason != payments.CurrencyMismatch || res.ExitCode != 2 || !slices.Equal(res.Labels, []string{"NEIDENTIFIKOVANO"}) {
		t.Fatalf("%+v, %v", res, err)
	}
	if got := w.mustMovement(t, abraflexi.EvidenceBank, mismatch).Labels; !got.Has("NEIDENTIFIKOVANO") {
		t.Errorf("mismatch labels %v", got)
	}
}

// TestServerAdvanceCoveredInvoiceIsNotDue: zbyvaUhradit 0 with an empty
// stavUhrK (an advance was deducted) is nothing to pay: the payment is
// left for manual matching instead of failing the pairing with exit 1.
func TestServerAdvanceCoveredInvoiceIsNotDue(t *testing.T) {
	w := newWorld(t)
	w.srv.Put(abraflexi.EvidenceIssuedInvoice, map[string]any{"kod": "VF-ZAL", "varSym": "900", "sumCelkem": "1210",
		"sumZalohy": "1210", "zbyvaUhradit": "0", "typDokl": "code:FAKTURA"})
	w.bank("B1", "900", "1210")
	res, err := w.matcher(nil).MatchOne(ctx, "B1")
	if err != nil || res.Reason != payments.UnknownVarSym || res.ExitCode != 2 {
		t.Fatalf("%+v, %v", res, err)
	}
}

// TestServerAmbiguousDocumentID: record ids are per evidence, so a
// numeric id under auto that names a bank and a cash movement is refused
// (exit 1, both named) and nothing is written; the event's evidence
// resolves it.
func TestServerAmbiguousDocumentID(t *testing.T) {
	w := newWorld(t)
	w.invoice("VF1", "111", "100")
	w.invoice("VF2", "222", "100")
	bank := w.bank("B1", "111", "100")
	cash := w.cash("P1", "222", "100")
	if bank != cash {
		t.Fatalf("ids %s and %s differ; the test needs the same id in both evidences", bank, cash)
	}
	w.srv.ResetRequests()
	res, err := w.matcher(nil).MatchOne(ctx, bank.String())
	if !errors.Is(err, payments.ErrAmbiguousDocument) || res.Reason != payments.AmbiguousDocument || res.ExitCode != 1 ||
		!strings.Contains(res.Message, "banka B1") || !strings.Contains(res.Message, "pokladni-pohyb P1") {
		t.Fatalf("%+v, %v", res, err)
	}
	if n := w.posts(); n != 0 {
		t.Errorf("%d writes", n)
	}
	res, err = w.matcher(func(c *payments.Config) { c.Evidence = payments.EvidenceCash }).MatchOne(ctx, cash.String())
	if err != nil || res.Reason != payments.Matched || res.Evidence != abraflexi.EvidenceCash || res.Invoice != "VF2" {
		t.Fatalf("cash %+v, %v", res, err)
	}
	// A code is unambiguous: found in the bank first.
	res, err = w.matcher(nil).MatchOne(ctx, "B1")
	if err != nil || res.Reason != payments.Matched || res.Invoice != "VF1" {
		t.Fatalf("code %+v, %v", res, err)
	}
}

// TestServerMatchSinceReplansAfterAFailedPairing: the plan pays VF1 with
// the earlier cash payment and so gives the later bank payment of the
// same symbol CHYBIFAKTURA. When the cash pairing fails, the bank payment
// is decided again against the real state and pays VF1 in part.
func TestServerMatchSinceReplansAfterAFailedPairing(t *testing.T) {
	w := newWorld(t)
	inv := w.invoice("VF1", "111", "100")
	w.srv.AddCashMovement(abraflexi.CashMovement{Movement: abraflexi.Movement{Code: "P1", VariableSymbol: "111", Total: d("100"),
		Direction: abraflexi.DirectionIncoming, IssuedOn: abraflexi.NewDate(2026, 1, 10)}})
	b := w.bank("B1", "111", "60")
	w.srv.FailNext(1, http.StatusBadRequest, abraflexitest.Matcher{Method: http.MethodPost, Evidence: abraflexi.EvidenceCash})

	res, err := w.matcher(nil).MatchSince(ctx, abraflexi.NewDate(2026, 1, 1))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]payments.Reason{}
	for _, r := range res {
		got[r.Document] = r.Reason
	}
	if got["P1"] != payments.SettleFailed || got["B1"] != payments.MatchedPartial {
		t.Fatalf("results %v", got)
	}
	if l := w.mustMovement(t, abraflexi.EvidenceBank, b).Labels; l.Has("CHYBIFAKTURA") {
		t.Errorf("bank payment labelled %v", l)
	}
	if i := w.mustInvoice(t, inv); !i.Remaining.Equal(d("40")) {
		t.Errorf("invoice %+v", i)
	}
}

// TestServerCreatesMissingLabels: a label the matcher owns that the
// codebook lacks is created on first use (logged once at info), visible
// for the payment's evidence; when creating fails the outcome stands and
// the error names the label and the evidence.
func TestServerCreatesMissingLabels(t *testing.T) {
	w := newWorld(t)
	var logs bytes.Buffer
	ledger := payments.NewClientLedger(w.client, payments.WithLedgerLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	pol := payments.DefaultPolicy()
	pol.Labels.InvoiceMissing = "BEZFAKTURY"
	m := payments.NewMatcher(ledger, payments.Config{Policy: pol})
	p1 := w.bank("B1", "404", "100")
	w.bank("B2", "405", "100")
	for _, doc := range []string{"B1", "B2"} {
		res, err := m.MatchOne(ctx, doc)
		if err != nil || res.Reason != payments.UnknownVarSym || res.LabelError != "" {
			t.Fatalf("%s: %+v, %v", doc, res, err)
		}
	}
	if !w.mustMovement(t, abraflexi.EvidenceBank, p1).Labels.Has("BEZFAKTURY") {
		t.Error("label not set")
	}
	if def, ok := w.srv.Record(abraflexi.EvidenceLabel, abraflexi.CodeID("BEZFAKTURY")); !ok || def["vsbBan"] != "true" {
		t.Errorf("label definition %v", def)
	}
	if n := strings.Count(logs.String(), "created label"); n != 1 {
		t.Errorf("%d creation log lines:\n%s", n, logs.String())
	}

	pol.Labels.InvoiceMissing = "ZAKAZANY"
	w.srv.FailNext(1, http.StatusForbidden, abraflexitest.Matcher{Method: http.MethodPost, Evidence: abraflexi.EvidenceLabel})
	res, err := payments.NewMatcher(payments.NewClientLedger(w.client), payments.Config{Policy: pol}).MatchOne(ctx, "B2")
	if err != nil || res.Reason != payments.UnknownVarSym || !strings.Contains(res.LabelError, "ZAKAZANY") || !strings.Contains(res.LabelError, "banka") {
		t.Fatalf("%+v, %v", res, err)
	}
}

// TestMatchOneHoldsThePaymentLock: with Config.Lock the payment is read
// again once its lock is held, so a run that waited sees what the other
// run wrote.
func TestMatchOneHoldsThePaymentLock(t *testing.T) {
	w := newWorld(t)
	w.invoice("VF1", "111", "100")
	id := w.bank("B1", "111", "100")
	var mu sync.Mutex
	var keys []string
	lock := func(ctx context.Context, key string) (func() error, error) {
		mu.Lock()
		keys = append(keys, key)
		// Another run pairs the payment while this one waits.
		if len(keys) == 1 {
			if err := w.ledger.Pair(ctx, abraflexi.PairRequest{PaymentEvidence: abraflexi.EvidenceBank, Payment: id,
				Invoice: abraflexi.CodeID("VF1"), Remainder: abraflexi.RemainderNone}); err != nil {
				mu.Unlock()
				return nil, err
			}
		}
		return func() error { mu.Unlock(); return nil }, nil
	}
	res, err := w.matcher(func(c *payments.Config) { c.Lock = lock }).MatchOne(ctx, "B1")
	if err != nil || res.Reason != payments.AlreadyMatched || res.Invoice != "VF1" {
		t.Fatalf("%+v, %v", res, err)
	}
	if want := "pair banka " + id.String(); len(keys) != 1 || keys[0] != want {
		t.Errorf("lock keys %q, want %q", keys, want)
	}
	if !mu.TryLock() {
		t.Error("lock not released")
	}
}

// TestServerBatchLostAnswerOfAnOverpayment: the answer of a batch pairing
// is lost after AbraFlexi applied it. The overpayment stays unpaired
// (ignorovat), so only its payment link shows the pairing took effect; it
// must not be reported as failed (or paired again by a retry).
func TestServerBatchLostAnswerOfAnOverpayment(t *testing.T) {
	w := newWorld(t)
	inv := w.invoice("VF1", "111", "100")
	w.bank("B1", "111", "150")
	w.srv.DropNext(1, abraflexitest.Matcher{Method: http.MethodPost, Evidence: abraflexi.EvidenceBank}, abraflexitest.Applied())
	res, err := w.matcher(nil).MatchSince(ctx, abraflexi.NewDate(2026, 1, 1))
	if err != nil || len(res) != 1 || res[0].Reason != payments.MatchedOverpayment {
		t.Fatalf("%+v, %v", res, err)
	}
	if got := w.mustInvoice(t, inv); !got.Remaining.IsZero() {
		t.Errorf("invoice %+v", got)
	}
}
