// Package netbackend defines what every network backend of isptools does:
// find the IP addresses of AbraFlexi customers and block or unblock them.
//
// The contract is batch-oriented. A run of blocknet resolves all defaulters
// with one [Backend.CustomerIPs] call and applies all changes with one
// [Backend.Apply] call, so the Subversion hosts-file backend (package
// svnhosts) makes one commit per run and the NetBox backend (package netbox)
// sends a few bulk PATCH requests instead of one request per IP.
//
// Every change names the customer, the IP and the [Action]; an unblock
// carries the fallback speed used when the backend kept no original speed.
// [Backend.Apply] returns one [Result] per change: [Changed], [Unchanged]
// (already in that state), [NotFound] or [Failed] with its error. With
// [ApplyOptions.DryRun] the same call reports what would change and changes
// nothing.
//
// Tests of higher layers can use the in-memory backend in
// netbackend/netbackendtest, or the gomock mock in netbackend/netbackendmock.
package netbackend
