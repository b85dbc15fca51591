package payments

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"

	"github.com/spoje-net/isptools/abraflexi"
)

// ClientLedger is the [Ledger] over an *abraflexi.Client.
type ClientLedger struct {
	c   *abraflexi.Client
	log *slog.Logger

	mu     sync.Mutex
	listed bool            // the label codebook was read
	exists map[string]bool // label codes in the codebook
	labels map[string]bool // "evidence label" ensured
}

var _ Ledger = (*ClientLedger)(nil)

// LedgerOption configures a [ClientLedger].
type LedgerOption func(*ClientLedger)

// WithLedgerLogger makes the ledger log at info level the labels it
// creates in the label codebook.
func WithLedgerLogger(log *slog.Logger) LedgerOption {
	return func(l *ClientLedger) { l.log = log }
}

// NewClientLedger returns the ledger of the company c works on.
func NewClientLedger(c *abraflexi.Client, opts ...LedgerOption) *ClientLedger {
	l := &ClientLedger{c: c, log: slog.New(slog.DiscardHandler), exists: map[string]bool{}, labels: map[string]bool{}}
	for _, o := range opts {
		o(l)
	}
	return l
}

// Payment implements [Source] with one detail read (GET
// /{evidence}/{id}.json; a code: id follows the server's redirect).
func (l *ClientLedger) Payment(ctx context.Context, evidence string, id abraflexi.ID) (Payment, error) {
	var m abraflexi.Movement
	var err error
	switch evidence {
	case abraflexi.EvidenceBank:
		var b abraflexi.BankMovement
		b, err = l.c.Bank.Get(ctx, id)
		m = b.Movement
	case abraflexi.EvidenceCash:
		var c abraflexi.CashMovement
		c, err = l.c.Cash.Get(ctx, id)
		m = c.Movement
	default:
		return Payment{}, fmt.Errorf("payments: unknown payment evidence %q", evidence)
	}
	if err != nil {
		if errors.Is(err, abraflexi.ErrNotFound) {
			return Payment{}, fmt.Errorf("%w: %s %s: %w", ErrNotFound, evidence, id, err)
		}
		return Payment{}, err
	}
	return Payment{Evidence: evidence, Movement: m}, nil
}

// openFilter selects the open issued invoices: (stavUhrK is null or
// stavUhrK eq 'stavUhr.castUhr') and storno eq false. The document kind is
// checked in memory ([Candidate]) from the expanded typDokl.
func openFilter() abraflexi.Filter {
	return abraflexi.And(
		abraflexi.Or(abraflexi.IsNull("stavUhrK"), abraflexi.Eq("stavUhrK", abraflexi.PaymentStatePartial)),
		abraflexi.Eq("storno", false),
	)
}

// OpenInvoices implements [Source] with one paged listing of faktura-vydana
// filtered on the open state and, when varSyms is not empty, on
// "varSym in (...)"; typDokl is expanded (includes=/faktura-vydana/typDokl).
func (l *ClientLedger) OpenInvoices(ctx context.Context, varSyms []string) ([]abraflexi.IssuedInvoice, error) {
	f := openFilter()
	if len(varSyms) > 0 {
		vals := make([]any, len(varSyms))
		for i, v := range varSyms {
			vals[i] = v
		}
		f = abraflexi.And(f, abraflexi.In("varSym", vals...))
	}
	return l.c.IssuedInvoices.All(ctx, abraflexi.ListOptions{Filter: f})
}

// customersPerListing is how many customers one listing of
// [ClientLedger.OpenInvoicesOf] names, and accountsPerListing how many
// accounts one of [ClientLedger.BankAccounts] looks for: the filter is
// part of the URL.
const (
	customersPerListing = 50
	accountsPerListing  = 20
)

