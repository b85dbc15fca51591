package notify

import (
	"net/mail"
	"strings"

	"github.com/shopspring/decimal"
	"github.com/spoje-net/isptools/abraflexi"
)

// senderName returns the display name of from, else its address.
func senderName(from string) string {
	a, err := mail.ParseAddress(from)
	if err != nil {
		return from
	}
	if a.Name != "" {
		return a.Name
	}
	return a.Address
}

// documentCode returns a record's code without "code:", falling back to
// its id.
func documentCode(code string, id abraflexi.ID) string {
	if code = strings.TrimPrefix(strings.TrimSpace(code), "code:"); code != "" {
		return code
	}
	if c, ok := id.Code(); ok {
		return c
	}
	return id.String()
}

// NewInvoicePaidData builds the template data of a paid-invoice
// confirmation, in the invoice's currency: sumCelkem and zbyvaUhradit for
// an invoice in home ("" means CZK), sumCelkemMen and zbyvaUhraditMen for
// one in another currency (so a 100 EUR invoice says 100,00 EUR, not its
// crown figure). Paid is the total minus the remaining amount (never below
// zero); a partial payment is one with stavUhr.castUhr.
func NewInvoicePaidData(inv abraflexi.IssuedInvoice, home, lang, from string) InvoicePaidData {
	total := inv.TotalAmount(home)
	remaining := inv.RemainingAmount(home).Value
	if inv.PaymentState != abraflexi.PaymentStatePartial {
		remaining = decimal.Zero
	}
	paid := total.Value.Sub(remaining)
	if paid.IsNegative() {
		paid = decimal.Zero
	}
	return InvoicePaidData{
		Invoice:        documentCode(inv.Code, inv.ID),
		VariableSymbol: inv.VariableSymbol,
		Total:          FormatAmount(total.Value, lang),
		Paid:           FormatAmount(paid, lang),
		Remaining:      FormatAmount(remaining, lang),
		Currency:       total.Currency,
		Partial:        inv.PaymentState == abraflexi.PaymentStatePartial,
		IssuedOn:       inv.IssuedOn.String(),
		DueOn:          inv.DueOn.String(),
		Sender:         senderName(from),
	}
}

// NewPaymentReceivedData builds the template data of a payment-received
// notice, with the amount in the movement's currency (sumCelkemMen when
// it is not home, "" meaning CZK). The date is the movement's datVyst as
// YYYY-MM-DD.
func NewPaymentReceivedData(m abraflexi.Movement, home, lang, from string) PaymentReceivedData {
	amount := m.TotalAmount(home)
	return PaymentReceivedData{
		Payment:        documentCode(m.Code, m.ID),
		Amount:         FormatAmount(amount.Value, lang),
		Currency:       amount.Currency,
		VariableSymbol: m.VariableSymbol,
		Date:           m.IssuedOn.String(),
		Sender:         senderName(from),
	}
}

// AttachmentName returns a safe file name for a document's PDF: the code
// with characters other than letters, digits, '-', '_' and '.' replaced
// by '-', plus ".pdf" ("FV-1/2024" → "FV-1-2024.pdf").
func AttachmentName(code string) string {
	var b strings.Builder
	for _, r := range code {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	name := strings.Trim(b.String(), "-.")
	if name == "" {
		name = "document"
	}
	return name + ".pdf"
}

// ComposeInvoicePaid composes the confirmation of a received payment of
// inv to to, with the invoice PDF attached as application/pdf; home is the
// home currency ("" means CZK, see [NewInvoicePaidData]). It is pure.
func ComposeInvoicePaid(t *Templates, from string, to []string, inv abraflexi.IssuedInvoice, home string, pdf []byte) (*Message, error) {
	data := NewInvoicePaidData(inv, home, t.Lang(), from)
	subject, body, err := t.RenderInvoicePaid(data)
	if err != nil {
		return nil, err
	}
	return &Message{
		From:        from,
		To:          append([]string(nil), to...),
		Subject:     subject,
		Text:        body,
		Attachments: []Attachment{{Name: AttachmentName(data.Invoice), ContentType: ContentTypePDF, Data: pdf}},
	}, nil
}

// ComposePaymentReceived composes the notice that payment m was received
// and awaits manual matching; home is the home currency ("" means CZK).
// It is pure.
func ComposePaymentReceived(t *Templates, from string, to []string, m abraflexi.Movement, home string) (*Message, error) {
	subject, body, err := t.RenderPaymentReceived(NewPaymentReceivedData(m, home, t.Lang(), from))
	if err != nil {
		return nil, err
	}
	return &Message{From: from, To: append([]string(nil), to...), Subject: subject, Text: body}, nil
}
