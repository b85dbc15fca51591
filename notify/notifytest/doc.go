// Package notifytest provides test doubles for package notify: [Capture],
// a [notify.Sender] that records the messages it is given, and [Server], a
// real in-process SMTP server (github.com/emersion/go-smtp) on 127.0.0.1
// that records the raw messages it accepts, optionally requiring AUTH PLAIN
// ([WithAuth]), offering STARTTLS or implicit TLS with a self-signed
// certificate, or rejecting every message ([WithRejectData]).
//
// [Parse] decodes a raw message as a mail client would (RFC 2047 headers,
// MIME parts, transfer encodings), so tests can assert on the subject,
// body and attachments:
//
//	srv := notifytest.NewServer(t, notifytest.WithAuth("user", "secret"))
//	sender, _ := notify.NewSMTPSender(srv.SMTPConfig())
//	id, err := sender.Send(ctx, msg)
//	got := srv.Wait(t, 1, 5*time.Second)[0]
//	p, _ := got.Parse() // p.Subject, p.Text, p.Attachments
//
// Apps under test run as separate processes point at the server with
// [Server.Env]. Outside tests (a demo), use [Start], [Server.Await] and
// [Server.Close].
package notifytest
