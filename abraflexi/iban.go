package abraflexi

import (
	"errors"
	"fmt"
	"strings"
)

// ErrInvalidIBAN is wrapped by the errors of [ParseIBAN].
var ErrInvalidIBAN = errors.New("abraflexi: invalid IBAN")

// ErrInvalidAccountNumber is wrapped by the errors of [ParseAccountNumber].
var ErrInvalidAccountNumber = errors.New("abraflexi: invalid account number")

// IBAN is an International Bank Account Number in its electronic form:
// upper case, without spaces ("CZ6508000000192000145399"). Build it with
// [ParseIBAN], which checks the checksum; the zero IBAN is "no account".
type IBAN string

// ibanLengths are the IBAN lengths of the SEPA countries (ISO 13616
// registry). A country missing here is checked against the general
// 15–34 character range only.
var ibanLengths = map[string]int{
	"AD": 24, "AT": 20, "BE": 16, "BG": 22, "CH": 21, "CY": 28, "CZ": 24, "DE": 22,
	"DK": 18, "EE": 20, "ES": 24, "FI": 18, "FR": 27, "GB": 22, "GI": 23, "GR": 27,
	"HR": 21, "HU": 28, "IE": 22, "IS": 26, "IT": 27, "LI": 21, "LT": 20, "LU": 20,
	"LV": 21, "MC": 27, "MT": 31, "NL": 18, "NO": 15, "PL": 28, "PT": 25, "RO": 24,
	"SE": 24, "SI": 19, "SK": 24, "SM": 27, "VA": 22,
}

// ParseIBAN parses an IBAN in its electronic ("CZ6508000000192000145399")
// or printed ("CZ65 0800 0000 1920 0014 5399") form, case-insensitively,
// and checks it: two letters of a country, two check digits, letters and
// digits only, the country's length where known (else 15–34 characters),
// and the ISO 7064 mod-97 checksum. The error names the input and what is
// wrong with it.
func ParseIBAN(s string) (IBAN, error) {
	norm := strings.ToUpper(strings.Join(strings.Fields(s), ""))
	bad := func(format string, args ...any) (IBAN, error) {
		return "", fmt.Errorf("%w %q: %s", ErrInvalidIBAN, s, fmt.Sprintf(format, args...))
	}
	if norm == "" {
		return bad("empty")
	}
	for i, r := range norm {
		switch {
		case i < 2 && (r < 'A' || r > 'Z'):
			return bad("must start with a two-letter country code")
		case i >= 2 && i < 4 && (r < '0' || r > '9'):
			return bad("the third and fourth characters must be check digits")
		case (r < 'A' || r > 'Z') && (r < '0' || r > '9'):
			return bad("character %q is neither a letter nor a digit", r)
		}
	}
	if want, ok := ibanLengths[norm[:min(2, len(norm))]]; ok && len(norm) != want {
		return bad("%s IBANs have %d characters, this one has %d", norm[:2], want, len(norm))
	}
	if len(norm) < 15 || len(norm) > 34 {
		return bad("has %d characters, an IBAN has 15 to 34", len(norm))
	}
	if ibanMod97(norm) != 1 {
		return bad("wrong check digits (mod-97 checksum fails)")
	}
	return IBAN(norm), nil
}

// MustParseIBAN is like [ParseIBAN] but panics on error. For tests and
// constants.
func MustParseIBAN(s string) IBAN {
	i, err := ParseIBAN(s)
	if err != nil {
		panic(err)
	}
	return i
}

// ibanMod97 returns the ISO 7064 MOD 97-10 remainder of an upper-case
// alphanumeric IBAN: the first four characters moved to the end and every
// letter replaced by its two-digit value (A=10 … Z=35).
func ibanMod97(s string) int {
	rem := 0
	add := func(r byte) {
		if r >= 'A' && r <= 'Z' {
			v := int(r-'A') + 10
			rem = (rem*100 + v) % 97
			return
		}
		rem = (rem*10 + int(r-'0')) % 97
	}
	for i := 4; i < len(s); i++ {
		add(s[i])
	}
	for i := 0; i < 4 && i < len(s); i++ {
		add(s[i])
	}
	return rem
}

// String returns the electronic form.
func (i IBAN) String() string { return string(i) }

// IsZero reports whether i is the zero IBAN (no account).
func (i IBAN) IsZero() bool { return i == "" }

// Country returns the two-letter country code ("CZ").
func (i IBAN) Country() string {
	if len(i) < 2 {
		return ""
	}
	return string(i[:2])
}

