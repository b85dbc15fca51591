package payments

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/spoje-net/isptools/abraflexi"
)

// EvidenceChoice is where a payment is looked up (PAYMENT_EVIDENCE).
type EvidenceChoice string

const (
	// EvidenceAuto looks in the bank first, then in the cash movements.
	EvidenceAuto EvidenceChoice = "auto"
	// EvidenceBank is the bank (evidence banka).
	EvidenceBank EvidenceChoice = "banka"
	// EvidenceCash is the cash register movements (evidence
	// pokladni-pohyb; the PHP tool calls it pokladna).
	EvidenceCash EvidenceChoice = "pokladna"
)

// ParseEvidenceChoice parses banka, pokladna (also pokladni-pohyb) or auto,
// case-insensitively; "" gives [EvidenceAuto].
func ParseEvidenceChoice(s string) (EvidenceChoice, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", string(EvidenceAuto):
		return EvidenceAuto, nil
	case string(EvidenceBank):
		return EvidenceBank, nil
	case string(EvidenceCash), abraflexi.EvidenceCash:
		return EvidenceCash, nil
	}
	return "", fmt.Errorf("payments: unknown payment evidence %q (want banka, pokladna or auto)", s)
}

// Evidences returns the AbraFlexi evidences to search, in order.
func (e EvidenceChoice) Evidences() []string {
	switch e {
	case EvidenceBank:
		return []string{abraflexi.EvidenceBank}
	case EvidenceCash:
		return []string{abraflexi.EvidenceCash}
	}
	return []string{abraflexi.EvidenceBank, abraflexi.EvidenceCash}
}

// DefaultBatchSize is the number of pairings per write request of
// [Matcher.MatchSince].
const DefaultBatchSize = 100

// Config configures a [Matcher].
type Config struct {
	// Evidence is where MatchOne looks the document up and which
	// evidences MatchSince reads; "" means auto.
	Evidence EvidenceChoice
	// Policy is the overpayment mode, the labels and the home currency.
	Policy Policy
	// Keys are the MATCH_KEYS the payments are matched by, in order
	// ([ParseMatchKeys]); nil means [DefaultMatchKeys], the variable
	// symbol alone.
	Keys MatchKeys
	// DryRun decides and reports but writes nothing.
	DryRun bool
	// BatchSize is the number of pairings per write request of MatchSince
	// (default [DefaultBatchSize]).
	BatchSize int
	// Logger receives one line per payment; nil discards.
	Logger *slog.Logger
	// Lock, when set, serialises MatchOne runs on one payment across
	// processes: it is called with a key naming the payment's evidence and
	// numeric id ("pair banka 42") and returns the function that releases
	// the lock (see runlock.PerKey). The payment is read again once the
	// lock is held. nil means no locking.
	Lock func(ctx context.Context, key string) (release func() error, err error)
}

// Matcher matches received payments to issued invoices: it reads through a
// [Source], decides with [Decide] or [Plan], and writes through a [Writer].
// It is safe for concurrent use if the ledger is.
type Matcher struct {
	ledger Ledger
	cfg    Config
	log    *slog.Logger
}

