package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/examples/internal/apptest"
	"github.com/spoje-net/isptools/notify/notifytest"
)

func TestMain(m *testing.M) { apptest.Main(m) }

type world struct{ *apptest.NotifyWorld }

func newWorld(t *testing.T, smtpOpts ...notifytest.Option) *world {
	w := &world{apptest.NewNotifyWorld(t, appName, smtpOpts...)}
	return w
}

func (w *world) invoice(code, state, customer, contactEmail string) abraflexi.ID {
	inv := abraflexi.IssuedInvoice{Code: code, VariableSymbol: "20240042", Total: decimal.RequireFromString("1210"),
		PaymentState: state, ContactEmail: contactEmail, Currency: abraflexi.RefTo(abraflexi.CodeID("CZK"))}
	switch state {
	case abraflexi.PaymentStatePartial:
		inv.Remaining = decimal.RequireFromString("210")
	case abraflexi.PaymentStateUnpaid:
		inv.Remaining = inv.Total
	}
	if customer != "" {
		inv.Customer = abraflexi.RefTo(abraflexi.CodeID(customer))
	}
	return w.AF.AddInvoice(inv)
}

func TestSentOnceThenFullPayment(t *testing.T) {
	w := newWorld(t)
	w.AF.AddAddress(abraflexi.Address{Code: "NOVAK", Name: "Jan Novák", Email: "jan.novak@example.cz"})
	id := w.invoice("FV-42/2024", abraflexi.PaymentStatePartial, "NOVAK", "")

	o := w.Run(t, w.With("DOCID="+id.String()))
	o.Check(t, appName, 0, "success", "sent")
	if o.Report["document"] != "FV-42/2024" || o.Report["invoice"] != "FV-42/2024" || o.Report["varSym"] != "20240042" ||
		o.Report["recipient"] != "jan.novak@example.cz" {
		t.Errorf("report %v", o.Report)
	}
	msgs := w.SMTP.Wait(t, 1, 10*time.Second)
	got := msgs[0]
	if got.Username != "mailer" || got.From != "uctarna@example.cz" || strings.Join(got.To, ",") != "jan.novak@example.cz" {
		t.Errorf("envelope %+v", got)
	}
	p, err := got.Parse()
	if err != nil {
		t.Fatal(err)
	}
	if p.Subject != "Potvrzení přijetí částečné úhrady faktury FV-42/2024" {
		t.Errorf("Subject %q", p.Subject)
	}
	if len(p.From) != 1 || p.From[0].Name != "Účtárna Spoje.Net" || p.From[0].Address != "uctarna@example.cz" ||
		len(p.To) != 1 || p.To[0].Address != "jan.novak@example.cz" {
		t.Errorf("From %v To %v", p.From, p.To)
	}
	if p.MessageID == "" || o.Report["message_id"] != p.MessageID {
		t.Errorf("Message-ID %q, report %v", p.MessageID, o.Report["message_id"])
	}
	if p.ContentType != "multipart/mixed" || !strings.EqualFold(p.TextContentType, "text/plain; charset=UTF-8") {
		t.Errorf("content types %q %q", p.ContentType, p.TextContentType)
	}
	for _, want := range []string{"FV-42/2024", "20240042", "1 210,00 CZK", "1 000,00 CZK", "210,00 CZK", "Daňový doklad v příloze"} {
		if !strings.Contains(p.Text, want) {
			t.Errorf("text lacks %q:\n%s", want, p.Text)
		}
	}
	if len(p.Attachments) != 1 || p.Attachments[0].ContentType != "application/pdf" ||
		p.Attachments[0].Filename != "FV-42-2024.pdf" || !bytes.HasPrefix(p.Attachments[0].Data, []byte("%PDF")) {
		t.Errorf("attachments %+v", p.Attachments)
	}
	if labels, _ := w.AF.Labels(abraflexi.EvidenceIssuedInvoice, id); !labels.Has("POTVRZENO_CASTECNE") {
		t.Errorf("labels %v", labels)
	}

	// The label write fires rule 6 again: nothing is sent.
	o = w.Run(t, w.With("DOCID=FV-42/2024"))
	o.Check(t, appName, 0, "warning", "already_confirmed")
	if o.Report["message_id"] != nil {
		t.Errorf("message_id %v", o.Report["message_id"])
	}

	// Full payment: one more confirmation, then silence.
	w.AF.Put(abraflexi.EvidenceIssuedInvoice, map[string]any{"id": id.String(), "stavUhrK": abraflexi.PaymentStatePaidManually})
	w.Run(t, w.With("DOCID=code:FV-42/2024")).Check(t, appName, 0, "success", "sent")
	msgs = w.SMTP.Wait(t, 2, 10*time.Second)
	if p, _ := msgs[1].Parse(); p == nil || p.Subject != "Potvrzení přijetí úhrady faktury FV-42/2024" {
		t.Errorf("second subject %+v", p)
	}
	w.Run(t, w.With("DOCID=FV-42/2024")).Check(t, appName, 0, "warning", "already_confirmed")
	time.Sleep(100 * time.Millisecond)
	if n := len(w.SMTP.Messages()); n != 2 {
		t.Errorf("%d messages, want 2", n)
	}
}

