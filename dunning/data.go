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
// due before today, with a positive amount left to pay.
func IsDebt(inv abraflexi.IssuedInvoice, today abraflexi.Date) bool {
	switch inv.Kind() {
	case abraflexi.KindInvoice, abraflexi.KindAdvanceInvoice:
	default:
		return false
	}
	return inv.IsOpen() && !inv.DueOn.IsZero() && inv.DueOn.Before(today) && inv.Remaining.IsPositive()
}

// OpenCredit returns the open amount of a credit note (typDokl.typDoklK =
// typDokladu.dobropis) that is unpaid or partly paid and not cancelled, as
// a positive amount whatever sign AbraFlexi gives zbyvaUhradit, and
// whether inv is one. Its due date does not matter: an open credit note
// is owed to the customer now.
func OpenCredit(inv abraflexi.IssuedInvoice) (decimal.Decimal, bool) {
	if inv.Kind() != abraflexi.KindCreditNote || !inv.IsOpen() || inv.Remaining.IsZero() {
		return decimal.Zero, false
	}
	return inv.Remaining.Abs(), true
}

// Debt is what one customer owes on a day.
type Debt struct {
	// Amount is what the customer owes: the sum of zbyvaUhradit of their
	// debts less their open credit notes, never below zero.
	Amount decimal.Decimal
	// Invoiced is the sum of zbyvaUhradit of the debts alone.
	Invoiced decimal.Decimal
	// Credit is the sum of the open amounts of the customer's credit
	// notes ([OpenCredit]).
	Credit decimal.Decimal
	// Invoices are the codes of the invoices making up the debt, sorted.
	Invoices []string
	// CreditNotes are the codes of the open credit notes, sorted.
	CreditNotes []string
	// Currency is the currency code of the documents (mena), "" when
	// AbraFlexi did not say (the home currency).
	Currency string
}

// Count returns the number of unpaid overdue invoices.
func (d Debt) Count() int { return len(d.Invoices) }

// String explains the debt for reports: "owes 600 CZK on 2 invoices less a
// 600 CZK credit note", "owes 499 CZK on 1 invoice", "owes nothing".
func (d Debt) String() string {
	cur := d.Currency
	if cur == "" {
		cur = "CZK" // AbraFlexi's home currency of a Czech company
	}
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

// Debts sums the debts ([IsDebt]) of invoices per customer code, less the
// customer's open credit notes ([OpenCredit]). Invoices whose customer
// cannot be resolved (a numeric firma not among customers) are ignored;
// pass the customers the run decides about.
func Debts(invoices []abraflexi.IssuedInvoice, customers []abraflexi.Address, today abraflexi.Date) map[string]Debt {
	ix := newCustomerIndex(customers)
	out := map[string]Debt{}
	for _, inv := range invoices {
		credit, isCredit := OpenCredit(inv)
		if !isCredit && !IsDebt(inv, today) {
			continue
		}
		code := ix.code(inv.Customer)
		if code == "" {
			continue
		}
		d := out[code]
		name := inv.Code
		if name == "" {
			name = inv.ID.String()
		}
		if isCredit {
			d.Credit = d.Credit.Add(credit)
			d.CreditNotes = append(d.CreditNotes, name)
		} else {
			d.Invoiced = d.Invoiced.Add(inv.Remaining)
			d.Invoices = append(d.Invoices, name)
		}
		if d.Currency == "" {
			d.Currency = inv.Currency.Code()
		}
		out[code] = d
	}
	for k, d := range out {
		sort.Strings(d.Invoices)
		sort.Strings(d.CreditNotes)
		d.Amount = decimal.Max(d.Invoiced.Sub(d.Credit), decimal.Zero)
		out[k] = d
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
