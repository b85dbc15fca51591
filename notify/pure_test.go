package notify_test

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/envconf"
	"github.com/spoje-net/isptools/notify"
)

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestConfigFromLookupDefaults(t *testing.T) {
	cfg, err := notify.ConfigFromLookup(env(map[string]string{"EASE_FROM": "Fakturace <f@example.cz>"}))
	if err != nil {
		t.Fatal(err)
	}
	want := notify.DefaultConfig()
	want.From = "Fakturace <f@example.cz>"
	if cfg != want {
		t.Errorf("got %v\nwant %v", cfg, want)
	}
	if cfg.Lang != "cs" || cfg.SendmailPath != "/usr/sbin/sendmail" || cfg.SMTP.TLS != "starttls" ||
		cfg.Labels.Full != "POTVRZENO" || cfg.Labels.Partial != "POTVRZENO_CASTECNE" || cfg.SMTP.Timeout != 30*time.Second {
		t.Errorf("defaults: %v", cfg)
	}
}

func TestConfigFromLookupAll(t *testing.T) {
	cfg, err := notify.ConfigFromLookup(env(map[string]string{
		"EASE_FROM": "f@example.cz", "NOTIFY_LANG": "EN", "NOTIFY_TEMPLATE_DIR": "/tpl", "MUTE": "yes",
		"SMTP_HOST": "mail.example.cz", "SMTP_PORT": "2525", "SMTP_USERNAME": "u", "SMTP_PASSWORD": " p w ",
		"SMTP_TLS": "TLS", "SMTP_AUTH": "login", "MAIL_TRANSPORT": "SMTP", "SMTP_TIMEOUT": "1m30s", "SENDMAIL_PATH": "/bin/sm",
		"LABEL_CONFIRMED": "done", "LABEL_CONFIRMED_PARTIAL": "half", "LABEL_NOTIFIED": "sent", "HOME_CURRENCY": "eur",
	}))
	if err != nil {
		t.Fatal(err)
	}
	want := notify.Config{From: "f@example.cz", Lang: "en", TemplateDir: "/tpl", Mute: true, Transport: "smtp",
		SMTP: notify.SMTPConfig{Host: "mail.example.cz", Port: 2525, Username: "u", Password: " p w ",
			TLS: "tls", Auth: "login", Timeout: 90 * time.Second},
		SendmailPath: "/bin/sm", Labels: notify.ConfirmLabels{Partial: "HALF", Full: "DONE", Notified: "SENT"}, HomeCurrency: "EUR"}
	if cfg != want {
		t.Errorf("got %#v\nwant %#v", cfg, want)
	}
	if d, _ := notify.ConfigFromLookup(env(map[string]string{"EASE_FROM": "f@x.cz", "SMTP_TIMEOUT": "45"})); d.SMTP.Timeout != 45*time.Second {
		t.Errorf("SMTP_TIMEOUT=45 gave %s", d.SMTP.Timeout)
	}
}

func TestConfigErrorsNameVariables(t *testing.T) {
	_, err := notify.ConfigFromLookup(env(map[string]string{
		"NOTIFY_LANG": "de", "MUTE": "maybe", "SMTP_PORT": "x", "SMTP_TLS": "ssl", "SMTP_TIMEOUT": "soon",
		"SMTP_USERNAME": "u", "LABEL_CONFIRMED": "A,B", "LABEL_CONFIRMED_PARTIAL": "A,B", "SMTP_AUTH": "magic",
		"SMTP_HOST": "bad host", "MAIL_TRANSPORT": "pigeon", "LABEL_NOTIFIED": "x y", "HOME_CURRENCY": "euro",
	}))
	if !errors.Is(err, notify.ErrInvalidConfig) {
		t.Fatalf("err = %v, want ErrInvalidConfig", err)
	}
	for _, name := range []string{"EASE_FROM", "NOTIFY_LANG", "MUTE", "SMTP_PORT", "SMTP_TLS", "SMTP_TIMEOUT",
		"SMTP_PASSWORD", "LABEL_CONFIRMED", "LABEL_CONFIRMED_PARTIAL", "SMTP_AUTH", "SMTP_HOST", "MAIL_TRANSPORT",
		`LABEL_NOTIFIED="X Y"`, `HOME_CURRENCY="EURO": not a currency code`} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error does not name %s:\n%v", name, err)
		}
	}
	_, err = notify.ConfigFromLookup(env(map[string]string{"EASE_FROM": "not an address", "SMTP_PORT": "70000",
		"LABEL_CONFIRMED": "SAME", "LABEL_CONFIRMED_PARTIAL": "SAME"}))
	for _, want := range []string{`EASE_FROM="not an address"`, "SMTP_PORT=70000", "LABEL_CONFIRMED_PARTIAL"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not contain %q", err, want)
		}
	}
	_, err = notify.ConfigFromLookup(env(map[string]string{"EASE_FROM": "a@example.cz", "MAIL_TRANSPORT": "smtp"}))
	for _, want := range []string{"SMTP_HOST is required when MAIL_TRANSPORT=smtp"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not contain %q", err, want)
		}
	}
}

