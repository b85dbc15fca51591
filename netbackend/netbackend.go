package netbackend

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sort"
	"strings"
)

// Action says what a [Change] does to an IP address.
type Action string

const (
	// Block cuts the IP to speed 0 and remembers its previous speed.
	Block Action = "block"
	// Unblock restores the remembered speed (or the change's fallback speed).
	Unblock Action = "unblock"
)

// Valid reports whether a is one of the known actions.
func (a Action) Valid() bool { return a == Block || a == Unblock }

// Change asks a backend to block or unblock one IP address of one customer.
type Change struct {
	// Customer is the AbraFlexi customer code (adresar kod) owning the IP.
	Customer string
	// IP is the address to change.
	IP netip.Addr
	// Action is Block or Unblock.
	Action Action
	// FallbackSpeed is the speed an Unblock sets when the backend kept no
	// original speed for the IP. Zero leaves such an IP without a speed.
	FallbackSpeed int
	// BlockSpeed is the speed a Block sets: 0 (the default) cuts the IP off,
	// a positive value throttles it (BLOCK_SPEED). Either way the backend
	// keeps the original speed, and that kept original is what marks the
	// entry as blocked by these tools; an entry without a speed keeps the
	// original 0 ("none"), so it is marked too. An entry already at a speed
	// at or below BlockSpeed with a kept original, or at speed 0, is
	// Unchanged by a Block; one with a kept original above BlockSpeed is
	// lowered to it and keeps its original.
	//
	// An Unblock restores every entry held as blocked ([IsBlocked]: at
	// speed 0, or with a kept original at or above its speed) and leaves
	// any other entry alone, so a paying customer's speed is never
	// replaced.
	BlockSpeed int
	// Reason is a short human explanation (for commit messages and journals).
	Reason string
}

// String renders the change for logs and commit messages.
func (c Change) String() string {
	return fmt.Sprintf("%s %s (%s)", c.Action, c.IP, c.Customer)
}

// Status is the outcome of one [Change].
type Status string

const (
	// Changed means the backend state was (or, in a dry run, would be) changed.
	Changed Status = "changed"
	// Unchanged means the IP was already in the requested state.
	Unchanged Status = "unchanged"
	// NotFound means the backend does not know the IP.
	NotFound Status = "not_found"
	// Failed means the change could not be applied; Result.Err says why.
	Failed Status = "failed"
)

// Result is the outcome of one [Change].
type Result struct {
	// Change is the change this result is for.
	Change Change
	// Status is the outcome.
	Status Status
	// SpeedBefore and SpeedAfter are the IP's speed before and after the change
	// when the backend knows them (-1 when unknown or not set).
	SpeedBefore int
	SpeedAfter  int // see SpeedBefore
	// Err is set when Status is Failed.
	Err error
}

// ApplyOptions tune [Backend.Apply].
type ApplyOptions struct {
	// DryRun computes and reports the results without changing anything.
	DryRun bool
	// Note is added to the backend's change record (commit message, journal).
	Note string
}

// IPState is what a backend currently holds for one IP address.
type IPState struct {
	// IP is the address the state is for.
	IP netip.Addr
	// Found is false when the backend does not know the IP.
	Found bool
	// Blocked is true when the IP is at speed 0.
	Blocked bool
	// Speed is the current speed, -1 when none is set.
	Speed int
	// OriginalSpeed is the speed remembered by a block, -1 when none (0
	// when the entry had no speed before the block).
	OriginalSpeed int
}

// BlockedAt reports whether the state is that of an entry a Block with
// blockSpeed left as planned: held as blocked ([IsBlocked]) at a speed at or
// below blockSpeed.
func (s IPState) BlockedAt(blockSpeed int) bool {
	return s.Found && IsBlocked(s.Speed, s.OriginalSpeed) && s.Speed >= 0 && s.Speed <= blockSpeed
}

// IsBlocked reports whether an entry at speed with the kept original orig
// (both -1 when not set) is held as blocked: at speed 0 (by these tools or
// by hand), or carrying a kept original at or above its speed (blocked or
// throttled with BLOCK_SPEED by these tools). An entry whose kept original
// is below its speed is not: its speed was raised since (by hand or by
// another tool), and restoring the original would lower it. So restoring
// an entry held as blocked never lowers its speed. The rule is the same
// for every backend, so blocking, unblocking, verification and
// self-healing agree for any BLOCK_SPEED.
func IsBlocked(speed, orig int) bool {
	return speed == 0 || (orig >= 0 && speed >= 0 && speed <= orig)
}

