package notify

import (
	"github.com/spoje-net/isptools/abraflexi"
)

// Reason is the machine-readable outcome of a notification run; it is the
// "reason" field of the apps' reports.
type Reason string

// Reasons. [Reason.Severity] classifies them.
const (
	// ReasonSent: the message was delivered to the sender (SMTP/sendmail).
	ReasonSent Reason = "sent"
	// ReasonWouldSend: MUTE is on; the message was composed, not sent.
	ReasonWouldSend Reason = "would_send"
	// ReasonNotPaid: the invoice is neither paid nor partly paid (or is
	// cancelled); nothing to confirm.
	ReasonNotPaid Reason = "not_paid"
	// ReasonAlreadyConfirmed: this payment state was confirmed before
	// (the confirmation label is on the invoice).
	ReasonAlreadyConfirmed Reason = "already_confirmed"
	// ReasonNoEmail: the invoice has no usable recipient address.
	ReasonNoEmail Reason = "no_email"
	// ReasonNoRecipient: the payment's payer is unknown or has no usable
	// address.
	ReasonNoRecipient Reason = "no_recipient"
	// ReasonNotIncoming: the movement is an outgoing payment.
	ReasonNotIncoming Reason = "not_incoming"
	// ReasonCancelled: the payment is cancelled (storno).
	ReasonCancelled Reason = "cancelled"
	// ReasonAlreadyMatched: the payment is already paired with documents
	// (sparovano, or a payment link uses part of it), so it does not await
	// manual matching.
	ReasonAlreadyMatched Reason = "already_matched"
	// ReasonAlreadyNotified: the payer was told about this payment before
	// (the payment carries LABEL_NOTIFIED).
	ReasonAlreadyNotified Reason = "already_notified"
	// ReasonAmbiguousDocument: a numeric DOCID names a bank and a cash
	// movement (ids are per evidence) and the evidence is auto.
	ReasonAmbiguousDocument Reason = "ambiguous_document"
	// ReasonDocumentNotFound: DOCID names no record.
	ReasonDocumentNotFound Reason = "document_not_found"
	// ReasonLabelMissing: a label recording the message is not in
	// AbraFlexi's label codebook and creating it failed (no rights);
	// nothing was sent, so no duplicate can follow.
	ReasonLabelMissing Reason = "label_missing"
	// ReasonSendFailed: delivery failed.
	ReasonSendFailed Reason = "send_failed"
	// ReasonError: any other failure (AbraFlexi unreachable, PDF download
	// failed, bad DOCID, template error).
	ReasonError Reason = "error"
)

// Severity is how a run ended; its values are the report statuses.
type Severity string

// Severities.
const (
	SeveritySuccess Severity = "success"
	SeverityWarning Severity = "warning"
	SeverityError   Severity = "error"
)

// Severity classifies r: sent and would_send are success; not_paid,
// already_confirmed, already_notified, no_recipient, not_incoming,
// cancelled, already_matched and nothing_owed are warnings (exit 0, nothing sent);
// everything else is an error (exit 1).
func (r Reason) Severity() Severity {
	switch r {
	case ReasonSent, ReasonWouldSend:
		return SeveritySuccess
	case ReasonNotPaid, ReasonAlreadyConfirmed, ReasonAlreadyNotified, ReasonNoRecipient, ReasonNotIncoming,
		ReasonCancelled, ReasonAlreadyMatched, ReasonNothingOwed:
		return SeverityWarning
	}
	return SeverityError
}

// ConfirmDecision is what to do about one invoice; see [DecideConfirmation].
type ConfirmDecision struct {
	// Send is true when a confirmation is due.
	Send bool
	// Reason is not_paid or already_confirmed when Send is false.
	Reason Reason
	// Partial is true when the invoice is partly paid.
	Partial bool
	// Label is the label to add after sending: labels.Partial or
	// labels.Full.
	Label string
}

// DecideConfirmation decides whether the payment state of inv still needs
// a confirmation. It is pure:
//
//   - cancelled or unpaid (stavUhrK empty) → not_paid;
//   - paid (stavUhr.uhrazeno or stavUhr.uhrazenoRucne) → send and record
//     labels.Full, unless the invoice already has labels.Full;
//   - partly paid (stavUhr.castUhr) → send and record labels.Partial,
//     unless it has labels.Partial or labels.Full.
//
// So a full payment after a confirmed partial one is confirmed again, and
// every later trigger (AbraFlexi fires one on each invoice update,
// including the label write itself) gives already_confirmed. A second
// partial payment is not confirmed separately: the labels record payment
// states, not amounts.
func DecideConfirmation(inv abraflexi.IssuedInvoice, labels ConfirmLabels) ConfirmDecision {
	if inv.Cancelled {
		return ConfirmDecision{Reason: ReasonNotPaid}
	}
	switch inv.PaymentState {
	case abraflexi.PaymentStatePaid, abraflexi.PaymentStatePaidManually:
		if inv.Labels.Has(labels.Full) {
			return ConfirmDecision{Reason: ReasonAlreadyConfirmed, Label: labels.Full}
		}
		return ConfirmDecision{Send: true, Label: labels.Full}
	case abraflexi.PaymentStatePartial:
		if inv.Labels.HasAny(labels.Partial, labels.Full) {
			return ConfirmDecision{Reason: ReasonAlreadyConfirmed, Partial: true, Label: labels.Partial}
		}
		return ConfirmDecision{Send: true, Partial: true, Label: labels.Partial}
	}
	return ConfirmDecision{Reason: ReasonNotPaid}
}

// DecidePaymentNotice decides whether a received payment should be
// announced to its payer. It is pure: cancelled → cancelled, outgoing →
// not_incoming, paired (sparovano, or with a payment link, like an
// overpayment whose excess stays on it) → already_matched, carrying the
// label notified (LABEL_NOTIFIED) → already_notified; otherwise send (ok
// true).
func DecidePaymentNotice(m abraflexi.Movement, notified string) (ok bool, reason Reason) {
	switch {
	case bool(m.Cancelled):
		return false, ReasonCancelled
	case m.Direction != "" && !m.IsIncoming():
		return false, ReasonNotIncoming
	case bool(m.Paired) || hasPaymentLink(m):
		return false, ReasonAlreadyMatched
	case notified != "" && m.Labels.Has(notified):
		return false, ReasonAlreadyNotified
	}
	return true, ""
}

func hasPaymentLink(m abraflexi.Movement) bool {
	for _, l := range m.Links {
		if l.IsPayment() && !bool(l.Cancelled) {
			return true
		}
	}
	return false
}
