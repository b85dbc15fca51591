package abraflexitest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
	"github.com/spoje-net/isptools/abraflexi"
)

type stats struct{ created, updated, deleted, skipped, failed int }

func writeResponse(status int, st stats, results []obj) response {
	success := "true"
	if st.failed > 0 {
		success = "false"
	}
	if results == nil {
		results = []obj{}
	}
	return jsonResponse(status, obj{{"winstrom", obj{
		{"@version", "1.0"}, {"success", success},
		{"stats", obj{{"created", strconv.Itoa(st.created)}, {"updated", strconv.Itoa(st.updated)},
			{"deleted", strconv.Itoa(st.deleted)}, {"skipped", strconv.Itoa(st.skipped)}, {"failed", strconv.Itoa(st.failed)}}},
		{"results", results},
	}}})
}

// errObj is one entry of results[].errors, shaped like samples 02/04.
func errObj(message, field, path, value, code string) obj {
	o := obj{{"message", message}}
	if field != "" {
		o = append(o, kv{"for", field})
	}
	if path != "" {
		o = append(o, kv{"path", path})
	}
	if value != "" {
		o = append(o, kv{"value", value})
	}
	return append(o, kv{"code", code})
}

type rawKV struct {
	k string
	v json.RawMessage
}

// orderedObject decodes a JSON object keeping its key order.
func orderedObject(data []byte) ([]rawKV, error) {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	t, err := d.Token()
	if err != nil {
		return nil, err
	}
	if t != json.Delim('{') {
		return nil, errors.New("očekáván JSON objekt")
	}
	var out []rawKV
	for d.More() {
		t, err := d.Token()
		if err != nil {
			return nil, err
		}
		k, _ := t.(string)
		var v json.RawMessage
		if err := d.Decode(&v); err != nil {
			return nil, err
		}
		out = append(out, rawKV{k, v})
	}
	return out, nil
}

// scalar renders a JSON scalar as a string; complex reports objects and arrays.
func scalar(raw json.RawMessage) (s string, complex bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", false
	}
	switch raw[0] {
	case '"':
		_ = json.Unmarshal(raw, &s)
		return s, false
	case '{', '[':
		return string(raw), true
	}
	return string(raw), false
}

// recordsOf accepts an object or an array of objects.
func recordsOf(raw json.RawMessage) ([]map[string]json.RawMessage, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '[' {
		var list []map[string]json.RawMessage
		err := json.Unmarshal(raw, &list)
		return list, err
	}
	var one map[string]json.RawMessage
	if err := json.Unmarshal(raw, &one); err != nil {
		return nil, err
	}
	return []map[string]json.RawMessage{one}, nil
}

type writeJob struct {
	t      *table
	fields map[string]json.RawMessage
	attrs  map[string]string
}

type recordResult struct {
	id        int64
	t         *table
	requestID string
	created   bool
	changed   bool
	skipped   bool
	errs      []obj
}

