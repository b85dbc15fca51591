package abraflexitest

import (
	"cmp"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// ---- lexer ----

type tokKind uint8

const (
	tEOF tokKind = iota
	tIdent
	tString
	tNumber
	tLParen
	tRParen
	tComma
	tOp
)

type token struct {
	kind tokKind
	text string // ident/op/number text, or string contents
	pos  int
}

func lex(src string) ([]token, error) {
	var toks []token
	i := 0
	for i < len(src) {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(':
			toks = append(toks, token{tLParen, "(", i})
			i++
		case c == ')':
			toks = append(toks, token{tRParen, ")", i})
			i++
		case c == ',':
			toks = append(toks, token{tComma, ",", i})
			i++
		case c == '\'' || c == '"':
			end := strings.IndexByte(src[i+1:], c)
			if end < 0 {
				return nil, fmt.Errorf("neukončený řetězec na pozici %d", i)
			}
			toks = append(toks, token{tString, src[i+1 : i+1+end], i})
			i += end + 2
		case c == '=' || c == '!' || c == '<' || c == '>':
			op := string(c)
			if i+1 < len(src) && (src[i+1] == '=' || (c == '<' && src[i+1] == '>')) {
				op += string(src[i+1])
			}
			if op == "!" {
				return nil, fmt.Errorf("neočekávaný znak '!' na pozici %d", i)
			}
			toks = append(toks, token{tOp, op, i})
			i += len(op)
		case c >= '0' && c <= '9' || (c == '-' && i+1 < len(src) && src[i+1] >= '0' && src[i+1] <= '9'):
			j := i + 1
			for j < len(src) && (src[j] >= '0' && src[j] <= '9' || src[j] == '.') {
				j++
			}
			toks = append(toks, token{tNumber, src[i:j], i})
			i = j
		default:
			r, size := utf8.DecodeRuneInString(src[i:])
			if !unicode.IsLetter(r) && r != '_' && r != '@' {
				return nil, fmt.Errorf("neočekávaný znak %q na pozici %d", r, i)
			}
			j := i + size
			for j < len(src) {
				r, size := utf8.DecodeRuneInString(src[j:])
				if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_' && r != '.' && r != '@' && r != '-' {
					break
				}
				j += size
			}
			toks = append(toks, token{tIdent, src[i:j], i})
			i = j
		}
	}
	return append(toks, token{tEOF, "", len(src)}), nil
}

// ---- AST ----

type litKind uint8

const (
	litString litKind = iota
	litNumber
	litBool
	litToday
)

type literal struct {
	kind litKind
	text string
}

func (l literal) String() string {
	if l.kind == litString {
		return "'" + l.text + "'"
	}
	return l.text
}

type node interface{ isNode() }

type andNode struct{ l, r node }
type orNode struct{ l, r node }
type notNode struct{ x node }

// cmpNode is field <op> values. op is one of = <> < <= > >= like begins
// ends in between null notnull true false empty notempty.
type cmpNode struct {
	field string
	op    string
	vals  []literal
}

func (andNode) isNode() {}
func (orNode) isNode()  {}
func (notNode) isNode() {}
func (cmpNode) isNode() {}

// ---- parser ----

type parser struct {
	toks []token
	pos  int
}

// parseFilter parses the AbraFlexi filter grammar: comparisons combined
// with and/or/not and parentheses (precedence not > and > or).
func parseFilter(src string) (node, error) {
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	n, err := p.or()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, fmt.Errorf("neočekávaný token %q na pozici %d", t.text, t.pos)
	}
	return n, nil
}

func (p *parser) peek() token { return p.toks[p.pos] }
func (p *parser) next() token {
	t := p.toks[p.pos]
	if t.kind != tEOF {
		p.pos++
	}
	return t
}
func (p *parser) isKw(words ...string) bool {
	t := p.peek()
	if t.kind != tIdent {
		return false
	}
	for _, w := range words {
		if strings.EqualFold(t.text, w) {
			return true
		}
	}
	return false
}

