package payments_test

import (
	"fmt"
	"reflect"
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

// eurInv is an open invoice in euros: the crown figures are at the
// invoice's rate (25 CZK/EUR), the euro ones are what is due.
func eurInv(id int64, code, customer, vs, euros, due string) abraflexi.IssuedInvoice {
	inv := openInv(id, code, customer, vs, decimal.RequireFromString(euros).Mul(decimal.NewFromInt(25)).String(), due)
	inv.Currency = abraflexi.RefTo(abraflexi.CodeID("EUR"))
	inv.TotalInCurrency, inv.RemainingInCurrency = decimal.RequireFromString(euros), decimal.RequireFromString(euros)
	return inv
}

// snapshot: customer 1001 owes three invoices (given newest first), A-ONE
// one, 0042 and 042 one each (both codes are 42 without zeros), 00077
// one, SHARED three with one variable symbol, EURO two in euros (and one
// in crowns).
func snapshot() ([]abraflexi.IssuedInvoice, []abraflexi.CustomerBankAccount) {
	invs := []abraflexi.IssuedInvoice{
		openInv(3, "FV-3", "1001", "13", "200", "2026-03-15"),
		openInv(1, "FV-1", "1001", "11", "500", "2026-01-15"),
		openInv(2, "FV-2", "1001", "12", "300", "2026-02-15"),
		openInv(4, "FV-4", "A-ONE", "21", "400", "2026-02-01"),
		openInv(5, "FV-5", "0042", "31", "150", "2026-02-01"),
		openInv(6, "FV-6", "042", "32", "150", "2026-02-01"),
		openInv(7, "FV-7", "00077", "41", "99.90", "2026-02-01"),
		openInv(11, "FV-S3", "SHARED", "77", "100", "2026-03-01"),
		openInv(10, "FV-S2", "SHARED", "77", "100", "2026-02-01"),
		openInv(12, "FV-S1", "SHARED", "77", "100", "2026-01-01"),
		eurInv(20, "FV-E1", "EURO", "51", "40", "2026-01-10"),
		eurInv(21, "FV-E2", "EURO", "52", "60", "2026-02-10"),
		openInv(22, "FV-E3", "EURO", "53", "1500", "2026-03-10"),
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
		acc("1001", "55-66", "0300", ""), // shared with a customer that owes nothing
		acc("NOTHING", "55-66", "0300", ""),
		acc("EURO", "", "", "AT611904300234573201"),
		acc("", "555", "0300", ""),              // no customer: ignored
		acc("0042", "not-a-number", "0800", ""), // no valid number: ignored
	}
	return invs, accounts
}

// account is a payer's account as a bank movement carries it.
type account struct{ buc, bank, iban string }

func keyed(vs, ss, amount string, acc account) payments.Payment {
	m := abraflexi.Movement{
		ID: abraflexi.NumericID(700), Code: "B+700", VariableSymbol: vs, SpecificSymbol: ss,
		Total: decimal.RequireFromString(amount), Direction: abraflexi.DirectionIncoming,
		Account: acc.buc, IBAN: acc.iban,
	}
	if acc.bank != "" {
		m.BankCode = abraflexi.RefTo(abraflexi.CodeID(strings.TrimPrefix(acc.bank, "code:")))
	}
	return payments.Payment{Evidence: abraflexi.EvidenceBank, Movement: m}
}

// inEUR makes p a payment of euros (at 24.5 CZK/EUR).
func inEUR(p payments.Payment, euros string) payments.Payment {
	p.Movement.Currency = abraflexi.RefTo(abraflexi.CodeID("EUR"))
	p.Movement.TotalInCurrency = decimal.RequireFromString(euros)
	p.Movement.Total = p.Movement.TotalInCurrency.Mul(decimal.RequireFromString("24.5"))
	return p
}

// used gives p a payment link of amount to invoice (an earlier pairing).
func used(p payments.Payment, amount, invoice string) payments.Payment {
	p.Movement.Links = append(p.Movement.Links, abraflexi.Link{Type: abraflexi.LinkPayment, Amount: decimal.RequireFromString(amount),
		A: abraflexi.RefTo(abraflexi.CodeID(invoice))})
	return p
}

var (
	acct1001   = account{buc: "000019-2000145399", bank: "code:0800"}
	ibanAONE   = account{iban: "DE89 3704 0044 0532 0130 00"}
	ibanEURO   = account{iban: "AT61 1904 3002 3457 3201"}
	acctShared = account{buc: "123-456789", bank: "0100"}
	acctHalf   = account{buc: "55-66", bank: "0300"}
	acctNobody = account{buc: "777", bank: "0800"}
	noAccount  = account{}
)

func TestDecideKeys(t *testing.T) {
	invs, accounts := snapshot()
	pol := payments.DefaultPolicy()
	for _, tc := range []struct {
		name       string
		keys       string
		p          payments.Payment
		reason     payments.Reason
		by         payments.MatchKey
		invoices   string // codes of the paired invoices:amounts
		exit       int
		customer   string
		customers  string
		labels     string
		remainder  abraflexi.RemainderMode
		candidates int
	}{
		{name: "default vs", keys: "", p: keyed("11", "", "500", acct1001), reason: payments.Matched, by: "vs", invoices: "FV-1:500", customer: "1001", remainder: "ne", candidates: 1},
		{name: "vs with leading zeros", keys: "vs", p: keyed("0011", "", "500", noAccount), reason: payments.Matched, by: "vs", invoices: "FV-1:500", customer: "1001", remainder: "ne", candidates: 1},
		{name: "default: no VS is manual work even with an SS and a known account", keys: "", p: keyed("", "1001", "300", acct1001), reason: payments.NoVarSym, exit: 2, labels: "NEIDENTIFIKOVANO"},
		{name: "default: unknown VS", keys: "vs", p: keyed("99", "1001", "300", acct1001), reason: payments.UnknownVarSym, exit: 2, labels: "CHYBIFAKTURA"},
		{name: "default: a shared VS is ambiguous", keys: "vs", p: keyed("77", "", "200", noAccount), reason: payments.Ambiguous, by: "vs", exit: 2, customer: "SHARED", labels: "NEIDENTIFIKOVANO", candidates: 3},
		{name: "ss: zero-padded customer code, oldest invoice of that amount", keys: "vs,ss", p: keyed("", "0001001", "300", noAccount),
			reason: payments.Matched, by: "ss", invoices: "FV-2:300", customer: "1001", remainder: "ne", candidates: 3},
		{name: "ss: a code with zeros matches the SS without them", keys: "ss", p: keyed("", "77", "99.9", noAccount),
			reason: payments.Matched, by: "ss", invoices: "FV-7:99.9", customer: "00077", remainder: "ne", candidates: 1},
		{name: "ss: two customers are 42 without zeros", keys: "ss", p: keyed("", "42", "150", noAccount),
			reason: payments.Ambiguous, by: "ss", exit: 2, customers: "0042,042", labels: "NEIDENTIFIKOVANO", candidates: 2},
		{name: "ss: the one invoice, underpaid", keys: "ss", p: keyed("", "00077", "50", noAccount),
			reason: payments.MatchedPartial, by: "ss", invoices: "FV-7:50", customer: "00077", remainder: "castecnaUhrada", candidates: 1},
		{name: "ss: amount matches no single invoice and sum is off", keys: "vs,ss", p: keyed("", "1001", "800", noAccount),
			reason: payments.Ambiguous, by: "ss", exit: 2, customer: "1001", labels: "NEIDENTIFIKOVANO", candidates: 3},
		{name: "ss+sum: the two oldest", keys: "vs,ss,sum", p: keyed("", "1001", "800", noAccount),
			reason: payments.MatchedSeveral, by: "ss", invoices: "FV-1:500,FV-2:300", customer: "1001", remainder: "ne", candidates: 3},
		{name: "ss+sum: all three", keys: "ss,sum", p: keyed("", "1001", "1000", noAccount),
			reason: payments.MatchedSeveral, by: "ss", invoices: "FV-1:500,FV-2:300,FV-3:200", customer: "1001", remainder: "ne", candidates: 3},
		{name: "ss+sum: not a prefix sum (500+200) stays ambiguous", keys: "ss,sum", p: keyed("", "1001", "700", noAccount),
			reason: payments.Ambiguous, by: "ss", exit: 2, customer: "1001", labels: "NEIDENTIFIKOVANO", candidates: 3},
		{name: "ss+sum: a single invoice's amount pays that invoice", keys: "ss,sum", p: keyed("", "1001", "500", noAccount),
			reason: payments.Matched, by: "ss", invoices: "FV-1:500", customer: "1001", remainder: "ne", candidates: 3},
		{name: "vs+sum: VS of the oldest, the total of all", keys: "vs,sum", p: keyed("11", "", "1000", noAccount),
			reason: payments.MatchedSeveral, by: "vs", invoices: "FV-1:500,FV-2:300,FV-3:200", customer: "1001", remainder: "ne", candidates: 3},
		{name: "vs+sum: VS of the second, the two oldest", keys: "vs,sum", p: keyed("12", "", "800", noAccount),
			reason: payments.MatchedSeveral, by: "vs", invoices: "FV-1:500,FV-2:300", customer: "1001", remainder: "ne", candidates: 3},
		{name: "vs+sum: the sum must include the invoice the VS names", keys: "vs,sum", p: keyed("13", "", "800", noAccount),
			reason: payments.MatchedOverpayment, by: "vs", invoices: "FV-3:200", customer: "1001", remainder: "ignorovat", labels: "PREPLATEK", candidates: 1},
		{name: "vs+sum: manual overpayment mode still pays a sum exactly", keys: "vs,sum", p: keyed("11", "", "800", noAccount),
			reason: payments.MatchedSeveral, by: "vs", invoices: "FV-1:500,FV-2:300", customer: "1001", remainder: "ne", candidates: 3},
		{name: "vs+sum: a shared VS, the two oldest of it", keys: "vs,sum", p: keyed("77", "", "200", noAccount),
			reason: payments.MatchedSeveral, by: "vs", invoices: "FV-S1:100,FV-S2:100", customer: "SHARED", remainder: "ne", candidates: 3},
		{name: "vs+sum: a shared VS, no prefix sum", keys: "vs,sum", p: keyed("77", "", "250", noAccount),
			reason: payments.Ambiguous, by: "vs", exit: 2, customer: "SHARED", labels: "NEIDENTIFIKOVANO", candidates: 3},
		{name: "vs without sum: an overpayment", keys: "vs,ss,account", p: keyed("11", "", "1000", noAccount),
			reason: payments.MatchedOverpayment, by: "vs", invoices: "FV-1:500", customer: "1001", remainder: "ignorovat", labels: "PREPLATEK", candidates: 1},
		{name: "vs+sum: underpayment stays partial", keys: "vs,sum", p: keyed("11", "", "100", noAccount),
			reason: payments.MatchedPartial, by: "vs", invoices: "FV-1:100", customer: "1001", remainder: "castecnaUhrada", candidates: 1},
		{name: "account by buc/smerKod", keys: "vs,ss,account", p: keyed("", "", "500", acct1001),
			reason: payments.Matched, by: "account", invoices: "FV-1:500", customer: "1001", remainder: "ne", candidates: 3},
		{name: "account by payer IBAN, registered as buc", keys: "account", p: keyed("", "", "300", account{iban: "CZ6508000000192000145399"}),
			reason: payments.Matched, by: "account", invoices: "FV-2:300", customer: "1001", remainder: "ne", candidates: 3},
		{name: "account: no single invoice of 400", keys: "account", p: keyed("", "", "400", account{buc: "19-2000145399", bank: "0800"}),
			reason: payments.Ambiguous, by: "account", exit: 2, customer: "1001", labels: "NEIDENTIFIKOVANO", candidates: 3},
		{name: "account: the one invoice, partial", keys: "account", p: keyed("", "", "100", ibanAONE),
			reason: payments.MatchedPartial, by: "account", invoices: "FV-4:100", customer: "A-ONE", remainder: "castecnaUhrada", candidates: 1},
		{name: "account registered to two customers", keys: "vs,account", p: keyed("", "", "500", acctShared),
			reason: payments.AmbiguousAccount, by: "account", exit: 2, customers: "1001,A-ONE", labels: "NEIDENTIFIKOVANO"},
		{name: "account registered to two customers, one owing nothing", keys: "account,sum", p: keyed("", "", "500", acctHalf),
			reason: payments.AmbiguousAccount, by: "account", exit: 2, customers: "1001,NOTHING", labels: "NEIDENTIFIKOVANO"},
		{name: "ambiguous account before vs decides", keys: "account,vs", p: keyed("11", "", "500", acctShared),
			reason: payments.AmbiguousAccount, by: "account", exit: 2, customers: "1001,A-ONE", labels: "NEIDENTIFIKOVANO"},
		{name: "vs before an ambiguous account decides", keys: "vs,account", p: keyed("11", "", "500", acctShared),
			reason: payments.Matched, by: "vs", invoices: "FV-1:500", customer: "1001", remainder: "ne", candidates: 1},
		{name: "unknown account falls through to no_varsym", keys: "vs,account", p: keyed("", "", "500", acctNobody),
			reason: payments.NoVarSym, exit: 2, labels: "NEIDENTIFIKOVANO"},
		{name: "unknown VS falls through to ss", keys: "vs,ss", p: keyed("99", "1001", "500", noAccount),
			reason: payments.Matched, by: "ss", invoices: "FV-1:500", customer: "1001", remainder: "ne", candidates: 3},
		{name: "nothing found with a VS: unknown_varsym", keys: "vs,ss,account,sum", p: keyed("99", "5", "500", acctNobody),
			reason: payments.UnknownVarSym, exit: 2, labels: "CHYBIFAKTURA"},
		{name: "order: vs first decides", keys: "vs,ss", p: keyed("21", "1001", "400", noAccount),
			reason: payments.Matched, by: "vs", invoices: "FV-4:400", customer: "A-ONE", remainder: "ne", candidates: 1},
		{name: "order: ss first decides", keys: "ss,vs", p: keyed("21", "1001", "300", noAccount),
			reason: payments.Matched, by: "ss", invoices: "FV-2:300", customer: "1001", remainder: "ne", candidates: 3},
		{name: "order: ss first decides even when it leaves the payment for manual work", keys: "ss,vs", p: keyed("21", "1001", "400", noAccount),
			reason: payments.Ambiguous, by: "ss", exit: 2, customer: "1001", labels: "NEIDENTIFIKOVANO", candidates: 3},
		{name: "order: account before ss", keys: "account,ss", p: keyed("", "77", "400", ibanAONE),
			reason: payments.Matched, by: "account", invoices: "FV-4:400", customer: "A-ONE", remainder: "ne", candidates: 1},
		{name: "already paired wins over every key", keys: "vs,ss,account,sum", p: func() payments.Payment {
			p := keyed("11", "1001", "500", acct1001)
			p.Movement.Paired = true
			return p
		}(), reason: payments.AlreadyMatched},
		{name: "no amount without VS", keys: "vs,ss", p: keyed("", "1001", "0", noAccount), reason: payments.InvalidAmount, exit: 2, labels: "NEIDENTIFIKOVANO"},
		{name: "a EUR payment to a customer owing crowns", keys: "ss,sum", p: inEUR(keyed("", "1001", "0", noAccount), "20"),
			reason: payments.CurrencyMismatch, by: "ss", exit: 2, customer: "1001", labels: "NEIDENTIFIKOVANO", candidates: 3},
		{name: "EUR: the sum of two euro invoices, not their crown figures", keys: "account,sum", p: inEUR(keyed("", "", "0", ibanEURO), "100"),
			reason: payments.MatchedSeveral, by: "account", invoices: "FV-E1:40,FV-E2:60", customer: "EURO", remainder: "ne", candidates: 3},
		{name: "EUR: one euro invoice of the customer's", keys: "account,sum", p: inEUR(keyed("", "", "0", ibanEURO), "60"),
			reason: payments.Matched, by: "account", invoices: "FV-E2:60", customer: "EURO", remainder: "ne", candidates: 3},
		{name: "EUR: the crown invoice by its crowns", keys: "account,sum", p: keyed("", "", "1500", ibanEURO),
			reason: payments.Matched, by: "account", invoices: "FV-E3:1500", customer: "EURO", remainder: "ne", candidates: 3},
		{name: "what earlier pairings left pays a sum", keys: "vs,sum", p: used(keyed("12", "", "1300", noAccount), "500", "FV-X"),
			reason: payments.MatchedSeveral, by: "vs", invoices: "FV-1:500,FV-2:300", customer: "1001", remainder: "ne", candidates: 3},
		{name: "the excess left and no key finds anything", keys: "vs,ss,account,sum", p: used(keyed("99", "", "1300", noAccount), "500", "FV-X"),
			reason: payments.AlreadyMatched},
	} {
		pol := pol
		if strings.Contains(tc.name, "manual overpayment") {
			pol.OverpayMode = payments.OverpayManual
		}
		d := payments.DecideKeys(tc.p, invs, accounts, mustKeys(tc.keys), pol)
		var codes []string
		for _, pay := range d.Pays {
			codes = append(codes, pay.Invoice.Code+":"+pay.Amount.String())
		}
		got := fmt.Sprintf("%s by=%q inv=%s exit=%d cust=%q custs=%s labels=%s rem=%q cands=%d",
			d.Reason, d.MatchedBy, strings.Join(codes, ","), d.ExitCode(), d.Customer, strings.Join(d.Customers, ","), strings.Join(d.Labels, ","), d.Remainder, d.Candidates)
		want := fmt.Sprintf("%s by=%q inv=%s exit=%d cust=%q custs=%s labels=%s rem=%q cands=%d",
			tc.reason, tc.by, tc.invoices, tc.exit, tc.customer, tc.customers, tc.labels, tc.remainder, tc.candidates)
		if got != want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, got, want)
		}
		if d.Pairs() != (tc.invoices != "") || d.Reason.Paired() != d.Pairs() {
			t.Errorf("%s: Pairs() = %v, Paired() = %v", tc.name, d.Pairs(), d.Reason.Paired())
		}
		if d.Reason == payments.MatchedSeveral {
			sum := decimal.Zero
			for _, pay := range d.Pays {
				sum = sum.Add(pay.Due)
			}
			if !sum.Equal(d.Due) || !d.Due.Equal(d.Amount) || d.Invoice.Code != d.Pays[0].Invoice.Code {
				t.Errorf("%s: due %s, amount %s, sum of the invoices %s, first %s", tc.name, d.Due, d.Amount, sum, d.Invoice.Code)
			}
		}
	}
}

