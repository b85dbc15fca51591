package payments

import (
	"fmt"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/spoje-net/isptools/abraflexi"
)

// OverpayMode says what happens to a payment that exceeds the invoice's
// remaining amount (MATCH_OVERPAY_MODE).
type OverpayMode string

const (
	// OverpaySettle pairs the payment: the invoice is paid and the excess
	// stays unpaired on the payment (remainder mode ignorovat). The default.
	OverpaySettle OverpayMode = "settle"
	// OverpayManual leaves the payment for manual matching (exit 2).
	OverpayManual OverpayMode = "manual"
)

// ParseOverpayMode parses "settle" or "manual" (case-insensitive, trimmed);
// "" gives [OverpaySettle].
func ParseOverpayMode(s string) (OverpayMode, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", string(OverpaySettle):
		return OverpaySettle, nil
	case string(OverpayManual):
		return OverpayManual, nil
	}
	return "", fmt.Errorf("payments: unknown overpayment mode %q (want settle or manual)", s)
}

// Default label codes, as in the PHP tool.
const (
	DefaultLabelOverpay        = "PREPLATEK"
	DefaultLabelInvoiceMissing = "CHYBIFAKTURA"
	DefaultLabelUnidentified   = "NEIDENTIFIKOVANO"
)

// Labels are the label codes the matcher adds to payments for the
// accountants' manual queue. An empty code disables that label.
type Labels struct {
	// Overpay (LABEL_OVERPAY) marks any overpayment, settled or not.
	Overpay string
	// InvoiceMissing (LABEL_INVOICE_MISSING) marks a payment whose variable
	// symbol no open invoice carries.
	InvoiceMissing string
	// Unidentified (LABEL_UNIDENTIFIED) marks a payment without a variable
	// symbol, or whose symbol several open invoices share.
	Unidentified string
}

// DefaultLabels returns PREPLATEK, CHYBIFAKTURA and NEIDENTIFIKOVANO.
func DefaultLabels() Labels {
	return Labels{Overpay: DefaultLabelOverpay, InvoiceMissing: DefaultLabelInvoiceMissing, Unidentified: DefaultLabelUnidentified}
}

// Policy is what a decision depends on besides the data.
type Policy struct {
	// OverpayMode is settle or manual; "" means settle.
	OverpayMode OverpayMode
	// Labels are added to payments by outcome.
	Labels Labels
	// HomeCurrency is the company's own currency (HOME_CURRENCY), the one
	// of sumCelkem and zbyvaUhradit; "" means CZK. A document in any other
	// currency is decided by its sumCelkemMen and zbyvaUhraditMen.
	HomeCurrency string
}

// DefaultPolicy is settle mode with the default labels, in CZK.
func DefaultPolicy() Policy {
	return Policy{OverpayMode: OverpaySettle, Labels: DefaultLabels(), HomeCurrency: abraflexi.DefaultHomeCurrency}
}

// Payment is a bank or cash movement together with its evidence.
type Payment struct {
	// Evidence is abraflexi.EvidenceBank or abraflexi.EvidenceCash.
	Evidence string
	// Movement is the record as read, with its payment links (vazby).
	Movement abraflexi.Movement
}

// Currency returns the payment's currency code; a payment without mena is
// in home ("" means CZK).
func (p Payment) Currency(home string) string { return p.Movement.CurrencyCode(home) }

// Unallocated returns the part of the payment that no pairing has used yet,
// in its currency, rounded with [Money]: its amount (sumCelkem, or
// sumCelkemMen in a foreign currency) minus the payment links already made
// from it. An overpayment paired with ignorovat keeps its excess here
// while the payment stays unpaired (sparovano false).
func (p Payment) Unallocated(home string) decimal.Decimal {
	return Money(p.Movement.Unallocated(home).Value)
}

// Document returns the payment's code, else its id.
func (p Payment) Document() string {
	if p.Movement.Code != "" {
		return p.Movement.Code
	}
	return p.Movement.ID.String()
}

// Money rounds an amount to whole hellers (two decimal places), the
// precision of AbraFlexi's money fields. Amounts are compared after
// rounding, so a server rendering such as "1.2290034529E8" or a
// floating-point artefact like "0.30000000000000004" compares as the
// amount it stands for.
func Money(d decimal.Decimal) decimal.Decimal { return d.Round(2) }