func (p *parser) or() (node, error) {
	return p.binary("or", p.and, func(l, r node) node { return orNode{l, r} })
}

func (p *parser) and() (node, error) {
	return p.binary("and", p.not, func(l, r node) node { return andNode{l, r} })
}

// binary parses operand (kw operand)* as a left-associative chain.
func (p *parser) binary(kw string, operand func() (node, error), join func(l, r node) node) (node, error) {
	l, err := operand()
	if err != nil {
		return nil, err
	}
	for p.isKw(kw) {
		p.next()
		r, err := operand()
		if err != nil {
			return nil, err
		}
		l = join(l, r)
	}
	return l, nil
}

func (p *parser) not() (node, error) {
	if p.isKw("not") {
		p.next()
		x, err := p.not()
		if err != nil {
			return nil, err
		}
		return notNode{x}, nil
	}
	return p.primary()
}

func (p *parser) primary() (node, error) {
	t := p.peek()
	if t.kind == tLParen {
		p.next()
		n, err := p.or()
		if err != nil {
			return nil, err
		}
		if p.next().kind != tRParen {
			return nil, fmt.Errorf("chybí ')' na pozici %d", p.peek().pos)
		}
		return n, nil
	}
	if t.kind != tIdent || isKeyword(t.text) {
		return nil, fmt.Errorf("očekáván název položky na pozici %d, nalezeno %q", t.pos, t.text)
	}
	p.next()
	return p.comparison(t.text)
}

var keywords = map[string]bool{"and": true, "or": true, "not": true, "eq": true, "ne": true, "neq": true, "lt": true,
	"lte": true, "gt": true, "gte": true, "like": true, "begins": true, "ends": true, "in": true, "is": true,
	"null": true, "true": true, "false": true, "between": true, "similar": true, "empty": true}

func isKeyword(s string) bool { return keywords[strings.ToLower(s)] }

var wordOps = map[string]string{"eq": "=", "ne": "<>", "neq": "<>", "lt": "<", "lte": "<=", "gt": ">", "gte": ">="}
var symOps = map[string]string{"=": "=", "==": "=", "<>": "<>", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}

func (p *parser) comparison(field string) (node, error) {
	t := p.next()
	if t.kind == tOp {
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		return cmpNode{field, symOps[t.text], []literal{v}}, nil
	}
	if t.kind != tIdent {
		return nil, fmt.Errorf("očekáván operátor za %q na pozici %d", field, t.pos)
	}
	w := strings.ToLower(t.text)
	if op, ok := wordOps[w]; ok {
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		return cmpNode{field, op, []literal{v}}, nil
	}
	switch w {
	case "like", "begins", "ends":
		if p.isKw("similar") {
			p.next()
		}
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		return cmpNode{field, w, []literal{v}}, nil
	case "between":
		a, err := p.value()
		if err != nil {
			return nil, err
		}
		if p.isKw("and") {
			p.next()
		}
		b, err := p.value()
		if err != nil {
			return nil, err
		}
		return cmpNode{field, "between", []literal{a, b}}, nil
	case "in":
		if p.next().kind != tLParen {
			return nil, fmt.Errorf("za 'in' je očekávána '('")
		}
		var vals []literal
		for {
			v, err := p.value()
			if err != nil {
				return nil, err
			}
			vals = append(vals, v)
			n := p.next()
			if n.kind == tRParen {
				break
			}
			if n.kind != tComma {
				return nil, fmt.Errorf("v seznamu 'in' je očekávána ',' nebo ')' na pozici %d", n.pos)
			}
		}
		return cmpNode{field, "in", vals}, nil
	case "is":
		neg := false
		if p.isKw("not") {
			p.next()
			neg = true
		}
		k := p.next()
		var op string
		switch strings.ToLower(k.text) {
		case "null":
			op = "null"
		case "empty":
			op = "empty"
		case "true":
			op = "true"
		case "false":
			op = "false"
		}
		if k.kind != tIdent || op == "" {
			return nil, fmt.Errorf("za 'is' je očekáváno null, empty, true nebo false")
		}
		if neg {
			switch op {
			case "null", "empty":
				op = "not" + op
			case "true":
				op = "false"
			default:
				op = "true"
			}
		}
		return cmpNode{field, op, nil}, nil
	}
	return nil, fmt.Errorf("neznámý operátor %q na pozici %d", t.text, t.pos)
}

