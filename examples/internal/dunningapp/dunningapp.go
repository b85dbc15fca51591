// Package dunningapp holds what the apps abraflexi-mark-defaulters,
// blocknet and unblocknet share, as thin shells over the SDK: reading the
// dunning policy and options from the environment
// (dunning.MarkPolicyFromLookup and the other readers), the run around
// the dunning call, and its JSON report (report.Mark, report.Block,
// report.Unblock: the report of the PHP isp-tools with producer and
// metrics.exit_code for MultiFlexi).
package dunningapp

import (
	"log/slog"

	"github.com/shopspring/decimal"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/dunning"
	"github.com/spoje-net/isptools/envconf"
	"github.com/spoje-net/isptools/examples/internal/appkit"
	"github.com/spoje-net/isptools/netbackend"
	"github.com/spoje-net/isptools/netbackend/runlock"
)

// MarkPolicy reads the policy of abraflexi-mark-defaulters
// ([dunning.MarkPolicyFromLookup]); problems are recorded in env.
func MarkPolicy(env *appkit.Env) dunning.Policy {
	return recorded(env)(dunning.MarkPolicyFromLookup(env.Lookup))
}

// BlockPolicy reads the policy of blocknet
// ([dunning.BlockPolicyFromLookup]); problems are recorded in env.
func BlockPolicy(env *appkit.Env) dunning.Policy {
	return recorded(env)(dunning.BlockPolicyFromLookup(env.Lookup))
}

// UnblockPolicy reads the policy of unblocknet
// ([dunning.UnblockPolicyFromLookup]); problems are recorded in env.
func UnblockPolicy(env *appkit.Env) dunning.Policy {
	return recorded(env)(dunning.UnblockPolicyFromLookup(env.Lookup))
}

// recorded returns a function that records err in env and returns p.
func recorded(env *appkit.Env) func(p dunning.Policy, err error) dunning.Policy {
	return func(p dunning.Policy, err error) dunning.Policy {
		env.Record(err)
		return p
	}
}

// only reads the part names of a policy with read.
func only(env *appkit.Env, read func(envconf.Lookup) (dunning.Policy, error), names ...string) dunning.Policy {
	return recorded(env)(read(envconf.Only(env.Lookup, names...)))
}

// Labels reads the labels of abraflexi-mark-defaulters:
// LABEL_THIRD_REMINDER, LABEL_DISCONNECTED, LABEL_VIP and LABEL_NODISCONNECT
// (defaults UPOMINKA3, ODPOJENO, VIP, NEODPOJOVAT), as
// [dunning.MarkPolicyFromLookup] does.
func Labels(env *appkit.Env) dunning.Labels {
	return only(env, dunning.MarkPolicyFromLookup, dunning.EnvLabelThirdReminder, dunning.EnvLabelDisconnected,
		dunning.EnvLabelVIP, dunning.EnvLabelNoDisconnect).Labels
}

// BlockLabels reads the labels blocknet and unblocknet use:
// LABEL_DISCONNECTED, LABEL_VIP and LABEL_NODISCONNECT (defaults ODPOJENO,
// VIP, NEODPOJOVAT); the third-reminder label keeps its default.
// unblocknet needs the exemptions too: a VIP or NEODPOJOVAT customer left
// blocked is unblocked by self-healing.
func BlockLabels(env *appkit.Env) dunning.Labels {
	return only(env, dunning.BlockPolicyFromLookup, dunning.EnvLabelDisconnected, dunning.EnvLabelVIP, dunning.EnvLabelNoDisconnect).Labels
}

// UnblockLabels is [BlockLabels]: unblocknet reads the same labels.
func UnblockLabels(env *appkit.Env) dunning.Labels { return BlockLabels(env) }

// ContractStates reads CONTRACT_INACTIVE_STATES, comma-separated
// stav-smlouvy codes of contracts that are not in force (default none).
func ContractStates(env *appkit.Env) []string {
	return only(env, dunning.MarkPolicyFromLookup, dunning.EnvContractInactiveStates).InactiveContractStates
}

// MaxBlocks reads MAX_BLOCKS (default 100); 0 means no limit
// ([dunning.Unlimited]).
func MaxBlocks(env *appkit.Env) int {
	return only(env, dunning.BlockPolicyFromLookup, dunning.EnvMaxBlocks).MaxBlocks
}

// RunLock reads the run lock of a network run against nb: RUN_LOCK_FILE
// (default: a file under /run/lock, else the temporary directory, named by
// [netbackend.LockKey] of nb, so blocknet and unblocknet on one backend
// share it) and RUN_LOCK_TIMEOUT (seconds or a Go duration, default 2m)
// ([runlock.ConfigFromLookup]).
func RunLock(env *appkit.Env, nb netbackend.Backend) runlock.Config {
	cfg, err := runlock.ConfigFromLookup(env.Lookup, netbackend.LockKey(nb))
	env.Record(err)
	if cfg.Timeout == 0 {
		cfg.Timeout = runlock.DefaultTimeout // what zero means, spelled out
	}
	return cfg
}

// MinDebt reads MIN_DEBT, a non-negative decimal amount (default 0).
func MinDebt(env *appkit.Env) decimal.Decimal {
	return only(env, dunning.MarkPolicyFromLookup, dunning.EnvMinDebt).MinDebt
}

// CutDays reads CUT_DAYS (any or workdays, default any).
func CutDays(env *appkit.Env) dunning.CutDays {
	return only(env, dunning.BlockPolicyFromLookup, dunning.EnvCutDays).CutDays
}

// Today returns the current calendar date in Prague, where AbraFlexi's
// dates and the Czech holidays are, whatever the host's time zone
// ([dunning.TodayInPrague]).
func Today() abraflexi.Date { return dunning.TodayInPrague() }

// Options reads DRY_RUN and sets today ([dunning.OptionsFromLookup]), the
// note app and the logger log.
func Options(env *appkit.Env, log *slog.Logger, app string) dunning.Options {
	opts, err := dunning.OptionsFromLookup(env.Lookup)
	env.Record(err)
	opts.Note, opts.Logger = app, log
	return opts
}