// TestDecideKeysDefaultIsDecide: with the default keys the decision is the
// one of Decide over the invoices of the variable symbol alone, the PHP
// behaviour: other customers' invoices and the registered accounts change
// nothing.
func TestDecideKeysDefaultIsDecide(t *testing.T) {
	invs, accounts := snapshot()
	pol := payments.DefaultPolicy()
	for _, p := range []payments.Payment{
		keyed("11", "", "500", acct1001), keyed("", "1001", "500", acct1001), keyed("77", "", "200", noAccount),
		keyed("12", "", "100", noAccount), keyed("12", "", "800", noAccount), keyed("51", "", "40", noAccount),
		inEUR(keyed("51", "", "0", noAccount), "40"), used(keyed("99", "", "100", noAccount), "50", "FV-X"),
	} {
		got := payments.DecideKeys(p, invs, accounts, nil, pol)
		var ofVS []abraflexi.IssuedInvoice
		for _, inv := range invs {
			if payments.SameVarSym(inv.VariableSymbol, p.Movement.VariableSymbol) {
				ofVS = append(ofVS, inv)
			}
		}
		want := payments.Decide(p, ofVS, pol)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("VS %s: DecideKeys %+v\nDecide %+v", p.Movement.VariableSymbol, got, want)
		}
	}
	if d := payments.Decide(inEUR(keyed("51", "", "0", noAccount), "40"), invs, pol); d.Reason != payments.Matched || d.MatchedBy != payments.KeyVS {
		t.Errorf("a EUR payment of a EUR invoice: %s by %q", d.Reason, d.MatchedBy)
	}
}

