package pipelineb_test

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/abraflexi/abraflexitest"
	"github.com/spoje-net/isptools/examples/internal/apptest"
	"github.com/spoje-net/isptools/notify/notifytest"
)

const (
	appMatch   = "isp-match-received-payment"
	appBatch   = "isp-match-payments-batch"
	appConfirm = "isp-potvrzeni-prijeti-uhrady"
	appNotice  = "isp-potvrzeni-prijeti-bankovni-platby"
	appBridge  = "isp-match-and-notify"
)

func TestMain(m *testing.M) { apptest.Main(m) }

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

var eur = abraflexi.RefTo(abraflexi.CodeID("EUR"))

// world is an in-memory AbraFlexi with one customer (CUST,
// zakaznik@example.cz), an SMTP server and the Pipeline B binaries.
type world struct {
	t    *testing.T
	bin  string
	af   *abraflexitest.Server
	smtp *notifytest.Server
	env  []string
}

func newWorld(t *testing.T, smtpOpts ...notifytest.Option) *world {
	t.Helper()
	m := "github.com/spoje-net/isptools/examples/"
	bin := apptest.Build(t, m+appMatch, m+appBatch, m+appConfirm, m+appNotice, m+appBridge)
	nw := apptest.NewNotifyWorld(t, "", smtpOpts...)
	nw.AF.SetToday(abraflexi.NewDate(2026, 2, 1))
	nw.AF.AddAddress(abraflexi.Address{Code: "CUST", Name: "Zákazník s.r.o.", Email: "zakaznik@example.cz"})
	return &world{t: t, bin: bin, af: nw.AF, smtp: nw.SMTP, env: nw.Env}
}

func (w *world) proc(app string, kv ...string) apptest.Process {
	return apptest.Process{Bin: filepath.Join(w.bin, app), Env: append(append([]string(nil), w.env...), kv...)}
}

// run runs app once with the world's environment and kv.
func (w *world) run(app string, kv ...string) apptest.Result {
	w.t.Helper()
	p := w.proc(app, kv...)
	r := apptest.Run(w.t, p.Bin, p.Env)
	r.ValidateReport(w.t, apptest.ReportSchema(w.t))
	return r
}

// atOnce runs the processes at the same time. The in-memory AbraFlexi
// answers slowly meanwhile, so the runs surely overlap.
func (w *world) atOnce(procs ...apptest.Process) []apptest.Result {
	w.t.Helper()
	w.af.SetLatency(20 * time.Millisecond)
	defer w.af.SetLatency(0)
	rs := apptest.RunAtOnce(w.t, procs...)
	for _, r := range rs {
		r.ValidateReport(w.t, apptest.ReportSchema(w.t))
	}
	return rs
}

func (w *world) invoice(code, vs, total string, mod ...func(*abraflexi.IssuedInvoice)) abraflexi.ID {
	inv := abraflexi.IssuedInvoice{Code: code, VariableSymbol: vs, Total: d(total), IssuedOn: abraflexi.NewDate(2026, 1, 5),
		Customer: abraflexi.RefTo(abraflexi.CodeID("CUST"))}
	for _, f := range mod {
		f(&inv)
	}
	return w.af.AddInvoice(inv)
}

func (w *world) bank(code, vs, amount string, mod ...func(*abraflexi.Movement)) abraflexi.ID {
	m := abraflexi.Movement{Code: code, VariableSymbol: vs, Total: d(amount), Direction: abraflexi.DirectionIncoming,
		IssuedOn: abraflexi.NewDate(2026, 1, 20), Payer: abraflexi.RefTo(abraflexi.CodeID("CUST"))}
	for _, f := range mod {
		f(&m)
	}
	return w.af.AddBankMovement(abraflexi.BankMovement{Movement: m})
}

func (w *world) cash(code, vs, amount string, date abraflexi.Date) abraflexi.ID {
	return w.af.AddCashMovement(abraflexi.CashMovement{Movement: abraflexi.Movement{Code: code, VariableSymbol: vs, Total: d(amount),
		Direction: abraflexi.DirectionIncoming, IssuedOn: date, Payer: abraflexi.RefTo(abraflexi.CodeID("CUST"))}})
}

