package dunningapp

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/dunning"
	"github.com/spoje-net/isptools/examples/internal/appkit"
	"github.com/spoje-net/isptools/netbackend/netbackendtest"
	"github.com/spoje-net/isptools/netbackend/runlock"
)

func customer(code string) abraflexi.Address { return abraflexi.Address{Code: code, Name: "N " + code} }

func finalize(t *testing.T, r *appkit.Report) (int, map[string]any) {
	t.Helper()
	code := r.Finalize("app", time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC), nil)
	b, err := r.Encode()
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return code, m
}

func TestMarkReport(t *testing.T) {
	debt := dunning.Debt{Amount: decimal.RequireFromString("499.50"), Invoices: []string{"FV1", "FV2"}}
	res := &dunning.MarkResult{Decisions: []dunning.MarkDecision{
		{Customer: customer("A"), Reason: dunning.ReasonMarked, Debt: debt},
		{Customer: customer("B"), Reason: dunning.ReasonVIPSkipped},
		{Customer: customer("C"), Reason: dunning.ReasonNoDebtSkipped},
		{Customer: customer("D"), Reason: dunning.ReasonAlreadyMarked},
	}}
	code, m := finalize(t, MarkReport(res))
	if code != 0 || m["status"] != "success" {
		t.Errorf("exit %d status %v", code, m["status"])
	}
	metrics := m["metrics"].(map[string]any)
	for k, v := range map[string]float64{"marked": 1, "skipped": 2, "already_marked": 1, "customers_total": 4, "errors": 0, "vip_skipped": 1, "no_debt_skipped": 1} {
		if metrics[k] != v {
			t.Errorf("metric %s = %v, want %v", k, metrics[k], v)
		}
	}
	a := m["customers"].([]any)[0].(map[string]any)
	if a["kod"] != "A" || a["action"] != "marked_for_disconnection" || a["due"] != 499.5 || a["unpaid_invoices"] != float64(2) {
		t.Errorf("customer A = %v", a)
	}
	if _, ok := m["customers"].([]any)[1].(map[string]any)["due"]; ok {
		t.Error("due reported for a customer without debt")
	}

	res.Decisions[0].Reason, res.Decisions[0].Err = dunning.ReasonErrorMarking, errors.New("customer A: locked")
	res.DryRun = true
	code, m = finalize(t, MarkReport(res))
	if code != 1 || m["status"] != "error" || m["dryRun"] != true || !strings.HasPrefix(m["message"].(string), "Dry run") {
		t.Errorf("error run: exit %d %v", code, m)
	}
	if m["customers"].([]any)[0].(map[string]any)["error"] != "customer A: locked" {
		t.Errorf("error text missing: %v", m["customers"])
	}
	if code, m = finalize(t, MarkReport(nil)); code != 0 || m["customers"] == nil {
		t.Errorf("nil result: %d %v", code, m)
	}
}

func TestBlockReportStatus(t *testing.T) {
	ip := netip.MustParseAddr("10.0.0.1")
	blocked := dunning.BlockDecision{Customer: customer("A"), Reason: dunning.ReasonBlocked, IPs: []netip.Addr{ip}, Newly: []netip.Addr{ip}}
	tests := []struct {
		name   string
		res    *dunning.BlockResult
		exit   int
		status string
		msg    string
	}{
		{"success", &dunning.BlockResult{Decisions: []dunning.BlockDecision{blocked, {Customer: customer("V"), Reason: dunning.ReasonVIPSkipped}}}, 0, "success", "1 customers blocked, 1 newly (1 IPs)"},
		{"no ip is a warning", &dunning.BlockResult{Decisions: []dunning.BlockDecision{blocked, {Customer: customer("N"), Reason: dunning.ReasonNoIPFound}}}, 0, "warning", "1 without IP"},
		{"error", &dunning.BlockResult{Decisions: []dunning.BlockDecision{{Customer: customer("E"), Reason: dunning.ReasonErrorBlocking, Err: errors.New("x")}}}, 1, "error", "1 errors"},
		{"not a cut day", &dunning.BlockResult{Decisions: []dunning.BlockDecision{{Customer: customer("A"), Reason: dunning.ReasonWouldBlock, Newly: []netip.Addr{ip}}},
			Refusal: &dunning.Refusal{Kind: dunning.RefusedNotCutDay, Message: "no new blocks today", Customers: []string{"A"}}}, 0, "warning", "no new blocks today. Would have been cut: A"},
		{"breaker", &dunning.BlockResult{Decisions: []dunning.BlockDecision{{Customer: customer("A"), Reason: dunning.ReasonWouldBlock, Newly: []netip.Addr{ip}}},
			Refusal: &dunning.Refusal{Kind: dunning.RefusedCircuitBreaker, Message: "circuit breaker", Customers: []string{"A"}}}, 1, "error", "circuit breaker. Would have been cut: A"},
		{"mismatch", &dunning.BlockResult{Decisions: []dunning.BlockDecision{{Customer: customer("A"), Reason: dunning.ReasonErrorBlocking, Err: errors.New("verification failed")}},
			Mismatches: []dunning.Mismatch{{Customer: "A", IP: ip, Problem: "not blocked"}}}, 1, "error", "verification found 1 IPs not as planned"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, m := finalize(t, BlockReport(tt.res))
			if code != tt.exit || m["status"] != tt.status || !strings.Contains(m["message"].(string), tt.msg) {
				t.Errorf("exit %d status %v message %q; want %d %s %q", code, m["status"], m["message"], tt.exit, tt.status, tt.msg)
			}
		})
	}
	_, m := finalize(t, BlockReport(tests[4].res))
	if mt := m["metrics"].(map[string]any); mt["newly_blocked"] != float64(0) || mt["would_block"] != float64(1) {
		t.Errorf("breaker metrics %v", mt)
	}
	_, m = finalize(t, BlockReport(tests[1].res))
	cs := m["customers"].([]any)
	if ips := cs[1].(map[string]any)["ips"]; ips == nil || len(ips.([]any)) != 0 {
		t.Errorf("no_ip_found ips = %v, want []", ips)
	}
}