func TestConfigNeverShowsPassword(t *testing.T) {
	const secret = "s3cr3t-PASS"
	cfg, err := notify.ConfigFromLookup(env(map[string]string{"EASE_FROM": "f@x.cz", "SMTP_HOST": "h", "SMTP_USERNAME": "u", "SMTP_PASSWORD": secret}))
	if err != nil {
		t.Fatal(err)
	}
	var logged strings.Builder
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("cfg", "config", cfg, "smtp", cfg.SMTP)
	for _, s := range []string{cfg.String(), fmt.Sprintf("%v %+v %#v %s", cfg, cfg, cfg, cfg.SMTP), fmt.Sprintf("%#v", cfg.SMTP), logged.String()} {
		if strings.Contains(s, secret) {
			t.Errorf("password leaked: %s", s)
		}
		if !strings.Contains(s, "REDACTED") {
			t.Errorf("no REDACTED marker: %s", s)
		}
	}
	// An error about the password field does not show it either.
	bad := cfg
	bad.SMTP.TLS = "bogus"
	if err := bad.Validate(); err == nil || strings.Contains(err.Error(), secret) {
		t.Errorf("Validate: %v", err)
	}
}

func TestEffectivePort(t *testing.T) {
	for _, tc := range []struct {
		cfg  notify.SMTPConfig
		want int
	}{
		{notify.SMTPConfig{TLS: "none"}, 25}, {notify.SMTPConfig{TLS: "starttls"}, 587},
		{notify.SMTPConfig{TLS: "tls"}, 465}, {notify.SMTPConfig{TLS: "tls", Port: 2465}, 2465},
	} {
		if got := tc.cfg.EffectivePort(); got != tc.want {
			t.Errorf("%v: %d, want %d", tc.cfg, got, tc.want)
		}
	}
}

func TestParseAddresses(t *testing.T) {
	valid, invalid := notify.ParseAddresses(" a@example.cz ;b@example.cz,, A@EXAMPLE.cz; Jan Novák <c@example.cz>;bad@;  ; x y ")
	if want := []string{"a@example.cz", "b@example.cz", "c@example.cz"}; !slices.Equal(valid, want) {
		t.Errorf("valid = %q, want %q", valid, want)
	}
	if want := []string{"bad@", "x y"}; !slices.Equal(invalid, want) {
		t.Errorf("invalid = %q, want %q", invalid, want)
	}
	if v, i := notify.ParseAddresses(""); v != nil || i != nil {
		t.Errorf("empty: %q %q", v, i)
	}
	// A quoted display name may hold the separators.
	for in, want := range map[string][]string{
		`"Novák, Jan" <jan@example.cz>`:                               {"jan@example.cz"},
		`"Novák, Jan" <jan@example.cz>, "Nová; Eva" <eva@example.cz>`: {"jan@example.cz", "eva@example.cz"},
		`"Novák, Jan" <jan@example.cz>; b@example.cz`:                 {"jan@example.cz", "b@example.cz"},
		`"Novák, Jan" <jan@example.cz>, bad@, c@example.cz`:           {"jan@example.cz", "c@example.cz"},
		`=?utf-8?q?Nov=C3=A1k=2C_Jan?= <jan@example.cz>`:              {"jan@example.cz"},
		`jan@example.cz (Novák; účtárna), d@example.cz`:               {"jan@example.cz", "d@example.cz"},
	} {
		valid, invalid := notify.ParseAddresses(in)
		if !slices.Equal(valid, want) {
			t.Errorf("ParseAddresses(%s) = %q (invalid %q), want %q", in, valid, invalid, want)
		}
	}
	if _, invalid := notify.ParseAddresses(`"Novák, Jan" <jan@example.cz>, bad@`); !slices.Equal(invalid, []string{"bad@"}) {
		t.Errorf("invalid %q", invalid)
	}
}

