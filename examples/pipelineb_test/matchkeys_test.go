package pipelineb_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/examples/internal/apptest"
)

// Matching beyond the variable symbol (MATCH_KEYS), end to end with the
// built matcher, batch and bridge.

const allKeys = "MATCH_KEYS=vs,ss,account,sum"

// customer seeds another customer with an e-mail and registered accounts
// ("buc/bank" or an IBAN).
func (w *world) customer(code string, accounts ...string) {
	w.t.Helper()
	w.af.AddAddress(abraflexi.Address{Code: code, Name: "Zákazník " + code, Email: strings.ToLower(code) + "@example.cz"})
	for _, a := range accounts {
		acc := abraflexi.CustomerBankAccount{Customer: abraflexi.RefTo(abraflexi.CodeID(code))}
		if buc, bank, ok := strings.Cut(a, "/"); ok {
			acc.Number, acc.BankCode = buc, abraflexi.RefTo(abraflexi.CodeID(bank))
		} else {
			acc.IBAN = a
		}
		w.af.AddCustomerBankAccount(acc)
	}
}

// owedBy makes an invoice the customer's, due on the 15th of month.
func owedBy(customer string, month int) func(*abraflexi.IssuedInvoice) {
	return func(i *abraflexi.IssuedInvoice) {
		i.Customer = abraflexi.RefTo(abraflexi.CodeID(customer))
		i.DueOn = abraflexi.NewDate(2026, 1, 15).AddDays(30 * (month - 1))
	}
}

func paidFrom(account string) func(*abraflexi.Movement) {
	return func(m *abraflexi.Movement) {
		if buc, bank, ok := strings.Cut(account, "/"); ok {
			m.Account, m.BankCode = buc, abraflexi.RefTo(abraflexi.CodeID(bank))
			return
		}
		m.IBAN = account
	}
}

func withSS(ss string) func(*abraflexi.Movement) {
	return func(m *abraflexi.Movement) { m.SpecificSymbol = ss }
}

// reportInvoices returns the codes of the report's "invoices".
func reportInvoices(r apptest.Result) []string {
	list, _ := r.Report["invoices"].([]any)
	var out []string
	for _, e := range list {
		m, _ := e.(map[string]any)
		s, _ := m["invoice"].(string)
		out = append(out, s)
	}
	return out
}

// subjects returns the subjects of the mails sent so far.
func (w *world) subjects() []string {
	w.t.Helper()
	var out []string
	for _, m := range w.mails() {
		p, err := m.Parse()
		if err != nil {
			w.t.Fatal(err)
		}
		out = append(out, p.Subject)
	}
	return out
}

// The specific symbol names the customer by its code without leading
// zeros. By default (vs, the PHP behaviour) such a payment without a
// variable symbol stays for the accountants.
func TestMatchKeysSpecificSymbol(t *testing.T) {
	w := newWorld(t)
	w.customer("01001")
	w.invoice("VF-A", "501", "500", owedBy("01001", 1))
	b := w.invoice("VF-B", "502", "300", owedBy("01001", 2))
	w.bank("B-SS", "", "300", withSS("1001"))

	r := w.run(appMatch, "DOCUMENTID=B-SS")
	check(t, r, 2, "no_varsym")
	if r.Report["matched_by"] != nil {
		t.Errorf("matched_by %v", r.Report["matched_by"])
	}
	r = w.run(appMatch, "DOCUMENTID=B-SS", "MATCH_KEYS=vs,ss")
	check(t, r, 0, "matched")
	if r.Report["matched_by"] != "ss" || r.Report["invoice"] != "VF-B" || r.Report["customer"] != "01001" {
		t.Errorf("report %s", r.Raw)
	}
	if got := w.inv(b); !got.Remaining.IsZero() {
		t.Errorf("VF-B %+v", got)
	}
	check(t, w.run(appMatch, "DOCUMENTID=B-SS", "MATCH_KEYS=vs,ss"), 0, "already_matched")
}

