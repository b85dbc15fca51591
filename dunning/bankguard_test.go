package dunning_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // Europe/Prague without the host's zoneinfo

	"github.com/shopspring/decimal"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/dunning"
)

func TestParseBankDataAge(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want dunning.BankDataAge
		str  string
		err  bool
	}{
		{in: "", str: "0"}, {in: "0", str: "0"}, {in: " 36h ", want: dunning.BankDataAge{Duration: 36 * time.Hour}, str: "36h"},
		{in: "90m", want: dunning.BankDataAge{Duration: 90 * time.Minute}, str: "1h30m"},
		{in: "2D", want: dunning.BankDataAge{Days: 2}, str: "2d"},
		{in: "1h30m20s", want: dunning.BankDataAge{Duration: 90*time.Minute + 20*time.Second}, str: "1h30m20s"},
		{in: "-1h", err: true}, {in: "0d", err: true}, {in: "1.5d", err: true}, {in: "2days", err: true},
		{in: "soon", err: true}, {in: "36", err: true}, {in: "0s", err: true},
	} {
		got, err := dunning.ParseBankDataAge(tc.in)
		if tc.err {
			if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("%q", tc.in)) {
				t.Errorf("ParseBankDataAge(%q) = %v, %v; want an error naming the value", tc.in, got, err)
			}
			continue
		}
		if err != nil || got != tc.want || got.String() != tc.str {
			t.Errorf("ParseBankDataAge(%q) = %+v (%s), %v; want %+v (%s)", tc.in, got, got, err, tc.want, tc.str)
		}
	}
}

func prague(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Prague")
	if err != nil {
		t.Skipf("no Europe/Prague zone: %v", err)
	}
	return loc
}

func movement(code, date string) *abraflexi.BankMovement {
	return &abraflexi.BankMovement{Movement: abraflexi.Movement{Code: code, IssuedOn: abraflexi.MustParseDate(date), Direction: abraflexi.DirectionIncoming}}
}

