package main

import (
	"net/http"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/abraflexi/abraflexitest"
	"github.com/spoje-net/isptools/examples/internal/appkit"
	"github.com/spoje-net/isptools/examples/internal/apptest"
)

func TestMain(m *testing.M) { apptest.Main(m) }

type report struct {
	ExitCode  int            `json:"exitcode"`
	Status    string         `json:"status"`
	Message   string         `json:"message"`
	Metrics   map[string]int `json:"metrics"`
	Since     string         `json:"since"`
	Unmatched []struct {
		Document string  `json:"document"`
		Reason   string  `json:"reason"`
		Invoice  *string `json:"invoice"`
	} `json:"unmatched"`
}

// runApp runs the app against srv with env (KEY=VALUE) and returns its
// exit code and report.
func runApp(t *testing.T, srv *abraflexitest.Server, env ...string) (int, report) {
	t.Helper()
	res := apptest.Run(t, apptest.Binary(t, appName), append(apptest.AbraFlexiEnv(srv), env...))
	var r report
	res.Decode(t, &r)
	return res.Code, r
}

func seed(t *testing.T) *abraflexitest.Server {
	srv := abraflexitest.NewServer(t)
	d := decimal.RequireFromString
	day := abraflexi.DateOf(time.Now()).AddDays(-3)
	srv.Seed(
		abraflexi.IssuedInvoice{Code: "VF1", VariableSymbol: "111", Total: d("100")},
		abraflexi.IssuedInvoice{Code: "VF2", VariableSymbol: "222", Total: d("100")},
		abraflexi.BankMovement{Movement: abraflexi.Movement{Code: "B1", VariableSymbol: "111", Total: d("100"), Direction: abraflexi.DirectionIncoming, IssuedOn: day}},
		abraflexi.BankMovement{Movement: abraflexi.Movement{Code: "B2", VariableSymbol: "999", Total: d("5"), Direction: abraflexi.DirectionIncoming, IssuedOn: day}},
		abraflexi.BankMovement{Movement: abraflexi.Movement{Code: "OLD", VariableSymbol: "222", Total: d("100"), Direction: abraflexi.DirectionIncoming, IssuedOn: day.AddDays(-60)}},
		abraflexi.CashMovement{Movement: abraflexi.Movement{Code: "P1", VariableSymbol: "0222", Total: d("40"), Direction: abraflexi.DirectionIncoming, IssuedOn: day}},
	)
	return srv
}

func TestBatchThenNothingLeft(t *testing.T) {
	srv := seed(t)
	code, r := runApp(t, srv)
	if code != 0 || r.Status != string(appkit.StatusWarning) || r.Metrics["payments"] != 3 || r.Metrics["paired"] != 2 ||
		r.Metrics["matched"] != 1 || r.Metrics["matched_partial"] != 1 || r.Metrics["unknown_varsym"] != 1 {
		t.Fatalf("exit %d, report %+v", code, r)
	}
	if len(r.Unmatched) != 1 || r.Unmatched[0].Document != "B2" || r.Unmatched[0].Reason != "unknown_varsym" {
		t.Errorf("unmatched %+v", r.Unmatched)
	}
	if want := abraflexi.DateOf(time.Now()).AddDays(-30).String(); r.Since != want {
		t.Errorf("since %s, want %s", r.Since, want)
	}
	// A second run pairs nothing.
	srv.ResetRequests()
	code, r = runApp(t, srv)
	if code != 0 || r.Metrics["paired"] != 0 || r.Metrics["payments"] != 1 {
		t.Fatalf("second run: exit %d, report %+v", code, r)
	}
	// All of history: the old payment pairs too.
	code, r = runApp(t, srv, "MATCH_SINCE=all")
	if code != 0 || r.Metrics["paired"] != 1 || r.Since != "all" {
		t.Fatalf("all: exit %d, report %+v", code, r)
	}
}

func TestBatchDryRun(t *testing.T) {
	srv := seed(t)
	srv.ResetRequests()
	code, r := runApp(t, srv, "DRY_RUN=1", "MATCH_SINCE=2000-01-01")
	// OLD pays VF2 in full first, so P1 (same symbol) finds no open invoice.
	if code != 0 || r.Metrics["paired"] != 2 || r.Metrics["unknown_varsym"] != 2 {
		t.Fatalf("exit %d, report %+v", code, r)
	}
	if n := srv.RequestCount(http.MethodPost, ""); n != 0 {
		t.Errorf("%d writes in a dry run", n)
	}
}

func TestBatchErrors(t *testing.T) {
	srv := seed(t)
	code, r := runApp(t, srv, "MATCH_SINCE=yesterday")
	if code != 1 || r.Status != "error" {
		t.Fatalf("bad date: exit %d, report %+v", code, r)
	}
	srv.FailNext(3, http.StatusInternalServerError, abraflexitest.Matcher{Method: http.MethodGet, Evidence: abraflexi.EvidenceIssuedInvoice})
	code, r = runApp(t, srv)
	if code != 1 || r.Status != "error" {
		t.Fatalf("listing failure: exit %d, report %+v", code, r)
	}
}

// TestBatchLogsEveryPayment checks that the log says what was decided for
// every payment, so the MultiFlexi job output explains the run.
func TestBatchLogsEveryPayment(t *testing.T) {
	srv := seed(t)
	res := apptest.Run(t, apptest.Binary(t, appName), append(apptest.AbraFlexiEnv(srv), "MATCH_SINCE=all"))
	var r report
	res.Decode(t, &r)
	if r.Metrics["payments"] < 2 {
		t.Fatalf("report %+v", r)
	}
	for _, reason := range []string{"reason=matched", "reason=unknown_varsym"} {
		if lines := res.LogLines("INFO", "document=", reason); len(lines) == 0 && len(res.LogLines("WARN", "document=", reason)) == 0 {
			t.Errorf("no log line with document and %s:\n%s", reason, res.Stderr)
		}
	}
	n := len(res.LogLines("document=", "reason="))
	if n != r.Metrics["payments"] {
		t.Errorf("%d decision lines for %d payments:\n%s", n, r.Metrics["payments"], res.Stderr)
	}
}
