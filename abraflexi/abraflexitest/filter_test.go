package abraflexitest

import (
	"slices"
	"strconv"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/spoje-net/isptools/abraflexi"
)

func TestParseFilterErrors(t *testing.T) {
	for _, src := range []string{
		"kod = 'ABC", `kod = "ABC`, "kod =", "= 'x'", "(kod = 'A'", "kod = 'A')", "kod foo 'A'",
		"kod in ('A' 'B')", "kod is maybe", "kod = 'A' and", "kod ! 'A'", "kod = 'A' # x",
	} {
		if _, err := parseFilter(src); err == nil {
			t.Errorf("parseFilter(%q): want error", src)
		}
	}
}

func TestParseFilterPrecedence(t *testing.T) {
	n, err := parseFilter("a = 1 or b = 2 and not c = 3")
	if err != nil {
		t.Fatal(err)
	}
	or, ok := n.(orNode)
	if !ok {
		t.Fatalf("top node %T, want orNode", n)
	}
	and, ok := or.r.(andNode)
	if !ok {
		t.Fatalf("right node %T, want andNode", or.r)
	}
	if _, ok := and.r.(notNode); !ok {
		t.Fatalf("and.r %T, want notNode", and.r)
	}
	n, err = parseFilter("A eq 1 AND B NEQ 'x' Or c is NOT null")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := n.(orNode); !ok {
		t.Fatalf("upper-case keywords: %T", n)
	}
}

// filterFixture seeds a small data set for evaluator tests.
func filterFixture(t *testing.T) *Server {
	s := NewUnstartedServer(WithToday(abraflexi.NewDate(2024, 3, 15)))
	t.Cleanup(s.Close)
	s.tb = t
	s.Seed(
		abraflexi.Address{Code: "ABC", Name: "ABC s.r.o.", Labels: abraflexi.Labels("VIP")},
		abraflexi.Address{Code: "XYZ", Name: "Xyz a.s.", Labels: abraflexi.Labels("ODPOJENO", "UPOMINKA3")},
		abraflexi.IssuedInvoice{Code: "VF1-0001/2024", Customer: abraflexi.RefTo(abraflexi.CodeID("ABC")), VariableSymbol: "10001",
			Total: decimal.NewFromInt(1210), IssuedOn: abraflexi.NewDate(2024, 1, 10), DueOn: abraflexi.NewDate(2024, 1, 24)},
		abraflexi.IssuedInvoice{Code: "VF1-0002/2024", Customer: abraflexi.RefTo(abraflexi.CodeID("XYZ")), VariableSymbol: "10002",
			Total: decimal.NewFromInt(500), IssuedOn: abraflexi.NewDate(2024, 2, 10), DueOn: abraflexi.NewDate(2024, 2, 24),
			PaymentState: abraflexi.PaymentStatePaid},
		abraflexi.IssuedInvoice{Code: "ZAL-1", Customer: abraflexi.RefTo(abraflexi.CodeID("ABC")), VariableSymbol: "10003",
			Total: decimal.RequireFromString("99.5"), IssuedOn: abraflexi.NewDate(2024, 3, 1), DueOn: abraflexi.NewDate(2024, 3, 20),
			DocumentType: abraflexi.RefTo(abraflexi.CodeID("ZALOHA")), PaymentState: abraflexi.PaymentStatePartial,
			Remaining: decimal.NewFromInt(50), Labels: abraflexi.Labels("UPOMINKA1")},
		abraflexi.IssuedInvoice{Code: "VF1-0004/2024", VariableSymbol: "10004", Total: decimal.NewFromInt(100),
			IssuedOn: abraflexi.NewDate(2024, 3, 5), Cancelled: true},
	)
	return s
}

