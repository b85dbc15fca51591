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

// The steps [Block] and [Unblock] share: looking up the candidates' IPs,
// planning one change per IP, resolving the decisions with the backend's
// results and marking failures.

// netFields points at the fields of a [BlockDecision] or an
// [UnblockDecision] that the shared steps read and write.
type netFields struct {
	Customer abraflexi.Address
	IPs      *[]netip.Addr
	Reason   *Reason
	Newly    *[]netip.Addr
	Err      *error
	Why      *string
}

func (d *BlockDecision) netFields() netFields {
	return netFields{d.Customer, &d.IPs, &d.Reason, &d.Newly, &d.Err, &d.Why}
}

func (d *UnblockDecision) netFields() netFields {
	return netFields{d.Customer, &d.IPs, &d.Reason, &d.Newly, &d.Err, &d.Why}
}

// netDecision is *BlockDecision or *UnblockDecision.
type netDecision[D any] interface {
	*D
	netFields() netFields
}

// lookupIPs asks nb for the IPs of the customers with codes (nothing when
// there are none).
func lookupIPs(ctx context.Context, nb netbackend.Backend, codes []string) (netbackend.Lookup, error) {
	if len(codes) == 0 {
		return netbackend.Lookup{}, nil
	}
	look, err := nb.CustomerIPs(ctx, codes)
	if err != nil {
		return netbackend.Lookup{}, fmt.Errorf("dunning: look up IPs in %s backend: %w", nb.Name(), err)
	}
	return look, nil
}

// codesOf returns the backend keys of customers.
func codesOf(customers []abraflexi.Address) []string {
	codes := make([]string, len(customers))
	for i, c := range customers {
		codes[i] = backendKey(c)
	}
	return codes
}

// planIPs sets the decision's IPs from the lookup (keyed by customer code as
// the backend returned it) and its reason to none when there are none,
// else to some; it returns one copy of change per IP, for the customer.
// A customer named in a conflict of the lookup gets [ReasonIPConflict]
// with the conflicts as its why: the contested IPs are not in the lookup,
// so they are never changed, and the customer's other IPs are.
func planIPs[D any, P netDecision[D]](d P, look netbackend.Lookup, some, none Reason, change netbackend.Change) []netbackend.Change {
	f := d.netFields()
	*f.IPs = sortedIPs(look.IPs[backendKey(f.Customer)])
	conflicts := look.ConflictsOf(backendKey(f.Customer))
	switch {
	case len(conflicts) > 0:
		*f.Reason = ReasonIPConflict
		*f.Why = conflictWhy(conflicts)
	case len(*f.IPs) == 0:
		*f.Reason = none
		return nil
	default:
		*f.Reason = some
	}
	changes := make([]netbackend.Change, 0, len(*f.IPs))
	for _, ip := range *f.IPs {
		change.Customer, change.IP = backendKey(f.Customer), ip
		changes = append(changes, change)
	}
	return changes
}

// conflictWhy explains conflicts for a report.
func conflictWhy(cs []netbackend.Conflict) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = c.String()
	}
	return strings.Join(parts, "; ") + ": an address on the entries of several customers; neither entry is changed"
}

// conflictDecisions returns, for every customer named in a conflict of look
// who has no decision among decided (backend keys), one decision with
// [ReasonIPConflict], so both customers of a conflict are reported.
func conflictDecisions[D any, P netDecision[D]](look netbackend.Lookup, decided map[string]bool, mk func(abraflexi.Address) D) []D {
	var out []D
	for _, c := range look.Conflicts {
		for _, who := range c.Customers {
			if decided[who] {
				continue
			}
			decided[who] = true
			d := mk(abraflexi.Address{Code: who})
			f := P(&d).netFields()
			*f.Reason = ReasonIPConflict
			*f.Why = conflictWhy(look.ConflictsOf(who))
			out = append(out, d)
		}
	}
	return out
}

type customerIP struct {
	customer string
	ip       netip.Addr
}

func resultsByCustomerIP(results []netbackend.Result) map[customerIP]netbackend.Result {
	m := make(map[customerIP]netbackend.Result, len(results))
	for _, r := range results {
		m[customerIP{r.Change.Customer, r.Change.IP}] = r
	}
	return m
}

// resolve completes a copy of the decisions with the backend's results: a
// decision with reason ok (or [ReasonIPConflict], for its uncontested IPs)
// stays when every IP is Changed or Unchanged, and becomes failed ("<verb>
// failed: ...") when any IP failed, was not found or has no result. Newly
// lists the Changed IPs.
func resolve[D any, P netDecision[D]](decisions []D, results []netbackend.Result, ok []Reason, failed Reason, verb string) []D {
	byIP := resultsByCustomerIP(results)
	out := slices.Clone(decisions)
	for i := range out {
		f := P(&out[i]).netFields()
		if !slices.Contains(ok, *f.Reason) && *f.Reason != ReasonIPConflict {
			continue
		}
		var problems []string
		for _, ip := range *f.IPs {
			r, found := byIP[customerIP{backendKey(f.Customer), ip}]
			switch {
			case !found:
				problems = append(problems, fmt.Sprintf("%s: no result from the backend", ip))
			case r.Status == netbackend.Changed:
				*f.Newly = append(*f.Newly, ip)
			case r.Status == netbackend.Unchanged:
			case r.Status == netbackend.Failed:
				problems = append(problems, fmt.Sprintf("%s: %v", ip, r.Err))
			default:
				problems = append(problems, fmt.Sprintf("%s: %s", ip, r.Status))
			}
		}
		if len(problems) > 0 {
			*f.Reason = failed
			*f.Err = customerErr(f.Customer, "%s failed: %s", verb, strings.Join(problems, "; "))
		}
	}
	return out
}

// failPending turns the decisions still at a reason of ok (or at
// [ReasonIPConflict] with IPs to change) into reason failed with the
// per-customer error format, args: a step failed as a whole. When the step
// was applying the changes (applyFailed), nothing changed, so Newly is
// cleared.
func failPending[D any, P netDecision[D]](ds []D, ok []Reason, failed Reason, applyFailed bool, format string, args ...any) {
	for i := range ds {
		f := P(&ds[i]).netFields()
		if !slices.Contains(ok, *f.Reason) && (*f.Reason != ReasonIPConflict || len(*f.IPs) == 0) {
			continue
		}
		*f.Reason = failed
		if applyFailed {
			*f.Newly = nil
		}
		*f.Err = customerErr(f.Customer, format, args...)
	}
}
