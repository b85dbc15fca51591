package payments_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"go.uber.org/mock/gomock"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/payments"
	"github.com/spoje-net/isptools/payments/paymentsmock"
)

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func movement(id int64, code, vs, amount string) abraflexi.Movement {
	return abraflexi.Movement{ID: abraflexi.NumericID(id), Code: code, VariableSymbol: vs, Total: d(amount),
		Direction: abraflexi.DirectionIncoming, IssuedOn: abraflexi.NewDate(2026, 1, 10)}
}

func openInvoice(id int64, code, vs, due string) abraflexi.IssuedInvoice {
	return abraflexi.IssuedInvoice{ID: abraflexi.NumericID(id), Code: code, VariableSymbol: vs, Total: d(due), Remaining: d(due),
		DocumentType: abraflexi.Ref{Fields: map[string]string{"typDoklK": abraflexi.KindInvoice}}}
}

var ctx = context.Background()

func TestMatchOneMatchedWritesPairing(t *testing.T) {
	ctrl := gomock.NewController(t)
	l := paymentsmock.NewMockLedger(ctrl)
	p := payments.Payment{Evidence: abraflexi.EvidenceBank, Movement: movement(7, "B+7", "0012345", "1000")}
	l.EXPECT().Payment(gomock.Any(), abraflexi.EvidenceBank, abraflexi.CodeID("B+7")).Return(p, nil)
	l.EXPECT().OpenInvoices(gomock.Any(), payments.VarSymVariants("0012345")).Return([]abraflexi.IssuedInvoice{openInvoice(10, "VF1", "12345", "1000")}, nil)
	l.EXPECT().Pair(gomock.Any(), abraflexi.PairRequest{PaymentEvidence: abraflexi.EvidenceBank, Payment: abraflexi.NumericID(7),
		Invoice: abraflexi.NumericID(10), Remainder: abraflexi.RemainderNone}).Return(nil)

	m := payments.NewMatcher(l, payments.Config{Policy: payments.DefaultPolicy()})
	res, err := m.MatchOne(ctx, "B+7")
	if err != nil {
		t.Fatal(err)
	}
	if res.Reason != payments.Matched || res.ExitCode != 0 || res.Invoice != "VF1" || res.Document != "B+7" ||
		res.Evidence != abraflexi.EvidenceBank || res.VarSym != "0012345" || !res.Amount.Equal(d("1000")) || res.Remainder != abraflexi.RemainderNone {
		t.Errorf("result = %+v", res)
	}
}

func TestMatchOneAutoFallsBackToCash(t *testing.T) {
	ctrl := gomock.NewController(t)
	l := paymentsmock.NewMockLedger(ctrl)
	p := payments.Payment{Movement: movement(3, "P+3", "55", "200")}
	gomock.InOrder(
		l.EXPECT().Payment(gomock.Any(), abraflexi.EvidenceBank, abraflexi.NumericID(3)).Return(payments.Payment{}, payments.ErrNotFound),
		l.EXPECT().Payment(gomock.Any(), abraflexi.EvidenceCash, abraflexi.NumericID(3)).Return(p, nil),
	)
	l.EXPECT().OpenInvoices(gomock.Any(), gomock.Any()).Return([]abraflexi.IssuedInvoice{openInvoice(10, "VF1", "55", "500")}, nil)
	l.EXPECT().Pair(gomock.Any(), gomock.Any()).DoAndReturn(func(_ context.Context, r abraflexi.PairRequest) error {
		if r.PaymentEvidence != abraflexi.EvidenceCash || r.Remainder != abraflexi.RemainderPartial || r.Amount == nil || !r.Amount.Equal(d("200")) {
			t.Errorf("pair request %+v", r)
		}
		return nil
	})
	res, err := payments.NewMatcher(l, payments.Config{}).MatchOne(ctx, "3")
	if err != nil || res.Reason != payments.MatchedPartial || res.Evidence != abraflexi.EvidenceCash {
		t.Fatalf("%+v, %v", res, err)
	}
}

