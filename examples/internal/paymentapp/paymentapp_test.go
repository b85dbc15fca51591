package paymentapp

import (
	"context"
	"errors"
	"fmt"
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
