package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/abraflexi/abraflexitest"
	"github.com/spoje-net/isptools/examples/internal/apptest"
	"github.com/spoje-net/isptools/notify/notifytest"
)

func TestMain(m *testing.M) { apptest.Main(m) }

type report struct {
	ExitCode     int            `json:"exitcode"`
	Status       string         `json:"status"`
	Message      string         `json:"message"`
	Metrics      map[string]int `json:"metrics"`
	Document     string         `json:"document"`
	Invoice      *string        `json:"invoice"`
	Reason       string         `json:"reason"`
	Recipient    *string        `json:"recipient"`
	MessageID    *string        `json:"message_id"`
	Notification *struct {
		Reason string `json:"reason"`
		Status string `json:"status"`
	} `json:"notification"`
}

type fixture struct {
	af   *abraflexitest.Server
	smtp *notifytest.Server
}

func newFixture(t *testing.T) *fixture {
	af := abraflexitest.NewServer(t)
	d := decimal.RequireFromString
	af.Seed(
		abraflexi.Address{Code: "CUST", Name: "Zákazník s.r.o.", Email: "payer@example.com"},
		abraflexi.IssuedInvoice{Code: "VF1-0001/2026", VariableSymbol: "12345", Total: d("1210"),
			Customer: abraflexi.RefTo(abraflexi.CodeID("CUST")), ContactEmail: "invoice@example.com"},
		abraflexi.BankMovement{Movement: abraflexi.Movement{Code: "B1", VariableSymbol: "12345", Total: d("1210"),
			Direction: abraflexi.DirectionIncoming, Payer: abraflexi.RefTo(abraflexi.CodeID("CUST"))}},
		abraflexi.BankMovement{Movement: abraflexi.Movement{Code: "B2", VariableSymbol: "999", Total: d("50"),
			Direction: abraflexi.DirectionIncoming, Payer: abraflexi.RefTo(abraflexi.CodeID("CUST"))}},
	)
	return &fixture{af: af, smtp: notifytest.NewServer(t)}
}

// run runs the app against the fixture with env (KEY=VALUE) and returns
// its exit code and report.
func (f *fixture) run(t *testing.T, env ...string) (int, report) {
	t.Helper()
	base := append(apptest.AbraFlexiEnv(f.af), "EASE_FROM=billing@isp.example", "MAIL_TRANSPORT=smtp", "SMTP_TLS=none")
	res := apptest.Run(t, apptest.Binary(t, appName), append(append(base, f.smtp.Env()...), env...))
	var r report
	res.Decode(t, &r)
	return res.Code, r
}

func TestMatchedSendsConfirmation(t *testing.T) {
	f := newFixture(t)
	code, r := f.run(t, "DOCUMENTID=B1")
	if code != 0 || r.Reason != "matched" || r.Status != "success" || r.Notification == nil || r.Notification.Reason != "sent" ||
		r.Metrics["sent"] != 1 || r.MessageID == nil || r.Recipient == nil || !strings.Contains(*r.Recipient, "invoice@example.com") {
		t.Fatalf("exit %d, report %+v", code, r)
	}
	msgs := f.smtp.Wait(t, 1, 5*time.Second)
	if len(msgs) != 1 {
		t.Fatalf("%d mails", len(msgs))
	}
	p, err := msgs[0].Parse()
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Attachments) != 1 {
		t.Errorf("confirmation without the invoice PDF: %d attachments", len(p.Attachments))
	}

	// The webhook fires again: already matched, the confirmation is
	// already recorded, no second mail, nothing written.
	f.af.ResetRequests()
	code, r = f.run(t, "DOCUMENTID=B1")
	if code != 0 || r.Reason != "already_matched" || r.Status != "success" || r.Notification == nil ||
		r.Notification.Reason != "already_confirmed" || r.Metrics["sent"] != 0 {
		t.Fatalf("second run: exit %d, report %+v", code, r)
	}
	if n := f.af.RequestCount(http.MethodPost, ""); n != 0 {
		t.Errorf("second run wrote %d requests", n)
	}
	if n := len(f.smtp.Messages()); n != 1 {
		t.Errorf("%d mails after the second run", n)
	}
}

func TestUnmatchedSendsNotice(t *testing.T) {
	f := newFixture(t)
	code, r := f.run(t, "DOCUMENTID=B2")
	if code != 2 || r.Reason != "unknown_varsym" || r.Status != "warning" || r.Notification == nil || r.Notification.Reason != "sent" ||
		r.Recipient == nil || *r.Recipient != "payer@example.com" {
		t.Fatalf("exit %d, report %+v", code, r)
	}
	f.smtp.Wait(t, 1, 5*time.Second)
}

func TestNotificationFailureKeepsMatcherExitCode(t *testing.T) {
	f := newFixture(t)
	// Nothing listens on port 1.
	code, r := f.run(t, "DOCUMENTID=B1", "SMTP_PORT=1", "SMTP_TIMEOUT=2s")
	if code != 0 || r.Reason != "matched" || r.Status != "warning" || r.Notification == nil || r.Notification.Reason != "send_failed" {
		t.Fatalf("exit %d, report %+v", code, r)
	}
}

func TestConfigurationCheckedBeforeWriting(t *testing.T) {
	f := newFixture(t)
	f.af.ResetRequests()
	code, r := f.run(t, "DOCUMENTID=B1", "EASE_FROM=")
	if code != 1 || r.Status != "error" {
		t.Fatalf("exit %d, report %+v", code, r)
	}
	if n := len(f.af.Requests()); n != 0 {
		t.Errorf("%d AbraFlexi requests despite a bad configuration", n)
	}
	code, r = f.run(t)
	if code != 1 || r.Reason != "no_documentid" {
		t.Fatalf("no DOCUMENTID: exit %d, report %+v", code, r)
	}
}

func TestDryRunSendsAndWritesNothing(t *testing.T) {
	f := newFixture(t)
	f.af.ResetRequests()
	code, r := f.run(t, "DOCUMENTID=B2", "DRY_RUN=true")
	if code != 2 || r.Notification == nil || r.Notification.Reason != "would_send" {
		t.Fatalf("exit %d, report %+v", code, r)
	}
	if n := f.af.RequestCount(http.MethodPost, ""); n != 0 {
		t.Errorf("%d writes", n)
	}
	if n := len(f.smtp.Messages()); n != 0 {
		t.Errorf("%d mails", n)
	}
}
