package dunning

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/spoje-net/isptools/abraflexi"
)

// Notice is one connection notice a run asks its [Notifier] to send.
type Notice struct {
	// Customer is the customer to tell, as the run listed it (code, name,
	// labels); the notifier reads the e-mail addresses itself.
	Customer abraflexi.Address
	// Debts are the customer's debts ([IsDebt]: unpaid overdue invoices)
	// from the run's one debts listing ([Source.OpenDebts]); set for
	// disconnection notices only. Open credit notes are not among them:
	// the notice asks for the invoices.
	Debts []abraflexi.IssuedInvoice
}

// Outcomes of a notice ([NoticeOutcome].Status), spelled as the reasons of
// package notify.
const (
	// NoticeSent: the message was handed to the mail server.
	NoticeSent = "sent"
	// NoticeWouldSend: a dry run (or MUTE): composed, not sent, nothing
	// written.
	NoticeWouldSend = "would_send"
	// NoticeAlreadyNotified: the customer carries the label recording the
	// notice; nothing sent.
	NoticeAlreadyNotified = "already_notified"
	// NoticeNothingOwed: the customer has no unpaid invoice to ask for, so
	// no disconnection notice is composed (unblocknet restores them).
	NoticeNothingOwed = "nothing_owed"
)

// NoticeOutcome is what became of one [Notice].
type NoticeOutcome struct {
	// Customer is the customer's code.
	Customer string
	// Status is the outcome: [NoticeSent], [NoticeWouldSend],
	// [NoticeAlreadyNotified], [NoticeNothingOwed], or a failure such as
	// no_email, label_missing, send_failed or error (package notify's
	// reasons).
	Status string
	// Recipients are the addresses mailed (or that would be).
	Recipients []string
	// MessageID is the Message-ID of the sent message.
	MessageID string
	// Err says why the notice failed; nil otherwise.
	Err error
	// Warnings are problems that did not stop the notice (invalid
	// addresses skipped, a claim that could not be taken back).
	Warnings []string
}

// Failed reports whether the notice failed.
func (o NoticeOutcome) Failed() bool { return o.Err != nil }

// Notifier sends the connection notices of the runs
// (NOTIFY_DISCONNECTED, NOTIFY_RECONNECTED). [Block] calls Disconnected
// and [Unblock] calls Reconnected, each once per run, under the run lock,
// after the backend change was applied and verified (in a dry run with
// dryRun set: compose, never send nor write). Both return one outcome per
// notice, in order. Package notify composes and sends the messages; the
// apps wire it (examples/internal/dunningapp).
type Notifier interface {
	// Disconnected tells each customer that the connection was limited,
	// what is owed on which invoices and how to pay. Each notice is
	// recorded on the customer with label before it is sent (a claim,
	// taken back when sending fails, so the next run retries), which
	// makes it exactly once.
	Disconnected(ctx context.Context, notices []Notice, label string, dryRun bool) []NoticeOutcome
	// Reconnected tells each customer that the connection is restored.
	Reconnected(ctx context.Context, notices []Notice, dryRun bool) []NoticeOutcome
}

// DisconnectNotices returns the customers a block run tells that their
// connection was limited: those whose decision is [ReasonBlocked] (every
// IP held blocked, verified after the change) and who do not carry the
// label recording the notice (Policy.Labels.DisconnectNotified). So every
// blocked customer is told once: the newly blocked ones, and those whose
// earlier notice failed (its claim was taken back). Sorted by code. It is
// pure.
func DisconnectNotices(decisions []BlockDecision, p Policy) []abraflexi.Address {
	p = p.normalized()
	var out []abraflexi.Address
	for _, d := range decisions {
		if d.Reason == ReasonBlocked && !d.Customer.Labels.Has(p.Labels.DisconnectNotified) {
			out = append(out, d.Customer)
		}
	}
	slices.SortFunc(out, func(a, b abraflexi.Address) int { return strings.Compare(customerCode(a), customerCode(b)) })
	return out
}

// ReconnectNotices returns the customers an unblock run tells that their
// connection is restored: those whose IPs this run unblocked (Newly not
// empty) and verified, whether the disconnected label came off or not
// ([ReasonUnblocked], [ReasonOrphanUnblocked],
// [ReasonErrorRemovingLabel]). A customer restored earlier is Unchanged
// in the backend, so each restore is told once. Sorted by code. It is
// pure.
func ReconnectNotices(decisions []UnblockDecision) []abraflexi.Address {
	var out []abraflexi.Address
	for _, d := range decisions {
		switch d.Reason {
		case ReasonUnblocked, ReasonOrphanUnblocked, ReasonErrorRemovingLabel:
			if len(d.Newly) > 0 {
				out = append(out, d.Customer)
			}
		}
	}
	slices.SortFunc(out, func(a, b abraflexi.Address) int { return strings.Compare(customerCode(a), customerCode(b)) })
	return out
}

// notifyDisconnected sends the disconnection notices of a block run: the
// customers of [DisconnectNotices], with their debts from one listing.
func notifyDisconnected(ctx context.Context, src Source, p Policy, opts Options, decisions []BlockDecision) []NoticeOutcome {
	if opts.Notifier == nil {
		return nil
	}
	customers := DisconnectNotices(decisions, p)
	if len(customers) == 0 {
		return nil
	}
	invoices, err := src.OpenDebts(ctx, opts.Today)
	if err != nil {
		out := make([]NoticeOutcome, len(customers))
		for i, c := range customers {
			out[i] = NoticeOutcome{Customer: backendKey(c), Status: "error",
				Err: customerErr(c, "disconnection notice not sent: %v", err)}
		}
		return out
	}
	debts := invoices[:0:0]
	for _, inv := range invoices {
		if IsDebt(inv, opts.Today) {
			debts = append(debts, inv)
		}
	}
	byCustomer := InvoicesByCustomer(debts, customers)
	notices := make([]Notice, len(customers))
	for i, c := range customers {
		notices[i] = Notice{Customer: c, Debts: byCustomer[customerCode(c)]}
	}
	return checkOutcomes(notices, opts.Notifier.Disconnected(ctx, notices, p.Labels.DisconnectNotified, opts.DryRun))
}

// notifyReconnected sends the reconnection notices of an unblock run.
func notifyReconnected(ctx context.Context, opts Options, decisions []UnblockDecision) []NoticeOutcome {
	if opts.Notifier == nil {
		return nil
	}
	customers := ReconnectNotices(decisions)
	if len(customers) == 0 {
		return nil
	}
	notices := make([]Notice, len(customers))
	for i, c := range customers {
		notices[i] = Notice{Customer: c}
	}
	return checkOutcomes(notices, opts.Notifier.Reconnected(ctx, notices, opts.DryRun))
}

// checkOutcomes makes sure there is one outcome per notice, naming its
// customer: a notifier that answered fewer is reported as failed for the
// rest.
func checkOutcomes(notices []Notice, got []NoticeOutcome) []NoticeOutcome {
	out := make([]NoticeOutcome, len(notices))
	for i, n := range notices {
		if i < len(got) {
			out[i] = got[i]
		} else {
			out[i] = NoticeOutcome{Status: "error", Err: fmt.Errorf("customer %s: the notifier gave no outcome", backendKey(n.Customer))}
		}
		if out[i].Customer == "" {
			out[i].Customer = backendKey(n.Customer)
		}
	}
	return out
}
