package payments

import (
	"context"
	"errors"

	"github.com/spoje-net/isptools/abraflexi"
)

// Errors the [Source] and [Writer] implementations return (wrapped), so the
// matcher can tell outcomes apart without knowing the transport.
var (
	// ErrNotFound: the payment does not exist in the evidence.
	ErrNotFound = errors.New("payments: document not found")
	// ErrAlreadyPaired: the payment was already paired when the pairing was
	// written; nothing was written.
	ErrAlreadyPaired = errors.New("payments: payment is already paired")
)

// Source reads what the matcher decides on.
type Source interface {
	// Payment reads one movement of evidence (abraflexi.EvidenceBank or
	// abraflexi.EvidenceCash) with at least the fields of
	// abraflexi.Movement. A missing record is an error wrapping
	// [ErrNotFound].
	Payment(ctx context.Context, evidence string, id abraflexi.ID) (Payment, error)
	// OpenInvoices lists the open issued invoices (unpaid or partly paid,
	// not cancelled) with typDokl expanded, restricted to the given
	// variable symbols (exact strings, see [VarSymVariants]) unless
	// varSyms is empty, which lists all open invoices. It may return more
	// (the decision filters again), never fewer.
	OpenInvoices(ctx context.Context, varSyms []string) ([]abraflexi.IssuedInvoice, error)
	// OpenInvoicesOf lists the open issued invoices of the customers
	// (firma: code: or numeric ids; a code may name no customer at all),
	// with typDokl expanded, as [Source.OpenInvoices] does; an empty list
	// lists nothing. The MATCH_KEYS keys ss, account and sum read it.
	OpenInvoicesOf(ctx context.Context, customers []abraflexi.ID) ([]abraflexi.IssuedInvoice, error)
	// BankAccounts lists the bank accounts registered to customers
	// (adresar-bankovni-ucet) that may be one of accounts; nil lists all.
	// It may return more (the decision compares the accounts again),
	// never fewer. The MATCH_KEYS key account reads it.
	BankAccounts(ctx context.Context, accounts []abraflexi.IBAN) ([]abraflexi.CustomerBankAccount, error)
	// UnpairedPayments lists the incoming, unpaired, not cancelled
	// movements of evidence issued on or after since.
	UnpairedPayments(ctx context.Context, evidence string, since abraflexi.Date) ([]Payment, error)
}

// Writer writes pairings and labels.
type Writer interface {
	// Pair pairs one payment with one invoice. A payment that is already
	// paired is an error wrapping [ErrAlreadyPaired] and nothing is
	// written. Any other error means the payment is not paired, as far as
	// the implementation could tell; its text carries AbraFlexi's message.
	Pair(ctx context.Context, req abraflexi.PairRequest) error
	// PairBatch writes many pairings of payments of one evidence with as
	// few requests as possible, each record in its own transaction. It
	// returns one error per request, in order (nil when that payment was
	// paired), or a non-nil error alone when the batch as a whole failed
	// and nothing is known to be paired.
	PairBatch(ctx context.Context, evidence string, reqs []abraflexi.PairRequest) ([]error, error)
	// AddLabels adds labels to records of evidence, keeping their other
	// labels. It returns one error per id (nil when labelled), or a
	// non-nil error alone when the batch as a whole failed.
	AddLabels(ctx context.Context, evidence string, ids []abraflexi.ID, labels ...string) ([]error, error)
}

// Ledger is the AbraFlexi company the matcher works on. [NewClientLedger]
// implements it over an *abraflexi.Client; paymentsmock has gomock mocks.
type Ledger interface {
	Source
	Writer
}

//go:generate go tool mockgen -destination=paymentsmock/mock_ledger.go -package=paymentsmock -typed . Source,Writer,Ledger
