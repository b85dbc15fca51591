package payments

import (
	"fmt"
	"slices"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/spoje-net/isptools/abraflexi"
)

// MatchKey names one way a payment finds the invoices it pays (an entry
// of MATCH_KEYS).
type MatchKey string

// The keys of MATCH_KEYS.
const (
	// KeyVS: the variable symbol names an open invoice (the PHP
	// behaviour and the default).
	KeyVS MatchKey = "vs"
	// KeySS: the specific symbol names the customer: its code, compared
	// without leading zeros ("0001001" is customer 1001).
	KeySS MatchKey = "ss"
	// KeyAccount: the payer's account (buc/smerKod, or iban) names the
	// customer through the accounts registered to it
	// (adresar-bankovni-ucet).
	KeyAccount MatchKey = "account"
	// KeySum: once a customer is found (by any other key), a payment equal
	// to the sum of several of its open invoices, oldest first, pays them
	// all in one pairing ([MatchedSeveral]). It finds no customer itself,
	// so its place in the list does not matter.
	KeySum MatchKey = "sum"
)

// EnvMatchKeys is the environment variable of the keys (MATCH_KEYS).
const EnvMatchKeys = "MATCH_KEYS"

// MatchKeys is the ordered list of MATCH_KEYS. Keys are tried in order;
// the first key that finds candidate invoices decides. A nil or empty
// list means [DefaultMatchKeys].
type MatchKeys []MatchKey

// DefaultMatchKeys returns [KeyVS] alone, the PHP behaviour.
func DefaultMatchKeys() MatchKeys { return MatchKeys{KeyVS} }

// ParseMatchKeys parses a MATCH_KEYS value: keys separated by commas
// (spaces around them ignored, case-insensitive), each at most once, at
// least one of vs, ss and account; empty means [DefaultMatchKeys]. The
// error names the value and the bad key.
func ParseMatchKeys(s string) (MatchKeys, error) {
	if strings.TrimSpace(s) == "" {
		return DefaultMatchKeys(), nil
	}
	var out MatchKeys
	for part := range strings.SplitSeq(s, ",") {
		k := MatchKey(strings.ToLower(strings.TrimSpace(part)))
		switch k {
		case KeyVS, KeySS, KeyAccount, KeySum:
		case "":
			return nil, fmt.Errorf("payments: match keys %q: empty key", s)
		default:
			return nil, fmt.Errorf("payments: match keys %q: unknown key %q (want vs, ss, account or sum)", s, strings.TrimSpace(part))
		}
		if slices.Contains(out, k) {
			return nil, fmt.Errorf("payments: match keys %q: %s given twice", s, k)
		}
		out = append(out, k)
	}
	if len(out.finders()) == 0 {
		return nil, fmt.Errorf("payments: match keys %q: sum needs a key that finds the customer (vs, ss or account)", s)
	}
	return out, nil
}

// Has reports whether key is in the list (an empty list is
// [DefaultMatchKeys]).
func (k MatchKeys) Has(key MatchKey) bool {
	if len(k) == 0 {
		return key == KeyVS
	}
	return slices.Contains(k, key)
}

// String returns the list as MATCH_KEYS spells it ("vs,ss,account,sum").
func (k MatchKeys) String() string {
	if len(k) == 0 {
		k = DefaultMatchKeys()
	}
	parts := make([]string, len(k))
	for i, key := range k {
		parts[i] = string(key)
	}
	return strings.Join(parts, ",")
}

// finders returns the keys that find candidates (all but sum), in order.
func (k MatchKeys) finders() []MatchKey {
	if len(k) == 0 {
		return DefaultMatchKeys()
	}
	var out []MatchKey
	for _, key := range k {
		if key != KeySum {
			out = append(out, key)
		}
	}
	return out
}

// findsWithoutVS reports whether a key other than vs may find candidates,
// so that a payment without a variable symbol is not manual work yet.
func (k MatchKeys) findsWithoutVS() bool {
	return slices.ContainsFunc(k.finders(), func(key MatchKey) bool { return key != KeyVS })
}

