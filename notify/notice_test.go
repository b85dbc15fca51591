package notify_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
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

func debtor() abraflexi.Address {
	return abraflexi.Address{Code: "1001", Name: "Jana Nováková"}
}

// debts are listed newest first on purpose: the notice orders them.
func debts() []abraflexi.IssuedInvoice {
	d := abraflexi.MustParseDate
	return []abraflexi.IssuedInvoice{
		{Code: "FV-9/2024", VariableSymbol: "20240009", Remaining: decimal.RequireFromString("605"), Total: decimal.RequireFromString("605"),
			DueOn: d("2024-03-15"), IssuedOn: d("2024-03-01"), Currency: abraflexi.RefTo(abraflexi.CodeID("CZK"))},
		{Code: "FV-PAID/2024", VariableSymbol: "1", Remaining: decimal.Zero, PaymentState: abraflexi.PaymentStatePaid, DueOn: d("2024-01-01")},
		{Code: "FV-7/2024", VariableSymbol: "20240007", Remaining: decimal.RequireFromString("1210"), Total: decimal.RequireFromString("1210"),
			DueOn: d("2024-02-15"), IssuedOn: d("2024-02-01")},
		{Code: "FV-8/2024", VariableSymbol: "20240008", Remaining: decimal.RequireFromString("100.5"), Total: decimal.RequireFromString("605"),
			PaymentState: abraflexi.PaymentStatePartial, DueOn: d("2024-03-01"), IssuedOn: d("2024-02-15")},
	}
}

func notice() notify.DisconnectedNotice {
	return notify.DisconnectedNotice{Customer: debtor(), Debts: debts(), Today: abraflexi.MustParseDate("2024-03-18"),
		IBAN: abraflexi.MustParseIBAN(testIBAN)}
}

func TestNoticeGolden(t *testing.T) {
	for _, lang := range notify.Languages {
		tm, err := notify.LoadNoticeTemplates(lang, "")
		if err != nil {
			t.Fatal(err)
		}
		m, err := notify.ComposeDisconnected(tm, fromCZ, []string{"jana@example.cz"}, notice())
		if err != nil {
			t.Fatal(err)
		}
		golden(t, "disconnected."+lang+".golden", "Subject: "+m.Subject+"\n\n"+m.Text)
		golden(t, "disconnected."+lang+".html.golden", m.HTML)
		r, err := notify.ComposeReconnected(tm, fromCZ, []string{"jana@example.cz"}, debtor())
		if err != nil {
			t.Fatal(err)
		}
		golden(t, "reconnected."+lang+".golden", "Subject: "+r.Subject+"\n\n"+r.Text)
		if r.HTML != "" || len(r.Inline) != 0 {
			t.Errorf("the reconnection notice carries HTML or inline parts")
		}
	}
}

func TestDisconnectedData(t *testing.T) {
	d, p, err := notify.NewDisconnectedData(notice(), "cs", fromCZ)
	if err != nil {
		t.Fatal(err)
	}
	// Oldest first; the paid invoice is left out.
	var got []string
	for _, inv := range d.Invoices {
		got = append(got, fmt.Sprintf("%s %s %d", inv.Invoice, inv.Remaining, inv.DaysOverdue))
	}
	if want := "FV-7/2024 1 210,00 32|FV-8/2024 100,50 17|FV-9/2024 605,00 3"; strings.Join(got, "|") != want {
		t.Errorf("invoices %q, want %q", strings.Join(got, "|"), want)
	}
	// Pay everything with the oldest invoice's variable symbol.
	if d.VariableSymbol != "20240007" || d.Amount != "1 915,50" || d.Currency != "CZK" || d.Account != "CZ65 0800 0000 1920 0014 5399" {
		t.Errorf("data %+v", d)
	}
	want := "SPD*1.0*ACC:CZ6508000000192000145399*AM:1915.50*CC:CZK*X-VS:20240007*MSG:1001 Jana Novakova"
	if d.QR != want || !p.Amount.Equal(decimal.RequireFromString("1915.5")) {
		t.Errorf("QR %s\nwant %s", d.QR, want)
	}

	// A debt in two currencies: the QR asks for the oldest invoice's currency.
	n := notice()
	n.Debts[0].Currency = abraflexi.RefTo(abraflexi.CodeID("EUR"))
	n.Debts[0].Remaining = decimal.RequireFromString("605")
	n.Debts[0].RemainingInCurrency = decimal.RequireFromString("24.2")
	d, _, err = notify.NewDisconnectedData(n, "en", fromCZ)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Totals) != 2 || d.Totals[0] != (notify.NoticeTotal{Amount: "1,310.50", Currency: "CZK"}) || d.Totals[1] != (notify.NoticeTotal{Amount: "24.20", Currency: "EUR"}) ||
		!strings.Contains(d.QR, "*AM:1310.50*CC:CZK*") {
		t.Errorf("totals %v QR %s", d.Totals, d.QR)
	}
}