func TestMatchOneNothingToDoReadsNothingElse(t *testing.T) {
	for name, mod := range map[string]func(*abraflexi.Movement){
		string(payments.AlreadyMatched):   func(m *abraflexi.Movement) { m.Paired = true },
		string(payments.NotIncoming):      func(m *abraflexi.Movement) { m.Direction = abraflexi.DirectionOutgoing },
		string(payments.PaymentCancelled): func(m *abraflexi.Movement) { m.Cancelled = true },
	} {
		t.Run(name, func(t *testing.T) {
			ctrl := gomock.NewController(t) // any unexpected call (listing, write) fails
			l := paymentsmock.NewMockLedger(ctrl)
			mv := movement(7, "B+7", "1", "1")
			mod(&mv)
			l.EXPECT().Payment(gomock.Any(), abraflexi.EvidenceBank, gomock.Any()).Return(payments.Payment{Movement: mv}, nil)
			res, err := payments.NewMatcher(l, payments.Config{Evidence: payments.EvidenceBank}).MatchOne(ctx, "7")
			if err != nil || string(res.Reason) != name || res.ExitCode != 0 {
				t.Fatalf("%+v, %v", res, err)
			}
		})
	}
}

func TestMatchOneUnmatchedLabelsPayment(t *testing.T) {
	ctrl := gomock.NewController(t)
	l := paymentsmock.NewMockLedger(ctrl)
	l.EXPECT().Payment(gomock.Any(), gomock.Any(), gomock.Any()).Return(payments.Payment{Movement: movement(7, "B+7", "999", "10")}, nil)
	l.EXPECT().OpenInvoices(gomock.Any(), gomock.Any()).Return(nil, nil)
	l.EXPECT().AddLabels(gomock.Any(), abraflexi.EvidenceBank, []abraflexi.ID{abraflexi.NumericID(7)}, "MISSING").Return([]error{nil}, nil)
	pol := payments.DefaultPolicy()
	pol.Labels.InvoiceMissing = "MISSING"
	res, err := payments.NewMatcher(l, payments.Config{Evidence: payments.EvidenceBank, Policy: pol}).MatchOne(ctx, "7")
	if err != nil || res.Reason != payments.UnknownVarSym || res.ExitCode != 2 || !slices.Equal(res.Labels, []string{"MISSING"}) {
		t.Fatalf("%+v, %v", res, err)
	}
}

func TestMatchOneLabelFailureKeepsOutcome(t *testing.T) {
	ctrl := gomock.NewController(t)
	l := paymentsmock.NewMockLedger(ctrl)
	l.EXPECT().Payment(gomock.Any(), gomock.Any(), gomock.Any()).Return(payments.Payment{Movement: movement(7, "B+7", "", "10")}, nil)
	l.EXPECT().AddLabels(gomock.Any(), gomock.Any(), gomock.Any(), "NEIDENTIFIKOVANO").Return(nil, errors.New("label not enabled for banka"))
	res, err := payments.NewMatcher(l, payments.Config{Evidence: payments.EvidenceBank, Policy: payments.DefaultPolicy()}).MatchOne(ctx, "7")
	if err != nil || res.Reason != payments.NoVarSym || res.ExitCode != 2 || !strings.Contains(res.LabelError, "not enabled") {
		t.Fatalf("%+v, %v", res, err)
	}
}

