package abraflexi

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
)

// maxPDF bounds a downloaded PDF.
const maxPDF = 64 << 20

// PDF downloads the print of one record: GET /c/{co}/{evidence}/{id}.pdf
// with report-name and report-lang from opts. The body must start with
// "%PDF".
func (c *Client) PDF(ctx context.Context, evidence string, id ID, opts PDFOptions) ([]byte, error) {
	if err := checkEvidence(evidence); err != nil {
		return nil, err
	}
	if id.IsZero() {
		return nil, fmt.Errorf("%w: zero ID", ErrInvalidID)
	}
	q := url.Values{}
	if opts.Report != "" {
		q.Set("report-name", opts.Report)
	}
	if opts.Lang != "" {
		q.Set("report-lang", opts.Lang)
	}
	resp, err := c.do(ctx, request{
		method: http.MethodGet, path: "/" + escapeSegment(evidence) + "/" + id.PathSegment() + ".pdf",
		query: q, accept: "application/pdf", class: retryRead, maxBody: maxPDF,
	})
	if err != nil {
		return nil, err
	}
	if !bytes.HasPrefix(resp.body, []byte("%PDF")) {
		n := min(len(resp.body), 32)
		return nil, fmt.Errorf("abraflexi: %s %s: response is not a PDF (starts with %q)", evidence, id, resp.body[:n])
	}
	return resp.body, nil
}

// InvoicePDF downloads the PDF of an issued invoice; see [Client.PDF].
func (c *Client) InvoicePDF(ctx context.Context, id ID, opts PDFOptions) ([]byte, error) {
	return c.PDF(ctx, EvidenceIssuedInvoice, id, opts)
}
