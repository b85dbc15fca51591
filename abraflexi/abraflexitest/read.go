package abraflexitest

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/spoje-net/isptools/abraflexi"
)

// sel is one entry of detail=custom:…, with an optional nested selection.
type sel struct {
	name string
	sub  []sel // nil: not given
}

// parseSelection parses "a,b,c(x,y)".
func parseSelection(s string) []sel {
	var out []sel
	depth, start := 0, 0
	flush := func(end int) {
		part := strings.TrimSpace(s[start:end])
		if part == "" {
			return
		}
		if i := strings.IndexByte(part, '('); i > 0 && strings.HasSuffix(part, ")") {
			sub := parseSelection(part[i+1 : len(part)-1])
			if sub == nil {
				sub = []sel{}
			}
			out = append(out, sel{name: strings.TrimSpace(part[:i]), sub: sub})
			return
		}
		out = append(out, sel{name: part})
	}
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				flush(i)
				start = i + 1
			}
		}
	}
	flush(len(s))
	return out
}

// view says how to render records of one request.
type view struct {
	fields    []sel // nil: full
	includes  map[string]bool
	relations map[string]bool
}

func (s *Server) makeView(t *table, q url.Values, listing bool) view {
	v := view{includes: map[string]bool{}, relations: map[string]bool{}}
	detail := q.Get("detail")
	if detail == "" {
		detail = "full"
		if listing {
			detail = "summary"
		}
	}
	switch {
	case detail == "id":
		v.fields = []sel{{name: "id"}}
	case detail == "summary":
		for _, n := range t.sc.summary {
			v.fields = append(v.fields, sel{name: n})
		}
	case strings.HasPrefix(detail, "custom:"):
		v.fields = append([]sel{{name: "id"}}, parseSelection(detail[len("custom:"):])...)
	}
	for _, inc := range q["includes"] {
		for p := range strings.SplitSeq(inc, ",") {
			parts := strings.Split(strings.Trim(strings.TrimSpace(p), "/"), "/")
			if len(parts) >= 2 && parts[0] == t.sc.evidence {
				v.includes[parts[1]] = true
			}
		}
	}
	for _, rel := range q["relations"] {
		for p := range strings.SplitSeq(rel, ",") {
			v.relations[strings.TrimSpace(p)] = true
		}
	}
	return v
}

func (s *Server) ref(t *table, id int64) string {
	return fmt.Sprintf("/c/%s/%s/%d.json", s.company, t.sc.evidence, id)
}

// render renders one record in the classic JSON flavour.
func (s *Server) render(t *table, r *record, v view) obj {
	fields := v.fields
	if fields == nil {
		for _, d := range t.sc.fields {
			fields = append(fields, sel{name: d.name})
		}
		var extra []string
		for k := range r.f {
			if _, ok := t.sc.field(k); !ok {
				extra = append(extra, k)
			}
		}
		slices.Sort(extra)
		for _, k := range extra {
			fields = append(fields, sel{name: k})
		}
		fields = append(fields, sel{name: "external-ids"})
		if t.sc.evidence == abraflexi.EvidenceAddress {
			fields = append(fields, sel{name: "kontakty"})
		}
	}
	out := make(obj, 0, len(fields)+4)
	done := map[string]bool{}
	for _, fs := range fields {
		if done[fs.name] {
			continue
		}
		done[fs.name] = true
		out = s.renderField(t, r, fs, v, out)
	}
	return out
}

