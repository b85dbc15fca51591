package abraflexi

import (
	"encoding/json"
	"slices"
	"strings"
)

// LabelSet is a set of AbraFlexi label codes (the stitky field). AbraFlexi
// renders the set as one comma-separated string ("VIP, ODPOJENO"); ParseLabels
// reads that form and [LabelSet.String] writes the canonical one.
//
// Label codes compare case-insensitively and are kept upper-case, as
// AbraFlexi stores them. The zero value is an empty set ready to use; the
// methods that change a set return a new one and never modify the receiver.
type LabelSet struct {
	codes []string // upper-case, sorted, unique
}

// ParseLabels splits a stitky value on commas and trims every code. Empty
// entries are dropped.
func ParseLabels(s string) LabelSet {
	var codes []string
	for part := range strings.SplitSeq(s, ",") {
		if c := normLabel(part); c != "" {
			codes = append(codes, c)
		}
	}
	return newLabelSet(codes)
}

// Labels builds a set from label codes.
func Labels(codes ...string) LabelSet {
	var out []string
	for _, c := range codes {
		if c = normLabel(c); c != "" {
			out = append(out, c)
		}
	}
	return newLabelSet(out)
}

func normLabel(s string) string {
	return strings.ToUpper(strings.TrimPrefix(strings.TrimSpace(s), "code:"))
}

func newLabelSet(codes []string) LabelSet {
	slices.Sort(codes)
	return LabelSet{codes: slices.Compact(codes)}
}

// Has reports whether the set holds code.
func (l LabelSet) Has(code string) bool {
	_, ok := slices.BinarySearch(l.codes, normLabel(code))
	return ok
}

// HasAny reports whether the set holds any of codes.
func (l LabelSet) HasAny(codes ...string) bool {
	for _, c := range codes {
		if l.Has(c) {
			return true
		}
	}
	return false
}

// HasAll reports whether the set holds every one of codes.
func (l LabelSet) HasAll(codes ...string) bool {
	for _, c := range codes {
		if !l.Has(c) {
			return false
		}
	}
	return true
}

// Add returns the set with codes added.
func (l LabelSet) Add(codes ...string) LabelSet {
	return Labels(append(slices.Clone(l.codes), codes...)...)
}

// Remove returns the set without codes.
func (l LabelSet) Remove(codes ...string) LabelSet {
	out := make([]string, 0, len(l.codes))
	for _, c := range l.codes {
		if !slices.ContainsFunc(codes, func(r string) bool { return normLabel(r) == c }) {
			out = append(out, c)
		}
	}
	return LabelSet{codes: out}
}

// Len returns the number of labels.
func (l LabelSet) Len() int { return len(l.codes) }

// Codes returns the label codes, sorted.
func (l LabelSet) Codes() []string { return slices.Clone(l.codes) }

// Equal reports whether both sets hold the same labels.
func (l LabelSet) Equal(o LabelSet) bool { return slices.Equal(l.codes, o.codes) }

// String returns the canonical wire form: sorted codes joined by ",".
func (l LabelSet) String() string { return strings.Join(l.codes, ",") }

// MarshalJSON writes the canonical string.
func (l LabelSet) MarshalJSON() ([]byte, error) { return json.Marshal(l.String()) }

// UnmarshalJSON reads a comma-separated string (or, tolerantly, an array of codes).
func (l *LabelSet) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*l = ParseLabels(s)
		return nil
	}
	var arr []string
	if err := json.Unmarshal(b, &arr); err != nil {
		return err
	}
	*l = Labels(arr...)
	return nil
}