func (s *Server) handleWrite(t *table, urlID string, q url.Values, body []byte) response {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil || top["winstrom"] == nil {
		return errorResponse(http.StatusBadRequest, "Chybný formát vstupních dat: očekáván JSON {\"winstrom\":{…}}.")
	}
	kvs, err := orderedObject(top["winstrom"])
	if err != nil {
		return errorResponse(http.StatusBadRequest, "Chybný formát vstupních dat: "+err.Error())
	}
	atomic := true
	evAttrs := map[string]map[string]string{}
	var jobs []writeJob
	for _, e := range kvs {
		if e.k == "@atomic" {
			v, _ := scalar(e.v)
			atomic = !strings.EqualFold(v, "false")
			continue
		}
		if strings.HasPrefix(e.k, "@") {
			continue
		}
		if ev, attr, ok := strings.Cut(e.k, "@"); ok {
			if evAttrs[ev] == nil {
				evAttrs[ev] = map[string]string{}
			}
			evAttrs[ev][attr], _ = scalar(e.v)
			continue
		}
		et, ok := s.tables[e.k]
		if !ok {
			return errorResponse(http.StatusBadRequest, fmt.Sprintf("Evidence '%s' neexistuje.", e.k))
		}
		recs, err := recordsOf(e.v)
		if err != nil {
			return errorResponse(http.StatusBadRequest, fmt.Sprintf("Chybný formát záznamů evidence '%s': %v", e.k, err))
		}
		for _, r := range recs {
			jobs = append(jobs, writeJob{t: et, fields: r})
		}
	}
	for i := range jobs {
		jobs[i].attrs = evAttrs[jobs[i].t.sc.evidence]
		if urlID != "" && jobs[i].t == t && jobs[i].fields["id"] == nil {
			b, _ := json.Marshal(urlID)
			jobs[i].fields["id"] = b
		}
	}
	dry := q.Get("dry-run") == "true"

	results := make([]recordResult, len(jobs))
	var st stats
	x := s.begin()
	anyFailed := false
	for i, j := range jobs {
		if !atomic {
			x = s.begin()
		}
		m := x.mark()
		res := s.writeRecord(x, j.t, j.fields, j.attrs, false)
		if len(res.errs) > 0 {
			x.rollbackTo(m)
			anyFailed = true
			if !atomic {
				x.rollback()
			}
		} else if !atomic {
			if dry {
				x.rollback()
			} else {
				x.commit()
			}
		}
		results[i] = res
	}
	if atomic {
		if anyFailed || dry {
			x.rollback()
		} else {
			x.commit()
		}
	}
	out := make([]obj, 0, len(results))
	changed := false
	for _, r := range results {
		o := obj{}
		switch {
		case len(r.errs) > 0:
			st.failed++
			if r.requestID != "" {
				o = append(o, kv{"request-id", r.requestID})
			}
			o = append(o, kv{"errors", r.errs})
		case atomic && anyFailed:
			// Rolled back with the rest of the batch.
			if r.requestID != "" {
				o = append(o, kv{"request-id", r.requestID})
			}
		case r.skipped:
			st.skipped++
			if r.requestID != "" {
				o = append(o, kv{"request-id", r.requestID})
			}
		default:
			if r.created {
				st.created++
			} else {
				st.updated++
			}
			changed = changed || r.changed
			o = append(o, kv{"id", strconv.FormatInt(r.id, 10)})
			if r.requestID != "" {
				o = append(o, kv{"request-id", r.requestID})
			}
			o = append(o, kv{"ref", s.ref(r.t, r.id)})
		}
		out = append(out, o)
	}
	status := http.StatusOK
	switch {
	case anyFailed:
		status = http.StatusBadRequest
	case dry:
	case changed:
		status = http.StatusCreated
	}
	return writeResponse(status, st, out)
}

var digitsRe = regexp.MustCompile(`\d+`)

