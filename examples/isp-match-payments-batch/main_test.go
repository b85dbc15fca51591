package main

import (
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/abraflexi/abraflexitest"
	"github.com/spoje-net/isptools/examples/internal/appkit"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", appName+"-*")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, appName)
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		panic("go build: " + err.Error() + "\n" + string(out))
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

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

func runApp(t *testing.T, srv *abraflexitest.Server, env ...string) (int, report) {
	t.Helper()
	dir := t.TempDir()
	out := filepath.Join(dir, "report.json")
	cmd := exec.Command(binary, "-o", out)
	cmd.Dir = dir
	cfg := srv.Config()
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "EASE_LOGGER=console",
		"ABRAFLEXI_URL=" + cfg.URL, "ABRAFLEXI_LOGIN=" + cfg.Login, "ABRAFLEXI_PASSWORD=" + cfg.Password, "ABRAFLEXI_COMPANY=" + cfg.Company}, env...)
	logs, err := cmd.CombinedOutput()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	t.Logf("log: %s", logs)
	raw, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("no report: %v", err)
	}
	t.Logf("report: %s", raw)
	var r report
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatal(err)
	}
	return code, r
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