func TestInvoiceRecipients(t *testing.T) {
	cust := &abraflexi.Address{Email: "firm@example.cz", Contacts: []abraflexi.Contact{
		{Email: "other@example.cz"}, {Email: "primary@example.cz", Primary: true}}}
	noMail := &abraflexi.Address{Contacts: cust.Contacts}
	for _, tc := range []struct {
		name    string
		inv     abraflexi.IssuedInvoice
		cust    *abraflexi.Address
		to      []string
		source  string
		invalid []string
	}{
		{"kontaktEmail wins", abraflexi.IssuedInvoice{ContactEmail: "k@example.cz"}, cust, []string{"k@example.cz"}, notify.SourceInvoiceContact, nil},
		{"several kontaktEmail", abraflexi.IssuedInvoice{ContactEmail: "k@example.cz; l@example.cz"}, nil, []string{"k@example.cz", "l@example.cz"}, notify.SourceInvoiceContact, nil},
		{"customer email", abraflexi.IssuedInvoice{}, cust, []string{"firm@example.cz"}, notify.SourceAddress, nil},
		{"invalid kontaktEmail falls through", abraflexi.IssuedInvoice{ContactEmail: "nope"}, cust, []string{"firm@example.cz"}, notify.SourceAddress, []string{"nope"}},
		{"primary contact", abraflexi.IssuedInvoice{}, noMail, []string{"primary@example.cz"}, notify.SourcePrimaryContact, nil},
		{"nobody", abraflexi.IssuedInvoice{ContactEmail: "x"}, &abraflexi.Address{Email: "y"}, nil, "", []string{"x", "y"}},
		{"no customer", abraflexi.IssuedInvoice{}, nil, nil, "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := notify.InvoiceRecipients(tc.inv, tc.cust)
			if !slices.Equal(r.To, tc.to) || r.Source != tc.source || !slices.Equal(r.Invalid, tc.invalid) {
				t.Errorf("got %+v, want to=%q source=%q invalid=%q", r, tc.to, tc.source, tc.invalid)
			}
		})
	}
}

func TestAddressRecipients(t *testing.T) {
	if r := notify.AddressRecipients(nil); len(r.To) != 0 {
		t.Errorf("nil payer: %+v", r)
	}
	r := notify.AddressRecipients(&abraflexi.Address{Email: "p@example.cz, p@example.cz"})
	if !slices.Equal(r.To, []string{"p@example.cz"}) || r.Source != notify.SourceAddress {
		t.Errorf("got %+v", r)
	}
	r = notify.AddressRecipients(&abraflexi.Address{Contacts: []abraflexi.Contact{{Email: "c@example.cz", Primary: true}}})
	if !slices.Equal(r.To, []string{"c@example.cz"}) || r.Source != notify.SourcePrimaryContact {
		t.Errorf("got %+v", r)
	}
}

