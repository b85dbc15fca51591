//go:build matchkeys_pending

package payments_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/payments"
)

func TestParseMatchKeys(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		err      string
	}{
		{in: "", want: "vs"},
		{in: "vs", want: "vs"},
		{in: " VS , ss,account ,sum", want: "vs,ss,account,sum"},
		{in: "account,vs", want: "account,vs"},
		{in: "sum,ss", want: "sum,ss"},
		{in: "vs,iban", err: `unknown key "iban"`},
		{in: "vs,,ss", err: "empty key"},
		{in: "vs,ss,vs", err: "vs given twice"},
		{in: "sum", err: "sum needs a key"},
	} {
		got, err := payments.ParseMatchKeys(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), fmt.Sprintf("%q", tc.in)) {
				t.Errorf("ParseMatchKeys(%q) = %v, %v; want an error naming the value and %q", tc.in, got, err, tc.err)
			}
			continue
		}
		if err != nil || got.String() != tc.want {
			t.Errorf("ParseMatchKeys(%q) = %v, %v; want %s", tc.in, got, err, tc.want)
		}
	}
	if !payments.DefaultMatchKeys().Has(payments.KeyVS) || payments.DefaultMatchKeys().Has(payments.KeySum) {
		t.Error("default keys")
	}
}

func mustKeys(s string) payments.MatchKeys {
	k, err := payments.ParseMatchKeys(s)
	if err != nil {
		panic(err)
	}
	return k
}

func openInv(id int64, code, customer, vs, amount, due string) abraflexi.IssuedInvoice {
	return abraflexi.IssuedInvoice{
		ID: abraflexi.NumericID(id), Code: code, Customer: abraflexi.RefTo(abraflexi.CodeID(customer)), VariableSymbol: vs,
		Total: decimal.RequireFromString(amount), Remaining: decimal.RequireFromString(amount),
		DueOn: abraflexi.MustParseDate(due), IssuedOn: abraflexi.MustParseDate(due).AddDays(-14),
		DocumentType: abraflexi.Ref{ID: abraflexi.CodeID("FAKTURA"), Fields: map[string]string{"typDoklK": abraflexi.KindInvoice}},
	}
}

// snapshot: customer 1001 owes three invoices (given newest first), A-ONE
// one, 0042 one; 042 one more (its code equals 0042 without zeros).
func snapshot() ([]abraflexi.IssuedInvoice, []abraflexi.CustomerBankAccount) {
	invs := []abraflexi.IssuedInvoice{
		openInv(3, "FV-3", "1001", "13", "200", "2026-03-15"),
		openInv(1, "FV-1", "1001", "11", "500", "2026-01-15"),
		openInv(2, "FV-2", "1001", "12", "300", "2026-02-15"),
		openInv(4, "FV-4", "A-ONE", "21", "400", "2026-02-01"),
		openInv(5, "FV-5", "0042", "31", "150", "2026-02-01"),
	}
	paid := openInv(9, "FV-PAID", "1001", "11", "999", "2025-12-01")
	paid.PaymentState, paid.Remaining = abraflexi.PaymentStatePaid, decimal.Zero
	invs = append(invs, paid)
	acc := func(cust, buc, bank, iban string) abraflexi.CustomerBankAccount {
		a := abraflexi.CustomerBankAccount{Customer: abraflexi.RefTo(abraflexi.CodeID(cust)), Number: buc, IBAN: iban}
		if bank != "" {
			a.BankCode = abraflexi.RefTo(abraflexi.CodeID(bank))
		}
		return a
	}
	accounts := []abraflexi.CustomerBankAccount{
		acc("1001", "19-2000145399", "0800", ""),
		acc("1001", "", "", "CZ65 0800 0000 1920 0014 5399"), // the same account twice
		acc("A-ONE", "", "", "DE89370400440532013000"),
		acc("1001", "123-456789", "0100", ""), // shared by two customers
		acc("A-ONE", "123-456789", "0100", ""),
		acc("", "555", "0300", ""),              // no customer: ignored
		acc("0042", "not-a-number", "0800", ""), // no valid number: ignored
	}
	return invs, accounts
}

func keyed(vs, ss, amount string, account payments.PayerAccount) payments.KeyedPayment {
	return payments.KeyedPayment{
		Payment: payments.Payment{Evidence: abraflexi.EvidenceBank, Movement: abraflexi.Movement{
			ID: abraflexi.NumericID(700), Code: "B+700", VariableSymbol: vs, SpecificSymbol: ss,
			Total: decimal.RequireFromString(amount), Direction: abraflexi.DirectionIncoming,
		}},
		Account: account,
	}
}