func TestMatchOneErrors(t *testing.T) {
	t.Run("no document id", func(t *testing.T) {
		l := paymentsmock.NewMockLedger(gomock.NewController(t))
		res, err := payments.NewMatcher(l, payments.Config{}).MatchOne(ctx, "  ")
		if !errors.Is(err, payments.ErrNoDocumentID) || res.Reason != payments.NoDocumentID || res.ExitCode != 1 {
			t.Fatalf("%+v, %v", res, err)
		}
	})
	t.Run("not found anywhere", func(t *testing.T) {
		l := paymentsmock.NewMockLedger(gomock.NewController(t))
		l.EXPECT().Payment(gomock.Any(), gomock.Any(), gomock.Any()).Return(payments.Payment{}, payments.ErrNotFound).Times(2)
		res, err := payments.NewMatcher(l, payments.Config{}).MatchOne(ctx, "B+404")
		if !errors.Is(err, payments.ErrNotFound) || res.Reason != payments.DocumentNotFound || res.ExitCode != 1 || res.Document != "B+404" {
			t.Fatalf("%+v, %v", res, err)
		}
	})
	t.Run("read failure is not a fallback", func(t *testing.T) {
		l := paymentsmock.NewMockLedger(gomock.NewController(t))
		boom := errors.New("503")
		l.EXPECT().Payment(gomock.Any(), abraflexi.EvidenceBank, gomock.Any()).Return(payments.Payment{}, boom)
		res, err := payments.NewMatcher(l, payments.Config{}).MatchOne(ctx, "5")
		if !errors.Is(err, boom) || res.Reason != payments.Failed || res.ExitCode != 1 {
			t.Fatalf("%+v, %v", res, err)
		}
	})
	t.Run("settle failed carries the server message", func(t *testing.T) {
		l := paymentsmock.NewMockLedger(gomock.NewController(t))
		l.EXPECT().Payment(gomock.Any(), gomock.Any(), gomock.Any()).Return(payments.Payment{Movement: movement(7, "B+7", "1", "1500")}, nil)
		l.EXPECT().OpenInvoices(gomock.Any(), gomock.Any()).Return([]abraflexi.IssuedInvoice{openInvoice(10, "VF1", "1", "1000")}, nil)
		l.EXPECT().Pair(gomock.Any(), gomock.Any()).Return(errors.New("Úhrada dokladu v domácí měně úhradou v cizí měně není podporována"))
		// No labels after a failed pairing.
		res, err := payments.NewMatcher(l, payments.Config{Evidence: payments.EvidenceBank, Policy: payments.DefaultPolicy()}).MatchOne(ctx, "7")
		if err == nil || res.Reason != payments.SettleFailed || res.ExitCode != 1 || !strings.Contains(res.Message, "Úhrada dokladu") || res.Labels != nil {
			t.Fatalf("%+v, %v", res, err)
		}
	})
	t.Run("paired meanwhile", func(t *testing.T) {
		l := paymentsmock.NewMockLedger(gomock.NewController(t))
		l.EXPECT().Payment(gomock.Any(), gomock.Any(), gomock.Any()).Return(payments.Payment{Movement: movement(7, "B+7", "1", "1000")}, nil)
		l.EXPECT().OpenInvoices(gomock.Any(), gomock.Any()).Return([]abraflexi.IssuedInvoice{openInvoice(10, "VF1", "1", "1000")}, nil)
		l.EXPECT().Pair(gomock.Any(), gomock.Any()).Return(payments.ErrAlreadyPaired)
		// The payment is read again to name the invoice it paid.
		paidBy := movement(7, "B+7", "1", "1000")
		paidBy.Paired = true
		paidBy.Links = []abraflexi.Link{{Type: abraflexi.LinkPayment, Amount: decimal.NewFromInt(1000), A: abraflexi.RefTo(abraflexi.CodeID("VF9"))}}
		l.EXPECT().Payment(gomock.Any(), abraflexi.EvidenceBank, abraflexi.NumericID(7)).Return(payments.Payment{Movement: paidBy}, nil)
		res, err := payments.NewMatcher(l, payments.Config{Evidence: payments.EvidenceBank}).MatchOne(ctx, "7")
		if err != nil || res.Reason != payments.AlreadyMatched || res.ExitCode != 0 || res.Invoice != "VF9" {
			t.Fatalf("%+v, %v", res, err)
		}
	})
	t.Run("invoice listing failure", func(t *testing.T) {
		l := paymentsmock.NewMockLedger(gomock.NewController(t))
		l.EXPECT().Payment(gomock.Any(), gomock.Any(), gomock.Any()).Return(payments.Payment{Movement: movement(7, "B+7", "1", "1000")}, nil)
		l.EXPECT().OpenInvoices(gomock.Any(), gomock.Any()).Return(nil, errors.New("timeout"))
		res, err := payments.NewMatcher(l, payments.Config{Evidence: payments.EvidenceBank}).MatchOne(ctx, "7")
		if err == nil || res.Reason != payments.Failed || res.Document != "B+7" {
			t.Fatalf("%+v, %v", res, err)
		}
	})
}

func TestMatchOneDryRunWritesNothing(t *testing.T) {
	ctrl := gomock.NewController(t)
	l := paymentsmock.NewMockLedger(ctrl) // no Pair/AddLabels expected
	l.EXPECT().Payment(gomock.Any(), gomock.Any(), gomock.Any()).Return(payments.Payment{Movement: movement(7, "B+7", "1", "2000")}, nil)
	l.EXPECT().OpenInvoices(gomock.Any(), gomock.Any()).Return([]abraflexi.IssuedInvoice{openInvoice(10, "VF1", "1", "1000")}, nil)
	res, err := payments.NewMatcher(l, payments.Config{Evidence: payments.EvidenceBank, DryRun: true, Policy: payments.DefaultPolicy()}).MatchOne(ctx, "7")
	if err != nil || res.Reason != payments.MatchedOverpayment || !res.DryRun || !slices.Equal(res.Labels, []string{"PREPLATEK"}) {
		t.Fatalf("%+v, %v", res, err)
	}
}

