package abraflexi

import (
	"strings"

	"github.com/shopspring/decimal"
)

// Evidence names (the {evidence} part of /c/{company}/{evidence}).
const (
	EvidenceAddress       = "adresar"
	EvidenceContact       = "kontakt"
	EvidenceContract      = "smlouva"
	EvidenceContractType  = "typ-smlouvy"
	EvidenceIssuedInvoice = "faktura-vydana"
	EvidenceInvoiceType   = "typ-faktury-vydane"
	EvidenceBank          = "banka"
	// EvidenceCash is the evidence of cash movements. The similarly named
	// "pokladna" is the list of cash registers, not their movements.
	EvidenceCash  = "pokladni-pohyb"
	EvidenceLabel = "stitek"
)

// Values of an issued invoice's payment state (stavUhrK). An empty state
// means unpaid.
const (
	PaymentStateUnpaid       = ""
	PaymentStatePartial      = "stavUhr.castUhr"
	PaymentStatePaid         = "stavUhr.uhrazeno"
	PaymentStatePaidManually = "stavUhr.uhrazenoRucne"
)

// Document kinds of issued invoices (typDokl.typDoklK).
const (
	KindInvoice        = "typDokladu.faktura"
	KindAdvanceInvoice = "typDokladu.zalohFaktura"
	KindCreditNote     = "typDokladu.dobropis"
	KindProforma       = "typDokladu.proforma"
)

// Directions of a bank or cash movement (typPohybuK).
const (
	DirectionIncoming = "typPohybu.prijem"
	DirectionOutgoing = "typPohybu.vydej"
)

// Record is implemented by the typed models; it names the evidence a model
// is read from and the fields to request with detail=custom:.
type Record interface {
	// Evidence returns the evidence name, e.g. "faktura-vydana".
	Evidence() string
	// DetailFields returns the fields read with detail=custom:.
	DetailFields() []string
}

// Address is a customer or supplier in the address book (evidence adresar).
type Address struct {
	// ID is the record's identifier (id), numeric when read.
	ID ID `json:"id,omitzero"`
	// Code is the record code (kod), upper-case, at most 20 characters.
	Code string `json:"kod,omitempty"`
	// Name is the company or person name (nazev).
	Name string `json:"nazev,omitempty"`
	// Email is the address book e-mail (email; not in AbraFlexi's summary).
	Email string `json:"email,omitempty"`
	// Labels are the record's labels (stitky).
	Labels LabelSet `json:"stitky,omitzero"`
	// Contacts is filled when read with relations=kontakty (see
	// [Address.DetailFields]).
	Contacts []Contact `json:"kontakty,omitempty"`
	// ExternalIDs are the record's ext: identifiers (external-ids).
	ExternalIDs []string `json:"external-ids,omitempty"`
}

// Contact is a person of an address-book record (evidence kontakt).
type Contact struct {
	// ID is the contact's identifier (id).
	ID ID `json:"id,omitzero"`
	// FirstName is jmeno.
	FirstName string `json:"jmeno,omitempty"`
	// LastName is prijmeni.
	LastName string `json:"prijmeni,omitempty"`
	// Email is the contact's e-mail (email).
	Email string `json:"email,omitempty"`
	// Primary marks the primary contact (primarni).
	Primary Bool `json:"primarni,omitempty"`
	// SendInvoices marks a contact invoices are e-mailed to (odesilatFak).
	SendInvoices Bool `json:"odesilatFak,omitempty"`
}

// Contract is a customer contract (evidence smlouva). AbraFlexi has no
// stavK or typSmlouvyK field on contracts: the type is the relation TypSml
// and validity follows from ValidFrom/ValidTo.
type Contract struct {
	// ID is the record's identifier (id).
	ID ID `json:"id,omitzero"`
	// Code is the contract number (kod).
	Code string `json:"kod,omitempty"`
	// Name is the contract's name (nazev).
	Name string `json:"nazev,omitempty"`
	// Customer is the contract party in the address book (firma).
	Customer Ref `json:"firma,omitzero"`
	// Type is the contract type (typSml, a typ-smlouvy record).
	Type Ref `json:"typSml,omitzero"`
	// State is the contract state (stavSml, a stav-smlouvy record of a
	// user-defined codebook).
	State Ref `json:"stavSml,omitzero"`
	// ValidFrom is the start of validity (smlouvaOd).
	ValidFrom Date `json:"smlouvaOd,omitzero"`
	// ValidTo is the end of validity (smlouvaDo), zero when open-ended.
	ValidTo Date `json:"smlouvaDo,omitzero"`
	// TerminatedOn is the notice date (datVypoz).
	TerminatedOn Date `json:"datVypoz,omitzero"`
	// Labels are the contract's labels (stitky).
	Labels LabelSet `json:"stitky,omitzero"`
}

