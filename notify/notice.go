package notify

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"text/template"

	"github.com/shopspring/decimal"

	"github.com/spoje-net/isptools/abraflexi"
)

// Template names of the connection notices of Pipeline A, in the same
// "<name>.<lang>.tmpl" files (subject and body) as the confirmations.
const (
	// TemplateDisconnected tells a customer that the connection was limited
	// and how to pay; its data is [DisconnectedData].
	TemplateDisconnected = "disconnected"
	// TemplateReconnected tells a customer that the connection is restored;
	// its data is [ReconnectedData].
	TemplateReconnected = "reconnected"
)

// QRContentID and QRFileName name the inline QR code of the
// disconnection notice.
const (
	QRContentID = "qr-platba@isptools"
	QRFileName  = "qr-platba.png"
)

// NoticeInvoice is one unpaid invoice listed in a disconnection notice.
// Amounts are formatted with [FormatAmount] for the template language.
type NoticeInvoice struct {
	// Invoice is the invoice code (kod) without "code:".
	Invoice string
	// VariableSymbol is the invoice's variable symbol.
	VariableSymbol string
	// DueOn is the due date as YYYY-MM-DD (empty when unknown).
	DueOn string
	// DaysOverdue is the number of calendar days past DueOn (0 when not
	// overdue or unknown).
	DaysOverdue int
	// Overdue is DaysOverdue in words ("17 dní po splatnosti",
	// "17 days overdue"), empty when DaysOverdue is 0.
	Overdue string
	// Remaining is the amount still to pay.
	Remaining string
	// Currency is the invoice's currency code.
	Currency string
}

// NoticeTotal is the amount owed in one currency.
type NoticeTotal struct {
	// Amount is formatted with [FormatAmount].
	Amount string
	// Currency is the currency code.
	Currency string
}

// DisconnectedData is the data of [TemplateDisconnected].
type DisconnectedData struct {
	// Customer is the customer's code (kod); CustomerName its name.
	Customer, CustomerName string
	// Invoices are the unpaid invoices, oldest first.
	Invoices []NoticeInvoice
	// Totals is the amount owed per currency, the currency of the oldest
	// invoice first.
	Totals []NoticeTotal
	// Account is the payee's IBAN in its printed form (groups of four);
	// IBAN the electronic form; BIC the bank's code when known.
	Account, IBAN, BIC string
	// VariableSymbol is the variable symbol of the oldest unpaid invoice,
	// the one to pay with.
	VariableSymbol string
	// Amount and Currency are what the QR payment asks for: every unpaid
	// invoice in the currency of the oldest one.
	Amount, Currency string
	// QR is the QR Platba descriptor (SPD*1.0*...), the text of the QR
	// code shown as an image in the HTML part.
	QR string
	// Sender is the display name of the sender (or its address).
	Sender string
}

// ReconnectedData is the data of [TemplateReconnected].
type ReconnectedData struct {
	// Customer is the customer's code (kod); CustomerName its name.
	Customer, CustomerName string
	// Sender is the display name of the sender (or its address).
	Sender string
}

var noticeSamples = map[string]any{
	TemplateDisconnected: DisconnectedData{Customer: "1", CustomerName: "x",
		Invoices: []NoticeInvoice{{Invoice: "FV-1/2024", VariableSymbol: "1", DueOn: "2024-01-15", DaysOverdue: 1, Overdue: "1 day", Remaining: "1,00", Currency: "CZK"}},
		Totals:   []NoticeTotal{{Amount: "1,00", Currency: "CZK"}}, Account: "CZ65 0800 0000 1920 0014 5399", IBAN: "CZ6508000000192000145399",
		BIC: "GIBACZPX", VariableSymbol: "1", Amount: "1,00", Currency: "CZK", QR: "SPD*1.0*ACC:CZ6508000000192000145399*AM:1.00*CC:CZK", Sender: "x"},
	TemplateReconnected: ReconnectedData{Customer: "1", CustomerName: "x", Sender: "x"},
}

