package netbackend_test

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/spoje-net/isptools/netbackend"
	"github.com/spoje-net/isptools/netbackend/netbackendmock"
	"github.com/spoje-net/isptools/netbackend/netbackendtest"
	"go.uber.org/mock/gomock"
)

func ip(s string) netip.Addr { return netip.MustParseAddr(s) }

func TestValidate(t *testing.T) {
	cases := []struct {
		name    string
		change  netbackend.Change
		wantErr string
	}{
		{"ok block", netbackend.Change{Customer: "C1", IP: ip("10.0.0.1"), Action: netbackend.Block}, ""},
		{"ok unblock", netbackend.Change{Customer: "C1", IP: ip("2001:db8::1"), Action: netbackend.Unblock, FallbackSpeed: 10}, ""},
		{"bad action", netbackend.Change{Customer: "C1", IP: ip("10.0.0.1"), Action: "cut"}, `unknown action "cut"`},
		{"no ip", netbackend.Change{Customer: "C1", Action: netbackend.Block}, "invalid IP"},
		{"negative fallback", netbackend.Change{Customer: "C1", IP: ip("10.0.0.1"), Action: netbackend.Unblock, FallbackSpeed: -1}, "negative fallback"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := netbackend.Validate([]netbackend.Change{tc.change})
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error = %v, want it to contain %q", err, tc.wantErr)
			}
		})
	}
}

func TestCommitMessageNamesEveryChangedCustomerAndIP(t *testing.T) {
	results := []netbackend.Result{
		{Change: netbackend.Change{Customer: "B2", IP: ip("10.0.0.2"), Action: netbackend.Block}, Status: netbackend.Changed, SpeedAfter: 0},
		{Change: netbackend.Change{Customer: "A1", IP: ip("10.0.0.1"), Action: netbackend.Unblock}, Status: netbackend.Changed, SpeedAfter: 512},
		{Change: netbackend.Change{Customer: "C3", IP: ip("10.0.0.3"), Action: netbackend.Block}, Status: netbackend.Unchanged},
	}
	msg := netbackend.CommitMessage("blocknet", results, "run 1")
	for _, want := range []string{"blocknet: 1 blocked, 1 unblocked (run 1)", "block B2 10.0.0.2", "unblock A1 10.0.0.1 speed=512"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "C3") {
		t.Errorf("unchanged result must not be named:\n%s", msg)
	}
	if strings.Index(msg, "A1") > strings.Index(msg, "B2") {
		t.Errorf("customers not sorted:\n%s", msg)
	}
}