var (
	acct1001   = payments.PayerAccount{Number: "000019-2000145399", BankCode: "code:0800"}
	ibanAONE   = payments.PayerAccount{IBAN: "DE89 3704 0044 0532 0130 00"}
	acctShared = payments.PayerAccount{Number: "123-456789", BankCode: "0100"}
	acctNobody = payments.PayerAccount{Number: "777", BankCode: "0800"}
)

func TestDecideKeys(t *testing.T) {
	invs, accounts := snapshot()
	pol := payments.DefaultPolicy()
	for _, tc := range []struct {
		name       string
		keys       string
		p          payments.KeyedPayment
		reason     payments.Reason
		by         payments.MatchKey
		invoices   string // codes of the paired invoices
		exit       int
		customer   string
		customers  string
		labels     string
		remainder  abraflexi.RemainderMode
		candidates int
	}{
		{name: "default vs", keys: "", p: keyed("11", "", "500", acct1001), reason: payments.Matched, by: "vs", invoices: "FV-1", customer: "1001", remainder: "ne", candidates: 1},
		{name: "vs with leading zeros", keys: "vs", p: keyed("0011", "", "500", payments.PayerAccount{}), reason: payments.Matched, by: "vs", invoices: "FV-1", customer: "1001", remainder: "ne", candidates: 1},
		{name: "default: no VS is manual work even with an SS and a known account", keys: "", p: keyed("", "1001", "300", acct1001), reason: payments.NoVarSym, exit: 2, labels: "NEIDENTIFIKOVANO"},
		{name: "default: unknown VS", keys: "vs", p: keyed("99", "1001", "300", acct1001), reason: payments.UnknownVarSym, exit: 2, labels: "CHYBIFAKTURA"},
		{name: "ss: zero-padded customer code, oldest invoice of that amount", keys: "vs,ss", p: keyed("", "0001001", "300", payments.PayerAccount{}),
			reason: payments.Matched, by: "ss", invoices: "FV-2", customer: "1001", remainder: "ne", candidates: 3},
		{name: "ss: a code with zeros matches the SS without them", keys: "ss", p: keyed("", "42", "150", payments.PayerAccount{}),
			reason: payments.Matched, by: "ss", invoices: "FV-5", customer: "0042", remainder: "ne", candidates: 1},
		{name: "ss: amount matches no single invoice and sum is off", keys: "vs,ss", p: keyed("", "1001", "800", payments.PayerAccount{}),
			reason: payments.Ambiguous, by: "ss", exit: 2, customer: "1001", labels: "NEIDENTIFIKOVANO", candidates: 3},
		{name: "ss+sum: the two oldest", keys: "vs,ss,sum", p: keyed("", "1001", "800", payments.PayerAccount{}),
			reason: payments.MatchedSeveral, by: "ss", invoices: "FV-1,FV-2", customer: "1001", remainder: "ne", candidates: 3},
		{name: "ss+sum: all three", keys: "ss,sum", p: keyed("", "1001", "1000", payments.PayerAccount{}),
			reason: payments.MatchedSeveral, by: "ss", invoices: "FV-1,FV-2,FV-3", customer: "1001", remainder: "ne", candidates: 3},
		{name: "ss+sum: not a prefix sum (500+200) stays ambiguous", keys: "ss,sum", p: keyed("", "1001", "700", payments.PayerAccount{}),
			reason: payments.Ambiguous, by: "ss", exit: 2, customer: "1001", labels: "NEIDENTIFIKOVANO", candidates: 3},
		{name: "vs+sum: VS of the oldest, the total of all", keys: "vs,sum", p: keyed("11", "", "1000", payments.PayerAccount{}),
			reason: payments.MatchedSeveral, by: "vs", invoices: "FV-1,FV-2,FV-3", customer: "1001", remainder: "ne", candidates: 3},
		{name: "vs+sum: VS of the second, the two oldest", keys: "vs,sum", p: keyed("12", "", "800", payments.PayerAccount{}),
			reason: payments.MatchedSeveral, by: "vs", invoices: "FV-1,FV-2", customer: "1001", remainder: "ne", candidates: 3},
		{name: "vs+sum: the sum must include the invoice the VS names", keys: "vs,sum", p: keyed("13", "", "800", payments.PayerAccount{}),
			reason: payments.MatchedOverpayment, by: "vs", invoices: "FV-3", customer: "1001", remainder: "ignorovat", labels: "PREPLATEK", candidates: 1},
		{name: "vs without sum: an overpayment", keys: "vs,ss,account", p: keyed("11", "", "1000", payments.PayerAccount{}),
			reason: payments.MatchedOverpayment, by: "vs", invoices: "FV-1", customer: "1001", remainder: "ignorovat", labels: "PREPLATEK", candidates: 1},
		{name: "vs+sum: underpayment stays partial", keys: "vs,sum", p: keyed("11", "", "100", payments.PayerAccount{}),
			reason: payments.MatchedPartial, by: "vs", invoices: "FV-1", customer: "1001", remainder: "castecnaUhrada", candidates: 1},
		{name: "account by buc/smerKod", keys: "vs,ss,account", p: keyed("", "", "500", acct1001),
			reason: payments.Matched, by: "account", invoices: "FV-1", customer: "1001", remainder: "ne", candidates: 3},
		{name: "account by payer IBAN, registered as buc", keys: "account", p: keyed("", "", "300", payments.PayerAccount{IBAN: "CZ6508000000192000145399"}),
			reason: payments.Matched, by: "account", invoices: "FV-2", customer: "1001", remainder: "ne", candidates: 3},
		{name: "account by buc in the movement (Movement.Account)", keys: "account", p: func() payments.KeyedPayment {
			p := keyed("", "", "400", payments.PayerAccount{BankCode: "0800"})
			p.Movement.Account = "19-2000145399"
			return p
		}(), reason: payments.Ambiguous, by: "account", exit: 2, customer: "1001", labels: "NEIDENTIFIKOVANO", candidates: 3},
		{name: "account: the one invoice, partial", keys: "account", p: keyed("", "", "100", ibanAONE),
			reason: payments.MatchedPartial, by: "account", invoices: "FV-4", customer: "A-ONE", remainder: "castecnaUhrada", candidates: 1},
		{name: "account registered to two customers", keys: "vs,account", p: keyed("", "", "500", acctShared),
			reason: payments.AmbiguousAccount, by: "account", exit: 2, customers: "1001,A-ONE", labels: "NEIDENTIFIKOVANO"},
		{name: "unknown account falls through to no_varsym", keys: "vs,account", p: keyed("", "", "500", acctNobody),
			reason: payments.NoVarSym, exit: 2, labels: "NEIDENTIFIKOVANO"},
		{name: "unknown VS falls through to ss", keys: "vs,ss", p: keyed("99", "1001", "500", payments.PayerAccount{}),
			reason: payments.Matched, by: "ss", invoices: "FV-1", customer: "1001", remainder: "ne", candidates: 3},
		{name: "nothing found with a VS: unknown_varsym", keys: "vs,ss,account,sum", p: keyed("99", "5", "500", acctNobody),
			reason: payments.UnknownVarSym, exit: 2, labels: "CHYBIFAKTURA"},
		{name: "order: vs first decides", keys: "vs,ss", p: keyed("21", "1001", "400", payments.PayerAccount{}),
			reason: payments.Matched, by: "vs", invoices: "FV-4", customer: "A-ONE", remainder: "ne", candidates: 1},
		{name: "order: ss first decides", keys: "ss,vs", p: keyed("21", "1001", "300", payments.PayerAccount{}),
			reason: payments.Matched, by: "ss", invoices: "FV-2", customer: "1001", remainder: "ne", candidates: 3},
		{name: "order: account before ss", keys: "account,ss", p: keyed("", "42", "400", ibanAONE),
			reason: payments.Matched, by: "account", invoices: "FV-4", customer: "A-ONE", remainder: "ne", candidates: 1},
		{name: "already paired wins over every key", keys: "vs,ss,account,sum", p: func() payments.KeyedPayment {
			p := keyed("11", "1001", "500", acct1001)
			p.Movement.Paired = true
			return p
		}(), reason: payments.AlreadyMatched},
		{name: "no amount without VS", keys: "vs,ss", p: keyed("", "1001", "0", payments.PayerAccount{}), reason: payments.InvalidAmount, exit: 2, labels: "NEIDENTIFIKOVANO"},
		{name: "foreign currency via ss", keys: "ss,sum", p: func() payments.KeyedPayment {
			p := keyed("", "1001", "500", payments.PayerAccount{})
			p.Movement.Currency = abraflexi.RefTo(abraflexi.CodeID("EUR"))
			return p
		}(), reason: payments.CurrencyMismatch, by: "ss", exit: 2, customer: "1001", candidates: 3},
	} {
		d := payments.DecideKeys(tc.p, invs, accounts, mustKeys(tc.keys), pol)
		var codes []string
		for _, inv := range d.Invoices {
			codes = append(codes, inv.Code)
		}
		got := fmt.Sprintf("%s by=%q inv=%s exit=%d cust=%q custs=%s labels=%s rem=%q cands=%d",
			d.Reason, d.MatchedBy, strings.Join(codes, ","), d.ExitCode(), d.Customer, strings.Join(d.Customers, ","), strings.Join(d.Labels, ","), d.Remainder, d.Candidates)
		want := fmt.Sprintf("%s by=%q inv=%s exit=%d cust=%q custs=%s labels=%s rem=%q cands=%d",
			tc.reason, tc.by, tc.invoices, tc.exit, tc.customer, tc.customers, tc.labels, tc.remainder, tc.candidates)
		if got != want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, got, want)
		}
		if d.Pairs() != (tc.invoices != "") {
			t.Errorf("%s: Pairs() = %v", tc.name, d.Pairs())
		}
	}
}