func TestMatchSinceBatches(t *testing.T) {
	ctrl := gomock.NewController(t)
	l := paymentsmock.NewMockLedger(ctrl)
	since := abraflexi.NewDate(2026, 1, 1)
	bank := []payments.Payment{
		{Movement: movement(1, "B1", "100", "100")},
		{Movement: movement(2, "B2", "200", "50")},
		{Movement: movement(3, "B3", "", "1")},
		{Movement: movement(4, "B4", "400", "999")},
	}
	cash := []payments.Payment{{Movement: movement(1, "P1", "300", "300")}}
	l.EXPECT().UnpairedPayments(gomock.Any(), abraflexi.EvidenceBank, since).Return(bank, nil)
	l.EXPECT().UnpairedPayments(gomock.Any(), abraflexi.EvidenceCash, since).Return(cash, nil)
	l.EXPECT().OpenInvoices(gomock.Any(), gomock.Nil()).Return([]abraflexi.IssuedInvoice{
		openInvoice(10, "F100", "100", "100"), openInvoice(20, "F200", "200", "100"), openInvoice(30, "F300", "300", "300"), openInvoice(40, "F400", "400", "1"),
	}, nil)
	var bankBatches [][]abraflexi.PairRequest
	l.EXPECT().PairBatch(gomock.Any(), abraflexi.EvidenceBank, gomock.Any()).DoAndReturn(func(_ context.Context, _ string, rs []abraflexi.PairRequest) ([]error, error) {
		bankBatches = append(bankBatches, rs)
		errs := make([]error, len(rs))
		for i, r := range rs {
			if r.Invoice == abraflexi.NumericID(40) {
				errs[i] = errors.New("refused")
			}
		}
		return errs, nil
	}).Times(2) // 3 bank pairings in batches of 2
	l.EXPECT().PairBatch(gomock.Any(), abraflexi.EvidenceCash, gomock.Len(1)).Return([]error{nil}, nil)
	l.EXPECT().AddLabels(gomock.Any(), abraflexi.EvidenceBank, []abraflexi.ID{abraflexi.NumericID(3)}, "NEIDENTIFIKOVANO").Return([]error{nil}, nil)
	// The settle failure of B4 drops its PREPLATEK label.

	m := payments.NewMatcher(l, payments.Config{Policy: payments.DefaultPolicy(), BatchSize: 2})
	res, err := m.MatchSince(ctx, since)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]payments.Reason{}
	for _, r := range res {
		got[r.Evidence+"/"+r.Document] = r.Reason
	}
	want := map[string]payments.Reason{
		"banka/B1": payments.Matched, "banka/B2": payments.MatchedPartial, "banka/B3": payments.NoVarSym,
		"banka/B4": payments.SettleFailed, "pokladni-pohyb/P1": payments.Matched,
	}
	if len(got) != len(want) {
		t.Fatalf("results %v", got)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %s, want %s", k, got[k], v)
		}
	}
	if len(bankBatches) != 2 || len(bankBatches[0]) != 2 || len(bankBatches[1]) != 1 {
		t.Errorf("bank batches %v", bankBatches)
	}
	if payments.ExitCodeOf(res) != 1 {
		t.Errorf("ExitCodeOf = %d", payments.ExitCodeOf(res))
	}
	if s := payments.Summary(res); s[payments.Matched] != 2 {
		t.Errorf("summary %v", s)
	}
}

func TestMatchSinceNothingToDo(t *testing.T) {
	l := paymentsmock.NewMockLedger(gomock.NewController(t))
	l.EXPECT().UnpairedPayments(gomock.Any(), gomock.Any(), gomock.Any()).Return(nil, nil)
	res, err := payments.NewMatcher(l, payments.Config{Evidence: payments.EvidenceBank}).MatchSince(ctx, abraflexi.Date{})
	if err != nil || res == nil || len(res) != 0 {
		t.Fatalf("%v, %v", res, err)
	}
	if payments.ExitCodeOf(res) != 0 {
		t.Error("exit code of nothing")
	}
}

func TestMatchSinceListingFailure(t *testing.T) {
	l := paymentsmock.NewMockLedger(gomock.NewController(t))
	l.EXPECT().UnpairedPayments(gomock.Any(), gomock.Any(), gomock.Any()).Return([]payments.Payment{{Movement: movement(1, "B1", "1", "1")}}, nil)
	l.EXPECT().OpenInvoices(gomock.Any(), gomock.Any()).Return(nil, errors.New("down"))
	if _, err := payments.NewMatcher(l, payments.Config{Evidence: payments.EvidenceBank}).MatchSince(ctx, abraflexi.Date{}); err == nil {
		t.Fatal("no error")
	}
}