// needsCustomers reports whether deciding needs all open invoices of the
// customers the keys name, not only those of the variable symbol.
func (k MatchKeys) needsCustomers() bool { return k.findsWithoutVS() || k.Has(KeySum) }

// customerKey returns the comparable identity of a customer relation: its
// code (upper case) when known, else its identifier, "" for none.
func customerKey(r abraflexi.Ref) string {
	if c := strings.ToUpper(strings.TrimSpace(r.Code())); c != "" {
		return c
	}
	return r.String()
}

// normalizeCode returns a customer code as a specific symbol names it:
// trimmed, upper case, without leading zeros.
func normalizeCode(code string) string {
	return strings.TrimLeft(strings.ToUpper(strings.TrimSpace(code)), "0")
}

type invState struct {
	cand
	open     bool
	customer string
}

// MatchIndex is a snapshot of open invoices and registered bank accounts,
// indexed for deciding payments with MATCH_KEYS under one policy. Build
// it with [NewMatchIndex]; [MatchIndex.Decide] is pure and safe for
// concurrent use.
type MatchIndex struct {
	keys       MatchKeys
	pol        Policy
	states     []invState
	byVS       map[string][]int
	byCustomer map[string][]int // oldest first
	refs       map[string]abraflexi.ID
	byCode     map[string][]string
	byAccount  map[abraflexi.IBAN][]string
}

// NewMatchIndex indexes a snapshot for deciding with keys (nil means
// [DefaultMatchKeys]) under pol. invoices must hold, for every customer a
// key may name, all its open invoices (for a batch: every open invoice;
// for one payment: those with its variable symbol plus all open invoices
// of the customers its specific symbol and account name and, with sum, of
// the customer of the invoice its variable symbol names); only
// [Candidate] invoices are used, each with its [Due] amount. Customers
// are compared by code (firma as code:X, or its showAs), else by id.
// accounts are the registered bank accounts (adresar-bankovni-ucet) that
// may be a payer's; accounts without a valid number or customer are
// ignored. Time and memory are linear in the input.
func NewMatchIndex(invoices []abraflexi.IssuedInvoice, accounts []abraflexi.CustomerBankAccount, keys MatchKeys, pol Policy) *MatchIndex {
	if len(keys) == 0 {
		keys = DefaultMatchKeys()
	}
	ix := &MatchIndex{
		keys:       keys,
		pol:        pol,
		states:     make([]invState, 0, len(invoices)),
		byVS:       make(map[string][]int, len(invoices)),
		byCustomer: map[string][]int{},
		refs:       map[string]abraflexi.ID{},
		byCode:     map[string][]string{},
		byAccount:  make(map[abraflexi.IBAN][]string, len(accounts)),
	}
	// Only ss, account and sum look at a customer's other invoices.
	withCustomers := keys.needsCustomers()
	for _, inv := range invoices {
		if !Candidate(inv) {
			continue
		}
		i := len(ix.states)
		cust := customerKey(inv.Customer)
		ix.states = append(ix.states, invState{cand: cand{inv: inv, due: Due(inv, pol.HomeCurrency)}, open: true, customer: cust})
		if vs := NormalizeVarSym(inv.VariableSymbol); vs != "" {
			ix.byVS[vs] = append(ix.byVS[vs], i)
		}
		if cust == "" || !withCustomers {
			continue
		}
		if _, known := ix.byCustomer[cust]; !known {
			ix.refs[cust] = inv.Customer.ID
			if code := normalizeCode(inv.Customer.Code()); code != "" {
				ix.byCode[code] = append(ix.byCode[code], cust)
			}
		}
		ix.byCustomer[cust] = append(ix.byCustomer[cust], i)
	}
	for _, idx := range ix.byCustomer {
		ix.sortByAge(idx)
	}
	for code, custs := range ix.byCode {
		slices.Sort(custs)
		ix.byCode[code] = slices.Compact(custs)
	}
	for _, a := range accounts {
		key, ok := a.AccountIBAN()
		cust := customerKey(a.Customer)
		if !ok || cust == "" || slices.Contains(ix.byAccount[key], cust) {
			continue
		}
		ix.byAccount[key] = append(ix.byAccount[key], cust)
	}
	for _, custs := range ix.byAccount {
		slices.Sort(custs)
	}
	return ix
}