// ErrConflict is wrapped by the error of a Failed [Result] whose IP is
// also held by an entry of another customer: the change was refused, so
// no run changes an entry that may belong to someone else.
var ErrConflict = errors.New("netbackend: IP held by entries of several customers")

// Targeter is implemented by backends that can name what they change (the
// Subversion URL and path of the hosts file, the hosts file's path, the
// NetBox URL); [LockKey] uses it. Target never contains a secret.
type Targeter interface {
	// Target names the data the backend changes.
	Target() string
}

// LockKey is the run-lock key of a backend: "netbackend <name> <target>",
// the same for every run (blocknet, unblocknet, library runs) against one
// backend target, so they never interleave (see package runlock). A
// backend that is not a [Targeter] is keyed by its name alone, which
// serialises all runs against backends of that kind.
func LockKey(b Backend) string {
	key := "netbackend " + b.Name()
	if t, ok := b.(Targeter); ok {
		if target := t.Target(); target != "" {
			key += " " + target
		}
	}
	return key
}

// Backend is a network backend that can find customers' IPs and block or
// unblock them. All calls are batch-oriented: a run resolves all customers in
// one call and applies all changes in one call, so a backend can turn a run
// into one commit or a few bulk requests.
type Backend interface {
	// Name identifies the backend in reports ("svn", "file", "netbox", ...).
	Name() string
	// CustomerIPs looks up the IPs of each customer code, exact matches only
	// (the {code:X} token of a hosts line, the tenant as stored in NetBox).
	// Customers with no IP are absent from Lookup.IPs (or map to an empty
	// slice). An IP claimed by entries of more than one customer, or a
	// customer code that matches several owners, is a conflict: it is left
	// out of Lookup.IPs and reported in Lookup.Conflicts, so no run changes
	// an entry that may belong to someone else.
	CustomerIPs(ctx context.Context, customers []string) (Lookup, error)
	// Apply performs the changes and returns one Result per change, in order.
	// An error is returned only when the batch as a whole failed; per-IP
	// failures are reported in the results. Under opts.DryRun nothing changes.
	Apply(ctx context.Context, changes []Change, opts ApplyOptions) ([]Result, error)
	// State reads the current state of the given IPs, for verification.
	State(ctx context.Context, ips []netip.Addr) (map[netip.Addr]IPState, error)
	// Blocked lists what the backend holds as blocked ([IsBlocked]), in one
	// pass over its data: every entry that carries a kept original speed at
	// or above its current speed (blocked or throttled by these tools), and
	// every entry at speed 0 without one (blocked by hand; OriginalSpeed is
	// -1). Unblocking runs use it to converge on the truth instead of on the
	// AbraFlexi label. An entry naming several customers is listed once per
	// customer. Sorted by customer, then IP.
	Blocked(ctx context.Context) ([]BlockedEntry, error)
}

// Lookup is the answer of [Backend.CustomerIPs].
type Lookup struct {
	// IPs maps a customer code (as asked) to its unambiguous IPs.
	IPs map[string][]netip.Addr
	// Conflicts are the ambiguities found for the asked customers; each
	// customer named in one must not be changed on that IP.
	Conflicts []Conflict
	// Warnings are problems the backend found in its data while looking
	// up (for the hosts file, the findings of its sanity check), for the
	// report; they do not stop a run.
	Warnings []string
}

// Conflict is an ambiguity between customers in a backend: one IP on the
// entries of several customers, or one customer code matching several
// owners (NetBox tenants).
type Conflict struct {
	// IP is the contested address; the zero Addr when the conflict is about
	// the owner rather than one address.
	IP netip.Addr
	// Customers are the customer codes involved, sorted.
	Customers []string
	// Where locates every entry involved ("hosts line 3", "hosts line 9",
	// "netbox tenant 12").
	Where []string
}

// String renders the conflict for reports: "10.0.0.5 claimed by A, B
// (hosts line 3, hosts line 9)".
func (c Conflict) String() string {
	what := "owner"
	if c.IP.IsValid() {
		what = c.IP.String()
	}
	return fmt.Sprintf("%s claimed by %s (%s)", what, strings.Join(c.Customers, ", "), strings.Join(c.Where, ", "))
}

