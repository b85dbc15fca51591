package abraflexi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/shopspring/decimal"
)

// Valid reports whether m is one of the six remainder modes.
func (m RemainderMode) Valid() bool {
	switch m {
	case RemainderNone, RemainderPost, RemainderIgnore, RemainderPartial, RemainderPartialOrPost, RemainderPartialOrIgnore:
		return true
	}
	return false
}

// Validate checks the request: a payment evidence of banka or
// pokladni-pohyb, non-zero ids, each invoice at most once, one of the six
// remainder modes and positive amounts where set.
func (r PairRequest) Validate() error {
	if r.PaymentEvidence != EvidenceBank && r.PaymentEvidence != EvidenceCash {
		return fmt.Errorf("abraflexi: pair: payment evidence must be %q or %q, not %q", EvidenceBank, EvidenceCash, r.PaymentEvidence)
	}
	if r.Payment.IsZero() {
		return fmt.Errorf("abraflexi: pair: %w: payment and invoice ids are required", ErrInvalidID)
	}
	if !r.Remainder.Valid() {
		return fmt.Errorf("abraflexi: pair: invalid remainder mode %q", r.Remainder)
	}
	seen := make(map[ID]bool, 1+len(r.More))
	for i, inv := range r.Invoices() {
		if inv.Invoice.IsZero() {
			return fmt.Errorf("abraflexi: pair: %w: payment and invoice ids are required (invoice %d has none)", ErrInvalidID, i+1)
		}
		if seen[inv.Invoice] {
			return fmt.Errorf("abraflexi: pair: invoice %s is listed twice", inv.Invoice)
		}
		seen[inv.Invoice] = true
		if inv.Amount != nil && !inv.Amount.IsPositive() {
			return fmt.Errorf("abraflexi: pair: amount %s for invoice %s is not positive", inv.Amount, inv.Invoice)
		}
	}
	return nil
}

// Sparovani renders the sparovani object of the pairing as a record of an
// import to the payment's evidence carries it. One invoice takes the form
// php-abraflexi sends ("uhrazovanaFak": "code:FV1",
// "uhrazovanaFak@type": "faktura-vydana", "uhrazovanaFak@castka" when an
// amount is set); several take the official form, an array with one
// object per invoice in order ({"@type": "faktura-vydana", "id":
// "code:FV1", "@castka": "500"}), since sibling keys cannot repeat.
func (r PairRequest) Sparovani() map[string]any {
	sp := map[string]any{"zbytek": string(r.Remainder)}
	if len(r.More) == 0 {
		sp["uhrazovanaFak"] = r.Invoice.String()
		sp["uhrazovanaFak@type"] = EvidenceIssuedInvoice
		if r.Amount != nil {
			sp["uhrazovanaFak@castka"] = r.Amount.String()
		}
		return sp
	}
	invs := r.Invoices()
	items := make([]map[string]string, len(invs))
	for i, inv := range invs {
		items[i] = map[string]string{"@type": EvidenceIssuedInvoice, "id": inv.Invoice.String()}
		if inv.Amount != nil {
			items[i]["@castka"] = inv.Amount.String()
		}
	}
	sp["uhrazovanaFak"] = items
	return sp
}

// pairBody renders the import body of a pairing write ([PairRequest.Sparovani]).
func (r PairRequest) pairBody() ([]byte, error) {
	rec := map[string]any{"id": r.Payment.String(), "sparovani": r.Sparovani()}
	return json.Marshal(map[string]any{"winstrom": map[string]any{
		"@version":        "1.0",
		r.PaymentEvidence: []any{rec},
	}})
}