func TestFakeBlockUnblockIdempotentAndDryRun(t *testing.T) {
	ctx := context.Background()
	b := netbackendtest.New()
	b.Add("C1", "10.0.0.1", 512)
	b.Add("C1", "10.0.0.2", -1)
	b.Add("C2", "10.0.0.3", 100)

	look, err := b.CustomerIPs(ctx, []string{"C1", "NOPE"})
	if ips := look.IPs; err != nil || len(ips["C1"]) != 2 || len(ips["NOPE"]) != 0 {
		t.Fatalf("CustomerIPs = %v, %v", look, err)
	}
	block := []netbackend.Change{
		{Customer: "C1", IP: ip("10.0.0.1"), Action: netbackend.Block},
		{Customer: "C1", IP: ip("10.0.0.9"), Action: netbackend.Block},
	}
	res, err := b.Apply(ctx, block, netbackend.ApplyOptions{DryRun: true})
	if err != nil || res[0].Status != netbackend.Changed || res[1].Status != netbackend.NotFound {
		t.Fatalf("dry run = %+v, %v", res, err)
	}
	if h, _ := b.Host(ip("10.0.0.1")); h.Speed != 512 {
		t.Fatalf("dry run changed the speed to %d", h.Speed)
	}
	if _, err := b.Apply(ctx, block, netbackend.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	res, _ = b.Apply(ctx, block[:1], netbackend.ApplyOptions{})
	if res[0].Status != netbackend.Unchanged {
		t.Fatalf("second block = %s, want unchanged", res[0].Status)
	}
	st, _ := b.State(ctx, []netip.Addr{ip("10.0.0.1")})
	if s := st[ip("10.0.0.1")]; !s.Blocked || s.OriginalSpeed != 512 {
		t.Fatalf("state after block = %+v", s)
	}
	res, _ = b.Apply(ctx, []netbackend.Change{
		{Customer: "C1", IP: ip("10.0.0.1"), Action: netbackend.Unblock, FallbackSpeed: 10},
		{Customer: "C2", IP: ip("10.0.0.3"), Action: netbackend.Unblock, FallbackSpeed: 10},
	}, netbackend.ApplyOptions{})
	if res[0].Status != netbackend.Changed || res[0].SpeedAfter != 512 {
		t.Fatalf("unblock restored %+v, want original 512", res[0])
	}
	if res[1].Status != netbackend.Unchanged || res[1].SpeedAfter != 100 {
		t.Fatalf("unblock of an unblocked IP = %+v, want unchanged at 100", res[1])
	}
	if got := netbackend.Summarize(res); got[netbackend.Changed] != 1 || got[netbackend.Unchanged] != 1 {
		t.Fatalf("Summarize = %v", got)
	}
}

func TestFakeFaultInjection(t *testing.T) {
	ctx := context.Background()
	b := netbackendtest.New()
	b.Add("C1", "10.0.0.1", 512)
	b.FailIP(ip("10.0.0.1"), netbackendtest.ErrInjected)
	res, err := b.Apply(ctx, []netbackend.Change{{Customer: "C1", IP: ip("10.0.0.1"), Action: netbackend.Block}}, netbackend.ApplyOptions{})
	if err != nil || res[0].Status != netbackend.Failed || !errors.Is(res[0].Err, netbackendtest.ErrInjected) {
		t.Fatalf("got %+v, %v", res, err)
	}
	b.FailNextApply(netbackendtest.ErrInjected)
	if _, err := b.Apply(ctx, nil, netbackend.ApplyOptions{}); !errors.Is(err, netbackendtest.ErrInjected) {
		t.Fatalf("FailNextApply: %v", err)
	}
	if n := len(b.Calls()); n != 2 {
		t.Fatalf("recorded %d calls, want 2", n)
	}
}

func TestMockSatisfiesBackend(t *testing.T) {
	ctrl := gomock.NewController(t)
	m := netbackendmock.NewMockBackend(ctrl)
	m.EXPECT().Name().Return("mock")
	var b netbackend.Backend = m
	if b.Name() != "mock" {
		t.Fatal("mock did not answer")
	}
}

type targeted struct {
	netbackend.Backend
	target string
}

func (t targeted) Target() string { return t.target }

func TestLockKeyNamesTheTarget(t *testing.T) {
	fake := netbackendtest.New()
	if got := netbackend.LockKey(fake); got != "netbackend memory" {
		t.Errorf("LockKey(fake) = %q", got)
	}
	a := netbackend.LockKey(targeted{fake, "file:///srv/repo/hosts"})
	b := netbackend.LockKey(targeted{fake, "file:///srv/other/hosts"})
	if a != "netbackend memory file:///srv/repo/hosts" || a == b {
		t.Errorf("LockKey = %q and %q; want the target in the key, distinct targets distinct", a, b)
	}
}

func TestIsBlocked(t *testing.T) {
	for _, tc := range []struct {
		speed, orig int
		want        bool
	}{
		{0, -1, true},     // by hand
		{0, 512, true},    // by these tools
		{64, 512, true},   // throttled
		{-1, 0, false},    // speed removed by hand since: unlimited
		{256, 128, false}, // raised since the block: restoring would lower it
		{100, 100, true},  // throttled at its own speed
		{512, -1, false},  // paying
		{-1, -1, false},   // no speed at all
	} {
		if got := netbackend.IsBlocked(tc.speed, tc.orig); got != tc.want {
			t.Errorf("IsBlocked(%d, %d) = %v, want %v", tc.speed, tc.orig, got, tc.want)
		}
	}
	st := netbackend.IPState{Found: true, Speed: 64, OriginalSpeed: 512}
	if !st.BlockedAt(64) || st.BlockedAt(0) || (netbackend.IPState{Speed: 0}).BlockedAt(0) {
		t.Errorf("BlockedAt: throttled at 64 must count for 64 only; a state not found never counts")
	}
}

func TestConflictAndEntryStrings(t *testing.T) {
	c := netbackend.Conflict{IP: ip("10.0.0.5"), Customers: []string{"A", "B"}, Where: []string{"hosts line 3", "hosts line 9"}}
	if got := c.String(); got != "10.0.0.5 claimed by A, B (hosts line 3, hosts line 9)" {
		t.Errorf("Conflict.String() = %q", got)
	}
	l := netbackend.Lookup{Conflicts: []netbackend.Conflict{c}}
	if len(l.ConflictsOf("B")) != 1 || len(l.ConflictsOf("C")) != 0 {
		t.Errorf("ConflictsOf: %v %v", l.ConflictsOf("B"), l.ConflictsOf("C"))
	}
	e := netbackend.BlockedEntry{Customer: "ALICE", IP: ip("10.0.0.1"), Speed: 0, OriginalSpeed: -1, Where: "hosts line 2"}
	if got := e.String(); got != "10.0.0.1 of ALICE (hosts line 2) at speed 0, no kept original" || e.KeptOriginal() {
		t.Errorf("BlockedEntry.String() = %q, kept %v", got, e.KeptOriginal())
	}
}
