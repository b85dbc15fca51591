package dunning

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"

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
			d.IPs = sortedIPs(ips[backendKey(c)])
			if len(d.IPs) == 0 {
				d.Reason = ReasonNoIPLabelCleared
				break
			}
			d.Reason = ReasonUnblocked
			for _, ip := range d.IPs {
				plan.Changes = append(plan.Changes, netbackend.Change{
					Customer: backendKey(c), IP: ip, Action: netbackend.Unblock,
					FallbackSpeed: p.DefaultSpeed, Reason: "debt paid",
				})
			}
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
	byIP := resultsByCustomerIP(results)
	out := slices.Clone(plan.Decisions)
	for i := range out {
		d := &out[i]
		if d.Reason != ReasonUnblocked {
			continue
		}
		var problems []string
		for _, ip := range d.IPs {
			r, ok := byIP[customerIP{backendKey(d.Customer), ip}]
			switch {
			case !ok:
				problems = append(problems, fmt.Sprintf("%s: no result from the backend", ip))
			case r.Status == netbackend.Changed:
				d.Newly = append(d.Newly, ip)
			case r.Status == netbackend.Unchanged:
			case r.Status == netbackend.Failed:
				problems = append(problems, fmt.Sprintf("%s: %v", ip, r.Err))
			default:
				problems = append(problems, fmt.Sprintf("%s: %s", ip, r.Status))
			}
		}
		if len(problems) > 0 {
			d.Reason = ReasonErrorUnblocking
			d.Err = customerErr(d.Customer, "unblocking failed: %s", strings.Join(problems, "; "))
		}
	}
	return out
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
func (r *UnblockResult) Counts() Counts {
	c := Counts{}
	for _, d := range r.Decisions {
		c[d.Reason]++
	}
	return c
}

// Err joins the per-customer errors (verification mismatches included), or
// returns nil. A non-nil Err means the run failed (exit 1).
func (r *UnblockResult) Err() error {
	var errs []error
	for _, d := range r.Decisions {
		if d.Err != nil {
			errs = append(errs, d.Err)
		}
	}
	return errors.Join(errs...)
}

// Unblock is the unblocknet run: it reads the customers with the
// disconnected label and the open debts (one paged listing each), looks up
// the IPs of the customers who no longer owe (one backend call), plans with
// [PlanUnblock], applies all changes in one [netbackend.Backend.Apply] (one
// Subversion commit), re-reads the state of every changed IP ([Verify]) and
// then removes the disconnected label, one customer at a time, from the
// customers whose IPs were all unblocked (or who have none). Each removal
// re-reads the customer's labels right before writing, so labels set
// meanwhile survive; a failed removal leaves the customer labelled for the
// next run ([ReasonErrorRemovingLabel]). Under opts.DryRun the backend is
// asked for a dry run and no label is removed.
//
// The error is non-nil when the run could not be carried out; per-customer
// failures are in the result (see [UnblockResult.Err]).
func Unblock(ctx context.Context, src Source, w LabelWriter, nb netbackend.Backend, p Policy, opts Options) (*UnblockResult, error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	p = p.normalized()
	log := opts.logger()
	customers, err := src.CustomersWithLabel(ctx, p.Labels.Disconnected)
	if err != nil {
		return nil, err
	}
	res := &UnblockResult{Today: opts.Today, DryRun: opts.DryRun}
	if len(withLabel(customers, p.Labels.Disconnected)) == 0 {
		return res, nil
	}
	invoices, err := src.OpenDebts(ctx, opts.Today)
	if err != nil {
		return nil, err
	}
	var ips map[string][]netip.Addr
	if cand := UnblockCandidates(opts.Today, customers, invoices, p); len(cand) > 0 {
		codes := make([]string, len(cand))
		for i, c := range cand {
			codes[i] = backendKey(c)
		}
		if ips, err = nb.CustomerIPs(ctx, codes); err != nil {
			return nil, fmt.Errorf("dunning: look up IPs in %s backend: %w", nb.Name(), err)
		}
	}
	plan := PlanUnblock(opts.Today, customers, invoices, ips, p)
	res.Decisions = plan.Decisions
	log.Debug("unblock planned", "customers", len(plan.Decisions), "changes", len(plan.Changes), "dry_run", opts.DryRun)
	if len(plan.Changes) > 0 {
		results, err := nb.Apply(ctx, plan.Changes, netbackend.ApplyOptions{DryRun: opts.DryRun, Note: opts.Note})
		if err != nil {
			for i := range res.Decisions {
				if d := &res.Decisions[i]; d.Reason == ReasonUnblocked {
					d.Reason = ReasonErrorUnblocking
					d.Err = customerErr(d.Customer, "unblocking failed: %v", err)
				}
			}
			return res, fmt.Errorf("dunning: apply unblocks in %s backend: %w", nb.Name(), err)
		}
		res.Results = results
		res.Decisions = ResolveUnblock(plan, results)
		if !opts.DryRun {
			if res.Mismatches, err = verify(ctx, nb, results); err != nil {
				// Unverified: keep every label for the next run.
				for i := range res.Decisions {
					if d := &res.Decisions[i]; d.Reason == ReasonUnblocked {
						d.Reason = ReasonErrorUnblocking
						d.Err = customerErr(d.Customer, "%v", err)
					}
				}
				return res, err
			}
			markMismatches(res.Decisions, res.Mismatches, ReasonErrorUnblocking, func(d *UnblockDecision) (abraflexi.Address, *Reason, *error) {
				return d.Customer, &d.Reason, &d.Err
			})
		}
	}
	if opts.DryRun {
		return res, nil
	}
	for i := range res.Decisions {
		d := &res.Decisions[i]
		if !d.RemovesLabel() {
			continue
		}
		if err := w.RemoveLabel(ctx, customerID(d.Customer), p.Labels.Disconnected); err != nil {
			d.Reason = ReasonErrorRemovingLabel
			d.Err = customerErr(d.Customer, "removing label %s failed: %v", p.Labels.Disconnected, err)
			log.Warn("removing label failed", "customer", backendKey(d.Customer), "error", err)
		}
	}
	return res, nil
}
