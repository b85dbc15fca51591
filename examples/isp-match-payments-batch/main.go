// Command isp-match-payments-batch matches every unpaired incoming bank
// and cash payment since a date to the unpaid issued invoices by variable
// symbol (and with MATCH_KEYS by specific symbol, payer's account and sums
// of several invoices), with the decisions of isp-match-received-payment,
// in a number of requests that grows with pages and batches rather than
// with payments (see payments.Matcher.MatchSince).
//
// Exit status: 0 when the batch was processed (payments left for manual
// matching make the status a warning and are listed in the report under
// "unmatched"), 1 on errors (configuration, a failed listing, or a
// refused pairing).
//
// A run holds a run lock (RUN_LOCK_FILE, RUN_LOCK_TIMEOUT) from before its
// listings to after its last write, so two batches on one company on this
// machine never interleave: the second waits and then sees the payments
// the first paired as paired. A dry run takes no lock. Batches on several
// machines, and the event-driven matcher (which locks per payment), may
// still overlap: AbraFlexi refuses to pair a payment already paired or an
// invoice already paid (as abraflexitest models it), so no money is used
// twice, but the payment the other run settled first is reported
// settle_failed (exit 1) and the next run sees it as paired.
//
// Environment: MATCH_SINCE (YYYY-MM-DD; default 30 days ago; "all" for no
// date limit), PAYMENT_EVIDENCE (banka|pokladna|auto), EVENT_EVIDENCE
// (when an event starts it: the evidence to match in), MATCH_KEYS (vs,
// ss, account, sum; default vs), MATCH_OVERPAY_MODE
// (settle|manual), LABEL_OVERPAY, LABEL_INVOICE_MISSING,
// LABEL_UNIDENTIFIED, HOME_CURRENCY, DRY_RUN, ABRAFLEXI_URL, ABRAFLEXI_LOGIN,
// ABRAFLEXI_PASSWORD, ABRAFLEXI_COMPANY, ABRAFLEXI_INSECURE, plus the
// common RESULT_FILE, EASE_LOGGER and APP_DEBUG.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/examples/internal/appkit"
	"github.com/spoje-net/isptools/examples/internal/connect"
	"github.com/spoje-net/isptools/examples/internal/paymentapp"
	"github.com/spoje-net/isptools/netbackend/runlock"
	"github.com/spoje-net/isptools/payments"
)

// appName is the binary, report producer and syslog tag.
const appName = "isp-match-payments-batch"

// defaultSinceDays is how far back MATCH_SINCE reaches when unset.
const defaultSinceDays = 30

func main() { appkit.Main(appName, run) }

func run(ctx context.Context, env *appkit.Env, log *slog.Logger) (*appkit.Report, error) {
	since := sinceDate(env, time.Now())
	cfg := paymentapp.MatcherConfig(env)
	cfg.Logger = log.With("app", appName) // one line per payment
	lock := runLock(env)
	client, err := connect.AbraFlexi(env, log)
	if err == nil {
		err = env.Err()
	}
	if err != nil {
		return nil, err
	}
	if !cfg.DryRun {
		lock.Key = appName + " " + client.BaseURL() + "/c/" + client.Company()
		held, err := runlock.Acquire(ctx, lock)
		if err != nil {
			return &appkit.Report{Extra: map[string]any{"since": sinceString(since)}}, fmt.Errorf("batch run lock: %w", err)
		}
		defer func() {
			if err := held.Release(); err != nil {
				log.Warn("releasing the batch run lock failed", "lock", held.Path(), "error", err)
			}
		}()
	}
	m := payments.NewMatcher(payments.NewClientLedger(client, payments.WithLedgerLogger(log)), cfg)
	results, err := m.MatchSince(ctx, since)
	if err != nil {
		return &appkit.Report{Extra: map[string]any{"since": sinceString(since)}}, err
	}
	return ReportOf(results, since, cfg.DryRun), nil
}

// runLock reads the batch's run lock (its Key is set once the AbraFlexi
// server is known): RUN_LOCK_FILE (default: a file under /run/lock, else
// the temporary directory, named after the app, the AbraFlexi server and
// the company, so every batch run on one company on this machine shares
// it) and RUN_LOCK_TIMEOUT (seconds or a Go duration, default 2m).
func runLock(env *appkit.Env) runlock.Config {
	cfg, err := runlock.ConfigFromLookup(env.Lookup, "")
	env.Record(err)
	return cfg
}