func (p *parser) value() (literal, error) {
	t := p.next()
	switch t.kind {
	case tString:
		return literal{litString, t.text}, nil
	case tNumber:
		if _, err := strconv.ParseFloat(t.text, 64); err != nil {
			return literal{}, fmt.Errorf("neplatné číslo %q", t.text)
		}
		return literal{litNumber, t.text}, nil
	case tIdent:
		switch strings.ToLower(t.text) {
		case "true", "false":
			return literal{litBool, strings.ToLower(t.text)}, nil
		case "now", "currentyear":
			if p.next().kind != tLParen || p.next().kind != tRParen {
				return literal{}, fmt.Errorf("%s je funkce: %s()", t.text, t.text)
			}
			if strings.EqualFold(t.text, "now") {
				return literal{litToday, "now()"}, nil
			}
			return literal{litNumber, "currentYear()"}, nil
		}
	}
	return literal{}, fmt.Errorf("očekávána hodnota na pozici %d, nalezeno %q", t.pos, t.text)
}

// ---- compiler / evaluator ----

type pred func(r *record) bool

// filterError is a filter the server cannot evaluate (HTTP 400).
type filterError struct{ msg string }

func (e *filterError) Error() string { return e.msg }

func ferr(format string, a ...any) error { return &filterError{fmt.Sprintf(format, a...)} }

// compileFilter parses src and binds it to t's fields.
func (s *Server) compileFilter(t *table, src string) (pred, error) {
	n, err := parseFilter(src)
	if err != nil {
		return nil, ferr("Chyba ve filtru %q: %v", src, err)
	}
	return s.compile(t, n)
}

func (s *Server) compile(t *table, n node) (pred, error) {
	switch n := n.(type) {
	case andNode:
		l, err := s.compile(t, n.l)
		if err != nil {
			return nil, err
		}
		r, err := s.compile(t, n.r)
		if err != nil {
			return nil, err
		}
		return func(x *record) bool { return l(x) && r(x) }, nil
	case orNode:
		l, err := s.compile(t, n.l)
		if err != nil {
			return nil, err
		}
		r, err := s.compile(t, n.r)
		if err != nil {
			return nil, err
		}
		return func(x *record) bool { return l(x) || r(x) }, nil
	case notNode:
		x, err := s.compile(t, n.x)
		if err != nil {
			return nil, err
		}
		return func(r *record) bool { return !x(r) }, nil
	case cmpNode:
		return s.compileCmp(t, n)
	}
	return nil, ferr("neznámý uzel filtru")
}

// fieldDefIn returns the definition of name in t; fields outside the
// schema are known when some record holds them.
func fieldDefIn(t *table, name string) (fieldDef, bool) {
	if d, ok := t.sc.field(name); ok {
		return d, true
	}
	if name == "external-ids" || t.seen[name] {
		return fieldDef{name: name, kind: kString}, true
	}
	return fieldDef{}, false
}

