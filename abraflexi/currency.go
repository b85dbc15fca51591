package abraflexi

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/spoje-net/isptools/envconf"
)

// DefaultHomeCurrency is the home currency of a company unless configured
// otherwise (HOME_CURRENCY): the currency of sumCelkem and zbyvaUhradit,
// and of every document without a mena.
const DefaultHomeCurrency = "CZK"

// ParseCurrency reads a currency code such as "czk" or " EUR": three
// letters, returned upper-case. An empty s gives [DefaultHomeCurrency].
func ParseCurrency(s string) (string, error) {
	c := strings.ToUpper(strings.TrimSpace(s))
	if c == "" {
		return DefaultHomeCurrency, nil
	}
	if len(c) != 3 || strings.Trim(c, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		return "", fmt.Errorf("abraflexi: %q is not a currency code (three letters such as CZK or EUR)", s)
	}
	return c, nil
}

// EnvHomeCurrency names the company's currency in the apps' configuration.
const EnvHomeCurrency = "HOME_CURRENCY"

// HomeCurrencyFromLookup reads HOME_CURRENCY through lookup (nil means the
// process environment), as the isptools apps do: three letters, returned
// upper-case; unset or empty gives [DefaultHomeCurrency]. A bad value
// gives an [*envconf.Error] naming it and the default.
func HomeCurrencyFromLookup(lookup envconf.Lookup) (string, error) {
	env := envconf.New(lookup)
	v := env.String(EnvHomeCurrency, DefaultHomeCurrency)
	c, err := ParseCurrency(v)
	if err != nil {
		env.Errorf("%s=%q: not a currency code (three letters such as CZK or EUR)", EnvHomeCurrency, v)
		return DefaultHomeCurrency, env.Err()
	}
	return c, nil
}

// CurrencyCode returns the currency of a mena relation, upper-case; a
// document without mena is in home ("" means [DefaultHomeCurrency]).
func CurrencyCode(mena Ref, home string) string {
	if c := strings.ToUpper(strings.TrimSpace(mena.Code())); c != "" {
		return c
	}
	return homeOr(home)
}

func homeOr(home string) string {
	if h := strings.ToUpper(strings.TrimSpace(home)); h != "" {
		return h
	}
	return DefaultHomeCurrency
}

// Amount is a sum of money in one currency.
type Amount struct {
	// Value is the amount.
	Value decimal.Decimal
	// Currency is the upper-case currency code, e.g. CZK.
	Currency string
}

// String renders the amount with two decimals and its currency, e.g.
// "100.00 EUR".
func (a Amount) String() string { return a.Value.StringFixed(2) + " " + a.Currency }

// amountIn picks the home-currency figure of a document in the home
// currency and the document-currency (…Men) figure otherwise.
func amountIn(currency, home string, inHome, inCurrency decimal.Decimal) Amount {
	if currency == homeOr(home) {
		return Amount{Value: inHome, Currency: currency}
	}
	return Amount{Value: inCurrency, Currency: currency}
}

// CurrencyCode returns the invoice's currency code; without mena it is home.
func (inv IssuedInvoice) CurrencyCode(home string) string { return CurrencyCode(inv.Currency, home) }

// TotalAmount returns the invoice total in the invoice's currency:
// sumCelkem for a home-currency invoice, sumCelkemMen for any other.
func (inv IssuedInvoice) TotalAmount(home string) Amount {
	return amountIn(inv.CurrencyCode(home), home, inv.Total, inv.TotalInCurrency)
}

// RemainingAmount returns what is left to pay in the invoice's currency:
// zbyvaUhradit for a home-currency invoice, zbyvaUhraditMen for any other.
// The two figures of a foreign-currency invoice are at different rates
// (the home figure converts at the invoice's rate), so only this one may
// be compared with a payment in that currency.
func (inv IssuedInvoice) RemainingAmount(home string) Amount {
	return amountIn(inv.CurrencyCode(home), home, inv.Remaining, inv.RemainingInCurrency)
}

// CurrencyCode returns the movement's currency code; without mena it is
// home.
func (m Movement) CurrencyCode(home string) string { return CurrencyCode(m.Currency, home) }

// TotalAmount returns the amount moved in the movement's currency:
// sumCelkem in the home currency, sumCelkemMen in any other.
func (m Movement) TotalAmount(home string) Amount {
	return amountIn(m.CurrencyCode(home), home, m.Total, m.TotalInCurrency)
}

// Allocated returns how much of the movement its payment links
// ([Link.IsPayment], not cancelled) have used, in the movement's currency
// (castka for a home-currency movement, castkaMen for any other). It needs
// the links read (relations=vazby, in the default detail of bank and cash
// movements).
func (m Movement) Allocated(home string) Amount {
	cur := m.CurrencyCode(home)
	sum := decimal.Zero
	for _, l := range m.Links {
		if l.IsPayment() && !bool(l.Cancelled) {
			sum = sum.Add(amountIn(cur, home, l.Amount, l.AmountInCurrency).Value)
		}
	}
	return Amount{Value: sum, Currency: cur}
}

