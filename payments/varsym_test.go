package payments

import (
	"slices"
	"testing"
)

func TestNormalizeVarSym(t *testing.T) {
	for in, want := range map[string]string{
		"12345": "12345", "0012345": "12345", " 0012345\t": "12345", "": "", "0": "", "000": "", "100": "100", "0100": "100",
	} {
		if got := NormalizeVarSym(in); got != want {
			t.Errorf("NormalizeVarSym(%q) = %q, want %q", in, got, want)
		}
	}
	if !SameVarSym("0012345", "12345") || SameVarSym("", "0") || SameVarSym("12345", "2345") {
		t.Error("SameVarSym")
	}
}

func TestVarSymVariants(t *testing.T) {
	got := VarSymVariants("0012345")
	want := []string{"12345", "012345", "0012345", "00012345", "000012345", "0000012345"}
	if !slices.Equal(got, want) {
		t.Errorf("VarSymVariants(0012345) = %q, want %q", got, want)
	}
	for _, v := range got {
		if !SameVarSym(v, "12345") {
			t.Errorf("variant %q is not the same symbol", v)
		}
	}
	if got := VarSymVariants("1234567890"); !slices.Equal(got, []string{"1234567890"}) {
		t.Errorf("ten digits: %q", got)
	}
	// A symbol padded beyond ten characters keeps its own spelling.
	if got := VarSymVariants("000001234567890"); !slices.Contains(got, "000001234567890") || !slices.Contains(got, "1234567890") {
		t.Errorf("long padding: %q", got)
	}
	if VarSymVariants("000") != nil || VarSymVariants(" ") != nil {
		t.Error("variants of an empty symbol")
	}
}
