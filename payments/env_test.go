package payments_test

import (
	"context"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/spoje-net/isptools/envconf"
	"github.com/spoje-net/isptools/netbackend/runlock"
	"github.com/spoje-net/isptools/payments"
)

func recording(vars map[string]string) (envconf.Lookup, func() []string) {
	asked := map[string]bool{}
	return func(name string) (string, bool) {
			asked[name] = true
			v, ok := vars[name]
			return v, ok
		}, func() []string {
			return slices.Sorted(maps.Keys(asked))
		}
}

func TestConfigFromLookup(t *testing.T) {
	lookup, asked := recording(nil)
	cfg, err := payments.ConfigFromLookup(lookup)
	if err != nil || cfg.Evidence != payments.EvidenceAuto || cfg.Policy.OverpayMode != payments.OverpaySettle || cfg.DryRun ||
		cfg.Policy.Labels != (payments.Labels{Overpay: "PREPLATEK", InvoiceMissing: "CHYBIFAKTURA", Unidentified: "NEIDENTIFIKOVANO"}) ||
		cfg.Policy.HomeCurrency != "CZK" || cfg.Lock != nil || cfg.Logger != nil {
		t.Errorf("defaults %+v, %v", cfg, err)
	}
	want := []string{"DRY_RUN", "EVENT_EVIDENCE", "HOME_CURRENCY", "LABEL_INVOICE_MISSING", "LABEL_OVERPAY", "LABEL_UNIDENTIFIED", "MATCH_KEYS", "MATCH_OVERPAY_MODE", "PAYMENT_EVIDENCE"}
	if got := asked(); !slices.Equal(got, want) {
		t.Errorf("reads %v, want %v", got, want)
	}

	lookup, _ = recording(map[string]string{"EVENT_EVIDENCE": "pokladni-pohyb", "MATCH_OVERPAY_MODE": "MANUAL", "LABEL_OVERPAY": "OVER",
		"HOME_CURRENCY": "eur", "DRY_RUN": "1"})
	cfg, err = payments.ConfigFromLookup(lookup)
	if err != nil || cfg.Evidence != payments.EvidenceCash || cfg.Policy.OverpayMode != payments.OverpayManual ||
		cfg.Policy.Labels.Overpay != "OVER" || cfg.Policy.HomeCurrency != "EUR" || !cfg.DryRun {
		t.Errorf("values %+v, %v", cfg, err)
	}

	lookup, _ = recording(map[string]string{"PAYMENT_EVIDENCE": "banka", "EVENT_EVIDENCE": "pokladna", "MATCH_OVERPAY_MODE": "refund",
		"HOME_CURRENCY": "euro", "DRY_RUN": "maybe"})
	_, err = payments.ConfigFromLookup(lookup)
	wantErr := `invalid configuration: EVENT_EVIDENCE=pokladna contradicts PAYMENT_EVIDENCE=banka: the event is about a record of pokladna; ` +
		`MATCH_OVERPAY_MODE="refund": must be one of settle|manual; HOME_CURRENCY="euro": not a currency code (three letters such as CZK or EUR); ` +
		`DRY_RUN="maybe": not a boolean (use true/false, 1/0, yes/no or on/off)`
	if err == nil || err.Error() != wantErr || !errors.Is(err, envconf.ErrInvalid) {
		t.Errorf("errors:\n%v\nwant\n%s", err, wantErr)
	}
}

func TestEvidenceFromLookup(t *testing.T) {
	lookup, asked := recording(map[string]string{"EVENT_EVIDENCE": "banka"})
	ev, err := payments.EvidenceFromLookup(lookup)
	if err != nil || ev != payments.EvidenceBank || !slices.Equal(asked(), []string{"EVENT_EVIDENCE", "PAYMENT_EVIDENCE"}) {
		t.Errorf("EvidenceFromLookup = %v, %v, read %v", ev, err, asked())
	}
	lookup, _ = recording(map[string]string{"PAYMENT_EVIDENCE": "ftp"})
	if _, err := payments.EvidenceFromLookup(lookup); err == nil || err.Error() != `invalid configuration: PAYMENT_EVIDENCE="ftp": must be one of banka|pokladna|auto` {
		t.Errorf("bad evidence: %v", err)
	}
}

// TestDocumentLockFromLookup: the lock of one document is exclusive per
// AbraFlexi URL and company, and RUN_LOCK_TIMEOUT bounds the wait.
func TestDocumentLockFromLookup(t *testing.T) {
	if _, err := os.Stat(runlock.DefaultDir()); err != nil {
		t.Skip(err)
	}
	ctx := context.Background()
	scope := filepath.Base(t.TempDir()) // a company of its own: no other test shares its locks
	lookup, asked := recording(map[string]string{"ABRAFLEXI_URL": "https://af.example/", "ABRAFLEXI_COMPANY": scope, "RUN_LOCK_TIMEOUT": "0.2s"})
	lock, err := payments.DocumentLockFromLookup(lookup)
	if err != nil || !slices.Equal(asked(), []string{"ABRAFLEXI_COMPANY", "ABRAFLEXI_URL", "RUN_LOCK_TIMEOUT"}) {
		t.Fatalf("DocumentLockFromLookup: %v, read %v", err, asked())
	}
	release, err := lock(ctx, "pair banka 42")
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	start := time.Now()
	if _, err := lock(ctx, "pair banka 42"); !errors.Is(err, runlock.ErrHeld) {
		t.Errorf("second lock of the same document: %v, want runlock.ErrHeld", err)
	}
	if waited := time.Since(start); waited < 150*time.Millisecond {
		t.Errorf("waited %v, RUN_LOCK_TIMEOUT is 0.2s", waited)
	}
	other, _ := recording(map[string]string{"ABRAFLEXI_URL": "https://af.example", "ABRAFLEXI_COMPANY": scope + "-other"})
	lock2, _ := payments.DocumentLockFromLookup(other)
	r2, err := lock2(ctx, "pair banka 42")
	if err != nil {
		t.Errorf("the same id in another company: %v", err)
	} else {
		r2()
	}
	bad, _ := recording(map[string]string{"RUN_LOCK_TIMEOUT": "soon"})
	if _, err := payments.DocumentLockFromLookup(bad); err == nil || err.Error() != `invalid configuration: RUN_LOCK_TIMEOUT="soon": not a duration (seconds or e.g. 1m30s)` {
		t.Errorf("bad timeout: %v", err)
	}
}
