package payments_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/abraflexi/abraflexitest"
	"github.com/spoje-net/isptools/payments"
)

// keyWorld is a company with customers that owe invoices and have
// registered bank accounts.
type keyWorld struct {
	*world
}

func newKeyWorld(t testing.TB) keyWorld { return keyWorld{newWorld(t)} }

// customer seeds an address-book record with registered accounts given as
// "buc/bank" or an IBAN.
func (w keyWorld) customer(code string, accounts ...string) {
	w.srv.AddAddress(abraflexi.Address{Code: code, Name: "Zákazník " + code})
	for _, a := range accounts {
		acc := abraflexi.CustomerBankAccount{Customer: abraflexi.RefTo(abraflexi.CodeID(code))}
		if buc, bank, ok := strings.Cut(a, "/"); ok {
			acc.Number, acc.BankCode = buc, abraflexi.RefTo(abraflexi.CodeID(bank))
		} else {
			acc.IBAN = a
		}
		w.srv.AddCustomerBankAccount(acc)
	}
}

// owes seeds an open invoice of customer, issued on the 1st and due on the
// 15th of month in 2026.
func (w keyWorld) owes(customer, code, vs, total string, month int, mod ...func(*abraflexi.IssuedInvoice)) abraflexi.ID {
	inv := abraflexi.IssuedInvoice{Code: code, VariableSymbol: vs, Total: d(total), Customer: abraflexi.RefTo(abraflexi.CodeID(customer)),
		IssuedOn: abraflexi.NewDate(2026, time.Month(month), 1), DueOn: abraflexi.NewDate(2026, time.Month(month), 15),
		DocumentType: abraflexi.RefTo(abraflexi.CodeID("FAKTURA"))}
	for _, f := range mod {
		f(&inv)
	}
	return w.srv.AddInvoice(inv)
}

// from sets the payer's account of a bank movement: "buc/bank" or an IBAN.
func from(account string) func(*abraflexi.Movement) {
	return func(m *abraflexi.Movement) {
		if buc, bank, ok := strings.Cut(account, "/"); ok {
			m.Account, m.BankCode = buc, abraflexi.RefTo(abraflexi.CodeID(bank))
			return
		}
		m.IBAN = account
	}
}

func specSym(ss string) func(*abraflexi.Movement) {
	return func(m *abraflexi.Movement) { m.SpecificSymbol = ss }
}

func withKeys(keys string) func(*payments.Config) {
	return func(c *payments.Config) {
		k, err := payments.ParseMatchKeys(keys)
		if err != nil {
			panic(err)
		}
		c.Keys = k
	}
}

func paidCodes(res payments.Result) string {
	var out []string
	for _, inv := range res.Invoices {
		out = append(out, inv.Invoice+":"+inv.Amount.StringFixed(2))
	}
	return strings.Join(out, ",")
}