// NewMatcher returns a matcher working on ledger.
func NewMatcher(ledger Ledger, cfg Config) *Matcher {
	if cfg.Evidence == "" {
		cfg.Evidence = EvidenceAuto
	}
	if cfg.Policy.OverpayMode == "" {
		cfg.Policy.OverpayMode = OverpaySettle
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = DefaultBatchSize
	}
	if len(cfg.Keys) == 0 {
		cfg.Keys = DefaultMatchKeys()
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Matcher{ledger: ledger, cfg: cfg, log: log}
}

// Result is the outcome of matching one payment.
type Result struct {
	// Document is the payment's record code, else the id it was asked by.
	Document string `json:"document"`
	// PaymentID is the payment's identifier (numeric when it was read).
	PaymentID abraflexi.ID `json:"paymentId,omitzero"`
	// Evidence is banka or pokladni-pohyb; "" when the payment was not found.
	Evidence string `json:"evidence,omitempty"`
	// Invoice is the code of the invoice paired with (the first, oldest,
	// for MatchedSeveral; or of the single candidate for Overpayment and
	// CurrencyMismatch, or for AlreadyMatched the invoice the payment's
	// last payment link paid, when known).
	Invoice string `json:"invoice,omitempty"`
	// InvoiceID identifies that invoice.
	InvoiceID abraflexi.ID `json:"invoiceId,omitzero"`
	// Invoices are every invoice paired with, in the order the pairing
	// consumed the payment (one for the matched reasons, all of them for
	// MatchedSeveral), or for AlreadyMatched the invoices the payment's
	// payment links paid (without amounts); nil otherwise.
	Invoices []PaidInvoice `json:"invoices,omitempty"`
	// MatchedBy is the MATCH_KEYS key that decided (vs, ss or account);
	// "" when the payment alone decided or no key found candidates.
	MatchedBy MatchKey `json:"matchedBy,omitempty"`
	// Customer is the customer the candidate invoices belong to, when one.
	Customer string `json:"customer,omitempty"`
	// Customers are the customers an ambiguous specific symbol or account
	// names (Ambiguous, AmbiguousAccount).
	Customers []string `json:"customers,omitempty"`
	// VarSym is the payment's variable symbol.
	VarSym string `json:"varSym,omitempty"`
	// Currency is the payment's currency; Amount, Allocated and Due are in
	// it (Due in the invoice's, which differs only for CurrencyMismatch).
	Currency string `json:"currency,omitempty"`
	// Amount is what was decided with: the payment's amount minus what
	// earlier pairings used (Allocated).
	Amount decimal.Decimal `json:"amount"`
	// Allocated is the part of the payment earlier pairings used.
	Allocated decimal.Decimal `json:"allocated"`
	// Due is the invoice's remaining amount before the payment.
	Due decimal.Decimal `json:"due"`
	// Reason is the outcome.
	Reason Reason `json:"reason"`
	// Remainder is the pairing's remainder mode; "" when nothing was paired.
	Remainder abraflexi.RemainderMode `json:"remainder,omitempty"`
	// Labels are the labels added to the payment (or that would be, in a
	// dry run).
	Labels []string `json:"labels,omitempty"`
	// ExitCode is Reason.ExitCode().
	ExitCode int `json:"exitcode"`
	// Message is a human-readable sentence; for SettleFailed it carries
	// AbraFlexi's message.
	Message string `json:"message"`
	// LabelError is set when adding the labels failed; the outcome stands.
	LabelError string `json:"labelError,omitempty"`
	// DryRun is true when nothing was written on purpose.
	DryRun bool `json:"dryRun,omitempty"`
}

// PaidInvoice is one invoice of a [Result].
type PaidInvoice struct {
	// Invoice is the invoice's code, else its id.
	Invoice string `json:"invoice"`
	// InvoiceID identifies the invoice.
	InvoiceID abraflexi.ID `json:"invoiceId,omitzero"`
	// Amount is what the pairing pays on it, in the payment's currency
	// (zero when not known).
	Amount decimal.Decimal `json:"amount,omitzero"`
	// Due is what was left to pay on it before, in its currency (zero when
	// not known).
	Due decimal.Decimal `json:"due,omitzero"`
}

// Matched reports whether the payment was paired by this run.
func (r Result) Matched() bool { return r.Reason.Paired() }

func (r *Result) setReason(reason Reason) {
	r.Reason = reason
	r.ExitCode = reason.ExitCode()
}

// ParseDocumentID reads DOCUMENTID: a positive number is a numeric id,
// "code:X" and "ext:S:X" are parsed as such, anything else is a record
// code.
func ParseDocumentID(s string) (abraflexi.ID, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return abraflexi.ID{}, errors.New("payments: empty document id")
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n <= 0 {
			return abraflexi.ID{}, fmt.Errorf("payments: invalid document id %q", s)
		}
		return abraflexi.NumericID(n), nil
	}
	if strings.HasPrefix(s, "code:") || strings.HasPrefix(s, "ext:") {
		return abraflexi.ParseID(s)
	}
	return abraflexi.CodeID(s), nil
}

// ErrNoDocumentID is returned by [Matcher.MatchOne] for an empty document id.
var ErrNoDocumentID = errors.New("payments: no document id")

// ErrAmbiguousDocument is returned by [Matcher.MatchOne] when a numeric
// document id names a record in both the bank and the cash movements.
var ErrAmbiguousDocument = errors.New("payments: document id names a bank and a cash movement")

