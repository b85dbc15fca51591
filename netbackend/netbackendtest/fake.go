package netbackendtest

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"

	"github.com/spoje-net/isptools/netbackend"
)

// Host is one IP address held by a [Backend].
type Host struct {
	Customer      string     // customer code owning the IP
	IP            netip.Addr // the address
	Speed         int        // -1 when not set
	OriginalSpeed int        // -1 when not kept
}

// Call records one call made to a [Backend].
type Call struct {
	Method  string              // "CustomerIPs", "Blocked", "Apply" or "State"
	Changes []netbackend.Change // the changes of an Apply call
	DryRun  bool                // whether an Apply call was a dry run
}

// Backend is an in-memory network backend. The zero value is not usable; use [New].
type Backend struct {
	mu    sync.Mutex
	hosts []*Host
	calls []Call
	// FailIPs makes Apply report Failed for these IPs.
	failIPs map[netip.Addr]error
	// applyErr makes the next Apply fail as a whole.
	applyErr error
}

// New returns a backend holding the given hosts.
func New(hosts ...Host) *Backend {
	b := &Backend{failIPs: map[netip.Addr]error{}}
	for _, h := range hosts {
		h := h
		b.hosts = append(b.hosts, &h)
	}
	return b
}

// Add adds a host with the given speed (and no kept original speed).
func (b *Backend) Add(customer string, ip string, speed int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.hosts = append(b.hosts, &Host{Customer: customer, IP: netip.MustParseAddr(ip), Speed: speed, OriginalSpeed: -1})
}

// FailIP makes every later change of ip fail with err.
func (b *Backend) FailIP(ip netip.Addr, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.failIPs[ip] = err
}

// FailNextApply makes the next Apply call fail as a whole with err.
func (b *Backend) FailNextApply(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.applyErr = err
}

// Calls returns the calls made so far.
func (b *Backend) Calls() []Call {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.calls)
}

// Host returns a copy of the host holding ip.
func (b *Backend) Host(ip netip.Addr) (Host, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if h := b.find(ip); h != nil {
		return *h, true
	}
	return Host{}, false
}

// Name implements [netbackend.Backend].
func (b *Backend) Name() string { return "memory" }

func (b *Backend) find(ip netip.Addr) *Host {
	for _, h := range b.hosts {
		if h.IP == ip {
			return h
		}
	}
	return nil
}

// where locates host i for reports.
func where(i int) string { return fmt.Sprintf("memory host %d", i+1) }

