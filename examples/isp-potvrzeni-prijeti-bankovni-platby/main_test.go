package main

import (
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
	w.AF.AddAddress(abraflexi.Address{Code: "PLATCE", Name: "Plátce", Email: "platce@example.cz"})
	w.AF.AddAddress(abraflexi.Address{Code: "KONTAKT", Name: "Jen kontakt", Contacts: []abraflexi.Contact{
		{FirstName: "Petr", Email: "petr@example.cz", Primary: true}}})
	w.AF.AddAddress(abraflexi.Address{Code: "TICHY", Name: "Bez e-mailu"})
	return w
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

func TestSent(t *testing.T) {
	w := newWorld(t)
	id := w.AF.AddBankMovement(abraflexi.BankMovement{Movement: movement("B+1/2024", "PLATCE")})
	o := w.Run(t, w.With("DOCID="+id.String(), "PAYMENT_EVIDENCE=banka"))
	o.Check(t, appName, 0, "success", "sent")
	if o.Report["document"] != "B+1/2024" || o.Report["varSym"] != "777" || o.Report["recipient"] != "platce@example.cz" ||
		o.Report["invoice"] != nil {
		t.Errorf("report %v", o.Report)
	}
	got := w.SMTP.Wait(t, 1, 10*time.Second)[0]
	p, err := got.Parse()
	if err != nil {
		t.Fatal(err)
	}
	if p.Subject != "Přijali jsme vaši platbu B+1/2024 (2 500,50 CZK)" || p.MessageID != o.Report["message_id"] ||
		len(p.From) != 1 || p.From[0].Name != "Účtárna Spoje.Net" || len(p.To) != 1 || p.To[0].Address != "platce@example.cz" {
		t.Errorf("subject %q id %q report %v from %v to %v", p.Subject, p.MessageID, o.Report["message_id"], p.From, p.To)
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
	// The notice is recorded on the payment (the label is created in the
	// codebook on first use), so a redelivered event sends nothing.
	if labels, _ := w.AF.Labels(abraflexi.EvidenceBank, id); !labels.Equal(abraflexi.Labels("OZNAMENO")) {
		t.Errorf("labels written: %v", labels)
	}
	if o.Report["label"] != "OZNAMENO" || len(o.LogLines("INFO", "created label", "OZNAMENO")) != 1 {
		t.Errorf("label %v, log:\n%s", o.Report["label"], o.Stderr)
	}
	w.Run(t, w.With("DOCID="+id.String(), "PAYMENT_EVIDENCE=banka")).Check(t, appName, 0, "warning", "already_notified")
	if n := len(w.SMTP.Messages()); n != 1 {
		t.Errorf("%d mails after the redelivery", n)
	}
}

func TestCashAndPrimaryContact(t *testing.T) {
	w := newWorld(t)
	w.AF.AddCashMovement(abraflexi.CashMovement{Movement: movement("P+1/2024", "KONTAKT")})
	o := w.Run(t, w.With("DOCID=P+1/2024")) // PAYMENT_EVIDENCE defaults to auto
	o.Check(t, appName, 0, "success", "sent")
	if o.Report["recipient"] != "petr@example.cz" {
		t.Errorf("recipient %v", o.Report["recipient"])
	}
	w.Run(t, w.With("DOCID=P+1/2024", "PAYMENT_EVIDENCE=pokladna")).Check(t, appName, 0, "warning", "already_notified")
	w.Run(t, w.With("DOCID=P+1/2024", "PAYMENT_EVIDENCE=banka")).Check(t, appName, 1, "error", "document_not_found")
	w.SMTP.Wait(t, 1, 10*time.Second)
}

func TestNoRecipientIsAWarning(t *testing.T) {
	w := newWorld(t)
	w.AF.AddBankMovement(abraflexi.BankMovement{Movement: movement("B+2/2024", "")})
	w.AF.AddBankMovement(abraflexi.BankMovement{Movement: movement("B+3/2024", "TICHY")})
	for _, doc := range []string{"B+2/2024", "B+3/2024"} {
		o := w.Run(t, w.With("DOCID="+doc))
		o.Check(t, appName, 0, "warning", "no_recipient")
		if o.Report["recipient"] != nil || o.Report["message_id"] != nil {
			t.Errorf("%s: %v", doc, o.Report)
		}
	}
	if n := len(w.SMTP.Messages()); n != 0 {
		t.Errorf("%d sent", n)
	}
}

func TestMuteSendsNothing(t *testing.T) {
	w := newWorld(t)
	w.AF.AddBankMovement(abraflexi.BankMovement{Movement: movement("B+4/2024", "PLATCE")})
	for _, kv := range []string{"MUTE=true", "DRY_RUN=true"} {
		o := w.Run(t, w.With("DOCID=B+4/2024", kv))
		o.Check(t, appName, 0, "success", "would_send")
		if o.Report["recipient"] != "platce@example.cz" || o.Report["message_id"] != nil {
			t.Errorf("%s: %v", kv, o.Report)
		}
	}
	time.Sleep(100 * time.Millisecond)
	if n := len(w.SMTP.Messages()); n != 0 {
		t.Errorf("MUTE sent %d", n)
	}
}

func TestSendFailedAndNotFound(t *testing.T) {
	w := newWorld(t, notifytest.WithRejectData(554, "relay denied"))
	w.AF.AddBankMovement(abraflexi.BankMovement{Movement: movement("B+5/2024", "PLATCE")})
	o := w.Run(t, w.With("DOCID=B+5/2024"))
	o.Check(t, appName, 1, "error", "send_failed")
	if strings.Contains(o.Stderr+o.Report["message"].(string), "s3cret") {
		t.Error("password leaked")
	}
	o = w.Run(t, w.With("DOCID=B+404/2024"))
	o.Check(t, appName, 1, "error", "document_not_found")
	if o.Report["document"] != "B+404/2024" {
		t.Errorf("document %v", o.Report["document"])
	}
	o = w.Run(t, w.With("DOCID=B+5/2024", "PAYMENT_EVIDENCE=ucet"))
	o.Check(t, appName, 1, "error", "error")
	if !strings.Contains(o.Report["message"].(string), "PAYMENT_EVIDENCE") {
		t.Errorf("message %v", o.Report["message"])
	}
	if o := w.Run(t, w.Env, "-x"); o.Code != 1 {
		t.Errorf("bad flag: exit %d", o.Code)
	}
}
