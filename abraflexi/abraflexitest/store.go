package abraflexitest

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// record is one stored record. Scalars are kept in their canonical wire
// form: decimals as decimal strings, dates as YYYY-MM-DD, booleans as
// "true"/"false", relations to a known evidence as the related numeric id.
type record struct {
	id       int64
	f        map[string]string
	labels   []string // upper-case, sorted, unique
	contacts []*contact
	ext      []string // "ext:SYS:VALUE"
	updated  time.Time
}

type contact struct {
	id int64
	f  map[string]string
}

func (r *record) clone() *record {
	c := &record{id: r.id, f: maps.Clone(r.f), labels: slices.Clone(r.labels), ext: slices.Clone(r.ext), updated: r.updated}
	for _, k := range r.contacts {
		c.contacts = append(c.contacts, &contact{id: k.id, f: maps.Clone(k.f)})
	}
	return c
}

func (r *record) sameAs(o *record) bool {
	if !maps.Equal(r.f, o.f) || !slices.Equal(r.labels, o.labels) || !slices.Equal(r.ext, o.ext) || len(r.contacts) != len(o.contacts) {
		return false
	}
	for i := range r.contacts {
		if r.contacts[i].id != o.contacts[i].id || !maps.Equal(r.contacts[i].f, o.contacts[i].f) {
			return false
		}
	}
	return true
}

func (r *record) kod() string { return r.f["kod"] }

// externalIDs lists code: and ext: identifiers, as the Changes API does.
func (r *record) externalIDs() []string {
	out := []string{}
	if k := r.kod(); k != "" {
		out = append(out, "code:"+k)
	}
	return append(out, r.ext...)
}

type table struct {
	sc     *schema
	recs   map[int64]*record
	order  []int64 // ascending ids
	sorted bool
	byCode map[string]int64
	byExt  map[string]int64
	nextID int64
	seen   map[string]bool // field names written at least once
	// byRef indexes the records by the keys sc.refKeys names (the vazba
	// links by payment and by invoice), in insertion order.
	byRef map[string][]int64
}

func newTable(sc *schema) *table {
	return &table{sc: sc, recs: map[int64]*record{}, byCode: map[string]int64{}, byExt: map[string]int64{}, nextID: 1, sorted: true,
		seen: map[string]bool{}, byRef: map[string][]int64{}}
}

// refs returns the records indexed under key.
func (t *table) refs(key string) []*record {
	ids := t.byRef[key]
	out := make([]*record, 0, len(ids))
	for _, id := range ids {
		if r, ok := t.recs[id]; ok {
			out = append(out, r)
		}
	}
	return out
}

func (t *table) ids() []int64 {
	if !t.sorted {
		slices.Sort(t.order)
		t.sorted = true
	}
	return t.order
}

func (t *table) index(r *record) {
	if k := r.kod(); k != "" {
		t.byCode[k] = r.id
	}
	for _, e := range r.ext {
		t.byExt[e] = r.id
	}
}

func (t *table) unindex(r *record) {
	if k := r.kod(); k != "" && t.byCode[k] == r.id {
		delete(t.byCode, k)
	}
	for _, e := range r.ext {
		if t.byExt[e] == r.id {
			delete(t.byExt, e)
		}
	}
}

func (t *table) insert(r *record) {
	t.recs[r.id] = r
	if n := len(t.order); n > 0 && t.order[n-1] > r.id {
		t.sorted = false
	}
	t.order = append(t.order, r.id)
	if r.id >= t.nextID {
		t.nextID = r.id + 1
	}
	t.index(r)
	if t.sc.refKeys != nil {
		for _, k := range t.sc.refKeys(r) {
			t.byRef[k] = append(t.byRef[k], r.id)
		}
	}
}

func (t *table) remove(r *record) {
	if t.sc.refKeys != nil {
		for _, k := range t.sc.refKeys(r) {
			t.byRef[k] = slices.DeleteFunc(t.byRef[k], func(id int64) bool { return id == r.id })
		}
	}
	t.unindex(r)
	delete(t.recs, r.id)
	if i := slices.Index(t.order, r.id); i >= 0 {
		t.order = slices.Delete(t.order, i, i+1)
	}
}