func (s *Server) renderField(t *table, r *record, fs sel, v view, out obj) obj {
	name := fs.name
	switch name {
	case "id":
		return append(out, kv{"id", strconv.FormatInt(r.id, 10)})
	case "lastUpdate":
		return append(out, kv{"lastUpdate", renderDateTime(r.updated)})
	case "external-ids":
		return append(out, kv{"external-ids", append([]string{}, r.ext...)})
	case "kontakty":
		if t.sc.evidence != abraflexi.EvidenceAddress || (!v.relations["kontakty"] && fs.sub == nil) {
			return out
		}
		list := make([]obj, 0, len(r.contacts))
		for _, c := range r.contacts {
			list = append(list, renderContact(c, fs.sub))
		}
		return append(out, kv{"kontakty", list})
	case "vazby":
		if !v.relations["vazby"] {
			return out
		}
		return append(out, kv{"vazby", s.links(t, r)})
	}
	d, ok := t.sc.field(name)
	if !ok {
		val, has := r.f[name]
		if !has && !t.seen[name] {
			return out // unknown fields are ignored
		}
		return append(out, kv{name, val})
	}
	val := r.f[name]
	switch d.kind {
	case kNum:
		return append(out, kv{name, javaNumber(val)})
	case kDate:
		if val == "" {
			return append(out, kv{name, ""})
		}
		return append(out, kv{name, renderDate(val)})
	case kBool:
		return append(out, kv{name, boolOf(val)})
	case kLabels:
		return append(out, kv{name, strings.Join(r.labels, ", ")})
	case kRel:
		return s.renderRel(d, val, fs, v, out)
	}
	return append(out, kv{name, val})
}

func renderContact(c *contact, sub []sel) obj {
	names := []string{"jmeno", "prijmeni", "email", "tel", "mobil", "primarni", "odesilatFak"}
	if sub != nil {
		names = nil
		for _, x := range sub {
			names = append(names, x.name)
		}
	}
	out := obj{{"id", strconv.FormatInt(c.id, 10)}}
	for _, n := range names {
		if n == "id" {
			continue
		}
		val := c.f[n]
		if n == "primarni" || strings.HasPrefix(n, "odesilat") {
			val = boolOf(val)
		}
		out = append(out, kv{n, val})
	}
	return out
}

func (s *Server) renderRel(d fieldDef, val string, fs sel, v view, out obj) obj {
	if d.target == "" || val == "" {
		return append(out, kv{d.name, val})
	}
	tt := s.tables[d.target]
	id, _ := strconv.ParseInt(val, 10, 64)
	target, ok := tt.recs[id]
	if !ok {
		return append(out, kv{d.name, val})
	}
	if v.includes[d.name] {
		names := []string{"kod", "nazev"}
		if _, ok := tt.sc.field("typDoklK"); ok {
			names = append(names, "typDoklK")
		}
		if fs.sub != nil {
			names = nil
			for _, x := range fs.sub {
				names = append(names, x.name)
			}
		}
		inner := []sel{{name: "id"}}
		for _, n := range names {
			inner = append(inner, sel{name: n})
		}
		return append(out, kv{d.name, []obj{s.render(tt, target, view{fields: inner})}})
	}
	ident := val
	show := target.f["nazev"]
	if k := target.kod(); k != "" {
		ident = "code:" + k
		if show != "" {
			show = k + ": " + show
		} else {
			show = k
		}
	}
	return append(out, kv{d.name, ident}, kv{d.name + "@ref", s.ref(tt, target.id)}, kv{d.name + "@showAs", show})
}

func (s *Server) handleList(t *table, filter string, q url.Values) response {
	var match pred
	if filter != "" {
		p, err := s.compileFilter(t, filter)
		if err != nil {
			return errorResponse(http.StatusBadRequest, err.Error())
		}
		match = p
	}
	var recs []*record
	for _, id := range t.ids() {
		r := t.recs[id]
		if match == nil || match(r) {
			recs = append(recs, r)
		}
	}
	s.listings++
	if err := s.sortRecords(t, recs, q, s.listings); err != nil {
		return errorResponse(http.StatusBadRequest, err.Error())
	}
	total := len(recs)
	start, _ := strconv.Atoi(q.Get("start"))
	limit := 20
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 0 {
			return errorResponse(http.StatusBadRequest, "Neplatná hodnota parametru limit: "+l)
		}
		limit = n
	}
	if start < 0 {
		start = 0
	}
	if start > len(recs) {
		start = len(recs)
	}
	recs = recs[start:]
	if limit > 0 && limit < len(recs) {
		recs = recs[:limit]
	}
	v := s.makeView(t, q, true)
	list := make([]obj, 0, len(recs))
	for _, r := range recs {
		list = append(list, s.render(t, r, v))
	}
	env := obj{{"@version", "1.0"}}
	if q.Get("add-row-count") == "true" {
		env = append(env, kv{"@rowCount", strconv.Itoa(total)})
	}
	if q.Get("add-global-version") == "true" {
		env = append(env, kv{"@globalVersion", strconv.FormatInt(s.version, 10)})
	}
	env = append(env, kv{t.sc.evidence, list})
	return jsonResponse(http.StatusOK, obj{{"winstrom", env}})
}

