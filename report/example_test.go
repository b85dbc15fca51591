package report_test

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"time"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/dunning"
	"github.com/spoje-net/isptools/notify"
	"github.com/spoje-net/isptools/payments"
	"github.com/spoje-net/isptools/report"
)

// A service reports a blocknet run the way blocknet does: the same
// customers, metrics and message, written to RESULT_FILE (here stdout).
func ExampleBlock() {
	ip := netip.MustParseAddr("10.0.0.7")
	res := &dunning.BlockResult{Decisions: []dunning.BlockDecision{
		{Customer: abraflexi.Address{Code: "CUST1"}, Reason: dunning.ReasonBlocked, IPs: []netip.Addr{ip}, Newly: []netip.Addr{ip}},
	}}
	r := report.Block(res)
	code := r.Finalize("my-blocknet", time.Date(2026, 3, 16, 9, 0, 0, 0, time.UTC), nil)
	fmt.Println(code, r.Status, r.Message)
	fmt.Println(r.Metrics["blocked"], r.Metrics["newly_blocked"], r.Metrics["disconnected_total"])
	// Output:
	// 0 success 1 customers blocked, 1 newly (1 IPs), 0 skipped (0 without IP), 0 errors
	// 1 1 1
}

// The matcher's result gives the apps' exit code: 2 for a payment left
// for manual matching.
func ExampleMatch() {
	r := report.Match(payments.Result{Document: "BAN-0016", Reason: payments.NoVarSym, ExitCode: payments.ExitUnmatched, Message: "no variable symbol"})
	fmt.Println(r.Finalize("isp-match-received-payment", time.Now(), nil), r.Status, r.Payment.Reason)
	// Output: 2 warning no_varsym
}

// Emit writes the report to its destination and logs the summary; a
// destination that fails sends the report to stdout too.
func ExampleEmit() {
	r := &report.Report{Message: "nothing to do"}
	r.Finalize("my-service", time.Date(2026, 3, 16, 9, 0, 0, 0, time.UTC), nil)
	_ = report.Emit(context.Background(), nil, report.DestStdout, r, os.Stdout, os.Stderr)
	// Output:
	// {
	//     "producer": "my-service",
	//     "exitcode": 0,
	//     "status": "success",
	//     "timestamp": "2026-03-16T09:00:00+00:00",
	//     "message": "nothing to do",
	//     "metrics": {
	//         "exit_code": 0
	//     }
	// }
}

// Check the destination before a run changes anything.
func ExampleCheckDestination() {
	fmt.Println(report.CheckDestination("/nonexistent/dir/x.json"))
	fmt.Println(report.CheckDestination(report.DestStdout))
	// Output:
	// directory /nonexistent/dir does not exist
	// <nil>
}

// abraflexi-mark-defaulters' report of a Mark run, PHP metric names
// included.
func ExampleMark() {
	r := report.Mark(&dunning.MarkResult{Decisions: []dunning.MarkDecision{
		{Customer: abraflexi.Address{Code: "CUST1"}, Reason: dunning.ReasonMarked},
		{Customer: abraflexi.Address{Code: "CUST2"}, Reason: dunning.ReasonVIPSkipped},
	}})
	r.Finalize("abraflexi-mark-defaulters", time.Now(), nil)
	fmt.Println(r.Message)
	fmt.Println(r.Metrics["checked"], r.Metrics["marked"], r.Metrics["skipped"])
	// Output:
	// Marked 1 of 2 customers with the third reminder for disconnection (0 already marked, 1 skipped, 0 errors)
	// 2 1 1
}

// unblocknet's report of an Unblock run.
func ExampleUnblock() {
	r := report.Unblock(&dunning.UnblockResult{Decisions: []dunning.UnblockDecision{
		{Customer: abraflexi.Address{Code: "CUST1"}, Reason: dunning.ReasonStillOwes},
	}})
	r.Finalize("unblocknet", time.Now(), nil)
	fmt.Println(r.Message, r.Metrics["still_owing"])
	// Output: Unblocked 0 customers (0 IPs), cleared the label of 0 without IP, 1 still owe, 0 errors 1
}

// The notify apps' report of a confirmation.
func ExampleNotify() {
	r := report.Notify(notify.Result{Reason: notify.ReasonSent, Document: "FV-1", Invoice: "FV-1", Recipients: []string{"jana@example.cz"}})
	fmt.Println(r.Finalize("isp-potvrzeni-prijeti-uhrady", time.Now(), nil), *r.Payment.Recipient, r.Metrics["sent"])
	// Output: 0 jana@example.cz 1
}

// Write writes a report atomically to a file (or a standard stream).
func ExampleWrite() {
	dir, _ := os.MkdirTemp("", "report-example")
	defer os.RemoveAll(dir)
	r := &report.Report{Message: "done"}
	r.Finalize("my-service", time.Date(2026, 3, 16, 9, 0, 0, 0, time.UTC), nil)
	path := dir + "/report.json"
	fmt.Println(report.Write(path, r, os.Stdout, os.Stderr))
	data, _ := os.ReadFile(path)
	fmt.Println(len(data) > 0)
	// Output:
	// <nil>
	// true
}
