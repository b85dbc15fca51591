package pipelinea_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/abraflexi/abraflexitest"
	"github.com/spoje-net/isptools/examples/internal/apptest"
)

// TestMinDebtPerCurrency runs the built mark, block and unblock apps on
// debts in euros: MIN_DEBT applies to each currency's sum by its own
// amount, never to the crown figure (zbyvaUhradit) of a euro invoice nor
// to crowns and euros added up, and mark and unblock agree on it.
func TestMinDebtPerCurrency(t *testing.T) {
	t.Parallel()
	requireSVN(t)
	if testing.Short() {
		t.Skip("end-to-end test skipped in -short mode")
	}
	f := &fixture{t: t, srv: abraflexitest.NewServer(t), bin: buildApps(t), schema: apptest.ReportSchema(t),
		repo: newRepo(t, "10.0.1.1\tsmall\t#speed=100 {code:EURSMALL}\n10.0.1.2\tbig\t#speed=100 {code:EURBIG}\n10.0.1.3\tmix\t#speed=100 {code:MIX}\n"),
		ids:  map[string]abraflexi.ID{}, inv: map[string]abraflexi.ID{}}
	var err error
	if f.client, err = abraflexi.NewClient(f.srv.Config()); err != nil {
		t.Fatal(err)
	}
	today := abraflexi.DateOf(time.Now())
	eur := abraflexi.RefTo(abraflexi.CodeID("EUR"))
	invoice := func(code, customer, czk, euros string) abraflexi.ID {
		inv := abraflexi.IssuedInvoice{Code: code, Customer: abraflexi.RefTo(abraflexi.CodeID(customer)),
			VariableSymbol: fmt.Sprint(2000 + len(f.inv)), Total: decimal.RequireFromString(czk), Remaining: decimal.RequireFromString(czk),
			IssuedOn: today.AddDays(-45), DueOn: today.AddDays(-30), DocumentType: abraflexi.RefTo(abraflexi.CodeID("FAKTURA"))}
		if euros != "" {
			inv.Currency = eur
			inv.TotalInCurrency, inv.RemainingInCurrency = decimal.RequireFromString(euros), decimal.RequireFromString(euros)
		}
		id := f.srv.AddInvoice(inv)
		f.inv[code] = id
		return id
	}
	for _, c := range []string{"EURSMALL", "EURBIG", "MIX"} {
		f.ids[c] = f.srv.AddAddress(abraflexi.Address{Code: c, Name: "Customer " + c, Labels: abraflexi.Labels("UPOMINKA3")})
		f.srv.AddContract(abraflexi.Contract{Code: "SML-" + c, Customer: abraflexi.RefTo(abraflexi.CodeID(c)),
			Type: abraflexi.RefTo(abraflexi.CodeID("INTERNET")), ValidFrom: abraflexi.NewDate(2024, time.January, 1)})
	}
	invoice("FE-SMALL", "EURSMALL", "1000", "40") // 40 EUR: 1000 CZK at the invoice's rate
	big := invoice("FE-BIG", "EURBIG", "3750", "150")
	invoice("FC-MIX", "MIX", "60", "")
	invoice("FE-MIX", "MIX", "1500", "60") // 60 CZK + 60 EUR: each below 100

	r := f.run(appMark, "MIN_DEBT=100")
	if r.code != 0 {
		t.Fatalf("mark: exit %d\n%s\n%s", r.code, r.raw, r.stderr)
	}
	expectActions(t, appMark, r, map[string]string{"EURSMALL": "no_debt_skipped", "EURBIG": "marked_for_disconnection", "MIX": "no_debt_skipped"})
	for code, want := range map[string]string{"EURSMALL": "owes 40 EUR on 1 invoice", "MIX": "owes 60 CZK on 1 invoice; owes 60 EUR on 1 invoice"} {
		if why, _ := r.customers()[code]["why"].(string); !strings.Contains(why, want) {
			t.Errorf("mark: %s why %q, want it to say %q", code, why, want)
		}
	}
	if due := r.customers()["EURBIG"]["due"]; due != float64(150) {
		t.Errorf("mark: EURBIG due %v, want 150 (euros, not the 3750 crowns)", due)
	}

	if r = f.run(appBlock); r.code != 0 || r.actions()["EURBIG"] != "blocked" {
		t.Fatalf("block: exit %d\n%s\n%s", r.code, r.raw, r.stderr)
	}

	// 60 of the 150 euros paid: 90 EUR left (2250 CZK at the invoice's
	// rate). Above a MIN_DEBT of 0 it still owes, below 100 it does not.
	pay := f.srv.AddBankMovement(abraflexi.BankMovement{Movement: abraflexi.Movement{VariableSymbol: "2001", Total: decimal.NewFromInt(1500),
		TotalInCurrency: decimal.NewFromInt(60), Currency: eur, IssuedOn: today, Direction: abraflexi.DirectionIncoming,
		Payer: abraflexi.RefTo(abraflexi.CodeID("EURBIG"))}})
	sixty := decimal.NewFromInt(60)
	if err := f.client.Pair(context.Background(), abraflexi.PairRequest{PaymentEvidence: abraflexi.EvidenceBank, Payment: pay,
		Invoice: big, Amount: &sixty, Remainder: abraflexi.RemainderPartial}); err != nil {
		t.Fatalf("pairing 60 EUR: %v", err)
	}
	if inv, _ := f.srv.Invoice(big); !inv.RemainingInCurrency.Equal(decimal.NewFromInt(90)) || !inv.Remaining.GreaterThan(decimal.NewFromInt(100)) {
		t.Fatalf("after paying 60 EUR the invoice shows %s CZK / %s EUR left, want 90 EUR and more than 100 CZK", inv.Remaining, inv.RemainingInCurrency)
	}
	r = f.run(appUnblock, "DRY_RUN=true")
	if r.code != 0 || r.actions()["EURBIG"] != "still_owes" || r.customers()["EURBIG"]["due"] != float64(90) {
		t.Errorf("unblock with MIN_DEBT 0: exit %d\n%s", r.code, r.raw)
	}
	r = f.run(appUnblock, "MIN_DEBT=100")
	if r.code != 0 || r.actions()["EURBIG"] != "unblocked" {
		t.Fatalf("unblock with MIN_DEBT 100: exit %d\n%s\n%s", r.code, r.raw, r.stderr)
	}
	if s, o := f.repo.state("10.0.1.2"); s != 100 || o != -1 {
		t.Errorf("EURBIG's IP at speed %d (original %d) after the unblock", s, o)
	}

	// HOME_CURRENCY is read case-insensitively, and a bad value is a
	// configuration error of both apps.
	if r = f.run(appMark, "MIN_DEBT=100", "HOME_CURRENCY=czk", "DRY_RUN=true"); r.code != 0 || r.actions()["EURSMALL"] != "no_debt_skipped" || r.actions()["MIX"] != "no_debt_skipped" {
		t.Errorf("mark with HOME_CURRENCY=czk: exit %d\n%s", r.code, r.raw)
	}
	for _, app := range []string{appMark, appUnblock} {
		r := f.run(app, "HOME_CURRENCY=euro")
		if msg, _ := r.report["message"].(string); r.code != 1 || !strings.Contains(msg, "HOME_CURRENCY") {
			t.Errorf("%s with HOME_CURRENCY=euro: exit %d, message %q", app, r.code, msg)
		}
	}
}