func TestMatchedSeveralPairRequest(t *testing.T) {
	invs, accounts := snapshot()
	p := keyed("11", "", "800", noAccount)
	d := payments.DecideKeys(p, invs, accounts, mustKeys("vs,sum"), payments.DefaultPolicy())
	if d.Reason != payments.MatchedSeveral || !d.Due.Equal(decimal.NewFromInt(800)) || d.Invoice.Code != "FV-1" {
		t.Fatalf("decision %+v", d)
	}
	req, ok := d.PairRequest(p)
	if !ok || req.Invoice.String() != "1" || req.Amount != nil || len(req.More) != 1 || req.More[0].Invoice.String() != "2" ||
		req.More[0].Amount != nil || req.Remainder != abraflexi.RemainderNone || req.Validate() != nil {
		t.Errorf("pairing of several %+v, %v", req, ok)
	}
	// A payment that earlier pairings used in part names every amount.
	p = used(keyed("11", "", "1300", noAccount), "500", "FV-X")
	d = payments.DecideKeys(p, invs, accounts, mustKeys("vs,sum"), payments.DefaultPolicy())
	req, ok = d.PairRequest(p)
	if !ok || req.Amount == nil || !req.Amount.Equal(decimal.NewFromInt(500)) || len(req.More) != 1 ||
		req.More[0].Amount == nil || !req.More[0].Amount.Equal(decimal.NewFromInt(300)) {
		t.Errorf("pairing of several from a used payment %+v, %v", req, ok)
	}
	d = payments.DecideKeys(keyed("11", "", "500", noAccount), invs, accounts, mustKeys("vs,sum"), payments.DefaultPolicy())
	req, ok = d.PairRequest(p)
	if !ok || req.Invoice.String() != "1" || req.Remainder != abraflexi.RemainderNone || len(req.More) != 0 {
		t.Errorf("single pairing %+v, %v", req, ok)
	}
}