// writeRecord imports one record into t within x. priv (seeding) also
// writes read-only fields and accepts unknown numeric ids.
func (s *Server) writeRecord(x *tx, t *table, in map[string]json.RawMessage, attrs map[string]string, priv bool) recordResult {
	ev := t.sc.evidence
	res := recordResult{t: t}
	fail := func(msg, field, value, code string) recordResult {
		path := fmt.Sprintf("%s[temporary-id=null].%s", ev, field)
		if res.id != 0 && !res.created {
			path = fmt.Sprintf("%s[%d].%s", ev, res.id, field)
		}
		if field == "" {
			path = ""
		}
		res.errs = append(res.errs, errObj(msg, field, path, value, code))
		return res
	}

	// Identify the record.
	var ids []string
	if raw, ok := in["id"]; ok {
		v, complex := scalar(raw)
		if complex {
			var list []json.RawMessage
			if err := json.Unmarshal(raw, &list); err != nil {
				return fail("Neplatné id.", "id", v, "PROP")
			}
			for _, e := range list {
				if s, _ := scalar(e); s != "" {
					ids = append(ids, s)
				}
			}
		} else if v != "" {
			ids = []string{v}
		}
	}
	if len(ids) > 0 {
		res.requestID = ids[0]
	}
	var target *record
	var newNum int64
	var newCode string
	var newExt []string
	for _, id := range ids {
		pid, err := abraflexi.ParseID(id)
		if err != nil {
			return fail(fmt.Sprintf("Je očekáváno číselné ID, ale '%s' není číslo", id), "id", id, "PROP")
		}
		r, found := t.lookup(pid.String())
		if found {
			if target != nil && target != r {
				return fail(fmt.Sprintf("Identifikátory %v označují různé záznamy.", ids), "id", id, "INVALID")
			}
			target = r
			continue
		}
		switch {
		case pid.IsZero():
		case strings.HasPrefix(pid.String(), "code:"):
			newCode, _ = pid.Code()
		case strings.HasPrefix(pid.String(), "ext:"):
			newExt = append(newExt, pid.String())
		default:
			n, _ := pid.Numeric()
			if !priv {
				res.errs = append(res.errs, errObj(fmt.Sprintf("Záznam nebyl v datovém zdroji nalezen: %s#%d", t.sc.javaName, n), "id", "", id, "INVALID"))
				return res
			}
			newNum = n
		}
	}
	// Missing ext ids are attached to an existing record found by another id.
	action, _ := scalar(in["@action"])
	upd, _ := scalar(in["@update"])
	if upd == "" {
		upd = attrs["update"]
	}
	crt, _ := scalar(in["@create"])
	if crt == "" {
		crt = attrs["create"]
	}
	if target != nil {
		res.id = target.id
		switch upd {
		case "ignore":
			res.skipped = true
			return res
		case "fail":
			return fail("Aktualizace existujícího záznamu není povolena.", "", "", "importXmlUpdateNeniPovolen")
		}
	} else {
		if action != "" {
			return fail(fmt.Sprintf("Akci '%s' nelze provést: záznam %v nebyl nalezen.", action, ids), "id", strings.Join(ids, ","), "INVALID")
		}
		switch crt {
		case "ignore":
			res.skipped = true
			return res
		case "fail":
			return fail("Založení nového záznamu není povoleno.", "", "", "importXmlCreateNeniPovolen")
		}
	}

	switch action {
	case "":
	case "delete":
		x.delete(t, target)
		res.changed = true
		return res
	case "storno":
		if _, ok := t.sc.field("storno"); !ok {
			return fail("Akce 'storno' není pro tuto evidenci podporována.", "@action", action, "INVALID")
		}
		x.touch(t, target)
		target.f["storno"] = "true"
		target.updated = s.now()
		res.changed = x.changed(target)
		if res.changed {
			x.logChange(t, target, "update")
		}
		return res
	default:
		return fail(fmt.Sprintf("Akce '%s' není abraflexitest podporována.", action), "@action", action, "INVALID")
	}

	r := target
	if r == nil {
		id := newNum
		if id == 0 {
			id = t.nextID
		}
		if _, taken := t.recs[id]; taken {
			return fail(fmt.Sprintf("Záznam s id %d již existuje.", id), "id", strconv.FormatInt(id, 10), "INVALID")
		}
		r = &record{id: id, f: map[string]string{}}
		x.create(t, r)
		res.id, res.created = id, true
	} else {
		x.touch(t, r)
	}
	for _, e := range newExt {
		if !slices.Contains(r.ext, e) {
			t.unindex(r)
			r.ext = append(r.ext, e)
			t.index(r)
		}
	}

	var oldSum, oldRemaining, oldSumMen, oldRemainingMen decimal.Decimal
	if ev == abraflexi.EvidenceIssuedInvoice && !res.created {
		oldSum, oldRemaining = dec(r.f["sumCelkem"]), dec(r.f["zbyvaUhradit"])
		oldSumMen, oldRemainingMen = dec(r.f["sumCelkemMen"]), dec(r.f["zbyvaUhraditMen"])
	}

	keys := make([]string, 0, len(in))
	for k := range in {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		raw := in[k]
		switch {
		case k == "id" || strings.HasPrefix(k, "@") || k == "external-ids" || k == "lastUpdate" ||
			k == "sparovani" || k == "odparovani" || k == "stitky" || k == "kontakty":
			continue
		case strings.Contains(k, "@"):
			continue // @showAs, @ref, stitky@removeAll (handled with stitky), ...
		}
		v, complex := scalar(raw)
		d, known := t.sc.field(k)
		if !known {
			if complex {
				return fail(fmt.Sprintf("Položka '%s' nepřijímá složenou hodnotu.", k), k, v, "PROP")
			}
			r.f[k] = v
			t.seen[k] = true
			continue
		}
		if d.ro && !priv {
			if k == "stavUhrK" && v == abraflexi.PaymentStatePaidManually {
				r.f[k] = v
				r.f["zbyvaUhradit"], r.f["zbyvaUhraditMen"] = "0", "0"
			}
			continue
		}
		if complex && d.kind != kRel {
			return fail(fmt.Sprintf("Položka '%s' nepřijímá složenou hodnotu.", k), k, v, "PROP")
		}
		switch d.kind {
		case kString:
			if k == "kod" {
				v = strings.ToUpper(strings.TrimSpace(v))
				if v == "" {
					return fail(mandatoryMsg(t), "kod", "", "INVALID")
				}
				if len([]rune(v)) > 20 {
					return fail(fmt.Sprintf("Kód '%s' je delší než 20 znaků.", v), "kod", v, "INVALID")
				}
				if other, ok := t.byCode[v]; ok && other != r.id {
					return fail(fmt.Sprintf("Zadaný kód '%s' již v evidenci existuje.", v), "kod", v, "INVALID")
				}
				x.setKod(t, r, v)
				continue
			}
			r.f[k] = v
		case kInt, kNum:
			if v == "" {
				r.f[k] = ""
				continue
			}
			n, err := decimal.NewFromString(strings.TrimSpace(v))
			if err != nil {
				return fail(fmt.Sprintf("Hodnota '%s' není číslo.", v), k, v, "PROP")
			}
			if d.kind == kInt && !n.IsInteger() {
				return fail(fmt.Sprintf("Hodnota '%s' není celé číslo.", v), k, v, "PROP")
			}
			r.f[k] = n.String()
		case kDate:
			if v == "" {
				r.f[k] = ""
				continue
			}
			ds, ok := parseDateValue(v)
			if !ok {
				return fail(fmt.Sprintf("Hodnota '%s' není platné datum.", v), k, v, "PROP")
			}
			r.f[k] = ds
		case kBool:
			b, ok := parseBoolValue(v)
			if !ok {
				return fail(fmt.Sprintf("Hodnota '%s' není logická hodnota.", v), k, v, "PROP")
			}
			r.f[k] = boolString(b)
		case kRel:
			if complex {
				return fail(fmt.Sprintf("Vazba '%s' se zapisuje jako identifikátor (code:…).", k), k, v, "PROP")
			}
			val, msg := s.resolveRel(d, v)
			if msg != "" {
				return fail(msg, k, v, "PROP")
			}
			r.f[k] = val
		case kDateTime:
		}
	}
	if msg, field, value := s.applyLabels(t, r, in); msg != "" {
		return fail(msg, field, value, "PROP")
	}
	if raw, ok := in["kontakty"]; ok {
		if ev != abraflexi.EvidenceAddress {
			return fail("Evidence nemá kontakty.", "kontakty", "", "PROP")
		}
		if msg := s.applyContacts(r, raw, in["kontakty@removeAll"]); msg != "" {
			return fail(msg, "kontakty", "", "PROP")
		}
	}

	if res.created {
		if r.kod() == "" && newCode != "" {
			x.setKod(t, r, newCode)
		}
		if msg := s.applyDefaults(x, t, r); msg != "" {
			return fail(msg, "kod", "", "INVALID")
		}
	}
	if k := r.kod(); k != "" {
		if other, ok := t.byCode[k]; ok && other != r.id {
			return fail(fmt.Sprintf("Zadaný kód '%s' již v evidenci existuje.", k), "kod", k, "INVALID")
		}
	}
	for _, e := range r.ext {
		if other, ok := t.byExt[e]; ok && other != r.id {
			return fail(fmt.Sprintf("Externí identifikátor '%s' již patří jinému záznamu.", e), "id", e, "INVALID")
		}
	}
	if ev == abraflexi.EvidenceIssuedInvoice {
		_, remGiven := in["zbyvaUhradit"]
		if !(priv && remGiven) && r.f["stavUhrK"] != abraflexi.PaymentStatePaidManually {
			paid := oldSum.Sub(oldRemaining)
			r.f["zbyvaUhradit"] = dec(r.f["sumCelkem"]).Sub(paid).String()
		}
		_, remMenGiven := in["zbyvaUhraditMen"]
		switch {
		case r.f["stavUhrK"] == abraflexi.PaymentStatePaidManually:
		case s.currencyOf(r) != homeCurrency:
			// A foreign-currency invoice owes its sumCelkemMen in its
			// currency; zbyvaUhradit is the home figure at its rate.
			if !(priv && remMenGiven) {
				paidMen := oldSumMen.Sub(oldRemainingMen)
				r.f["zbyvaUhraditMen"] = dec(r.f["sumCelkemMen"]).Sub(paidMen).String()
			}
		case r.f["zbyvaUhraditMen"] == "" || !remGiven:
			r.f["zbyvaUhraditMen"] = r.f["zbyvaUhradit"]
		}
	}

	var after []pendingChange
	if raw, ok := in["sparovani"]; ok {
		if ev != abraflexi.EvidenceBank && ev != abraflexi.EvidenceCash {
			return fail("Párování je možné jen z evidence banka nebo pokladni-pohyb.", "sparovani", "", "INVALID")
		}
		var msg string
		after, msg = s.pair(x, t, r, raw)
		if msg != "" {
			return fail(msg, "sparovani", "", "INVALID")
		}
	}
	if _, ok := in["odparovani"]; ok {
		return fail("Odpárování (odparovani) abraflexitest nepodporuje.", "odparovani", "", "INVALID")
	}

	res.changed = x.changed(r)
	if res.changed {
		r.updated = s.now()
		op := "update"
		if res.created {
			op = "create"
		}
		x.logChange(t, r, op)
	}
	for _, p := range after {
		p.r.updated = s.now()
		x.logChange(p.t, p.r, p.op)
	}
	res.changed = res.changed || len(after) > 0
	return res
}

