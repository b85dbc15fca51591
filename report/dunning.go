package report

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/spoje-net/isptools/dunning"
)

// reasonWhy explains every dunning reason in words for the log line of the
// customer ([Customer.Why]).
var reasonWhy = map[dunning.Reason]string{
	dunning.ReasonMarked:              "third reminder, active contract and overdue debt above MIN_DEBT: gets the disconnected label",
	dunning.ReasonAlreadyMarked:       "already carries the disconnected label",
	dunning.ReasonVIPSkipped:          "VIP customer, never disconnected",
	dunning.ReasonNoDisconnectSkipped: "carries the no-disconnect label, never disconnected",
	dunning.ReasonNoContractSkipped:   "no active (internet) contract",
	dunning.ReasonNoDebtSkipped:       "owes no more than MIN_DEBT: stale reminder label",
	dunning.ReasonGraceDaysSkipped:    "owes, but no unpaid invoice is MIN_OVERDUE_DAYS past its due date yet",
	dunning.ReasonErrorMarking:        "writing the disconnected label failed; the next run retries",
	dunning.ReasonBlocked:             "carries the disconnected label: every IP is blocked",
	dunning.ReasonNoIPFound:           "carries the disconnected label but the network backend knows no IP",
	dunning.ReasonErrorBlocking:       "at least one IP could not be blocked",
	dunning.ReasonWouldBlock:          "would be newly blocked, but a safety check refused the run (circuit breaker, not a cut day or stale bank data)",
	dunning.ReasonUnblocked:           "no longer owes: IPs restored and the disconnected label removed",
	dunning.ReasonStillOwes:           "still owes more than MIN_DEBT: stays blocked",
	dunning.ReasonNoIPLabelCleared:    "no longer owes and has no IP: only the disconnected label removed",
	dunning.ReasonErrorUnblocking:     "at least one IP could not be unblocked; the label stays for the next run",
	dunning.ReasonErrorRemovingLabel:  "IPs unblocked but removing the disconnected label failed; the next run retries",
	dunning.ReasonOrphanUnblocked:     "held blocked by the network backend without reason (no disconnected label, exempt or unknown): IPs restored, labels unchanged",
	dunning.ReasonIPConflict:          "an IP is also on an entry of another customer: that IP is not changed, the other IPs are",
}

// why explains a decision: its own why (self-healing, conflicts, debts)
// when it has one, else the reason's text, with the debt when there is
// one.
func why(reason dunning.Reason, own string, debt dunning.Debt) string {
	w := reasonWhy[reason]
	switch {
	case own != "":
		w = own
	case len(debt.Invoices)+len(debt.CreditNotes) > 0:
		w += " (" + debt.String() + ")"
	}
	return w
}

// warn adds the run's warnings to the report (key "warnings", metric
// "warnings") and makes its status warning.
func warn(r *Report, warnings []string) {
	r.SetMetric("warnings", len(warnings))
	if len(warnings) == 0 {
		return
	}
	if r.Extra == nil {
		r.Extra = map[string]any{}
	}
	r.Extra["warnings"] = warnings
	if r.Status == "" || r.Status == StatusSuccess {
		r.Status = StatusWarning
	}
}