// The payer's account names the customer through its registered accounts
// (buc/smerKod, or IBAN either way round); an account registered to two
// customers is ambiguous_account (exit 2), labelled for the manual queue,
// and the bridge tells the payer (the movement's firma) the payment
// arrived, once.
func TestMatchKeysAccount(t *testing.T) {
	w := newWorld(t)
	w.customer("ACC1", "19-2000145399/0800", "123-456789/0100")
	w.customer("ACC2", "000123-0000456789/0100")
	one := w.invoice("VF-1", "601", "450", owedBy("ACC1", 1))
	w.invoice("VF-2", "602", "450", owedBy("ACC2", 1))
	w.bank("B-IBAN", "", "450", paidFrom("CZ65 0800 0000 1920 0014 5399"))
	shared := w.bank("B-SHARED", "", "450", paidFrom("123-456789/0100"))

	r := w.run(appMatch, "DOCUMENTID=B-IBAN", "MATCH_KEYS=vs,account")
	check(t, r, 0, "matched")
	if r.Report["matched_by"] != "account" || r.Report["invoice"] != "VF-1" {
		t.Errorf("report %s", r.Raw)
	}
	if got := w.inv(one); !got.Remaining.IsZero() {
		t.Errorf("VF-1 %+v", got)
	}

	for i := range 2 { // the second run is the redelivered event
		r = w.run(appBridge, "DOCUMENTID=B-SHARED", allKeys)
		check(t, r, 2, "ambiguous_account")
		cands, _ := r.Report["candidate_customers"].([]any)
		if r.Report["matched_by"] != "account" || len(cands) != 2 || cands[0] != "ACC1" || cands[1] != "ACC2" || r.Report["status"] != "warning" {
			t.Errorf("report %s", r.Raw)
		}
		if want := []string{"sent", "already_notified"}[i]; notification(r) != want {
			t.Errorf("run %d: notification %q, want %s", i+1, notification(r), want)
		}
	}
	if l := w.payment(abraflexi.EvidenceBank, shared).Labels; !l.Has("NEIDENTIFIKOVANO") {
		t.Errorf("labels %v", l)
	}
	if m := w.payment(abraflexi.EvidenceBank, shared); bool(m.Paired) {
		t.Error("an ambiguous account was paired")
	}
}

// A payment of the sum of several of the customer's oldest invoices pays
// them all in one pairing (matched_several) and the bridge confirms every
// one of them, exactly once: redelivered, or triggered twice at once.
func TestMatchKeysSumConfirmsEveryInvoice(t *testing.T) {
	w := newWorld(t)
	first := w.invoice("VF1-0001/2026", "701", "500", owedBy("CUST", 1))
	second := w.invoice("VF1-0002/2026", "702", "300", owedBy("CUST", 2))
	third := w.invoice("VF1-0003/2026", "703", "200", owedBy("CUST", 3))
	pay := w.bank("B-SUM", "701", "800")
	w.af.ResetRequests()

	rs := w.atOnce(w.proc(appBridge, "DOCUMENTID=B-SUM", allKeys), w.proc(appBridge, "DOCUMENTID=B-SUM", allKeys))
	if got := reasons(rs); got["matched_several"] != 1 || got["already_matched"] != 1 {
		t.Fatalf("two bridges at once: %v\n%s\n%s", got, rs[0].Raw, rs[1].Raw)
	}
	r := rs[0]
	if r.Report["reason"] != "matched_several" {
		r = rs[1]
	}
	if r.Code != 0 || r.Report["matched_by"] != "vs" || !slices.Equal(reportInvoices(r), []string{"VF1-0001/2026", "VF1-0002/2026"}) ||
		r.Report["invoice"] != "VF1-0001/2026" {
		t.Errorf("report %s", r.Raw)
	}
	if ns, _ := r.Report["notifications"].([]any); len(ns) != 2 {
		t.Errorf("notifications %v", r.Report["notifications"])
	}
	// One pairing write with both invoices, oldest first.
	var pairings []string
	for _, q := range w.af.Requests() {
		if q.Method == http.MethodPost && q.Evidence == abraflexi.EvidenceBank && strings.Contains(string(q.Body), "sparovani") {
			pairings = append(pairings, string(q.Body))
		}
	}
	if len(pairings) != 1 || strings.Index(pairings[0], "VF1-0001") > strings.Index(pairings[0], "VF1-0002") {
		t.Errorf("pairings %q", pairings)
	}
	for _, id := range []abraflexi.ID{first, second} {
		if got := w.inv(id); !got.Remaining.IsZero() || got.PaymentState != abraflexi.PaymentStatePaid {
			t.Errorf("invoice %s %s %s", got.Code, got.Remaining, got.PaymentState)
		}
	}
	if got := w.inv(third); !got.Remaining.Equal(d("200")) {
		t.Errorf("the third invoice was touched: %+v", got)
	}
	if m := w.payment(abraflexi.EvidenceBank, pay); !bool(m.Paired) {
		t.Errorf("payment %+v", m)
	}

	// Redelivered: already matched, both confirmations already sent.
	r = w.run(appBridge, "DOCUMENTID=B-SUM", allKeys)
	check(t, r, 0, "already_matched")
	ns, _ := r.Report["notifications"].([]any)
	for _, n := range ns {
		if n.(map[string]any)["reason"] != "already_confirmed" {
			t.Errorf("redelivered: %v", n)
		}
	}
	if len(ns) != 2 || r.Report["status"] != "success" {
		t.Errorf("redelivered %s", r.Raw)
	}
	got := w.subjects()
	slices.Sort(got)
	want := []string{"Potvrzení přijetí úhrady faktury VF1-0001/2026", "Potvrzení přijetí úhrady faktury VF1-0002/2026"}
	if !slices.Equal(got, want) {
		t.Errorf("mails %q, want %q", got, want)
	}
	for _, id := range []abraflexi.ID{first, second} {
		if l, _ := w.af.Labels(abraflexi.EvidenceIssuedInvoice, id); !l.Has("POTVRZENO") {
			t.Errorf("labels %v", l)
		}
	}
}