func TestDecideConfirmation(t *testing.T) {
	l := notify.ConfirmLabels{Partial: "POTVRZENO_CASTECNE", Full: "POTVRZENO"}
	inv := func(state string, labels ...string) abraflexi.IssuedInvoice {
		return abraflexi.IssuedInvoice{PaymentState: state, Labels: abraflexi.Labels(labels...)}
	}
	cancelled := inv(abraflexi.PaymentStatePaid)
	cancelled.Cancelled = true
	for _, tc := range []struct {
		name string
		inv  abraflexi.IssuedInvoice
		want notify.ConfirmDecision
	}{
		{"unpaid", inv(""), notify.ConfirmDecision{Reason: notify.ReasonNotPaid}},
		{"cancelled", cancelled, notify.ConfirmDecision{Reason: notify.ReasonNotPaid}},
		{"paid", inv(abraflexi.PaymentStatePaid, "VIP"), notify.ConfirmDecision{Send: true, Label: "POTVRZENO"}},
		{"paid manually", inv(abraflexi.PaymentStatePaidManually), notify.ConfirmDecision{Send: true, Label: "POTVRZENO"}},
		{"partial", inv(abraflexi.PaymentStatePartial), notify.ConfirmDecision{Send: true, Partial: true, Label: "POTVRZENO_CASTECNE"}},
		{"paid after confirmed partial", inv(abraflexi.PaymentStatePaid, "POTVRZENO_CASTECNE"), notify.ConfirmDecision{Send: true, Label: "POTVRZENO"}},
		{"paid confirmed", inv(abraflexi.PaymentStatePaid, "POTVRZENO_CASTECNE", "POTVRZENO"), notify.ConfirmDecision{Reason: notify.ReasonAlreadyConfirmed, Label: "POTVRZENO"}},
		{"partial confirmed", inv(abraflexi.PaymentStatePartial, "potvrzeno_castecne"), notify.ConfirmDecision{Reason: notify.ReasonAlreadyConfirmed, Partial: true, Label: "POTVRZENO_CASTECNE"}},
		{"partial after full label", inv(abraflexi.PaymentStatePartial, "POTVRZENO"), notify.ConfirmDecision{Reason: notify.ReasonAlreadyConfirmed, Partial: true, Label: "POTVRZENO_CASTECNE"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := notify.DecideConfirmation(tc.inv, l); got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestDecidePaymentNotice(t *testing.T) {
	in := abraflexi.Movement{Direction: abraflexi.DirectionIncoming}
	for _, tc := range []struct {
		name   string
		m      abraflexi.Movement
		ok     bool
		reason notify.Reason
	}{
		{"incoming", in, true, ""},
		{"unknown direction", abraflexi.Movement{}, true, ""},
		{"outgoing", abraflexi.Movement{Direction: abraflexi.DirectionOutgoing}, false, notify.ReasonNotIncoming},
		{"cancelled", abraflexi.Movement{Direction: abraflexi.DirectionIncoming, Cancelled: true}, false, notify.ReasonCancelled},
		{"paired", abraflexi.Movement{Direction: abraflexi.DirectionIncoming, Paired: true}, false, notify.ReasonAlreadyMatched},
		{"overpayment with the excess unpaired", abraflexi.Movement{Direction: abraflexi.DirectionIncoming,
			Links: []abraflexi.Link{{Type: abraflexi.LinkPayment, Amount: decimal.NewFromInt(1000)}}}, false, notify.ReasonAlreadyMatched},
		{"cancelled link", abraflexi.Movement{Direction: abraflexi.DirectionIncoming,
			Links: []abraflexi.Link{{Type: abraflexi.LinkPayment, Amount: decimal.NewFromInt(1000), Cancelled: true}}}, true, ""},
		{"notified", abraflexi.Movement{Direction: abraflexi.DirectionIncoming, Labels: abraflexi.Labels("oznameno")}, false, notify.ReasonAlreadyNotified},
		{"other label", abraflexi.Movement{Direction: abraflexi.DirectionIncoming, Labels: abraflexi.Labels("VIP")}, true, ""},
	} {
		ok, reason := notify.DecidePaymentNotice(tc.m, "OZNAMENO")
		if ok != tc.ok || reason != tc.reason {
			t.Errorf("%s: got %v %q, want %v %q", tc.name, ok, reason, tc.ok, tc.reason)
		}
	}
}

func TestReasonSeverity(t *testing.T) {
	for r, want := range map[notify.Reason]notify.Severity{
		notify.ReasonSent: "success", notify.ReasonWouldSend: "success",
		notify.ReasonNotPaid: "warning", notify.ReasonAlreadyConfirmed: "warning", notify.ReasonNoRecipient: "warning",
		notify.ReasonNoEmail: "error", notify.ReasonSendFailed: "error", notify.ReasonDocumentNotFound: "error",
		notify.ReasonLabelMissing: "error", notify.ReasonError: "error",
	} {
		if got := r.Severity(); got != want {
			t.Errorf("%s: %s, want %s", r, got, want)
		}
	}
	if s := (notify.Result{Reason: notify.ReasonSent, Warnings: []string{"x"}}).Severity(); s != notify.SeverityWarning {
		t.Errorf("sent with warnings: %s", s)
	}
}

func TestFormatAmount(t *testing.T) {
	for _, tc := range []struct{ in, cs, en string }{
		{"0", "0,00", "0.00"}, {"1210", "1 210,00", "1,210.00"}, {"999.995", "1 000,00", "1,000.00"},
		{"-1234.5", "-1 234,50", "-1,234.50"}, {"123456", "123 456,00", "123,456.00"}, {"12.3", "12,30", "12.30"},
	} {
		d := decimal.RequireFromString(tc.in)
		if got := notify.FormatAmount(d, "cs"); got != tc.cs {
			t.Errorf("cs %s: %q, want %q", tc.in, got, tc.cs)
		}
		if got := notify.FormatAmount(d, "en"); got != tc.en {
			t.Errorf("en %s: %q, want %q", tc.in, got, tc.en)
		}
	}
}

func TestParseDocID(t *testing.T) {
	for in, want := range map[string]string{
		"123": "123", " code:fv-1/2024 ": "code:FV-1/2024", "FV-1/2024": "code:FV-1/2024", "ext:SYS:1": "ext:SYS:1",
	} {
		id, err := notify.ParseDocID(in)
		if err != nil || id.String() != want {
			t.Errorf("%q: %v %v, want %s", in, id, err, want)
		}
	}
	for _, in := range []string{"", "  ", "0", "-5", "code:"} {
		if _, err := notify.ParseDocID(in); !errors.Is(err, abraflexi.ErrInvalidID) {
			t.Errorf("%q: err = %v", in, err)
		}
	}
}

func TestAttachmentName(t *testing.T) {
	for in, want := range map[string]string{"FV-1/2024": "FV-1-2024.pdf", "VF 2024.001": "VF-2024.001.pdf", "//": "document.pdf", "Fá1": "F-1.pdf"} {
		if got := notify.AttachmentName(in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}

func TestTemplatesOverride(t *testing.T) {
	dir := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(filepath.Join(dir, "invoice_paid.cs.tmpl"),
		[]byte(`{{define "subject"}}Zaplaceno {{.Invoice}}{{end}}{{define "body"}}Díky za {{.Paid}} {{.Currency}}.{{end}}`), 0o644))
	tm, err := notify.LoadTemplates("cs", dir)
	must(err)
	subj, body, err := tm.RenderInvoicePaid(notify.InvoicePaidData{Invoice: "FV-1", Paid: "1,00", Currency: "CZK"})
	must(err)
	if subj != "Zaplaceno FV-1" || body != "Díky za 1,00 CZK.\n" {
		t.Errorf("override: %q %q", subj, body)
	}
	// The file that is not overridden falls back to the embedded one.
	subj, _, err = tm.RenderPaymentReceived(notify.PaymentReceivedData{Amount: "5,00", Currency: "EUR"})
	must(err)
	if subj != "Přijali jsme vaši platbu (5,00 EUR)" { // no payment code: none in the subject
		t.Errorf("fallback subject %q", subj)
	}

	for name, src := range map[string]string{
		"syntax":        `{{define "subject"}}{{.Invoice}{{end}}`,
		"missing body":  `{{define "subject"}}x{{end}}`,
		"unknown field": `{{define "subject"}}{{.Nope}}{{end}}{{define "body"}}x{{end}}`,
	} {
		d := t.TempDir()
		must(os.WriteFile(filepath.Join(d, "payment_received.en.tmpl"), []byte(src), 0o644))
		if _, err := notify.LoadTemplates("en", d); err == nil || !strings.Contains(err.Error(), "payment_received.en.tmpl") {
			t.Errorf("%s: err = %v, want an error naming the file", name, err)
		}
	}
	if _, err := notify.LoadTemplates("de", ""); err == nil {
		t.Error("language de accepted")
	}
	if tm, err := notify.LoadTemplates("", t.TempDir()); err != nil || tm.Lang() != "cs" {
		t.Errorf("default language, empty dir: %v", err)
	}
	if _, err := notify.LoadTemplates("cs", filepath.Join(dir, "missing")); err == nil {
		t.Error("a missing template directory was accepted")
	}
}

func TestConfigFromEnv(t *testing.T) {
	t.Setenv("EASE_FROM", "env@example.cz")
	t.Setenv("NOTIFY_LANG", "en")
	cfg, err := notify.ConfigFromEnv()
	if err != nil || cfg.From != "env@example.cz" || cfg.Lang != "en" {
		t.Errorf("%v %v", cfg, err)
	}
}

func TestResultSummary(t *testing.T) {
	for _, tc := range []struct {
		res  notify.Result
		want string
	}{
		{notify.Result{Reason: notify.ReasonSent, Document: "FV-1", Recipients: []string{"a@x.cz", "b@x.cz"}, MessageID: "<id@x>"},
			"FV-1: notification sent to a@x.cz, b@x.cz (Message-ID <id@x>)"},
		{notify.Result{Reason: notify.ReasonWouldSend, Document: "FV-1", Recipients: []string{"a@x.cz"}}, "FV-1: MUTE: notification to a@x.cz composed, not sent"},
		{notify.Result{Reason: notify.ReasonAlreadyConfirmed, Document: "FV-1", Label: "POTVRZENO"}, "FV-1: payment already confirmed (label POTVRZENO), nothing sent"},
		{notify.Result{Reason: notify.ReasonNotPaid, Document: "FV-1"}, "FV-1: invoice is not paid, nothing to confirm"},
		{notify.Result{Reason: notify.ReasonNoRecipient, Document: "B+1"}, "B+1: payer unknown or without e-mail address, nothing sent"},
		{notify.Result{Reason: notify.ReasonSendFailed, Document: "B+1", Warnings: []string{"w"}}, "B+1: send_failed (w)"},
	} {
		if got := tc.res.Summary(); got != tc.want {
			t.Errorf("got  %q\nwant %q", got, tc.want)
		}
	}
}

// TestConfigFromLookupAppsWords: one line, every variable once, no
// repeated prefix, DRY_RUN implying MUTE as in the apps.
func TestConfigFromLookupAppsWords(t *testing.T) {
	_, err := notify.ConfigFromLookup(env(map[string]string{"MUTE": "maybe", "SMTP_PORT": "x", "SMTP_PASSWORD": "hunter2", "SMTP_USERNAME": ""}))
	want := `invalid configuration: MUTE="maybe": not a boolean (use true/false, 1/0, yes/no or on/off); SMTP_PORT="x": not a port number; EASE_FROM is required but not set`
	if err == nil || err.Error() != want {
		t.Errorf("got  %v\nwant %s", err, want)
	}
	var ce *envconf.Error
	if !errors.As(err, &ce) || !errors.Is(err, notify.ErrInvalidConfig) {
		t.Errorf("%T is not an *envconf.Error matching ErrInvalidConfig", err)
	}
	cfg, err := notify.ConfigFromLookup(env(map[string]string{"EASE_FROM": "f@x.cz", "DRY_RUN": "yes"}))
	if err != nil || !cfg.Mute {
		t.Errorf("DRY_RUN=yes: Mute %v, %v", cfg.Mute, err)
	}
	cfg, _ = notify.ConfigFromLookup(env(map[string]string{"EASE_FROM": "f@x.cz"}))
	if cfg.Mute {
		t.Error("muted without MUTE or DRY_RUN")
	}
}
