// Package dunningapp holds what the apps abraflexi-mark-defaulters,
// blocknet and unblocknet share: reading the dunning policy and the
// AbraFlexi connection from the environment, and turning the results of the
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
	"fmt"
	"log/slog"
	"time"
	_ "time/tzdata" // Europe/Prague without the host's zoneinfo

	"github.com/shopspring/decimal"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/dunning"
	"github.com/spoje-net/isptools/examples/internal/appkit"
)

// Client builds the AbraFlexi client from ABRAFLEXI_URL, ABRAFLEXI_LOGIN,
// ABRAFLEXI_PASSWORD, ABRAFLEXI_COMPANY and ABRAFLEXI_INSECURE. Missing
// variables are recorded in env (and named by [appkit.Env.Err]); the client
// is nil then.
func Client(env *appkit.Env, log *slog.Logger) (*abraflexi.Client, error) {
	password, _ := env.Lookup(abraflexi.EnvPassword)
	if password == "" {
		env.Errorf("%s is required but not set", abraflexi.EnvPassword)
	}
	cfg := abraflexi.Config{
		URL:                env.Required(abraflexi.EnvURL),
		Login:              env.Required(abraflexi.EnvLogin),
		Password:           password,
		Company:            env.Required(abraflexi.EnvCompany),
		InsecureSkipVerify: env.Bool(abraflexi.EnvInsecure, false),
	}
	if err := env.Err(); err != nil {
		return nil, err
	}
	c, err := abraflexi.NewClient(cfg, abraflexi.WithLogger(log))
	if err != nil {
		return nil, fmt.Errorf("AbraFlexi connection (ABRAFLEXI_URL, ABRAFLEXI_LOGIN, ABRAFLEXI_PASSWORD, ABRAFLEXI_COMPANY): %w", err)
	}
	return c, nil
}

// Labels reads LABEL_THIRD_REMINDER, LABEL_DISCONNECTED, LABEL_VIP and
// LABEL_NODISCONNECT (defaults UPOMINKA3, ODPOJENO, VIP, NEODPOJOVAT).
func Labels(env *appkit.Env) dunning.Labels {
	return dunning.Labels{
		ThirdReminder: env.String("LABEL_THIRD_REMINDER", dunning.DefaultLabelThirdReminder),
		Disconnected:  env.String("LABEL_DISCONNECTED", dunning.DefaultLabelDisconnected),
		VIP:           env.String("LABEL_VIP", dunning.DefaultLabelVIP),
		NoDisconnect:  env.String("LABEL_NODISCONNECT", dunning.DefaultLabelNoDisconnect),
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
