package paymentapp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/examples/internal/appkit"
	"github.com/spoje-net/isptools/notify"
	"github.com/spoje-net/isptools/payments"
)

func TestMatchReport(t *testing.T) {
	r := MatchReport(payments.Result{Document: "B1", Invoice: "FV1", VarSym: "12", Evidence: abraflexi.EvidenceBank,
		Amount: decimal.RequireFromString("10"), Reason: payments.Matched, Remainder: abraflexi.RemainderNone})
	if r.Payment.Document != "B1" || *r.Payment.Invoice != "FV1" || *r.Payment.VarSym != "12" || fmt.Sprint(r.Extra["amount"]) != "10.00" ||
		r.Status != "" || r.Metrics["paired"] != 1 {
		t.Errorf("report %+v %+v", r, r.Payment)
	}
	r = MatchReport(NoDocumentID())
	if r.ExitCode != payments.ExitError || r.Status != appkit.StatusError || r.Payment.Reason != "no_documentid" || r.Payment.VarSym != nil {
		t.Errorf("no documentid: %+v", r)
	}
	r = MatchReport(payments.Result{Document: "B2", Evidence: abraflexi.EvidenceBank, ExitCode: payments.ExitUnmatched, Reason: payments.UnknownVarSym})
	if r.Status != appkit.StatusWarning || r.Metrics["paired"] != 0 || r.Payment.VarSym == nil {
		t.Errorf("unmatched: %+v", r)
	}
}

func TestMatcherConfig(t *testing.T) {
	env := appkit.NewEnv(nil, map[string]string{"PAYMENT_EVIDENCE": "Pokladna", "MATCH_OVERPAY_MODE": "refund", "DRY_RUN": "1"})
	cfg := MatcherConfig(env)
	if cfg.Evidence != "pokladna" || cfg.Policy.OverpayMode != payments.OverpaySettle || !cfg.DryRun ||
		cfg.Policy.Labels.Overpay != payments.DefaultLabelOverpay {
		t.Errorf("config %+v", cfg)
	}
	if env.Err() == nil {
		t.Error("MATCH_OVERPAY_MODE=refund accepted")
	}
}

func TestMatchKeysConfig(t *testing.T) {
	for in, want := range map[string]string{"": "vs", "ss, VS,sum": "ss,vs,sum", "vs,ss,account,sum": "vs,ss,account,sum"} {
		env := appkit.NewEnv(nil, map[string]string{"MATCH_KEYS": in})
		if in == "" {
			env = appkit.NewEnv(nil, nil)
		}
		if got := MatcherConfig(env).Keys.String(); got != want || env.Err() != nil {
			t.Errorf("MATCH_KEYS=%q: %s (%v), want %s", in, got, env.Err(), want)
		}
	}
	for _, bad := range []string{"vs,iban", "sum", "vs,vs", "vs,,ss"} {
		env := appkit.NewEnv(nil, map[string]string{"MATCH_KEYS": bad})
		MatcherConfig(env)
		if err := env.Err(); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("MATCH_KEYS=%q", bad)) || strings.Contains(err.Error(), "payments:") {
			t.Errorf("MATCH_KEYS=%q: %v", bad, err)
		}
	}
}

