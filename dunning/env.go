package dunning

import (
	"github.com/shopspring/decimal"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/envconf"
	"github.com/spoje-net/isptools/netbackend/runlock"
)

// Environment variables of the policy and the options, as the apps
// abraflexi-mark-defaulters, blocknet and unblocknet read them.
const (
	EnvLabelThirdReminder      = "LABEL_THIRD_REMINDER"
	EnvLabelDisconnected       = "LABEL_DISCONNECTED"
	EnvLabelVIP                = "LABEL_VIP"
	EnvLabelNoDisconnect       = "LABEL_NODISCONNECT"
	EnvContractType            = "INET_CONTRACT_TYPE"
	EnvContractInactiveStates  = "CONTRACT_INACTIVE_STATES"
	EnvMinDebt                 = "MIN_DEBT"
	EnvMaxBlocks               = "MAX_BLOCKS"
	EnvCutDays                 = "CUT_DAYS"
	EnvDefaultSpeed            = "DEFAULT_SPEED"
	EnvDryRun                  = "DRY_RUN"
	EnvMinOverdueDays          = "MIN_OVERDUE_DAYS"
	EnvBlockSpeed              = "BLOCK_SPEED"
	EnvMaxBankDataAge          = "MAX_BANK_DATA_AGE"
	EnvLabelDisconnectNotified = "LABEL_DISCONNECT_NOTIFIED"
)

// DefaultContractType is INET_CONTRACT_TYPE when it is unset, the default
// of the PHP tool's definition. INET_CONTRACT_TYPE set to an empty value
// means every contract type.
const DefaultContractType = "typSmlouvy.INTERNET"

// MarkPolicyFromLookup reads the policy of abraflexi-mark-defaulters
// through lookup (os.LookupEnv, or one that also sees a .env file; nil
// means the process environment), exactly as the app does:
// LABEL_THIRD_REMINDER, LABEL_DISCONNECTED, LABEL_VIP, LABEL_NODISCONNECT
// (defaults UPOMINKA3, ODPOJENO, VIP, NEODPOJOVAT), INET_CONTRACT_TYPE
// ([DefaultContractType] when unset; set and empty = every contract
// type), CONTRACT_INACTIVE_STATES (comma-separated stav-smlouvy codes,
// [ParseContractStates]) MIN_DEBT (a non-negative amount, default 0), MIN_OVERDUE_DAYS (grace
// days, default 0) and HOME_CURRENCY (default CZK).
// Variables it does not name keep the [DefaultPolicy] values.
//
// The error is an [*envconf.Error] naming every bad variable with its
// value, the apps' words; the policy then holds the defaults for them.
func MarkPolicyFromLookup(lookup envconf.Lookup) (Policy, error) {
	env := envconf.New(lookup)
	p := DefaultPolicy()
	p.Labels = netLabels(env)
	p.Labels.ThirdReminder = env.String(EnvLabelThirdReminder, DefaultLabelThirdReminder)
	p.ContractType = env.StringOrEmpty(EnvContractType, DefaultContractType)
	p.InactiveContractStates = ParseContractStates(env.String(EnvContractInactiveStates, ""))
	p.MinDebt = minDebt(env)
	p.MinOverdueDays = env.Int(EnvMinOverdueDays, 0, 0)
	home, herr := abraflexi.HomeCurrencyFromLookup(lookup)
	p.HomeCurrency = home
	return p, envconf.Join(env.Err(), herr)
}

// BlockPolicyFromLookup reads the policy of blocknet through lookup (nil
// means the process environment), exactly as the app does:
// LABEL_DISCONNECTED, LABEL_VIP, LABEL_NODISCONNECT, MAX_BLOCKS (the
// circuit breaker, default [DefaultMaxBlocks]; 0 means [Unlimited]) and
// CUT_DAYS (any or workdays, default any), BLOCK_SPEED (the speed a block
// sets, default 0), MAX_BANK_DATA_AGE (the stale-bank guard, default off)
// and LABEL_DISCONNECT_NOTIFIED. The error is an
// [*envconf.Error] naming every bad variable with its value.
func BlockPolicyFromLookup(lookup envconf.Lookup) (Policy, error) {
	env := envconf.New(lookup)
	p := DefaultPolicy()
	p.Labels = netLabels(env)
	if p.MaxBlocks = env.Int(EnvMaxBlocks, DefaultMaxBlocks, 0); p.MaxBlocks == 0 {
		p.MaxBlocks = Unlimited
	}
	p.CutDays = CutDays(env.Enum(EnvCutDays, string(CutAnyDay), string(CutAnyDay), string(CutWorkdays)))
	p.BlockSpeed = env.Int(EnvBlockSpeed, 0, 0)
	p.MaxBankDataAge = bankDataAge(env)
	p.Labels.DisconnectNotified = env.String(EnvLabelDisconnectNotified, DefaultLabelDisconnectNotified)
	return p, env.Err()
}

