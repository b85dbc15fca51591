package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/abraflexi/abraflexitest"
	"github.com/spoje-net/isptools/notify/notifytest"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
	buildDir  string
)

// TestMain removes the binary built by the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// binary builds the app once per test run.
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", appName+"-test-")
		if buildErr != nil {
			return
		}
		binPath = filepath.Join(buildDir, appName)
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = errors.New(string(out))
		}
	})
	if buildErr != nil {
		t.Fatalf("go build: %v", buildErr)
	}
	return binPath
}

type outcome struct {
	code   int
	report map[string]any
	stderr string
}

// runApp runs the binary in an empty directory with only env (and PATH)
// in its environment and reads the report from RESULT_FILE.
func runApp(t *testing.T, env []string, args ...string) outcome {
	t.Helper()
	dir := t.TempDir()
	report := filepath.Join(dir, "report.json")
	cmd := exec.Command(binary(t), args...)
	cmd.Dir = dir
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "RESULT_FILE=" + report, "EASE_LOGGER=console"}, env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	o := outcome{stderr: stderr.String()}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		o.code = ee.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	if data, err := os.ReadFile(report); err == nil {
		if err := json.Unmarshal(data, &o.report); err != nil {
			t.Fatalf("report: %v\n%s", err, data)
		}
	}
	return o
}

func (o outcome) check(t *testing.T, code int, status, reason string) {
	t.Helper()
	if o.code != code || o.report["status"] != status || o.report["reason"] != reason {
		t.Fatalf("exit %d status %v reason %v, want %d %s %s\nreport %v\nstderr:\n%s",
			o.code, o.report["status"], o.report["reason"], code, status, reason, o.report, o.stderr)
	}
	if o.report["producer"] != appName || o.report["exitcode"] != float64(code) {
		t.Errorf("producer/exitcode: %v", o.report)
	}
}

type world struct {
	af   *abraflexitest.Server
	smtp *notifytest.Server
	env  []string
}

func newWorld(t *testing.T, smtpOpts ...notifytest.Option) *world {
	af := abraflexitest.NewServer(t)
	srv := notifytest.NewServer(t, append([]notifytest.Option{notifytest.WithAuth("mailer", "s3cret")}, smtpOpts...)...)
	cfg := af.Config()
	env := append([]string{
		"ABRAFLEXI_URL=" + cfg.URL, "ABRAFLEXI_LOGIN=" + cfg.Login, "ABRAFLEXI_PASSWORD=" + cfg.Password,
		"ABRAFLEXI_COMPANY=" + cfg.Company, "EASE_FROM=Účtárna Spoje.Net <uctarna@example.cz>",
	}, srv.Env()...)
	af.AddAddress(abraflexi.Address{Code: "PLATCE", Name: "Plátce", Email: "platce@example.cz"})
	af.AddAddress(abraflexi.Address{Code: "KONTAKT", Name: "Jen kontakt", Contacts: []abraflexi.Contact{
		{FirstName: "Petr", Email: "petr@example.cz", Primary: true}}})
	af.AddAddress(abraflexi.Address{Code: "TICHY", Name: "Bez e-mailu"})
	return &world{af: af, smtp: srv, env: env}
}

func movement(code, payer string) abraflexi.Movement {
	m := abraflexi.Movement{Code: code, VariableSymbol: "777", Total: decimal.RequireFromString("2500.5"),
		IssuedOn: abraflexi.MustParseDate("2024-01-31"), Currency: abraflexi.RefTo(abraflexi.CodeID("CZK")),
		Direction: abraflexi.DirectionIncoming}
	if payer != "" {
		m.Payer = abraflexi.RefTo(abraflexi.CodeID(payer))
	}
	return m
}

func (w *world) with(kv ...string) []string { return append(append([]string(nil), w.env...), kv...) }

