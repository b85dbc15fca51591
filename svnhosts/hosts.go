package svnhosts

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
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
	lines  []line
	index  map[netip.Addr]span // entry lines of each IP, built lazily
	tagged map[string]bool     // codes with a {code:} line, built lazily
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

// Block blocks every entry line holding ip, whoever it belongs to, and
// reports whether the file changed; [File.Apply] changes only the lines of
// the change's customer. It is [File.BlockAt] speed 0.
//
// A line whose comment already holds it as blocked (a speed=0 token, or an
// orig=N token with N at or above its speed) at that speed or below is left
// alone. Otherwise the comment is rewritten as "# speed=S orig=N R": S the
// block speed (the line's own speed when it is lower already), N the kept
// original (the earlier orig=N of a line held as blocked, else the line's
// speed=N, 0 when it has none) and R the rest of the comment without its
// speed=, orig= and dashboard markers (see the package documentation). An
// entry without a comment gets "\t# speed=S orig=0" appended. Everything
// before the '#' and the line ending stay as they were; commented-out lines
// are never touched.
func (f *File) Block(ip netip.Addr) bool { return f.BlockAt(ip, 0) }

// BlockAt is [File.Block] to speed blockSpeed (BLOCK_SPEED): a positive
// speed throttles instead of cutting off.
func (f *File) BlockAt(ip netip.Addr, blockSpeed int) bool {
	changed := false
	f.each(ip, func(i int) {
		if f.blockLine(i, blockSpeed) {
			changed = true
		}
	})
	return changed
}

// held reports whether tokens t hold the line as blocked
// ([netbackend.IsBlocked]) and its current speed (0 when blocked by a
// speed=0 token, -1 when it has none).
func (t tokens) held() (bool, int) {
	speed := t.speed
	if t.blocked {
		speed = 0
	}
	return netbackend.IsBlocked(speed, t.orig), speed
}

func (f *File) blockLine(i int, blockSpeed int) bool {
	l := &f.lines[i]
	c, ok := l.comment()
	if !ok {
		l.hash = int32(len(l.text) + 1)
		l.text += "\t# speed=" + strconv.Itoa(blockSpeed) + " orig=0"
		return true
	}
	t := scanTokens(c)
	held, cur := t.held()
	if held && cur >= 0 && cur <= blockSpeed {
		return false
	}
	speed, orig := blockSpeed, t.orig
	if !held {
		orig = max(cur, 0)
		if cur >= 0 && cur < blockSpeed {
			speed = cur
		}
	}
	var b strings.Builder
	b.Grow(len(l.text) + 24)
	b.WriteString(l.text[:l.hash+1])
	b.WriteString(" speed=")
	b.WriteString(strconv.Itoa(speed))
	b.WriteString(" orig=")
	b.WriteString(strconv.Itoa(orig))
	if r := rest(c); r != "" {
		b.WriteByte(' ')
		b.WriteString(r)
	}
	l.text = b.String()
	return true
}

// Unblock restores every entry line holding ip that is held as blocked,
// whoever it belongs to, and reports whether the file changed;
// [File.Apply] changes only the lines of the change's customer.
//
// Only lines held as blocked change (a speed=0 token, or an orig=N token
// with N at or above the line's speed). Their comment is rewritten as "#",
// then " speed=S" when S > 0, then the rest of the comment as for
// [File.Block]. S is N from an orig=N token when N > 0, otherwise
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
	if held, _ := t.held(); !held {
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
		f.addState(&st, i)
	})
	return st
}

