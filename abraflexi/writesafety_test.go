package abraflexi_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/abraflexi/abraflexitest"
)

var (
	postAddress = abraflexitest.Matcher{Method: http.MethodPost, Evidence: abraflexi.EvidenceAddress}
	anyAddress  = abraflexitest.Matcher{Evidence: abraflexi.EvidenceAddress}
)

// operatorAdds adds a label the way an operator in AbraFlexi's UI would
// (an additive write, nothing else touched).
func operatorAdds(srv *abraflexitest.Server, id abraflexi.ID, label string) {
	srv.Put(abraflexi.EvidenceAddress, map[string]any{"id": id.String(), "stitky": label})
}

func disconnected(t *testing.T, srv *abraflexitest.Server, codes ...string) []abraflexi.ID {
	t.Helper()
	var ids []abraflexi.ID
	for _, code := range codes {
		ids = append(ids, srv.AddAddress(abraflexi.Address{Code: code, Name: code, Labels: abraflexi.Labels("ODPOJENO", "UPOMINKA3")}))
	}
	srv.ResetRequests()
	return ids
}

// TestRemoveLabelsBatchKeepsVIPSetBeforeTheRetry: the write fails with a
// 503 and an operator marks a customer VIP before the removal writes
// again. The old code replayed the label set it had computed before (VIP
// erased); the removal now lists the labels again and keeps VIP.
func TestRemoveLabelsBatchKeepsVIPSetBeforeTheRetry(t *testing.T) {
	srv, c := newClient(t)
	ids := disconnected(t, srv, "A", "B")
	srv.FailNext(1, http.StatusServiceUnavailable, postAddress)
	srv.OnRequest(postAddress, func(n int, _ *http.Request) {
		if n == 1 { // after the chunk was read, while its write fails
			operatorAdds(srv, ids[0], "VIP")
		}
	})
	res, err := c.Addresses.RemoveLabelsBatch(context.Background(), ids, abraflexi.WriteOptions{}, "ODPOJENO")
	if err != nil {
		t.Fatal(err)
	}
	if got := labelsOf(t, srv, ids[0]); !slices.Equal(got, []string{"UPOMINKA3", "VIP"}) {
		t.Fatalf("A labels %v: the operator's VIP was erased", got)
	}
	if got := labelsOf(t, srv, ids[1]); !slices.Equal(got, []string{"UPOMINKA3"}) {
		t.Fatalf("B labels %v", got)
	}
	if !res[0].Removed || !res[1].Removed || res[0].Labels.String() != "UPOMINKA3,VIP" {
		t.Fatalf("results %+v", res)
	}
	var methods []string
	for _, r := range srv.Requests() {
		methods = append(methods, r.Method)
	}
	if strings.Join(methods, " ") != "GET POST GET POST" {
		t.Fatalf("requests %v, want the chunk read again before the second write", methods)
	}
}

// TestRemoveLabelsBatchAppliedWriteThenVIP: the write reached AbraFlexi but
// its answer was a 503; the operator sets VIP before the next request. The
// removal reads again, sees ODPOJENO gone and writes nothing more.
func TestRemoveLabelsBatchAppliedWriteThenVIP(t *testing.T) {
	srv, c := newClient(t)
	ids := disconnected(t, srv, "A")
	srv.FailNext(1, http.StatusServiceUnavailable, postAddress, abraflexitest.Applied())
	srv.OnRequest(anyAddress, func(n int, _ *http.Request) {
		if n == 3 { // the request after the failed write
			operatorAdds(srv, ids[0], "VIP")
		}
	})
	res, err := c.Addresses.RemoveLabelsBatch(context.Background(), ids, abraflexi.WriteOptions{}, "ODPOJENO")
	if err != nil || !res[0].Removed || res[0].Err != nil {
		t.Fatalf("res %+v err %v", res, err)
	}
	if got := labelsOf(t, srv, ids[0]); !slices.Equal(got, []string{"UPOMINKA3", "VIP"}) {
		t.Fatalf("labels %v", got)
	}
	if n := srv.RequestCount(http.MethodPost, ""); n != 1 {
		t.Fatalf("%d writes, want 1 (the labels were already gone)", n)
	}
}

// TestRemoveLabelsKeepsVIPSetBeforeTheRetry is the same for the
// one-record RemoveLabels.
func TestRemoveLabelsKeepsVIPSetBeforeTheRetry(t *testing.T) {
	srv, c := newClient(t)
	ids := disconnected(t, srv, "A")
	srv.FailNext(1, http.StatusBadGateway, postAddress)
	srv.OnRequest(postAddress, func(n int, _ *http.Request) {
		if n == 1 {
			operatorAdds(srv, ids[0], "NEODPOJOVAT")
		}
	})
	rest, err := c.Addresses.RemoveLabels(context.Background(), ids[0], "ODPOJENO")
	if err != nil || rest.String() != "NEODPOJOVAT,UPOMINKA3" {
		t.Fatalf("rest %v err %v", rest, err)
	}
	if got := labelsOf(t, srv, ids[0]); !slices.Equal(got, []string{"NEODPOJOVAT", "UPOMINKA3"}) {
		t.Fatalf("labels %v", got)
	}
}

