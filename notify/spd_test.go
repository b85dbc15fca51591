package notify_test

import (
	"bytes"
	"errors"
	"fmt"
	"image/png"
	"slices"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	zxqr "github.com/makiuchi-d/gozxing/qrcode"
	"github.com/shopspring/decimal"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/notify"
)

const testIBAN = "CZ6508000000192000145399"

func qrPayment() notify.QRPayment {
	return notify.QRPayment{
		IBAN:           abraflexi.MustParseIBAN(testIBAN),
		Amount:         decimal.RequireFromString("1210.5"),
		VariableSymbol: "20240007",
		Message:        "Zákazník 1001",
	}
}

func TestSPD(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*notify.QRPayment)
		want string
	}{
		{"pinned order, two decimals, CZK default, diacritics dropped", func(*notify.QRPayment) {},
			"SPD*1.0*ACC:CZ6508000000192000145399*AM:1210.50*CC:CZK*X-VS:20240007*MSG:Zakaznik 1001"},
		{"whole amount gets .00", func(p *notify.QRPayment) { p.Amount = decimal.NewFromInt(600) },
			"SPD*1.0*ACC:CZ6508000000192000145399*AM:600.00*CC:CZK*X-VS:20240007*MSG:Zakaznik 1001"},
		{"amount rounded to hellers", func(p *notify.QRPayment) { p.Amount = decimal.RequireFromString("0.30000000000000004") },
			"SPD*1.0*ACC:CZ6508000000192000145399*AM:0.30*CC:CZK*X-VS:20240007*MSG:Zakaznik 1001"},
		{"BIC appended with +", func(p *notify.QRPayment) { p.BIC = "gibaczpx" },
			"SPD*1.0*ACC:CZ6508000000192000145399+GIBACZPX*AM:1210.50*CC:CZK*X-VS:20240007*MSG:Zakaznik 1001"},
		{"star and percent escaped", func(p *notify.QRPayment) { p.Message = "50% * 2" },
			"SPD*1.0*ACC:CZ6508000000192000145399*AM:1210.50*CC:CZK*X-VS:20240007*MSG:50%25 %2A 2"},
		{"all symbols and name, in order", func(p *notify.QRPayment) {
			p.SpecificSymbol, p.ConstantSymbol, p.RecipientName, p.Currency = "1001", "0308", "Spoje.Net s.r.o.", "eur"
		}, "SPD*1.0*ACC:CZ6508000000192000145399*AM:1210.50*CC:EUR*X-VS:20240007*X-SS:1001*X-KS:0308*RN:Spoje.Net s.r.o.*MSG:Zakaznik 1001"},
		{"optional fields left out", func(p *notify.QRPayment) { p.VariableSymbol, p.Message = "", " " },
			"SPD*1.0*ACC:CZ6508000000192000145399*AM:1210.50*CC:CZK"},
		{"Czech letters and white space", func(p *notify.QRPayment) { p.Message = "Připojení\tŘÍJEN  čtvrtletí Łódź" },
			"SPD*1.0*ACC:CZ6508000000192000145399*AM:1210.50*CC:CZK*X-VS:20240007*MSG:Pripojeni RIJEN ctvrtleti Lodz"},
	} {
		p := qrPayment()
		tc.edit(&p)
		got, err := p.SPD()
		if err != nil || got != tc.want {
			t.Errorf("%s:\n got %s, %v\nwant %s", tc.name, got, err, tc.want)
			continue
		}
		// The descriptor reads back to the same values.
		fields, err := notify.ParseSPD(got)
		if err != nil {
			t.Errorf("%s: ParseSPD: %v", tc.name, err)
			continue
		}
		want, _ := p.Fields()
		if !slices.Equal(fields, want) {
			t.Errorf("%s: ParseSPD = %v, want %v", tc.name, fields, want)
		}
	}
}

func TestSPDErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*notify.QRPayment)
		key  string
		has  string
	}{
		{"no IBAN", func(p *notify.QRPayment) { p.IBAN = "" }, "ACC", "required"},
		{"IBAN checksum", func(p *notify.QRPayment) { p.IBAN = "CZ6608000000192000145399" }, "ACC", "mod-97"},
		{"bad BIC", func(p *notify.QRPayment) { p.BIC = "GIBA" }, "ACC", "BIC"},
		{"zero amount", func(p *notify.QRPayment) { p.Amount = decimal.Zero }, "AM", "positive"},
		{"negative amount", func(p *notify.QRPayment) { p.Amount = decimal.NewFromInt(-5) }, "AM", "positive"},
		{"amount too long", func(p *notify.QRPayment) { p.Amount = decimal.RequireFromString("10000000") }, "AM", "9999999.99"},
		{"unknown currency", func(p *notify.QRPayment) { p.Currency = "KCS" }, "CC", "ISO 4217"},
		{"not a currency", func(p *notify.QRPayment) { p.Currency = "koruna" }, "CC", "ISO 4217"},
		{"VS with letters", func(p *notify.QRPayment) { p.VariableSymbol = "FV-7" }, "X-VS", "digits"},
		{"VS too long", func(p *notify.QRPayment) { p.VariableSymbol = "12345678901" }, "X-VS", "digits"},
		{"SS too long", func(p *notify.QRPayment) { p.SpecificSymbol = "12345678901" }, "X-SS", "digits"},
		{"KS with letters", func(p *notify.QRPayment) { p.ConstantSymbol = "08a" }, "X-KS", "digits"},
		{"message too long", func(p *notify.QRPayment) { p.Message = strings.Repeat("x", 61) }, "MSG", "at most 60"},
		{"name too long", func(p *notify.QRPayment) { p.RecipientName = strings.Repeat("y", 36) }, "RN", "at most 35"},
		{"non-Latin message", func(p *notify.QRPayment) { p.Message = "Оплата" }, "MSG", "cannot be written"},
		{"control character", func(p *notify.QRPayment) { p.Message = "a\x00b" }, "MSG", "cannot be written"},
	} {
		p := qrPayment()
		tc.edit(&p)
		got, err := p.SPD()
		var se *notify.SPDError
		if err == nil || !errors.Is(err, notify.ErrInvalidQRPayment) || !errors.As(err, &se) {
			t.Errorf("%s: SPD() = %q, %v; want an *SPDError", tc.name, got, err)
			continue
		}
		if se.Key != tc.key || !strings.Contains(err.Error(), tc.has) || !strings.Contains(err.Error(), tc.key+"=") {
			t.Errorf("%s: error %v (key %s), want key %s and %q", tc.name, err, se.Key, tc.key, tc.has)
		}
	}
	// Every problem is reported at once, each naming its value.
	_, err := notify.QRPayment{IBAN: "CZ00", Amount: decimal.Zero, VariableSymbol: "x1"}.SPD()
	for _, want := range []string{`ACC="CZ00"`, `AM="0"`, `X-VS="x1"`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("joined error %v lacks %s", err, want)
		}
	}
	if err == nil || !errors.Is(err, abraflexi.ErrInvalidIBAN) {
		t.Errorf("the IBAN problem does not wrap abraflexi.ErrInvalidIBAN: %v", err)
	}
}

func TestParseSPDRejects(t *testing.T) {
	for _, s := range []string{"", "SPD*2.0*ACC:X", "SPD*1.0*", "SPD*1.0*ACC", "SPD*1.0*acc:x", "SPD*1.0*ACC:%zz", "QR*1.0*ACC:X"} {
		if f, err := notify.ParseSPD(s); err == nil {
			t.Errorf("ParseSPD(%q) = %v, want an error", s, f)
		}
	}
	f, err := notify.ParseSPD("SPD*1.0*ACC:CZ6508000000192000145399*AM:450.00*CC:CZK*MSG:PLATBA ZA ZBOZI%2A*")
	if err != nil || len(f) != 4 || f[3] != (notify.SPDField{Key: "MSG", Value: "PLATBA ZA ZBOZI*"}) {
		t.Errorf("ParseSPD = %v, %v", f, err)
	}
}

// decodeQR reads the QR code of a PNG with an independent decoder (a port
// of ZXing), so the test does not trust the encoder with its own output.
func decodeQR(t *testing.T, pngData []byte) string {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(pngData))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := zxqr.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_PURE_BARCODE: true})
	if err != nil {
		t.Fatalf("decoding the QR code: %v", err)
	}
	return res.GetText()
}

func TestQRCodeRoundTrip(t *testing.T) {
	p := qrPayment()
	p.Message = "Faktura FV-7/2024 * 50% zaloha"
	spd, pngData, err := p.PNG(0)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(pngData))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() < notify.DefaultQRSize || b.Dx() != b.Dy() {
		t.Errorf("image %v, want a square of at least %d px", b, notify.DefaultQRSize)
	}
	got := decodeQR(t, pngData)
	if got != spd {
		t.Fatalf("decoded %q, want %q", got, spd)
	}
	// The decoded text follows the format's rules.
	fields, err := notify.ParseSPD(got)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, f := range fields {
		keys = append(keys, f.Key)
	}
	if want := []string{"ACC", "AM", "CC", "X-VS", "MSG"}; !slices.Equal(keys, want) {
		t.Errorf("keys %v, want %v", keys, want)
	}
	if _, err := abraflexi.ParseIBAN(fields[0].Value); err != nil {
		t.Errorf("ACC: %v", err)
	}
	if fields[1].Value != "1210.50" || fields[4].Value != "Faktura FV-7/2024 * 50% zaloha" {
		t.Errorf("fields %v", fields)
	}
	if strings.Count(got, "*") != len(fields)+1 {
		t.Errorf("a value carries an unescaped '*': %s", got)
	}
	// Sizes: a larger minimum gives a larger image, still decodable.
	big, err := notify.QRCodePNG(spd, 500)
	if err != nil {
		t.Fatal(err)
	}
	if decodeQR(t, big) != spd {
		t.Error("the 500 px code does not decode")
	}
	if _, _, err := (notify.QRPayment{}).PNG(0); !errors.Is(err, notify.ErrInvalidQRPayment) {
		t.Errorf("PNG of an empty payment: %v", err)
	}
}

func BenchmarkQRPaymentPNG(b *testing.B) {
	p := qrPayment()
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := p.PNG(0); err != nil {
			b.Fatal(err)
		}
	}
}

func ExampleQRPayment_SPD() {
	p := notify.QRPayment{
		IBAN:           abraflexi.MustParseIBAN("CZ65 0800 0000 1920 0014 5399"),
		Amount:         decimal.RequireFromString("1210"),
		VariableSymbol: "20240007",
		Message:        "Připojení, zákazník 1001",
	}
	spd, err := p.SPD()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(spd)
	// Output: SPD*1.0*ACC:CZ6508000000192000145399*AM:1210.00*CC:CZK*X-VS:20240007*MSG:Pripojeni, zakaznik 1001
}
