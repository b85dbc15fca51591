package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"github.com/spoje-net/isptools/abraflexi"
)

// Payment evidences accepted by [NoticePaymentReceived] (PAYMENT_EVIDENCE).
const (
	PaymentEvidenceBank = "banka"
	PaymentEvidenceCash = "pokladna"
	PaymentEvidenceAuto = "auto"
)

// Deps are what [ConfirmInvoicePayment] and [NoticePaymentReceived] work
// with. Build them with [NewDeps] or fill them in (tests).
type Deps struct {
	// Client reads invoices, payments, addresses and PDFs and writes the
	// confirmation labels.
	Client *abraflexi.Client
	// Sender delivers messages. It is not called when Mute is set.
	Sender Sender
	// Templates compose the messages; their language is also the PDF's.
	Templates *Templates
	// From is the sender address (EASE_FROM).
	From string
	// Mute composes and renders messages but neither sends them nor
	// writes to AbraFlexi (reason would_send).
	Mute bool
	// Labels record confirmed payment states on invoices.
	Labels ConfirmLabels
	// Log receives progress; nil discards.
	Log *slog.Logger
}

// NewDeps builds the dependencies from a validated cfg: the templates of
// cfg.Lang (with cfg.TemplateDir overrides) and the sender of
// [NewSender]. log may be nil.
func NewDeps(cfg Config, client *abraflexi.Client, log *slog.Logger) (Deps, error) {
	if err := cfg.Validate(); err != nil {
		return Deps{}, err
	}
	t, err := LoadTemplates(cfg.Lang, cfg.TemplateDir)
	if err != nil {
		return Deps{}, err
	}
	s, err := NewSender(cfg, log)
	if err != nil {
		return Deps{}, err
	}
	return Deps{Client: client, Sender: s, Templates: t, From: cfg.From, Mute: cfg.Mute, Labels: cfg.Labels, Log: log}, nil
}

func (d Deps) log() *slog.Logger {
	if d.Log != nil {
		return d.Log
	}
	return slog.New(slog.DiscardHandler)
}

func (d Deps) check() error {
	switch {
	case d.Client == nil:
		return errors.New("notify: Deps.Client is nil")
	case d.Templates == nil:
		return errors.New("notify: Deps.Templates is nil")
	case d.Sender == nil && !d.Mute:
		return errors.New("notify: Deps.Sender is nil")
	}
	return nil
}

// Result is the outcome of one notification run. Its fields map onto the
// report of the PHP tools: document, invoice, varSym, reason, recipient,
// plus message_id.
type Result struct {
	// Reason is the outcome.
	Reason Reason
	// Document is the record the run was about: its code, or the given
	// DOCID when it could not be read.
	Document string
	// Invoice is the invoice code (confirmations only).
	Invoice string
	// VarSym is the document's variable symbol.
	VarSym string
	// Recipients are the addresses notified (or that would be).
	Recipients []string
	// RecipientSource says where Recipients came from (Source constants).
	RecipientSource string
	// InvalidRecipients are address entries that were rejected.
	InvalidRecipients []string
	// MessageID is the Message-ID of the sent message (empty unless sent).
	MessageID string
	// Label is the confirmation label that was (or would be) recorded.
	Label string
	// Message is the composed message (nil when nothing was composed).
	Message *Message
	// Warnings are non-fatal problems, e.g. a failed label write after a
	// successful send, or invalid recipient entries.
	Warnings []string
}

// Severity is the severity of the reason, raised to warning when the run
// has warnings.
func (r Result) Severity() Severity {
	s := r.Reason.Severity()
	if s == SeveritySuccess && len(r.Warnings) > 0 {
		return SeverityWarning
	}
	return s
}

// Recipient returns the recipients joined by ", " (the report's
// "recipient"), or "" when there are none.
func (r Result) Recipient() string { return strings.Join(r.Recipients, ", ") }

