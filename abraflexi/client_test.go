package abraflexi_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/abraflexi/abraflexitest"
)

func newClient(t *testing.T, opts ...abraflexitest.Option) (*abraflexitest.Server, *abraflexi.Client) {
	t.Helper()
	srv := abraflexitest.NewServer(t, opts...)
	c, err := abraflexi.NewClient(srv.Config(), abraflexi.WithRetry(3, time.Millisecond, 2*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

func TestServerReadRetriedOn503(t *testing.T) {
	srv, c := newClient(t)
	id := srv.AddAddress(abraflexi.Address{Code: "CUST1", Name: "Novák", Labels: abraflexi.Labels("VIP")})
	srv.ResetRequests()
	srv.FailNext(2, http.StatusServiceUnavailable, abraflexitest.Matcher{Method: "GET", Evidence: abraflexi.EvidenceAddress})
	a, err := c.Addresses.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if a.Code != "CUST1" || !a.Labels.Has("VIP") {
		t.Fatalf("%+v", a)
	}
	if n := srv.RequestCount("GET", abraflexi.EvidenceAddress); n != 3 {
		t.Fatalf("%d GET requests, want 3", n)
	}
}

func TestServerWriteNotRetriedOn503(t *testing.T) {
	srv, c := newClient(t)
	srv.FailNext(1, http.StatusServiceUnavailable, abraflexitest.Matcher{Method: "POST"})
	// No id: a create that is not replay-safe.
	_, err := c.Addresses.Upsert(context.Background(), []abraflexi.Fields{{"kod": "NEW1", "nazev": "x"}}, abraflexi.WriteOptions{})
	var ae *abraflexi.APIError
	if !errors.As(err, &ae) || ae.StatusCode != 503 {
		t.Fatalf("err %v", err)
	}
	if n := srv.RequestCount("POST", ""); n != 1 {
		t.Fatalf("%d POST requests, want 1", n)
	}
	// Keyed by code: it is retried.
	srv.FailNext(1, http.StatusServiceUnavailable, abraflexitest.Matcher{Method: "POST"})
	if _, err := c.Addresses.Upsert(context.Background(), []abraflexi.Fields{{"id": "code:NEW1", "nazev": "x"}}, abraflexi.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	if n := srv.RequestCount("POST", ""); n != 3 {
		t.Fatalf("%d POST requests, want 3", n)
	}
}

func seedPayment(t *testing.T, srv *abraflexitest.Server) (inv, pay abraflexi.ID) {
	t.Helper()
	ids := srv.Seed(
		abraflexi.Address{Code: "CUST1", Name: "Novák"},
		abraflexi.IssuedInvoice{Code: "VF1-0001/2026", Customer: abraflexi.RefTo(abraflexi.CodeID("CUST1")),
			VariableSymbol: "20260001", Total: decimal.NewFromInt(500), IssuedOn: abraflexi.NewDate(2026, 1, 1),
			DueOn: abraflexi.NewDate(2026, 1, 15), DocumentType: abraflexi.RefTo(abraflexi.CodeID("FAKTURA"))},
		abraflexi.BankMovement{Movement: abraflexi.Movement{Code: "B+0001/2026", VariableSymbol: "20260001",
			Total: decimal.NewFromInt(500), IssuedOn: abraflexi.NewDate(2026, 1, 10), Direction: abraflexi.DirectionIncoming}},
	)
	return ids[1], ids[2]
}

func TestServerPairAmbiguous500PairsOnce(t *testing.T) {
	for _, drop := range []bool{false, true} {
		t.Run(fmt.Sprintf("drop=%v", drop), func(t *testing.T) {
			srv, c := newClient(t)
			inv, pay := seedPayment(t, srv)
			m := abraflexitest.Matcher{Method: "POST", Evidence: abraflexi.EvidenceBank}
			if drop {
				srv.DropNext(1, m, abraflexitest.Applied())
			} else {
				srv.FailNext(1, http.StatusInternalServerError, m, abraflexitest.Applied())
			}
			err := c.Pair(context.Background(), abraflexi.PairRequest{PaymentEvidence: abraflexi.EvidenceBank,
				Payment: abraflexi.CodeID("B+0001/2026"), Invoice: abraflexi.CodeID("VF1-0001/2026"), Remainder: abraflexi.RemainderNone})
			if err != nil {
				t.Fatalf("Pair: %v", err)
			}
			if n := srv.RequestCount("POST", abraflexi.EvidenceBank); n != 1 {
				t.Fatalf("%d pairing writes, want 1", n)
			}
			if n := srv.Count("vazba"); n != 1 {
				t.Fatalf("%d vazba records, want 1", n)
			}
			got, _ := srv.Invoice(inv)
			if got.PaymentState != abraflexi.PaymentStatePaid || !got.Remaining.IsZero() {
				t.Fatalf("invoice %+v", got)
			}
			mv, _ := srv.Movement(abraflexi.EvidenceBank, pay)
			if !mv.Paired {
				t.Fatal("payment not paired")
			}
			// Pairing again is refused without a write.
			err = c.Pair(context.Background(), abraflexi.PairRequest{PaymentEvidence: abraflexi.EvidenceBank,
				Payment: pay, Invoice: inv, Remainder: abraflexi.RemainderNone})
			if !errors.Is(err, abraflexi.ErrAlreadyPaired) || srv.RequestCount("POST", abraflexi.EvidenceBank) != 1 {
				t.Fatalf("second Pair: %v", err)
			}
		})
	}
}

func TestServerPairFailureNotApplied(t *testing.T) {
	srv, c := newClient(t)
	inv, pay := seedPayment(t, srv)
	srv.FailNext(1, http.StatusInternalServerError, abraflexitest.Matcher{Method: "POST", Evidence: abraflexi.EvidenceBank})
	amt := decimal.NewFromInt(200)
	req := abraflexi.PairRequest{PaymentEvidence: abraflexi.EvidenceBank, Payment: pay, Invoice: inv,
		Amount: &amt, Remainder: abraflexi.RemainderPartialOrIgnore}
	err := c.Pair(context.Background(), req)
	var ae *abraflexi.APIError
	if !errors.As(err, &ae) || ae.StatusCode != 500 {
		t.Fatalf("err %v", err)
	}
	if srv.Count("vazba") != 0 {
		t.Fatal("paired although the server did not apply it")
	}
	// The caller may retry.
	if err := c.Pair(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	got, _ := srv.Invoice(inv)
	if !got.Remaining.Equal(decimal.NewFromInt(300)) || got.PaymentState != abraflexi.PaymentStatePartial {
		t.Fatalf("invoice %+v", got)
	}
}

func TestServerPairRejected(t *testing.T) {
	srv, c := newClient(t)
	inv, pay := seedPayment(t, srv)
	amt := decimal.NewFromInt(200)
	err := c.Pair(context.Background(), abraflexi.PairRequest{PaymentEvidence: abraflexi.EvidenceBank,
		Payment: pay, Invoice: inv, Amount: &amt, Remainder: abraflexi.RemainderNone})
	var ae *abraflexi.APIError
	if !errors.As(err, &ae) || ae.StatusCode != 400 || len(ae.Messages) == 0 {
		t.Fatalf("err %v", err)
	}
}

func TestServerFilterInjection(t *testing.T) {
	srv, c := newClient(t)
	const evil = "X' or kod ne '"
	srv.Seed(
		abraflexi.Address{Code: "A1", Name: evil},
		abraflexi.Address{Code: "A2", Name: "X"},
		abraflexi.Address{Code: "A3", Name: "Other"},
	)
	srv.ResetRequests()
	ctx := context.Background()
	for _, f := range []abraflexi.Filter{
		abraflexi.Eq("nazev", evil),
		abraflexi.Eq("kod", evil),
		abraflexi.Eq("nazev", `X' or nazev ne "`),
		abraflexi.Like("nazev", "X') or (kod ne 'A"),
		abraflexi.In("kod", "A1", "A2') or (kod ne 'A"),
		abraflexi.RelEq("firma", abraflexi.CodeID(evil)),
		abraflexi.HasLabel("VIP' or kod ne '"),
		abraflexi.Eq("nazev", "X\nor kod ne 'A'"),
		abraflexi.And(abraflexi.Eq("kod", "A1"), abraflexi.Eq("nazev", evil)),
		abraflexi.Or(abraflexi.Eq("kod", "A1"), abraflexi.Not(abraflexi.Eq("nazev", evil))),
	} {
		got, err := c.Addresses.All(ctx, abraflexi.ListOptions{Filter: f})
		if !errors.Is(err, abraflexi.ErrInvalidFilter) || got != nil {
			t.Errorf("List accepted an injection value: %d records, err %v", len(got), err)
		}
		if n, err := c.Addresses.Count(ctx, f); !errors.Is(err, abraflexi.ErrInvalidFilter) || n != 0 {
			t.Errorf("Count accepted an injection value: %d %v", n, err)
		}
	}
	if n, err := c.Addresses.Count(ctx, abraflexi.Eq("nazev", "a\\' or 1")); !errors.Is(err, abraflexi.ErrInvalidFilter) || n != 0 {
		t.Fatalf("count %d %v", n, err)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Fatalf("%d requests sent for refused filters", n)
	}
	// Values with double quotes, parentheses and keywords stay inside their literal.
	srv.Seed(abraflexi.Address{Code: "A4", Name: `say "hi") or`})
	got, err := c.Addresses.All(ctx, abraflexi.ListOptions{Filter: abraflexi.Eq("nazev", `say "hi") or`)})
	if err != nil || len(got) != 1 || got[0].Code != "A4" {
		t.Fatalf("got %+v %v", got, err)
	}
	got, err = c.Addresses.All(ctx, abraflexi.ListOptions{Filter: abraflexi.Eq("nazev", "X) or (kod ne A")})
	if err != nil || len(got) != 0 {
		t.Fatalf("got %+v %v", got, err)
	}
}

func TestServerFilters(t *testing.T) {
	srv, c := newClient(t)
	srv.Seed(
		abraflexi.Address{Code: "C1", Name: "Alfa"},
		abraflexi.Address{Code: "C2", Name: "Beta", Labels: abraflexi.Labels("VIP")},
		abraflexi.IssuedInvoice{Code: "VF1-1", Customer: abraflexi.RefTo(abraflexi.CodeID("C1")), VariableSymbol: "1",
			Total: decimal.NewFromInt(100), IssuedOn: abraflexi.NewDate(2026, 1, 1), DueOn: abraflexi.NewDate(2026, 1, 10),
			DocumentType: abraflexi.RefTo(abraflexi.CodeID("FAKTURA"))},
		abraflexi.IssuedInvoice{Code: "VF1-2", Customer: abraflexi.RefTo(abraflexi.CodeID("C2")), VariableSymbol: "2",
			Total: decimal.NewFromInt(200), IssuedOn: abraflexi.NewDate(2026, 2, 1), DueOn: abraflexi.NewDate(2026, 2, 10),
			DocumentType: abraflexi.RefTo(abraflexi.CodeID("FAKTURA"))},
	)
	ctx := context.Background()
	count := func(f abraflexi.Filter) int {
		t.Helper()
		n, err := c.IssuedInvoices.Count(ctx, f)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		return n
	}
	open := abraflexi.And(abraflexi.Or(abraflexi.IsNull("stavUhrK"), abraflexi.Eq("stavUhrK", abraflexi.PaymentStatePartial)), abraflexi.IsFalse("storno"))
	for _, tc := range []struct {
		f    abraflexi.Filter
		want int
	}{
		{abraflexi.Filter{}, 2},
		{open, 2},
		{abraflexi.RelEq("firma", abraflexi.CodeID("C1")), 1},
		{abraflexi.Lt("datSplat", abraflexi.NewDate(2026, 2, 1)), 1},
		{abraflexi.Gte("sumCelkem", decimal.NewFromInt(150)), 1},
		{abraflexi.In("varSym", "1", "2"), 2},
		{abraflexi.Not(abraflexi.Eq("varSym", "1")), 1},
		{abraflexi.And(open, abraflexi.Lte("datSplat", abraflexi.NewDate(2026, 1, 31)), abraflexi.RelEq("firma", abraflexi.CodeID("C1"))), 1},
		{abraflexi.Eq("typDokl.typDoklK", abraflexi.KindInvoice), 2},
	} {
		if got := count(tc.f); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.f, got, tc.want)
		}
	}
	vip, err := c.Addresses.All(ctx, abraflexi.ListOptions{Filter: abraflexi.HasLabel("vip")})
	if err != nil || len(vip) != 1 || vip[0].Code != "C2" {
		t.Fatalf("HasLabel: %+v %v", vip, err)
	}
}

func TestServerRemoveLabelKeepsOthers(t *testing.T) {
	srv, c := newClient(t)
	id := srv.AddAddress(abraflexi.Address{Code: "CUST1", Name: "x", Labels: abraflexi.Labels("VIP", "UPOMINKA3", "ODPOJENO")})
	ctx := context.Background()
	rest, err := c.Addresses.RemoveLabels(ctx, abraflexi.CodeID("CUST1"), "odpojeno")
	if err != nil {
		t.Fatal(err)
	}
	stored, _ := srv.Labels(abraflexi.EvidenceAddress, id)
	if !rest.Equal(abraflexi.Labels("VIP", "UPOMINKA3")) || !stored.Equal(rest) {
		t.Fatalf("rest %v stored %v", rest, stored)
	}
	if _, err := c.Addresses.AddLabels(ctx, []abraflexi.ID{id}, abraflexi.WriteOptions{}, "NEPLATIC"); err != nil {
		t.Fatal(err)
	}
	stored, _ = srv.Labels(abraflexi.EvidenceAddress, id)
	if !stored.Equal(abraflexi.Labels("VIP", "UPOMINKA3", "NEPLATIC")) {
		t.Fatalf("after add: %v", stored)
	}
	if err := c.Addresses.SetLabels(ctx, id, abraflexi.Labels("VIP")); err != nil {
		t.Fatal(err)
	}
	if got, err := c.Addresses.LabelsOf(ctx, id); err != nil || !got.Equal(abraflexi.Labels("VIP")) {
		t.Fatalf("after set: %v %v", got, err)
	}
}

func TestServerCodeIDsAndRedirect(t *testing.T) {
	srv, c := newClient(t)
	codes := []string{"VF1-0001/2024", "A B", "O'B", "X(1)", "100%", "B+1"}
	for i, code := range codes {
		srv.AddAddress(abraflexi.Address{Code: code, Name: fmt.Sprint("n", i)})
	}
	srv.AddAddress(abraflexi.Address{Code: "VF1-0001", Name: "decoy"})
	for i, code := range codes {
		srv.ResetRequests()
		a, err := c.Addresses.Get(context.Background(), abraflexi.CodeID(code))
		if err != nil {
			t.Fatalf("%q: %v", code, err)
		}
		if a.Code != code || a.Name != fmt.Sprint("n", i) {
			t.Errorf("%q: got %+v", code, a)
		}
		reqs := srv.Requests()
		if len(reqs) != 2 || reqs[0].Status != http.StatusSeeOther || reqs[1].Status != http.StatusOK {
			t.Errorf("%q: requests %+v", code, reqs)
		}
	}
	_, err := c.Addresses.Get(context.Background(), abraflexi.CodeID("MISSING"))
	var ae *abraflexi.APIError
	if !errors.Is(err, abraflexi.ErrNotFound) || !errors.As(err, &ae) || ae.StatusCode != 404 {
		t.Fatalf("missing: %v", err)
	}
}

func TestServerUnauthorized(t *testing.T) {
	srv := abraflexitest.NewServer(t)
	cfg := srv.Config()
	cfg.Password = "wrong-secret"
	c, err := abraflexi.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Addresses.All(context.Background(), abraflexi.ListOptions{})
	if !errors.Is(err, abraflexi.ErrUnauthorized) {
		t.Fatalf("err %v", err)
	}
	if strings.Contains(err.Error(), "wrong-secret") {
		t.Fatal("password in error")
	}
}

func TestServerPaging(t *testing.T) {
	srv, c := newClient(t)
	for i := range 25 {
		srv.AddAddress(abraflexi.Address{Code: fmt.Sprintf("P%02d", i), Name: "x"})
	}
	srv.ResetRequests()
	got, err := c.Addresses.All(context.Background(), abraflexi.ListOptions{PageSize: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 25 {
		t.Fatalf("%d records", len(got))
	}
	seen := map[string]bool{}
	for _, a := range got {
		seen[a.Code] = true
	}
	if len(seen) != 25 {
		t.Fatalf("%d distinct records", len(seen))
	}
	reqs := srv.Requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests, want 3", len(reqs))
	}
	// Keyset paging: id order, the row count on every page, and from the
	// second page on "id gt <last id>" in the filter.
	var last abraflexi.ID
	for i, r := range reqs {
		if r.Query.Get("add-row-count") != "true" || r.Query.Get("limit") != "10" || r.Query.Has("start") || r.Query.Get("order") != "id@D" {
			t.Errorf("request %d: %v", i, r.Query)
		}
		wantPath := "/c/demo/adresar.json"
		if i > 0 {
			wantPath = "/c/demo/adresar/(id gt " + last.String() + ").json"
		}
		if r.Path != wantPath {
			t.Errorf("request %d: path %s, want %s", i, r.Path, wantPath)
		}
		last = got[min(i*10+9, len(got)-1)].ID
	}
	// Exactly one full page: the row count saves the empty second request.
	srv.ResetRequests()
	if got, err := c.Addresses.All(context.Background(), abraflexi.ListOptions{PageSize: 25}); err != nil || len(got) != 25 || len(srv.Requests()) != 1 {
		t.Fatalf("%d %v %d", len(got), err, len(srv.Requests()))
	}
	if n, err := c.Addresses.Count(context.Background(), abraflexi.Begins("kod", "P1")); err != nil || n != 10 {
		t.Fatalf("count %d %v", n, err)
	}
}

func TestServerBatchUpsertAndDryRun(t *testing.T) {
	srv, c := newClient(t)
	ctx := context.Background()
	var recs []abraflexi.Fields
	for i := range 5 {
		recs = append(recs, abraflexi.Fields{"id": abraflexi.CodeID(fmt.Sprintf("U%d", i)), "nazev": fmt.Sprint("name ", i)})
	}
	before := srv.Count(abraflexi.EvidenceAddress)
	res, err := c.Addresses.Upsert(ctx, recs, abraflexi.WriteOptions{BatchSize: 2, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 5 || srv.Count(abraflexi.EvidenceAddress) != before {
		t.Fatalf("dry run: %d results, %d records", len(res), srv.Count(abraflexi.EvidenceAddress))
	}
	for _, r := range srv.Requests() {
		if r.Query.Get("dry-run") != "true" {
			t.Fatalf("dry-run not sent: %v", r.Query)
		}
	}
	srv.ResetRequests()
	res, err = c.Addresses.Upsert(ctx, recs, abraflexi.WriteOptions{BatchSize: 2, Atomic: true})
	if err != nil {
		t.Fatal(err)
	}
	if n := srv.RequestCount("POST", abraflexi.EvidenceAddress); n != 3 {
		t.Fatalf("%d write requests, want 3", n)
	}
	for i, r := range res {
		if r.Index != i || r.ID.IsZero() {
			t.Errorf("result %d: %+v", i, r)
		}
		a, ok := srv.Address(r.ID)
		if !ok || a.Code != fmt.Sprintf("U%d", i) {
			t.Errorf("result %d points at %+v", i, a)
		}
	}
	// A validation error: missing kod on a create.
	_, err = c.Addresses.Upsert(ctx, []abraflexi.Fields{{"nazev": "no code"}}, abraflexi.WriteOptions{Atomic: true})
	var ae *abraflexi.APIError
	if !errors.As(err, &ae) || ae.StatusCode != 400 || len(ae.Messages) == 0 || ae.Messages[0].For != "kod" || len(ae.Results) != 1 {
		t.Fatalf("err %v %+v", err, ae)
	}
}

func TestServerPDFAndChanges(t *testing.T) {
	srv, c := newClient(t)
	inv, _ := seedPayment(t, srv)
	ctx := context.Background()
	pdf, err := c.InvoicePDF(ctx, abraflexi.CodeID("VF1-0001/2026"), abraflexi.PDFOptions{Lang: "en"})
	if err != nil || len(pdf) < 4 || string(pdf[:4]) != "%PDF" {
		t.Fatalf("pdf %v", err)
	}
	v := srv.GlobalVersion()
	if _, err := c.Addresses.AddLabels(ctx, []abraflexi.ID{abraflexi.CodeID("CUST1")}, abraflexi.WriteOptions{}, "VIP"); err != nil {
		t.Fatal(err)
	}
	ch, err := c.Changes(ctx, v+1, 100, abraflexi.EvidenceAddress)
	if err != nil {
		t.Fatal(err)
	}
	if len(ch.Changes) == 0 || ch.Changes[0].Evidence != abraflexi.EvidenceAddress || ch.Changes[0].Operation != "update" {
		t.Fatalf("changes %+v", ch)
	}
	_ = inv
}
