package notify_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/abraflexi/abraflexitest"
	"github.com/spoje-net/isptools/notify"
	"github.com/spoje-net/isptools/notify/notifytest"
)

const noticeLabel = "OZNAMENO_ODPOJENI"

// connectionFixture is AbraFlexi with three customers (one without any
// e-mail) and the connection notices capturing what they send.
type connectionFixture struct {
	*fixture
	cn  *notify.ConnectionNotices
	ids map[string]abraflexi.ID
}

func newConnectionFixture(t *testing.T) *connectionFixture {
	t.Helper()
	f := newFixture(t)
	tm, err := notify.LoadNoticeTemplates("cs", "")
	if err != nil {
		t.Fatal(err)
	}
	d := f.deps
	d.Templates = tm
	cf := &connectionFixture{fixture: f, ids: map[string]abraflexi.ID{},
		cn: &notify.ConnectionNotices{Deps: d, IBAN: abraflexi.MustParseIBAN(testIBAN), Today: abraflexi.MustParseDate("2024-03-18")}}
	cf.ids["1001"] = f.af.AddAddress(abraflexi.Address{Code: "1001", Name: "Jana Nováková", Email: "jana@example.cz", Labels: abraflexi.Labels("ODPOJENO")})
	cf.ids["1002"] = f.af.AddAddress(abraflexi.Address{Code: "1002", Name: "Petr Dvořák", Labels: abraflexi.Labels("ODPOJENO"),
		Contacts: []abraflexi.Contact{{FirstName: "Petr", Email: "petr@example.cz", Primary: true}}})
	cf.ids["1003"] = f.af.AddAddress(abraflexi.Address{Code: "1003", Name: "Bez E-mailu", Labels: abraflexi.Labels("ODPOJENO")})
	return cf
}

func (f *connectionFixture) labels(t *testing.T, code string) abraflexi.LabelSet {
	t.Helper()
	l, ok := f.af.Labels(abraflexi.EvidenceAddress, f.ids[code])
	if !ok {
		t.Fatalf("no customer %s", code)
	}
	return l
}

func owes(code, vs, amount string) abraflexi.IssuedInvoice {
	a := decimal.RequireFromString(amount)
	return abraflexi.IssuedInvoice{Code: code, VariableSymbol: vs, Remaining: a, Total: a,
		DueOn: abraflexi.MustParseDate("2024-03-01"), IssuedOn: abraflexi.MustParseDate("2024-02-15")}
}

func cutOff(code string, debts ...abraflexi.IssuedInvoice) notify.DisconnectedNotice {
	return notify.DisconnectedNotice{Customer: abraflexi.Address{Code: code}, Debts: debts}
}

func reasonsOf(rs []notify.NoticeResult) map[string]notify.Reason {
	m := map[string]notify.Reason{}
	for _, r := range rs {
		m[r.Document] = r.Reason
	}
	return m
}

func TestDisconnectedNoticesOncePerCustomer(t *testing.T) {
	f := newConnectionFixture(t)
	ctx := context.Background()
	notices := []notify.DisconnectedNotice{
		cutOff("1001", owes("FV-1/2024", "20240001", "499")),
		cutOff("1002", owes("FV-2/2024", "20240002", "250"), owes("FV-3/2024", "20240003", "250")),
		cutOff("1003", owes("FV-4/2024", "20240004", "100")),
		cutOff("1004"), // not in the address book
	}
	res := f.cn.Disconnected(ctx, notices, noticeLabel, false)
	want := map[string]notify.Reason{"1001": notify.ReasonSent, "1002": notify.ReasonSent, "1003": notify.ReasonNoEmail, "1004": notify.ReasonDocumentNotFound}
	if got := reasonsOf(res); len(got) != len(want) || got["1001"] != want["1001"] || got["1002"] != want["1002"] || got["1003"] != want["1003"] || got["1004"] != want["1004"] {
		t.Fatalf("reasons %v, want %v", got, want)
	}
	if res[0].Err != nil || res[2].Err == nil || res[3].Err == nil || res[1].Recipient() != "petr@example.cz" || res[0].Label != noticeLabel {
		t.Errorf("results %+v", res)
	}
	sent := f.capture.Sent()
	if len(sent) != 2 {
		t.Fatalf("%d messages, want 2", len(sent))
	}
	// 1002 pays both invoices with the older one's variable symbol.
	p, err := notifytest.Parse(sent[1].Raw)
	if err != nil {
		t.Fatal(err)
	}
	const spd = "SPD*1.0*ACC:CZ6508000000192000145399*AM:500.00*CC:CZK*X-VS:20240002*MSG:1002 Petr Dvorak"
	if !strings.Contains(p.Text, spd) || p.To[0].Address != "petr@example.cz" {
		t.Errorf("message to %v:\n%s", p.To, p.Text)
	}
	var png []byte
	for _, a := range p.Attachments {
		if a.ContentType == notify.ContentTypePNG {
			png = a.Data
		}
	}
	if png == nil {
		t.Fatalf("no QR image among %d parts", len(p.Attachments))
	}
	if got := decodeQR(t, png); got != spd {
		t.Errorf("QR %q, want %q", got, spd)
	}
	// Recorded on the customers mailed, created in the codebook first.
	for code, want := range map[string]bool{"1001": true, "1002": true, "1003": false} {
		if got := f.labels(t, code); got.Has(noticeLabel) != want || !got.Has("ODPOJENO") {
			t.Errorf("%s labels %v", code, got)
		}
	}
	if def, ok := f.af.Record(abraflexi.EvidenceLabel, abraflexi.CodeID(noticeLabel)); !ok || def["vsbAdr"] != "true" {
		t.Errorf("label definition %v", def)
	}

	// Once: the next run finds the label on the customers it read again.
	res = f.cn.Disconnected(ctx, notices[:2], noticeLabel, false)
	if got := reasonsOf(res); got["1001"] != notify.ReasonAlreadyNotified || got["1002"] != notify.ReasonAlreadyNotified {
		t.Errorf("second run %v", got)
	}
	if n := len(f.capture.Sent()); n != 2 {
		t.Errorf("%d messages after the second run, want 2", n)
	}
}