func ipStrings(ips []netip.Addr) []string {
	out := make([]string, len(ips))
	for i, ip := range ips {
		out[i] = ip.String()
	}
	return out
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// finish sets the status from the reasons and the per-customer error.
func finish(r *Report, counts dunning.Counts, resErr error, dryRun bool) {
	problem := false
	for reason, n := range counts {
		if n > 0 && reason.IsProblem() {
			problem = true
		}
	}
	switch {
	case resErr != nil:
		r.Status = StatusError
		r.ExitCode = ExitError
	case problem:
		r.Status = StatusWarning
	}
	if dryRun {
		r.Message = "Dry run (nothing changed): " + r.Message
		if r.Extra == nil {
			r.Extra = map[string]any{}
		}
		r.Extra["dryRun"] = true
	}
	errors := 0
	for reason, n := range counts {
		if reason.IsError() {
			errors += n
		}
	}
	r.SetMetric("errors", errors)
	r.SetMetric("customers_total", counts.Total())
}

func due(d dunning.Debt) json.Number {
	if d.Amount.IsZero() {
		return ""
	}
	return json.Number(d.Amount.String())
}

// Mark renders a [dunning.Mark] result as abraflexi-mark-defaulters
// reports it: every customer with the third reminder (kod, nazev, action,
// why, unpaid_invoices, due), the PHP metrics checked, marked, skipped and
// errors beside ours, and the summary message. res may be nil when the
// run failed before deciding.
//
// The status rules of the Pipeline A reports: error (exit 1) when the run
// failed or any customer ended in an error reason, a tripped circuit
// breaker or a verification mismatch included; warning (exit 0) when a
// customer was skipped for a problem an operator should look at
// (no_ip_found, would_block, ip_conflict) or the run has warnings
// (entries blocked by hand, the hosts file's sanity findings); success
// otherwise.
func Mark(res *dunning.MarkResult) *Report {
	r := &Report{Customers: []Customer{}}
	if res == nil {
		return r
	}
	c := res.Counts()
	for _, d := range res.Decisions {
		r.AddCustomer(Customer{Kod: d.Customer.Code, Name: d.Customer.Name, Action: d.Reason.String(),
			Why: why(d.Reason, d.Why, d.Debt), UnpaidInvoices: d.Debt.Count(), Due: due(d.Debt), Error: errText(d.Err)})
	}
	skipped := c[dunning.ReasonVIPSkipped] + c[dunning.ReasonNoDisconnectSkipped] + c[dunning.ReasonNoContractSkipped] + c[dunning.ReasonNoDebtSkipped] +
		c[dunning.ReasonGraceDaysSkipped]
	// checked, marked, skipped and errors (set by finish) are the PHP
	// tool's metrics, with its meaning: checked counts the customers with
	// the third-reminder label examined.
	for name, n := range map[string]int{
		"checked": c.Total(),
		"marked":  c[dunning.ReasonMarked], "already_marked": c[dunning.ReasonAlreadyMarked], "skipped": skipped,
		"vip_skipped": c[dunning.ReasonVIPSkipped], "nodisconnect_skipped": c[dunning.ReasonNoDisconnectSkipped],
		"no_contract_skipped": c[dunning.ReasonNoContractSkipped], "no_debt_skipped": c[dunning.ReasonNoDebtSkipped],
		"grace_days_skipped": c[dunning.ReasonGraceDaysSkipped],
	} {
		r.SetMetric(name, n)
	}
	verb := "Marked"
	if res.DryRun {
		verb = "Would mark"
	}
	r.Message = fmt.Sprintf("%s %d of %d customers with the third reminder for disconnection (%d already marked, %d skipped, %d errors)",
		verb, c[dunning.ReasonMarked], c.Total(), c[dunning.ReasonAlreadyMarked], skipped, c[dunning.ReasonErrorMarking])
	finish(r, c, res.Err(), res.DryRun)
	return r
}

// reportNotices adds the outcomes of the connection notices to the report: the
// customer's "notice", the list "notices" (kod, notice, recipients,
// message_id, error), the metrics notices_sent and notices_failed, and a
// warning per failed notice (a failed notice does not fail the network
// run; the next run retries a disconnection notice).
func reportNotices(r *Report, outcomes []dunning.NoticeOutcome) []string {
	sent, failed := 0, 0
	var warnings []string
	byCode := map[string]string{}
	list := make([]map[string]any, 0, len(outcomes))
	for _, o := range outcomes {
		byCode[o.Customer] = o.Status
		e := map[string]any{"kod": o.Customer, "notice": o.Status}
		if len(o.Recipients) > 0 {
			e["recipients"] = o.Recipients
		}
		if o.MessageID != "" {
			e["message_id"] = o.MessageID
		}
		switch {
		case o.Status == dunning.NoticeSent:
			sent++
		case o.Failed():
			failed++
			e["error"] = o.Err.Error()
			warnings = append(warnings, fmt.Sprintf("customer %s: notice %s: %v", o.Customer, o.Status, o.Err))
		}
		for _, w := range o.Warnings {
			warnings = append(warnings, fmt.Sprintf("customer %s: notice: %s", o.Customer, w))
		}
		list = append(list, e)
	}
	for i := range r.Customers {
		if st, ok := byCode[r.Customers[i].Kod]; ok {
			r.Customers[i].Notice = st
		}
	}
	r.SetMetric("notices_sent", sent)
	r.SetMetric("notices_failed", failed)
	if len(outcomes) > 0 {
		if r.Extra == nil {
			r.Extra = map[string]any{}
		}
		r.Extra["notices"] = list
		r.Message += fmt.Sprintf("; notices: %d sent, %d failed", sent, failed)
	}
	return warnings
}

func mismatchStrings(ms []dunning.Mismatch) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.String()
	}
	return out
}