// lookup resolves "123", "code:X" or "ext:S:V" (already unescaped).
func (t *table) lookup(id string) (*record, bool) {
	id = strings.TrimSpace(id)
	switch {
	case strings.HasPrefix(id, "code:"):
		n, ok := t.byCode[strings.ToUpper(id[5:])]
		if !ok {
			return nil, false
		}
		return t.recs[n], true
	case strings.HasPrefix(id, "ext:"):
		n, ok := t.byExt[id]
		if !ok {
			return nil, false
		}
		return t.recs[n], true
	}
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return nil, false
	}
	r, ok := t.recs[n]
	return r, ok
}

// ---- value formatting ----

// javaNumber renders a decimal like Java's Double.toString: at least one
// fraction digit ("1210.0"), and scientific notation from 10^7 up
// ("1.2290034529E8").
func javaNumber(s string) string {
	if s == "" {
		return ""
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return s
	}
	if d.IsZero() {
		return "0.0"
	}
	sign := ""
	if d.Sign() < 0 {
		sign = "-"
		d = d.Neg()
	}
	str := d.String()
	if d.GreaterThanOrEqual(decimal.New(1, 7)) {
		intPart, frac, _ := strings.Cut(str, ".")
		digits := strings.TrimRight(intPart+frac, "0")
		mant := digits[1:]
		if mant == "" {
			mant = "0"
		}
		return fmt.Sprintf("%s%s.%sE%d", sign, digits[:1], mant, len(intPart)-1)
	}
	if !strings.Contains(str, ".") {
		str += ".0"
	}
	return sign + str
}

// pragueOffset returns the UTC offset of Europe/Prague at instant t (EU
// summer-time rule: last Sunday of March to last Sunday of October, 01:00 UTC).
func pragueOffset(t time.Time) int {
	t = t.UTC()
	lastSunday := func(m time.Month) time.Time {
		d := time.Date(t.Year(), m+1, 0, 1, 0, 0, 0, time.UTC)
		return d.AddDate(0, 0, -int(d.Weekday()))
	}
	if !t.Before(lastSunday(time.March)) && t.Before(lastSunday(time.October)) {
		return 2 * 3600
	}
	return 3600
}

func pragueZone(t time.Time) *time.Location {
	off := pragueOffset(t)
	return time.FixedZone(fmt.Sprintf("+%02d:00", off/3600), off)
}

func offsetString(off int) string { return fmt.Sprintf("+%02d:%02d", off/3600, off%3600/60) }

// renderDate renders a stored YYYY-MM-DD as "2024-01-31+01:00".
func renderDate(s string) string {
	if len(s) < 10 {
		return s
	}
	t, err := time.Parse("2006-01-02", s[:10])
	if err != nil {
		return s
	}
	return s[:10] + offsetString(pragueOffset(t.Add(-time.Hour)))
}

func renderDateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(pragueZone(t)).Format("2006-01-02T15:04:05.000-07:00")
}

func changeTimestamp(t time.Time) string {
	return t.In(pragueZone(t)).Format("2006-01-02 15:04:05.000000")
}

// parseDateValue accepts YYYY-MM-DD with an optional zone or time part.
func parseDateValue(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if len(s) < 10 {
		return "", false
	}
	if _, err := time.Parse("2006-01-02", s[:10]); err != nil {
		return "", false
	}
	if rest := s[10:]; rest != "" && !strings.ContainsRune("+-TZ ", rune(rest[0])) {
		return "", false
	}
	return s[:10], true
}

func parseBoolValue(s string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "1":
		return true, true
	case "false", "0", "":
		return false, true
	}
	return false, false
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

func dec(s string) decimal.Decimal {
	d, err := decimal.NewFromString(strings.TrimSpace(s))
	if err != nil {
		return decimal.Zero
	}
	return d
}
