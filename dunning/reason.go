package dunning

// Reason is the outcome of one decision for one customer. Its string value
// appears in the apps' JSON reports as the customer's "action", spelled as
// the PHP isp-tools spelled it.
type Reason string

// Reasons of the mark decision ([DecideMark]).
const (
	// ReasonMarked: the customer gets the disconnected label.
	ReasonMarked Reason = "marked_for_disconnection"
	// ReasonAlreadyMarked: the customer already carries the disconnected label.
	ReasonAlreadyMarked Reason = "already_marked"
	// ReasonVIPSkipped: the customer is VIP and is never disconnected.
	ReasonVIPSkipped Reason = "vip_skipped"
	// ReasonNoDisconnectSkipped: the customer carries NEODPOJOVAT.
	ReasonNoDisconnectSkipped Reason = "nodisconnect_skipped"
	// ReasonNoContractSkipped: the customer has no active (internet) contract.
	ReasonNoContractSkipped Reason = "no_contract_skipped"
	// ReasonNoDebtSkipped: the customer owes no more than the minimum debt
	// (a stale reminder label).
	ReasonNoDebtSkipped Reason = "no_debt_skipped"
	// ReasonGraceDaysSkipped: the customer owes, but no unpaid invoice is
	// yet MIN_OVERDUE_DAYS calendar days past its due date (the grace
	// days, [Policy].MinOverdueDays); the decision's Why says how overdue
	// the oldest one is. (Not in the PHP tool.)
	ReasonGraceDaysSkipped Reason = "grace_days_skipped"
	// ReasonErrorMarking: writing the label failed; the customer is picked
	// up again by the next run. (Not in the PHP tool, which had no
	// per-record write results.)
	ReasonErrorMarking Reason = "error_marking"
)

// Reasons of the block decision ([PlanBlock], [ResolveBlock]). VIP and
// NEODPOJOVAT customers get [ReasonVIPSkipped] and
// [ReasonNoDisconnectSkipped] as in the mark decision.
const (
	// ReasonBlocked: every IP of the customer is blocked (now or already).
	ReasonBlocked Reason = "blocked"
	// ReasonNoIPFound: the network backend knows no IP of the customer.
	ReasonNoIPFound Reason = "no_ip_found"
	// ReasonErrorBlocking: at least one IP could not be blocked.
	ReasonErrorBlocking Reason = "error_blocking"
	// ReasonWouldBlock: the customer would be newly blocked, but the run
	// refused to block (circuit breaker or not a cut day) and changed
	// nothing. (Not in the PHP tool.)
	ReasonWouldBlock Reason = "would_block"
)

// Reasons of the unblock decision ([PlanUnblock], [ResolveUnblock]).
const (
	// ReasonUnblocked: every IP is unblocked and the disconnected label is
	// removed.
	ReasonUnblocked Reason = "unblocked"
	// ReasonStillOwes: the customer still owes more than the minimum debt;
	// nothing changes.
	ReasonStillOwes Reason = "still_owes"
	// ReasonNoIPLabelCleared: the customer has no IP in the backend; only
	// the disconnected label is removed.
	ReasonNoIPLabelCleared Reason = "no_ip_label_cleared"
	// ReasonErrorUnblocking: at least one IP could not be unblocked (or was
	// not unblocked when verified); the label stays for the next run.
	ReasonErrorUnblocking Reason = "error_unblocking"
	// ReasonErrorRemovingLabel: the IPs are unblocked but removing the label
	// failed; the next run retries.
	ReasonErrorRemovingLabel Reason = "error_removing_label"
	// ReasonOrphanUnblocked: the backend holds the customer's entries as
	// blocked by these tools (with a kept original), but the customer does
	// not carry the disconnected label, or is VIP or NEODPOJOVAT: the IPs
	// are unblocked (self-healing; the decision's Why says which). No label
	// changes. (Not in the PHP tool.)
	ReasonOrphanUnblocked Reason = "orphan_unblocked"
)

// Reasons of both network runs.
const (
	// ReasonIPConflict: an IP of the customer is also on an entry of
	// another customer (see netbackend.Conflict); that IP is not changed,
	// the customer's other IPs are, and the decision's Why names the
	// entries. Every customer of a conflict gets it. The run's status is
	// warning; an unblock keeps the label. (Not in the PHP tool.)
	ReasonIPConflict Reason = "ip_conflict"
)

// IsError reports whether r records a failure (the run exits 1).
func (r Reason) IsError() bool {
	switch r {
	case ReasonErrorMarking, ReasonErrorBlocking, ReasonErrorUnblocking, ReasonErrorRemovingLabel:
		return true
	}
	return false
}

// IsProblem reports whether r is a skip that an operator should look at (the
// run's status is warning): a customer to block without any IP, a block
// refused by a safety check, or an IP on the entries of several customers.
func (r Reason) IsProblem() bool {
	return r == ReasonNoIPFound || r == ReasonWouldBlock || r == ReasonIPConflict
}

// String returns the reason as reported.
func (r Reason) String() string { return string(r) }