// TestMatchReportKeys: matched_by is always there (null when no key
// decided); a payment of several invoices lists each with its amount.
func TestMatchReportKeys(t *testing.T) {
	r := MatchReport(payments.Result{Document: "B1", Invoice: "FV1", Evidence: abraflexi.EvidenceBank, Reason: payments.MatchedSeveral,
		MatchedBy: payments.KeySS, Customer: "01001", Amount: decimal.RequireFromString("800"), Remainder: abraflexi.RemainderNone,
		Invoices: []payments.PaidInvoice{{Invoice: "FV1", Amount: decimal.RequireFromString("500"), Due: decimal.RequireFromString("500")},
			{Invoice: "FV2", Amount: decimal.RequireFromString("300"), Due: decimal.RequireFromString("300")}}})
	b, err := json.Marshal(r.Extra)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"matched_by":"ss"`, `"customer":"01001"`,
		`"invoices":[{"invoice":"FV1","amount":500.00,"due":500.00},{"invoice":"FV2","amount":300.00,"due":300.00}]`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("report %s lacks %s", b, want)
		}
	}
	if r.Metrics["paired"] != 1 || r.Status != "" {
		t.Errorf("metrics %v status %q", r.Metrics, r.Status)
	}
	r = MatchReport(payments.Result{Document: "B2", Evidence: abraflexi.EvidenceBank, Reason: payments.AmbiguousAccount, ExitCode: payments.ExitUnmatched,
		MatchedBy: payments.KeyAccount, Customers: []string{"A", "B"}})
	if r.Extra["matched_by"] != "account" || fmt.Sprint(r.Extra["candidate_customers"]) != "[A B]" || r.Status != appkit.StatusWarning {
		t.Errorf("ambiguous account: %+v", r.Extra)
	}
	if r = MatchReport(payments.Result{Document: "B3", Reason: payments.NoVarSym, ExitCode: payments.ExitUnmatched}); r.Extra["matched_by"] != nil {
		t.Errorf("no key: %v", r.Extra["matched_by"])
	}
	if _, ok := r.Extra["matched_by"]; !ok {
		t.Error("matched_by missing")
	}
}

func TestNotifyConfigAndRun(t *testing.T) {
	env := appkit.NewEnv(nil, map[string]string{"EASE_FROM": "a@example.cz", "DRY_RUN": "yes"})
	if cfg := NotifyConfig(env); !cfg.Mute || env.Err() != nil {
		t.Errorf("config %v, errors %v", cfg, env.Err())
	}
	// Without AbraFlexi the run stops before sending, with reason error.
	sent := false
	r, err := Notify(context.Background(), env, nil, "FV1", func(context.Context, notify.Deps, string) (notify.Result, error) {
		sent = true
		return notify.Result{}, errors.New("unreachable")
	})
	if err != nil || sent || r.Payment.Document != "FV1" || r.Payment.Reason != string(notify.ReasonError) || r.Metrics["sent"] != 0 {
		t.Errorf("report %+v, error %v, sent %t", r, err, sent)
	}
	if env.Err() == nil {
		t.Error("missing ABRAFLEXI_* not recorded")
	}
}

func TestNotifyEvidence(t *testing.T) {
	for in, want := range map[string]string{abraflexi.EvidenceBank: notify.PaymentEvidenceBank,
		abraflexi.EvidenceCash: notify.PaymentEvidenceCash, "": notify.PaymentEvidenceAuto} {
		if got := NotifyEvidence(in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}

// TestNotifyBadConfigurationLeavesTheMessageToAppkit checks that a run
// stopped by bad variables reports them alone as the message (appkit fills
// it in from the configuration errors), not prefixed with ": error" when
// DOCID is empty.
func TestNotifyBadConfigurationLeavesTheMessageToAppkit(t *testing.T) {
	for _, doc := range []string{"", "FV-1"} {
		env := appkit.NewEnv(nil, nil)
		r, err := Notify(context.Background(), env, nil, doc, nil)
		if err != nil || env.Err() == nil {
			t.Fatalf("DOCID %q: err %v, env.Err %v", doc, err, env.Err())
		}
		if r.Message != "" || r.Payment.Document != doc || r.Payment.Reason != string(notify.ReasonError) {
			t.Errorf("DOCID %q: message %q, payment %+v", doc, r.Message, r.Payment)
		}
		code := r.Finalize("app", time.Now(), errors.New("invalid configuration: EASE_FROM is required but not set"))
		if code != appkit.ExitError || r.Message != "invalid configuration: EASE_FROM is required but not set" {
			t.Errorf("DOCID %q: exit %d, message %q", doc, code, r.Message)
		}
	}
}

// TestPaymentEvidence: the event's evidence wins over auto, agrees with an
// explicit PAYMENT_EVIDENCE and contradicting it is an error.
func TestPaymentEvidence(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want payments.EvidenceChoice
		bad  bool
	}{
		{map[string]string{}, payments.EvidenceAuto, false},
		{map[string]string{"EVENT_EVIDENCE": "pokladni-pohyb"}, payments.EvidenceCash, false},
		{map[string]string{"EVENT_EVIDENCE": "Pokladna", "PAYMENT_EVIDENCE": "auto"}, payments.EvidenceCash, false},
		{map[string]string{"EVENT_EVIDENCE": "banka"}, payments.EvidenceBank, false},
		{map[string]string{"EVENT_EVIDENCE": "banka", "PAYMENT_EVIDENCE": "banka"}, payments.EvidenceBank, false},
		{map[string]string{"EVENT_EVIDENCE": "pokladni-pohyb", "PAYMENT_EVIDENCE": "banka"}, payments.EvidenceBank, true},
		{map[string]string{"EVENT_EVIDENCE": "faktura-vydana"}, payments.EvidenceAuto, true},
	} {
		env := appkit.NewEnv(nil, tc.env)
		if got := PaymentEvidence(env); got != tc.want || (env.Err() != nil) != tc.bad {
			t.Errorf("%v: %q, errors %v; want %q bad=%v", tc.env, got, env.Err(), tc.want, tc.bad)
		}
	}
}

func TestHomeCurrency(t *testing.T) {
	env := appkit.NewEnv(nil, map[string]string{"HOME_CURRENCY": "eur"})
	if got := MatcherConfig(env).Policy.HomeCurrency; got != "EUR" || env.Err() != nil {
		t.Errorf("%q %v", got, env.Err())
	}
	env = appkit.NewEnv(nil, nil)
	if got := HomeCurrency(env); got != "CZK" {
		t.Errorf("default %q", got)
	}
	env = appkit.NewEnv(nil, map[string]string{"HOME_CURRENCY": "koruna"})
	if HomeCurrency(env); env.Err() == nil {
		t.Error("HOME_CURRENCY=koruna accepted")
	}
}

// TestDocumentLock: the lock is per document and scoped to the AbraFlexi
// company; RUN_LOCK_TIMEOUT bounds the wait.
func TestDocumentLock(t *testing.T) {
	ctx := context.Background()
	env := appkit.NewEnv(nil, map[string]string{"ABRAFLEXI_URL": "https://af.example/", "ABRAFLEXI_COMPANY": t.Name(), "RUN_LOCK_TIMEOUT": "0.05s"})
	lock := DocumentLock(env)
	if env.Err() != nil {
		t.Fatal(env.Err())
	}
	release, err := lock(ctx, "confirm faktura-vydana 1")
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	start := time.Now()
	if _, err := lock(ctx, "confirm faktura-vydana 1"); err == nil || time.Since(start) > 5*time.Second {
		t.Errorf("second lock of the same document: %v after %v", err, time.Since(start))
	}
	other := appkit.NewEnv(nil, map[string]string{"ABRAFLEXI_URL": "https://af.example", "ABRAFLEXI_COMPANY": t.Name() + "-other"})
	r2, err := DocumentLock(other)(ctx, "confirm faktura-vydana 1")
	if err != nil {
		t.Fatalf("another company's document: %v", err)
	}
	_ = r2()
}