func mandatoryMsg(t *table) string {
	switch t.sc.evidence {
	case abraflexi.EvidenceAddress:
		return "Pole 'Zkratka' musí být vyplněno. [Adresar -1]"
	case abraflexi.EvidenceContract:
		return "Pole 'Číslo smlouvy' musí být vyplněno. [Smlouva -1]"
	}
	return "Pole 'Kód' musí být vyplněno."
}

// resolveRel turns a written relation value into the stored form.
func (s *Server) resolveRel(d fieldDef, v string) (string, string) {
	v = strings.TrimSpace(v)
	if v == "" || d.target == "" {
		return v, ""
	}
	if !strings.HasPrefix(v, "code:") && !strings.HasPrefix(v, "ext:") {
		if _, err := strconv.ParseInt(v, 10, 64); err != nil {
			return "", fmt.Sprintf("Je očekáváno číselné ID, ale '%s' není číslo", v)
		}
	}
	tt := s.tables[d.target]
	r, ok := tt.lookup(v)
	if !ok {
		return "", fmt.Sprintf("Záznam '%s' nebyl v evidenci '%s' nalezen.", v, d.target)
	}
	return strconv.FormatInt(r.id, 10), ""
}

// applyLabels implements stitky (add) and stitky@removeAll (replace).
func (s *Server) applyLabels(t *table, r *record, in map[string]json.RawMessage) (msg, field, value string) {
	raw, has := in["stitky"]
	rmRaw, hasRm := in["stitky@removeAll"]
	if !has && !hasRm {
		return "", "", ""
	}
	if _, ok := t.sc.field("stitky"); !ok {
		return "Evidence nemá štítky.", "stitky", ""
	}
	removeAll := false
	if hasRm {
		v, _ := scalar(rmRaw)
		removeAll, _ = parseBoolValue(v)
	}
	var codes []string
	if has {
		v, complex := scalar(raw)
		var parts []string
		if complex {
			var arr []string
			if err := json.Unmarshal(raw, &arr); err != nil {
				return "Štítky se zapisují jako řetězec 'A,B'.", "stitky", v
			}
			parts = arr
		} else {
			parts = strings.Split(v, ",")
		}
		lt := s.tables[abraflexi.EvidenceLabel]
		for _, p := range parts {
			c := strings.ToUpper(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(p), "code:")))
			if c == "" {
				continue
			}
			if _, ok := lt.byCode[c]; !ok {
				return fmt.Sprintf("Štítek '%s' neexistuje v číselníku štítků.", c), "stitky", c
			}
			codes = append(codes, c)
		}
	}
	if !removeAll {
		codes = append(codes, r.labels...)
	}
	slices.Sort(codes)
	r.labels = slices.Compact(codes)
	if len(r.labels) == 0 {
		r.labels = nil
	}
	return "", "", ""
}

