package dunning_test

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/dunning"
	"github.com/spoje-net/isptools/netbackend"
	"github.com/spoje-net/isptools/netbackend/netbackendtest"
	"github.com/spoje-net/isptools/netbackend/runlock"
)

func host(customer, ip string, speed, orig int) netbackendtest.Host {
	return netbackendtest.Host{Customer: customer, IP: netip.MustParseAddr(ip), Speed: speed, OriginalSpeed: orig}
}

func speedOf(t *testing.T, nb *netbackendtest.Backend, ip string) int {
	t.Helper()
	h, ok := nb.Host(netip.MustParseAddr(ip))
	if !ok {
		t.Fatalf("no host %s", ip)
	}
	return h.Speed
}

// lockIn returns options whose run lock is a file of the test.
func lockIn(t *testing.T, opts dunning.Options) dunning.Options {
	opts.Lock = runlock.Config{Path: filepath.Join(t.TempDir(), "run.lock")}
	return opts
}

func unblockDecisions(res *dunning.UnblockResult) map[string]dunning.UnblockDecision {
	out := map[string]dunning.UnblockDecision{}
	for _, d := range res.Decisions {
		out[d.Customer.Code] = d
	}
	return out
}

// selfHealWorld is AbraFlexi and a backend in the state a race or another
// tool leaves behind: entries blocked by these tools whose customers do
// not (or no longer) carry ODPOJENO.
func selfHealWorld(t *testing.T) (*world, *netbackendtest.Backend, map[string]abraflexi.ID) {
	w := newWorld(t, wednesday)
	ids := map[string]abraflexi.ID{}
	add := func(code, amount string, labels ...string) {
		ids[code], _ = w.customer(code, "INTERNET", amount, labels...)
	}
	add("PAID", "", "ODPOJENO", "NEPLATIC")  // labelled, paid: unblocked, label removed
	add("OWES", "500", "ODPOJENO")           // labelled, owes: stays blocked
	add("ORPHANOWES", "500")                 // label removed by another tool: unblocked
	add("ORPHANPAID", "")                    // a race left it blocked: unblocked
	add("VIPOWES", "500", "ODPOJENO", "VIP") // exempt: unblocked, label kept
	add("KEEP", "500", "NEODPOJOVAT")        // exempt and no label
	add("HAND", "500")                       // blocked by hand: left alone
	nb := netbackendtest.New(
		host("PAID", "10.0.0.1", 0, 100),
		host("OWES", "10.0.0.2", 0, 200),
		host("ORPHANOWES", "10.0.0.3", 0, 300),
		host("ORPHANPAID", "10.0.0.4", 0, 0), // had no speed before
		host("VIPOWES", "10.0.0.5", 0, 500),
		host("KEEP", "10.0.0.6", 64, 600), // throttled
		host("GHOST", "10.0.0.7", 0, 700), // no such customer in AbraFlexi
		host("HAND", "10.0.0.8", 0, -1),
		host("", "10.0.0.9", 0, 900),
		host("ORPHANPAID", "10.0.0.10", 1000, -1), // not blocked
	)
	return w, nb, ids
}

