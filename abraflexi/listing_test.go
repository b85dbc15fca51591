package abraflexi_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/abraflexi/abraflexitest"
)

// unpaid is the debt filter the dunning runs use.
var unpaid = abraflexi.And(
	abraflexi.Or(abraflexi.IsNull("stavUhrK"), abraflexi.Eq("stavUhrK", abraflexi.PaymentStatePartial)),
	abraflexi.IsFalse("storno"),
)

// seedDebts seeds n unpaid 500 CZK invoices issued on the same day (so they
// tie on the default sort key of documents) and returns their codes.
func seedDebts(t *testing.T, srv *abraflexitest.Server, n int) []string {
	t.Helper()
	srv.AddAddress(abraflexi.Address{Code: "CUST", Name: "Zákazník"})
	codes := make([]string, n)
	for i := range n {
		codes[i] = fmt.Sprintf("VF1-%04d/2026", i+1)
		srv.AddInvoice(abraflexi.IssuedInvoice{Code: codes[i], Customer: abraflexi.RefTo(abraflexi.CodeID("CUST")),
			Total: decimal.NewFromInt(500), IssuedOn: abraflexi.NewDate(2026, 10, 1), DueOn: abraflexi.NewDate(2026, 10, 15)})
	}
	return codes
}

func payByHand(srv *abraflexitest.Server, code string) {
	srv.Put(abraflexi.EvidenceIssuedInvoice, map[string]any{"id": "code:" + code, "stavUhrK": abraflexi.PaymentStatePaidManually})
}

// listDebtsWhilePaying lists the unpaid invoices page by page (10 a page)
// while the first 5 of them get paid right after the first page was
// answered, and returns how often each invoice was listed.
func listDebtsWhilePaying(t *testing.T, opts abraflexi.ListOptions) (seen map[string]int, codes []string, err error) {
	t.Helper()
	srv, c := newClient(t)
	codes = seedDebts(t, srv, 30)
	srv.OnRequest(abraflexitest.Matcher{Method: http.MethodGet, Evidence: abraflexi.EvidenceIssuedInvoice}, func(n int, _ *http.Request) {
		if n == 2 { // between the first and the second page
			for _, code := range codes[:5] {
				payByHand(srv, code)
			}
		}
	})
	opts.Filter, opts.PageSize = unpaid, 10
	seen = map[string]int{}
	for inv, lerr := range c.IssuedInvoices.List(context.Background(), opts) {
		if lerr != nil {
			return seen, codes, lerr
		}
		seen[inv.Code]++
	}
	return seen, codes, nil
}

// TestListSeesEveryStillMatchingRecordOnce pays invoices between the pages
// of a debt listing: every invoice that stays unpaid is listed exactly
// once.
func TestListSeesEveryStillMatchingRecordOnce(t *testing.T) {
	seen, codes, err := listDebtsWhilePaying(t, abraflexi.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range codes[5:] { // unpaid from the first request to the last
		if seen[code] != 1 {
			t.Errorf("%s, unpaid throughout, listed %d times", code, seen[code])
		}
	}
	for code, n := range seen {
		if n != 1 {
			t.Errorf("%s listed %d times", code, n)
		}
	}
}

// TestListByOffsetSkipsRecordsWhenDataChanges documents the caveat of a
// caller-specified order: the same payments shift the offsets and debtors
// who still owe are skipped. (This is the failure keyset paging removes.)
func TestListByOffsetSkipsRecordsWhenDataChanges(t *testing.T) {
	seen, codes, err := listDebtsWhilePaying(t, abraflexi.ListOptions{Order: []string{"kod@D"}})
	if err != nil {
		t.Fatal(err)
	}
	skipped := 0
	for _, code := range codes[5:] {
		if seen[code] == 0 {
			skipped++
		}
	}
	if skipped != 5 {
		t.Fatalf("offset paging skipped %d still-unpaid invoices, want 5 (the paid ones shifted the offsets)", skipped)
	}
}

// TestListTiedRowsOnDefaultSort: the test server, like a database, returns
// rows that tie on the default sort key (all invoices issued the same day)
// in a different order on every request, so limit/start paging without an
// id order sees some rows twice and misses others; the client's keyset
// listing sees each once.
func TestListTiedRowsOnDefaultSort(t *testing.T) {
	srv, c := newClient(t)
	codes := seedDebts(t, srv, 30)
	cfg := srv.Config()
	offsetSeen := map[string]int{}
	for start := 0; start < 30; start += 10 {
		req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("%s/c/%s/faktura-vydana.json?detail=custom:kod&limit=10&start=%d", srv.URL, cfg.Company, start), nil)
		req.SetBasicAuth(cfg.Login, cfg.Password)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		for _, code := range codes {
			if strings.Contains(string(body), `"`+code+`"`) {
				offsetSeen[code]++
			}
		}
	}
	if len(offsetSeen) == len(codes) {
		t.Fatalf("offset paging over tied rows saw all %d invoices; the test server does not reorder ties", len(codes))
	}
	got, err := c.IssuedInvoices.All(context.Background(), abraflexi.ListOptions{PageSize: 10})
	if err != nil {
		t.Fatal(err)
	}
	keyset := map[string]int{}
	for _, inv := range got {
		keyset[inv.Code]++
	}
	for _, code := range codes {
		if keyset[code] != 1 {
			t.Errorf("%s listed %d times by keyset paging", code, keyset[code])
		}
	}
}

