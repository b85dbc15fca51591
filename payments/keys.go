//go:build matchkeys_pending

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

// Reasons of the matching beyond the variable symbol ([MatchIndex]).
const (
	// MatchedSeveral: the payment equals the sum of several open invoices
	// of the customer (oldest first); all are paired in one pairing with
	// remainder mode ne. Exit 0.
	MatchedSeveral Reason = "matched_several"
	// AmbiguousAccount: the payer's account is registered to several
	// customers, so it names none of them. Exit 2.
	AmbiguousAccount Reason = "ambiguous_account"
)

// MatchKeys is the ordered list of MATCH_KEYS. Keys are tried in order;
// the first key that finds candidate invoices decides.
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
			return nil, fmt.Errorf("payments: match keys %q: unknown key %q (want vs, ss, account or sum)", s, part)
		}
		if out.Has(k) {
			return nil, fmt.Errorf("payments: match keys %q: %s given twice", s, k)
		}
		out = append(out, k)
	}
	if len(out.finders()) == 0 {
		return nil, fmt.Errorf("payments: match keys %q: sum needs a key that finds the customer (vs, ss or account)", s)
	}
	return out, nil
}

// Has reports whether key is in the list.
func (k MatchKeys) Has(key MatchKey) bool { return slices.Contains(k, key) }

// String returns the list as MATCH_KEYS spells it ("vs,ss,account,sum").
func (k MatchKeys) String() string {
	parts := make([]string, len(k))
	for i, key := range k {
		parts[i] = string(key)
	}
	return strings.Join(parts, ",")
}

// finders returns the keys that find candidates (all but sum), in order;
// an empty list means the default.
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

// PayerAccount is the counterparty account of a bank movement as AbraFlexi
// stores it: buc (prefix-number) with smerKod (the bank code), and/or
// iban. Cash movements have none.
type PayerAccount struct {
	// Number is buc, e.g. "19-2000145399".
	Number string
	// BankCode is the code of smerKod, e.g. "0800" (a "code:" prefix is
	// accepted).
	BankCode string
	// IBAN is iban, electronic or printed.
	IBAN string
}

// Key returns the account's comparable form ([abraflexi.AccountKey]).
func (a PayerAccount) Key() (abraflexi.IBAN, bool) {
	return abraflexi.AccountKey(a.Number, a.BankCode, a.IBAN)
}

// KeyedPayment is a payment together with the payer's account, which the
// account key needs. When Account.Number is empty the movement's buc
// (Movement.Account) is used.
type KeyedPayment struct {
	Payment
	// Account is the payer's account.
	Account PayerAccount
}

func (p KeyedPayment) account() (abraflexi.IBAN, bool) {
	a := p.Account
	if a.Number == "" {
		a.Number = p.Movement.Account
	}
	return a.Key()
}

// KeyDecision is the outcome of matching one payment with MATCH_KEYS. The
// embedded Decision is as [Decide] makes it; for [MatchedSeveral] its
// Invoice is the oldest paired invoice and Due the sum of all of them.
type KeyDecision struct {
	Decision
	// MatchedBy is the key that found the candidates and so decided ("",
	// when no key found any). With [MatchedSeveral] it is the key that
	// found the customer; the sum is the reason.
	MatchedBy MatchKey
	// Customer is the customer (its code, else its id) the candidates
	// belong to, when there is one.
	Customer string
	// Customers are, for [AmbiguousAccount] and an ambiguous specific
	// symbol, the customers the key names, sorted.
	Customers []string
	// Invoices are every invoice paired, oldest first: the one Invoice, or
	// all of them for [MatchedSeveral]; nil when nothing is paired.
	Invoices []abraflexi.IssuedInvoice
}

// ExitCode returns the exit code of the outcome: 0 for [MatchedSeveral],
// 2 for [AmbiguousAccount], else Reason.ExitCode().
func (d KeyDecision) ExitCode() int {
	switch d.Reason {
	case MatchedSeveral:
		return ExitMatched
	case AmbiguousAccount:
		return ExitUnmatched
	}
	return d.Reason.ExitCode()
}

