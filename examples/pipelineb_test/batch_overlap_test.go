package pipelineb_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/netbackend/runlock"
)

// TestOverlappingBatches: two isp-match-payments-batch runs started at
// once (cron and an operator, or two MultiFlexi jobs) over the same
// payments never interleave: the second waits for the first's run lock,
// then finds the payments paired. Every payment is used once, every
// invoice paid once, and neither run fails. A batch that cannot get the
// lock in RUN_LOCK_TIMEOUT fails naming it and changes nothing.
func TestOverlappingBatches(t *testing.T) {
	w := newWorld(t)
	var invoices, pays []abraflexi.ID
	for i := range 8 {
		vs := fmt.Sprint(700 + i)
		invoices = append(invoices, w.invoice(fmt.Sprintf("VF-B%d", i), vs, "1000"))
		amount := "1000"
		if i%2 == 1 {
			amount = "1500" // overpaid: 500 stays on the payment
		}
		pays = append(pays, w.bank(fmt.Sprintf("BB%d", i), vs, amount))
	}
	lockFile := filepath.Join(t.TempDir(), "batch.lock")

	// held by someone else: the batch gives up after a second, untouched
	held, err := runlock.Acquire(context.Background(), runlock.Config{Path: lockFile})
	if err != nil {
		t.Fatal(err)
	}
	before := w.writes()
	r := w.run(appBatch, "MATCH_SINCE=all", "RUN_LOCK_FILE="+lockFile, "RUN_LOCK_TIMEOUT=1")
	if msg, _ := r.Report["message"].(string); r.Code != 1 || !strings.Contains(msg, lockFile) || !strings.Contains(msg, fmt.Sprint(os.Getpid())) {
		t.Errorf("batch with the lock held: exit %d, message %q; want exit 1 naming the lock and its holder", r.Code, msg)
	}
	if w.writes() != before {
		t.Errorf("the batch wrote without its lock")
	}
	if err := held.Release(); err != nil {
		t.Fatal(err)
	}

	rs := w.atOnce(w.proc(appBatch, "MATCH_SINCE=all"), w.proc(appBatch, "MATCH_SINCE=all"))
	for i, r := range rs {
		if r.Code != 0 {
			t.Errorf("run %d: exit %d\n%s\n%s", i+1, r.Code, r.Raw, r.Stderr)
		}
	}
	if p := rs[0].Report["metrics"].(map[string]any)["paired"].(float64) + rs[1].Report["metrics"].(map[string]any)["paired"].(float64); p != 8 {
		t.Errorf("%v payments paired by the two runs, want 8", p)
	}
	for i, id := range invoices {
		if got := w.inv(id); !got.Remaining.IsZero() || got.PaymentState != abraflexi.PaymentStatePaid {
			t.Errorf("invoice %d: %s left, state %q", i, got.Remaining, got.PaymentState)
		}
	}
	client, err := abraflexi.NewClient(w.af.Config())
	if err != nil {
		t.Fatal(err)
	}
	for i, id := range pays {
		m, err := client.Bank.Get(context.Background(), id) // with its links (vazby)
		if err != nil {
			t.Fatal(err)
		}
		if used := m.Allocated("CZK").Value; len(m.Links) != 1 || !used.Equal(decimal.NewFromInt(1000)) {
			t.Errorf("payment %d: %s used by %d links, want 1000 by one (each payment used once)", i, used, len(m.Links))
		}
	}
}
