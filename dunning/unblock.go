package dunning

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/netbackend"
)

// UnblockDecision is the unblock decision for one customer.
type UnblockDecision struct {
	// Customer is the customer decided about.
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
}

// RemovesLabel reports whether the decision removes the disconnected label
// (the IPs are all unblocked, or there are none).
func (d UnblockDecision) RemovesLabel() bool {
	return d.Reason == ReasonUnblocked || d.Reason == ReasonNoIPLabelCleared
}

// UnblockPlan is the planned part of an unblock run.
type UnblockPlan struct {
	// Decisions has one entry per customer with the disconnected label.
	Decisions []UnblockDecision
	// Changes unblock every IP of every customer who no longer owes.
	Changes []netbackend.Change
}

// UnblockCandidates returns the customers with the disconnected label who no
// longer owe more than Policy.MinDebt on today: the customers whose IPs a
// run looks up. Sorted by code.
func UnblockCandidates(today abraflexi.Date, customers []abraflexi.Address, invoices []abraflexi.IssuedInvoice, p Policy) []abraflexi.Address {
	p = p.normalized()
	customers = withLabel(customers, p.Labels.Disconnected)
	debts := Debts(invoices, customers, today)
	var out []abraflexi.Address
	for _, c := range customers {
		if !p.owes(debts[customerCode(c)].Amount) {
			out = append(out, c)
		}
	}
	return out
}

// PlanUnblock decides, for every customer carrying the disconnected label,
// whether to unblock: a customer owing more than Policy.MinDebt gets
// [ReasonStillOwes] (the same rule the mark decision uses, so nobody flips
// between marked and unblocked), a customer without an IP in ips gets
// [ReasonNoIPLabelCleared], everyone else [ReasonUnblocked] and one Unblock
// change per IP with Policy.DefaultSpeed as the fallback speed. VIP and
// NEODPOJOVAT do not matter here. Customers without the label are ignored.
func PlanUnblock(today abraflexi.Date, customers []abraflexi.Address, invoices []abraflexi.IssuedInvoice, ips map[string][]netip.Addr, p Policy) UnblockPlan {
	p = p.normalized()
	customers = withLabel(customers, p.Labels.Disconnected)
	debts := Debts(invoices, customers, today)
	var plan UnblockPlan
	for _, c := range customers {
		d := UnblockDecision{Customer: c, Debt: debts[customerCode(c)]}
		switch {
		case p.owes(d.Debt.Amount):
			d.Reason = ReasonStillOwes
		default:
			plan.Changes = append(plan.Changes, planIPs(&d, ips, ReasonUnblocked, ReasonNoIPLabelCleared, netbackend.Change{
				Action: netbackend.Unblock, FallbackSpeed: p.DefaultSpeed, Reason: "debt paid",
			})...)
		}
		plan.Decisions = append(plan.Decisions, d)
	}
	return plan
}

// ResolveUnblock completes the plan's decisions with the backend's results:
// a customer stays [ReasonUnblocked] when every IP is Changed or Unchanged,
// and becomes [ReasonErrorUnblocking] (keeping the label) when any IP
// failed, was not found or has no result. Newly lists the Changed IPs.
func ResolveUnblock(plan UnblockPlan, results []netbackend.Result) []UnblockDecision {
	return resolve(plan.Decisions, results, ReasonUnblocked, ReasonErrorUnblocking, "unblocking")
}

// UnblockResult is the outcome of an [Unblock] run.
type UnblockResult struct {
	// Today is the day decided for.
	Today abraflexi.Date
	// DryRun is true when nothing was changed.
	DryRun bool
	// Decisions has one entry per customer with the disconnected label.
	Decisions []UnblockDecision
	// Results are the backend's results of the applied (or dry-run) changes.
	Results []netbackend.Result
	// Mismatches are the changed IPs whose re-read state is not as planned.
	Mismatches []Mismatch
}

// Counts tallies the decisions by reason.
func (r *UnblockResult) Counts() Counts { return countReasons(r.Decisions) }

// Err joins the per-customer errors (verification mismatches included), or
// returns nil. A non-nil Err means the run failed (exit 1).
func (r *UnblockResult) Err() error { return joinErrs(r.Decisions) }

// Unblock is the unblocknet run: it reads the customers with the
// disconnected label and the open debts (one paged listing each), looks up
// the IPs of the customers who no longer owe (one backend call), plans with
// [PlanUnblock], applies all changes in one [netbackend.Backend.Apply] (one
// Subversion commit), re-reads the state of every changed IP ([Verify]) and
// then removes the disconnected label, in one [LabelWriter.RemoveLabel]
// call, from the customers whose IPs were all unblocked (or who have none).
// The removal re-reads the customers' labels right before writing (one
// listing and one write per batch), so labels set meanwhile survive; a
// failed removal leaves the customer labelled for the next run
// ([ReasonErrorRemovingLabel]). Under opts.DryRun the backend is
// asked for a dry run and no label is removed.
//
// The error is non-nil when the run could not be carried out; per-customer
// failures are in the result (see [UnblockResult.Err]).
func Unblock(ctx context.Context, src Source, w LabelWriter, nb netbackend.Backend, p Policy, opts Options) (*UnblockResult, error) {
	p, customers, err := start(ctx, src, p, opts, func(l Labels) string { return l.Disconnected })
	if err != nil {
		return nil, err
	}
	log := opts.logger()
	res := &UnblockResult{Today: opts.Today, DryRun: opts.DryRun}
	if len(withLabel(customers, p.Labels.Disconnected)) == 0 {
		return res, nil
	}
	invoices, err := src.OpenDebts(ctx, opts.Today)
	if err != nil {
		return nil, err
	}
	ips, err := lookupIPs(ctx, nb, UnblockCandidates(opts.Today, customers, invoices, p))
	if err != nil {
		return nil, err
	}
	plan := PlanUnblock(opts.Today, customers, invoices, ips, p)
	res.Decisions = plan.Decisions
	log.Debug("unblock planned", "customers", len(plan.Decisions), "changes", len(plan.Changes), "dry_run", opts.DryRun)
	if len(plan.Changes) > 0 {
		results, err := nb.Apply(ctx, plan.Changes, netbackend.ApplyOptions{DryRun: opts.DryRun, Note: opts.Note})
		if err != nil {
			failPending(res.Decisions, ReasonUnblocked, ReasonErrorUnblocking, true, "unblocking failed: %v", err)
			return res, fmt.Errorf("dunning: apply unblocks in %s backend: %w", nb.Name(), err)
		}
		res.Results = results
		res.Decisions = ResolveUnblock(plan, results)
		if !opts.DryRun {
			if res.Mismatches, err = verifyDecisions(ctx, nb, res.Decisions, results, ReasonErrorUnblocking); err != nil {
				// Unverified: keep every label for the next run.
				failPending(res.Decisions, ReasonUnblocked, ReasonErrorUnblocking, false, "%v", err)
				return res, err
			}
		}
	}
	if opts.DryRun {
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
	if len(ids) == 0 {
		return res, nil
	}
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
	return res, nil
}
