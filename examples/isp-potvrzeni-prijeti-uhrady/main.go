// Command isp-potvrzeni-prijeti-uhrady sends the customer a confirmation
// that an issued invoice (DOCID) was paid, with the tax document (invoice
// PDF) attached. It is the Go port of the PHP isp-tools app of the same
// name, run by the MultiFlexi event processor on every faktura-vydana
// update (Pipeline B, rule 6); the work is [notify.ConfirmInvoicePayment].
//
// Invoices that are not (at least partly) paid are skipped (reason
// not_paid, exit 0, warning). A sent confirmation is recorded on the
// invoice with the label LABEL_CONFIRMED (full payment, default POTVRZENO)
// or LABEL_CONFIRMED_PARTIAL (partial payment, default POTVRZENO_CASTECNE),
// so repeated triggers — including the one fired by that label write —
// send nothing (already_confirmed, exit 0). Both labels must exist in
// AbraFlexi's label codebook.
//
// Exit status: 0 sent, would_send (MUTE or DRY_RUN), not_paid or
// already_confirmed; 1 document_not_found, no_email, label_missing,
// send_failed or any other error.
//
// Environment: DOCID (invoice code or numeric id), EASE_FROM, MUTE,
// DRY_RUN (same as MUTE), NOTIFY_LANG, NOTIFY_TEMPLATE_DIR, MAIL_TRANSPORT,
// SMTP_HOST, SMTP_PORT, SMTP_USERNAME, SMTP_PASSWORD, SMTP_TLS, SMTP_AUTH,
// SMTP_TIMEOUT, SENDMAIL_PATH, LABEL_CONFIRMED, LABEL_CONFIRMED_PARTIAL,
// ABRAFLEXI_URL, ABRAFLEXI_LOGIN, ABRAFLEXI_PASSWORD, ABRAFLEXI_COMPANY,
// ABRAFLEXI_INSECURE, plus the common RESULT_FILE, EASE_LOGGER and
// APP_DEBUG. The report carries document, invoice, varSym, reason,
// recipient and message_id.
package main

import (
	"context"
	"log/slog"

	"github.com/spoje-net/isptools/examples/internal/appkit"
	"github.com/spoje-net/isptools/examples/internal/dunningapp"
	"github.com/spoje-net/isptools/notify"
)

// appName is the binary, report producer and syslog tag.
const appName = "isp-potvrzeni-prijeti-uhrady"

func main() { appkit.Main(appName, run) }

func run(ctx context.Context, env *appkit.Env, log *slog.Logger) (*appkit.Report, error) {
	docID := env.Required("DOCID")
	cfg := notifyConfig(env)
	client, _ := dunningapp.Client(env, log) // errors are recorded in env
	if env.Err() != nil {
		return reportOf(notify.Result{Document: docID, Reason: notify.ReasonError}), nil
	}
	log.Debug("configuration", "notify", cfg)
	deps, err := notify.NewDeps(cfg, client, log)
	if err != nil {
		return reportOf(notify.Result{Document: docID, Reason: notify.ReasonError}), err
	}
	res, err := notify.ConfirmInvoicePayment(ctx, deps, docID)
	return reportOf(res), err
}

// notifyConfig reads the notify configuration through env (so the .env
// file counts); DRY_RUN=true implies MUTE. Errors are recorded in env.
func notifyConfig(env *appkit.Env) notify.Config {
	cfg, err := notify.ConfigFromLookup(env.Lookup)
	if err != nil {
		env.Errorf("%v", err)
	}
	cfg.Mute = cfg.Mute || env.Bool("DRY_RUN", false)
	return cfg
}

// reportOf renders a notify result as the report of the PHP tool
// (document, invoice, varSym, reason, recipient) plus message_id.
func reportOf(res notify.Result) *appkit.Report {
	r := &appkit.Report{
		Message: res.Summary(),
		Status:  appkit.Status(res.Severity()),
		Payment: &appkit.Payment{Document: res.Document, Reason: string(res.Reason)},
		Extra:   map[string]any{"message_id": nil},
	}
	if res.Invoice != "" {
		r.Payment.Invoice = &res.Invoice
	}
	if res.VarSym != "" {
		r.Payment.VarSym = &res.VarSym
	}
	if rc := res.Recipient(); rc != "" {
		r.Payment.Recipient = &rc
	}
	if res.MessageID != "" {
		r.Extra["message_id"] = res.MessageID
	}
	if len(res.InvalidRecipients) > 0 {
		r.Extra["invalid_recipients"] = res.InvalidRecipients
	}
	if len(res.Warnings) > 0 {
		r.Extra["warnings"] = res.Warnings
	}
	sent := 0
	if res.Reason == notify.ReasonSent {
		sent = 1
	}
	r.SetMetric("sent", sent)
	return r
}
