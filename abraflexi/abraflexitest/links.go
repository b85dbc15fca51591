package abraflexitest

import (
	"strconv"

	"github.com/spoje-net/isptools/abraflexi"
)

// links lists the vazba records of a document (relations=vazby): on an
// invoice the payments of it, on a bank or cash movement the payments it
// made. Both sides render the same link: a is the paid invoice, b the
// paying movement, each with its @ref.
func (s *Server) links(t *table, r *record) []obj {
	out := []obj{}
	lt := s.tables[evLink]
	me := strconv.FormatInt(r.id, 10)
	for _, id := range lt.ids() {
		l := lt.recs[id]
		switch t.sc.evidence {
		case abraflexi.EvidenceIssuedInvoice:
			if l.f["a"] != me {
				continue
			}
		case abraflexi.EvidenceBank, abraflexi.EvidenceCash:
			if l.f["b@evidence"] != t.sc.evidence || l.f["b@id"] != me {
				continue
			}
		default:
			continue
		}
		out = append(out, s.renderLink(l))
	}
	return out
}

// renderLink renders one vazba record as the classic API lists it.
func (s *Server) renderLink(l *record) obj {
	o := obj{{"id", strconv.FormatInt(l.id, 10)}, {"typVazbyK", l.f["typVazbyK"]},
		{"castka", javaNumber(l.f["castka"])}, {"castkaMen", javaNumber(l.f["castkaMen"])},
		{"storno", boolOf(l.f["storno"])}}
	if m, ok := s.tables[evCurrency].recs[parseID(l.f["mena"])]; ok {
		o = append(o, kv{"mena", "code:" + m.kod()})
	}
	it := s.tables[abraflexi.EvidenceIssuedInvoice]
	if inv, ok := it.recs[parseID(l.f["a"])]; ok {
		o = append(o, kv{"a", "code:" + inv.kod()}, kv{"a@ref", s.ref(it, inv.id)})
	}
	o = append(o, kv{"b", l.f["b"]})
	if pt, ok := s.tables[l.f["b@evidence"]]; ok {
		if p, ok := pt.recs[parseID(l.f["b@id"])]; ok {
			o = append(o, kv{"b@ref", s.ref(pt, p.id)})
		} else if p, ok := pt.lookup(l.f["b"]); ok {
			o = append(o, kv{"b@ref", s.ref(pt, p.id)})
		}
	}
	return o
}

func parseID(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}
