package report_test

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"time"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/dunning"
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