func (ix *MatchIndex) sortByAge(idx []int) {
	slices.SortStableFunc(idx, func(a, b int) int { return abraflexi.CompareInvoiceAge(ix.states[a].inv, ix.states[b].inv) })
}

// Keys returns the keys the index decides with.
func (ix *MatchIndex) Keys() MatchKeys { return ix.keys }

// precheck is the payment-alone part of the decision: that of [Decide],
// except that a payment without a variable symbol is left to the other
// keys when there are any (and then needs a positive amount).
func (ix *MatchIndex) precheck(p Payment) (Decision, bool) {
	d, done := precheck(p, ix.pol)
	if !done || d.Reason != NoVarSym || !ix.keys.findsWithoutVS() {
		return d, done
	}
	if !d.Total.IsPositive() {
		d.Reason, d.Labels = InvalidAmount, labels(ix.pol.Labels.Unidentified)
		return d, true
	}
	d.Reason, d.Labels = "", nil
	return d, false
}

// Decide decides how payment p matches the snapshot. It is pure and
// changes nothing in the index.
//
// The payment checks of [Decide] come first (already paired or used up,
// cancelled, outgoing, no positive amount); a missing variable symbol only
// skips the vs key when other keys may find candidates. Every amount is
// in the document's currency and the payment is decided by what earlier
// pairings left of it ([Payment.Unallocated]). Then the keys are tried in
// order, and the first that finds candidate invoices decides, named in
// MatchedBy:
//
//   - vs: the open invoices with the payment's variable symbol
//     ([NormalizeVarSym]); one is decided as [Decide] does, several are
//     [Ambiguous].
//   - ss: the customer whose code equals the specific symbol without
//     leading zeros, if it has open invoices; two such customers are
//     [Ambiguous].
//   - account: the customer the payer's account
//     ([abraflexi.Movement.PayerAccount]) is registered to, if it has open
//     invoices; an account registered to several customers is
//     [AmbiguousAccount], whether they owe or not.
//
// A customer found by ss or account with one open invoice is decided as
// [Decide] does (a payment in another currency is [CurrencyMismatch]);
// with several, only those in the payment's currency count (none is
// CurrencyMismatch, one is decided as Decide does), and of those the
// oldest whose amount due equals the payment is [Matched], else the
// payment is [Ambiguous].
//
// With sum in the keys, the oldest open invoices of the customer in the
// payment's currency, at least two, whose amounts due add up to the
// payment exactly are [MatchedSeveral] and are all paid in one pairing
// (remainder ne): for a customer found by ss or account whose single
// invoices do not equal the payment; for vs when the payment exceeds the
// one invoice of its symbol (the invoices must include that one) or when
// several invoices share the symbol (then of those invoices).
//
// When no key finds candidates the payment is [AlreadyMatched] if earlier
// pairings used part of it (the excess of a settled overpayment), else
// [NoVarSym] (it has no variable symbol) or [UnknownVarSym]. Labels are
// those of [Decide]; AmbiguousAccount gets Labels.Unidentified.
func (ix *MatchIndex) Decide(p Payment) Decision {
	d, _ := ix.decide(p)
	return d
}

// decide is Decide, also returning the indices of the invoices d.Pays
// pays (for apply).
func (ix *MatchIndex) decide(p Payment) (Decision, []int) {
	d, done := ix.precheck(p)
	if done {
		return d, nil
	}
	for _, key := range ix.keys.finders() {
		var out Decision
		var at []int
		var found bool
		switch key {
		case KeyVS:
			out, at, found = ix.byVarSym(d, p)
		case KeySS:
			out, at, found = ix.bySpecSym(d, p)
		case KeyAccount:
			out, at, found = ix.byPayerAccount(d, p)
		}
		if found {
			out.MatchedBy = key
			return out, at
		}
	}
	switch {
	case d.Allocated.IsPositive():
		d.Reason = AlreadyMatched
	case NormalizeVarSym(p.Movement.VariableSymbol) == "":
		d.Reason, d.Labels = NoVarSym, labels(ix.pol.Labels.Unidentified)
	default:
		d.Reason, d.Labels = UnknownVarSym, labels(ix.pol.Labels.InvoiceMissing)
	}
	return d, nil
}

