package dunning

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/spoje-net/isptools/abraflexi"
)

// ParseMinOverdueDays parses MIN_OVERDUE_DAYS: a whole number of calendar
// days, 0 or more; empty means 0 (any overdue debt counts, the PHP
// behaviour). The error names the value.
func ParseMinOverdueDays(s string) (int, error) {
	v := strings.TrimSpace(s)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("dunning: minimum overdue days %q: want a whole number of days, 0 or more", s)
	}
	return n, nil
}

// DaysOverdue returns how many calendar days inv is past its due date
// (datSplat) on today: 0 when it is not yet due or has no due date.
func DaysOverdue(inv abraflexi.IssuedInvoice, today abraflexi.Date) int {
	if inv.DueOn.IsZero() || !inv.DueOn.Before(today) {
		return 0
	}
	return int(today.Time(nil).Sub(inv.DueOn.Time(nil)).Hours()+12) / 24
}

// OldestDebt returns the customer's oldest debt on today: of the invoices
// that are debts ([IsDebt]), the one furthest past its due date (ties by
// [abraflexi.CompareInvoiceAge]). ok is false when none is a debt.
func OldestDebt(invoices []abraflexi.IssuedInvoice, today abraflexi.Date) (oldest abraflexi.IssuedInvoice, days int, ok bool) {
	for _, inv := range invoices {
		if !IsDebt(inv, today) {
			continue
		}
		if !ok || abraflexi.CompareInvoiceAge(inv, oldest) < 0 {
			oldest, ok = inv, true
		}
	}
	if !ok {
		return abraflexi.IssuedInvoice{}, 0, false
	}
	return oldest, DaysOverdue(oldest, today), true
}

// MeetsMinOverdue is the grace-days decision (MIN_OVERDUE_DAYS): whether a
// customer's debt includes an invoice at least minDays calendar days past
// its due date on today. invoices are the customer's invoices; only debts
// ([IsDebt]) count. minDays 0 keeps today's behaviour: any debt counts.
// why is "oldest unpaid invoice 17 days overdue" when it does, and says
// what is missing when it does not. It is pure.
func MeetsMinOverdue(invoices []abraflexi.IssuedInvoice, today abraflexi.Date, minDays int) (ok bool, why string) {
	_, days, found := OldestDebt(invoices, today)
	if !found {
		return false, "no unpaid invoice is overdue"
	}
	why = fmt.Sprintf("oldest unpaid invoice %s overdue", dayCount(days))
	if days < minDays {
		return false, fmt.Sprintf("%s, fewer than MIN_OVERDUE_DAYS=%d", why, minDays)
	}
	return true, why
}

func dayCount(n int) string {
	if n == 1 {
		return "1 day"
	}
	return strconv.Itoa(n) + " days"
}

// InvoicesByCustomer groups invoices by the code of their customer (firma,
// resolved as [Debts] does: by code, or by numeric id through customers),
// keeping their order. Invoices whose customer cannot be resolved are
// left out. It is what [MeetsMinOverdue] and the disconnection notices
// take per customer.
func InvoicesByCustomer(invoices []abraflexi.IssuedInvoice, customers []abraflexi.Address) map[string][]abraflexi.IssuedInvoice {
	ix := newCustomerIndex(customers)
	out := map[string][]abraflexi.IssuedInvoice{}
	for _, inv := range invoices {
		if code := ix.code(inv.Customer); code != "" {
			out[code] = append(out[code], inv)
		}
	}
	return out
}