func TestKeyDecisionPairing(t *testing.T) {
	invs, accounts := snapshot()
	p := keyed("11", "", "800", payments.PayerAccount{})
	d := payments.DecideKeys(p, invs, accounts, mustKeys("vs,sum"), payments.DefaultPolicy())
	if d.Reason != payments.MatchedSeveral || !d.Due.Equal(decimal.NewFromInt(800)) || d.Invoice.Code != "FV-1" {
		t.Fatalf("decision %+v", d)
	}
	if _, ok := d.PairRequest(p.Payment); ok {
		t.Error("a pairing of several invoices was offered as a single PairRequest")
	}
	d = payments.DecideKeys(keyed("11", "", "500", payments.PayerAccount{}), invs, accounts, mustKeys("vs,sum"), payments.DefaultPolicy())
	req, ok := d.PairRequest(p.Payment)
	if !ok || req.Invoice.String() != "1" || req.Remainder != abraflexi.RemainderNone {
		t.Errorf("single pairing %+v, %v", req, ok)
	}
}

func TestPlanKeysCarriesEffects(t *testing.T) {
	invs, accounts := snapshot()
	mk := func(id int64, vs, ss, amount string, acc payments.PayerAccount) payments.KeyedPayment {
		p := keyed(vs, ss, amount, acc)
		p.Movement.ID = abraflexi.NumericID(id)
		return p
	}
	batch := []payments.KeyedPayment{
		mk(1, "11", "", "500", payments.PayerAccount{}),   // FV-1 by vs
		mk(2, "", "1001", "300", payments.PayerAccount{}), // FV-2 by ss (oldest open of 300)
		mk(3, "", "", "200", acct1001),                    // FV-3 by account: the one left
		mk(1, "11", "", "500", payments.PayerAccount{}),   // the same payment again
		mk(4, "", "1001", "50", payments.PayerAccount{}),  // 1001 owes nothing now: no candidates
		mk(5, "", "", "100", ibanAONE),                    // FV-4 partly
		mk(6, "", "", "300", ibanAONE),                    // FV-4's remaining 300
		mk(7, "", "", "10", ibanAONE),                     // FV-4 paid: no candidates
	}
	ds := payments.PlanKeys(batch, invs, accounts, mustKeys("vs,ss,account,sum"), payments.DefaultPolicy())
	var got []string
	for _, d := range ds {
		var codes []string
		for _, inv := range d.Invoices {
			codes = append(codes, inv.Code)
		}
		got = append(got, fmt.Sprintf("%s/%s/%s", d.Reason, d.MatchedBy, strings.Join(codes, "+")))
	}
	want := []string{"matched/vs/FV-1", "matched/ss/FV-2", "matched/account/FV-3", "already_matched//",
		"no_varsym//", "matched_partial/account/FV-4", "matched/account/FV-4", "no_varsym//"}
	if !slices.Equal(got, want) {
		t.Errorf("plan\n got %v\nwant %v", got, want)
	}
	// A plan of several: the sum pays FV-1..3, then nothing is left.
	ds = payments.PlanKeys([]payments.KeyedPayment{mk(1, "11", "", "1000", payments.PayerAccount{}), mk(2, "12", "", "300", payments.PayerAccount{})},
		invs, accounts, mustKeys("vs,sum"), payments.DefaultPolicy())
	if ds[0].Reason != payments.MatchedSeveral || len(ds[0].Invoices) != 3 || ds[1].Reason != payments.UnknownVarSym {
		t.Errorf("several then none: %s %d, %s", ds[0].Reason, len(ds[0].Invoices), ds[1].Reason)
	}
	// The input snapshot is not changed.
	for _, inv := range invs {
		if inv.Code == "FV-1" && !inv.Remaining.Equal(decimal.NewFromInt(500)) {
			t.Errorf("PlanKeys changed the caller's invoices: %s", inv.Remaining)
		}
	}
}