// sortKey is one key of a listing's order.
type sortKey struct {
	field string
	desc  bool
}

// defaultOrder is the order of a listing without order= or sort=:
// documents newest first (datVyst descending), other evidences by kod,
// those without kod newest change first. Never by id.
func defaultOrder(t *table) []sortKey {
	switch _, hasKod := t.sc.field("kod"); {
	case t.sc.document:
		return []sortKey{{"datVyst", true}}
	case hasKod:
		return []sortKey{{"kod", false}}
	}
	return []sortKey{{"lastUpdate", true}}
}

// tieRank is the order of records that tie on every sort key: a mix of
// the record id and the listing's sequence number, so ties come in a
// different order in every listing, as rows without a unique sort key may
// come from a database.
func tieRank(id int64, seq uint64) uint64 {
	x := uint64(id)*0x9E3779B97F4A7C15 ^ seq*0xBF58476D1CE4E5B9
	x ^= x >> 31
	x *= 0x94D049BB133111EB
	return x ^ x>>29
}

// sortRecords applies order=field[@A|@D] (repeatable) or sort=&dir=, or
// [defaultOrder] when neither is given. Following the official wording,
// @A sorts descending and @D ascending; a field without a suffix sorts
// ascending. Records that tie on every key are ordered by [tieRank] with
// seq.
func (s *Server) sortRecords(t *table, recs []*record, q url.Values, seq uint64) error {
	type key = sortKey
	var keys []key
	for _, o := range q["order"] {
		for part := range strings.SplitSeq(o, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			k := key{field: part}
			switch {
			case strings.HasSuffix(part, "@A"):
				k = key{strings.TrimSuffix(part, "@A"), true}
			case strings.HasSuffix(part, "@D"):
				k = key{strings.TrimSuffix(part, "@D"), false}
			}
			keys = append(keys, k)
		}
	}
	if f := q.Get("sort"); f != "" {
		keys = append(keys, key{f, strings.EqualFold(q.Get("dir"), "desc")})
	}
	if len(keys) == 0 {
		keys = defaultOrder(t)
	}
	type getter func(r *record) (string, float64, bool)
	gets := make([]getter, len(keys))
	for i, k := range keys {
		head, tail, nested := strings.Cut(k.field, ".")
		d, ok := fieldDefIn(t, head)
		if !ok {
			return errors.New("Neznámá položka pro řazení: " + k.field)
		}
		tt := t
		if nested {
			if d.kind != kRel || d.target == "" {
				return errors.New("Nelze řadit podle " + k.field)
			}
			tt = s.tables[d.target]
			if d, ok = fieldDefIn(tt, tail); !ok {
				return errors.New("Neznámá položka pro řazení: " + k.field)
			}
		}
		numeric := d.kind == kNum || d.kind == kInt
		fieldName := d.name
		gets[i] = func(r *record) (string, float64, bool) {
			if nested {
				id, _ := strconv.ParseInt(r.f[head], 10, 64)
				if r = tt.recs[id]; r == nil {
					return "", 0, false
				}
			}
			var v string
			switch {
			case fieldName == "id":
				return "", float64(r.id), true
			case fieldName == "lastUpdate":
				v = r.updated.UTC().Format("2006-01-02T15:04:05.000000")
			case d.kind == kLabels:
				v = strings.Join(r.labels, ",")
			case d.kind == kRel && d.target != "":
				id, _ := strconv.ParseInt(r.f[fieldName], 10, 64)
				if x := s.tables[d.target].recs[id]; x != nil {
					v = x.kod()
				}
			default:
				v = r.f[fieldName]
			}
			if numeric {
				f, err := strconv.ParseFloat(v, 64)
				return v, f, err == nil
			}
			return v, 0, v != ""
		}
	}
	// Compute every record's keys once, then sort.
	type keyVal struct {
		s  string
		f  float64
		ok bool
	}
	type row struct {
		r    *record
		keys []keyVal
		tie  uint64
	}
	rows := make([]row, len(recs))
	vals := make([]keyVal, len(recs)*len(keys))
	for i, r := range recs {
		kv := vals[i*len(keys) : (i+1)*len(keys)]
		for n := range keys {
			kv[n].s, kv[n].f, kv[n].ok = gets[n](r)
		}
		rows[i] = row{r: r, keys: kv, tie: tieRank(r.id, seq)}
	}
	sort.Slice(rows, func(i, j int) bool {
		for n, k := range keys {
			a, b := rows[i].keys[n], rows[j].keys[n]
			c := 0
			switch {
			case !a.ok && !b.ok:
			case !a.ok:
				c = -1
			case !b.ok:
				c = 1
			case a.f != b.f:
				c = cmp.Compare(a.f, b.f)
			default:
				c = strings.Compare(a.s, b.s)
			}
			if k.desc {
				c = -c
			}
			if c != 0 {
				return c < 0
			}
		}
		return rows[i].tie < rows[j].tie
	})
	for i := range rows {
		recs[i] = rows[i].r
	}
	return nil
}

