package dunning_test

import (
	"context"
	"errors"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/abraflexi/abraflexitest"
	"github.com/spoje-net/isptools/dunning"
	"github.com/spoje-net/isptools/netbackend"
	"github.com/spoje-net/isptools/netbackend/netbackendtest"
)

// Issue 14 parts 1-4 in the runs: BLOCK_SPEED, MAX_BANK_DATA_AGE,
// MIN_OVERDUE_DAYS and the connection notices.

func TestPlanBlockCarriesBlockSpeed(t *testing.T) {
	customers := []abraflexi.Address{addr(1, "ALICE", "ODPOJENO"), addr(2, "BOB", "ODPOJENO")}
	look := netbackend.Lookup{IPs: map[string][]netip.Addr{"ALICE": addrs("10.0.0.1", "10.0.0.2"), "BOB": addrs("10.0.0.3")}}
	for _, tt := range []struct {
		speed int
		why   string
	}{
		{0, ""},
		{64, "throttled to speed 64 or below (BLOCK_SPEED)"},
	} {
		p := dunning.DefaultPolicy()
		p.BlockSpeed = tt.speed
		plan := dunning.PlanBlock(customers, look, p)
		if len(plan.Changes) != 3 {
			t.Fatalf("changes %v", plan.Changes)
		}
		for _, c := range plan.Changes {
			if c.BlockSpeed != tt.speed || c.Action != netbackend.Block {
				t.Errorf("BLOCK_SPEED=%d: change %+v", tt.speed, c)
			}
		}
		for _, d := range plan.Decisions {
			if d.Reason != dunning.ReasonBlocked || (tt.why == "") != (d.Why == "") || !strings.Contains(d.Why, tt.why) {
				t.Errorf("BLOCK_SPEED=%d: %s %s why %q", tt.speed, d.Customer.Code, d.Reason, d.Why)
			}
		}
	}
	p := dunning.DefaultPolicy()
	p.BlockSpeed = -1
	if err := p.Validate(); err == nil || !strings.Contains(err.Error(), "block speed -1") {
		t.Errorf("negative block speed: %v", err)
	}
}

// TestThrottleRunAndRestore: a run with BLOCK_SPEED throttles (keeping the
// original), counts throttled and slower entries as blocked on the next
// run, and unblocking, verification and self-healing restore them.
func TestThrottleRunAndRestore(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, wednesday)
	aliceID, aliceInv := w.customer("ALICE", "INTERNET", "500", "ODPOJENO")
	w.customer("SLOW", "INTERNET", "500", "ODPOJENO")
	w.customer("ORPHAN", "INTERNET", "")
	nb := netbackendtest.New(host("ALICE", "10.0.0.1", 512, -1), host("SLOW", "10.0.0.2", 32, -1), host("ORPHAN", "10.0.0.3", 64, 1024))
	p := dunning.DefaultPolicy()
	p.BlockSpeed = 64
	opts := lockIn(t, dunning.Options{Today: wednesday})

	res, err := dunning.Block(ctx, w.af, nb, p, opts)
	if err != nil || res.Err() != nil || res.NewlyBlocked() != 2 || len(res.Mismatches) != 0 {
		t.Fatalf("block: %+v %v", res, err)
	}
	for ip, want := range map[string][2]int{"10.0.0.1": {64, 512}, "10.0.0.2": {32, 32}} {
		h, _ := nb.Host(addrs(ip)[0])
		if h.Speed != want[0] || h.OriginalSpeed != want[1] {
			t.Errorf("%s: speed %d orig %d, want %v", ip, h.Speed, h.OriginalSpeed, want)
		}
	}
	// Throttled counts as blocked: nothing new, no apply.
	before := len(nb.Calls())
	res, err = dunning.Block(ctx, w.af, nb, p, opts)
	if err != nil || res.NewlyBlocked() != 0 || blockReasons(res.Decisions)["ALICE"] != dunning.ReasonBlocked {
		t.Fatalf("second block: %+v %v", res, err)
	}
	for _, c := range nb.Calls()[before:] {
		if c.Method == "Apply" && !c.DryRun {
			t.Errorf("second block applied %v", c.Changes)
		}
	}
	// A lower BLOCK_SPEED cuts further; the first original stays.
	p0 := p
	p0.BlockSpeed = 0
	if res, err = dunning.Block(ctx, w.af, nb, p0, opts); err != nil || res.NewlyBlocked() != 2 {
		t.Fatalf("cut further: %+v %v", res, err)
	}
	if h, _ := nb.Host(addrs("10.0.0.1")[0]); h.Speed != 0 || h.OriginalSpeed != 512 {
		t.Errorf("cut further: %+v", h)
	}
	p0.BlockSpeed = 64 // back to throttling: the entry at 0 stays as it is
	if res, err = dunning.Block(ctx, w.af, nb, p0, opts); err != nil || res.NewlyBlocked() != 0 {
		t.Fatalf("re-throttle: %+v %v", res, err)
	}

	// ALICE pays; unblocking restores 512, self-healing restores ORPHAN's 1024.
	w.pay(aliceInv)
	ures, err := dunning.Unblock(ctx, w.af, w.af, nb, p, opts)
	if err != nil || ures.Err() != nil {
		t.Fatalf("unblock: %+v %v", ures, err)
	}
	equalReasons(t, unblockReasons(ures.Decisions), map[string]dunning.Reason{
		"ALICE": dunning.ReasonUnblocked, "SLOW": dunning.ReasonStillOwes, "ORPHAN": dunning.ReasonOrphanUnblocked,
	})
	for ip, want := range map[string][2]int{"10.0.0.1": {512, -1}, "10.0.0.2": {0, 32}, "10.0.0.3": {1024, -1}} {
		h, _ := nb.Host(addrs(ip)[0])
		if h.Speed != want[0] || h.OriginalSpeed != want[1] {
			t.Errorf("after unblock %s: speed %d orig %d, want %v", ip, h.Speed, h.OriginalSpeed, want)
		}
	}
	if l := w.labels(t, aliceID); slices.Contains(l, "ODPOJENO") {
		t.Errorf("ALICE labels %v", l)
	}
}

