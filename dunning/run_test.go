package dunning_test

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"go.uber.org/mock/gomock"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/dunning"
	"github.com/spoje-net/isptools/dunning/dunningmock"
	"github.com/spoje-net/isptools/netbackend"
	"github.com/spoje-net/isptools/netbackend/netbackendmock"
	"github.com/spoje-net/isptools/netbackend/netbackendtest"
)

// wednesday is a Czech working day.
var wednesday = abraflexi.NewDate(2026, time.November, 25)

func addr(id int64, code string, labels ...string) abraflexi.Address {
	return abraflexi.Address{ID: abraflexi.NumericID(id), Code: code, Labels: abraflexi.Labels(labels...)}
}

func internet(customer string) abraflexi.Contract {
	return abraflexi.Contract{
		Customer:  abraflexi.RefTo(abraflexi.CodeID(customer)),
		Type:      abraflexi.RefTo(abraflexi.CodeID("INTERNET")),
		ValidFrom: abraflexi.NewDate(2020, time.January, 1),
	}
}

func debt(code, customer, amount string) abraflexi.IssuedInvoice {
	return abraflexi.IssuedInvoice{
		Code:         code,
		Customer:     abraflexi.RefTo(abraflexi.CodeID(customer)),
		Remaining:    decimal.RequireFromString(amount),
		DueOn:        wednesday.AddDays(-20),
		DocumentType: abraflexi.Ref{Fields: map[string]string{"typDoklK": abraflexi.KindInvoice}},
	}
}

func reasons[D any](ds []D, f func(D) (string, dunning.Reason)) map[string]dunning.Reason {
	m := map[string]dunning.Reason{}
	for _, d := range ds {
		k, r := f(d)
		m[k] = r
	}
	return m
}

func markReasons(ds []dunning.MarkDecision) map[string]dunning.Reason {
	return reasons(ds, func(d dunning.MarkDecision) (string, dunning.Reason) { return d.Customer.Code, d.Reason })
}
func blockReasons(ds []dunning.BlockDecision) map[string]dunning.Reason {
	return reasons(ds, func(d dunning.BlockDecision) (string, dunning.Reason) { return d.Customer.Code, d.Reason })
}
func unblockReasons(ds []dunning.UnblockDecision) map[string]dunning.Reason {
	return reasons(ds, func(d dunning.UnblockDecision) (string, dunning.Reason) { return d.Customer.Code, d.Reason })
}

func equalReasons(t *testing.T, got, want map[string]dunning.Reason) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("decisions %v, want %v", got, want)
		return
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: %s, want %s (all: %v)", k, got[k], w, got)
		}
	}
}

func TestMarkRun(t *testing.T) {
	ctx := context.Background()
	ctrl := gomock.NewController(t)
	src := dunningmock.NewMockSource(ctrl)
	w := dunningmock.NewMockLabelWriter(ctrl)
	customers := []abraflexi.Address{
		addr(1, "ALICE", "UPOMINKA3"),
		addr(2, "BOB", "UPOMINKA3", "VIP"),
		addr(3, "CAROL", "UPOMINKA3"),
		addr(4, "DAVE", "UPOMINKA3", "ODPOJENO"),
		addr(5, "ERIN", "UPOMINKA3"),
		addr(6, "FRANK", "UPOMINKA3"),
	}
	src.EXPECT().CustomersWithLabel(gomock.Any(), "UPOMINKA3").Return(customers, nil)
	src.EXPECT().ActiveContracts(gomock.Any(), wednesday).Return([]abraflexi.Contract{internet("ALICE"), internet("BOB"), internet("CAROL"), internet("DAVE"), internet("FRANK")}, nil)
	src.EXPECT().OpenDebts(gomock.Any(), wednesday).Return([]abraflexi.IssuedInvoice{debt("F1", "ALICE", "100"), debt("F2", "BOB", "100"), debt("F4", "DAVE", "1"), debt("F5", "ERIN", "10"), debt("F6", "FRANK", "7")}, nil)
	w.EXPECT().AddLabel(gomock.Any(), []abraflexi.ID{abraflexi.NumericID(1), abraflexi.NumericID(6)}, "ODPOJENO").
		Return([]abraflexi.WriteResult{{Index: 0}, {Index: 1, Errors: []abraflexi.Message{{Message: "record locked", For: "stitky"}}}}, nil)

	res, err := dunning.Mark(ctx, src, w, dunning.DefaultPolicy(), dunning.Options{Today: wednesday})
	if err != nil {
		t.Fatal(err)
	}
	equalReasons(t, markReasons(res.Decisions), map[string]dunning.Reason{
		"ALICE": dunning.ReasonMarked, "BOB": dunning.ReasonVIPSkipped, "CAROL": dunning.ReasonNoDebtSkipped,
		"DAVE": dunning.ReasonAlreadyMarked, "ERIN": dunning.ReasonNoContractSkipped, "FRANK": dunning.ReasonErrorMarking,
	})
	if err := res.Err(); err == nil || !strings.Contains(err.Error(), "customer FRANK: adding label ODPOJENO failed: record locked (stitky)") {
		t.Errorf("Err() = %v", err)
	}
	if c := res.Counts(); c[dunning.ReasonMarked] != 1 || c.Total() != 6 {
		t.Errorf("counts = %v", c)
	}
}

