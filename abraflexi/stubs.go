package abraflexi

// TODO(client): this file holds signatures only; the client implementation
// replaces it with real code (client.go, filter.go, errors.go, ...).

import (
	"context"
	"errors"
	"iter"
)

var errTODO = errors.New("abraflexi: not implemented yet")

// Client is a typed AbraFlexi REST client for one company.
type Client struct {
	Addresses      *Service[Address]
	Contracts      *Service[Contract]
	IssuedInvoices *Service[IssuedInvoice]
	Bank           *Service[BankMovement]
	Cash           *Service[CashMovement]
	Labels         *Service[Label]
}

// NewClient validates cfg and returns a client.
func NewClient(cfg Config, opts ...Option) (*Client, error) { return nil, errTODO }

// ConfigFromEnv reads ABRAFLEXI_URL, ABRAFLEXI_LOGIN, ABRAFLEXI_PASSWORD,
// ABRAFLEXI_COMPANY (and optional ABRAFLEXI_INSECURE).
func ConfigFromEnv() (Config, error) { return Config{}, errTODO }

// Filter is an AbraFlexi filter expression built safely from values.
type Filter struct {
	expr string
	err  error
}

// Eq is field = value.
func Eq(field string, value any) Filter { return Filter{} }

// In is field in (values...).
func In(field string, values ...any) Filter { return Filter{} }

// IsNull is field is null.
func IsNull(field string) Filter { return Filter{} }

// HasLabel is stitky = 'code:X'.
func HasLabel(code string) Filter { return Filter{} }

// And joins filters with and.
func And(fs ...Filter) Filter { return Filter{} }

// Or joins filters with or.
func Or(fs ...Filter) Filter { return Filter{} }

// List reads records page by page.
func (s *Service[T]) List(ctx context.Context, opts ListOptions) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {}
}

// All collects List.
func (s *Service[T]) All(ctx context.Context, opts ListOptions) ([]T, error) { return nil, errTODO }

// Get reads one record.
func (s *Service[T]) Get(ctx context.Context, id ID) (T, error) { var z T; return z, errTODO }

// Upsert writes records in batches.
func (s *Service[T]) Upsert(ctx context.Context, records []Fields, opts WriteOptions) ([]WriteResult, error) {
	return nil, errTODO
}

// AddLabels adds labels to many records, additively, in batches.
func (s *Service[T]) AddLabels(ctx context.Context, ids []ID, opts WriteOptions, labels ...string) ([]WriteResult, error) {
	return nil, errTODO
}

// RemoveLabels removes labels from one record, keeping its other labels.
func (s *Service[T]) RemoveLabels(ctx context.Context, id ID, labels ...string) (LabelSet, error) {
	return LabelSet{}, errTODO
}

// Pair pairs a payment with an invoice.
func (c *Client) Pair(ctx context.Context, req PairRequest) error { return errTODO }

// PDF downloads a record's PDF.
func (c *Client) PDF(ctx context.Context, evidence string, id ID, opts PDFOptions) ([]byte, error) {
	return nil, errTODO
}

// ParseChanges decodes a Changes API page or web-hook body.
func ParseChanges(data []byte) (*Changes, error) { return nil, errTODO }
