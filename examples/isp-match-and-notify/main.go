// Command isp-match-and-notify is the Pipeline B bridge for rule 7: the
// MultiFlexi event processor cannot react to exit codes, so this app
// matches the received payment DOCUMENTID like isp-match-received-payment
// and then, in the same run, notifies the customer:
//
//   - the payment was paired with an invoice (exit 0): the payment
//     confirmation with the tax document for that invoice, as
//     isp-potvrzeni-prijeti-uhrady sends it (guarded against duplicates by
//     LABEL_CONFIRMED on the invoice);
//   - the payment cannot be auto-matched (exit 2): the notice that the
//     payment arrived and awaits manual matching, as
//     isp-potvrzeni-prijeti-bankovni-platby sends it;
//   - nothing to do (already matched, outgoing) or an error: no mail.
//
// The exit status is the matcher's (0, 2 or 1). A failed notification
// does not change it; it makes the report's status a warning (error when
// the match itself failed) and is described under "notification".
// The whole configuration (the matcher's and the mail's) is checked before
// anything is written.
//
// Environment: those of isp-match-received-payment (DOCUMENTID,
// PAYMENT_EVIDENCE, MATCH_OVERPAY_MODE, LABEL_OVERPAY,
// LABEL_INVOICE_MISSING, LABEL_UNIDENTIFIED, DRY_RUN, ABRAFLEXI_*) and of
// the notify package (EASE_FROM, MUTE, NOTIFY_LANG, NOTIFY_TEMPLATE_DIR,
// MAIL_TRANSPORT, SMTP_*, SENDMAIL_PATH, LABEL_CONFIRMED,
// LABEL_CONFIRMED_PARTIAL). DRY_RUN implies MUTE.
package main

import (
	"context"
	"encoding/json"
	"log/slog"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/examples/internal/appkit"
	"github.com/spoje-net/isptools/examples/internal/dunningapp"
	"github.com/spoje-net/isptools/notify"
	"github.com/spoje-net/isptools/payments"
)

// appName is the binary, report producer and syslog tag.
const appName = "isp-match-and-notify"

func main() { appkit.Main(appName, run) }

func run(ctx context.Context, env *appkit.Env, log *slog.Logger) (*appkit.Report, error) {
	docID := env.String("DOCUMENTID", "")
	if docID == "" {
		return reportOf(payments.Result{Reason: payments.NoDocumentID, ExitCode: payments.ExitError,
			Message: "No DOCUMENTID provided."}, nil), nil
	}
	mcfg := matcherConfig(env)
	ncfg := notifyConfig(env, mcfg.DryRun)
	client, err := dunningapp.Client(env, log)
	if err == nil {
		err = env.Err()
	}
	var deps notify.Deps
	if err == nil {
		deps, err = notify.NewDeps(ncfg, client, log)
	}
	if err != nil {
		return &appkit.Report{Payment: &appkit.Payment{Document: docID, Reason: string(payments.Failed)}}, err
	}

	m := payments.NewMatcher(payments.NewClientLedger(client), mcfg)
	res, _ := m.MatchOne(ctx, docID) // the error is in the result
	n := notifyAfter(ctx, deps, res, log)
	return reportOf(res, n), nil
}

// notifyAfter sends the mail the matcher's outcome calls for: the
// confirmation of the invoice just paired (exit 0 and paired), the
// received-payment notice (exit 2), or nothing (nil).
func notifyAfter(ctx context.Context, deps notify.Deps, res payments.Result, log *slog.Logger) *notify.Result {
	var (
		nres notify.Result
		err  error
	)
	switch {
	case res.Matched():
		nres, err = notify.ConfirmInvoicePayment(ctx, deps, res.InvoiceID.String())
	case res.ExitCode == payments.ExitUnmatched:
		nres, err = notify.NoticePaymentReceived(ctx, deps, res.PaymentID.String(), notifyEvidence(res.Evidence))
	default:
		return nil
	}
	if err != nil {
		log.ErrorContext(ctx, "notification failed", "document", res.Document, "reason", string(nres.Reason), "error", err)
		nres.Warnings = append(nres.Warnings, err.Error())
	}
	return &nres
}

