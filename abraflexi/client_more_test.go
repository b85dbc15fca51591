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

func TestServerNonAtomicPerRecordResults(t *testing.T) {
	srv, c := newClient(t)
	ctx := context.Background()
	recs := []abraflexi.Fields{
		{"id": abraflexi.CodeID("OK1"), "nazev": "one"},
		{"nazev": "no code"}, // create without kod: fails
		{"id": abraflexi.CodeID("OK2"), "nazev": "two", "stitky": "NOSUCHLABEL"},
		{"id": abraflexi.CodeID("OK3"), "nazev": "three"},
	}
	res, err := c.Addresses.Upsert(ctx, recs, abraflexi.WriteOptions{})
	var ae *abraflexi.APIError
	if !errors.As(err, &ae) || ae.StatusCode != http.StatusBadRequest {
		t.Fatalf("err %v", err)
	}
	// Non-atomic: the failed batch's results are returned and also in the error.
	if len(res) != len(recs) || len(ae.Results) != len(recs) {
		t.Fatalf("results %+v, error results %+v", res, ae.Results)
	}
	byIndex := map[int]abraflexi.WriteResult{}
	for _, r := range ae.Results {
		byIndex[r.Index] = r
	}
	if len(byIndex[1].Errors) == 0 || byIndex[1].Errors[0].For != "kod" {
		t.Fatalf("record 1: %+v", byIndex[1])
	}
	if len(byIndex[2].Errors) == 0 || byIndex[2].Errors[0].For != "stitky" || byIndex[2].Errors[0].Value != "NOSUCHLABEL" {
		t.Fatalf("record 2: %+v", byIndex[2])
	}
	for _, i := range []int{0, 3} {
		if len(byIndex[i].Errors) != 0 || byIndex[i].ID.IsZero() {
			t.Fatalf("record %d: %+v", i, byIndex[i])
		}
	}
	// Non-atomic: the good records were saved, the bad ones not.
	for code, want := range map[string]bool{"OK1": true, "OK2": false, "OK3": true} {
		if _, ok := srv.Address(abraflexi.CodeID(code)); ok != want {
			t.Errorf("%s saved=%v, want %v", code, ok, want)
		}
	}
	// Atomic: nothing is saved.
	_, err = c.Addresses.Upsert(ctx, []abraflexi.Fields{{"id": "code:AT1", "nazev": "x"}, {"nazev": "no code"}}, abraflexi.WriteOptions{Atomic: true})
	if !errors.As(err, &ae) || ae.StatusCode != http.StatusBadRequest {
		t.Fatalf("err %v", err)
	}
	if _, ok := srv.Address(abraflexi.CodeID("AT1")); ok {
		t.Fatal("atomic batch partly saved")
	}
	if !strings.Contains(string(srv.Requests()[len(srv.Requests())-1].Body), `"@atomic":"true"`) {
		t.Fatal("atomic not sent")
	}
}

func TestServerUnknownLabelRejected(t *testing.T) {
	srv, c := newClient(t)
	id := srv.AddAddress(abraflexi.Address{Code: "C1", Name: "x", Labels: abraflexi.Labels("VIP")})
	_, err := c.Addresses.AddLabels(context.Background(), []abraflexi.ID{id}, abraflexi.WriteOptions{Atomic: true}, "NOSUCHLABEL")
	var ae *abraflexi.APIError
	if !errors.As(err, &ae) || ae.StatusCode != 400 || len(ae.Messages) == 0 || ae.Messages[0].For != "stitky" {
		t.Fatalf("err %v", err)
	}
	if l, _ := srv.Labels(abraflexi.EvidenceAddress, id); !l.Equal(abraflexi.Labels("VIP")) {
		t.Fatalf("labels %v", l)
	}
}