// TestRemoveLabelsBatchGivesUp: a write that keeps failing is tried as
// often as the client's retry settings allow, each time after reading the
// labels again; the last read tells that the labels are still there.
func TestRemoveLabelsBatchGivesUp(t *testing.T) {
	srv, c := newClient(t) // 3 retries
	ids := disconnected(t, srv, "A")
	srv.FailNext(100, http.StatusServiceUnavailable, postAddress)
	res, err := c.Addresses.RemoveLabelsBatch(context.Background(), ids, abraflexi.WriteOptions{}, "ODPOJENO")
	var ae *abraflexi.APIError
	if !errors.As(err, &ae) || ae.StatusCode != http.StatusServiceUnavailable || errors.Is(err, abraflexi.ErrOutcomeUnknown) {
		t.Fatalf("err %v", err)
	}
	if res[0].Removed || !errors.Is(res[0].Err, err) {
		t.Fatalf("result %+v", res[0])
	}
	if w, r := srv.RequestCount(http.MethodPost, ""), srv.RequestCount(http.MethodGet, ""); w != 4 || r != 5 {
		t.Fatalf("%d writes and %d reads, want 4 and 5", w, r)
	}
	if got := labelsOf(t, srv, ids[0]); !slices.Contains(got, "ODPOJENO") {
		t.Fatalf("labels %v", got)
	}
}

// A 2xx answer that is not AbraFlexi's (a proxy's login page) on every
// write path: never taken for a success; re-read where a re-read tells.

func TestLoginPageOnLabelRemoval(t *testing.T) {
	for _, applied := range []bool{false, true} {
		srv, c := newClient(t)
		ids := disconnected(t, srv, "A")
		opts := []abraflexitest.FaultOption{abraflexitest.LoginPage()}
		if applied {
			opts = append(opts, abraflexitest.Applied())
		}
		srv.FailNext(1, http.StatusOK, postAddress, opts...)
		res, err := c.Addresses.RemoveLabelsBatch(context.Background(), ids, abraflexi.WriteOptions{}, "ODPOJENO")
		if err != nil || !res[0].Removed {
			t.Fatalf("applied=%v: res %+v err %v", applied, res, err)
		}
		if got := labelsOf(t, srv, ids[0]); !slices.Equal(got, []string{"UPOMINKA3"}) {
			t.Fatalf("applied=%v: labels %v", applied, got)
		}
		want := 2 // written again after reading
		if applied {
			want = 1 // read again: already removed
		}
		if n := srv.RequestCount(http.MethodPost, ""); n != want {
			t.Fatalf("applied=%v: %d writes, want %d", applied, n, want)
		}
	}
}

func TestLoginPageOnAddLabels(t *testing.T) {
	for _, applied := range []bool{false, true} {
		srv, c := newClient(t)
		a := srv.AddAddress(abraflexi.Address{Code: "A", Name: "a"})
		opts := []abraflexitest.FaultOption{abraflexitest.LoginPage()}
		if applied {
			opts = append(opts, abraflexitest.Applied())
		}
		srv.FailNext(1, http.StatusOK, postAddress, opts...)
		res, err := c.Addresses.AddLabels(context.Background(), []abraflexi.ID{a, abraflexi.CodeID("A")}, abraflexi.WriteOptions{}, "ODPOJENO")
		if applied {
			if err != nil || len(res) != 2 || len(res[0].Errors) != 0 || res[0].ID != a {
				t.Fatalf("applied: res %+v err %v", res, err)
			}
			continue
		}
		if !errors.Is(err, abraflexi.ErrUnexpectedResponse) || errors.Is(err, abraflexi.ErrOutcomeUnknown) {
			t.Fatalf("err %v: want ErrUnexpectedResponse with a known outcome", err)
		}
		if len(res) != 2 || len(res[0].Errors) == 0 || len(res[1].Errors) == 0 {
			t.Fatalf("results %+v", res)
		}
		if got := labelsOf(t, srv, a); len(got) != 0 {
			t.Fatalf("labels %v", got)
		}
	}
}

func TestLoginPageOnSetLabels(t *testing.T) {
	srv, c := newClient(t)
	a := srv.AddAddress(abraflexi.Address{Code: "A", Name: "a", Labels: abraflexi.Labels("VIP")})
	srv.FailNext(1, http.StatusOK, postAddress, abraflexitest.LoginPage())
	if err := c.Addresses.SetLabels(context.Background(), a, abraflexi.Labels("ODPOJENO")); !errors.Is(err, abraflexi.ErrUnexpectedResponse) {
		t.Fatalf("not applied: %v", err)
	}
	srv.FailNext(1, http.StatusOK, postAddress, abraflexitest.LoginPage(), abraflexitest.Applied())
	if err := c.Addresses.SetLabels(context.Background(), a, abraflexi.Labels("ODPOJENO")); err != nil {
		t.Fatalf("applied: %v", err)
	}
}