// addState folds line i into st (see [File.State]).
func (f *File) addState(st *netbackend.IPState, i int) {
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

// codes returns the customer codes of the "{code:X}" tokens of line l, in
// line order without duplicates; none for a line that is not an entry with
// a valid IP. A code is the text between "{code:" and the next '}', as is.
func (l *line) codes() []string {
	var out []string
	l.eachCode(func(c string) {
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	})
	return out
}

// eachCode calls fn with the code of every "{code:X}" token of l (see
// [line.codes]), duplicates included, without allocating.
func (l *line) eachCode(fn func(code string)) {
	if l.kind != kindEntry || !l.ip.IsValid() {
		return
	}
	for s := l.text; ; {
		j := strings.Index(s, "{code:")
		if j < 0 {
			return
		}
		s = s[j+len("{code:"):]
		k := strings.IndexByte(s, '}')
		if k < 0 {
			return
		}
		fn(s[:k])
		s = s[k+1:]
	}
}

// hasWord reports whether the comment of l has w as a whole word.
func (l *line) hasWord(w string) bool {
	c, ok := l.comment()
	if !ok {
		return false
	}
	found := false
	words(c, func(x string, _ int) {
		if x == w {
			found = true
		}
	})
	return found
}

// validCode reports whether code can name a customer in the file.
func validCode(code string) bool { return code != "" && !strings.Contains(code, "}") }

// where locates line i for reports.
func where(i int) string { return "hosts line " + strconv.Itoa(i+1) }

// CodeMatch says how the lines of a customer are found in the hosts file.
type CodeMatch string

const (
	// MatchToken finds a customer's lines by their "{code:CODE}" token
	// only: the default, and the only safe choice.
	MatchToken CodeMatch = "token"
	// MatchWord also finds, for a customer without any "{code:CODE}"
	// line, the lines without any {code:} token whose comment holds CODE
	// as a whole word (HOSTS_CODE_FALLBACK=word), as the PHP tool did.
	// Risky: a comment such as "# former owner 1001" then belongs to
	// customer 1001, who is cut off or restored on a line that is no
	// longer theirs. Use it only while tagging an old file.
	MatchWord CodeMatch = "word"
)

// EnvCodeFallback is the variable read by [ParseCodeMatch]'s callers:
// HOSTS_CODE_FALLBACK, empty (or "none") for [MatchToken], "word" for
// [MatchWord].
const EnvCodeFallback = "HOSTS_CODE_FALLBACK"

// ParseCodeMatch parses a HOSTS_CODE_FALLBACK value: "", "none" or
// "token" give [MatchToken], "word" gives [MatchWord].
func ParseCodeMatch(s string) (CodeMatch, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "none", "token":
		return MatchToken, nil
	case "word":
		return MatchWord, nil
	}
	return MatchToken, fmt.Errorf("svnhosts: %s=%q: must be empty (exact {code:X} tokens only) or word", EnvCodeFallback, s)
}

// tokenCodes returns every customer code that has at least one
// "{code:CODE}" entry line, built once per File (Block and Unblock keep
// the tokens).
func (f *File) tokenCodes() map[string]bool {
	if f.tagged == nil {
		f.tagged = map[string]bool{}
		for i := range f.lines {
			f.lines[i].eachCode(func(c string) { f.tagged[c] = true })
		}
	}
	return f.tagged
}

