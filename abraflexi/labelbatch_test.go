package abraflexi_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/abraflexi/abraflexitest"
)

// afterTransport calls after once a request got its answer.
type afterTransport struct{ after func(*http.Request) }

func (t afterTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err == nil {
		t.after(r)
	}
	return resp, err
}

// deleteAddress deletes an address-book record through the server's API.
func deleteAddress(t *testing.T, srv *abraflexitest.Server, id abraflexi.ID) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodDelete, fmt.Sprintf("%s/c/%s/adresar/%s.json", srv.URL, srv.Company(), id), nil)
	cfg := srv.Config()
	req.SetBasicAuth(cfg.Login, cfg.Password)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
}

func labelsOf(t *testing.T, srv *abraflexitest.Server, id abraflexi.ID) []string {
	t.Helper()
	l, ok := srv.Labels(abraflexi.EvidenceAddress, id)
	if !ok {
		t.Fatalf("no address %s", id)
	}
	return l.Codes()
}

func TestRemoveLabelsBatch(t *testing.T) {
	srv, c := newClient(t)
	ctx := context.Background()
	a := srv.AddAddress(abraflexi.Address{Code: "A", Name: "a", Labels: abraflexi.Labels("ODPOJENO", "UPOMINKA3")})
	b := srv.AddAddress(abraflexi.Address{Code: "B", Name: "b", Labels: abraflexi.Labels("ODPOJENO")})
	cc := srv.AddAddress(abraflexi.Address{Code: "C", Name: "c", Labels: abraflexi.Labels("VIP")})
	d := srv.AddAddress(abraflexi.Address{Code: "D", Name: "d", Labels: abraflexi.Labels("ODPOJENO")})
	// Set after the caller read D, before the removal re-reads it: it survives.
	srv.Put(abraflexi.EvidenceAddress, map[string]any{"id": d.String(), "stitky": "NEPLATIC"})
	srv.ResetRequests()

	ids := []abraflexi.ID{a, abraflexi.CodeID("b"), cc, abraflexi.NumericID(9999), d, abraflexi.CodeID("NOSUCH"), a}
	res, err := c.Addresses.RemoveLabelsBatch(ctx, ids, abraflexi.WriteOptions{}, "odpojeno")
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != len(ids) {
		t.Fatalf("%d results for %d ids", len(res), len(ids))
	}
	for i, r := range res {
		if r.Index != i {
			t.Errorf("result %d has Index %d", i, r.Index)
		}
	}
	for _, i := range []int{0, 1, 4, 6} {
		if r := res[i]; !r.Removed || r.Err != nil {
			t.Errorf("id %s: %+v", ids[i], r)
		}
	}
	if r := res[2]; r.Removed || r.Err != nil || r.Labels.String() != "VIP" || r.ID != cc {
		t.Errorf("record without the label: %+v", r)
	}
	for _, i := range []int{3, 5} {
		if r := res[i]; r.Removed || !errors.Is(r.Err, abraflexi.ErrNotFound) {
			t.Errorf("unknown id %s: %+v", ids[i], r)
		}
	}
	if res[1].ID != b || res[0].Labels.String() != "UPOMINKA3" {
		t.Errorf("results %+v", res)
	}
	for id, want := range map[abraflexi.ID][]string{a: {"UPOMINKA3"}, b: nil, cc: {"VIP"}, d: {"NEPLATIC"}} {
		if got := labelsOf(t, srv, id); !slices.Equal(got, want) {
			t.Errorf("%s labels %v, want %v", id, got, want)
		}
	}
	// One listing and one write, naming each record once by numeric id.
	reqs := srv.Requests()
	if len(reqs) != 2 || reqs[0].Method != http.MethodGet || reqs[1].Method != http.MethodPost {
		t.Fatalf("requests %+v", reqs)
	}
	var body struct {
		Winstrom struct {
			Atomic  string              `json:"@atomic"`
			Records []map[string]string `json:"adresar"`
		} `json:"winstrom"`
	}
	if err := json.Unmarshal(reqs[1].Body, &body); err != nil {
		t.Fatal(err)
	}
	if body.Winstrom.Atomic != "false" || len(body.Winstrom.Records) != 3 {
		t.Fatalf("write %s", reqs[1].Body)
	}
	for _, r := range body.Winstrom.Records {
		if r["stitky@removeAll"] != "true" || strings.HasPrefix(r["id"], "code:") {
			t.Errorf("record %v", r)
		}
	}
}

