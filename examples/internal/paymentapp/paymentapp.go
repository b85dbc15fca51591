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
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/examples/internal/appkit"
	"github.com/spoje-net/isptools/examples/internal/connect"
	"github.com/spoje-net/isptools/netbackend/runlock"
	"github.com/spoje-net/isptools/notify"
	"github.com/spoje-net/isptools/payments"
)

// MatcherConfig reads the matcher's environment variables PAYMENT_EVIDENCE
// and EVENT_EVIDENCE ([PaymentEvidence]), MATCH_KEYS ([MatchKeys]),
// MATCH_OVERPAY_MODE (settle|manual, default settle), LABEL_OVERPAY,
// LABEL_INVOICE_MISSING, LABEL_UNIDENTIFIED, HOME_CURRENCY
// ([HomeCurrency]) and DRY_RUN; bad values are recorded in env. The
// Logger and Lock are left nil.
func MatcherConfig(env *appkit.Env) payments.Config {
	ev := PaymentEvidence(env)
	keys := MatchKeys(env)
	mode := env.Enum("MATCH_OVERPAY_MODE", string(payments.OverpaySettle), "settle", "manual")
	return payments.Config{
		Evidence: ev,
		Keys:     keys,
		Policy: payments.Policy{
			OverpayMode: payments.OverpayMode(mode),
			Labels: payments.Labels{
				Overpay:        env.String("LABEL_OVERPAY", payments.DefaultLabelOverpay),
				InvoiceMissing: env.String("LABEL_INVOICE_MISSING", payments.DefaultLabelInvoiceMissing),
				Unidentified:   env.String("LABEL_UNIDENTIFIED", payments.DefaultLabelUnidentified),
			},
			HomeCurrency: HomeCurrency(env),
		},
		DryRun: env.Bool("DRY_RUN", false),
	}
}

// MatchKeys reads MATCH_KEYS, the ways a payment finds its invoices, tried
// in order (default vs, the variable symbol alone; for example
// vs,ss,account,sum; see [payments.ParseMatchKeys]). A bad value is
// recorded in env.
func MatchKeys(env *appkit.Env) payments.MatchKeys {
	v := env.String(payments.EnvMatchKeys, string(payments.KeyVS))
	keys, err := payments.ParseMatchKeys(v)
	if err != nil {
		env.Errorf("%s=%q: %v", payments.EnvMatchKeys, v, strings.TrimPrefix(err.Error(), fmt.Sprintf("payments: match keys %q: ", v)))
		return payments.DefaultMatchKeys()
	}
	return keys
}

// HomeCurrency reads HOME_CURRENCY, the company's currency (default CZK):
// three letters, returned upper-case. A bad value is recorded in env.
func HomeCurrency(env *appkit.Env) string {
	v := env.String("HOME_CURRENCY", abraflexi.DefaultHomeCurrency)
	c, err := abraflexi.ParseCurrency(v)
	if err != nil {
		env.Errorf("HOME_CURRENCY=%q: not a currency code (three letters such as CZK or EUR)", v)
		return abraflexi.DefaultHomeCurrency
	}
	return c
}

// PaymentEvidence reads where the payment DOCUMENTID (or DOCID) lives:
// PAYMENT_EVIDENCE (banka|pokladna|auto, default auto) and EVENT_EVIDENCE,
// the evidence of the AbraFlexi change that triggered the run (banka,
// pokladna or pokladni-pohyb; the MultiFlexi event processor sets it, and
// the rules map it with "EVENT_EVIDENCE": "evidence"). Record ids are per
// evidence, so the event's evidence wins over auto; an explicit
// PAYMENT_EVIDENCE naming the other evidence is a configuration error.
func PaymentEvidence(env *appkit.Env) payments.EvidenceChoice {
	configured := payments.EvidenceChoice(env.Enum("PAYMENT_EVIDENCE", string(payments.EvidenceAuto), "banka", "pokladna", "auto"))
	event := env.Enum("EVENT_EVIDENCE", "", abraflexi.EvidenceBank, "pokladna", abraflexi.EvidenceCash)
	if event == "" {
		return configured
	}
	ev, _ := payments.ParseEvidenceChoice(event)
	if configured != payments.EvidenceAuto && configured != ev {
		env.Errorf("EVENT_EVIDENCE=%s contradicts PAYMENT_EVIDENCE=%s: the event is about a record of %s", event, configured, event)
		return configured
	}
	return ev
}

