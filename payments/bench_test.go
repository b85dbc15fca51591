package payments_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/payments"
)

// seedBatch stores n incoming bank payments and their invoices: 80% exact,
// 10% partial, 4% overpayments, 3% with an unknown variable symbol and 3%
// without one. It returns how many payments should pair.
func seedBatch(tb testing.TB, w *world, n int) (paired int) {
	tb.Helper()
	recs := make([]any, 0, 2*n)
	for i := range n {
		vs := fmt.Sprintf("%d", 1000000+i)
		amount := decimal.NewFromInt(int64(100 + i%900))
		recs = append(recs, abraflexi.IssuedInvoice{Code: "VF-" + vs, VariableSymbol: vs, Total: amount, Remaining: amount,
			IssuedOn: abraflexi.NewDate(2026, 1, 1), DocumentType: abraflexi.RefTo(abraflexi.CodeID("FAKTURA"))})
		pay := abraflexi.Movement{Code: "B-" + vs, VariableSymbol: "00" + vs, Total: amount,
			Direction: abraflexi.DirectionIncoming, IssuedOn: abraflexi.NewDate(2026, 1, 1+i%28)}
		switch p := i % 100; {
		case p < 80:
			paired++
		case p < 90:
			pay.Total = amount.Sub(decimal.NewFromInt(50))
			paired++
		case p < 94:
			pay.Total = amount.Add(decimal.RequireFromString("0.01"))
			paired++
		case p < 97:
			pay.VariableSymbol = "9" + vs
		default:
			pay.VariableSymbol = ""
		}
		recs = append(recs, abraflexi.BankMovement{Movement: pay})
	}
	w.srv.Seed(recs...)
	return paired
}

// TestBatchRequests matches 2,000 payments against the in-memory
// AbraFlexi and checks that the request count grows with pages and
// batches, not with payments. BenchmarkMatchSince10000 measures 10,000.
func TestBatchRequests(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds 4,000 records")
	}
	w := newWorld(t)
	const n = 2000
	wantPaired := seedBatch(t, w, n)
	w.srv.ResetRequests()
	start := time.Now()
	res, err := w.matcher(func(c *payments.Config) { c.Evidence = payments.EvidenceBank }).MatchSince(ctx, abraflexi.NewDate(2026, 1, 1))
	if err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	sum := payments.Summary(res)
	if got := sum[payments.Matched] + sum[payments.MatchedPartial] + sum[payments.MatchedOverpayment]; got != wantPaired || len(res) != n {
		t.Fatalf("paired %d of %d, want %d; summary %v", got, len(res), wantPaired, sum)
	}
	reads := w.srv.RequestCount(http.MethodGet, "")
	writes := w.srv.RequestCount(http.MethodPost, "")
	// Reads: 2 pages of payments + 2 pages of invoices (page size 1000) +
	// the label codebook. Writes: 19 pairing batches of 100 (1,880
	// pairings) + labels PREPLATEK, CHYBIFAKTURA, NEIDENTIFIKOVANO, one
	// batch each.
	if reads != 5 || writes != 22 {
		t.Errorf("%d reads and %d writes for %d payments", reads, writes, n)
	}
	t.Logf("%d payments: %d reads + %d writes = %d requests in %v; %v", n, reads, writes, reads+writes, elapsed.Round(time.Millisecond), sum)
}

// BenchmarkMatchSince10000 matches 10,000 payments against the in-memory
// AbraFlexi over HTTP (seeding excluded from the time).
func BenchmarkMatchSince10000(b *testing.B) {
	const n = 10000
	var requests int
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		w := newWorld(b)
		seedBatch(b, w, n)
		w.srv.ResetRequests()
		m := w.matcher(func(c *payments.Config) { c.Evidence = payments.EvidenceBank })
		b.StartTimer()
		if _, err := m.MatchSince(ctx, abraflexi.NewDate(2026, 1, 1)); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		requests = len(w.srv.Requests())
		w.srv.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(requests), "requests/op")
}

// BenchmarkPlan10000 is the pure part: deciding 10,000 payments against
// 10,000 open invoices in memory.
func BenchmarkPlan10000(b *testing.B) {
	const n = 10000
	pays := make([]payments.Payment, n)
	invs := make([]abraflexi.IssuedInvoice, n)
	for i := range n {
		vs := fmt.Sprintf("%d", 1000000+i)
		amount := decimal.NewFromInt(int64(100 + i%900))
		invs[i] = openInvoice(int64(i+1), "VF-"+vs, vs, amount.String())
		pays[i] = payments.Payment{Evidence: abraflexi.EvidenceBank, Movement: movement(int64(i+1), "B-"+vs, "00"+vs, amount.Sub(decimal.NewFromInt(int64(i%3))).String())}
	}
	pol := payments.DefaultPolicy()
	for b.Loop() {
		payments.Plan(pays, invs, pol)
	}
}

// BenchmarkMatchSinceKeys10000 matches 10,000 payments of 10,000
// customers (20,000 open invoices, 10,000 registered accounts) with
// MATCH_KEYS=vs,ss,account,sum against the in-memory AbraFlexi over HTTP:
// a quarter each by variable symbol, by specific symbol, by the payer's
// account and paying two invoices at once (seeding excluded from the
// time; see seedKeysBatch).
func BenchmarkMatchSinceKeys10000(b *testing.B) {
	const n = 10000
	keys, err := payments.ParseMatchKeys("vs,ss,account,sum")
	if err != nil {
		b.Fatal(err)
	}
	var requests, several int
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		w := newWorld(b)
		seedKeysBatch(b, w, n)
		w.srv.ResetRequests()
		m := w.matcher(func(c *payments.Config) { c.Evidence, c.Keys = payments.EvidenceBank, keys })
		b.StartTimer()
		res, err := m.MatchSince(ctx, abraflexi.NewDate(2026, 1, 1))
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		requests = len(w.srv.Requests())
		several = payments.Summary(res)[payments.MatchedSeveral]
		w.srv.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(requests), "requests/op")
	b.ReportMetric(float64(several), "several/op")
}
