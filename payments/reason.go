package payments

// Reason is the machine-readable outcome of matching one payment. It is
// the "reason" field of the reports of isp-match-received-payment, with the
// same values as the PHP tool.
type Reason string

// Outcomes that end with the payment paired to an invoice (exit 0).
const (
	// Matched: the payment pays the invoice's remaining amount exactly
	// (remainder mode ne).
	Matched Reason = "matched"
	// MatchedPartial: the payment is less than the remaining amount and was
	// paired as a partial payment (castecnaUhrada).
	MatchedPartial Reason = "matched_partial"
	// MatchedOverpayment: the payment exceeds the remaining amount; the
	// invoice is paid and the excess stays on the payment (ignorovat). Only
	// in [OverpaySettle] mode.
	MatchedOverpayment Reason = "matched_overpayment"
	// MatchedSeveral: with sum in MATCH_KEYS, the payment equals the sum of
	// several open invoices of the customer a key found (oldest first);
	// all are paired in one pairing (one uhrazovanaFak each, remainder
	// mode ne). The report lists every invoice.
	MatchedSeveral Reason = "matched_several"
)

// Outcomes where nothing is paired and nothing is wrong (exit 0).
const (
	// AlreadyMatched: the payment is already paired (sparovano), or its
	// payment links use it up, or earlier pairings used part of it and no
	// open invoice takes the rest (the excess of a settled overpayment);
	// nothing is written. The webhook rule fires for every new bank record
	// and may fire twice, so this is the normal second run.
	AlreadyMatched Reason = "already_matched"
	// NotIncoming: the movement is outgoing (typPohybu.vydej); nothing is
	// written.
	NotIncoming Reason = "not_incoming"
	// PaymentCancelled: the movement is cancelled (storno); nothing is
	// written. (An extension of the PHP reasons.)
	PaymentCancelled Reason = "payment_cancelled"
)

// Outcomes that leave the payment for manual matching (exit 2, the
// payment.unmatched event).
const (
	// NoVarSym: the payment carries no variable symbol (or only zeros).
	NoVarSym Reason = "no_varsym"
	// UnknownVarSym: no open invoice carries the payment's variable symbol.
	UnknownVarSym Reason = "unknown_varsym"
	// Ambiguous: more than one open invoice carries the variable symbol;
	// with MATCH_KEYS also: a specific symbol names several customers, or
	// the customer a key found has several open invoices and the payment
	// equals none of them (nor, with sum, the oldest of them together).
	Ambiguous Reason = "ambiguous"
	// Overpayment: the payment exceeds the remaining amount and the
	// overpayment mode is [OverpayManual].
	Overpayment Reason = "overpayment"
	// CurrencyMismatch: the payment and the invoice are in different
	// currencies; the payment gets the unidentified label.
	CurrencyMismatch Reason = "currency_mismatch"
	// InvalidAmount: the payment's amount is zero or negative. (An
	// extension of the PHP reasons.)
	InvalidAmount Reason = "invalid_amount"
	// AmbiguousAccount: with account in MATCH_KEYS, the payer's account is
	// registered to several customers (adresar-bankovni-ucet), so it names
	// none of them; the payment gets the unidentified label.
	AmbiguousAccount Reason = "ambiguous_account"
)

// Outcomes that are errors (exit 1).
const (
	// NoDocumentID: DOCUMENTID was empty.
	NoDocumentID Reason = "no_documentid"
	// DocumentNotFound: no bank or cash movement has that id or code.
	DocumentNotFound Reason = "document_not_found"
	// AmbiguousDocument: a numeric DOCUMENTID names a bank movement and a
	// cash movement (record ids are per evidence) and neither
	// EVENT_EVIDENCE nor PAYMENT_EVIDENCE says which; nothing is written.
	AmbiguousDocument Reason = "ambiguous_document"
	// SettleFailed: AbraFlexi refused the pairing; the result's message
	// carries AbraFlexi's message.
	SettleFailed Reason = "settle_failed"
	// Failed: reading from AbraFlexi failed, so no decision was made.
	Failed Reason = "error"
)

// Exit codes of the matcher, as in the PHP tool.
const (
	// ExitMatched: matched, or nothing to do.
	ExitMatched = 0
	// ExitError: an error; see the reason and message.
	ExitError = 1
	// ExitUnmatched: received but cannot be auto-matched.
	ExitUnmatched = 2
)

// ExitCode returns the process exit code of the outcome: 0 for the matched
// and nothing-to-do outcomes, 2 for those left for manual matching, 1 for
// errors and for unknown reasons.
func (r Reason) ExitCode() int {
	switch r {
	case Matched, MatchedPartial, MatchedOverpayment, MatchedSeveral, AlreadyMatched, NotIncoming, PaymentCancelled:
		return ExitMatched
	case NoVarSym, UnknownVarSym, Ambiguous, Overpayment, CurrencyMismatch, InvalidAmount, AmbiguousAccount:
		return ExitUnmatched
	}
	return ExitError
}

// Paired reports whether the outcome pairs the payment with one invoice or
// several.
func (r Reason) Paired() bool {
	return r == Matched || r == MatchedPartial || r == MatchedOverpayment || r == MatchedSeveral
}

// String returns the reason's wire value.
func (r Reason) String() string { return string(r) }
