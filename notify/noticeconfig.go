package notify

import (
	"errors"
	"fmt"
	"os"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/envconf"
)

// Names of the environment variables read by [NoticeConfigFromEnv]. They
// are not named Env* like those of [ConfigFromLookup] on purpose: an app
// that reads the mail configuration through ConfigFromLookup does not
// read these (the MultiFlexi definition check of examples/multiflexi
// counts every exported Env* constant of a package whose function gets
// the app's lookup). Apps read them with their own environment getters,
// by these constant names, and fill in a [NoticeConfig].
const (
	VarNotifyDisconnected = "NOTIFY_DISCONNECTED"
	VarNotifyReconnected  = "NOTIFY_RECONNECTED"
	VarBankIBAN           = "BANK_IBAN"
)

// NoticeConfig switches the connection notices of Pipeline A on and says
// where customers pay. Both notices are off by default, so the apps behave
// as the PHP tools did. Mail itself (sender, transport, language,
// templates, MUTE) is the [Config] of the confirmations.
type NoticeConfig struct {
	// Disconnected makes blocknet mail each newly blocked customer that the
	// connection was limited and how to pay (NOTIFY_DISCONNECTED, default
	// false).
	Disconnected bool
	// Reconnected makes unblocknet mail each unblocked customer that the
	// connection is restored (NOTIFY_RECONNECTED, default false).
	Reconnected bool
	// IBAN is the account customers pay to, printed in the notice and put
	// into its QR Platba code (BANK_IBAN; required when Disconnected).
	IBAN abraflexi.IBAN
}

// NoticeConfigFromEnv reads the notice configuration from the process
// environment; see [NoticeConfigFromLookup].
func NoticeConfigFromEnv() (NoticeConfig, error) { return NoticeConfigFromLookup(os.LookupEnv) }

// NoticeConfigFromLookup reads NOTIFY_DISCONNECTED and NOTIFY_RECONNECTED
// (true/false, 1/0, yes/no, on/off; unset or empty is false) and BANK_IBAN
// (electronic or printed form) through lookup (nil means the process
// environment) and validates the result. The error is an [*envconf.Error]
// that also matches [ErrInvalidConfig], naming every bad variable and its
// value.
func NoticeConfigFromLookup(lookup func(string) (string, bool)) (NoticeConfig, error) {
	env := envconf.New(lookup)
	cfg := NoticeConfig{
		Disconnected: env.Bool(VarNotifyDisconnected, false),
		Reconnected:  env.Bool(VarNotifyReconnected, false),
	}
	if raw := env.String(VarBankIBAN, ""); raw != "" {
		iban, err := abraflexi.ParseIBAN(raw)
		if err != nil {
			env.Errorf("%s=%q: %v", VarBankIBAN, raw, err)
		}
		cfg.IBAN = iban
	}
	if env.Err() == nil {
		for _, p := range cfg.problems() {
			env.Record(p)
		}
	}
	return cfg, envconf.WithKind(env.Err(), ErrInvalidConfig)
}

// Validate checks the configuration: BANK_IBAN is required when
// NOTIFY_DISCONNECTED is on (the notice must say where to pay) and must be
// a valid IBAN when set.
func (c NoticeConfig) Validate() error {
	if errs := c.problems(); len(errs) > 0 {
		return fmt.Errorf("%w: %w", ErrInvalidConfig, errors.Join(errs...))
	}
	return nil
}

func (c NoticeConfig) problems() []error {
	var errs []error
	if c.Disconnected && c.IBAN.IsZero() {
		errs = append(errs, fmt.Errorf("%s is required when %s=true (the notice says where to pay)", VarBankIBAN, VarNotifyDisconnected))
	}
	if !c.IBAN.IsZero() {
		if _, err := abraflexi.ParseIBAN(c.IBAN.String()); err != nil {
			errs = append(errs, fmt.Errorf("%s=%q: %w", VarBankIBAN, c.IBAN, err))
		}
	}
	return errs
}

// DisconnectNoticeConfigFromLookup reads what blocknet reads of the
// connection notices, through lookup (nil means the process environment):
// NOTIFY_DISCONNECTED (default false) and BANK_IBAN (required when it is
// on). The mail itself is configured by [ConfigFromLookup]. The error
// names every bad variable with its value and matches [ErrInvalidConfig].
func DisconnectNoticeConfigFromLookup(lookup func(string) (string, bool)) (NoticeConfig, error) {
	env := envconf.New(lookup)
	cfg := NoticeConfig{Disconnected: env.Bool(VarNotifyDisconnected, false)}
	if raw := env.String(VarBankIBAN, ""); raw != "" {
		iban, err := abraflexi.ParseIBAN(raw)
		if err != nil {
			env.Errorf("%s=%q: %v", VarBankIBAN, raw, err)
		}
		cfg.IBAN = iban
	}
	if env.Err() == nil {
		for _, p := range cfg.problems() {
			env.Record(p)
		}
	}
	return cfg, envconf.WithKind(env.Err(), ErrInvalidConfig)
}

// ReconnectNoticeConfigFromLookup reads what unblocknet reads of the
// connection notices, through lookup (nil means the process environment):
// NOTIFY_RECONNECTED (default false). The mail itself is configured by
// [ConfigFromLookup]. The error matches [ErrInvalidConfig].
func ReconnectNoticeConfigFromLookup(lookup func(string) (string, bool)) (NoticeConfig, error) {
	env := envconf.New(lookup)
	cfg := NoticeConfig{Reconnected: env.Bool(VarNotifyReconnected, false)}
	return cfg, envconf.WithKind(env.Err(), ErrInvalidConfig)
}