// Summary returns a one-line human-readable description of the result.
func (r Result) Summary() string {
	doc := r.Document
	var s string
	switch r.Reason {
	case ReasonSent:
		s = fmt.Sprintf("%s: notification sent to %s (Message-ID %s)", doc, r.Recipient(), r.MessageID)
	case ReasonWouldSend:
		s = fmt.Sprintf("%s: MUTE: notification to %s composed, not sent", doc, r.Recipient())
	case ReasonNotPaid:
		s = fmt.Sprintf("%s: invoice is not paid, nothing to confirm", doc)
	case ReasonAlreadyConfirmed:
		s = fmt.Sprintf("%s: payment already confirmed (label %s), nothing sent", doc, r.Label)
	case ReasonNoEmail:
		s = fmt.Sprintf("%s: no e-mail address for the invoice's customer", doc)
	case ReasonNoRecipient:
		s = fmt.Sprintf("%s: payer unknown or without e-mail address, nothing sent", doc)
	case ReasonNotIncoming:
		s = fmt.Sprintf("%s: not an incoming payment, nothing sent", doc)
	case ReasonCancelled:
		s = fmt.Sprintf("%s: payment is cancelled, nothing sent", doc)
	case ReasonAlreadyMatched:
		s = fmt.Sprintf("%s: payment is already matched, nothing sent", doc)
	case ReasonDocumentNotFound:
		s = fmt.Sprintf("%s: document not found", doc)
	default:
		s = fmt.Sprintf("%s: %s", doc, r.Reason)
	}
	if len(r.Warnings) > 0 {
		s += " (" + strings.Join(r.Warnings, "; ") + ")"
	}
	return s
}

// ParseDocID parses a DOCID: a positive number is a numeric id, "code:X"
// and "ext:S:X" are parsed as such, and anything else is taken as a record
// code (so "FV-1/2024" means code:FV-1/2024).
func ParseDocID(s string) (abraflexi.ID, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return abraflexi.ID{}, fmt.Errorf("%w: empty document id", abraflexi.ErrInvalidID)
	}
	if strings.HasPrefix(s, "code:") || strings.HasPrefix(s, "ext:") {
		return abraflexi.ParseID(s)
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n <= 0 {
			return abraflexi.ID{}, fmt.Errorf("%w: %q is not a positive id", abraflexi.ErrInvalidID, s)
		}
		return abraflexi.NumericID(n), nil
	}
	return abraflexi.CodeID(s), nil
}

// fail sets the reason and returns the result with err.
func fail(r Result, reason Reason, err error) (Result, error) {
	r.Reason = reason
	return r, err
}

// start begins a run on the document docID: the result naming it, and its
// parsed id once the dependencies are complete.
func (d Deps) start(docID string) (Result, abraflexi.ID, error) {
	res := Result{Document: strings.TrimSpace(docID)}
	if err := d.check(); err != nil {
		return res, abraflexi.ID{}, err
	}
	id, err := ParseDocID(docID)
	return res, id, err
}

// readFailed fails the run on err from reading the document what (e.g.
// "payment") with id: document_not_found when it does not exist, else
// error.
func readFailed(res Result, what string, id abraflexi.ID, err error) (Result, error) {
	if errors.Is(err, abraflexi.ErrNotFound) {
		return fail(res, ReasonDocumentNotFound, fmt.Errorf("notify: %s %s not found: %w", what, id, err))
	}
	return fail(res, ReasonError, fmt.Errorf("notify: reading %s %s: %w", what, id, err))
}

// identify records the document read: its id (*docID, set to id when the
// server left it out), code and variable symbol.
func (r *Result) identify(docID *abraflexi.ID, id abraflexi.ID, code, varSym string) {
	if docID.IsZero() {
		*docID = id
	}
	r.Document = documentCode(code, *docID)
	r.VarSym = varSym
}

// address reads the address-book record ref (the document's role, e.g.
// "payer"): nil, with warning msg and logArgs logged, when it does not
// exist.
func (d Deps) address(ctx context.Context, ref abraflexi.Ref, role, msg string, logArgs ...any) (*abraflexi.Address, error) {
	a, err := d.Client.Addresses.Get(ctx, ref.ID)
	switch {
	case errors.Is(err, abraflexi.ErrNotFound):
		d.log().WarnContext(ctx, msg, append(logArgs, role, ref.String())...)
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("notify: reading %s %s: %w", role, ref, err)
	}
	return &a, nil
}

