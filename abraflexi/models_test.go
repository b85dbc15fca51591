package abraflexi

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

// TestDecodeClassicAndTypedScalars decodes the classic API's string
// rendering and the typed JSON of the /v2/ flavour into the same values.
func TestDecodeClassicAndTypedScalars(t *testing.T) {
	classic := `{
		"id": "12", "lastUpdate": "2026-06-16T16:25:48.830+02:00", "kod": "VF1-0001/2024",
		"firma": "code:CUST1", "firma@ref": "/c/demo/adresar/5.json", "firma@showAs": "CUST1: Novák s.r.o.",
		"varSym": "20240001", "specSym": "", "sumCelkem": "1.2290034529E8", "zbyvaUhradit": "1210.0",
		"datVyst": "2024-01-31+01:00", "datSplat": "2024-02-14+01:00", "stavUhrK": "stavUhr.castUhr",
		"storno": "true", "typDokl": "code:FAKTURA", "typDokl@showAs": "FAKTURA: Faktura",
		"mena": "code:CZK", "mena@showAs": "CZK: Česká koruna", "kontaktEmail": "a@b.cz",
		"stitky": "VIP, ODPOJENO,UPOMINKA1", "unknownField": {"x": [1, 2]}, "polozkyFaktury": []
	}`
	typed := `{
		"id": 12, "kod": "VF1-0001/2024", "firma": "code:CUST1", "firma@showAs": "CUST1: Novák s.r.o.",
		"varSym": "20240001", "sumCelkem": 122900345.29, "zbyvaUhradit": 1210,
		"datVyst": "2024-01-31", "datSplat": "2024-02-14", "stavUhrK": "stavUhr.castUhr",
		"storno": true, "typDokl": [{"id": 3, "kod": "FAKTURA"}], "mena": [{"id": 31, "kod": "CZK"}],
		"mena@showAs": "CZK: Česká koruna", "kontaktEmail": "a@b.cz", "stitky": "ODPOJENO,UPOMINKA1,VIP",
		"newFieldFromAFutureVersion": "x"
	}`
	for name, body := range map[string]string{"classic": classic, "typed": typed} {
		var inv IssuedInvoice
		if err := json.Unmarshal([]byte(body), &inv); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if inv.ID != NumericID(12) || inv.Code != "VF1-0001/2024" || inv.VariableSymbol != "20240001" {
			t.Errorf("%s: ids %+v", name, inv)
		}
		if !inv.Total.Equal(decimal.RequireFromString("122900345.29")) || !inv.Remaining.Equal(decimal.NewFromInt(1210)) {
			t.Errorf("%s: amounts %s %s", name, inv.Total, inv.Remaining)
		}
		if inv.IssuedOn != NewDate(2024, 1, 31) || inv.DueOn != NewDate(2024, 2, 14) {
			t.Errorf("%s: dates %v %v", name, inv.IssuedOn, inv.DueOn)
		}
		if !bool(inv.Cancelled) || inv.PaymentState != PaymentStatePartial || inv.ContactEmail != "a@b.cz" {
			t.Errorf("%s: %+v", name, inv)
		}
		if inv.Customer.Code() != "CUST1" || inv.Customer.ShowAs != "CUST1: Novák s.r.o." {
			t.Errorf("%s: firma %+v", name, inv.Customer)
		}
		if inv.Currency.Code() != "CZK" || inv.DocumentType.Code() != "FAKTURA" {
			t.Errorf("%s: mena %+v typDokl %+v", name, inv.Currency, inv.DocumentType)
		}
		if !inv.Labels.Equal(Labels("VIP", "ODPOJENO", "UPOMINKA1")) || inv.Labels.String() != "ODPOJENO,UPOMINKA1,VIP" {
			t.Errorf("%s: labels %v", name, inv.Labels)
		}
	}
	if got := (Ref{}); got.Code() != "" || !got.IsZero() {
		t.Fatal("zero ref")
	}
	// The classic relation keeps its @ref.
	var inv IssuedInvoice
	_ = json.Unmarshal([]byte(classic), &inv)
	if inv.Customer.URL != "/c/demo/adresar/5.json" || inv.Customer.ID != CodeID("CUST1") {
		t.Fatalf("firma %+v", inv.Customer)
	}
}

