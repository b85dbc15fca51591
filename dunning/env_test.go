package dunning_test

import (
	"context"
	"errors"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/dunning"
	"github.com/spoje-net/isptools/envconf"
	"github.com/spoje-net/isptools/netbackend/netbackendtest"
	"github.com/spoje-net/isptools/netbackend/runlock"
)

// envRecorder is a lookup over vars that records every name asked for.
type envRecorder struct {
	vars  map[string]string
	asked map[string]bool
}

func newEnvRecorder(vars map[string]string) *envRecorder {
	return &envRecorder{vars: vars, asked: map[string]bool{}}
}

func (r *envRecorder) lookup(name string) (string, bool) {
	r.asked[name] = true
	v, ok := r.vars[name]
	return v, ok
}

func (r *envRecorder) names() []string { return slices.Sorted(maps.Keys(r.asked)) }

// TestPolicyReadersReadTheirAppsVariables: each reader asks for exactly
// the variables of its app, nothing of the others (mark never reads
// MAX_BLOCKS, blocknet never MIN_DEBT).
func TestPolicyReadersReadTheirAppsVariables(t *testing.T) {
	for _, tc := range []struct {
		name string
		read func(envconf.Lookup) error
		want []string
	}{
		{"mark", func(l envconf.Lookup) error { _, err := dunning.MarkPolicyFromLookup(l); return err },
			[]string{"CONTRACT_INACTIVE_STATES", "HOME_CURRENCY", "INET_CONTRACT_TYPE", "LABEL_DISCONNECTED", "LABEL_NODISCONNECT", "LABEL_THIRD_REMINDER", "LABEL_VIP", "MIN_DEBT", "MIN_OVERDUE_DAYS"}},
		{"block", func(l envconf.Lookup) error { _, err := dunning.BlockPolicyFromLookup(l); return err },
			[]string{"BLOCK_SPEED", "CUT_DAYS", "LABEL_DISCONNECTED", "LABEL_DISCONNECT_NOTIFIED", "LABEL_NODISCONNECT", "LABEL_VIP", "MAX_BANK_DATA_AGE", "MAX_BLOCKS"}},
		{"unblock", func(l envconf.Lookup) error { _, err := dunning.UnblockPolicyFromLookup(l); return err },
			[]string{"DEFAULT_SPEED", "HOME_CURRENCY", "LABEL_DISCONNECTED", "LABEL_DISCONNECT_NOTIFIED", "LABEL_NODISCONNECT", "LABEL_VIP", "MIN_DEBT"}},
		{"options", func(l envconf.Lookup) error { _, err := dunning.OptionsFromLookup(l); return err },
			[]string{"DRY_RUN"}},
		{"net options", func(l envconf.Lookup) error { _, err := dunning.NetOptionsFromLookup(l); return err },
			[]string{"DRY_RUN", "RUN_LOCK_FILE", "RUN_LOCK_TIMEOUT"}},
	} {
		r := newEnvRecorder(nil)
		if err := tc.read(r.lookup); err != nil {
			t.Errorf("%s: empty environment: %v", tc.name, err)
		}
		if got := r.names(); !slices.Equal(got, tc.want) {
			t.Errorf("%s reads %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestPolicyReadersDefaultsAreTheAppsDefaults(t *testing.T) {
	empty := func(string) (string, bool) { return "", false }
	def := dunning.DefaultPolicy()
	mark, _ := dunning.MarkPolicyFromLookup(empty)
	want := def
	want.ContractType = dunning.DefaultContractType
	if !equalPolicy(mark, want) {
		t.Errorf("mark defaults %+v, want %+v", mark, want)
	}
	block, _ := dunning.BlockPolicyFromLookup(empty)
	if !equalPolicy(block, def) || block.MaxBlocks != 100 {
		t.Errorf("block defaults %+v", block)
	}
	unblock, _ := dunning.UnblockPolicyFromLookup(empty)
	if !equalPolicy(unblock, def) {
		t.Errorf("unblock defaults %+v", unblock)
	}
	opts, _ := dunning.NetOptionsFromLookup(empty)
	if opts.DryRun || opts.Today != dunning.TodayInPrague() || opts.Lock != (runlock.Config{}) {
		t.Errorf("net options defaults %+v", opts)
	}
}

func equalPolicy(a, b dunning.Policy) bool {
	return a.Labels == b.Labels && a.ContractType == b.ContractType && a.MinDebt.Equal(b.MinDebt) && a.MaxBlocks == b.MaxBlocks &&
		slices.Equal(a.InactiveContractStates, b.InactiveContractStates) && a.CutDays == b.CutDays && a.DefaultSpeed == b.DefaultSpeed
}

func TestPolicyReadersValues(t *testing.T) {
	vars := map[string]string{
		"LABEL_THIRD_REMINDER": "UPOM3", "LABEL_DISCONNECTED": "CUT", "LABEL_VIP": "GOLD", "LABEL_NODISCONNECT": "NEVER",
		"INET_CONTRACT_TYPE": "", "CONTRACT_INACTIVE_STATES": "code:UKONCENO, stavSmlouvy.PRERUSENO",
		"MIN_DEBT": "10.50", "MAX_BLOCKS": "0", "CUT_DAYS": "WORKDAYS", "DEFAULT_SPEED": "2048",
		"DRY_RUN": "yes", "RUN_LOCK_FILE": "/tmp/x.lock", "RUN_LOCK_TIMEOUT": "30",
		"MIN_OVERDUE_DAYS": "14", "BLOCK_SPEED": "64", "MAX_BANK_DATA_AGE": "2d", "LABEL_DISCONNECT_NOTIFIED": "TOLD",
		"HOME_CURRENCY": "eur",
	}
	lookup := newEnvRecorder(vars).lookup
	mark, err := dunning.MarkPolicyFromLookup(lookup)
	if err != nil || mark.Labels != (dunning.Labels{ThirdReminder: "UPOM3", Disconnected: "CUT", VIP: "GOLD", NoDisconnect: "NEVER",
		DisconnectNotified: dunning.DefaultLabelDisconnectNotified}) ||
		mark.ContractType != "" || !slices.Equal(mark.InactiveContractStates, []string{"UKONCENO", "PRERUSENO"}) ||
		!mark.MinDebt.Equal(decimal.RequireFromString("10.5")) || mark.MinOverdueDays != 14 || mark.HomeCurrency != "EUR" {
		t.Errorf("mark: %+v, %v", mark, err)
	}
	block, err := dunning.BlockPolicyFromLookup(lookup)
	if err != nil || block.MaxBlocks != dunning.Unlimited || block.CutDays != dunning.CutWorkdays || block.Labels.Disconnected != "CUT" ||
		block.Labels.ThirdReminder != dunning.DefaultLabelThirdReminder || block.BlockSpeed != 64 ||
		block.MaxBankDataAge != (dunning.BankDataAge{Days: 2}) || block.Labels.DisconnectNotified != "TOLD" {
		t.Errorf("block: %+v, %v", block, err)
	}
	unblock, err := dunning.UnblockPolicyFromLookup(lookup)
	if err != nil || unblock.DefaultSpeed != 2048 || !unblock.MinDebt.Equal(decimal.RequireFromString("10.5")) || unblock.MaxBlocks != dunning.DefaultMaxBlocks ||
		unblock.HomeCurrency != "EUR" || unblock.Labels.DisconnectNotified != "TOLD" {
		t.Errorf("unblock: %+v, %v", unblock, err)
	}
	opts, err := dunning.NetOptionsFromLookup(lookup)
	if err != nil || !opts.DryRun || opts.Lock.Path != "/tmp/x.lock" || opts.Lock.Timeout != 30*time.Second {
		t.Errorf("net options: %+v, %v", opts, err)
	}
}

// TestPolicyReadersErrors: every bad variable at once, with its value, in
// the apps' words, with the default kept for it.
func TestPolicyReadersErrors(t *testing.T) {
	bad := newEnvRecorder(map[string]string{"MAX_BLOCKS": "ten", "CUT_DAYS": "never", "MIN_DEBT": "-5", "DEFAULT_SPEED": "fast",
		"DRY_RUN": "maybe", "RUN_LOCK_TIMEOUT": "soon"}).lookup
	block, err := dunning.BlockPolicyFromLookup(bad)
	want := `invalid configuration: MAX_BLOCKS="ten": not an integer; CUT_DAYS="never": must be one of any|workdays`
	if err == nil || err.Error() != want || block.MaxBlocks != dunning.DefaultMaxBlocks {
		t.Errorf("block: %v\nwant %s", err, want)
	}
	var ce *envconf.Error
	if !errors.As(err, &ce) || len(ce.Problems) != 2 {
		t.Errorf("block error %T is not an *envconf.Error with 2 problems", err)
	}
	_, err = dunning.UnblockPolicyFromLookup(bad)
	want = `invalid configuration: MIN_DEBT="-5": must be a non-negative amount such as 0 or 10.50; DEFAULT_SPEED="fast": not an integer`
	if err == nil || err.Error() != want {
		t.Errorf("unblock: %v\nwant %s", err, want)
	}
	_, err = dunning.NetOptionsFromLookup(bad)
	want = `invalid configuration: DRY_RUN="maybe": not a boolean (use true/false, 1/0, yes/no or on/off); RUN_LOCK_TIMEOUT="soon": not a duration (seconds or e.g. 1m30s)`
	if err == nil || err.Error() != want {
		t.Errorf("net options: %v\nwant %s", err, want)
	}
}

// TestAdapterMethods: af.Mark/Block/Unblock are the runs with af in both
// roles.
func TestAdapterMethods(t *testing.T) {
	ctx := context.Background()
	today := abraflexi.NewDate(2026, time.November, 10)
	w := newWorld(t, today)
	w.customer("DEBTOR", "INTERNET", "500", "UPOMINKA3")
	w.customer("PAID", "INTERNET", "", "UPOMINKA3")
	nb := netbackendtest.New()
	nb.Add("DEBTOR", "10.0.0.1", 1024)
	opts := dunning.Options{Today: today, NoLock: true}
	mark, err := w.af.Mark(ctx, dunning.DefaultPolicy(), opts)
	if err != nil || mark.Counts()[dunning.ReasonMarked] != 1 {
		t.Fatalf("Mark: %+v, %v", mark, err)
	}
	block, err := w.af.Block(ctx, nb, dunning.DefaultPolicy(), opts)
	if err != nil || block.NewlyBlocked() != 1 {
		t.Fatalf("Block: %+v, %v", block, err)
	}
	unblock, err := w.af.Unblock(ctx, nb, dunning.DefaultPolicy(), opts)
	if err != nil || unblock.Counts()[dunning.ReasonStillOwes] != 1 {
		t.Fatalf("Unblock: %+v, %v", unblock, err)
	}
	if a, _ := w.srv.Address(abraflexi.CodeID("DEBTOR")); !a.Labels.Has("ODPOJENO") {
		t.Error("the mark did not label the debtor")
	}
}