// TestMatchOneKeysAgainstTheServer: each key path of one payment through
// the client ledger against abraflexitest, with the documents as AbraFlexi
// stores them (a zero-padded customer code, an account registered as buc
// and paid from as IBAN, a foreign payer's IBAN, an account of two
// customers, several invoices in one pairing).
func TestMatchOneKeysAgainstTheServer(t *testing.T) {
	w := newKeyWorld(t)
	w.customer("01001", "19-2000145399/0800")
	w.customer("A-ONE", "DE89 3704 0044 0532 0130 00", "123-456789/0100")
	w.customer("B-TWO", "000123-0000456789/0100")
	fv1 := w.owes("01001", "FV-1", "11", "500", 1)
	fv2 := w.owes("01001", "FV-2", "12", "300", 2)
	w.owes("01001", "FV-3", "13", "200", 3)
	w.owes("A-ONE", "FV-4", "21", "400", 2)

	w.bank("B-SS", "", "300", specSym("1001"))
	w.bank("B-IBAN", "", "400", from("DE89370400440532013000"))
	w.bank("B-SHARED", "", "400", from("123-456789/0100"))
	w.bank("B-NONE", "", "800", specSym("1001"))
	w.bank("B-SUM", "11", "700")

	// The default keys (vs) leave a payment without a variable symbol to
	// the accountants, as the PHP tool did.
	res, err := w.matcher(nil).MatchOne(ctx, "B-SS")
	if err != nil || res.Reason != payments.NoVarSym || res.MatchedBy != "" {
		t.Fatalf("default keys: %+v %v", res, err)
	}
	all := withKeys("vs,ss,account,sum")
	for _, tc := range []struct {
		doc, reason, by, invoices, customer string
		exit                                int
	}{
		{"B-SS", "matched", "ss", "FV-2:300.00", "01001", 0},
		{"B-IBAN", "matched", "account", "FV-4:400.00", "A-ONE", 0},
		{"B-SHARED", "ambiguous_account", "account", "", "", 2},
		{"B-NONE", "ambiguous", "ss", "", "01001", 2}, // 500 + 200 left, no sum of 800
		{"B-SUM", "matched_several", "vs", "FV-1:500.00,FV-3:200.00", "01001", 0},
	} {
		w.srv.ResetRequests()
		res, err := w.matcher(all).MatchOne(ctx, tc.doc)
		if (err != nil) != (tc.exit == 1) || string(res.Reason) != tc.reason || string(res.MatchedBy) != tc.by ||
			paidCodes(res) != tc.invoices || res.Customer != tc.customer || res.ExitCode != tc.exit {
			t.Errorf("%s: %s by %q paid %q customer %q exit %d (%v); want %s by %s paid %q customer %q exit %d\n%s",
				tc.doc, res.Reason, res.MatchedBy, paidCodes(res), res.Customer, res.ExitCode, err, tc.reason, tc.by, tc.invoices, tc.customer, tc.exit, res.Message)
		}
		if tc.doc == "B-SHARED" {
			if !slices.Equal(res.Customers, []string{"A-ONE", "B-TWO"}) || !slices.Contains(res.Labels, "NEIDENTIFIKOVANO") {
				t.Errorf("ambiguous account: customers %v labels %v", res.Customers, res.Labels)
			}
			if w.posts() != 1 { // the label only
				t.Errorf("ambiguous account: %d writes", w.posts())
			}
		}
		if tc.doc == "B-SUM" {
			// One write: one pairing with two uhrazovanaFak, in order.
			var pairs []string
			for _, r := range w.srv.Requests() {
				if r.Method == http.MethodPost && r.Evidence == abraflexi.EvidenceBank {
					pairs = append(pairs, string(r.Body))
				}
			}
			if len(pairs) != 1 || strings.Index(pairs[0], "code:FV-1") > strings.Index(pairs[0], "code:FV-3") || strings.Contains(pairs[0], "FV-2") {
				t.Errorf("pairing writes %q", pairs)
			}
		}
	}
	// B-SS paid FV-2 (the oldest invoice of 300); B-SUM then paid the
	// oldest two left: FV-1 and FV-3.
	for id, want := range map[abraflexi.ID]string{fv1: "0", fv2: "0"} {
		if got := w.mustInvoice(t, id); !got.Remaining.Equal(d(want)) || got.PaymentState != abraflexi.PaymentStatePaid {
			t.Errorf("invoice %s: %s %s", got.Code, got.Remaining, got.PaymentState)
		}
	}
	p, err := w.ledger.Payment(ctx, abraflexi.EvidenceBank, abraflexi.CodeID("B-SUM"))
	if m := p.Movement; err != nil || !bool(m.Paired) || len(m.Links) != 2 {
		t.Errorf("B-SUM: paired %v, %d links (%v)", p.Movement.Paired, len(p.Movement.Links), err)
	}
	// A redelivered event: already matched, naming both invoices.
	res, err = w.matcher(all).MatchOne(ctx, "B-SUM")
	if err != nil || res.Reason != payments.AlreadyMatched || len(res.Invoices) != 2 || res.Invoices[0].Invoice != "FV-1" || res.Invoices[1].Invoice != "FV-3" {
		t.Errorf("redelivered: %+v %v", res, err)
	}
}

// TestMatchOneKeysForeignCurrency: with sum, a EUR payment pays two EUR
// invoices by their euro amounts (castka in euros), whatever their crown
// figures at two rates say.
func TestMatchOneKeysForeignCurrency(t *testing.T) {
	w := newKeyWorld(t)
	eur := abraflexi.RefTo(abraflexi.CodeID("EUR"))
	w.customer("EURO", "AT61 1904 3002 3457 3201")
	in := func(euros string) func(*abraflexi.IssuedInvoice) {
		return func(i *abraflexi.IssuedInvoice) { i.Currency, i.TotalInCurrency = eur, d(euros) }
	}
	e1 := w.owes("EURO", "FV-E1", "51", "1000", 1, in("40"))
	e2 := w.owes("EURO", "FV-E2", "52", "1500", 2, in("60"))
	w.owes("EURO", "FV-CZK", "53", "100", 1)
	w.bank("B-EUR", "", "2450", from("AT611904300234573201"), func(m *abraflexi.Movement) { m.Currency, m.TotalInCurrency = eur, d("100") })
	res, err := w.matcher(withKeys("account,sum")).MatchOne(ctx, "B-EUR")
	if err != nil || res.Reason != payments.MatchedSeveral || res.Currency != "EUR" || paidCodes(res) != "FV-E1:40.00,FV-E2:60.00" {
		t.Fatalf("%+v %v", res, err)
	}
	for _, id := range []abraflexi.ID{e1, e2} {
		if got := w.mustInvoice(t, id); !got.RemainingInCurrency.IsZero() || got.PaymentState != abraflexi.PaymentStatePaid {
			t.Errorf("%s: %s EUR left, %s", got.Code, got.RemainingInCurrency, got.PaymentState)
		}
	}
}