// BenchmarkPlanKeys10k decides 10,000 payments with MATCH_KEYS=vs,ss,account,sum
// against 20,000 open invoices of 5,000 customers and their 5,000
// registered accounts: a quarter of the payments each by VS, SS, account
// and a sum of two invoices.
func BenchmarkPlanKeys10k(b *testing.B) {
	const customers = 5000
	var invs []abraflexi.IssuedInvoice
	var accounts []abraflexi.CustomerBankAccount
	id := int64(0)
	for c := range customers {
		code := fmt.Sprintf("%d", 10000+c)
		for k := range 4 {
			id++
			invs = append(invs, openInv(id, fmt.Sprintf("FV-%d", id), code, fmt.Sprintf("%d", id), "500", fmt.Sprintf("2026-%02d-15", k+1)))
		}
		accounts = append(accounts, abraflexi.CustomerBankAccount{Customer: abraflexi.RefTo(abraflexi.CodeID(code)),
			Number: fmt.Sprintf("%d", 1000000+c), BankCode: abraflexi.RefTo(abraflexi.CodeID("0800"))})
	}
	var batch []payments.KeyedPayment
	for n := range 10000 {
		c := n % customers
		code := fmt.Sprintf("%d", 10000+c)
		var p payments.KeyedPayment
		switch n % 4 {
		case 0:
			p = keyed(fmt.Sprintf("%d", c*4+1), "", "500", payments.PayerAccount{})
		case 1:
			p = keyed("", code, "500", payments.PayerAccount{})
		case 2:
			p = keyed("", "", "500", payments.PayerAccount{Number: fmt.Sprintf("%d", 1000000+c), BankCode: "0800"})
		default:
			p = keyed(fmt.Sprintf("%d", c*4+1), "", "1000", payments.PayerAccount{})
		}
		p.Movement.ID = abraflexi.NumericID(int64(n + 1))
		batch = append(batch, p)
	}
	keys := mustKeys("vs,ss,account,sum")
	pol := payments.DefaultPolicy()
	b.ReportAllocs()
	for b.Loop() {
		ds := payments.PlanKeys(batch, invs, accounts, keys, pol)
		if len(ds) != len(batch) {
			b.Fatal(len(ds))
		}
	}
}