func TestLoginPageOnUpsert(t *testing.T) {
	srv, c := newClient(t)
	srv.FailNext(1, http.StatusOK, postAddress, abraflexitest.LoginPage(), abraflexitest.Applied())
	res, err := c.Addresses.Upsert(context.Background(), []abraflexi.Fields{{"id": "code:N1", "nazev": "one"}}, abraflexi.WriteOptions{})
	var ue *abraflexi.UnexpectedResponseError
	if !errors.Is(err, abraflexi.ErrOutcomeUnknown) || !errors.As(err, &ue) || len(res) != 0 {
		t.Fatalf("res %+v err %v", res, err)
	}
	if ue.StatusCode != http.StatusOK || !strings.HasPrefix(ue.ContentType, "text/html") || !strings.HasPrefix(ue.Body, "<!DOCTYPE html>") ||
		!strings.Contains(err.Error(), "check ABRAFLEXI_URL") {
		t.Fatalf("%+v / %v", ue, err)
	}
	// JSON that is not a winstrom write answer is no success either.
	srv2, c2 := newClient(t)
	srv2.FailNext(1, http.StatusCreated, postAddress, abraflexitest.Body("application/json", []byte(`{"status":"ok"}`)))
	if _, err := c2.Addresses.Upsert(context.Background(), []abraflexi.Fields{{"id": "code:N1", "nazev": "one"}}, abraflexi.WriteOptions{}); !errors.Is(err, abraflexi.ErrOutcomeUnknown) {
		t.Fatalf("non-winstrom JSON: %v", err)
	}
	srv2.FailNext(1, http.StatusOK, postAddress, abraflexitest.Body("application/json", []byte(`{"winstrom":{"@version":"1.0"}}`)))
	if _, err := c2.Addresses.Upsert(context.Background(), []abraflexi.Fields{{"id": "code:N1", "nazev": "one"}}, abraflexi.WriteOptions{}); !errors.Is(err, abraflexi.ErrUnexpectedResponse) {
		t.Fatalf("winstrom without success: %v", err)
	}
}

func TestLoginPageOnPair(t *testing.T) {
	postBank := abraflexitest.Matcher{Method: http.MethodPost, Evidence: abraflexi.EvidenceBank}
	for _, applied := range []bool{false, true} {
		srv, c := newClient(t)
		inv, pay := seedPayment(t, srv)
		opts := []abraflexitest.FaultOption{abraflexitest.LoginPage()}
		if applied {
			opts = append(opts, abraflexitest.Applied())
		}
		srv.FailNext(1, http.StatusOK, postBank, opts...)
		err := c.Pair(context.Background(), abraflexi.PairRequest{PaymentEvidence: abraflexi.EvidenceBank, Payment: pay, Invoice: inv, Remainder: abraflexi.RemainderNone})
		mv, _ := srv.Movement(abraflexi.EvidenceBank, pay)
		if applied {
			if err != nil || !mv.Paired {
				t.Fatalf("applied: err %v, paired %v", err, mv.Paired)
			}
			continue
		}
		if !errors.Is(err, abraflexi.ErrUnexpectedResponse) || errors.Is(err, abraflexi.ErrOutcomeUnknown) || bool(mv.Paired) {
			t.Fatalf("not applied: err %v, paired %v; want the real outcome: not paired", err, mv.Paired)
		}
		if n := srv.RequestCount(http.MethodPost, abraflexi.EvidenceBank); n != 1 {
			t.Fatalf("%d pairing writes, want 1 (never resent blindly)", n)
		}
	}
	// The re-read fails too: the outcome is unknown.
	srv, c := newClient(t)
	inv, pay := seedPayment(t, srv)
	srv.FailNext(1, http.StatusOK, postBank, abraflexitest.LoginPage())
	srv.OnRequest(postBank, func(int, *http.Request) {
		srv.FailNext(10, http.StatusOK, abraflexitest.Matcher{Method: http.MethodGet}, abraflexitest.LoginPage())
	})
	err := c.Pair(context.Background(), abraflexi.PairRequest{PaymentEvidence: abraflexi.EvidenceBank, Payment: pay, Invoice: inv, Remainder: abraflexi.RemainderNone})
	if !errors.Is(err, abraflexi.ErrOutcomeUnknown) || !errors.Is(err, abraflexi.ErrUnexpectedResponse) {
		t.Fatalf("err %v", err)
	}
}

func TestLoginPageOnListing(t *testing.T) {
	srv, c := newClient(t)
	srv.FailNext(1, http.StatusOK, anyAddress, abraflexitest.LoginPage())
	_, err := c.Addresses.All(context.Background(), abraflexi.ListOptions{})
	if !errors.Is(err, abraflexi.ErrUnexpectedResponse) || errors.Is(err, abraflexi.ErrOutcomeUnknown) {
		t.Fatalf("err %v", err)
	}
}