func TestServerLabelWireSemantics(t *testing.T) {
	srv, c := newClient(t)
	ctx := context.Background()
	id := srv.AddAddress(abraflexi.Address{Code: "C1", Name: "x", Labels: abraflexi.Labels("VIP", "UPOMINKA1")})
	srv.ResetRequests()
	// Adding is one additive write: no read, no removeAll.
	if _, err := c.Addresses.AddLabels(ctx, []abraflexi.ID{abraflexi.CodeID("C1")}, abraflexi.WriteOptions{}, "ODPOJENO"); err != nil {
		t.Fatal(err)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 || reqs[0].Method != "POST" || strings.Contains(string(reqs[0].Body), "removeAll") || !strings.Contains(string(reqs[0].Body), `"stitky":"ODPOJENO"`) {
		t.Fatalf("add: %+v", reqs)
	}
	if l, _ := srv.Labels(abraflexi.EvidenceAddress, id); !l.Equal(abraflexi.Labels("VIP", "UPOMINKA1", "ODPOJENO")) {
		t.Fatalf("after add %v", l)
	}
	// Removing is exactly one read immediately followed by one removeAll write.
	srv.ResetRequests()
	rest, err := c.Addresses.RemoveLabels(ctx, abraflexi.CodeID("C1"), "UPOMINKA1")
	if err != nil || !rest.Equal(abraflexi.Labels("VIP", "ODPOJENO")) {
		t.Fatalf("%v %v", rest, err)
	}
	reqs = srv.Requests()
	var methods []string
	for _, r := range reqs {
		methods = append(methods, r.Method)
	}
	if got := strings.Join(methods, ","); got != "GET,GET,POST" && got != "GET,POST" { // the GET may be redirected (303)
		t.Fatalf("requests %s", got)
	}
	last := reqs[len(reqs)-1]
	if !strings.Contains(string(last.Body), `"stitky@removeAll":"true"`) || !strings.Contains(string(last.Body), `"stitky":"ODPOJENO,VIP"`) {
		t.Fatalf("remove body %s", last.Body)
	}
	if window := last.Time.Sub(reqs[0].Time); window > time.Second {
		t.Fatalf("read-to-write window %s", window)
	}
	if l, _ := srv.Labels(abraflexi.EvidenceAddress, id); !l.Equal(abraflexi.Labels("VIP", "ODPOJENO")) {
		t.Fatalf("after remove %v", l)
	}
	// Removing the last labels clears the set.
	if rest, err := c.Addresses.RemoveLabels(ctx, id, "VIP", "ODPOJENO"); err != nil || rest.Len() != 0 {
		t.Fatalf("%v %v", rest, err)
	}
	if l, _ := srv.Labels(abraflexi.EvidenceAddress, id); l.Len() != 0 {
		t.Fatalf("after clearing %v", l)
	}
}

func TestServerDefaultPageSize(t *testing.T) {
	srv, c := newClient(t)
	for i := range 30 {
		srv.AddAddress(abraflexi.Address{Code: fmt.Sprintf("P%03d", i), Name: "x"})
	}
	srv.ResetRequests()
	got, err := c.Addresses.All(context.Background(), abraflexi.ListOptions{})
	if err != nil || len(got) != 30 {
		t.Fatalf("%d %v", len(got), err)
	}
	q := srv.Requests()[0].Query
	if q.Get("limit") != "1000" || q.Get("order") != "id@D" || q.Get("add-row-count") != "true" ||
		!strings.HasPrefix(q.Get("detail"), "custom:") || !strings.Contains(q.Get("detail"), "stitky") || !strings.Contains(q.Get("detail"), "email") {
		t.Fatalf("query %v", q)
	}
	// A configured page size.
	cfg := srv.Config()
	cfg.PageSize = 7
	c2, _ := abraflexi.NewClient(cfg)
	srv.ResetRequests()
	if got, err := c2.Addresses.All(context.Background(), abraflexi.ListOptions{}); err != nil || len(got) != 30 || len(srv.Requests()) != 5 {
		t.Fatalf("%d %v %d", len(got), err, len(srv.Requests()))
	}
	// Fields not in the default summary are read.
	srv.Seed(abraflexi.BankMovement{Movement: abraflexi.Movement{Code: "B1", VariableSymbol: "77", Total: decimal.NewFromInt(1),
		Direction: abraflexi.DirectionIncoming, Labels: abraflexi.Labels("VIP")}})
	mv, err := c.Bank.All(context.Background(), abraflexi.ListOptions{Filter: abraflexi.IsFalse("sparovano")})
	if err != nil || len(mv) != 1 || mv[0].VariableSymbol != "77" || !mv[0].Labels.Has("VIP") || mv[0].Direction != abraflexi.DirectionIncoming {
		t.Fatalf("%+v %v", mv, err)
	}
}

// TestServerPairingModes pairs through the client with every remainder
// mode and checks the outcome of fact sheet §7.
func TestServerPairingModes(t *testing.T) {
	type outcome struct {
		ok        bool
		remaining string
		state     string
	}
	// invoice 500; payment 500 (exact), 300 (under) or 700 (over)
	cases := []struct {
		mode               abraflexi.RemainderMode
		exact, under, over outcome
	}{
		{abraflexi.RemainderNone, outcome{true, "0", abraflexi.PaymentStatePaid}, outcome{false, "500", ""}, outcome{false, "500", ""}},
		{abraflexi.RemainderPost, outcome{true, "0", abraflexi.PaymentStatePaid}, outcome{true, "0", abraflexi.PaymentStatePaid}, outcome{true, "0", abraflexi.PaymentStatePaid}},
		{abraflexi.RemainderIgnore, outcome{true, "0", abraflexi.PaymentStatePaid}, outcome{true, "200", abraflexi.PaymentStatePartial}, outcome{true, "0", abraflexi.PaymentStatePaid}},
		{abraflexi.RemainderPartial, outcome{true, "0", abraflexi.PaymentStatePaid}, outcome{true, "200", abraflexi.PaymentStatePartial}, outcome{false, "500", ""}},
		{abraflexi.RemainderPartialOrPost, outcome{true, "0", abraflexi.PaymentStatePaid}, outcome{true, "200", abraflexi.PaymentStatePartial}, outcome{true, "0", abraflexi.PaymentStatePaid}},
		{abraflexi.RemainderPartialOrIgnore, outcome{true, "0", abraflexi.PaymentStatePaid}, outcome{true, "200", abraflexi.PaymentStatePartial}, outcome{true, "0", abraflexi.PaymentStatePaid}},
	}
	for _, tc := range cases {
		for _, pay := range []struct {
			amount int64
			want   outcome
		}{{500, tc.exact}, {300, tc.under}, {700, tc.over}} {
			t.Run(fmt.Sprintf("%s/%d", tc.mode, pay.amount), func(t *testing.T) {
				srv, c := newClient(t)
				ids := srv.Seed(
					abraflexi.IssuedInvoice{Code: "VF1", VariableSymbol: "1", Total: decimal.NewFromInt(500),
						DocumentType: abraflexi.RefTo(abraflexi.CodeID("FAKTURA"))},
					abraflexi.CashMovement{Movement: abraflexi.Movement{Code: "P1", VariableSymbol: "1",
						Total: decimal.NewFromInt(pay.amount), Direction: abraflexi.DirectionIncoming}},
				)
				err := c.Pair(context.Background(), abraflexi.PairRequest{PaymentEvidence: abraflexi.EvidenceCash,
					Payment: ids[1], Invoice: ids[0], Remainder: tc.mode})
				if (err == nil) != pay.want.ok {
					t.Fatalf("err %v, want ok=%v", err, pay.want.ok)
				}
				var ae *abraflexi.APIError
				if err != nil && (!errors.As(err, &ae) || ae.StatusCode != 400) {
					t.Fatalf("err %v is not a 400", err)
				}
				inv, _ := srv.Invoice(ids[0])
				if !inv.Remaining.Equal(decimal.RequireFromString(pay.want.remaining)) || inv.PaymentState != pay.want.state {
					t.Fatalf("invoice remaining %s state %q, want %s %q", inv.Remaining, inv.PaymentState, pay.want.remaining, pay.want.state)
				}
				// The excess of an overpayment paired with ignorovat stays on
				// the payment, which therefore stays unpaired (sparovano).
				wantPaired := pay.want.ok && !(pay.amount == 700 &&
					(tc.mode == abraflexi.RemainderIgnore || tc.mode == abraflexi.RemainderPartialOrIgnore))
				mv, _ := srv.Movement(abraflexi.EvidenceCash, ids[1])
				if bool(mv.Paired) != wantPaired {
					t.Fatalf("sparovano %v", mv.Paired)
				}
				if paired, err := c.IsPaired(context.Background(), abraflexi.EvidenceCash, ids[1]); err != nil || paired != wantPaired {
					t.Fatalf("IsPaired %v %v", paired, err)
				}
			})
		}
	}
}

func TestServerPairWithAmountAndSlowServer(t *testing.T) {
	srv, c := newClient(t, abraflexitest.WithLatency(20*time.Millisecond))
	inv, pay := seedPayment(t, srv)
	amt := decimal.RequireFromString("120.50")
	if err := c.Pair(context.Background(), abraflexi.PairRequest{PaymentEvidence: abraflexi.EvidenceBank, Payment: pay, Invoice: inv,
		Amount: &amt, Remainder: abraflexi.RemainderPartialOrIgnore}); err != nil {
		t.Fatal(err)
	}
	got, _ := srv.Invoice(inv)
	if !got.Remaining.Equal(decimal.RequireFromString("379.50")) || got.PaymentState != abraflexi.PaymentStatePartial {
		t.Fatalf("%+v", got)
	}
	// A deadline shorter than the latency fails with the context's error.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Millisecond)
	defer cancel()
	if _, err := c.Addresses.All(ctx, abraflexi.ListOptions{}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v", err)
	}
}