func TestFilterEvaluation(t *testing.T) {
	s := filterFixture(t)
	inv := s.tables[abraflexi.EvidenceIssuedInvoice]
	adr := s.tables[abraflexi.EvidenceAddress]
	codes := func(tb *table, filter string) ([]string, error) {
		p, err := s.compileFilter(tb, filter)
		if err != nil {
			return nil, err
		}
		var out []string
		for _, id := range tb.ids() {
			if p(tb.recs[id]) {
				out = append(out, tb.recs[id].kod())
			}
		}
		return out, nil
	}
	tests := []struct {
		tb     *table
		filter string
		want   []string
	}{
		{inv, "kod = 'VF1-0001/2024'", []string{"VF1-0001/2024"}},
		{inv, "kod == 'vf1-0001/2024'", []string{"VF1-0001/2024"}},
		{inv, `kod eq "ZAL-1"`, []string{"ZAL-1"}},
		{inv, "kod <> 'ZAL-1' and kod != 'VF1-0004/2024'", []string{"VF1-0001/2024", "VF1-0002/2024"}},
		{inv, "sumCelkem > 100", []string{"VF1-0001/2024", "VF1-0002/2024"}},
		{inv, "sumCelkem gte 100 AND sumCelkem lt 1000", []string{"VF1-0002/2024", "VF1-0004/2024"}},
		{inv, "sumCelkem <= 99.5", []string{"ZAL-1"}},
		{inv, "id in (1, 3)", []string{"VF1-0001/2024", "ZAL-1"}},
		{inv, "id = 'code:ZAL-1'", []string{"ZAL-1"}},
		{inv, "id gt 2", []string{"ZAL-1", "VF1-0004/2024"}},
		{inv, "datSplat lt '2024-02-24'", []string{"VF1-0001/2024"}},
		{inv, "datSplat lte '2024-02-24'", []string{"VF1-0001/2024", "VF1-0002/2024"}},
		{inv, "datVyst between '2024-02-01' '2024-03-01'", []string{"VF1-0002/2024", "ZAL-1"}},
		{inv, "datSplat lt now()", []string{"VF1-0001/2024", "VF1-0002/2024"}},
		{inv, "stavUhrK is null", []string{"VF1-0001/2024", "VF1-0004/2024"}},
		{inv, "stavUhrK is not null", []string{"VF1-0002/2024", "ZAL-1"}},
		{inv, "(stavUhrK is null OR stavUhrK eq 'stavUhr.castUhr') AND storno eq false", []string{"VF1-0001/2024", "ZAL-1"}},
		{inv, "stavUhrK neq 'stavUhr.uhrazeno'", []string{"ZAL-1"}},
		{inv, "storno is true", []string{"VF1-0004/2024"}},
		{inv, "storno is false", []string{"VF1-0001/2024", "VF1-0002/2024", "ZAL-1"}},
		{inv, "storno = 'true'", []string{"VF1-0004/2024"}},
		{inv, "not (storno = true)", []string{"VF1-0001/2024", "VF1-0002/2024", "ZAL-1"}},
		{inv, "kod like 'vf1'", []string{"VF1-0001/2024", "VF1-0002/2024", "VF1-0004/2024"}},
		{inv, "kod begins 'ZAL'", []string{"ZAL-1"}},
		{inv, "kod ends '2/2024'", []string{"VF1-0002/2024"}},
		{inv, "varSym in ('10001', '10003')", []string{"VF1-0001/2024", "ZAL-1"}},
		{inv, "varSym = 10002", []string{"VF1-0002/2024"}},
		{inv, "firma = 'code:ABC'", []string{"VF1-0001/2024", "ZAL-1"}},
		{inv, "firma = 'code:abc'", []string{"VF1-0001/2024", "ZAL-1"}},
		{inv, "firma = 2", []string{"VF1-0002/2024"}},
		{inv, "firma = 'code:NOPE'", nil},
		{inv, "firma is null", []string{"VF1-0004/2024"}},
		{inv, "firma in ('code:ABC', 'code:XYZ')", []string{"VF1-0001/2024", "VF1-0002/2024", "ZAL-1"}},
		{inv, "firma.kod = 'XYZ'", []string{"VF1-0002/2024"}},
		{inv, "firma.nazev like 'abc'", []string{"VF1-0001/2024", "ZAL-1"}},
		{inv, "typDokl.typDoklK eq 'typDokladu.zalohFaktura'", []string{"ZAL-1"}},
		{inv, "not(typDokl.typDoklK eq 'typDokladu.zalohFaktura')", []string{"VF1-0001/2024", "VF1-0002/2024", "VF1-0004/2024"}},
		{inv, "typDokl = 'code:FAKTURA'", []string{"VF1-0001/2024", "VF1-0002/2024", "VF1-0004/2024"}},
		{inv, "stitky = 'code:UPOMINKA1'", []string{"ZAL-1"}},
		{inv, "stitky is null", []string{"VF1-0001/2024", "VF1-0002/2024", "VF1-0004/2024"}},
		{adr, "stitky = 'code:ODPOJENO'", []string{"XYZ"}},
		{adr, "stitky = 'code:UPOMINKA3' and stitky = 'code:ODPOJENO'", []string{"XYZ"}},
		{adr, "stitky in ('code:VIP', 'code:NEODPOJOVAT')", []string{"ABC"}},
		{adr, "stitky <> 'code:VIP'", []string{"XYZ"}},
		{adr, "stitky='code:VIP' OR nazev like 'xyz'", []string{"ABC", "XYZ"}},
		{adr, "((kod = 'ABC'))", []string{"ABC"}},
	}
	for _, tc := range tests {
		got, err := codes(tc.tb, tc.filter)
		if err != nil {
			t.Errorf("%s: %v", tc.filter, err)
			continue
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.filter, got, tc.want)
		}
	}

	bad := []string{
		"id gt '2'",          // quoted number on a numeric field (php-abraflexi #35)
		"sumCelkem = '100'",  // same
		"nosuch = 1",         // unknown field
		"datVyst > 20240101", // unquoted date
		"datVyst > 'yesterday'",
		"storno = 'maybe'",
		"storno is null and kod = 'A",
		"firma = '12'", // quoted numeric id on a relation
		"kod.x = 'A'",  // traversal of a non-relation
		"firma.nosuch = 'A'",
		"stitky = 1",
		"kod is true",
	}
	for _, f := range bad {
		if _, err := codes(inv, f); err == nil {
			t.Errorf("%s: want error", f)
		}
	}
}

func TestJavaNumber(t *testing.T) {
	for in, want := range map[string]string{
		"1210": "1210.0", "1210.5": "1210.5", "0": "0.0", "-3.25": "-3.25", "24306.55": "24306.55",
		"122900345.29": "1.2290034529E8", "10000000": "1.0E7", "": "",
	} {
		if got := javaNumber(in); got != want {
			t.Errorf("javaNumber(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRenderDate(t *testing.T) {
	for in, want := range map[string]string{
		"2024-01-31": "2024-01-31+01:00", "2024-07-01": "2024-07-01+02:00",
		"2024-03-31": "2024-03-31+01:00", "2024-04-01": "2024-04-01+02:00", "2024-10-27": "2024-10-27+02:00",
		"2024-10-28": "2024-10-28+01:00",
	} {
		if got := renderDate(in); got != want {
			t.Errorf("renderDate(%q) = %q, want %q", in, got, want)
		}
	}
	_ = strconv.Itoa
}
