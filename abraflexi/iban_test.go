package abraflexi_test

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/spoje-net/isptools/abraflexi"
)

func TestParseIBAN(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		errHas   string
	}{
		{in: "CZ6508000000192000145399", want: "CZ6508000000192000145399"},
		{in: " cz65 0800 0000 1920 0014 5399 ", want: "CZ6508000000192000145399"},
		{in: "DE89370400440532013000", want: "DE89370400440532013000"},
		{in: "GB82 WEST 1234 5698 7654 32", want: "GB82WEST12345698765432"},
		{in: "SK3112000000198742637541", want: "SK3112000000198742637541"},
		{in: "", errHas: "empty"},
		{in: "CZ6608000000192000145399", errHas: "mod-97"},            // check digits off by one
		{in: "CZ6508000000192000145398", errHas: "mod-97"},            // last digit changed
		{in: "CZ650800000019200014539", errHas: "24 characters"},      // one short
		{in: "1Z6508000000192000145399", errHas: "country code"},      // digit in the country
		{in: "CZX508000000192000145399", errHas: "check digits"},      // letter in the check digits
		{in: "CZ65-0800-0000-1920-0014-5399", errHas: "'-'"},          // dashes are not spaces
		{in: "XX12345", errHas: "15 to 34"},                           // unknown country, too short
		{in: "CZ65080000001920001453990000", errHas: "24 characters"}, // too long for CZ
	} {
		got, err := abraflexi.ParseIBAN(tc.in)
		if tc.errHas != "" {
			if err == nil || !errors.Is(err, abraflexi.ErrInvalidIBAN) || !strings.Contains(err.Error(), tc.errHas) {
				t.Errorf("ParseIBAN(%q) = %q, %v; want an ErrInvalidIBAN naming %q", tc.in, got, err, tc.errHas)
			}
			if err != nil && !strings.Contains(err.Error(), tc.in) {
				t.Errorf("ParseIBAN(%q) error does not name the input: %v", tc.in, err)
			}
			continue
		}
		if err != nil || got.String() != tc.want {
			t.Errorf("ParseIBAN(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	i := abraflexi.MustParseIBAN("CZ6508000000192000145399")
	if i.Printed() != "CZ65 0800 0000 1920 0014 5399" || i.Country() != "CZ" || i.IsZero() {
		t.Errorf("Printed %q Country %q", i.Printed(), i.Country())
	}
}

func TestAccountNumber(t *testing.T) {
	for _, tc := range []struct {
		buc, bank string
		want      string
		iban      string
		errHas    string
	}{
		{buc: "19-2000145399", bank: "0800", want: "19-2000145399/0800", iban: "CZ6508000000192000145399"},
		{buc: "000019-0002000145399", bank: "code:0800", want: "19-2000145399/0800", iban: "CZ6508000000192000145399"},
		{buc: "19-2000145399/0800", want: "19-2000145399/0800", iban: "CZ6508000000192000145399"},
		{buc: "2000145399", bank: "0800", want: "2000145399/0800"},
		{buc: "19-2000145399/0800", bank: "0100", errHas: "differs"},
		{buc: "19-20001453x9", bank: "0800", errHas: "digits"},
		{buc: "1234567-2000145399", bank: "0800", errHas: "prefix"},
		{buc: "12345678901", bank: "0800", errHas: "10 digits"},
		{buc: "2000145399", bank: "80", errHas: "4 digits"},
		{buc: "0000", bank: "0800", errHas: "zero"},
		{buc: "-2000145399", bank: "0800", errHas: "digits"},
	} {
		got, err := abraflexi.ParseAccountNumber(tc.buc, tc.bank)
		if tc.errHas != "" {
			if err == nil || !errors.Is(err, abraflexi.ErrInvalidAccountNumber) || !strings.Contains(err.Error(), tc.errHas) {
				t.Errorf("ParseAccountNumber(%q, %q) = %v, %v; want error naming %q", tc.buc, tc.bank, got, err, tc.errHas)
			}
			continue
		}
		if err != nil || got.String() != tc.want {
			t.Errorf("ParseAccountNumber(%q, %q) = %v, %v; want %s", tc.buc, tc.bank, got, err, tc.want)
			continue
		}
		iban, err := got.IBAN("CZ")
		if err != nil {
			t.Errorf("%s.IBAN: %v", got, err)
			continue
		}
		if tc.iban != "" && iban.String() != tc.iban {
			t.Errorf("%s.IBAN = %s, want %s", got, iban, tc.iban)
		}
		back, ok := iban.AccountNumber()
		if !ok || back != got {
			t.Errorf("%s → %s → %v, %v", got, iban, back, ok)
		}
	}
	if _, err := (abraflexi.AccountNumber{Number: "1", BankCode: "0800"}).IBAN("DE"); err == nil {
		t.Error("IBAN(DE) of a domestic account succeeded")
	}
	if _, ok := abraflexi.MustParseIBAN("DE89370400440532013000").AccountNumber(); ok {
		t.Error("a German IBAN has a Czech account number")
	}
}

func TestAccountKey(t *testing.T) {
	want := abraflexi.IBAN("CZ6508000000192000145399")
	for _, tc := range []struct {
		buc, bank, iban string
		ok              bool
	}{
		{"19-2000145399", "code:0800", "", true},
		{"", "", "CZ65 0800 0000 1920 0014 5399", true},
		{"garbage", "0800", "CZ6508000000192000145399", true}, // a valid iban wins
		{"19-2000145399", "0800", "not an iban", true},        // a bad iban falls back to buc
		{"", "", "", false},
		{"19-2000145399", "", "", false}, // no bank code
	} {
		got, ok := abraflexi.AccountKey(tc.buc, tc.bank, tc.iban)
		if ok != tc.ok || (ok && got != want) {
			t.Errorf("AccountKey(%q, %q, %q) = %q, %v", tc.buc, tc.bank, tc.iban, got, ok)
		}
	}
}

func TestCustomerBankAccountDecode(t *testing.T) {
	// The classic API renders relations as identifiers with @showAs/@ref
	// siblings and every scalar as a string.
	body := `{"id":"7","firma":"code:CUST1","firma@showAs":"CUST1: Jana Nováková","firma@ref":"/c/demo/adresar/12.json",
		"buc":"19-2000145399","smerKod":"code:0800","smerKod@showAs":"0800: Česká spořitelna, a.s.","iban":"","bic":"GIBACZPX","primarni":"true"}`
	var a abraflexi.CustomerBankAccount
	if err := json.Unmarshal([]byte(body), &a); err != nil {
		t.Fatal(err)
	}
	if a.Customer.Code() != "CUST1" || a.BankCode.Code() != "0800" || a.Number != "19-2000145399" || !bool(a.Primary) || a.BIC != "GIBACZPX" {
		t.Errorf("decoded %+v", a)
	}
	if i, ok := a.AccountIBAN(); !ok || i != "CZ6508000000192000145399" {
		t.Errorf("AccountIBAN = %q, %v", i, ok)
	}
	var rec abraflexi.Record = a
	if rec.Evidence() != "adresar-bankovni-ucet" || !slices.Contains(rec.DetailFields(), "smerKod") {
		t.Errorf("record %s %v", rec.Evidence(), rec.DetailFields())
	}
}

func TestCompareInvoiceAge(t *testing.T) {
	d := abraflexi.MustParseDate
	invs := []abraflexi.IssuedInvoice{
		{Code: "NODUE", IssuedOn: d("2024-01-01")},
		{Code: "B", DueOn: d("2024-02-15"), IssuedOn: d("2024-02-01")},
		{Code: "A2", DueOn: d("2024-01-15"), IssuedOn: d("2024-01-02")},
		{Code: "A1", DueOn: d("2024-01-15"), IssuedOn: d("2024-01-02")},
		{Code: "A0", DueOn: d("2024-01-15"), IssuedOn: d("2024-01-01")},
	}
	abraflexi.SortInvoicesByAge(invs)
	var got []string
	for _, inv := range invs {
		got = append(got, inv.Code)
	}
	if want := []string{"A0", "A1", "A2", "B", "NODUE"}; !slices.Equal(got, want) {
		t.Errorf("order %v, want %v", got, want)
	}
}