func (s *Server) handleDetail(t *table, rt route, rawQuery string, q url.Values) response {
	id, err := abraflexi.ParsePathSegment(rt.id)
	if err != nil {
		return errorResponse(http.StatusNotFound, "Can't find record identified by "+rt.id)
	}
	r, ok := t.lookup(id.String())
	if !ok {
		return notFound(t, id.String())
	}
	if _, numeric := id.Numeric(); !numeric {
		loc := fmt.Sprintf("/c/%s/%s/%d.%s", s.company, t.sc.evidence, r.id, rt.format)
		if rawQuery != "" {
			loc += "?" + rawQuery
		}
		return response{status: http.StatusSeeOther, header: http.Header{"Location": {loc}}, ctype: "application/json",
			body: []byte(`{"winstrom":{"@version":"1.0","success":"true"}}`)}
	}
	if rt.format == "pdf" {
		return response{status: http.StatusOK, ctype: "application/pdf", body: s.pdf(t, r, q)}
	}
	rec := s.render(t, r, s.makeView(t, q, false))
	return jsonResponse(http.StatusOK, obj{{"winstrom", obj{{"@version", "1.0"}, {t.sc.evidence, []obj{rec}}}}})
}

func (s *Server) handleDelete(t *table, rt route) response {
	id, err := abraflexi.ParsePathSegment(rt.id)
	if err != nil {
		return errorResponse(http.StatusNotFound, "Can't find record identified by "+rt.id)
	}
	r, ok := t.lookup(id.String())
	if !ok {
		return notFound(t, id.String())
	}
	tx := s.begin()
	tx.delete(t, r)
	tx.commit()
	return writeResponse(http.StatusOK, stats{deleted: 1}, []obj{{{"id", strconv.FormatInt(r.id, 10)}, {"ref", s.ref(t, r.id)}}})
}

func (s *Server) handleChanges(q url.Values) response {
	start, _ := strconv.ParseInt(q.Get("start"), 10, 64)
	limit := 100
	if l, err := strconv.Atoi(q.Get("limit")); err == nil && l > 0 {
		limit = min(l, 1000)
	}
	evs := map[string]bool{}
	for _, e := range q["evidence"] {
		for p := range strings.SplitSeq(e, ",") {
			evs[strings.TrimSpace(p)] = true
		}
	}
	i := sort.Search(len(s.changes), func(i int) bool { return s.changes[i].version >= start })
	list := []obj{}
	next := "none"
	for ; i < len(s.changes); i++ {
		c := s.changes[i]
		if len(evs) > 0 && !evs[c.evidence] {
			continue
		}
		if len(list) == limit {
			next = strconv.FormatInt(c.version, 10)
			break
		}
		list = append(list, c.render())
	}
	return jsonResponse(http.StatusOK, obj{{"winstrom", obj{
		{"@globalVersion", strconv.FormatInt(s.version, 10)}, {"changes", list}, {"next", next}}}})
}
