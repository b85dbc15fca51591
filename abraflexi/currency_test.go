package abraflexi

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

func TestParseCurrency(t *testing.T) {
	for in, want := range map[string]string{"": "CZK", " eur ": "EUR", "CZK": "CZK", "usd": "USD"} {
		if got, err := ParseCurrency(in); err != nil || got != want {
			t.Errorf("ParseCurrency(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"EURO", "E1R", "€", "CZ"} {
		if _, err := ParseCurrency(bad); err == nil {
			t.Errorf("ParseCurrency(%q): no error", bad)
		}
	}
}

// TestDocumentCurrencyAmounts: a foreign-currency document is measured by
// its …Men figures, a home-currency one by the home figures, whatever the
// configured home currency is.
func TestDocumentCurrencyAmounts(t *testing.T) {
	body := `{"id":"7","kod":"VF1-0007/2026","sumCelkem":"2500.0","sumCelkemMen":"100.0",
		"zbyvaUhradit":"1250.0","zbyvaUhraditMen":"50.0","mena":"code:EUR","mena@showAs":"EUR: Euro"}`
	var inv IssuedInvoice
	if err := json.Unmarshal([]byte(body), &inv); err != nil {
		t.Fatal(err)
	}
	if got := inv.TotalAmount("CZK"); got.String() != "100.00 EUR" {
		t.Errorf("total %s", got)
	}
	if got := inv.RemainingAmount(""); got.String() != "50.00 EUR" {
		t.Errorf("remaining %s", got)
	}
	// A company keeping its books in euros reads the home figures.
	if got := inv.RemainingAmount("eur"); got.String() != "1250.00 EUR" {
		t.Errorf("remaining with home EUR %s", got)
	}
	home := IssuedInvoice{Total: decimal.NewFromInt(1210), Remaining: decimal.NewFromInt(1210)}
	if got := home.RemainingAmount("CZK"); got.String() != "1210.00 CZK" {
		t.Errorf("no mena: %s", got)
	}
}

// TestMovementAllocation reads the payment links of a movement: an
// overpayment paired with ignorovat keeps its excess unallocated although
// other links (cancelled, not payments) are listed too.
func TestMovementAllocation(t *testing.T) {
	body := `{"id":"3","kod":"B+0003/2026","sumCelkem":"2450.0","sumCelkemMen":"100.0","mena":"code:EUR","sparovano":"false",
		"vazby":[
		 {"id":"1","typVazbyK":"typVazbyDokl.uhrada","castka":"2000.0","castkaMen":"80.0","storno":"false",
		  "a":"code:VF1-0001/2026","a@ref":"/c/demo/faktura-vydana/9.json","b":"code:B+0003/2026","b@ref":"/c/demo/banka/3.json"},
		 {"id":"2","typVazbyK":"typVazbyDokl.uhrada","castka":"500.0","castkaMen":"20.0","storno":"true","a":"code:VF1-0002/2026"},
		 {"id":"3","typVazbyK":"typVazbyDokl.KR","castka":"12.0","castkaMen":"0.0"}
		]}`
	var m Movement
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Links) != 3 {
		t.Fatalf("links %+v", m.Links)
	}
	if got := m.Allocated("CZK"); got.String() != "80.00 EUR" {
		t.Errorf("allocated %s", got)
	}
	if got := m.Unallocated("CZK"); got.String() != "20.00 EUR" {
		t.Errorf("unallocated %s", got)
	}
	if got := m.Links[0].PaidDocument(); got.Code() != "VF1-0001/2026" {
		t.Errorf("paid document %+v", got)
	}
	// The ONPAJ shape: the invoice side lists the payment under b.
	onInvoice := Link{A: Ref{ID: NumericID(9)}, B: Ref{ID: NumericID(90313), URL: "/c/demo/banka/90313.json"}}
	if got := onInvoice.PaidDocument(); got.ID != NumericID(9) {
		t.Errorf("paid document %+v", got)
	}
	swapped := Link{A: Ref{ID: CodeID("B1"), URL: "/c/demo/banka/1.json"}, B: Ref{ID: CodeID("VF1")}}
	if got := swapped.PaidDocument(); got.Code() != "VF1" {
		t.Errorf("paid document %+v", got)
	}
}

func TestAmountsPerCurrency(t *testing.T) {
	s := Amounts{}
	s.Add(Amount{Value: decimal.NewFromInt(300), Currency: "CZK"})
	s.Add(Amount{Value: decimal.NewFromInt(40), Currency: "EUR"})
	s.Add(Amount{Value: decimal.NewFromInt(300), Currency: "CZK"})
	if s.String() != "600.00 CZK, 40.00 EUR" || !s.Of("eur").Equal(decimal.NewFromInt(40)) {
		t.Errorf("sums %s", s)
	}
	// 40 EUR does not exceed a limit of 500 although 40 EUR is worth more
	// than 500 CZK at no rate this package knows; 600 CZK does.
	if !s.Exceeds(decimal.NewFromInt(500)) || s.Exceeds(decimal.NewFromInt(600)) {
		t.Error("Exceeds compares each currency's sum on its own")
	}
	eur := Amounts{"EUR": decimal.NewFromInt(40)}
	if eur.Exceeds(decimal.NewFromInt(500)) || !eur.Exceeds(decimal.NewFromInt(39)) {
		t.Error("foreign debt counts by its own amount")
	}
}

func TestHomeCurrencyFromLookup(t *testing.T) {
	asked := map[string]bool{}
	lookup := func(v string) func(string) (string, bool) {
		return func(name string) (string, bool) { asked[name] = true; return v, v != "" }
	}
	for in, want := range map[string]string{"": "CZK", "czk": "CZK", " EUR ": "EUR"} {
		if got, err := HomeCurrencyFromLookup(lookup(in)); err != nil || got != want {
			t.Errorf("%q: %q, %v; want %s", in, got, err, want)
		}
	}
	if _, err := HomeCurrencyFromLookup(lookup("koruna")); err == nil || !strings.Contains(err.Error(), `HOME_CURRENCY="koruna"`) {
		t.Errorf("koruna: %v", err)
	}
	if len(asked) != 1 || !asked[EnvHomeCurrency] {
		t.Errorf("read %v, want HOME_CURRENCY only", asked)
	}
}
