// Package netbackendtest helps testing code around [netbackend.Backend].
//
// [New] returns an in-memory backend for tests of higher layers (dunning,
// the blocknet and unblocknet commands). It records every call ([Backend.Calls])
// and can be told to fail one IP ([Backend.FailIP]) or a whole batch
// ([Backend.FailNextApply]).
//
// [Conformance] is the behavioural test suite every backend implementation
// must pass: block, unblock with and without a kept original speed,
// throttling (Change.BlockSpeed), idempotence, the Blocked listing (kept
// original, by hand, throttled), lookup conflicts and changes refused on
// another customer's entry, unknown customers and IPs, batches and dry
// runs. A hosts-file or NetBox newBackend must be able to hold one address
// on the entries of two customers ([ConformanceHosts]). The
// in-memory backend, the Subversion and local-file backends of package
// svnhosts and the NetBox backend of package netbox all run it.
package netbackendtest