func TestDisconnectedErrors(t *testing.T) {
	tm := notify.MustLoadTemplates("cs", "")
	// Templates without the notices.
	if _, err := notify.ComposeDisconnected(tm, fromCZ, []string{"a@example.cz"}, notice()); err == nil || !strings.Contains(err.Error(), "not loaded") {
		t.Errorf("compose with LoadTemplates: %v", err)
	}
	tm, _ = notify.LoadNoticeTemplates("cs", "")
	n := notice()
	n.Debts = n.Debts[1:2] // only the paid one
	if _, err := notify.ComposeDisconnected(tm, fromCZ, []string{"a@example.cz"}, n); !errors.Is(err, notify.ErrNothingOwed) {
		t.Errorf("nothing owed: %v", err)
	}
	n = notice()
	n.IBAN = ""
	_, err := notify.ComposeDisconnected(tm, fromCZ, []string{"a@example.cz"}, n)
	if !errors.Is(err, notify.ErrInvalidQRPayment) || !strings.Contains(err.Error(), "customer 1001") || !strings.Contains(err.Error(), "FV-7/2024") {
		t.Errorf("no IBAN: %v", err)
	}
	n = notice()
	n.Debts[2].VariableSymbol = "FV7"
	if _, err := notify.ComposeDisconnected(tm, fromCZ, []string{"a@example.cz"}, n); err == nil || !strings.Contains(err.Error(), `X-VS="FV7"`) {
		t.Errorf("bad VS: %v", err)
	}
}

