package payments_test

import (
	"context"
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

// The matcher's configuration, read as the Pipeline B apps read it (a
// service passes os.LookupEnv).
func ExampleConfigFromLookup() {
	vars := map[string]string{"MATCH_OVERPAY_MODE": "manual", "EVENT_EVIDENCE": "banka"}
	cfg, err := payments.ConfigFromLookup(func(name string) (string, bool) { v, ok := vars[name]; return v, ok })
	fmt.Println(cfg.Evidence, cfg.Policy.OverpayMode, cfg.Policy.Labels.Unidentified, cfg.Policy.HomeCurrency, err)
	vars["MATCH_OVERPAY_MODE"] = "refund"
	_, err = payments.ConfigFromLookup(func(name string) (string, bool) { v, ok := vars[name]; return v, ok })
	fmt.Println(err)
	// Output:
	// banka manual NEIDENTIFIKOVANO CZK <nil>
	// invalid configuration: MATCH_OVERPAY_MODE="refund": must be one of settle|manual
}

// Where the payment of a notice lives: the event's evidence wins over auto.
func ExampleEvidenceFromLookup() {
	vars := map[string]string{"EVENT_EVIDENCE": "pokladni-pohyb"}
	ev, err := payments.EvidenceFromLookup(func(name string) (string, bool) { v, ok := vars[name]; return v, ok })
	fmt.Println(ev, err)
	// Output: pokladna <nil>
}

// The per-document lock the apps take, for Config.Lock.
func ExampleDocumentLockFromLookup() {
	vars := map[string]string{"ABRAFLEXI_URL": "https://af.example", "ABRAFLEXI_COMPANY": "example-docs", "RUN_LOCK_TIMEOUT": "30"}
	lock, err := payments.DocumentLockFromLookup(func(name string) (string, bool) { v, ok := vars[name]; return v, ok })
	if err != nil {
		panic(err)
	}
	cfg := payments.Config{Lock: lock}
	release, err := cfg.Lock(context.Background(), "pair banka 42")
	fmt.Println(err)
	fmt.Println(release())
	// Output:
	// <nil>
	// <nil>
}