func TestDecodeMovementsContractsAddresses(t *testing.T) {
	var b BankMovement
	if err := json.Unmarshal([]byte(`{"id":"7","kod":"B+0001/2024","varSym":"1","specSym":"2","sumCelkem":"500.0",
		"datVyst":"2024-03-31+02:00","firma":"code:C1","typPohybuK":"typPohybu.prijem","typPohybuK@showAs":"Příjem",
		"sparovano":"false","mena":"code:CZK","buc":"123456789","stitky":""}`), &b); err != nil {
		t.Fatal(err)
	}
	if b.ID != NumericID(7) || !b.Total.Equal(decimal.NewFromInt(500)) || b.SpecificSymbol != "2" || b.Account != "123456789" ||
		!b.IsIncoming() || bool(b.Paired) || b.Labels.Len() != 0 || b.IssuedOn != NewDate(2024, 3, 31) || b.Payer.Code() != "C1" {
		t.Fatalf("%+v", b)
	}
	var cm CashMovement
	if err := json.Unmarshal([]byte(`{"id":8,"sumCelkem":99.5,"sparovano":true,"typPohybuK":"typPohybu.vydej"}`), &cm); err != nil {
		t.Fatal(err)
	}
	if !cm.Total.Equal(decimal.RequireFromString("99.5")) || !bool(cm.Paired) || cm.IsIncoming() || cm.Evidence() != "pokladni-pohyb" {
		t.Fatalf("%+v", cm)
	}
	var c Contract
	if err := json.Unmarshal([]byte(`{"id":"3","kod":"SML-1","firma":"code:C1","typSml":"code:INTERNET","typSml@showAs":"INTERNET: Internet",
		"stavSml":"code:PLATNA","smlouvaOd":"2024-01-01+01:00","smlouvaDo":"","datVypoz":"2024-06-30+02:00"}`), &c); err != nil {
		t.Fatal(err)
	}
	if c.Customer.Code() != "C1" || c.Type.Code() != "INTERNET" || c.State.Code() != "PLATNA" ||
		c.ValidFrom != NewDate(2024, 1, 1) || !c.ValidTo.IsZero() || c.TerminatedOn != NewDate(2024, 6, 30) {
		t.Fatalf("%+v", c)
	}
	var a Address
	if err := json.Unmarshal([]byte(`{"id":"5","kod":"C1","nazev":"X","email":"","stitky":"VIP",
		"kontakty":[{"id":"1","email":"other@x.cz","primarni":"false"},{"id":"2","email":"boss@x.cz","primarni":"true"}]}`), &a); err != nil {
		t.Fatal(err)
	}
	if a.PrimaryContactEmail() != "boss@x.cz" || !a.Labels.Has("vip") || a.Email != "" {
		t.Fatalf("%+v", a)
	}
	// Bad scalars are errors, not silent zeros.
	for _, bad := range []string{`{"sumCelkem":"abc"}`, `{"datVyst":"31.1.2024"}`, `{"sparovano":"maybe"}`} {
		if err := json.Unmarshal([]byte(bad), &b); err == nil {
			t.Errorf("%s decoded", bad)
		}
	}
}

// TestEverySampleDecodes makes sure each body in abraflexi-samples decodes
// with the function meant for its kind, so a new sample cannot go unnoticed.
func TestEverySampleDecodes(t *testing.T) {
	dir := os.Getenv("ISPTOOLS_REFERENCE_DIR")
	if dir == "" {
		t.Skip("ISPTOOLS_REFERENCE_DIR is not set")
	}
	files, err := filepath.Glob(filepath.Join(dir, "abraflexi-samples", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no samples: %v", err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var env struct {
			Winstrom map[string]json.RawMessage `json:"winstrom"`
		}
		if err := json.Unmarshal(b, &env); err != nil || env.Winstrom == nil {
			t.Errorf("%s: not a winstrom envelope: %v", filepath.Base(f), err)
			continue
		}
		w := env.Winstrom
		switch {
		case w["changes"] != nil:
			ch, err := ParseChanges(b)
			if err != nil || len(ch.Changes) == 0 {
				t.Errorf("%s: %v", filepath.Base(f), err)
			}
		case w["success"] != nil || w["results"] != nil:
			if _, err := parseWriteResponse(b); err != nil {
				t.Errorf("%s: %v", filepath.Base(f), err)
			}
		default:
			decoded := 0
			for key := range w {
				if strings.HasPrefix(key, "@") {
					continue
				}
				l, err := decodeListing(b, key)
				if err != nil {
					t.Errorf("%s: %v", filepath.Base(f), err)
					continue
				}
				for _, r := range l.records {
					var recs = []any{&Address{}, &IssuedInvoice{}, &Movement{}, &Contract{}}
					for _, v := range recs {
						if err := json.Unmarshal(r, v); err != nil {
							// Request bodies (sparovani) are not records of these models.
							if key != "banka" {
								t.Errorf("%s: %s as %T: %v", filepath.Base(f), key, v, err)
							}
						}
					}
					decoded++
				}
			}
			if decoded == 0 && w["adresarSummary"] == nil {
				t.Errorf("%s: nothing decoded", filepath.Base(f))
			}
		}
	}
}