// setRecipients records the chosen recipients; invalid addresses are a
// warning.
func (r *Result) setRecipients(rcpt Recipients) {
	r.Recipients, r.RecipientSource, r.InvalidRecipients = rcpt.To, rcpt.Source, rcpt.Invalid
	if len(rcpt.Invalid) > 0 {
		r.Warnings = append(r.Warnings, "invalid e-mail address(es) skipped: "+strings.Join(rcpt.Invalid, ", "))
	}
}

// ConfirmInvoicePayment confirms to the customer that the issued invoice
// docID (numeric id or code) was paid, with the invoice PDF attached. It
// is safe to run on every update of the invoice:
//
//  1. read the invoice (missing → document_not_found, error);
//  2. [DecideConfirmation] (not_paid / already_confirmed → no error, nothing
//     sent);
//  3. choose recipients with [InvoiceRecipients] (none → no_email, error);
//  4. check that the confirmation label exists in the label codebook
//     (missing → label_missing, error, nothing sent);
//  5. download the PDF into memory and compose the message;
//  6. Mute → would_send; else send (failure → send_failed, error) and add
//     the confirmation label to the invoice (a failure there is a warning:
//     the message is out).
//
// The returned error is non-nil exactly when the result's severity is
// error; the Result is filled in as far as the run got.
func ConfirmInvoicePayment(ctx context.Context, d Deps, docID string) (Result, error) {
	res, id, err := d.start(docID)
	if err != nil {
		return fail(res, ReasonError, err)
	}
	log := d.log()
	inv, err := d.Client.IssuedInvoices.Get(ctx, id)
	if err != nil {
		return readFailed(res, "issued invoice", id, err)
	}
	res.identify(&inv.ID, id, inv.Code, inv.VariableSymbol)
	res.Invoice = res.Document

	dec := DecideConfirmation(inv, d.Labels)
	res.Label = dec.Label
	if !dec.Send {
		res.Reason = dec.Reason
		log.InfoContext(ctx, "no confirmation due", "invoice", res.Invoice, "reason", dec.Reason, "state", inv.PaymentState)
		return res, nil
	}

	var customer *abraflexi.Address
	if valid, _ := ParseAddresses(inv.ContactEmail); len(valid) == 0 && !inv.Customer.IsZero() {
		if customer, err = d.address(ctx, inv.Customer, "customer", "the invoice's customer does not exist", "invoice", res.Invoice); err != nil {
			return fail(res, ReasonError, err)
		}
	}
	rcpt := InvoiceRecipients(inv, customer)
	res.setRecipients(rcpt)
	if len(rcpt.To) == 0 {
		return fail(res, ReasonNoEmail, fmt.Errorf("notify: invoice %s: no valid e-mail address (kontaktEmail, customer e-mail, primary contact)", res.Invoice))
	}

	if _, err := d.Client.Labels.Get(ctx, abraflexi.CodeID(dec.Label)); err != nil {
		if errors.Is(err, abraflexi.ErrNotFound) {
			return fail(res, ReasonLabelMissing, fmt.Errorf("notify: label %s does not exist in AbraFlexi's label codebook (stitek); create it for issued invoices", dec.Label))
		}
		return fail(res, ReasonError, fmt.Errorf("notify: checking label %s: %w", dec.Label, err))
	}

	pdf, err := d.Client.PDF(ctx, abraflexi.EvidenceIssuedInvoice, inv.ID, abraflexi.PDFOptions{Lang: d.Templates.Lang()})
	if err != nil {
		return fail(res, ReasonError, fmt.Errorf("notify: downloading the PDF of %s: %w", res.Invoice, err))
	}
	msg, err := ComposeInvoicePaid(d.Templates, d.From, rcpt.To, inv, pdf)
	if err != nil {
		return fail(res, ReasonError, err)
	}
	res.Message = msg
	return d.deliver(ctx, res, func(ctx context.Context) error {
		if _, err := d.Client.IssuedInvoices.AddLabels(ctx, []abraflexi.ID{inv.ID}, abraflexi.WriteOptions{}, dec.Label); err != nil {
			return fmt.Errorf("recording label %s on %s failed, a later trigger may send the confirmation again: %w", dec.Label, res.Invoice, err)
		}
		return nil
	})
}

