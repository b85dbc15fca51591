package notify

import (
	"net/mail"
	"strings"

	"github.com/spoje-net/isptools/abraflexi"
)

// Where recipients were found ([Recipients.Source]).
const (
	// SourceInvoiceContact is the invoice's kontaktEmail.
	SourceInvoiceContact = "kontaktEmail"
	// SourceAddress is the address-book record's email.
	SourceAddress = "adresar.email"
	// SourcePrimaryContact is the e-mail of the address's primary contact
	// (else of its first contact with an e-mail).
	SourcePrimaryContact = "kontakt.email"
)

// Recipients is the outcome of choosing whom to notify.
type Recipients struct {
	// To are the valid addresses (bare addr-spec), deduplicated
	// case-insensitively, in the order found. Empty means nobody.
	To []string
	// Invalid are the entries that failed net/mail.ParseAddress, as
	// written, from every source examined.
	Invalid []string
	// Source names where To came from (one of the Source constants), or
	// "" when To is empty.
	Source string
}

// ParseAddresses splits s on ',' and ';', trims every entry, validates it
// with net/mail.ParseAddress and returns the bare addresses, deduplicated
// case-insensitively, plus the entries that are not addresses. Empty
// entries are ignored.
func ParseAddresses(s string) (valid, invalid []string) {
	seen := map[string]bool{}
	for part := range strings.FieldsFuncSeq(s, func(r rune) bool { return r == ',' || r == ';' }) {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		a, err := mail.ParseAddress(part)
		if err != nil {
			invalid = append(invalid, part)
			continue
		}
		key := strings.ToLower(a.Address)
		if seen[key] {
			continue
		}
		seen[key] = true
		valid = append(valid, a.Address)
	}
	return valid, invalid
}

// pick returns the first candidate source with a valid address; invalid
// entries of every examined candidate are collected.
func pick(cands ...[2]string) Recipients {
	var r Recipients
	for _, c := range cands {
		valid, invalid := ParseAddresses(c[1])
		r.Invalid = append(r.Invalid, invalid...)
		if len(valid) > 0 {
			r.To, r.Source = valid, c[0]
			return r
		}
	}
	return r
}

// InvoiceRecipients chooses the recipients of an invoice notification, as
// php-abraflexi does: the invoice's kontaktEmail, else the customer's
// e-mail, else the customer's primary contact's e-mail (customer must have
// been read with its contacts; nil means unknown). Each source may hold
// several addresses separated by ',' or ';'.
func InvoiceRecipients(inv abraflexi.IssuedInvoice, customer *abraflexi.Address) Recipients {
	cands := [][2]string{{SourceInvoiceContact, inv.ContactEmail}}
	if customer != nil {
		cands = append(cands, [2]string{SourceAddress, customer.Email}, [2]string{SourcePrimaryContact, customer.PrimaryContactEmail()})
	}
	return pick(cands...)
}

// AddressRecipients chooses the recipients of a notification to an
// address-book record, such as the payer of a payment: its e-mail, else
// its primary contact's. nil means an unknown payer and gives no
// recipients.
func AddressRecipients(a *abraflexi.Address) Recipients {
	if a == nil {
		return Recipients{}
	}
	return pick([2]string{SourceAddress, a.Email}, [2]string{SourcePrimaryContact, a.PrimaryContactEmail()})
}