// A confirmation of a payment of several invoices that could not be sent
// (mail server down) goes out on the redelivered event, and only the
// missing ones.
func TestMatchKeysSumMailServerDown(t *testing.T) {
	w := newWorld(t)
	w.customer("06006")
	w.invoice("VF-1", "801", "100", owedBy("06006", 1))
	w.invoice("VF-2", "802", "100", owedBy("06006", 2))
	w.bank("B-SUM", "", "200", withSS("6006"))
	r := w.run(appBridge, "DOCUMENTID=B-SUM", "MATCH_KEYS=ss,sum", "SMTP_PORT=1", "SMTP_TIMEOUT=2s")
	check(t, r, 0, "matched_several")
	if r.Report["matched_by"] != "ss" || r.Report["status"] != "warning" || notification(r) != "send_failed" {
		t.Fatalf("report %s", r.Raw)
	}
	r = w.run(appBridge, "DOCUMENTID=B-SUM", "MATCH_KEYS=ss,sum")
	check(t, r, 0, "already_matched")
	if got := w.subjects(); len(got) != 2 {
		t.Errorf("mails %q", got)
	}
	r = w.run(appBridge, "DOCUMENTID=B-SUM", "MATCH_KEYS=ss,sum")
	if got := w.subjects(); len(got) != 2 || r.Report["status"] != "success" {
		t.Errorf("third run: mails %q, report %s", got, r.Raw)
	}
}

// Keys are tried in the order given and the first that finds candidates
// decides, even against a later key that would have matched.
func TestMatchKeysOrder(t *testing.T) {
	w := newWorld(t)
	w.customer("2002")
	byVS := w.invoice("VF-VS", "901", "400")
	bySS := w.invoice("VF-SS", "902", "400", owedBy("2002", 1))
	w.bank("B-1", "901", "400", withSS("2002"))
	w.bank("B-2", "901", "400", withSS("2002"))

	r := w.run(appMatch, "DOCUMENTID=B-1", "MATCH_KEYS=vs,ss")
	check(t, r, 0, "matched")
	if r.Report["matched_by"] != "vs" || r.Report["invoice"] != "VF-VS" {
		t.Errorf("vs first: %s", r.Raw)
	}
	// Another open invoice with the variable symbol: with ss first, B-2
	// pays the customer's invoice all the same.
	byVS2 := w.invoice("VF-VS2", "901", "400")
	r = w.run(appMatch, "DOCUMENTID=B-2", "MATCH_KEYS=ss,vs")
	check(t, r, 0, "matched")
	if r.Report["matched_by"] != "ss" || r.Report["invoice"] != "VF-SS" {
		t.Errorf("ss first: %s", r.Raw)
	}
	if !w.inv(byVS).Remaining.IsZero() || !w.inv(bySS).Remaining.IsZero() || w.inv(byVS2).Remaining.IsZero() {
		t.Errorf("VF-VS %+v, VF-SS %+v, VF-VS2 %+v", w.inv(byVS), w.inv(bySS), w.inv(byVS2))
	}
}