func TestDisconnectedNoticeOutcomes(t *testing.T) {
	ctx := context.Background()
	debt := owes("FV-1/2024", "20240001", "499")
	t.Run("dry run composes, writes nothing", func(t *testing.T) {
		f := newConnectionFixture(t)
		f.af.ResetRequests()
		res := f.cn.Disconnected(ctx, []notify.DisconnectedNotice{cutOff("1001", debt)}, noticeLabel, true)
		if res[0].Reason != notify.ReasonWouldSend || res[0].Message == nil || !strings.Contains(res[0].Message.Text, "SPD*1.0*") {
			t.Fatalf("%+v", res[0])
		}
		if len(f.capture.Sent()) != 0 || f.labels(t, "1001").Has(noticeLabel) {
			t.Error("a dry run sent or wrote")
		}
		for _, r := range f.af.Requests() {
			if r.Method != http.MethodGet {
				t.Errorf("dry run wrote: %s %s", r.Method, r.Path)
			}
		}
	})
	t.Run("nothing owed", func(t *testing.T) {
		f := newConnectionFixture(t)
		paid := debt
		paid.Remaining = decimal.Zero
		res := f.cn.Disconnected(ctx, []notify.DisconnectedNotice{cutOff("1001", paid), cutOff("1002")}, noticeLabel, false)
		if got := reasonsOf(res); got["1001"] != notify.ReasonNothingOwed || got["1002"] != notify.ReasonNothingOwed || res[0].Err != nil {
			t.Errorf("%v %+v", got, res)
		}
		if len(f.capture.Sent()) != 0 || f.labels(t, "1001").Has(noticeLabel) {
			t.Error("sent or labelled although nothing is owed")
		}
	})
	t.Run("send fails: claim taken back, the next run sends", func(t *testing.T) {
		f := newConnectionFixture(t)
		f.cn.Deps.Sender = sendFunc(func() error { return errors.New("421 try later") })
		res := f.cn.Disconnected(ctx, []notify.DisconnectedNotice{cutOff("1001", debt)}, noticeLabel, false)
		if res[0].Reason != notify.ReasonSendFailed || res[0].Err == nil {
			t.Fatalf("%+v", res[0])
		}
		if f.labels(t, "1001").Has(noticeLabel) {
			t.Fatal("the claim stayed after the failed send: no later run would retry")
		}
		f.cn.Deps.Sender = f.capture
		res = f.cn.Disconnected(ctx, []notify.DisconnectedNotice{cutOff("1001", debt)}, noticeLabel, false)
		if res[0].Reason != notify.ReasonSent || len(f.capture.Sent()) != 1 || !f.labels(t, "1001").Has(noticeLabel) {
			t.Errorf("retry %+v", res[0])
		}
	})
	t.Run("claim fails: nothing sent", func(t *testing.T) {
		f := newConnectionFixture(t)
		f.cn.Disconnected(ctx, nil, noticeLabel, false) // nothing to do, no request
		f.af.AddLabelDefinitions(noticeLabel)
		f.af.FailNext(1, http.StatusBadRequest, abraflexitest.Matcher{Method: http.MethodPost, Evidence: abraflexi.EvidenceAddress})
		res := f.cn.Disconnected(ctx, []notify.DisconnectedNotice{cutOff("1001", debt)}, noticeLabel, false)
		if res[0].Reason != notify.ReasonError || res[0].Err == nil || len(f.capture.Sent()) != 0 {
			t.Errorf("%+v, %d sent", res[0], len(f.capture.Sent()))
		}
	})
	t.Run("label cannot be created: nobody mailed", func(t *testing.T) {
		f := newConnectionFixture(t)
		f.af.FailNext(1, http.StatusForbidden, abraflexitest.Matcher{Method: http.MethodPost, Evidence: abraflexi.EvidenceLabel})
		res := f.cn.Disconnected(ctx, []notify.DisconnectedNotice{cutOff("1001", debt), cutOff("1002", debt)}, noticeLabel, false)
		if got := reasonsOf(res); got["1001"] != notify.ReasonLabelMissing || got["1002"] != notify.ReasonLabelMissing ||
			!strings.Contains(res[1].Err.Error(), noticeLabel) || !strings.Contains(res[1].Err.Error(), "adresar") {
			t.Errorf("%v %+v", got, res)
		}
		if len(f.capture.Sent()) != 0 {
			t.Error("sent although the notice cannot be recorded")
		}
	})
	t.Run("no IBAN", func(t *testing.T) {
		f := newConnectionFixture(t)
		f.cn.IBAN = ""
		res := f.cn.Disconnected(ctx, []notify.DisconnectedNotice{cutOff("1001", debt)}, noticeLabel, false)
		if res[0].Reason != notify.ReasonError || !strings.Contains(res[0].Err.Error(), "BANK_IBAN") {
			t.Errorf("%+v", res[0])
		}
	})
	t.Run("listing fails", func(t *testing.T) {
		f := newConnectionFixture(t)
		f.af.FailNext(5, http.StatusInternalServerError, abraflexitest.Matcher{Method: http.MethodGet, Evidence: abraflexi.EvidenceAddress})
		res := f.cn.Disconnected(ctx, []notify.DisconnectedNotice{cutOff("1001", debt)}, noticeLabel, false)
		if res[0].Reason != notify.ReasonError || res[0].Err == nil || len(f.capture.Sent()) != 0 {
			t.Errorf("%+v", res[0])
		}
	})
}