// Block renders a [dunning.Block] result as blocknet reports it: every
// customer with the disconnected label (kod, nazev, action, why, ips), the
// PHP metrics disconnected_total, blocked, vip_skipped,
// nodisconnect_skipped, no_ip and errors beside ours, a refusal of the
// circuit breaker or the cut days, the verification's mismatches and the
// run's warnings, and the message ("13 customers blocked, 0 newly ...").
// res may be nil when the run failed before deciding. The status follows
// the rules of [Mark].
func Block(res *dunning.BlockResult) *Report {
	r := &Report{Customers: []Customer{}}
	if res == nil {
		return r
	}
	c := res.Counts()
	ips := 0
	for _, d := range res.Decisions {
		e := Customer{Kod: d.Customer.Code, Name: d.Customer.Name, Action: d.Reason.String(), Why: why(d.Reason, d.Why, dunning.Debt{}), Error: errText(d.Err)}
		switch d.Reason {
		case dunning.ReasonVIPSkipped, dunning.ReasonNoDisconnectSkipped:
		default:
			e.IPs = ipStrings(d.IPs)
		}
		ips += len(d.Newly)
		r.AddCustomer(e)
	}
	skipped := c[dunning.ReasonVIPSkipped] + c[dunning.ReasonNoDisconnectSkipped] + c[dunning.ReasonNoIPFound]
	newly := res.NewlyBlocked()
	if res.Refusal != nil { // nothing was blocked; would_block counts them
		newly, ips = 0, 0
	}
	// disconnected_total (customers with the disconnected label found),
	// blocked, vip_skipped, nodisconnect_skipped, no_ip and errors (set by
	// finish) are the PHP tool's metrics, with its meaning; the others are
	// ours.
	for name, n := range map[string]int{
		"disconnected_total": c.Total(),
		"blocked":            c[dunning.ReasonBlocked], "newly_blocked": newly, "ips_blocked": ips, "skipped": skipped,
		"vip_skipped": c[dunning.ReasonVIPSkipped], "nodisconnect_skipped": c[dunning.ReasonNoDisconnectSkipped],
		"no_ip": c[dunning.ReasonNoIPFound], "no_ip_found": c[dunning.ReasonNoIPFound],
		"would_block": c[dunning.ReasonWouldBlock], "mismatches": len(res.Mismatches),
		"ip_conflict": c[dunning.ReasonIPConflict],
	} {
		r.SetMetric(name, n)
	}
	if len(res.Mismatches) > 0 {
		r.Extra = map[string]any{"mismatches": mismatchStrings(res.Mismatches)}
	}
	switch {
	case res.Refusal != nil:
		if r.Extra == nil {
			r.Extra = map[string]any{}
		}
		refused := map[string]any{"reason": string(res.Refusal.Kind), "customers": res.Refusal.Customers}
		if res.Refusal.Kind == dunning.RefusedStaleBankData {
			// The newest incoming movement the guard saw, null when none.
			var newest any
			if m := res.Refusal.NewestMovement; m != nil {
				newest = map[string]any{"id": m.ID.String(), "kod": m.Code, "datVyst": m.IssuedOn.String()}
			}
			refused["newest_bank_movement"] = newest
		}
		r.Extra["refused"] = refused
		r.Message = res.Refusal.Message + ". Would have been cut: " + strings.Join(res.Refusal.Customers, ", ")
	case res.DryRun:
		r.Message = fmt.Sprintf("%d customers would be blocked, %d newly (%d IPs), %d skipped (%d without IP), %d errors",
			c[dunning.ReasonBlocked], res.NewlyBlocked(), ips, skipped, c[dunning.ReasonNoIPFound], c[dunning.ReasonErrorBlocking])
	default:
		// "13 customers blocked, 0 newly": on a re-run nobody is blocked
		// anew, and the line says so first.
		r.Message = fmt.Sprintf("%d customers blocked, %d newly (%d IPs), %d skipped (%d without IP), %d errors",
			c[dunning.ReasonBlocked], res.NewlyBlocked(), ips, skipped, c[dunning.ReasonNoIPFound], c[dunning.ReasonErrorBlocking])
	}
	if n := c[dunning.ReasonIPConflict]; n > 0 {
		r.Message += fmt.Sprintf("; %d customers with an IP also on another customer's entry", n)
	}
	if len(res.Mismatches) > 0 {
		r.Message += fmt.Sprintf("; verification found %d IPs not as planned", len(res.Mismatches))
	}
	noticeWarnings := reportNotices(r, res.Notices)
	finish(r, c, res.Err(), res.DryRun)
	warn(r, append(slices.Clone(res.Warnings), noticeWarnings...))
	return r
}

