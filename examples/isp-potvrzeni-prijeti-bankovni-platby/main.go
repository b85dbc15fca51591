// Command isp-potvrzeni-prijeti-bankovni-platby tells the payer of a
// received bank or cash payment (DOCID) that the payment arrived but
// awaits manual matching by accounting. It is the Go port of the PHP
// isp-tools app of the same name, run after isp-match-received-payment
// exits 2 (Pipeline B, rule 7 payment.unmatched); the work is
// [notify.NoticePaymentReceived].
//
// The payer is told once: the notice is recorded on the payment with the
// label LABEL_NOTIFIED (default OZNAMENO, created in the label codebook
// on first use), written before sending and removed again when sending
// fails; a redelivered event gives already_notified. Two runs on one
// payment at once take turns (a lock per payment, RUN_LOCK_TIMEOUT).
//
// Exit status: 0 sent, would_send (MUTE or DRY_RUN), and the warnings
// no_recipient (payer unknown or without a valid e-mail address),
// not_incoming, cancelled, already_matched and already_notified; 1
// document_not_found, ambiguous_document (a numeric DOCID in both
// evidences under auto), label_missing, send_failed or any other error.
//
// Environment: DOCID (bank/cash record code or numeric id),
// PAYMENT_EVIDENCE (banka|pokladna|auto, default auto), EVENT_EVIDENCE
// (the event's evidence; wins over auto), EASE_FROM, MUTE, DRY_RUN (same
// as MUTE), NOTIFY_LANG, NOTIFY_TEMPLATE_DIR, MAIL_TRANSPORT, SMTP_HOST,
// SMTP_PORT, SMTP_USERNAME, SMTP_PASSWORD, SMTP_TLS, SMTP_AUTH,
// SMTP_TIMEOUT, SENDMAIL_PATH, LABEL_NOTIFIED, HOME_CURRENCY,
// RUN_LOCK_TIMEOUT, ABRAFLEXI_URL, ABRAFLEXI_LOGIN, ABRAFLEXI_PASSWORD,
// ABRAFLEXI_COMPANY, ABRAFLEXI_INSECURE, plus the common RESULT_FILE,
// EASE_LOGGER and APP_DEBUG. The report carries document, invoice (null),
// varSym, reason, recipient, label and message_id.
package main

import (
	"context"
	"log/slog"

	"github.com/spoje-net/isptools/examples/internal/appkit"
	"github.com/spoje-net/isptools/examples/internal/paymentapp"
	"github.com/spoje-net/isptools/notify"
)

// appName is the binary, report producer and syslog tag.
const appName = "isp-potvrzeni-prijeti-bankovni-platby"

func main() { appkit.Main(appName, run) }

func run(ctx context.Context, env *appkit.Env, log *slog.Logger) (*appkit.Report, error) {
	docID := env.Required("DOCID")
	evidence := string(paymentapp.PaymentEvidence(env))
	return paymentapp.Notify(ctx, env, log, docID, func(ctx context.Context, deps notify.Deps, docID string) (notify.Result, error) {
		return notify.NoticePaymentReceived(ctx, deps, docID, evidence)
	})
}
