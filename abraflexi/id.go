package abraflexi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// ID identifies one AbraFlexi record: a numeric internal id (123), a record
// code (code:ABC, the kod field) or an external id (ext:SYSTEM:VALUE, or
// ext:VALUE without a system part as in AbraFlexi's own examples).
//
// The zero ID identifies nothing. Build IDs with [NumericID], [CodeID],
// [ExtID] or [ParseID]; use [ID.String] for request bodies and filters and
// [ID.PathSegment] for URLs.
type ID struct {
	kind  idKind
	num   int64
	value string // code, or ext value
	sys   string // ext system
}

type idKind uint8

const (
	idNone idKind = iota
	idNumeric
	idCode
	idExt
)

// ErrInvalidID is returned (wrapped) by [ParseID] for malformed identifiers.
var ErrInvalidID = errors.New("abraflexi: invalid record identifier")

// NumericID returns the identifier of a record by its internal numeric id.
func NumericID(id int64) ID { return ID{kind: idNumeric, num: id} }

// CodeID returns the identifier of a record by its code (kod). AbraFlexi
// stores codes in upper case, so the code is upper-cased.
func CodeID(code string) ID {
	return ID{kind: idCode, value: strings.ToUpper(strings.TrimPrefix(code, "code:"))}
}

// ExtID returns the identifier of a record by an external id
// ext:SYSTEM:VALUE; with an empty system it is ext:VALUE. (The value of an
// ext id without a system must not contain ':', or its wire form reads
// back as ext:SYSTEM:VALUE.)
func ExtID(system, value string) ID { return ID{kind: idExt, sys: system, value: value} }

// ParseID parses "123", "code:ABC", "ext:SYS:VALUE" or "ext:VALUE" (an
// external id without a system part, e.g. ext:e810294f-…; the text after
// the first ':' that follows "ext:" is the value).
func ParseID(s string) (ID, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return ID{}, fmt.Errorf("%w: empty", ErrInvalidID)
	case strings.HasPrefix(s, "code:"):
		if len(s) == len("code:") {
			return ID{}, fmt.Errorf("%w: %q has no code", ErrInvalidID, s)
		}
		return CodeID(s[len("code:"):]), nil
	case strings.HasPrefix(s, "ext:"):
		rest := s[len("ext:"):]
		sys, val, ok := strings.Cut(rest, ":")
		if !ok {
			sys, val = "", rest
		}
		if val == "" || ok && sys == "" {
			return ID{}, fmt.Errorf("%w: %q is neither ext:SYSTEM:VALUE nor ext:VALUE", ErrInvalidID, s)
		}
		return ExtID(sys, val), nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return ID{}, fmt.Errorf("%w: %q is neither a positive number nor a code:/ext: id", ErrInvalidID, s)
	}
	return NumericID(n), nil
}

// MustParseID is like [ParseID] but panics on error. For tests and constants.
func MustParseID(s string) ID {
	id, err := ParseID(s)
	if err != nil {
		panic(err)
	}
	return id
}

// IsZero reports whether id identifies nothing.
func (id ID) IsZero() bool { return id.kind == idNone }

// Numeric returns the internal id when id is numeric.
func (id ID) Numeric() (int64, bool) { return id.num, id.kind == idNumeric }

// Code returns the record code (without "code:") when id is a code.
func (id ID) Code() (string, bool) { return id.value, id.kind == idCode }

// Ext returns the system and value when id is an external id; system is
// "" for ext:VALUE.
func (id ID) Ext() (system, value string, ok bool) { return id.sys, id.value, id.kind == idExt }

// String returns the wire form: "123", "code:ABC", "ext:SYS:VALUE" or
// "ext:VALUE".
func (id ID) String() string {
	switch id.kind {
	case idNumeric:
		return strconv.FormatInt(id.num, 10)
	case idCode:
		return "code:" + id.value
	case idExt:
		if id.sys == "" {
			return "ext:" + id.value
		}
		return "ext:" + id.sys + ":" + id.value
	}
	return ""
}

// PathSegment returns the identifier escaped for use as one URL path
// segment: every byte outside the unreserved set is percent-encoded except
// the ':' of the prefix, so a code containing '/', ' ', '\”, '(' or '%'
// addresses exactly that record.
func (id ID) PathSegment() string {
	switch id.kind {
	case idNumeric:
		return strconv.FormatInt(id.num, 10)
	case idCode:
		return "code:" + escapeSegment(id.value)
	case idExt:
		if id.sys == "" {
			return "ext:" + escapeSegment(id.value)
		}
		return "ext:" + escapeSegment(id.sys) + ":" + escapeSegment(id.value)
	}
	return ""
}

// escapeSegment percent-encodes everything but RFC 3986 unreserved bytes.
func escapeSegment(s string) string {
	// url.PathEscape leaves sub-delims such as ' ( ) and : alone, which the
	// AbraFlexi filter grammar would misread; encode them too.
	var b strings.Builder
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// ParsePathSegment is the inverse of [ID.PathSegment]: it unescapes a URL
// path segment and parses the identifier in it.
func ParsePathSegment(seg string) (ID, error) {
	s, err := url.PathUnescape(seg)
	if err != nil {
		return ID{}, fmt.Errorf("%w: %q: %v", ErrInvalidID, seg, err)
	}
	if strings.HasPrefix(seg, "ext:") {
		// The system part is escaped separately; split before unescaping.
		sys, val, ok := strings.Cut(seg[len("ext:"):], ":")
		if ok {
			us, err1 := url.PathUnescape(sys)
			uv, err2 := url.PathUnescape(val)
			if err1 == nil && err2 == nil && us != "" && uv != "" {
				return ExtID(us, uv), nil
			}
		} else if uv, err := url.PathUnescape(sys); err == nil && uv != "" {
			return ExtID("", uv), nil
		}
	}
	return ParseID(s)
}

// MarshalJSON renders the identifier as its wire string.
func (id ID) MarshalJSON() ([]byte, error) { return json.Marshal(id.String()) }

// UnmarshalJSON accepts a JSON string or number.
func (id *ID) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	}
	if s == "" || s == "null" {
		*id = ID{}
		return nil
	}
	v, err := ParseID(s)
	if err != nil {
		return err
	}
	*id = v
	return nil
}
