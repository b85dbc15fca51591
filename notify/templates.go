package notify

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/template"
)

//go:embed templates/*.tmpl
var embedded embed.FS

// Template names. A template file is named "<name>.<lang>.tmpl", e.g.
// invoice_paid.cs.tmpl, and defines two templates: "subject" (one line)
// and "body" (the text/plain body).
const (
	// TemplateInvoicePaid confirms a received (partial) payment of an
	// issued invoice; its data is [InvoicePaidData].
	TemplateInvoicePaid = "invoice_paid"
	// TemplatePaymentReceived tells a payer that a payment arrived and
	// awaits manual matching; its data is [PaymentReceivedData].
	TemplatePaymentReceived = "payment_received"
)

// Languages lists the languages of the embedded templates.
var Languages = []string{"cs", "en"}

// Templates are the parsed message templates of one language.
type Templates struct {
	lang string
	sets map[string]*template.Template
}

// InvoicePaidData is the data of [TemplateInvoicePaid]. Amounts are
// formatted with [FormatAmount] for the template language.
type InvoicePaidData struct {
	// Invoice is the invoice code (kod) without "code:".
	Invoice string
	// VariableSymbol is the invoice's variable symbol.
	VariableSymbol string
	// Total is the invoice total (sumCelkem).
	Total string
	// Paid is the amount paid so far (total minus remaining).
	Paid string
	// Remaining is the amount still to pay (zbyvaUhradit).
	Remaining string
	// Currency is the currency code, e.g. CZK.
	Currency string
	// Partial is true for a partial payment.
	Partial bool
	// IssuedOn and DueOn are YYYY-MM-DD dates (empty when unknown).
	IssuedOn, DueOn string
	// Sender is the display name of the sender (or its address).
	Sender string
}

// PaymentReceivedData is the data of [TemplatePaymentReceived].
type PaymentReceivedData struct {
	// Payment is the bank or cash record code.
	Payment string
	// Amount is the received amount, formatted with [FormatAmount].
	Amount string
	// Currency is the currency code, e.g. CZK.
	Currency string
	// VariableSymbol is the payment's variable symbol (may be empty).
	VariableSymbol string
	// Date is the payment date as YYYY-MM-DD, without a time zone.
	Date string
	// Sender is the display name of the sender (or its address).
	Sender string
}

// sampleData is used to check templates when they are loaded.
var sampleData = map[string]any{
	TemplateInvoicePaid: InvoicePaidData{Invoice: "FV-1/2024", VariableSymbol: "1", Total: "1,00",
		Paid: "1,00", Remaining: "0,00", Currency: "CZK", Partial: true, IssuedOn: "2024-01-01", DueOn: "2024-01-15", Sender: "x"},
	TemplatePaymentReceived: PaymentReceivedData{Payment: "B+1/2024", Amount: "1,00", Currency: "CZK",
		VariableSymbol: "1", Date: "2024-01-31", Sender: "x"},
}

// LoadTemplates parses the templates of lang ("" means cs). When dir is
// not empty, a file of the same name in dir (e.g. dir/invoice_paid.cs.tmpl)
// overrides the embedded one; missing files fall back to the embedded
// templates; dir itself must exist. Every template is executed once with sample data, so a
// broken override fails here rather than when a message is due.
func LoadTemplates(lang, dir string) (*Templates, error) {
	if lang == "" {
		lang = DefaultLang
	}
	if !slices.Contains(Languages, lang) {
		return nil, fmt.Errorf("notify: unsupported language %q (want one of %s)", lang, strings.Join(Languages, ", "))
	}
	if dir != "" {
		st, err := os.Stat(dir)
		if err != nil {
			return nil, fmt.Errorf("notify: template directory: %w", err)
		}
		if !st.IsDir() {
			return nil, fmt.Errorf("notify: template directory %s is not a directory", dir)
		}
	}
	t := &Templates{lang: lang, sets: map[string]*template.Template{}}
	for _, name := range []string{TemplateInvoicePaid, TemplatePaymentReceived} {
		file := name + "." + lang + ".tmpl"
		src, origin, err := readTemplate(file, dir)
		if err != nil {
			return nil, err
		}
		set, err := template.New(file).Option("missingkey=error").Parse(string(src))
		if err != nil {
			return nil, fmt.Errorf("notify: template %s: %w", origin, err)
		}
		for _, part := range []string{"subject", "body"} {
			if set.Lookup(part) == nil {
				return nil, fmt.Errorf("notify: template %s does not define %q", origin, part)
			}
		}
		t.sets[name] = set
		if _, _, err := t.render(name, sampleData[name]); err != nil {
			return nil, fmt.Errorf("notify: template %s: %w", origin, err)
		}
	}
	return t, nil
}

// readTemplate returns the override of file in dir, else the embedded one,
// and where it came from.
func readTemplate(file, dir string) ([]byte, string, error) {
	if dir != "" {
		path := filepath.Join(dir, file)
		src, err := os.ReadFile(path)
		switch {
		case err == nil:
			return src, path, nil
		case !errors.Is(err, fs.ErrNotExist):
			return nil, path, fmt.Errorf("notify: reading template: %w", err)
		}
	}
	src, err := embedded.ReadFile("templates/" + file)
	if err != nil {
		return nil, "", fmt.Errorf("notify: embedded template %s: %w", file, err)
	}
	return src, "embedded " + file, nil
}

// MustLoadTemplates is like [LoadTemplates] but panics on error. For
// tests and examples.
func MustLoadTemplates(lang, dir string) *Templates {
	t, err := LoadTemplates(lang, dir)
	if err != nil {
		panic(err)
	}
	return t
}

// Lang returns the templates' language.
func (t *Templates) Lang() string { return t.lang }

// RenderInvoicePaid renders [TemplateInvoicePaid].
func (t *Templates) RenderInvoicePaid(d InvoicePaidData) (subject, body string, err error) {
	return t.render(TemplateInvoicePaid, d)
}

// RenderPaymentReceived renders [TemplatePaymentReceived].
func (t *Templates) RenderPaymentReceived(d PaymentReceivedData) (subject, body string, err error) {
	return t.render(TemplatePaymentReceived, d)
}

// render executes the subject and body of template name. The subject is
// collapsed to one line; the body is returned with one trailing newline.
func (t *Templates) render(name string, data any) (subject, body string, err error) {
	set := t.sets[name]
	if set == nil {
		return "", "", fmt.Errorf("notify: template %s not loaded", name)
	}
	var b bytes.Buffer
	if err := set.ExecuteTemplate(&b, "subject", data); err != nil {
		return "", "", fmt.Errorf("notify: rendering %s subject: %w", name, err)
	}
	subject = strings.Join(strings.Fields(b.String()), " ")
	b.Reset()
	if err := set.ExecuteTemplate(&b, "body", data); err != nil {
		return "", "", fmt.Errorf("notify: rendering %s body: %w", name, err)
	}
	body = strings.TrimSpace(b.String()) + "\n"
	return subject, body, nil
}
