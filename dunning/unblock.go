package dunning

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/netbackend"
)

// UnblockDecision is the unblock decision for one customer.
type UnblockDecision struct {
	// Customer is the customer decided about; for a customer of a backend
	// entry whom AbraFlexi does not know, only its code is set.
	Customer abraflexi.Address
	// Reason is the outcome.
	Reason Reason
	// IPs are the customer's addresses in the backend, sorted (not looked
	// up for customers who still owe).
	IPs []netip.Addr
	// Newly are the IPs this run unblocked (or would, in a dry run).
	Newly []netip.Addr
	// Debt is what the customer owes today.
	Debt Debt
	// Err says why unblocking or removing the label failed.
	Err error
	// Why explains the decision beyond its reason: why an
	// [ReasonOrphanUnblocked] customer is unblocked ("blocked in the hosts
	// file but carries no ODPOJENO"), the entries of an
	// [ReasonIPConflict]; empty otherwise.
	Why string
}

// RemovesLabel reports whether the decision removes the disconnected label
// (the IPs are all unblocked, or there are none).
func (d UnblockDecision) RemovesLabel() bool {
	return d.Reason == ReasonUnblocked || d.Reason == ReasonNoIPLabelCleared
}

// UnblockPlan is the planned part of an unblock run.
type UnblockPlan struct {
	// Decisions has one entry per customer with the disconnected label, then
	// one per other customer of a blocked entry that is unblocked
	// ([ReasonOrphanUnblocked]) or contested ([ReasonIPConflict]).
	Decisions []UnblockDecision
	// Changes unblock every IP of every customer to unblock.
	Changes []netbackend.Change
	// Warnings name the blocked entries the run leaves alone although their
	// customer is not held blocked by the label: entries blocked by hand (no
	// kept original) and entries naming no customer.
	Warnings []string
}

// UnblockInput is the data the unblock decision is taken on.
type UnblockInput struct {
	// Customers are the customers with the disconnected label; others are
	// ignored.
	Customers []abraflexi.Address
	// Invoices are the open debts and credit notes ([Source.OpenDebts]).
	Invoices []abraflexi.IssuedInvoice
	// Blocked is what the backend holds as blocked
	// ([netbackend.Backend.Blocked]).
	Blocked []netbackend.BlockedEntry
	// Others are the address-book records of the customers of Blocked
	// entries without the label, read by code ([Source.CustomersByCode]);
	// a code missing here is not in AbraFlexi.
	Others []abraflexi.Address
	// Lookup is the backend's answer for the customers of
	// [UnblockCandidates].
	Lookup netbackend.Lookup
	// Backend names the backend for the whys ("svn", "file", "netbox").
	Backend string
}

// blockedIn says where a backend holds its entries, for the whys.
func blockedIn(backend string) string {
	switch backend {
	case "svn", "file":
		return "blocked in the hosts file"
	case "netbox":
		return "blocked in NetBox"
	case "":
		return "blocked in the network backend"
	}
	return "blocked in the " + backend + " backend"
}

// unblockState is what the unblock decision knows about one customer.
type unblockState struct {
	customer abraflexi.Address
	labelled bool
	known    bool // in AbraFlexi
	kept     bool // has a backend entry with a kept original
	debt     Debt
}