func TestMarkRunDryRunWritesNothing(t *testing.T) {
	ctrl := gomock.NewController(t)
	src := dunningmock.NewMockSource(ctrl)
	w := dunningmock.NewMockLabelWriter(ctrl) // no calls expected
	src.EXPECT().CustomersWithLabel(gomock.Any(), "UPOMINKA3").Return([]abraflexi.Address{addr(1, "ALICE", "UPOMINKA3")}, nil)
	src.EXPECT().ActiveContracts(gomock.Any(), wednesday).Return([]abraflexi.Contract{internet("ALICE")}, nil)
	src.EXPECT().OpenDebts(gomock.Any(), wednesday).Return([]abraflexi.IssuedInvoice{debt("F1", "ALICE", "100")}, nil)
	res, err := dunning.Mark(context.Background(), src, w, dunning.DefaultPolicy(), dunning.Options{Today: wednesday, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if !res.DryRun || res.Decisions[0].Reason != dunning.ReasonMarked {
		t.Errorf("result = %+v", res)
	}
}

func TestMarkRunNobodyLabelledReadsOnce(t *testing.T) {
	ctrl := gomock.NewController(t)
	src := dunningmock.NewMockSource(ctrl)
	src.EXPECT().CustomersWithLabel(gomock.Any(), "REM3").Return(nil, nil)
	res, err := dunning.Mark(context.Background(), src, dunningmock.NewMockLabelWriter(ctrl), dunning.Policy{Labels: dunning.Labels{ThirdReminder: "rem3"}}, dunning.Options{Today: wednesday})
	if err != nil || len(res.Decisions) != 0 {
		t.Fatalf("res %+v err %v", res, err)
	}
}

func TestMarkRunErrors(t *testing.T) {
	boom := errors.New("boom")
	t.Run("listing", func(t *testing.T) {
		ctrl := gomock.NewController(t)
		src := dunningmock.NewMockSource(ctrl)
		src.EXPECT().CustomersWithLabel(gomock.Any(), gomock.Any()).Return([]abraflexi.Address{addr(1, "A", "UPOMINKA3")}, nil)
		src.EXPECT().ActiveContracts(gomock.Any(), gomock.Any()).Return(nil, boom)
		if _, err := dunning.Mark(context.Background(), src, dunningmock.NewMockLabelWriter(ctrl), dunning.Policy{}, dunning.Options{Today: wednesday}); !errors.Is(err, boom) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("write", func(t *testing.T) {
		ctrl := gomock.NewController(t)
		src := dunningmock.NewMockSource(ctrl)
		w := dunningmock.NewMockLabelWriter(ctrl)
		src.EXPECT().CustomersWithLabel(gomock.Any(), gomock.Any()).Return([]abraflexi.Address{addr(1, "A", "UPOMINKA3")}, nil)
		src.EXPECT().ActiveContracts(gomock.Any(), gomock.Any()).Return([]abraflexi.Contract{internet("A")}, nil)
		src.EXPECT().OpenDebts(gomock.Any(), gomock.Any()).Return([]abraflexi.IssuedInvoice{debt("F", "A", "1")}, nil)
		w.EXPECT().AddLabel(gomock.Any(), gomock.Any(), gomock.Any()).Return(nil, boom)
		res, err := dunning.Mark(context.Background(), src, w, dunning.Policy{}, dunning.Options{Today: wednesday})
		if !errors.Is(err, boom) || res == nil || res.Decisions[0].Reason != dunning.ReasonErrorMarking {
			t.Errorf("res %+v err %v", res, err)
		}
	})
	t.Run("no today", func(t *testing.T) {
		ctrl := gomock.NewController(t)
		if _, err := dunning.Mark(context.Background(), dunningmock.NewMockSource(ctrl), dunningmock.NewMockLabelWriter(ctrl), dunning.Policy{}, dunning.Options{}); err == nil {
			t.Error("accepted a zero Today")
		}
	})
	t.Run("bad policy", func(t *testing.T) {
		ctrl := gomock.NewController(t)
		if _, err := dunning.Mark(context.Background(), dunningmock.NewMockSource(ctrl), dunningmock.NewMockLabelWriter(ctrl), dunning.Policy{DefaultSpeed: -1}, dunning.Options{Today: wednesday}); err == nil {
			t.Error("accepted a bad policy")
		}
	})
}

// blockFixture is a source with disconnected customers and a fake backend.
func blockFixture(t *testing.T) (*dunningmock.MockSource, *netbackendtest.Backend) {
	ctrl := gomock.NewController(t)
	src := dunningmock.NewMockSource(ctrl)
	src.EXPECT().CustomersWithLabel(gomock.Any(), "ODPOJENO").Return([]abraflexi.Address{
		addr(1, "ALICE", "ODPOJENO"),
		addr(2, "BOB", "ODPOJENO", "VIP"),
		addr(3, "CAROL", "ODPOJENO", "NEODPOJOVAT"),
		addr(4, "DAVE", "ODPOJENO"),
		addr(5, "ERIN", "ODPOJENO"),
	}, nil).AnyTimes()
	nb := netbackendtest.New()
	nb.Add("ALICE", "10.0.0.1", 100)
	nb.Add("ALICE", "10.0.0.2", 50)
	nb.Add("BOB", "10.0.1.1", 100)
	nb.Add("CAROL", "10.0.2.1", 100)
	nb.Add("ERIN", "10.0.4.1", 30)
	return src, nb
}

func TestBlockRun(t *testing.T) {
	src, nb := blockFixture(t)
	res, err := dunning.Block(context.Background(), src, nb, dunning.DefaultPolicy(), dunning.Options{Today: wednesday, Note: "test"})
	if err != nil {
		t.Fatal(err)
	}
	equalReasons(t, blockReasons(res.Decisions), map[string]dunning.Reason{
		"ALICE": dunning.ReasonBlocked, "BOB": dunning.ReasonVIPSkipped, "CAROL": dunning.ReasonNoDisconnectSkipped,
		"DAVE": dunning.ReasonNoIPFound, "ERIN": dunning.ReasonBlocked,
	})
	if res.Err() != nil || res.NewlyBlocked() != 2 || len(res.Mismatches) != 0 || res.Refusal != nil {
		t.Errorf("err %v newly %d mismatches %v refusal %v", res.Err(), res.NewlyBlocked(), res.Mismatches, res.Refusal)
	}
	for ip, want := range map[string]int{"10.0.0.1": 0, "10.0.0.2": 0, "10.0.1.1": 100, "10.0.2.1": 100, "10.0.4.1": 0} {
		h, _ := nb.Host(netip.MustParseAddr(ip))
		if h.Speed != want {
			t.Errorf("%s speed %d, want %d", ip, h.Speed, want)
		}
	}
	// One lookup, one dry run, one apply, one verification.
	var methods []string
	applies := 0
	for _, c := range nb.Calls() {
		methods = append(methods, c.Method)
		if c.Method == "Apply" && !c.DryRun {
			applies++
		}
	}
	if !slices.Equal(methods, []string{"CustomerIPs", "Apply", "Apply", "State"}) || applies != 1 {
		t.Errorf("backend calls %v", methods)
	}

	// A second run changes nothing and does not apply.
	res2, err := dunning.Block(context.Background(), src, nb, dunning.DefaultPolicy(), dunning.Options{Today: wednesday})
	if err != nil || res2.NewlyBlocked() != 0 || res2.Err() != nil {
		t.Fatalf("second run: %+v %v", res2, err)
	}
	if blockReasons(res2.Decisions)["ALICE"] != dunning.ReasonBlocked {
		t.Errorf("second run: %v", blockReasons(res2.Decisions))
	}
	for _, c := range nb.Calls()[4:] {
		if c.Method == "Apply" && !c.DryRun {
			t.Errorf("second run applied %v", c.Changes)
		}
	}
}

func TestBlockRunDryRun(t *testing.T) {
	src, nb := blockFixture(t)
	res, err := dunning.Block(context.Background(), src, nb, dunning.DefaultPolicy(), dunning.Options{Today: wednesday, DryRun: true})
	if err != nil || res.NewlyBlocked() != 2 || !res.DryRun {
		t.Fatalf("res %+v err %v", res, err)
	}
	if h, _ := nb.Host(netip.MustParseAddr("10.0.0.1")); h.Speed != 100 {
		t.Errorf("dry run changed the backend: %+v", h)
	}
	for _, c := range nb.Calls() {
		if c.Method == "Apply" && !c.DryRun {
			t.Error("dry run applied")
		}
	}
}

func TestBlockRunCircuitBreaker(t *testing.T) {
	src, nb := blockFixture(t)
	p := dunning.DefaultPolicy()
	p.MaxBlocks = 1
	res, err := dunning.Block(context.Background(), src, nb, p, dunning.Options{Today: wednesday})
	if err != nil {
		t.Fatal(err)
	}
	if res.Refusal == nil || res.Refusal.Kind != dunning.RefusedCircuitBreaker || !slices.Equal(res.Refusal.Customers, []string{"ALICE", "ERIN"}) {
		t.Fatalf("refusal = %+v", res.Refusal)
	}
	if !errors.Is(res.Err(), dunning.ErrCircuitBreaker) {
		t.Errorf("Err() = %v", res.Err())
	}
	got := blockReasons(res.Decisions)
	if got["ALICE"] != dunning.ReasonWouldBlock || got["ERIN"] != dunning.ReasonWouldBlock || got["DAVE"] != dunning.ReasonNoIPFound {
		t.Errorf("reasons = %v", got)
	}
	if h, _ := nb.Host(netip.MustParseAddr("10.0.0.1")); h.Speed != 100 {
		t.Errorf("breaker blocked: %+v", h)
	}
	// Already-blocked customers do not count toward the limit.
	nb2 := netbackendtest.New()
	nb2.Add("ALICE", "10.0.0.1", 0)
	nb2.Add("ERIN", "10.0.4.1", 30)
	res, err = dunning.Block(context.Background(), src, nb2, p, dunning.Options{Today: wednesday})
	if err != nil || res.Refusal != nil || res.NewlyBlocked() != 1 {
		t.Errorf("res %+v err %v", res, err)
	}
}

func TestBlockRunNotACutDay(t *testing.T) {
	src, nb := blockFixture(t)
	p := dunning.DefaultPolicy()
	p.CutDays = dunning.CutWorkdays
	christmas := abraflexi.NewDate(2026, time.December, 24)
	res, err := dunning.Block(context.Background(), src, nb, p, dunning.Options{Today: christmas})
	if err != nil {
		t.Fatal(err)
	}
	if res.Refusal == nil || res.Refusal.Kind != dunning.RefusedNotCutDay || res.Err() != nil {
		t.Fatalf("refusal %+v err %v", res.Refusal, res.Err())
	}
	if !strings.Contains(res.Refusal.Message, "Christmas Eve") {
		t.Errorf("message %q", res.Refusal.Message)
	}
	if h, _ := nb.Host(netip.MustParseAddr("10.0.4.1")); h.Speed != 30 {
		t.Errorf("blocked on a holiday: %+v", h)
	}
}

func TestBlockRunPartialFailure(t *testing.T) {
	src, nb := blockFixture(t)
	nb.FailIP(netip.MustParseAddr("10.0.0.2"), netbackendtest.ErrInjected)
	res, err := dunning.Block(context.Background(), src, nb, dunning.DefaultPolicy(), dunning.Options{Today: wednesday})
	if err != nil {
		t.Fatal(err)
	}
	got := blockReasons(res.Decisions)
	if got["ALICE"] != dunning.ReasonErrorBlocking || got["ERIN"] != dunning.ReasonBlocked {
		t.Errorf("reasons = %v", got)
	}
	if res.Err() == nil || !strings.Contains(res.Err().Error(), "10.0.0.2") {
		t.Errorf("Err() = %v", res.Err())
	}
}

// aliceMocks returns mocks for a run over one customer, ALICE (id 1) with
// the disconnected label, whose one IP 10.0.0.1 the backend ("mock")
// returns when asked about her.
func aliceMocks(t *testing.T) (*gomock.Controller, *dunningmock.MockSource, *netbackendmock.MockBackend, netip.Addr) {
	ctrl := gomock.NewController(t)
	src := dunningmock.NewMockSource(ctrl)
	src.EXPECT().CustomersWithLabel(gomock.Any(), "ODPOJENO").Return([]abraflexi.Address{addr(1, "ALICE", "ODPOJENO")}, nil)
	nb := netbackendmock.NewMockBackend(ctrl)
	ip := netip.MustParseAddr("10.0.0.1")
	nb.EXPECT().Name().Return("mock").AnyTimes()
	nb.EXPECT().CustomerIPs(gomock.Any(), []string{"ALICE"}).Return(netbackend.Lookup{IPs: map[string][]netip.Addr{"ALICE": {ip}}}, nil)
	return ctrl, src, nb, ip
}

func TestBlockRunApplyFails(t *testing.T) {
	_, src, nb, ip := aliceMocks(t)
	change := netbackend.Change{Customer: "ALICE", IP: ip, Action: netbackend.Block, Reason: "label ODPOJENO"}
	nb.EXPECT().Apply(gomock.Any(), []netbackend.Change{change}, netbackend.ApplyOptions{DryRun: true}).
		Return([]netbackend.Result{{Change: change, Status: netbackend.Changed}}, nil)
	boom := errors.New("svn commit failed")
	nb.EXPECT().Apply(gomock.Any(), []netbackend.Change{change}, netbackend.ApplyOptions{}).Return(nil, boom)
	res, err := dunning.Block(context.Background(), src, nb, dunning.DefaultPolicy(), dunning.Options{Today: wednesday})
	if !errors.Is(err, boom) || res == nil || res.Decisions[0].Reason != dunning.ReasonErrorBlocking {
		t.Errorf("res %+v err %v", res, err)
	}
}

func TestBlockRunVerificationMismatch(t *testing.T) {
	_, src, nb, ip := aliceMocks(t)
	nb.EXPECT().Apply(gomock.Any(), gomock.Any(), gomock.Any()).DoAndReturn(
		func(_ context.Context, cs []netbackend.Change, _ netbackend.ApplyOptions) ([]netbackend.Result, error) {
			return []netbackend.Result{{Change: cs[0], Status: netbackend.Changed, SpeedBefore: 100, SpeedAfter: 0}}, nil
		}).Times(2)
	nb.EXPECT().State(gomock.Any(), []netip.Addr{ip}).Return(map[netip.Addr]netbackend.IPState{ip: {IP: ip, Found: true, Speed: 100, OriginalSpeed: -1}}, nil)
	res, err := dunning.Block(context.Background(), src, nb, dunning.DefaultPolicy(), dunning.Options{Today: wednesday})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Mismatches) != 1 || res.Decisions[0].Reason != dunning.ReasonErrorBlocking || !strings.Contains(res.Err().Error(), "not blocked (speed 100)") {
		t.Errorf("mismatches %v decisions %+v err %v", res.Mismatches, res.Decisions, res.Err())
	}
}

func unblockSource(t *testing.T, ctrl *gomock.Controller) *dunningmock.MockSource {
	src := dunningmock.NewMockSource(ctrl)
	src.EXPECT().CustomersWithLabel(gomock.Any(), "ODPOJENO").Return([]abraflexi.Address{
		addr(1, "ALICE", "ODPOJENO", "UPOMINKA3"),
		addr(2, "BOB", "ODPOJENO"),
		addr(3, "CAROL", "ODPOJENO"),
		addr(4, "DAVE", "ODPOJENO"),
	}, nil)
	src.EXPECT().OpenDebts(gomock.Any(), wednesday).Return([]abraflexi.IssuedInvoice{debt("F1", "BOB", "300")}, nil)
	return src
}

func TestUnblockRun(t *testing.T) {
	ctrl := gomock.NewController(t)
	src := unblockSource(t, ctrl)
	w := dunningmock.NewMockLabelWriter(ctrl)
	nb := netbackendtest.New(
		netbackendtest.Host{Customer: "ALICE", IP: netip.MustParseAddr("10.0.0.1"), Speed: 0, OriginalSpeed: 100},
		netbackendtest.Host{Customer: "ALICE", IP: netip.MustParseAddr("10.0.0.2"), Speed: 0, OriginalSpeed: -1},
		netbackendtest.Host{Customer: "BOB", IP: netip.MustParseAddr("10.0.1.1"), Speed: 0, OriginalSpeed: 100},
		netbackendtest.Host{Customer: "DAVE", IP: netip.MustParseAddr("10.0.3.1"), Speed: 0, OriginalSpeed: 40},
	)
	nb.FailIP(netip.MustParseAddr("10.0.3.1"), netbackendtest.ErrInjected)
	// ALICE (unblocked) and CAROL (no IP) lose the label in one call; BOB
	// owes, DAVE failed.
	w.EXPECT().RemoveLabel(gomock.Any(), []abraflexi.ID{abraflexi.NumericID(1), abraflexi.NumericID(3)}, "ODPOJENO").Return([]error{nil, nil}, nil)
	p := dunning.DefaultPolicy()
	p.DefaultSpeed = 25
	res, err := dunning.Unblock(context.Background(), src, w, nb, p, dunning.Options{Today: wednesday})
	if err != nil {
		t.Fatal(err)
	}
	equalReasons(t, unblockReasons(res.Decisions), map[string]dunning.Reason{
		"ALICE": dunning.ReasonUnblocked, "BOB": dunning.ReasonStillOwes, "CAROL": dunning.ReasonNoIPLabelCleared, "DAVE": dunning.ReasonErrorUnblocking,
	})
	for ip, want := range map[string]int{"10.0.0.1": 100, "10.0.0.2": 25, "10.0.1.1": 0, "10.0.3.1": 0} {
		if h, _ := nb.Host(netip.MustParseAddr(ip)); h.Speed != want {
			t.Errorf("%s speed %d, want %d", ip, h.Speed, want)
		}
	}
	if d := res.Decisions[1]; d.Customer.Code != "BOB" || !d.Debt.Amount.Equal(decimal.NewFromInt(300)) || d.Debt.Count() != 1 {
		t.Errorf("BOB = %+v", d)
	}
	if res.Err() == nil || !strings.Contains(res.Err().Error(), "DAVE") {
		t.Errorf("Err() = %v", res.Err())
	}
	// The IP lookup asked only about customers who no longer owe.
	applies := 0
	for _, c := range nb.Calls() {
		if c.Method == "Apply" {
			applies++
			if len(c.Changes) != 3 || c.DryRun {
				t.Errorf("apply %+v", c)
			}
		}
	}
	if applies != 1 {
		t.Errorf("%d applies, want 1", applies)
	}
}

func TestUnblockRunLabelRemovalFails(t *testing.T) {
	ctrl := gomock.NewController(t)
	src := unblockSource(t, ctrl)
	w := dunningmock.NewMockLabelWriter(ctrl)
	nb := netbackendtest.New()
	nb.Add("ALICE", "10.0.0.1", 0)
	ids := []abraflexi.ID{abraflexi.NumericID(1), abraflexi.NumericID(3), abraflexi.NumericID(4)}
	w.EXPECT().RemoveLabel(gomock.Any(), ids, "ODPOJENO").Return([]error{errors.New("409 conflict"), nil, nil}, nil)
	res, err := dunning.Unblock(context.Background(), src, w, nb, dunning.DefaultPolicy(), dunning.Options{Today: wednesday})
	if err != nil {
		t.Fatal(err)
	}
	got := unblockReasons(res.Decisions)
	if got["ALICE"] != dunning.ReasonErrorRemovingLabel || got["CAROL"] != dunning.ReasonNoIPLabelCleared || got["DAVE"] != dunning.ReasonNoIPLabelCleared {
		t.Errorf("reasons %v", got)
	}
	if res.Err() == nil || !strings.Contains(res.Err().Error(), "409 conflict") {
		t.Errorf("Err() = %v", res.Err())
	}

	// A failed call as a whole leaves every customer labelled for the next run.
	ctrl = gomock.NewController(t)
	src = unblockSource(t, ctrl)
	w = dunningmock.NewMockLabelWriter(ctrl)
	w.EXPECT().RemoveLabel(gomock.Any(), ids, "ODPOJENO").Return(nil, errors.New("401 unauthorized"))
	res, err = dunning.Unblock(context.Background(), src, w, nb, dunning.DefaultPolicy(), dunning.Options{Today: wednesday})
	if err != nil {
		t.Fatal(err)
	}
	got = unblockReasons(res.Decisions)
	for _, code := range []string{"ALICE", "CAROL", "DAVE"} {
		if got[code] != dunning.ReasonErrorRemovingLabel {
			t.Errorf("%s: %s, want %s", code, got[code], dunning.ReasonErrorRemovingLabel)
		}
	}
	if res.Err() == nil || strings.Count(res.Err().Error(), "401 unauthorized") != 3 {
		t.Errorf("Err() = %v", res.Err())
	}
}

func TestUnblockRunDryRun(t *testing.T) {
	ctrl := gomock.NewController(t)
	src := unblockSource(t, ctrl)
	w := dunningmock.NewMockLabelWriter(ctrl) // no calls
	nb := netbackendtest.New()
	nb.Add("ALICE", "10.0.0.1", 0)
	res, err := dunning.Unblock(context.Background(), src, w, nb, dunning.DefaultPolicy(), dunning.Options{Today: wednesday, DryRun: true})
	if err != nil || unblockReasons(res.Decisions)["ALICE"] != dunning.ReasonUnblocked || len(res.Decisions[0].Newly) != 1 {
		t.Fatalf("res %+v err %v", res, err)
	}
	if h, _ := nb.Host(netip.MustParseAddr("10.0.0.1")); h.Speed != 0 {
		t.Errorf("dry run unblocked: %+v", h)
	}
}

func TestUnblockRunVerificationKeepsLabel(t *testing.T) {
	ctrl, src, nb, ip := aliceMocks(t)
	nb.EXPECT().Blocked(gomock.Any()).Return([]netbackend.BlockedEntry{{Customer: "ALICE", IP: ip, Speed: 0, OriginalSpeed: 100, Where: "mock"}}, nil)
	src.EXPECT().OpenDebts(gomock.Any(), gomock.Any()).Return(nil, nil)
	w := dunningmock.NewMockLabelWriter(ctrl) // the label must stay
	nb.EXPECT().Apply(gomock.Any(), gomock.Any(), netbackend.ApplyOptions{}).DoAndReturn(
		func(_ context.Context, cs []netbackend.Change, _ netbackend.ApplyOptions) ([]netbackend.Result, error) {
			return []netbackend.Result{{Change: cs[0], Status: netbackend.Changed, SpeedBefore: 0, SpeedAfter: 100}}, nil
		})
	nb.EXPECT().State(gomock.Any(), []netip.Addr{ip}).Return(map[netip.Addr]netbackend.IPState{ip: {IP: ip, Found: true, Blocked: true, Speed: 0}}, nil)
	res, err := dunning.Unblock(context.Background(), src, w, nb, dunning.DefaultPolicy(), dunning.Options{Today: wednesday})
	if err != nil {
		t.Fatal(err)
	}
	if res.Decisions[0].Reason != dunning.ReasonErrorUnblocking || len(res.Mismatches) != 1 {
		t.Errorf("decision %+v mismatches %v", res.Decisions[0], res.Mismatches)
	}
}

func TestUnblockRunNobodyDisconnected(t *testing.T) {
	ctrl := gomock.NewController(t)
	src := dunningmock.NewMockSource(ctrl)
	src.EXPECT().CustomersWithLabel(gomock.Any(), "ODPOJENO").Return(nil, nil)
	nb := netbackendmock.NewMockBackend(ctrl)
	nb.EXPECT().Name().Return("mock").AnyTimes()
	nb.EXPECT().Blocked(gomock.Any()).Return(nil, nil) // nothing else: no debts read, no lookup
	res, err := dunning.Unblock(context.Background(), src, dunningmock.NewMockLabelWriter(ctrl), nb, dunning.DefaultPolicy(), dunning.Options{Today: wednesday})
	if err != nil || len(res.Decisions) != 0 {
		t.Fatalf("res %+v err %v", res, err)
	}
}

func TestMarkRunPartialBatchFailure(t *testing.T) {
	ctrl := gomock.NewController(t)
	src := dunningmock.NewMockSource(ctrl)
	w := dunningmock.NewMockLabelWriter(ctrl)
	var customers []abraflexi.Address
	var contracts []abraflexi.Contract
	var invoices []abraflexi.IssuedInvoice
	for i, code := range []string{"A", "B", "C", "D"} {
		customers = append(customers, addr(int64(i+1), code, "UPOMINKA3"))
		contracts = append(contracts, internet(code))
		invoices = append(invoices, debt("F"+code, code, "10"))
	}
	src.EXPECT().CustomersWithLabel(gomock.Any(), gomock.Any()).Return(customers, nil)
	src.EXPECT().ActiveContracts(gomock.Any(), gomock.Any()).Return(contracts, nil)
	src.EXPECT().OpenDebts(gomock.Any(), gomock.Any()).Return(invoices, nil)
	// Batches of two: the first is saved; in the second, C is saved and D
	// fails. Every result is returned and the error carries the second
	// batch's results.
	failed := []abraflexi.WriteResult{{Index: 2}, {Index: 3, Errors: []abraflexi.Message{{Message: "Záznam neexistuje"}}}}
	apiErr := &abraflexi.APIError{StatusCode: 400, Results: failed}
	w.EXPECT().AddLabel(gomock.Any(), gomock.Len(4), "ODPOJENO").Return(append([]abraflexi.WriteResult{{Index: 0}, {Index: 1}}, failed...), apiErr)
	res, err := dunning.Mark(context.Background(), src, w, dunning.Policy{}, dunning.Options{Today: wednesday})
	if err != nil {
		t.Fatalf("err = %v", err)
	}
	equalReasons(t, markReasons(res.Decisions), map[string]dunning.Reason{
		"A": dunning.ReasonMarked, "B": dunning.ReasonMarked, "C": dunning.ReasonMarked, "D": dunning.ReasonErrorMarking,
	})

	// Without per-record results every record counts as failed and the error is returned.
	ctrl = gomock.NewController(t)
	src = dunningmock.NewMockSource(ctrl)
	w = dunningmock.NewMockLabelWriter(ctrl)
	src.EXPECT().CustomersWithLabel(gomock.Any(), gomock.Any()).Return(customers, nil)
	src.EXPECT().ActiveContracts(gomock.Any(), gomock.Any()).Return(contracts, nil)
	src.EXPECT().OpenDebts(gomock.Any(), gomock.Any()).Return(invoices, nil)
	w.EXPECT().AddLabel(gomock.Any(), gomock.Any(), gomock.Any()).Return([]abraflexi.WriteResult{{Index: 0}, {Index: 1}}, &abraflexi.APIError{StatusCode: 503})
	res, err = dunning.Mark(context.Background(), src, w, dunning.Policy{}, dunning.Options{Today: wednesday})
	if err == nil {
		t.Fatal("no error")
	}
	equalReasons(t, markReasons(res.Decisions), map[string]dunning.Reason{
		"A": dunning.ReasonMarked, "B": dunning.ReasonMarked, "C": dunning.ReasonErrorMarking, "D": dunning.ReasonErrorMarking,
	})
}