func TestReconnectedNotices(t *testing.T) {
	f := newConnectionFixture(t)
	ctx := context.Background()
	customers := []abraflexi.Address{{Code: "1001"}, {Code: "1003"}}
	res := f.cn.Reconnected(ctx, customers, true)
	if got := reasonsOf(res); got["1001"] != notify.ReasonWouldSend || got["1003"] != notify.ReasonNoEmail || len(f.capture.Sent()) != 0 {
		t.Fatalf("dry run %v", got)
	}
	f.af.ResetRequests()
	res = f.cn.Reconnected(ctx, customers, false)
	if res[0].Reason != notify.ReasonSent || res[0].Recipient() != "jana@example.cz" {
		t.Fatalf("%+v", res[0])
	}
	sent := f.capture.Sent()
	if len(sent) != 1 || !strings.Contains(sent[0].Message.Subject, "obnoveno") {
		t.Fatalf("sent %+v", sent)
	}
	for _, r := range f.af.Requests() {
		if r.Method != http.MethodGet {
			t.Errorf("the reconnection notice wrote to AbraFlexi: %s %s", r.Method, r.Path)
		}
	}
}

func TestNewConnectionNotices(t *testing.T) {
	cfg := notify.DefaultConfig()
	cfg.From = fromCZ
	cfg.Mute = true
	nc := notify.NoticeConfig{Disconnected: true, IBAN: abraflexi.MustParseIBAN(testIBAN)}
	cn, err := notify.NewConnectionNotices(cfg, nc, nil, nil)
	if err != nil || cn.IBAN.String() != testIBAN || !cn.Deps.Mute {
		t.Fatalf("%+v %v", cn, err)
	}
	if _, err := notify.NewConnectionNotices(cfg, notify.NoticeConfig{Disconnected: true}, nil, nil); !errors.Is(err, notify.ErrInvalidConfig) || !strings.Contains(err.Error(), "BANK_IBAN") {
		t.Errorf("no IBAN: %v", err)
	}
	cfg.TemplateDir = t.TempDir() + "/missing"
	if _, err := notify.NewConnectionNotices(cfg, nc, nil, nil); err == nil {
		t.Error("a missing template directory is accepted")
	}
}