// unblockStates gathers, in code order, the labelled customers and the
// other customers of entries with a kept original.
func unblockStates(today abraflexi.Date, in UnblockInput, p Policy) ([]unblockState, []string) {
	labelled := withLabel(in.Customers, p.Labels.Disconnected)
	// keyed by the upper-case code: AbraFlexi codes are upper-case, a
	// hand-written {code:x} token may not be
	byCode := map[string]*unblockState{}
	var order []string
	for _, c := range labelled {
		code := customerCode(c)
		byCode[code] = &unblockState{customer: c, labelled: true, known: true}
		order = append(order, code)
	}
	others := map[string]abraflexi.Address{}
	for _, c := range in.Others {
		if code := customerCode(c); code != "" {
			others[code] = c
		}
	}
	var warnings []string
	for _, e := range in.Blocked {
		key := strings.ToUpper(strings.TrimSpace(e.Customer))
		st := byCode[key]
		switch {
		case key == "" && e.KeptOriginal():
			warnings = append(warnings, e.String()+": names no customer, left alone")
			continue
		case !e.KeptOriginal() && (st == nil || !st.labelled):
			warnings = append(warnings, e.String()+": blocked by hand, left alone")
			continue
		case !e.KeptOriginal():
			continue // blocked by hand, but the label covers it
		}
		if st == nil {
			c, known := others[key]
			// the backend's spelling of the code, for the lookup
			c.Code = e.Customer
			// a customer labelled since the listing is decided like the others
			st = &unblockState{customer: c, known: known, labelled: known && c.Labels.Has(p.Labels.Disconnected)}
			byCode[key] = st
			order = append(order, key)
		}
		st.kept = true
	}
	all := make([]abraflexi.Address, 0, len(byCode))
	for _, code := range order {
		all = append(all, byCode[code].customer)
	}
	debts := Debts(in.Invoices, all, today, p.HomeCurrency)
	slices.Sort(order)
	out := make([]unblockState, 0, len(order))
	for _, code := range order {
		st := byCode[code]
		st.debt = debts[customerCode(st.customer)]
		out = append(out, *st)
	}
	return out, warnings
}

// orphanWhy says why a customer whose entries are held blocked by these
// tools is unblocked, or "" when the customer stays blocked: a customer
// without the label, a VIP or NEODPOJOVAT customer, or one who does not
// owe.
func (st unblockState) orphanWhy(p Policy, backend string) string {
	where := blockedIn(backend)
	switch {
	case !st.known:
		return fmt.Sprintf("%s but no customer with this code is in AbraFlexi", where)
	case !st.labelled:
		return fmt.Sprintf("%s but carries no %s", where, p.Labels.Disconnected)
	case st.customer.Labels.Has(p.Labels.VIP):
		return fmt.Sprintf("%s but is %s, never disconnected (%s)", where, p.Labels.VIP, st.debt)
	case st.customer.Labels.Has(p.Labels.NoDisconnect):
		return fmt.Sprintf("%s but carries %s, never disconnected (%s)", where, p.Labels.NoDisconnect, st.debt)
	}
	return ""
}

// UnblockCandidates returns the codes of the customers whose IPs an unblock
// run looks up, sorted: the customers with the disconnected label who no
// longer owe more than Policy.MinDebt on today, and the customers whose
// entries the backend holds as blocked by these tools (a kept original)
// who do not carry the label, or are VIP or NEODPOJOVAT.
func UnblockCandidates(today abraflexi.Date, in UnblockInput, p Policy) []string {
	p = p.normalized()
	states, _ := unblockStates(today, in, p)
	var out []string
	for _, st := range states {
		if !p.owes(st.debt) || (st.kept && st.orphanWhy(p, in.Backend) != "") {
			out = append(out, backendKey(st.customer))
		}
	}
	return out
}