func (w *world) inv(id abraflexi.ID) abraflexi.IssuedInvoice {
	w.t.Helper()
	inv, ok := w.af.Invoice(id)
	if !ok {
		w.t.Fatalf("invoice %s missing", id)
	}
	return inv
}

func (w *world) payment(ev string, id abraflexi.ID) abraflexi.Movement {
	w.t.Helper()
	m, ok := w.af.Movement(ev, id)
	if !ok {
		w.t.Fatalf("%s %s missing", ev, id)
	}
	return m
}

// mails returns the messages the SMTP server got so far (after a short
// wait for late deliveries).
func (w *world) mails() []notifytest.Received {
	time.Sleep(50 * time.Millisecond)
	return w.smtp.Messages()
}

func (w *world) writes() int {
	return w.af.RequestCount(http.MethodPost, "") + w.af.RequestCount(http.MethodPut, "")
}

// check fails unless r exited with code and reason.
func check(t *testing.T, r apptest.Result, code int, reason string) {
	t.Helper()
	if r.Code != code || r.Report["reason"] != reason {
		t.Fatalf("exit %d reason %v, want %d %s\nreport %s\nlog:\n%s", r.Code, r.Report["reason"], code, reason, r.Raw, r.Stderr)
	}
}

// notification returns the reason of the bridge's notification, "" when
// none.
func notification(r apptest.Result) string {
	n, _ := r.Report["notification"].(map[string]any)
	s, _ := n["reason"].(string)
	return s
}

func reasons(rs []apptest.Result) map[string]int {
	out := map[string]int{}
	for _, r := range rs {
		s, _ := r.Report["reason"].(string)
		out[s]++
	}
	return out
}

// Case 1: a 100 EUR payment pays a 100 EUR invoice exactly and the
// confirmation says 100,00 EUR; a euro payment of a crown invoice goes to
// the manual queue labelled, and its payer is told the euros received.
func TestForeignCurrency(t *testing.T) {
	w := newWorld(t)
	inv := w.invoice("VF-EUR", "100", "2500", func(i *abraflexi.IssuedInvoice) { i.Currency, i.TotalInCurrency = eur, d("100") })
	w.bank("B-EUR", "100", "2450", func(m *abraflexi.Movement) { m.Currency, m.TotalInCurrency = eur, d("100") })

	for range 2 { // the second run is the redelivered event
		r := w.run(appMatch, "DOCUMENTID=B-EUR")
		if r.Report["reason"] == "matched" {
			if r.Code != 0 || r.Report["currency"] != "EUR" || r.Report["amount"] != 100.0 || r.Report["remainder"] != "ne" {
				t.Fatalf("report %s", r.Raw)
			}
			continue
		}
		check(t, r, 0, "already_matched")
	}
	if got := w.inv(inv); got.PaymentState != abraflexi.PaymentStatePaid || !got.RemainingInCurrency.IsZero() {
		t.Fatalf("EUR invoice %+v", got)
	}
	check(t, w.run(appConfirm, "DOCID=VF-EUR"), 0, "sent")
	check(t, w.run(appConfirm, "DOCID=VF-EUR"), 0, "already_confirmed")
	mails := w.mails()
	if len(mails) != 1 {
		t.Fatalf("%d mails", len(mails))
	}
	p, err := mails[0].Parse()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(p.Text, "100,00 EUR") || strings.Contains(p.Text, "2 500,00") || strings.Contains(p.Text, "2 450,00") {
		t.Errorf("confirmation of a 100 EUR invoice:\n%s", p.Text)
	}

	// A euro payment of a crown invoice: exit 2 with the unidentified
	// label, and the payer learns the euros arrived, once.
	w.invoice("VF-CZK", "200", "2500")
	pay := w.bank("B-EUR2", "200", "2450", func(m *abraflexi.Movement) { m.Currency, m.TotalInCurrency = eur, d("100") })
	for i := range 2 {
		r := w.run(appBridge, "DOCUMENTID=B-EUR2")
		check(t, r, 2, "currency_mismatch")
		if want := []string{"sent", "already_notified"}[i]; notification(r) != want {
			t.Errorf("run %d: notification %q, want %s", i+1, notification(r), want)
		}
	}
	if l := w.payment(abraflexi.EvidenceBank, pay).Labels; !l.Has("NEIDENTIFIKOVANO") || !l.Has("OZNAMENO") {
		t.Errorf("labels of the mismatched payment: %v", l)
	}
	mails = w.mails()
	if len(mails) != 2 {
		t.Fatalf("%d mails", len(mails))
	}
	if p, err := mails[1].Parse(); err != nil || p.Subject != "Přijali jsme vaši platbu B-EUR2 (100,00 EUR)" {
		t.Errorf("notice: %+v %v", p, err)
	}
}