func TestRemoveLabelsBatchRequestsPerChunk(t *testing.T) {
	srv, c := newClient(t)
	var ids []abraflexi.ID
	for i := range 7 {
		ids = append(ids, srv.AddAddress(abraflexi.Address{Code: fmt.Sprintf("C%d", i), Name: "x", Labels: abraflexi.Labels("ODPOJENO", "VIP")}))
	}
	srv.ResetRequests()
	res, err := c.Addresses.RemoveLabelsBatch(context.Background(), ids, abraflexi.WriteOptions{BatchSize: 3}, "ODPOJENO")
	if err != nil {
		t.Fatal(err)
	}
	// 3 chunks: 2 requests each, a listing then its write.
	reqs := srv.Requests()
	if len(reqs) != 6 {
		t.Fatalf("%d requests, want 6", len(reqs))
	}
	for i, r := range reqs {
		if want := []string{http.MethodGet, http.MethodPost}[i%2]; r.Method != want {
			t.Errorf("request %d: %s, want %s", i, r.Method, want)
		}
	}
	for i, r := range res {
		if !r.Removed || r.Err != nil || !slices.Equal(labelsOf(t, srv, ids[i]), []string{"VIP"}) {
			t.Errorf("record %d: %+v", i, r)
		}
	}
}

func TestRemoveLabelsBatchOneRecordFails(t *testing.T) {
	srv := abraflexitest.NewServer(t)
	a := srv.AddAddress(abraflexi.Address{Code: "A", Name: "a", Labels: abraflexi.Labels("ODPOJENO")})
	b := srv.AddAddress(abraflexi.Address{Code: "B", Name: "b", Labels: abraflexi.Labels("ODPOJENO")})
	cc := srv.AddAddress(abraflexi.Address{Code: "C", Name: "c", Labels: abraflexi.Labels("ODPOJENO")})
	// B is deleted between the listing and the write: its write fails alone.
	hook := afterTransport{after: func(r *http.Request) {
		if r.Method == http.MethodGet && strings.Contains(r.URL.Path, "adresar/(") {
			deleteAddress(t, srv, b)
		}
	}}
	c, err := abraflexi.NewClient(srv.Config(), abraflexi.WithHTTPClient(&http.Client{Transport: hook}))
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Addresses.RemoveLabelsBatch(context.Background(), []abraflexi.ID{a, b, cc}, abraflexi.WriteOptions{}, "ODPOJENO")
	if err != nil {
		t.Fatal(err)
	}
	if r := res[1]; r.Removed || r.Err == nil || len(r.Errors) == 0 {
		t.Errorf("deleted record: %+v", r)
	}
	for _, i := range []int{0, 2} {
		if !res[i].Removed || res[i].Err != nil {
			t.Errorf("record %d: %+v", i, res[i])
		}
	}
	if got := labelsOf(t, srv, cc); len(got) != 0 {
		t.Errorf("C labels %v", got)
	}
}

func TestRemoveLabelsBatchFailedRequests(t *testing.T) {
	srv, c := newClient(t)
	ctx := context.Background()
	var ids []abraflexi.ID
	for i := range 4 {
		ids = append(ids, srv.AddAddress(abraflexi.Address{Code: fmt.Sprintf("C%d", i), Name: "x", Labels: abraflexi.Labels("ODPOJENO")}))
	}
	// A temporary failure of the write is retried: it states the full set.
	srv.ResetRequests()
	srv.FailNext(1, http.StatusServiceUnavailable, abraflexitest.Matcher{Method: http.MethodPost})
	res, err := c.Addresses.RemoveLabelsBatch(ctx, ids[:1], abraflexi.WriteOptions{}, "ODPOJENO")
	if err != nil || !res[0].Removed || srv.RequestCount(http.MethodPost, "") != 2 {
		t.Fatalf("res %+v err %v, %d writes", res, err, srv.RequestCount(http.MethodPost, ""))
	}
	// A failed listing stops: the earlier chunk is done, the rest keep the label.
	srv.ResetRequests()
	var n int
	hook := afterTransport{after: func(r *http.Request) {
		if r.Method == http.MethodPost {
			n++
			if n == 1 {
				srv.FailNext(1, http.StatusForbidden, abraflexitest.Matcher{Method: http.MethodGet})
			}
		}
	}}
	c2, err := abraflexi.NewClient(srv.Config(), abraflexi.WithHTTPClient(&http.Client{Transport: hook, Timeout: 10 * time.Second}))
	if err != nil {
		t.Fatal(err)
	}
	res, err = c2.Addresses.RemoveLabelsBatch(ctx, ids[1:], abraflexi.WriteOptions{BatchSize: 1}, "ODPOJENO")
	if !errors.Is(err, abraflexi.ErrForbidden) || len(res) != 3 {
		t.Fatalf("res %+v err %v", res, err)
	}
	if !res[0].Removed || res[0].Err != nil || res[1].Removed || !errors.Is(res[1].Err, abraflexi.ErrForbidden) || !errors.Is(res[2].Err, abraflexi.ErrForbidden) {
		t.Errorf("results %+v", res)
	}
	if got := labelsOf(t, srv, ids[3]); !slices.Equal(got, []string{"ODPOJENO"}) {
		t.Errorf("unreached record labels %v", got)
	}
}