// Unblock renders a [dunning.Unblock] result as unblocknet reports it:
// every customer decided about (kod, nazev, action, why, ips,
// unpaid_invoices, due), the PHP metrics disconnected_total, still_owing,
// unblocked, labels_cleared, no_ip and errors beside ours, mismatches and
// warnings, and the message. res may be nil when the run failed before
// deciding. The status follows the rules of [Mark].
func Unblock(res *dunning.UnblockResult) *Report {
	r := &Report{Customers: []Customer{}}
	if res == nil {
		return r
	}
	c := res.Counts()
	ips := 0
	for _, d := range res.Decisions {
		e := Customer{Kod: d.Customer.Code, Name: d.Customer.Name, Action: d.Reason.String(), Why: why(d.Reason, d.Why, d.Debt),
			UnpaidInvoices: d.Debt.Count(), Due: due(d.Debt), Error: errText(d.Err)}
		if d.Reason != dunning.ReasonStillOwes {
			e.IPs = ipStrings(d.IPs)
		}
		ips += len(d.Newly)
		r.AddCustomer(e)
	}
	errs := c[dunning.ReasonErrorUnblocking] + c[dunning.ReasonErrorRemovingLabel]
	// disconnected_total, still_owing, unblocked, labels_cleared (every
	// customer whose disconnected label was removed), no_ip and errors (set
	// by finish) are the PHP tool's metrics, with its meaning; the others
	// are ours.
	for name, n := range map[string]int{
		"disconnected_total": c.Total(), "still_owing": c[dunning.ReasonStillOwes],
		"labels_cleared": c[dunning.ReasonUnblocked] + c[dunning.ReasonNoIPLabelCleared], "no_ip": c[dunning.ReasonNoIPLabelCleared],
		"unblocked": c[dunning.ReasonUnblocked], "label_cleared": c[dunning.ReasonNoIPLabelCleared], "still_owes": c[dunning.ReasonStillOwes],
		"ips_unblocked": ips, "error_unblocking": c[dunning.ReasonErrorUnblocking], "error_removing_label": c[dunning.ReasonErrorRemovingLabel],
		"mismatches": len(res.Mismatches), "orphans_unblocked": c[dunning.ReasonOrphanUnblocked], "ip_conflict": c[dunning.ReasonIPConflict],
	} {
		r.SetMetric(name, n)
	}
	if len(res.Mismatches) > 0 {
		r.Extra = map[string]any{"mismatches": mismatchStrings(res.Mismatches)}
	}
	verb := "Unblocked"
	if res.DryRun {
		verb = "Would unblock"
	}
	r.Message = fmt.Sprintf("%s %d customers (%d IPs), cleared the label of %d without IP, %d still owe, %d errors",
		verb, c[dunning.ReasonUnblocked], ips, c[dunning.ReasonNoIPLabelCleared], c[dunning.ReasonStillOwes], errs)
	if n := c[dunning.ReasonOrphanUnblocked]; n > 0 {
		r.Message += fmt.Sprintf("; %d held blocked without reason restored (self-healing)", n)
	}
	if n := c[dunning.ReasonIPConflict]; n > 0 {
		r.Message += fmt.Sprintf("; %d customers with an IP also on another customer's entry", n)
	}
	noticeWarnings := reportNotices(r, res.Notices)
	finish(r, c, res.Err(), res.DryRun)
	warn(r, append(slices.Clone(res.Warnings), noticeWarnings...))
	return r
}
