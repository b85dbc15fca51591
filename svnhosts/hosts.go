package svnhosts

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/spoje-net/isptools/netbackend"
)

// MaxFileSize is the largest input [Parse] accepts (1 GiB). Larger input is
// rejected with [ErrTooLarge]; it is not a hosts file anyone maintains by hand.
const MaxFileSize = 1 << 30

// ErrTooLarge is returned (wrapped) by [Parse] for input above [MaxFileSize].
var ErrTooLarge = errors.New("svnhosts: hosts file too large")

// maxFileSize is MaxFileSize; tests lower it.
var maxFileSize = MaxFileSize

// line endings, stored per line so that Bytes reproduces them.
const (
	eolNone uint8 = iota
	eolLF
	eolCRLF
	eolCR // a lone "\r" ending the last line of the input
)

var eolText = [...]string{eolNone: "", eolLF: "\n", eolCRLF: "\r\n", eolCR: "\r"}

type lineKind uint8

const (
	kindBlank   lineKind = iota // empty
	kindComment                 // first character is '#'
	kindEntry                   // anything else, whitespace-only lines included
)

// line is one line of a hosts file. text is the line without its ending; for
// untouched lines it is a substring of the parsed input, so parsing does not
// copy lines.
type line struct {
	text string
	ip   netip.Addr // the entry's IP; invalid when the first field is no IP
	hash int32      // index of the first '#' in text, -1 when none
	next int32      // next entry line with the same IP, -1 when none
	eol  uint8
	kind lineKind
}

// File is a parsed hosts file. It keeps every line as it was read, so
// [File.Bytes] reproduces the input byte for byte except for the entries
// changed by [File.Block] and [File.Unblock].
//
// A File is not safe for concurrent use, not even for concurrent reads: the
// IP index is built lazily on first use.
type File struct {
	lines []line
	index map[netip.Addr]span // entry lines of each IP, built lazily
}

// Parse parses a hosts file. It accepts any content: lines that are not valid
// entries (junk, bad IPs, odd spacing) are kept verbatim and reported by
// [File.Check]. The only error is [ErrTooLarge] for input above
// [MaxFileSize]. Parse does not retain data; the caller may reuse it.
func Parse(data []byte) (*File, error) {
	if len(data) > maxFileSize {
		return nil, fmt.Errorf("%w: %d bytes (limit %d)", ErrTooLarge, len(data), maxFileSize)
	}
	src := string(data)
	f := &File{lines: make([]line, 0, strings.Count(src, "\n")+1)}
	for len(src) > 0 {
		var text string
		var eol uint8
		if i := strings.IndexByte(src, '\n'); i >= 0 {
			text, src, eol = src[:i], src[i+1:], eolLF
			if strings.HasSuffix(text, "\r") {
				text, eol = text[:len(text)-1], eolCRLF
			}
		} else {
			text, src, eol = src, "", eolNone
			if strings.HasSuffix(text, "\r") {
				text, eol = text[:len(text)-1], eolCR
			}
		}
		f.lines = append(f.lines, classify(text, eol))
	}
	return f, nil
}

// classify builds the line for text.
func classify(text string, eol uint8) line {
	l := line{text: text, eol: eol, hash: int32(strings.IndexByte(text, '#')), next: -1}
	switch {
	case text == "":
		l.kind = kindBlank
	case text[0] == '#':
		l.kind = kindComment
	default:
		l.kind = kindEntry
		if ip, err := netip.ParseAddr(firstField(l.before())); err == nil {
			l.ip = ip
		}
	}
	return l
}

// before returns the part of the line before its comment.
func (l *line) before() string {
	if l.hash < 0 {
		return l.text
	}
	return l.text[:l.hash]
}

// comment returns the text after the first '#' and whether there is one.
func (l *line) comment() (string, bool) {
	if l.hash < 0 {
		return "", false
	}
	return l.text[l.hash+1:], true
}

// fields splits s at runs of tabs and spaces, up to n fields (n <= 0: all).
func fields(s string, n int) []string {
	var out []string
	for {
		s = strings.TrimLeft(s, " \t")
		if s == "" || (n > 0 && len(out) == n) {
			return out
		}
		i := strings.IndexAny(s, " \t")
		if i < 0 {
			return append(out, s)
		}
		out = append(out, s[:i])
		s = s[i:]
	}
}

// firstField returns the first tab- or space-separated field of s.
func firstField(s string) string {
	s = strings.TrimLeft(s, " \t")
	if i := strings.IndexAny(s, " \t"); i >= 0 {
		return s[:i]
	}
	return s
}

// Bytes returns the file's content. Lines not changed by Block or Unblock are
// byte-identical to the input of [Parse], line endings included.
func (f *File) Bytes() []byte {
	n := 0
	for i := range f.lines {
		n += len(f.lines[i].text) + len(eolText[f.lines[i].eol])
	}
	b := make([]byte, 0, n)
	for i := range f.lines {
		b = append(b, f.lines[i].text...)
		b = append(b, eolText[f.lines[i].eol]...)
	}
	return b
}