// openOf returns the open invoices among idx, in order: idx itself when
// all are open (callers never change it).
func (ix *MatchIndex) openOf(idx []int) []int {
	if !slices.ContainsFunc(idx, func(i int) bool { return !ix.states[i].open }) {
		return idx
	}
	var out []int
	for _, i := range idx {
		if ix.states[i].open {
			out = append(out, i)
		}
	}
	return out
}

// decideWith decides d against the candidate invoices idx (open), and
// returns the one it pays, if any.
func (ix *MatchIndex) decideWith(d Decision, idx []int) (Decision, []int) {
	if len(idx) == 0 {
		return decide(d, 0, nil, ix.pol), nil
	}
	d = decide(d, len(idx), &ix.states[idx[0]].cand, ix.pol)
	if !d.Pairs() {
		return d, nil
	}
	return d, idx[:1]
}

// sameCustomer returns the customer all invoices idx belong to, "" when
// they belong to several (or none).
func (ix *MatchIndex) sameCustomer(idx []int) string {
	cust := ""
	for n, i := range idx {
		c := ix.states[i].customer
		if n > 0 && c != cust {
			return ""
		}
		cust = c
	}
	return cust
}

// byVarSym is the vs key.
func (ix *MatchIndex) byVarSym(d Decision, p Payment) (Decision, []int, bool) {
	vs := NormalizeVarSym(p.Movement.VariableSymbol)
	if vs == "" {
		return Decision{}, nil, false
	}
	open := ix.openOf(ix.byVS[vs])
	if len(open) == 0 {
		return Decision{}, nil, false
	}
	out, at := ix.decideWith(d, open)
	out.Customer = ix.sameCustomer(open)
	if !ix.keys.Has(KeySum) {
		return out, at, true
	}
	switch {
	case len(open) == 1 && (out.Reason == MatchedOverpayment || out.Reason == Overpayment):
		if out.Customer == "" {
			break
		}
		if several, ok := ix.sumOf(ix.openOf(ix.byCustomer[out.Customer]), d, open[0]); ok {
			return ix.several(d, out.Customer, several, len(ix.openOf(ix.byCustomer[out.Customer]))), several, true
		}
	case len(open) > 1:
		byAge := slices.Clone(open)
		ix.sortByAge(byAge)
		if several, ok := ix.sumOf(byAge, d, -1); ok {
			return ix.several(d, out.Customer, several, len(open)), several, true
		}
	}
	return out, at, true
}

// bySpecSym is the ss key.
func (ix *MatchIndex) bySpecSym(d Decision, p Payment) (Decision, []int, bool) {
	code := normalizeCode(p.Movement.SpecificSymbol)
	if code == "" {
		return Decision{}, nil, false
	}
	var custs []string
	for _, c := range ix.byCode[code] {
		if len(ix.openOf(ix.byCustomer[c])) > 0 {
			custs = append(custs, c)
		}
	}
	switch len(custs) {
	case 0:
		return Decision{}, nil, false
	case 1:
		out, at := ix.forCustomer(d, custs[0])
		return out, at, true
	}
	d.Reason, d.Labels, d.Customers = Ambiguous, labels(ix.pol.Labels.Unidentified), custs
	for _, c := range custs {
		d.Candidates += len(ix.openOf(ix.byCustomer[c]))
	}
	return d, nil, true
}

