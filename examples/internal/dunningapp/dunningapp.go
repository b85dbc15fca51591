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
// operator should look at (no_ip_found, would_block); success otherwise.
package dunningapp

import (
	"log/slog"
	"time"
	_ "time/tzdata" // Europe/Prague without the host's zoneinfo

	"github.com/shopspring/decimal"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/dunning"
	"github.com/spoje-net/isptools/examples/internal/appkit"
)

// Labels reads the labels of abraflexi-mark-defaulters:
// LABEL_THIRD_REMINDER, LABEL_DISCONNECTED, LABEL_VIP and LABEL_NODISCONNECT
// (defaults UPOMINKA3, ODPOJENO, VIP, NEODPOJOVAT).
func Labels(env *appkit.Env) dunning.Labels {
	l := BlockLabels(env)
	l.ThirdReminder = env.String("LABEL_THIRD_REMINDER", dunning.DefaultLabelThirdReminder)
	return l
}

// BlockLabels reads the labels blocknet uses: LABEL_DISCONNECTED, LABEL_VIP
// and LABEL_NODISCONNECT (defaults ODPOJENO, VIP, NEODPOJOVAT); the others
// keep their defaults.
func BlockLabels(env *appkit.Env) dunning.Labels {
	l := UnblockLabels(env)
	l.VIP = env.String("LABEL_VIP", dunning.DefaultLabelVIP)
	l.NoDisconnect = env.String("LABEL_NODISCONNECT", dunning.DefaultLabelNoDisconnect)
	return l
}

// UnblockLabels reads the only label unblocknet uses, LABEL_DISCONNECTED
// (default ODPOJENO); the others keep their defaults.
func UnblockLabels(env *appkit.Env) dunning.Labels {
	l := dunning.DefaultPolicy().Labels
	l.Disconnected = env.String("LABEL_DISCONNECTED", dunning.DefaultLabelDisconnected)
	return l
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
// dates and the Czech holidays are, whatever the host's time zone.
func Today() abraflexi.Date {
	now := time.Now()
	if loc, err := time.LoadLocation("Europe/Prague"); err == nil {
		now = now.In(loc)
	}
	return abraflexi.DateOf(now)
}

// Options reads DRY_RUN and sets today ([Today]).
func Options(env *appkit.Env, log *slog.Logger, app string) dunning.Options {
	return dunning.Options{
		Today:  Today(),
		DryRun: env.Bool("DRY_RUN", false),
		Note:   app,
		Logger: log,
	}
}