// notifyEvidence maps an AbraFlexi evidence to notify's PAYMENT_EVIDENCE.
func notifyEvidence(ev string) string {
	switch ev {
	case abraflexi.EvidenceBank:
		return notify.PaymentEvidenceBank
	case abraflexi.EvidenceCash:
		return notify.PaymentEvidenceCash
	}
	return notify.PaymentEvidenceAuto
}

// matcherConfig reads the matcher's environment variables; bad values are
// recorded in env.
func matcherConfig(env *appkit.Env) payments.Config {
	ev := env.Enum("PAYMENT_EVIDENCE", string(payments.EvidenceAuto), "banka", "pokladna", "auto")
	mode := env.Enum("MATCH_OVERPAY_MODE", string(payments.OverpaySettle), "settle", "manual")
	return payments.Config{
		Evidence: payments.EvidenceChoice(ev),
		Policy: payments.Policy{
			OverpayMode: payments.OverpayMode(mode),
			Labels: payments.Labels{
				Overpay:        env.String("LABEL_OVERPAY", payments.DefaultLabelOverpay),
				InvoiceMissing: env.String("LABEL_INVOICE_MISSING", payments.DefaultLabelInvoiceMissing),
				Unidentified:   env.String("LABEL_UNIDENTIFIED", payments.DefaultLabelUnidentified),
			},
		},
		DryRun: env.Bool("DRY_RUN", false),
	}
}

// notifyConfig reads the notify configuration through env (so the .env
// file counts); DRY_RUN implies MUTE. Errors are recorded in env.
func notifyConfig(env *appkit.Env, dryRun bool) notify.Config {
	cfg, err := notify.ConfigFromLookup(env.Lookup)
	if err != nil {
		env.Errorf("%v", err)
	}
	cfg.Mute = cfg.Mute || dryRun
	return cfg
}

// reportOf renders the combined report: the matcher's fields (document,
// invoice, varSym, reason, amount, remainder) with its exit code, the
// notification's recipient, and "notification" describing the mail
// (null when none was due).
func reportOf(res payments.Result, n *notify.Result) *appkit.Report {
	r := &appkit.Report{
		ExitCode: res.ExitCode,
		Message:  res.Message,
		Payment:  &appkit.Payment{Document: res.Document, Reason: string(res.Reason)},
		Extra:    map[string]any{"amount": nil, "remainder": nil, "notification": nil, "message_id": nil},
	}
	if res.Invoice != "" {
		r.Payment.Invoice = &res.Invoice
	}
	if res.VarSym != "" || res.Evidence != "" {
		vs := res.VarSym
		r.Payment.VarSym = &vs
	}
	if res.Evidence != "" {
		r.Extra["amount"] = json.Number(res.Amount.StringFixed(2))
		r.Extra["evidence"] = res.Evidence
	}
	if res.Remainder != "" {
		r.Extra["remainder"] = string(res.Remainder)
	}
	if len(res.Labels) > 0 {
		r.Extra["labels"] = res.Labels
	}
	if res.DryRun {
		r.Extra["dryRun"] = true
	}
	switch res.ExitCode {
	case payments.ExitError:
		r.Status = appkit.StatusError
	case payments.ExitUnmatched:
		r.Status = appkit.StatusWarning
	default:
		if res.LabelError != "" {
			r.Status = appkit.StatusWarning
		}
	}
	r.SetMetric("paired", boolInt(res.Matched() && !res.DryRun))
	sent := 0
	if n != nil {
		note := map[string]any{
			"reason":   string(n.Reason),
			"document": n.Document,
			"status":   string(n.Severity()),
			"message":  n.Summary(),
		}
		if n.Invoice != "" {
			note["invoice"] = n.Invoice
		}
		if len(n.Warnings) > 0 {
			note["warnings"] = n.Warnings
		}
		r.Extra["notification"] = note
		if rc := n.Recipient(); rc != "" {
			r.Payment.Recipient = &rc
		}
		if n.MessageID != "" {
			r.Extra["message_id"] = n.MessageID
		}
		if n.Reason == notify.ReasonSent {
			sent = 1
		}
		r.Message += "; notification: " + n.Summary()
		// A failed notification is a warning; it never changes the
		// matcher's exit code.
		if n.Severity() != notify.SeveritySuccess && r.Status == "" {
			r.Status = appkit.StatusWarning
		}
	}
	r.SetMetric("sent", sent)
	return r
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
