package svnhosts

import (
	"fmt"
	"strings"
)

// ProblemKind names the kind of a [Problem] in a machine-readable way.
type ProblemKind string

const (
	// NoTab: an entry line contains no tab (the PHP tool split on tabs only).
	NoTab ProblemKind = "no-tab"
	// MixedWhitespace: the part of an entry before its comment mixes spaces
	// and tabs, which usually hides a broken separator.
	MixedWhitespace ProblemKind = "mixed-whitespace"
	// InvalidIP: the first field of an entry is not an IPv4 or IPv6 address.
	InvalidIP ProblemKind = "invalid-ip"
	// DuplicateIP: an IP is held by more than one entry line.
	DuplicateIP ProblemKind = "duplicate-ip"
	// DuplicateHostname: a hostname (compared case-insensitively) is held by
	// more than one entry line.
	DuplicateHostname ProblemKind = "duplicate-hostname"
)

// Problem is one sanity problem found by [File.Check].
type Problem struct {
	// Line is the 1-based line number.
	Line int
	// Kind says what is wrong.
	Kind ProblemKind
	// Message explains the problem for humans.
	Message string
}

// String renders the problem as "line N: kind: message".
func (p Problem) String() string {
	return fmt.Sprintf("line %d: %s: %s", p.Line, p.Kind, p.Message)
}

// Check applies the PHP tool's sanity rules to every entry line (empty lines
// and lines starting with '#' are ignored; a line of blanks only or an
// indented "#" line is an entry and gets reported) and returns the problems
// in line order:
// an entry must contain a tab, must not mix spaces and tabs before its
// comment, must start with a valid IPv4 or IPv6 address, and neither its IP
// nor its hostname (the second field) may appear on an earlier entry line.
func (f *File) Check() []Problem {
	var out []Problem
	seenIP := make(map[string]int)
	seenHost := make(map[string]int)
	for i := range f.lines {
		l := &f.lines[i]
		if l.kind != kindEntry {
			continue
		}
		n := i + 1
		add := func(k ProblemKind, format string, args ...any) {
			out = append(out, Problem{Line: n, Kind: k, Message: fmt.Sprintf(format, args...)})
		}
		if !strings.Contains(l.text, "\t") {
			add(NoTab, "entry %q contains no tab", l.text)
		}
		before := l.before()
		if strings.Contains(before, " ") && strings.Contains(before, "\t") {
			add(MixedWhitespace, "entry mixes spaces and tabs before its comment: %q", before)
		}
		fs := fields(before, 2)
		if !l.ip.IsValid() {
			field := ""
			if len(fs) > 0 {
				field = fs[0]
			}
			add(InvalidIP, "%q is not a valid IP address", field)
		} else {
			k := key(l.ip).String()
			if first, ok := seenIP[k]; ok {
				add(DuplicateIP, "IP %s already on line %d", l.ip, first)
			} else {
				seenIP[k] = n
			}
		}
		if len(fs) > 1 {
			h := strings.ToLower(fs[1])
			if first, ok := seenHost[h]; ok {
				add(DuplicateHostname, "hostname %q already on line %d", fs[1], first)
			} else {
				seenHost[h] = n
			}
		}
	}
	return out
}