func TestDecideMarkGraceDays(t *testing.T) {
	customers := []abraflexi.Address{
		labelled("OLD", "UPOMINKA3"), labelled("YOUNG", "UPOMINKA3"), labelled("MIXED", "UPOMINKA3"),
		labelled("EXACT", "UPOMINKA3"), labelled("PAIDOLD", "UPOMINKA3"), labelled("CREDIT", "UPOMINKA3"),
	}
	var contracts []abraflexi.Contract
	for _, c := range customers {
		contracts = append(contracts, internet(c.Code))
	}
	invoices := []abraflexi.IssuedInvoice{
		overdue("F-OLD", "OLD", "100", dueOn(day.AddDays(-17))),
		overdue("F-YOUNG", "YOUNG", "100", dueOn(day.AddDays(-5))),
		overdue("F-MIXED1", "MIXED", "100", dueOn(day.AddDays(-3))),
		overdue("F-MIXED2", "MIXED", "100", dueOn(day.AddDays(-20))),
		overdue("F-EXACT", "EXACT", "100", dueOn(day.AddDays(-14))),
		// an old invoice that is paid does not count, only the young debt
		overdue("F-PAIDOLD1", "PAIDOLD", "0", dueOn(day.AddDays(-60)), payState(abraflexi.PaymentStatePaid)),
		overdue("F-PAIDOLD2", "PAIDOLD", "100", dueOn(day.AddDays(-2))),
		// owes 100 on an old invoice less a 100 credit note: no debt at all
		overdue("F-CREDIT", "CREDIT", "100", dueOn(day.AddDays(-30))),
		overdue("D-CREDIT", "CREDIT", "-100", docKind(abraflexi.KindCreditNote)),
	}
	in := dunning.MarkInput{Customers: customers, Contracts: contracts, Invoices: invoices}
	tests := []struct {
		days int
		want map[string]dunning.Reason
		why  map[string]string
	}{
		{0, map[string]dunning.Reason{"OLD": dunning.ReasonMarked, "YOUNG": dunning.ReasonMarked, "MIXED": dunning.ReasonMarked,
			"EXACT": dunning.ReasonMarked, "PAIDOLD": dunning.ReasonMarked, "CREDIT": dunning.ReasonNoDebtSkipped},
			map[string]string{"OLD": ""}},
		{14, map[string]dunning.Reason{"OLD": dunning.ReasonMarked, "YOUNG": dunning.ReasonGraceDaysSkipped, "MIXED": dunning.ReasonMarked,
			"EXACT": dunning.ReasonMarked, "PAIDOLD": dunning.ReasonGraceDaysSkipped, "CREDIT": dunning.ReasonNoDebtSkipped},
			map[string]string{
				"OLD":     "oldest unpaid invoice 17 days overdue",
				"YOUNG":   "oldest unpaid invoice 5 days overdue, fewer than MIN_OVERDUE_DAYS=14",
				"MIXED":   "oldest unpaid invoice 20 days overdue",
				"EXACT":   "oldest unpaid invoice 14 days overdue",
				"PAIDOLD": "oldest unpaid invoice 2 days overdue, fewer than MIN_OVERDUE_DAYS=14",
				"CREDIT":  "",
			}},
		{18, map[string]dunning.Reason{"OLD": dunning.ReasonGraceDaysSkipped, "YOUNG": dunning.ReasonGraceDaysSkipped, "MIXED": dunning.ReasonMarked,
			"EXACT": dunning.ReasonGraceDaysSkipped, "PAIDOLD": dunning.ReasonGraceDaysSkipped, "CREDIT": dunning.ReasonNoDebtSkipped}, nil},
	}
	for _, tt := range tests {
		p := dunning.DefaultPolicy()
		p.MinOverdueDays = tt.days
		ds := dunning.DecideMark(day, in, p)
		equalReasons(t, markReasons(ds), tt.want)
		for _, d := range ds {
			if w, ok := tt.why[d.Customer.Code]; ok && d.Why != w {
				t.Errorf("MIN_OVERDUE_DAYS=%d: %s why %q, want %q", tt.days, d.Customer.Code, d.Why, w)
			}
		}
	}
	// Exempt customers stay exempt whatever their invoices.
	vip := dunning.MarkInput{Customers: []abraflexi.Address{labelled("V", "UPOMINKA3", "VIP")}, Contracts: []abraflexi.Contract{internet("V")},
		Invoices: []abraflexi.IssuedInvoice{overdue("F-V", "V", "100", dueOn(day.AddDays(-2)))}}
	p := dunning.DefaultPolicy()
	p.MinOverdueDays = 14
	if r := markReasons(dunning.DecideMark(day, vip, p))["V"]; r != dunning.ReasonVIPSkipped {
		t.Errorf("VIP: %s", r)
	}
	p.MinOverdueDays = -1
	if err := p.Validate(); err == nil {
		t.Error("negative MIN_OVERDUE_DAYS accepted")
	}
}