// CustomerIPs implements [netbackend.Backend]: an IP held by hosts of
// several customers is a conflict, reported and left out of Lookup.IPs.
func (b *Backend) CustomerIPs(ctx context.Context, customers []string) (netbackend.Lookup, error) {
	if err := ctx.Err(); err != nil {
		return netbackend.Lookup{}, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.calls = append(b.calls, Call{Method: "CustomerIPs"})
	out := netbackend.Lookup{IPs: map[string][]netip.Addr{}}
	reported := map[netip.Addr]bool{}
	for _, c := range customers {
		for _, h := range b.hosts {
			if h.Customer != c || slices.Contains(out.IPs[c], h.IP) || reported[h.IP] {
				continue
			}
			var owners, at []string
			for i, o := range b.hosts {
				if o.IP == h.IP {
					at = append(at, where(i))
					if !slices.Contains(owners, o.Customer) {
						owners = append(owners, o.Customer)
					}
				}
			}
			if len(owners) > 1 {
				slices.Sort(owners)
				reported[h.IP] = true
				out.Conflicts = append(out.Conflicts, netbackend.Conflict{IP: h.IP, Customers: owners, Where: at})
				continue
			}
			out.IPs[c] = append(out.IPs[c], h.IP)
		}
	}
	return out, nil
}

// Blocked implements [netbackend.Backend].
func (b *Backend) Blocked(ctx context.Context) ([]netbackend.BlockedEntry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.calls = append(b.calls, Call{Method: "Blocked"})
	var out []netbackend.BlockedEntry
	for i, h := range b.hosts {
		if netbackend.IsBlocked(h.Speed, h.OriginalSpeed) {
			out = append(out, netbackend.BlockedEntry{Customer: h.Customer, IP: h.IP, Speed: h.Speed, OriginalSpeed: h.OriginalSpeed, Where: where(i)})
		}
	}
	slices.SortStableFunc(out, func(x, y netbackend.BlockedEntry) int {
		if c := strings.Compare(x.Customer, y.Customer); c != 0 {
			return c
		}
		return x.IP.Compare(y.IP)
	})
	return out, nil
}

// Apply implements [netbackend.Backend]. A change touches only the hosts of
// its customer; an IP also held by another customer's host is refused
// (Failed, wrapping [netbackend.ErrConflict]).
func (b *Backend) Apply(ctx context.Context, changes []netbackend.Change, opts netbackend.ApplyOptions) ([]netbackend.Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := netbackend.Validate(changes); err != nil {
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.calls = append(b.calls, Call{Method: "Apply", Changes: slices.Clone(changes), DryRun: opts.DryRun})
	if err := b.applyErr; err != nil {
		b.applyErr = nil
		return nil, err
	}
	results := make([]netbackend.Result, 0, len(changes))
	// A dry run works on copies, so later changes of one batch see earlier
	// ones exactly as in a real run.
	shadow := map[*Host]*Host{}
	for _, c := range changes {
		r := netbackend.Result{Change: c, SpeedBefore: -1, SpeedAfter: -1}
		var mine []*Host
		var foreign []string
		for _, h := range b.hosts {
			if h.IP != c.IP {
				continue
			}
			if h.Customer != c.Customer {
				foreign = append(foreign, h.Customer)
				continue
			}
			if opts.DryRun {
				if shadow[h] == nil {
					cp := *h
					shadow[h] = &cp
				}
				h = shadow[h]
			}
			mine = append(mine, h)
		}
		switch {
		case len(foreign) > 0:
			r.Status = netbackend.Failed
			r.Err = fmt.Errorf("netbackendtest: %s is also held by %s: %w", c.IP, strings.Join(foreign, ", "), netbackend.ErrConflict)
		case len(mine) == 0:
			r.Status = netbackend.NotFound
		case b.failIPs[c.IP] != nil:
			r.Status, r.Err = netbackend.Failed, b.failIPs[c.IP]
		default:
			r.Status = netbackend.Unchanged
			r.SpeedBefore = mine[0].Speed
			for _, h := range mine {
				if change(h, c) {
					r.Status = netbackend.Changed
				}
			}
			r.SpeedAfter = mine[0].Speed
		}
		results = append(results, r)
	}
	return results, nil
}

// change applies c to h and reports whether h changed, with the rules every
// backend follows (see [netbackend.Change]).
func change(h *Host, c netbackend.Change) bool {
	if c.Action == netbackend.Block {
		switch {
		case netbackend.IsBlocked(h.Speed, h.OriginalSpeed) && h.Speed >= 0 && h.Speed <= c.BlockSpeed:
			return false
		case h.OriginalSpeed >= 0: // kept original above BlockSpeed: lower it
			h.Speed = c.BlockSpeed
		default:
			h.OriginalSpeed = max(h.Speed, 0) // no speed: original 0 ("none")
			if h.Speed < 0 || h.Speed > c.BlockSpeed {
				h.Speed = c.BlockSpeed
			}
		}
		return true
	}
	if !netbackend.IsBlocked(h.Speed, h.OriginalSpeed) {
		return false
	}
	h.Speed = c.FallbackSpeed
	if h.OriginalSpeed > 0 {
		h.Speed = h.OriginalSpeed
	}
	if h.Speed <= 0 {
		// like the other backends: no speed rather than speed 0
		h.Speed = -1
	}
	h.OriginalSpeed = -1
	return true
}

// State implements [netbackend.Backend].
func (b *Backend) State(ctx context.Context, ips []netip.Addr) (map[netip.Addr]netbackend.IPState, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.calls = append(b.calls, Call{Method: "State"})
	out := make(map[netip.Addr]netbackend.IPState, len(ips))
	for _, ip := range ips {
		st := netbackend.IPState{IP: ip, Speed: -1, OriginalSpeed: -1}
		if h := b.find(ip); h != nil {
			st.Found, st.Speed, st.OriginalSpeed, st.Blocked = true, h.Speed, h.OriginalSpeed, h.Speed == 0
		}
		out[ip] = st
	}
	return out, nil
}

// ErrInjected is a convenience error for fault injection in tests.
var ErrInjected = errors.New("netbackendtest: injected failure")

var _ netbackend.Backend = (*Backend)(nil)