func TestUnblockSelfHeals(t *testing.T) {
	ctx := context.Background()
	w, nb, ids := selfHealWorld(t)
	p := dunning.DefaultPolicy()
	p.DefaultSpeed = 7

	// The dry run shows every decision and changes nothing.
	w.srv.ResetRequests()
	dry, err := dunning.Unblock(ctx, w.af, w.af, nb, p, lockIn(t, dunning.Options{Today: wednesday, DryRun: true}))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range w.srv.Requests() {
		if r.Method != "GET" {
			t.Errorf("dry run wrote %s %s", r.Method, r.Path)
		}
	}
	if got := speedOf(t, nb, "10.0.0.3"); got != 0 {
		t.Errorf("dry run unblocked 10.0.0.3 (speed %d)", got)
	}

	res, err := dunning.Unblock(ctx, w.af, w.af, nb, p, lockIn(t, dunning.Options{Today: wednesday}))
	if err != nil || res.Err() != nil {
		t.Fatalf("%v %v", err, res.Err())
	}
	want := map[string]dunning.Reason{
		"PAID": dunning.ReasonUnblocked, "OWES": dunning.ReasonStillOwes,
		"ORPHANOWES": dunning.ReasonOrphanUnblocked, "ORPHANPAID": dunning.ReasonOrphanUnblocked,
		"VIPOWES": dunning.ReasonOrphanUnblocked, "KEEP": dunning.ReasonOrphanUnblocked, "GHOST": dunning.ReasonOrphanUnblocked,
	}
	for _, r := range []*dunning.UnblockResult{dry, res} {
		got := unblockDecisions(r)
		if len(got) != len(want) {
			t.Errorf("dry run %v: decisions %v, want %v", r.DryRun, got, want)
		}
		for code, reason := range want {
			if got[code].Reason != reason {
				t.Errorf("dry run %v: %s = %s (%s), want %s", r.DryRun, code, got[code].Reason, got[code].Why, reason)
			}
		}
	}
	whys := map[string]string{
		"ORPHANOWES": "blocked in the memory backend but carries no ODPOJENO",
		"ORPHANPAID": "blocked in the memory backend but carries no ODPOJENO",
		"VIPOWES":    "blocked in the memory backend but is VIP, never disconnected (owes 500 CZK on 1 invoice)",
		"KEEP":       "blocked in the memory backend but carries no ODPOJENO",
		"GHOST":      "blocked in the memory backend but no customer with this code is in AbraFlexi",
	}
	got := unblockDecisions(res)
	for code, why := range whys {
		if got[code].Why != why {
			t.Errorf("%s why %q, want %q", code, got[code].Why, why)
		}
	}
	for ip, want := range map[string]int{"10.0.0.1": 100, "10.0.0.2": 0, "10.0.0.3": 300, "10.0.0.4": 7, "10.0.0.5": 500,
		"10.0.0.6": 600, "10.0.0.7": 700, "10.0.0.8": 0, "10.0.0.9": 0, "10.0.0.10": 1000} {
		if got := speedOf(t, nb, ip); got != want {
			t.Errorf("%s speed %d, want %d", ip, got, want)
		}
	}
	// Only the labelled payer loses the label; nobody else's labels change.
	for code, want := range map[string][]string{"PAID": {"NEPLATIC"}, "OWES": {"ODPOJENO"}, "VIPOWES": {"ODPOJENO", "VIP"}, "KEEP": {"NEODPOJOVAT"}, "ORPHANOWES": nil} {
		if got := w.labels(t, ids[code]); !slices.Equal(got, want) {
			t.Errorf("%s labels %v, want %v", code, got, want)
		}
	}
	// Hand-blocked entries and entries of nobody are warnings.
	warn := strings.Join(res.Warnings, "\n")
	for _, s := range []string{"10.0.0.8 of HAND (memory host 8) at speed 0, no kept original: blocked by hand, left alone",
		"10.0.0.9 of no customer (memory host 9) at speed 0, original 900: names no customer, left alone"} {
		if !strings.Contains(warn, s) {
			t.Errorf("warnings lack %q:\n%s", s, warn)
		}
	}
	// A second run has nothing left to heal.
	again, err := dunning.Unblock(ctx, w.af, w.af, nb, p, lockIn(t, dunning.Options{Today: wednesday}))
	if err != nil {
		t.Fatal(err)
	}
	if c := again.Counts(); c[dunning.ReasonOrphanUnblocked] != 0 || c[dunning.ReasonUnblocked] != 0 || c[dunning.ReasonStillOwes] != 2 { // OWES, and VIPOWES now unblocked
		t.Errorf("second run %v", c)
	}
}

// TestUnblockSelfHealReadsCustomersInBatches: the customers of blocked
// entries are read by code, 100 per listing, not one request each.
func TestUnblockSelfHealReadsCustomersInBatches(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, wednesday)
	blocked := netbackendtest.New()
	for i := range 250 {
		code := fmt.Sprintf("C%03d", i)
		w.customer(code, "", "")
		h := host(code, fmt.Sprintf("10.1.%d.%d", i/200, i%200+1), 0, 50) // blocked by these tools
		blocked = netbackendtest.New(append(hostsOf(blocked), h)...)
	}
	w.srv.ResetRequests()
	res, err := dunning.Unblock(ctx, w.af, w.af, blocked, dunning.Policy{}, lockIn(t, dunning.Options{Today: wednesday}))
	if err != nil || res.Err() != nil {
		t.Fatal(err, res.Err())
	}
	if n := res.Counts()[dunning.ReasonOrphanUnblocked]; n != 250 {
		t.Errorf("%d orphans unblocked, want 250", n)
	}
	byCode, other := 0, 0
	for _, r := range w.srv.Requests() {
		if strings.Contains(r.Path, "kod in") {
			byCode++
		} else {
			other++
		}
	}
	// 3 listings by code (100, 100, 50) + the labelled customers + the debts
	if byCode != 3 || other != 2 {
		t.Errorf("AbraFlexi requests: %d by code, %d others; want 3 and 2:\n%v", byCode, other, w.srv.Requests())
	}
}