// bankWorld is AbraFlexi with two customers to newly block and a backend
// holding their IPs; newest is the date of the newest incoming movement
// ("" for none).
func bankWorld(t *testing.T, newest string) (*world, *netbackendtest.Backend) {
	t.Helper()
	w := newWorld(t, wednesday)
	w.customer("ALICE", "INTERNET", "500", "ODPOJENO")
	w.customer("BOB", "INTERNET", "500", "ODPOJENO")
	if newest != "" {
		w.srv.Seed(
			abraflexi.BankMovement{Movement: abraflexi.Movement{Code: "B+OLD", IssuedOn: abraflexi.MustParseDate("2026-11-01"),
				Direction: abraflexi.DirectionIncoming, Total: decimal.NewFromInt(10)}},
			abraflexi.BankMovement{Movement: abraflexi.Movement{Code: "B+NEWEST", IssuedOn: abraflexi.MustParseDate(newest),
				Direction: abraflexi.DirectionIncoming, Total: decimal.NewFromInt(10)}},
			abraflexi.BankMovement{Movement: abraflexi.Movement{Code: "B-OUT", IssuedOn: abraflexi.MustParseDate("2026-11-25"),
				Direction: abraflexi.DirectionOutgoing, Total: decimal.NewFromInt(10)}},
		)
	}
	nb := netbackendtest.New(host("ALICE", "10.0.0.1", 100, -1), host("BOB", "10.0.0.2", 100, -1))
	return w, nb
}

func bankRequests(srv *abraflexitest.Server) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Evidence == abraflexi.EvidenceBank {
			n++
		}
	}
	return n
}

