package abraflexitest

import (
	"github.com/spoje-net/isptools/abraflexi"
)

// kind is the wire type of a field.
type kind uint8

const (
	kString kind = iota
	kInt
	kNum
	kDate
	kDateTime
	kBool
	kRel    // relation; target names the evidence, "" keeps the raw value
	kLabels // stitky
)

type fieldDef struct {
	name   string
	kind   kind
	target string // kRel: evidence of the related record ("" = raw string)
	ro     bool   // read-only on write (ignored silently)
}

type schema struct {
	evidence string
	javaName string // for the not-found message
	fields   []fieldDef
	byName   map[string]fieldDef
	summary  []string
	document bool   // kod generated from a number series when missing
	series   string // kod prefix for generated codes
	// refKeys, when set, names the keys a record is indexed under
	// (table.byRef); the keys must not change after insertion.
	refKeys func(*record) []string
}

func (sc *schema) field(name string) (fieldDef, bool) {
	d, ok := sc.byName[name]
	return d, ok
}

func f(name string, k kind) fieldDef   { return fieldDef{name: name, kind: k} }
func ro(name string, k kind) fieldDef  { return fieldDef{name: name, kind: k, ro: true} }
func rel(name, target string) fieldDef { return fieldDef{name: name, kind: kRel, target: target} }
func codebook(ev, java string, extra ...fieldDef) *schema {
	fs := append([]fieldDef{f("kod", kString), f("nazev", kString)}, extra...)
	return newSchema(ev, java, fs, []string{"id", "lastUpdate", "kod", "nazev", "external-ids"})
}

var common = []fieldDef{ro("id", kInt), ro("lastUpdate", kDateTime)}

func newSchema(ev, java string, fs []fieldDef, summary []string) *schema {
	sc := &schema{evidence: ev, javaName: java, summary: summary, byName: map[string]fieldDef{}}
	sc.fields = append(append([]fieldDef{}, common...), fs...)
	for _, d := range sc.fields {
		sc.byName[d.name] = d
	}
	return sc
}

// Evidence names the emulator knows besides those of the abraflexi package.
const (
	evCurrency      = "mena"
	evContractState = "stav-smlouvy"
	evLink          = "vazba"
	evInternalDoc   = "interni-doklad"
)

func movementFields(bank bool) []fieldDef {
	fs := []fieldDef{
		f("kod", kString), rel("typDokl", ""), f("typPohybuK", kString), f("datVyst", kDate),
		f("varSym", kString), f("sumCelkem", kNum), f("sumCelkemMen", kNum),
		rel("mena", evCurrency), rel("firma", abraflexi.EvidenceAddress),
		ro("sparovano", kBool), ro("storno", kBool), f("popis", kString), f("stitky", kLabels),
		f("stavUzivK", kString),
	}
	if bank {
		fs = append(fs, rel("banka", ""), f("specSym", kString), f("buc", kString), f("smerKod", kString),
			f("iban", kString), f("bic", kString), f("vypisCisDokl", kString))
	} else {
		fs = append(fs, rel("pokladna", ""))
	}
	return fs
}

