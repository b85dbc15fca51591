package netbackendtest

import (
	"context"
	"errors"
	"net/netip"
	"slices"
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
	Method  string              // "CustomerIPs", "Apply" or "State"
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

// CustomerIPs implements [netbackend.Backend].
func (b *Backend) CustomerIPs(ctx context.Context, customers []string) (map[string][]netip.Addr, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.calls = append(b.calls, Call{Method: "CustomerIPs"})
	out := map[string][]netip.Addr{}
	for _, c := range customers {
		for _, h := range b.hosts {
			if h.Customer == c && !slices.Contains(out[c], h.IP) {
				out[c] = append(out[c], h.IP)
			}
		}
	}
	return out, nil
}

// Apply implements [netbackend.Backend].
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
	shadow := map[netip.Addr]*Host{}
	for _, c := range changes {
		r := netbackend.Result{Change: c, SpeedBefore: -1, SpeedAfter: -1}
		h := b.find(c.IP)
		if h != nil && opts.DryRun {
			if shadow[c.IP] == nil {
				cp := *h
				shadow[c.IP] = &cp
			}
			h = shadow[c.IP]
		}
		switch {
		case h == nil:
			r.Status = netbackend.NotFound
		case b.failIPs[c.IP] != nil:
			r.Status, r.Err = netbackend.Failed, b.failIPs[c.IP]
		default:
			r.SpeedBefore = h.Speed
			next := *h
			if c.Action == netbackend.Block {
				if h.Speed == 0 {
					r.Status = netbackend.Unchanged
				} else {
					// a host without a speed keeps no original (-1)
					next.OriginalSpeed, next.Speed = h.Speed, 0
					r.Status = netbackend.Changed
				}
			} else {
				if h.Speed != 0 {
					r.Status = netbackend.Unchanged
				} else {
					next.Speed = c.FallbackSpeed
					if h.OriginalSpeed > 0 {
						next.Speed = h.OriginalSpeed
					}
					if next.Speed <= 0 {
						// like the other backends: no speed rather than speed 0
						next.Speed = -1
					}
					next.OriginalSpeed = -1
					r.Status = netbackend.Changed
				}
			}
			r.SpeedAfter = next.Speed
			if r.Status == netbackend.Unchanged {
				r.SpeedAfter = h.Speed
			}
			*h = next
		}
		results = append(results, r)
	}
	return results, nil
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
