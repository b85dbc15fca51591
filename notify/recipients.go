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

// ParseAddresses reads an address list such as a kontaktEmail field:
// RFC 5322 addresses separated by ',' (net/mail.ParseAddressList, which
// keeps quoted display names like "Novák, Jan" <jan@example.cz> whole) or
// by ';' outside quotes, as people type them. It returns the bare
// addresses, deduplicated case-insensitively, plus the entries that are
// not addresses; one bad entry does not lose the good ones. Empty entries
// are ignored.
func ParseAddresses(s string) (valid, invalid []string) {
	seen := map[string]bool{}
	add := func(a *mail.Address) {
		key := strings.ToLower(a.Address)
		if !seen[key] {
			seen[key] = true
			valid = append(valid, a.Address)
		}
	}
	for _, part := range splitOutsideQuotes(s, ';') {
		if strings.TrimSpace(part) == "" {
			continue
		}
		if list, err := mail.ParseAddressList(part); err == nil {
			for _, a := range list {
				add(a)
			}
			continue
		}
		// Some entry is bad (or empty): take the entries one by one.
		for _, entry := range splitOutsideQuotes(part, ',') {
			entry = strings.TrimSpace(entry)
			if entry == "" {
				continue
			}
			a, err := mail.ParseAddress(entry)
			if err != nil {
				invalid = append(invalid, entry)
				continue
			}
			add(a)
		}
	}
	return valid, invalid
}

// splitOutsideQuotes splits s at every sep that is not inside a quoted
// string ("…", with backslash escapes) or a comment ((…)).
func splitOutsideQuotes(s string, sep rune) []string {
	var out []string
	quoted, escaped, depth, start := false, false, 0, 0
	for i, r := range s {
		switch {
		case escaped:
			escaped = false
		case r == '\\' && (quoted || depth > 0):
			escaped = true
		case r == '"' && depth == 0:
			quoted = !quoted
		case quoted:
		case r == '(':
			depth++
		case r == ')' && depth > 0:
			depth--
		case r == sep && depth == 0:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
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
// several addresses ([ParseAddresses]).
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
