package dunning

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // Europe/Prague without the host's zoneinfo

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/netbackend"
	"github.com/spoje-net/isptools/netbackend/runlock"
)

// Options are the per-run settings of [Mark], [Block] and [Unblock].
type Options struct {
	// Today is the day the run decides for; required. Pass the calendar
	// date in Prague, [TodayInPrague]() (AbraFlexi's dates and the Czech
	// holidays are Prague days; time.Now() in UTC is yesterday between
	// midnight and 1 or 2 a.m.).
	Today abraflexi.Date
	// DryRun computes and reports the plan but writes nothing to AbraFlexi
	// or the network backend (the backend is asked with
	// netbackend.ApplyOptions.DryRun to report would-be changes).
	DryRun bool
	// Note is added to the backend's change record (the commit message).
	Note string
	// Logger receives progress at debug level and problems at warn level;
	// nil discards.
	Logger *slog.Logger
	// Lock is the run lock [Block] and [Unblock] hold for the whole run
	// (read AbraFlexi, decide, apply, verify, write labels), so two runs
	// against one backend never interleave: blocknet and unblocknet are
	// started by the same AbraFlexi change and do start together. Empty
	// Path and Key mean the default lock of the backend,
	// runlock.DefaultPath(netbackend.LockKey(nb)), the same for every run
	// against that backend target on this machine; a zero Timeout waits
	// runlock.DefaultTimeout. A lock held longer fails the run with a
	// *runlock.HeldError naming the lock file and the holder's pid. The
	// apps read it with runlock.ConfigFromEnv (RUN_LOCK_FILE,
	// RUN_LOCK_TIMEOUT). Runs on several machines are not serialised by
	// it; they rely on the self-healing of [Unblock].
	Lock runlock.Config
	// NoLock runs without the run lock, for callers that serialise their
	// runs themselves.
	NoLock bool
	// Now is the instant the stale-bank-data guard ([Policy].MaxBankDataAge)
	// decides at; the end of a movement's day is taken in Now's location,
	// so pass [NowInPrague](). Zero means NowInPrague() when the guard
	// needs it.
	Now time.Time
	// Notifier, when set, sends the connection notices: [Block] tells the
	// customers it holds blocked (NOTIFY_DISCONNECTED), [Unblock] those it
	// restored (NOTIFY_RECONNECTED); see [Notifier]. nil sends nothing,
	// the PHP behaviour.
	Notifier Notifier
}

// now returns Options.Now, or the current instant in Prague.
func (o Options) now() time.Time {
	if o.Now.IsZero() {
		return NowInPrague()
	}
	return o.Now
}

// lock takes the run lock of a network run against nb and returns its
// release.
func (o Options) lock(ctx context.Context, nb netbackend.Backend) (func(), error) {
	if o.NoLock {
		return func() {}, nil
	}
	cfg := o.Lock
	if cfg.Path == "" && cfg.Key == "" {
		cfg.Key = netbackend.LockKey(nb)
	}
	l, err := runlock.Acquire(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("dunning: run lock of the %s backend: %w", nb.Name(), err)
	}
	o.logger().Debug("run lock taken", "lock", l.Path())
	return func() { _ = l.Release() }, nil
}

// TodayInPrague returns the current calendar date in Prague, where
// AbraFlexi's dates and the Czech holidays are, whatever the host's time
// zone: the value for [Options].Today.
func TodayInPrague() abraflexi.Date { return DateInPrague(time.Now()) }

// DateInPrague returns the calendar date in Prague at t.
func DateInPrague(t time.Time) abraflexi.Date { return abraflexi.DateOf(InPrague(t)) }

// NowInPrague returns the current instant in Europe/Prague: the value for
// [Options].Now.
func NowInPrague() time.Time { return InPrague(time.Now()) }

// InPrague returns t in Europe/Prague (the zone data is embedded, so this
// works on hosts without zoneinfo).
func InPrague(t time.Time) time.Time {
	if loc, err := time.LoadLocation("Europe/Prague"); err == nil {
		return t.In(loc)
	}
	return t
}

func (o Options) check() error {
	if o.Today.IsZero() {
		return errors.New("dunning: Options.Today is not set")
	}
	return nil
}

func (o Options) logger() *slog.Logger {
	if o.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return o.Logger
}

// customerID is the identifier used to write to a customer: its numeric id
// when known, else its code.
func customerID(c abraflexi.Address) abraflexi.ID {
	if !c.ID.IsZero() {
		return c.ID
	}
	return abraflexi.CodeID(c.Code)
}

// backendKey is the customer code as given to and returned by the network
// backend: the AbraFlexi code, trimmed.
func backendKey(c abraflexi.Address) string { return strings.TrimSpace(c.Code) }

// withLabel keeps the customers carrying label, in code order, dropping
// duplicates. It guards the runs against a server that ignored the label
// filter.
func withLabel(customers []abraflexi.Address, label string) []abraflexi.Address {
	out := make([]abraflexi.Address, 0, len(customers))
	seen := map[string]bool{}
	for _, c := range customers {
		code := customerCode(c)
		if code == "" || seen[code] || !c.Labels.Has(label) {
			continue
		}
		seen[code] = true
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b abraflexi.Address) int { return strings.Compare(customerCode(a), customerCode(b)) })
	return out
}

// sortedIPs returns ips sorted and without duplicates.
func sortedIPs(ips []netip.Addr) []netip.Addr {
	out := slices.Clone(ips)
	slices.SortFunc(out, func(a, b netip.Addr) int { return a.Compare(b) })
	return slices.Compact(out)
}

// Counts tallies decisions by reason.
type Counts map[Reason]int

// Total returns the number of decisions counted.
func (c Counts) Total() int {
	n := 0
	for _, v := range c {
		n += v
	}
	return n
}

// errorf builds a per-customer error.
func customerErr(c abraflexi.Address, format string, args ...any) error {
	return fmt.Errorf("customer %s: %s", backendKey(c), fmt.Sprintf(format, args...))
}

// start checks a run's options and policy and reads the customers carrying
// the label that label picks from the normalized policy. It returns the
// normalized policy.
func start(ctx context.Context, src Source, p Policy, opts Options, label func(Labels) string) (Policy, []abraflexi.Address, error) {
	if err := opts.check(); err != nil {
		return p, nil, err
	}
	if err := p.Validate(); err != nil {
		return p, nil, err
	}
	p = p.normalized()
	customers, err := src.CustomersWithLabel(ctx, label(p.Labels))
	return p, customers, err
}

// outcome is what every decision type ([MarkDecision], [BlockDecision],
// [UnblockDecision]) has: a reason and, for failures, an error.
type outcome interface {
	outcome() (Reason, error)
}

func (d MarkDecision) outcome() (Reason, error)    { return d.Reason, d.Err }
func (d BlockDecision) outcome() (Reason, error)   { return d.Reason, d.Err }
func (d UnblockDecision) outcome() (Reason, error) { return d.Reason, d.Err }

// countReasons tallies decisions by reason.
func countReasons[D outcome](ds []D) Counts {
	c := Counts{}
	for _, d := range ds {
		r, _ := d.outcome()
		c[r]++
	}
	return c
}

// joinErrs joins errs (nil ones dropped) and the decisions' errors, or
// returns nil.
func joinErrs[D outcome](ds []D, errs ...error) error {
	for _, d := range ds {
		if _, err := d.outcome(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