// ConflictsOf returns the conflicts that involve customer.
func (l Lookup) ConflictsOf(customer string) []Conflict {
	var out []Conflict
	for _, c := range l.Conflicts {
		for _, who := range c.Customers {
			if who == customer {
				out = append(out, c)
				break
			}
		}
	}
	return out
}

// BlockedEntry is one entry a backend holds as blocked (see
// [Backend.Blocked]).
type BlockedEntry struct {
	// Customer is the customer code the entry belongs to ({code:X} in the
	// hosts file, the tenant in NetBox); empty when the entry names none.
	Customer string
	// IP is the blocked address.
	IP netip.Addr
	// Speed is the current speed, -1 when none is set.
	Speed int
	// OriginalSpeed is the kept original speed, -1 when the entry carries
	// none (it was blocked by hand); 0 when the entry had no speed before
	// it was blocked.
	OriginalSpeed int
	// Where locates the entry for an operator: "hosts line 12",
	// "netbox ip-address 42".
	Where string
}

// KeptOriginal reports whether the entry carries a kept original speed,
// that is, whether it was blocked by these tools and can be unblocked
// safely. Entries blocked by hand are left alone and reported as warnings.
func (e BlockedEntry) KeptOriginal() bool { return e.OriginalSpeed >= 0 }

// String renders the entry for reports: "10.0.0.5 of ALICE (hosts line 3)
// at speed 0, original 512".
func (e BlockedEntry) String() string {
	who := e.Customer
	if who == "" {
		who = "no customer"
	}
	orig := "no kept original"
	if e.OriginalSpeed >= 0 {
		orig = fmt.Sprintf("original %d", e.OriginalSpeed)
	}
	return fmt.Sprintf("%s of %s (%s) at speed %d, %s", e.IP, who, e.Where, e.Speed, orig)
}

//go:generate go tool mockgen -destination=netbackendmock/mock_backend.go -package=netbackendmock -typed . Backend

// Validate checks that every change has a customer, a valid IP and a known action.
func Validate(changes []Change) error {
	for i, c := range changes {
		switch {
		case !c.Action.Valid():
			return fmt.Errorf("netbackend: change %d: unknown action %q", i, c.Action)
		case !c.IP.IsValid():
			return fmt.Errorf("netbackend: change %d (%s): invalid IP", i, c.Customer)
		case c.FallbackSpeed < 0:
			return fmt.Errorf("netbackend: change %d (%s): negative fallback speed %d", i, c.IP, c.FallbackSpeed)
		case c.BlockSpeed < 0:
			return fmt.Errorf("netbackend: change %d (%s): negative block speed %d", i, c.IP, c.BlockSpeed)
		}
	}
	return nil
}

// Summary counts results by status.
type Summary map[Status]int

// Summarize counts the results by status.
func Summarize(results []Result) Summary {
	s := Summary{}
	for _, r := range results {
		s[r.Status]++
	}
	return s
}

// CommitMessage renders a one-commit description of the changed results: a
// summary line and one line per changed IP naming the customer.
func CommitMessage(app string, results []Result, note string) string {
	var b strings.Builder
	var changed []Result
	for _, r := range results {
		if r.Status == Changed {
			changed = append(changed, r)
		}
	}
	sort.SliceStable(changed, func(i, j int) bool { return changed[i].Change.Customer < changed[j].Change.Customer })
	blocks, unblocks := 0, 0
	for _, r := range changed {
		if r.Change.Action == Block {
			blocks++
		} else {
			unblocks++
		}
	}
	fmt.Fprintf(&b, "%s: %d blocked, %d unblocked", app, blocks, unblocks)
	if note != "" {
		fmt.Fprintf(&b, " (%s)", note)
	}
	b.WriteString("\n\n")
	for _, r := range changed {
		fmt.Fprintf(&b, "%s %s %s", r.Change.Action, r.Change.Customer, r.Change.IP)
		if r.Change.Action == Unblock && r.SpeedAfter >= 0 {
			fmt.Fprintf(&b, " speed=%d", r.SpeedAfter)
		}
		b.WriteByte('\n')
	}
	return b.String()
}
