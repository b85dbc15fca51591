// Package netbox is a small NetBox 4.x IPAM client and a network backend
// ([Backend]) that blocks and unblocks customers' IP addresses by writing
// integer custom fields on NetBox IP address objects.
//
// # Client
//
// [New] builds a [Client] from a validated [Config] (see [ConfigFromEnv] for
// the NETBOXURL and NETBOXTOKEN variables). Classic (v1) tokens are sent as
// "Authorization: Token <key>", v2 tokens (prefix "nbt_", NetBox 4.5 and
// newer) as "Authorization: Bearer <token>". The token never appears in
// errors or logs: [Config] redacts it in String and LogValue.
//
// Requests go through go-retryablehttp with a strict retry policy: only
// reads (GET) and PATCH requests that set explicit values are retried, and
// only on connection errors and 502, 503 or 504 answers. POST is never
// retried, so creating objects is never done twice.
//
// [Client.IPAddresses] lists IP addresses as an iterator that follows the
// server's next links (NetBox caps a page at MAX_PAGE_SIZE, 1000 by default)
// and drops objects already seen, because NetBox before 4.6.8 could repeat
// rows with duplicate addresses across pages.
//
// Failed requests return an [*APIError] that keeps NetBox's body (detail,
// per-field messages including "__all__", or the list of per-object dicts of
// a bulk request); it matches [ErrNotFound], [ErrForbidden],
// [ErrUnauthorized] and [ErrBadRequest] with errors.Is.
//
// # Backend
//
// [Backend] implements netbackend.Backend. A block sets the speed custom
// field (default "speed") to 0 and keeps the previous value in the
// original-speed field (default "speed_orig"; cleared when the IP had no
// speed); an unblock restores it (or the change's fallback speed, or no speed
// when the fallback is 0) and clears the original-speed field. A run reads
// the current state of all affected IPs in a few batched requests and writes
// all changes as bulk PATCH requests of up to [DefaultBulkSize] objects.
//
// Customers are matched to IP addresses by one of three exact strategies
// (NETBOX_CUSTOMER_LOOKUP): the "{code:X}" token in the IP description (the
// default, as in the Subversion hosts file), the tenant whose slug is
// [TenantSlug] of the customer code, or a custom field holding the code.
//
// NetBox silently ignores a cf_ filter on a custom field that does not exist
// and then returns every IP address. The backend therefore checks that its
// custom fields exist before it filters on them or writes them;
// [Backend.EnsureCustomFields] creates missing ones.
//
// Package netbox/netboxtest provides an in-memory NetBox server for tests.
package netbox