// MatchOne matches the payment docID (a numeric id or a record code, see
// [ParseDocumentID]), looked up in the configured evidence. It returns a
// non-nil error exactly when the result's exit code is 1 (NoDocumentID,
// DocumentNotFound, AmbiguousDocument, SettleFailed, Failed); the result
// is always filled in.
//
// Record ids are per evidence: with Evidence auto a numeric id is looked
// up in both the bank and the cash movements, and when both have it the
// run stops with AmbiguousDocument naming both (set Evidence from the
// event's evidence, EVENT_EVIDENCE, to avoid it). A code is looked up in
// the bank first, then in the cash movements.
//
// It is idempotent: an already paired payment is AlreadyMatched and
// nothing is written, and a payment is decided only by what earlier
// pairings left of it. With Config.Lock the run holds the payment's lock
// from the re-read of the payment to the last write, so two runs at once
// decide one after the other. It reads the payment, then (when the
// payment can be paired at all) the open invoices with its variable
// symbol in one listing (with Config.Keys beyond vs, at most two more:
// the registered accounts of the payer's account and the open invoices
// of the customers the keys name; see snapshotOf), and writes the
// pairing (one, of several invoices for MatchedSeveral) and the labels.
func (m *Matcher) MatchOne(ctx context.Context, docID string) (Result, error) {
	docID = strings.TrimSpace(docID)
	res := Result{Document: docID, DryRun: m.cfg.DryRun}
	if docID == "" {
		res.setReason(NoDocumentID)
		res.Message = "no document id (DOCUMENTID) given"
		return res, ErrNoDocumentID
	}
	id, err := ParseDocumentID(docID)
	if err != nil {
		res.setReason(DocumentNotFound)
		res.Message = fmt.Sprintf("payment document %s not found: %v", docID, err)
		return res, fmt.Errorf("%w: %v", ErrNotFound, err)
	}
	p, err := m.load(ctx, id)
	if err != nil {
		return m.loadFailed(res, docID, err)
	}
	if m.cfg.Lock != nil {
		key := "pair " + p.Evidence + " " + recordID(p, id).String()
		release, err := m.cfg.Lock(ctx, key)
		if err != nil {
			res = resultOf(p, Decision{Reason: Failed}, m.cfg.Policy, m.cfg.DryRun)
			res.Message = fmt.Sprintf("payment %s: waiting for the lock of another run failed: %v", res.Document, err)
			return res, err
		}
		defer func() {
			if err := release(); err != nil {
				m.log.WarnContext(ctx, "releasing the payment lock failed", "document", docID, "error", err)
			}
		}()
		// Another run may have paired it while we waited: read it again.
		ev := p.Evidence
		if p, err = m.ledger.Payment(ctx, ev, recordID(p, id)); err != nil {
			return m.loadFailed(res, docID, err)
		}
		p.Evidence = ev
	}
	ix, err := m.snapshotOf(ctx, p)
	if err != nil {
		res = resultOf(p, Decision{Reason: Failed}, m.cfg.Policy, m.cfg.DryRun)
		res.Message = fmt.Sprintf("payment %s: %v", res.Document, err)
		return res, err
	}
	d := ix.Decide(p)
	res = resultOf(p, d, m.cfg.Policy, m.cfg.DryRun)
	if m.cfg.DryRun {
		m.logResult(ctx, res)
		return res, nil
	}
	if req, ok := d.PairRequest(p); ok {
		if err := m.ledger.Pair(ctx, req); err != nil {
			m.pairFailed(&res, err)
			if res.Reason == AlreadyMatched {
				m.paidMeanwhile(ctx, &res, p)
			}
			m.logResult(ctx, res)
			if res.ExitCode == ExitError {
				return res, err
			}
			return res, nil
		}
	}
	if len(d.Labels) > 0 {
		errs, err := m.ledger.AddLabels(ctx, p.Evidence, []abraflexi.ID{p.Movement.ID}, d.Labels...)
		if err == nil && len(errs) > 0 {
			err = errs[0]
		}
		if err != nil {
			res.labelFailed(err)
		}
	}
	m.logResult(ctx, res)
	return res, nil
}