// PlanUnblock decides whom to unblock. For every customer carrying the
// disconnected label: a customer owing more than Policy.MinDebt gets
// [ReasonStillOwes] (the same rule the mark decision uses, so nobody flips
// between marked and unblocked), a customer without an IP in the lookup
// gets [ReasonNoIPLabelCleared], everyone else [ReasonUnblocked] and one
// Unblock change per IP with Policy.DefaultSpeed as the fallback speed.
//
// Self-healing: every customer whose entries the backend holds as blocked
// by these tools (with a kept original) is unblocked with
// [ReasonOrphanUnblocked] when they do not carry the label (whatever they
// owe: blocking needs the label), are not in AbraFlexi, or are VIP or
// NEODPOJOVAT; the decision's Why says which. Their labels are not
// changed. Entries blocked by hand (no kept original) of customers without
// the label are left alone and listed in Warnings.
//
// Customers named in a conflict of the lookup get [ReasonIPConflict]: the
// contested IP is not changed, their other IPs are, and the label stays.
func PlanUnblock(today abraflexi.Date, in UnblockInput, p Policy) UnblockPlan {
	p = p.normalized()
	states, warnings := unblockStates(today, in, p)
	plan := UnblockPlan{Warnings: warnings}
	change := netbackend.Change{Action: netbackend.Unblock, FallbackSpeed: p.DefaultSpeed}
	decided := map[string]bool{}
	for _, st := range states {
		d := UnblockDecision{Customer: st.customer, Debt: st.debt}
		orphan := ""
		if st.kept {
			orphan = st.orphanWhy(p, in.Backend)
		}
		switch {
		case orphan != "":
			c := change
			c.Reason = "self-healing: " + orphan
			changes := planIPs(&d, in.Lookup, ReasonOrphanUnblocked, ReasonNoIPFound, c)
			if d.Reason == ReasonNoIPFound {
				plan.Warnings = append(plan.Warnings, fmt.Sprintf("customer %s: %s, yet looking %s up finds no IP (check the code's spelling): left alone",
					backendKey(d.Customer), orphan, backendKey(d.Customer)))
				continue
			}
			plan.Changes = append(plan.Changes, changes...)
			if d.Reason == ReasonOrphanUnblocked {
				d.Why = orphan
			}
		case !st.labelled:
			continue // a kept original of a labelled-since customer: next run
		case p.owes(d.Debt):
			d.Reason = ReasonStillOwes
		default:
			c := change
			c.Reason = "debt paid"
			plan.Changes = append(plan.Changes, planIPs(&d, in.Lookup, ReasonUnblocked, ReasonNoIPLabelCleared, c)...)
		}
		decided[backendKey(d.Customer)] = true
		plan.Decisions = append(plan.Decisions, d)
	}
	plan.Decisions = append(plan.Decisions, conflictDecisions(in.Lookup, decided, func(c abraflexi.Address) UnblockDecision {
		return UnblockDecision{Customer: c}
	})...)
	return plan
}

// ResolveUnblock completes the plan's decisions with the backend's results:
// a customer stays [ReasonUnblocked] (or [ReasonOrphanUnblocked]) when every
// IP is Changed or Unchanged, and becomes [ReasonErrorUnblocking] (keeping
// the label) when any IP failed, was not found or has no result. Newly
// lists the Changed IPs.
func ResolveUnblock(plan UnblockPlan, results []netbackend.Result) []UnblockDecision {
	return resolve(plan.Decisions, results, unblockOK, ReasonErrorUnblocking, "unblocking")
}

// unblockOK are the reasons of decisions whose IPs an unblock changes.
var unblockOK = []Reason{ReasonUnblocked, ReasonOrphanUnblocked}

// UnblockResult is the outcome of an [Unblock] run.
type UnblockResult struct {
	// Today is the day decided for.
	Today abraflexi.Date
	// DryRun is true when nothing was changed.
	DryRun bool
	// Decisions has one entry per customer with the disconnected label, then
	// the other customers unblocked by self-healing or in a conflict.
	Decisions []UnblockDecision
	// Results are the backend's results of the applied (or dry-run) changes.
	Results []netbackend.Result
	// Mismatches are the changed IPs whose re-read state is not as planned.
	Mismatches []Mismatch
	// Warnings are what an operator should look at besides the decisions:
	// entries blocked by hand and left alone, the backend's findings
	// about its data (the hosts file's sanity check), and a
	// disconnection-notice label that could not be removed.
	Warnings []string
	// Notices are the outcomes of the reconnection notices
	// ([Options].Notifier), one per customer told (or that would be).
	Notices []NoticeOutcome
}

// Counts tallies the decisions by reason.
func (r *UnblockResult) Counts() Counts { return countReasons(r.Decisions) }

// Err joins the per-customer errors (verification mismatches included), or
// returns nil. A non-nil Err means the run failed (exit 1).
func (r *UnblockResult) Err() error { return joinErrs(r.Decisions) }

