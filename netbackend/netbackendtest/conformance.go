package netbackendtest

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"testing"

	"github.com/spoje-net/isptools/netbackend"
)

// ConformanceHosts are the hosts every [Conformance] subtest starts from.
// A newBackend function must create a backend holding exactly these hosts
// (Speed and OriginalSpeed -1 mean "not set"):
//
//	CUSTA  10.0.0.1     speed 512
//	CUSTA  2001:db8::1  speed 2048
//	CUSTB  10.0.0.2     blocked, original speed 256 kept
//	CUSTC  10.0.0.3     blocked, no original speed kept (blocked by hand)
//	CUSTD  10.0.0.4     speed 100
//	CUSTE  10.0.0.5     speed 300  \ one address on the entries of two
//	CUSTF  10.0.0.5     speed 300  /  customers (a conflict)
//	CUSTG  10.0.0.6     no speed
//
// The two entries of 10.0.0.5 are two lines of the hosts file, or two IP
// address objects with the same address in NetBox.
func ConformanceHosts() []Host {
	return []Host{
		{Customer: "CUSTA", IP: netip.MustParseAddr("10.0.0.1"), Speed: 512, OriginalSpeed: -1},
		{Customer: "CUSTA", IP: netip.MustParseAddr("2001:db8::1"), Speed: 2048, OriginalSpeed: -1},
		{Customer: "CUSTB", IP: netip.MustParseAddr("10.0.0.2"), Speed: 0, OriginalSpeed: 256},
		{Customer: "CUSTC", IP: netip.MustParseAddr("10.0.0.3"), Speed: 0, OriginalSpeed: -1},
		{Customer: "CUSTD", IP: netip.MustParseAddr("10.0.0.4"), Speed: 100, OriginalSpeed: -1},
		{Customer: "CUSTE", IP: netip.MustParseAddr("10.0.0.5"), Speed: 300, OriginalSpeed: -1},
		{Customer: "CUSTF", IP: netip.MustParseAddr("10.0.0.5"), Speed: 300, OriginalSpeed: -1},
		{Customer: "CUSTG", IP: netip.MustParseAddr("10.0.0.6"), Speed: -1, OriginalSpeed: -1},
	}
}