// DocumentLock returns the lock of one AbraFlexi document that the
// Pipeline B apps take for a run (runlock.PerKey): one lock file per
// document under the default lock directory (/run/lock, else the
// temporary directory), scoped to ABRAFLEXI_URL and ABRAFLEXI_COMPANY,
// waiting up to RUN_LOCK_TIMEOUT (seconds or a Go duration, default 2
// minutes). RUN_LOCK_FILE, one fixed file for a Pipeline A target, does
// not apply: a per-document lock needs a file per document.
func DocumentLock(env *appkit.Env) func(ctx context.Context, key string) (func() error, error) {
	def := runlock.DefaultTimeout
	timeout := env.Duration("RUN_LOCK_TIMEOUT", def)
	url, _ := env.Lookup(abraflexi.EnvURL)
	company, _ := env.Lookup(abraflexi.EnvCompany)
	return runlock.PerKey(strings.TrimRight(strings.TrimSpace(url), "/")+" "+strings.TrimSpace(company), timeout)
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

// MatchReport renders the result of matching one payment: the PHP fields
// document, invoice, varSym and reason, plus amount, remainder and
// matched_by (the MATCH_KEYS key that decided, null when none did), and
// evidence, currency, customer, invoices (every invoice paired, with the
// amount paid on it and what was due; for matched_several all of them),
// candidate_customers (the customers an ambiguous specific symbol or
// account names), labels and dryRun when they apply; exit code and
// status follow the reason. The metric paired is 1 when the payment was
// paired (not in a dry run).
func MatchReport(res payments.Result) *appkit.Report {
	r := &appkit.Report{
		ExitCode: res.ExitCode,
		Message:  res.Message,
		Payment:  &appkit.Payment{Document: res.Document, Reason: string(res.Reason)},
		Extra: map[string]any{
			"amount":     nil,
			"remainder":  nil,
			"matched_by": nil,
		},
	}
	if res.MatchedBy != "" {
		r.Extra["matched_by"] = string(res.MatchedBy)
	}
	if res.Customer != "" {
		r.Extra["customer"] = res.Customer
	}
	if len(res.Customers) > 0 {
		r.Extra["candidate_customers"] = res.Customers
	}
	if len(res.Invoices) > 0 {
		r.Extra["invoices"] = ReportInvoices(res.Invoices)
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
		r.Extra["currency"] = res.Currency
	}
	if res.Allocated.IsPositive() {
		r.Extra["allocated"] = json.Number(res.Allocated.StringFixed(2))
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
	return r
}

// ReportInvoice is one entry of a report's "invoices": an invoice a payment
// paid, with the amount paid on it (in the payment's currency) and what
// was due on it before (in its currency), when known.
type ReportInvoice struct {
	// Invoice is the invoice's code.
	Invoice string `json:"invoice"`
	// Amount is what the payment paid on it.
	Amount *json.Number `json:"amount,omitempty"`
	// Due is what was left to pay on it before.
	Due *json.Number `json:"due,omitempty"`
}

// ReportInvoices renders the invoices of a matcher result.
func ReportInvoices(invs []payments.PaidInvoice) []ReportInvoice {
	out := make([]ReportInvoice, len(invs))
	for i, inv := range invs {
		out[i] = ReportInvoice{Invoice: inv.Invoice}
		if !inv.Amount.IsZero() {
			n := json.Number(inv.Amount.StringFixed(2))
			out[i].Amount = &n
		}
		if !inv.Due.IsZero() {
			n := json.Number(inv.Due.StringFixed(2))
			out[i].Due = &n
		}
	}
	return out
}

// NotifyConfig reads the notify configuration through env (so the .env
// file counts): EASE_FROM, NOTIFY_LANG, NOTIFY_TEMPLATE_DIR, MUTE,
// MAIL_TRANSPORT, SMTP_*, SENDMAIL_PATH, LABEL_CONFIRMED,
// LABEL_CONFIRMED_PARTIAL, LABEL_NOTIFIED and HOME_CURRENCY (see
// [notify.ConfigFromLookup]), then DRY_RUN, which implies MUTE. Errors are
// recorded in env.
func NotifyConfig(env *appkit.Env) notify.Config {
	cfg, err := notify.ConfigFromLookup(env.Lookup)
	if err != nil {
		env.Errorf("%v", err)
	}
	cfg.Mute = cfg.Mute || env.Bool("DRY_RUN", false)
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
// (document, invoice, varSym, reason, recipient) plus message_id,
// invalid_recipients and warnings; the status is the result's severity and
// the metric sent is 1 when a message was sent.
func NotifyReport(res notify.Result) *appkit.Report {
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
	if res.Label != "" {
		r.Extra["label"] = res.Label
	}
	if len(res.InvalidRecipients) > 0 {
		r.Extra["invalid_recipients"] = res.InvalidRecipients
	}
	if len(res.Warnings) > 0 {
		r.Extra["warnings"] = res.Warnings
	}
	r.SetMetric("sent", boolInt(res.Reason == notify.ReasonSent))
	return r
}

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

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
