package dunning

import (
	"net/netip"
	"time"

	"github.com/shopspring/decimal"

	"github.com/spoje-net/isptools/abraflexi"
)

var today = abraflexi.NewDate(2026, time.March, 10)

func cust(code string, labels ...string) abraflexi.Address {
	return abraflexi.Address{Code: code, Name: "Customer " + code, Labels: abraflexi.Labels(labels...)}
}

func custID(id int64, code string, labels ...string) abraflexi.Address {
	c := cust(code, labels...)
	c.ID = abraflexi.NumericID(id)
	return c
}

func contract(customer, typ string, from, to string) abraflexi.Contract {
	c := abraflexi.Contract{Code: "SML-" + customer, Customer: abraflexi.RefTo(abraflexi.CodeID(customer))}
	if typ != "" {
		c.Type = abraflexi.RefTo(abraflexi.CodeID(typ))
	}
	if from != "" {
		c.ValidFrom = abraflexi.MustParseDate(from)
	}
	if to != "" {
		c.ValidTo = abraflexi.MustParseDate(to)
	}
	return c
}

func inet(customer string) abraflexi.Contract {
	return contract(customer, "INTERNET", "2020-01-01", "")
}

type invOpt func(*abraflexi.IssuedInvoice)

func invoice(code, customer, amount string, opts ...invOpt) abraflexi.IssuedInvoice {
	inv := abraflexi.IssuedInvoice{
		Code:         code,
		Customer:     abraflexi.RefTo(abraflexi.CodeID(customer)),
		Remaining:    decimal.RequireFromString(amount),
		Total:        decimal.RequireFromString(amount),
		DueOn:        today.AddDays(-14),
		DocumentType: abraflexi.Ref{Fields: map[string]string{"typDoklK": abraflexi.KindInvoice}},
	}
	for _, o := range opts {
		o(&inv)
	}
	return inv
}

func kind(k string) invOpt {
	return func(i *abraflexi.IssuedInvoice) {
		i.DocumentType = abraflexi.Ref{Fields: map[string]string{"typDoklK": k}}
	}
}
func state(s string) invOpt { return func(i *abraflexi.IssuedInvoice) { i.PaymentState = s } }
func due(d abraflexi.Date) invOpt {
	return func(i *abraflexi.IssuedInvoice) { i.DueOn = d }
}
func cancelled() invOpt { return func(i *abraflexi.IssuedInvoice) { i.Cancelled = true } }

func ips(s ...string) []netip.Addr {
	out := make([]netip.Addr, len(s))
	for i, x := range s {
		out[i] = netip.MustParseAddr(x)
	}
	return out
}
