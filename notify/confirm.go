package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/spoje-net/isptools/abraflexi"
)

// Payment evidences accepted by [NoticePaymentReceived] (PAYMENT_EVIDENCE,
// or EVENT_EVIDENCE, which also says pokladni-pohyb).
const (
	PaymentEvidenceBank = "banka"
	PaymentEvidenceCash = "pokladna"
	PaymentEvidenceAuto = "auto"
)

// ErrAmbiguousDocument is wrapped by the error of [NoticePaymentReceived]
// when a numeric DOCID names a bank and a cash movement and the evidence
// is auto (reason ambiguous_document).
var ErrAmbiguousDocument = errors.New("notify: document id names a bank and a cash movement")

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
	// Labels record the messages sent: confirmed payment states on
	// invoices, notices on payments.
	Labels ConfirmLabels
	// HomeCurrency is the company's currency (HOME_CURRENCY); "" means
	// CZK. Amounts of documents in another currency are printed from
	// their sumCelkemMen and zbyvaUhraditMen.
	HomeCurrency string
	// Lock, when set, serialises the runs on one document across
	// processes: it is called with a key naming the message, the evidence
	// and the record id ("confirm faktura-vydana 12") and returns the
	// function that releases the lock (see runlock.PerKey). The document
	// is read again once the lock is held. nil means no locking.
	Lock func(ctx context.Context, key string) (release func() error, err error)
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
	return Deps{Client: client, Sender: s, Templates: t, From: cfg.From, Mute: cfg.Mute, Labels: cfg.Labels,
		HomeCurrency: cfg.HomeCurrency, Log: log}, nil
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
	case ReasonAlreadyNotified:
		s = fmt.Sprintf("%s: payer already notified (label %s), nothing sent", doc, r.Label)
	case ReasonAmbiguousDocument:
		s = fmt.Sprintf("%s: the id names a bank and a cash movement; set EVENT_EVIDENCE or PAYMENT_EVIDENCE", doc)
	case ReasonLabelMissing:
		s = fmt.Sprintf("%s: label %s is missing in the label codebook and could not be created, nothing sent", doc, r.Label)
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

// lock takes the lock of the message kind on the record evidence/id, or
// does nothing without Deps.Lock.
func (d Deps) lock(ctx context.Context, kind, evidence string, id abraflexi.ID) (func(), error) {
	if d.Lock == nil {
		return func() {}, nil
	}
	key := kind + " " + evidence + " " + id.String()
	release, err := d.Lock(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("notify: waiting for the lock of %s: %w", key, err)
	}
	return func() {
		if err := release(); err != nil {
			d.log().WarnContext(ctx, "releasing the document lock failed", "key", key, "error", err)
		}
	}, nil
}

// ensureLabel makes sure label exists in the codebook for evidence,
// creating it (logged at info) when missing; a failure is label_missing.
func (d Deps) ensureLabel(ctx context.Context, label, evidence string) error {
	created, err := d.Client.EnsureLabel(ctx, label, evidence)
	if err != nil {
		return fmt.Errorf("notify: label %s for %s is missing in AbraFlexi's label codebook (stitek) and creating it failed (create it by hand, visible for %s): %w",
			label, evidence, evidence, err)
	}
	if created {
		d.log().InfoContext(ctx, "created label in the label codebook (stitek)", "label", label, "evidence", evidence)
	}
	return nil
}