// Pair pairs a bank or cash movement with an issued invoice, or with
// several in one pairing ([PairRequest].More), written as sparovani to the
// payment's evidence.
//
// Pairing is never retried blindly. The payment is read first: a payment
// already paired gives [ErrAlreadyPaired] and nothing is written; the
// invoice's remaining amount (zbyvaUhradit) is read too. The write itself
// is resent only when it provably never reached the server. Only a
// winstrom answer with "success": "true" is a success. After an ambiguous
// failure (5xx, timeout, connection lost after sending, or a 2xx answer
// that is not AbraFlexi's, such as a proxy's login page with status 200)
// the payment is read again: if it is paired now (sparovano), or the
// invoice's remaining amount went down (an overpayment with ignorovat may
// leave the payment unpaired; of several invoices the first is read, as a
// pairing is one record, applied whole or not at all), the pairing took effect and Pair returns
// nil; if not, the original error is returned (an *UnexpectedResponseError
// for an answer that was not AbraFlexi's) and the caller may retry. If the
// re-read fails too, the error wraps [ErrOutcomeUnknown]. A 4xx answer is
// returned as an *APIError.
func (c *Client) Pair(ctx context.Context, req PairRequest) error {
	if err := req.Validate(); err != nil {
		return err
	}
	body, err := req.pairBody()
	if err != nil {
		return fmt.Errorf("abraflexi: pair: %w", err)
	}
	paired, err := c.isPaired(ctx, req.PaymentEvidence, req.Payment)
	if err != nil {
		return fmt.Errorf("abraflexi: pair: read payment: %w", err)
	}
	if paired {
		return fmt.Errorf("%w: %s %s", ErrAlreadyPaired, req.PaymentEvidence, req.Payment)
	}
	// Best effort: a failure here is left to the write to report.
	before, beforeErr := c.invoiceRemaining(ctx, req.Invoice)
	resp, err := c.do(ctx, request{
		method: http.MethodPost, path: "/" + req.PaymentEvidence + ".json",
		body: body, class: retryUnreached,
	})
	if err == nil {
		if _, err = c.writeAnswer(http.MethodPost, resp); err == nil {
			return nil
		}
	}
	if !ambiguous(err) {
		return err
	}
	// The server may have applied the pairing: look before reporting.
	checkCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if ctx.Err() != nil {
		return errors.Join(err, ErrOutcomeUnknown)
	}
	paired, rerr := c.isPaired(checkCtx, req.PaymentEvidence, req.Payment)
	if rerr != nil {
		return errors.Join(err, fmt.Errorf("%w: re-reading the payment failed: %v", ErrOutcomeUnknown, rerr))
	}
	if !paired && beforeErr == nil {
		after, aerr := c.invoiceRemaining(checkCtx, req.Invoice)
		if aerr != nil {
			return errors.Join(err, fmt.Errorf("%w: re-reading the invoice failed: %v", ErrOutcomeUnknown, aerr))
		}
		paired = after.LessThan(before)
	}
	if paired {
		c.log.LogAttrs(ctx, slog.LevelInfo, "abraflexi: pairing failed ambiguously but took effect",
			slog.String("payment", req.Payment.String()), slog.String("invoice", req.Invoice.String()), slog.String("error", knownOutcome(err).Error()))
		return nil
	}
	return knownOutcome(err) // read again: not paired
}

// invoiceRemaining reads an issued invoice's zbyvaUhradit.
func (c *Client) invoiceRemaining(ctx context.Context, id ID) (decimal.Decimal, error) {
	raw, err := c.getRecord(ctx, EvidenceIssuedInvoice, id, url.Values{"detail": {"custom:id,zbyvaUhradit"}})
	if err != nil {
		return decimal.Decimal{}, err
	}
	var rec struct {
		Remaining decimal.Decimal `json:"zbyvaUhradit"`
	}
	if err := decodeRecord(raw, &rec); err != nil {
		return decimal.Decimal{}, fmt.Errorf("abraflexi: decode %s: %w", EvidenceIssuedInvoice, err)
	}
	return rec.Remaining, nil
}

// ambiguous reports whether a failed write may nevertheless have been
// applied: a 5xx answer, a 2xx answer that is not AbraFlexi's, or a
// transport failure other than a dial error.
func ambiguous(err error) bool {
	if isUnexpected(err) {
		return true
	}
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.StatusCode >= 500
	}
	var te *transportError
	if errors.As(err, &te) {
		return !isDialError(te.err)
	}
	return false
}

// IsPaired reports whether a bank or cash movement is paired (sparovano).
func (c *Client) IsPaired(ctx context.Context, paymentEvidence string, payment ID) (bool, error) {
	return c.isPaired(ctx, paymentEvidence, payment)
}

func (c *Client) isPaired(ctx context.Context, evidence string, id ID) (bool, error) {
	raw, err := c.getRecord(ctx, evidence, id, url.Values{"detail": {"custom:id,sparovano"}})
	if err != nil {
		return false, err
	}
	var rec struct {
		Paired Bool `json:"sparovano"`
	}
	if err := json.Unmarshal(raw, &rec); err != nil {
		return false, fmt.Errorf("abraflexi: decode %s: %w", evidence, err)
	}
	return bool(rec.Paired), nil
}
