package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/abraflexi/abraflexitest"
	"github.com/spoje-net/isptools/examples/internal/apptest"
)

func TestMain(m *testing.M) { apptest.Main(m) }

type report struct {
	Producer  string         `json:"producer"`
	ExitCode  int            `json:"exitcode"`
	Status    string         `json:"status"`
	Timestamp string         `json:"timestamp"`
	Message   string         `json:"message"`
	Metrics   map[string]any `json:"metrics"`
	Document  string         `json:"document"`
	Invoice   *string        `json:"invoice"`
	VarSym    *string        `json:"varSym"`
	Reason    string         `json:"reason"`
	Amount    json.Number    `json:"amount"`
	Remainder *string        `json:"remainder"`
	Labels    []string       `json:"labels"`
}

// runApp runs the app as a process against srv with env (KEY=VALUE) and
// returns its exit code and parsed report.
func runApp(t *testing.T, srv *abraflexitest.Server, args []string, env ...string) (int, report, map[string]any) {
	t.Helper()
	if srv != nil {
		env = append(apptest.AbraFlexiEnv(srv), env...)
	}
	res := apptest.Run(t, apptest.Binary(t, appName), env, args...)
	if res.Raw == nil {
		return res.Code, report{}, nil
	}
	var r report
	res.Decode(t, &r)
	return res.Code, r, res.Report
}

func seed(t *testing.T) (*abraflexitest.Server, abraflexi.ID, abraflexi.ID) {
	srv := abraflexitest.NewServer(t)
	inv := srv.AddInvoice(abraflexi.IssuedInvoice{Code: "VF1-0001/2026", VariableSymbol: "12345", Total: decimal.RequireFromString("1210"),
		DocumentType: abraflexi.RefTo(abraflexi.CodeID("FAKTURA"))})
	pay := srv.AddBankMovement(abraflexi.BankMovement{Movement: abraflexi.Movement{Code: "B+0001/2026", VariableSymbol: "0012345",
		Total: decimal.RequireFromString("1210"), Direction: abraflexi.DirectionIncoming, Labels: abraflexi.Labels("VIP")}})
	srv.AddBankMovement(abraflexi.BankMovement{Movement: abraflexi.Movement{Code: "B+0002/2026", VariableSymbol: "777",
		Total: decimal.RequireFromString("10"), Direction: abraflexi.DirectionIncoming}})
	return srv, inv, pay
}

func writes(srv *abraflexitest.Server) int {
	return srv.RequestCount(http.MethodPost, "") + srv.RequestCount(http.MethodPut, "")
}

func TestMatchedThenAlreadyMatched(t *testing.T) {
	srv, inv, pay := seed(t)
	code, r, m := runApp(t, srv, nil, "DOCUMENTID=B+0001/2026")
	if code != 0 || r.ExitCode != 0 || r.Status != "success" || r.Reason != "matched" || r.Producer != appName {
		t.Fatalf("exit %d, report %+v", code, r)
	}
	if r.Document != "B+0001/2026" || r.Invoice == nil || *r.Invoice != "VF1-0001/2026" || r.VarSym == nil || *r.VarSym != "0012345" ||
		r.Amount.String() != "1210.00" || r.Remainder == nil || *r.Remainder != "ne" || r.Timestamp == "" {
		t.Errorf("report %+v", r)
	}
	for _, k := range []string{"document", "invoice", "varSym", "reason", "amount", "remainder", "recipient", "metrics"} {
		if _, ok := m[k]; !ok {
			t.Errorf("report lacks %q", k)
		}
	}
	if got, _ := srv.Invoice(inv); got.PaymentState != abraflexi.PaymentStatePaid {
		t.Errorf("invoice state %q", got.PaymentState)
	}
	if got, _ := srv.Movement(abraflexi.EvidenceBank, pay); !got.Paired {
		t.Error("payment not paired")
	}

	// The rule fires again: exit 0, nothing written.
	srv.ResetRequests()
	code, r, _ = runApp(t, srv, nil, "DOCUMENTID="+pay.String(), "PAYMENT_EVIDENCE=banka")
	if code != 0 || r.Reason != "already_matched" {
		t.Fatalf("second run: exit %d, report %+v", code, r)
	}
	if n := writes(srv); n != 0 {
		t.Errorf("second run wrote %d requests", n)
	}
}

func TestUnmatchedExit2(t *testing.T) {
	srv, _, _ := seed(t)
	code, r, _ := runApp(t, srv, nil, "DOCUMENTID=B+0002/2026", "LABEL_INVOICE_MISSING=CHYBIFAKTURA")
	if code != 2 || r.ExitCode != 2 || r.Status != "warning" || r.Reason != "unknown_varsym" || r.Invoice != nil || *r.VarSym != "777" {
		t.Fatalf("exit %d, report %+v", code, r)
	}
	for _, mv := range srv.IDs(abraflexi.EvidenceBank) {
		m, _ := srv.Movement(abraflexi.EvidenceBank, mv)
		if m.Code == "B+0002/2026" && !m.Labels.Has("CHYBIFAKTURA") {
			t.Errorf("labels %v", m.Labels.Codes())
		}
	}
}

