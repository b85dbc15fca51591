// Package netbox is a small NetBox IPAM client (NetBox 3.x and 4.x) and a
// network backend ([Backend]) that blocks and unblocks customers' IP
// addresses by writing integer custom fields on NetBox IP address objects.
//
// # Client
//
// [New] builds a [Client] from a validated [Config] (see [ConfigFromEnv] for
// the NETBOXURL and NETBOXTOKEN variables). Classic (v1) tokens are sent as
// "Authorization: Token <key>", v2 tokens (prefix "nbt_") as "Authorization:
// Bearer <token>"; NetBox knows Bearer from 4.5 on, and against an older
// server the error matches [ErrBearerUnsupported] and says so. The token
// never appears in errors or logs: [Config] redacts it in String and
// LogValue, and error bodies are scrubbed.
//
// The client reads the server's version from /api/status/ once
// ([Client.ServerVersion]) and follows it: custom-field models are
// "object_types" on 4.x and "content_types" on 3.x; listings page by id on
// 4.x (ordering=id, then id__gt of the last id), because NetBox orders IP
// addresses by address and offset paging skips or repeats rows while
// objects change; 3.x is paged along its next links, dropping repeats. A
// page out of id order stops a listing with [ErrInconsistentListing].
//
// Reads (GET) are retried on connection errors and 502, 503 and 504 under
// Config.Timeout. Writes are never retried and run under their own, longer
// Config.WriteTimeout: NetBox applies a bulk PATCH even when the client gave
// up waiting, so a repeated write would apply twice.
//
// Failed requests return an [*APIError] that keeps NetBox's body (detail,
// per-field messages including "__all__", or the list of per-object dicts of
// a bulk request); it matches [ErrNotFound], [ErrForbidden],
// [ErrUnauthorized] and [ErrBadRequest] with errors.Is.
//
// # Backend
//
// [Backend] implements netbackend.Backend. A block sets the speed custom
// field (default "speed") to the change's BlockSpeed (0 cuts, more
// throttles) and keeps the previous value in the original-speed field
// (default "speed_orig"; 0 when the IP had no speed); an unblock restores it
// (or the change's fallback speed, or no speed when the fallback is 0) and
// clears the original-speed field. A kept original marks an entry as
// blocked by these tools; [Backend.Blocked] lists those and the entries at
// speed 0 without one (blocked by hand).
//
// Customers are matched to IP addresses exactly, by one of three lookups
// (NETBOX_CUSTOMER_LOOKUP): the "{code:X}" token in the IP description (the
// default, as in the Subversion hosts file), the tenant whose slug (as
// stored) or name is the code, or a custom field holding the code. An IP
// whose objects belong to several customers, and a code naming several
// tenants, are conflicts (netbackend.Lookup.Conflicts) and are never
// changed; Apply touches only the objects of a host that belong to the
// change's customer.
//
// A run reads its IPs once: [Backend.CustomerIPs] lists them (filtered, or
// all IP addresses when that takes fewer requests) and the dry-run and real
// [Backend.Apply] reuse what it read for BackendConfig.ReuseReads;
// [Backend.State] reads again, as the verification pass. Apply writes bulk
// PATCH requests of [DefaultBulkSize] objects (chosen from measurements on
// a real NetBox 4.4: 0.04 to 0.12 s per object on 2 cores), shrinks the
// chunks when one takes more than a quarter of the write timeout, splits a
// chunk NetBox rejects with 400 down to the failing objects, reads back a
// chunk whose answer was lost instead of sending it again, and checks every
// answer, so a custom field NetBox silently ignored fails the change.
//
// NetBox silently ignores a cf_ filter on a custom field that does not exist
// and then returns every IP address. The backend therefore checks that its
// custom fields exist before it filters on them or writes them;
// [Backend.EnsureCustomFields] creates missing ones.
//
// Package netbox/netboxtest provides an in-memory NetBox server for tests
// and a helper for tests against a real NetBox.
package netbox