// byPayerAccount is the account key.
func (ix *MatchIndex) byPayerAccount(d Decision, p Payment) (Decision, []int, bool) {
	key, ok := p.Movement.PayerAccount()
	if !ok {
		return Decision{}, nil, false
	}
	custs := ix.byAccount[key]
	switch {
	case len(custs) == 0:
		return Decision{}, nil, false
	case len(custs) > 1:
		d.Reason, d.Labels, d.Customers = AmbiguousAccount, labels(ix.pol.Labels.Unidentified), slices.Clone(custs)
		return d, nil, true
	case len(ix.openOf(ix.byCustomer[custs[0]])) == 0:
		return Decision{}, nil, false
	}
	out, at := ix.forCustomer(d, custs[0])
	return out, at, true
}

// forCustomer decides a payment for a customer found by ss or account,
// and returns the invoices it pays.
func (ix *MatchIndex) forCustomer(d Decision, cust string) (Decision, []int) {
	open := ix.openOf(ix.byCustomer[cust])
	var same []int
	for _, i := range open {
		if ix.states[i].inv.CurrencyCode(ix.pol.HomeCurrency) == d.Currency {
			same = append(same, i)
		}
	}
	one := func(idx []int) (Decision, []int) {
		out, at := ix.decideWith(d, idx[:1])
		out.Candidates, out.Customer = len(open), cust
		return out, at
	}
	switch {
	case len(open) == 1 || len(same) == 0:
		// One invoice, or none in the payment's currency: as Decide does
		// (a currency mismatch names the oldest invoice).
		return one(open)
	case len(same) == 1:
		return one(same)
	}
	if ix.keys.Has(KeySum) {
		if several, ok := ix.sumOf(same, d, -1); ok {
			return ix.several(d, cust, several, len(open)), several
		}
	}
	for k, i := range same {
		if ix.states[i].due.Equal(d.Amount) {
			return one(same[k:])
		}
	}
	d.Reason, d.Labels, d.Candidates, d.Customer = Ambiguous, labels(ix.pol.Labels.Unidentified), len(open), cust
	return d, nil
}

// sumOf returns the first invoices of idx (open, oldest first) in the
// payment's currency whose amounts due add up to what is left of the
// payment exactly: at least two, and including invoice must (when not
// -1).
func (ix *MatchIndex) sumOf(idx []int, d Decision, must int) ([]int, bool) {
	sum := decimal.Zero
	var picked []int
	included := must < 0
	for _, i := range idx {
		s := ix.states[i]
		if s.inv.CurrencyCode(ix.pol.HomeCurrency) != d.Currency || !s.due.IsPositive() {
			continue
		}
		sum = sum.Add(s.due)
		picked = append(picked, i)
		included = included || i == must
		switch sum.Cmp(d.Amount) {
		case 0:
			return picked, len(picked) >= 2 && included
		case 1:
			return nil, false
		}
	}
	return nil, false
}

// several is the MatchedSeveral decision over the invoices idx.
func (ix *MatchIndex) several(d Decision, cust string, idx []int, candidates int) Decision {
	d.Pays = make([]InvoicePayment, len(idx))
	d.Due = decimal.Zero
	for n, i := range idx {
		s := ix.states[i]
		inv := s.inv
		d.Pays[n] = InvoicePayment{Invoice: &inv, Due: s.due, Amount: s.due}
		d.Due = d.Due.Add(s.due)
	}
	d.Reason, d.Invoice, d.Remainder, d.Customer, d.Candidates = MatchedSeveral, d.Pays[0].Invoice, abraflexi.RemainderNone, cust, candidates
	d.PairAmount, d.Labels = nil, nil
	return d
}

// apply carries the effect of decision d, which pays the invoices at (as
// decide returned them, in the order of d.Pays), forward: what it pays is
// no longer due, a fully paid invoice is no candidate any more.
func (ix *MatchIndex) apply(d Decision, at []int) {
	if !d.Pairs() || len(at) != len(d.Pays) {
		return
	}
	for n, pay := range d.Pays {
		s := &ix.states[at[n]]
		s.due = s.due.Sub(pay.Amount)
		if s.due.IsPositive() {
			s.inv.PaymentState = abraflexi.PaymentStatePartial
			continue
		}
		s.due = decimal.Zero
		s.inv.PaymentState = abraflexi.PaymentStatePaid
		s.open = false
	}
}

