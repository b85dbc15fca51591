package pipelinea_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/abraflexi/abraflexitest"
)

// TestPaidBetweenPagesOfTheDebtListing is issue 11 part 3 through the
// built unblocknet: invoices get paid between the pages of its debt
// listing, and nobody who still owes is unblocked. The listing is longer
// than the client's page (abraflexi.DefaultPageSize, 1000 records): the
// five payers' invoices are on the first page and paid after it was
// answered, and the five debtors' invoices are the first records of the
// second page. A listing paged by offset would skip exactly those (the
// paid invoices drop out of the filter, so the offset moves past the
// debtors) and unblock the debtors; paged by id it sees every record once.
func TestPaidBetweenPagesOfTheDebtListing(t *testing.T) {
	t.Parallel()
	const page = abraflexi.DefaultPageSize
	var hosts strings.Builder
	var specs []customerSpec
	for i, code := range []string{"P1", "P2", "P3", "P4", "P5", "D1", "D2", "D3", "D4", "D5"} {
		fmt.Fprintf(&hosts, "10.0.4.%d\t%s\t#speed=0 orig=100 {code:%s}\n", i+1, strings.ToLower(code), code)
		specs = append(specs, customerSpec{code: code, labels: []string{"ODPOJENO"}})
	}
	f := newSafetyFixture(t, hosts.String(), specs...)
	f.srv.AddAddress(abraflexi.Address{Code: "FILLER", Name: "Owes a lot, not disconnected"})
	today := abraflexi.DateOf(time.Now())
	invoice := func(code, customer string) abraflexi.IssuedInvoice {
		a := decimal.NewFromInt(100)
		return abraflexi.IssuedInvoice{Code: code, Customer: abraflexi.RefTo(abraflexi.CodeID(customer)), VariableSymbol: "9",
			Total: a, Remaining: a, IssuedOn: today.AddDays(-45), DueOn: today.AddDays(-30), DocumentType: abraflexi.RefTo(abraflexi.CodeID("FAKTURA"))}
	}
	// ids ascending in this order: the payers, fillers up to the end of
	// the first page, the debtors, a second page of fillers.
	var recs []any
	for i := 1; i <= 5; i++ {
		recs = append(recs, invoice(fmt.Sprintf("FV-P%d", i), fmt.Sprintf("P%d", i)))
	}
	for i := len(recs); i < page; i++ {
		recs = append(recs, invoice(fmt.Sprintf("FV-X%04d", i), "FILLER"))
	}
	for i := 1; i <= 5; i++ {
		recs = append(recs, invoice(fmt.Sprintf("FV-D%d", i), fmt.Sprintf("D%d", i)))
	}
	for i := range page {
		recs = append(recs, invoice(fmt.Sprintf("FV-Y%04d", i), "FILLER"))
	}
	f.srv.Seed(recs...)

	// Before the second page of every invoice listing is answered, the
	// payers' invoices are paid.
	var listings, paid atomic.Int32
	remove := f.srv.OnRequest(abraflexitest.Matcher{Method: http.MethodGet, Evidence: abraflexi.EvidenceIssuedInvoice}, func(n int, _ *http.Request) {
		listings.Add(1)
		if n == 2 {
			for i := 1; i <= 5; i++ {
				f.srv.Put(abraflexi.EvidenceIssuedInvoice, map[string]any{"id": fmt.Sprintf("code:FV-P%d", i), "stavUhrK": abraflexi.PaymentStatePaidManually})
			}
			paid.Store(1)
		}
	})
	r := f.run(appUnblock)
	remove()
	if paid.Load() != 1 || listings.Load() < 3 {
		t.Fatalf("the debt listing took %d requests and the payers paid %v: the test needs the payments between its pages", listings.Load(), paid.Load() == 1)
	}
	if r.code != 0 {
		t.Fatalf("unblock: exit %d\n%s\n%s", r.code, r.raw, r.stderr)
	}
	want := map[string]string{}
	for i := 1; i <= 5; i++ {
		want[fmt.Sprintf("D%d", i)] = "still_owes"
		want[fmt.Sprintf("P%d", i)] = "still_owes" // read as owing on the first page; the next run unblocks them
	}
	expectActions(t, appUnblock, r, want)
	for i := 1; i <= 5; i++ {
		if s, o := f.repo.state(fmt.Sprintf("10.0.4.%d", 5+i)); s != 0 || o != 100 {
			t.Errorf("D%d, who still owes, at speed %d (original %d)", i, s, o)
		}
	}

	r = f.run(appUnblock)
	for i := 1; i <= 5; i++ {
		want[fmt.Sprintf("P%d", i)] = "unblocked"
	}
	expectActions(t, appUnblock, r, want)
	for i := 1; i <= 10; i++ {
		wantSpeed := map[bool]int{true: 100, false: 0}[i <= 5]
		if s, _ := f.repo.state(fmt.Sprintf("10.0.4.%d", i)); s != wantSpeed {
			t.Errorf("10.0.4.%d at speed %d after the second run, want %d", i, s, wantSpeed)
		}
	}
}
