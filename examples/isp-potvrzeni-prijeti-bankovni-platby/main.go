// Command isp-potvrzeni-prijeti-bankovni-platby tells the payer of a
// received bank or cash payment (DOCID) that the payment arrived but
// awaits manual matching by accounting. It is the Go port of the PHP
// isp-tools app of the same name, run after isp-match-received-payment
// exits 2 (Pipeline B, rule 7 payment.unmatched); the work is
// [notify.NoticePaymentReceived]. Nothing is written to AbraFlexi.
//
// Exit status: 0 sent, would_send (MUTE or DRY_RUN), and the warnings
// no_recipient (payer unknown or without a valid e-mail address),
// not_incoming, cancelled and already_matched; 1 document_not_found,
// send_failed or any other error.
//
// Environment: DOCID (bank/cash record code or numeric id),
// PAYMENT_EVIDENCE (banka|pokladna|auto, default auto: banka first),
// EASE_FROM, MUTE, DRY_RUN (same as MUTE), NOTIFY_LANG,
// NOTIFY_TEMPLATE_DIR, MAIL_TRANSPORT, SMTP_HOST, SMTP_PORT,
// SMTP_USERNAME, SMTP_PASSWORD, SMTP_TLS, SMTP_AUTH, SMTP_TIMEOUT,
// SENDMAIL_PATH, ABRAFLEXI_URL, ABRAFLEXI_LOGIN, ABRAFLEXI_PASSWORD,
// ABRAFLEXI_COMPANY, ABRAFLEXI_INSECURE, plus the common RESULT_FILE,
// EASE_LOGGER and APP_DEBUG. The report carries document, invoice (null),
// varSym, reason, recipient and message_id.
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
	evidence := env.Enum("PAYMENT_EVIDENCE", notify.PaymentEvidenceAuto,
		notify.PaymentEvidenceBank, notify.PaymentEvidenceCash, notify.PaymentEvidenceAuto)
	return paymentapp.Notify(ctx, env, log, docID, func(ctx context.Context, deps notify.Deps, docID string) (notify.Result, error) {
		return notify.NoticePaymentReceived(ctx, deps, docID, evidence)
	})
}
