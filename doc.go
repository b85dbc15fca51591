// Package isptools is a Go SDK for Internet Service Providers that bill
// their customers in AbraFlexi, the Czech accounting ERP. It is the Go
// successor of the PHP project Spoje-NET/isp-tools and keeps its
// environment variables, hosts-file format and MultiFlexi app identities.
//
// # Two pipelines
//
// Pipeline A, reminder to disconnection:
//
//   - abraflexi-mark-defaulters labels ODPOJENO the customers that carry the
//     third reminder (UPOMINKA3), still owe, and hold an active internet
//     contract, never VIP or NEODPOJOVAT ones.
//   - blocknet cuts every ODPOJENO customer's IPs to speed 0 in the network
//     backend, in one batch (one Subversion commit per run).
//   - unblocknet restores the original speed of ODPOJENO customers who no
//     longer owe, then removes the label.
//
// Pipeline B, payment to confirmation:
//
//   - isp-match-received-payment pairs a new bank or cash record with the
//     unpaid issued invoice of the same variable symbol (exit 0 matched,
//     2 cannot auto-match, 1 error).
//   - isp-potvrzeni-prijeti-uhrady mails the customer a confirmation with the
//     invoice PDF attached.
//   - isp-potvrzeni-prijeti-bankovni-platby tells the payer that the money
//     arrived and awaits manual matching.
//
// # Packages
//
//   - abraflexi: typed client for the AbraFlexi REST API (records, filters,
//     labels, batched writes, payment pairing, PDFs, changes);
//     abraflexi/abraflexitest is an in-memory AbraFlexi for tests.
//   - netbackend: the contract every network backend implements (batch
//     lookup of customers' IPs, batch block/unblock, dry run, state read);
//     netbackend/netbackendtest is an in-memory backend, netbackendmock a
//     gomock mock.
//   - svnhosts: the hosts file (parser and rewriter keeping untouched lines
//     byte-identical), its Subversion repository backend and a local-file
//     backend.
//   - netbox: NetBox IPAM client and backend (speed custom field);
//     netbox/netboxtest is an in-memory NetBox.
//   - dunning: who to mark, block and unblock, as pure decisions, and the
//     runs that fetch, decide and apply.
//   - payments: how a payment matches an invoice, as a pure decision, and
//     the matcher for one payment or a batch.
//   - notify: the customer e-mails (templates, recipients, SMTP or sendmail);
//     notify/notifytest captures mail in-process.
//   - envconf, netbackend/backendenv and report: the apps' configuration
//     and report for a Go service. The readers dunning.MarkPolicyFromLookup,
//     dunning.BlockPolicyFromLookup, dunning.UnblockPolicyFromLookup,
//     dunning.NetOptionsFromLookup, payments.ConfigFromLookup,
//     notify.ConfigFromLookup, abraflexi.ConfigFromLookup and
//     backendenv.FromLookup take the apps' variables and name a bad one in
//     the apps' words; report.Block and its siblings render the runs'
//     results as the apps' JSON reports.
//   - examples: the command-line apps (the same names as the PHP tools),
//     their MultiFlexi definitions and a self-contained demo.
//
// Decisions are pure functions over typed data; I/O lives in the clients
// and backends; the apps only compose.
package isptools
