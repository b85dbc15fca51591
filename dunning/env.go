package dunning

import (
	"github.com/shopspring/decimal"

	"github.com/spoje-net/isptools/envconf"
	"github.com/spoje-net/isptools/netbackend/runlock"
)

// Environment variables of the policy and the options, as the apps
// abraflexi-mark-defaulters, blocknet and unblocknet read them.
const (
	EnvLabelThirdReminder     = "LABEL_THIRD_REMINDER"
	EnvLabelDisconnected      = "LABEL_DISCONNECTED"
	EnvLabelVIP               = "LABEL_VIP"
	EnvLabelNoDisconnect      = "LABEL_NODISCONNECT"
	EnvContractType           = "INET_CONTRACT_TYPE"
	EnvContractInactiveStates = "CONTRACT_INACTIVE_STATES"
	EnvMinDebt                = "MIN_DEBT"
	EnvMaxBlocks              = "MAX_BLOCKS"
	EnvCutDays                = "CUT_DAYS"
	EnvDefaultSpeed           = "DEFAULT_SPEED"
	EnvDryRun                 = "DRY_RUN"
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
// [ParseContractStates]) and MIN_DEBT (a non-negative amount, default 0).
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
	return p, env.Err()
}

// BlockPolicyFromLookup reads the policy of blocknet through lookup (nil
// means the process environment), exactly as the app does:
// LABEL_DISCONNECTED, LABEL_VIP, LABEL_NODISCONNECT, MAX_BLOCKS (the
// circuit breaker, default [DefaultMaxBlocks]; 0 means [Unlimited]) and
// CUT_DAYS (any or workdays, default any). The error is an
// [*envconf.Error] naming every bad variable with its value.
func BlockPolicyFromLookup(lookup envconf.Lookup) (Policy, error) {
	env := envconf.New(lookup)
	p := DefaultPolicy()
	p.Labels = netLabels(env)
	if p.MaxBlocks = env.Int(EnvMaxBlocks, DefaultMaxBlocks, 0); p.MaxBlocks == 0 {
		p.MaxBlocks = Unlimited
	}
	p.CutDays = CutDays(env.Enum(EnvCutDays, string(CutAnyDay), string(CutAnyDay), string(CutWorkdays)))
	return p, env.Err()
}

// UnblockPolicyFromLookup reads the policy of unblocknet through lookup
// (nil means the process environment), exactly as the app does:
// LABEL_DISCONNECTED, LABEL_VIP and LABEL_NODISCONNECT (self-healing
// restores an exempt customer left blocked), MIN_DEBT (the same rule as
// marking, default 0) and DEFAULT_SPEED (the speed of an IP whose original
// speed was not kept, default 0: none). The error is an [*envconf.Error]
// naming every bad variable with its value.
func UnblockPolicyFromLookup(lookup envconf.Lookup) (Policy, error) {
	env := envconf.New(lookup)
	p := DefaultPolicy()
	p.Labels = netLabels(env)
	p.MinDebt = minDebt(env)
	p.DefaultSpeed = env.Int(EnvDefaultSpeed, 0, 0)
	return p, env.Err()
}

// OptionsFromLookup reads the options of a run that does not touch the
// network (abraflexi-mark-defaulters) through lookup (nil means the
// process environment): DRY_RUN (default false). Today is the current day
// in Prague ([TodayInPrague]); Note and Logger are left for the caller.
// The error is an [*envconf.Error].
func OptionsFromLookup(lookup envconf.Lookup) (Options, error) {
	env := envconf.New(lookup)
	opts := Options{Today: TodayInPrague(), DryRun: env.Bool(EnvDryRun, false)}
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
