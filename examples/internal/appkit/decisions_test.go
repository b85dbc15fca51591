package appkit

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
)

func TestLogDecisions(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	inv := "FV1"
	r := &Report{Extra: map[string]any{"dryRun": true},
		Customers: []Customer{
			{Kod: "A", Action: "blocked", Why: "label", IPs: []string{"10.0.0.1", "10.0.0.2"}},
			{Kod: "B", Action: "error_blocking", Error: "boom"},
		},
		Payment: &Payment{Document: "B1", Reason: "matched", Invoice: &inv}}
	r.LogDecisions(context.Background(), log)
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("lines:\n%s", buf.String())
	}
	for i, want := range []string{
		`level=INFO msg="customer A: blocked" kod=A action=blocked why=label ips=10.0.0.1,10.0.0.2 dry_run=true`,
		`level=WARN msg="customer B: error_blocking" kod=B action=error_blocking error=boom dry_run=true`,
		`level=INFO msg="document B1: matched" document=B1 reason=matched invoice=FV1 dry_run=true`,
	} {
		if !strings.HasSuffix(lines[i], want) {
			t.Errorf("line %d %q, want suffix %q", i, lines[i], want)
		}
	}
	buf.Reset()
	(&Report{Payment: &Payment{Reason: "error"}}).LogDecisions(context.Background(), log)
	if buf.Len() != 0 {
		t.Errorf("a payment without document logged %q", buf.String())
	}
}

func TestErrorfRecordsEachErrorOnce(t *testing.T) {
	env := NewEnv(nil, map[string]string{"DRY_RUN": "maybe"})
	env.Bool("DRY_RUN", false)
	env.Bool("DRY_RUN", false)
	if err := env.Err(); err == nil || strings.Count(err.Error(), "DRY_RUN") != 1 {
		t.Errorf("errors: %v", err)
	}
}