func hostsOf(b *netbackendtest.Backend) []netbackendtest.Host {
	entries, _ := b.Blocked(context.Background())
	var out []netbackendtest.Host
	for _, e := range entries {
		h, _ := b.Host(e.IP)
		out = append(out, h)
	}
	return out
}

// lyingState reports every IP as still blocked.
type lyingState struct{ *netbackendtest.Backend }

func (l lyingState) State(ctx context.Context, ips []netip.Addr) (map[netip.Addr]netbackend.IPState, error) {
	out := map[netip.Addr]netbackend.IPState{}
	for _, ip := range ips {
		out[ip] = netbackend.IPState{IP: ip, Found: true, Blocked: true, Speed: 0, OriginalSpeed: 5}
	}
	return out, nil
}

// TestUnblockVerifiesOrphans: the verification after the change covers the
// self-healed entries too.
func TestUnblockVerifiesOrphans(t *testing.T) {
	w := newWorld(t, wednesday)
	w.customer("ORPHAN", "", "")
	nb := lyingState{netbackendtest.New(host("ORPHAN", "10.0.0.1", 0, 5))}
	res, err := dunning.Unblock(context.Background(), w.af, w.af, nb, dunning.Policy{}, lockIn(t, dunning.Options{Today: wednesday}))
	if err != nil {
		t.Fatal(err)
	}
	if d := res.Decisions[0]; d.Reason != dunning.ReasonErrorUnblocking || len(res.Mismatches) != 1 || !strings.Contains(d.Err.Error(), "still blocked") {
		t.Errorf("decision %+v, mismatches %v", d, res.Mismatches)
	}
}

// hookSource runs hook after the labelled customers were read.
type hookSource struct {
	dunning.Source
	hook func()
}

func (h hookSource) CustomersWithLabel(ctx context.Context, label string) ([]abraflexi.Address, error) {
	out, err := h.Source.CustomersWithLabel(ctx, label)
	if h.hook != nil {
		h.hook()
	}
	return out, err
}

// TestRaceLeavesPayerBlockedThenHeals is part 1's race, step by step,
// without the lock: blocknet reads the label, unblocknet unblocks the payer
// and removes the label, then blocknet applies its block. The payer is cut
// off without the label; the next unblock run restores them.
func TestRaceLeavesPayerBlockedThenHeals(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, wednesday)
	payer, _ := w.customer("PAYER", "INTERNET", "", "ODPOJENO")
	nb := netbackendtest.New(host("PAYER", "10.0.0.1", 100, -1))
	opts := dunning.Options{Today: wednesday, NoLock: true}
	src := hookSource{Source: w.af, hook: func() {
		if _, err := dunning.Unblock(ctx, w.af, w.af, nb, dunning.Policy{}, opts); err != nil {
			t.Error(err)
		}
	}}
	if _, err := dunning.Block(ctx, src, nb, dunning.Policy{}, opts); err != nil {
		t.Fatal(err)
	}
	if got := speedOf(t, nb, "10.0.0.1"); got != 0 || slices.Contains(w.labels(t, payer), "ODPOJENO") {
		t.Fatalf("the race did not happen: speed %d, labels %v", got, w.labels(t, payer))
	}
	res, err := dunning.Unblock(ctx, w.af, w.af, nb, dunning.Policy{}, opts)
	if err != nil || res.Err() != nil {
		t.Fatal(err, res.Err())
	}
	if d := res.Decisions[0]; d.Reason != dunning.ReasonOrphanUnblocked || speedOf(t, nb, "10.0.0.1") != 100 {
		t.Errorf("not healed: %+v, speed %d", d, speedOf(t, nb, "10.0.0.1"))
	}
}