// Case 2: a payment is consumed once. The excess of an overpayment stays
// on the payment, unpaired: redelivered events and later batches pair
// only that excess, never the full amount again; two runs at once pair it
// once.
func TestPaymentConsumedOnce(t *testing.T) {
	w := newWorld(t)
	first := w.invoice("VF1-0001/2026", "300", "1000")
	pay := w.bank("B1", "300", "1500")
	r := w.run(appBridge, "DOCUMENTID=B1")
	check(t, r, 0, "matched_overpayment")
	if notification(r) != "sent" {
		t.Fatalf("notification %q", notification(r))
	}
	check(t, w.run(appBridge, "DOCUMENTID=B1"), 0, "already_matched")

	// Next month's invoice of the same variable symbol gets only the 500
	// left, as a partial payment (confirmed as such).
	second := w.invoice("VF1-0002/2026", "300", "1000")
	r = w.run(appBridge, "DOCUMENTID=B1")
	check(t, r, 0, "matched_partial")
	if r.Report["amount"] != 500.0 || r.Report["allocated"] != 1000.0 || notification(r) != "sent" {
		t.Errorf("report %s", r.Raw)
	}
	check(t, w.run(appBridge, "DOCUMENTID=B1"), 0, "already_matched")
	if got := w.inv(second); !got.Remaining.Equal(d("500")) || got.PaymentState != abraflexi.PaymentStatePartial {
		t.Errorf("second invoice %+v", got)
	}
	if got := w.inv(first); !got.Remaining.IsZero() {
		t.Errorf("first invoice %+v", got)
	}
	if m := w.payment(abraflexi.EvidenceBank, pay); len(m.Links) != 0 && !bool(m.Paired) {
		t.Errorf("payment %+v", m)
	}
	if n := len(w.mails()); n != 2 {
		t.Errorf("%d mails, want the full and the partial confirmation", n)
	}

	// The batch over the same period: the excess pays the next invoice
	// once, then the payment is used up.
	w.invoice("VF3", "400", "1000")
	w.bank("B3", "400", "1500")
	if r := w.run(appBatch, "MATCH_SINCE=all"); r.Code != 0 {
		t.Fatalf("batch: exit %d %s", r.Code, r.Raw)
	}
	fourth := w.invoice("VF4", "400", "1000")
	w.run(appBatch, "MATCH_SINCE=all")
	w.run(appBatch, "MATCH_SINCE=all")
	if got := w.inv(fourth); !got.Remaining.Equal(d("500")) {
		t.Errorf("the batch paid the next invoice %s instead of the 500 left: %+v", d("1000").Sub(got.Remaining), got)
	}

	// Two runs at once on one overpayment: one pairs, the other finds it
	// matched; the invoice is paid once.
	sixth := w.invoice("VF6", "600", "1000")
	w.bank("B6", "600", "1500")
	rs := w.atOnce(w.proc(appMatch, "DOCUMENTID=B6"), w.proc(appMatch, "DOCUMENTID=B6"))
	if got := reasons(rs); got["matched_overpayment"] != 1 || got["already_matched"] != 1 || rs[0].Code != 0 || rs[1].Code != 0 {
		t.Errorf("overlapping runs: %v", got)
	}
	if got := w.inv(sixth); !got.Remaining.IsZero() || got.PaymentState != abraflexi.PaymentStatePaid {
		t.Errorf("invoice %+v", got)
	}
}

