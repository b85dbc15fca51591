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
	// Policy is the overpayment mode and the labels.
	Policy Policy
	// DryRun decides and reports but writes nothing.
	DryRun bool
	// BatchSize is the number of pairings per write request of MatchSince
	// (default [DefaultBatchSize]).
	BatchSize int
	// Logger receives one line per payment; nil discards.
	Logger *slog.Logger
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
	// Invoice is the code of the invoice paired with (or of the single
	// candidate for Overpayment and CurrencyMismatch).
	Invoice string `json:"invoice,omitempty"`
	// InvoiceID identifies that invoice.
	InvoiceID abraflexi.ID `json:"invoiceId,omitzero"`
	// VarSym is the payment's variable symbol.
	VarSym string `json:"varSym,omitempty"`
	// Amount is the payment's amount.
	Amount decimal.Decimal `json:"amount"`
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

// MatchOne matches the payment docID (a numeric id or a record code, see
// [ParseDocumentID]), looked up in the configured evidence. It returns a
// non-nil error exactly when the result's exit code is 1 (NoDocumentID,
// DocumentNotFound, SettleFailed, Failed); the result is always filled in.
//
// It is idempotent: an already paired payment is AlreadyMatched and
// nothing is written. It reads the payment, then (when the payment can be
// paired at all) the open invoices with its variable symbol in one
// listing, and writes the pairing and the labels.
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
		if errors.Is(err, ErrNotFound) {
			res.setReason(DocumentNotFound)
			res.Message = fmt.Sprintf("payment document %s not found in %s", docID, strings.Join(m.cfg.Evidence.Evidences(), " or "))
		} else {
			res.setReason(Failed)
			res.Message = fmt.Sprintf("reading payment document %s failed: %v", docID, err)
		}
		return res, err
	}
	d, done := precheck(p, m.cfg.Policy)
	if !done {
		invoices, err := m.ledger.OpenInvoices(ctx, VarSymVariants(p.Movement.VariableSymbol))
		if err != nil {
			res = resultOf(p, Decision{Reason: Failed}, m.cfg.DryRun)
			res.Message = fmt.Sprintf("listing open invoices with variable symbol %s failed: %v", p.Movement.VariableSymbol, err)
			return res, err
		}
		d = Decide(p, invoices, m.cfg.Policy)
	}
	res = resultOf(p, d, m.cfg.DryRun)
	if m.cfg.DryRun {
		m.logResult(ctx, res)
		return res, nil
	}
	if req, ok := d.PairRequest(p); ok {
		if err := m.ledger.Pair(ctx, req); err != nil {
			m.pairFailed(&res, err)
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

// load reads the payment from the configured evidences in order.
func (m *Matcher) load(ctx context.Context, id abraflexi.ID) (Payment, error) {
	var lastErr error
	for _, ev := range m.cfg.Evidence.Evidences() {
		p, err := m.ledger.Payment(ctx, ev, id)
		if err == nil {
			p.Evidence = ev
			return p, nil
		}
		if !errors.Is(err, ErrNotFound) {
			return Payment{}, err
		}
		lastErr = err
	}
	return Payment{}, lastErr
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
	res.Message = fmt.Sprintf("pairing payment %s with invoice %s failed: %v", res.Document, res.Invoice, err)
}

func (r *Result) labelFailed(err error) {
	r.LabelError = err.Error()
	r.Message += fmt.Sprintf(" (adding labels %s failed: %v)", strings.Join(r.Labels, ","), err)
}

// resultOf renders a decision as a result.
func resultOf(p Payment, d Decision, dryRun bool) Result {
	r := Result{
		Document:  p.Document(),
		PaymentID: p.Movement.ID,
		Evidence:  p.Evidence,
		VarSym:    d.VarSym,
		Amount:    d.Amount,
		Due:       d.Due,
		Remainder: d.Remainder,
		Labels:    d.Labels,
		DryRun:    dryRun,
	}
	if r.VarSym == "" {
		r.VarSym = strings.TrimSpace(p.Movement.VariableSymbol)
	}
	if d.Invoice != nil {
		r.Invoice = d.Invoice.Code
		r.InvoiceID = invoiceID(*d.Invoice)
	}
	r.setReason(d.Reason)
	r.Message = message(r, d)
	return r
}

// message is the human sentence of a result.
func message(r Result, d Decision) string {
	doc := r.Document
	switch r.Reason {
	case Matched:
		return fmt.Sprintf("payment %s of %s matched with invoice %s", doc, r.Amount, r.Invoice)
	case MatchedPartial:
		return fmt.Sprintf("payment %s of %s matched with invoice %s as a partial payment (%s due)", doc, r.Amount, r.Invoice, r.Due)
	case MatchedOverpayment:
		return fmt.Sprintf("payment %s of %s matched with invoice %s; overpayment of %s stays on the payment", doc, r.Amount, r.Invoice, r.Amount.Sub(r.Due))
	case AlreadyMatched:
		return fmt.Sprintf("payment %s is already matched; nothing to do", doc)
	case NotIncoming:
		return fmt.Sprintf("payment %s is outgoing; nothing to do", doc)
	case PaymentCancelled:
		return fmt.Sprintf("payment %s is cancelled; nothing to do", doc)
	case NoVarSym:
		return fmt.Sprintf("payment %s carries no variable symbol; left for manual matching", doc)
	case InvalidAmount:
		return fmt.Sprintf("payment %s has no positive amount (%s); left for manual matching", doc, r.Amount)
	case UnknownVarSym:
		return fmt.Sprintf("no open invoice with variable symbol %s for payment %s; left for manual matching", r.VarSym, doc)
	case Ambiguous:
		return fmt.Sprintf("%d open invoices share variable symbol %s of payment %s; left for manual matching", d.Candidates, r.VarSym, doc)
	case Overpayment:
		return fmt.Sprintf("payment %s of %s exceeds the %s due on invoice %s; left for manual matching", doc, r.Amount, r.Due, r.Invoice)
	case CurrencyMismatch:
		cur := HomeCurrency
		if d.Invoice != nil {
			cur = currencyOf(d.Invoice.Currency)
		}
		return fmt.Sprintf("payment %s is not in the currency of invoice %s (%s); left for manual matching", doc, r.Invoice, cur)
	}
	return fmt.Sprintf("payment %s: %s", doc, r.Reason)
}

func (m *Matcher) logResult(ctx context.Context, r Result) {
	level := slog.LevelInfo
	switch r.ExitCode {
	case ExitUnmatched:
		level = slog.LevelWarn
	case ExitError:
		level = slog.LevelError
	}
	m.log.Log(ctx, level, r.Message, "document", r.Document, "reason", string(r.Reason), "invoice", r.Invoice, "dry_run", r.DryRun)
}

// MatchSince matches every unpaired incoming payment issued on or after
// since, in the configured evidences (auto: bank and cash). The number of
// requests grows with pages and batches, not with payments: one paged
// listing of unpaired payments per evidence, one paged listing of all open
// invoices (skipped when there is no payment), [Plan] in memory, then the
// pairings in write requests of BatchSize records (each record its own
// transaction) and the labels in batched additive writes per evidence and
// label (500 records per request). The results are one per payment,
// oldest first.
//
// A non-nil error means a listing failed and nothing was written. A failed
// pairing is a SettleFailed result, not an error.
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
	decisions := Plan(pays, invoices, m.cfg.Policy)
	results := make([]Result, len(pays))
	for i := range pays {
		results[i] = resultOf(pays[i], decisions[i], m.cfg.DryRun)
	}
	if !m.cfg.DryRun {
		m.writeBatch(ctx, pays, decisions, results)
	}
	for _, r := range results {
		m.logResult(ctx, r)
	}
	return results, nil
}

// writeBatch writes the pairings, then the labels, of a planned batch and
// records failures in results.
func (m *Matcher) writeBatch(ctx context.Context, pays []Payment, decisions []Decision, results []Result) {
	// Pairings, per evidence, in batches.
	byEv := map[string][]int{}
	var evs []string
	for i, d := range decisions {
		if d.Pairs() {
			ev := pays[i].Evidence
			if _, ok := byEv[ev]; !ok {
				evs = append(evs, ev)
			}
			byEv[ev] = append(byEv[ev], i)
		}
	}
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
				}
			}
		}
	}
	// Labels, per evidence and label, for the outcomes that stand.
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
