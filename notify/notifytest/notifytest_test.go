package notifytest_test

import (
	"context"
	"net/smtp"
	"strings"
	"testing"
	"time"

	"github.com/spoje-net/isptools/notify"
	"github.com/spoje-net/isptools/notify/notifytest"
)

func TestServerRequiresAuth(t *testing.T) {
	srv := notifytest.NewServer(t, notifytest.WithAuth("u", "p"))
	// Without AUTH, MAIL FROM is refused.
	err := smtp.SendMail(srv.Addr(), nil, "a@example.cz", []string{"b@example.cz"}, []byte("Subject: x\r\n\r\nx\r\n"))
	if err == nil || !strings.Contains(err.Error(), "authenticate") {
		t.Errorf("unauthenticated send: %v", err)
	}
	// With the wrong password, AUTH fails.
	err = smtp.SendMail(srv.Addr(), smtp.PlainAuth("", "u", "bad", srv.Host()), "a@example.cz", []string{"b@example.cz"}, []byte("x\r\n"))
	if err == nil {
		t.Error("wrong password accepted")
	}
	err = smtp.SendMail(srv.Addr(), smtp.PlainAuth("", "u", "p", srv.Host()), "a@example.cz", []string{"b@example.cz", "c@example.cz"},
		[]byte("Subject: =?UTF-8?q?=C5=BElu=C5=A5ou=C4=8Dk=C3=BD?=\r\nFrom: a@example.cz\r\nTo: b@example.cz\r\n\r\nahoj\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	got := srv.Wait(t, 1, 5*time.Second)
	if len(got) != 1 || got[0].From != "a@example.cz" || strings.Join(got[0].To, ",") != "b@example.cz,c@example.cz" || got[0].Username != "u" {
		t.Errorf("%+v", got)
	}
	p, err := got[0].Parse()
	if err != nil || p.Subject != "žluťoučký" || p.Text != "ahoj\n" || p.ContentType != "text/plain" {
		t.Errorf("%+v %v", p, err)
	}
}

func TestServerEnv(t *testing.T) {
	srv := notifytest.NewServer(t, notifytest.WithAuth("u", "p"))
	env := map[string]string{"EASE_FROM": "a@example.cz"}
	for _, kv := range srv.Env() {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	cfg, err := notify.ConfigFromLookup(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	if cfg.SMTP != srv.SMTPConfig() {
		t.Errorf("Env gives %v, SMTPConfig is %v", cfg.SMTP, srv.SMTPConfig())
	}
	s, err := notify.NewSender(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Send(context.Background(), &notify.Message{From: cfg.From, To: []string{"b@example.cz"}, Subject: "s", Text: "t"}); err != nil {
		t.Fatal(err)
	}
	srv.Wait(t, 1, 5*time.Second)
	if _, err := srv.Await(2, 50*time.Millisecond); err == nil {
		t.Error("Await did not time out")
	}
	srv.Close()
	srv.Close() // idempotent
	if srv.ClientTLSConfig() != nil {
		t.Error("plain server has a TLS config")
	}
}

func TestParseErrors(t *testing.T) {
	if _, err := notifytest.Parse([]byte("not a message")); err == nil {
		t.Error("garbage parsed")
	}
	if _, err := notifytest.Parse([]byte("Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nbroken")); err == nil {
		t.Error("broken multipart parsed")
	}
}
