package notify_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/abraflexi/abraflexitest"
	"github.com/spoje-net/isptools/netbackend/runlock"
	"github.com/spoje-net/isptools/notify"
	"github.com/spoje-net/isptools/notify/notifytest"
)

type fixture struct {
	af      *abraflexitest.Server
	client  *abraflexi.Client
	capture *notifytest.Capture
	deps    notify.Deps
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	af := abraflexitest.NewServer(t)
	client, err := abraflexi.NewClient(af.Config(), abraflexi.WithRetry(0, time.Millisecond, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	c := &notifytest.Capture{}
	return &fixture{af: af, client: client, capture: c, deps: notify.Deps{
		Client: client, Sender: c, Templates: notify.MustLoadTemplates("cs", ""), From: fromCZ,
		Labels: notify.ConfirmLabels{Partial: "POTVRZENO_CASTECNE", Full: "POTVRZENO", Notified: "OZNAMENO"},
	}}
}

func (f *fixture) customer(t *testing.T, a abraflexi.Address) {
	t.Helper()
	f.af.AddAddress(a)
}

func (f *fixture) invoice(code, state, customer, contactEmail string, labels ...string) abraflexi.ID {
	inv := abraflexi.IssuedInvoice{
		Code: code, VariableSymbol: "20240042", Total: decimal.RequireFromString("1210"),
		PaymentState: state, ContactEmail: contactEmail, Labels: abraflexi.Labels(labels...),
		Currency: abraflexi.RefTo(abraflexi.CodeID("CZK")), IssuedOn: abraflexi.MustParseDate("2024-01-02"),
	}
	switch state {
	case abraflexi.PaymentStatePartial:
		inv.Remaining = decimal.RequireFromString("210")
	case abraflexi.PaymentStateUnpaid:
		inv.Remaining = inv.Total
	}
	if customer != "" {
		inv.Customer = abraflexi.RefTo(abraflexi.CodeID(customer))
	}
	return f.af.AddInvoice(inv)
}

func TestConfirmInvoicePaymentSentAndOnce(t *testing.T) {
	f := newFixture(t)
	f.customer(t, abraflexi.Address{Code: "NOVAK", Name: "Jan Novák", Email: "jan@example.cz"})
	id := f.invoice("FV-42/2024", abraflexi.PaymentStatePartial, "NOVAK", "")
	ctx := context.Background()

	res, err := notify.ConfirmInvoicePayment(ctx, f.deps, "FV-42/2024")
	if err != nil {
		t.Fatal(err)
	}
	if res.Reason != notify.ReasonSent || res.Invoice != "FV-42/2024" || res.Document != "FV-42/2024" ||
		res.VarSym != "20240042" || res.Recipient() != "jan@example.cz" || res.RecipientSource != notify.SourceAddress ||
		res.Label != "POTVRZENO_CASTECNE" || res.Severity() != notify.SeveritySuccess {
		t.Errorf("result %+v", res)
	}
	sent := f.capture.Sent()
	if len(sent) != 1 || sent[0].MessageID != res.MessageID {
		t.Fatalf("sent %d, id %q", len(sent), res.MessageID)
	}
	p, err := notifytest.Parse(sent[0].Raw)
	if err != nil {
		t.Fatal(err)
	}
	if p.Subject != "Potvrzení přijetí částečné úhrady faktury FV-42/2024" || !strings.Contains(p.Text, "1 000,00 CZK") {
		t.Errorf("subject %q text %q", p.Subject, p.Text)
	}
	if len(p.Attachments) != 1 || p.Attachments[0].ContentType != "application/pdf" || !bytes.HasPrefix(p.Attachments[0].Data, []byte("%PDF")) {
		t.Errorf("attachment %+v", p.Attachments)
	}
	if labels, _ := f.af.Labels(abraflexi.EvidenceIssuedInvoice, id); !labels.Has("POTVRZENO_CASTECNE") {
		t.Errorf("labels after partial confirmation: %v", labels)
	}

	// The label write triggers the rule again: nothing more is sent.
	for _, docID := range []string{"FV-42/2024", id.String(), "code:FV-42/2024"} {
		res, err = notify.ConfirmInvoicePayment(ctx, f.deps, docID)
		if err != nil || res.Reason != notify.ReasonAlreadyConfirmed || res.Severity() != notify.SeverityWarning {
			t.Errorf("%s: repeated run: %+v %v", docID, res, err)
		}
	}
	if n := len(f.capture.Sent()); n != 1 {
		t.Errorf("%d messages after repeated triggers", n)
	}

	// The invoice becomes fully paid: confirmed once more, then never again.
	f.af.Put(abraflexi.EvidenceIssuedInvoice, map[string]any{"id": id.String(), "stavUhrK": abraflexi.PaymentStatePaidManually})
	res, err = notify.ConfirmInvoicePayment(ctx, f.deps, "FV-42/2024")
	if err != nil || res.Reason != notify.ReasonSent || res.Label != "POTVRZENO" {
		t.Fatalf("full payment: %+v %v", res, err)
	}
	if got := f.capture.Sent()[1].Message.Subject; got != "Potvrzení přijetí úhrady faktury FV-42/2024" {
		t.Errorf("full subject %q", got)
	}
	res, _ = notify.ConfirmInvoicePayment(ctx, f.deps, "FV-42/2024")
	if res.Reason != notify.ReasonAlreadyConfirmed || len(f.capture.Sent()) != 2 {
		t.Errorf("after full: %+v, %d sent", res, len(f.capture.Sent()))
	}
	labels, _ := f.af.Labels(abraflexi.EvidenceIssuedInvoice, id)
	if !labels.Has("POTVRZENO") || !labels.Has("POTVRZENO_CASTECNE") {
		t.Errorf("labels %v", labels)
	}
}

func TestConfirmInvoicePaymentOutcomes(t *testing.T) {
	ctx := context.Background()
	t.Run("not paid", func(t *testing.T) {
		f := newFixture(t)
		f.invoice("FV-1", abraflexi.PaymentStateUnpaid, "", "a@example.cz")
		res, err := notify.ConfirmInvoicePayment(ctx, f.deps, "FV-1")
		if err != nil || res.Reason != notify.ReasonNotPaid || len(f.capture.Sent()) != 0 {
			t.Errorf("%+v %v", res, err)
		}
	})
	t.Run("document not found", func(t *testing.T) {
		f := newFixture(t)
		for _, id := range []string{"FV-404", "9999"} {
			res, err := notify.ConfirmInvoicePayment(ctx, f.deps, id)
			if !errors.Is(err, abraflexi.ErrNotFound) || res.Reason != notify.ReasonDocumentNotFound || res.Document != id {
				t.Errorf("%s: %+v %v", id, res, err)
			}
		}
		if res, err := notify.ConfirmInvoicePayment(ctx, f.deps, " "); err == nil || res.Reason != notify.ReasonError {
			t.Errorf("empty DOCID: %+v %v", res, err)
		}
	})
	t.Run("no email", func(t *testing.T) {
		f := newFixture(t)
		f.customer(t, abraflexi.Address{Code: "NOMAIL", Name: "Bez Mailu", Email: "bad address"})
		f.invoice("FV-2", abraflexi.PaymentStatePaid, "NOMAIL", "")
		res, err := notify.ConfirmInvoicePayment(ctx, f.deps, "FV-2")
		if err == nil || res.Reason != notify.ReasonNoEmail || !slices.Equal(res.InvalidRecipients, []string{"bad address"}) {
			t.Errorf("%+v %v", res, err)
		}
		f.invoice("FV-3", abraflexi.PaymentStatePaid, "", "")
		if res, err := notify.ConfirmInvoicePayment(ctx, f.deps, "FV-3"); err == nil || res.Reason != notify.ReasonNoEmail {
			t.Errorf("no customer: %+v %v", res, err)
		}
		if len(f.capture.Sent()) != 0 {
			t.Error("sent")
		}
	})
	t.Run("kontaktEmail and primary contact", func(t *testing.T) {
		f := newFixture(t)
		f.customer(t, abraflexi.Address{Code: "FIRMA", Name: "Firma", Contacts: []abraflexi.Contact{
			{FirstName: "A", Email: "a@example.cz"}, {FirstName: "P", Email: "p@example.cz", Primary: true}}})
		f.invoice("FV-4", abraflexi.PaymentStatePaid, "FIRMA", "k1@example.cz; k2@example.cz, k1@example.cz")
		f.invoice("FV-5", abraflexi.PaymentStatePaid, "FIRMA", "")
		res, err := notify.ConfirmInvoicePayment(ctx, f.deps, "FV-4")
		if err != nil || res.Recipient() != "k1@example.cz, k2@example.cz" || res.RecipientSource != notify.SourceInvoiceContact {
			t.Errorf("kontaktEmail: %+v %v", res, err)
		}
		res, err = notify.ConfirmInvoicePayment(ctx, f.deps, "FV-5")
		if err != nil || res.Recipient() != "p@example.cz" || res.RecipientSource != notify.SourcePrimaryContact {
			t.Errorf("primary contact: %+v %v", res, err)
		}
	})
	t.Run("mute", func(t *testing.T) {
		f := newFixture(t)
		id := f.invoice("FV-6", abraflexi.PaymentStatePaid, "", "a@example.cz")
		f.deps.Mute, f.deps.Sender = true, nil
		f.af.ResetRequests()
		res, err := notify.ConfirmInvoicePayment(ctx, f.deps, "FV-6")
		if err != nil || res.Reason != notify.ReasonWouldSend || res.MessageID != "" || res.Message == nil ||
			len(res.Message.Attachments) != 1 {
			t.Errorf("%+v %v", res, err)
		}
		if labels, _ := f.af.Labels(abraflexi.EvidenceIssuedInvoice, id); labels.Len() != 0 {
			t.Errorf("mute wrote labels %v", labels)
		}
		for _, r := range f.af.Requests() {
			if r.Method != http.MethodGet {
				t.Errorf("mute wrote: %s %s", r.Method, r.Path)
			}
		}
		// Still would_send next time: nothing was recorded.
		if res, _ := notify.ConfirmInvoicePayment(ctx, f.deps, "FV-6"); res.Reason != notify.ReasonWouldSend {
			t.Errorf("second mute run: %s", res.Reason)
		}
	})
	t.Run("send failed", func(t *testing.T) {
		f := newFixture(t)
		id := f.invoice("FV-7", abraflexi.PaymentStatePaid, "", "a@example.cz")
		f.capture.Err = errors.New("relay down")
		res, err := notify.ConfirmInvoicePayment(ctx, f.deps, "FV-7")
		if err == nil || res.Reason != notify.ReasonSendFailed || res.Severity() != notify.SeverityError {
			t.Errorf("%+v %v", res, err)
		}
		if labels, _ := f.af.Labels(abraflexi.EvidenceIssuedInvoice, id); labels.Len() != 0 {
			t.Errorf("labelled although not sent: %v", labels)
		}
	})
	t.Run("label created on first use", func(t *testing.T) {
		f := newFixture(t)
		var logs bytes.Buffer
		f.deps.Log = slog.New(slog.NewTextHandler(&logs, nil))
		f.deps.Labels.Partial = "NEEXISTUJE"
		id := f.invoice("FV-8", abraflexi.PaymentStatePartial, "", "a@example.cz")
		res, err := notify.ConfirmInvoicePayment(ctx, f.deps, "FV-8")
		if err != nil || res.Reason != notify.ReasonSent || len(f.capture.Sent()) != 1 {
			t.Fatalf("%+v %v", res, err)
		}
		if def, ok := f.af.Record(abraflexi.EvidenceLabel, abraflexi.CodeID("NEEXISTUJE")); !ok || def["vsbFav"] != "true" {
			t.Errorf("label definition %v", def)
		}
		if labels, _ := f.af.Labels(abraflexi.EvidenceIssuedInvoice, id); !labels.Has("NEEXISTUJE") {
			t.Errorf("labels %v", labels)
		}
		if !strings.Contains(logs.String(), "level=INFO msg=\"created label") {
			t.Errorf("creation not logged:\n%s", logs.String())
		}
	})
	t.Run("label missing and cannot be created", func(t *testing.T) {
		f := newFixture(t)
		f.deps.Labels.Partial = "NEEXISTUJE"
		f.invoice("FV-8", abraflexi.PaymentStatePartial, "", "a@example.cz")
		f.af.FailNext(1, http.StatusForbidden, abraflexitest.Matcher{Method: http.MethodPost, Evidence: abraflexi.EvidenceLabel})
		res, err := notify.ConfirmInvoicePayment(ctx, f.deps, "FV-8")
		if err == nil || res.Reason != notify.ReasonLabelMissing || !strings.Contains(err.Error(), "NEEXISTUJE") ||
			!strings.Contains(err.Error(), "faktura-vydana") {
			t.Errorf("%+v %v", res, err)
		}
		if len(f.capture.Sent()) != 0 {
			t.Error("sent although the label cannot be recorded")
		}
	})
	t.Run("claim fails: nothing sent", func(t *testing.T) {
		f := newFixture(t)
		id := f.invoice("FV-9", abraflexi.PaymentStatePaid, "", "a@example.cz")
		f.af.FailNext(1, http.StatusBadRequest, abraflexitest.Match(http.MethodPut, "faktura-vydana"))
		f.af.FailNext(1, http.StatusBadRequest, abraflexitest.Match(http.MethodPost, "faktura-vydana"))
		res, err := notify.ConfirmInvoicePayment(ctx, f.deps, "FV-9")
		if err == nil || res.Reason != notify.ReasonError || len(f.capture.Sent()) != 0 || !strings.Contains(err.Error(), "nothing sent") {
			t.Errorf("%+v %v", res, err)
		}
		// The next trigger sends it.
		res, err = notify.ConfirmInvoicePayment(ctx, f.deps, "FV-9")
		if err != nil || res.Reason != notify.ReasonSent || len(f.capture.Sent()) != 1 {
			t.Errorf("retry: %+v %v", res, err)
		}
		if labels, _ := f.af.Labels(abraflexi.EvidenceIssuedInvoice, id); !labels.Has("POTVRZENO") {
			t.Errorf("labels %v", labels)
		}
	})
	t.Run("send fails and the claim cannot be taken back", func(t *testing.T) {
		f := newFixture(t)
		f.invoice("FV-12", abraflexi.PaymentStatePaid, "", "a@example.cz")
		// The relay fails, and so does AbraFlexi from then on.
		f.deps.Sender = sendFunc(func() error {
			f.af.FailNext(10, http.StatusServiceUnavailable, abraflexitest.Matcher{Evidence: abraflexi.EvidenceIssuedInvoice})
			return errors.New("relay down")
		})
		res, err := notify.ConfirmInvoicePayment(ctx, f.deps, "FV-12")
		if err == nil || res.Reason != notify.ReasonSendFailed || len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "remove it by hand") {
			t.Errorf("%+v %v", res, err)
		}
	})
	t.Run("pdf fails", func(t *testing.T) {
		f := newFixture(t)
		f.invoice("FV-10", abraflexi.PaymentStatePaid, "", "a@example.cz")
		f.af.FailNext(5, http.StatusInternalServerError, abraflexitest.Match(http.MethodGet, ".pdf"))
		res, err := notify.ConfirmInvoicePayment(ctx, f.deps, "FV-10")
		if err == nil || res.Reason != notify.ReasonError || len(f.capture.Sent()) != 0 {
			t.Errorf("%+v %v", res, err)
		}
	})
}

func TestConfirmOverRealSMTP(t *testing.T) {
	f := newFixture(t)
	srv := notifytest.NewServer(t, notifytest.WithAuth("u", "p"))
	s, err := notify.NewSMTPSender(srv.SMTPConfig())
	if err != nil {
		t.Fatal(err)
	}
	f.deps.Sender = s
	f.invoice("FV-11/2024", abraflexi.PaymentStatePaid, "", "Zákazník Žluťoučký <z@example.cz>")
	res, err := notify.ConfirmInvoicePayment(context.Background(), f.deps, "FV-11/2024")
	if err != nil {
		t.Fatal(err)
	}
	got := srv.Wait(t, 1, 5*time.Second)[0]
	p := checkWireMessage(t, got.Data, "Potvrzení přijetí úhrady faktury FV-11/2024", "z@example.cz")
	if p.MessageID != res.MessageID || len(p.Attachments) != 1 || !bytes.HasPrefix(p.Attachments[0].Data, []byte("%PDF")) ||
		p.Attachments[0].Filename != "FV-11-2024.pdf" || !strings.Contains(p.Text, "Daňový doklad v příloze") {
		t.Errorf("message %+v", p)
	}
}

func movement(code, payer string, incoming bool) abraflexi.Movement {
	m := abraflexi.Movement{Code: code, VariableSymbol: "777", Total: decimal.RequireFromString("2500.5"),
		IssuedOn: abraflexi.MustParseDate("2024-01-31"), Currency: abraflexi.RefTo(abraflexi.CodeID("CZK")),
		Direction: abraflexi.DirectionIncoming}
	if !incoming {
		m.Direction = abraflexi.DirectionOutgoing
	}
	if payer != "" {
		m.Payer = abraflexi.RefTo(abraflexi.CodeID(payer))
	}
	return m
}

func TestNoticePaymentReceived(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.customer(t, abraflexi.Address{Code: "PLATCE", Name: "Plátce", Email: "platce@example.cz"})
	f.customer(t, abraflexi.Address{Code: "TICHY", Name: "Bez e-mailu"})
	bankID := f.af.AddBankMovement(abraflexi.BankMovement{Movement: movement("B+1/2024", "PLATCE", true)})
	cashID := f.af.AddCashMovement(abraflexi.CashMovement{Movement: movement("P+1/2024", "PLATCE", true)})
	f.af.AddBankMovement(abraflexi.BankMovement{Movement: movement("B+2/2024", "", true)})
	f.af.AddBankMovement(abraflexi.BankMovement{Movement: movement("B+3/2024", "TICHY", true)})
	f.af.AddBankMovement(abraflexi.BankMovement{Movement: movement("B-4/2024", "PLATCE", false)})
	if bankID != cashID {
		t.Fatalf("ids %s %s: the ambiguity below needs equal ids", bankID, cashID)
	}

	// A numeric id names B+1 and P+1: under auto that is ambiguous.
	res, err := notify.NoticePaymentReceived(ctx, f.deps, bankID.String(), "auto")
	if !errors.Is(err, notify.ErrAmbiguousDocument) || res.Reason != notify.ReasonAmbiguousDocument || res.Severity() != notify.SeverityError ||
		!strings.Contains(err.Error(), "B+1/2024") || !strings.Contains(err.Error(), "P+1/2024") {
		t.Fatalf("ambiguous: %+v %v", res, err)
	}
	res, err = notify.NoticePaymentReceived(ctx, f.deps, bankID.String(), "banka")
	if err != nil || res.Reason != notify.ReasonSent || res.Document != "B+1/2024" || res.VarSym != "777" ||
		res.Recipient() != "platce@example.cz" || res.Invoice != "" || res.Label != "OZNAMENO" {
		t.Fatalf("%+v %v", res, err)
	}
	p, _ := notifytest.Parse(f.capture.Sent()[0].Raw)
	if p.Subject != "Přijali jsme vaši platbu B+1/2024 (2 500,50 CZK)" || !strings.Contains(p.Text, "Datum:              2024-01-31\n") ||
		!strings.Contains(p.Text, "777") || len(p.Attachments) != 0 {
		t.Errorf("%q\n%s", p.Subject, p.Text)
	}
	if l, _ := f.af.Labels(abraflexi.EvidenceBank, bankID); !l.Has("OZNAMENO") {
		t.Errorf("notice not recorded: %v", l)
	}
	if def, ok := f.af.Record(abraflexi.EvidenceLabel, abraflexi.CodeID("OZNAMENO")); !ok || def["vsbBan"] != "true" {
		t.Errorf("label definition %v", def)
	}

	for _, tc := range []struct {
		doc, evidence string
		reason        notify.Reason
		wantErr       bool
	}{
		{"B+1/2024", "auto", notify.ReasonAlreadyNotified, false}, // redelivered event
		{bankID.String(), "banka", notify.ReasonAlreadyNotified, false},
		{"P+1/2024", "pokladna", notify.ReasonSent, false},
		{"P+1/2024", "auto", notify.ReasonAlreadyNotified, false},
		{cashID.String(), "pokladni-pohyb", notify.ReasonAlreadyNotified, false},
		{"P+1/2024", "banka", notify.ReasonDocumentNotFound, true},
		{"B+404", "auto", notify.ReasonDocumentNotFound, true},
		{"B+2/2024", "", notify.ReasonNoRecipient, false},
		{"B+3/2024", "banka", notify.ReasonNoRecipient, false},
		{"B-4/2024", "banka", notify.ReasonNotIncoming, false},
		{"B+1/2024", "ucet", notify.ReasonError, true},
	} {
		res, err := notify.NoticePaymentReceived(ctx, f.deps, tc.doc, tc.evidence)
		if res.Reason != tc.reason || (err != nil) != tc.wantErr {
			t.Errorf("%s/%s: %+v %v", tc.doc, tc.evidence, res, err)
		}
	}
	if n := len(f.capture.Sent()); n != 2 {
		t.Errorf("%d sent", n)
	}
	if l, _ := f.af.Labels(abraflexi.EvidenceCash, cashID); !l.Has("OZNAMENO") {
		t.Errorf("cash notice not recorded: %v", l)
	}

	f.af.AddBankMovement(abraflexi.BankMovement{Movement: movement("B+5/2024", "PLATCE", true)})
	f.deps.Mute = true
	f.af.ResetRequests()
	res, err = notify.NoticePaymentReceived(ctx, f.deps, "B+5/2024", "auto")
	if err != nil || res.Reason != notify.ReasonWouldSend || len(f.capture.Sent()) != 2 {
		t.Errorf("mute: %+v %v", res, err)
	}
	for _, r := range f.af.Requests() {
		if r.Method != http.MethodGet {
			t.Errorf("mute wrote: %s %s", r.Method, r.Path)
		}
	}
	f.deps.Mute = false
	f.capture.Err = errors.New("down")
	if res, err := notify.NoticePaymentReceived(ctx, f.deps, "B+5/2024", "auto"); err == nil || res.Reason != notify.ReasonSendFailed {
		t.Errorf("send failed: %+v %v", res, err)
	}
	if l, _ := f.af.Labels(abraflexi.EvidenceBank, abraflexi.CodeID("B+5/2024")); l.Has("OZNAMENO") {
		t.Errorf("claim kept after a failed send: %v", l)
	}
	f.capture.Err = nil
	if res, err := notify.NoticePaymentReceived(ctx, f.deps, "B+5/2024", "auto"); err != nil || res.Reason != notify.ReasonSent {
		t.Errorf("retry after the failed send: %+v %v", res, err)
	}
}

// TestNoticeForeignCurrencyAndMatchedPayments: the notice shows the euros
// received, and a payment whose excess stays on it after a pairing is not
// "awaiting manual matching".
func TestNoticeForeignCurrencyAndMatchedPayments(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.customer(t, abraflexi.Address{Code: "PLATCE", Name: "Plátce", Email: "platce@example.cz"})
	m := movement("B+EUR", "PLATCE", true)
	m.Currency, m.Total, m.TotalInCurrency = abraflexi.RefTo(abraflexi.CodeID("EUR")), decimal.RequireFromString("2450"), decimal.RequireFromString("100")
	f.af.AddBankMovement(abraflexi.BankMovement{Movement: m})
	res, err := notify.NoticePaymentReceived(ctx, f.deps, "B+EUR", "banka")
	if err != nil || res.Reason != notify.ReasonSent || res.Message.Subject != "Přijali jsme vaši platbu B+EUR (100,00 EUR)" {
		t.Fatalf("%+v %v", res, err)
	}

	f.af.AddInvoice(abraflexi.IssuedInvoice{Code: "VF1", VariableSymbol: "777", Total: decimal.RequireFromString("1000")})
	f.af.AddBankMovement(abraflexi.BankMovement{Movement: movement("B+OVER", "PLATCE", true)})
	if err := f.client.Pair(ctx, abraflexi.PairRequest{PaymentEvidence: abraflexi.EvidenceBank, Payment: abraflexi.CodeID("B+OVER"),
		Invoice: abraflexi.CodeID("VF1"), Remainder: abraflexi.RemainderIgnore}); err != nil {
		t.Fatal(err)
	}
	res, err = notify.NoticePaymentReceived(ctx, f.deps, "B+OVER", "banka")
	if err != nil || res.Reason != notify.ReasonAlreadyMatched {
		t.Fatalf("overpaid: %+v %v", res, err)
	}
}

func TestNewDeps(t *testing.T) {
	cfg := notify.DefaultConfig()
	if _, err := notify.NewDeps(cfg, nil, nil); !errors.Is(err, notify.ErrInvalidConfig) {
		t.Errorf("missing EASE_FROM: %v", err)
	}
	cfg.From, cfg.Mute = "a@example.cz", true
	d, err := notify.NewDeps(cfg, nil, nil)
	if err != nil || !d.Mute || d.Templates.Lang() != "cs" {
		t.Fatalf("%+v %v", d, err)
	}
	if res, err := notify.ConfirmInvoicePayment(context.Background(), d, "1"); err == nil || res.Reason != notify.ReasonError {
		t.Errorf("nil client: %+v %v", res, err)
	}
}

// sendFunc is a Sender that runs f and fails with its error.
type sendFunc func() error

func (f sendFunc) Send(context.Context, *notify.Message) (string, error) { return "", f() }

// TestConcurrentRunsSendOnce: two triggers of one invoice at once (one
// pairing updates the payment and the invoice) serialise on the invoice's
// lock; the second sees the first's label and sends nothing.
func TestConcurrentRunsSendOnce(t *testing.T) {
	f := newFixture(t)
	f.invoice("FV-20", abraflexi.PaymentStatePaid, "", "a@example.cz")
	f.deps.Lock = runlock.PerKey(f.af.Config().URL+" "+t.Name(), 10*time.Second)
	// A slow relay widens the window between the claim and the send.
	f.deps.Sender = slowSender{f.capture, 100 * time.Millisecond}
	var wg sync.WaitGroup
	results := make([]notify.Result, 4)
	for i := range results {
		wg.Go(func() {
			results[i], _ = notify.ConfirmInvoicePayment(context.Background(), f.deps, "FV-20")
		})
	}
	wg.Wait()
	sent := 0
	for _, r := range results {
		switch r.Reason {
		case notify.ReasonSent:
			sent++
		case notify.ReasonAlreadyConfirmed:
		default:
			t.Errorf("result %+v", r)
		}
	}
	if sent != 1 || len(f.capture.Sent()) != 1 {
		t.Errorf("%d sent (%d captured), want 1", sent, len(f.capture.Sent()))
	}
}

type slowSender struct {
	s     notify.Sender
	delay time.Duration
}

func (s slowSender) Send(ctx context.Context, m *notify.Message) (string, error) {
	time.Sleep(s.delay)
	return s.s.Send(ctx, m)
}