// IssuedInvoice is an issued invoice or advance invoice (evidence faktura-vydana).
type IssuedInvoice struct {
	// ID is the record's identifier (id).
	ID ID `json:"id,omitzero"`
	// Code is the document number (kod), e.g. VF1-0001/2024.
	Code string `json:"kod,omitempty"`
	// Customer is the invoiced address-book record (firma).
	Customer Ref `json:"firma,omitzero"`
	// VariableSymbol is varSym, the payment reference.
	VariableSymbol string `json:"varSym,omitempty"`
	// SpecificSymbol is specSym.
	SpecificSymbol string `json:"specSym,omitempty"`
	// Total is the invoice total including VAT (sumCelkem).
	Total decimal.Decimal `json:"sumCelkem"`
	// Remaining is the amount still to pay (zbyvaUhradit, read-only).
	Remaining decimal.Decimal `json:"zbyvaUhradit"`
	// TotalInCurrency is the total in the document's currency
	// (sumCelkemMen); meaningful when the invoice is not in the home
	// currency (see [IssuedInvoice.TotalAmount]).
	TotalInCurrency decimal.Decimal `json:"sumCelkemMen"`
	// RemainingInCurrency is the amount still to pay in the document's
	// currency (zbyvaUhraditMen, read-only).
	RemainingInCurrency decimal.Decimal `json:"zbyvaUhraditMen"`
	// IssuedOn is the issue date (datVyst).
	IssuedOn Date `json:"datVyst,omitzero"`
	// DueOn is the due date (datSplat).
	DueOn Date `json:"datSplat,omitzero"`
	// PaymentState is stavUhrK: one of the PaymentState constants.
	PaymentState string `json:"stavUhrK,omitempty"`
	// Cancelled is storno (read-only).
	Cancelled Bool `json:"storno,omitempty"`
	// DocumentType is typDokl; read with includes=/faktura-vydana/typDokl
	// its Fields hold typDoklK (see [IssuedInvoice.Kind]).
	DocumentType Ref `json:"typDokl,omitzero"`
	// Currency is the invoice currency (mena), e.g. code:CZK.
	Currency Ref `json:"mena,omitzero"`
	// ContactEmail is the document's contact e-mail (kontaktEmail), the
	// first choice of recipient.
	ContactEmail string `json:"kontaktEmail,omitempty"`
	// Labels are the invoice's labels (stitky).
	Labels LabelSet `json:"stitky,omitzero"`
}

// Movement holds the fields shared by bank and cash movements.
type Movement struct {
	// ID is the record's identifier (id).
	ID ID `json:"id,omitzero"`
	// Code is the document number (kod).
	Code string `json:"kod,omitempty"`
	// VariableSymbol is varSym, the payer's payment reference.
	VariableSymbol string `json:"varSym,omitempty"`
	// SpecificSymbol exists on bank movements only.
	SpecificSymbol string `json:"specSym,omitempty"`
	// Total is the amount moved (sumCelkem), in the home currency.
	Total decimal.Decimal `json:"sumCelkem"`
	// TotalInCurrency is the amount in the movement's currency
	// (sumCelkemMen); meaningful when it is not the home currency (see
	// [Movement.TotalAmount]).
	TotalInCurrency decimal.Decimal `json:"sumCelkemMen"`
	// IssuedOn is the movement's date (datVyst).
	IssuedOn Date `json:"datVyst,omitzero"`
	// Payer is the counterparty's address-book record (firma).
	Payer Ref `json:"firma,omitzero"`
	// Direction is typPohybuK: DirectionIncoming or DirectionOutgoing.
	Direction string `json:"typPohybuK,omitempty"`
	// Paired is sparovano (read-only): the movement is matched to documents.
	Paired Bool `json:"sparovano,omitempty"`
	// Cancelled is storno (read-only).
	Cancelled Bool `json:"storno,omitempty"`
	// Currency is the movement's currency (mena).
	Currency Ref `json:"mena,omitzero"`
	// Account is the counterparty's account number, "prefix-number" (buc,
	// bank only).
	Account string `json:"buc,omitempty"`
	// BankCode is the counterparty's bank (smerKod, a penezni-ustav record
	// whose code is the four-digit bank code, e.g. code:0800; bank only).
	BankCode Ref `json:"smerKod,omitzero"`
	// IBAN is the counterparty's IBAN as stored (iban, bank only; foreign
	// payments carry it instead of buc).
	IBAN string `json:"iban,omitempty"`
	// Labels are the movement's labels (stitky).
	Labels LabelSet `json:"stitky,omitzero"`
	// Links are the movement's document links (vazby, read with
	// relations=vazby): the payments it made ([LinkPayment]), from which
	// [Movement.Allocated] tells how much of it is used.
	Links []Link `json:"vazby,omitempty"`
}

// BankMovement is a bank statement line (evidence banka).
type BankMovement struct{ Movement }

// CashMovement is a cash-register movement (evidence pokladni-pohyb).
type CashMovement struct{ Movement }

// Label is a label definition (evidence stitek).
type Label struct {
	// ID is the record's identifier (id).
	ID ID `json:"id,omitzero"`
	// Code is the label code (kod) used in stitky.
	Code string `json:"kod,omitempty"`
	// Name is the label's display name (nazev).
	Name string `json:"nazev,omitempty"`
}