// snapshotOf reads what deciding payment p with the configured keys needs,
// in at most three listings, however many invoices and customers the
// company has: the open invoices with its variable symbol (vs), the
// registered accounts that may be the payer's (account), and all open
// invoices of the customers its specific symbol and account name and,
// with sum, of the customers of its variable symbol's invoices. A payment
// the payment checks decide alone needs nothing.
func (m *Matcher) snapshotOf(ctx context.Context, p Payment) (*MatchIndex, error) {
	keys, pol := m.cfg.Keys, m.cfg.Policy
	if _, done := NewMatchIndex(nil, nil, keys, pol).precheck(p); done {
		return NewMatchIndex(nil, nil, keys, pol), nil
	}
	mv := p.Movement
	var invoices []abraflexi.IssuedInvoice
	if vs := VarSymVariants(mv.VariableSymbol); keys.Has(KeyVS) && len(vs) > 0 {
		var err error
		if invoices, err = m.ledger.OpenInvoices(ctx, vs); err != nil {
			return nil, fmt.Errorf("listing open invoices with variable symbol %s failed: %w", mv.VariableSymbol, err)
		}
	}
	if !keys.needsCustomers() {
		return NewMatchIndex(invoices, nil, keys, pol), nil
	}
	var customers []abraflexi.ID
	if keys.Has(KeySS) {
		for _, code := range SpecSymCodes(mv.SpecificSymbol) {
			customers = append(customers, abraflexi.CodeID(code))
		}
	}
	var accounts []abraflexi.CustomerBankAccount
	if key, ok := mv.PayerAccount(); ok && keys.Has(KeyAccount) {
		var err error
		if accounts, err = m.ledger.BankAccounts(ctx, []abraflexi.IBAN{key}); err != nil {
			return nil, fmt.Errorf("listing the registered bank accounts (adresar-bankovni-ucet) of %s failed: %w", key.Printed(), err)
		}
		for _, a := range accounts {
			if k, ok := a.AccountIBAN(); ok && k == key && !a.Customer.ID.IsZero() {
				customers = append(customers, a.Customer.ID)
			}
		}
	}
	if keys.Has(KeySum) {
		for _, inv := range invoices {
			if Candidate(inv) && SameVarSym(inv.VariableSymbol, mv.VariableSymbol) && !inv.Customer.ID.IsZero() {
				customers = append(customers, inv.Customer.ID)
			}
		}
	}
	if len(customers) > 0 {
		more, err := m.ledger.OpenInvoicesOf(ctx, customers)
		if err != nil {
			return nil, fmt.Errorf("listing open invoices of customers %s failed: %w", idList(customers), err)
		}
		invoices = mergeInvoices(invoices, more)
	}
	return NewMatchIndex(invoices, accounts, keys, pol), nil
}

// mergeInvoices appends to a the invoices of b it does not hold yet (by
// id, else code).
func mergeInvoices(a, b []abraflexi.IssuedInvoice) []abraflexi.IssuedInvoice {
	seen := make(map[abraflexi.ID]bool, len(a)+len(b))
	for _, inv := range a {
		seen[invoiceID(inv)] = true
	}
	for _, inv := range b {
		if id := invoiceID(inv); !seen[id] {
			seen[id] = true
			a = append(a, inv)
		}
	}
	return a
}

func idList(ids []abraflexi.ID) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = id.String()
	}
	return strings.Join(parts, ", ")
}

// recordID is the payment's numeric id as read, else the id it was asked by.
func recordID(p Payment, asked abraflexi.ID) abraflexi.ID {
	if !p.Movement.ID.IsZero() {
		return p.Movement.ID
	}
	return asked
}

// loadFailed renders a failed read of the payment docID.
func (m *Matcher) loadFailed(res Result, docID string, err error) (Result, error) {
	switch {
	case errors.Is(err, ErrAmbiguousDocument):
		res.setReason(AmbiguousDocument)
		res.Message = fmt.Sprintf("payment document %s is ambiguous: %v; set EVENT_EVIDENCE (or PAYMENT_EVIDENCE) to the evidence of the event", docID, err)
	case errors.Is(err, ErrNotFound):
		res.setReason(DocumentNotFound)
		res.Message = fmt.Sprintf("payment document %s not found in %s", docID, strings.Join(m.cfg.Evidence.Evidences(), " or "))
	default:
		res.setReason(Failed)
		res.Message = fmt.Sprintf("reading payment document %s failed: %v", docID, err)
	}
	return res, err
}

// paidMeanwhile reads the payment again after a pairing found it paired
// meanwhile, to name the invoice it paid.
func (m *Matcher) paidMeanwhile(ctx context.Context, res *Result, p Payment) {
	q, err := m.ledger.Payment(ctx, p.Evidence, p.Movement.ID)
	if err != nil {
		return
	}
	if paid := lastPaid(q.Movement); !paid.IsZero() {
		res.Invoice, res.InvoiceID = refName(paid), paid.ID
	}
	res.Invoices = linkedInvoices(q.Movement)
}

// linkedInvoices returns the invoices the payment links of m paid, once
// each, in link order.
func linkedInvoices(m abraflexi.Movement) []PaidInvoice {
	var out []PaidInvoice
	seen := map[string]bool{}
	for _, l := range m.Links {
		if !l.IsPayment() || bool(l.Cancelled) {
			continue
		}
		r := l.PaidDocument()
		if r.IsZero() || seen[r.String()] {
			continue
		}
		seen[r.String()] = true
		out = append(out, PaidInvoice{Invoice: refName(r), InvoiceID: r.ID})
	}
	return out
}

// refName is the code of a related record, else its id.
func refName(r abraflexi.Ref) string {
	if c := r.Code(); c != "" {
		return c
	}
	return r.String()
}

