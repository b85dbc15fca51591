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
}

func (d *BlockDecision) netFields() netFields {
	return netFields{d.Customer, &d.IPs, &d.Reason, &d.Newly, &d.Err}
}

func (d *UnblockDecision) netFields() netFields {
	return netFields{d.Customer, &d.IPs, &d.Reason, &d.Newly, &d.Err}
}

// netDecision is *BlockDecision or *UnblockDecision.
type netDecision[D any] interface {
	*D
	netFields() netFields
}

// lookupIPs asks nb for the IPs of the candidates (nothing when there are
// none), keyed by customer code as the backend returned it.
func lookupIPs(ctx context.Context, nb netbackend.Backend, candidates []abraflexi.Address) (map[string][]netip.Addr, error) {
	if len(candidates) == 0 {
		return nil, nil
	}
	codes := make([]string, len(candidates))
	for i, c := range candidates {
		codes[i] = backendKey(c)
	}
	ips, err := nb.CustomerIPs(ctx, codes)
	if err != nil {
		return nil, fmt.Errorf("dunning: look up IPs in %s backend: %w", nb.Name(), err)
	}
	return ips, nil
}

// planIPs sets the decision's IPs from ips (keyed by customer code as the
// backend returned it) and its reason to none when there are none, else to
// some; it returns one copy of change per IP, for the customer.
func planIPs[D any, P netDecision[D]](d P, ips map[string][]netip.Addr, some, none Reason, change netbackend.Change) []netbackend.Change {
	f := d.netFields()
	*f.IPs = sortedIPs(ips[backendKey(f.Customer)])
	if len(*f.IPs) == 0 {
		*f.Reason = none
		return nil
	}
	*f.Reason = some
	changes := make([]netbackend.Change, 0, len(*f.IPs))
	for _, ip := range *f.IPs {
		change.Customer, change.IP = backendKey(f.Customer), ip
		changes = append(changes, change)
	}
	return changes
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
// decision stays ok when every IP is Changed or Unchanged, and becomes
// failed ("<verb> failed: ...") when any IP failed, was not found or has no
// result. Newly lists the Changed IPs.
func resolve[D any, P netDecision[D]](decisions []D, results []netbackend.Result, ok, failed Reason, verb string) []D {
	byIP := resultsByCustomerIP(results)
	out := slices.Clone(decisions)
	for i := range out {
		f := P(&out[i]).netFields()
		if *f.Reason != ok {
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

// failPending turns the decisions still at reason ok into reason failed
// with the per-customer error format, args: a step failed as a whole. When
// the step was applying the changes (applyFailed), nothing changed, so
// Newly is cleared.
func failPending[D any, P netDecision[D]](ds []D, ok, failed Reason, applyFailed bool, format string, args ...any) {
	for i := range ds {
		f := P(&ds[i]).netFields()
		if *f.Reason != ok {
			continue
		}
		*f.Reason = failed
		if applyFailed {
			*f.Newly = nil
		}
		*f.Err = customerErr(f.Customer, format, args...)
	}
}
