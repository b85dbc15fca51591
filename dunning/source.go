package dunning

import (
	"context"
	"fmt"
	"slices"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/netbackend"
)

//go:generate go tool mockgen -destination=dunningmock/mock_dunning.go -package=dunningmock . Source,LabelWriter

// Source reads what the runs decide about from AbraFlexi. Each method is one
// paged listing, so a run's request count grows with the number of pages,
// not of customers. [AbraFlexi] implements it over an [abraflexi.Client].
type Source interface {
	// CustomersWithLabel lists the address-book records carrying label
	// (filter stitky = 'code:LABEL'), with their labels.
	CustomersWithLabel(ctx context.Context, label string) ([]abraflexi.Address, error)
	// ActiveContracts lists the contracts in force on today (at least; the
	// runs re-check every contract with [IsActiveContract]).
	ActiveContracts(ctx context.Context, today abraflexi.Date) ([]abraflexi.Contract, error)
	// OpenDebts lists the unpaid or partly paid, not cancelled issued
	// invoices due before today and the open credit notes, with typDokl
	// expanded (at least; the runs re-check every invoice with [IsDebt] and
	// [OpenCredit]).
	OpenDebts(ctx context.Context, today abraflexi.Date) ([]abraflexi.IssuedInvoice, error)
	// CustomersByCode reads the address-book records with these codes, with
	// their labels, in batched listings (one per [CodeBatch] codes). Codes
	// without a record are absent from the answer.
	CustomersByCode(ctx context.Context, codes []string) ([]abraflexi.Address, error)
}

// CodeBatch is how many customer codes one listing of
// [AbraFlexi.CustomersByCode] asks for (kod in (...)), so the URL stays
// short.
const CodeBatch = 100

// LabelWriter changes customers' labels in AbraFlexi.
// [AbraFlexi] implements it over an [abraflexi.Client].
type LabelWriter interface {
	// AddLabel adds label to every customer in ids, keeping their other
	// labels, in batched writes (one request per batch). It returns one
	// result per written record; a record whose result holds errors was
	// not labelled. An error means the write as a whole failed, unless it
	// is an *abraflexi.APIError with Results: then only the records whose
	// results hold errors failed.
	AddLabel(ctx context.Context, ids []abraflexi.ID, label string) ([]abraflexi.WriteResult, error)
	// RemoveLabel removes label from every customer in ids, keeping the
	// labels each customer carries at the time of the write: per batch it
	// re-reads the batch's labels (one listing) right before one write.
	// It returns one error per id: nil when the customer no longer
	// carries label (removed, or not present), else why it still may. A
	// non-nil error means nothing is known to be written.
	RemoveLabel(ctx context.Context, ids []abraflexi.ID, label string) ([]error, error)
}

// AbraFlexi implements [Source] and [LabelWriter] over an AbraFlexi client.
type AbraFlexi struct {
	// Client is the AbraFlexi client; required.
	Client *abraflexi.Client
	// PageSize overrides the client's page size for the listings; 0 keeps it.
	PageSize int
	// BatchSize is the number of records per label write; 0 means the
	// client's default (500).
	BatchSize int
}

// NewAbraFlexi returns the adapter over c with the client's paging and
// batching defaults.
func NewAbraFlexi(c *abraflexi.Client) *AbraFlexi { return &AbraFlexi{Client: c} }

// Why the runs take the adapter twice: [Mark] and [Unblock] read through a
// [Source] and write labels through a [LabelWriter], two seams rather than
// one, because they are used apart: a test or a dry run wraps the writer
// alone (recording, refusing or failing writes) over a real source; a
// caller reads from a cached or read-only source and writes through the
// client; dunningmock mocks each on its own. Over one AbraFlexi both are
// the same *AbraFlexi, hence dunning.Mark(ctx, af, af, p, opts). The
// methods below are that call without the repetition.

// Mark runs [Mark] with a as both the source and the label writer.
func (a *AbraFlexi) Mark(ctx context.Context, p Policy, opts Options) (*MarkResult, error) {
	return Mark(ctx, a, a, p, opts)
}

// Block runs [Block] with a as the source.
func (a *AbraFlexi) Block(ctx context.Context, nb netbackend.Backend, p Policy, opts Options) (*BlockResult, error) {
	return Block(ctx, a, nb, p, opts)
}

// Unblock runs [Unblock] with a as both the source and the label writer.
func (a *AbraFlexi) Unblock(ctx context.Context, nb netbackend.Backend, p Policy, opts Options) (*UnblockResult, error) {
	return Unblock(ctx, a, a, nb, p, opts)
}

var (
	_ Source      = (*AbraFlexi)(nil)
	_ LabelWriter = (*AbraFlexi)(nil)
)

// Fields read by the adapter: only what the decisions use.
var (
	customerListFields = []string{"id", "kod", "nazev", "stitky"}
	contractListFields = []string{"id", "kod", "firma", "typSml", "stavSml", "smlouvaOd", "smlouvaDo", "datVypoz"}
)