// load reads the payment from the configured evidences. A code is taken
// from the first evidence that has it; a numeric id, when several
// evidences are searched (auto), must be in exactly one of them.
func (m *Matcher) load(ctx context.Context, id abraflexi.ID) (Payment, error) {
	_, numeric := id.Numeric()
	var found []Payment
	var lastErr error
	for _, ev := range m.cfg.Evidence.Evidences() {
		p, err := m.ledger.Payment(ctx, ev, id)
		if err != nil {
			if !errors.Is(err, ErrNotFound) {
				return Payment{}, err
			}
			lastErr = err
			continue
		}
		p.Evidence = ev
		if !numeric {
			return p, nil
		}
		found = append(found, p)
	}
	switch len(found) {
	case 0:
		return Payment{}, lastErr
	case 1:
		return found[0], nil
	}
	names := make([]string, len(found))
	for i, p := range found {
		names[i] = p.Evidence + " " + p.Document()
	}
	return Payment{}, fmt.Errorf("%w: id %s is %s", ErrAmbiguousDocument, id, strings.Join(names, " and "))
}

// pairFailed turns a pairing error into the result: AlreadyMatched when
// the payment turned out to be paired already, else SettleFailed.
func (m *Matcher) pairFailed(res *Result, err error) {
	if errors.Is(err, ErrAlreadyPaired) {
		res.setReason(AlreadyMatched)
		res.Remainder = ""
		res.Labels = nil
		res.Message = fmt.Sprintf("payment %s was paired meanwhile; nothing written", res.Document)
		return
	}
	res.setReason(SettleFailed)
	res.Labels = nil
	res.Message = fmt.Sprintf("pairing payment %s with %s failed: %v", res.Document, invoicesNamed(*res), err)
}

// invoicesNamed names the invoices of a result: "invoice X", or "invoices
// X, Y".
func invoicesNamed(r Result) string {
	if len(r.Invoices) < 2 {
		return "invoice " + r.Invoice
	}
	names := make([]string, len(r.Invoices))
	for i, inv := range r.Invoices {
		names[i] = inv.Invoice
	}
	return "invoices " + strings.Join(names, ", ")
}

func (r *Result) labelFailed(err error) {
	r.LabelError = err.Error()
	r.Message += fmt.Sprintf(" (adding labels %s failed: %v)", strings.Join(r.Labels, ","), err)
}

// resultOf renders a decision as a result.
func resultOf(p Payment, d Decision, pol Policy, dryRun bool) Result {
	r := Result{
		Document:  p.Document(),
		PaymentID: p.Movement.ID,
		Evidence:  p.Evidence,
		VarSym:    d.VarSym,
		Currency:  d.Currency,
		Amount:    d.Amount,
		Allocated: d.Allocated,
		Due:       d.Due,
		Remainder: d.Remainder,
		Labels:    d.Labels,
		MatchedBy: d.MatchedBy,
		Customer:  d.Customer,
		Customers: d.Customers,
		DryRun:    dryRun,
	}
	for _, pay := range d.Pays {
		r.Invoices = append(r.Invoices, PaidInvoice{Invoice: pay.Invoice.Code, InvoiceID: invoiceID(*pay.Invoice), Amount: pay.Amount, Due: pay.Due})
	}
	if d.Reason == AlreadyMatched {
		r.Invoices = linkedInvoices(p.Movement)
	}
	if r.VarSym == "" {
		r.VarSym = strings.TrimSpace(p.Movement.VariableSymbol)
	}
	if r.Currency == "" {
		r.Currency = p.Currency(pol.HomeCurrency)
	}
	switch {
	case d.Invoice != nil:
		r.Invoice = d.Invoice.Code
		r.InvoiceID = invoiceID(*d.Invoice)
	case !d.Paid.IsZero():
		r.Invoice, r.InvoiceID = refName(d.Paid), d.Paid.ID
	}
	r.setReason(d.Reason)
	r.Message = message(r, d, pol)
	return r
}

// money renders an amount with its currency: "1210.00 CZK".
func money(v decimal.Decimal, currency string) string {
	return abraflexi.Amount{Value: v, Currency: currency}.String()
}