func TestPlanKeysCarriesEffects(t *testing.T) {
	invs, accounts := snapshot()
	mk := func(id int64, vs, ss, amount string, acc account) payments.Payment {
		p := keyed(vs, ss, amount, acc)
		p.Movement.ID = abraflexi.NumericID(id)
		return p
	}
	batch := []payments.Payment{
		mk(1, "11", "", "500", noAccount),          // FV-1 by vs
		mk(2, "", "1001", "300", noAccount),        // FV-2 by ss (oldest open of 300)
		mk(3, "", "", "200", acct1001),             // FV-3 by account: the one left
		mk(1, "11", "", "500", noAccount),          // the same payment again
		mk(4, "", "1001", "50", noAccount),         // 1001 owes nothing now: no candidates
		mk(5, "", "", "100", ibanAONE),             // FV-4 partly
		mk(6, "", "", "300", ibanAONE),             // FV-4's remaining 300
		mk(7, "", "", "10", ibanAONE),              // FV-4 paid: no candidates
		mk(8, "77", "", "200", noAccount),          // FV-S1 and FV-S2
		mk(9, "77", "", "100", noAccount),          // FV-S3, the one left
		inEUR(mk(10, "", "", "0", ibanEURO), "40"), // FV-E1, the euro invoice of 40
		inEUR(mk(11, "", "", "0", ibanEURO), "20"), // FV-E2 partly, the one euro invoice left
		inEUR(mk(12, "", "", "0", ibanEURO), "40"), // FV-E2's remaining 40 euros
	}
	ds := payments.PlanKeys(batch, invs, accounts, mustKeys("vs,ss,account,sum"), payments.DefaultPolicy())
	var got []string
	for _, d := range ds {
		var codes []string
		for _, pay := range d.Pays {
			codes = append(codes, pay.Invoice.Code)
		}
		got = append(got, fmt.Sprintf("%s/%s/%s", d.Reason, d.MatchedBy, strings.Join(codes, "+")))
	}
	want := []string{"matched/vs/FV-1", "matched/ss/FV-2", "matched/account/FV-3", "already_matched//",
		"no_varsym//", "matched_partial/account/FV-4", "matched/account/FV-4", "no_varsym//",
		"matched_several/vs/FV-S1+FV-S2", "matched/vs/FV-S3", "matched/account/FV-E1", "matched_partial/account/FV-E2", "matched/account/FV-E2"}
	if !slices.Equal(got, want) {
		t.Errorf("plan\n got %v\nwant %v", got, want)
	}
	// A plan of several: the sum pays FV-1..3, then nothing is left.
	ds = payments.PlanKeys([]payments.Payment{mk(1, "11", "", "1000", noAccount), mk(2, "12", "", "300", noAccount)},
		invs, accounts, mustKeys("vs,sum"), payments.DefaultPolicy())
	if ds[0].Reason != payments.MatchedSeveral || len(ds[0].Pays) != 3 || ds[1].Reason != payments.UnknownVarSym {
		t.Errorf("several then none: %s %d, %s", ds[0].Reason, len(ds[0].Pays), ds[1].Reason)
	}
	// The input snapshot is not changed.
	for _, inv := range invs {
		if inv.Code == "FV-1" && (!inv.Remaining.Equal(decimal.NewFromInt(500)) || inv.PaymentState != "") {
			t.Errorf("PlanKeys changed the caller's invoices: %s %s", inv.Remaining, inv.PaymentState)
		}
	}
}

