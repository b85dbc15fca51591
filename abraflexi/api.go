package abraflexi

// This file pins the public API other packages build on. Bodies marked
// "TODO(client)" are filled in by the client implementation.

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/shopspring/decimal"
)

// Config is what a [Client] needs to reach one AbraFlexi company.
type Config struct {
	// URL is the server's base URL, e.g. https://demo.flexibee.eu:5434. A
	// URL ending in /c/<company>, as copied from a browser, is accepted:
	// the company is taken from it (Company must then be empty or the
	// same).
	URL string `validate:"required,url"`
	// Login is the user name sent with HTTP Basic auth on every request.
	Login string `validate:"required"`
	// Password is sent with HTTP Basic auth on every request. It is never
	// printed, logged or put into an error.
	Password string `validate:"required"`
	// Company is the company database name (dbNazev), e.g. demo_de;
	// required unless URL ends in /c/<company>.
	Company string
	// InsecureSkipVerify disables TLS certificate checks, for servers with
	// self-signed certificates. Off unless explicitly set
	// (ABRAFLEXI_INSECURE=true).
	InsecureSkipVerify bool
	// PageSize is the number of records read per request (default 1000).
	PageSize int `validate:"gte=0,lte=100000"`
	// Timeout bounds one HTTP request (default 60s).
	Timeout time.Duration `validate:"gte=0"`
}

// Option configures a [Client] beyond its [Config].
type Option func(*clientOptions)

type clientOptions struct {
	httpClient *http.Client
	logger     *slog.Logger
	retryMax   int
	retryMin   time.Duration
	retryMaxW  time.Duration
}

// WithHTTPClient makes the client send requests through hc (its Transport
// and Timeout are used; redirects are always followed).
func WithHTTPClient(hc *http.Client) Option { return func(o *clientOptions) { o.httpClient = hc } }

// WithLogger makes the client log requests and retries at debug level.
// Credentials are never logged.
func WithLogger(l *slog.Logger) Option { return func(o *clientOptions) { o.logger = l } }

// WithRetry sets how often and how long a safe request is retried
// (defaults: 4 retries, waits from 200ms to 5s).
func WithRetry(max int, minWait, maxWait time.Duration) Option {
	return func(o *clientOptions) { o.retryMax, o.retryMin, o.retryMaxW = max, minWait, maxWait }
}

// Service gives typed access to one evidence. Client exposes one Service
// per evidence the SDK models.
type Service[T Record] struct {
	c        *Client
	evidence string
}

// Evidence returns the evidence name the service reads and writes.
func (s *Service[T]) Evidence() string { return s.evidence }

// ListOptions select and page the records of a listing.
type ListOptions struct {
	// Filter restricts the records; the zero Filter selects all.
	Filter Filter
	// Fields are requested with detail=custom:...; nil means the model's
	// DetailFields.
	Fields []string
	// PageSize overrides the client's page size for this listing.
	PageSize int
	// Order sorts by these fields (order=..., a field with @A or @D as
	// AbraFlexi spells it). Keyset paging needs id order, so a listing
	// with Order pages by offset (limit/start) with id as the last key,
	// and is consistent only while the data does not change: see
	// [Service.List]. Leave it empty for listings that must see every
	// record, and sort in memory.
	Order []string
	// Limit stops after this many records in total; 0 reads all.
	Limit int
}

// WriteOptions control a write.
type WriteOptions struct {
	// BatchSize is the number of records per request (default 500).
	BatchSize int
	// Atomic makes each request one transaction: all records or none. When
	// false ("@atomic": "false") each record is its own transaction and
	// per-record failures are reported in the results.
	Atomic bool
	// DryRun validates on the server (dry-run=true) and saves nothing.
	DryRun bool
}

// Fields is one record to write: wire field names to values. It must hold
// "id" to update an existing record ("code:X" or "ext:S:X" ids create the
// record when it does not exist).
type Fields map[string]any

// Message is one error, warning or info the server reported for a record.
type Message struct {
	// Message is the human-readable text (Czech by default).
	Message string `json:"message"`
	// For names the field the message is about.
	For string `json:"for,omitempty"`
	// Path locates the field, e.g. faktura-vydana[temporary-id=null].kod.
	Path string `json:"path,omitempty"`
	// Value is the offending value.
	Value string `json:"value,omitempty"`
	// Code classifies the message (PROP, INVALID, ...).
	Code string `json:"code,omitempty"`
}