// Candidate reports whether an invoice may receive a payment: open (stavUhrK
// empty or stavUhr.castUhr), not cancelled, an invoice or advance invoice
// (typDokl.typDoklK, which needs typDokl expanded; an invoice of unknown
// kind is not a candidate), with something left to pay (zbyvaUhradit or
// zbyvaUhraditMen positive). An invoice covered by a deducted advance has
// zbyvaUhradit 0 with an empty stavUhrK: it is not due and no candidate.
func Candidate(inv abraflexi.IssuedInvoice) bool {
	if !inv.IsOpen() || !(inv.Remaining.IsPositive() || inv.RemainingInCurrency.IsPositive()) {
		return false
	}
	switch inv.Kind() {
	case abraflexi.KindInvoice, abraflexi.KindAdvanceInvoice:
		return true
	}
	return false
}

// Due returns the amount still to pay on an invoice in its own currency,
// rounded with [Money]: zbyvaUhradit for an invoice in home ("" means
// CZK), zbyvaUhraditMen for one in another currency (the crown figure of a
// euro invoice is at the invoice's rate, not the payment's). Zero means
// nothing is due, also for an unpaid invoice (one covered by an advance).
func Due(inv abraflexi.IssuedInvoice, home string) decimal.Decimal {
	return Money(inv.RemainingAmount(home).Value)
}

// Decision is the outcome of [Decide] for one payment. It says what to
// write; it writes nothing.
type Decision struct {
	// Reason is the outcome; Reason.ExitCode() is the exit code.
	Reason Reason
	// VarSym is the payment's variable symbol as given (trimmed).
	VarSym string
	// Currency is the payment's currency; every amount of the decision is
	// in it.
	Currency string
	// Total is the payment's whole amount, rounded to hellers.
	Total decimal.Decimal
	// Allocated is the part of the payment earlier pairings used (its
	// payment links); zero for a fresh payment.
	Allocated decimal.Decimal
	// Amount is what is decided with: Total minus Allocated.
	Amount decimal.Decimal
	// Invoice is the one candidate invoice (set for the matched reasons,
	// Overpayment and CurrencyMismatch); for [MatchedSeveral] the first
	// (oldest) of Pays.
	Invoice *abraflexi.IssuedInvoice
	// Paid is the invoice the payment's last payment link paid (what an
	// AlreadyMatched payment paid); zero without links.
	Paid abraflexi.Ref
	// Due is the invoice's remaining amount before the payment, in the
	// invoice's currency; for [MatchedSeveral] the sum over Pays.
	Due decimal.Decimal
	// Candidates is the number of open invoices the deciding key found:
	// those with the variable symbol, or all of the customer's.
	Candidates int
	// MatchedBy is the MATCH_KEYS key whose candidates decided (vs, ss or
	// account); "" when the payment alone decided or no key found any.
	MatchedBy MatchKey
	// Customer is the customer (its code, else its id) the candidates
	// belong to, when they belong to one.
	Customer string
	// Customers are, for [AmbiguousAccount] and a specific symbol naming
	// several customers, the customers named, sorted.
	Customers []string
	// Pays are the invoices the pairing pays, in the order it consumes the
	// payment: Invoice alone, or for [MatchedSeveral] every invoice,
	// oldest first; nil when nothing is paired.
	Pays []InvoicePayment
	// Remainder is the pairing's remainder mode (zbytek): ne for an exact
	// payment, castecnaUhrada for an underpayment, ignorovat for a settled
	// overpayment; "" when nothing is paired.
	Remainder abraflexi.RemainderMode
	// PairAmount is the amount to pair (castka, in the payment's currency),
	// set for partial payments and whenever earlier pairings used part of
	// the payment; nil pairs the invoice's whole remaining amount.
	PairAmount *decimal.Decimal
	// Labels are the label codes to add to the payment (additively).
	Labels []string
}

// InvoicePayment is one invoice a decision pays.
type InvoicePayment struct {
	// Invoice is the invoice as read (for the one invoice of a decision
	// the same as Decision.Invoice).
	Invoice *abraflexi.IssuedInvoice
	// Due is what was left to pay on it before the payment, in its
	// currency.
	Due decimal.Decimal
	// Amount is what the pairing pays on it: Due, or less for a partial
	// payment.
	Amount decimal.Decimal
}

