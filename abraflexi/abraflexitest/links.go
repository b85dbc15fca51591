package abraflexitest

import (
	"strconv"

	"github.com/spoje-net/isptools/abraflexi"
)

// invoiceLinkKey and paymentLinkKey are the keys the vazba table indexes
// its links under: the paid invoice's id, the paying movement's evidence
// and id.
func invoiceLinkKey(id string) string           { return "a " + id }
func paymentLinkKey(evidence, id string) string { return "b " + evidence + " " + id }

// links lists the vazba records of a document (relations=vazby): on an
// invoice the payments of it, on a bank or cash movement the payments it
// made. Both sides render the same link: a is the paid invoice, b the
// paying movement, each with its @ref.
func (s *Server) links(t *table, r *record) []obj {
	out := []obj{}
	me := strconv.FormatInt(r.id, 10)
	var key string
	switch t.sc.evidence {
	case abraflexi.EvidenceIssuedInvoice:
		key = invoiceLinkKey(me)
	case abraflexi.EvidenceBank, abraflexi.EvidenceCash:
		key = paymentLinkKey(t.sc.evidence, me)
	default:
		return out
	}
	for _, l := range s.tables[evLink].refs(key) {
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
