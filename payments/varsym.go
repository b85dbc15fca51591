package payments

import "strings"

// MaxVarSymDigits is the length of a Czech variable symbol: at most ten
// digits. [VarSymVariants] pads up to this length.
const MaxVarSymDigits = 10

// NormalizeVarSym returns the comparable form of a variable symbol: trimmed
// and without leading zeros, so "0012345" and "12345" are the same symbol.
// A symbol of zeros only (or blank) normalizes to "", which means "no
// variable symbol".
func NormalizeVarSym(vs string) string {
	return strings.TrimLeft(strings.TrimSpace(vs), "0")
}

// SameVarSym reports whether a and b are the same non-empty variable symbol
// after [NormalizeVarSym].
func SameVarSym(a, b string) bool {
	na := NormalizeVarSym(a)
	return na != "" && na == NormalizeVarSym(b)
}

// VarSymVariants returns the spellings of vs an invoice may carry, for a
// server-side "varSym in (...)" filter: the normalized symbol, the symbol
// as given (trimmed), and the normalized symbol zero-padded to every length
// up to [MaxVarSymDigits]. AbraFlexi stores varSym as a string and compares
// it as a string, so "12345" does not find an invoice with "0012345"
// unless that spelling is asked for. A variable symbol has at most ten
// digits, so at most ten variants are needed; invoices padded beyond ten
// characters are not found (and are not valid variable symbols). The
// decision compares normalized symbols again, so the filter only has to
// be wide enough, never exact. It returns nil for a blank or all-zero vs.
func VarSymVariants(vs string) []string {
	norm := NormalizeVarSym(vs)
	if norm == "" {
		return nil
	}
	out := []string{norm}
	seen := map[string]bool{norm: true}
	add := func(s string) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for n := len(norm) + 1; n <= MaxVarSymDigits; n++ {
		add(strings.Repeat("0", n-len(norm)) + norm)
	}
	add(strings.TrimSpace(vs))
	return out
}
