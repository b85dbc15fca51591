// Package netboxtest provides an in-memory NetBox 4.x REST API for tests, in
// the spirit of net/http/httptest.
//
// [NewServer] starts a server holding no objects, with a valid token and a
// ready [netbox.Config]. Seed it with [Server.AddCustomField],
// [Server.AddTenant] and [Server.AddIP]; read state back with [Server.IP],
// [Server.IPs], [Server.JournalEntries] and [Server.Requests] (the request
// log). [Server.InjectFault] makes later requests fail with a status,
// a dropped connection or added latency.
//
// Emulated endpoints and behaviour (NetBox 4.2 to 4.6, facts from NetBox's
// source and docs):
//
//   - Token auth: "Authorization: Token <key>" or "Bearer <key>" (either
//     keyword with either token kind, as NetBox 4.5+ does). No usable header
//     gives 403 {"detail": "Authentication credentials were not provided."};
//     a wrong token gives 403 {"detail": "Invalid token"}.
//   - GET /api/ipam/ip-addresses/: limit/offset pagination with count, next
//     and previous (absolute URLs), default page 50, limit capped at
//     MAX_PAGE_SIZE (default 1000; limit=0 gives a page of MAX_PAGE_SIZE).
//     Filters: id, address (with mask: exact; without: host under any mask;
//     unparsable values are skipped and an all-unparsable filter matches
//     nothing), parent (host contained in prefix), tenant (slug; an unknown
//     slug gives 400 {"tenant": ["Select a valid choice. ..."]}), q,
//     description, description__ic, cf_<name> (integer fields: exact and
//     __n, __lt, __lte, __gt, __gte, __empty; text fields: case-insensitive
//     contains), fields and brief. Unknown parameters are ignored, like
//     NetBox does, and that includes cf_ filters on undefined custom fields,
//     which then match everything.
//   - GET and PATCH /api/ipam/ip-addresses/{id}/: a missing object gives 404
//     {"detail": "No IPAddress matches the given query."}. PATCH merges
//     custom_fields into the stored ones (null clears a value).
//   - PATCH /api/ipam/ip-addresses/ with a list of objects, each with an
//     integer id: all-or-none; unknown ids are skipped. Items without an id
//     give 400 with a list of per-item dicts (DRF's many=True shape); a
//     validation error of one object gives 400 with that object's dict.
//   - Custom field validation: an undefined field name gives 400
//     {"custom_fields": {"<name>": ["Custom field '<name>' does not exist for
//     this object type."]}} (NetBox 4.5.8+). Integer fields accept only JSON
//     integers (not "100", 1.5 or true) and enforce validation_minimum and
//     validation_maximum; failures answer 400 {"__all__": ["Invalid value for
//     custom field 'speed': Value must be an integer."]}, the shape Django's
//     full_clean gives model errors in NetBox.
//   - GET/POST /api/extras/custom-fields/ (filters id, name, object_type,
//     type) and GET/POST /api/extras/journal-entries/ (filters
//     assigned_object_type, assigned_object_id, kind). POST accepts one
//     object or a list (created all-or-none).
//   - Every object lists all custom fields defined for its type, null when unset.
//
// Not emulated: VRFs, roles, tags, assignments, other object types, PUT,
// DELETE, ETag/If-Match, cursor pagination and ordering.
package netboxtest