func TestUnblockReport(t *testing.T) {
	ip := netip.MustParseAddr("10.0.0.1")
	res := &dunning.UnblockResult{Decisions: []dunning.UnblockDecision{
		{Customer: customer("A"), Reason: dunning.ReasonUnblocked, IPs: []netip.Addr{ip}, Newly: []netip.Addr{ip}},
		{Customer: customer("B"), Reason: dunning.ReasonStillOwes, Debt: dunning.Debt{Amount: decimal.NewFromInt(90), Invoices: []string{"F"}}},
		{Customer: customer("C"), Reason: dunning.ReasonNoIPLabelCleared, IPs: nil},
	}}
	code, m := finalize(t, UnblockReport(res))
	if code != 0 || m["status"] != "success" {
		t.Errorf("exit %d status %v", code, m["status"])
	}
	mt := m["metrics"].(map[string]any)
	if mt["unblocked"] != float64(1) || mt["still_owes"] != float64(1) || mt["label_cleared"] != float64(1) || mt["ips_unblocked"] != float64(1) {
		t.Errorf("metrics %v", mt)
	}
	b := m["customers"].([]any)[1].(map[string]any)
	if b["due"] != float64(90) || b["unpaid_invoices"] != float64(1) {
		t.Errorf("B = %v", b)
	}
	res.Decisions[0].Reason, res.Decisions[0].Err = dunning.ReasonErrorRemovingLabel, errors.New("x")
	if code, m = finalize(t, UnblockReport(res)); code != 1 || m["status"] != "error" {
		t.Errorf("error run: %d %v", code, m["status"])
	}
}

func TestSelfHealingReport(t *testing.T) {
	ip := netip.MustParseAddr("10.0.0.1")
	res := &dunning.UnblockResult{
		Decisions: []dunning.UnblockDecision{
			{Customer: customer("O"), Reason: dunning.ReasonOrphanUnblocked, IPs: []netip.Addr{ip}, Newly: []netip.Addr{ip}, Why: "blocked in the hosts file but carries no ODPOJENO"},
			{Customer: customer("C"), Reason: dunning.ReasonIPConflict, Why: "10.0.0.5 claimed by C, D (hosts line 3, hosts line 9): ..."},
			{Customer: customer("S"), Reason: dunning.ReasonStillOwes, Debt: dunning.Debt{Amount: decimal.NewFromInt(100), Invoiced: decimal.NewFromInt(700),
				Credit: decimal.NewFromInt(600), Invoices: []string{"F1", "F2"}, CreditNotes: []string{"D1"}}},
		},
		Warnings: []string{"10.0.0.8 of HAND (hosts line 8) at speed 0, no kept original: blocked by hand, left alone"},
	}
	code, m := finalize(t, UnblockReport(res))
	if code != 0 || m["status"] != "warning" {
		t.Errorf("exit %d status %v", code, m["status"])
	}
	cs := m["customers"].([]any)
	if w := cs[0].(map[string]any)["why"]; w != "blocked in the hosts file but carries no ODPOJENO" || cs[0].(map[string]any)["action"] != "orphan_unblocked" {
		t.Errorf("orphan entry %v", cs[0])
	}
	if w, _ := cs[1].(map[string]any)["why"].(string); !strings.Contains(w, "hosts line 3, hosts line 9") {
		t.Errorf("conflict entry %v", cs[1])
	}
	if w, _ := cs[2].(map[string]any)["why"].(string); !strings.HasSuffix(w, "(owes 700 CZK on 2 invoices less a 600 CZK credit note)") {
		t.Errorf("still owes entry %v", cs[2])
	}
	mt := m["metrics"].(map[string]any)
	if mt["orphans_unblocked"] != float64(1) || mt["ip_conflict"] != float64(1) || mt["warnings"] != float64(1) || mt["ips_unblocked"] != float64(1) {
		t.Errorf("metrics %v", mt)
	}
	if w := fmt.Sprint(m["warnings"]); !strings.Contains(w, "blocked by hand") {
		t.Errorf("warnings %v", w)
	}
	if msg := m["message"].(string); !strings.Contains(msg, "1 held blocked without reason restored (self-healing)") {
		t.Errorf("message %q", msg)
	}
	// Warnings alone make the status warning; errors stay errors.
	code, m = finalize(t, BlockReport(&dunning.BlockResult{Warnings: []string{"hosts file line 3: no-tab: x"}}))
	if code != 0 || m["status"] != "warning" || fmt.Sprint(m["warnings"]) != "[hosts file line 3: no-tab: x]" {
		t.Errorf("block with warnings: %d %v", code, m)
	}
	code, m = finalize(t, BlockReport(&dunning.BlockResult{Warnings: []string{"x"},
		Decisions: []dunning.BlockDecision{{Customer: customer("E"), Reason: dunning.ReasonErrorBlocking, Err: errors.New("planning failed")}}}))
	if code != 1 || m["status"] != "error" {
		t.Errorf("block error with warnings: %d %v", code, m["status"])
	}
}