func TestOverpaymentManualExit2(t *testing.T) {
	srv := abraflexitest.NewServer(t)
	srv.AddInvoice(abraflexi.IssuedInvoice{Code: "VF1", VariableSymbol: "5", Total: decimal.RequireFromString("100")})
	srv.AddBankMovement(abraflexi.BankMovement{Movement: abraflexi.Movement{Code: "B1", VariableSymbol: "5",
		Total: decimal.RequireFromString("150"), Direction: abraflexi.DirectionIncoming}})
	code, r, _ := runApp(t, srv, nil, "DOCUMENTID=B1", "MATCH_OVERPAY_MODE=manual")
	if code != 2 || r.Reason != "overpayment" || r.Invoice == nil || *r.Invoice != "VF1" {
		t.Fatalf("exit %d, report %+v", code, r)
	}
	code, r, _ = runApp(t, srv, nil, "DOCUMENTID=B1")
	if code != 0 || r.Reason != "matched_overpayment" || *r.Remainder != "ignorovat" {
		t.Fatalf("settle: exit %d, report %+v", code, r)
	}
}

func TestErrorsExit1(t *testing.T) {
	srv, _, _ := seed(t)
	tests := []struct {
		name   string
		srv    *abraflexitest.Server
		args   []string
		env    []string
		reason string
	}{
		{"no documentid", srv, nil, nil, "no_documentid"},
		{"document not found", srv, nil, []string{"DOCUMENTID=B+9999/2026"}, "document_not_found"},
		{"numeric id not found", srv, nil, []string{"DOCUMENTID=987654"}, "document_not_found"},
		{"missing AbraFlexi configuration", nil, nil, []string{"DOCUMENTID=1"}, "error"},
		{"bad overpay mode", srv, nil, []string{"DOCUMENTID=1", "MATCH_OVERPAY_MODE=refund"}, "error"},
		{"bad flag", srv, []string{"--bogus"}, []string{"DOCUMENTID=1"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, r, _ := runApp(t, tt.srv, tt.args, tt.env...)
			if code != 1 {
				t.Fatalf("exit %d, want 1; report %+v", code, r)
			}
			if tt.reason != "" && (r.Reason != tt.reason || r.Status != "error" || r.ExitCode != 1) {
				t.Errorf("report %+v", r)
			}
		})
	}
}

func TestSettleFailedExit1(t *testing.T) {
	srv, _, pay := seed(t)
	srv.FailNext(1, http.StatusBadRequest, abraflexitest.Matcher{Method: http.MethodPost, Evidence: abraflexi.EvidenceBank})
	code, r, _ := runApp(t, srv, nil, "DOCUMENTID=B+0001/2026")
	if code != 1 || r.Reason != "settle_failed" || !strings.Contains(r.Message, "injected failure") {
		t.Fatalf("exit %d, report %+v", code, r)
	}
	if m, _ := srv.Movement(abraflexi.EvidenceBank, pay); m.Paired {
		t.Error("paired")
	}
}

func TestDryRunWritesNothing(t *testing.T) {
	srv, _, pay := seed(t)
	srv.ResetRequests()
	code, r, m := runApp(t, srv, nil, "DOCUMENTID=B+0001/2026", "DRY_RUN=true")
	if code != 0 || r.Reason != "matched" || m["dryRun"] != true {
		t.Fatalf("exit %d, report %+v", code, r)
	}
	if n := writes(srv); n != 0 {
		t.Errorf("%d writes", n)
	}
	if mv, _ := srv.Movement(abraflexi.EvidenceBank, pay); mv.Paired {
		t.Error("paired in a dry run")
	}
}

// TestLogsTheDecision checks that the log says what was decided for the
// payment and why, so the MultiFlexi job output explains the run.
func TestLogsTheDecision(t *testing.T) {
	srv, _, _ := seed(t)
	res := apptest.Run(t, apptest.Binary(t, appName), append(apptest.AbraFlexiEnv(srv), "DOCUMENTID=B+0002/2026"))
	if res.Code != 2 {
		t.Fatalf("exit %d", res.Code)
	}
	if lines := res.LogLines(" INFO ", "document B+0002/2026: unknown_varsym", "varSym=777"); len(lines) != 1 {
		t.Errorf("%d decision lines:\n%s", len(lines), res.Stderr)
	}
	if lines := res.LogLines(" WARN ", "status=warning", "exitcode=2"); len(lines) != 1 {
		t.Errorf("%d summary lines:\n%s", len(lines), res.Stderr)
	}
}
