package abraflexitest

import (
	"bytes"
	"fmt"
	"net/url"
	"strings"
)

// pdf renders a minimal single-page PDF 1.4 document with the record's
// code, amount and customer as text. report-name and report-lang are
// printed too so tests can see they were passed.
func (s *Server) pdf(t *table, r *record, q url.Values) []byte {
	lines := []string{
		fmt.Sprintf("AbraFlexi (abraflexitest) %s", t.sc.evidence),
		"Doklad: " + r.kod(),
	}
	if v := r.f["sumCelkem"]; v != "" {
		cur := ""
		if ct, ok := s.tables[evCurrency]; ok {
			if m, ok := ct.lookup(r.f["mena"]); ok {
				cur = " " + m.kod()
			}
		}
		lines = append(lines, "Celkem: "+javaNumber(v)+cur)
	}
	if v := r.f["zbyvaUhradit"]; v != "" {
		lines = append(lines, "Zbyva uhradit: "+javaNumber(v))
	}
	if v := r.f["varSym"]; v != "" {
		lines = append(lines, "VS: "+v)
	}
	if fid := r.f["firma"]; fid != "" {
		if at, ok := s.tables["adresar"]; ok {
			if a, ok := at.lookup(fid); ok {
				lines = append(lines, "Odberatel: "+a.kod()+" "+a.f["nazev"])
			}
		}
	}
	if v := q.Get("report-name"); v != "" {
		lines = append(lines, "Report: "+v)
	}
	if v := q.Get("report-lang"); v != "" {
		lines = append(lines, "Lang: "+v)
	}
	return buildPDF(lines)
}

// pdfText escapes s for a PDF literal string, replacing non-ASCII runes.
func pdfText(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '(' || r == ')' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 32 || r > 126:
			b.WriteByte('?')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// buildPDF writes a valid PDF with one A4 page showing lines in Helvetica,
// with a correct cross-reference table.
func buildPDF(lines []string) []byte {
	var content bytes.Buffer
	content.WriteString("BT\n/F1 12 Tf\n14 TL\n50 790 Td\n")
	for _, l := range lines {
		fmt.Fprintf(&content, "(%s) Tj T*\n", pdfText(l))
	}
	content.WriteString("ET\n")

	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%sendstream", content.Len(), content.String()),
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}