// Pairs reports whether the decision pairs the payment with invoices.
func (d KeyDecision) Pairs() bool { return len(d.Invoices) > 0 && d.Remainder != "" }

// PairRequest returns the pairing of a decision that pays one invoice. A
// [MatchedSeveral] decision pays several in one pairing (one uhrazovanaFak
// each, consumed in the order of Invoices), which one
// abraflexi.PairRequest cannot express, so it reports false; use
// Invoices.
func (d KeyDecision) PairRequest(p Payment) (abraflexi.PairRequest, bool) {
	if d.Reason == MatchedSeveral {
		return abraflexi.PairRequest{}, false
	}
	return d.Decision.PairRequest(p)
}

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
	inv      abraflexi.IssuedInvoice
	open     bool
	customer string
}

// MatchIndex is a snapshot of open invoices and registered bank accounts,
// indexed for matching with MATCH_KEYS. Build it with [NewMatchIndex];
// [MatchIndex.Decide] is pure and safe for concurrent use.
type MatchIndex struct {
	states     []invState
	byVS       map[string][]int
	byCustomer map[string][]int // oldest first
	byCode     map[string][]string
	byAccount  map[abraflexi.IBAN][]string
}

// NewMatchIndex indexes a snapshot. invoices must hold, for every customer
// a key may name, all its open invoices (for a batch: every open invoice;
// for one payment: those with its variable symbol plus all open invoices of
// the customers its specific symbol and account name, and of the customer
// of the invoice its variable symbol names); only [Candidate] invoices
// are used. Customers are compared by code (firma as code:X, or its
// showAs), else by id. accounts are the registered bank accounts
// (adresar-bankovni-ucet) that may match a payer; accounts without a valid
// number or customer are ignored. Time and memory are linear in the input.
func NewMatchIndex(invoices []abraflexi.IssuedInvoice, accounts []abraflexi.CustomerBankAccount) *MatchIndex {
	ix := &MatchIndex{
		states:     make([]invState, 0, len(invoices)),
		byVS:       make(map[string][]int, len(invoices)),
		byCustomer: map[string][]int{},
		byCode:     map[string][]string{},
		byAccount:  make(map[abraflexi.IBAN][]string, len(accounts)),
	}
	for _, inv := range invoices {
		if !Candidate(inv) {
			continue
		}
		i := len(ix.states)
		cust := customerKey(inv.Customer)
		ix.states = append(ix.states, invState{inv: inv, open: true, customer: cust})
		if vs := NormalizeVarSym(inv.VariableSymbol); vs != "" {
			ix.byVS[vs] = append(ix.byVS[vs], i)
		}
		if cust == "" {
			continue
		}
		if len(ix.byCustomer[cust]) == 0 {
			if code := normalizeCode(inv.Customer.Code()); code != "" {
				ix.byCode[code] = append(ix.byCode[code], cust)
			}
		}
		ix.byCustomer[cust] = append(ix.byCustomer[cust], i)
	}
	for _, idx := range ix.byCustomer {
		slices.SortStableFunc(idx, func(a, b int) int { return abraflexi.CompareInvoiceAge(ix.states[a].inv, ix.states[b].inv) })
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

// Decide decides how payment p matches the snapshot with keys (nil means
// [DefaultMatchKeys]). It is pure and changes nothing in the index.
//
// The payment checks of [Decide] come first (already paired, cancelled,
// outgoing, no positive amount); a missing variable symbol only skips the
// vs key. Then the keys are tried in order, and the first that finds
// candidate invoices decides, named in MatchedBy:
//
//   - vs: the open invoices with the payment's variable symbol
//     ([NormalizeVarSym]); one is decided as [Decide] does, several are
//     [Ambiguous].
//   - ss: the customer whose code equals the specific symbol without
//     leading zeros, if it has open invoices; two such customers are
//     [Ambiguous].
//   - account: the customer the payer's account is registered to, if it
//     has open invoices; an account registered to several customers is
//     [AmbiguousAccount].
//
// A customer found by ss or account with one open invoice is decided as
// [Decide] does; with several, the oldest whose amount due equals the
// payment is [Matched], else the payment is [Ambiguous]. With sum in keys,
// a payment larger than the one invoice found by vs, or not equal to any
// single invoice of a customer found by ss or account, that equals the sum
// of the customer's oldest open invoices (at least two, in the payment's
// currency, and including the invoice vs found) is [MatchedSeveral] and
// pays them all exactly (remainder ne). When no key finds candidates the
// payment is [NoVarSym] (it has no variable symbol) or [UnknownVarSym].
// Labels are those of [Decide]; AmbiguousAccount gets Labels.Unidentified.
func (ix *MatchIndex) Decide(p KeyedPayment, keys MatchKeys, pol Policy) KeyDecision {
	if d, done := precheck(p.Payment, pol); done {
		if d.Reason != NoVarSym || len(keys.finders()) == 1 && keys.finders()[0] == KeyVS {
			return KeyDecision{Decision: d}
		}
		if !d.Amount.IsPositive() {
			d.Reason, d.Labels = InvalidAmount, labels(pol.Labels.Unidentified)
			return KeyDecision{Decision: d}
		}
	}
	for _, key := range keys.finders() {
		var d KeyDecision
		var found bool
		switch key {
		case KeyVS:
			d, found = ix.byVarSym(p, keys, pol)
		case KeySS:
			d, found = ix.bySpecSym(p, keys, pol)
		case KeyAccount:
			d, found = ix.byPayerAccount(p, keys, pol)
		}
		if found {
			d.MatchedBy = key
			if d.Decision.Pairs() && d.Invoices == nil {
				d.Invoices = []abraflexi.IssuedInvoice{*d.Invoice}
			}
			return d
		}
	}
	d := Decision{VarSym: strings.TrimSpace(p.Movement.VariableSymbol), Amount: Money(p.Movement.Total)}
	if NormalizeVarSym(p.Movement.VariableSymbol) == "" {
		d.Reason, d.Labels = NoVarSym, labels(pol.Labels.Unidentified)
	} else {
		d.Reason, d.Labels = UnknownVarSym, labels(pol.Labels.InvoiceMissing)
	}
	return KeyDecision{Decision: d}
}

func (ix *MatchIndex) hasOpen(idx []int) bool {
	return slices.ContainsFunc(idx, func(i int) bool { return ix.states[i].open })
}

func (ix *MatchIndex) countOpen(idx []int) int {
	n := 0
	for _, i := range idx {
		if ix.states[i].open {
			n++
		}
	}
	return n
}

func (ix *MatchIndex) openInvoices(idx []int) []int {
	var out []int
	for _, i := range idx {
		if ix.states[i].open {
			out = append(out, i)
		}
	}
	return out
}

func (ix *MatchIndex) invoices(idx []int) []abraflexi.IssuedInvoice {
	out := make([]abraflexi.IssuedInvoice, len(idx))
	for n, i := range idx {
		out[n] = ix.states[i].inv
	}
	return out
}

// byVarSym is the vs key.
func (ix *MatchIndex) byVarSym(p KeyedPayment, keys MatchKeys, pol Policy) (KeyDecision, bool) {
	vs := NormalizeVarSym(p.Movement.VariableSymbol)
	if vs == "" {
		return KeyDecision{}, false
	}
	cands := ix.openInvoices(ix.byVS[vs])
	if len(cands) == 0 {
		return KeyDecision{}, false
	}
	d := KeyDecision{Decision: decide(p.Payment, ix.invoices(cands), pol)}
	if len(cands) != 1 {
		return d, true
	}
	d.Customer = ix.states[cands[0]].customer
	if keys.Has(KeySum) && (d.Reason == MatchedOverpayment || d.Reason == Overpayment) {
		if several, ok := ix.sumOf(d.Customer, p, cands[0]); ok {
			return ix.several(p, d.Customer, several), true
		}
	}
	return d, true
}

// bySpecSym is the ss key.
func (ix *MatchIndex) bySpecSym(p KeyedPayment, keys MatchKeys, pol Policy) (KeyDecision, bool) {
	code := normalizeCode(p.Movement.SpecificSymbol)
	if code == "" {
		return KeyDecision{}, false
	}
	var custs []string
	for _, c := range ix.byCode[code] {
		if ix.hasOpen(ix.byCustomer[c]) {
			custs = append(custs, c)
		}
	}
	switch len(custs) {
	case 0:
		return KeyDecision{}, false
	case 1:
		return ix.forCustomer(p, custs[0], keys, pol), true
	}
	d := Decision{Reason: Ambiguous, VarSym: strings.TrimSpace(p.Movement.VariableSymbol), Amount: Money(p.Movement.Total), Labels: labels(pol.Labels.Unidentified)}
	return KeyDecision{Decision: d, Customers: custs}, true
}

// byPayerAccount is the account key.
func (ix *MatchIndex) byPayerAccount(p KeyedPayment, keys MatchKeys, pol Policy) (KeyDecision, bool) {
	key, ok := p.account()
	if !ok {
		return KeyDecision{}, false
	}
	custs := ix.byAccount[key]
	switch {
	case len(custs) == 0:
		return KeyDecision{}, false
	case len(custs) > 1:
		d := Decision{Reason: AmbiguousAccount, VarSym: strings.TrimSpace(p.Movement.VariableSymbol), Amount: Money(p.Movement.Total), Labels: labels(pol.Labels.Unidentified)}
		return KeyDecision{Decision: d, Customers: slices.Clone(custs)}, true
	case !ix.hasOpen(ix.byCustomer[custs[0]]):
		return KeyDecision{}, false
	}
	return ix.forCustomer(p, custs[0], keys, pol), true
}

// forCustomer decides a payment for a customer found by ss or account.
func (ix *MatchIndex) forCustomer(p KeyedPayment, cust string, keys MatchKeys, pol Policy) KeyDecision {
	open := ix.openInvoices(ix.byCustomer[cust])
	var same []int
	for _, i := range open {
		if currencyOf(ix.states[i].inv.Currency) == p.Currency() {
			same = append(same, i)
		}
	}
	switch {
	case len(open) == 1 || len(same) == 0:
		// One invoice, or none in the payment's currency: as Decide does
		// (a currency mismatch names the oldest invoice).
		d := KeyDecision{Decision: decide(p.Payment, ix.invoices(open[:1]), pol), Customer: cust}
		d.Candidates = len(open)
		return d
	case len(same) == 1:
		d := KeyDecision{Decision: decide(p.Payment, ix.invoices(same), pol), Customer: cust}
		d.Candidates = len(open)
		return d
	}
	amount := Money(p.Movement.Total)
	if keys.Has(KeySum) {
		if several, ok := ix.sumOf(cust, p, -1); ok {
			return ix.several(p, cust, several)
		}
	}
	for _, i := range same {
		if Due(ix.states[i].inv).Equal(amount) {
			d := KeyDecision{Decision: decide(p.Payment, ix.invoices([]int{i}), pol), Customer: cust}
			d.Candidates = len(open)
			return d
		}
	}
	d := Decision{Reason: Ambiguous, VarSym: strings.TrimSpace(p.Movement.VariableSymbol), Amount: amount,
		Candidates: len(open), Labels: labels(pol.Labels.Unidentified)}
	return KeyDecision{Decision: d, Customer: cust}
}

// sumOf returns the customer's oldest open invoices in the payment's
// currency whose amounts due add up to the payment exactly: at least two,
// and including invoice must (when not -1).
func (ix *MatchIndex) sumOf(cust string, p KeyedPayment, must int) ([]int, bool) {
	if cust == "" {
		return nil, false
	}
	amount := Money(p.Movement.Total)
	sum := decimal.Zero
	var picked []int
	included := must < 0
	for _, i := range ix.openInvoices(ix.byCustomer[cust]) {
		if currencyOf(ix.states[i].inv.Currency) != p.Currency() {
			continue
		}
		due := Due(ix.states[i].inv)
		if !due.IsPositive() {
			continue
		}
		sum = sum.Add(due)
		picked = append(picked, i)
		included = included || i == must
		switch sum.Cmp(amount) {
		case 0:
			return picked, len(picked) >= 2 && included
		case 1:
			return nil, false
		}
	}
	return nil, false
}

// several is the MatchedSeveral decision over the invoices idx.
func (ix *MatchIndex) several(p KeyedPayment, cust string, idx []int) KeyDecision {
	invs := ix.invoices(idx)
	total := decimal.Zero
	for _, inv := range invs {
		total = total.Add(Due(inv))
	}
	first := invs[0]
	d := Decision{Reason: MatchedSeveral, VarSym: strings.TrimSpace(p.Movement.VariableSymbol), Amount: Money(p.Movement.Total),
		Invoice: &first, Due: total, Candidates: ix.countOpen(ix.byCustomer[cust]), Remainder: abraflexi.RemainderNone}
	return KeyDecision{Decision: d, Customer: cust, Invoices: invs}
}

// DecideKeys decides one payment against a snapshot: NewMatchIndex then
// Decide. It is pure.
func DecideKeys(p KeyedPayment, invoices []abraflexi.IssuedInvoice, accounts []abraflexi.CustomerBankAccount, keys MatchKeys, pol Policy) KeyDecision {
	return NewMatchIndex(invoices, accounts).Decide(p, keys, pol)
}

// PlanKeys decides a batch of payments against one snapshot, in the order
// given (callers sort oldest first), like [Plan] but with MATCH_KEYS: the
// effect of every pairing is carried forward (a fully paid invoice is no
// longer a candidate, a partial payment lowers the amount due), and a
// payment listed twice (same evidence and id) is [AlreadyMatched] the
// second time. It is pure; time and memory are linear in the number of
// payments, invoices and accounts (each decision looks only at the
// invoices of the symbol or customer it names).
func PlanKeys(payments []KeyedPayment, invoices []abraflexi.IssuedInvoice, accounts []abraflexi.CustomerBankAccount, keys MatchKeys, pol Policy) []KeyDecision {
	ix := NewMatchIndex(invoices, accounts)
	// Map each invoice to its state, by identity of the state's copy.
	where := make(map[string]int, len(ix.states))
	for i, s := range ix.states {
		where[invoiceKey(s.inv)] = i
	}
	type key struct{ evidence, id string }
	seen := make(map[key]bool, len(payments))
	out := make([]KeyDecision, len(payments))
	for n, p := range payments {
		k := key{p.Evidence, p.Movement.ID.String()}
		if k.id != "" && seen[k] {
			out[n] = KeyDecision{Decision: Decision{Reason: AlreadyMatched, VarSym: strings.TrimSpace(p.Movement.VariableSymbol), Amount: Money(p.Movement.Total)}}
			continue
		}
		seen[k] = true
		d := ix.Decide(p, keys, pol)
		out[n] = d
		if !d.Pairs() {
			continue
		}
		for _, inv := range d.Invoices {
			i, ok := where[invoiceKey(inv)]
			if !ok {
				continue
			}
			s := &ix.states[i]
			if d.Reason == MatchedPartial {
				s.inv.Remaining = d.Due.Sub(d.Amount)
				s.inv.PaymentState = abraflexi.PaymentStatePartial
				continue
			}
			s.inv.Remaining = decimal.Zero
			s.inv.PaymentState = abraflexi.PaymentStatePaid
			s.open = false
		}
	}
	return out
}

// invoiceKey identifies an invoice within a snapshot: its id, else code.
func invoiceKey(inv abraflexi.IssuedInvoice) string {
	if !inv.ID.IsZero() {
		return "id:" + inv.ID.String()
	}
	return "kod:" + strings.ToUpper(inv.Code)
}

// SpecSymCodes returns the customer codes a specific symbol may name, for
// a server-side listing of those customers' open invoices: the spellings
// of [VarSymVariants] (without leading zeros and zero-padded up to ten
// digits), since AbraFlexi compares codes as strings. The decision
// compares normalised codes again, so the listing only has to be wide
// enough. It returns nil for a blank or all-zero symbol.
func SpecSymCodes(ss string) []string { return VarSymVariants(ss) }