// ConfirmInvoicePayment confirms to the customer that the issued invoice
// docID (numeric id or code) was paid, with the invoice PDF attached. It
// is safe to run on every update of the invoice, also twice at once:
//
//  1. read the invoice (missing → document_not_found, error);
//  2. [DecideConfirmation] (not_paid / already_confirmed → no error, nothing
//     sent);
//  3. take the invoice's lock (Deps.Lock) and read the invoice again, so a
//     run that waited for another sees its label (already_confirmed);
//  4. choose recipients with [InvoiceRecipients] (none → no_email, error);
//  5. make sure the confirmation label exists in the label codebook,
//     creating it when missing (creation refused → label_missing, error,
//     nothing sent);
//  6. download the PDF into memory and compose the message (amounts in the
//     invoice's currency);
//  7. Mute → would_send, nothing written; else add the confirmation label
//     to the invoice first (the claim: a failure is an error and nothing
//     is sent), then send; when sending fails (send_failed, error) the
//     claim is removed again so the next trigger retries.
//
// A crash between the claim and the send loses that one confirmation (the
// label says it was sent); the order is chosen so that a customer never
// gets it twice. The returned error is non-nil exactly when the result's
// severity is error; the Result is filled in as far as the run got.
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
	unlock, err := d.lock(ctx, "confirm", abraflexi.EvidenceIssuedInvoice, inv.ID)
	if err != nil {
		return fail(res, ReasonError, err)
	}
	defer unlock()
	if d.Lock != nil {
		// Another run may have confirmed it while we waited.
		if inv, err = d.Client.IssuedInvoices.Get(ctx, inv.ID); err != nil {
			return readFailed(res, "issued invoice", id, err)
		}
		if dec = DecideConfirmation(inv, d.Labels); !dec.Send {
			res.Reason, res.Label = dec.Reason, dec.Label
			log.InfoContext(ctx, "no confirmation due", "invoice", res.Invoice, "reason", dec.Reason, "state", inv.PaymentState)
			return res, nil
		}
		res.Label = dec.Label
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
	if !d.Mute {
		if err := d.ensureLabel(ctx, dec.Label, abraflexi.EvidenceIssuedInvoice); err != nil {
			return fail(res, ReasonLabelMissing, err)
		}
	}

	pdf, err := d.Client.PDF(ctx, abraflexi.EvidenceIssuedInvoice, inv.ID, abraflexi.PDFOptions{Lang: d.Templates.Lang()})
	if err != nil {
		return fail(res, ReasonError, fmt.Errorf("notify: downloading the PDF of %s: %w", res.Invoice, err))
	}
	msg, err := ComposeInvoicePaid(d.Templates, d.From, rcpt.To, inv, d.HomeCurrency, pdf)
	if err != nil {
		return fail(res, ReasonError, err)
	}
	res.Message = msg
	return d.deliver(ctx, res, labelClaim{
		add: func(ctx context.Context) error {
			_, err := d.Client.IssuedInvoices.AddLabels(ctx, []abraflexi.ID{inv.ID}, abraflexi.WriteOptions{}, dec.Label)
			return err
		},
		remove: func(ctx context.Context) error {
			_, err := d.Client.IssuedInvoices.RemoveLabels(ctx, inv.ID, dec.Label)
			return err
		},
		what: fmt.Sprintf("label %s on invoice %s", dec.Label, res.Invoice),
	})
}

// labelClaim records on the document that its message was sent, before
// sending: add writes the label, remove takes it back after a failed send.
type labelClaim struct {
	add, remove func(context.Context) error
	what        string
}

// deliver sends res.Message (or only renders it under Mute). It writes
// the claim first and sends only when the claim is recorded; when sending
// fails it removes the claim, so a later trigger retries.
func (d Deps) deliver(ctx context.Context, res Result, claim labelClaim) (Result, error) {
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
	if _, _, err := res.Message.Render(); err != nil {
		return fail(res, ReasonError, err)
	}
	if err := claim.add(ctx); err != nil {
		return fail(res, ReasonError, fmt.Errorf("notify: recording %s before sending failed, nothing sent (the next trigger retries): %w", claim.what, err))
	}
	id, err := d.Sender.Send(ctx, res.Message)
	if err != nil {
		// Take the claim back, also when ctx is done: the message is not out.
		undo, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if rerr := claim.remove(undo); rerr != nil {
			log.ErrorContext(ctx, "removing the claim after a failed send failed", "document", res.Document, "claim", claim.what, "error", rerr)
			res.Warnings = append(res.Warnings, fmt.Sprintf("removing %s after the failed send failed, so no later trigger retries: remove it by hand to send again (%v)", claim.what, rerr))
		}
		return fail(res, ReasonSendFailed, err)
	}
	res.Reason, res.MessageID = ReasonSent, id
	log.InfoContext(ctx, "message sent", "document", res.Document, "to", res.Recipient(), "message_id", id)
	return res, nil
}