// Unblock is the unblocknet run. Under the run lock ([Options].Lock) it
// reads the customers with the disconnected label (one paged listing) and
// what the backend holds as blocked ([netbackend.Backend.Blocked], one
// pass), then the customers of blocked entries who do not carry the label
// (batched listings by code, [Source.CustomersByCode]) and the open debts
// (one paged listing); it looks up the IPs of the candidates (one backend
// call), plans with [PlanUnblock], applies all changes in one
// [netbackend.Backend.Apply] (one Subversion commit), re-reads the state
// of every changed IP ([Verify]) and then removes the disconnected label,
// in one [LabelWriter.RemoveLabel] call, from the customers whose IPs were
// all unblocked (or who have none). The removal re-reads the customers'
// labels right before writing (one listing and one write per batch), so
// labels set meanwhile survive; a failed removal leaves the customer
// labelled for the next run ([ReasonErrorRemovingLabel]). Under
// opts.DryRun the backend is asked for a dry run and no label is removed.
//
// Every restored customer carrying the label that records the
// disconnection notice (Policy.Labels.DisconnectNotified) loses it too
// ([NoticeLabelsToClear]; one more removal only when someone carries it),
// so their next disconnection is notified again. With opts.Notifier, the
// customers whose IPs this run restored and verified get the reconnection
// notice ([ReconnectNotices]); a dry run composes it without sending.
//
// Reading the backend makes the run converge on the truth instead of on
// the label: a customer left blocked without the label (a blocknet run
// that raced with this one, or a label removed by another tool) is
// unblocked by the next run ([ReasonOrphanUnblocked]).
//
// The error is non-nil when the run could not be carried out; per-customer
// failures are in the result (see [UnblockResult.Err]).
//
// src and w are two seams so tests can replace the writer alone; over one
// AbraFlexi both are the same [*AbraFlexi], and [AbraFlexi.Unblock] passes
// it as both.
func Unblock(ctx context.Context, src Source, w LabelWriter, nb netbackend.Backend, p Policy, opts Options) (*UnblockResult, error) {
	unlock, err := opts.lock(ctx, nb)
	if err != nil {
		return nil, err
	}
	defer unlock()
	p, customers, err := start(ctx, src, p, opts, func(l Labels) string { return l.Disconnected })
	if err != nil {
		return nil, err
	}
	log := opts.logger()
	res := &UnblockResult{Today: opts.Today, DryRun: opts.DryRun}
	in := UnblockInput{Customers: customers, Backend: nb.Name()}
	if in.Blocked, err = nb.Blocked(ctx); err != nil {
		return nil, fmt.Errorf("dunning: list what the %s backend holds as blocked: %w", nb.Name(), err)
	}
	if others := otherCodes(customers, in.Blocked, p); len(others) > 0 {
		if in.Others, err = src.CustomersByCode(ctx, others); err != nil {
			return nil, err
		}
	}
	if states, warnings := unblockStates(opts.Today, in, p); len(states) == 0 {
		res.Warnings = warnings
		return res, nil
	}
	if in.Invoices, err = src.OpenDebts(ctx, opts.Today); err != nil {
		return nil, err
	}
	if in.Lookup, err = lookupIPs(ctx, nb, UnblockCandidates(opts.Today, in, p)); err != nil {
		return nil, err
	}
	plan := PlanUnblock(opts.Today, in, p)
	res.Decisions = plan.Decisions
	res.Warnings = append(plan.Warnings, in.Lookup.Warnings...)
	log.Debug("unblock planned", "customers", len(plan.Decisions), "changes", len(plan.Changes), "dry_run", opts.DryRun)
	if len(plan.Changes) > 0 {
		results, err := nb.Apply(ctx, plan.Changes, netbackend.ApplyOptions{DryRun: opts.DryRun, Note: opts.Note})
		if err != nil {
			failPending(res.Decisions, unblockOK, ReasonErrorUnblocking, true, "unblocking failed: %v", err)
			return res, fmt.Errorf("dunning: apply unblocks in %s backend: %w", nb.Name(), err)
		}
		res.Results = results
		res.Decisions = ResolveUnblock(plan, results)
		if !opts.DryRun {
			if res.Mismatches, err = verifyDecisions(ctx, nb, res.Decisions, results, ReasonErrorUnblocking); err != nil {
				// Unverified: keep every label for the next run.
				failPending(res.Decisions, unblockOK, ReasonErrorUnblocking, false, "%v", err)
				return res, err
			}
		}
	}
	if opts.DryRun {
		res.Notices = notifyReconnected(ctx, opts, res.Decisions)
		return res, nil
	}
	var ids []abraflexi.ID
	var idx []int
	for i, d := range res.Decisions {
		if d.RemovesLabel() {
			ids = append(ids, customerID(d.Customer))
			idx = append(idx, i)
		}
	}
	if len(ids) > 0 {
		errs, err := w.RemoveLabel(ctx, ids, p.Labels.Disconnected)
		for j, i := range idx {
			e := err
			if e == nil && j < len(errs) {
				e = errs[j]
			}
			if e == nil {
				continue
			}
			d := &res.Decisions[i]
			d.Reason = ReasonErrorRemovingLabel
			d.Err = customerErr(d.Customer, "removing label %s failed: %v", p.Labels.Disconnected, e)
			log.Warn("removing label failed", "customer", backendKey(d.Customer), "error", e)
		}
	}
	res.Warnings = append(res.Warnings, clearNoticeLabel(ctx, w, p, res.Decisions)...)
	res.Notices = notifyReconnected(ctx, opts, res.Decisions)
	return res, nil
}