func TestMuteSendsNothing(t *testing.T) {
	w := newWorld(t)
	id := w.invoice("FV-7", abraflexi.PaymentStatePaid, "", "a@example.cz")
	for _, kv := range []string{"MUTE=true", "DRY_RUN=1"} {
		o := w.Run(t, w.With("DOCID=FV-7", kv))
		o.Check(t, appName, 0, "success", "would_send")
		if o.Report["recipient"] != "a@example.cz" || o.Report["message_id"] != nil {
			t.Errorf("%s: report %v", kv, o.Report)
		}
	}
	time.Sleep(100 * time.Millisecond)
	if n := len(w.SMTP.Messages()); n != 0 {
		t.Errorf("MUTE sent %d messages", n)
	}
	if labels, _ := w.AF.Labels(abraflexi.EvidenceIssuedInvoice, id); labels.Len() != 0 {
		t.Errorf("MUTE wrote labels %v", labels)
	}
}

func TestOutcomes(t *testing.T) {
	w := newWorld(t)
	w.invoice("FV-1", abraflexi.PaymentStateUnpaid, "", "a@example.cz")
	w.AF.AddAddress(abraflexi.Address{Code: "TICHY", Name: "Bez e-mailu"})
	w.invoice("FV-2", abraflexi.PaymentStatePaid, "TICHY", "")

	w.Run(t, w.With("DOCID=FV-1")).Check(t, appName, 0, "warning", "not_paid")
	o := w.Run(t, w.With("DOCID=FV-2"))
	o.Check(t, appName, 1, "error", "no_email")
	if o.Report["recipient"] != nil {
		t.Errorf("recipient %v", o.Report["recipient"])
	}
	o = w.Run(t, w.With("DOCID=FV-404"))
	o.Check(t, appName, 1, "error", "document_not_found")
	if o.Report["document"] != "FV-404" {
		t.Errorf("document %v", o.Report["document"])
	}
	if n := len(w.SMTP.Messages()); n != 0 {
		t.Errorf("%d messages sent", n)
	}
}

func TestSendFailed(t *testing.T) {
	w := newWorld(t, notifytest.WithRejectData(554, "mailbox unavailable"))
	id := w.invoice("FV-3", abraflexi.PaymentStatePaid, "", "a@example.cz")
	o := w.Run(t, w.With("DOCID=FV-3"))
	o.Check(t, appName, 1, "error", "send_failed")
	if !strings.Contains(o.Report["message"].(string), "mailbox unavailable") {
		t.Errorf("message %v", o.Report["message"])
	}
	if strings.Contains(o.Stderr+o.Report["message"].(string), "s3cret") {
		t.Error("SMTP password leaked")
	}
	if labels, _ := w.AF.Labels(abraflexi.EvidenceIssuedInvoice, id); labels.Len() != 0 {
		t.Errorf("labelled although not sent: %v", labels)
	}
}

func TestConfigurationAndFlags(t *testing.T) {
	w := newWorld(t)
	// Missing DOCID and bad variables: exit 1 naming them, secrets not shown.
	o := w.Run(t, w.With("SMTP_TLS=ssl", "EASE_FROM="))
	o.Check(t, appName, 1, "error", "error")
	msg := o.Report["message"].(string)
	for _, name := range []string{"DOCID", "SMTP_TLS", "EASE_FROM"} {
		if !strings.Contains(msg, name) {
			t.Errorf("message does not name %s: %s", name, msg)
		}
	}
	if strings.Contains(msg+o.Stderr, "s3cret") {
		t.Error("password leaked")
	}
	// A bad flag is exit 1, never Go's 2.
	if o := w.Run(t, w.Env, "--no-such-flag"); o.Code != 1 {
		t.Errorf("bad flag: exit %d", o.Code)
	}
	// -o writes the report where asked.
	w.invoice("FV-5", abraflexi.PaymentStateUnpaid, "", "")
	out := filepath.Join(t.TempDir(), "out.json")
	if o := w.Run(t, w.With("DOCID=FV-5"), "-o", out); o.Code != 0 {
		t.Fatalf("exit %d: %s", o.Code, o.Stderr)
	}
	data, err := os.ReadFile(out)
	if err != nil || !bytes.Contains(data, []byte(`"reason": "not_paid"`)) {
		t.Errorf("-o report: %v %s", err, data)
	}
	// -e loads a .env file.
	envFile := filepath.Join(t.TempDir(), "app.env")
	if err := os.WriteFile(envFile, []byte("DOCID=FV-5\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	w.Run(t, w.Env, "-e", envFile).Check(t, appName, 0, "warning", "not_paid")
}