// Lines returns the number of lines in the file.
func (f *File) Lines() int { return len(f.lines) }

// key normalises an IP for lookups: IPv4-mapped IPv6 addresses compare equal
// to their IPv4 form.
func key(ip netip.Addr) netip.Addr { return ip.Unmap() }

// buildIndex links all entry lines with the same IP.
func (f *File) buildIndex() {
	if f.index != nil {
		return
	}
	n := 0
	for i := range f.lines {
		if f.lines[i].kind == kindEntry {
			n++
		}
	}
	f.index = make(map[netip.Addr]span, n)
	for i := range f.lines {
		l := &f.lines[i]
		if l.kind != kindEntry || !l.ip.IsValid() {
			continue
		}
		k := key(l.ip)
		if s, ok := f.index[k]; ok {
			f.lines[s.last].next = int32(i)
			f.index[k] = span{first: s.first, last: int32(i)}
		} else {
			f.index[k] = span{first: int32(i), last: int32(i)}
		}
	}
}

// span is the first and last entry line of one IP.
type span struct{ first, last int32 }

// each calls fn with the index of every entry line holding ip, in file order.
func (f *File) each(ip netip.Addr, fn func(i int)) {
	f.buildIndex()
	s, ok := f.index[key(ip)]
	if !ok {
		return
	}
	for i := s.first; i >= 0; i = f.lines[i].next {
		fn(int(i))
	}
}

// Block sets every entry line holding ip to speed 0 and reports whether the
// file changed.
//
// A line whose comment already has a speed=0 token is left alone. Otherwise
// the comment is rewritten as "# speed=0", then " orig=N" when the comment
// had a speed=N token, then the rest of the comment without its speed=,
// orig= and dashboard markers (see the package documentation). An entry
// without a comment gets "\t# speed=0" appended. Everything before the '#'
// and the line ending stay as they were; commented-out lines are never
// touched.
func (f *File) Block(ip netip.Addr) bool {
	changed := false
	f.each(ip, func(i int) {
		if f.blockLine(i) {
			changed = true
		}
	})
	return changed
}

func (f *File) blockLine(i int) bool {
	l := &f.lines[i]
	c, ok := l.comment()
	if !ok {
		l.hash = int32(len(l.text) + 1)
		l.text += "\t# speed=0"
		return true
	}
	t := scanTokens(c)
	if t.blocked {
		return false
	}
	var b strings.Builder
	b.Grow(len(l.text) + 24)
	b.WriteString(l.text[:l.hash+1])
	b.WriteString(" speed=0")
	if t.speed >= 0 {
		b.WriteString(" orig=")
		b.WriteString(strconv.Itoa(t.speed))
	}
	if r := rest(c); r != "" {
		b.WriteByte(' ')
		b.WriteString(r)
	}
	l.text = b.String()
	return true
}

// Unblock restores the speed of every blocked entry line holding ip and
// reports whether the file changed.
//
// Only lines whose comment has a speed=0 token change. Their comment is
// rewritten as "#", then " speed=S" when S > 0, then the rest of the comment
// as for [File.Block]. S is N from an orig=N token when N > 0, otherwise
// fallbackSpeed. A line that is not blocked is left alone, so a paying
// customer's speed is never replaced by the fallback.
func (f *File) Unblock(ip netip.Addr, fallbackSpeed int) bool {
	changed := false
	f.each(ip, func(i int) {
		if f.unblockLine(i, fallbackSpeed) {
			changed = true
		}
	})
	return changed
}

func (f *File) unblockLine(i int, fallback int) bool {
	l := &f.lines[i]
	c, ok := l.comment()
	if !ok {
		return false
	}
	t := scanTokens(c)
	if !t.blocked {
		return false
	}
	s := fallback
	if t.orig > 0 {
		s = t.orig
	}
	var b strings.Builder
	b.Grow(len(l.text) + 16)
	b.WriteString(l.text[:l.hash+1])
	if s > 0 {
		b.WriteString(" speed=")
		b.WriteString(strconv.Itoa(s))
	}
	if r := rest(c); r != "" {
		b.WriteByte(' ')
		b.WriteString(r)
	}
	l.text = b.String()
	return true
}

// State reads what the file holds for ip. Found is false when no entry line
// holds it. Blocked is true when every entry line holding ip has a speed=0
// token. Speed (0 when blocked) and OriginalSpeed come from the first such
// line's speed= and orig= tokens, -1 when absent.
func (f *File) State(ip netip.Addr) netbackend.IPState {
	st := netbackend.IPState{IP: ip, Speed: -1, OriginalSpeed: -1}
	f.each(ip, func(i int) {
		c, _ := f.lines[i].comment()
		t := scanTokens(c)
		if !st.Found {
			st.Found, st.Blocked = true, t.blocked
			st.Speed, st.OriginalSpeed = t.speed, t.orig
			if t.blocked {
				st.Speed = 0
			}
			return
		}
		st.Blocked = st.Blocked && t.blocked
	})
	return st
}

