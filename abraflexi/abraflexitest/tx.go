package abraflexitest

import (
	"strconv"
)

// change is one entry of the Changes API.
type change struct {
	version   int64
	evidence  string
	operation string
	timestamp string
	id        int64
	extIDs    []string
}

func (c change) render() obj {
	return obj{{"@evidence", c.evidence}, {"@in-version", strconv.FormatInt(c.version, 10)},
		{"@operation", c.operation}, {"@timestamp", c.timestamp}, {"id", strconv.FormatInt(c.id, 10)},
		{"external-ids", c.extIDs}}
}

type pendingChange struct {
	t   *table
	r   *record
	op  string
	ext []string // for deletes
}

// tx collects undo steps so that a failed (or dry-run) import leaves the
// store untouched.
type tx struct {
	s        *Server
	undo     []func()
	touched  map[*record]*record // record -> snapshot before the tx
	pending  []pendingChange
	nextIDs  map[*table]int64
	contacts int64
	silent   bool // no change-log entries (seeding)
}

func (s *Server) begin() *tx {
	x := &tx{s: s, touched: map[*record]*record{}, nextIDs: map[*table]int64{}, contacts: s.nextContact}
	for _, t := range s.tables {
		x.nextIDs[t] = t.nextID
	}
	return x
}

type mark struct{ undo, pending int }

func (x *tx) mark() mark { return mark{len(x.undo), len(x.pending)} }

// rollbackTo undoes every step after m.
func (x *tx) rollbackTo(m mark) {
	for i := len(x.undo) - 1; i >= m.undo; i-- {
		x.undo[i]()
	}
	x.undo = x.undo[:m.undo]
	x.pending = x.pending[:m.pending]
}

func (x *tx) rollback() {
	x.rollbackTo(mark{})
	for t, n := range x.nextIDs {
		t.nextID = n
	}
	x.s.nextContact = x.contacts
}

// touch snapshots r before its first change in this tx.
func (x *tx) touch(t *table, r *record) {
	if _, ok := x.touched[r]; ok {
		return
	}
	snap := r.clone()
	x.touched[r] = snap
	x.undo = append(x.undo, func() {
		t.unindex(r)
		*r = *snap
		t.index(r)
		delete(x.touched, r)
	})
}

func (x *tx) create(t *table, r *record) {
	t.insert(r)
	x.touched[r] = nil
	x.undo = append(x.undo, func() { t.remove(r); delete(x.touched, r) })
}

func (x *tx) delete(t *table, r *record) {
	t.remove(r)
	x.undo = append(x.undo, func() { t.insert(r) })
	x.pending = append(x.pending, pendingChange{t: t, r: r, op: "delete", ext: r.externalIDs()})
}

// reindex must be called around a change of kod or ext ids.
func (x *tx) setKod(t *table, r *record, kod string) {
	t.unindex(r)
	r.f["kod"] = kod
	t.index(r)
}

func (x *tx) logChange(t *table, r *record, op string) {
	x.pending = append(x.pending, pendingChange{t: t, r: r, op: op})
}

// changed reports whether r differs from its snapshot (true for new records).
func (x *tx) changed(r *record) bool {
	snap, ok := x.touched[r]
	if !ok {
		return false
	}
	return snap == nil || !r.sameAs(snap)
}

// commit appends the change-log entries.
func (x *tx) commit() {
	if x.silent {
		return
	}
	now := x.s.now()
	for _, p := range x.pending {
		x.s.version++
		ext := p.ext
		if ext == nil {
			ext = p.r.externalIDs()
		}
		x.s.changes = append(x.s.changes, change{version: x.s.version, evidence: p.t.sc.evidence, operation: p.op,
			timestamp: changeTimestamp(now), id: p.r.id, extIDs: ext})
	}
	x.pending = nil
}
