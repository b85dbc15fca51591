package notify_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/notify"
	"github.com/spoje-net/isptools/notify/notifytest"
)

// Decide, choose recipients and compose a paid-invoice confirmation, then
// send it through a capturing sender.
func Example() {
	inv := abraflexi.IssuedInvoice{
		ID:             abraflexi.NumericID(42),
		Code:           "FV-7/2024",
		VariableSymbol: "20240007",
		Total:          decimal.RequireFromString("1210"),
		PaymentState:   abraflexi.PaymentStatePaid,
		Currency:       abraflexi.RefTo(abraflexi.CodeID("CZK")),
		ContactEmail:   "jana@example.cz; JANA@example.cz, not-an-address",
	}
	labels := notify.ConfirmLabels{Partial: "POTVRZENO_CASTECNE", Full: "POTVRZENO"}

	dec := notify.DecideConfirmation(inv, labels)
	fmt.Println("send:", dec.Send, "label:", dec.Label)

	rcpt := notify.InvoiceRecipients(inv, nil)
	fmt.Println("to:", rcpt.To, "invalid:", rcpt.Invalid)

	tmpl := notify.MustLoadTemplates("cs", "")
	msg, err := notify.ComposeInvoicePaid(tmpl, "Fakturace <fakturace@example.cz>", rcpt.To, inv, "CZK", []byte("%PDF-1.4 ..."))
	if err != nil {
		panic(err)
	}
	fmt.Println("subject:", msg.Subject)
	fmt.Println("attachment:", msg.Attachments[0].Name, msg.Attachments[0].ContentType)
	fmt.Println("tax document line:", strings.Contains(msg.Text, "Daňový doklad v příloze."))

	var sender notify.Sender = &notifytest.Capture{}
	id, err := sender.Send(context.Background(), msg)
	fmt.Println("sent:", err == nil, strings.HasSuffix(id, "@example.cz>"))

	// A second trigger after the label was recorded sends nothing.
	inv.Labels = inv.Labels.Add(dec.Label)
	fmt.Println("again:", notify.DecideConfirmation(inv, labels).Reason)
	// Output:
	// send: true label: POTVRZENO
	// to: [jana@example.cz] invalid: [not-an-address]
	// subject: Potvrzení přijetí úhrady faktury FV-7/2024
	// attachment: FV-7-2024.pdf application/pdf
	// tax document line: true
	// sent: true true
	// again: already_confirmed
}

func ExampleFormatAmount() {
	d := decimal.RequireFromString("1234567.891")
	fmt.Println(notify.FormatAmount(d, "cs"), "CZK")
	fmt.Println(notify.FormatAmount(d, "en"), "CZK")
	// Output:
	// 1 234 567,89 CZK
	// 1,234,567.89 CZK
}

// The mail configuration as the notify apps read it; a service passes
// os.LookupEnv. DRY_RUN implies MUTE, as in the apps.
func ExampleConfigFromLookup() {
	vars := map[string]string{"EASE_FROM": "Fakturace <fakturace@example.cz>", "SMTP_HOST": "mail.example.cz", "DRY_RUN": "true"}
	cfg, err := notify.ConfigFromLookup(func(name string) (string, bool) { v, ok := vars[name]; return v, ok })
	fmt.Println(cfg.SMTP.Host, cfg.SMTP.EffectivePort(), cfg.Mute, err)
	vars["SMTP_PORT"] = "submission"
	_, err = notify.ConfigFromLookup(func(name string) (string, bool) { v, ok := vars[name]; return v, ok })
	fmt.Println(err)
	// Output:
	// mail.example.cz 587 true <nil>
	// invalid configuration: SMTP_PORT="submission": not a port number
}