func TestBlockStaleBankData(t *testing.T) {
	ctx := context.Background()
	loc := prague(t)
	// Wednesday 2026-11-25 at 09:00 in Prague.
	now := time.Date(2026, time.November, 25, 9, 0, 0, 0, loc)
	age36h := dunning.BankDataAge{Duration: 36 * time.Hour}
	tests := []struct {
		name     string
		newest   string
		age      dunning.BankDataAge
		cut      dunning.CutDays
		today    abraflexi.Date
		now      time.Time
		dry      bool
		refused  dunning.RefusalKind
		newly    int
		requests int
		why      []string
	}{
		{name: "guard off: no request", newest: "2026-11-01", requests: 0, newly: 2},
		{name: "fresh", newest: "2026-11-24", age: age36h, requests: 1, newly: 2},
		{name: "stale", newest: "2026-11-20", age: age36h, requests: 1, refused: dunning.RefusedStaleBankData,
			why: []string{"B+NEWEST", "2026-11-20", "MAX_BANK_DATA_AGE=36h"}},
		{name: "stale in a dry run too", newest: "2026-11-20", age: age36h, dry: true, requests: 1, refused: dunning.RefusedStaleBankData},
		{name: "no bank movement at all", age: age36h, requests: 1, refused: dunning.RefusedStaleBankData,
			why: []string{"no incoming bank movement"}},
		// Friday's statement is fresh on Monday with 1 working day.
		{name: "working days", newest: "2026-11-20", age: dunning.BankDataAge{Days: 1}, cut: dunning.CutWorkdays,
			today: abraflexi.NewDate(2026, time.November, 23), now: time.Date(2026, time.November, 23, 20, 0, 0, 0, loc), requests: 1, newly: 2},
		{name: "calendar days", newest: "2026-11-20", age: dunning.BankDataAge{Days: 1},
			today: abraflexi.NewDate(2026, time.November, 23), now: time.Date(2026, time.November, 23, 20, 0, 0, 0, loc), requests: 1,
			refused: dunning.RefusedStaleBankData},
		// Not a cut day: refused before the guard reads anything.
		{name: "weekend first", newest: "2026-11-01", age: age36h, cut: dunning.CutWorkdays,
			today: abraflexi.NewDate(2026, time.November, 28), now: time.Date(2026, time.November, 28, 9, 0, 0, 0, loc), requests: 0,
			refused: dunning.RefusedNotCutDay},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, nb := bankWorld(t, tt.newest)
			p := dunning.DefaultPolicy()
			p.MaxBankDataAge, p.CutDays = tt.age, tt.cut
			opts := lockIn(t, dunning.Options{Today: wednesday, Now: now, DryRun: tt.dry})
			if !tt.today.IsZero() {
				opts.Today, opts.Now = tt.today, tt.now
			}
			w.srv.ResetRequests()
			res, err := dunning.Block(ctx, w.af, nb, p, opts)
			if err != nil || res.Err() != nil {
				t.Fatalf("%+v %v", res, err)
			}
			if n := bankRequests(w.srv); n != tt.requests {
				t.Errorf("%d requests to banka, want %d", n, tt.requests)
			}
			if tt.refused == "" {
				if res.Refusal != nil || res.NewlyBlocked() != tt.newly {
					t.Errorf("refusal %+v, newly %d", res.Refusal, res.NewlyBlocked())
				}
				return
			}
			if res.Refusal == nil || res.Refusal.Kind != tt.refused || !slices.Equal(res.Refusal.Customers, []string{"ALICE", "BOB"}) {
				t.Fatalf("refusal %+v", res.Refusal)
			}
			for _, w := range tt.why {
				if !strings.Contains(res.Refusal.Message, w) {
					t.Errorf("message %q lacks %q", res.Refusal.Message, w)
				}
			}
			if tt.refused == dunning.RefusedStaleBankData && tt.newest != "" &&
				(res.Refusal.NewestMovement == nil || res.Refusal.NewestMovement.Code != "B+NEWEST") {
				t.Errorf("newest movement %+v", res.Refusal.NewestMovement)
			}
			equalReasons(t, blockReasons(res.Decisions), map[string]dunning.Reason{"ALICE": dunning.ReasonWouldBlock, "BOB": dunning.ReasonWouldBlock})
			for _, c := range nb.Calls() {
				if c.Method == "Apply" && !c.DryRun {
					t.Errorf("a refused run applied %v", c.Changes)
				}
			}
		})
	}
}