// Printed returns the printed form: groups of four characters separated
// by spaces ("CZ65 0800 0000 1920 0014 5399").
func (i IBAN) Printed() string {
	var b strings.Builder
	for n := 0; n < len(i); n += 4 {
		if n > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(string(i[n:min(n+4, len(i))]))
	}
	return b.String()
}

// AccountNumber is a Czech or Slovak domestic bank account number: an
// optional prefix (up to 6 digits), the number (2 to 10 digits) and the
// four-digit bank code, written "19-2000145399/0800". AbraFlexi keeps the
// prefix and number in buc and the bank code in smerKod (a penezni-ustav
// record whose code is the bank code). Fields hold digits without leading
// zeros (the bank code keeps its four digits).
type AccountNumber struct {
	// Prefix is the optional prefix (předčíslí), "" when none.
	Prefix string
	// Number is the account number proper.
	Number string
	// BankCode is the four-digit bank code (kód banky).
	BankCode string
}

// ParseAccountNumber parses a domestic account number "prefix-number" or
// "number" (buc) and its bank code (smerKod: "0800", "code:0800"). An
// "/bank" suffix on buc is accepted when bankCode is empty or the same.
// Leading zeros are dropped, so "000019-0002000145399" equals
// "19-2000145399". The error names the input.
func ParseAccountNumber(buc, bankCode string) (AccountNumber, error) {
	orig := buc
	buc = strings.Join(strings.Fields(buc), "")
	bankCode = strings.TrimPrefix(strings.TrimSpace(bankCode), "code:")
	if num, bank, ok := strings.Cut(buc, "/"); ok {
		if bankCode != "" && bankCode != bank {
			return AccountNumber{}, fmt.Errorf("%w %q: bank code %q differs from smerKod %q", ErrInvalidAccountNumber, orig, bank, bankCode)
		}
		buc, bankCode = num, bank
	}
	bad := func(format string, args ...any) (AccountNumber, error) {
		return AccountNumber{}, fmt.Errorf("%w %q (bank code %q): %s", ErrInvalidAccountNumber, orig, bankCode, fmt.Sprintf(format, args...))
	}
	prefix, number, hasPrefix := strings.Cut(buc, "-")
	if !hasPrefix {
		prefix, number = "", buc
	}
	if !allDigits(prefix) || !allDigits(number) || number == "" || (hasPrefix && prefix == "") {
		return bad("want digits as [prefix-]number")
	}
	prefix, number = strings.TrimLeft(prefix, "0"), strings.TrimLeft(number, "0")
	switch {
	case len(prefix) > 6:
		return bad("the prefix has more than 6 digits")
	case len(number) > 10:
		return bad("the number has more than 10 digits")
	case number == "":
		return bad("the number is zero")
	case len(bankCode) != 4 || !allDigits(bankCode):
		return bad("the bank code must be 4 digits")
	}
	return AccountNumber{Prefix: prefix, Number: number, BankCode: bankCode}, nil
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// String returns "prefix-number/bank", or "number/bank" without a prefix.
func (a AccountNumber) String() string {
	if a.Prefix != "" {
		return a.Prefix + "-" + a.Number + "/" + a.BankCode
	}
	return a.Number + "/" + a.BankCode
}

// IBAN returns the account's IBAN in country ("CZ" or "SK", which share
// the layout: bank code, 6-digit prefix, 10-digit number), with the check
// digits computed.
func (a AccountNumber) IBAN(country string) (IBAN, error) {
	country = strings.ToUpper(strings.TrimSpace(country))
	if country != "CZ" && country != "SK" {
		return "", fmt.Errorf("%w: no domestic account layout for country %q (want CZ or SK)", ErrInvalidAccountNumber, country)
	}
	bban := a.BankCode + fmt.Sprintf("%06s%010s", a.Prefix, a.Number)
	check := 98 - ibanMod97(country+"00"+bban)
	return ParseIBAN(fmt.Sprintf("%s%02d%s", country, check, bban))
}

// AccountNumber returns the domestic account of a Czech or Slovak IBAN
// (false for other countries).
func (i IBAN) AccountNumber() (AccountNumber, bool) {
	if (i.Country() != "CZ" && i.Country() != "SK") || len(i) != 24 {
		return AccountNumber{}, false
	}
	s := string(i)
	a, err := ParseAccountNumber(s[8:14]+"-"+s[14:], s[4:8])
	if err != nil {
		return AccountNumber{}, false
	}
	return a, true
}