// OpenInvoicesOf implements [Source] with paged listings of faktura-vydana
// filtered on the open state and the customers, 50 per listing: codes as
// "firma.kod in (...)" (a code that names no customer matches nothing;
// the specific symbol's spellings are asked for this way), numeric ids
// as "firma in (...)"; typDokl is expanded.
func (l *ClientLedger) OpenInvoicesOf(ctx context.Context, customers []abraflexi.ID) ([]abraflexi.IssuedInvoice, error) {
	var codes, nums []any
	seen := map[abraflexi.ID]bool{}
	for _, id := range customers {
		if id.IsZero() || seen[id] {
			continue
		}
		seen[id] = true
		if c, ok := id.Code(); ok {
			codes = append(codes, strings.ToUpper(c))
		} else {
			nums = append(nums, id)
		}
	}
	var out []abraflexi.IssuedInvoice
	list := func(field string, vals []any) error {
		for chunk := range slices.Chunk(vals, customersPerListing) {
			invs, err := l.c.IssuedInvoices.All(ctx, abraflexi.ListOptions{Filter: abraflexi.And(openFilter(), abraflexi.In(field, chunk...))})
			if err != nil {
				return err
			}
			out = append(out, invs...)
		}
		return nil
	}
	if err := list("firma.kod", codes); err != nil {
		return nil, err
	}
	if err := list("firma", nums); err != nil {
		return nil, err
	}
	return out, nil
}

// BankAccounts implements [Source]: nil is one paged listing of every
// registered account (adresar-bankovni-ucet); otherwise paged listings of
// the accounts whose buc contains the account's number (a Czech or
// Slovak IBAN; leading zeros and the prefix may be stored either way) or
// whose iban is the account in its electronic or printed form, 20
// accounts per listing.
func (l *ClientLedger) BankAccounts(ctx context.Context, accounts []abraflexi.IBAN) ([]abraflexi.CustomerBankAccount, error) {
	svc := abraflexi.NewService[abraflexi.CustomerBankAccount](l.c)
	if accounts == nil {
		return svc.All(ctx, abraflexi.ListOptions{})
	}
	var out []abraflexi.CustomerBankAccount
	for chunk := range slices.Chunk(accounts, accountsPerListing) {
		var fs []abraflexi.Filter
		for _, a := range chunk {
			if a.IsZero() {
				continue
			}
			fs = append(fs, abraflexi.In("iban", a.String(), a.Printed()))
			if n, ok := a.AccountNumber(); ok {
				fs = append(fs, abraflexi.Like("buc", n.Number))
			}
		}
		if len(fs) == 0 {
			continue
		}
		got, err := svc.All(ctx, abraflexi.ListOptions{Filter: abraflexi.Or(fs...)})
		if err != nil {
			return nil, err
		}
		out = append(out, got...)
	}
	return out, nil
}

// UnpairedPayments implements [Source] with one paged listing: sparovano eq
// false and typPohybuK eq 'typPohybu.prijem' and storno eq false and datVyst
// gte since (the filter of abraflexi-matcher).
func (l *ClientLedger) UnpairedPayments(ctx context.Context, evidence string, since abraflexi.Date) ([]Payment, error) {
	fs := []abraflexi.Filter{
		abraflexi.Eq("sparovano", false),
		abraflexi.Eq("typPohybuK", abraflexi.DirectionIncoming),
		abraflexi.Eq("storno", false),
	}
	if !since.IsZero() {
		fs = append(fs, abraflexi.Gte("datVyst", since))
	}
	opts := abraflexi.ListOptions{Filter: abraflexi.And(fs...)}
	var out []Payment
	switch evidence {
	case abraflexi.EvidenceBank:
		bs, err := l.c.Bank.All(ctx, opts)
		if err != nil {
			return nil, err
		}
		for _, b := range bs {
			out = append(out, Payment{Evidence: evidence, Movement: b.Movement})
		}
	case abraflexi.EvidenceCash:
		cs, err := l.c.Cash.All(ctx, opts)
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			out = append(out, Payment{Evidence: evidence, Movement: c.Movement})
		}
	default:
		return nil, fmt.Errorf("payments: unknown payment evidence %q", evidence)
	}
	return out, nil
}

// Pair implements [Writer] with [abraflexi.Client.Pair]: the payment is
// re-read first (already paired: [ErrAlreadyPaired], nothing written), the
// write is never resent blindly, and after an ambiguous failure the payment
// is re-read to see whether the pairing took effect.
func (l *ClientLedger) Pair(ctx context.Context, req abraflexi.PairRequest) error {
	err := l.c.Pair(ctx, req)
	if errors.Is(err, abraflexi.ErrAlreadyPaired) {
		return fmt.Errorf("%w: %w", ErrAlreadyPaired, err)
	}
	return err
}