func TestStaleBankDataNeverHoldsBackTheRest(t *testing.T) {
	ctx := context.Background()
	w, _ := bankWorld(t, "2026-11-01")
	p := dunning.DefaultPolicy()
	p.MaxBankDataAge = dunning.BankDataAge{Duration: time.Hour}
	opts := lockIn(t, dunning.Options{Today: wednesday})
	// Customers already blocked need no new block: the guard reads nothing
	// and refuses nothing.
	nb := netbackendtest.New(host("ALICE", "10.0.0.1", 0, 100), host("BOB", "10.0.0.2", 0, 100))
	w.srv.ResetRequests()
	res, err := dunning.Block(ctx, w.af, nb, p, opts)
	if err != nil || res.Refusal != nil || bankRequests(w.srv) != 0 || blockReasons(res.Decisions)["ALICE"] != dunning.ReasonBlocked {
		t.Errorf("nothing new: %+v %v, %d bank requests", res, err, bankRequests(w.srv))
	}
	// Unblocking ignores the guard: CAROL paid and is restored despite
	// the stale bank data.
	_, inv := w.customer("CAROL", "INTERNET", "100", "ODPOJENO")
	w.pay(inv)
	ures, err := dunning.Unblock(ctx, w.af, w.af, netbackendtest.New(host("CAROL", "10.0.0.9", 0, 300)), p, opts)
	if err != nil || unblockReasons(ures.Decisions)["CAROL"] != dunning.ReasonUnblocked || bankRequests(w.srv) != 0 {
		t.Errorf("unblock: %+v %v", ures, err)
	}
}

// plainSource is a Source that is not a BankDataSource.
type plainSource struct{ dunning.Source }

func TestStaleBankDataGuardFailures(t *testing.T) {
	ctx := context.Background()
	p := dunning.DefaultPolicy()
	p.MaxBankDataAge = dunning.BankDataAge{Duration: 36 * time.Hour}
	t.Run("source cannot read banka", func(t *testing.T) {
		w, nb := bankWorld(t, "2026-11-24")
		res, err := dunning.Block(ctx, plainSource{w.af}, nb, p, lockIn(t, dunning.Options{Today: wednesday}))
		if !errors.Is(err, dunning.ErrNoBankData) || blockReasons(res.Decisions)["ALICE"] != dunning.ReasonErrorBlocking {
			t.Errorf("%+v %v", res, err)
		}
	})
	t.Run("reading banka fails: nothing blocked", func(t *testing.T) {
		w, nb := bankWorld(t, "2026-11-24")
		w.srv.FailNext(10, http.StatusInternalServerError, abraflexitest.Matcher{Evidence: abraflexi.EvidenceBank})
		res, err := dunning.Block(ctx, w.af, nb, p, lockIn(t, dunning.Options{Today: wednesday}))
		if err == nil || !strings.Contains(err.Error(), "bank") || blockReasons(res.Decisions)["ALICE"] != dunning.ReasonErrorBlocking {
			t.Errorf("%+v %v", res, err)
		}
		for _, c := range nb.Calls() {
			if c.Method == "Apply" && !c.DryRun {
				t.Errorf("applied %v", c.Changes)
			}
		}
	})
	t.Run("the circuit breaker still trips after a fresh check", func(t *testing.T) {
		w, nb := bankWorld(t, "2026-11-24")
		p := p
		p.MaxBlocks = 1
		res, err := dunning.Block(ctx, w.af, nb, p, lockIn(t, dunning.Options{Today: wednesday, Now: time.Date(2026, time.November, 25, 9, 0, 0, 0, prague(t))}))
		if err != nil || res.Refusal == nil || res.Refusal.Kind != dunning.RefusedCircuitBreaker {
			t.Errorf("%+v %v", res.Refusal, err)
		}
	})
}

// recorder is a Notifier that records what it was asked and answers with
// status.
type recorder struct {
	mu           sync.Mutex
	disconnected [][]dunning.Notice
	reconnected  [][]dunning.Notice
	labels       []string
	dry          []bool
	status       string
}

func (r *recorder) Disconnected(_ context.Context, ns []dunning.Notice, label string, dry bool) []dunning.NoticeOutcome {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.disconnected = append(r.disconnected, ns)
	r.labels = append(r.labels, label)
	r.dry = append(r.dry, dry)
	return r.answer(ns)
}

func (r *recorder) Reconnected(_ context.Context, ns []dunning.Notice, dry bool) []dunning.NoticeOutcome {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reconnected = append(r.reconnected, ns)
	r.dry = append(r.dry, dry)
	return r.answer(ns)
}

func (r *recorder) answer(ns []dunning.Notice) []dunning.NoticeOutcome {
	out := make([]dunning.NoticeOutcome, len(ns))
	for i, n := range ns {
		out[i] = dunning.NoticeOutcome{Customer: n.Customer.Code, Status: r.status}
	}
	return out
}

func noticeCodes(ns []dunning.Notice) []string {
	var out []string
	for _, n := range ns {
		out = append(out, n.Customer.Code)
	}
	return out
}