// LoadNoticeTemplates is [LoadTemplates] plus the connection notices
// ([TemplateDisconnected], [TemplateReconnected]), overridable the same
// way: a file of the same name in dir (e.g. dir/disconnected.cs.tmpl)
// replaces the embedded one. Every template is executed once with sample
// data, so a broken override fails here.
func LoadNoticeTemplates(lang, dir string) (*Templates, error) {
	t, err := LoadTemplates(lang, dir)
	if err != nil {
		return nil, err
	}
	for _, name := range []string{TemplateDisconnected, TemplateReconnected} {
		if err := t.addSet(name, dir, noticeSamples[name]); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// addSet parses template name for t's language (the override in dir, else
// the embedded file), checks it defines subject and body and renders the
// sample.
func (t *Templates) addSet(name, dir string, sample any) error {
	file := name + "." + t.lang + ".tmpl"
	src, origin, err := readTemplate(file, dir)
	if err != nil {
		return err
	}
	set, err := template.New(file).Option("missingkey=error").Parse(string(src))
	if err != nil {
		return fmt.Errorf("notify: template %s: %w", origin, err)
	}
	for _, part := range []string{"subject", "body"} {
		if set.Lookup(part) == nil {
			return fmt.Errorf("notify: template %s does not define %q", origin, part)
		}
	}
	t.sets[name] = set
	if _, _, err := t.render(name, sample); err != nil {
		delete(t.sets, name)
		return fmt.Errorf("notify: template %s: %w", origin, err)
	}
	return nil
}

// RenderDisconnected renders [TemplateDisconnected]; t must come from
// [LoadNoticeTemplates].
func (t *Templates) RenderDisconnected(d DisconnectedData) (subject, body string, err error) {
	return t.render(TemplateDisconnected, d)
}

// RenderReconnected renders [TemplateReconnected]; t must come from
// [LoadNoticeTemplates].
func (t *Templates) RenderReconnected(d ReconnectedData) (subject, body string, err error) {
	return t.render(TemplateReconnected, d)
}

// DisconnectedNotice is what a disconnection notice is composed from.
type DisconnectedNotice struct {
	// Customer is the customer (its code and name are used).
	Customer abraflexi.Address
	// Debts are the customer's unpaid invoices; those not open (paid,
	// cancelled) or with nothing left to pay are left out. The order does
	// not matter: they are listed oldest first
	// ([abraflexi.CompareInvoiceAge]).
	Debts []abraflexi.IssuedInvoice
	// Today counts the days overdue; zero leaves them out.
	Today abraflexi.Date
	// IBAN is the payee's account (BANK_IBAN); BIC optionally its bank.
	IBAN abraflexi.IBAN
	BIC  string
	// HomeCurrency is the company's home currency (HOME_CURRENCY; empty
	// means CZK): invoices in another currency are listed and summed by
	// their amounts in that currency.
	HomeCurrency string
}

// ErrNothingOwed is returned by [ComposeDisconnected] and
// [NewDisconnectedData] when no debt is left to pay.
var ErrNothingOwed = errors.New("notify: no unpaid invoice to ask for")

// NewDisconnectedData builds the template data and the QR payment of a
// disconnection notice. The payment asks for every unpaid invoice in the
// currency of the oldest one, with that oldest invoice's variable
// symbol, so a matcher with MATCH_KEYS including sum pairs all of them;
// its message is the customer's code and name. It is pure.
func NewDisconnectedData(n DisconnectedNotice, lang, from string) (DisconnectedData, QRPayment, error) {
	debts := make([]abraflexi.IssuedInvoice, 0, len(n.Debts))
	for _, inv := range n.Debts {
		if inv.IsOpen() && inv.RemainingAmount(n.HomeCurrency).Value.IsPositive() {
			debts = append(debts, inv)
		}
	}
	code := strings.TrimSpace(n.Customer.Code)
	if len(debts) == 0 {
		return DisconnectedData{}, QRPayment{}, fmt.Errorf("%w (customer %s)", ErrNothingOwed, code)
	}
	abraflexi.SortInvoicesByAge(debts)
	oldest := debts[0]
	cur := oldest.CurrencyCode(n.HomeCurrency)
	d := DisconnectedData{
		Customer: code, CustomerName: n.Customer.Name,
		Account: n.IBAN.Printed(), IBAN: n.IBAN.String(), BIC: strings.ToUpper(strings.TrimSpace(n.BIC)),
		VariableSymbol: strings.TrimSpace(oldest.VariableSymbol), Currency: cur, Sender: senderName(from),
	}
	totals := map[string]decimal.Decimal{}
	var order []string
	for _, inv := range debts {
		c := inv.CurrencyCode(n.HomeCurrency)
		left := inv.RemainingAmount(n.HomeCurrency).Value
		if _, ok := totals[c]; !ok {
			order = append(order, c)
		}
		totals[c] = totals[c].Add(left)
		ni := NoticeInvoice{
			Invoice: documentCode(inv.Code, inv.ID), VariableSymbol: inv.VariableSymbol,
			DueOn: inv.DueOn.String(), Remaining: FormatAmount(left, lang), Currency: c,
		}
		if !n.Today.IsZero() && !inv.DueOn.IsZero() && inv.DueOn.Before(n.Today) {
			ni.DaysOverdue = daysBetween(inv.DueOn, n.Today)
			ni.Overdue = overdueWords(ni.DaysOverdue, lang)
		}
		d.Invoices = append(d.Invoices, ni)
	}
	for _, c := range order {
		d.Totals = append(d.Totals, NoticeTotal{Amount: FormatAmount(totals[c], lang), Currency: c})
	}
	amount := totals[cur]
	d.Amount = FormatAmount(amount, lang)
	p := QRPayment{
		IBAN: n.IBAN, BIC: d.BIC, Amount: amount, Currency: cur,
		VariableSymbol: d.VariableSymbol, Message: qrMessage(code, n.Customer.Name),
	}
	spd, err := p.SPD()
	if err != nil {
		return DisconnectedData{}, QRPayment{}, fmt.Errorf("notify: disconnection notice for customer %s (oldest invoice %s): %w", code, documentCode(oldest.Code, oldest.ID), err)
	}
	d.QR = spd
	return d, p, nil
}

// qrMessage is the QR payment's message: the customer's code and name,
// cut to the format's 60 characters; the code alone when the name cannot
// be written.
func qrMessage(code, name string) string {
	msg, err := SPDText(strings.TrimSpace(code + " " + name))
	if err != nil {
		msg, _ = SPDText(code)
	}
	if len(msg) > SPDMaxMessageLen {
		msg = strings.TrimSpace(msg[:SPDMaxMessageLen])
	}
	return msg
}

func daysBetween(from, to abraflexi.Date) int {
	return int(to.Time(nil).Sub(from.Time(nil)).Hours()+12) / 24
}

// overdueWords renders n days overdue in lang, with the Czech plural
// forms (1 den, 2–4 dny, 5+ dní).
func overdueWords(n int, lang string) string {
	if lang == "en" {
		if n == 1 {
			return "1 day overdue"
		}
		return fmt.Sprintf("%d days overdue", n)
	}
	switch {
	case n == 1:
		return "1 den po splatnosti"
	case n >= 2 && n <= 4:
		return fmt.Sprintf("%d dny po splatnosti", n)
	}
	return fmt.Sprintf("%d dní po splatnosti", n)
}

// ComposeDisconnected composes the notice that the customer's connection
// was limited: the unpaid invoices, the total, the account, variable
// symbol and amount to pay, and the QR Platba code, both as the
// descriptor's text line in the text/plain body and as a PNG image shown
// inline in the HTML alternative (Content-ID [QRContentID]). t must come
// from [LoadNoticeTemplates]. It is pure.
func ComposeDisconnected(t *Templates, from string, to []string, n DisconnectedNotice) (*Message, error) {
	d, p, err := NewDisconnectedData(n, t.Lang(), from)
	if err != nil {
		return nil, err
	}
	subject, body, err := t.RenderDisconnected(d)
	if err != nil {
		return nil, err
	}
	_, png, err := p.PNG(DefaultQRSize)
	if err != nil {
		return nil, err
	}
	return &Message{
		From:    from,
		To:      slices.Clone(to),
		Subject: subject,
		Text:    body,
		HTML:    TextToHTML(body, &HTMLImage{ContentID: QRContentID, Alt: "QR Platba", After: d.QR}),
		Inline:  []Inline{{ContentID: QRContentID, Name: QRFileName, ContentType: ContentTypePNG, Data: png}},
	}, nil
}

// ComposeReconnected composes the notice that the customer's connection
// is restored. t must come from [LoadNoticeTemplates]. It is pure.
func ComposeReconnected(t *Templates, from string, to []string, customer abraflexi.Address) (*Message, error) {
	subject, body, err := t.RenderReconnected(ReconnectedData{
		Customer: strings.TrimSpace(customer.Code), CustomerName: customer.Name, Sender: senderName(from),
	})
	if err != nil {
		return nil, err
	}
	return &Message{From: from, To: slices.Clone(to), Subject: subject, Text: body}, nil
}