// Conformance runs the behavioural tests shared by all [netbackend.Backend]
// implementations. newBackend is called once per subtest with
// [ConformanceHosts] and must return a fresh backend holding exactly those
// hosts; it should register its cleanup with t. The subtests run in
// parallel, so newBackend must not use t.Setenv or shared state.
//
// The suite checks: customer lookup (exact, several IPs, IPv6, unknown
// customers) and its conflicts (one IP on the entries of two customers is
// reported and left out), block (speed 0, previous speed kept; original 0
// for an entry without a speed), throttling with Change.BlockSpeed, unblock
// with a kept original speed and with the fallback speed, idempotence of
// both actions (Unchanged, nothing rewritten), the Blocked listing (kept
// original, by hand, throttled), changes refused on another customer's
// entry, unknown IPs (NotFound), batches with results in change order, dry
// runs (results reported, nothing changed), empty batches and invalid
// changes.
func Conformance(t *testing.T, newBackend func(t *testing.T, hosts []Host) netbackend.Backend) {
	t.Helper()
	ctx := context.Background()
	ip := netip.MustParseAddr
	block := func(cust, addr string) netbackend.Change {
		return netbackend.Change{Customer: cust, IP: ip(addr), Action: netbackend.Block, Reason: "conformance"}
	}
	unblock := func(cust, addr string, fallback int) netbackend.Change {
		return netbackend.Change{Customer: cust, IP: ip(addr), Action: netbackend.Unblock, FallbackSpeed: fallback, Reason: "conformance"}
	}
	apply := func(t *testing.T, b netbackend.Backend, dry bool, changes ...netbackend.Change) []netbackend.Result {
		t.Helper()
		res, err := b.Apply(ctx, changes, netbackend.ApplyOptions{DryRun: dry, Note: "conformance"})
		if err != nil {
			t.Fatalf("%s: Apply: %v", b.Name(), err)
		}
		if len(res) != len(changes) {
			t.Fatalf("%s: Apply returned %d results for %d changes", b.Name(), len(res), len(changes))
		}
		for i, r := range res {
			if r.Change.IP != changes[i].IP || r.Change.Action != changes[i].Action || r.Change.Customer != changes[i].Customer {
				t.Fatalf("%s: result %d is for %v, want %v (results must follow the changes' order)", b.Name(), i, r.Change, changes[i])
			}
		}
		return res
	}
	wantResult := func(t *testing.T, r netbackend.Result, status netbackend.Status, before, after int) {
		t.Helper()
		if r.Status != status || r.SpeedBefore != before || r.SpeedAfter != after {
			t.Errorf("%v: status %s, speed %d -> %d (err %v); want %s, %d -> %d",
				r.Change, r.Status, r.SpeedBefore, r.SpeedAfter, r.Err, status, before, after)
		}
	}
	state := func(t *testing.T, b netbackend.Backend, addrs ...string) map[netip.Addr]netbackend.IPState {
		t.Helper()
		ips := make([]netip.Addr, len(addrs))
		for i, a := range addrs {
			ips[i] = ip(a)
		}
		st, err := b.State(ctx, ips)
		if err != nil {
			t.Fatalf("%s: State: %v", b.Name(), err)
		}
		return st
	}
	wantState := func(t *testing.T, b netbackend.Backend, addr string, blocked bool, speed, orig int) {
		t.Helper()
		st := state(t, b, addr)[ip(addr)]
		want := netbackend.IPState{IP: ip(addr), Found: true, Blocked: blocked, Speed: speed, OriginalSpeed: orig}
		if st != want {
			t.Errorf("%s: State(%s) = %+v, want %+v", b.Name(), addr, st, want)
		}
	}
	initial := func(t *testing.T, b netbackend.Backend) {
		t.Helper()
		hosts := ConformanceHosts()
		var addrs []string
		for _, h := range hosts {
			if !slices.Contains(addrs, h.IP.String()) {
				addrs = append(addrs, h.IP.String())
			}
		}
		got := state(t, b, addrs...) // one batched call
		for _, h := range hosts {
			want := netbackend.IPState{IP: h.IP, Found: true, Blocked: h.Speed == 0, Speed: h.Speed, OriginalSpeed: h.OriginalSpeed}
			if got[h.IP] != want {
				t.Errorf("%s: State(%s) = %+v, want the initial %+v", b.Name(), h.IP, got[h.IP], want)
			}
		}
	}
	newB := func(t *testing.T) netbackend.Backend {
		t.Helper()
		b := newBackend(t, ConformanceHosts())
		if b == nil {
			t.Fatal("newBackend returned nil")
		}
		if b.Name() == "" {
			t.Error("Name() is empty")
		}
		return b
	}

	run := func(name string, fn func(t *testing.T)) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fn(t)
		})
	}

	run("InitialState", func(t *testing.T) {
		b := newB(t)
		initial(t, b)
		st := state(t, b, "10.9.9.9")[ip("10.9.9.9")]
		if st.Found || st.Blocked {
			t.Errorf("State of an unknown IP = %+v, want not found", st)
		}
	})

	run("CustomerIPs", func(t *testing.T) {
		b := newB(t)
		look, err := b.CustomerIPs(ctx, []string{"CUSTA", "CUSTB", "UNKNOWN", "CUST", "CUSTG"})
		if err != nil {
			t.Fatal(err)
		}
		got := look.IPs
		a := slices.Clone(got["CUSTA"])
		slices.SortFunc(a, netip.Addr.Compare)
		if !slices.Equal(a, []netip.Addr{ip("10.0.0.1"), ip("2001:db8::1")}) {
			t.Errorf("CUSTA: %v, want [10.0.0.1 2001:db8::1]", got["CUSTA"])
		}
		if !slices.Equal(got["CUSTB"], []netip.Addr{ip("10.0.0.2")}) {
			t.Errorf("CUSTB: %v, want [10.0.0.2]", got["CUSTB"])
		}
		if !slices.Equal(got["CUSTG"], []netip.Addr{ip("10.0.0.6")}) {
			t.Errorf("CUSTG: %v, want [10.0.0.6] (an entry without a speed)", got["CUSTG"])
		}
		for _, c := range []string{"UNKNOWN", "CUST", "CUSTC", "CUSTD"} {
			if len(got[c]) != 0 {
				t.Errorf("%s: %v, want none (exact matches only, only requested customers)", c, got[c])
			}
		}
		if len(look.Conflicts) != 0 {
			t.Errorf("conflicts %v, want none among these customers", look.Conflicts)
		}
		none, err := b.CustomerIPs(ctx, nil)
		if err != nil || len(none.IPs) != 0 || len(none.Conflicts) != 0 {
			t.Errorf("CustomerIPs(nil) = %+v, %v; want empty", none, err)
		}
	})

	run("LookupConflict", func(t *testing.T) {
		b := newB(t)
		for _, ask := range [][]string{{"CUSTE"}, {"CUSTF", "CUSTD"}, {"CUSTE", "CUSTF"}} {
			look, err := b.CustomerIPs(ctx, ask)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range []string{"CUSTE", "CUSTF"} {
				if len(look.IPs[c]) != 0 {
					t.Errorf("asked %v: %s gets %v, want none (10.0.0.5 is contested)", ask, c, look.IPs[c])
				}
			}
			if !slices.Equal(look.IPs["CUSTD"], []netip.Addr{ip("10.0.0.4")}) && slices.Contains(ask, "CUSTD") {
				t.Errorf("asked %v: CUSTD gets %v, want [10.0.0.4] (the rest goes on)", ask, look.IPs["CUSTD"])
			}
			if len(look.Conflicts) != 1 {
				t.Fatalf("asked %v: conflicts %v, want exactly one", ask, look.Conflicts)
			}
			c := look.Conflicts[0]
			if c.IP != ip("10.0.0.5") || !slices.Equal(c.Customers, []string{"CUSTE", "CUSTF"}) || len(c.Where) != 2 || c.Where[0] == c.Where[1] {
				t.Errorf("asked %v: conflict %+v, want 10.0.0.5 of [CUSTE CUSTF] at two distinct places", ask, c)
			}
			for _, who := range ask {
				if who != "CUSTD" && len(look.ConflictsOf(who)) != 1 {
					t.Errorf("asked %v: ConflictsOf(%s) = %v", ask, who, look.ConflictsOf(who))
				}
			}
		}
	})

	run("ForeignEntryRefused", func(t *testing.T) {
		b := newB(t)
		res := apply(t, b, false, block("CUSTD", "10.0.0.1"), block("CUSTE", "10.0.0.5"), unblock("CUSTA", "10.0.0.2", 9))
		for _, r := range res {
			if r.Status == netbackend.Changed || r.Status == netbackend.Unchanged {
				t.Errorf("%v: status %s; a change must never touch another customer's entry", r.Change, r.Status)
			}
		}
		if res[1].Status != netbackend.Failed || !errors.Is(res[1].Err, netbackend.ErrConflict) {
			t.Errorf("%v: status %s err %v; want failed wrapping ErrConflict (CUSTF holds it too)", res[1].Change, res[1].Status, res[1].Err)
		}
		initial(t, b)
	})

	run("Blocked", func(t *testing.T) {
		b := newB(t)
		got, err := b.Blocked(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := []netbackend.BlockedEntry{
			{Customer: "CUSTB", IP: ip("10.0.0.2"), Speed: 0, OriginalSpeed: 256},
			{Customer: "CUSTC", IP: ip("10.0.0.3"), Speed: 0, OriginalSpeed: -1},
		}
		wantBlocked(t, b.Name(), got, want)
		if len(got) == 2 && (!got[0].KeptOriginal() || got[1].KeptOriginal()) {
			t.Errorf("KeptOriginal: CUSTB %v (want true), CUSTC %v (want false, blocked by hand)", got[0].KeptOriginal(), got[1].KeptOriginal())
		}
		apply(t, b, false, block("CUSTA", "10.0.0.1"), block("CUSTG", "10.0.0.6"), unblock("CUSTB", "10.0.0.2", 0))
		got, err = b.Blocked(ctx)
		if err != nil {
			t.Fatal(err)
		}
		wantBlocked(t, b.Name(), got, []netbackend.BlockedEntry{
			{Customer: "CUSTA", IP: ip("10.0.0.1"), Speed: 0, OriginalSpeed: 512},
			{Customer: "CUSTC", IP: ip("10.0.0.3"), Speed: 0, OriginalSpeed: -1},
			{Customer: "CUSTG", IP: ip("10.0.0.6"), Speed: 0, OriginalSpeed: 0},
		})
	})

	run("BlockWithoutSpeed", func(t *testing.T) {
		b := newB(t)
		res := apply(t, b, false, block("CUSTG", "10.0.0.6"))
		wantResult(t, res[0], netbackend.Changed, -1, 0)
		// the kept original 0 marks the entry as blocked by these tools
		wantState(t, b, "10.0.0.6", true, 0, 0)
		res = apply(t, b, false, block("CUSTG", "10.0.0.6"))
		wantResult(t, res[0], netbackend.Unchanged, 0, 0)
		res = apply(t, b, false, unblock("CUSTG", "10.0.0.6", 0))
		wantResult(t, res[0], netbackend.Changed, 0, -1)
		wantState(t, b, "10.0.0.6", false, -1, -1)
		apply(t, b, false, block("CUSTG", "10.0.0.6"))
		res = apply(t, b, false, unblock("CUSTG", "10.0.0.6", 77))
		wantResult(t, res[0], netbackend.Changed, 0, 77)
		wantState(t, b, "10.0.0.6", false, 77, -1)
	})

	run("Throttle", func(t *testing.T) {
		b := newB(t)
		throttle := func(cust, addr string, speed int) netbackend.Change {
			c := block(cust, addr)
			c.BlockSpeed = speed
			return c
		}
		res := apply(t, b, false, throttle("CUSTA", "10.0.0.1", 64), throttle("CUSTD", "10.0.0.4", 200), throttle("CUSTB", "10.0.0.2", 64))
		wantResult(t, res[0], netbackend.Changed, 512, 64)
		wantResult(t, res[1], netbackend.Changed, 100, 100) // already below: only the original is kept
		wantResult(t, res[2], netbackend.Unchanged, 0, 0)   // speed 0 is below any BlockSpeed
		wantState(t, b, "10.0.0.1", false, 64, 512)
		wantState(t, b, "10.0.0.4", false, 100, 100)
		st := state(t, b, "10.0.0.1", "10.0.0.4")
		if !st[ip("10.0.0.1")].BlockedAt(64) || st[ip("10.0.0.1")].BlockedAt(32) || !st[ip("10.0.0.4")].BlockedAt(200) {
			t.Errorf("BlockedAt: %+v", st)
		}
		got, err := b.Blocked(ctx)
		if err != nil {
			t.Fatal(err)
		}
		wantBlocked(t, b.Name(), got, []netbackend.BlockedEntry{
			{Customer: "CUSTA", IP: ip("10.0.0.1"), Speed: 64, OriginalSpeed: 512},
			{Customer: "CUSTB", IP: ip("10.0.0.2"), Speed: 0, OriginalSpeed: 256},
			{Customer: "CUSTC", IP: ip("10.0.0.3"), Speed: 0, OriginalSpeed: -1},
			{Customer: "CUSTD", IP: ip("10.0.0.4"), Speed: 100, OriginalSpeed: 100},
		})
		res = apply(t, b, false, throttle("CUSTA", "10.0.0.1", 64), block("CUSTA", "10.0.0.1"))
		wantResult(t, res[0], netbackend.Unchanged, 64, 64)
		wantResult(t, res[1], netbackend.Changed, 64, 0) // cut further, the first original kept
		wantState(t, b, "10.0.0.1", true, 0, 512)
		res = apply(t, b, false, unblock("CUSTA", "10.0.0.1", 1), unblock("CUSTD", "10.0.0.4", 1))
		wantResult(t, res[0], netbackend.Changed, 0, 512)
		wantResult(t, res[1], netbackend.Changed, 100, 100) // throttled entries are restored too
		wantState(t, b, "10.0.0.1", false, 512, -1)
		wantState(t, b, "10.0.0.4", false, 100, -1)
	})

	run("Block", func(t *testing.T) {
		b := newB(t)
		res := apply(t, b, false, block("CUSTA", "10.0.0.1"), block("CUSTA", "2001:db8::1"))
		wantResult(t, res[0], netbackend.Changed, 512, 0)
		wantResult(t, res[1], netbackend.Changed, 2048, 0)
		wantState(t, b, "10.0.0.1", true, 0, 512)
		wantState(t, b, "2001:db8::1", true, 0, 2048)
		wantState(t, b, "10.0.0.4", false, 100, -1)
	})

	run("BlockIdempotent", func(t *testing.T) {
		b := newB(t)
		apply(t, b, false, block("CUSTD", "10.0.0.4"))
		res := apply(t, b, false, block("CUSTD", "10.0.0.4"), block("CUSTB", "10.0.0.2"), block("CUSTC", "10.0.0.3"))
		wantResult(t, res[0], netbackend.Unchanged, 0, 0)
		wantResult(t, res[1], netbackend.Unchanged, 0, 0)
		wantResult(t, res[2], netbackend.Unchanged, 0, 0)
		wantState(t, b, "10.0.0.4", true, 0, 100)
		wantState(t, b, "10.0.0.2", true, 0, 256)
		wantState(t, b, "10.0.0.3", true, 0, -1)
	})

	run("UnblockKeptOriginal", func(t *testing.T) {
		b := newB(t)
		res := apply(t, b, false, unblock("CUSTB", "10.0.0.2", 100))
		wantResult(t, res[0], netbackend.Changed, 0, 256)
		wantState(t, b, "10.0.0.2", false, 256, -1)
	})

	run("UnblockFallback", func(t *testing.T) {
		b := newB(t)
		res := apply(t, b, false, unblock("CUSTC", "10.0.0.3", 128))
		wantResult(t, res[0], netbackend.Changed, 0, 128)
		wantState(t, b, "10.0.0.3", false, 128, -1)
	})

	run("UnblockNoFallback", func(t *testing.T) {
		b := newB(t)
		res := apply(t, b, false, unblock("CUSTC", "10.0.0.3", 0))
		wantResult(t, res[0], netbackend.Changed, 0, -1)
		wantState(t, b, "10.0.0.3", false, -1, -1)
	})

	run("UnblockIdempotent", func(t *testing.T) {
		// also: an unblock of an entry that is not blocked never replaces
		// its speed with the fallback
		b := newB(t)
		apply(t, b, false, unblock("CUSTB", "10.0.0.2", 100))
		res := apply(t, b, false, unblock("CUSTB", "10.0.0.2", 100), unblock("CUSTD", "10.0.0.4", 7))
		wantResult(t, res[0], netbackend.Unchanged, 256, 256)
		wantResult(t, res[1], netbackend.Unchanged, 100, 100)
		wantState(t, b, "10.0.0.2", false, 256, -1)
		wantState(t, b, "10.0.0.4", false, 100, -1)
	})

	run("BlockThenUnblockRestores", func(t *testing.T) {
		b := newB(t)
		apply(t, b, false, block("CUSTA", "10.0.0.1"), block("CUSTD", "10.0.0.4"))
		res := apply(t, b, false, unblock("CUSTA", "10.0.0.1", 1), unblock("CUSTD", "10.0.0.4", 1))
		wantResult(t, res[0], netbackend.Changed, 0, 512)
		wantResult(t, res[1], netbackend.Changed, 0, 100)
		wantState(t, b, "10.0.0.1", false, 512, -1)
		wantState(t, b, "10.0.0.4", false, 100, -1)
	})

	run("UnknownIP", func(t *testing.T) {
		b := newB(t)
		res := apply(t, b, false, block("NOBODY", "10.9.9.9"), unblock("NOBODY", "2001:db8::99", 5))
		for _, r := range res {
			if r.Status != netbackend.NotFound {
				t.Errorf("%v: status %s (err %v), want %s", r.Change, r.Status, r.Err, netbackend.NotFound)
			}
		}
		initial(t, b)
	})

	run("MixedBatch", func(t *testing.T) {
		b := newB(t)
		res := apply(t, b, false,
			block("CUSTA", "10.0.0.1"),
			unblock("CUSTB", "10.0.0.2", 1),
			block("NOBODY", "10.9.9.9"),
			block("CUSTC", "10.0.0.3"),
			unblock("CUSTD", "10.0.0.4", 1),
		)
		wantResult(t, res[0], netbackend.Changed, 512, 0)
		wantResult(t, res[1], netbackend.Changed, 0, 256)
		if res[2].Status != netbackend.NotFound {
			t.Errorf("unknown IP: %s", res[2].Status)
		}
		wantResult(t, res[3], netbackend.Unchanged, 0, 0)
		wantResult(t, res[4], netbackend.Unchanged, 100, 100)
		wantState(t, b, "10.0.0.1", true, 0, 512)
		wantState(t, b, "10.0.0.2", false, 256, -1)
	})

	run("DryRun", func(t *testing.T) {
		b := newB(t)
		res := apply(t, b, true,
			block("CUSTA", "10.0.0.1"),
			unblock("CUSTB", "10.0.0.2", 1),
			unblock("CUSTC", "10.0.0.3", 64),
			block("CUSTB", "10.0.0.2"),
			block("NOBODY", "10.9.9.9"),
		)
		wantResult(t, res[0], netbackend.Changed, 512, 0)
		wantResult(t, res[1], netbackend.Changed, 0, 256)
		wantResult(t, res[2], netbackend.Changed, 0, 64)
		// changes of one batch apply in order, in a dry run too: the IP was
		// (virtually) unblocked by res[1], so blocking it changes it again
		wantResult(t, res[3], netbackend.Changed, 256, 0)
		if res[4].Status != netbackend.NotFound {
			t.Errorf("unknown IP: %s", res[4].Status)
		}
		initial(t, b)
	})

	run("EmptyBatch", func(t *testing.T) {
		b := newB(t)
		res, err := b.Apply(ctx, nil, netbackend.ApplyOptions{})
		if err != nil || len(res) != 0 {
			t.Errorf("Apply(nil) = %v, %v; want no results, no error", res, err)
		}
		initial(t, b)
	})

	run("InvalidChange", func(t *testing.T) {
		b := newB(t)
		bad := []netbackend.Change{block("CUSTA", "10.0.0.1"), {Customer: "CUSTD", IP: ip("10.0.0.4"), Action: "cut"}}
		if _, err := b.Apply(ctx, bad, netbackend.ApplyOptions{}); err == nil {
			t.Error("Apply with an unknown action: no error")
		}
		if _, err := b.Apply(ctx, []netbackend.Change{{Customer: "X", Action: netbackend.Block}}, netbackend.ApplyOptions{}); err == nil {
			t.Error("Apply with an invalid IP: no error")
		}
		initial(t, b)
	})
}

// wantBlocked compares a Blocked listing with want, ignoring Where (which
// must be set).
func wantBlocked(t *testing.T, name string, got, want []netbackend.BlockedEntry) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: Blocked() = %v, want %v", name, got, want)
		return
	}
	for i := range got {
		if got[i].Where == "" {
			t.Errorf("%s: Blocked()[%d] = %+v has no Where", name, i, got[i])
		}
		g := got[i]
		g.Where = ""
		if g != want[i] {
			t.Errorf("%s: Blocked()[%d] = %+v, want %+v", name, i, got[i], want[i])
		}
	}
}
