package dunning

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spoje-net/isptools/abraflexi"
)

// RefusedStaleBankData: MAX_BANK_DATA_AGE is set and the newest incoming
// bank movement in AbraFlexi is older than that, so a payment made in the
// meantime may not be known yet. The run newly blocks nobody, succeeds
// with a warning (reason would_block) and the report names the newest
// movement and its date. Unblocking is never held back by it.
const RefusedStaleBankData RefusalKind = "stale_bank_data"

// BankDataAge is MAX_BANK_DATA_AGE: how old the newest incoming bank
// movement may be before blocknet stops newly blocking. It is either a
// duration ("36h", "90m") or a number of days ("2d"), which are working
// days when CUT_DAYS=workdays (weekends and Czech public holidays, when
// banks post nothing, do not count). The zero value disables the guard.
type BankDataAge struct {
	// Duration is set for a duration value such as "36h".
	Duration time.Duration
	// Days is set for a value in days such as "2d".
	Days int
}

// ParseBankDataAge parses a MAX_BANK_DATA_AGE value: empty or "0" (the
// guard is off), a positive Go duration ("36h", "1h30m") or a positive
// whole number of days followed by d ("2d"). The error names the value.
func ParseBankDataAge(s string) (BankDataAge, error) {
	v := strings.ToLower(strings.TrimSpace(s))
	if v == "" || v == "0" {
		return BankDataAge{}, nil
	}
	if n, ok := strings.CutSuffix(v, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days <= 0 {
			return BankDataAge{}, fmt.Errorf("dunning: bank data age %q: days must be a positive whole number such as 2d", s)
		}
		return BankDataAge{Days: days}, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return BankDataAge{}, fmt.Errorf("dunning: bank data age %q: want a positive duration such as 36h, or days such as 2d", s)
	}
	return BankDataAge{Duration: d}, nil
}

// IsZero reports whether the guard is off.
func (a BankDataAge) IsZero() bool { return a.Duration <= 0 && a.Days <= 0 }

// String returns the value as written in MAX_BANK_DATA_AGE ("36h0m0s" is
// shortened to "36h"; "2d").
func (a BankDataAge) String() string {
	switch {
	case a.Days > 0:
		return strconv.Itoa(a.Days) + "d"
	case a.Duration > 0:
		s := a.Duration.String()
		if strings.HasSuffix(s, "m0s") {
			s = strings.TrimSuffix(s, "0s")
		}
		if strings.HasSuffix(s, "h0m") {
			s = strings.TrimSuffix(s, "0m")
		}
		return s
	}
	return "0"
}

// Deadline returns the instant from which bank data whose newest incoming
// movement is dated newest is stale. A movement's date (datVyst) covers
// its whole day, so the age counts from the end of that day (midnight in
// loc, which should be Europe/Prague): with 36h a movement dated Monday
// keeps the data fresh until Wednesday noon. With days, the deadline is
// the end of the Nth day after newest, and with cut = [CutWorkdays] the
// Nth working day ([IsWorkday]): a Friday movement with 1d is fresh until
// the end of Monday.
func (a BankDataAge) Deadline(newest abraflexi.Date, cut CutDays, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	endOf := func(d abraflexi.Date) time.Time {
		next := d.AddDays(1)
		return time.Date(next.Year, next.Month, next.Day, 0, 0, 0, 0, loc)
	}
	if a.Days <= 0 {
		return endOf(newest).Add(a.Duration)
	}
	if cut != CutWorkdays {
		return endOf(newest.AddDays(a.Days))
	}
	d := newest
	for n := 0; n < a.Days; {
		d = d.AddDays(1)
		if IsWorkday(d) {
			n++
		}
	}
	return endOf(d)
}