// message is the human sentence of a result.
func message(r Result, d Decision, pol Policy) string {
	doc := r.Document
	amount := money(r.Amount, r.Currency)
	switch r.Reason {
	case Matched:
		return fmt.Sprintf("payment %s of %s matched with invoice %s%s", doc, amount, r.Invoice, foundBy(r))
	case MatchedPartial:
		return fmt.Sprintf("payment %s of %s matched with invoice %s%s as a partial payment (%s due)", doc, amount, r.Invoice, foundBy(r), money(r.Due, r.Currency))
	case MatchedOverpayment:
		return fmt.Sprintf("payment %s of %s matched with invoice %s%s; overpayment of %s stays on the payment", doc, amount, r.Invoice, foundBy(r), money(r.Amount.Sub(r.Due), r.Currency))
	case AlreadyMatched:
		if d.Allocated.IsPositive() && d.Amount.IsPositive() {
			return fmt.Sprintf("payment %s is already matched (%s of %s used); the %s left stays on it as an overpayment, no open invoice takes it",
				doc, money(d.Allocated, r.Currency), money(d.Total, r.Currency), amount)
		}
		return fmt.Sprintf("payment %s is already matched; nothing to do", doc)
	case NotIncoming:
		return fmt.Sprintf("payment %s is outgoing; nothing to do", doc)
	case PaymentCancelled:
		return fmt.Sprintf("payment %s is cancelled; nothing to do", doc)
	case NoVarSym:
		return fmt.Sprintf("payment %s carries no variable symbol; left for manual matching", doc)
	case InvalidAmount:
		return fmt.Sprintf("payment %s has no positive amount (%s); left for manual matching", doc, amount)
	case UnknownVarSym:
		return fmt.Sprintf("no open invoice with variable symbol %s for payment %s; left for manual matching", r.VarSym, doc)
	case MatchedSeveral:
		return fmt.Sprintf("payment %s of %s matched with %s, oldest first, of customer %s (found by %s)", doc, amount, invoicesNamed(r), r.Customer, r.MatchedBy)
	case Ambiguous:
		switch {
		case len(d.Customers) > 1:
			return fmt.Sprintf("the specific symbol of payment %s names %d customers (%s); left for manual matching",
				doc, len(d.Customers), strings.Join(d.Customers, ", "))
		case d.MatchedBy == KeySS || d.MatchedBy == KeyAccount:
			return fmt.Sprintf("customer %s (found by %s) has %d open invoices and none is due %s; left for manual matching",
				d.Customer, d.MatchedBy, d.Candidates, amount)
		}
		return fmt.Sprintf("%d open invoices share variable symbol %s of payment %s; left for manual matching", d.Candidates, r.VarSym, doc)
	case AmbiguousAccount:
		return fmt.Sprintf("the payer's account of payment %s is registered to %d customers (%s); left for manual matching",
			doc, len(d.Customers), strings.Join(d.Customers, ", "))
	case Overpayment:
		return fmt.Sprintf("payment %s of %s exceeds the %s due on invoice %s; left for manual matching", doc, amount, money(r.Due, r.Currency), r.Invoice)
	case CurrencyMismatch:
		cur := abraflexi.DefaultHomeCurrency
		if d.Invoice != nil {
			cur = d.Invoice.CurrencyCode(pol.HomeCurrency)
		}
		return fmt.Sprintf("payment %s in %s is not in the currency of invoice %s (%s); left for manual matching", doc, r.Currency, r.Invoice, cur)
	}
	return fmt.Sprintf("payment %s: %s", doc, r.Reason)
}

// foundBy names the key that found the invoice when it is not the
// variable symbol: " of customer 1001 (found by ss)".
func foundBy(r Result) string {
	if r.MatchedBy == "" || r.MatchedBy == KeyVS {
		return ""
	}
	return fmt.Sprintf(" of customer %s (found by %s)", r.Customer, r.MatchedBy)
}

func (m *Matcher) logResult(ctx context.Context, r Result) {
	level := slog.LevelInfo
	switch r.ExitCode {
	case ExitUnmatched:
		level = slog.LevelWarn
	case ExitError:
		level = slog.LevelError
	}
	m.log.Log(ctx, level, r.Message, "document", r.Document, "reason", string(r.Reason), "invoice", r.Invoice,
		"matched_by", string(r.MatchedBy), "dry_run", r.DryRun)
}

