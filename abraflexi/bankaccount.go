package abraflexi

import "strings"

// EvidenceCustomerBankAccount is the evidence of the bank accounts
// registered to address-book records (adresar-bankovni-ucet).
const EvidenceCustomerBankAccount = "adresar-bankovni-ucet"

// CustomerBankAccount is a bank account registered to an address-book
// record (evidence adresar-bankovni-ucet; the records have no kod). A
// payer's account read from a bank movement names its customer through
// these records. Read them with NewService[CustomerBankAccount](client).
type CustomerBankAccount struct {
	// ID is the record's identifier (id).
	ID ID `json:"id,omitzero"`
	// Customer is the address-book record the account belongs to (firma,
	// mandatory).
	Customer Ref `json:"firma,omitzero"`
	// Number is the domestic account number, "prefix-number" (buc).
	Number string `json:"buc,omitempty"`
	// BankCode is the bank (smerKod, a penezni-ustav record whose code is
	// the four-digit bank code, e.g. code:0800).
	BankCode Ref `json:"smerKod,omitzero"`
	// IBAN is the account's IBAN as stored (iban).
	IBAN string `json:"iban,omitempty"`
	// BIC is the bank's BIC/SWIFT code (bic).
	BIC string `json:"bic,omitempty"`
	// Primary marks the customer's primary bank account (primarni).
	Primary Bool `json:"primarni,omitempty"`
}

var customerBankAccountFields = []string{"id", "firma", "buc", "smerKod", "iban", "bic", "primarni"}

// Evidence implements [Record].
func (CustomerBankAccount) Evidence() string { return EvidenceCustomerBankAccount }

// DetailFields implements [Record].
func (CustomerBankAccount) DetailFields() []string { return customerBankAccountFields }

// UnmarshalJSON decodes the classic API's rendering leniently.
func (a *CustomerBankAccount) UnmarshalJSON(b []byte) error {
	type plain CustomerBankAccount
	return decodeRecord(b, (*plain)(a), "firma", "smerKod")
}

// AccountIBAN returns the account as an IBAN: the stored iban when it is
// valid, else the IBAN of the domestic buc/smerKod (a Czech account, the
// country of AbraFlexi's bank-code list), else false.
func (a CustomerBankAccount) AccountIBAN() (IBAN, bool) {
	return AccountKey(a.Number, a.BankCode.Code(), a.IBAN)
}

// AccountKey returns the one comparable form of a bank account given as
// AbraFlexi stores it on bank movements (buc, smerKod, iban) and on
// registered accounts: a valid iban wins; else buc with smerKod is read as
// a Czech domestic account and converted to its IBAN. An account given
// both ways therefore compares equal to either form. It reports false when
// neither form is a valid account.
func AccountKey(buc, bankCode, iban string) (IBAN, bool) {
	if strings.TrimSpace(iban) != "" {
		if i, err := ParseIBAN(iban); err == nil {
			return i, true
		}
	}
	if strings.TrimSpace(buc) == "" {
		return "", false
	}
	n, err := ParseAccountNumber(buc, bankCode)
	if err != nil {
		return "", false
	}
	i, err := n.IBAN("CZ")
	if err != nil {
		return "", false
	}
	return i, true
}

// PayerAccount returns the counterparty account of a bank movement in its
// comparable form ([AccountKey] of buc, smerKod and iban), or false when
// the movement names no valid account (cash movements never do).
func (m Movement) PayerAccount() (IBAN, bool) {
	return AccountKey(m.Account, m.BankCode.Code(), m.IBAN)
}