func (s *Server) compileCmp(t *table, c cmpNode) (pred, error) {
	head, tail, nested := strings.Cut(c.field, ".")
	d, ok := fieldDefIn(t, head)
	if !ok {
		return nil, ferr("Neznámá položka '%s' v evidenci '%s' (filtr).", head, t.sc.evidence)
	}
	if nested {
		if d.kind != kRel || d.target == "" {
			return nil, ferr("Položka '%s' není vazba, nelze použít '%s'.", head, c.field)
		}
		tt := s.tables[d.target]
		inner, err := s.compileCmp(tt, cmpNode{tail, c.op, c.vals})
		if err != nil {
			return nil, err
		}
		return func(r *record) bool {
			id, err := strconv.ParseInt(r.f[head], 10, 64)
			if err != nil {
				return false
			}
			target, ok := tt.recs[id]
			return ok && inner(target)
		}, nil
	}
	get := func(r *record) string {
		if head == "id" {
			return strconv.FormatInt(r.id, 10)
		}
		return r.f[head]
	}
	// Unary operators.
	switch c.op {
	case "null", "notnull", "empty", "notempty":
		var isNull func(r *record) bool
		switch d.kind {
		case kLabels:
			isNull = func(r *record) bool { return len(r.labels) == 0 }
		case kNum, kInt:
			if c.op == "empty" || c.op == "notempty" {
				isNull = func(r *record) bool { v := get(r); return v == "" || dec(v).IsZero() }
				break
			}
			isNull = func(r *record) bool { return get(r) == "" }
		case kBool:
			if c.op == "empty" || c.op == "notempty" {
				isNull = func(r *record) bool { return get(r) != "true" }
				break
			}
			isNull = func(r *record) bool { return get(r) == "" }
		case kDateTime:
			isNull = func(r *record) bool { return r.updated.IsZero() }
		default:
			isNull = func(r *record) bool { return get(r) == "" }
		}
		if strings.HasPrefix(c.op, "not") {
			return func(r *record) bool { return !isNull(r) }, nil
		}
		return isNull, nil
	case "true", "false":
		if d.kind != kBool {
			return nil, ferr("Položka '%s' není logická, nelze použít 'is %s'.", head, c.op)
		}
		want := c.op
		return func(r *record) bool { return boolOf(get(r)) == want }, nil
	}

	switch d.kind {
	case kLabels:
		return compileLabels(c)
	case kRel:
		return s.compileRel(t, d, c)
	case kInt, kNum:
		if head == "id" && (c.op == "=" || c.op == "<>" || c.op == "in") {
			return s.compileIDList(t, c)
		}
		nums, err := numLiterals(head, c.vals)
		if err != nil {
			return nil, err
		}
		return compileOrdered(c.op, nums, func(r *record) (float64, bool) {
			v := get(r)
			if v == "" {
				return 0, false
			}
			f, err := strconv.ParseFloat(v, 64)
			return f, err == nil
		}, cmp.Compare[float64])
	case kDate:
		dates := make([]string, len(c.vals))
		for i, v := range c.vals {
			switch {
			case v.kind == litToday:
				dates[i] = s.today()
			case v.kind == litString:
				ds, ok := parseDateValue(v.text)
				if !ok {
					return nil, ferr("Hodnota %s položky '%s' není datum (YYYY-MM-DD).", v, head)
				}
				dates[i] = ds
			default:
				return nil, ferr("Hodnota %s položky '%s' není datum, datum se zapisuje v uvozovkách.", v, head)
			}
		}
		if c.op == "like" || c.op == "begins" || c.op == "ends" {
			return nil, ferr("Operátor '%s' nelze použít pro datum '%s'.", c.op, head)
		}
		return compileOrdered(c.op, dates, func(r *record) (string, bool) { v := get(r); return v, v != "" }, strings.Compare)
	case kDateTime:
		times := make([]string, len(c.vals))
		for i, v := range c.vals {
			if v.kind != litString && v.kind != litToday {
				return nil, ferr("Hodnota %s položky '%s' není datum a čas.", v, head)
			}
			ts, err := parseFilterTime(v, s.now())
			if err != nil {
				return nil, ferr("Hodnota %s položky '%s' není datum a čas.", v, head)
			}
			times[i] = ts
		}
		return compileOrdered(c.op, times, func(r *record) (string, bool) {
			if r.updated.IsZero() {
				return "", false
			}
			return r.updated.UTC().Format("2006-01-02T15:04:05.000"), true
		}, strings.Compare)
	case kBool:
		vals := make([]string, len(c.vals))
		for i, v := range c.vals {
			b, ok := parseBoolValue(v.text)
			if v.kind == litNumber || v.text == "" || !ok {
				return nil, ferr("Hodnota %s položky '%s' není logická hodnota.", v, head)
			}
			vals[i] = boolString(b)
		}
		if c.op != "=" && c.op != "<>" && c.op != "in" {
			return nil, ferr("Operátor '%s' nelze použít pro logickou položku '%s'.", c.op, head)
		}
		return compileOrdered(c.op, vals, func(r *record) (string, bool) { return boolOf(get(r)), true }, strings.Compare)
	}
	// Strings.
	vals := make([]string, len(c.vals))
	for i, v := range c.vals {
		if v.kind == litBool || v.kind == litToday {
			return nil, ferr("Hodnota %s položky '%s' není řetězec.", v, head)
		}
		vals[i] = v.text
	}
	fold := head == "kod"
	if fold {
		for i := range vals {
			vals[i] = strings.ToUpper(vals[i])
		}
	}
	return compileOrdered(c.op, vals, func(r *record) (string, bool) { v := get(r); return v, v != "" }, strings.Compare)
}

