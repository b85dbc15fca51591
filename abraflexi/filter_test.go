package abraflexi

import (
	"errors"
	"math"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

func TestFilterOperators(t *testing.T) {
	d := decimal.RequireFromString("1210.50")
	tests := []struct {
		name string
		f    Filter
		want string
	}{
		{"eq string", Eq("kod", "ABC"), "kod eq 'ABC'"},
		{"eq int", Eq("id", 42), "id eq 42"},
		{"eq int64", Eq("id", int64(42)), "id eq 42"},
		{"eq uint", Eq("id", uint16(7)), "id eq 7"},
		{"eq float", Eq("sumCelkem", 12.5), "sumCelkem eq 12.5"},
		{"eq decimal", Eq("sumCelkem", d), "sumCelkem eq 1210.5"},
		{"eq bool", Eq("storno", false), "storno eq false"},
		{"eq Bool", Eq("sparovano", Bool(true)), "sparovano eq true"},
		{"eq date", Eq("datVyst", NewDate(2024, 1, 31)), "datVyst eq '2024-01-31'"},
		{"eq time", Gt("lastUpdate", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)), "lastUpdate gt '2026-01-02T03:04:05'"},
		{"eq code id", Eq("firma", CodeID("abc")), "firma eq 'code:ABC'"},
		{"eq numeric id", Eq("firma", NumericID(12)), "firma eq 12"},
		{"eq ext id", Eq("id", ExtID("SHOP", "a1")), "id eq 'ext:SHOP:a1'"},
		{"eq named string", Eq("zbytek", RemainderIgnore), "zbytek eq 'ignorovat'"},
		{"ne", Ne("stavUhrK", PaymentStatePaid), "stavUhrK ne 'stavUhr.uhrazeno'"},
		{"lt", Lt("datSplat", NewDate(2024, 5, 1)), "datSplat lt '2024-05-01'"},
		{"lte", Lte("datSplat", NewDate(2024, 5, 1)), "datSplat lte '2024-05-01'"},
		{"gt", Gt("id", 89587), "id gt 89587"},
		{"gte", Gte("datVyst", NewDate(2024, 4, 1)), "datVyst gte '2024-04-01'"},
		{"like", Like("nazev", "Novák"), "nazev like 'Novák'"},
		{"begins", Begins("kod", "VF1"), "kod begins 'VF1'"},
		{"in", In("id", 1, 2, 3), "id in (1, 2, 3)"},
		{"in strings", In("kod", "A", "B"), "kod in ('A', 'B')"},
		{"is null", IsNull("stavUhrK"), "stavUhrK is null"},
		{"is not null", IsNotNull("varSym"), "varSym is not null"},
		{"is true", IsTrue("storno"), "storno eq true"},
		{"is false", IsFalse("storno"), "storno eq false"},
		{"rel code", RelEq("firma", CodeID("ABC")), "firma = 'code:ABC'"},
		{"rel numeric", RelEq("firma", NumericID(123)), "firma = 123"},
		{"label", HasLabel("upominka1"), "stitky = 'code:UPOMINKA1'"},
		{"dotted field", Eq("typDokl.typDoklK", KindInvoice), "typDokl.typDoklK eq 'typDokladu.faktura'"},
		{"not", Not(Eq("typDokl.typDoklK", KindCreditNote)), "not (typDokl.typDoklK eq 'typDokladu.dobropis')"},
		{"and", And(IsFalse("storno"), Eq("kod", "A")), "storno eq false and kod eq 'A'"},
		{"and skips zero", And(Filter{}, Eq("kod", "A"), Filter{}), "kod eq 'A'"},
		{"and none", And(), ""},
		{"grouping", And(Or(IsNull("stavUhrK"), Eq("stavUhrK", PaymentStatePartial)), IsFalse("storno")),
			"(stavUhrK is null or stavUhrK eq 'stavUhr.castUhr') and storno eq false"},
		{"nested or of and", Or(And(Eq("a", 1), Eq("b", 2)), Eq("c", 3)), "(a eq 1 and b eq 2) or c eq 3"},
		{"method and", IsFalse("storno").And(HasLabel("VIP")), "storno eq false and stitky = 'code:VIP'"},
		{"double quote stays single", Eq("nazev", `say "hi"`), `nazev eq 'say "hi"'`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.f.Err(); err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if got := tt.f.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestFilterRejects(t *testing.T) {
	tests := []struct {
		name string
		f    Filter
	}{
		{"both quotes", Eq("kod", `X' or "a"`)},
		{"injection", Eq("kod", "X' or kod ne '")},
		{"single quote", Eq("nazev", "O'Brien")},
		{"injection in like", Like("nazev", "a') or (kod ne 'b")},
		{"injection in in", In("kod", "A", "B') or (kod ne 'C")},
		{"code id with quote", RelEq("firma", CodeID("O'B"))},
		{"label with quote", HasLabel("VIP' or stitky ne 'X")},
		{"newline", Eq("kod", "A\nor kod ne 'B'")},
		{"newline alone", Eq("kod", "A\n")},
		{"carriage return", Eq("kod", "A\r")},
		{"tab", Eq("kod", "A\tB")},
		{"nul", Eq("kod", "A\x00")},
		{"line separator", Eq("kod", "A\u2028")},
		{"invalid utf8", Eq("kod", "A\xff")},
		{"NaN", Eq("sumCelkem", math.NaN())},
		{"+Inf", Gt("sumCelkem", math.Inf(1))},
		{"-Inf float32", Lt("sumCelkem", float32(math.Inf(-1)))},
		{"field with space", Eq("kod or 1", "A")},
		{"field with paren", Eq("kod)", "A")},
		{"field unicode", Eq("kód", "A")},
		{"field empty", Eq("", "A")},
		{"backslash", Eq("kod", `X\' or 1`)},
		{"newline", Eq("kod", "X\nY")},
		{"nul", Eq("kod", "X\x00")},
		{"invalid utf8", Eq("kod", "X\xff")},
		{"labelset", Eq("stitky", Labels("A"))},
		{"nil", Eq("kod", nil)},
		{"struct", Eq("kod", struct{}{})},
		{"zero date", Eq("datVyst", Date{})},
		{"zero id", RelEq("firma", ID{})},
		{"nan", Eq("sumCelkem", nanValue())},
		{"bad field space", Eq("kod eq 'A' or kod", "B")},
		{"bad field paren", IsNull("kod) or (1")},
		{"bad field empty", Eq("", "B")},
		{"bad field digit", Eq("1kod", "B")},
		{"bad field quote", Eq("k'od", "B")},
		{"empty in", In("id")},
		{"bad in value", In("kod", "A", `'"`)},
		{"not zero", Not(Filter{})},
		{"label comma", HasLabel("A,B")},
		{"label empty", HasLabel(" ")},
		{"error propagates through and", And(Eq("a", 1), Eq("b", `\`))},
		{"error propagates through or", Or(Eq("b", `\`), Eq("a", 1))},
		{"error propagates through not", Not(Eq("b", `\`))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.f.Err()
			if err == nil {
				t.Fatalf("no error; expression %q", tt.f.expr)
			}
			if !errors.Is(err, ErrInvalidFilter) {
				t.Errorf("error %v does not wrap ErrInvalidFilter", err)
			}
			if tt.f.String() != "" || tt.f.PathSegment() != "" || tt.f.IsZero() {
				t.Errorf("a failed filter must render nothing and not be zero")
			}
		})
	}
}

func nanValue() float64 {
	var z float64
	return z / z
}

func TestFilterPathSegment(t *testing.T) {
	tests := []struct {
		f    Filter
		want string
	}{
		{Filter{}, ""},
		{Eq("kod", "ABC"), "(kod%20eq%20'ABC')"},
		{And(Or(IsNull("stavUhrK"), Eq("stavUhrK", "stavUhr.castUhr")), IsFalse("storno")),
			"(%28stavUhrK%20is%20null%20or%20stavUhrK%20eq%20'stavUhr.castUhr'%29%20and%20storno%20eq%20false)"},
		{RelEq("firma", CodeID("VF1-0001/2024")), "(firma%20%3D%20'code:VF1-0001%2F2024')"},
		{Eq("nazev", `say "hi"`), "(nazev%20eq%20'say%20%22hi%22')"},
		{Eq("nazev", "50% & more?#"), "(nazev%20eq%20'50%25%20%26%20more%3F%23')"},
		{In("id", 1, 2), "(id%20in%20%281%2C%202%29)"},
		{Eq("nazev", "Žluťoučký"), "(nazev%20eq%20'%C5%BDlu%C5%A5ou%C4%8Dk%C3%BD')"},
	}
	for _, tt := range tests {
		if got := tt.f.PathSegment(); got != tt.want {
			t.Errorf("PathSegment(%q) = %q, want %q", tt.f.String(), got, tt.want)
		}
	}
}

func TestFilterZero(t *testing.T) {
	var f Filter
	if !f.IsZero() || f.Err() != nil || f.String() != "" {
		t.Fatal("zero filter must be empty and valid")
	}
	if And(f, f).IsZero() != true {
		t.Fatal("And of zero filters must be zero")
	}
	if Eq("kod", "A").IsZero() {
		t.Fatal("Eq must not be zero")
	}
}

func TestFilterUnicodeAndDoubleQuotes(t *testing.T) {
	for _, tc := range []struct {
		f    Filter
		want string
	}{
		{Eq("nazev", "Žluťoučký kůň"), "nazev eq 'Žluťoučký kůň'"},
		{Eq("nazev", `say "hi"`), `nazev eq 'say "hi"'`},
		{Eq("nazev", "a) or (kod ne b"), "nazev eq 'a) or (kod ne b'"},
		{Eq("nazev", "’smart quote’"), "nazev eq '’smart quote’'"},
		{Eq("sumCelkem", decimal.RequireFromString("1.2290034529E8")), "sumCelkem eq 122900345.29"},
		{Eq("sumCelkem", 0.1), "sumCelkem eq 0.1"},
		{Eq("sumCelkem", 1e21), "sumCelkem eq 1000000000000000000000"},
	} {
		if err := tc.f.Err(); err != nil || tc.f.String() != tc.want {
			t.Errorf("got %q %v, want %q", tc.f.String(), err, tc.want)
		}
	}
}

// FuzzFilterValue checks that no string value can leave its literal: a
// value is either refused or rendered as exactly one single-quoted literal,
// and the path segment unescapes back to the expression.
func FuzzFilterValue(f *testing.F) {
	for _, s := range []string{"A", "X' or kod ne '", `"`, "a)(b", "%27", "\\'", "\n", "ž", "code:X", "'", "''", " or 1=1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		flt := Eq("kod", v)
		if flt.Err() != nil {
			if !errors.Is(flt.Err(), ErrInvalidFilter) {
				t.Fatalf("%q: %v", v, flt.Err())
			}
			return
		}
		if strings.ContainsAny(v, "'\\\n\r") {
			t.Fatalf("%q accepted", v)
		}
		if got := flt.String(); got != "kod eq '"+v+"'" {
			t.Fatalf("%q rendered as %q", v, got)
		}
		seg := flt.PathSegment()
		un, err := url.PathUnescape(seg)
		if err != nil || un != "("+flt.String()+")" {
			t.Fatalf("segment %q unescapes to %q (%v)", seg, un, err)
		}
		if strings.ContainsAny(seg[1:len(seg)-1], " ()/?#") {
			t.Fatalf("segment %q has raw delimiters", seg)
		}
	})
}
