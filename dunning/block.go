package dunning

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/netbackend"
)

// BlockDecision is the block decision for one customer.
type BlockDecision struct {
	// Customer is the customer decided about.
	Customer abraflexi.Address
	// Reason is the outcome.
	Reason Reason
	// IPs are the customer's addresses in the backend, sorted.
	IPs []netip.Addr
	// Newly are the IPs this run blocked (or, in a dry run or refused run,
	// would block); the others were blocked already.
	Newly []netip.Addr
	// Err says why blocking failed ([ReasonErrorBlocking]).
	Err error
	// Why explains the decision beyond its reason: the entries of an
	// [ReasonIPConflict], the refusal of a [ReasonWouldBlock] (naming,
	// for stale bank data, the newest movement and its date), the speed
	// of a throttling block; empty otherwise.
	Why string
}

// BlockPlan is the planned part of a block run: a decision per customer and
// the backend changes for the customers to block.
type BlockPlan struct {
	// Decisions has one entry per customer; customers to block have
	// [ReasonBlocked] until [ResolveBlock] sees the backend's results.
	Decisions []BlockDecision
	// Changes block every IP of every customer to block.
	Changes []netbackend.Change
}

// BlockCandidates returns the customers with the disconnected label that
// may be blocked (not VIP, not NEODPOJOVAT): the customers whose IPs a run
// looks up. Sorted by code.
func BlockCandidates(customers []abraflexi.Address, p Policy) []abraflexi.Address {
	p = p.normalized()
	var out []abraflexi.Address
	for _, c := range withLabel(customers, p.Labels.Disconnected) {
		if !c.Labels.HasAny(p.Labels.VIP, p.Labels.NoDisconnect) {
			out = append(out, c)
		}
	}
	return out
}

// PlanBlock decides, for every customer carrying the disconnected label,
// whether to block: VIP ([ReasonVIPSkipped]) and NEODPOJOVAT
// ([ReasonNoDisconnectSkipped]) customers are never blocked, customers
// without an IP in the lookup (keyed by customer code as the backend
// returned it) get [ReasonNoIPFound], customers named in a conflict of the
// lookup [ReasonIPConflict] (their other IPs are blocked), everyone else
// gets [ReasonBlocked] and one Block change per IP. Customers without the
// label are ignored; the other customers of a conflict get a decision
// with [ReasonIPConflict] too, after the labelled ones. Every Block change
// carries Policy.BlockSpeed (BLOCK_SPEED: 0 cuts, more throttles).
func PlanBlock(customers []abraflexi.Address, look netbackend.Lookup, p Policy) BlockPlan {
	p = p.normalized()
	var plan BlockPlan
	for _, c := range withLabel(customers, p.Labels.Disconnected) {
		d := BlockDecision{Customer: c}
		switch {
		case c.Labels.Has(p.Labels.VIP):
			d.Reason = ReasonVIPSkipped
		case c.Labels.Has(p.Labels.NoDisconnect):
			d.Reason = ReasonNoDisconnectSkipped
		default:
			reason := fmt.Sprintf("label %s", p.Labels.Disconnected)
			if p.BlockSpeed > 0 {
				reason += fmt.Sprintf(", throttled to speed %d (BLOCK_SPEED)", p.BlockSpeed)
			}
			plan.Changes = append(plan.Changes, planIPs(&d, look, ReasonBlocked, ReasonNoIPFound, netbackend.Change{
				Action: netbackend.Block, BlockSpeed: p.BlockSpeed, Reason: reason,
			})...)
			if d.Reason == ReasonBlocked && p.BlockSpeed > 0 {
				d.Why = fmt.Sprintf("carries the disconnected label: every IP is throttled to speed %d or below (BLOCK_SPEED), the original speed kept", p.BlockSpeed)
			}
		}
		plan.Decisions = append(plan.Decisions, d)
	}
	decided := map[string]bool{}
	for _, d := range plan.Decisions {
		decided[backendKey(d.Customer)] = true
	}
	plan.Decisions = append(plan.Decisions, conflictDecisions(look, decided, func(c abraflexi.Address) BlockDecision {
		return BlockDecision{Customer: c}
	})...)
	return plan
}