func boolOf(v string) string {
	if v == "true" {
		return "true"
	}
	return "false"
}

// numLiterals enforces unquoted numbers for numeric fields: since late 2023
// AbraFlexi rejects "id gt '89587'" (php-abraflexi issue #35).
func numLiterals(field string, vals []literal) ([]float64, error) {
	out := make([]float64, len(vals))
	for i, v := range vals {
		if v.kind != litNumber || v.text == "currentYear()" {
			if v.text == "currentYear()" {
				out[i] = float64(time.Now().Year())
				continue
			}
			return nil, ferr("Číselnou položku '%s' nelze porovnat s hodnotou %s: čísla se zapisují bez uvozovek.", field, v)
		}
		f, _ := strconv.ParseFloat(v.text, 64)
		out[i] = f
	}
	return out, nil
}

// compileOrdered builds a predicate for the binary operators over values
// of type T. A null (absent) field value matches nothing, as in SQL.
func compileOrdered[T any](op string, vals []T, get func(*record) (T, bool), cmp func(a, b T) int) (pred, error) {
	switch op {
	case "=", "<>", "<", "<=", ">", ">=":
		want := vals[0]
		return func(r *record) bool {
			v, ok := get(r)
			if !ok {
				return false
			}
			c := cmp(v, want)
			switch op {
			case "=":
				return c == 0
			case "<>":
				return c != 0
			case "<":
				return c < 0
			case "<=":
				return c <= 0
			case ">":
				return c > 0
			}
			return c >= 0
		}, nil
	case "in":
		return func(r *record) bool {
			v, ok := get(r)
			if !ok {
				return false
			}
			for _, w := range vals {
				if cmp(v, w) == 0 {
					return true
				}
			}
			return false
		}, nil
	case "between":
		return func(r *record) bool {
			v, ok := get(r)
			return ok && cmp(v, vals[0]) >= 0 && cmp(v, vals[1]) <= 0
		}, nil
	case "like", "begins", "ends":
		want := strings.ToLower(fmt.Sprint(vals[0]))
		return func(r *record) bool {
			v, ok := get(r)
			if !ok {
				return false
			}
			s := strings.ToLower(fmt.Sprint(v))
			switch op {
			case "like":
				return strings.Contains(s, want)
			case "begins":
				return strings.HasPrefix(s, want)
			}
			return strings.HasSuffix(s, want)
		}, nil
	}
	return nil, ferr("Operátor '%s' není podporován.", op)
}

func compileLabels(c cmpNode) (pred, error) {
	codes := make([]string, len(c.vals))
	for i, v := range c.vals {
		if v.kind != litString {
			return nil, ferr("Štítek se zadává jako 'code:KOD', ne %s.", v)
		}
		codes[i] = strings.ToUpper(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v.text), "code:")))
	}
	has := func(r *record, code string) bool {
		for _, l := range r.labels {
			if l == code {
				return true
			}
		}
		return false
	}
	switch c.op {
	case "=", "in":
		return func(r *record) bool {
			for _, code := range codes {
				if has(r, code) {
					return true
				}
			}
			return false
		}, nil
	case "<>":
		return func(r *record) bool { return !has(r, codes[0]) }, nil
	case "like", "begins", "ends":
		return compileOrdered(c.op, []string{codes[0]}, func(r *record) (string, bool) {
			return strings.Join(r.labels, ", "), len(r.labels) > 0
		}, strings.Compare)
	}
	return nil, ferr("Operátor '%s' nelze použít pro štítky.", c.op)
}

