package notify_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/notify"
	"github.com/spoje-net/isptools/notify/notifytest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

const fromCZ = "Účtárna Spoje.Net <uctarna@example.cz>"

var pdfBytes = []byte("%PDF-1.4\n% test\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n")

func paidInvoice() abraflexi.IssuedInvoice {
	return abraflexi.IssuedInvoice{
		ID: abraflexi.NumericID(7), Code: "FV-7/2024", VariableSymbol: "20240007",
		Total: decimal.RequireFromString("1210"), Remaining: decimal.RequireFromString("210.5"),
		PaymentState: abraflexi.PaymentStatePartial, Currency: abraflexi.RefTo(abraflexi.CodeID("CZK")),
		IssuedOn: abraflexi.MustParseDate("2024-01-02"), DueOn: abraflexi.MustParseDate("2024-01-16"),
	}
}

func receivedPayment() abraflexi.Movement {
	return abraflexi.Movement{ID: abraflexi.NumericID(3), Code: "B+3/2024", VariableSymbol: "99",
		Total: decimal.RequireFromString("36750"), TotalInCurrency: decimal.RequireFromString("1500"), IssuedOn: abraflexi.MustParseDate("2024-01-31+01:00"),
		Direction: abraflexi.DirectionIncoming, Currency: abraflexi.RefTo(abraflexi.CodeID("EUR"))}
}

func TestGoldenBodies(t *testing.T) {
	for _, lang := range notify.Languages {
		tm := notify.MustLoadTemplates(lang, "")
		partial, err := notify.ComposeInvoicePaid(tm, fromCZ, []string{"a@example.cz"}, paidInvoice(), "", pdfBytes)
		if err != nil {
			t.Fatal(err)
		}
		full := paidInvoice()
		full.PaymentState = abraflexi.PaymentStatePaid
		fullMsg, err := notify.ComposeInvoicePaid(tm, fromCZ, []string{"a@example.cz"}, full, "", pdfBytes)
		if err != nil {
			t.Fatal(err)
		}
		pay, err := notify.ComposePaymentReceived(tm, fromCZ, []string{"a@example.cz"}, receivedPayment(), "")
		if err != nil {
			t.Fatal(err)
		}
		for name, m := range map[string]*notify.Message{
			"invoice_paid_partial." + lang: partial, "invoice_paid." + lang: fullMsg, "payment_received." + lang: pay,
		} {
			golden(t, name+".golden", "Subject: "+m.Subject+"\n\n"+m.Text)
		}
	}
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (run go test -update to accept):\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func TestComposedContent(t *testing.T) {
	tm := notify.MustLoadTemplates("cs", "")
	m, err := notify.ComposeInvoicePaid(tm, fromCZ, []string{"a@example.cz"}, paidInvoice(), "", pdfBytes)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"FV-7/2024", "20240007", "1 210,00 CZK", "999,50 CZK", "210,50 CZK", "daňový doklad v příloze", "Účtárna Spoje.Net"} {
		if !strings.Contains(strings.ToLower(m.Text), strings.ToLower(want)) {
			t.Errorf("body lacks %q:\n%s", want, m.Text)
		}
	}
	if strings.Contains(m.Subject+m.Text, "code:") {
		t.Errorf("code: prefix leaked: %s %s", m.Subject, m.Text)
	}
	p, err := notify.ComposePaymentReceived(tm, fromCZ, []string{"a@example.cz"}, receivedPayment(), "")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"1 500,00 EUR", "99", "2024-01-31\n"} {
		if !strings.Contains(p.Text, want) {
			t.Errorf("payment body lacks %q:\n%s", want, p.Text)
		}
	}
	if strings.Contains(p.Text, "+01:00") {
		t.Errorf("date has a zone suffix:\n%s", p.Text)
	}
}