// WriteResult is the server's answer for one written record.
type WriteResult struct {
	// Index is the record's position in the caller's slice.
	Index int
	// RequestID echoes the identifier the record was sent with.
	RequestID string
	// ID is the record's internal id when the server returned one.
	ID ID
	// Ref is the record's API path (ref).
	Ref string
	// Errors are the server's error messages for the record.
	Errors []Message
	// Warnings are the server's warnings for the record.
	Warnings []Message
	// Infos are the server's informational messages.
	Infos []Message
}

// RemainderMode is the zbytek of a pairing: what happens when the payment
// and the invoice amounts differ.
type RemainderMode string

// The six remainder modes of AbraFlexi pairing.
const (
	// RemainderNone (ne) pairs only exact amounts; any difference is an error.
	RemainderNone RemainderMode = "ne"
	// RemainderPost (zauctovat) posts any difference as an internal document.
	RemainderPost RemainderMode = "zauctovat"
	// RemainderIgnore (ignorovat) pays the invoice and leaves an excess on
	// the payment unpaired.
	RemainderIgnore RemainderMode = "ignorovat"
	// RemainderPartial (castecnaUhrada) allows an underpayment as a partial
	// payment; an overpayment is an error.
	RemainderPartial RemainderMode = "castecnaUhrada"
	// RemainderPartialOrPost (castecnaUhradaNeboZauctovat): partial payment,
	// or an internal document for an excess.
	RemainderPartialOrPost RemainderMode = "castecnaUhradaNeboZauctovat"
	// RemainderPartialOrIgnore (castecnaUhradaNeboIgnorovat): partial
	// payment, or the excess ignored.
	RemainderPartialOrIgnore RemainderMode = "castecnaUhradaNeboIgnorovat"
)

// PairRequest pairs one bank or cash movement with one issued invoice, or
// with several in one pairing (More).
type PairRequest struct {
	// PaymentEvidence is EvidenceBank or EvidenceCash.
	PaymentEvidence string
	// Payment identifies the bank or cash movement that pays.
	Payment ID
	// Invoice identifies the issued invoice (faktura-vydana) being paid,
	// the first one when More is set.
	Invoice ID
	// Amount is the amount to use (castka) on Invoice; nil uses the
	// invoice's whole remaining amount.
	Amount *decimal.Decimal
	// More are further issued invoices the same pairing pays after Invoice
	// (one more uhrazovanaFak each). AbraFlexi consumes the paying amount
	// in the listed order: Invoice first, then More in order, so with
	// castecnaUhrada the later invoices are the ones left (partly) unpaid.
	More []PairInvoice
	// Remainder is the zbytek mode: what happens when the amounts differ
	// (the payment's amount against the sum of the invoices'). It must be
	// one of the six RemainderMode constants.
	Remainder RemainderMode
}

// PairInvoice is one further invoice of a pairing ([PairRequest].More).
type PairInvoice struct {
	// Invoice identifies the issued invoice (faktura-vydana).
	Invoice ID
	// Amount is the amount to use (castka); nil uses the invoice's whole
	// remaining amount.
	Amount *decimal.Decimal
}

// Invoices returns every invoice of the pairing in the order AbraFlexi
// consumes the payment: Invoice (with Amount), then More.
func (r PairRequest) Invoices() []PairInvoice {
	out := make([]PairInvoice, 0, 1+len(r.More))
	out = append(out, PairInvoice{Invoice: r.Invoice, Amount: r.Amount})
	return append(out, r.More...)
}

// PDFOptions choose the print report of a PDF.
type PDFOptions struct {
	// Report is the report id (report-name), empty for the default.
	Report string
	// Lang is the report language (report-lang: cs, sk, en, de).
	Lang string
}

// Change is one entry of the Changes API or a web-hook notification.
type Change struct {
	// Evidence is the changed record's evidence (@evidence).
	Evidence string
	// Operation is create, update or delete (@operation).
	Operation string
	// InVersion is the global version of the change (@in-version).
	InVersion int64
	// Timestamp is the server's time of the change, as sent (@timestamp).
	Timestamp string
	// RecordID is the record's numeric id (id).
	RecordID ID
	// ExternalIDs lists the record's code: and ext: ids (external-ids).
	ExternalIDs []string
}

// Changes is one page of the Changes API or one web-hook body.
type Changes struct {
	// GlobalVersion is the server's version (@globalVersion).
	GlobalVersion int64
	// Changes are the entries, oldest first.
	Changes []Change
	// Next is the version to continue from; 0 when the server said "none".
	Next int64
}
