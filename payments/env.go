package payments

import (
	"context"
	"fmt"
	"strings"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/envconf"
	"github.com/spoje-net/isptools/netbackend/runlock"
)

// Environment variables of the matcher, as isp-match-received-payment,
// isp-match-payments-batch and isp-match-and-notify read them.
const (
	EnvPaymentEvidence     = "PAYMENT_EVIDENCE"
	EnvEventEvidence       = "EVENT_EVIDENCE"
	EnvOverpayMode         = "MATCH_OVERPAY_MODE"
	EnvLabelOverpay        = "LABEL_OVERPAY"
	EnvLabelInvoiceMissing = "LABEL_INVOICE_MISSING"
	EnvLabelUnidentified   = "LABEL_UNIDENTIFIED"
	EnvHomeCurrency        = abraflexi.EnvHomeCurrency
	EnvDryRun              = "DRY_RUN"
	EnvRunLockTimeout      = runlock.EnvTimeout
)

// ConfigFromLookup reads the matcher's configuration as the Pipeline B
// apps do, through lookup (os.LookupEnv, or one that also sees a .env
// file; nil means the process environment): PAYMENT_EVIDENCE and
// EVENT_EVIDENCE ([EvidenceFromLookup]), MATCH_OVERPAY_MODE
// (settle|manual, default settle), LABEL_OVERPAY, LABEL_INVOICE_MISSING,
// LABEL_UNIDENTIFIED (defaults PREPLATEK, CHYBIFAKTURA, NEIDENTIFIKOVANO),
// HOME_CURRENCY (three letters, default CZK) and DRY_RUN. Logger and Lock
// are left nil ([DocumentLockFromLookup] reads the lock the apps take).
//
// The error is an [*envconf.Error] naming every bad variable with its
// value, the apps' words; the configuration then holds the defaults for
// them.
func ConfigFromLookup(lookup envconf.Lookup) (Config, error) {
	env := envconf.New(lookup)
	ev := evidence(env)
	mode := env.Enum(EnvOverpayMode, string(OverpaySettle), "settle", "manual")
	labels := Labels{
		Overpay:        env.String(EnvLabelOverpay, DefaultLabelOverpay),
		InvoiceMissing: env.String(EnvLabelInvoiceMissing, DefaultLabelInvoiceMissing),
		Unidentified:   env.String(EnvLabelUnidentified, DefaultLabelUnidentified),
	}
	home, err := abraflexi.HomeCurrencyFromLookup(lookup)
	env.Record(err)
	cfg := Config{
		Evidence: ev,
		Keys:     matchKeys(env),
		Policy:   Policy{OverpayMode: OverpayMode(mode), Labels: labels, HomeCurrency: home},
		DryRun:   env.Bool(EnvDryRun, false),
	}
	return cfg, env.Err()
}

// EvidenceFromLookup reads where the payment to match or to notify about
// lives, through lookup (nil means the process environment):
// PAYMENT_EVIDENCE (banka|pokladna|auto, default auto) and EVENT_EVIDENCE,
// the evidence of the AbraFlexi change that triggered the run (banka,
// pokladna or pokladni-pohyb; the MultiFlexi event processor sets it).
// Record ids are per evidence, so the event's evidence wins over auto; an
// explicit PAYMENT_EVIDENCE naming the other evidence is a configuration
// error. The error is an [*envconf.Error].
func EvidenceFromLookup(lookup envconf.Lookup) (EvidenceChoice, error) {
	env := envconf.New(lookup)
	ev := evidence(env)
	return ev, env.Err()
}

func evidence(env *envconf.Env) EvidenceChoice {
	configured := EvidenceChoice(env.Enum(EnvPaymentEvidence, string(EvidenceAuto), "banka", "pokladna", "auto"))
	event := env.Enum(EnvEventEvidence, "", abraflexi.EvidenceBank, "pokladna", abraflexi.EvidenceCash)
	if event == "" {
		return configured
	}
	ev, _ := ParseEvidenceChoice(event)
	if configured != EvidenceAuto && configured != ev {
		env.Errorf("%s=%s contradicts %s=%s: the event is about a record of %s", EnvEventEvidence, event, EnvPaymentEvidence, configured, event)
		return configured
	}
	return ev
}

// DocumentLockFromLookup returns the lock of one AbraFlexi document that
// the Pipeline B apps take for a run, for [Config].Lock and notify.Deps'
// Lock: one lock file per document under the default lock directory
// (/run/lock, else the temporary directory; [runlock.PerKey]), scoped to
// ABRAFLEXI_URL and ABRAFLEXI_COMPANY so equal ids of two companies never
// share a lock, waiting up to RUN_LOCK_TIMEOUT (seconds or a Go duration,
// default 2 minutes). RUN_LOCK_FILE, one fixed file for a Pipeline A
// target, does not apply. The error is an [*envconf.Error].
func DocumentLockFromLookup(lookup envconf.Lookup) (func(ctx context.Context, key string) (func() error, error), error) {
	env := envconf.New(lookup)
	timeout := runlock.DefaultTimeout
	if v := env.String(EnvRunLockTimeout, ""); v != "" {
		d, err := envconf.ParseDuration(v)
		if err != nil {
			env.Errorf("%s=%s: %v", EnvRunLockTimeout, envconf.Quote(v), err)
		} else {
			timeout = d
		}
	}
	url, _ := env.Lookup(abraflexi.EnvURL)
	company, _ := env.Lookup(abraflexi.EnvCompany)
	return runlock.PerKey(strings.TrimRight(strings.TrimSpace(url), "/")+" "+strings.TrimSpace(company), timeout), env.Err()
}

// matchKeys reads MATCH_KEYS, the ways a payment finds its invoices, tried
// in order (default vs, the variable symbol alone; for example
// vs,ss,account,sum; see [ParseMatchKeys]).
func matchKeys(env *envconf.Env) MatchKeys {
	v := env.String(EnvMatchKeys, string(KeyVS))
	keys, err := ParseMatchKeys(v)
	if err != nil {
		env.Errorf("%s=%q: %v", EnvMatchKeys, v, strings.TrimPrefix(err.Error(), fmt.Sprintf("payments: match keys %q: ", v)))
		return DefaultMatchKeys()
	}
	return keys
}