// pairFields renders one pairing as a record of a normal import to the
// payment's evidence: {"id": ..., "sparovani": ...} with the sparovani of
// [abraflexi.PairRequest.Sparovani] (the form php-abraflexi sends for one
// invoice, an array of uhrazovanaFak for several).
func pairFields(req abraflexi.PairRequest) abraflexi.Fields {
	return abraflexi.Fields{"id": req.Payment.String(), "sparovani": req.Sparovani()}
}

// PairBatch implements [Writer]: one import request with "@atomic": "false"
// carrying a sparovani in each movement record, so every record is its own
// transaction and a refused pairing fails only itself. Payments must have
// numeric ids (as listed): a batch with numeric ids is never resent by the
// client unless it provably did not reach the server. After an ambiguous
// failure (5xx, lost connection) the payments are listed again (one
// request) and those paired now count as paired.
func (l *ClientLedger) PairBatch(ctx context.Context, evidence string, reqs []abraflexi.PairRequest) ([]error, error) {
	if len(reqs) == 0 {
		return nil, nil
	}
	records := make([]abraflexi.Fields, len(reqs))
	for i, r := range reqs {
		if r.PaymentEvidence == "" {
			r.PaymentEvidence = evidence
		}
		if r.PaymentEvidence != evidence {
			return nil, fmt.Errorf("payments: pairing %d is for %s, not %s", i, r.PaymentEvidence, evidence)
		}
		if err := r.Validate(); err != nil {
			return nil, fmt.Errorf("payments: pairing %d: %w", i, err)
		}
		records[i] = pairFields(r)
	}
	results, err := l.c.Upsert(ctx, evidence, records, abraflexi.WriteOptions{Atomic: false, BatchSize: len(records)})
	var ae *abraflexi.APIError
	if err != nil && errors.As(err, &ae) && len(ae.Results) > 0 {
		err = nil // per-record failures: results hold every record's outcome
	}
	if err != nil {
		if !ambiguousWrite(err) {
			return nil, err
		}
		return l.verifyPaired(ctx, evidence, reqs, err)
	}
	return perRecord(len(reqs), results), nil
}

// ambiguousWrite reports whether a failed write may have been applied: a
// 5xx answer or any failure without an HTTP answer.
func ambiguousWrite(err error) bool {
	var ae *abraflexi.APIError
	if errors.As(err, &ae) {
		return ae.StatusCode >= 500
	}
	return !errors.Is(err, context.Canceled)
}

// verifyPaired lists the payments of reqs (id in (...), one request) after
// an ambiguous batch failure: those paired now (sparovano) or with a
// payment link to their invoice (an overpayment with ignorovat stays
// unpaired) are nil, the others get cause.
func (l *ClientLedger) verifyPaired(ctx context.Context, evidence string, reqs []abraflexi.PairRequest, cause error) ([]error, error) {
	ids := make([]any, 0, len(reqs))
	want := map[string]abraflexi.ID{} // payment -> invoice
	for _, r := range reqs {
		ids = append(ids, r.Payment)
		want[r.Payment.String()] = r.Invoice
	}
	opts := abraflexi.ListOptions{Filter: abraflexi.In("id", ids...), Fields: []string{"id", "kod", "sparovano", abraflexi.LinkFields}}
	paired := map[string]bool{}
	collect := func(m abraflexi.Movement) {
		ok := bool(m.Paired)
		for _, ln := range m.Links {
			if ln.IsPayment() && !bool(ln.Cancelled) && names(ln.PaidDocument(), want[m.ID.String()]) {
				ok = true
			}
		}
		if ok {
			paired[m.ID.String()] = true
			if m.Code != "" {
				paired[abraflexi.CodeID(m.Code).String()] = true
			}
		}
	}
	ctx = context.WithoutCancel(ctx)
	switch evidence {
	case abraflexi.EvidenceBank:
		bs, err := l.c.Bank.All(ctx, opts)
		if err != nil {
			return nil, errors.Join(cause, fmt.Errorf("payments: pairing outcome unknown, re-reading the payments failed: %w", err))
		}
		for _, b := range bs {
			collect(b.Movement)
		}
	default:
		cs, err := l.c.Cash.All(ctx, opts)
		if err != nil {
			return nil, errors.Join(cause, fmt.Errorf("payments: pairing outcome unknown, re-reading the payments failed: %w", err))
		}
		for _, c := range cs {
			collect(c.Movement)
		}
	}
	errs := make([]error, len(reqs))
	for i, r := range reqs {
		if !paired[r.Payment.String()] {
			errs[i] = cause
		}
	}
	return errs, nil
}

