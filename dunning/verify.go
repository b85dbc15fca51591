package dunning

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/spoje-net/isptools/netbackend"
)

// Mismatch is an IP whose backend state, re-read after a run applied its
// changes, is not what the run planned.
type Mismatch struct {
	// Customer is the customer code of the change.
	Customer string
	// IP is the changed address.
	IP netip.Addr
	// Action is what the run did to the IP.
	Action netbackend.Action
	// State is what the backend holds now.
	State netbackend.IPState
	// Problem describes the difference.
	Problem string
}

// String renders the mismatch for reports.
func (m Mismatch) String() string {
	return fmt.Sprintf("%s %s (%s): %s", m.Action, m.IP, m.Customer, m.Problem)
}

// changedIPs returns the IPs of the Changed results.
func changedIPs(results []netbackend.Result) []netip.Addr {
	var ips []netip.Addr
	for _, r := range results {
		if r.Status == netbackend.Changed {
			ips = append(ips, r.Change.IP)
		}
	}
	return sortedIPs(ips)
}

// Verify compares the state the backend holds for every Changed result with
// the change: a blocked IP must be found and held as blocked at the
// change's BlockSpeed or below ([netbackend.IPState.BlockedAt]), an
// unblocked IP must be found and no longer held as blocked
// ([netbackend.IsBlocked]; unless the backend itself reported speed 0) and
// carry the speed the result reported, when it reported one. It returns
// one [Mismatch] per IP that differs.
func Verify(results []netbackend.Result, states map[netip.Addr]netbackend.IPState) []Mismatch {
	var out []Mismatch
	for _, r := range results {
		if r.Status != netbackend.Changed {
			continue
		}
		st, ok := states[r.Change.IP]
		m := Mismatch{Customer: r.Change.Customer, IP: r.Change.IP, Action: r.Change.Action, State: st}
		switch {
		case !ok || !st.Found:
			m.Problem = "not found when verified"
		case r.Change.Action == netbackend.Block && !st.BlockedAt(r.Change.BlockSpeed):
			m.Problem = fmt.Sprintf("not blocked (speed %d)", st.Speed)
		case r.Change.Action == netbackend.Unblock && netbackend.IsBlocked(st.Speed, st.OriginalSpeed) && r.SpeedAfter != 0:
			m.Problem = "still blocked"
		case r.Change.Action == netbackend.Unblock && r.SpeedAfter > 0 && st.Speed != r.SpeedAfter:
			m.Problem = fmt.Sprintf("speed %d, want %d", st.Speed, r.SpeedAfter)
		default:
			continue
		}
		out = append(out, m)
	}
	return out
}

// verify re-reads the changed IPs of results from nb and compares them.
func verify(ctx context.Context, nb netbackend.Backend, results []netbackend.Result) ([]Mismatch, error) {
	ips := changedIPs(results)
	if len(ips) == 0 {
		return nil, nil
	}
	states, err := nb.State(ctx, ips)
	if err != nil {
		return nil, fmt.Errorf("dunning: verify %s backend state: %w", nb.Name(), err)
	}
	return Verify(results, states), nil
}

// verifyDecisions re-reads the changed IPs of results from nb ([Verify])
// and turns the decisions of customers with a mismatch into errors with
// reason failed.
func verifyDecisions[D any, P netDecision[D]](ctx context.Context, nb netbackend.Backend, ds []D, results []netbackend.Result, failed Reason) ([]Mismatch, error) {
	ms, err := verify(ctx, nb, results)
	if err != nil || len(ms) == 0 {
		return ms, err
	}
	by := map[string][]string{}
	for _, m := range ms {
		by[m.Customer] = append(by[m.Customer], m.String())
	}
	for i := range ds {
		f := P(&ds[i]).netFields()
		if p, ok := by[backendKey(f.Customer)]; ok {
			*f.Reason = failed
			*f.Err = errors.Join(*f.Err, customerErr(f.Customer, "verification failed: %s", strings.Join(p, "; ")))
		}
	}
	return ms, nil
}