// TestForeignCurrencyAmounts: a 100 EUR invoice says 100,00 EUR, not its
// crown figure 2 500,00; a partly paid one shows the euros paid and left.
// With EUR as home currency the home figures are the euros.
func TestForeignCurrencyAmounts(t *testing.T) {
	tm := notify.MustLoadTemplates("cs", "")
	inv := abraflexi.IssuedInvoice{Code: "FV-EUR", Total: decimal.RequireFromString("2500"), TotalInCurrency: decimal.RequireFromString("100"),
		Remaining: decimal.RequireFromString("1000"), RemainingInCurrency: decimal.RequireFromString("40"),
		PaymentState: abraflexi.PaymentStatePartial, Currency: abraflexi.RefTo(abraflexi.CodeID("EUR"))}
	m, err := notify.ComposeInvoicePaid(tm, fromCZ, []string{"a@example.cz"}, inv, "CZK", pdfBytes)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"100,00 EUR", "60,00 EUR", "40,00 EUR"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("body lacks %q:\n%s", want, m.Text)
		}
	}
	if strings.Contains(m.Text, "2 500,00") || strings.Contains(m.Text, "1 000,00") {
		t.Errorf("crown figures printed as euros:\n%s", m.Text)
	}
	d := notify.NewInvoicePaidData(abraflexi.IssuedInvoice{Total: decimal.RequireFromString("100"), Currency: abraflexi.RefTo(abraflexi.CodeID("EUR")),
		PaymentState: abraflexi.PaymentStatePaid}, "EUR", "cs", fromCZ)
	if d.Total != "100,00" || d.Currency != "EUR" {
		t.Errorf("home EUR: %+v", d)
	}
}

// checkWireMessage asserts the MIME structure every delivered confirmation
// must have.
func checkWireMessage(t *testing.T, raw []byte, wantSubject string, wantTo ...string) *notifytest.Parsed {
	t.Helper()
	// The subject travels RFC 2047-encoded, never as raw UTF-8.
	hdr, _, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
	unfolded := strings.ReplaceAll(strings.ReplaceAll(string(hdr), "\r\n ", " "), "\r\n\t", " ")
	for _, line := range strings.Split(unfolded, "\r\n") {
		if strings.HasPrefix(line, "Subject:") && !strings.Contains(line, "=?UTF-8?") {
			t.Errorf("subject not encoded: %q", line)
		}
	}
	for _, c := range hdr {
		if c >= 0x80 {
			t.Fatalf("raw 8-bit byte in the header:\n%s", hdr)
		}
	}
	p, err := notifytest.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if p.Subject != wantSubject {
		t.Errorf("Subject = %q, want %q", p.Subject, wantSubject)
	}
	if len(p.From) != 1 || p.From[0].Name != "Účtárna Spoje.Net" || p.From[0].Address != "uctarna@example.cz" {
		t.Errorf("From = %v", p.From)
	}
	var to []string
	for _, a := range p.To {
		to = append(to, a.Address)
	}
	if strings.Join(to, ",") != strings.Join(wantTo, ",") {
		t.Errorf("To = %v, want %v", to, wantTo)
	}
	if !strings.HasPrefix(p.MessageID, "<") || !strings.HasSuffix(p.MessageID, "@example.cz>") {
		t.Errorf("Message-ID = %q", p.MessageID)
	}
	if p.Header.Get("Date") == "" || p.Header.Get("Auto-Submitted") != "auto-generated" {
		t.Errorf("headers: %v", p.Header)
	}
	if !strings.EqualFold(p.TextContentType, "text/plain; charset=UTF-8") {
		t.Errorf("text part Content-Type = %q", p.TextContentType)
	}
	return p
}

func TestRenderMIME(t *testing.T) {
	tm := notify.MustLoadTemplates("cs", "")
	m, err := notify.ComposeInvoicePaid(tm, fromCZ, []string{"a@example.cz", "b@example.cz"}, paidInvoice(), "", pdfBytes)
	if err != nil {
		t.Fatal(err)
	}
	raw, id, err := m.Render()
	if err != nil {
		t.Fatal(err)
	}
	p := checkWireMessage(t, raw, "Potvrzení přijetí částečné úhrady faktury FV-7/2024", "a@example.cz", "b@example.cz")
	if p.MessageID != id {
		t.Errorf("Render returned %q, header has %q", id, p.MessageID)
	}
	if p.ContentType != "multipart/mixed" {
		t.Errorf("Content-Type = %s", p.ContentType)
	}
	if p.Text != m.Text {
		t.Errorf("decoded text differs:\n%q\n%q", p.Text, m.Text)
	}
	if len(p.Attachments) != 1 || p.Attachments[0].ContentType != "application/pdf" ||
		p.Attachments[0].Filename != "FV-7-2024.pdf" || !bytes.Equal(p.Attachments[0].Data, pdfBytes) {
		t.Errorf("attachments = %+v", p.Attachments)
	}

	// A fixed Message-ID and Date are kept.
	m.MessageID, m.Date = "fixed@example.cz", time.Date(2024, 2, 1, 10, 0, 0, 0, time.UTC)
	raw, id, _ = m.Render()
	if id != "<fixed@example.cz>" || !bytes.Contains(raw, []byte("Message-ID: <fixed@example.cz>")) ||
		!bytes.Contains(raw, []byte("Date: Thu, 01 Feb 2024 10:00:00 +0000")) {
		t.Errorf("fixed id/date not used: %s\n%s", id, raw[:300])
	}
}

