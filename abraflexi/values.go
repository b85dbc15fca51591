package abraflexi

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Bool is a boolean that decodes from the classic API's string rendering
// ("true"/"false") as well as from a JSON boolean.
type Bool bool

// UnmarshalJSON accepts "true", "false", true, false, "" and null.
func (b *Bool) UnmarshalJSON(data []byte) error {
	s := strings.Trim(string(data), `"`)
	switch strings.ToLower(s) {
	case "true", "1":
		*b = true
	case "false", "0", "", "null":
		*b = false
	default:
		return fmt.Errorf("abraflexi: cannot decode %s as a boolean", data)
	}
	return nil
}

// MarshalJSON writes the classic API's string form.
func (b Bool) MarshalJSON() ([]byte, error) {
	if b {
		return []byte(`"true"`), nil
	}
	return []byte(`"false"`), nil
}

// Date is a calendar date without a time zone, as AbraFlexi's date fields
// (datVyst, datSplat, smlouvaOd, ...) are. The zero value means "no date".
type Date struct {
	// Year is the year, e.g. 2024.
	Year int
	// Month is the month of the year.
	Month time.Month
	// Day is the day of the month, 1-31.
	Day int
}

// NewDate returns the date y-m-d.
func NewDate(y int, m time.Month, d int) Date {
	return DateOf(time.Date(y, m, d, 0, 0, 0, 0, time.UTC))
}

// DateOf returns the calendar date of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{Year: y, Month: m, Day: d}
}

// ParseDate parses "2024-01-31", "2024-01-31+01:00" or a datetime such as
// "2024-01-31T10:00:00.000+01:00"; the zone is ignored. An empty string
// gives the zero Date.
func ParseDate(s string) (Date, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Date{}, nil
	}
	if len(s) < 10 {
		return Date{}, fmt.Errorf("abraflexi: invalid date %q", s)
	}
	t, err := time.Parse("2006-01-02", s[:10])
	if err != nil {
		return Date{}, fmt.Errorf("abraflexi: invalid date %q", s)
	}
	if rest := s[10:]; rest != "" && rest[0] != '+' && rest[0] != '-' && rest[0] != 'T' && rest[0] != 'Z' && rest[0] != ' ' {
		return Date{}, fmt.Errorf("abraflexi: invalid date %q", s)
	}
	return DateOf(t), nil
}

