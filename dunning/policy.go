package dunning

import (
	"errors"
	"fmt"
	"strings"

	"github.com/shopspring/decimal"
)

// Default label codes, as the PHP isp-tools use them.
const (
	DefaultLabelThirdReminder = "UPOMINKA3"
	DefaultLabelDisconnected  = "ODPOJENO"
	DefaultLabelVIP           = "VIP"
	DefaultLabelNoDisconnect  = "NEODPOJOVAT"
	// DefaultLabelDisconnectNotified records that the disconnection notice
	// was sent (not a label of the PHP tools).
	DefaultLabelDisconnectNotified = "OZNAMENO_ODPOJENI"
)

// DefaultMaxBlocks is the circuit breaker's default limit (MAX_BLOCKS).
const DefaultMaxBlocks = 100

// Unlimited as [Policy].MaxBlocks turns the circuit breaker off: an explicit
// choice (MAX_BLOCKS=0 in the apps), never the zero value.
const Unlimited = -1

// Labels names the AbraFlexi labels (stitky codes) the runs read and write.
// Empty fields mean the defaults.
type Labels struct {
	// ThirdReminder is set by abraflexi-reminder after the third reminder
	// (LABEL_THIRD_REMINDER, default UPOMINKA3).
	ThirdReminder string
	// Disconnected marks customers to disconnect (LABEL_DISCONNECTED,
	// default ODPOJENO).
	Disconnected string
	// VIP customers are never marked nor blocked (LABEL_VIP, default VIP).
	VIP string
	// NoDisconnect customers are never marked nor blocked
	// (LABEL_NODISCONNECT, default NEODPOJOVAT).
	NoDisconnect string
	// DisconnectNotified records on a customer that the disconnection
	// notice was sent (LABEL_DISCONNECT_NOTIFIED, default
	// OZNAMENO_ODPOJENI). A block run with a [Notifier] writes it just
	// before sending and takes it back when sending fails; an unblock run
	// removes it from every customer it restores, so the next
	// disconnection is notified again.
	DisconnectNotified string
}

// withDefaults fills empty labels with the defaults and normalises case.
func (l Labels) withDefaults() Labels {
	def := func(v, d string) string {
		v = strings.ToUpper(strings.TrimPrefix(strings.TrimSpace(v), "code:"))
		if v == "" {
			return d
		}
		return v
	}
	return Labels{
		ThirdReminder: def(l.ThirdReminder, DefaultLabelThirdReminder),
		Disconnected:  def(l.Disconnected, DefaultLabelDisconnected),
		VIP:           def(l.VIP, DefaultLabelVIP),
		NoDisconnect:  def(l.NoDisconnect, DefaultLabelNoDisconnect),

		DisconnectNotified: def(l.DisconnectNotified, DefaultLabelDisconnectNotified),
	}
}

// Policy holds the business rules of the runs. The zero Policy is valid and
// safe: the default labels, every active contract counts, any positive debt
// counts, the default circuit breaker ([DefaultMaxBlocks]), blocking on any
// day and no fallback speed. It is the same as [DefaultPolicy], the apps'
// defaults.
type Policy struct {
	// Labels are the label codes; empty fields mean the defaults.
	Labels Labels
	// ContractType restricts "active contract" to contracts of this type
	// (INET_CONTRACT_TYPE). "INTERNET", "code:INTERNET" and
	// "typSmlouvy.INTERNET" all mean the contract type with code INTERNET.
	// Empty means every active contract.
	ContractType string
	// MinDebt is the amount a customer must owe more than to be marked, and
	// the amount above which a disconnected customer still owes and is not
	// unblocked (MIN_DEBT). The default 0 means any positive debt counts,
	// so a paid-up customer whose reminder label is stale is never marked,
	// and mark and unblock agree on who owes: nobody flaps between them.
	MinDebt decimal.Decimal
	// HomeCurrency is the company's currency (HOME_CURRENCY, "" means
	// CZK): its invoices count by zbyvaUhradit, those in another currency
	// by zbyvaUhraditMen. MinDebt applies to each currency's sum by its
	// own amount; sums in different currencies are never added up.
	HomeCurrency string
	// MaxBlocks is the circuit breaker: a blocknet run that would newly
	// block more customers than this blocks nothing and fails (MAX_BLOCKS).
	// 0 means [DefaultMaxBlocks]; [Unlimited] (any negative value) turns the
	// breaker off.
	MaxBlocks int
	// InactiveContractStates are stav-smlouvy codes (stavSml) of contracts
	// that are not in force whatever their dates, e.g. "UKONCENO"
	// (CONTRACT_INACTIVE_STATES, comma-separated). "code:" and
	// "stavSmlouvy." prefixes are ignored and the codes compared
	// upper-cased. Empty means the state does not matter.
	InactiveContractStates []string
	// CutDays restricts the days on which customers are newly blocked
	// (CUT_DAYS); empty means [CutAnyDay].
	CutDays CutDays
	// DefaultSpeed is the speed an unblock sets when the backend kept no
	// original speed (DEFAULT_SPEED); 0 leaves such an IP without a speed.
	DefaultSpeed int
	// BlockSpeed is the speed a block sets, in the backend's unit
	// (BLOCK_SPEED): 0, the default, cuts the connection off; a positive
	// value throttles it, so the payment portal and emergency numbers stay
	// reachable. The backend keeps the original speed either way, and that
	// kept original marks the entry as blocked by these tools: unblocking,
	// verification and self-healing work the same for any BlockSpeed, and
	// an entry already at or below it with a kept original counts as
	// blocked. An entry already slower than BlockSpeed keeps its speed.
	BlockSpeed int
	// MaxBankDataAge is the stale-bank-data guard (MAX_BANK_DATA_AGE):
	// when set, a block run reads the newest incoming bank movement (one
	// request) and newly blocks nobody when it is older than this
	// ([CheckBankData], refusal [RefusedStaleBankData]). The zero value
	// turns the guard off. Unblocking is never held back by it.
	MaxBankDataAge BankDataAge
	// MinOverdueDays are the grace days (MIN_OVERDUE_DAYS): a customer is
	// marked only when their debt includes an invoice at least this many
	// calendar days past its due date ([MeetsMinOverdue]); others get
	// [ReasonGraceDaysSkipped]. 0, the default, marks any overdue debt.
	MinOverdueDays int
}

