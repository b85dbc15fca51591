package abraflexi

import (
	"fmt"
	"math"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/shopspring/decimal"
)

// Filter is an AbraFlexi filter expression built safely from values: field
// names are validated and every value is rendered as a literal that cannot
// end early, so no value can widen a query. A value that cannot be written
// safely makes the Filter carry an error (see [Filter.Err]); listings
// return that error before sending any request.
//
// The zero Filter selects all records. Filters are immutable values.
type Filter struct {
	expr     string
	err      error
	compound bool // top-level and/or: parenthesised when nested
}

var fieldRe = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.-]*$`)

func filterErr(format string, args ...any) Filter {
	return Filter{err: fmt.Errorf("%w: "+format, append([]any{ErrInvalidFilter}, args...)...)}
}

// String returns the expression without the enclosing parentheses, or ""
// for the zero Filter and for a Filter with an error.
func (f Filter) String() string {
	if f.err != nil {
		return ""
	}
	return f.expr
}

// Err returns the error of a Filter that could not be built safely.
func (f Filter) Err() error { return f.err }

// IsZero reports whether f selects all records (and carries no error).
func (f Filter) IsZero() bool { return f.expr == "" && f.err == nil }

// PathSegment returns the filter as the URL path segment that follows the
// evidence: "(" + escaped expression + ")". Spaces become %20 and inner
// parentheses %28/%29, single quotes and colons stay literal and every
// other byte outside the RFC 3986 unreserved set is percent-encoded (the
// form of php-abraflexi's urlEncode). It returns "" for the zero Filter or
// when f carries an error.
func (f Filter) PathSegment() string {
	if f.err != nil || f.expr == "" {
		return ""
	}
	var b strings.Builder
	b.WriteByte('(')
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(f.expr); i++ {
		c := f.expr[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~' || c == '\'' || c == ':' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	b.WriteByte(')')
	return b.String()
}

func checkField(field string) error {
	if !fieldRe.MatchString(field) {
		return fmt.Errorf("%w: field name %q is not of the form [A-Za-z][A-Za-z0-9_.-]*", ErrInvalidFilter, field)
	}
	return nil
}

func compare(field, op string, value any) Filter {
	if err := checkField(field); err != nil {
		return Filter{err: err}
	}
	lit, err := literal(value)
	if err != nil {
		return Filter{err: fmt.Errorf("%w: %s %s: %v", ErrInvalidFilter, field, op, err)}
	}
	return Filter{expr: field + " " + op + " " + lit}
}

// Eq is field eq value. Value may be a string, an integer, a float, a
// [decimal.Decimal], a bool or [Bool], a [Date], a [time.Time] (rendered
// without zone) or an [ID] (code:/ext: quoted, numeric unquoted). Any
// other type (for example a [LabelSet]) gives an error; use [HasLabel].
func Eq(field string, value any) Filter { return compare(field, "eq", value) }

// Ne is field ne value.
func Ne(field string, value any) Filter { return compare(field, "ne", value) }

// Lt is field lt value.
func Lt(field string, value any) Filter { return compare(field, "lt", value) }

// Lte is field lte value.
func Lte(field string, value any) Filter { return compare(field, "lte", value) }

// Gt is field gt value.
func Gt(field string, value any) Filter { return compare(field, "gt", value) }

// Gte is field gte value.
func Gte(field string, value any) Filter { return compare(field, "gte", value) }

// Like is field like value: the field contains value (no wildcards).
func Like(field string, value string) Filter { return compare(field, "like", value) }

// Begins is field begins value: the field starts with value.
func Begins(field string, value string) Filter { return compare(field, "begins", value) }

// IsTrue is field eq true.
func IsTrue(field string) Filter { return compare(field, "eq", true) }

// IsFalse is field eq false, e.g. IsFalse("storno") → storno eq false.
func IsFalse(field string) Filter { return compare(field, "eq", false) }

// RelEq compares a relation with a record identifier: RelEq("firma",
// CodeID("ABC")) is firma = 'code:ABC', a numeric id is unquoted.
func RelEq(field string, id ID) Filter {
	if id.IsZero() {
		return filterErr("%s: zero ID", field)
	}
	return compare(field, "=", id)
}

// In is field in (values...). It needs at least one value.
func In(field string, values ...any) Filter {
	if err := checkField(field); err != nil {
		return Filter{err: err}
	}
	if len(values) == 0 {
		return filterErr("%s in: no values", field)
	}
	lits := make([]string, len(values))
	for i, v := range values {
		lit, err := literal(v)
		if err != nil {
			return Filter{err: fmt.Errorf("%w: %s in: value %d: %v", ErrInvalidFilter, field, i, err)}
		}
		lits[i] = lit
	}
	return Filter{expr: field + " in (" + strings.Join(lits, ", ") + ")"}
}

// IsNull is field is null.
func IsNull(field string) Filter {
	if err := checkField(field); err != nil {
		return Filter{err: err}
	}
	return Filter{expr: field + " is null"}
}

// IsNotNull is field is not null.
func IsNotNull(field string) Filter {
	if err := checkField(field); err != nil {
		return Filter{err: err}
	}
	return Filter{expr: field + " is not null"}
}

// HasLabel is stitky = 'code:X': the record carries label X.
func HasLabel(code string) Filter {
	c := normLabel(code)
	if c == "" || strings.ContainsAny(c, ", ") {
		return filterErr("invalid label code %q", code)
	}
	return compare("stitky", "=", CodeID(c))
}

// Not negates f: not (f). Negating the zero Filter is an error.
func Not(f Filter) Filter {
	if f.err != nil {
		return f
	}
	if f.expr == "" {
		return filterErr("not of an empty filter")
	}
	return Filter{expr: "not (" + f.expr + ")"}
}

// And joins filters with and; zero Filters are skipped and the first error
// wins. Compound operands are parenthesised.
func And(fs ...Filter) Filter { return join("and", fs) }

// Or joins filters with or; zero Filters are skipped and the first error
// wins. Compound operands are parenthesised. Note that Or with a zero
// Filter operand is not "all records": the zero operand is skipped.
func Or(fs ...Filter) Filter { return join("or", fs) }

// And returns f and g.
func (f Filter) And(g ...Filter) Filter { return And(append([]Filter{f}, g...)...) }

// Or returns f or g.
func (f Filter) Or(g ...Filter) Filter { return Or(append([]Filter{f}, g...)...) }

func join(op string, fs []Filter) Filter {
	var parts []Filter
	for _, f := range fs {
		if f.err != nil {
			return Filter{err: f.err}
		}
		if f.expr != "" {
			parts = append(parts, f)
		}
	}
	switch len(parts) {
	case 0:
		return Filter{}
	case 1:
		return parts[0]
	}
	var b strings.Builder
	for i, p := range parts {
		if i > 0 {
			b.WriteString(" " + op + " ")
		}
		if p.compound {
			b.WriteString("(" + p.expr + ")")
		} else {
			b.WriteString(p.expr)
		}
	}
	return Filter{expr: b.String(), compound: true}
}

// literal renders a filter value.
func literal(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", fmt.Errorf("nil value (use IsNull)")
	case string:
		return quote(x)
	case bool:
		return strconv.FormatBool(x), nil
	case Bool:
		return strconv.FormatBool(bool(x)), nil
	case int:
		return strconv.FormatInt(int64(x), 10), nil
	case int8:
		return strconv.FormatInt(int64(x), 10), nil
	case int16:
		return strconv.FormatInt(int64(x), 10), nil
	case int32:
		return strconv.FormatInt(int64(x), 10), nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case uint:
		return strconv.FormatUint(uint64(x), 10), nil
	case uint8:
		return strconv.FormatUint(uint64(x), 10), nil
	case uint16:
		return strconv.FormatUint(uint64(x), 10), nil
	case uint32:
		return strconv.FormatUint(uint64(x), 10), nil
	case uint64:
		return strconv.FormatUint(x, 10), nil
	case float32:
		return formatFloat(float64(x), 32)
	case float64:
		return formatFloat(x, 64)
	case decimal.Decimal:
		return x.String(), nil
	case *decimal.Decimal:
		if x == nil {
			return "", fmt.Errorf("nil decimal")
		}
		return x.String(), nil
	case Date:
		if x.IsZero() {
			return "", fmt.Errorf("zero Date (use IsNull)")
		}
		return "'" + x.String() + "'", nil
	case time.Time:
		if x.IsZero() {
			return "", fmt.Errorf("zero time (use IsNull)")
		}
		return "'" + x.Format("2006-01-02T15:04:05") + "'", nil
	case ID:
		if x.IsZero() {
			return "", fmt.Errorf("zero ID")
		}
		if n, ok := x.Numeric(); ok {
			return strconv.FormatInt(n, 10), nil
		}
		return quote(x.String())
	case LabelSet, *LabelSet:
		return "", fmt.Errorf("a LabelSet is not a filter value (use HasLabel)")
	}
	// Named string types (for example RemainderMode).
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.String {
		return quote(rv.String())
	}
	return "", fmt.Errorf("unsupported value type %T", v)
}

func formatFloat(f float64, bits int) (string, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "", fmt.Errorf("non-finite number %v", f)
	}
	return strconv.FormatFloat(f, 'f', -1, bits), nil
}

// quote writes s as a single-quoted string literal. AbraFlexi documents
// no escaping inside a literal, so a value that could end the literal early
// or confuse the parser is refused instead of being spliced in: a single
// quote (for example "X' or kod ne '"), a backslash, a control character
// (newlines included) or invalid UTF-8. Double quotes are ordinary
// characters inside single quotes and are allowed.
func quote(s string) (string, error) {
	if !utf8.ValidString(s) {
		return "", fmt.Errorf("value is not valid UTF-8")
	}
	for _, r := range s {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return "", fmt.Errorf("value %q contains a control character", s)
		}
	}
	if strings.ContainsRune(s, '\\') {
		return "", fmt.Errorf("value %q contains a backslash", s)
	}
	if strings.ContainsRune(s, '\'') {
		return "", fmt.Errorf("value %q contains a single quote, which cannot be escaped in an AbraFlexi filter", s)
	}
	return "'" + s + "'", nil
}
