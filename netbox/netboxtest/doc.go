// Package netboxtest provides an in-memory NetBox REST API for tests, in
// the spirit of net/http/httptest, and [Real], the helper that points the
// same tests at a real NetBox when one is configured.
//
// [NewServer] starts a server holding no objects, with a write token, a
// read-only token and a ready [netbox.Config]. Seed it with
// [Server.AddCustomField], [Server.AddTenant] and [Server.AddIP]; change
// data as an operator would with [Server.SetCustomFields],
// [Server.DeleteIP] and [Server.RemoveCustomField] (also between two pages
// of a listing, from [Server.OnRequest]); read state back with
// [Server.IP], [Server.IPs], [Server.JournalEntries], [Server.ChangeCount]
// and [Server.Requests] (the request log). [Server.InjectFault] makes later
// requests fail with a status, a dropped connection before or after
// serving, or added latency; [Server.SetWriteLatency] makes bulk writes as
// slow per object as a real NetBox.
//
// The emulation follows the answers recorded from real NetBox 4.4.10 and
// 3.1.11 servers (../shared/reference/netbox-real; TestAnswersMatchRecordings
// replays them). It behaves like NetBox 4.4.10 unless [Server.SetVersion]
// says otherwise:
//
//   - Token auth: "Authorization: Token <key>"; "Bearer <token>" only from
//     4.5 on (older versions answer 403 "Authentication credentials were not
//     provided."); "Token" alone gives 403 "Invalid token header. No
//     credentials provided."; a wrong token 403 "Invalid token"; writes with
//     the read-only token 403 "You do not have permission to perform this
//     action.". /api/status/ reports the version; 4.x answers carry an
//     API-Version header ("4.4").
//   - GET /api/ipam/ip-addresses/: limit/offset pagination with count, next
//     and previous (absolute URLs), default page 50, limit capped at
//     MAX_PAGE_SIZE (default 1000; limit=0 gives a page of MAX_PAGE_SIZE).
//     Default order by host address (IPv4 first), then mask length and id,
//     as observed, not by id; ordering=id, -id, address and -address on
//     4.x. Filters: id (and id__gt, __gte, __lt, __lte, __n), address
//     (with mask: exact; without: host under any mask; unparsable values
//     are skipped and an all-unparsable filter matches nothing), parent,
//     tenant (slug) and tenant_id (unknown values give 400 "Select a valid
//     choice. ..."), q, description, description__ic, cf_<name> (integer
//     fields: exact and __n, __lt, __lte, __gt, __gte, __empty; text fields:
//     case-insensitive contains), fields and brief. Unknown parameters are
//     ignored, as NetBox does, and that includes cf_ filters on undefined
//     custom fields, which then match everything.
//   - GET and PATCH /api/ipam/ip-addresses/{id}/: a missing object gives 404
//     ("No IPAddress matches the given query."; 3.x "Not found."). PATCH
//     merges custom_fields into the stored ones (null clears a value).
//   - PATCH /api/ipam/ip-addresses/ with a list, as NetBox's bulk_update:
//     items keyed by id (the last of a repeated id wins), unknown ids
//     skipped, one transaction (one invalid object stores nothing), the
//     answer in address order. Items without an id give 400 with a list of
//     per-item dicts; a string id of an existing object gives 400
//     {"non_field_errors": ["No data provided"]}.
//   - Every PATCH validates the whole object, as NetBox's clean(): an
//     address whose host another object holds in the same table (the
//     global table or one VRF) fails with 400 {"address": ["Duplicate IP
//     address found in global table: 10.0.0.5/32"]}, whatever the PATCH
//     changes. Integer custom fields accept only JSON integers and enforce
//     validation_minimum and validation_maximum ({"__all__": ["Invalid
//     value for custom field 'speed': Value must be an integer."]}). An
//     undefined custom field is dropped silently by 4.0 to 4.5.7 (200),
//     refused by 3.x ({"__all__": ["Unknown field name 'x' in custom field
//     data."]}) and by 4.5.8+ ({"custom_fields": {"x": [...]}}).
//   - GET/POST /api/extras/custom-fields/ (filters id, name, type and
//     object_type on 4.x, content_types on 3.x; 3.x names the models
//     content_types and requires them on create), GET/POST
//     /api/extras/journal-entries/ (filters assigned_object_type,
//     assigned_object_id, kind), GET /api/tenancy/tenants/ (filters id,
//     name, slug). POST accepts one object or a list (created all-or-none).
//     Each kind of object has its own id sequence.
//   - Every IP object lists all custom fields defined for its type, null
//     when unset. 3.x ignores fields= and the __empty lookup.
//
// Not emulated: roles, tags, assignments, other object types, PUT, DELETE,
// ETag/If-Match, cursor pagination and the changelog.
package netboxtest