func (s *Server) applyContacts(r *record, raw, removeAll json.RawMessage) string {
	if v, _ := scalar(removeAll); v == "true" {
		r.contacts = nil
	}
	list, err := recordsOf(raw)
	if err != nil {
		return "Kontakty se zapisují jako pole objektů."
	}
	for _, c := range list {
		fields := map[string]string{}
		var id int64
		for k, v := range c {
			sv, _ := scalar(v)
			switch {
			case k == "id":
				id, _ = strconv.ParseInt(sv, 10, 64)
			case strings.Contains(k, "@"):
			case k == "primarni" || strings.HasPrefix(k, "odesilat"):
				b, _ := parseBoolValue(sv)
				fields[k] = boolString(b)
			default:
				fields[k] = sv
			}
		}
		var existing *contact
		for _, e := range r.contacts {
			if id != 0 && e.id == id {
				existing = e
			}
		}
		if existing != nil {
			for k, v := range fields {
				existing.f[k] = v
			}
			continue
		}
		if id == 0 {
			id = s.nextContact
		}
		if id >= s.nextContact {
			s.nextContact = id + 1
		}
		for _, k := range []string{"primarni", "odesilatFak"} {
			if fields[k] == "" {
				fields[k] = "false"
			}
		}
		r.contacts = append(r.contacts, &contact{id: id, f: fields})
	}
	return ""
}

