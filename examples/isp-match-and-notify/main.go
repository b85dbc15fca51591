// Command isp-match-and-notify is the Pipeline B bridge for rule 7: the
// MultiFlexi event processor cannot react to exit codes, so this app
// matches the received payment DOCUMENTID like isp-match-received-payment
// and then, in the same run, notifies the customer:
//
//   - the payment was paired with an invoice (exit 0): the payment
//     confirmation with the tax document for that invoice, as
//     isp-potvrzeni-prijeti-uhrady sends it (guarded against duplicates by
//     LABEL_CONFIRMED on the invoice);
//   - the payment was already matched (a redelivered event, or a run whose
//     pairing reached AbraFlexi but whose answer or mail got lost): the
//     same label-guarded confirmation for the invoice it paid, so the
//     customer gets it exactly once;
//   - the payment cannot be auto-matched (exit 2): the notice that the
//     payment arrived and awaits manual matching, as
//     isp-potvrzeni-prijeti-bankovni-platby sends it;
//   - nothing to do (outgoing, cancelled) or an error: no mail.
//
// The exit status is the matcher's (0, 2 or 1). A failed notification
// does not change it; it makes the report's status a warning (error when
// the match itself failed) and is described under "notification".
// The whole configuration (the matcher's and the mail's) is checked before
// anything is written.
//
// Environment: those of isp-match-received-payment (DOCUMENTID,
// PAYMENT_EVIDENCE, EVENT_EVIDENCE, MATCH_OVERPAY_MODE, LABEL_OVERPAY,
// LABEL_INVOICE_MISSING, LABEL_UNIDENTIFIED, HOME_CURRENCY,
// RUN_LOCK_TIMEOUT, DRY_RUN, ABRAFLEXI_*) and of the notify package
// (EASE_FROM, MUTE, NOTIFY_LANG, NOTIFY_TEMPLATE_DIR, MAIL_TRANSPORT,
// SMTP_*, SENDMAIL_PATH, LABEL_CONFIRMED, LABEL_CONFIRMED_PARTIAL,
// LABEL_NOTIFIED). DRY_RUN implies MUTE.
package main

import (
	"context"
	"log/slog"

	"github.com/spoje-net/isptools/examples/internal/appkit"
	"github.com/spoje-net/isptools/examples/internal/connect"
	"github.com/spoje-net/isptools/examples/internal/paymentapp"
	"github.com/spoje-net/isptools/notify"
	"github.com/spoje-net/isptools/payments"
)

// appName is the binary, report producer and syslog tag.
const appName = "isp-match-and-notify"

func main() { appkit.Main(appName, run) }

func run(ctx context.Context, env *appkit.Env, log *slog.Logger) (*appkit.Report, error) {
	docID := env.String("DOCUMENTID", "")
	// The whole configuration is read before anything connects, so that a
	// run names every bad variable, not only DOCUMENTID.
	mcfg := paymentapp.MatcherConfig(env)
	ncfg := paymentapp.NotifyConfig(env) // DRY_RUN implies MUTE
	lock := paymentapp.DocumentLock(env)
	mcfg.Lock = lock
	client, err := connect.AbraFlexi(env, log)
	if err == nil {
		err = env.Err()
	}
	if docID == "" {
		return reportOf(paymentapp.NoDocumentID(), nil), nil
	}
	var deps notify.Deps
	if err == nil {
		deps, err = notify.NewDeps(ncfg, client, log)
	}
	if err != nil {
		return paymentapp.Failed(docID), err
	}
	deps.Lock = lock

	m := payments.NewMatcher(payments.NewClientLedger(client, payments.WithLedgerLogger(log)), mcfg)
	res, _ := m.MatchOne(ctx, docID) // the error is in the result
	n := notifyAfter(ctx, deps, res, log)
	return reportOf(res, n), nil
}

// notifyAfter sends the mail the matcher's outcome calls for: the
// confirmation of the invoice just paired (exit 0 and paired) or already
// paid by the payment (already_matched; label-guarded, so it is sent only
// when an earlier run did not), the received-payment notice (exit 2), or
// nothing (nil).
func notifyAfter(ctx context.Context, deps notify.Deps, res payments.Result, log *slog.Logger) *notify.Result {
	var (
		nres notify.Result
		err  error
	)
	switch {
	case res.Matched(), res.Reason == payments.AlreadyMatched && !res.InvoiceID.IsZero():
		nres, err = notify.ConfirmInvoicePayment(ctx, deps, res.InvoiceID.String())
	case res.ExitCode == payments.ExitUnmatched:
		nres, err = notify.NoticePaymentReceived(ctx, deps, res.PaymentID.String(), paymentapp.NotifyEvidence(res.Evidence))
	default:
		log.InfoContext(ctx, "no notification due", "document", res.Document, "reason", string(res.Reason))
		return nil
	}
	if err != nil {
		log.ErrorContext(ctx, "notification failed", "document", res.Document, "reason", string(nres.Reason), "error", err)
		nres.Warnings = append(nres.Warnings, err.Error())
	}
	return &nres
}

// reportOf renders the combined report: the matcher's report
// ([paymentapp.MatchReport]) with its exit code, the notification's
// recipient, and "notification" describing the mail (null when none was
// due).
func reportOf(res payments.Result, n *notify.Result) *appkit.Report {
	r := paymentapp.MatchReport(res)
	r.Extra["notification"] = nil
	r.Extra["message_id"] = nil
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
		// matcher's exit code. A confirmation an earlier run sent
		// (already_confirmed, the normal outcome of a redelivered event)
		// is no failure.
		if n.Severity() != notify.SeveritySuccess && n.Reason != notify.ReasonAlreadyConfirmed && r.Status == "" {
			r.Status = appkit.StatusWarning
		}
	}
	r.SetMetric("sent", sent)
	return r
}