// ResolveBlock completes the plan's decisions with the backend's results:
// a customer stays [ReasonBlocked] when every IP is Changed or Unchanged,
// and becomes [ReasonErrorBlocking] when any IP failed, was not found or
// has no result. Newly lists the Changed IPs.
func ResolveBlock(plan BlockPlan, results []netbackend.Result) []BlockDecision {
	return resolve(plan.Decisions, results, []Reason{ReasonBlocked}, ReasonErrorBlocking, "blocking")
}

// NewlyBlocked returns the codes of the customers with at least one Block
// result Changed, sorted: the customers a run newly cuts off.
func NewlyBlocked(results []netbackend.Result) []string {
	var out []string
	for _, r := range results {
		if r.Change.Action == netbackend.Block && r.Status == netbackend.Changed {
			out = append(out, r.Change.Customer)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// RefusalKind says which safety check stopped a block run.
type RefusalKind string

const (
	// RefusedCircuitBreaker: the run would newly block more than
	// Policy.MaxBlocks customers. The run fails.
	RefusedCircuitBreaker RefusalKind = "circuit_breaker"
	// RefusedNotCutDay: CUT_DAYS=workdays and today is a weekend day or a
	// public holiday. The run succeeds with a warning; the next working
	// day's run blocks.
	RefusedNotCutDay RefusalKind = "not_a_cut_day"
)

// Refusal explains why a block run blocked nothing.
type Refusal struct {
	// Kind is the safety check.
	Kind RefusalKind
	// Message is the human explanation.
	Message string
	// Customers are the codes of the customers who would have been newly
	// blocked, sorted.
	Customers []string
	// NewestMovement is, for [RefusedStaleBankData], the newest incoming
	// bank movement the guard saw (nil when banka has none).
	NewestMovement *abraflexi.BankMovement
}

// ErrCircuitBreaker is wrapped by [BlockResult.Err] when the circuit breaker
// stopped the run.
var ErrCircuitBreaker = errors.New("dunning: circuit breaker: too many customers to block")

// CheckBlocks applies the safety checks of a block run to the customers it
// would newly block (see [NewlyBlocked]): the cut-day rule first, then the
// circuit breaker. It returns nil when the run may proceed. [Block] puts
// the stale-bank-data guard ([CheckBankData]) between the two.
func CheckBlocks(today abraflexi.Date, newly []string, p Policy) *Refusal {
	if r := checkCutDay(today, newly, p); r != nil {
		return r
	}
	return checkBreaker(newly, p)
}

// checkCutDay is the cut-day rule of [CheckBlocks].
func checkCutDay(today abraflexi.Date, newly []string, p Policy) *Refusal {
	p = p.normalized()
	if len(newly) == 0 {
		return nil
	}
	if ok, why := p.CutDays.Allows(today); !ok {
		return &Refusal{Kind: RefusedNotCutDay, Customers: slices.Clone(newly),
			Message: fmt.Sprintf("no new blocks today (CUT_DAYS=%s): %s; %d customer(s) deferred", p.CutDays, why, len(newly))}
	}
	return nil
}

// checkBreaker is the circuit breaker of [CheckBlocks].
func checkBreaker(newly []string, p Policy) *Refusal {
	if limit := p.breakerLimit(); limit > 0 && len(newly) > limit {
		return &Refusal{Kind: RefusedCircuitBreaker, Customers: slices.Clone(newly),
			Message: fmt.Sprintf("circuit breaker: %d customers would be newly blocked, more than MAX_BLOCKS=%d; nothing was blocked", len(newly), limit)}
	}
	return nil
}

// ErrNoBankData is wrapped by the error of a [Block] run with
// Policy.MaxBankDataAge set whose source cannot read bank movements (it is
// not a [BankDataSource]).
var ErrNoBankData = errors.New("dunning: MAX_BANK_DATA_AGE is set but the source cannot read bank movements")

// checkBankData is the stale-bank-data guard of a block run: nil when the
// guard is off or nobody would be newly blocked, else one read of the
// newest incoming bank movement and [CheckBankData].
func checkBankData(ctx context.Context, src Source, p Policy, opts Options, newly []string) (*Refusal, error) {
	if p.MaxBankDataAge.IsZero() || len(newly) == 0 {
		return nil, nil
	}
	bds, ok := src.(BankDataSource)
	if !ok {
		return nil, ErrNoBankData
	}
	newest, err := bds.NewestIncomingBankMovement(ctx)
	if err != nil {
		return nil, err
	}
	r := CheckBankData(newest, opts.now(), p.MaxBankDataAge, p.CutDays, newly)
	if r != nil {
		r.NewestMovement = newest
	}
	return r, nil
}

// BlockResult is the outcome of a [Block] run.
type BlockResult struct {
	// Today is the day decided for.
	Today abraflexi.Date
	// DryRun is true when nothing was changed on purpose.
	DryRun bool
	// Decisions has one entry per customer with the disconnected label.
	Decisions []BlockDecision
	// Results are the backend's results of the applied changes (of the dry
	// run when nothing was applied).
	Results []netbackend.Result
	// Refusal is set when a safety check stopped the run.
	Refusal *Refusal
	// Mismatches are the changed IPs whose re-read state is not as planned.
	Mismatches []Mismatch
	// Warnings are what an operator should look at besides the decisions:
	// the backend's findings about its data (the hosts file's sanity check).
	Warnings []string
	// Notices are the outcomes of the disconnection notices
	// ([Options].Notifier), one per customer told (or that would be).
	Notices []NoticeOutcome
}

// Counts tallies the decisions by reason.
func (r *BlockResult) Counts() Counts { return countReasons(r.Decisions) }

// NewlyBlocked returns the number of customers with at least one IP blocked
// by this run (or that would be, in a dry run or refused run).
func (r *BlockResult) NewlyBlocked() int {
	n := 0
	for _, d := range r.Decisions {
		if len(d.Newly) > 0 {
			n++
		}
	}
	return n
}

// Err joins the circuit breaker and the per-customer errors (verification
// mismatches included), or returns nil. A non-nil Err means the run
// failed (exit 1).
func (r *BlockResult) Err() error {
	var breaker error
	if r.Refusal != nil && r.Refusal.Kind == RefusedCircuitBreaker {
		breaker = fmt.Errorf("%w: %s", ErrCircuitBreaker, r.Refusal.Message)
	}
	return joinErrs(r.Decisions, breaker)
}

// Block is the blocknet run: under the run lock ([Options].Lock) it reads
// the customers with the disconnected label (one paged listing), looks up
// the IPs of those that may be blocked (one backend call), plans with
// [PlanBlock], asks the backend what would change (a dry-run Apply),
// applies the safety checks — the cut-day rule, then with
// Policy.MaxBankDataAge the stale-bank-data guard (one request for the
// newest incoming bank movement, [CheckBankData]; src must be a
// [BankDataSource]), then the circuit breaker ([CheckBlocks]) — and,
// unless refused or in a dry run, applies all changes in one
// [netbackend.Backend.Apply] (one Subversion commit) and re-reads the
// state of every changed IP ([Verify]). The safety checks apply under
// opts.DryRun too, so a dry run shows whether the breaker would trip.
// The guard is read only when someone would be newly blocked and the day
// is a cut day.
//
// With opts.Notifier, the customers then held blocked and verified who
// were not told yet ([DisconnectNotices]) get the disconnection notice,
// still under the run lock, with their debts from one listing
// ([Source.OpenDebts]); a dry run composes them without sending. A
// refused run tells nobody. The outcomes are in BlockResult.Notices; a
// failed notice does not fail the run.
//
// The error is non-nil when the run could not be carried out (the lock,
// reading, looking up, planning, applying or verifying failed as a whole);
// per-customer failures, a tripped circuit breaker and mismatches are in
// the result (see [BlockResult.Err]). When planning or applying failed,
// every customer that was to be blocked is reported as
// [ReasonErrorBlocking]: nothing was blocked.
func Block(ctx context.Context, src Source, nb netbackend.Backend, p Policy, opts Options) (*BlockResult, error) {
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
	res := &BlockResult{Today: opts.Today, DryRun: opts.DryRun}
	look, err := lookupIPs(ctx, nb, codesOf(BlockCandidates(customers, p)))
	if err != nil {
		return nil, err
	}
	res.Warnings = look.Warnings
	plan := PlanBlock(customers, look, p)
	res.Decisions = plan.Decisions
	if len(plan.Changes) == 0 {
		return res, nil
	}
	note := opts.Note
	dry, err := nb.Apply(ctx, plan.Changes, netbackend.ApplyOptions{DryRun: true, Note: note})
	if err != nil {
		failPending(res.Decisions, []Reason{ReasonBlocked}, ReasonErrorBlocking, true, "planning the blocks failed, nothing was blocked: %v", err)
		return res, fmt.Errorf("dunning: plan blocks in %s backend: %w", nb.Name(), err)
	}
	res.Results = dry
	res.Decisions = ResolveBlock(plan, dry)
	newly := NewlyBlocked(dry)
	res.Refusal = checkCutDay(opts.Today, newly, p)
	if res.Refusal == nil {
		if res.Refusal, err = checkBankData(ctx, src, p, opts, newly); err != nil {
			failPending(res.Decisions, []Reason{ReasonBlocked}, ReasonErrorBlocking, true, "checking the bank data (MAX_BANK_DATA_AGE) failed, nothing was blocked: %v", err)
			return res, fmt.Errorf("dunning: stale-bank-data guard: %w", err)
		}
	}
	if res.Refusal == nil {
		res.Refusal = checkBreaker(newly, p)
	}
	if res.Refusal != nil {
		log.Warn("block refused", "kind", string(res.Refusal.Kind), "message", res.Refusal.Message)
		for i := range res.Decisions {
			if d := &res.Decisions[i]; len(d.Newly) > 0 && d.Reason == ReasonBlocked {
				d.Reason, d.Why = ReasonWouldBlock, res.Refusal.Message
			}
		}
		return res, nil
	}
	log.Debug("block planned", "changes", len(plan.Changes), "newly", len(newly), "dry_run", opts.DryRun)
	if opts.DryRun || len(newly) == 0 {
		// Nothing to change (every IP already blocked), or only the plan
		// asked for: the backend just said every IP of a blocked customer
		// is held blocked.
		res.Notices = notifyDisconnected(ctx, src, p, opts, res.Decisions)
		return res, nil
	}
	results, err := nb.Apply(ctx, plan.Changes, netbackend.ApplyOptions{Note: note})
	if err != nil {
		failPending(res.Decisions, []Reason{ReasonBlocked}, ReasonErrorBlocking, true, "blocking failed: %v", err)
		return res, fmt.Errorf("dunning: apply blocks in %s backend: %w", nb.Name(), err)
	}
	res.Results = results
	res.Decisions = ResolveBlock(plan, results)
	if res.Mismatches, err = verifyDecisions(ctx, nb, res.Decisions, results, ReasonErrorBlocking); err != nil {
		return res, err
	}
	// Only customers whose every IP was blocked and verified are told.
	res.Notices = notifyDisconnected(ctx, src, p, opts, res.Decisions)
	return res, nil
}
