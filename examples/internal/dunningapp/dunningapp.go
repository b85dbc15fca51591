// Package dunningapp holds what the apps abraflexi-mark-defaulters,
// blocknet and unblocknet share: reading the dunning policy from the
// environment, and turning the results of the
// dunning runs into the JSON report of the PHP isp-tools (kod, action, ips,
// unpaid_invoices, due per customer), with producer and metrics.exit_code
// for MultiFlexi.
//
// Status rules: error (exit 1) when the run failed or any customer ended in
// an error reason, a tripped circuit breaker or a verification mismatch
// included; warning (exit 0) when a customer was skipped for a problem an
// operator should look at (no_ip_found, would_block, ip_conflict) or the
// run has warnings (entries blocked by hand, the hosts file's sanity
// findings); success otherwise.
package dunningapp

import (
	"log/slog"

	"github.com/shopspring/decimal"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/dunning"
	"github.com/spoje-net/isptools/examples/internal/appkit"
	"github.com/spoje-net/isptools/netbackend"
	"github.com/spoje-net/isptools/netbackend/runlock"
)

// Labels reads the labels of abraflexi-mark-defaulters:
// LABEL_THIRD_REMINDER, LABEL_DISCONNECTED, LABEL_VIP and LABEL_NODISCONNECT
// (defaults UPOMINKA3, ODPOJENO, VIP, NEODPOJOVAT).
func Labels(env *appkit.Env) dunning.Labels {
	l := BlockLabels(env)
	l.ThirdReminder = env.String("LABEL_THIRD_REMINDER", dunning.DefaultLabelThirdReminder)
	return l
}

// BlockLabels reads the labels blocknet and unblocknet use:
// LABEL_DISCONNECTED, LABEL_VIP and LABEL_NODISCONNECT (defaults ODPOJENO,
// VIP, NEODPOJOVAT); the third-reminder label keeps its default.
// unblocknet needs the exemptions too: a VIP or NEODPOJOVAT customer left
// blocked is unblocked by self-healing.
func BlockLabels(env *appkit.Env) dunning.Labels {
	l := dunning.DefaultPolicy().Labels
	l.Disconnected = env.String("LABEL_DISCONNECTED", dunning.DefaultLabelDisconnected)
	l.VIP = env.String("LABEL_VIP", dunning.DefaultLabelVIP)
	l.NoDisconnect = env.String("LABEL_NODISCONNECT", dunning.DefaultLabelNoDisconnect)
	return l
}

// UnblockLabels is [BlockLabels]: unblocknet reads the same labels.
func UnblockLabels(env *appkit.Env) dunning.Labels { return BlockLabels(env) }

// ContractStates reads CONTRACT_INACTIVE_STATES, comma-separated
// stav-smlouvy codes of contracts that are not in force (default none).
func ContractStates(env *appkit.Env) []string {
	return dunning.ParseContractStates(env.String("CONTRACT_INACTIVE_STATES", ""))
}

// MaxBlocks reads MAX_BLOCKS (default 100); 0 means no limit
// ([dunning.Unlimited]).
func MaxBlocks(env *appkit.Env) int {
	n := env.Int("MAX_BLOCKS", dunning.DefaultMaxBlocks, 0)
	if n == 0 {
		return dunning.Unlimited
	}
	return n
}

// RunLock reads the run lock of a network run against nb: RUN_LOCK_FILE
// (default: a file under /run/lock, else the temporary directory, named by
// [netbackend.LockKey] of nb, so blocknet and unblocknet on one backend
// share it) and RUN_LOCK_TIMEOUT (seconds or a Go duration, default 2m).
func RunLock(env *appkit.Env, nb netbackend.Backend) runlock.Config {
	def := runlock.DefaultTimeout // not a constant: the definition says "2m"
	return runlock.Config{
		Path:    env.String(runlock.EnvFile, ""),
		Key:     netbackend.LockKey(nb),
		Timeout: env.Duration(runlock.EnvTimeout, def),
	}
}

// MinDebt reads MIN_DEBT, a non-negative decimal amount (default 0).
func MinDebt(env *appkit.Env) decimal.Decimal {
	s := env.String("MIN_DEBT", "")
	if s == "" {
		return decimal.Zero
	}
	d, err := decimal.NewFromString(s)
	if err != nil || d.IsNegative() {
		env.Errorf("MIN_DEBT=%q: must be a non-negative amount such as 0 or 10.50", s)
		return decimal.Zero
	}
	return d
}

// CutDays reads CUT_DAYS (any or workdays, default any).
func CutDays(env *appkit.Env) dunning.CutDays {
	return dunning.CutDays(env.Enum("CUT_DAYS", string(dunning.CutAnyDay), string(dunning.CutAnyDay), string(dunning.CutWorkdays)))
}

// Today returns the current calendar date in Prague, where AbraFlexi's
// dates and the Czech holidays are, whatever the host's time zone
// ([dunning.TodayInPrague]).
func Today() abraflexi.Date { return dunning.TodayInPrague() }

// Options reads DRY_RUN and sets today ([Today]) and now (the same
// instant in Prague, for the stale-bank-data guard).
func Options(env *appkit.Env, log *slog.Logger, app string) dunning.Options {
	now := dunning.NowInPrague()
	return dunning.Options{
		Today:  abraflexi.DateOf(now),
		Now:    now,
		DryRun: env.Bool("DRY_RUN", false),
		Note:   app,
		Logger: log,
	}
}