// applyDefaults fills what AbraFlexi derives on create: document codes
// from the number series, type, currency, dates and payment state.
func (s *Server) applyDefaults(x *tx, t *table, r *record) string {
	sc := t.sc
	_, hasKod := sc.field("kod")
	if r.kod() == "" && hasKod {
		if !sc.document {
			return mandatoryMsg(t)
		}
		year := s.today()[:4]
		for n := r.id; ; n++ {
			k := fmt.Sprintf("%s%04d/%s", sc.series, n, year)
			if _, taken := t.byCode[k]; !taken {
				x.setKod(t, r, k)
				break
			}
		}
	}
	setDefault := func(k, v string) {
		if r.f[k] == "" {
			r.f[k] = v
		}
	}
	ref := func(ev, code string) string {
		if x, ok := s.tables[ev].byCode[code]; ok {
			return strconv.FormatInt(x, 10)
		}
		return ""
	}
	switch sc.evidence {
	case abraflexi.EvidenceIssuedInvoice:
		setDefault("typDokl", ref(abraflexi.EvidenceInvoiceType, "FAKTURA"))
		setDefault("mena", ref(evCurrency, "CZK"))
		setDefault("datVyst", s.today())
		if d, err := abraflexi.ParseDate(r.f["datVyst"]); err == nil {
			setDefault("datSplat", d.AddDays(14).String())
		}
		setDefault("varSym", strings.Join(digitsRe.FindAllString(r.kod(), -1), ""))
		setDefault("storno", "false")
		setDefault("sumCelkem", "0")
	case abraflexi.EvidenceBank, abraflexi.EvidenceCash:
		setDefault("typPohybuK", abraflexi.DirectionIncoming)
		setDefault("datVyst", s.today())
		setDefault("mena", ref(evCurrency, "CZK"))
		setDefault("sparovano", "false")
		setDefault("storno", "false")
		setDefault("sumCelkem", "0")
	case evInternalDoc:
		setDefault("datVyst", s.today())
	}
	if _, ok := sc.field("nazev"); ok {
		setDefault("nazev", r.kod())
	}
	return ""
}

type payTarget struct {
	inv    *record
	ident  string
	amount *decimal.Decimal
}