func TestDisconnectNoticesDecision(t *testing.T) {
	ds := []dunning.BlockDecision{
		{Customer: labelled("B", "ODPOJENO"), Reason: dunning.ReasonBlocked},
		{Customer: labelled("A", "ODPOJENO"), Reason: dunning.ReasonBlocked, Newly: addrs("10.0.0.1")},
		{Customer: labelled("TOLD", "ODPOJENO", "OZNAMENO_ODPOJENI"), Reason: dunning.ReasonBlocked, Newly: addrs("10.0.0.2")},
		{Customer: labelled("NOIP", "ODPOJENO"), Reason: dunning.ReasonNoIPFound},
		{Customer: labelled("ERR", "ODPOJENO"), Reason: dunning.ReasonErrorBlocking},
		{Customer: labelled("WOULD", "ODPOJENO"), Reason: dunning.ReasonWouldBlock},
		{Customer: labelled("CONFLICT", "ODPOJENO"), Reason: dunning.ReasonIPConflict, Newly: addrs("10.0.0.3")},
		{Customer: labelled("VIP", "ODPOJENO", "VIP"), Reason: dunning.ReasonVIPSkipped},
	}
	var got []string
	for _, c := range dunning.DisconnectNotices(ds, dunning.DefaultPolicy()) {
		got = append(got, c.Code)
	}
	if !slices.Equal(got, []string{"A", "B"}) {
		t.Errorf("DisconnectNotices = %v, want [A B]", got)
	}
	p := dunning.DefaultPolicy()
	p.Labels.DisconnectNotified = "told"
	ds[0].Customer.Labels = abraflexi.Labels("ODPOJENO", "TOLD")
	if got := dunning.DisconnectNotices(ds, p); len(got) != 2 || got[0].Code != "A" || got[1].Code != "TOLD" {
		t.Errorf("with LABEL_DISCONNECT_NOTIFIED=told: %v", got)
	}

	us := []dunning.UnblockDecision{
		{Customer: labelled("U", "ODPOJENO"), Reason: dunning.ReasonUnblocked, Newly: addrs("10.0.0.1")},
		{Customer: labelled("UNCHANGED", "ODPOJENO"), Reason: dunning.ReasonUnblocked},
		{Customer: labelled("ORPHAN"), Reason: dunning.ReasonOrphanUnblocked, Newly: addrs("10.0.0.2")},
		{Customer: labelled("LABELFAIL", "ODPOJENO"), Reason: dunning.ReasonErrorRemovingLabel, Newly: addrs("10.0.0.3")},
		{Customer: labelled("NOIP", "ODPOJENO"), Reason: dunning.ReasonNoIPLabelCleared},
		{Customer: labelled("OWES", "ODPOJENO"), Reason: dunning.ReasonStillOwes},
		{Customer: labelled("FAIL", "ODPOJENO"), Reason: dunning.ReasonErrorUnblocking, Newly: addrs("10.0.0.4")},
	}
	got = nil
	for _, c := range dunning.ReconnectNotices(us) {
		got = append(got, c.Code)
	}
	if !slices.Equal(got, []string{"LABELFAIL", "ORPHAN", "U"}) {
		t.Errorf("ReconnectNotices = %v", got)
	}
	for i := range us {
		us[i].Customer.Labels = abraflexi.Labels("ODPOJENO", "OZNAMENO_ODPOJENI")
	}
	var cleared []string
	for _, i := range dunning.NoticeLabelsToClear(us, dunning.DefaultPolicy()) {
		cleared = append(cleared, us[i].Customer.Code)
	}
	if !slices.Equal(cleared, []string{"U", "UNCHANGED", "ORPHAN", "NOIP"}) {
		t.Errorf("NoticeLabelsToClear = %v", cleared)
	}
}

