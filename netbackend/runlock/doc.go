// Package runlock serialises the runs of the isptools apps on one machine
// with an exclusive file lock (flock).
//
// Two things must never interleave: two Pipeline A runs on one network
// backend (blocknet and unblocknet are started by the same AbraFlexi
// webhook, so they do start together), and two confirmations of one
// AbraFlexi document (one pairing updates both the payment and the
// invoice, so two triggers fire at once). Each takes a [Lock] for the whole
// run, keyed by what it changes: the backend target or the document.
//
// The lock lives in a small file, by default under /run/lock (else the
// temporary directory), named by a readable, hashed form of the key. While
// it is held the file names the holder's pid, so a run that times out
// waiting says who holds it. A killed holder releases the lock with its
// last file descriptor: there are no stale locks to clean by hand.
//
// A file lock serialises runs of one machine only. Runs on several machines
// against one backend rely on the self-healing of the unblocking run (it
// reads what the backend holds as blocked) instead.
package runlock
