package dunning

import (
	"fmt"
	"sort"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/spoje-net/isptools/abraflexi"
)

// customerIndex resolves the customer relation (firma) of contracts and
// invoices to customer codes. A relation names the customer by code, by
// showAs text or by numeric id; numeric ids are resolved through the
// customers the run knows.
type customerIndex map[int64]string

func newCustomerIndex(customers []abraflexi.Address) customerIndex {
	ix := customerIndex{}
	for _, c := range customers {
		if n, ok := c.ID.Numeric(); ok && c.Code != "" {
			ix[n] = customerCode(c)
		}
	}
	return ix
}

// code returns the customer code ref points to, "" when unknown.
func (ix customerIndex) code(ref abraflexi.Ref) string {
	if c := ref.Code(); c != "" {
		return c
	}
	if n, ok := ref.ID.Numeric(); ok {
		return ix[n]
	}
	return ""
}

// customerCode returns the upper-case code of c (AbraFlexi codes are
// upper-case; comparing them upper-cased tolerates hand-written data).
func customerCode(c abraflexi.Address) string { return strings.ToUpper(strings.TrimSpace(c.Code)) }

// IsActiveContract reports whether contract c is in force on today:
// smlouvaOd on or before today, smlouvaDo empty or on or after today, its
// notice/termination date datVypoz empty or not passed (on or after
// today), its state stavSml not one of inactiveStates (stav-smlouvy codes,
// compared with [NormalizeContractState]) and, when contractType is not
// empty, of that type (compared with [NormalizeContractType] on both
// sides). A contract without smlouvaOd is not active.
func IsActiveContract(c abraflexi.Contract, today abraflexi.Date, contractType string, inactiveStates ...string) bool {
	if c.ValidFrom.IsZero() || c.ValidFrom.After(today) {
		return false
	}
	if !c.ValidTo.IsZero() && c.ValidTo.Before(today) {
		return false
	}
	if !c.TerminatedOn.IsZero() && c.TerminatedOn.Before(today) {
		return false
	}
	if len(inactiveStates) > 0 && !c.State.IsZero() {
		st := NormalizeContractState(c.State.Code())
		if st == "" {
			st = NormalizeContractState(c.State.String())
		}
		for _, s := range inactiveStates {
			if NormalizeContractState(s) == st {
				return false
			}
		}
	}
	if want := NormalizeContractType(contractType); want != "" {
		got := NormalizeContractType(c.Type.Code())
		if got == "" {
			got = NormalizeContractType(c.Type.String())
		}
		return got == want
	}
	return true
}

// IsDebt reports whether inv is a debt on today: an issued invoice or
// advance invoice (typDokl.typDoklK), unpaid or partly paid, not cancelled,
// due before today, with a positive amount left to pay. The amount left is
// zbyvaUhradit in the home currency and zbyvaUhraditMen in the invoice's
// own; either being positive makes a debt, so the test needs no home
// currency ([Debts] then sums the figure in the invoice's currency).
func IsDebt(inv abraflexi.IssuedInvoice, today abraflexi.Date) bool {
	switch inv.Kind() {
	case abraflexi.KindInvoice, abraflexi.KindAdvanceInvoice:
	default:
		return false
	}
	return inv.IsOpen() && !inv.DueOn.IsZero() && inv.DueOn.Before(today) &&
		(inv.Remaining.IsPositive() || inv.RemainingInCurrency.IsPositive())
}

// OpenCredit returns the open amount of a credit note (typDokl.typDoklK =
// typDokladu.dobropis) that is unpaid or partly paid and not cancelled, in
// the credit note's currency ([abraflexi.IssuedInvoice.RemainingAmount]
// with home, the company's currency; "" means CZK), as a positive amount
// whatever sign AbraFlexi gives zbyvaUhradit, and whether inv is one. Its
// due date does not matter: an open credit note is owed to the customer
// now.
func OpenCredit(inv abraflexi.IssuedInvoice, home string) (abraflexi.Amount, bool) {
	left := inv.RemainingAmount(home)
	if inv.Kind() != abraflexi.KindCreditNote || !inv.IsOpen() || left.Value.IsZero() {
		return abraflexi.Amount{}, false
	}
	left.Value = left.Value.Abs()
	return left, true
}

// Debt is what one customer owes on a day. Amounts in different
// currencies are never added up: a debt in several currencies has one
// part per currency ([Debt.Parts]), and the minimum debt (MIN_DEBT)
// applies to each currency's amount by itself ([Debt.ByCurrency]).
type Debt struct {
	// Amount is what the customer owes in Currency: the sum of the amounts
	// left to pay of their debts in that currency (zbyvaUhradit, or
	// zbyvaUhraditMen in a foreign currency) less their open credit notes
	// in it, never below zero.
	Amount decimal.Decimal
	// Invoiced is the sum of the amounts left to pay of the debts in
	// Currency alone.
	Invoiced decimal.Decimal
	// Credit is the sum of the open amounts of the customer's credit
	// notes in Currency ([OpenCredit]).
	Credit decimal.Decimal
	// Invoices are the codes of the invoices making up the debt, in every
	// currency, sorted.
	Invoices []string
	// CreditNotes are the codes of the open credit notes, in every
	// currency, sorted.
	CreditNotes []string
	// Currency is the currency code of Amount, Invoiced and Credit: that of
	// the documents, or, when they are in several currencies, the home
	// currency if any document is in it, else the first code in
	// alphabetical order. "" (a Debt not made by [Debts]) means CZK.
	Currency string
	// Parts is the debt of each currency, the Currency one first and the
	// others by code, when the documents are in more than one currency;
	// nil when they are in one.
	Parts []Debt
}