func ExampleMatchIndex_Decide() {
	invoice := func(id int64, vs, amount, due string) abraflexi.IssuedInvoice {
		return abraflexi.IssuedInvoice{ID: abraflexi.NumericID(id), Code: "FV-" + vs, Customer: abraflexi.RefTo(abraflexi.CodeID("1001")),
			VariableSymbol: vs, Total: decimal.RequireFromString(amount), Remaining: decimal.RequireFromString(amount),
			DueOn: abraflexi.MustParseDate(due), DocumentType: abraflexi.Ref{Fields: map[string]string{"typDoklK": abraflexi.KindInvoice}}}
	}
	ix := payments.NewMatchIndex([]abraflexi.IssuedInvoice{
		invoice(1, "202601", "600", "2026-01-15"), invoice(2, "202602", "600", "2026-02-15"),
	}, nil)
	keys, _ := payments.ParseMatchKeys("vs,ss,account,sum")
	// The customer pays both months with the variable symbol of the first.
	d := ix.Decide(payments.KeyedPayment{Payment: payments.Payment{Evidence: abraflexi.EvidenceBank, Movement: abraflexi.Movement{
		ID: abraflexi.NumericID(9), VariableSymbol: "202601", Total: decimal.RequireFromString("1200"), Direction: abraflexi.DirectionIncoming,
	}}}, keys, payments.DefaultPolicy())
	fmt.Println(d.Reason, d.MatchedBy, len(d.Invoices), d.ExitCode())
	// Output: matched_several vs 2 0
}