// claims returns the customers line i belongs to: the codes of its tokens
// or, under [MatchWord] for a line without tokens, those of candidates
// that have no token line anywhere and are whole words of its comment.
func (f *File) claims(i int, m CodeMatch, candidates []string) []string {
	l := &f.lines[i]
	if c := l.codes(); len(c) > 0 || m != MatchWord {
		return c
	}
	var out []string
	for _, c := range candidates {
		if validCode(c) && !f.tokenCodes()[c] && l.hasWord(c) && !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}

// CustomerIPs returns the IPs of the entries of customer code, in file order
// without duplicates: those of the entries whose line contains
// "{code:CODE}" ([MatchToken]), except IPs also on another customer's line
// (see [File.Lookup]). Commented-out lines never count. An empty code, or
// one containing '}', matches nothing.
func (f *File) CustomerIPs(code string) []netip.Addr {
	return f.Lookup([]string{code}, MatchToken).IPs[code]
}

// Lookup finds the IPs of many customers in one pass over the file: the IPs
// of each customer's lines (see [CodeMatch]), in file order without
// duplicates. An IP that is also on a line of another customer (a
// re-assigned address left on the old owner's line, or one line naming two
// customers) is a conflict: it is left out of IPs, and Conflicts names the
// customers and every line involved, so neither line is changed. Customers
// without IPs are absent from IPs.
func (f *File) Lookup(codes []string, m CodeMatch) netbackend.Lookup {
	out := netbackend.Lookup{IPs: map[string][]netip.Addr{}}
	wanted := make(map[string]bool, len(codes))
	var list []string
	for _, c := range codes {
		if validCode(c) && !wanted[c] {
			wanted[c] = true
			list = append(list, c)
		}
	}
	if len(wanted) == 0 {
		return out
	}
	// Pass 1: the lines of the wanted customers.
	own := map[string][]netip.Addr{}
	add := func(code string, ip netip.Addr) {
		if !slices.Contains(own[code], ip) {
			own[code] = append(own[code], ip)
		}
	}
	var untagged []int // lines without tokens, for the word fallback
	for i := range f.lines {
		l := &f.lines[i]
		if l.kind != kindEntry || !l.ip.IsValid() {
			continue
		}
		tagged := false
		l.eachCode(func(c string) {
			tagged = true
			if wanted[c] {
				add(c, l.ip)
			}
		})
		if !tagged && m == MatchWord && l.hash >= 0 {
			untagged = append(untagged, i)
		}
	}
	if m == MatchWord {
		for _, i := range untagged {
			for _, c := range f.claims(i, m, list) {
				if wanted[c] {
					add(c, f.lines[i].ip)
				}
			}
		}
	}
	// Pass 2: every line of those IPs, through the index.
	reported := map[netip.Addr]bool{}
	for _, c := range list {
		for _, ip := range own[c] {
			owners, at := f.owners(ip, m, list)
			if len(owners) > 1 {
				if !reported[key(ip)] {
					reported[key(ip)] = true
					out.Conflicts = append(out.Conflicts, netbackend.Conflict{IP: ip, Customers: owners, Where: at})
				}
				continue
			}
			out.IPs[c] = append(out.IPs[c], ip)
		}
	}
	return out
}

// owners returns the customers claiming the lines holding ip, sorted, and
// where those lines are.
func (f *File) owners(ip netip.Addr, m CodeMatch, candidates []string) (owners, at []string) {
	f.each(ip, func(i int) {
		cs := f.claims(i, m, candidates)
		if len(cs) > 0 {
			at = append(at, where(i))
		}
		for _, c := range cs {
			if !slices.Contains(owners, c) {
				owners = append(owners, c)
			}
		}
	})
	slices.Sort(owners)
	return owners, at
}

// Blocked lists the entry lines held as blocked ([netbackend.IsBlocked]):
// those with a speed=0 token (OriginalSpeed -1 without an orig= token: blocked
// by hand) and those with an orig=N token at or above their speed
// (throttled). Each is listed once per customer of its {code:} tokens, or
// once with an empty customer when it has none; sorted by customer, then
// IP, then line.
func (f *File) Blocked() []netbackend.BlockedEntry {
	var out []netbackend.BlockedEntry
	for i := range f.lines {
		l := &f.lines[i]
		if l.kind != kindEntry || !l.ip.IsValid() || l.hash < 0 {
			continue
		}
		c, _ := l.comment()
		t := scanTokens(c)
		held, speed := t.held()
		if !held {
			continue
		}
		e := netbackend.BlockedEntry{IP: l.ip, Speed: speed, OriginalSpeed: t.orig, Where: where(i)}
		cs := l.codes()
		if len(cs) == 0 {
			out = append(out, e)
		}
		for _, code := range cs {
			e.Customer = code
			out = append(out, e)
		}
	}
	slices.SortStableFunc(out, func(a, b netbackend.BlockedEntry) int {
		if c := strings.Compare(a.Customer, b.Customer); c != 0 {
			return c
		}
		return a.IP.Compare(b.IP)
	})
	return out
}

// Apply applies the changes in order, each only to the lines of its
// customer (see [CodeMatch]), and returns one result per change and
// whether the file changed:
//
//   - no line holds the IP, or none of the customer's lines does: NotFound;
//   - a line holding the IP belongs to another customer: Failed, wrapping
//     [netbackend.ErrConflict], and no line is changed;
//   - otherwise the customer's lines are blocked ([File.BlockAt] with the
//     change's BlockSpeed) or unblocked ([File.Unblock] with its
//     FallbackSpeed): Changed or Unchanged. SpeedBefore and SpeedAfter are
//     those of the customer's first line.
//
// Lines without a {code:} token holding the same IP are left alone.
func (f *File) Apply(changes []netbackend.Change, m CodeMatch) ([]netbackend.Result, bool) {
	results := make([]netbackend.Result, 0, len(changes))
	dirty := false
	for _, c := range changes {
		r := netbackend.Result{Change: c, SpeedBefore: -1, SpeedAfter: -1}
		var mine []int
		var foreign []string
		f.each(c.IP, func(i int) {
			cs := f.claims(i, m, []string{c.Customer})
			for _, who := range cs {
				if who != c.Customer {
					foreign = append(foreign, fmt.Sprintf("%s of %s", where(i), who))
				}
			}
			if slices.Contains(cs, c.Customer) {
				mine = append(mine, i)
			}
		})
		switch {
		case len(foreign) > 0:
			r.Status = netbackend.Failed
			r.Err = fmt.Errorf("svnhosts: %s of %s is also on %s: %w", c.IP, c.Customer, strings.Join(foreign, ", "), netbackend.ErrConflict)
		case len(mine) == 0:
			r.Status = netbackend.NotFound
		default:
			var before netbackend.IPState
			before.Speed, before.OriginalSpeed = -1, -1
			f.addState(&before, mine[0])
			r.Status = netbackend.Unchanged
			for _, i := range mine {
				var changed bool
				if c.Action == netbackend.Block {
					changed = f.blockLine(i, c.BlockSpeed)
				} else {
					changed = f.unblockLine(i, c.FallbackSpeed)
				}
				if changed {
					r.Status, dirty = netbackend.Changed, true
				}
			}
			after := netbackend.IPState{Speed: -1, OriginalSpeed: -1}
			f.addState(&after, mine[0])
			r.SpeedBefore, r.SpeedAfter = before.Speed, after.Speed
		}
		results = append(results, r)
	}
	return results, dirty
}
