// Package paymentapp holds what the Pipeline B apps share:
// isp-match-received-payment, isp-match-payments-batch and
// isp-match-and-notify read the matcher's configuration the same way and
// report one matched payment the same way; isp-potvrzeni-prijeti-uhrady,
// isp-potvrzeni-prijeti-bankovni-platby and isp-match-and-notify read the
// notify configuration the same way, and the two notify apps share their
// whole run ([Notify]) and report ([NotifyReport]).
//
// The reports keep the fields of the PHP isp-tools (document, invoice,
// varSym, reason, recipient) plus amount, remainder, message_id and the
// MultiFlexi producer and metrics.exit_code.
package paymentapp

import (
	"context"
	"log/slog"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/examples/internal/appkit"
	"github.com/spoje-net/isptools/examples/internal/connect"
	"github.com/spoje-net/isptools/notify"
	"github.com/spoje-net/isptools/payments"
	"github.com/spoje-net/isptools/report"
)

// MatcherConfig reads the matcher's environment variables PAYMENT_EVIDENCE
// and EVENT_EVIDENCE ([PaymentEvidence]), MATCH_OVERPAY_MODE
// (settle|manual, default settle), LABEL_OVERPAY, LABEL_INVOICE_MISSING,
// LABEL_UNIDENTIFIED, HOME_CURRENCY ([HomeCurrency]) and DRY_RUN
// ([payments.ConfigFromLookup]); bad values are recorded in env. The
// Logger and Lock are left nil.
func MatcherConfig(env *appkit.Env) payments.Config {
	cfg, err := payments.ConfigFromLookup(env.Lookup)
	env.Record(err)
	return cfg
}

// HomeCurrency reads HOME_CURRENCY, the company's currency (default CZK):
// three letters, returned upper-case ([abraflexi.HomeCurrencyFromLookup]).
// A bad value is recorded in env.
func HomeCurrency(env *appkit.Env) string {
	c, err := abraflexi.HomeCurrencyFromLookup(env.Lookup)
	env.Record(err)
	return c
}

// PaymentEvidence reads where the payment DOCUMENTID (or DOCID) lives:
// PAYMENT_EVIDENCE (banka|pokladna|auto, default auto) and EVENT_EVIDENCE,
// the evidence of the AbraFlexi change that triggered the run
// ([payments.EvidenceFromLookup]). A bad value is recorded in env.
func PaymentEvidence(env *appkit.Env) payments.EvidenceChoice {
	ev, err := payments.EvidenceFromLookup(env.Lookup)
	env.Record(err)
	return ev
}

// DocumentLock returns the lock of one AbraFlexi document that the
// Pipeline B apps take for a run ([payments.DocumentLockFromLookup]): one
// lock file per document, scoped to ABRAFLEXI_URL and ABRAFLEXI_COMPANY,
// waiting up to RUN_LOCK_TIMEOUT. A bad value is recorded in env.
func DocumentLock(env *appkit.Env) func(ctx context.Context, key string) (func() error, error) {
	lock, err := payments.DocumentLockFromLookup(env.Lookup)
	env.Record(err)
	return lock
}

// NoDocumentID is the matcher result of a run without DOCUMENTID: reason
// no_documentid, exit 1, as the PHP tool.
func NoDocumentID() payments.Result {
	return payments.Result{Reason: payments.NoDocumentID, ExitCode: payments.ExitError, Message: "No DOCUMENTID provided."}
}

// Failed is the report of a single-payment run that failed before matching
// (configuration or connection): the document with reason failed.
func Failed(docID string) *appkit.Report {
	return &appkit.Report{Payment: &appkit.Payment{Document: docID, Reason: string(payments.Failed)}}
}

// MatchReport renders the result of matching one payment
// ([report.Match]): the PHP fields document, invoice, varSym and reason,
// plus amount and remainder; exit code and status follow the reason.
func MatchReport(res payments.Result) *appkit.Report { return report.Match(res) }

// NotifyConfig reads the notify configuration through env (so the .env
// file counts): EASE_FROM, NOTIFY_LANG, NOTIFY_TEMPLATE_DIR, MUTE,
// MAIL_TRANSPORT, SMTP_*, SENDMAIL_PATH, LABEL_CONFIRMED,
// LABEL_CONFIRMED_PARTIAL, LABEL_NOTIFIED and HOME_CURRENCY (see
// [notify.ConfigFromLookup]) and DRY_RUN, which implies MUTE. Errors are
// recorded in env.
func NotifyConfig(env *appkit.Env) notify.Config {
	cfg, err := notify.ConfigFromLookup(env.Lookup)
	env.Record(err)
	return cfg
}

// SendFunc sends one notification about the document docID; it is
// [notify.ConfirmInvoicePayment] or a closure over
// [notify.NoticePaymentReceived].
type SendFunc func(ctx context.Context, deps notify.Deps, docID string) (notify.Result, error)

// Notify is the body of the notify apps once they have read their own
// variables (DOCID, and the payment's evidence for the payment notice): it
// reads the notify configuration ([NotifyConfig]), the document lock
// ([DocumentLock]) and the AbraFlexi connection, stops with reason error
// when any variable is bad, and otherwise sends with send and reports the
// result ([NotifyReport]).
func Notify(ctx context.Context, env *appkit.Env, log *slog.Logger, docID string, send SendFunc) (*appkit.Report, error) {
	cfg := NotifyConfig(env)
	lock := DocumentLock(env)
	client, _ := connect.AbraFlexi(env, log) // errors are recorded in env
	if env.Err() != nil {
		// appkit reports the configuration errors as the message; the
		// summary of an undecided result would only prefix them with
		// "<document>: error" (": error" without DOCID).
		r := NotifyReport(notify.Result{Document: docID, Reason: notify.ReasonError})
		r.Message = ""
		return r, nil
	}
	log.Debug("configuration", "notify", cfg)
	deps, err := notify.NewDeps(cfg, client, log)
	if err != nil {
		return NotifyReport(notify.Result{Document: docID, Reason: notify.ReasonError}), err
	}
	deps.Lock = lock
	res, err := send(ctx, deps, docID)
	return NotifyReport(res), err
}

// NotifyReport renders a notify result as the report of the PHP tools
// ([report.Notify]).
func NotifyReport(res notify.Result) *appkit.Report { return report.Notify(res) }

// NotifyEvidence maps an AbraFlexi evidence (banka, pokladna) to notify's
// PAYMENT_EVIDENCE value; anything else is auto.
func NotifyEvidence(ev string) string {
	switch ev {
	case abraflexi.EvidenceBank:
		return notify.PaymentEvidenceBank
	case abraflexi.EvidenceCash:
		return notify.PaymentEvidenceCash
	}
	return notify.PaymentEvidenceAuto
}

// ReportInvoice is one entry of a report's "invoices" ([report.Invoice]).
type ReportInvoice = report.Invoice

// ReportInvoices renders the invoices of a matcher result
// ([report.Invoices]).
func ReportInvoices(invs []payments.PaidInvoice) []ReportInvoice { return report.Invoices(invs) }

// MatchKeys reads MATCH_KEYS ([payments.ParseMatchKeys]; default vs).
func MatchKeys(env *appkit.Env) payments.MatchKeys { return MatcherConfig(env).Keys }
