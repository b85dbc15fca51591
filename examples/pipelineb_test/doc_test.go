// Package pipelineb_test is the end-to-end test of Pipeline B's promise:
// a crown (or euro) is never applied twice, amounts are never compared
// across currencies, and a customer gets each message exactly once, even
// when events are redelivered (the same app run twice with the same
// variables) or runs overlap (two processes at once). It builds
// isp-match-received-payment, isp-match-payments-batch,
// isp-potvrzeni-prijeti-uhrady, isp-potvrzeni-prijeti-bankovni-platby and
// isp-match-and-notify and runs them as processes against an in-memory
// AbraFlexi (abraflexitest) and an in-process SMTP server (notifytest).
package pipelineb_test