// Count returns the number of unpaid overdue invoices.
func (d Debt) Count() int { return len(d.Invoices) }

// currency returns Currency, "" read as the default home currency.
func (d Debt) currency() string {
	if d.Currency == "" {
		return abraflexi.DefaultHomeCurrency
	}
	return d.Currency
}

// ByCurrency returns what the customer owes in each currency (Amount of
// every part), leaving out the currencies in which they owe nothing.
func (d Debt) ByCurrency() abraflexi.Amounts {
	out := abraflexi.Amounts{}
	parts := d.Parts
	if len(parts) == 0 {
		parts = []Debt{d}
	}
	for _, p := range parts {
		if p.Amount.IsPositive() {
			out.Add(abraflexi.Amount{Value: p.Amount, Currency: p.currency()})
		}
	}
	return out
}

// String explains the debt for reports: "owes 600 CZK on 2 invoices less a
// 600 CZK credit note", "owes 499 CZK on 1 invoice", "owes nothing"; a
// debt in several currencies explains each part, "owes 500 CZK on 1
// invoice; owes 20 EUR on 1 invoice".
func (d Debt) String() string {
	if len(d.Parts) > 1 {
		parts := make([]string, len(d.Parts))
		for i, p := range d.Parts {
			parts[i] = p.String()
		}
		return strings.Join(parts, "; ")
	}
	cur := d.currency()
	if len(d.Invoices) == 0 && len(d.CreditNotes) == 0 {
		return "owes nothing"
	}
	var b strings.Builder
	if len(d.Invoices) == 0 {
		b.WriteString("owes nothing")
	} else {
		fmt.Fprintf(&b, "owes %s %s on %d invoice", d.Invoiced, cur, len(d.Invoices))
		if len(d.Invoices) > 1 {
			b.WriteByte('s')
		}
	}
	switch n := len(d.CreditNotes); {
	case n == 1:
		fmt.Fprintf(&b, " less a %s %s credit note", d.Credit, cur)
	case n > 1:
		fmt.Fprintf(&b, " less %s %s on %d credit notes", d.Credit, cur, n)
	}
	return b.String()
}

// Debts sums the debts ([IsDebt]) of invoices per customer code and
// currency, less the customer's open credit notes ([OpenCredit]) in the
// same currency; home is the company's currency (HOME_CURRENCY, "" means
// CZK), whose documents count by zbyvaUhradit, the others by
// zbyvaUhraditMen. An invoice with nothing left to pay in its own
// currency adds nothing. Invoices whose customer cannot be resolved (a
// numeric firma not among customers) are ignored; pass the customers the
// run decides about.
func Debts(invoices []abraflexi.IssuedInvoice, customers []abraflexi.Address, today abraflexi.Date, home string) map[string]Debt {
	home = abraflexi.CurrencyCode(abraflexi.Ref{}, home)
	ix := newCustomerIndex(customers)
	parts := map[string]map[string]*Debt{} // customer code -> currency -> part
	for _, inv := range invoices {
		credit, isCredit := OpenCredit(inv, home)
		left := inv.RemainingAmount(home)
		if !isCredit && (!IsDebt(inv, today) || !left.Value.IsPositive()) {
			continue
		}
		code := ix.code(inv.Customer)
		if code == "" {
			continue
		}
		if parts[code] == nil {
			parts[code] = map[string]*Debt{}
		}
		d := parts[code][left.Currency]
		if d == nil {
			d = &Debt{Currency: left.Currency}
			parts[code][left.Currency] = d
		}
		name := inv.Code
		if name == "" {
			name = inv.ID.String()
		}
		if isCredit {
			d.Credit = d.Credit.Add(credit.Value)
			d.CreditNotes = append(d.CreditNotes, name)
		} else {
			d.Invoiced = d.Invoiced.Add(left.Value)
			d.Invoices = append(d.Invoices, name)
		}
	}
	out := make(map[string]Debt, len(parts))
	for code, byCur := range parts {
		curs := make([]string, 0, len(byCur))
		for c, p := range byCur {
			sort.Strings(p.Invoices)
			sort.Strings(p.CreditNotes)
			p.Amount = decimal.Max(p.Invoiced.Sub(p.Credit), decimal.Zero)
			curs = append(curs, c)
		}
		sort.Slice(curs, func(i, j int) bool {
			if (curs[i] == home) != (curs[j] == home) {
				return curs[i] == home
			}
			return curs[i] < curs[j]
		})
		d := *byCur[curs[0]]
		if len(curs) > 1 {
			d.Invoices, d.CreditNotes = nil, nil
			for _, c := range curs {
				p := byCur[c]
				d.Parts = append(d.Parts, *p)
				d.Invoices = append(d.Invoices, p.Invoices...)
				d.CreditNotes = append(d.CreditNotes, p.CreditNotes...)
			}
			sort.Strings(d.Invoices)
			sort.Strings(d.CreditNotes)
		}
		out[code] = d
	}
	return out
}

// CustomersWithContract returns the codes of the customers having at least
// one active contract ([IsActiveContract] with contractType and
// inactiveStates).
func CustomersWithContract(contracts []abraflexi.Contract, customers []abraflexi.Address, today abraflexi.Date, contractType string, inactiveStates ...string) map[string]bool {
	ix := newCustomerIndex(customers)
	out := map[string]bool{}
	for _, c := range contracts {
		if !IsActiveContract(c, today, contractType, inactiveStates...) {
			continue
		}
		if code := ix.code(c.Customer); code != "" {
			out[code] = true
		}
	}
	return out
}
