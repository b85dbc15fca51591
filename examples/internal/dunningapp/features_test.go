package dunningapp

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/dunning"
	"github.com/spoje-net/isptools/examples/internal/appkit"
)

func TestFeatureEnvReaders(t *testing.T) {
	env := appkit.NewEnv(nil, map[string]string{"BLOCK_SPEED": "64", "MAX_BANK_DATA_AGE": "2d", "MIN_OVERDUE_DAYS": "14",
		"LABEL_DISCONNECT_NOTIFIED": "told", "NOTIFY_DISCONNECTED": "yes", "BANK_IBAN": "CZ65 0800 0000 1920 0014 5399",
		"EASE_FROM": "a@example.cz", "NOTIFY_RECONNECTED": "true"})
	if n := BlockSpeed(env); n != 64 {
		t.Errorf("BLOCK_SPEED %d", n)
	}
	if a := BankDataAge(env); a.Days != 2 {
		t.Errorf("MAX_BANK_DATA_AGE %+v", a)
	}
	if n := MinOverdueDays(env); n != 14 {
		t.Errorf("MIN_OVERDUE_DAYS %d", n)
	}
	if l := NoticeLabel(env); l != "told" {
		t.Errorf("label %q", l)
	}
	d, r := DisconnectNotices(env, nil), ReconnectNotices(env, nil)
	if d == nil || d.cn == nil || d.cn.IBAN.String() != "CZ6508000000192000145399" || r == nil || r.cn == nil {
		t.Fatalf("notices %+v %+v", d, r)
	}
	if n, ok := d.Notifier(nil, abraflexi.NewDate(2026, time.March, 10)).(notifier); !ok || n.cn.Today.IsZero() || !d.cn.Today.IsZero() {
		t.Errorf("notifier %+v (the shared notices must stay unchanged)", n)
	}
	if err := env.Err(); err != nil {
		t.Fatal(err)
	}

	def := appkit.NewEnv(nil, nil)
	if BlockSpeed(def) != 0 || !BankDataAge(def).IsZero() || MinOverdueDays(def) != 0 || NoticeLabel(def) != dunning.DefaultLabelDisconnectNotified ||
		DisconnectNotices(def, nil) != nil || ReconnectNotices(def, nil) != nil || def.Err() != nil {
		t.Errorf("defaults: %v", def.Err())
	}
	var off *Notices
	if off.Notifier(nil, abraflexi.Date{}) != nil {
		t.Error("notices off give a notifier")
	}

	bad := appkit.NewEnv(nil, map[string]string{"BLOCK_SPEED": "-1", "MAX_BANK_DATA_AGE": "soon", "MIN_OVERDUE_DAYS": "x",
		"NOTIFY_DISCONNECTED": "on", "BANK_IBAN": "CZ6508000000192000145398"})
	BlockSpeed(bad)
	BankDataAge(bad)
	MinOverdueDays(bad)
	DisconnectNotices(bad, nil)
	err := bad.Err()
	for _, name := range []string{"BLOCK_SPEED", "MAX_BANK_DATA_AGE", "MIN_OVERDUE_DAYS", "BANK_IBAN", "EASE_FROM"} {
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("errors lack %s: %v", name, err)
		}
	}
}

func TestNoticeAndStaleReports(t *testing.T) {
	res := &dunning.BlockResult{
		Decisions: []dunning.BlockDecision{
			{Customer: customer("A"), Reason: dunning.ReasonBlocked},
			{Customer: customer("B"), Reason: dunning.ReasonBlocked},
			{Customer: customer("C"), Reason: dunning.ReasonBlocked},
		},
		Notices: []dunning.NoticeOutcome{
			{Customer: "A", Status: dunning.NoticeSent, Recipients: []string{"a@example.cz"}, MessageID: "<1@x>"},
			{Customer: "B", Status: "no_email", Err: errors.New("no valid e-mail address")},
			{Customer: "C", Status: dunning.NoticeNothingOwed},
		},
	}
	code, m := finalize(t, BlockReport(res))
	if code != 0 || m["status"] != "warning" || !strings.Contains(m["message"].(string), "notices: 1 sent, 1 failed") {
		t.Errorf("exit %d %v", code, m)
	}
	cs := m["customers"].([]any)
	for i, want := range []string{"sent", "no_email", "nothing_owed"} {
		if got := cs[i].(map[string]any)["notice"]; got != want {
			t.Errorf("customer %d notice %v, want %s", i, got, want)
		}
	}
	ns := m["notices"].([]any)
	if a := ns[0].(map[string]any); a["message_id"] != "<1@x>" || a["recipients"].([]any)[0] != "a@example.cz" {
		t.Errorf("notices %v", ns)
	}
	if w := m["warnings"].([]any); len(w) != 1 || !strings.Contains(w[0].(string), "customer B") {
		t.Errorf("warnings %v", w)
	}
	metrics := m["metrics"].(map[string]any)
	if metrics["notices_sent"] != float64(1) || metrics["notices_failed"] != float64(1) {
		t.Errorf("metrics %v", metrics)
	}

	stale := &dunning.BlockResult{
		Decisions: []dunning.BlockDecision{{Customer: customer("A"), Reason: dunning.ReasonWouldBlock}},
		Refusal:   &dunning.Refusal{Kind: dunning.RefusedStaleBankData, Customers: []string{"A"}, Message: "no new blocks: bank data may be stale: none"},
	}
	code, m = finalize(t, BlockReport(stale))
	ref := m["refused"].(map[string]any)
	if v, ok := ref["newest_bank_movement"]; code != 0 || m["status"] != "warning" || ref["reason"] != "stale_bank_data" || !ok || v != nil {
		t.Errorf("exit %d %v", code, m)
	}
	stale.Refusal.NewestMovement = &abraflexi.BankMovement{Movement: abraflexi.Movement{ID: abraflexi.NumericID(7), Code: "B+7", IssuedOn: abraflexi.NewDate(2026, time.March, 9)}}
	_, m = finalize(t, BlockReport(stale))
	if nm := m["refused"].(map[string]any)["newest_bank_movement"].(map[string]any); nm["kod"] != "B+7" || nm["datVyst"] != "2026-03-09" || nm["id"] != "7" {
		t.Errorf("newest %v", nm)
	}

	mark := &dunning.MarkResult{Decisions: []dunning.MarkDecision{
		{Customer: customer("Y"), Reason: dunning.ReasonGraceDaysSkipped, Why: "oldest unpaid invoice 5 days overdue, fewer than MIN_OVERDUE_DAYS=14",
			Debt: dunning.Debt{Invoices: []string{"F1"}}},
	}}
	_, m = finalize(t, MarkReport(mark))
	y := m["customers"].([]any)[0].(map[string]any)
	if y["why"] != "oldest unpaid invoice 5 days overdue, fewer than MIN_OVERDUE_DAYS=14" || m["metrics"].(map[string]any)["grace_days_skipped"] != float64(1) {
		t.Errorf("mark %v", m)
	}
}