func builtinSchemas() map[string]*schema {
	docSummary := []string{"id", "lastUpdate", "kod", "datVyst", "popis", "sumCelkem", "sumCelkemMen", "mena", "firma", "external-ids"}
	m := map[string]*schema{}
	add := func(sc *schema) { m[sc.evidence] = sc }

	add(newSchema(abraflexi.EvidenceAddress, "cz.winstrom.vo.adr.Adresar", []fieldDef{
		f("kod", kString), f("nazev", kString), f("email", kString), f("tel", kString), f("mobil", kString),
		f("www", kString), f("ulice", kString), f("mesto", kString), f("psc", kString), rel("stat", ""),
		f("ic", kString), f("dic", kString), f("vatId", kString), f("typVztahuK", kString),
		rel("skupFir", ""), f("stitky", kLabels), f("platiOd", kInt), f("platiDo", kInt),
	}, []string{"id", "lastUpdate", "kod", "nazev", "ulice", "mesto", "psc", "stat", "ic", "dic", "vatId", "external-ids"}))

	add(newSchema(abraflexi.EvidenceContract, "cz.winstrom.vo.smlouvy.Smlouva", []fieldDef{
		f("kod", kString), f("nazev", kString), f("popis", kString), rel("firma", abraflexi.EvidenceAddress),
		rel("typSml", abraflexi.EvidenceContractType), rel("stavSml", evContractState),
		f("smlouvaOd", kDate), f("smlouvaDo", kDate), f("datVypoz", kDate), f("autoGen", kBool),
		f("autoProdl", kBool), f("varSym", kString), f("zpusFaktK", kString), ro("poslDatSplat", kDate),
		f("stitky", kLabels),
	}, []string{"id", "lastUpdate", "kod", "nazev", "popis", "poslDatSplat", "firma", "external-ids"}))

	inv := newSchema(abraflexi.EvidenceIssuedInvoice, "cz.winstrom.vo.fak.FakturaVydana", []fieldDef{
		f("kod", kString), rel("typDokl", abraflexi.EvidenceInvoiceType), rel("firma", abraflexi.EvidenceAddress),
		f("nazFirmy", kString), f("varSym", kString), f("specSym", kString), f("datVyst", kDate),
		f("datSplat", kDate), f("duzpPuv", kDate), ro("datUhr", kDate), f("sumCelkem", kNum),
		f("sumCelkemMen", kNum), ro("zbyvaUhradit", kNum), ro("zbyvaUhraditMen", kNum),
		f("sumZalohy", kNum), f("sumZalohyMen", kNum), ro("stavUhrK", kString), ro("storno", kBool),
		rel("mena", evCurrency), f("kontaktEmail", kString), f("kontaktJmeno", kString),
		f("stavMailK", kString), f("buc", kString), f("smerKod", kString),
		rel("smlouva", abraflexi.EvidenceContract), f("popis", kString), f("stitky", kLabels),
		f("datUp1", kDate), f("datUp2", kDate), f("datSmir", kDate), f("datPenale", kDate),
	}, []string{"id", "lastUpdate", "kod", "datVyst", "datSplat", "popis", "sumCelkem", "sumCelkemMen", "mena", "firma",
		"zbyvaUhradit", "zbyvaUhraditMen", "stavUhrK", "sumZalohy", "sumZalohyMen", "external-ids"})
	inv.document, inv.series = true, "VF1-"
	add(inv)

	bank := newSchema(abraflexi.EvidenceBank, "cz.winstrom.vo.ban.Banka", movementFields(true), docSummary)
	bank.document, bank.series = true, "B+"
	add(bank)
	cash := newSchema(abraflexi.EvidenceCash, "cz.winstrom.vo.pok.PokladniPohyb", movementFields(false), docSummary)
	cash.document, cash.series = true, "P+"
	add(cash)

	add(codebook(abraflexi.EvidenceLabel, "cz.winstrom.vo.stitek.Stitek", rel("skupVybKlic", ""),
		f("vsbAdr", kBool), f("vsbFav", kBool), f("vsbBan", kBool), f("vsbPok", kBool), f("vsbSml", kBool)))
	it := codebook(abraflexi.EvidenceInvoiceType, "cz.winstrom.vo.fak.TypFakturyVydane", f("typDoklK", kString))
	it.summary = append(it.summary, "typDoklK")
	add(it)
	add(codebook(abraflexi.EvidenceContractType, "cz.winstrom.vo.smlouvy.TypSmlouvy"))
	add(codebook(evContractState, "cz.winstrom.vo.smlouvy.StavSmlouvy"))
	add(codebook(evCurrency, "cz.winstrom.vo.mena.Mena"))

	add(newSchema(abraflexi.EvidenceCustomerBankAccount, "cz.winstrom.vo.adr.AdresarBankovniUcet", []fieldDef{
		rel("firma", abraflexi.EvidenceAddress), f("buc", kString), rel("smerKod", ""), f("iban", kString),
		f("bic", kString), f("primarni", kBool), f("popis", kString),
	}, []string{"id", "lastUpdate", "firma", "buc", "smerKod", "iban", "bic", "primarni"}))

	link := newSchema(evLink, "cz.winstrom.vo.dpp.Vazba", []fieldDef{
		f("typVazbyK", kString), f("castka", kNum), f("castkaMen", kNum), rel("mena", evCurrency),
		f("storno", kBool), rel("a", abraflexi.EvidenceIssuedInvoice),
		rel("b", ""), f("b@evidence", kString), f("b@id", kString),
	}, []string{"id", "lastUpdate", "typVazbyK", "castka", "castkaMen", "a", "b"})
	link.refKeys = func(r *record) []string {
		return []string{invoiceLinkKey(r.f["a"]), paymentLinkKey(r.f["b@evidence"], r.f["b@id"])}
	}
	add(link)
	idoc := newSchema(evInternalDoc, "cz.winstrom.vo.int.InterniDoklad", []fieldDef{
		f("kod", kString), f("datVyst", kDate), f("sumCelkem", kNum), f("popis", kString),
	}, []string{"id", "lastUpdate", "kod", "datVyst", "popis", "sumCelkem", "external-ids"})
	idoc.document, idoc.series = true, "ID-"
	add(idoc)
	return m
}

// DefaultLabels are the label codes the stitek codebook holds from the start.
var DefaultLabels = []string{
	"UPOMINKA1", "UPOMINKA2", "UPOMINKA3", "NEPLATIC", "ODPOJENO", "VIP", "NEODPOJOVAT", "NEUPOMINAT",
	"NEIDENTIFIKOVANO", "CHYBIFAKTURA", "PREPLATEK", "POTVRZENO", "POTVRZENO_CASTECNE", "MISSINGINVOICE", "UNIDENTIFIED", "OVERPAYMENT",
}

// DefaultInvoiceTypes maps the codes of the seeded typ-faktury-vydane
// codebook to their document kind (typDoklK).
var DefaultInvoiceTypes = map[string]string{
	"FAKTURA":  abraflexi.KindInvoice,
	"ZALOHA":   abraflexi.KindAdvanceInvoice,
	"DOBROPIS": abraflexi.KindCreditNote,
	"PROFORMA": abraflexi.KindProforma,
}

// DefaultContractTypes are the codes of the seeded typ-smlouvy codebook.
var DefaultContractTypes = []string{"INTERNET", "VOIP", "HOSTING"}