func TestBankDataFresh(t *testing.T) {
	loc := prague(t)
	at := func(s string) time.Time {
		tm, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	h36 := dunning.BankDataAge{Duration: 36 * time.Hour}
	d1, d2 := dunning.BankDataAge{Days: 1}, dunning.BankDataAge{Days: 2}
	// 2026-04-03 is Good Friday, 2026-04-06 Easter Monday.
	for _, tc := range []struct {
		name   string
		newest *abraflexi.BankMovement
		now    string
		age    dunning.BankDataAge
		cut    dunning.CutDays
		fresh  bool
		why    string
	}{
		{"guard off", nil, "2026-03-10 08:00", dunning.BankDataAge{}, dunning.CutAnyDay, true, ""},
		{"no movement at all", nil, "2026-03-10 08:00", h36, dunning.CutAnyDay, false, "no incoming bank movement"},
		{"yesterday's statement, morning", movement("B+7/2026", "2026-03-09"), "2026-03-10 08:00", h36, dunning.CutAnyDay, true,
			"newest incoming bank movement B+7/2026 is dated 2026-03-09, within MAX_BANK_DATA_AGE=36h"},
		{"36h after the end of its day", movement("B+7/2026", "2026-03-09"), "2026-03-11 11:59", h36, dunning.CutAnyDay, true, "within"},
		{"stale from noon", movement("B+7/2026", "2026-03-09"), "2026-03-11 12:00", h36, dunning.CutAnyDay, false,
			"newest incoming bank movement B+7/2026 is dated 2026-03-09, older than MAX_BANK_DATA_AGE=36h (stale since 2026-03-11 12:00)"},
		{"2d calendar: Friday stale on Monday", movement("B+1", "2026-03-06"), "2026-03-09 00:00", d2, dunning.CutAnyDay, false, "older than MAX_BANK_DATA_AGE=2d"},
		{"2d calendar: fresh through Sunday", movement("B+1", "2026-03-06"), "2026-03-08 23:59", d2, dunning.CutAnyDay, true, "within"},
		{"1d workdays: Friday fresh all Monday", movement("B+1", "2026-03-06"), "2026-03-09 23:59", d1, dunning.CutWorkdays, true, "within MAX_BANK_DATA_AGE=1d working days"},
		{"1d workdays: stale on Tuesday", movement("B+1", "2026-03-06"), "2026-03-10 00:00", d1, dunning.CutWorkdays, false, "older than MAX_BANK_DATA_AGE=1d working days"},
		{"1d workdays over Easter: Thursday fresh until Tuesday", movement("B+1", "2026-04-02"), "2026-04-07 23:00", d1, dunning.CutWorkdays, true, "within"},
		{"1d workdays over Easter: stale Wednesday", movement("B+1", "2026-04-02"), "2026-04-08 00:00", d1, dunning.CutWorkdays, false, "older"},
		{"hours are hours under workdays", movement("B+1", "2026-03-06"), "2026-03-08 12:00", h36, dunning.CutWorkdays, false, "older"},
		{"movement without code is named by id", &abraflexi.BankMovement{Movement: abraflexi.Movement{ID: abraflexi.NumericID(42), IssuedOn: abraflexi.MustParseDate("2026-03-01")}},
			"2026-03-10 08:00", h36, dunning.CutAnyDay, false, "movement 42 is dated 2026-03-01"},
	} {
		fresh, why := dunning.BankDataFresh(tc.newest, at(tc.now), tc.age, tc.cut)
		if fresh != tc.fresh || !strings.Contains(why, tc.why) || (tc.why == "" && why != "") {
			t.Errorf("%s: fresh=%v why=%q; want %v containing %q", tc.name, fresh, why, tc.fresh, tc.why)
		}
	}
}

func TestCheckBankData(t *testing.T) {
	loc := prague(t)
	now := time.Date(2026, 3, 20, 9, 0, 0, 0, loc)
	age := dunning.BankDataAge{Duration: 36 * time.Hour}
	old := movement("B+3/2026", "2026-03-12")
	if r := dunning.CheckBankData(old, now, age, dunning.CutAnyDay, nil); r != nil {
		t.Errorf("nobody to block, refusal %+v", r)
	}
	if r := dunning.CheckBankData(movement("B+4/2026", "2026-03-19"), now, age, dunning.CutAnyDay, []string{"A"}); r != nil {
		t.Errorf("fresh data, refusal %+v", r)
	}
	r := dunning.CheckBankData(old, now, age, dunning.CutAnyDay, []string{"ALICE", "BOB"})
	if r == nil || r.Kind != "stale_bank_data" || len(r.Customers) != 2 ||
		!strings.Contains(r.Message, "B+3/2026") || !strings.Contains(r.Message, "2026-03-12") || !strings.Contains(r.Message, "2 customer(s) deferred") {
		t.Errorf("refusal %+v", r)
	}
}

func TestNewestIncomingBankMovement(t *testing.T) {
	w := newWorld(t, abraflexi.NewDate(2026, time.March, 10))
	ctx := context.Background()
	if m, err := w.af.NewestIncomingBankMovement(ctx); err != nil || m != nil {
		t.Fatalf("empty banka: %v, %v", m, err)
	}
	mv := func(code, date, dir string, cancelled bool) abraflexi.BankMovement {
		return abraflexi.BankMovement{Movement: abraflexi.Movement{Code: code, IssuedOn: abraflexi.MustParseDate(date),
			Direction: dir, Cancelled: abraflexi.Bool(cancelled), Total: decimal.NewFromInt(100)}}
	}
	// Seeded in no date order; the newest incoming one is B+3, dated 03-09:
	// the later outgoing and cancelled movements do not count.
	w.srv.Seed(
		mv("B+2", "2026-03-05", abraflexi.DirectionIncoming, false),
		mv("B+3", "2026-03-09", abraflexi.DirectionIncoming, false),
		mv("B+1", "2026-02-20", abraflexi.DirectionIncoming, false),
		mv("B-OUT", "2026-03-10", abraflexi.DirectionOutgoing, false),
		mv("B+STORNO", "2026-03-10", abraflexi.DirectionIncoming, true),
	)
	before := len(w.srv.Requests())
	m, err := w.af.NewestIncomingBankMovement(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if m == nil || m.Code != "B+3" || m.IssuedOn.String() != "2026-03-09" {
		t.Fatalf("newest %+v", m)
	}
	reqs := w.srv.Requests()[before:]
	if len(reqs) != 1 || reqs[0].Method != http.MethodGet || reqs[0].Evidence != "banka" || reqs[0].Query.Get("limit") != "1" {
		t.Errorf("requests %+v, want one GET of banka with limit=1", reqs)
	}
}

func ExampleBankDataFresh() {
	loc, _ := time.LoadLocation("Europe/Prague")
	maxAge, _ := dunning.ParseBankDataAge("36h")
	newest := &abraflexi.BankMovement{Movement: abraflexi.Movement{Code: "B+7/2026", IssuedOn: abraflexi.NewDate(2026, time.March, 9)}}
	fresh, why := dunning.BankDataFresh(newest, time.Date(2026, time.March, 11, 14, 0, 0, 0, loc), maxAge, dunning.CutAnyDay)
	fmt.Println(fresh, why)
	// Output: false newest incoming bank movement B+7/2026 is dated 2026-03-09, older than MAX_BANK_DATA_AGE=36h (stale since 2026-03-11 12:00)
}
