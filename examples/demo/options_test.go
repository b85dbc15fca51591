package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spoje-net/isptools/dunning"
	"github.com/spoje-net/isptools/notify"
	"github.com/spoje-net/isptools/notify/notifytest"
)

// TestDemoOperatorOptions: the demo turns on BLOCK_SPEED,
// MAX_BANK_DATA_AGE, MIN_OVERDUE_DAYS and NOTIFY_DISCONNECTED and says
// what each did.
func TestDemoOperatorOptions(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	out := filepath.Join(t.TempDir(), "out")
	var stdout, stderr bytes.Buffer
	code, acc := execute(t.Context(), []string{"-customers", "40", "-seed", "7", "-today", "2026-03-16", "-backend", "file", "-out", out}, &stdout, &stderr, fixedClock)
	if code != 0 {
		t.Fatalf("exit code %d, stderr:\n%s\nstdout:\n%s", code, &stderr, &stdout)
	}
	text := stdout.String()
	for _, want := range []string{"Operator options", "MIN_OVERDUE_DAYS=30", "oldest unpaid invoice", "MAX_BANK_DATA_AGE=36h", "it would refuse",
		"BLOCK_SPEED=64", "speed=64 orig=", "NOTIFY_DISCONNECTED=true", "QR Platba"} {
		if !strings.Contains(text, want) {
			t.Errorf("the account does not mention %q", want)
		}
	}
	opt := acc.Options
	if opt == nil || opt.Block == nil || opt.Block.NewlyBlocked() == 0 || opt.Block.Refusal != nil || opt.Newest == nil {
		t.Fatalf("options %+v", opt)
	}
	sent := 0
	for _, n := range opt.Block.Notices {
		if n.Status == dunning.NoticeSent {
			sent++
		}
	}
	if sent == 0 || len(opt.Mails) != sent {
		t.Fatalf("%d notices sent, %d mails", sent, len(opt.Mails))
	}
	raw, err := os.ReadFile(filepath.Join(out, opt.Mails[0].File))
	if err != nil {
		t.Fatal(err)
	}
	p, err := notifytest.Parse(raw)
	if err != nil || !strings.Contains(p.Text, notify.SPDHeader+"ACC:"+optIBAN) {
		t.Errorf("notice %v:\n%s", err, p.Text)
	}
	// The story's own account is untouched: its mails, its commits.
	if len(acc.Mails) == 0 || strings.Contains(acc.Mails[len(acc.Mails)-1].File, "07-") {
		t.Errorf("the story's mails include the options' notices: %v", acc.Mails)
	}
}