// The batch with every key: each payment's report entry says which key
// matched it, the sums list every invoice, and an account of two
// customers is left for the accountants.
func TestMatchKeysBatch(t *testing.T) {
	w := newWorld(t)
	w.customer("03003", "3003/0800")
	w.customer("04004", "4004/0800", "9999/0300")
	w.customer("05005", "9999/0300")
	w.invoice("VF-V", "1001", "100", owedBy("CUST", 1))
	w.invoice("VF-S", "1002", "110", owedBy("03003", 1))
	w.invoice("VF-A", "1003", "120", owedBy("04004", 1))
	w.invoice("VF-M1", "1004", "130", owedBy("CUST", 2))
	w.invoice("VF-M2", "1005", "140", owedBy("CUST", 3))
	w.bank("B-V", "1001", "100")
	w.bank("B-S", "", "110", withSS("3003"))
	w.bank("B-A", "", "120", paidFrom("4004/0800"))
	w.bank("B-M", "1004", "270")
	w.bank("B-X", "", "50", paidFrom("9999/0300"))

	r := w.run(appBatch, "MATCH_SINCE=all", allKeys)
	if r.Code != 0 || r.Report["status"] != "warning" {
		t.Fatalf("exit %d %s", r.Code, r.Raw)
	}
	metrics := r.Report["metrics"].(map[string]any)
	if metrics["paired"] != 4.0 || metrics["matched_several"] != 1.0 || metrics["ambiguous_account"] != 1.0 ||
		metrics["matched_by_vs"] != 2.0 || metrics["matched_by_ss"] != 1.0 || metrics["matched_by_account"] != 1.0 {
		t.Errorf("metrics %v", metrics)
	}
	got := map[string]string{}
	for _, e := range r.Report["matched"].([]any) {
		m := e.(map[string]any)
		var invs []string
		for _, i := range m["invoices"].([]any) {
			invs = append(invs, i.(map[string]any)["invoice"].(string))
		}
		got[m["document"].(string)] = m["reason"].(string) + "/" + m["matched_by"].(string) + "/" + strings.Join(invs, "+")
	}
	want := map[string]string{"B-V": "matched/vs/VF-V", "B-S": "matched/ss/VF-S", "B-A": "matched/account/VF-A", "B-M": "matched_several/vs/VF-M1+VF-M2"}
	for doc, w := range want {
		if got[doc] != w {
			t.Errorf("%s: %q, want %q", doc, got[doc], w)
		}
	}
	un := r.Report["unmatched"].([]any)
	if len(un) != 1 || un[0].(map[string]any)["reason"] != "ambiguous_account" || un[0].(map[string]any)["matched_by"] != "account" {
		t.Errorf("unmatched %v", un)
	}
}

// A bad MATCH_KEYS stops the run before any request, naming the value.
func TestMatchKeysBadValue(t *testing.T) {
	w := newWorld(t)
	w.bank("B-1", "1", "100")
	w.af.ResetRequests()
	for _, app := range []string{appMatch, appBatch, appBridge} {
		r := w.run(app, "DOCUMENTID=B-1", "MATCH_KEYS=vs,iban")
		if r.Code != 1 || !strings.Contains(r.Stderr+string(r.Raw), `MATCH_KEYS="vs,iban"`) {
			t.Errorf("%s: exit %d\n%s\n%s", app, r.Code, r.Raw, r.Stderr)
		}
	}
	if n := len(w.af.Requests()); n != 0 {
		t.Errorf("%d requests", n)
	}
}