// TestRunLockHeldForTheWholeRun: while a block or unblock run reads
// AbraFlexi or writes labels, another run on the same backend cannot take
// the lock; afterwards it can.
func TestRunLockHeldForTheWholeRun(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, wednesday)
	w.customer("PAYER", "INTERNET", "", "ODPOJENO")
	w.customer("DEBTOR", "INTERNET", "500", "ODPOJENO")
	nb := netbackendtest.New(host("PAYER", "10.0.0.1", 100, -1), host("DEBTOR", "10.0.0.2", 100, -1))
	opts := lockIn(t, dunning.Options{Today: wednesday})
	try := runlock.Config{Path: opts.Lock.Path, Timeout: -1}
	held := 0
	src := hookSource{Source: w.af, hook: func() {
		l, err := runlock.Acquire(ctx, try)
		if err == nil {
			_ = l.Release()
			t.Error("the run lock is free while the run reads AbraFlexi")
			return
		}
		var he *runlock.HeldError
		if !errors.As(err, &he) || !errors.Is(err, runlock.ErrHeld) {
			t.Errorf("err = %v, want a HeldError", err)
		}
		held++
	}}
	if _, err := dunning.Block(ctx, src, nb, dunning.Policy{}, opts); err != nil {
		t.Fatal(err)
	}
	if _, err := dunning.Unblock(ctx, src, w.af, nb, dunning.Policy{}, opts); err != nil {
		t.Fatal(err)
	}
	if held != 2 {
		t.Errorf("lock checked %d times, want 2", held)
	}
	l, err := runlock.Acquire(ctx, try)
	if err != nil {
		t.Fatalf("lock not released after the runs: %v", err)
	}
	// A run that cannot get the lock fails, naming it, and changes nothing.
	if _, err := dunning.Block(ctx, w.af, nb, dunning.Policy{}, dunning.Options{Today: wednesday, Lock: runlock.Config{Path: opts.Lock.Path, Timeout: -1}}); !errors.Is(err, runlock.ErrHeld) ||
		!strings.Contains(err.Error(), opts.Lock.Path) {
		t.Errorf("blocked run: %v", err)
	}
	_ = l.Release()
	if speedOf(t, nb, "10.0.0.1") != 100 || speedOf(t, nb, "10.0.0.2") != 0 {
		t.Errorf("speeds %d %d", speedOf(t, nb, "10.0.0.1"), speedOf(t, nb, "10.0.0.2"))
	}
}

func TestDefaultLockKeyedByBackend(t *testing.T) {
	// Without a configured lock the run takes the default lock of the
	// backend, the one another process would take too.
	ctx := context.Background()
	w := newWorld(t, wednesday)
	w.customer("A", "INTERNET", "500", "ODPOJENO")
	nb := netbackendtest.New(host("A", "10.0.0.1", 100, -1))
	l, err := runlock.Acquire(ctx, runlock.Config{Key: netbackend.LockKey(nb)})
	if err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := dunning.Block(cctx, w.af, nb, dunning.Policy{}, dunning.Options{Today: wednesday}); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want the wait for the default lock cancelled", err)
	}
	_ = l.Release()
	if speedOf(t, nb, "10.0.0.1") != 100 {
		t.Error("blocked without the lock")
	}
}

func TestBlockPlanningFailureReportsNotDone(t *testing.T) {
	w := newWorld(t, wednesday)
	w.customer("A", "INTERNET", "500", "ODPOJENO")
	w.customer("B", "INTERNET", "500", "ODPOJENO")
	nb := netbackendtest.New(host("A", "10.0.0.1", 100, -1), host("B", "10.0.0.2", 0, 100))
	nb.FailNextApply(netbackendtest.ErrInjected) // the dry run that plans
	res, err := dunning.Block(context.Background(), w.af, nb, dunning.Policy{}, lockIn(t, dunning.Options{Today: wednesday}))
	if !errors.Is(err, netbackendtest.ErrInjected) || res == nil {
		t.Fatalf("res %v err %v", res, err)
	}
	for _, d := range res.Decisions {
		if d.Reason != dunning.ReasonErrorBlocking || d.Err == nil || len(d.Newly) != 0 {
			t.Errorf("%s: %s (%v), want error_blocking: nothing was blocked", d.Customer.Code, d.Reason, d.Err)
		}
	}
	if res.Err() == nil || res.Counts()[dunning.ReasonBlocked] != 0 {
		t.Errorf("Err %v counts %v", res.Err(), res.Counts())
	}
	if speedOf(t, nb, "10.0.0.1") != 100 {
		t.Error("blocked anyway")
	}
}