// readPayment reads the movement id from the evidence (banka, pokladna or
// pokladni-pohyb, auto or ""). Under auto a code is taken from the bank
// first, then the cash movements; a numeric id must be in exactly one of
// them ([ErrAmbiguousDocument] otherwise).
func (d Deps) readPayment(ctx context.Context, id abraflexi.ID, evidence string) (abraflexi.Movement, string, error) {
	get := func(ev string) (abraflexi.Movement, error) {
		if ev == abraflexi.EvidenceBank {
			b, err := d.Client.Bank.Get(ctx, id)
			return b.Movement, err
		}
		c, err := d.Client.Cash.Get(ctx, id)
		return c.Movement, err
	}
	switch strings.ToLower(strings.TrimSpace(evidence)) {
	case PaymentEvidenceBank:
		m, err := get(abraflexi.EvidenceBank)
		return m, abraflexi.EvidenceBank, err
	case PaymentEvidenceCash, abraflexi.EvidenceCash:
		m, err := get(abraflexi.EvidenceCash)
		return m, abraflexi.EvidenceCash, err
	case PaymentEvidenceAuto, "":
	default:
		return abraflexi.Movement{}, "", fmt.Errorf("notify: payment evidence %q: must be banka, pokladna, pokladni-pohyb or auto", evidence)
	}
	bank, err := get(abraflexi.EvidenceBank)
	if err != nil && !errors.Is(err, abraflexi.ErrNotFound) {
		return bank, abraflexi.EvidenceBank, err
	}
	_, numeric := id.Numeric()
	if err == nil && !numeric {
		return bank, abraflexi.EvidenceBank, nil
	}
	inBank := err == nil
	cash, cerr := get(abraflexi.EvidenceCash)
	switch {
	case cerr != nil && !errors.Is(cerr, abraflexi.ErrNotFound):
		return cash, abraflexi.EvidenceCash, cerr
	case cerr == nil && inBank:
		return abraflexi.Movement{}, "", fmt.Errorf("%w: id %s is banka %s and pokladni-pohyb %s",
			ErrAmbiguousDocument, id, documentCode(bank.Code, id), documentCode(cash.Code, id))
	case inBank:
		return bank, abraflexi.EvidenceBank, nil
	}
	return cash, abraflexi.EvidenceCash, cerr
}

// NoticePaymentReceived tells the payer of the bank or cash movement docID
// (numeric id or code) that the payment arrived and awaits manual
// matching, once. evidence is banka, pokladna (also pokladni-pohyb) or
// auto ("" means auto: a code is looked up in banka first, then in
// pokladni-pohyb; a numeric id, as ids are per evidence, in both, and
// when both have it the run stops with ambiguous_document, error).
//
// The notice is recorded on the payment with the label
// Deps.Labels.Notified (LABEL_NOTIFIED, default OZNAMENO), written before
// sending (the claim, removed again when sending fails), under the
// payment's lock (Deps.Lock) with the payment read again once it is held.
// So redelivered events and two runs at once mail the payer once.
//
// Outcomes: document_not_found, ambiguous_document (errors); cancelled,
// not_incoming, already_matched, already_notified (warnings, see
// [DecidePaymentNotice]); no_recipient (warning: payer unknown, missing or
// without a valid address); label_missing (the label could not be
// created; error, nothing sent); would_send under Mute (nothing written);
// sent; send_failed (error).
func NoticePaymentReceived(ctx context.Context, d Deps, docID, evidence string) (Result, error) {
	res, id, err := d.start(docID)
	if err != nil {
		return fail(res, ReasonError, err)
	}
	log := d.log()
	m, ev, err := d.readPayment(ctx, id, evidence)
	switch {
	case errors.Is(err, ErrAmbiguousDocument):
		return fail(res, ReasonAmbiguousDocument, err)
	case err != nil && ev == "":
		return fail(res, ReasonError, err)
	case err != nil:
		return readFailed(res, "payment", id, err)
	}
	res.identify(&m.ID, id, m.Code, m.VariableSymbol)
	label := d.Labels.Notified
	if label == "" {
		label = DefaultLabelNotified
	}
	res.Label = label

	if ok, reason := DecidePaymentNotice(m, label); !ok {
		res.Reason = reason
		log.InfoContext(ctx, "no notice due", "payment", res.Document, "reason", reason)
		return res, nil
	}
	unlock, err := d.lock(ctx, "notice", ev, m.ID)
	if err != nil {
		return fail(res, ReasonError, err)
	}
	defer unlock()
	if d.Lock != nil {
		// Another run may have sent the notice while we waited.
		if m, _, err = d.readPayment(ctx, m.ID, ev); err != nil {
			return readFailed(res, "payment", id, err)
		}
		if ok, reason := DecidePaymentNotice(m, label); !ok {
			res.Reason = reason
			log.InfoContext(ctx, "no notice due", "payment", res.Document, "reason", reason)
			return res, nil
		}
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
	if !d.Mute {
		if err := d.ensureLabel(ctx, label, ev); err != nil {
			return fail(res, ReasonLabelMissing, err)
		}
	}
	msg, err := ComposePaymentReceived(d.Templates, d.From, rcpt.To, m, d.HomeCurrency)
	if err != nil {
		return fail(res, ReasonError, err)
	}
	res.Message = msg
	return d.deliver(ctx, res, labelClaim{
		add: func(ctx context.Context) error {
			_, err := d.Client.AddLabels(ctx, ev, []abraflexi.ID{m.ID}, abraflexi.WriteOptions{}, label)
			return err
		},
		remove: func(ctx context.Context) error {
			_, err := d.Client.RemoveLabels(ctx, ev, m.ID, label)
			return err
		},
		what: fmt.Sprintf("label %s on %s %s", label, ev, res.Document),
	})
}