// TestMatchOneKeysBoundedRequests: one payment costs the same requests
// with ten customers as with three hundred: its reading, at most three
// listings (invoices of the variable symbol, the registered accounts of
// the payer's account, the invoices of the customers named) and the
// pairing, whatever the company holds.
func TestMatchOneKeysBoundedRequests(t *testing.T) {
	count := func(customers int) (reads, writes int) {
		w := newKeyWorld(t)
		var recs []any
		for c := range customers {
			code := fmt.Sprintf("%05d", 20000+c)
			recs = append(recs, abraflexi.Address{Code: code, Name: code})
			recs = append(recs, abraflexi.CustomerBankAccount{Customer: abraflexi.RefTo(abraflexi.CodeID(code)),
				Number: fmt.Sprintf("%d", 3000000+c), BankCode: abraflexi.RefTo(abraflexi.CodeID("0800"))})
			for k := range 3 {
				recs = append(recs, abraflexi.IssuedInvoice{Code: fmt.Sprintf("FV-%s-%d", code, k), VariableSymbol: fmt.Sprintf("%d%d", 20000+c, k),
					Total: d("500"), Customer: abraflexi.RefTo(abraflexi.CodeID(code)), DueOn: abraflexi.NewDate(2026, time.Month(k+1), 15),
					DocumentType: abraflexi.RefTo(abraflexi.CodeID("FAKTURA"))})
			}
		}
		w.srv.Seed(recs...)
		// Customer 20003 pays two invoices with the first's variable
		// symbol, from its registered account and with its code as SS.
		w.bank("B-1", "200030", "1000", specSym("20003"), from("3000003/0800"))
		w.srv.ResetRequests()
		res, err := w.matcher(withKeys("vs,ss,account,sum")).MatchOne(ctx, "B-1")
		if err != nil || res.Reason != payments.MatchedSeveral || len(res.Invoices) != 2 {
			t.Fatalf("%d customers: %+v %v", customers, res, err)
		}
		return w.srv.RequestCount(http.MethodGet, ""), w.posts()
	}
	r10, w10 := count(10)
	r300, w300 := count(300)
	// Reads: the payment (its code, then the redirect to its id), three
	// listings, the payment and the first invoice before the pairing.
	// Writes: the pairing.
	if r10 != r300 || w10 != w300 || r10 != 7 || w10 != 1 {
		t.Errorf("one payment: %d reads + %d writes with 10 customers, %d + %d with 300", r10, w10, r300, w300)
	}
	t.Logf("one payment with MATCH_KEYS=vs,ss,account,sum: %d reads + %d writes", r10, w10)
}

// seedKeysBatch stores n customers, each with two open invoices of 500
// (due in January and February) and a registered account, and one
// incoming payment each: a quarter by variable symbol, by specific symbol
// (the code without its leading zero), by the payer's account, and a
// quarter paying both invoices with the first one's variable symbol
// (sum).
func seedKeysBatch(tb testing.TB, w *world, n int) {
	tb.Helper()
	recs := make([]any, 0, 5*n)
	for i := range n {
		code := fmt.Sprintf("%07d", 100000+i)
		recs = append(recs, abraflexi.Address{Code: code, Name: code},
			abraflexi.CustomerBankAccount{Customer: abraflexi.RefTo(abraflexi.CodeID(code)),
				Number: fmt.Sprintf("%d", 5000000+i), BankCode: abraflexi.RefTo(abraflexi.CodeID("0800"))})
		for k := range 2 {
			recs = append(recs, abraflexi.IssuedInvoice{Code: fmt.Sprintf("FV-%d-%d", i, k), VariableSymbol: fmt.Sprintf("%d%d", 100000+i, k),
				Total: d("500"), Customer: abraflexi.RefTo(abraflexi.CodeID(code)), DueOn: abraflexi.NewDate(2026, time.Month(k+1), 15),
				DocumentType: abraflexi.RefTo(abraflexi.CodeID("FAKTURA"))})
		}
		pay := abraflexi.Movement{Code: fmt.Sprintf("B-%d", i), Total: d("500"), Direction: abraflexi.DirectionIncoming,
			IssuedOn: abraflexi.NewDate(2026, 1, 1+i%28)}
		switch i % 4 {
		case 0:
			pay.VariableSymbol = fmt.Sprintf("%d0", 100000+i)
		case 1:
			pay.SpecificSymbol = fmt.Sprintf("%d", 100000+i)
		case 2:
			pay.Account, pay.BankCode = fmt.Sprintf("%d", 5000000+i), abraflexi.RefTo(abraflexi.CodeID("0800"))
		default:
			pay.VariableSymbol, pay.Total = fmt.Sprintf("%d0", 100000+i), d("1000")
		}
		recs = append(recs, abraflexi.BankMovement{Movement: pay})
	}
	w.srv.Seed(recs...)
}