// Pairs reports whether the decision pairs the payment with an invoice (or
// several).
func (d Decision) Pairs() bool { return d.Remainder != "" && d.Invoice != nil }

// ExitCode is d.Reason.ExitCode().
func (d Decision) ExitCode() int { return d.Reason.ExitCode() }

// PairRequest returns the pairing to write for payment p, or false when the
// decision pairs nothing. A [MatchedSeveral] decision is one pairing of
// every invoice of Pays in order (PairRequest.More); when earlier pairings
// used part of the payment each invoice's amount (castka) is named.
func (d Decision) PairRequest(p Payment) (abraflexi.PairRequest, bool) {
	if !d.Pairs() {
		return abraflexi.PairRequest{}, false
	}
	req := abraflexi.PairRequest{
		PaymentEvidence: p.Evidence,
		Payment:         p.Movement.ID,
		Invoice:         invoiceID(*d.Invoice),
		Amount:          d.PairAmount,
		Remainder:       d.Remainder,
	}
	if len(d.Pays) > 1 {
		castka := func(pay InvoicePayment) *decimal.Decimal {
			if !d.Allocated.IsPositive() {
				return nil
			}
			a := pay.Amount
			return &a
		}
		req.Invoice, req.Amount = invoiceID(*d.Pays[0].Invoice), castka(d.Pays[0])
		for _, pay := range d.Pays[1:] {
			req.More = append(req.More, abraflexi.PairInvoice{Invoice: invoiceID(*pay.Invoice), Amount: castka(pay)})
		}
	}
	return req, true
}

// invoiceID is the invoice's numeric id, else its code.
func invoiceID(inv abraflexi.IssuedInvoice) abraflexi.ID {
	if !inv.ID.IsZero() {
		return inv.ID
	}
	return abraflexi.CodeID(inv.Code)
}

// lastPaid returns the invoice of the last payment link of m, if any.
func lastPaid(m abraflexi.Movement) abraflexi.Ref {
	for i := len(m.Links) - 1; i >= 0; i-- {
		if l := m.Links[i]; l.IsPayment() && !bool(l.Cancelled) {
			return l.PaidDocument()
		}
	}
	return abraflexi.Ref{}
}

// precheck returns the outcome decided by the payment alone: already
// paired or used up by earlier pairings, cancelled, outgoing, without a
// variable symbol or without a positive amount.
func precheck(p Payment, pol Policy) (Decision, bool) {
	m := p.Movement
	home := pol.HomeCurrency
	d := Decision{
		VarSym:    strings.TrimSpace(m.VariableSymbol),
		Currency:  p.Currency(home),
		Total:     Money(m.TotalAmount(home).Value),
		Allocated: Money(m.Allocated(home).Value),
		Paid:      lastPaid(m),
	}
	d.Amount = d.Total.Sub(d.Allocated)
	switch {
	case bool(m.Paired), d.Allocated.IsPositive() && !d.Amount.IsPositive():
		d.Reason = AlreadyMatched
	case bool(m.Cancelled):
		d.Reason = PaymentCancelled
	case m.Direction == abraflexi.DirectionOutgoing:
		d.Reason = NotIncoming
	case NormalizeVarSym(m.VariableSymbol) == "":
		d.Reason = NoVarSym
		d.Labels = labels(pol.Labels.Unidentified)
	case !d.Total.IsPositive():
		d.Reason = InvalidAmount
		d.Labels = labels(pol.Labels.Unidentified)
	default:
		return d, false
	}
	return d, true
}

func labels(codes ...string) []string {
	var out []string
	for _, c := range codes {
		if c = strings.TrimSpace(c); c != "" {
			out = append(out, c)
		}
	}
	return out
}

// cand is a candidate invoice with what is due on it (in its currency).
type cand struct {
	inv abraflexi.IssuedInvoice
	due decimal.Decimal
}