// TestConflictsInRuns: the re-assigned address of part 4. 10.0.0.5 is on
// entries of the debtor D and of the payer P: neither is changed, both get
// ip_conflict, the rest of each run goes on.
func TestConflictsInRuns(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, wednesday)
	dID, _ := w.customer("D", "INTERNET", "500", "ODPOJENO")
	w.customer("P", "INTERNET", "")
	pID, _ := w.customer("Q", "INTERNET", "", "ODPOJENO")
	nb := netbackendtest.New(
		host("D", "10.0.0.5", 100, -1),
		host("D", "10.0.0.6", 100, -1),
		host("P", "10.0.0.5", 100, -1),
		host("Q", "10.0.0.7", 100, -1),
		host("Q", "10.0.0.5", 100, -1),
	)
	res, err := dunning.Block(ctx, w.af, nb, dunning.Policy{}, lockIn(t, dunning.Options{Today: wednesday}))
	if err != nil || res.Err() != nil {
		t.Fatal(err, res.Err())
	}
	got := map[string]dunning.BlockDecision{}
	for _, d := range res.Decisions {
		got[d.Customer.Code] = d
	}
	for _, code := range []string{"D", "P", "Q"} {
		d := got[code]
		if d.Reason != dunning.ReasonIPConflict || !strings.Contains(d.Why, "10.0.0.5 claimed by D, P, Q (memory host 1, memory host 3, memory host 5)") {
			t.Errorf("%s: %s %q", code, d.Reason, d.Why)
		}
	}
	if !dunning.ReasonIPConflict.IsProblem() || dunning.ReasonIPConflict.IsError() {
		t.Error("ip_conflict must be a warning, not an error")
	}
	for ip, want := range map[string]int{"10.0.0.5": 100, "10.0.0.6": 0, "10.0.0.7": 0} {
		if got := speedOf(t, nb, ip); got != want {
			t.Errorf("%s speed %d, want %d", ip, got, want)
		}
	}
	// Q pays; unblocking restores its other IP but keeps the label: not
	// every IP of Q is unblocked.
	un, err := dunning.Unblock(ctx, w.af, w.af, nb, dunning.Policy{}, lockIn(t, dunning.Options{Today: wednesday}))
	if err != nil || un.Err() != nil {
		t.Fatal(err, un.Err())
	}
	ud := unblockDecisions(un)
	if ud["Q"].Reason != dunning.ReasonIPConflict || ud["D"].Reason != dunning.ReasonStillOwes || ud["P"].Reason != dunning.ReasonIPConflict {
		t.Errorf("unblock decisions %v", ud)
	}
	if speedOf(t, nb, "10.0.0.7") != 100 || speedOf(t, nb, "10.0.0.6") != 0 {
		t.Errorf("speeds 10.0.0.7 %d, 10.0.0.6 %d", speedOf(t, nb, "10.0.0.7"), speedOf(t, nb, "10.0.0.6"))
	}
	if !slices.Contains(w.labels(t, pID), "ODPOJENO") || !slices.Contains(w.labels(t, dID), "ODPOJENO") {
		t.Error("a label was removed from a customer with a contested IP")
	}
}

// noLookup finds no IP for anybody.
type noLookup struct{ *netbackendtest.Backend }

func (noLookup) CustomerIPs(context.Context, []string) (netbackend.Lookup, error) {
	return netbackend.Lookup{}, nil
}

func TestOrphanSpelling(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, wednesday)
	w.customer("ALICE", "INTERNET", "", "ODPOJENO")
	w.customer("BOB", "INTERNET", "")
	// A hand-written lower-case token: the labelled ALICE is decided once,
	// and the orphan bob is looked up as the backend spells it.
	nb := netbackendtest.New(host("alice", "10.0.0.1", 0, 100), host("ALICE", "10.0.0.2", 0, 100), host("bob", "10.0.0.3", 0, 300))
	res, err := dunning.Unblock(ctx, w.af, w.af, nb, dunning.Policy{}, lockIn(t, dunning.Options{Today: wednesday}))
	if err != nil || res.Err() != nil {
		t.Fatal(err, res.Err())
	}
	if len(res.Decisions) != 2 || res.Decisions[0].Customer.Code != "ALICE" || res.Decisions[1].Customer.Code != "bob" ||
		res.Decisions[1].Reason != dunning.ReasonOrphanUnblocked || speedOf(t, nb, "10.0.0.3") != 300 {
		t.Errorf("decisions %+v", res.Decisions)
	}
	// A blocked entry whose customer the lookup cannot find is a warning,
	// not a decision that claims to unblock.
	nb2 := noLookup{netbackendtest.New(host("CAROL", "10.0.0.4", 0, 100))}
	res, err = dunning.Unblock(ctx, w.af, w.af, nb2, dunning.Policy{}, lockIn(t, dunning.Options{Today: wednesday}))
	if err != nil || len(res.Decisions) != 0 || len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "finds no IP") {
		t.Errorf("decisions %+v warnings %v err %v", res.Decisions, res.Warnings, err)
	}
}