// NoticeLabelsToClear returns the indexes of the decisions whose customer
// carries the label recording the disconnection notice
// (Policy.Labels.DisconnectNotified) and is no longer held disconnected:
// the disconnected label came off ([ReasonUnblocked],
// [ReasonNoIPLabelCleared]) or the entries were restored by self-healing
// ([ReasonOrphanUnblocked]). Removing it lets the next disconnection be
// notified again. It is pure.
func NoticeLabelsToClear(decisions []UnblockDecision, p Policy) []int {
	p = p.normalized()
	var out []int
	for i, d := range decisions {
		switch d.Reason {
		case ReasonUnblocked, ReasonNoIPLabelCleared, ReasonOrphanUnblocked:
			if d.Customer.Labels.Has(p.Labels.DisconnectNotified) {
				out = append(out, i)
			}
		}
	}
	return out
}

// clearNoticeLabel removes the disconnection-notice label from the
// customers of [NoticeLabelsToClear] (nothing, and no request, when none
// carries it) and returns a warning per customer it stays on.
func clearNoticeLabel(ctx context.Context, w LabelWriter, p Policy, ds []UnblockDecision) []string {
	idx := NoticeLabelsToClear(ds, p)
	if len(idx) == 0 {
		return nil
	}
	label := p.normalized().Labels.DisconnectNotified
	ids := make([]abraflexi.ID, len(idx))
	for j, i := range idx {
		ids[j] = customerID(ds[i].Customer)
	}
	errs, err := w.RemoveLabel(ctx, ids, label)
	var out []string
	for j, i := range idx {
		e := err
		if e == nil && j < len(errs) {
			e = errs[j]
		}
		if e != nil {
			out = append(out, fmt.Sprintf("customer %s: removing label %s failed, so the next disconnection is not notified unless it is removed by hand: %v",
				backendKey(ds[i].Customer), label, e))
		}
	}
	return out
}

// otherCodes returns the codes of the customers of blocked entries with a
// kept original who are not among the labelled customers, sorted, without
// duplicates: the customers an unblock run reads by code.
func otherCodes(customers []abraflexi.Address, blocked []netbackend.BlockedEntry, p Policy) []string {
	labelled := map[string]bool{}
	for _, c := range withLabel(customers, p.Labels.Disconnected) {
		labelled[customerCode(c)] = true
	}
	var out []string
	for _, e := range blocked {
		code := strings.ToUpper(strings.TrimSpace(e.Customer))
		if code != "" && e.KeptOriginal() && !labelled[code] {
			out = append(out, code)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