// MatchSince matches every unpaired incoming payment issued on or after
// since, in the configured evidences (auto: bank and cash). The number of
// requests grows with pages and batches, not with payments: one paged
// listing of unpaired payments per evidence, one paged listing of all open
// invoices (skipped when there is no payment), with account in the keys
// one paged listing of the registered bank accounts, [PlanKeys] in
// memory, then the pairings in write requests of BatchSize records (each
// record its own transaction, a pairing of several invoices one record)
// and the labels in batched additive writes per evidence and label (500
// records per request). The results are one per payment, oldest first.
//
// A non-nil error means a listing failed and nothing was written. A failed
// pairing is a SettleFailed result, not an error; the later payments that
// may have been planned with its invoices (the same variable symbol, the
// variable symbol of an invoice it was to pay, or a customer it was to
// pay), planned as if it had succeeded, are decided again against the
// invoices as they are then (one more listing and write round, see
// replan), so they do not get CHYBIFAKTURA for an invoice that is still
// open.
func (m *Matcher) MatchSince(ctx context.Context, since abraflexi.Date) ([]Result, error) {
	var pays []Payment
	for _, ev := range m.cfg.Evidence.Evidences() {
		ps, err := m.ledger.UnpairedPayments(ctx, ev, since)
		if err != nil {
			return nil, fmt.Errorf("payments: listing unpaired payments of %s: %w", ev, err)
		}
		for _, p := range ps {
			p.Evidence = ev
			pays = append(pays, p)
		}
	}
	if len(pays) == 0 {
		return []Result{}, nil
	}
	slices.SortStableFunc(pays, func(a, b Payment) int {
		if c := a.Movement.IssuedOn.Compare(b.Movement.IssuedOn); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Evidence, b.Evidence); c != 0 {
			return c
		}
		an, _ := a.Movement.ID.Numeric()
		bn, _ := b.Movement.ID.Numeric()
		return cmp.Compare(an, bn)
	})
	invoices, err := m.ledger.OpenInvoices(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("payments: listing open invoices: %w", err)
	}
	var accounts []abraflexi.CustomerBankAccount
	if m.cfg.Keys.Has(KeyAccount) {
		if accounts, err = m.ledger.BankAccounts(ctx, nil); err != nil {
			return nil, fmt.Errorf("payments: listing the registered bank accounts (adresar-bankovni-ucet): %w", err)
		}
	}
	decisions := PlanKeys(pays, invoices, accounts, m.cfg.Keys, m.cfg.Policy)
	results := make([]Result, len(pays))
	for i := range pays {
		results[i] = resultOf(pays[i], decisions[i], m.cfg.Policy, m.cfg.DryRun)
	}
	if !m.cfg.DryRun {
		all := make([]int, len(pays))
		for i := range all {
			all[i] = i
		}
		failed := m.writePairings(ctx, pays, decisions, results, all)
		if len(failed) > 0 {
			m.replan(ctx, pays, decisions, results, failed, NewMatchIndex(invoices, accounts, m.cfg.Keys, m.cfg.Policy), accounts)
		}
		m.writeLabels(ctx, pays, results)
	}
	for _, r := range results {
		m.logResult(ctx, r)
	}
	return results, nil
}

// writePairings writes the pairings of the planned payments idx, per
// evidence in batches, records failures in results and returns the
// indices whose pairing failed.
func (m *Matcher) writePairings(ctx context.Context, pays []Payment, decisions []Decision, results []Result, idx []int) []int {
	byEv := map[string][]int{}
	var evs []string
	for _, i := range idx {
		if decisions[i].Pairs() {
			ev := pays[i].Evidence
			if _, ok := byEv[ev]; !ok {
				evs = append(evs, ev)
			}
			byEv[ev] = append(byEv[ev], i)
		}
	}
	var failed []int
	for _, ev := range evs {
		for chunk := range slices.Chunk(byEv[ev], m.cfg.BatchSize) {
			reqs := make([]abraflexi.PairRequest, len(chunk))
			for k, i := range chunk {
				reqs[k], _ = decisions[i].PairRequest(pays[i])
			}
			errs, err := m.ledger.PairBatch(ctx, ev, reqs)
			for k, i := range chunk {
				e := err
				if e == nil && k < len(errs) {
					e = errs[k]
				}
				if e != nil {
					m.pairFailed(&results[i], e)
					if results[i].Reason == SettleFailed {
						failed = append(failed, i)
					}
				}
			}
		}
	}
	slices.Sort(failed)
	return failed
}

