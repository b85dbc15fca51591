package dunning

import (
	"context"
	"errors"
	"fmt"

	"github.com/spoje-net/isptools/abraflexi"
)

// MarkDecision is the mark decision for one customer.
type MarkDecision struct {
	// Customer is the customer decided about.
	Customer abraflexi.Address
	// Reason is the outcome.
	Reason Reason
	// Debt is what the customer owes today.
	Debt Debt
	// Err says why writing the label failed ([ReasonErrorMarking]).
	Err error
	// Why explains the decision beyond its reason: with grace days
	// ([Policy].MinOverdueDays) how overdue the oldest unpaid invoice is
	// ("oldest unpaid invoice 17 days overdue"); empty otherwise.
	Why string
}

// MarkInput is the data the mark decision is taken on.
type MarkInput struct {
	// Customers are the customers with the third-reminder label; others
	// are ignored.
	Customers []abraflexi.Address
	// Contracts are the contracts of the customers (active or not; each
	// is checked with [IsActiveContract]).
	Contracts []abraflexi.Contract
	// Invoices are the customers' issued invoices (each is checked with
	// [IsDebt]).
	Invoices []abraflexi.IssuedInvoice
}

// DecideMark decides, for every customer carrying the third-reminder label,
// whether to mark them for disconnection. The checks, in order: VIP
// ([ReasonVIPSkipped]), NEODPOJOVAT ([ReasonNoDisconnectSkipped]), already
// labelled disconnected ([ReasonAlreadyMarked]), no active contract of the
// policy's type ([ReasonNoContractSkipped]), owing no more than
// Policy.MinDebt ([ReasonNoDebtSkipped]), with Policy.MinOverdueDays set
// no unpaid invoice that many calendar days overdue
// ([ReasonGraceDaysSkipped], [MeetsMinOverdue]); everyone else is
// [ReasonMarked]. With grace days, the decisions of customers who owe say
// in Why how overdue their oldest unpaid invoice is. Decisions are sorted
// by customer code; customers without the reminder label or without a
// code are ignored.
func DecideMark(today abraflexi.Date, in MarkInput, p Policy) []MarkDecision {
	p = p.normalized()
	customers := withLabel(in.Customers, p.Labels.ThirdReminder)
	debts := Debts(in.Invoices, customers, today, p.HomeCurrency)
	var byCustomer map[string][]abraflexi.IssuedInvoice
	if p.MinOverdueDays > 0 {
		byCustomer = InvoicesByCustomer(in.Invoices, customers)
	}
	contracts := CustomersWithContract(in.Contracts, customers, today, p.ContractType, p.InactiveContractStates...)
	out := make([]MarkDecision, 0, len(customers))
	for _, c := range customers {
		code := customerCode(c)
		d := MarkDecision{Customer: c, Debt: debts[code]}
		switch {
		case c.Labels.Has(p.Labels.VIP):
			d.Reason = ReasonVIPSkipped
		case c.Labels.Has(p.Labels.NoDisconnect):
			d.Reason = ReasonNoDisconnectSkipped
		case c.Labels.Has(p.Labels.Disconnected):
			d.Reason = ReasonAlreadyMarked
		case !contracts[code]:
			d.Reason = ReasonNoContractSkipped
		case !p.owes(d.Debt):
			d.Reason = ReasonNoDebtSkipped
		case p.MinOverdueDays > 0:
			ok, why := MeetsMinOverdue(byCustomer[code], today, p.MinOverdueDays)
			d.Reason, d.Why = ReasonMarked, why
			if !ok {
				d.Reason = ReasonGraceDaysSkipped
			}
		default:
			d.Reason = ReasonMarked
		}
		out = append(out, d)
	}
	return out
}

// MarkResult is the outcome of a [Mark] run.
type MarkResult struct {
	// Today is the day decided for.
	Today abraflexi.Date
	// DryRun is true when nothing was written.
	DryRun bool
	// Decisions has one entry per customer with the third-reminder label.
	Decisions []MarkDecision
}