var (
	addressFields  = []string{"id", "kod", "nazev", "email", "stitky", "external-ids", "kontakty(id,jmeno,prijmeni,email,primarni,odesilatFak)"}
	contractFields = []string{"id", "kod", "nazev", "firma", "typSml", "stavSml", "smlouvaOd", "smlouvaDo", "datVypoz", "stitky"}
	invoiceFields  = []string{"id", "kod", "firma", "varSym", "specSym", "sumCelkem", "zbyvaUhradit", "sumCelkemMen", "zbyvaUhraditMen", "datVyst", "datSplat", "stavUhrK", "storno", "typDokl(typDoklK,kod)", "mena", "kontaktEmail", "stitky"}
	bankFields     = []string{"id", "kod", "varSym", "specSym", "sumCelkem", "sumCelkemMen", "datVyst", "firma", "typPohybuK", "sparovano", "storno", "mena", "buc", "smerKod", "iban", "stitky", LinkFields}
	cashFields     = []string{"id", "kod", "varSym", "sumCelkem", "sumCelkemMen", "datVyst", "firma", "typPohybuK", "sparovano", "storno", "mena", "stitky", LinkFields}
	labelFields    = []string{"id", "kod", "nazev"}
)

// Evidence implements [Record].
func (Address) Evidence() string { return EvidenceAddress }

// DetailFields implements [Record]. Contacts need relations=kontakty,
// which the client adds when a field list names kontakty.
func (Address) DetailFields() []string { return addressFields }

// Evidence implements [Record].
func (Contract) Evidence() string { return EvidenceContract }

// DetailFields implements [Record].
func (Contract) DetailFields() []string { return contractFields }

// Evidence implements [Record].
func (IssuedInvoice) Evidence() string { return EvidenceIssuedInvoice }

// DetailFields implements [Record]. The document kind needs
// includes=/faktura-vydana/typDokl, which the client adds when a field list
// expands typDokl.
func (IssuedInvoice) DetailFields() []string { return invoiceFields }

// Evidence implements [Record].
func (BankMovement) Evidence() string { return EvidenceBank }

// DetailFields implements [Record].
func (BankMovement) DetailFields() []string { return bankFields }

// Evidence implements [Record].
func (CashMovement) Evidence() string { return EvidenceCash }

// DetailFields implements [Record].
func (CashMovement) DetailFields() []string { return cashFields }

// Evidence implements [Record].
func (Label) Evidence() string { return EvidenceLabel }

// DetailFields implements [Record].
func (Label) DetailFields() []string { return labelFields }

// UnmarshalJSON decodes the classic API's rendering leniently.
func (a *Address) UnmarshalJSON(b []byte) error {
	type plain Address
	return decodeRecord(b, (*plain)(a))
}

// UnmarshalJSON decodes the classic API's rendering leniently.
func (c *Contact) UnmarshalJSON(b []byte) error {
	type plain Contact
	return decodeRecord(b, (*plain)(c))
}

// UnmarshalJSON decodes the classic API's rendering leniently.
func (c *Contract) UnmarshalJSON(b []byte) error {
	type plain Contract
	return decodeRecord(b, (*plain)(c), "firma", "typSml", "stavSml")
}

// UnmarshalJSON decodes the classic API's rendering leniently.
func (inv *IssuedInvoice) UnmarshalJSON(b []byte) error {
	type plain IssuedInvoice
	return decodeRecord(b, (*plain)(inv), "firma", "typDokl", "mena")
}

// UnmarshalJSON decodes the classic API's rendering leniently.
func (m *Movement) UnmarshalJSON(b []byte) error {
	type plain Movement
	return decodeRecord(b, (*plain)(m), "firma", "mena", "smerKod")
}

// UnmarshalJSON decodes the classic API's rendering leniently.
func (l *Label) UnmarshalJSON(b []byte) error {
	type plain Label
	return decodeRecord(b, (*plain)(l))
}

// Kind returns the invoice's document kind (typDokl.typDoklK, one of the
// Kind constants), or "" when typDokl was not expanded.
func (inv IssuedInvoice) Kind() string { return inv.DocumentType.Fields["typDoklK"] }

// IsOpen reports whether the invoice is unpaid or partly paid and not cancelled.
func (inv IssuedInvoice) IsOpen() bool {
	return !bool(inv.Cancelled) && (inv.PaymentState == PaymentStateUnpaid || inv.PaymentState == PaymentStatePartial)
}

// IsIncoming reports whether the movement is money received.
func (m Movement) IsIncoming() bool { return m.Direction == DirectionIncoming }

// PrimaryContactEmail returns the e-mail of the primary contact, else of
// the first contact that has one, else "".
func (a Address) PrimaryContactEmail() string {
	for _, c := range a.Contacts {
		if c.Primary && strings.TrimSpace(c.Email) != "" {
			return strings.TrimSpace(c.Email)
		}
	}
	for _, c := range a.Contacts {
		if strings.TrimSpace(c.Email) != "" {
			return strings.TrimSpace(c.Email)
		}
	}
	return ""
}
