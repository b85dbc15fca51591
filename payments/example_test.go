package payments_test

import (
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/payments"
)

// Decide is pure: it needs the payment, the candidate invoices and the
// policy, and tells what to write.
func ExampleDecide() {
	payment := payments.Payment{
		Evidence: abraflexi.EvidenceBank,
		Movement: abraflexi.Movement{
			ID:             abraflexi.NumericID(42),
			Code:           "B+0042/2026",
			VariableSymbol: "0012345", // leading zeros are ignored
			Total:          decimal.RequireFromString("1.2100E3"),
			Direction:      abraflexi.DirectionIncoming,
		},
	}
	invoice := abraflexi.IssuedInvoice{
		ID:             abraflexi.NumericID(7),
		Code:           "VF1-0007/2026",
		VariableSymbol: "12345",
		Total:          decimal.RequireFromString("1500"),
		Remaining:      decimal.RequireFromString("1000"),
		PaymentState:   abraflexi.PaymentStatePartial,
		DocumentType:   abraflexi.Ref{Fields: map[string]string{"typDoklK": abraflexi.KindInvoice}},
	}

	d := payments.Decide(payment, []abraflexi.IssuedInvoice{invoice}, payments.DefaultPolicy())
	fmt.Println(d.Reason, d.Reason.ExitCode(), d.Remainder, d.Invoice.Code, d.Labels)

	manual := payments.DefaultPolicy()
	manual.OverpayMode = payments.OverpayManual
	d = payments.Decide(payment, []abraflexi.IssuedInvoice{invoice}, manual)
	fmt.Println(d.Reason, d.Reason.ExitCode(), d.Pairs())
	// Output:
	// matched_overpayment 0 ignorovat VF1-0007/2026 [PREPLATEK]
	// overpayment 2 false
}