// compileRel compares a relation by identifier: firma = 'code:ABC',
// firma = 12, firma = 'ext:SYS:1', firma in (...).
func (s *Server) compileRel(t *table, d fieldDef, c cmpNode) (pred, error) {
	if d.target == "" { // raw relation: compare identifier strings case-insensitively
		vals := make([]string, len(c.vals))
		for i, v := range c.vals {
			vals[i] = strings.ToUpper(v.text)
		}
		return compileOrdered(c.op, vals, func(r *record) (string, bool) {
			v := r.f[d.name]
			return strings.ToUpper(v), v != ""
		}, strings.Compare)
	}
	if c.op != "=" && c.op != "<>" && c.op != "in" {
		return nil, ferr("Operátor '%s' nelze použít pro vazbu '%s'; porovnejte '%s.kod'.", c.op, d.name, d.name)
	}
	tt := s.tables[d.target]
	ids := make([]string, len(c.vals))
	for i, v := range c.vals {
		switch v.kind {
		case litNumber:
			ids[i] = v.text
		case litString:
			id := v.text
			if !strings.HasPrefix(id, "code:") && !strings.HasPrefix(id, "ext:") {
				if _, err := strconv.ParseInt(id, 10, 64); err == nil {
					return nil, ferr("Vazbu '%s' nelze porovnat s %s: číselné id se zapisuje bez uvozovek.", d.name, v)
				}
				id = "code:" + id
			}
			if r, ok := tt.lookup(id); ok {
				ids[i] = strconv.FormatInt(r.id, 10)
			} else {
				ids[i] = "-"
			}
		default:
			return nil, ferr("Vazbu '%s' nelze porovnat s %s.", d.name, v)
		}
	}
	return compileOrdered(c.op, ids, func(r *record) (string, bool) { v := r.f[d.name]; return v, v != "" }, strings.Compare)
}

// compileIDList handles id = 12, id in (1,2), id = 'code:X', id == 'ext:S:V'.
func (s *Server) compileIDList(t *table, c cmpNode) (pred, error) {
	ids := make([]int64, len(c.vals))
	for i, v := range c.vals {
		switch {
		case v.kind == litNumber:
			n, err := strconv.ParseInt(v.text, 10, 64)
			if err != nil {
				return nil, ferr("Neplatné id %s.", v)
			}
			ids[i] = n
		case v.kind == litString && (strings.HasPrefix(v.text, "code:") || strings.HasPrefix(v.text, "ext:")):
			ids[i] = -1
			if r, ok := t.lookup(v.text); ok {
				ids[i] = r.id
			}
		default:
			return nil, ferr("Číselnou položku 'id' nelze porovnat s hodnotou %s: čísla se zapisují bez uvozovek.", v)
		}
	}
	return compileOrdered(c.op, ids, func(r *record) (int64, bool) { return r.id, true }, cmp.Compare[int64])
}

func parseFilterTime(v literal, now time.Time) (string, error) {
	if v.kind == litToday {
		return now.UTC().Format("2006-01-02T15:04:05.000"), nil
	}
	for _, layout := range []string{"2006-01-02T15:04:05.000", "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02"} {
		if tm, err := time.Parse(layout, v.text); err == nil {
			// Filter times are local (Prague) times without a zone.
			tm = tm.Add(-time.Duration(pragueOffset(tm)) * time.Second)
			return tm.UTC().Format("2006-01-02T15:04:05.000"), nil
		}
	}
	return "", fmt.Errorf("bad time")
}
