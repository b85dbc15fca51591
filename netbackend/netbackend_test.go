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

	ips, err := b.CustomerIPs(ctx, []string{"C1", "NOPE"})
	if err != nil || len(ips["C1"]) != 2 || len(ips["NOPE"]) != 0 {
		t.Fatalf("CustomerIPs = %v, %v", ips, err)
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