func TestEnvReaders(t *testing.T) {
	env := appkit.NewEnv(nil, map[string]string{"LABEL_VIP": "GOLD", "MIN_DEBT": "10.50", "CUT_DAYS": "Workdays", "DRY_RUN": "yes"})
	if l := Labels(env); l.VIP != "GOLD" || l.Disconnected != "ODPOJENO" || l.ThirdReminder != "UPOMINKA3" || l.NoDisconnect != "NEODPOJOVAT" {
		t.Errorf("labels %+v", l)
	}
	if d := MinDebt(env); !d.Equal(decimal.RequireFromString("10.5")) {
		t.Errorf("min debt %s", d)
	}
	if c := CutDays(env); c != dunning.CutWorkdays {
		t.Errorf("cut days %q", c)
	}
	if o := Options(env, nil, "x"); !o.DryRun || o.Today.IsZero() || o.Note != "x" {
		t.Errorf("options %+v", o)
	}
	if env.Err() != nil {
		t.Errorf("errors: %v", env.Err())
	}
	bad := appkit.NewEnv(nil, map[string]string{"MIN_DEBT": "-1", "CUT_DAYS": "never"})
	MinDebt(bad)
	CutDays(bad)
	if err := bad.Err(); err == nil || !strings.Contains(err.Error(), "MIN_DEBT") || !strings.Contains(err.Error(), "CUT_DAYS") {
		t.Errorf("errors: %v", err)
	}
	only := appkit.NewEnv(nil, map[string]string{"LABEL_VIP": "GOLD", "LABEL_THIRD_REMINDER": "U3", "LABEL_DISCONNECTED": "CUT"})
	if l := BlockLabels(only); l.VIP != "GOLD" || l.Disconnected != "CUT" || l.ThirdReminder != "UPOMINKA3" {
		t.Errorf("block labels %+v", l)
	}
	// unblocknet reads the exemptions too: self-healing restores them
	if l := UnblockLabels(only); l.VIP != "GOLD" || l.Disconnected != "CUT" || l.ThirdReminder != "UPOMINKA3" {
		t.Errorf("unblock labels %+v", l)
	}
	lim := appkit.NewEnv(nil, map[string]string{"MAX_BLOCKS": "0", "CONTRACT_INACTIVE_STATES": "ukoncena, ZRUSENA", "RUN_LOCK_FILE": "/tmp/x.lock", "RUN_LOCK_TIMEOUT": "30"})
	if n := MaxBlocks(lim); n != dunning.Unlimited {
		t.Errorf("MAX_BLOCKS=0 gives %d, want dunning.Unlimited", n)
	}
	if n := MaxBlocks(appkit.NewEnv(nil, nil)); n != 100 {
		t.Errorf("MAX_BLOCKS unset gives %d", n)
	}
	if s := ContractStates(lim); fmt.Sprint(s) != "[UKONCENA ZRUSENA]" {
		t.Errorf("CONTRACT_INACTIVE_STATES %v", s)
	}
	nb := netbackendtest.New()
	if l := RunLock(lim, nb); l.Path != "/tmp/x.lock" || l.Timeout != 30*time.Second || l.Key != "netbackend memory" {
		t.Errorf("RunLock %+v", l)
	}
	if l := RunLock(appkit.NewEnv(nil, nil), nb); l.Path != "" || l.Timeout != 2*time.Minute || l.File() != runlock.DefaultPath("netbackend memory") {
		t.Errorf("default RunLock %+v", l)
	}
	bad = appkit.NewEnv(nil, map[string]string{"RUN_LOCK_TIMEOUT": "soon"})
	RunLock(bad, nb)
	if err := bad.Err(); err == nil || !strings.Contains(err.Error(), "RUN_LOCK_TIMEOUT") {
		t.Errorf("errors: %v", err)
	}
}