func TestRenderErrors(t *testing.T) {
	for name, m := range map[string]*notify.Message{
		"bad from":     {From: "nope", To: []string{"a@example.cz"}},
		"no recipient": {From: "a@example.cz"},
		"bad to":       {From: "a@example.cz", To: []string{"x y"}},
	} {
		if _, _, err := m.Render(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func textMessage() *notify.Message {
	return &notify.Message{From: fromCZ, To: []string{"jan@example.cz"}, Subject: "Příliš žluťoučký kůň", Text: "Úpěl ďábelské ódy.\n"}
}

func TestSMTPSenderAuth(t *testing.T) {
	srv := notifytest.NewServer(t, notifytest.WithAuth("mailer", "pa55"))
	s, err := notify.NewSMTPSender(srv.SMTPConfig())
	if err != nil {
		t.Fatal(err)
	}
	id, err := s.Send(context.Background(), textMessage())
	if err != nil {
		t.Fatal(err)
	}
	got := srv.Wait(t, 1, 5*time.Second)[0]
	if got.Username != "mailer" || got.From != "uctarna@example.cz" || strings.Join(got.To, ",") != "jan@example.cz" {
		t.Errorf("envelope %+v", got)
	}
	p := checkWireMessage(t, got.Data, "Příliš žluťoučký kůň", "jan@example.cz")
	if p.MessageID != id || p.Text != "Úpěl ďábelské ódy.\n" {
		t.Errorf("id %q vs %q, text %q", id, p.MessageID, p.Text)
	}

	// Wrong password: a send error that does not contain the password.
	cfg := srv.SMTPConfig()
	cfg.Password = "wrong-secret"
	s, _ = notify.NewSMTPSender(cfg)
	_, err = s.Send(context.Background(), textMessage())
	if !errors.Is(err, notify.ErrSend) || strings.Contains(err.Error(), "wrong-secret") {
		t.Errorf("err = %v", err)
	}
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("%d messages after a failed login", n)
	}
}

func TestSMTPSenderTLSModes(t *testing.T) {
	for _, tc := range []struct {
		name string
		opt  notifytest.Option
	}{{"starttls", notifytest.WithSTARTTLS()}, {"tls", notifytest.WithImplicitTLS()}} {
		t.Run(tc.name, func(t *testing.T) {
			srv := notifytest.NewServer(t, tc.opt, notifytest.WithAuth("u", "p"))
			cfg := srv.SMTPConfig()
			if cfg.TLS != tc.name {
				t.Fatalf("TLS mode %q", cfg.TLS)
			}
			cfg.Auth = notify.AuthAuto // PLAIN is discovered over TLS
			s, err := notify.NewSMTPSender(cfg, notify.WithTLSConfig(srv.ClientTLSConfig()))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Send(context.Background(), textMessage()); err != nil {
				t.Fatal(err)
			}
			srv.Wait(t, 1, 5*time.Second)
			// Without trusting the certificate the send fails.
			s, _ = notify.NewSMTPSender(cfg)
			if _, err := s.Send(context.Background(), textMessage()); !errors.Is(err, notify.ErrSend) {
				t.Errorf("untrusted certificate: err = %v", err)
			}
		})
	}
	// starttls against a server without STARTTLS refuses to send in clear.
	srv := notifytest.NewServer(t)
	cfg := srv.SMTPConfig()
	cfg.TLS = notify.TLSStartTLS
	s, _ := notify.NewSMTPSender(cfg)
	if _, err := s.Send(context.Background(), textMessage()); err == nil || len(srv.Messages()) != 0 {
		t.Errorf("sent in clear despite starttls: %v", err)
	}
}

func TestSMTPSenderRejected(t *testing.T) {
	srv := notifytest.NewServer(t, notifytest.WithRejectData(554, "no thanks"))
	s, _ := notify.NewSMTPSender(srv.SMTPConfig())
	_, err := s.Send(context.Background(), textMessage())
	if !errors.Is(err, notify.ErrSend) || !strings.Contains(err.Error(), "no thanks") {
		t.Errorf("err = %v", err)
	}
	if _, err := notify.NewSMTPSender(notify.SMTPConfig{}); err == nil {
		t.Error("empty host accepted")
	}
}

func TestSMTPSenderUnreachable(t *testing.T) {
	srv := notifytest.NewServer(t)
	cfg := srv.SMTPConfig()
	cfg.Port = 1 // nothing listens there
	cfg.Timeout = 2 * time.Second
	s, _ := notify.NewSMTPSender(cfg)
	if _, err := s.Send(context.Background(), textMessage()); !errors.Is(err, notify.ErrSend) {
		t.Errorf("err = %v", err)
	}
}

func writeScript(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "sendmail")
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestSendmail(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	script := writeScript(t, `echo "$@" > "`+out+`.args"; cat > "`+out+`"`+"\n")
	s := notify.Sendmail{Path: script}
	id, err := s.Send(context.Background(), textMessage())
	if err != nil {
		t.Fatal(err)
	}
	args, _ := os.ReadFile(out + ".args")
	if strings.TrimSpace(string(args)) != "-t -i" {
		t.Errorf("args %q", args)
	}
	raw, _ := os.ReadFile(out)
	p := checkWireMessage(t, raw, "Příliš žluťoučký kůň", "jan@example.cz")
	if p.MessageID != id {
		t.Errorf("id %q vs %q", id, p.MessageID)
	}

	fail := notify.Sendmail{Path: writeScript(t, "cat >/dev/null; echo 'queue full' >&2; exit 75\n")}
	_, err = fail.Send(context.Background(), textMessage())
	if !errors.Is(err, notify.ErrSend) || !strings.Contains(err.Error(), "queue full") {
		t.Errorf("err = %v", err)
	}
	missing := notify.Sendmail{Path: filepath.Join(t.TempDir(), "nope")}
	if _, err := missing.Send(context.Background(), textMessage()); !errors.Is(err, notify.ErrSend) {
		t.Errorf("missing binary: %v", err)
	}
}

func TestMuteAndNewSender(t *testing.T) {
	id, err := notify.Mute{}.Send(context.Background(), textMessage())
	if err != nil || id != "" {
		t.Errorf("mute: %q %v", id, err)
	}
	if _, err := (notify.Mute{}).Send(context.Background(), &notify.Message{From: "x"}); err == nil {
		t.Error("mute accepted a broken message")
	}
	cfg := notify.DefaultConfig()
	cfg.From = "a@example.cz"
	s, _ := notify.NewSender(cfg, nil)
	if sm, ok := s.(notify.Sendmail); !ok || sm.Path != "/usr/sbin/sendmail" {
		t.Errorf("default sender %T %v", s, s)
	}
	cfg.SMTP.Host = "mail.example.cz"
	if s, _ := notify.NewSender(cfg, nil); !strings.Contains(s.(*notify.SMTPSender).String(), "mail.example.cz:587") {
		t.Errorf("smtp sender %v", s)
	}
	cfg.Transport = notify.TransportSendmail
	if _, ok := must(notify.NewSender(cfg, nil)).(notify.Sendmail); !ok {
		t.Error("MAIL_TRANSPORT=sendmail ignored")
	}
	cfg.Transport, cfg.SMTP.Host = notify.TransportSMTP, ""
	if _, err := notify.NewSender(cfg, nil); err == nil {
		t.Error("MAIL_TRANSPORT=smtp without host accepted")
	}
	cfg.Mute = true
	if s, _ := notify.NewSender(cfg, nil); s != (notify.Mute{}) {
		t.Errorf("mute sender %T", s)
	}
}

func TestCapture(t *testing.T) {
	c := &notifytest.Capture{}
	m := textMessage()
	id, err := c.Send(context.Background(), m)
	if err != nil {
		t.Fatal(err)
	}
	m.To[0] = "changed@example.cz"
	sent := c.Sent()
	if len(sent) != 1 || sent[0].MessageID != id || sent[0].Message.To[0] != "jan@example.cz" {
		t.Errorf("sent %+v", sent)
	}
	c.Err = errors.New("boom")
	if _, err := c.Send(context.Background(), m); err == nil || len(c.Sent()) != 1 {
		t.Errorf("Err not honoured")
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