// deliver sends res.Message (or only renders it under Mute) and runs
// after when the message is out; an error of after becomes a warning.
func (d Deps) deliver(ctx context.Context, res Result, after func(context.Context) error) (Result, error) {
	log := d.log()
	if d.Mute {
		if _, _, err := res.Message.Render(); err != nil {
			return fail(res, ReasonError, err)
		}
		res.Reason = ReasonWouldSend
		log.InfoContext(ctx, "MUTE: message composed but not sent", "document", res.Document,
			"to", res.Recipient(), "subject", res.Message.Subject)
		return res, nil
	}
	id, err := d.Sender.Send(ctx, res.Message)
	if err != nil {
		return fail(res, ReasonSendFailed, err)
	}
	res.Reason, res.MessageID = ReasonSent, id
	log.InfoContext(ctx, "message sent", "document", res.Document, "to", res.Recipient(), "message_id", id)
	if after != nil {
		if err := after(ctx); err != nil {
			log.ErrorContext(ctx, "after sending", "document", res.Document, "error", err)
			res.Warnings = append(res.Warnings, err.Error())
		}
	}
	return res, nil
}

// NoticePaymentReceived tells the payer of the bank or cash movement docID
// (numeric id or code) that the payment arrived and awaits manual
// matching. evidence is banka, pokladna or auto ("" means auto: banka
// first, then pokladni-pohyb).
//
// Outcomes: document_not_found (error); cancelled, not_incoming,
// already_matched (warnings, see [DecidePaymentNotice]); no_recipient
// (warning: payer unknown, missing or without a valid address);
// would_send under Mute; sent; send_failed (error). Nothing is written to
// AbraFlexi.
func NoticePaymentReceived(ctx context.Context, d Deps, docID, evidence string) (Result, error) {
	res, id, err := d.start(docID)
	if err != nil {
		return fail(res, ReasonError, err)
	}
	log := d.log()
	var m abraflexi.Movement
	switch strings.ToLower(evidence) {
	case PaymentEvidenceBank:
		var b abraflexi.BankMovement
		b, err = d.Client.Bank.Get(ctx, id)
		m = b.Movement
	case PaymentEvidenceCash:
		var c abraflexi.CashMovement
		c, err = d.Client.Cash.Get(ctx, id)
		m = c.Movement
	case PaymentEvidenceAuto, "":
		var b abraflexi.BankMovement
		b, err = d.Client.Bank.Get(ctx, id)
		m = b.Movement
		if errors.Is(err, abraflexi.ErrNotFound) {
			var c abraflexi.CashMovement
			c, err = d.Client.Cash.Get(ctx, id)
			m = c.Movement
		}
	default:
		return fail(res, ReasonError, fmt.Errorf("notify: payment evidence %q: must be banka, pokladna or auto", evidence))
	}
	if err != nil {
		return readFailed(res, "payment", id, err)
	}
	res.identify(&m.ID, id, m.Code, m.VariableSymbol)

	if ok, reason := DecidePaymentNotice(m); !ok {
		res.Reason = reason
		log.InfoContext(ctx, "no notice due", "payment", res.Document, "reason", reason)
		return res, nil
	}

	var payer *abraflexi.Address
	if !m.Payer.IsZero() {
		if payer, err = d.address(ctx, m.Payer, "payer", "the payer does not exist", "payment", res.Document); err != nil {
			return fail(res, ReasonError, err)
		}
	}
	rcpt := AddressRecipients(payer)
	res.setRecipients(rcpt)
	if len(rcpt.To) == 0 {
		res.Reason = ReasonNoRecipient
		log.WarnContext(ctx, "no recipient for the payment", "payment", res.Document, "payer", m.Payer.String())
		return res, nil
	}
	msg, err := ComposePaymentReceived(d.Templates, d.From, rcpt.To, m)
	if err != nil {
		return fail(res, ReasonError, err)
	}
	res.Message = msg
	return d.deliver(ctx, res, nil)
}