// CustomersWithLabel implements [Source].
func (a *AbraFlexi) CustomersWithLabel(ctx context.Context, label string) ([]abraflexi.Address, error) {
	out, err := a.Client.Addresses.All(ctx, abraflexi.ListOptions{
		Filter:   abraflexi.HasLabel(label),
		Fields:   customerListFields,
		PageSize: a.PageSize,
	})
	if err != nil {
		return nil, fmt.Errorf("dunning: list customers labelled %s: %w", label, err)
	}
	return out, nil
}

// ActiveContractsFilter is the server filter of [AbraFlexi.ActiveContracts]:
// smlouvaOd lte today and (smlouvaDo is null or smlouvaDo gte today).
func ActiveContractsFilter(today abraflexi.Date) abraflexi.Filter {
	return abraflexi.And(
		abraflexi.Lte("smlouvaOd", today),
		abraflexi.Or(abraflexi.IsNull("smlouvaDo"), abraflexi.Gte("smlouvaDo", today)),
	)
}

// OpenDebtsFilter is the server filter of [AbraFlexi.OpenDebts]:
// (stavUhrK is null or stavUhrK eq 'stavUhr.castUhr') and storno eq false
// and (datSplat lt today or typDokl.typDoklK eq 'typDokladu.dobropis'):
// the overdue documents and the open credit notes. The document kind is
// checked client-side.
func OpenDebtsFilter(today abraflexi.Date) abraflexi.Filter {
	return abraflexi.And(
		abraflexi.Or(abraflexi.IsNull("stavUhrK"), abraflexi.Eq("stavUhrK", abraflexi.PaymentStatePartial)),
		abraflexi.Eq("storno", false),
		abraflexi.Or(abraflexi.Lt("datSplat", today), abraflexi.Eq("typDokl.typDoklK", abraflexi.KindCreditNote)),
	)
}

// ActiveContracts implements [Source].
func (a *AbraFlexi) ActiveContracts(ctx context.Context, today abraflexi.Date) ([]abraflexi.Contract, error) {
	out, err := a.Client.Contracts.All(ctx, abraflexi.ListOptions{
		Filter:   ActiveContractsFilter(today),
		Fields:   contractListFields,
		PageSize: a.PageSize,
	})
	if err != nil {
		return nil, fmt.Errorf("dunning: list active contracts: %w", err)
	}
	return out, nil
}

// OpenDebts implements [Source].
func (a *AbraFlexi) OpenDebts(ctx context.Context, today abraflexi.Date) ([]abraflexi.IssuedInvoice, error) {
	out, err := a.Client.IssuedInvoices.All(ctx, abraflexi.ListOptions{
		Filter:   OpenDebtsFilter(today),
		PageSize: a.PageSize,
	})
	if err != nil {
		return nil, fmt.Errorf("dunning: list open debts: %w", err)
	}
	return out, nil
}

// CustomersByCode implements [Source]: one listing per [CodeBatch] codes.
func (a *AbraFlexi) CustomersByCode(ctx context.Context, codes []string) ([]abraflexi.Address, error) {
	var out []abraflexi.Address
	for chunk := range slices.Chunk(codes, CodeBatch) {
		vals := make([]any, len(chunk))
		for i, c := range chunk {
			vals[i] = c
		}
		got, err := a.Client.Addresses.All(ctx, abraflexi.ListOptions{
			Filter:   abraflexi.In("kod", vals...),
			Fields:   customerListFields,
			PageSize: a.PageSize,
		})
		if err != nil {
			return nil, fmt.Errorf("dunning: read customers by code: %w", err)
		}
		out = append(out, got...)
	}
	return out, nil
}

// AddLabel implements [LabelWriter] with non-atomic batches, so one bad
// record does not stop the others.
func (a *AbraFlexi) AddLabel(ctx context.Context, ids []abraflexi.ID, label string) ([]abraflexi.WriteResult, error) {
	res, err := a.Client.Addresses.AddLabels(ctx, ids, abraflexi.WriteOptions{BatchSize: a.BatchSize}, label)
	if err != nil {
		return res, fmt.Errorf("dunning: add label %s: %w", label, err)
	}
	return res, nil
}

// RemoveLabel implements [LabelWriter] with
// [abraflexi.Service.RemoveLabelsBatch]: one listing and one non-atomic
// write per batch of BatchSize.
func (a *AbraFlexi) RemoveLabel(ctx context.Context, ids []abraflexi.ID, label string) ([]error, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	res, err := a.Client.Addresses.RemoveLabelsBatch(ctx, ids, abraflexi.WriteOptions{BatchSize: a.BatchSize}, label)
	if res == nil && err != nil {
		return nil, fmt.Errorf("dunning: remove label %s: %w", label, err)
	}
	errs := make([]error, len(ids))
	for _, r := range res {
		if r.Err != nil {
			errs[r.Index] = fmt.Errorf("dunning: remove label %s from %s: %w", label, ids[r.Index], r.Err)
		}
	}
	return errs, nil
}
