package payments_test

import (
	"errors"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/abraflexi/abraflexitest"
	"github.com/spoje-net/isptools/payments"
)

// world is an in-memory AbraFlexi with a client and a matcher on it.
type world struct {
	srv    *abraflexitest.Server
	client *abraflexi.Client
	ledger *payments.ClientLedger
}

func newWorld(t testing.TB) *world {
	t.Helper()
	srv := abraflexitest.NewServer(t, abraflexitest.WithToday(abraflexi.NewDate(2026, 2, 1)))
	c, err := abraflexi.NewClient(srv.Config(), abraflexi.WithRetry(2, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	return &world{srv: srv, client: c, ledger: payments.NewClientLedger(c)}
}

func (w *world) matcher(mod func(*payments.Config)) *payments.Matcher {
	cfg := payments.Config{Policy: payments.DefaultPolicy()}
	if mod != nil {
		mod(&cfg)
	}
	return payments.NewMatcher(w.ledger, cfg)
}

func (w *world) invoice(code, vs, total string) abraflexi.ID {
	return w.srv.AddInvoice(abraflexi.IssuedInvoice{Code: code, VariableSymbol: vs, Total: d(total),
		IssuedOn: abraflexi.NewDate(2026, 1, 1), DocumentType: abraflexi.RefTo(abraflexi.CodeID("FAKTURA"))})
}

func (w *world) bank(code, vs, amount string, mod ...func(*abraflexi.Movement)) abraflexi.ID {
	m := abraflexi.Movement{Code: code, VariableSymbol: vs, Total: d(amount), Direction: abraflexi.DirectionIncoming,
		IssuedOn: abraflexi.NewDate(2026, 1, 20), Labels: abraflexi.Labels("VIP")}
	for _, f := range mod {
		f(&m)
	}
	return w.srv.AddBankMovement(abraflexi.BankMovement{Movement: m})
}

func (w *world) cash(code, vs, amount string) abraflexi.ID {
	return w.srv.AddCashMovement(abraflexi.CashMovement{Movement: abraflexi.Movement{Code: code, VariableSymbol: vs, Total: d(amount),
		Direction: abraflexi.DirectionIncoming, IssuedOn: abraflexi.NewDate(2026, 1, 21)}})
}

func (w *world) mustInvoice(t *testing.T, id abraflexi.ID) abraflexi.IssuedInvoice {
	t.Helper()
	inv, ok := w.srv.Invoice(id)
	if !ok {
		t.Fatalf("invoice %s missing", id)
	}
	return inv
}

func (w *world) mustMovement(t *testing.T, ev string, id abraflexi.ID) abraflexi.Movement {
	t.Helper()
	m, ok := w.srv.Movement(ev, id)
	if !ok {
		t.Fatalf("%s %s missing", ev, id)
	}
	return m
}

func (w *world) posts() int {
	return w.srv.RequestCount(http.MethodPost, "") + w.srv.RequestCount(http.MethodPut, "")
}

func TestServerMatchedOutcomes(t *testing.T) {
	tests := []struct {
		name      string
		amount    string
		reason    payments.Reason
		remainder abraflexi.RemainderMode
		state     string
		remaining string
		labels    []string
	}{
		{"exact", "1000", payments.Matched, abraflexi.RemainderNone, abraflexi.PaymentStatePaid, "0", []string{"VIP"}},
		{"partial", "600.50", payments.MatchedPartial, abraflexi.RemainderPartial, abraflexi.PaymentStatePartial, "399.50", []string{"VIP"}},
		{"overpayment", "1200", payments.MatchedOverpayment, abraflexi.RemainderIgnore, abraflexi.PaymentStatePaid, "0", []string{"PREPLATEK", "VIP"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			inv := w.invoice("VF1-0001/2026", "12345", "1000")
			w.invoice("VF1-0002/2026", "54321", "1000") // another customer's
			pay := w.bank("B+0001/2026", "0012345", tt.amount)

			res, err := w.matcher(nil).MatchOne(ctx, "B+0001/2026")
			if err != nil {
				t.Fatal(err)
			}
			if res.Reason != tt.reason || res.ExitCode != 0 || res.Remainder != tt.remainder || res.Invoice != "VF1-0001/2026" ||
				res.Evidence != abraflexi.EvidenceBank || res.Document != "B+0001/2026" || !res.Amount.Equal(d(tt.amount)) {
				t.Fatalf("result %+v", res)
			}
			got := w.mustInvoice(t, inv)
			if got.PaymentState != tt.state || !got.Remaining.Equal(d(tt.remaining)) {
				t.Errorf("invoice state %q remaining %s, want %q %s", got.PaymentState, got.Remaining, tt.state, tt.remaining)
			}
			// An overpayment paired with ignorovat keeps its excess on the
			// payment, which stays unpaired (sparovano false).
			m := w.mustMovement(t, abraflexi.EvidenceBank, pay)
			if bool(m.Paired) != (tt.reason != payments.MatchedOverpayment) {
				t.Errorf("payment sparovano %v", m.Paired)
			}
			if !slices.Equal(m.Labels.Codes(), tt.labels) {
				t.Errorf("payment labels %v, want %v", m.Labels.Codes(), tt.labels)
			}

			// The web hook fires again: nothing is written.
			w.srv.ResetRequests()
			res, err = w.matcher(nil).MatchOne(ctx, pay.String())
			if err != nil || res.Reason != payments.AlreadyMatched || res.ExitCode != 0 {
				t.Fatalf("second run %+v, %v", res, err)
			}
			if n := w.posts(); n != 0 {
				t.Errorf("second run wrote %d requests", n)
			}
		})
	}
}

func TestServerUnmatchedOutcomesLabelAdditively(t *testing.T) {
	tests := []struct {
		name   string
		setup  func(w *world) abraflexi.ID
		mode   payments.OverpayMode
		reason payments.Reason
		labels []string
	}{
		{"no varsym", func(w *world) abraflexi.ID { return w.bank("B1", "", "100") }, "", payments.NoVarSym, []string{"NEIDENTIFIKOVANO", "VIP"}},
		{"unknown varsym", func(w *world) abraflexi.ID {
			w.invoice("VF1", "111", "100")
			return w.bank("B1", "222", "100")
		}, "", payments.UnknownVarSym, []string{"CHYBIFAKTURA", "VIP"}},
		{"ambiguous", func(w *world) abraflexi.ID {
			w.invoice("VF1", "111", "100")
			w.invoice("VF2", "0111", "100")
			return w.bank("B1", "111", "100")
		}, "", payments.Ambiguous, []string{"NEIDENTIFIKOVANO", "VIP"}},
		{"overpayment manual", func(w *world) abraflexi.ID {
			w.invoice("VF1", "111", "100")
			return w.bank("B1", "111", "150")
		}, payments.OverpayManual, payments.Overpayment, []string{"PREPLATEK", "VIP"}},
		{"currency mismatch", func(w *world) abraflexi.ID {
			w.invoice("VF1", "111", "100")
			return w.bank("B1", "111", "100", func(m *abraflexi.Movement) {
				m.Currency, m.TotalInCurrency = abraflexi.RefTo(abraflexi.CodeID("EUR")), d("4")
			})
		}, "", payments.CurrencyMismatch, []string{"NEIDENTIFIKOVANO", "VIP"}},
		{"paid invoice only", func(w *world) abraflexi.ID {
			w.srv.AddInvoice(abraflexi.IssuedInvoice{Code: "VF1", VariableSymbol: "111", Total: d("100"), PaymentState: abraflexi.PaymentStatePaid})
			return w.bank("B1", "111", "100")
		}, "", payments.UnknownVarSym, []string{"CHYBIFAKTURA", "VIP"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			pay := tt.setup(w)
			res, err := w.matcher(func(c *payments.Config) { c.Policy.OverpayMode = tt.mode }).MatchOne(ctx, "code:B1")
			if err != nil || res.Reason != tt.reason || res.ExitCode != 2 {
				t.Fatalf("%+v, %v", res, err)
			}
			m := w.mustMovement(t, abraflexi.EvidenceBank, pay)
			if m.Paired {
				t.Error("payment paired")
			}
			if !slices.Equal(m.Labels.Codes(), tt.labels) {
				t.Errorf("labels %v, want %v", m.Labels.Codes(), tt.labels)
			}
			// Repeating labels nothing new and pairs nothing.
			res2, _ := w.matcher(func(c *payments.Config) { c.Policy.OverpayMode = tt.mode }).MatchOne(ctx, "code:B1")
			if res2.Reason != tt.reason || !slices.Equal(w.mustMovement(t, abraflexi.EvidenceBank, pay).Labels.Codes(), tt.labels) {
				t.Errorf("second run %+v", res2)
			}
		})
	}
}

func TestServerNothingToDoWritesNothing(t *testing.T) {
	w := newWorld(t)
	w.invoice("VF1", "111", "100")
	w.bank("PAIRED", "111", "100", func(m *abraflexi.Movement) { m.Paired = true })
	w.bank("OUT", "111", "100", func(m *abraflexi.Movement) { m.Direction = abraflexi.DirectionOutgoing })
	for doc, want := range map[string]payments.Reason{"PAIRED": payments.AlreadyMatched, "OUT": payments.NotIncoming} {
		w.srv.ResetRequests()
		res, err := w.matcher(nil).MatchOne(ctx, doc)
		if err != nil || res.Reason != want || res.ExitCode != 0 {
			t.Errorf("%s: %+v, %v", doc, res, err)
		}
		if n := w.posts(); n != 0 {
			t.Errorf("%s: %d writes", doc, n)
		}
		if n := w.srv.RequestCount(http.MethodGet, abraflexi.EvidenceIssuedInvoice); n != 0 {
			t.Errorf("%s: %d invoice listings", doc, n)
		}
	}
}

func TestServerDocumentLookup(t *testing.T) {
	w := newWorld(t)
	w.invoice("VF1", "111", "100")
	w.invoice("VF2", "222", "100")
	bankID := w.bank("B+1/2026", "111", "100")
	w.cash("P+1/2026", "222", "100")

	t.Run("no document id", func(t *testing.T) {
		res, err := w.matcher(nil).MatchOne(ctx, "")
		if err == nil || res.Reason != payments.NoDocumentID || res.ExitCode != 1 {
			t.Fatalf("%+v, %v", res, err)
		}
	})
	t.Run("not found", func(t *testing.T) {
		for _, doc := range []string{"B+404/2026", "999999"} {
			res, err := w.matcher(nil).MatchOne(ctx, doc)
			if !errors.Is(err, payments.ErrNotFound) || res.Reason != payments.DocumentNotFound || res.ExitCode != 1 {
				t.Errorf("%s: %+v, %v", doc, res, err)
			}
		}
	})
	t.Run("cash code not looked up in bank only", func(t *testing.T) {
		res, _ := w.matcher(func(c *payments.Config) { c.Evidence = payments.EvidenceBank }).MatchOne(ctx, "P+1/2026")
		if res.Reason != payments.DocumentNotFound {
			t.Fatalf("%+v", res)
		}
	})
	t.Run("auto finds cash by code", func(t *testing.T) {
		res, err := w.matcher(nil).MatchOne(ctx, "p+1/2026")
		if err != nil || res.Reason != payments.Matched || res.Evidence != abraflexi.EvidenceCash || res.Invoice != "VF2" {
			t.Fatalf("%+v, %v", res, err)
		}
	})
	t.Run("numeric id", func(t *testing.T) {
		n, _ := bankID.Numeric()
		res, err := w.matcher(func(c *payments.Config) { c.Evidence = payments.EvidenceBank }).MatchOne(ctx, strings.TrimSpace(" "+bankID.String()))
		if err != nil || res.Reason != payments.Matched || res.Document != "B+1/2026" || res.PaymentID != abraflexi.NumericID(n) {
			t.Fatalf("%+v, %v", res, err)
		}
	})
}

func TestServerSettleFailedCarriesServerMessage(t *testing.T) {
	w := newWorld(t)
	inv := w.invoice("VF1", "111", "100")
	pay := w.bank("B1", "111", "100")
	w.srv.FailNext(1, http.StatusBadRequest, abraflexitest.Matcher{Method: http.MethodPost, Evidence: abraflexi.EvidenceBank})
	res, err := w.matcher(nil).MatchOne(ctx, "B1")
	if err == nil || res.Reason != payments.SettleFailed || res.ExitCode != 1 || !strings.Contains(res.Message, "injected failure") {
		t.Fatalf("%+v, %v", res, err)
	}
	if w.mustMovement(t, abraflexi.EvidenceBank, pay).Paired || w.mustInvoice(t, inv).PaymentState != "" {
		t.Fatal("paired despite the failure")
	}
	// The next run pairs.
	if res, err := w.matcher(nil).MatchOne(ctx, "B1"); err != nil || res.Reason != payments.Matched {
		t.Fatalf("retry %+v, %v", res, err)
	}
}

func TestServerRealRefusalMessage(t *testing.T) {
	w := newWorld(t)
	inv := w.invoice("VF1", "111", "100")
	pay := w.bank("B1", "111", "100")
	// An exact pairing (ne) of a wrong amount is refused by AbraFlexi.
	amt := d("50")
	err := w.ledger.Pair(ctx, abraflexi.PairRequest{PaymentEvidence: abraflexi.EvidenceBank, Payment: pay, Invoice: inv, Amount: &amt, Remainder: abraflexi.RemainderNone})
	if err == nil {
		t.Fatal("refusal not reported")
	}
	var ae *abraflexi.APIError
	if !errors.As(err, &ae) || len(ae.Messages) == 0 {
		t.Fatalf("error %v carries no server message", err)
	}
	t.Logf("server message: %v", err)
}

func TestServerInjected500DoesNotPairTwice(t *testing.T) {
	for _, applied := range []bool{false, true} {
		name := "not applied"
		if applied {
			name = "applied"
		}
		t.Run(name, func(t *testing.T) {
			w := newWorld(t)
			inv := w.invoice("VF1", "111", "1000")
			pay := w.bank("B1", "111", "400")
			var opts []abraflexitest.FaultOption
			if applied {
				opts = append(opts, abraflexitest.Applied())
			}
			w.srv.FailNext(1, http.StatusInternalServerError, abraflexitest.Matcher{Method: http.MethodPost, Evidence: abraflexi.EvidenceBank}, opts...)
			res, err := w.matcher(nil).MatchOne(ctx, "B1")
			if applied {
				// The pairing happened; the matcher sees it on re-reading.
				if err != nil || res.Reason != payments.MatchedPartial {
					t.Fatalf("%+v, %v", res, err)
				}
			} else if err == nil || res.Reason != payments.SettleFailed {
				t.Fatalf("%+v, %v", res, err)
			}
			// The web hook fires again.
			res, err = w.matcher(nil).MatchOne(ctx, "B1")
			want := payments.AlreadyMatched
			if !applied {
				want = payments.MatchedPartial
			}
			if err != nil || res.Reason != want {
				t.Fatalf("second run %+v, %v", res, err)
			}
			got := w.mustInvoice(t, inv)
			if !got.Remaining.Equal(d("600")) {
				t.Errorf("invoice remaining %s, want 600 (paired exactly once)", got.Remaining)
			}
			if !w.mustMovement(t, abraflexi.EvidenceBank, pay).Paired {
				t.Error("not paired")
			}
			if n := w.srv.Count("vazba"); n != 1 {
				t.Errorf("%d payment links, want 1", n)
			}
		})
	}
}

func TestServerDryRunWritesNothing(t *testing.T) {
	w := newWorld(t)
	w.invoice("VF1", "111", "100")
	pay := w.bank("B1", "111", "150")
	w.srv.ResetRequests()
	res, err := w.matcher(func(c *payments.Config) { c.DryRun = true }).MatchOne(ctx, "B1")
	if err != nil || res.Reason != payments.MatchedOverpayment || !res.DryRun {
		t.Fatalf("%+v, %v", res, err)
	}
	if n := w.posts(); n != 0 {
		t.Errorf("%d writes in a dry run", n)
	}
	if w.mustMovement(t, abraflexi.EvidenceBank, pay).Paired {
		t.Error("paired in a dry run")
	}
}

func TestServerPairBatchMapsPerRecordErrors(t *testing.T) {
	w := newWorld(t)
	inv1 := w.invoice("VF1", "111", "100")
	inv2 := w.invoice("VF2", "222", "100")
	inv3 := w.invoice("VF3", "333", "100")
	p1 := w.bank("B1", "111", "100")
	p2 := w.bank("B2", "222", "70") // "ne" with a difference: refused
	p3 := w.bank("B3", "333", "30")
	w.srv.ResetRequests()
	errs, err := w.ledger.PairBatch(ctx, abraflexi.EvidenceBank, []abraflexi.PairRequest{
		{Payment: p1, Invoice: inv1, Remainder: abraflexi.RemainderNone},
		{Payment: p2, Invoice: inv2, Remainder: abraflexi.RemainderNone},
		{Payment: p3, Invoice: inv3, Remainder: abraflexi.RemainderPartial, Amount: ptr(d("30"))},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(errs) != 3 || errs[0] != nil || errs[1] == nil || errs[2] != nil {
		t.Fatalf("errors %v", errs)
	}
	if n := w.posts(); n != 1 {
		t.Errorf("%d write requests, want 1", n)
	}
	if !w.mustMovement(t, abraflexi.EvidenceBank, p1).Paired || w.mustMovement(t, abraflexi.EvidenceBank, p2).Paired || !w.mustMovement(t, abraflexi.EvidenceBank, p3).Paired {
		t.Error("wrong records paired")
	}
}

func ptr[T any](v T) *T { return &v }

func TestServerMatchSince(t *testing.T) {
	w := newWorld(t)
	w.invoice("VF1", "111", "100")
	w.invoice("VF2", "222", "100")
	w.invoice("VF3", "333", "100")
	b1 := w.bank("B1", "111", "100")
	b2 := w.bank("B2", "222", "60")
	b3 := w.bank("B3", "0222", "40")
	b4 := w.bank("B4", "", "5")
	b5 := w.bank("B5", "999", "5")
	old := w.bank("OLD", "333", "100", func(m *abraflexi.Movement) { m.IssuedOn = abraflexi.NewDate(2025, 6, 1) })
	w.bank("DONE", "333", "100", func(m *abraflexi.Movement) { m.Paired = true })
	w.bank("OUT", "333", "100", func(m *abraflexi.Movement) { m.Direction = abraflexi.DirectionOutgoing })
	c1 := w.cash("P1", "333", "150")
	w.srv.ResetRequests()

	res, err := w.matcher(nil).MatchSince(ctx, abraflexi.NewDate(2026, 1, 1))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]payments.Reason{}
	for _, r := range res {
		got[r.Document] = r.Reason
	}
	want := map[string]payments.Reason{"B1": payments.Matched, "B2": payments.MatchedPartial, "B3": payments.Matched,
		"B4": payments.NoVarSym, "B5": payments.UnknownVarSym, "P1": payments.MatchedOverpayment}
	if len(got) != len(want) {
		t.Fatalf("results %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %s, want %s", k, got[k], v)
		}
	}
	for _, id := range []abraflexi.ID{b1, b2, b3} {
		if !w.mustMovement(t, abraflexi.EvidenceBank, id).Paired {
			t.Errorf("%s not paired", id)
		}
	}
	if w.mustMovement(t, abraflexi.EvidenceBank, old).Paired {
		t.Error("payment before the date paired")
	}
	if l := w.mustMovement(t, abraflexi.EvidenceBank, b4).Labels.Codes(); !slices.Equal(l, []string{"NEIDENTIFIKOVANO", "VIP"}) {
		t.Errorf("B4 labels %v", l)
	}
	if l := w.mustMovement(t, abraflexi.EvidenceBank, b5).Labels.Codes(); !slices.Equal(l, []string{"CHYBIFAKTURA", "VIP"}) {
		t.Errorf("B5 labels %v", l)
	}
	// Requests: 2 payment listings + 1 invoice listing + 1 listing of the
	// label codebook; writes: 1 bank pairing batch + 1 cash pairing batch
	// + 3 label batches (bank NEIDENTIFIKOVANO, bank CHYBIFAKTURA, cash
	// PREPLATEK).
	if n := w.srv.RequestCount(http.MethodGet, ""); n != 4 {
		t.Errorf("%d reads, want 4", n)
	}
	if n := w.posts(); n != 5 {
		t.Errorf("%d writes, want 5", n)
	}

	// A second run finds the payments left for manual matching and the
	// overpayment, unpaired with its excess: that is already matched, and
	// its 150 never pays anything again.
	w.srv.ResetRequests()
	res, err = w.matcher(nil).MatchSince(ctx, abraflexi.NewDate(2026, 1, 1))
	if err != nil {
		t.Fatal(err)
	}
	got = map[string]payments.Reason{}
	for _, r := range res {
		got[r.Document] = r.Reason
		if r.Reason.Paired() {
			t.Errorf("second run paired %s", r.Document)
		}
	}
	want = map[string]payments.Reason{"B4": payments.NoVarSym, "B5": payments.UnknownVarSym, "P1": payments.AlreadyMatched}
	if !maps.Equal(got, want) {
		t.Errorf("second run: %v, want %v", got, want)
	}
	if c := w.mustMovement(t, abraflexi.EvidenceCash, c1); len(c.Labels.Codes()) != 1 || c.Labels.Codes()[0] != "PREPLATEK" {
		t.Errorf("overpayment labels %v", c.Labels.Codes())
	}
}