// replan decides again, against the invoices as they are now, the payments
// planned after a failed pairing that may have counted on it: their plan
// assumed that pairing, so it may have given them CHYBIFAKTURA or a wrong
// amount. Those are the later payments, not paired, whose variable symbol
// is that of a failed payment or of an invoice a failed pairing was to
// pay, or whose keys name a customer it was to pay (snap is the index of
// the batch's snapshot). The failed pairings stay failed. It re-reads the
// open invoices of those payments' variable symbols and customers (one
// listing each, customers in listings of 50), plans the payments again in
// order and writes their pairings; a failure there is final. When a
// listing fails, the payments affected are reported as errors and get no
// labels.
func (m *Matcher) replan(ctx context.Context, pays []Payment, decisions []Decision, results []Result, failed []int,
	snap *MatchIndex, accounts []abraflexi.CustomerBankAccount) {
	keys := m.cfg.Keys
	// The variable symbols and customers of the failed pairings so far.
	failedVS := map[string]bool{}
	failedCust := map[string]bool{}
	next := 0
	var again []int
	vsSet := map[string]bool{}
	custSet := map[string]bool{}
	for i, p := range pays {
		for ; next < len(failed) && failed[next] < i; next++ {
			f := failed[next]
			failedVS[NormalizeVarSym(pays[f].Movement.VariableSymbol)] = true
			for _, pay := range decisions[f].Pays {
				failedVS[NormalizeVarSym(pay.Invoice.VariableSymbol)] = true
				if c := customerKey(pay.Invoice.Customer); c != "" {
					failedCust[c] = true
				}
			}
			delete(failedVS, "")
		}
		if next == 0 || results[i].Reason.Paired() || results[i].Reason == SettleFailed {
			continue
		}
		vs := NormalizeVarSym(p.Movement.VariableSymbol)
		names := snap.customersOf(p)
		hit := failedVS[vs]
		for _, c := range names {
			hit = hit || failedCust[c]
		}
		if !hit {
			continue
		}
		again = append(again, i)
		if vs != "" && keys.Has(KeyVS) {
			vsSet[vs] = true
		}
		for _, c := range names {
			custSet[c] = true
		}
	}
	if len(again) == 0 {
		return
	}
	var variants []string
	for vs := range vsSet {
		variants = append(variants, VarSymVariants(vs)...)
	}
	slices.Sort(variants)
	var customers []abraflexi.ID
	for c := range custSet {
		customers = append(customers, snap.customerID(c))
	}
	slices.SortFunc(customers, func(a, b abraflexi.ID) int { return cmp.Compare(a.String(), b.String()) })
	var invoices []abraflexi.IssuedInvoice
	var err error
	if len(variants) > 0 {
		invoices, err = m.ledger.OpenInvoices(ctx, variants)
	}
	if err == nil && len(customers) > 0 {
		var more []abraflexi.IssuedInvoice
		more, err = m.ledger.OpenInvoicesOf(ctx, customers)
		invoices = mergeInvoices(invoices, more)
	}
	if err != nil {
		for _, i := range again {
			results[i] = resultOf(pays[i], Decision{Reason: Failed}, m.cfg.Policy, m.cfg.DryRun)
			results[i].Message = fmt.Sprintf("payment %s: an earlier pairing of the same invoices failed and re-reading them failed too: %v",
				results[i].Document, err)
		}
		return
	}
	sub := make([]Payment, len(again))
	for k, i := range again {
		sub[k] = pays[i]
	}
	for k, d := range PlanKeys(sub, invoices, accounts, keys, m.cfg.Policy) {
		i := again[k]
		decisions[i] = d
		results[i] = resultOf(pays[i], d, m.cfg.Policy, m.cfg.DryRun)
	}
	m.log.InfoContext(ctx, "re-planned payments after failed pairings", "payments", len(again), "failed", len(failed))
	m.writePairings(ctx, pays, decisions, results, again)
}

// writeLabels adds the labels of the outcomes that stand, per evidence and
// label in batched writes, and records failures in results.
func (m *Matcher) writeLabels(ctx context.Context, pays []Payment, results []Result) {
	type group struct{ ev, label string }
	groups := map[group][]int{}
	var order []group
	for i, r := range results {
		for _, l := range r.Labels {
			g := group{pays[i].Evidence, l}
			if _, ok := groups[g]; !ok {
				order = append(order, g)
			}
			groups[g] = append(groups[g], i)
		}
	}
	for _, g := range order {
		idx := groups[g]
		ids := make([]abraflexi.ID, len(idx))
		for k, i := range idx {
			ids[k] = pays[i].Movement.ID
		}
		errs, err := m.ledger.AddLabels(ctx, g.ev, ids, g.label)
		for k, i := range idx {
			e := err
			if e == nil && k < len(errs) {
				e = errs[k]
			}
			if e != nil && results[i].LabelError == "" {
				results[i].labelFailed(e)
			}
		}
	}
}

// Summary counts results by reason.
func Summary(results []Result) map[Reason]int {
	out := map[Reason]int{}
	for _, r := range results {
		out[r.Reason]++
	}
	return out
}

// ExitCodeOf is the exit code of a batch: 1 when any result is an error, 2
// when any payment is left for manual matching, else 0.
func ExitCodeOf(results []Result) int {
	code := ExitMatched
	for _, r := range results {
		switch r.ExitCode {
		case ExitError:
			return ExitError
		case ExitUnmatched:
			code = ExitUnmatched
		}
	}
	return code
}