// TestBatchKeysRequests matches 2,000 payments with
// MATCH_KEYS=vs,ss,account,sum and checks that the requests grow with
// pages and batches, not with payments. BenchmarkMatchSinceKeys10000
// measures 10,000.
func TestBatchKeysRequests(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds 10,000 records")
	}
	w := newWorld(t)
	const n = 2000
	seedKeysBatch(t, w, n)
	w.srv.ResetRequests()
	res, err := w.matcher(func(c *payments.Config) {
		c.Evidence = payments.EvidenceBank
		withKeys("vs,ss,account,sum")(c)
	}).MatchSince(ctx, abraflexi.NewDate(2026, 1, 1))
	if err != nil {
		t.Fatal(err)
	}
	sum := payments.Summary(res)
	by := map[payments.MatchKey]int{}
	for _, r := range res {
		by[r.MatchedBy]++
	}
	if sum[payments.Matched] != 3*n/4 || sum[payments.MatchedSeveral] != n/4 || by[payments.KeyVS] != n/2 || by[payments.KeySS] != n/4 || by[payments.KeyAccount] != n/4 {
		t.Fatalf("summary %v, matched by %v", sum, by)
	}
	reads := w.srv.RequestCount(http.MethodGet, "")
	writes := w.posts()
	// Reads: 2 pages of payments + 4 pages of invoices + 2 pages of
	// registered accounts (page size 1000). Writes: 20 pairing batches of
	// 100 (a pairing of two invoices is one record).
	if reads != 8 || writes != 20 {
		t.Errorf("%d reads and %d writes for %d payments", reads, writes, n)
	}
	paid := 0
	for _, id := range w.srv.IDs(abraflexi.EvidenceIssuedInvoice) {
		if inv := w.mustInvoice(t, id); inv.PaymentState == abraflexi.PaymentStatePaid {
			paid++
		}
	}
	if paid != n+n/4 { // one each, two for the sums
		t.Errorf("%d invoices paid, want %d", paid, n+n/4)
	}
	t.Logf("%d payments: %d reads + %d writes; %v; by %v", n, reads, writes, sum, by)
}

// TestBatchKeysReplan: a failed pairing of a payment found by specific
// symbol makes the later payment of that customer, planned as if it had
// succeeded, decided again against the real state.
func TestBatchKeysReplan(t *testing.T) {
	w := newKeyWorld(t)
	w.customer("01001")
	first := w.owes("01001", "FV-1", "11", "500", 1)
	w.owes("01001", "FV-2", "12", "300", 2)
	w.owes("01001", "FV-3", "13", "200", 3)
	w.cash("P-1", "11", "500") // fails: FV-1 stays open
	w.bank("B-SS", "", "500", specSym("1001"), func(m *abraflexi.Movement) { m.IssuedOn = abraflexi.NewDate(2026, 1, 25) })
	w.srv.FailNext(1, http.StatusBadRequest, abraflexitest.Matcher{Method: http.MethodPost, Evidence: abraflexi.EvidenceCash})
	res, err := w.matcher(withKeys("vs,ss")).MatchSince(ctx, abraflexi.Date{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range res {
		got[r.Document] = string(r.Reason) + "/" + r.Invoice
	}
	// Planned with FV-1 paid by P-1, B-SS saw FV-2 (300) and FV-3 (200),
	// neither of 500: ambiguous. Re-planned, it pays the still open FV-1.
	if got["P-1"] != "settle_failed/FV-1" || got["B-SS"] != "matched/FV-1" {
		t.Errorf("results %v", got)
	}
	if inv := w.mustInvoice(t, first); !inv.Remaining.IsZero() {
		t.Errorf("FV-1 %s left", inv.Remaining)
	}
}
