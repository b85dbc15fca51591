package dunning

import (
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

// IsActiveContract reports whether contract c is in force on today
// (smlouvaOd on or before today, smlouvaDo empty or on or after today) and,
// when contractType is not empty, of that type (compared with
// [NormalizeContractType] on both sides). A contract without smlouvaOd is
// not active.
func IsActiveContract(c abraflexi.Contract, today abraflexi.Date, contractType string) bool {
	if c.ValidFrom.IsZero() || c.ValidFrom.After(today) {
		return false
	}
	if !c.ValidTo.IsZero() && c.ValidTo.Before(today) {
		return false
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

// Debt is what one customer owes on a day.
type Debt struct {
	// Amount is the sum of zbyvaUhradit of the customer's debts.
	Amount decimal.Decimal
	// Invoices are the codes of the invoices making up the debt, sorted.
	Invoices []string
}

// Count returns the number of unpaid overdue invoices.
func (d Debt) Count() int { return len(d.Invoices) }

// Debts sums the debts ([IsDebt]) of invoices per customer code. Invoices
// whose customer cannot be resolved (a numeric firma not among customers)
// are ignored; pass the customers the run decides about.
func Debts(invoices []abraflexi.IssuedInvoice, customers []abraflexi.Address, today abraflexi.Date) map[string]Debt {
	ix := newCustomerIndex(customers)
	out := map[string]Debt{}
	for _, inv := range invoices {
		if !IsDebt(inv, today) {
			continue
		}
		code := ix.code(inv.Customer)
		if code == "" {
			continue
		}
		d := out[code]
		d.Amount = d.Amount.Add(inv.Remaining)
		name := inv.Code
		if name == "" {
			name = inv.ID.String()
		}
		d.Invoices = append(d.Invoices, name)
		out[code] = d
	}
	for k, d := range out {
		sort.Strings(d.Invoices)
		out[k] = d
	}
	return out
}

// CustomersWithContract returns the codes of the customers having at least
// one active contract ([IsActiveContract]).
func CustomersWithContract(contracts []abraflexi.Contract, customers []abraflexi.Address, today abraflexi.Date, contractType string) map[string]bool {
	ix := newCustomerIndex(customers)
	out := map[string]bool{}
	for _, c := range contracts {
		if !IsActiveContract(c, today, contractType) {
			continue
		}
		if code := ix.code(c.Customer); code != "" {
			out[code] = true
		}
	}
	return out
}
