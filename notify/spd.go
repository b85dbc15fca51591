package notify

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"unicode"

	"github.com/shopspring/decimal"
	"golang.org/x/text/currency"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"github.com/spoje-net/isptools/abraflexi"
)

// SPDHeader starts every Short Payment Descriptor of version 1.0.
const SPDHeader = "SPD*1.0*"

// Keys of the Short Payment Descriptor (SPD, "QR Platba") this package
// writes: the basic set of the format and the Czech extensions (X-).
const (
	SPDAccount        = "ACC"  // IBAN, optionally "+BIC"; required
	SPDAmount         = "AM"   // amount, at most 2 decimals, dot separator
	SPDCurrency       = "CC"   // ISO 4217 currency code
	SPDVariableSymbol = "X-VS" // variable symbol, up to 10 digits
	SPDSpecificSymbol = "X-SS" // specific symbol, up to 10 digits
	SPDConstantSymbol = "X-KS" // constant symbol, up to 10 digits
	SPDRecipientName  = "RN"   // recipient name, up to 35 characters
	SPDMessage        = "MSG"  // message for the recipient, up to 60 characters
)

// Limits of the SPD 1.0 values, in characters of the decoded value.
const (
	SPDMaxAmountLen    = 10 // "9999999.99"
	SPDMaxSymbolLen    = 10
	SPDMaxRecipientLen = 35
	SPDMaxMessageLen   = 60
)

// ErrInvalidQRPayment is wrapped by every [*SPDError].
var ErrInvalidQRPayment = errors.New("notify: invalid QR payment")

// SPDError is a value that cannot go into a Short Payment Descriptor. It
// names the SPD key, the value as given and the rule it breaks, and
// matches [ErrInvalidQRPayment] with errors.Is.
type SPDError struct {
	// Key is the SPD key, e.g. "X-VS".
	Key string
	// Value is the value as given.
	Value string
	// Problem says what is wrong.
	Problem string
	// Err is the underlying error, if any (an abraflexi.ErrInvalidIBAN).
	Err error
}

// Error implements error.
func (e *SPDError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("notify: QR payment %s=%q: %s: %v", e.Key, e.Value, e.Problem, e.Err)
	}
	return fmt.Sprintf("notify: QR payment %s=%q: %s", e.Key, e.Value, e.Problem)
}

// Unwrap returns [ErrInvalidQRPayment] and the underlying error.
func (e *SPDError) Unwrap() []error {
	if e.Err != nil {
		return []error{ErrInvalidQRPayment, e.Err}
	}
	return []error{ErrInvalidQRPayment}
}

// QRPayment is a payment request in the Czech "QR Platba" format: the
// Short Payment Descriptor 1.0 of the Czech Banking Association, which
// Czech (and Slovak) banking apps read from a QR code. [QRPayment.SPD]
// renders and checks it; [QRPayment.PNG] draws the QR code.
type QRPayment struct {
	// IBAN is the payee's account (required).
	IBAN abraflexi.IBAN
	// BIC optionally names the payee's bank (8 or 11 characters); it is
	// written as ACC:IBAN+BIC.
	BIC string
	// Amount is the amount to pay; it must be positive and is rounded to
	// two decimals (hellers).
	Amount decimal.Decimal
	// Currency is the ISO 4217 code; empty means CZK.
	Currency string
	// VariableSymbol, SpecificSymbol and ConstantSymbol are the Czech
	// payment symbols (digits only, at most 10 each); empty ones are left
	// out.
	VariableSymbol, SpecificSymbol, ConstantSymbol string
	// RecipientName is the payee's name (RN, at most 35 characters);
	// empty leaves it out.
	RecipientName string
	// Message is the message for the payee (MSG, at most 60 characters);
	// empty leaves it out.
	Message string
}

// SPDField is one key:value pair of a descriptor, the value decoded.
type SPDField struct {
	// Key is the SPD key, e.g. "ACC".
	Key string
	// Value is the decoded value.
	Value string
}

var (
	bicRE = regexp.MustCompile(`^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$`)
	keyRE = regexp.MustCompile(`^[A-Z][A-Z0-9-]*$`)
)