// BenchmarkPlanKeys10k decides 10,000 payments with MATCH_KEYS=vs,ss,account,sum
// against 20,000 open invoices of 5,000 customers and their 5,000
// registered accounts: a quarter of the payments each by VS, SS, account
// and a sum of two invoices.
func BenchmarkPlanKeys10k(b *testing.B) {
	invs, accounts, batch := keysWorkload(5000, 10000)
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

// keysWorkload is a snapshot of customers with four open invoices of 500
// each and one registered account, and n payments: a quarter each by VS,
// SS, account and the sum of two invoices by VS.
func keysWorkload(customers, n int) ([]abraflexi.IssuedInvoice, []abraflexi.CustomerBankAccount, []payments.Payment) {
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
	var batch []payments.Payment
	for i := range n {
		c := i % customers
		code := fmt.Sprintf("%d", 10000+c)
		var p payments.Payment
		switch i % 4 {
		case 0:
			p = keyed(fmt.Sprintf("%d", c*4+1), "", "500", noAccount)
		case 1:
			p = keyed("", code, "500", noAccount)
		case 2:
			p = keyed("", "", "500", account{buc: fmt.Sprintf("%d", 1000000+c), bank: "0800"})
		default:
			p = keyed(fmt.Sprintf("%d", c*4+1), "", "1000", noAccount)
		}
		p.Movement.ID = abraflexi.NumericID(int64(i + 1))
		batch = append(batch, p)
	}
	return invs, accounts, batch
}

func ExampleMatchIndex_Decide() {
	invoice := func(id int64, vs, amount, due string) abraflexi.IssuedInvoice {
		return abraflexi.IssuedInvoice{ID: abraflexi.NumericID(id), Code: "FV-" + vs, Customer: abraflexi.RefTo(abraflexi.CodeID("1001")),
			VariableSymbol: vs, Total: decimal.RequireFromString(amount), Remaining: decimal.RequireFromString(amount),
			DueOn: abraflexi.MustParseDate(due), DocumentType: abraflexi.Ref{Fields: map[string]string{"typDoklK": abraflexi.KindInvoice}}}
	}
	keys, _ := payments.ParseMatchKeys("vs,ss,account,sum")
	ix := payments.NewMatchIndex([]abraflexi.IssuedInvoice{
		invoice(1, "202601", "600", "2026-01-15"), invoice(2, "202602", "600", "2026-02-15"),
	}, nil, keys, payments.DefaultPolicy())
	// The customer pays both months with the variable symbol of the first.
	d := ix.Decide(payments.Payment{Evidence: abraflexi.EvidenceBank, Movement: abraflexi.Movement{
		ID: abraflexi.NumericID(9), VariableSymbol: "202601", Total: decimal.RequireFromString("1200"), Direction: abraflexi.DirectionIncoming,
	}})
	fmt.Println(d.Reason, d.MatchedBy, len(d.Pays), d.ExitCode())
	// Output: matched_several vs 2 0
}