func TestRemoveLabelsBatchInvalid(t *testing.T) {
	srv, c := newClient(t)
	srv.ResetRequests()
	ctx := context.Background()
	if res, err := c.Addresses.RemoveLabelsBatch(ctx, []abraflexi.ID{abraflexi.ExtID("SYS", "1")}, abraflexi.WriteOptions{}, "X"); !errors.Is(err, abraflexi.ErrInvalidID) || res != nil {
		t.Errorf("ext id: %v %v", res, err)
	}
	if _, err := c.Addresses.RemoveLabelsBatch(ctx, []abraflexi.ID{{}}, abraflexi.WriteOptions{}, "X"); !errors.Is(err, abraflexi.ErrInvalidID) {
		t.Errorf("zero id: %v", err)
	}
	if _, err := c.Addresses.RemoveLabelsBatch(ctx, []abraflexi.ID{abraflexi.NumericID(1)}, abraflexi.WriteOptions{}); !errors.Is(err, abraflexi.ErrInvalidLabel) {
		t.Errorf("no label: %v", err)
	}
	if _, err := c.Addresses.RemoveLabelsBatch(ctx, []abraflexi.ID{abraflexi.NumericID(1)}, abraflexi.WriteOptions{}, "A,B"); !errors.Is(err, abraflexi.ErrInvalidLabel) {
		t.Errorf("bad label: %v", err)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests", n)
	}
}

func TestUpsertNonAtomicSendsEveryBatch(t *testing.T) {
	srv, c := newClient(t)
	ctx := context.Background()
	recs := []abraflexi.Fields{
		{"id": "code:N1", "nazev": "one"}, {"nazev": "no code"},
		{"id": "code:N2", "nazev": "two"}, {"id": "code:N3", "nazev": "three"},
		{"nazev": "no code either"}, {"id": "code:N4", "nazev": "four"},
	}
	srv.ResetRequests()
	res, err := c.Addresses.Upsert(ctx, recs, abraflexi.WriteOptions{BatchSize: 2})
	var ae *abraflexi.APIError
	if !errors.As(err, &ae) || ae.StatusCode != http.StatusBadRequest {
		t.Fatalf("err %v", err)
	}
	if n := srv.RequestCount(http.MethodPost, ""); n != 3 {
		t.Errorf("%d batches sent, want 3", n)
	}
	if len(res) != len(recs) {
		t.Fatalf("results %+v", res)
	}
	var failed []int
	for _, r := range res {
		if len(r.Errors) > 0 {
			failed = append(failed, r.Index)
		}
	}
	if !slices.Equal(failed, []int{1, 4}) || len(ae.Results) != 4 || len(ae.Messages) != 2 {
		t.Errorf("failed %v, error results %+v messages %+v", failed, ae.Results, ae.Messages)
	}
	for _, code := range []string{"N1", "N2", "N3", "N4"} {
		if _, ok := srv.Address(abraflexi.CodeID(code)); !ok {
			t.Errorf("%s not saved", code)
		}
	}
	// Atomic writes stop at the first failing batch.
	srv.ResetRequests()
	atomic := []abraflexi.Fields{{"nazev": "no code"}, {"id": "code:AT1", "nazev": "x"}, {"id": "code:AT2", "nazev": "y"}}
	res, err = c.Addresses.Upsert(ctx, atomic, abraflexi.WriteOptions{BatchSize: 1, Atomic: true})
	if !errors.As(err, &ae) || len(res) != 0 || srv.RequestCount(http.MethodPost, "") != 1 {
		t.Errorf("atomic: res %+v err %v", res, err)
	}
	if _, ok := srv.Address(abraflexi.CodeID("AT1")); ok {
		t.Error("atomic write went on after a failed batch")
	}
}