func TestNoticeTemplateOverride(t *testing.T) {
	dir := t.TempDir()
	src := `{{define "subject"}}Omezeno {{.Customer}}{{end}}{{define "body"}}Zaplaťte {{.Amount}} {{.Currency}} na {{.IBAN}}.{{end}}`
	if err := os.WriteFile(filepath.Join(dir, "disconnected.cs.tmpl"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	tm, err := notify.LoadNoticeTemplates("cs", dir)
	if err != nil {
		t.Fatal(err)
	}
	m, err := notify.ComposeDisconnected(tm, fromCZ, []string{"a@example.cz"}, notice())
	if err != nil {
		t.Fatal(err)
	}
	if m.Subject != "Omezeno 1001" || m.Text != "Zaplaťte 1 915,50 CZK na CZ6508000000192000145399.\n" {
		t.Errorf("override: %q %q", m.Subject, m.Text)
	}
	// The override has no descriptor line, so the image goes at the end.
	if !strings.Contains(m.HTML, `</p>
<p><img src="cid:qr-platba@isptools" alt="QR Platba"></p>
</body>`) {
		t.Errorf("HTML %s", m.HTML)
	}
	// Broken overrides fail when loading, naming the file.
	for name, bad := range map[string]string{
		"disconnected.en.tmpl": `{{define "subject"}}x{{end}}{{define "body"}}{{.NoSuchField}}{{end}}`,
		"reconnected.en.tmpl":  `{{define "subject"}}x{{end}}`,
	} {
		d := t.TempDir()
		if err := os.WriteFile(filepath.Join(d, name), []byte(bad), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := notify.LoadNoticeTemplates("en", d); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// mimePart is one leaf of a parsed message, with the multipart types it
// sits in.
type mimePart struct {
	path        []string
	contentType string
	header      map[string]string
	data        []byte
}

func walkMIME(t *testing.T, raw []byte) []mimePart {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	var out []mimePart
	var walk func(get func(string) string, body io.Reader, path []string)
	walk = func(get func(string) string, body io.Reader, path []string) {
		mt, params, err := mime.ParseMediaType(get("Content-Type"))
		if err != nil {
			t.Fatalf("Content-Type %q: %v", get("Content-Type"), err)
		}
		if strings.HasPrefix(mt, "multipart/") {
			mr := multipart.NewReader(body, params["boundary"])
			for {
				p, err := mr.NextRawPart()
				if err == io.EOF {
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				walk(p.Header.Get, p, append(append([]string(nil), path...), mt))
			}
		}
		switch strings.ToLower(get("Content-Transfer-Encoding")) {
		case "base64":
			body = base64.NewDecoder(base64.StdEncoding, body)
		case "quoted-printable":
			body = quotedprintable.NewReader(body)
		}
		data, err := io.ReadAll(body)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, mimePart{path: path, contentType: mt, data: data, header: map[string]string{
			"Content-ID": get("Content-ID"), "Content-Disposition": get("Content-Disposition"),
		}})
	}
	walk(msg.Header.Get, msg.Body, nil)
	return out
}

func TestDisconnectedOverSMTP(t *testing.T) {
	srv := notifytest.NewServer(t)
	s, err := notify.NewSMTPSender(srv.SMTPConfig())
	if err != nil {
		t.Fatal(err)
	}
	tm, _ := notify.LoadNoticeTemplates("cs", "")
	m, err := notify.ComposeDisconnected(tm, fromCZ, []string{"jana@example.cz"}, notice())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	raw := srv.Wait(t, 1, 5*time.Second)[0].Data
	p := checkWireMessage(t, raw, "Vaše připojení k internetu bylo omezeno", "jana@example.cz")
	const spd = "SPD*1.0*ACC:CZ6508000000192000145399*AM:1915.50*CC:CZK*X-VS:20240007*MSG:1001 Jana Novakova"
	if !strings.Contains(p.Text, "\n"+spd+"\n") {
		t.Errorf("the text part lacks the descriptor line:\n%s", p.Text)
	}

	parts := walkMIME(t, raw)
	var html, img *mimePart
	for i := range parts {
		switch parts[i].contentType {
		case "text/html":
			html = &parts[i]
		case "image/png":
			img = &parts[i]
		}
	}
	if html == nil || img == nil {
		t.Fatalf("parts %v", parts)
	}
	// The image is related to the HTML that shows it, and shown inline.
	if strings.Join(img.path, ">") != "multipart/related" || strings.Join(html.path, ">") != "multipart/related>multipart/alternative" {
		t.Errorf("structure: image in %v, html in %v", img.path, html.path)
	}
	if img.header["Content-ID"] != "<qr-platba@isptools>" || !strings.HasPrefix(img.header["Content-Disposition"], "inline") {
		t.Errorf("image headers %v", img.header)
	}
	if !strings.Contains(string(html.data), `<img src="cid:qr-platba@isptools"`) {
		t.Errorf("the HTML does not show the image:\n%s", html.data)
	}
	// The image read back is the descriptor of the text line.
	if got := decodeQR(t, img.data); got != spd {
		t.Errorf("QR decodes to %q, want %q", got, spd)
	}
}

func TestInlineParts(t *testing.T) {
	m := textMessage()
	m.HTML = "<p>x</p>"
	m.Inline = []notify.Inline{{ContentID: "a@x", Name: "a.png", ContentType: "image/png", Data: []byte{1, 2}}}
	c := m.Clone()
	c.Inline[0].Data[0] = 9
	if m.Inline[0].Data[0] != 1 {
		t.Error("Clone shares the inline data")
	}
	if _, _, err := m.Render(); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []notify.Inline{{ContentID: ""}, {ContentID: "<a@x>"}, {ContentID: "a b"}} {
		m.Inline = []notify.Inline{bad}
		if _, _, err := m.Render(); err == nil || !strings.Contains(err.Error(), "Content-ID") {
			t.Errorf("%q: %v", bad.ContentID, err)
		}
	}
	m.Inline = []notify.Inline{{ContentID: "a@x"}, {ContentID: "a@x"}}
	if _, _, err := m.Render(); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("duplicate Content-ID: %v", err)
	}
}

func TestTextToHTML(t *testing.T) {
	got := notify.TextToHTML("Hello <you>,\n\nline 1\nline & 2\n\n\nend", &notify.HTMLImage{ContentID: "q@x", Alt: `a"b`, Size: 200, After: "line 1"})
	want := "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head>\n<body style=\"font-family: sans-serif\">\n" +
		"<p>Hello &lt;you&gt;,</p>\n<p>line 1<br>\nline &amp; 2</p>\n" +
		"<p><img src=\"cid:q@x\" alt=\"a&#34;b\" width=\"200\" height=\"200\"></p>\n<p>end</p>\n</body></html>\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if h := notify.TextToHTML("a", nil); strings.Contains(h, "<img") {
		t.Errorf("no image asked: %s", h)
	}
}

func TestNoticeConfig(t *testing.T) {
	cfg, err := notify.NoticeConfigFromLookup(env(nil))
	if err != nil || cfg != (notify.NoticeConfig{}) {
		t.Errorf("defaults: %+v, %v", cfg, err)
	}
	cfg, err = notify.NoticeConfigFromLookup(env(map[string]string{
		"NOTIFY_DISCONNECTED": "yes", "NOTIFY_RECONNECTED": "1", "BANK_IBAN": "cz65 0800 0000 1920 0014 5399"}))
	if err != nil || !cfg.Disconnected || !cfg.Reconnected || cfg.IBAN != testIBAN {
		t.Errorf("all set: %+v, %v", cfg, err)
	}
	for _, tc := range []struct {
		env  map[string]string
		want []string
	}{
		{map[string]string{"NOTIFY_DISCONNECTED": "true"}, []string{"BANK_IBAN is required when NOTIFY_DISCONNECTED=true"}},
		{map[string]string{"NOTIFY_DISCONNECTED": "perhaps", "NOTIFY_RECONNECTED": "often"}, []string{`NOTIFY_DISCONNECTED="perhaps"`, `NOTIFY_RECONNECTED="often"`}},
		{map[string]string{"BANK_IBAN": "CZ6608000000192000145399"}, []string{`BANK_IBAN="CZ6608000000192000145399"`, "mod-97"}},
	} {
		_, err := notify.NoticeConfigFromLookup(env(tc.env))
		if !errors.Is(err, notify.ErrInvalidConfig) {
			t.Errorf("%v: %v", tc.env, err)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%v: error %v lacks %q", tc.env, err, w)
			}
		}
	}
	if err := (notify.NoticeConfig{Reconnected: true}).Validate(); err != nil {
		t.Errorf("reconnected alone needs no IBAN: %v", err)
	}
	if err := (notify.NoticeConfig{IBAN: "CZ00"}).Validate(); err == nil {
		t.Error("a bad IBAN validated")
	}
}

func ExampleComposeDisconnected() {
	tm := notify.MustLoadTemplates("en", "")
	tm, err := notify.LoadNoticeTemplates(tm.Lang(), "")
	if err != nil {
		fmt.Println(err)
		return
	}
	m, err := notify.ComposeDisconnected(tm, "Billing <billing@example.cz>", []string{"jana@example.cz"}, notify.DisconnectedNotice{
		Customer: abraflexi.Address{Code: "1001", Name: "Jana Nováková"},
		Debts: []abraflexi.IssuedInvoice{{Code: "FV-7/2024", VariableSymbol: "20240007",
			Remaining: decimal.RequireFromString("1210"), DueOn: abraflexi.MustParseDate("2024-02-15")}},
		Today: abraflexi.MustParseDate("2024-03-01"),
		IBAN:  abraflexi.MustParseIBAN("CZ6508000000192000145399"),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m.Subject)
	fmt.Println(m.Inline[0].ContentType, m.Inline[0].ContentID)
	for _, line := range strings.Split(m.Text, "\n") {
		if strings.HasPrefix(line, "SPD*") || strings.HasPrefix(line, "Invoice ") {
			fmt.Println(line)
		}
	}
	// Output:
	// Your internet connection has been limited
	// image/png qr-platba@isptools
	// Invoice FV-7/2024, variable symbol 20240007, due 2024-02-15 (15 days overdue): 1,210.00 CZK
	// SPD*1.0*ACC:CZ6508000000192000145399*AM:1210.00*CC:CZK*X-VS:20240007*MSG:1001 Jana Novakova
}
