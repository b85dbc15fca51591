package dunning

import (
	"fmt"
	"strings"
	"time"

	"github.com/spoje-net/isptools/abraflexi"
)

// Easter returns Easter Sunday of year in the Gregorian calendar (the
// anonymous Gregorian algorithm of Meeus/Jones/Butcher).
func Easter(year int) abraflexi.Date {
	a := year % 19
	b, c := year/100, year%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return abraflexi.NewDate(year, time.Month(month), day)
}

// fixedHolidays are the Czech public holidays with a fixed date (zákon
// č. 245/2000 Sb.).
var fixedHolidays = []struct {
	month time.Month
	day   int
	name  string
}{
	{time.January, 1, "Restoration Day of the Independent Czech State; New Year's Day"},
	{time.May, 1, "Labour Day"},
	{time.May, 8, "Liberation Day"},
	{time.July, 5, "Saints Cyril and Methodius Day"},
	{time.July, 6, "Jan Hus Day"},
	{time.September, 28, "St. Wenceslas Day"},
	{time.October, 28, "Independent Czechoslovak State Day"},
	{time.November, 17, "Struggle for Freedom and Democracy Day"},
	{time.December, 24, "Christmas Eve"},
	{time.December, 25, "Christmas Day"},
	{time.December, 26, "St. Stephen's Day"},
}

// CzechHoliday reports whether d is a Czech public holiday and returns its
// English name: the fixed holidays plus Good Friday and Easter Monday.
func CzechHoliday(d abraflexi.Date) (name string, ok bool) {
	for _, h := range fixedHolidays {
		if d.Month == h.month && d.Day == h.day {
			return h.name, true
		}
	}
	easter := Easter(d.Year)
	switch d {
	case easter.AddDays(-2):
		return "Good Friday", true
	case easter.AddDays(1):
		return "Easter Monday", true
	}
	return "", false
}

// CzechHolidays returns the Czech public holidays of year in date order.
func CzechHolidays(year int) []abraflexi.Date {
	var out []abraflexi.Date
	for d := abraflexi.NewDate(year, time.January, 1); d.Year == year; d = d.AddDays(1) {
		if _, ok := CzechHoliday(d); ok {
			out = append(out, d)
		}
	}
	return out
}

// IsWorkday reports whether d is a Czech working day: neither Saturday,
// Sunday nor a public holiday.
func IsWorkday(d abraflexi.Date) bool {
	switch d.Time(time.UTC).Weekday() {
	case time.Saturday, time.Sunday:
		return false
	}
	_, holiday := CzechHoliday(d)
	return !holiday
}

// CutDays says on which days blocknet may newly block customers
// (CUT_DAYS).
type CutDays string

const (
	// CutAnyDay allows new blocks every day (the default).
	CutAnyDay CutDays = "any"
	// CutWorkdays allows new blocks on Czech working days only, so nobody
	// is cut off when the office cannot take their call.
	CutWorkdays CutDays = "workdays"
)

// ParseCutDays parses a CUT_DAYS value; empty means [CutAnyDay].
func ParseCutDays(s string) (CutDays, error) {
	switch CutDays(strings.ToLower(strings.TrimSpace(s))) {
	case "", CutAnyDay:
		return CutAnyDay, nil
	case CutWorkdays:
		return CutWorkdays, nil
	}
	return "", fmt.Errorf("dunning: cut days %q: must be %s or %s", s, CutAnyDay, CutWorkdays)
}

// Allows reports whether new blocks are allowed on d. When they are not,
// why names the day ("Saturday", "Easter Monday", ...).
func (c CutDays) Allows(d abraflexi.Date) (ok bool, why string) {
	if c != CutWorkdays {
		return true, ""
	}
	if name, holiday := CzechHoliday(d); holiday {
		return false, fmt.Sprintf("%s is a public holiday (%s)", d, name)
	}
	switch wd := d.Time(time.UTC).Weekday(); wd {
	case time.Saturday, time.Sunday:
		return false, fmt.Sprintf("%s is a %s", d, wd)
	}
	return true, ""
}