// Counts tallies the decisions by reason.
func (r *MarkResult) Counts() Counts { return countReasons(r.Decisions) }

// Err joins the per-customer errors, or returns nil.
func (r *MarkResult) Err() error { return joinErrs(r.Decisions) }

// Mark is the abraflexi-mark-defaulters run: it reads the customers with the
// third-reminder label, the active contracts and the open debts (one paged
// listing each), decides with [DecideMark] and adds the disconnected label
// to the customers to mark in batched, additive writes. Under
// opts.DryRun it writes nothing.
//
// The error is non-nil when the run could not read its data or the label
// write failed without per-record results; per-customer write failures
// (including the records of batches not sent after a request that failed
// as a whole) are decisions with [ReasonErrorMarking] (see [MarkResult.Err]). The result is non-nil
// whenever decisions were taken.
//
// src and w are two seams so tests can replace the writer alone; over one
// AbraFlexi both are the same [*AbraFlexi], and [AbraFlexi.Mark] passes it
// as both.
func Mark(ctx context.Context, src Source, w LabelWriter, p Policy, opts Options) (*MarkResult, error) {
	p, customers, err := start(ctx, src, p, opts, func(l Labels) string { return l.ThirdReminder })
	if err != nil {
		return nil, err
	}
	log := opts.logger()
	in := MarkInput{Customers: customers}
	// Nothing to fetch for nobody.
	if len(withLabel(customers, p.Labels.ThirdReminder)) > 0 {
		if in.Contracts, err = src.ActiveContracts(ctx, opts.Today); err != nil {
			return nil, err
		}
		if in.Invoices, err = src.OpenDebts(ctx, opts.Today); err != nil {
			return nil, err
		}
	}
	res := &MarkResult{Today: opts.Today, DryRun: opts.DryRun, Decisions: DecideMark(opts.Today, in, p)}
	var ids []abraflexi.ID
	var idx []int
	for i, d := range res.Decisions {
		if d.Reason == ReasonMarked {
			ids = append(ids, customerID(d.Customer))
			idx = append(idx, i)
		}
	}
	log.Debug("mark decided", "customers", len(res.Decisions), "to_mark", len(ids), "dry_run", opts.DryRun)
	if len(ids) == 0 || opts.DryRun {
		return res, nil
	}
	results, err := w.AddLabel(ctx, ids, p.Labels.Disconnected)
	var apiErr *abraflexi.APIError
	// Non-atomic batches with failed records: every batch was sent and the
	// per-record results say which were saved.
	partial := err != nil && errors.As(err, &apiErr) && len(apiErr.Results) > 0
	done := make([]bool, len(idx))
	for _, r := range results {
		if r.Index < 0 || r.Index >= len(idx) {
			continue
		}
		d := &res.Decisions[idx[r.Index]]
		done[r.Index] = true
		if len(r.Errors) > 0 {
			d.Reason = ReasonErrorMarking
			d.Err = customerErr(d.Customer, "adding label %s failed: %s", p.Labels.Disconnected, messages(r.Errors))
			log.Warn("marking failed", "customer", backendKey(d.Customer), "error", d.Err)
		}
	}
	if err == nil {
		return res, nil
	}
	for i, ok := range done {
		if !ok { // no answer for this record: not labelled
			d := &res.Decisions[idx[i]]
			d.Reason = ReasonErrorMarking
			d.Err = customerErr(d.Customer, "adding label %s failed: %v", p.Labels.Disconnected, err)
		}
	}
	if partial {
		return res, nil // every failure is a decision
	}
	return res, err
}

// messages joins the texts of server messages.
func messages(ms []abraflexi.Message) string {
	s := ""
	for i, m := range ms {
		if i > 0 {
			s += "; "
		}
		s += m.Message
		if m.For != "" {
			s += fmt.Sprintf(" (%s)", m.For)
		}
	}
	return s
}
