package report_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/dunning"
	"github.com/spoje-net/isptools/notify"
	"github.com/spoje-net/isptools/payments"
	"github.com/spoje-net/isptools/report"
)

var now = time.Date(2026, time.March, 16, 9, 30, 0, 0, time.FixedZone("CET", 3600))

func decode(t *testing.T, r *report.Report) map[string]any {
	t.Helper()
	data, err := r.Encode()
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestFinalizeExitCodes(t *testing.T) {
	for _, tc := range []struct {
		r      report.Report
		err    error
		code   int
		status report.Status
	}{
		{report.Report{}, nil, 0, report.StatusSuccess},
		{report.Report{Status: report.StatusWarning}, nil, 0, report.StatusWarning},
		{report.Report{ExitCode: 2}, nil, 2, report.StatusWarning},
		{report.Report{ExitCode: 7}, nil, 1, report.StatusError},
		{report.Report{Message: "3 customers blocked"}, errors.New("a\nb"), 1, report.StatusError},
	} {
		r := tc.r
		if code := r.Finalize("x", now, tc.err); code != tc.code || r.Status != tc.status || r.Metrics["exit_code"] != tc.code || r.Producer != "x" {
			t.Errorf("%+v, %v: exit %d status %s", tc.r, tc.err, code, r.Status)
		}
		if tc.err != nil && r.Message != "3 customers blocked: a; b" {
			t.Errorf("message %q", r.Message)
		}
	}
}

func TestRenderers(t *testing.T) {
	ip := netip.MustParseAddr("10.0.0.1")
	cust := abraflexi.Address{Code: "C1", Name: "Jana Nováková"}
	block := report.Block(&dunning.BlockResult{Decisions: []dunning.BlockDecision{
		{Customer: cust, Reason: dunning.ReasonBlocked, IPs: []netip.Addr{ip}, Newly: []netip.Addr{ip}},
		{Customer: abraflexi.Address{Code: "C2"}, Reason: dunning.ReasonNoIPFound},
	}})
	block.Finalize("blocknet", now, nil)
	m := decode(t, block)
	metrics := m["metrics"].(map[string]any)
	if m["message"] != "1 customers blocked, 1 newly (1 IPs), 1 skipped (1 without IP), 0 errors" || m["status"] != "warning" ||
		metrics["disconnected_total"] != 2.0 || metrics["no_ip"] != 1.0 || metrics["newly_blocked"] != 1.0 {
		t.Errorf("block report %v", m)
	}
	if c := m["customers"].([]any)[0].(map[string]any); c["kod"] != "C1" || c["nazev"] != "Jana Nováková" || c["action"] != "blocked" {
		t.Errorf("customer %v", c)
	}
	mark := report.Mark(&dunning.MarkResult{Decisions: []dunning.MarkDecision{{Customer: cust, Reason: dunning.ReasonMarked,
		Debt: dunning.Debt{Amount: decimal.NewFromInt(499)}}}})
	mark.Finalize("abraflexi-mark-defaulters", now, nil)
	if m := decode(t, mark); m["metrics"].(map[string]any)["checked"] != 1.0 || m["metrics"].(map[string]any)["marked"] != 1.0 {
		t.Errorf("mark report %v", m)
	}
	unblock := report.Unblock(&dunning.UnblockResult{Decisions: []dunning.UnblockDecision{{Customer: cust, Reason: dunning.ReasonStillOwes}}})
	unblock.Finalize("unblocknet", now, nil)
	if m := decode(t, unblock); m["metrics"].(map[string]any)["still_owing"] != 1.0 {
		t.Errorf("unblock report %v", m)
	}
	if r := report.Block(nil); r.Customers == nil || len(r.Customers) != 0 {
		t.Error("the report of a run that failed before deciding has no empty customers list")
	}

	match := report.Match(payments.Result{Document: "BAN-1", Reason: payments.UnknownVarSym, ExitCode: payments.ExitUnmatched,
		Evidence: abraflexi.EvidenceBank, VarSym: "123", Amount: decimal.NewFromInt(500), Currency: "CZK"})
	if code := match.Finalize("isp-match-received-payment", now, nil); code != 2 {
		t.Errorf("unmatched payment: exit %d", code)
	}
	if m := decode(t, match); m["document"] != "BAN-1" || m["reason"] != "unknown_varsym" || m["invoice"] != nil || m["amount"] != 500.0 || m["status"] != "warning" {
		t.Errorf("match report %v", m)
	}
	sent := report.Notify(notify.Result{Reason: notify.ReasonSent, Document: "FV-1", Invoice: "FV-1", Recipients: []string{"jana@example.cz"}, MessageID: "<1@x>"})
	sent.Finalize("isp-potvrzeni-prijeti-uhrady", now, nil)
	if m := decode(t, sent); m["recipient"] != "jana@example.cz" || m["message_id"] != "<1@x>" || m["metrics"].(map[string]any)["sent"] != 1.0 {
		t.Errorf("notify report %v", m)
	}
}

func TestWriteAndCheckDestination(t *testing.T) {
	dir := t.TempDir()
	r := &report.Report{Message: "ok"}
	r.Finalize("x", now, nil)
	var out, errOut bytes.Buffer
	if err := report.Write(report.DestStderr, r, &out, &errOut); err != nil || out.Len() != 0 || !strings.Contains(errOut.String(), `"producer": "x"`) {
		t.Errorf("stderr: %v %q %q", err, out.String(), errOut.String())
	}
	path := filepath.Join(dir, "r.json")
	if err := report.CheckDestination(path); err != nil {
		t.Errorf("CheckDestination(%s) = %v", path, err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("CheckDestination created %s", path)
	}
	if err := report.Write(path, r, nil, nil); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
	for dest, want := range map[string]string{
		filepath.Join(dir, "no", "r.json"): "does not exist",
		dir:                                "is a directory",
		"https://x/r.json":                 "unsupported destination",
		"":                                 "empty",
	} {
		if err := report.CheckDestination(dest); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("CheckDestination(%q) = %v, want %q", dest, err, want)
		}
	}
}

// TestEmitFallsBackToStdout: a report that cannot be written to its file
// is never lost: it goes to stdout, marked failed.
func TestEmitFallsBackToStdout(t *testing.T) {
	r := &report.Report{Message: "3 customers blocked"}
	r.Finalize("blocknet", now, nil)
	var out, logs bytes.Buffer
	dest := filepath.Join(t.TempDir(), "gone", "r.json")
	err := report.Emit(context.Background(), slog.New(slog.NewTextHandler(&logs, nil)), dest, r, &out, &out)
	if err == nil || r.ExitCode != 1 || r.Status != report.StatusError {
		t.Fatalf("Emit = %v, exit %d, status %s", err, r.ExitCode, r.Status)
	}
	var m map[string]any
	if json.Unmarshal(out.Bytes(), &m) != nil || !strings.Contains(m["message"].(string), "writing the report to RESULT_FILE=") || m["exitcode"] != 1.0 {
		t.Errorf("stdout: %s", out.String())
	}
	if !strings.Contains(logs.String(), "writing the report failed") {
		t.Errorf("log: %s", logs.String())
	}
	if err := report.Emit(context.Background(), nil, report.DestStdout, &report.Report{}, &out, &out); err != nil {
		t.Errorf("nil logger: %v", err)
	}
}