// TestBlockReportRerunSummary: a second run, in which every labelled
// customer is already blocked, says so first: "N customers blocked, 0
// newly".
func TestBlockReportRerunSummary(t *testing.T) {
	ip := netip.MustParseAddr("10.0.0.1")
	var ds []dunning.BlockDecision
	for _, code := range []string{"A", "B", "C"} {
		ds = append(ds, dunning.BlockDecision{Customer: customer(code), Reason: dunning.ReasonBlocked, IPs: []netip.Addr{ip}})
	}
	_, m := finalize(t, BlockReport(&dunning.BlockResult{Decisions: ds}))
	if got, want := m["message"], "3 customers blocked, 0 newly (0 IPs), 0 skipped (0 without IP), 0 errors"; got != want {
		t.Errorf("message %q, want %q", got, want)
	}
	_, m = finalize(t, BlockReport(&dunning.BlockResult{Decisions: ds, DryRun: true}))
	if got := m["message"].(string); !strings.Contains(got, "3 customers would be blocked, 0 newly") {
		t.Errorf("dry-run message %q", got)
	}
}

// TestPHPMetricNames: the reports carry the metrics of the PHP tools, with
// their meaning, beside ours.
func TestPHPMetricNames(t *testing.T) {
	ip := netip.MustParseAddr("10.0.0.1")
	metrics := func(r map[string]any) map[string]any { return r["metrics"].(map[string]any) }
	check := func(t *testing.T, got map[string]any, want map[string]int) {
		t.Helper()
		for name, n := range want {
			if got[name] != float64(n) {
				t.Errorf("metric %s = %v, want %d (metrics %v)", name, got[name], n, got)
			}
		}
	}
	t.Run("blocknet", func(t *testing.T) {
		_, m := finalize(t, BlockReport(&dunning.BlockResult{Decisions: []dunning.BlockDecision{
			{Customer: customer("A"), Reason: dunning.ReasonBlocked, IPs: []netip.Addr{ip}, Newly: []netip.Addr{ip}},
			{Customer: customer("V"), Reason: dunning.ReasonVIPSkipped},
			{Customer: customer("N"), Reason: dunning.ReasonNoDisconnectSkipped},
			{Customer: customer("X"), Reason: dunning.ReasonNoIPFound},
			{Customer: customer("E"), Reason: dunning.ReasonErrorBlocking, Err: errors.New("x")},
		}}))
		check(t, metrics(m), map[string]int{"disconnected_total": 5, "blocked": 1, "vip_skipped": 1, "nodisconnect_skipped": 1, "no_ip": 1, "errors": 1})
	})
	t.Run("unblocknet", func(t *testing.T) {
		_, m := finalize(t, UnblockReport(&dunning.UnblockResult{Decisions: []dunning.UnblockDecision{
			{Customer: customer("A"), Reason: dunning.ReasonUnblocked, IPs: []netip.Addr{ip}, Newly: []netip.Addr{ip}},
			{Customer: customer("B"), Reason: dunning.ReasonStillOwes},
			{Customer: customer("C"), Reason: dunning.ReasonNoIPLabelCleared},
			{Customer: customer("D"), Reason: dunning.ReasonErrorRemovingLabel, Err: errors.New("x")},
		}}))
		check(t, metrics(m), map[string]int{"disconnected_total": 4, "still_owing": 1, "unblocked": 1, "labels_cleared": 2, "no_ip": 1, "errors": 1})
	})
	t.Run("abraflexi-mark-defaulters", func(t *testing.T) {
		_, m := finalize(t, MarkReport(&dunning.MarkResult{Decisions: []dunning.MarkDecision{
			{Customer: customer("A"), Reason: dunning.ReasonMarked},
			{Customer: customer("V"), Reason: dunning.ReasonVIPSkipped},
			{Customer: customer("P"), Reason: dunning.ReasonNoDebtSkipped},
			{Customer: customer("E"), Reason: dunning.ReasonErrorMarking, Err: errors.New("x")},
		}}))
		check(t, metrics(m), map[string]int{"checked": 4, "marked": 1, "skipped": 2, "errors": 1})
	})
}