// orderedFake answers listings from ids with the given order, honouring
// "id gt N" and limit, with the row count.
func orderedFake(t *testing.T, ids func(after int, order string) []int) (*abraflexi.Client, func() []string) {
	t.Helper()
	var mu sync.Mutex
	var queries []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		after := 0
		if _, rest, ok := strings.Cut(p, "id gt "); ok {
			fmt.Sscanf(rest, "%d", &after)
		}
		mu.Lock()
		queries = append(queries, r.URL.Query().Get("order"))
		mu.Unlock()
		all := ids(after, r.URL.Query().Get("order"))
		var limit int
		fmt.Sscanf(r.URL.Query().Get("limit"), "%d", &limit)
		page := all[:min(limit, len(all))]
		var recs []string
		for _, id := range page {
			recs = append(recs, fmt.Sprintf(`{"id":"%d"}`, id))
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"winstrom":{"@version":"1.0","@rowCount":"%d","banka":[%s]}}`, len(all), strings.Join(recs, ","))
	}))
	t.Cleanup(srv.Close)
	c, err := abraflexi.NewClient(abraflexi.Config{URL: srv.URL, Login: "u", Password: "p", Company: "demo"},
		abraflexi.WithRetry(0, time.Millisecond, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	return c, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), queries...)
	}
}

func idsAbove(after int, n int) []int {
	var out []int
	for i := after + 1; i <= n; i++ {
		out = append(out, i)
	}
	return out
}

func TestListOutOfOrderPageIsInconsistent(t *testing.T) {
	// The second page comes back shuffled.
	c, _ := orderedFake(t, func(after int, _ string) []int {
		ids := idsAbove(after, 25)
		if after > 0 {
			ids[0], ids[1] = ids[1], ids[0]
		}
		return ids
	})
	var got int
	var err error
	for _, e := range c.Bank.List(context.Background(), abraflexi.ListOptions{PageSize: 10}) {
		if e != nil {
			err = e
			break
		}
		got++
	}
	if !errors.Is(err, abraflexi.ErrInconsistentListing) {
		t.Fatalf("err = %v, want ErrInconsistentListing", err)
	}
	if got != 10 {
		t.Fatalf("%d records yielded before the error, want the 10 of the first page only", got)
	}
	if !strings.Contains(err.Error(), "banka page 2") {
		t.Fatalf("error does not name the evidence and page: %v", err)
	}
	// A page that starts at or below the previous page's last id.
	c, _ = orderedFake(t, func(after int, _ string) []int { return idsAbove(max(after-1, 0), 25) })
	if _, err := c.Bank.All(context.Background(), abraflexi.ListOptions{PageSize: 10}); !errors.Is(err, abraflexi.ErrInconsistentListing) {
		t.Fatalf("overlapping pages: err = %v", err)
	}
}

// TestListServerWithOtherSuffixReading: a server that reads id@D as
// descending is detected on the first page and asked again with id@A; the
// client keeps using id@A.
func TestListServerWithOtherSuffixReading(t *testing.T) {
	c, queries := orderedFake(t, func(after int, order string) []int {
		ids := idsAbove(after, 25)
		if order == "id@D" { // descending on this server
			for i, j := 0, len(ids)-1; i < j; i, j = i+1, j-1 {
				ids[i], ids[j] = ids[j], ids[i]
			}
		}
		return ids
	})
	for range 2 {
		got, err := c.Bank.All(context.Background(), abraflexi.ListOptions{PageSize: 10})
		if err != nil || len(got) != 25 || got[0].ID != abraflexi.NumericID(1) || got[24].ID != abraflexi.NumericID(25) {
			t.Fatalf("%d records, err %v", len(got), err)
		}
	}
	want := "id@D id@A id@A id@A id@A id@A id@A" // one request more, once
	if got := strings.Join(queries(), " "); got != want {
		t.Fatalf("orders %s, want %s", got, want)
	}
}