func TestBlockRunNotices(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, wednesday)
	w.srv.AddLabelDefinitions("OZNAMENO_ODPOJENI")
	w.customer("ALICE", "INTERNET", "500", "ODPOJENO")
	w.customer("TOLD", "INTERNET", "300", "ODPOJENO", "OZNAMENO_ODPOJENI")
	w.customer("NOIP", "INTERNET", "300", "ODPOJENO")
	w.customer("VIP", "INTERNET", "300", "ODPOJENO", "VIP")
	w.customer("CAROL", "INTERNET", "", "ODPOJENO") // owes nothing
	nb := netbackendtest.New(host("ALICE", "10.0.0.1", 100, -1), host("TOLD", "10.0.0.2", 0, 100),
		host("VIP", "10.0.0.3", 100, -1), host("CAROL", "10.0.0.4", 100, -1))
	rec := &recorder{status: dunning.NoticeSent}
	opts := lockIn(t, dunning.Options{Today: wednesday, Notifier: rec})

	// Refused: nobody is told.
	p := dunning.DefaultPolicy()
	p.MaxBlocks = 1
	res, err := dunning.Block(ctx, w.af, nb, p, opts)
	if err != nil || res.Refusal == nil || len(rec.disconnected) != 0 || len(res.Notices) != 0 {
		t.Fatalf("refused run told someone: %+v %v %v", res.Refusal, err, rec.disconnected)
	}

	// A dry run composes: the notifier is asked with dryRun.
	res, err = dunning.Block(ctx, w.af, nb, dunning.DefaultPolicy(), func() dunning.Options { o := opts; o.DryRun = true; return o }())
	if err != nil || len(rec.disconnected) != 1 || !rec.dry[0] || len(res.Notices) != 2 {
		t.Fatalf("dry run: %v %v %v %+v", err, rec.disconnected, rec.dry, res.Notices)
	}

	w.srv.ResetRequests()
	res, err = dunning.Block(ctx, w.af, nb, dunning.DefaultPolicy(), opts)
	if err != nil || res.Err() != nil {
		t.Fatal(res, err)
	}
	if len(rec.disconnected) != 2 || rec.dry[1] || rec.labels[1] != "OZNAMENO_ODPOJENI" {
		t.Fatalf("calls %v dry %v labels %v", rec.disconnected, rec.dry, rec.labels)
	}
	ns := rec.disconnected[1]
	if got := noticeCodes(ns); !slices.Equal(got, []string{"ALICE", "CAROL"}) {
		t.Errorf("told %v, want ALICE and CAROL (blocked, not told yet)", got)
	}
	if len(ns[0].Debts) != 1 || ns[0].Debts[0].Code != "FV-ALICE" || len(ns[1].Debts) != 0 {
		t.Errorf("debts %+v", ns)
	}
	if len(res.Notices) != 2 || res.Notices[0].Customer != "ALICE" || res.Notices[0].Status != dunning.NoticeSent {
		t.Errorf("notices %+v", res.Notices)
	}
	// The debts are one listing, read after the verified change.
	n := 0
	for _, r := range w.srv.Requests() {
		if r.Evidence == abraflexi.EvidenceIssuedInvoice {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d invoice listings, want 1", n)
	}
	if h, _ := nb.Host(addrs("10.0.0.1")[0]); h.Speed != 0 {
		t.Errorf("ALICE not blocked: %+v", h)
	}
}

// lyingBackend reports every block as done but keeps ALICE's speed.
type lyingBackend struct{ *netbackendtest.Backend }

func (l lyingBackend) State(ctx context.Context, ips []netip.Addr) (map[netip.Addr]netbackend.IPState, error) {
	st, err := l.Backend.State(ctx, ips)
	for ip, s := range st {
		s.Speed, s.Blocked = 100, false
		st[ip] = s
	}
	return st, err
}

func TestBlockRunNotifiesOnlyVerified(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, wednesday)
	w.customer("ALICE", "INTERNET", "500", "ODPOJENO")
	rec := &recorder{status: dunning.NoticeSent}
	nb := lyingBackend{netbackendtest.New(host("ALICE", "10.0.0.1", 100, -1))}
	res, err := dunning.Block(ctx, w.af, nb, dunning.DefaultPolicy(), lockIn(t, dunning.Options{Today: wednesday, Notifier: rec}))
	if err != nil || len(res.Mismatches) != 1 || blockReasons(res.Decisions)["ALICE"] != dunning.ReasonErrorBlocking {
		t.Fatalf("%+v %v", res, err)
	}
	if len(rec.disconnected) != 0 {
		t.Errorf("told a customer whose block was not verified: %v", rec.disconnected)
	}
}