// sinceDate reads MATCH_SINCE: a date, "all" (the zero date: no limit), or
// unset for today minus 30 days.
func sinceDate(env *appkit.Env, now time.Time) abraflexi.Date {
	v := env.String("MATCH_SINCE", "")
	switch {
	case v == "":
		return abraflexi.DateOf(now).AddDays(-defaultSinceDays)
	case strings.EqualFold(v, "all"):
		return abraflexi.Date{}
	}
	d, err := abraflexi.ParseDate(v)
	if err != nil || len(v) != len("2006-01-02") {
		env.Errorf("MATCH_SINCE=%q: not a date (YYYY-MM-DD) or all", v)
		return abraflexi.Date{}
	}
	return d
}

func sinceString(d abraflexi.Date) string {
	if d.IsZero() {
		return "all"
	}
	return d.String()
}

// entry is one payment of the report's "unmatched" and "matched" lists.
type entry struct {
	Document  string                     `json:"document"`
	Evidence  string                     `json:"evidence"`
	Invoice   *string                    `json:"invoice"`
	VarSym    string                     `json:"varSym"`
	Amount    json.Number                `json:"amount"`
	Reason    string                     `json:"reason"`
	MatchedBy *string                    `json:"matched_by"`
	Customer  string                     `json:"customer,omitempty"`
	Invoices  []paymentapp.ReportInvoice `json:"invoices,omitempty"`
	Message   string                     `json:"message"`
}

func entryOf(res payments.Result) entry {
	e := entry{Document: res.Document, Evidence: res.Evidence, VarSym: res.VarSym, Customer: res.Customer,
		Amount: json.Number(res.Amount.StringFixed(2)), Reason: string(res.Reason), Message: res.Message}
	if res.Invoice != "" {
		inv := res.Invoice
		e.Invoice = &inv
	}
	if res.MatchedBy != "" {
		by := string(res.MatchedBy)
		e.MatchedBy = &by
	}
	if res.Matched() {
		e.Invoices = paymentapp.ReportInvoices(res.Invoices)
	}
	return e
}

// ReportOf renders a batch: metrics per reason (plus payments, paired,
// matched_by_<key> per MATCH_KEYS key and exit_code), the payments paired
// (or that would be, in a dry run) under "matched" with the key that
// found them (matched_by) and every invoice paid, those left for manual
// matching or failed under "unmatched", the date under "since". Any error
// result makes the run fail (exit 1); payments left for manual matching
// make it a warning.
func ReportOf(results []payments.Result, since abraflexi.Date, dryRun bool) *appkit.Report {
	r := &appkit.Report{Extra: map[string]any{"since": sinceString(since)}}
	if dryRun {
		r.Extra["dryRun"] = true
	}
	r.SetMetric("payments", len(results))
	r.SetMetric("paired", 0)
	unmatched := []entry{}
	matched := []entry{}
	var labelErrors int
	for _, res := range results {
		r.Inc(string(res.Reason))
		if res.Matched() {
			r.Inc("paired")
			if res.MatchedBy != "" {
				r.Inc("matched_by_" + string(res.MatchedBy))
			}
			matched = append(matched, entryOf(res))
		}
		if res.LabelError != "" {
			labelErrors++
		}
		if res.ExitCode == payments.ExitMatched {
			continue
		}
		unmatched = append(unmatched, entryOf(res))
	}
	if labelErrors > 0 {
		r.SetMetric("label_errors", labelErrors)
	}
	r.Extra["unmatched"] = unmatched
	r.Extra["matched"] = matched
	sum := payments.Summary(results)
	verb := "paired"
	if dryRun {
		verb = "would pair"
	}
	paired := len(matched)
	r.Message = fmt.Sprintf("%d unpaired payments since %s: %s %d, %d left for manual matching, %d failed%s",
		len(results), sinceString(since), verb, paired, countExit(results, payments.ExitUnmatched), countExit(results, payments.ExitError), breakdown(sum))
	switch payments.ExitCodeOf(results) {
	case payments.ExitError:
		r.Status = appkit.StatusError
	case payments.ExitUnmatched:
		r.Status = appkit.StatusWarning
	}
	if labelErrors > 0 && r.Status == "" {
		r.Status = appkit.StatusWarning
	}
	return r
}

func countExit(results []payments.Result, code int) int {
	n := 0
	for _, r := range results {
		if r.ExitCode == code {
			n++
		}
	}
	return n
}

// breakdown lists the reasons and their counts: " (matched 3, no_varsym 1)".
func breakdown(sum map[payments.Reason]int) string {
	if len(sum) == 0 {
		return ""
	}
	keys := make([]string, 0, len(sum))
	for k := range sum {
		keys = append(keys, string(k))
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, sum[payments.Reason(k)])
	}
	return " (" + strings.Join(parts, ", ") + ")"
}