// Decide decides how payment p matches the invoices (typically the open
// invoices with its variable symbol; any others are ignored). It is pure.
//
// Every amount is in the document's own currency: sumCelkem and
// zbyvaUhradit for documents in pol.HomeCurrency (or without mena),
// sumCelkemMen and zbyvaUhraditMen for any other, so a 100 EUR payment
// pays a 100 EUR invoice exactly whatever the crown figures at their two
// rates say.
//
// The payment is decided by what is left of it ([Payment.Unallocated]):
// its amount minus the payment links (vazby) of earlier pairings. In
// order: a paired payment (sparovano), or one its links use up, is
// [AlreadyMatched]; a cancelled one [PaymentCancelled]; an outgoing one
// [NotIncoming]; one without variable symbol [NoVarSym]; one without a
// positive amount [InvalidAmount]. The candidates are the invoices for
// which [Candidate] holds and whose variable symbol equals the payment's
// after [NormalizeVarSym]: none is [UnknownVarSym] — or [AlreadyMatched]
// when earlier pairings used part of the payment (the excess of a settled
// overpayment stays on it, so a re-run or the next batch does not label
// it again) — several are [Ambiguous]. The one candidate must be in the
// payment's currency, else [CurrencyMismatch]. Then what is left of the
// payment is compared with the invoice's [Due] amount, both rounded to
// hellers: equal is [Matched] (remainder ne), less is [MatchedPartial]
// (castecnaUhrada, paying what is left), more is [MatchedOverpayment]
// (ignorovat) in settle mode or [Overpayment] in manual mode. A pairing
// from a payment that earlier pairings used in part names its amount
// (castka) explicitly.
//
// Labels: NoVarSym, InvalidAmount, Ambiguous and CurrencyMismatch get
// Labels.Unidentified, UnknownVarSym Labels.InvoiceMissing, both
// overpayment outcomes Labels.Overpay.
func Decide(p Payment, invoices []abraflexi.IssuedInvoice, pol Policy) Decision {
	return NewMatchIndex(invoices, nil, DefaultMatchKeys(), pol).Decide(p)
}

// decide completes the decision d of a payment that passed precheck
// against its n candidates, of which first is the first.
func decide(d Decision, n int, first *cand, pol Policy) Decision {
	d.Candidates = n
	switch n {
	case 0:
		if d.Allocated.IsPositive() {
			d.Reason = AlreadyMatched
			return d
		}
		d.Reason = UnknownVarSym
		d.Labels = labels(pol.Labels.InvoiceMissing)
		return d
	case 1:
	default:
		d.Reason = Ambiguous
		d.Labels = labels(pol.Labels.Unidentified)
		return d
	}
	c := first
	inv := c.inv
	d.Invoice = &inv
	d.Due = c.due
	if d.Currency != inv.CurrencyCode(pol.HomeCurrency) {
		d.Reason = CurrencyMismatch
		d.Labels = labels(pol.Labels.Unidentified)
		return d
	}
	switch d.Amount.Cmp(d.Due) {
	case 0:
		d.Reason, d.Remainder = Matched, abraflexi.RemainderNone
		if d.Allocated.IsPositive() {
			amount := d.Amount
			d.PairAmount = &amount
		}
	case -1:
		amount := d.Amount
		d.Reason, d.Remainder, d.PairAmount = MatchedPartial, abraflexi.RemainderPartial, &amount
	default:
		d.Labels = labels(pol.Labels.Overpay)
		if pol.OverpayMode == OverpayManual {
			d.Reason = Overpayment
		} else {
			d.Reason, d.Remainder = MatchedOverpayment, abraflexi.RemainderIgnore
		}
	}
	if d.Remainder != "" {
		d.Pays = []InvoicePayment{{Invoice: d.Invoice, Due: c.due, Amount: decimal.Min(d.Amount, c.due)}}
	}
	return d
}

// Plan decides a batch of payments against one snapshot of open invoices,
// in the order given (callers sort oldest first). It is pure. Unlike
// calling [Decide] for each payment, it carries the effect of every pairing
// forward: an invoice paid in full by an earlier payment is no longer a
// candidate, and a partial payment lowers the amount due for the next one.
// A payment listed twice (same evidence and id) is decided once; the
// repetition is [AlreadyMatched]. The result has one decision per payment,
// in order. Time and memory are linear in the number of payments and
// invoices.
func Plan(payments []Payment, invoices []abraflexi.IssuedInvoice, pol Policy) []Decision {
	return PlanKeys(payments, invoices, nil, DefaultMatchKeys(), pol)
}
