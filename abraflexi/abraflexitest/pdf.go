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
		lines = append(lines, "Zbývá uhradit: "+javaNumber(v))
	}
	if v := r.f["varSym"]; v != "" {
		lines = append(lines, "VS: "+v)
	}
	if fid := r.f["firma"]; fid != "" {
		if at, ok := s.tables["adresar"]; ok {
			if a, ok := at.lookup(fid); ok {
				lines = append(lines, "Odběratel: "+a.kod()+" "+a.f["nazev"])
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

// glyphNames are the glyph names (Adobe Glyph List) of the non-ASCII
// characters the PDF can show: those of Czech, Slovak and the other
// Central European languages, Latin-1's letters and common punctuation,
// all in the glyph set of the standard Helvetica font.
var glyphNames = map[rune]string{
	'\u00a0': "space", '\u202f': "space", '§': "section", '°': "degree", '«': "guillemotleft", '»': "guillemotright",
	'×': "multiply", '÷': "divide", '–': "endash", '—': "emdash", '‚': "quotesinglbase", '‘': "quoteleft",
	'’': "quoteright", '„': "quotedblbase", '“': "quotedblleft", '”': "quotedblright", '…': "ellipsis",
	'•': "bullet", '€': "Euro",
	'À': "Agrave", 'Á': "Aacute", 'Â': "Acircumflex", 'Ã': "Atilde", 'Ä': "Adieresis", 'Å': "Aring", 'Æ': "AE",
	'Ç': "Ccedilla", 'È': "Egrave", 'É': "Eacute", 'Ê': "Ecircumflex", 'Ë': "Edieresis", 'Ì': "Igrave",
	'Í': "Iacute", 'Î': "Icircumflex", 'Ï': "Idieresis", 'Ñ': "Ntilde", 'Ò': "Ograve", 'Ó': "Oacute",
	'Ô': "Ocircumflex", 'Õ': "Otilde", 'Ö': "Odieresis", 'Ø': "Oslash", 'Ù': "Ugrave", 'Ú': "Uacute",
	'Û': "Ucircumflex", 'Ü': "Udieresis", 'Ý': "Yacute", 'ß': "germandbls",
	'à': "agrave", 'á': "aacute", 'â': "acircumflex", 'ã': "atilde", 'ä': "adieresis", 'å': "aring", 'æ': "ae",
	'ç': "ccedilla", 'è': "egrave", 'é': "eacute", 'ê': "ecircumflex", 'ë': "edieresis", 'ì': "igrave",
	'í': "iacute", 'î': "icircumflex", 'ï': "idieresis", 'ñ': "ntilde", 'ò': "ograve", 'ó': "oacute",
	'ô': "ocircumflex", 'õ': "otilde", 'ö': "odieresis", 'ø': "oslash", 'ù': "ugrave", 'ú': "uacute",
	'û': "ucircumflex", 'ü': "udieresis", 'ý': "yacute", 'ÿ': "ydieresis",
	'Ă': "Abreve", 'ă': "abreve", 'Ą': "Aogonek", 'ą': "aogonek", 'Ć': "Cacute", 'ć': "cacute",
	'Č': "Ccaron", 'č': "ccaron", 'Ď': "Dcaron", 'ď': "dcaron", 'Đ': "Dcroat", 'đ': "dcroat",
	'Ę': "Eogonek", 'ę': "eogonek", 'Ě': "Ecaron", 'ě': "ecaron", 'Ĺ': "Lacute", 'ĺ': "lacute",
	'Ľ': "Lcaron", 'ľ': "lcaron", 'Ł': "Lslash", 'ł': "lslash", 'Ń': "Nacute", 'ń': "nacute",
	'Ň': "Ncaron", 'ň': "ncaron", 'Ő': "Ohungarumlaut", 'ő': "ohungarumlaut", 'Œ': "OE", 'œ': "oe",
	'Ŕ': "Racute", 'ŕ': "racute", 'Ř': "Rcaron", 'ř': "rcaron", 'Ś': "Sacute", 'ś': "sacute",
	'Ş': "Scedilla", 'ş': "scedilla", 'Š': "Scaron", 'š': "scaron", 'Ţ': "Tcommaaccent", 'ţ': "tcommaaccent",
	'Ť': "Tcaron", 'ť': "tcaron", 'Ů': "Uring", 'ů': "uring", 'Ű': "Uhungarumlaut", 'ű': "uhungarumlaut",
	'Ÿ': "Ydieresis", 'Ź': "Zacute", 'ź': "zacute", 'Ż': "Zdotaccent", 'ż': "zdotaccent", 'Ž': "Zcaron", 'ž': "zcaron",
}

// pdfEncoding maps the characters of one document to the single-byte
// codes of its font: printable ASCII to itself, every other character
// with a glyph ([glyphNames]) to a code from 128 up, in the order met. The
// font's /Differences name the glyphs of those codes, so viewers draw
// "Nováková", and its /ToUnicode map gives the characters back, so
// copying and text extraction (pdftotext) see them too.
type pdfEncoding struct {
	codes map[rune]byte
	runes []rune // runes[i] has code 128+i
}

func newPDFEncoding(lines []string) *pdfEncoding {
	e := &pdfEncoding{codes: map[rune]byte{}}
	for _, l := range lines {
		for _, r := range l {
			if _, ok := glyphNames[r]; !ok || e.codes[r] != 0 || len(e.runes) == 128 {
				continue
			}
			e.codes[r] = byte(128 + len(e.runes))
			e.runes = append(e.runes, r)
		}
	}
	return e
}

// text encodes s as a PDF literal string: printable ASCII as is (with
// (, ) and \ escaped), the mapped characters as octal escapes, anything
// else as '?'.
func (e *pdfEncoding) text(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch c, mapped := e.codes[r]; {
		case mapped:
			fmt.Fprintf(&b, "\\%03o", c)
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

// encoding returns the font's /Encoding dictionary.
func (e *pdfEncoding) encoding() string {
	var b strings.Builder
	b.WriteString("<< /Type /Encoding /BaseEncoding /WinAnsiEncoding")
	if len(e.runes) > 0 {
		b.WriteString(" /Differences [128")
		for _, r := range e.runes {
			b.WriteString(" /" + glyphNames[r])
		}
		b.WriteString("]")
	}
	b.WriteString(" >>")
	return b.String()
}

// toUnicode returns the CMap mapping the font's codes to Unicode.
func (e *pdfEncoding) toUnicode() string {
	var b strings.Builder
	b.WriteString("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n")
	b.WriteString("/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n")
	b.WriteString("/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n")
	b.WriteString("1 begincodespacerange\n<00> <FF>\nendcodespacerange\n")
	b.WriteString("1 beginbfrange\n<20> <7E> <0020>\nendbfrange\n")
	if len(e.runes) > 0 {
		fmt.Fprintf(&b, "%d beginbfchar\n", len(e.runes))
		for i, r := range e.runes {
			fmt.Fprintf(&b, "<%02X> <%04X>\n", 128+i, r)
		}
		b.WriteString("endbfchar\n")
	}
	b.WriteString("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n")
	return b.String()
}

// buildPDF writes a valid PDF with one A4 page showing lines in Helvetica,
// with a correct cross-reference table. Czech (and other Central
// European) characters are drawn and extracted correctly ([pdfEncoding]).
func buildPDF(lines []string) []byte {
	enc := newPDFEncoding(lines)
	var content bytes.Buffer
	content.WriteString("BT\n/F1 12 Tf\n14 TL\n50 790 Td\n")
	for _, l := range lines {
		fmt.Fprintf(&content, "(%s) Tj T*\n", enc.text(l))
	}
	content.WriteString("ET\n")
	cmap := enc.toUnicode()

	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding 6 0 R /ToUnicode 7 0 R >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%sendstream", content.Len(), content.String()),
		enc.encoding(),
		fmt.Sprintf("<< /Length %d >>\nstream\n%sendstream", len(cmap), cmap),
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