// Unallocated returns the part of the movement no payment link has used:
// [Movement.TotalAmount] minus [Movement.Allocated], in the movement's
// currency (negative when the links claim more than the movement holds).
// A remainder left on a payment by the remainder mode ignorovat shows
// here, while sparovano may still be false.
func (m Movement) Unallocated(home string) Amount {
	t := m.TotalAmount(home)
	return Amount{Value: t.Value.Sub(m.Allocated(home).Value), Currency: t.Currency}
}

// LinkPayment is the link type (typVazbyK) of a payment of a document.
const LinkPayment = "typVazbyDokl.uhrada"

// LinkFields is the detail field that reads a record's document links
// (relations=vazby) with every field of [Link]; the bank and cash
// movements read it by default.
const LinkFields = "vazby(id,typVazbyK,castka,castkaMen,mena,storno,a,b)"

// Link is a link between two documents (evidence vazba), read with
// relations=vazby. A pairing creates one payment link ([LinkPayment]) per
// paid invoice, listed on both documents.
type Link struct {
	// ID is the link's identifier (id).
	ID ID `json:"id,omitzero"`
	// Type is typVazbyK, e.g. [LinkPayment].
	Type string `json:"typVazbyK,omitempty"`
	// Amount is the linked amount in the home currency (castka).
	Amount decimal.Decimal `json:"castka"`
	// AmountInCurrency is the linked amount in the documents' currency
	// (castkaMen), for documents in a foreign currency.
	AmountInCurrency decimal.Decimal `json:"castkaMen"`
	// Currency is the link's currency (mena), when the server names it.
	Currency Ref `json:"mena,omitzero"`
	// Cancelled is storno: a cancelled link counts for nothing.
	Cancelled Bool `json:"storno,omitempty"`
	// A and B are the two linked documents; for a payment link one is the
	// paid document, the other the paying one.
	A Ref `json:"a,omitzero"`
	B Ref `json:"b,omitzero"`
}

// UnmarshalJSON decodes the classic API's rendering leniently.
func (l *Link) UnmarshalJSON(b []byte) error {
	type plain Link
	return decodeRecord(b, (*plain)(l), "mena", "a", "b")
}

// IsPayment reports whether the link records a payment (typVazbyK
// typVazbyDokl.uhrada).
func (l Link) IsPayment() bool { return l.Type == LinkPayment }

// PaidDocument returns the side of the link that is the paid issued
// invoice: the one whose @ref names faktura-vydana, else the one whose
// @ref does not name a bank or cash movement, else A (the paid document
// in the links this package writes and abraflexitest renders).
func (l Link) PaidDocument() Ref {
	names := func(r Ref, ev string) bool { return strings.Contains(r.URL, "/"+ev+"/") }
	for _, r := range []Ref{l.A, l.B} {
		if names(r, EvidenceIssuedInvoice) {
			return r
		}
	}
	isPayment := func(r Ref) bool { return names(r, EvidenceBank) || names(r, EvidenceCash) }
	switch {
	case isPayment(l.A) && !l.B.IsZero():
		return l.B
	case isPayment(l.B) && !l.A.IsZero():
		return l.A
	}
	return l.A
}

// Amounts sums money per currency. The zero value is not usable; make one
// with make(Amounts) or [Amounts.Add] on a non-nil map.
type Amounts map[string]decimal.Decimal

// Add adds a to the sum of its currency.
func (s Amounts) Add(a Amount) { s[a.Currency] = s[a.Currency].Add(a.Value) }

// Of returns the sum in currency (zero when there is none).
func (s Amounts) Of(currency string) decimal.Decimal { return s[strings.ToUpper(currency)] }

// Exceeds reports whether the sum in any one currency is strictly greater
// than limit. Sums in different currencies are never added up: a limit
// such as MIN_DEBT applies to each currency's sum by its own amount.
func (s Amounts) Exceeds(limit decimal.Decimal) bool {
	for _, v := range s {
		if v.GreaterThan(limit) {
			return true
		}
	}
	return false
}

// Currencies returns the currency codes with a sum, sorted.
func (s Amounts) Currencies() []string { return slices.Sorted(maps.Keys(s)) }

// String renders the sums sorted by currency, e.g. "1210.00 CZK, 40.00
// EUR"; "" when empty.
func (s Amounts) String() string {
	parts := make([]string, 0, len(s))
	for _, c := range s.Currencies() {
		parts = append(parts, Amount{Value: s[c], Currency: c}.String())
	}
	return strings.Join(parts, ", ")
}