// MustParseDate is like [ParseDate] but panics on error.
func MustParseDate(s string) Date {
	d, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// IsZero reports whether d is the zero date.
func (d Date) IsZero() bool { return d == Date{} }

// Time returns midnight of d in loc (UTC when loc is nil).
func (d Date) Time(loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// Compare returns -1, 0 or +1 as d is before, equal to or after o.
func (d Date) Compare(o Date) int {
	switch {
	case d.Year != o.Year:
		return cmp.Compare(d.Year, o.Year)
	case d.Month != o.Month:
		return cmp.Compare(int(d.Month), int(o.Month))
	}
	return cmp.Compare(d.Day, o.Day)
}

// Before reports whether d is before o.
func (d Date) Before(o Date) bool { return d.Compare(o) < 0 }

// After reports whether d is after o.
func (d Date) After(o Date) bool { return d.Compare(o) > 0 }

// AddDays returns d moved by n days.
func (d Date) AddDays(n int) Date { return DateOf(d.Time(time.UTC).AddDate(0, 0, n)) }

// String returns "YYYY-MM-DD", or "" for the zero date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// MarshalJSON writes "YYYY-MM-DD" (null for the zero date).
func (d Date) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(d.String())
}

// UnmarshalJSON accepts the forms [ParseDate] accepts, and null.
func (d *Date) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		*d = Date{}
		return nil
	}
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("abraflexi: date: %w", err)
	}
	v, err := ParseDate(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// Ref is a relation to another record, such as an invoice's customer
// (firma) or a contract's type (typSml). The classic API renders it as an
// identifier string with sibling keys "<field>@showAs" and "<field>@ref";
// with includes= the relation is expanded into an object, whose scalar
// fields are kept in Fields.
type Ref struct {
	// ID identifies the related record ("code:ABC" or a numeric id).
	ID ID
	// ShowAs is the server's display text, "CODE: name" for most evidences.
	ShowAs string
	// URL is the API path of the related record (the @ref key).
	URL string
	// Fields holds the scalar fields of an expanded relation (includes=).
	Fields map[string]string
	raw    string
}

// RefTo returns a relation to the record id.
func RefTo(id ID) Ref { return Ref{ID: id} }

// IsZero reports whether the relation is empty.
func (r Ref) IsZero() bool { return r.ID.IsZero() && r.raw == "" && len(r.Fields) == 0 }

// Code returns the related record's code without the "code:" prefix, taken
// from the identifier, an expanded relation's kod, or the showAs text.
func (r Ref) Code() string {
	if c, ok := r.ID.Code(); ok {
		return c
	}
	if k := r.Fields["kod"]; k != "" {
		return strings.ToUpper(k)
	}
	if code, _, ok := strings.Cut(r.ShowAs, ": "); ok {
		return strings.ToUpper(code)
	}
	return ""
}

// String returns the identifier's wire form (or the raw value when it was
// not a valid identifier).
func (r Ref) String() string {
	if !r.ID.IsZero() {
		return r.ID.String()
	}
	return r.raw
}

// MarshalJSON writes the relation as its identifier string, the form
// AbraFlexi expects on import.
func (r Ref) MarshalJSON() ([]byte, error) {
	if r.IsZero() {
		return []byte("null"), nil
	}
	if s := r.String(); s != "" {
		return json.Marshal(s)
	}
	return json.Marshal("code:" + r.Code())
}

// UnmarshalJSON accepts an identifier string, an expanded object, an array
// holding one expanded object, or the internal {"@value","@showAs","@ref"}
// form produced when sibling keys are folded in.
func (r *Ref) UnmarshalJSON(data []byte) error {
	*r = Ref{}
	data = bytes.TrimSpace(data)
	if len(data) == 0 || string(data) == "null" {
		return nil
	}
	switch data[0] {
	case '"':
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return err
		}
		r.setValue(s)
		return nil
	case '[':
		var arr []json.RawMessage
		if err := json.Unmarshal(data, &arr); err != nil {
			return err
		}
		if len(arr) == 0 {
			return nil
		}
		return r.UnmarshalJSON(arr[0])
	case '{':
		var m map[string]json.RawMessage
		if err := json.Unmarshal(data, &m); err != nil {
			return err
		}
		for k, v := range m {
			s := scalarString(v)
			switch k {
			case "@value":
				r.setValue(s)
			case "@showAs":
				r.ShowAs = s
			case "@ref":
				r.URL = s
			default:
				if r.Fields == nil {
					r.Fields = map[string]string{}
				}
				r.Fields[k] = s
			}
		}
		if r.ID.IsZero() {
			if id := r.Fields["id"]; id != "" {
				r.ID, _ = ParseID(id)
			} else if k := r.Fields["kod"]; k != "" {
				r.ID = CodeID(k)
			}
		}
		return nil
	}
	// A bare number.
	r.setValue(string(data))
	return nil
}

func (r *Ref) setValue(s string) {
	if s == "" {
		return
	}
	if id, err := ParseID(s); err == nil {
		r.ID = id
		return
	}
	r.raw = s
}

// scalarString renders a JSON scalar as a plain string ("" for null and
// non-scalars).
func scalarString(v json.RawMessage) string {
	v = bytes.TrimSpace(v)
	if len(v) == 0 || string(v) == "null" {
		return ""
	}
	if v[0] == '"' {
		var s string
		_ = json.Unmarshal(v, &s)
		return s
	}
	if v[0] == '{' || v[0] == '[' {
		return ""
	}
	return string(v)
}

var jsonNull = json.RawMessage("null")

// decodeRecord decodes one record of the classic API into v leniently:
// empty strings read as absent values (so "" decodes into a decimal, a date
// or a number as its zero value), and for each relation field in refs the
// sibling keys "<field>@showAs" and "<field>@ref" are folded into the
// relation. v must not have its own UnmarshalJSON calling decodeRecord on
// the same type (use a local alias type).
func decodeRecord(data []byte, v any, refs ...string) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return err
	}
	for k, raw := range m {
		if string(raw) == `""` {
			m[k] = jsonNull
		}
	}
	for _, f := range refs {
		show, hasShow := m[f+"@showAs"]
		ref, hasRef := m[f+"@ref"]
		val, hasVal := m[f]
		if !hasShow && !hasRef {
			continue
		}
		if hasVal && len(val) > 0 && (val[0] == '{' || val[0] == '[') {
			continue
		}
		obj := map[string]json.RawMessage{}
		if hasVal {
			obj["@value"] = val
		}
		if hasShow {
			obj["@showAs"] = show
		}
		if hasRef {
			obj["@ref"] = ref
		}
		folded, err := json.Marshal(obj)
		if err != nil {
			return err
		}
		m[f] = folded
	}
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("abraflexi: decode record: %w", err)
	}
	return nil
}