func TestSent(t *testing.T) {
	w := newWorld(t)
	id := w.af.AddBankMovement(abraflexi.BankMovement{Movement: movement("B+1/2024", "PLATCE")})
	o := runApp(t, w.with("DOCID="+id.String(), "PAYMENT_EVIDENCE=banka"))
	o.check(t, 0, "success", "sent")
	if o.report["document"] != "B+1/2024" || o.report["varSym"] != "777" || o.report["recipient"] != "platce@example.cz" ||
		o.report["invoice"] != nil {
		t.Errorf("report %v", o.report)
	}
	got := w.smtp.Wait(t, 1, 10*time.Second)[0]
	p, err := got.Parse()
	if err != nil {
		t.Fatal(err)
	}
	if p.Subject != "Přijali jsme vaši platbu 2 500,50 CZK" || p.MessageID != o.report["message_id"] ||
		len(p.From) != 1 || p.From[0].Name != "Účtárna Spoje.Net" || len(p.To) != 1 || p.To[0].Address != "platce@example.cz" {
		t.Errorf("subject %q id %q report %v from %v to %v", p.Subject, p.MessageID, o.report["message_id"], p.From, p.To)
	}
	if !strings.EqualFold(p.TextContentType, "text/plain; charset=UTF-8") {
		t.Errorf("content type %q", p.TextContentType)
	}
	for _, want := range []string{"2 500,50 CZK", "Variabilní symbol:  777", "Datum:              2024-01-31\n", "ručně"} {
		if !strings.Contains(p.Text, want) {
			t.Errorf("text lacks %q:\n%s", want, p.Text)
		}
	}
	if strings.Contains(p.Text, "+01:00") || len(p.Attachments) != 0 {
		t.Errorf("zone suffix or attachment: %s %v", p.Text, p.Attachments)
	}
	if labels, _ := w.af.Labels(abraflexi.EvidenceBank, id); labels.Len() != 0 {
		t.Errorf("labels written: %v", labels)
	}
}

func TestCashAndPrimaryContact(t *testing.T) {
	w := newWorld(t)
	w.af.AddCashMovement(abraflexi.CashMovement{Movement: movement("P+1/2024", "KONTAKT")})
	o := runApp(t, w.with("DOCID=P+1/2024")) // PAYMENT_EVIDENCE defaults to auto
	o.check(t, 0, "success", "sent")
	if o.report["recipient"] != "petr@example.cz" {
		t.Errorf("recipient %v", o.report["recipient"])
	}
	runApp(t, w.with("DOCID=P+1/2024", "PAYMENT_EVIDENCE=pokladna")).check(t, 0, "success", "sent")
	runApp(t, w.with("DOCID=P+1/2024", "PAYMENT_EVIDENCE=banka")).check(t, 1, "error", "document_not_found")
	w.smtp.Wait(t, 2, 10*time.Second)
}

func TestNoRecipientIsAWarning(t *testing.T) {
	w := newWorld(t)
	w.af.AddBankMovement(abraflexi.BankMovement{Movement: movement("B+2/2024", "")})
	w.af.AddBankMovement(abraflexi.BankMovement{Movement: movement("B+3/2024", "TICHY")})
	for _, doc := range []string{"B+2/2024", "B+3/2024"} {
		o := runApp(t, w.with("DOCID="+doc))
		o.check(t, 0, "warning", "no_recipient")
		if o.report["recipient"] != nil || o.report["message_id"] != nil {
			t.Errorf("%s: %v", doc, o.report)
		}
	}
	if n := len(w.smtp.Messages()); n != 0 {
		t.Errorf("%d sent", n)
	}
}

func TestMuteSendsNothing(t *testing.T) {
	w := newWorld(t)
	w.af.AddBankMovement(abraflexi.BankMovement{Movement: movement("B+4/2024", "PLATCE")})
	for _, kv := range []string{"MUTE=true", "DRY_RUN=true"} {
		o := runApp(t, w.with("DOCID=B+4/2024", kv))
		o.check(t, 0, "success", "would_send")
		if o.report["recipient"] != "platce@example.cz" || o.report["message_id"] != nil {
			t.Errorf("%s: %v", kv, o.report)
		}
	}
	time.Sleep(100 * time.Millisecond)
	if n := len(w.smtp.Messages()); n != 0 {
		t.Errorf("MUTE sent %d", n)
	}
}

func TestSendFailedAndNotFound(t *testing.T) {
	w := newWorld(t, notifytest.WithRejectData(554, "relay denied"))
	w.af.AddBankMovement(abraflexi.BankMovement{Movement: movement("B+5/2024", "PLATCE")})
	o := runApp(t, w.with("DOCID=B+5/2024"))
	o.check(t, 1, "error", "send_failed")
	if strings.Contains(o.stderr+o.report["message"].(string), "s3cret") {
		t.Error("password leaked")
	}
	o = runApp(t, w.with("DOCID=B+404/2024"))
	o.check(t, 1, "error", "document_not_found")
	if o.report["document"] != "B+404/2024" {
		t.Errorf("document %v", o.report["document"])
	}
	o = runApp(t, w.with("DOCID=B+5/2024", "PAYMENT_EVIDENCE=ucet"))
	o.check(t, 1, "error", "error")
	if !strings.Contains(o.report["message"].(string), "PAYMENT_EVIDENCE") {
		t.Errorf("message %v", o.report["message"])
	}
	if o := runApp(t, w.env, "-x"); o.code != 1 {
		t.Errorf("bad flag: exit %d", o.code)
	}
}
