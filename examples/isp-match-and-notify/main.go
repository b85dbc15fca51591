// Command isp-match-and-notify is the Pipeline B bridge for rule 7: the
// MultiFlexi event processor cannot react to exit codes, so this app
// matches the received payment DOCUMENTID like isp-match-received-payment
// and then, in the same run, notifies the customer:
//
//   - the payment was paired with an invoice (exit 0): the payment
//     confirmation with the tax document for that invoice, as
//     isp-potvrzeni-prijeti-uhrady sends it (guarded against duplicates by
//     LABEL_CONFIRMED on the invoice); a payment of several invoices at
//     once (matched_several, MATCH_KEYS with sum) gets the confirmation
//     of every one of them, in the order they were paid;
//   - the payment was already matched (a redelivered event, or a run whose
//     pairing reached AbraFlexi but whose answer or mail got lost): the
//     same label-guarded confirmation for every invoice it paid, so the
//     customer gets each exactly once;
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
// PAYMENT_EVIDENCE, EVENT_EVIDENCE, MATCH_KEYS, MATCH_OVERPAY_MODE, LABEL_OVERPAY,
// LABEL_INVOICE_MISSING, LABEL_UNIDENTIFIED, HOME_CURRENCY,
// RUN_LOCK_TIMEOUT, DRY_RUN, ABRAFLEXI_*) and of the notify package
// (EASE_FROM, MUTE, NOTIFY_LANG, NOTIFY_TEMPLATE_DIR, MAIL_TRANSPORT,
// SMTP_*, SENDMAIL_PATH, LABEL_CONFIRMED, LABEL_CONFIRMED_PARTIAL,
// LABEL_NOTIFIED). DRY_RUN implies MUTE.
package main

import (
	"context"
	"log/slog"
	"strings"

	"github.com/spoje-net/isptools/abraflexi"

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
	ns := notifyAfter(ctx, deps, res, log)
	return reportOf(res, ns), nil
}

// notifyAfter sends the mails the matcher's outcome calls for: the
// confirmation of every invoice just paired (exit 0 and paired; several
// for matched_several) or already paid by the payment (already_matched;
// label-guarded, so each is sent only when an earlier run did not), the
// received-payment notice (exit 2), or nothing (nil). The results are in
// the order the invoices were paid.
func notifyAfter(ctx context.Context, deps notify.Deps, res payments.Result, log *slog.Logger) []notify.Result {
	var out []notify.Result
	send := func(nres notify.Result, err error) {
		if err != nil {
			log.ErrorContext(ctx, "notification failed", "document", res.Document, "invoice", nres.Invoice, "reason", string(nres.Reason), "error", err)
			nres.Warnings = append(nres.Warnings, err.Error())
		}
		out = append(out, nres)
	}
	switch {
	case res.Matched(), res.Reason == payments.AlreadyMatched:
		for _, id := range confirmable(res) {
			send(notify.ConfirmInvoicePayment(ctx, deps, id.String()))
		}
	case res.ExitCode == payments.ExitUnmatched:
		send(notify.NoticePaymentReceived(ctx, deps, res.PaymentID.String(), paymentapp.NotifyEvidence(res.Evidence)))
	}
	if len(out) == 0 {
		log.InfoContext(ctx, "no notification due", "document", res.Document, "reason", string(res.Reason))
	}
	return out
}

// confirmable returns the invoices whose payment confirmation a paired or
// already matched result calls for: every invoice of res.Invoices, else
// the one invoice it names.
func confirmable(res payments.Result) []abraflexi.ID {
	var ids []abraflexi.ID
	for _, inv := range res.Invoices {
		switch {
		case !inv.InvoiceID.IsZero():
			ids = append(ids, inv.InvoiceID)
		case inv.Invoice != "":
			ids = append(ids, abraflexi.CodeID(inv.Invoice))
		}
	}
	if len(ids) == 0 && !res.InvoiceID.IsZero() {
		ids = append(ids, res.InvoiceID)
	}
	return ids
}

// reportOf renders the combined report: the matcher's report
// ([paymentapp.MatchReport]) with its exit code, the notification's
// recipient, "notification" describing the (first) mail (null when none
// was due) and, when several invoices were confirmed, "notifications"
// describing each. The metric sent counts the mails sent.
func reportOf(res payments.Result, ns []notify.Result) *appkit.Report {
	r := paymentapp.MatchReport(res)
	r.Extra["notification"] = nil
	r.Extra["message_id"] = nil
	sent := 0
	var notes []map[string]any
	var summaries []string
	for _, n := range ns {
		note := map[string]any{
			"reason":   string(n.Reason),
			"document": n.Document,
			"status":   string(n.Severity()),
			"message":  n.Summary(),
		}
		if n.Invoice != "" {
			note["invoice"] = n.Invoice
		}
		if n.MessageID != "" {
			note["message_id"] = n.MessageID
		}
		if len(n.Warnings) > 0 {
			note["warnings"] = n.Warnings
		}
		notes = append(notes, note)
		summaries = append(summaries, n.Summary())
		if rc := n.Recipient(); rc != "" && r.Payment.Recipient == nil {
			r.Payment.Recipient = &rc
		}
		if n.MessageID != "" && r.Extra["message_id"] == nil {
			r.Extra["message_id"] = n.MessageID
		}
		if n.Reason == notify.ReasonSent {
			sent++
		}
		// A failed notification is a warning; it never changes the
		// matcher's exit code. A confirmation an earlier run sent
		// (already_confirmed, the normal outcome of a redelivered event)
		// is no failure.
		if n.Severity() != notify.SeveritySuccess && n.Reason != notify.ReasonAlreadyConfirmed && r.Status == "" {
			r.Status = appkit.StatusWarning
		}
	}
	if len(notes) > 0 {
		r.Extra["notification"] = notes[0]
		r.Message += "; notification: " + strings.Join(summaries, "; ")
	}
	if len(notes) > 1 {
		r.Extra["notifications"] = notes
	}
	r.SetMetric("sent", sent)
	return r
}