// BankDataFresh decides the stale-bank-data guard: whether the newest
// incoming bank movement (nil when AbraFlexi has none) is recent enough
// for blocknet to newly block at now, given MAX_BANK_DATA_AGE and CUT_DAYS.
// The end of a day is taken in now's location, so pass now in
// Europe/Prague. The guard off (a zero maxAge) is always fresh with an
// empty why. Otherwise why names the newest movement, its date and the
// limit, for the report. It is pure.
func BankDataFresh(newest *abraflexi.BankMovement, now time.Time, maxAge BankDataAge, cut CutDays) (fresh bool, why string) {
	if maxAge.IsZero() {
		return true, ""
	}
	limit := "MAX_BANK_DATA_AGE=" + maxAge.String()
	if maxAge.Days > 0 && cut == CutWorkdays {
		limit += " working days"
	}
	if newest == nil || newest.IssuedOn.IsZero() {
		return false, fmt.Sprintf("no incoming bank movement with a date in banka, so payments cannot be checked (%s)", limit)
	}
	name := movementName(newest.Movement)
	deadline := maxAge.Deadline(newest.IssuedOn, cut, now.Location())
	if now.Before(deadline) {
		return true, fmt.Sprintf("newest incoming bank movement %s is dated %s, within %s", name, newest.IssuedOn, limit)
	}
	return false, fmt.Sprintf("newest incoming bank movement %s is dated %s, older than %s (stale since %s)",
		name, newest.IssuedOn, limit, deadline.Format("2006-01-02 15:04"))
}

func movementName(m abraflexi.Movement) string {
	if c := strings.TrimPrefix(strings.TrimSpace(m.Code), "code:"); c != "" {
		return c
	}
	return m.ID.String()
}

// CheckBankData is the stale-bank-data safety check of a block run over
// the customers it would newly block: nil when the guard is off, nobody
// would be newly blocked or the data is fresh ([BankDataFresh]), else a
// [RefusedStaleBankData] refusal naming the newest movement and its date.
// Apply it after the cut-day rule and before the circuit breaker of
// [CheckBlocks]; like the cut-day rule it is a warning, not a failure.
func CheckBankData(newest *abraflexi.BankMovement, now time.Time, maxAge BankDataAge, cut CutDays, newly []string) *Refusal {
	if len(newly) == 0 {
		return nil
	}
	fresh, why := BankDataFresh(newest, now, maxAge, cut)
	if fresh {
		return nil
	}
	return &Refusal{Kind: RefusedStaleBankData, Customers: slices.Clone(newly),
		Message: fmt.Sprintf("no new blocks: bank data may be stale: %s; %d customer(s) deferred", why, len(newly))}
}

// BankDataSource reads the newest incoming bank movement for the
// stale-bank-data guard. [*AbraFlexi] implements it with one request.
type BankDataSource interface {
	// NewestIncomingBankMovement returns the incoming, not cancelled bank
	// movement with the latest date, or nil when there is none.
	NewestIncomingBankMovement(ctx context.Context) (*abraflexi.BankMovement, error)
}

var _ BankDataSource = (*AbraFlexi)(nil)

// NewestIncomingFilter selects the movements the guard looks at:
// typPohybuK eq 'typPohybu.prijem' and storno eq false (incoming money
// only; an outgoing payment says nothing about what customers paid).
func NewestIncomingFilter() abraflexi.Filter {
	return abraflexi.And(
		abraflexi.Eq("typPohybuK", abraflexi.DirectionIncoming),
		abraflexi.IsFalse("storno"),
	)
}

// NewestIncomingListOptions are the listing options of the guard's one
// request: [NewestIncomingFilter], newest first, one record, only the
// fields the report names. "Newest first" is order=datVyst@A (and id@A
// between movements of one day): the official AbraFlexi documentation
// says @A sorts descending, which abraflexitest follows. Should a server
// read the suffix the other way, the guard sees the oldest movement and
// refuses to block, naming that movement and its date in the report, so
// the mistake shows and fails safe.
func NewestIncomingListOptions() abraflexi.ListOptions {
	return abraflexi.ListOptions{
		Filter:   NewestIncomingFilter(),
		Fields:   []string{"id", "kod", "datVyst", "typPohybuK"},
		Order:    []string{"datVyst@A", "id@A"},
		PageSize: 1,
		Limit:    1,
	}
}

// NewestIncomingBankMovement implements [BankDataSource] with one listing
// request to banka ([NewestIncomingListOptions]).
func (a *AbraFlexi) NewestIncomingBankMovement(ctx context.Context) (*abraflexi.BankMovement, error) {
	for m, err := range a.Client.Bank.List(ctx, NewestIncomingListOptions()) {
		if err != nil {
			return nil, fmt.Errorf("dunning: read the newest incoming bank movement: %w", err)
		}
		return &m, nil
	}
	return nil, nil
}