// UnblockPolicyFromLookup reads the policy of unblocknet through lookup
// (nil means the process environment), exactly as the app does:
// LABEL_DISCONNECTED, LABEL_VIP and LABEL_NODISCONNECT (self-healing
// restores an exempt customer left blocked), MIN_DEBT (the same rule as
// marking, default 0) and DEFAULT_SPEED (the speed of an IP whose original
// speed was not kept, default 0: none), LABEL_DISCONNECT_NOTIFIED and
// HOME_CURRENCY (default CZK). The error is an [*envconf.Error]
// naming every bad variable with its value.
func UnblockPolicyFromLookup(lookup envconf.Lookup) (Policy, error) {
	env := envconf.New(lookup)
	p := DefaultPolicy()
	p.Labels = netLabels(env)
	p.MinDebt = minDebt(env)
	p.DefaultSpeed = env.Int(EnvDefaultSpeed, 0, 0)
	p.Labels.DisconnectNotified = env.String(EnvLabelDisconnectNotified, DefaultLabelDisconnectNotified)
	home, herr := abraflexi.HomeCurrencyFromLookup(lookup)
	p.HomeCurrency = home
	return p, envconf.Join(env.Err(), herr)
}

// OptionsFromLookup reads the options of a run that does not touch the
// network (abraflexi-mark-defaulters) through lookup (nil means the
// process environment): DRY_RUN (default false). Today is the current day
// in Prague and Now the current instant there ([NowInPrague]); Note and Logger are left for the caller.
// The error is an [*envconf.Error].
func OptionsFromLookup(lookup envconf.Lookup) (Options, error) {
	env := envconf.New(lookup)
	now := NowInPrague()
	opts := Options{Today: abraflexi.DateOf(now), Now: now, DryRun: env.Bool(EnvDryRun, false)}
	return opts, env.Err()
}

// NetOptionsFromLookup reads the options of [Block] and [Unblock] as
// blocknet and unblocknet do, through lookup (nil means the process
// environment): DRY_RUN and the run lock, RUN_LOCK_FILE (empty: the
// default lock file of the backend, shared by every run against it on
// this machine) and RUN_LOCK_TIMEOUT (seconds or a Go duration, default
// 2 minutes) ([runlock.ConfigFromLookup]). Today is the current day in
// Prague. The error is an [*envconf.Error].
func NetOptionsFromLookup(lookup envconf.Lookup) (Options, error) {
	opts, err := OptionsFromLookup(lookup)
	lock, lerr := runlock.ConfigFromLookup(lookup, "")
	opts.Lock = lock
	return opts, envconf.Join(err, lerr)
}

// netLabels reads the labels blocknet and unblocknet use; the
// third-reminder label keeps its default.
func netLabels(env *envconf.Env) Labels {
	l := DefaultPolicy().Labels
	l.Disconnected = env.String(EnvLabelDisconnected, DefaultLabelDisconnected)
	l.VIP = env.String(EnvLabelVIP, DefaultLabelVIP)
	l.NoDisconnect = env.String(EnvLabelNoDisconnect, DefaultLabelNoDisconnect)
	return l
}

// bankDataAge reads MAX_BANK_DATA_AGE ([ParseBankDataAge]: a duration
// such as 36h, days such as 2d, empty or 0 for no guard).
func bankDataAge(env *envconf.Env) BankDataAge {
	s := env.String(EnvMaxBankDataAge, "")
	a, err := ParseBankDataAge(s)
	if err != nil {
		env.Errorf("%s=%q: want a duration such as 36h, or days such as 2d (working days with CUT_DAYS=workdays); empty or 0 turns the guard off", EnvMaxBankDataAge, s)
	}
	return a
}

// minDebt reads MIN_DEBT, a non-negative decimal amount (default 0).
func minDebt(env *envconf.Env) decimal.Decimal {
	s := env.String(EnvMinDebt, "")
	if s == "" {
		return decimal.Zero
	}
	d, err := decimal.NewFromString(s)
	if err != nil || d.IsNegative() {
		env.Errorf("%s=%q: must be a non-negative amount such as 0 or 10.50", EnvMinDebt, s)
		return decimal.Zero
	}
	return d
}
