// Package abraflexi is a typed client for the AbraFlexi (FlexiBee) REST
// API, the Czech ERP many ISPs bill in. It reads and writes the evidences
// an ISP's billing needs: the address book, contracts, issued invoices,
// bank and cash movements and labels, and it pairs payments with invoices.
//
// # Usage
//
// Build a [Config] (or read it with [ConfigFromEnv]) and a [Client]:
//
//	cfg, err := abraflexi.ConfigFromEnv() // ABRAFLEXI_URL, _LOGIN, _PASSWORD, _COMPANY
//	if err != nil { ... }
//	c, err := abraflexi.NewClient(cfg, abraflexi.WithLogger(logger))
//
// The client has one [Service] per evidence: [Client.Addresses],
// [Client.Contracts], [Client.IssuedInvoices], [Client.Bank], [Client.Cash]
// and [Client.Labels] ([NewService] makes one for another model). A
// listing is an iterator that reads page by page:
//
//	open := abraflexi.And(
//		abraflexi.Or(abraflexi.IsNull("stavUhrK"), abraflexi.Eq("stavUhrK", abraflexi.PaymentStatePartial)),
//		abraflexi.IsFalse("storno"),
//		abraflexi.RelEq("firma", abraflexi.CodeID("CUST1")),
//	)
//	for inv, err := range c.IssuedInvoices.List(ctx, abraflexi.ListOptions{Filter: open}) {
//		if err != nil { ... }
//		...
//	}
//
// [Service.List] sends detail=custom: with the model's fields (so fields
// AbraFlexi leaves out of its summary, such as stitky and sparovano, are
// read) and pages by key: records in ascending id order, each next page
// asked with "id gt <last id>" added to the filter (1000 records per page
// by default, never limit=0, the row count on every page so no empty page
// is asked for). A record that matches throughout a listing is therefore
// seen exactly once, even when other records stop matching between pages
// (an invoice paid during the listing); a server answering a page out of
// order stops the listing with [ErrInconsistentListing].
// [Service.Get] reads one record by [ID] (numeric, code: or ext:),
// [Service.Count] counts. [Service.Upsert] writes many records in one
// request per batch and reports a [WriteResult] per record.
//
// Labels: [Service.AddLabels] adds labels without touching the others,
// [Service.RemoveLabels] removes some and keeps the rest (for many records
// [Service.RemoveLabelsBatch]: one listing and one write per batch), and
// [Service.SetLabels] replaces the whole set. [Client.Pair] pairs a
// payment with an invoice ([PairRequest], [RemainderMode]).
// [Client.PDF] and [Client.InvoicePDF] download prints; [Client.Changes]
// and [ParseChanges] read the Changes API and web-hook bodies.
//
// Package abraflexitest provides an in-memory AbraFlexi server to test
// against.
//
// # Authentication
//
// Every request carries HTTP Basic auth with [Config.Login] and
// [Config.Password], also after the 303 redirect that code: and ext:
// detail URLs answer with (same host only). TLS certificates are verified
// unless [Config.InsecureSkipVerify] is set explicitly (ABRAFLEXI_INSECURE
// for [ConfigFromEnv]), which servers with self-signed certificates need.
// [Config] prints and logs its password as REDACTED; errors and debug logs
// carry URLs without credentials.
//
// # Errors
//
// A failure status becomes an [*APIError] holding the status, the method,
// the sanitised URL, the server's messages and the start of the body. It
// matches [ErrNotFound], [ErrUnauthorized], [ErrForbidden] and
// [ErrWriteAPIDisabled] with [errors.Is]. The messages are written for the
// operator who reads them in a job log, and name what to check:
//
//   - 401: "AbraFlexi rejected ABRAFLEXI_LOGIN/ABRAFLEXI_PASSWORD" with the
//     login and the server;
//   - a company the server does not have: a [*CompanyError]
//     ([ErrUnknownCompany], not [ErrNotFound]) naming ABRAFLEXI_COMPANY,
//     its value and the companies the server has (after a 404 the client
//     asks GET /c.json once);
//   - connection refused, DNS and TLS failures name the server's host and
//     ABRAFLEXI_URL (and ABRAFLEXI_INSECURE for a certificate);
//   - a 2xx answer that is not AbraFlexi's (a proxy's login page) is an
//     [*UnexpectedResponseError] ([ErrUnexpectedResponse]).
//
// Messages carry URLs without their query (long filters cut short); the
// full request URLs are logged at debug level only. Each retry is logged
// as one warning line.
//
// A listing whose pages the server answers out of order fails with
// [ErrInconsistentListing]. A write whose effect is not known (an
// ambiguous failure that could not be checked) matches
// [ErrOutcomeUnknown]: do not repeat it blindly.
//
// # Safety
//
// Filters are built with [Eq], [In], [RelEq], [HasLabel], [And], [Or],
// [Not] and friends, never by formatting strings: field names are
// validated and values are written as literals that cannot be closed early.
// String values are written in single quotes. AbraFlexi documents no
// escaping inside a literal, so a value that could close it early (a
// single quote, as in X' or kod ne ') or confuse the parser (a backslash,
// a control character, invalid UTF-8) is refused, never spliced in: the
// [Filter] carries an error wrapping [ErrInvalidFilter] and listings fail
// before sending anything. Non-finite numbers (NaN, ±Inf) are refused too.
//
// Requests are retried with backoff only where repeating them is harmless:
// reads on connection errors, 429 and 502/503/504; writes only when they
// are idempotent by construction (every record keyed by a code: or ext:
// id, label writes) or when the request provably never reached the server.
// A pairing is never resent after an ambiguous failure: [Client.Pair]
// re-reads the payment to learn whether the pairing took effect and
// reports [ErrOutcomeUnknown] when it cannot tell. A label removal never
// resends the label set it computed: after a failure it reads the labels
// again and recomputes, so a label set by someone else in the meantime is
// kept. Only a winstrom answer with "success": "true" is a successful
// write; any other 2xx answer is checked by reading again where a read
// can tell (labels, pairing) and is [ErrOutcomeUnknown] otherwise
// ([Service.Upsert]).
//
// Use [WriteOptions.DryRun] to have the server validate a write without
// saving it.
package abraflexi