// tokens are the speed tokens of one comment.
type tokens struct {
	speed   int  // first valid speed=N, -1 when none
	orig    int  // first valid orig=N, -1 when none
	blocked bool // some speed=N with N == 0
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'
}

// words calls fn with each whitespace-separated word of s and its offset.
func words(s string, fn func(w string, at int)) {
	for i := 0; i < len(s); {
		for i < len(s) && isSpace(s[i]) {
			i++
		}
		j := i
		for j < len(s) && !isSpace(s[j]) {
			j++
		}
		if j > i {
			fn(s[i:j], i)
		}
		i = j
	}
}

// numToken parses a whole word "name=DIGITS". ok reports whether w has that
// form; n is -1 when the number does not fit an int.
func numToken(w, name string) (n int, ok bool) {
	if len(w) <= len(name)+1 || !strings.HasPrefix(w, name) || w[len(name)] != '=' {
		return 0, false
	}
	digits := w[len(name)+1:]
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(digits)
	if err != nil {
		return -1, true
	}
	return n, true
}

func scanTokens(c string) tokens {
	t := tokens{speed: -1, orig: -1}
	words(c, func(w string, _ int) {
		if n, ok := numToken(w, "speed"); ok {
			if n == 0 {
				t.blocked = true
			}
			if t.speed < 0 && n >= 0 {
				t.speed = n
			}
		} else if n, ok := numToken(w, "orig"); ok && t.orig < 0 && n >= 0 {
			t.orig = n
		}
	})
	return t
}

// markers are removed, in this order, from a comment being rewritten, as the
// PHP tool did (plain substrings, not words).
var markers = [...]string{"dashboard-neplatic", "dashboard-smlouva", "-odpojen", "dashboard"}

// rest returns comment c without its speed= and orig= words and without the
// dashboard markers, trimmed at both ends like PHP's trim().
func rest(c string) string {
	var b strings.Builder
	b.Grow(len(c))
	last := 0
	words(c, func(w string, at int) {
		if _, ok := numToken(w, "speed"); !ok {
			if _, ok = numToken(w, "orig"); !ok {
				return
			}
		}
		b.WriteString(c[last:at])
		last = at + len(w)
	})
	b.WriteString(c[last:])
	r := b.String()
	for _, m := range markers {
		r = strings.ReplaceAll(r, m, "")
	}
	return strings.Trim(r, " \t\n\r\x00\x0b")
}

// CustomerIPs returns the IPs of the entries of customer code, in file order
// without duplicates: those of the entries whose line contains "{code:CODE}",
// or, only when there are none, those of the entries whose comment contains
// CODE as a whole whitespace-separated word. Commented-out lines never
// count. An empty code, or one containing '}', matches nothing.
func (f *File) CustomerIPs(code string) []netip.Addr {
	return f.CustomersIPs([]string{code})[code]
}

// CustomersIPs is [File.CustomerIPs] for many codes in one pass over the
// file. Codes without IPs are absent from the map.
func (f *File) CustomersIPs(codes []string) map[string][]netip.Addr {
	wanted := make(map[string]bool, len(codes))
	for _, c := range codes {
		if c != "" && !strings.Contains(c, "}") {
			wanted[c] = true
		}
	}
	out := make(map[string][]netip.Addr)
	if len(wanted) == 0 {
		return out
	}
	tagged := make(map[string][]netip.Addr)
	byWord := make(map[string][]netip.Addr)
	add := func(m map[string][]netip.Addr, code string, ip netip.Addr) {
		for _, have := range m[code] {
			if have == ip {
				return
			}
		}
		m[code] = append(m[code], ip)
	}
	for i := range f.lines {
		l := &f.lines[i]
		if l.kind != kindEntry || !l.ip.IsValid() {
			continue
		}
		for s := l.text; ; {
			j := strings.Index(s, "{code:")
			if j < 0 {
				break
			}
			s = s[j+len("{code:"):]
			k := strings.IndexByte(s, '}')
			if k < 0 {
				break
			}
			if wanted[s[:k]] {
				add(tagged, s[:k], l.ip)
			}
		}
		if c, ok := l.comment(); ok {
			words(c, func(w string, _ int) {
				if wanted[w] {
					add(byWord, w, l.ip)
				}
			})
		}
	}
	for c := range wanted {
		if ips := tagged[c]; len(ips) > 0 {
			out[c] = ips
		} else if ips := byWord[c]; len(ips) > 0 {
			out[c] = ips
		}
	}
	return out
}