// pair implements sparovani on payment p (all three JSON forms).
func (s *Server) pair(x *tx, pt *table, p *record, raw json.RawMessage) ([]pendingChange, string) {
	var sp map[string]json.RawMessage
	if err := json.Unmarshal(raw, &sp); err != nil {
		return nil, "Párování (sparovani) musí být objekt."
	}
	mode, _ := scalar(sp["zbytek"])
	if mode == "" {
		mode = string(abraflexi.RemainderNone)
	}
	switch abraflexi.RemainderMode(mode) {
	case abraflexi.RemainderNone, abraflexi.RemainderPost, abraflexi.RemainderIgnore, abraflexi.RemainderPartial,
		abraflexi.RemainderPartialOrPost, abraflexi.RemainderPartialOrIgnore:
	default:
		return nil, fmt.Sprintf("Neznámý způsob zpracování zbytku '%s'.", mode)
	}
	it := s.tables[abraflexi.EvidenceIssuedInvoice]
	var targets []payTarget
	addTarget := func(ident, typ, castka string) string {
		if typ != "" && typ != abraflexi.EvidenceIssuedInvoice {
			return fmt.Sprintf("Úhrada dokladů typu '%s' není abraflexitest podporována.", typ)
		}
		inv, ok := it.lookup(ident)
		if !ok || ident == "" {
			return fmt.Sprintf("Doklad '%s' nebyl v evidenci faktura-vydana nalezen.", ident)
		}
		for _, other := range targets {
			if other.inv == inv {
				return fmt.Sprintf("Doklad '%s' je v párování uveden vícekrát.", inv.kod())
			}
		}
		tg := payTarget{inv: inv, ident: ident}
		if castka != "" {
			a, err := decimal.NewFromString(castka)
			if err != nil || !a.IsPositive() {
				return fmt.Sprintf("Částka úhrady '%s' není kladné číslo.", castka)
			}
			tg.amount = &a
		}
		targets = append(targets, tg)
		return ""
	}
	fakRaw := bytes.TrimSpace(sp["uhrazovanaFak"])
	if len(fakRaw) == 0 {
		return nil, "Chybí uhrazovanaFak."
	}
	sibType, _ := scalar(sp["uhrazovanaFak@type"])
	sibCastka, _ := scalar(sp["uhrazovanaFak@castka"])
	var items []json.RawMessage
	if fakRaw[0] == '[' {
		if err := json.Unmarshal(fakRaw, &items); err != nil {
			return nil, "Chybný formát uhrazovanaFak."
		}
	} else {
		items = []json.RawMessage{fakRaw}
	}
	for _, item := range items {
		v, complex := scalar(item)
		var msg string
		if !complex {
			msg = addTarget(v, sibType, sibCastka)
		} else {
			var o map[string]json.RawMessage
			if err := json.Unmarshal(item, &o); err != nil {
				return nil, "Chybný formát uhrazovanaFak."
			}
			ident, _ := scalar(o["filter"])
			if ident == "" {
				ident, _ = scalar(o["id"])
			}
			if ident == "" {
				ident, _ = scalar(o["@id"])
			}
			ident = strings.TrimSuffix(strings.TrimPrefix(ident, "("), ")")
			typ, _ := scalar(o["@type"])
			if typ == "" {
				typ = sibType
			}
			castka, _ := scalar(o["@castka"])
			if castka == "" {
				castka = sibCastka
			}
			msg = addTarget(ident, typ, castka)
		}
		if msg != "" {
			return nil, msg
		}
	}

	payCode := p.kod()
	if p.f["storno"] == "true" {
		return nil, fmt.Sprintf("Doklad '%s' je stornován, nelze jej párovat.", payCode)
	}
	// The paying amount is what the payment's earlier pairings left, in
	// the payment's currency: an overpayment paired with ignorovat keeps
	// its excess on the payment, unpaired, for a later pairing.
	cur := s.currencyOf(p)
	foreign := cur != homeCurrency
	paying := s.unallocated(pt, p)
	if p.f["sparovano"] == "true" || (!paying.IsPositive() && dec(p.f["sumCelkem"]).IsPositive()) {
		return nil, fmt.Sprintf("Doklad '%s' je již spárován.", payCode)
	}
	if !paying.IsPositive() {
		return nil, fmt.Sprintf("Doklad '%s' nemá kladnou částku.", payCode)
	}
	requested := decimal.Zero
	amounts := make([]decimal.Decimal, len(targets))
	for i, tg := range targets {
		inv := tg.inv
		rem := remainingOf(inv, foreign)
		switch {
		case inv.f["storno"] == "true":
			return nil, fmt.Sprintf("Doklad '%s' je stornován, nelze jej uhradit.", inv.kod())
		case inv.f["stavUhrK"] == abraflexi.PaymentStatePaid || inv.f["stavUhrK"] == abraflexi.PaymentStatePaidManually || !rem.IsPositive():
			return nil, fmt.Sprintf("Doklad '%s' je již uhrazen.", inv.kod())
		case s.currencyOf(inv) != cur:
			return nil, fmt.Sprintf("Úhrada dokladu '%s' v měně %s úhradou v měně %s není možná.", inv.kod(), s.currencyOf(inv), cur)
		}
		a := rem
		if tg.amount != nil {
			if tg.amount.GreaterThan(rem) {
				return nil, fmt.Sprintf("Částka úhrady %s převyšuje zbývající částku k úhradě %s dokladu '%s'.",
					javaNumber(tg.amount.String()), javaNumber(rem.String()), inv.kod())
			}
			a = *tg.amount
		}
		amounts[i] = a
		requested = requested.Add(a)
	}
	diff := paying.Sub(requested)
	partial := false // consume the paying amount in order
	postDiff := false
	switch abraflexi.RemainderMode(mode) {
	case abraflexi.RemainderNone:
		if !diff.IsZero() {
			return nil, fmt.Sprintf("Částka dokladu %s neodpovídá částce k úhradě %s (zbytek=ne).",
				javaNumber(paying.String()), javaNumber(requested.String()))
		}
	case abraflexi.RemainderPartial:
		if diff.IsPositive() {
			return nil, fmt.Sprintf("Částka dokladu %s převyšuje částku k úhradě %s (zbytek=castecnaUhrada).",
				javaNumber(paying.String()), javaNumber(requested.String()))
		}
		partial = diff.IsNegative()
	case abraflexi.RemainderIgnore, abraflexi.RemainderPartialOrIgnore:
		partial = diff.IsNegative()
	case abraflexi.RemainderPost:
		postDiff = !diff.IsZero()
	case abraflexi.RemainderPartialOrPost:
		partial = diff.IsNegative()
		postDiff = diff.IsPositive()
	}
	if partial {
		left := paying
		for i := range amounts {
			amounts[i] = decimal.Min(amounts[i], left)
			left = left.Sub(amounts[i])
		}
	}
	used := decimal.Zero
	for _, a := range amounts {
		used = used.Add(a)
	}

	var after []pendingChange
	lt := s.tables[evLink]
	x.touch(pt, p)
	// The payment is paired (sparovano) once nothing of it is left: the
	// difference of zbytek=ignorovat stays on it, unpaired.
	if used.GreaterThanOrEqual(paying) || postDiff {
		p.f["sparovano"] = "true"
	}
	payRate := rate(dec(p.f["sumCelkem"]), dec(p.f["sumCelkemMen"]), foreign)
	for i, tg := range targets {
		a := amounts[i]
		if !a.IsPositive() {
			continue
		}
		inv := tg.inv
		x.touch(it, inv)
		payInvoice(inv, a, foreign)
		after = append(after, pendingChange{t: it, r: inv, op: "update"})
		link := &record{id: lt.nextID, f: map[string]string{
			"typVazbyK": abraflexi.LinkPayment, "castka": a.Mul(payRate).Round(2).String(),
			"castkaMen": "0", "mena": p.f["mena"], "storno": "false",
			"a": strconv.FormatInt(inv.id, 10),
			"b": "code:" + payCode, "b@evidence": pt.sc.evidence, "b@id": strconv.FormatInt(p.id, 10),
		}}
		if foreign {
			link.f["castkaMen"] = a.String()
		}
		x.create(lt, link)
		after = append(after, pendingChange{t: lt, r: link, op: "create"})
	}
	if postDiff {
		idt := s.tables[evInternalDoc]
		doc := &record{id: idt.nextID, f: map[string]string{"sumCelkem": diff.Abs().Mul(payRate).Round(2).String(),
			"popis": "Rozdíl párování dokladu " + payCode}}
		x.create(idt, doc)
		s.applyDefaults(x, idt, doc)
		after = append(after, pendingChange{t: idt, r: doc, op: "create"})
	}
	return after, ""
}