// Fields returns the descriptor's fields in the order they are written:
// ACC, AM, CC, X-VS, X-SS, X-KS, RN, MSG. Readers accept the keys in any
// order; the account (the one required key) comes first, then amount,
// currency and the payment symbols, as in the format's own samples
// (SPD*1.0*ACC:…*AM:…*CC:CZK*X-VS:…), and the free text last. Every
// problem is reported, joined, each an [*SPDError].
func (p QRPayment) Fields() ([]SPDField, error) {
	var errs []error
	bad := func(key, value, format string, args ...any) {
		errs = append(errs, &SPDError{Key: key, Value: value, Problem: fmt.Sprintf(format, args...)})
	}
	var out []SPDField
	add := func(key, value string) { out = append(out, SPDField{Key: key, Value: value}) }

	acc := p.IBAN.String()
	if iban, err := abraflexi.ParseIBAN(acc); err != nil {
		if acc == "" {
			bad(SPDAccount, acc, "an IBAN is required")
		} else {
			errs = append(errs, &SPDError{Key: SPDAccount, Value: acc, Problem: "not a valid IBAN", Err: err})
		}
	} else {
		acc = iban.String()
	}
	if bic := strings.ToUpper(strings.TrimSpace(p.BIC)); bic != "" {
		if !bicRE.MatchString(bic) {
			bad(SPDAccount, p.BIC, "the BIC must be 8 or 11 letters and digits (bank, country, location[, branch])")
		}
		acc += "+" + bic
	}
	add(SPDAccount, acc)

	amount := p.Amount.Round(2)
	am := amount.StringFixed(2)
	switch {
	case !amount.IsPositive():
		bad(SPDAmount, p.Amount.String(), "the amount must be positive")
	case len(am) > SPDMaxAmountLen:
		bad(SPDAmount, p.Amount.String(), "the amount has more than %d characters (at most 9999999.99)", SPDMaxAmountLen)
	}
	add(SPDAmount, am)

	cc := strings.ToUpper(strings.TrimSpace(p.Currency))
	if cc == "" {
		cc = DefaultCurrency
	}
	if u, err := currency.ParseISO(cc); err != nil || u.String() != cc || len(cc) != 3 {
		bad(SPDCurrency, p.Currency, "not an ISO 4217 currency code")
	}
	add(SPDCurrency, cc)

	for _, s := range []struct{ key, value string }{
		{SPDVariableSymbol, p.VariableSymbol}, {SPDSpecificSymbol, p.SpecificSymbol}, {SPDConstantSymbol, p.ConstantSymbol},
	} {
		v := strings.TrimSpace(s.value)
		if v == "" {
			continue
		}
		if !allDigits(v) || len(v) > SPDMaxSymbolLen {
			bad(s.key, s.value, "a payment symbol is 1 to %d digits", SPDMaxSymbolLen)
		}
		add(s.key, v)
	}
	for _, s := range []struct {
		key, value string
		max        int
	}{{SPDRecipientName, p.RecipientName, SPDMaxRecipientLen}, {SPDMessage, p.Message, SPDMaxMessageLen}} {
		if strings.TrimSpace(s.value) == "" {
			continue
		}
		v, err := SPDText(s.value)
		if err != nil {
			bad(s.key, s.value, "%v", err)
			continue
		}
		if n := len(v); n > s.max {
			bad(s.key, s.value, "%d characters, at most %d are allowed", n, s.max)
		}
		add(s.key, v)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

// SPD returns the Short Payment Descriptor, for example
//
//	SPD*1.0*ACC:CZ6508000000192000145399*AM:1210.00*CC:CZK*X-VS:20240007*MSG:Zakaznik 1001
//
// Values are escaped as the format requires: '*' (the separator) as %2A
// and '%' (the escape character) as %25, so any reader that
// percent-decodes values gets them back. The error joins one
// [*SPDError] per bad value.
func (p QRPayment) SPD() (string, error) {
	fields, err := p.Fields()
	if err != nil {
		return "", err
	}
	return FormatSPD(fields), nil
}

// FormatSPD renders fields as a descriptor after [SPDHeader], escaping
// each value ('%' as %25, '*' as %2A). It checks nothing; use
// [QRPayment.SPD] to build a valid one.
func FormatSPD(fields []SPDField) string {
	var b strings.Builder
	b.WriteString(strings.TrimSuffix(SPDHeader, "*"))
	for _, f := range fields {
		b.WriteByte('*')
		b.WriteString(f.Key)
		b.WriteByte(':')
		b.WriteString(escapeSPD(f.Value))
	}
	return b.String()
}

func escapeSPD(v string) string {
	return strings.NewReplacer("%", "%25", "*", "%2A").Replace(v)
}

// SPDText returns s as it can stand in a descriptor's free-text value (RN,
// MSG): letters with diacritics lose them ("Připojení" → "Pripojeni", so
// every banking app shows the same text), runs of white space become one
// space, and the result must be printable ASCII; any other character
// (a control character, a letter outside the Latin script) is an error
// naming it.
func SPDText(s string) (string, error) {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, s)
	if err != nil {
		return "", fmt.Errorf("cannot transliterate: %w", err)
	}
	out = strings.NewReplacer("ł", "l", "Ł", "L", "ß", "ss", "đ", "d", "Đ", "D", "ø", "o", "Ø", "O").Replace(out)
	out = strings.Join(strings.Fields(out), " ")
	for _, r := range out {
		if r < 0x20 || r > 0x7e {
			return "", fmt.Errorf("character %q cannot be written (only letters, digits, spaces and ASCII punctuation)", r)
		}
	}
	return out, nil
}

// ParseSPD reads a descriptor written by [FormatSPD] or any SPD 1.0
// writer: the SPD*1.0* header, then key:value pairs separated by '*' (a
// trailing '*' is allowed), keys of upper-case letters, digits and '-',
// values percent-decoded. It checks the structure, not the values.
func ParseSPD(s string) ([]SPDField, error) {
	rest, ok := strings.CutPrefix(s, SPDHeader)
	if !ok {
		return nil, fmt.Errorf("%w: %q does not start with %s", ErrInvalidQRPayment, s, SPDHeader)
	}
	rest = strings.TrimSuffix(rest, "*")
	if rest == "" {
		return nil, fmt.Errorf("%w: %q has no fields", ErrInvalidQRPayment, s)
	}
	var out []SPDField
	for part := range strings.SplitSeq(rest, "*") {
		key, raw, ok := strings.Cut(part, ":")
		if !ok || !keyRE.MatchString(key) {
			return nil, fmt.Errorf("%w: %q: field %q is not KEY:value", ErrInvalidQRPayment, s, part)
		}
		value, err := url.PathUnescape(raw)
		if err != nil {
			return nil, fmt.Errorf("%w: %q: field %s: %w", ErrInvalidQRPayment, s, key, err)
		}
		out = append(out, SPDField{Key: key, Value: value})
	}
	return out, nil
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}