// DefaultPolicy returns the policy of the apps when no variable is set.
func DefaultPolicy() Policy {
	return Policy{Labels: Labels{}.withDefaults(), MaxBlocks: DefaultMaxBlocks, CutDays: CutAnyDay}
}

// Validate reports an invalid policy.
func (p Policy) Validate() error {
	var errs []error
	if p.MinDebt.IsNegative() {
		errs = append(errs, fmt.Errorf("dunning: minimum debt %s is negative", p.MinDebt))
	}
	if p.DefaultSpeed < 0 {
		errs = append(errs, fmt.Errorf("dunning: default speed %d is negative", p.DefaultSpeed))
	}
	if p.BlockSpeed < 0 {
		errs = append(errs, fmt.Errorf("dunning: block speed %d is negative", p.BlockSpeed))
	}
	if p.MinOverdueDays < 0 {
		errs = append(errs, fmt.Errorf("dunning: minimum overdue days %d is negative", p.MinOverdueDays))
	}
	if p.MaxBankDataAge.Duration < 0 || p.MaxBankDataAge.Days < 0 {
		errs = append(errs, fmt.Errorf("dunning: maximum bank data age %+v is negative", p.MaxBankDataAge))
	}
	if _, err := ParseCutDays(string(p.CutDays)); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// normalized returns p with the defaults filled in.
func (p Policy) normalized() Policy {
	p.Labels = p.Labels.withDefaults()
	if p.CutDays == "" {
		p.CutDays = CutAnyDay
	}
	p.ContractType = NormalizeContractType(p.ContractType)
	if p.MaxBlocks == 0 {
		p.MaxBlocks = DefaultMaxBlocks
	}
	return p
}

// breakerLimit returns the circuit breaker's limit, 0 for none.
func (p Policy) breakerLimit() int {
	switch {
	case p.MaxBlocks < 0:
		return 0
	case p.MaxBlocks == 0:
		return DefaultMaxBlocks
	}
	return p.MaxBlocks
}

// ParseContractStates splits a CONTRACT_INACTIVE_STATES value into state
// codes (comma-separated, blanks ignored), normalised as
// [NormalizeContractState] does.
func ParseContractStates(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if c := NormalizeContractState(f); c != "" {
			out = append(out, c)
		}
	}
	return out
}

// NormalizeContractState returns the code of a stav-smlouvy reference or
// CONTRACT_INACTIVE_STATES entry: "code:" and "stavSmlouvy." prefixes
// dropped, upper-cased.
func NormalizeContractState(s string) string {
	s = strings.TrimPrefix(strings.TrimSpace(s), "code:")
	if len(s) > len("stavSmlouvy.") && strings.EqualFold(s[:len("stavSmlouvy.")], "stavSmlouvy.") {
		s = s[len("stavSmlouvy."):]
	}
	return strings.ToUpper(strings.TrimSpace(s))
}

// NormalizeContractType returns the contract type code of an
// INET_CONTRACT_TYPE value or a contract's typSml: "code:" and
// "typSmlouvy." prefixes are dropped and the code upper-cased, so
// "typSmlouvy.INTERNET", "code:INTERNET" and "internet" all give
// "INTERNET".
func NormalizeContractType(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "code:")
	if len(s) > len("typSmlouvy.") && strings.EqualFold(s[:len("typSmlouvy.")], "typSmlouvy.") {
		s = s[len("typSmlouvy."):]
	}
	return strings.ToUpper(s)
}

// owes reports whether the debt is more than the policy's minimum debt in
// any one currency.
func (p Policy) owes(d Debt) bool { return d.ByCurrency().Exceeds(p.MinDebt) }