// Case 2: an invoice covered by a deducted advance (zbyvaUhradit 0,
// stavUhrK empty) is not due: the payment waits for manual matching
// instead of a failed pairing (exit 1).
func TestAdvanceCoveredInvoice(t *testing.T) {
	w := newWorld(t)
	w.af.Put(abraflexi.EvidenceIssuedInvoice, map[string]any{"kod": "VF-ZAL", "varSym": "900", "sumCelkem": "1210",
		"sumZalohy": "1210", "zbyvaUhradit": "0", "firma": "code:CUST"})
	w.bank("B-ZAL", "900", "1210")
	check(t, w.run(appMatch, "DOCUMENTID=B-ZAL"), 2, "unknown_varsym")
}

// Case 2: when a pairing of a batch fails, the later payments of that
// variable symbol are decided against the real state: the bank payment
// pays the still open invoice instead of getting CHYBIFAKTURA.
func TestBatchReplansAfterFailedPairing(t *testing.T) {
	w := newWorld(t)
	inv := w.invoice("VF5", "500", "100")
	w.cash("P5", "500", "100", abraflexi.NewDate(2026, 1, 10))
	pay := w.bank("B5", "500", "60")
	w.af.FailNext(1, http.StatusBadRequest, abraflexitest.Matcher{Method: http.MethodPost, Evidence: abraflexi.EvidenceCash})
	r := w.run(appBatch, "MATCH_SINCE=all")
	if r.Code != 1 || r.Report["metrics"].(map[string]any)["matched_partial"] != 1.0 {
		t.Fatalf("exit %d report %s", r.Code, r.Raw)
	}
	if l := w.payment(abraflexi.EvidenceBank, pay).Labels; l.Has("CHYBIFAKTURA") {
		t.Errorf("labels %v", l)
	}
	if got := w.inv(inv); !got.Remaining.Equal(d("40")) {
		t.Errorf("invoice %+v", got)
	}
}

// Case 3: record ids are per evidence. A numeric DOCUMENTID that names a
// bank and a cash movement is refused (exit 1) under auto; the event's
// evidence (EVENT_EVIDENCE) says which one is meant.
func TestRightDocument(t *testing.T) {
	w := newWorld(t)
	w.invoice("VF7", "700", "100")
	w.invoice("VF8", "701", "100")
	bank := w.bank("B7", "700", "100")
	cash := w.cash("P7", "701", "100", abraflexi.NewDate(2026, 1, 20))
	if bank != cash {
		t.Fatalf("ids %s %s differ", bank, cash)
	}
	id := "DOCUMENTID=" + bank.String()
	w.af.ResetRequests()
	r := w.run(appMatch, id)
	check(t, r, 1, "ambiguous_document")
	if msg, _ := r.Report["message"].(string); !strings.Contains(msg, "banka B7") || !strings.Contains(msg, "pokladni-pohyb P7") {
		t.Errorf("message %q", msg)
	}
	if n := w.writes(); n != 0 {
		t.Errorf("%d writes", n)
	}
	check(t, w.run(appMatch, id, "PAYMENT_EVIDENCE=banka", "EVENT_EVIDENCE=pokladni-pohyb"), 1, "error")
	check(t, w.run(appMatch, id, "EVENT_EVIDENCE=faktura-vydana"), 1, "error")
	r = w.run(appMatch, id, "EVENT_EVIDENCE=pokladni-pohyb")
	check(t, r, 0, "matched")
	if r.Report["invoice"] != "VF8" || r.Report["evidence"] != abraflexi.EvidenceCash {
		t.Errorf("report %s", r.Raw)
	}
	r = w.run(appBridge, id, "EVENT_EVIDENCE=banka")
	check(t, r, 0, "matched")
	if r.Report["invoice"] != "VF7" {
		t.Errorf("report %s", r.Raw)
	}

	// The notice app resolves DOCID the same way.
	nb := w.bank("B9", "999", "50")
	nc := w.cash("P9", "998", "50", abraflexi.NewDate(2026, 1, 20))
	if nb != nc {
		t.Fatalf("ids %s %s differ", nb, nc)
	}
	check(t, w.run(appNotice, "DOCID="+nb.String()), 1, "ambiguous_document")
	r = w.run(appNotice, "DOCID="+nb.String(), "EVENT_EVIDENCE=pokladni-pohyb")
	check(t, r, 0, "sent")
	if r.Report["document"] != "P9" {
		t.Errorf("report %s", r.Raw)
	}
}