// homeCurrency is the emulated company's currency: sumCelkem and
// zbyvaUhradit are in it; documents in another currency carry their own
// amounts in sumCelkemMen and zbyvaUhraditMen.
const homeCurrency = "CZK"

// currencyOf returns the currency code of a document (its mena), CZK
// without one.
func (s *Server) currencyOf(r *record) string {
	id, err := strconv.ParseInt(r.f["mena"], 10, 64)
	if err == nil {
		if m, ok := s.tables[evCurrency].recs[id]; ok && m.kod() != "" {
			return m.kod()
		}
	}
	return homeCurrency
}

// rate is the home amount of one unit of a document's currency (1 for a
// home-currency document).
func rate(inHome, inCurrency decimal.Decimal, foreign bool) decimal.Decimal {
	if !foreign || !inCurrency.IsPositive() {
		return decimal.NewFromInt(1)
	}
	return inHome.DivRound(inCurrency, 8)
}

// remainingOf is what is left to pay on an invoice in its own currency.
func remainingOf(inv *record, foreign bool) decimal.Decimal {
	if foreign {
		return dec(inv.f["zbyvaUhraditMen"])
	}
	return dec(inv.f["zbyvaUhradit"])
}

// payInvoice lowers an invoice's remaining amounts by a, in the invoice's
// currency, and sets its payment state. A foreign-currency invoice's home
// figure goes down at the invoice's own rate (exchange differences are not
// emulated) and reaches zero with the foreign one.
func payInvoice(inv *record, a decimal.Decimal, foreign bool) {
	if foreign {
		remMen := dec(inv.f["zbyvaUhraditMen"])
		r := rate(dec(inv.f["zbyvaUhradit"]), remMen, true)
		remMen = remMen.Sub(a)
		rem := dec(inv.f["zbyvaUhradit"]).Sub(a.Mul(r).Round(2))
		if !remMen.IsPositive() {
			remMen, rem = decimal.Zero, decimal.Zero
		}
		inv.f["zbyvaUhraditMen"], inv.f["zbyvaUhradit"] = remMen.String(), rem.String()
	} else {
		rem := dec(inv.f["zbyvaUhradit"]).Sub(a)
		inv.f["zbyvaUhradit"] = rem.String()
		inv.f["zbyvaUhraditMen"] = rem.String()
	}
	if remainingOf(inv, foreign).IsPositive() {
		inv.f["stavUhrK"] = abraflexi.PaymentStatePartial
	} else {
		inv.f["stavUhrK"] = abraflexi.PaymentStatePaid
	}
}

// paymentLinks returns the not cancelled payment links made by payment p
// of table pt.
func (s *Server) paymentLinks(pt *table, p *record) []*record {
	var out []*record
	for _, l := range s.tables[evLink].refs(paymentLinkKey(pt.sc.evidence, strconv.FormatInt(p.id, 10))) {
		if l.f["storno"] != "true" {
			out = append(out, l)
		}
	}
	return out
}

// unallocated is the part of payment p that no pairing has used, in the
// payment's currency.
func (s *Server) unallocated(pt *table, p *record) decimal.Decimal {
	foreign := s.currencyOf(p) != homeCurrency
	total, field := dec(p.f["sumCelkem"]), "castka"
	if foreign {
		total, field = dec(p.f["sumCelkemMen"]), "castkaMen"
	}
	for _, l := range s.paymentLinks(pt, p) {
		total = total.Sub(dec(l.f[field]))
	}
	return total
}
