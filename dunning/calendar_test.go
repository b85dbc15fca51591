package dunning

import (
	"fmt"
	"testing"
	"time"

	"github.com/spoje-net/isptools/abraflexi"
)

func TestEaster(t *testing.T) {
	// Known Gregorian Easter Sundays, including the earliest (22 March) and
	// latest (25 April) possible dates.
	want := map[int]string{
		1818: "1818-03-22", 1943: "1943-04-25", 2000: "2000-04-23", 2008: "2008-03-23",
		2019: "2019-04-21", 2024: "2024-03-31", 2025: "2025-04-20", 2026: "2026-04-05",
		2027: "2027-03-28", 2028: "2028-04-16", 2038: "2038-04-25", 2285: "2285-03-22",
	}
	for y, w := range want {
		if got := Easter(y).String(); got != w {
			t.Errorf("Easter(%d) = %s, want %s", y, got, w)
		}
	}
}

func TestCzechHolidays(t *testing.T) {
	tests := []struct {
		year         int
		goodFriday   string
		easterMonday string
	}{
		{2024, "2024-03-29", "2024-04-01"},
		{2025, "2025-04-18", "2025-04-21"},
		{2026, "2026-04-03", "2026-04-06"},
		{2027, "2027-03-26", "2027-03-29"},
		{2028, "2028-04-14", "2028-04-17"},
	}
	fixed := []string{"01-01", "05-01", "05-08", "07-05", "07-06", "09-28", "10-28", "11-17", "12-24", "12-25", "12-26"}
	for _, tt := range tests {
		got := CzechHolidays(tt.year)
		if len(got) != 13 {
			t.Errorf("%d: %d holidays, want 13: %v", tt.year, len(got), got)
		}
		set := map[string]bool{}
		for _, d := range got {
			set[d.String()] = true
		}
		for _, md := range fixed {
			if d := abraflexi.MustParseDate(fmt.Sprintf("%d-%s", tt.year, md)); !set[d.String()] {
				t.Errorf("%d: %s missing", tt.year, d)
			}
		}
		if name, ok := CzechHoliday(abraflexi.MustParseDate(tt.goodFriday)); !ok || name != "Good Friday" {
			t.Errorf("%s = %q %v, want Good Friday", tt.goodFriday, name, ok)
		}
		if name, ok := CzechHoliday(abraflexi.MustParseDate(tt.easterMonday)); !ok || name != "Easter Monday" {
			t.Errorf("%s = %q %v, want Easter Monday", tt.easterMonday, name, ok)
		}
		// Easter Sunday itself is not a separate public holiday (it is a Sunday).
		if _, ok := CzechHoliday(Easter(tt.year)); ok {
			t.Errorf("Easter Sunday %d reported as a holiday", tt.year)
		}
	}
}

func TestIsWorkdayAndCutDays(t *testing.T) {
	tests := []struct {
		date    string
		workday bool
	}{
		{"2026-11-25", true},  // Wednesday
		{"2026-11-28", false}, // Saturday
		{"2026-11-29", false}, // Sunday
		{"2026-11-17", false}, // Tuesday, holiday
		{"2026-04-03", false}, // Good Friday
		{"2026-04-06", false}, // Easter Monday
		{"2026-04-07", true},  // Tuesday after Easter
		{"2026-12-24", false}, // Thursday, Christmas Eve
		{"2026-12-28", true},  // Monday
		{"2027-01-01", false}, // Friday, New Year
		{"2025-05-08", false}, // Thursday, Liberation Day
	}
	for _, tt := range tests {
		d := abraflexi.MustParseDate(tt.date)
		if got := IsWorkday(d); got != tt.workday {
			t.Errorf("IsWorkday(%s) = %v, want %v", tt.date, got, tt.workday)
		}
		if ok, why := CutWorkdays.Allows(d); ok != tt.workday || (ok == (why != "")) {
			t.Errorf("CutWorkdays.Allows(%s) = %v %q, want %v", tt.date, ok, why, tt.workday)
		}
		if ok, _ := CutAnyDay.Allows(d); !ok {
			t.Errorf("CutAnyDay.Allows(%s) = false", tt.date)
		}
	}
	if _, why := CutWorkdays.Allows(abraflexi.NewDate(2026, time.April, 6)); why != "2026-04-06 is a public holiday (Easter Monday)" {
		t.Errorf("why = %q", why)
	}
	if _, why := CutWorkdays.Allows(abraflexi.NewDate(2026, time.November, 28)); why != "2026-11-28 is a Saturday" {
		t.Errorf("why = %q", why)
	}
}

func TestParseCutDays(t *testing.T) {
	for in, want := range map[string]CutDays{"": CutAnyDay, "any": CutAnyDay, " Workdays ": CutWorkdays, "ANY": CutAnyDay} {
		got, err := ParseCutDays(in)
		if err != nil || got != want {
			t.Errorf("ParseCutDays(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseCutDays("weekdays"); err == nil {
		t.Error("ParseCutDays(weekdays) accepted")
	}
}