// Case 4: every message exactly once — redelivered events, overlapping
// triggers, a failed mail server and a pairing made by another run.
func TestMessagesOnce(t *testing.T) {
	t.Run("notice redelivered and overlapping", func(t *testing.T) {
		w := newWorld(t)
		pay := w.bank("B1", "999", "75")
		rs := w.atOnce(w.proc(appNotice, "DOCID=B1"), w.proc(appNotice, "DOCID=B1"), w.proc(appNotice, "DOCID=B1"))
		if got := reasons(rs); got["sent"] != 1 || got["already_notified"] != 2 {
			t.Errorf("overlapping notices: %v", got)
		}
		check(t, w.run(appNotice, "DOCID=B1"), 0, "already_notified")
		if n := len(w.mails()); n != 1 {
			t.Errorf("%d notices", n)
		}
		if l := w.payment(abraflexi.EvidenceBank, pay).Labels; !l.Has("OZNAMENO") {
			t.Errorf("labels %v", l)
		}
	})
	t.Run("confirmation triggered twice at once", func(t *testing.T) {
		w := newWorld(t)
		w.invoice("VF1", "100", "1000")
		w.bank("B1", "100", "1000")
		// The pairing updates the payment (rule 4: the bridge) and the
		// invoice (rule 6: the confirmation app), so both run at once.
		rs := w.atOnce(w.proc(appBridge, "DOCUMENTID=B1"), w.proc(appConfirm, "DOCID=VF1"), w.proc(appConfirm, "DOCID=VF1"))
		if n := len(w.mails()); n != 1 {
			t.Errorf("%d confirmations for one payment", n)
		}
		check(t, rs[0], 0, "matched")
		check(t, w.run(appConfirm, "DOCID=VF1"), 0, "already_confirmed")
		check(t, w.run(appBridge, "DOCUMENTID=B1"), 0, "already_matched")
		if n := len(w.mails()); n != 1 {
			t.Errorf("%d confirmations after the redeliveries", n)
		}
	})
	t.Run("three confirmation triggers at once", func(t *testing.T) {
		w := newWorld(t)
		w.invoice("VF1", "100", "1000", func(i *abraflexi.IssuedInvoice) { i.PaymentState = abraflexi.PaymentStatePaid })
		rs := w.atOnce(w.proc(appConfirm, "DOCID=VF1"), w.proc(appConfirm, "DOCID=VF1"), w.proc(appConfirm, "DOCID=VF1"))
		if got := reasons(rs); got["sent"] != 1 || got["already_confirmed"] != 2 {
			t.Errorf("overlapping confirmations: %v", got)
		}
		if n := len(w.mails()); n != 1 {
			t.Errorf("%d confirmations", n)
		}
	})
	t.Run("mail server down, then redelivered", func(t *testing.T) {
		w := newWorld(t)
		inv := w.invoice("VF1", "100", "1000")
		w.bank("B1", "100", "1000")
		r := w.run(appBridge, "DOCUMENTID=B1", "SMTP_PORT=1", "SMTP_TIMEOUT=2s")
		check(t, r, 0, "matched")
		if notification(r) != "send_failed" {
			t.Fatalf("notification %q", notification(r))
		}
		if l, _ := w.af.Labels(abraflexi.EvidenceIssuedInvoice, inv); l.Has("POTVRZENO") {
			t.Fatalf("the claim stayed after the failed send: %v", l)
		}
		// Every retry says already matched: it must still confirm, once.
		r = w.run(appBridge, "DOCUMENTID=B1")
		check(t, r, 0, "already_matched")
		if notification(r) != "sent" {
			t.Errorf("notification %q", notification(r))
		}
		r = w.run(appBridge, "DOCUMENTID=B1")
		if notification(r) != "already_confirmed" || r.Report["status"] != "success" {
			t.Errorf("third run %s", r.Raw)
		}
		if n := len(w.mails()); n != 1 {
			t.Errorf("%d confirmations", n)
		}
	})
	t.Run("paired by another run", func(t *testing.T) {
		w := newWorld(t)
		w.invoice("VF1", "100", "1000")
		w.bank("B1", "100", "1000")
		check(t, w.run(appMatch, "DOCUMENTID=B1"), 0, "matched")
		r := w.run(appBridge, "DOCUMENTID=B1")
		check(t, r, 0, "already_matched")
		if notification(r) != "sent" || r.Report["invoice"] != "VF1" {
			t.Errorf("report %s", r.Raw)
		}
	})
	t.Run("labels created on first use", func(t *testing.T) {
		w := newWorld(t)
		inv := w.invoice("VF1", "100", "1000", func(i *abraflexi.IssuedInvoice) { i.PaymentState = abraflexi.PaymentStatePaid })
		r := w.run(appConfirm, "DOCID=VF1", "LABEL_CONFIRMED=HOTOVO")
		check(t, r, 0, "sent")
		if len(r.LogLines("INFO", "created label", "HOTOVO")) != 1 {
			t.Errorf("creation not logged:\n%s", r.Stderr)
		}
		if def, ok := w.af.Record(abraflexi.EvidenceLabel, abraflexi.CodeID("HOTOVO")); !ok || def["vsbFav"] != "true" {
			t.Errorf("label definition %v", def)
		}
		if l, _ := w.af.Labels(abraflexi.EvidenceIssuedInvoice, inv); !l.Has("HOTOVO") {
			t.Errorf("labels %v", l)
		}
		r = w.run(appConfirm, "DOCID=VF1", "LABEL_CONFIRMED=HOTOVO")
		check(t, r, 0, "already_confirmed")
		if len(r.LogLines("created label")) != 0 {
			t.Error("created twice")
		}

		// Without the right to create labels: label_missing, nothing sent.
		w.invoice("VF2", "200", "1000", func(i *abraflexi.IssuedInvoice) { i.PaymentState = abraflexi.PaymentStatePaid })
		w.af.FailNext(1, http.StatusForbidden, abraflexitest.Matcher{Method: http.MethodPost, Evidence: abraflexi.EvidenceLabel})
		r = w.run(appConfirm, "DOCID=VF2", "LABEL_CONFIRMED=ZAKAZANO")
		check(t, r, 1, "label_missing")
		if msg := r.Stderr; !strings.Contains(msg, "ZAKAZANO") || !strings.Contains(msg, "faktura-vydana") {
			t.Errorf("log does not name the label and the evidence:\n%s", msg)
		}
		if n := len(w.mails()); n != 1 {
			t.Errorf("%d mails", n)
		}
	})
}

// Case 5: a quoted display name with a comma is one address.
func TestQuotedDisplayName(t *testing.T) {
	w := newWorld(t)
	w.invoice("VF1", "100", "1000", func(i *abraflexi.IssuedInvoice) {
		i.PaymentState, i.ContactEmail = abraflexi.PaymentStatePaid, `"Novák, Jan" <jan@example.cz>; eva@example.cz`
	})
	r := w.run(appConfirm, "DOCID=VF1")
	check(t, r, 0, "sent")
	if r.Report["recipient"] != "jan@example.cz, eva@example.cz" {
		t.Errorf("recipient %v", r.Report["recipient"])
	}
}
