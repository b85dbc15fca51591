// Command isp-potvrzeni-prijeti-uhrady sends the customer a confirmation
// that an issued invoice (DOCID) was paid, with the tax document (invoice
// PDF) attached. It is the Go port of the PHP isp-tools app of the same
// name, run by the MultiFlexi event processor on every faktura-vydana
// update (Pipeline B, rule 6); the work is [notify.ConfirmInvoicePayment].
//
// Invoices that are not (at least partly) paid are skipped (reason
// not_paid, exit 0, warning). A confirmation is recorded on the invoice
// with the label LABEL_CONFIRMED (full payment, default POTVRZENO) or
// LABEL_CONFIRMED_PARTIAL (partial payment, default POTVRZENO_CASTECNE),
// written before sending (a claim, removed again when sending fails), so
// repeated triggers — including the one fired by that label write — send
// nothing (already_confirmed, exit 0). Two triggers at once take turns (a
// lock per invoice, RUN_LOCK_TIMEOUT) and the second finds the label. A
// label missing from AbraFlexi's label codebook is created on first use.
// Amounts are printed in the invoice's currency (HOME_CURRENCY is the
// company's).
//
// Exit status: 0 sent, would_send (MUTE or DRY_RUN), not_paid or
// already_confirmed; 1 document_not_found, no_email, label_missing (the
// label could not be created), send_failed or any other error.
//
// Environment: DOCID (invoice code or numeric id), EASE_FROM, MUTE,
// DRY_RUN (same as MUTE), NOTIFY_LANG, NOTIFY_TEMPLATE_DIR, MAIL_TRANSPORT,
// SMTP_HOST, SMTP_PORT, SMTP_USERNAME, SMTP_PASSWORD, SMTP_TLS, SMTP_AUTH,
// SMTP_TIMEOUT, SENDMAIL_PATH, LABEL_CONFIRMED, LABEL_CONFIRMED_PARTIAL,
// HOME_CURRENCY, RUN_LOCK_TIMEOUT, ABRAFLEXI_URL, ABRAFLEXI_LOGIN,
// ABRAFLEXI_PASSWORD, ABRAFLEXI_COMPANY, ABRAFLEXI_INSECURE, plus the
// common RESULT_FILE, EASE_LOGGER and APP_DEBUG. The report carries
// document, invoice, varSym, reason, recipient, label and message_id.
package main

import (
	"context"
	"log/slog"

	"github.com/spoje-net/isptools/examples/internal/appkit"
	"github.com/spoje-net/isptools/examples/internal/paymentapp"
	"github.com/spoje-net/isptools/notify"
)

// appName is the binary, report producer and syslog tag.
const appName = "isp-potvrzeni-prijeti-uhrady"

func main() { appkit.Main(appName, run) }

func run(ctx context.Context, env *appkit.Env, log *slog.Logger) (*appkit.Report, error) {
	docID := env.Required("DOCID")
	return paymentapp.Notify(ctx, env, log, docID, notify.ConfirmInvoicePayment)
}
