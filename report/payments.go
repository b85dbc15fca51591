package report

import (
	"encoding/json"

	"github.com/spoje-net/isptools/notify"
	"github.com/spoje-net/isptools/payments"
)

// Match renders the result of matching one payment as
// isp-match-received-payment reports it: the PHP fields document, invoice,
// varSym and reason, plus amount and remainder (and evidence, currency,
// allocated, labels and dryRun); the exit code follows the reason (0, 2
// for a payment left for manual matching, 1) and the status with it (a
// failed label write makes a warning). The metric paired is 1 when the
// payment was paired (not in a dry run).
func Match(res payments.Result) *Report {
	r := &Report{
		ExitCode: res.ExitCode,
		Message:  res.Message,
		Payment:  &Payment{Document: res.Document, Reason: string(res.Reason)},
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
		r.Extra["invoices"] = Invoices(res.Invoices)
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
		r.Status = StatusError
	case payments.ExitUnmatched:
		r.Status = StatusWarning
	default:
		if res.LabelError != "" {
			r.Status = StatusWarning
		}
	}
	r.SetMetric("paired", boolInt(res.Matched() && !res.DryRun))
	return r
}

// Invoice is one entry of a report's "invoices": an invoice a payment
// paid, with the amount paid on it (in the payment's currency) and what
// was due on it before (in its currency), when known.
type Invoice struct {
	// Invoice is the invoice's code.
	Invoice string `json:"invoice"`
	// Amount is what the payment paid on it.
	Amount *json.Number `json:"amount,omitempty"`
	// Due is what was left to pay on it before.
	Due *json.Number `json:"due,omitempty"`
}

// Invoices renders the invoices of a matcher result.
func Invoices(invs []payments.PaidInvoice) []Invoice {
	out := make([]Invoice, len(invs))
	for i, inv := range invs {
		out[i] = Invoice{Invoice: inv.Invoice}
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

// Notify renders a notify result as isp-potvrzeni-prijeti-uhrady and
// isp-potvrzeni-prijeti-bankovni-platby report it: the PHP fields
// (document, invoice, varSym, reason, recipient) plus message_id, label,
// invalid_recipients and warnings; the status is the result's severity and
// the metric sent is 1 when a message was sent.
func Notify(res notify.Result) *Report {
	r := &Report{
		Message: res.Summary(),
		Status:  Status(res.Severity()),
		Payment: &Payment{Document: res.Document, Reason: string(res.Reason)},
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

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