// names reports whether the relation r names the issued invoice id: the
// same identifier, or a numeric id that is the record of r's @ref.
func names(r abraflexi.Ref, id abraflexi.ID) bool {
	if id.IsZero() {
		return false
	}
	if r.ID == id {
		return true
	}
	if n, ok := id.Numeric(); ok {
		return strings.HasSuffix(r.URL, fmt.Sprintf("/%s/%d.json", abraflexi.EvidenceIssuedInvoice, n))
	}
	return false
}

// perRecord turns write results into one error per record: the record's
// server messages, or nil. A record without a result counts as written.
func perRecord(n int, results []abraflexi.WriteResult) []error {
	errs := make([]error, n)
	for _, r := range results {
		if r.Index < 0 || r.Index >= n || len(r.Errors) == 0 {
			continue
		}
		msgs := make([]string, 0, len(r.Errors))
		for _, m := range r.Errors {
			if m.For != "" {
				msgs = append(msgs, m.For+": "+m.Message)
			} else {
				msgs = append(msgs, m.Message)
			}
		}
		errs[r.Index] = fmt.Errorf("abraflexi: %s", strings.Join(msgs, "; "))
	}
	return errs
}

// AddLabels implements [Writer] with [abraflexi.Client.AddLabels]: additive
// writes ({"id": ..., "stitky": "X"}), one request per batch of 500, each
// record its own transaction. A label missing from the label codebook is
// created first, visible for evidence ([abraflexi.Client.EnsureLabel]),
// and logged at info; each label is looked up once per ledger. When the
// creation fails the error names the label and the evidence and nothing
// is written.
func (l *ClientLedger) AddLabels(ctx context.Context, evidence string, ids []abraflexi.ID, labels ...string) ([]error, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	if err := l.ensureLabels(ctx, evidence, labels); err != nil {
		return nil, err
	}
	results, err := l.c.AddLabels(ctx, evidence, ids, abraflexi.WriteOptions{Atomic: false}, labels...)
	var ae *abraflexi.APIError
	if err != nil && errors.As(err, &ae) && len(ae.Results) > 0 {
		// Records failed on their own: every batch was sent and results
		// hold every record's outcome.
		err = nil
	}
	if err != nil {
		return nil, err
	}
	return perRecord(len(ids), results), nil
}

// ensureLabels makes sure labels exist in the codebook for evidence. The
// first call reads the codebook's codes (one listing); a label not among
// them is created ([abraflexi.Client.EnsureLabel]) and logged at info.
// Each (evidence, label) is handled once per ledger.
func (l *ClientLedger) ensureLabels(ctx context.Context, evidence string, labels []string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, code := range labels {
		code = strings.ToUpper(strings.TrimSpace(code))
		key := evidence + " " + code
		if l.labels[key] {
			continue
		}
		if !l.listed {
			defs, err := l.c.Labels.All(ctx, abraflexi.ListOptions{Fields: []string{"id", "kod"}})
			if err != nil {
				return fmt.Errorf("payments: reading the label codebook (stitek): %w", err)
			}
			for _, d := range defs {
				l.exists[strings.ToUpper(d.Code)] = true
			}
			l.listed = true
		}
		if !l.exists[code] {
			created, err := l.c.EnsureLabel(ctx, code, evidence)
			if err != nil {
				return fmt.Errorf("payments: label %s for %s is missing and could not be created: %w", code, evidence, err)
			}
			if created {
				l.log.InfoContext(ctx, "created label in the label codebook (stitek)", "label", code, "evidence", evidence)
			}
			l.exists[code] = true
		}
		l.labels[key] = true
	}
	return nil
}