func TestUnblockRunNoticesAndLabel(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, wednesday)
	w.srv.AddLabelDefinitions("OZNAMENO_ODPOJENI", "NEPLATIC")
	alice, aliceInv := w.customer("ALICE", "INTERNET", "500", "ODPOJENO", "OZNAMENO_ODPOJENI", "NEPLATIC")
	bob, _ := w.customer("BOB", "INTERNET", "500", "ODPOJENO", "OZNAMENO_ODPOJENI")
	orphan, _ := w.customer("ORPHAN", "INTERNET", "", "OZNAMENO_ODPOJENI")
	again, _ := w.customer("AGAIN", "INTERNET", "", "ODPOJENO") // restored before, label left
	w.pay(aliceInv)
	nb := netbackendtest.New(host("ALICE", "10.0.0.1", 0, 100), host("BOB", "10.0.0.2", 0, 100),
		host("ORPHAN", "10.0.0.3", 0, 50), host("AGAIN", "10.0.0.4", 70, -1))
	rec := &recorder{status: dunning.NoticeSent}
	opts := lockIn(t, dunning.Options{Today: wednesday, Notifier: rec})

	dry := opts
	dry.DryRun = true
	if _, err := dunning.Unblock(ctx, w.af, w.af, nb, dunning.DefaultPolicy(), dry); err != nil {
		t.Fatal(err)
	}
	if len(rec.reconnected) != 1 || !rec.dry[0] || !slices.Contains(w.labels(t, alice), "OZNAMENO_ODPOJENI") {
		t.Fatalf("dry run: %v %v %v", rec.reconnected, rec.dry, w.labels(t, alice))
	}

	res, err := dunning.Unblock(ctx, w.af, w.af, nb, dunning.DefaultPolicy(), opts)
	if err != nil || res.Err() != nil || len(res.Warnings) != 0 {
		t.Fatal(res, err)
	}
	equalReasons(t, unblockReasons(res.Decisions), map[string]dunning.Reason{
		"ALICE": dunning.ReasonUnblocked, "BOB": dunning.ReasonStillOwes, "ORPHAN": dunning.ReasonOrphanUnblocked, "AGAIN": dunning.ReasonUnblocked,
	})
	if got := noticeCodes(rec.reconnected[1]); !slices.Equal(got, []string{"ALICE", "ORPHAN"}) {
		t.Errorf("told %v, want ALICE and ORPHAN (AGAIN's IP was not blocked)", got)
	}
	for id, want := range map[abraflexi.ID][]string{
		alice: {"NEPLATIC"}, bob: {"ODPOJENO", "OZNAMENO_ODPOJENI"}, orphan: nil, again: nil,
	} {
		if got := w.labels(t, id); !slices.Equal(got, want) {
			t.Errorf("labels of %s: %v, want %v", id, got, want)
		}
	}
	// Nothing carries the label any more: a run makes no extra removal.
	w.srv.ResetRequests()
	if _, err := dunning.Unblock(ctx, w.af, w.af, nb, dunning.DefaultPolicy(), opts); err != nil {
		t.Fatal(err)
	}
	for _, r := range w.srv.Requests() {
		if r.Method != http.MethodGet {
			t.Errorf("a settled run wrote: %s %s", r.Method, r.Path)
		}
	}
	if len(rec.reconnected) != 2 {
		t.Errorf("a settled run told someone: %v", rec.reconnected)
	}
}

// Helpers of this file (the package-internal tests have their own).

var day = abraflexi.NewDate(2026, time.March, 10)

func addrs(s ...string) []netip.Addr {
	out := make([]netip.Addr, len(s))
	for i, x := range s {
		out[i] = netip.MustParseAddr(x)
	}
	return out
}

func labelled(code string, labels ...string) abraflexi.Address {
	return abraflexi.Address{Code: code, Name: "Customer " + code, Labels: abraflexi.Labels(labels...)}
}

type invOption func(*abraflexi.IssuedInvoice)

// overdue is an issued invoice of customer leaving amount to pay, due 14
// days before day.
func overdue(code, customer, amount string, opts ...invOption) abraflexi.IssuedInvoice {
	inv := abraflexi.IssuedInvoice{Code: code, Customer: abraflexi.RefTo(abraflexi.CodeID(customer)),
		Remaining: decimal.RequireFromString(amount), Total: decimal.RequireFromString(amount), DueOn: day.AddDays(-14),
		DocumentType: abraflexi.Ref{Fields: map[string]string{"typDoklK": abraflexi.KindInvoice}}}
	for _, o := range opts {
		o(&inv)
	}
	return inv
}

func dueOn(d abraflexi.Date) invOption { return func(i *abraflexi.IssuedInvoice) { i.DueOn = d } }
func payState(s string) invOption      { return func(i *abraflexi.IssuedInvoice) { i.PaymentState = s } }
func docKind(k string) invOption {
	return func(i *abraflexi.IssuedInvoice) {
		i.DocumentType = abraflexi.Ref{Fields: map[string]string{"typDoklK": k}}
	}
}
