package abraflexi

import (
	"cmp"
	"slices"
)

// CompareInvoiceAge orders issued invoices oldest first: by due date
// (datSplat; an invoice without one comes after those with one), then by
// issue date (datVyst), then by code and id, so the order is total and the
// same everywhere it is used (the oldest open invoice of a notice, the
// invoices a payment of several pays, the oldest overdue invoice of the
// grace days). It returns -1, 0 or +1 for use with slices.SortFunc.
func CompareInvoiceAge(a, b IssuedInvoice) int {
	if c := compareDateZeroLast(a.DueOn, b.DueOn); c != 0 {
		return c
	}
	if c := compareDateZeroLast(a.IssuedOn, b.IssuedOn); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Code, b.Code); c != 0 {
		return c
	}
	an, _ := a.ID.Numeric()
	bn, _ := b.ID.Numeric()
	if c := cmp.Compare(an, bn); c != 0 {
		return c
	}
	return cmp.Compare(a.ID.String(), b.ID.String())
}

func compareDateZeroLast(a, b Date) int {
	switch {
	case a.IsZero() && b.IsZero():
		return 0
	case a.IsZero():
		return 1
	case b.IsZero():
		return -1
	}
	return a.Compare(b)
}

// SortInvoicesByAge sorts invoices oldest first ([CompareInvoiceAge]), in
// place and stably.
func SortInvoicesByAge(invoices []IssuedInvoice) {
	slices.SortStableFunc(invoices, CompareInvoiceAge)
}