// customersOf returns the customers the keys of payment p may name in the
// snapshot, open invoices or not: the customers of the invoices with its
// variable symbol (vs, with sum), of its specific symbol (ss) and of its
// account (account).
func (ix *MatchIndex) customersOf(p Payment) []string {
	var out []string
	if ix.keys.Has(KeyVS) && ix.keys.Has(KeySum) {
		for _, i := range ix.byVS[NormalizeVarSym(p.Movement.VariableSymbol)] {
			out = append(out, ix.states[i].customer)
		}
	}
	if ix.keys.Has(KeySS) {
		if code := normalizeCode(p.Movement.SpecificSymbol); code != "" {
			out = append(out, ix.byCode[code]...)
		}
	}
	if ix.keys.Has(KeyAccount) {
		if key, ok := p.Movement.PayerAccount(); ok {
			out = append(out, ix.byAccount[key]...)
		}
	}
	slices.Sort(out)
	return slices.DeleteFunc(slices.Compact(out), func(c string) bool { return c == "" })
}

// customerID returns the identifier to list a customer's invoices by.
func (ix *MatchIndex) customerID(cust string) abraflexi.ID {
	if id, ok := ix.refs[cust]; ok && !id.IsZero() {
		return id
	}
	if id, err := abraflexi.ParseID(cust); err == nil {
		if _, numeric := id.Numeric(); numeric {
			return id
		}
	}
	return abraflexi.CodeID(cust)
}

// DecideKeys decides one payment against a snapshot with keys:
// NewMatchIndex then Decide. It is pure.
func DecideKeys(p Payment, invoices []abraflexi.IssuedInvoice, accounts []abraflexi.CustomerBankAccount, keys MatchKeys, pol Policy) Decision {
	return NewMatchIndex(invoices, accounts, keys, pol).Decide(p)
}

// PlanKeys decides a batch of payments against one snapshot, in the order
// given (callers sort oldest first), with keys (nil means
// [DefaultMatchKeys]). It is pure. Unlike deciding each payment alone, it
// carries the effect of every pairing forward: an invoice paid in full by
// an earlier payment is no longer a candidate, and a partial payment
// lowers the amount due for the next one. A payment listed twice (same
// evidence and id) is decided once; the repetition is [AlreadyMatched].
// The result has one decision per payment, in order. Time and memory are
// linear in the number of payments, invoices and accounts (each decision
// looks only at the invoices of the symbol or customer it names).
func PlanKeys(payments []Payment, invoices []abraflexi.IssuedInvoice, accounts []abraflexi.CustomerBankAccount, keys MatchKeys, pol Policy) []Decision {
	ix := NewMatchIndex(invoices, accounts, keys, pol)
	type key struct{ evidence, id string }
	seen := make(map[key]bool, len(payments))
	out := make([]Decision, len(payments))
	for n, p := range payments {
		k := key{p.Evidence, p.Movement.ID.String()}
		if k.id != "" && seen[k] {
			d, _ := precheck(p, pol)
			out[n] = Decision{Reason: AlreadyMatched, VarSym: d.VarSym, Currency: d.Currency, Total: d.Total, Allocated: d.Allocated, Amount: d.Amount}
			continue
		}
		seen[k] = true
		d, at := ix.decide(p)
		out[n] = d
		ix.apply(d, at)
	}
	return out
}

// SpecSymCodes returns the customer codes a specific symbol may name, for
// a server-side listing of those customers' open invoices: the spellings
// of [VarSymVariants] (without leading zeros and zero-padded up to ten
// digits), since AbraFlexi compares codes as strings. The decision
// compares normalised codes again, so the listing only has to be wide
// enough. It returns nil for a blank or all-zero symbol.
func SpecSymCodes(ss string) []string { return VarSymVariants(strings.ToUpper(ss)) }
