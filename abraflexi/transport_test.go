package abraflexi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// fake is a scripted HTTP server recording every request.
type fake struct {
	mu   sync.Mutex
	reqs []fakeReq
	// handle answers a request; n is its 0-based position in the log.
	handle func(w http.ResponseWriter, r *http.Request, body []byte, n int)
	srv    *httptest.Server
}

type fakeReq struct {
	Method, Path, Query, Auth string
	Body                      []byte
}

func newFake(t *testing.T, h func(w http.ResponseWriter, r *http.Request, body []byte, n int)) (*fake, *Client, *bytes.Buffer) {
	t.Helper()
	f := &fake{handle: h}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		n := len(f.reqs)
		user, pass, _ := r.BasicAuth()
		f.reqs = append(f.reqs, fakeReq{r.Method, r.URL.EscapedPath(), r.URL.RawQuery, user + ":" + pass, body})
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		f.handle(w, r, body, n)
	}))
	t.Cleanup(f.srv.Close)
	logs := &bytes.Buffer{}
	c, err := NewClient(Config{URL: f.srv.URL, Login: "api", Password: "s3cret-pw", Company: "demo"},
		WithRetry(3, time.Millisecond, 2*time.Millisecond),
		WithLogger(slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	if err != nil {
		t.Fatal(err)
	}
	return f, c, logs
}

func (f *fake) requests() []fakeReq {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]fakeReq(nil), f.reqs...)
}

const okWrite = `{"winstrom":{"@version":"1.0","success":"true","stats":{"created":"0","updated":"1"},"results":[{"id":"7","request-id":"code:A"}]}}`

func TestRetryReadOn503(t *testing.T) {
	f, c, logs := newFake(t, func(w http.ResponseWriter, r *http.Request, _ []byte, n int) {
		if n < 2 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, `{"winstrom":{"@version":"1.0","adresar":[{"id":"1","kod":"A","stitky":"VIP, ODPOJENO"}]}}`)
	})
	a, err := c.Addresses.Get(context.Background(), CodeID("a"))
	if err != nil {
		t.Fatal(err)
	}
	if a.Code != "A" || !a.Labels.Equal(Labels("VIP", "ODPOJENO")) {
		t.Fatalf("got %+v", a)
	}
	reqs := f.requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests, want 3", len(reqs))
	}
	for _, r := range reqs {
		if r.Auth != "api:s3cret-pw" {
			t.Errorf("request without Basic auth: %+v", r)
		}
		if r.Path != "/c/demo/adresar/code:A.json" || !strings.Contains(r.Query, "detail=custom%3Aid%2Ckod") || !strings.Contains(r.Query, "relations=kontakty") {
			t.Errorf("request %s?%s", r.Path, r.Query)
		}
	}
	if strings.Contains(logs.String(), "s3cret-pw") || !strings.Contains(logs.String(), "retrying") {
		t.Errorf("logs: %s", logs)
	}
}

func TestReadNotRetriedOn500AndErrors(t *testing.T) {
	for _, tc := range []struct {
		status   int
		sentinel error
		tries    int
	}{
		{500, nil, 1}, {401, ErrUnauthorized, 1}, {403, ErrForbidden, 1}, {402, ErrWriteAPIDisabled, 1},
		{404, ErrNotFound, 1}, {429, nil, 4}, {502, nil, 4}, {504, nil, 4},
	} {
		f, c, _ := newFake(t, func(w http.ResponseWriter, r *http.Request, _ []byte, n int) {
			w.WriteHeader(tc.status)
			io.WriteString(w, `{"winstrom":{"@version":"1.0","success":"false","message":"boom"}}`)
		})
		_, err := c.Contracts.Get(context.Background(), NumericID(5))
		var ae *APIError
		if !errors.As(err, &ae) || ae.StatusCode != tc.status || ae.Method != "GET" || len(ae.Messages) != 1 || ae.Messages[0].Message != "boom" {
			t.Errorf("%d: err %v", tc.status, err)
		}
		if tc.sentinel != nil && !errors.Is(err, tc.sentinel) {
			t.Errorf("%d: not %v", tc.status, tc.sentinel)
		}
		if strings.Contains(err.Error(), "s3cret-pw") || strings.Contains(ae.URL, "s3cret") {
			t.Errorf("password in error")
		}
		got := 0
		for _, r := range f.requests() {
			if r.Path != "/c.json" { // the company check after a 404, not a retry
				got++
			}
		}
		if got != tc.tries {
			t.Errorf("%d: %d requests, want %d", tc.status, got, tc.tries)
		}
	}
}

func TestRedirectKeepsAuthAndQuery(t *testing.T) {
	f, c, _ := newFake(t, func(w http.ResponseWriter, r *http.Request, _ []byte, n int) {
		if strings.Contains(r.URL.EscapedPath(), "code:") {
			w.Header().Set("Location", "/c/demo/faktura-vydana/42.json")
			w.WriteHeader(http.StatusSeeOther)
			return
		}
		io.WriteString(w, `{"winstrom":{"@version":"1.0","faktura-vydana":[{"id":"42","kod":"VF1-0001/2024","sumCelkem":"1210.0","zbyvaUhradit":"","typDokl":[{"typDoklK":"typDokladu.faktura","kod":"FAKTURA"}]}]}}`)
	})
	inv, err := c.IssuedInvoices.Get(context.Background(), CodeID("VF1-0001/2024"))
	if err != nil {
		t.Fatal(err)
	}
	if inv.ID != NumericID(42) || inv.Kind() != KindInvoice || !inv.Total.Equal(decimal.NewFromInt(1210)) {
		t.Fatalf("%+v", inv)
	}
	reqs := f.requests()
	if len(reqs) != 2 || reqs[0].Path != "/c/demo/faktura-vydana/code:VF1-0001%2F2024.json" || reqs[1].Path != "/c/demo/faktura-vydana/42.json" {
		t.Fatalf("%+v", reqs)
	}
	if reqs[1].Auth != "api:s3cret-pw" || !strings.Contains(reqs[1].Query, "includes=%2Ffaktura-vydana%2FtypDokl") {
		t.Fatalf("redirected request lost auth or query: %+v", reqs[1])
	}
}

func TestPagingStopsAtRowCount(t *testing.T) {
	const total = 7
	f, c, _ := newFake(t, func(w http.ResponseWriter, r *http.Request, _ []byte, n int) {
		q := r.URL.Query()
		start, limit := atoi(q.Get("start")), atoi(q.Get("limit"))
		var recs []string
		for i := start; i < min(start+limit, total); i++ {
			recs = append(recs, `{"id":"`+itoa(i+1)+`"}`)
		}
		rc := ""
		if q.Get("add-row-count") == "true" {
			rc = `,"@rowCount":"` + itoa(total) + `"`
		}
		io.WriteString(w, `{"winstrom":{"@version":"1.0","banka":[`+strings.Join(recs, ",")+`]`+rc+`}}`)
	})
	got, err := c.Bank.All(context.Background(), ListOptions{PageSize: 3, Filter: IsFalse("sparovano"), Order: []string{"datVyst"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != total || got[6].ID != NumericID(7) {
		t.Fatalf("got %d records", len(got))
	}
	reqs := f.requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests, want 3", len(reqs))
	}
	for i, r := range reqs {
		if r.Path != "/c/demo/banka/(sparovano%20eq%20false).json" {
			t.Errorf("path %s", r.Path)
		}
		if (i == 0) != strings.Contains(r.Query, "add-row-count=true") || !strings.Contains(r.Query, "limit=3") || !strings.Contains(r.Query, "order=datVyst") {
			t.Errorf("query %d: %s", i, r.Query)
		}
	}
	// Limit stops early.
	f.mu.Lock()
	f.reqs = nil
	f.mu.Unlock()
	got, err = c.Bank.All(context.Background(), ListOptions{Limit: 2})
	if err != nil || len(got) != 2 || len(f.requests()) != 1 || !strings.Contains(f.requests()[0].Query, "limit=2") {
		t.Fatalf("limit: %d %v %+v", len(got), err, f.requests())
	}
}

func TestListRefusesBadFilterBeforeRequest(t *testing.T) {
	f, c, _ := newFake(t, func(w http.ResponseWriter, r *http.Request, _ []byte, n int) {})
	_, err := c.Addresses.All(context.Background(), ListOptions{Filter: Eq("kod", `X' or "1"`)})
	if !errors.Is(err, ErrInvalidFilter) {
		t.Fatalf("err %v", err)
	}
	if _, err := c.Addresses.Count(context.Background(), Eq("kod'", 1)); !errors.Is(err, ErrInvalidFilter) {
		t.Fatalf("count err %v", err)
	}
	if n := len(f.requests()); n != 0 {
		t.Fatalf("%d requests sent", n)
	}
}

func TestWriteRetryPolicy(t *testing.T) {
	for _, tc := range []struct {
		name  string
		recs  []Fields
		tries int
	}{
		{"code ids are replay-safe", []Fields{{"id": "code:A", "nazev": "x"}, {"id": ExtID("S", "1"), "nazev": "y"}}, 2},
		{"numeric id is not", []Fields{{"id": "code:A"}, {"id": 5}}, 1},
		{"no id is not", []Fields{{"kod": "A"}}, 1},
		{"typed values stay replay-safe", []Fields{{"id": CodeID("A"), "firma": RefTo(CodeID("C")), "datSplat": NewDate(2026, 1, 1),
			"sumCelkem": decimal.NewFromInt(5), "stitky": Labels("VIP"), "storno": Bool(false), "n": 1.5}}, 2},
		{"items are appended on replay", []Fields{{"id": "code:A", "polozkyFaktury": []Fields{{"nazev": "item"}}}}, 1},
		{"nested object", []Fields{{"id": "code:A", "x": map[string]any{"a": 1}}}, 1},
		{"pairing through Upsert", []Fields{{"id": "code:B1", "sparovani": map[string]string{"uhrazovanaFak": "code:F"}}}, 1},
		{"action", []Fields{{"id": "code:A", "@action": "storno"}}, 1},
	} {
		f, c, _ := newFake(t, func(w http.ResponseWriter, r *http.Request, _ []byte, n int) {
			if n == 0 {
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
			io.WriteString(w, okWrite)
		})
		_, err := c.Addresses.Upsert(context.Background(), tc.recs, WriteOptions{})
		if got := len(f.requests()); got != tc.tries {
			t.Errorf("%s: %d requests, want %d (err %v)", tc.name, got, tc.tries, err)
		}
		if tc.tries == 1 && err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}

func TestUpsertBatchesAndResults(t *testing.T) {
	f, c, _ := newFake(t, func(w http.ResponseWriter, r *http.Request, body []byte, n int) {
		var b struct {
			Winstrom map[string]json.RawMessage `json:"winstrom"`
		}
		json.Unmarshal(body, &b)
		var recs []map[string]any
		json.Unmarshal(b.Winstrom["smlouva"], &recs)
		var res []string
		for i := len(recs) - 1; i >= 0; i-- { // reversed: mapping must use request-id
			res = append(res, `{"id":"`+itoa(100+n*10+i)+`","request-id":"`+recs[i]["id"].(string)+`"}`)
		}
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"winstrom":{"@version":"1.0","success":"true","results":[`+strings.Join(res, ",")+`]}}`)
	})
	var recs []Fields
	for i := range 5 {
		recs = append(recs, Fields{"id": "code:S" + itoa(i), "nazev": "n"})
	}
	res, err := c.Contracts.Upsert(context.Background(), recs, WriteOptions{BatchSize: 2, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	reqs := f.requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests, want 3", len(reqs))
	}
	for _, r := range reqs {
		if r.Method != http.MethodPost || r.Path != "/c/demo/smlouva.json" || r.Query != "dry-run=true" || !bytes.Contains(r.Body, []byte(`"@atomic":"false"`)) {
			t.Errorf("request %s %s?%s %s", r.Method, r.Path, r.Query, r.Body)
		}
	}
	if len(res) != 5 {
		t.Fatalf("%d results", len(res))
	}
	for _, r := range res {
		if r.RequestID != "code:S"+itoa(r.Index) {
			t.Errorf("result %+v mapped to wrong index", r)
		}
	}
}

func TestUpsertValidationError(t *testing.T) {
	_, c, _ := newFake(t, func(w http.ResponseWriter, r *http.Request, body []byte, n int) {
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"winstrom":{"@version":"1.0","success":"false","results":[{"errors":[{"message":"Pole 'Interní číslo' musí být vyplněno.","for":"kod","code":"INVALID"}]}]}}`)
	})
	res, err := c.IssuedInvoices.Upsert(context.Background(), []Fields{{"nazev": "x"}}, WriteOptions{Atomic: true})
	var ae *APIError
	if !errors.As(err, &ae) || ae.StatusCode != 400 || len(ae.Messages) != 1 || ae.Messages[0].For != "kod" ||
		len(ae.Results) != 1 || ae.Results[0].Index != 0 || len(res) != 0 {
		t.Fatalf("err %v %+v", err, ae)
	}
}

func TestLabelsWrites(t *testing.T) {
	f, c, _ := newFake(t, func(w http.ResponseWriter, r *http.Request, body []byte, n int) {
		if r.Method == http.MethodGet {
			io.WriteString(w, `{"winstrom":{"@version":"1.0","adresar":[{"id":"9","stitky":"VIP, UPOMINKA1, ODPOJENO"}]}}`)
			return
		}
		if n == 1 {
			w.WriteHeader(http.StatusBadGateway) // read again, then written again
			return
		}
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, okWrite)
	})
	ctx := context.Background()
	rest, err := c.Addresses.RemoveLabels(ctx, CodeID("c1"), "odpojeno", "upominka1")
	if err != nil {
		t.Fatal(err)
	}
	if !rest.Equal(Labels("VIP")) {
		t.Fatalf("rest %v", rest)
	}
	reqs := f.requests()
	if len(reqs) != 4 || !strings.Contains(reqs[0].Query, "detail=custom%3Aid%2Cstitky") || reqs[2].Method != http.MethodGet {
		t.Fatalf("%+v", reqs)
	}
	want := `{"winstrom":{"@atomic":"true","@version":"1.0","adresar":[{"id":"9","stitky":"VIP","stitky@removeAll":"true"}]}}`
	if string(reqs[3].Body) != want {
		t.Fatalf("body %s", reqs[3].Body)
	}
	// Nothing to remove: no write.
	if rest, err := c.Addresses.RemoveLabels(ctx, CodeID("c1"), "NEPLATIC"); err != nil || rest.Len() != 3 || len(f.requests()) != 5 {
		t.Fatalf("%v %v %d", rest, err, len(f.requests()))
	}
	if _, err := c.Addresses.AddLabels(ctx, []ID{CodeID("a"), NumericID(2)}, WriteOptions{}, "b", "a"); err != nil {
		t.Fatal(err)
	}
	last := f.requests()[5]
	if !bytes.Contains(last.Body, []byte(`"adresar":[{"id":"code:A","stitky":"A,B"},{"id":"2","stitky":"A,B"}]`)) || bytes.Contains(last.Body, []byte("removeAll")) {
		t.Fatalf("add body %s", last.Body)
	}
	if err := c.Addresses.SetLabels(ctx, NumericID(3), LabelSet{}); err != nil {
		t.Fatal(err)
	}
	last = f.requests()[6]
	if !bytes.Contains(last.Body, []byte(`{"id":"3","stitky":"","stitky@removeAll":"true"}`)) {
		t.Fatalf("set body %s", last.Body)
	}
	if _, err := c.Addresses.AddLabels(ctx, []ID{NumericID(1)}, WriteOptions{}, "A,B"); !errors.Is(err, ErrInvalidLabel) {
		t.Fatalf("comma label: %v", err)
	}
}

func TestPairAmbiguous500(t *testing.T) {
	var mu sync.Mutex
	paired := false
	f, c, _ := newFake(t, func(w http.ResponseWriter, r *http.Request, body []byte, n int) {
		mu.Lock()
		defer mu.Unlock()
		if r.Method == http.MethodGet {
			io.WriteString(w, `{"winstrom":{"@version":"1.0","banka":[{"id":"3","sparovano":"`+boolStr(paired)+`"}]}}`)
			return
		}
		paired = true // applied, but the answer is lost
		w.WriteHeader(http.StatusInternalServerError)
	})
	req := PairRequest{PaymentEvidence: EvidenceBank, Payment: CodeID("B1"), Invoice: CodeID("VF1"), Remainder: RemainderNone}
	if err := c.Pair(context.Background(), req); err != nil {
		t.Fatalf("Pair: %v", err)
	}
	var posts int
	for _, r := range f.requests() {
		if r.Method == http.MethodPost {
			posts++
		}
	}
	if posts != 1 {
		t.Fatalf("%d pairing writes", posts)
	}
	if err := c.Pair(context.Background(), req); !errors.Is(err, ErrAlreadyPaired) {
		t.Fatalf("second Pair: %v", err)
	}
}

func TestPairNotApplied(t *testing.T) {
	f, c, _ := newFake(t, func(w http.ResponseWriter, r *http.Request, body []byte, n int) {
		switch {
		case r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/faktura-vydana/"):
			io.WriteString(w, `{"winstrom":{"@version":"1.0","faktura-vydana":[{"id":"4","zbyvaUhradit":"500.0"}]}}`)
		case r.Method == http.MethodGet:
			io.WriteString(w, `{"winstrom":{"@version":"1.0","pokladni-pohyb":[{"id":"3","sparovano":"false"}]}}`)
		default:
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	})
	req := PairRequest{PaymentEvidence: EvidenceCash, Payment: NumericID(3), Invoice: NumericID(4), Remainder: RemainderPartial}
	err := c.Pair(context.Background(), req)
	var ae *APIError
	if !errors.As(err, &ae) || ae.StatusCode != 503 {
		t.Fatalf("err %v", err)
	}
	// read payment and invoice, one write (never resent), re-read both
	var methods []string
	for _, r := range f.requests() {
		methods = append(methods, r.Method)
	}
	if got := strings.Join(methods, ","); got != "GET,GET,POST,GET,GET" {
		t.Fatalf("requests %s", got)
	}
}

// TestPairAppliedButPaymentStaysUnpaired: an overpayment paired with
// ignorovat may leave the payment unpaired (sparovano false); the invoice's
// remaining amount still shows that the lost write took effect.
func TestPairAppliedButPaymentStaysUnpaired(t *testing.T) {
	var mu sync.Mutex
	remaining := "500.0"
	f, c, _ := newFake(t, func(w http.ResponseWriter, r *http.Request, body []byte, n int) {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/faktura-vydana/"):
			io.WriteString(w, `{"winstrom":{"@version":"1.0","faktura-vydana":[{"id":"4","zbyvaUhradit":"`+remaining+`"}]}}`)
		case r.Method == http.MethodGet:
			io.WriteString(w, `{"winstrom":{"@version":"1.0","banka":[{"id":"3","sparovano":"false"}]}}`)
		default:
			remaining = "0.0" // applied, the answer is lost
			w.WriteHeader(http.StatusBadGateway)
		}
	})
	req := PairRequest{PaymentEvidence: EvidenceBank, Payment: NumericID(3), Invoice: NumericID(4), Remainder: RemainderIgnore}
	if err := c.Pair(context.Background(), req); err != nil {
		t.Fatalf("Pair: %v", err)
	}
	posts := 0
	for _, r := range f.requests() {
		if r.Method == http.MethodPost {
			posts++
		}
	}
	if posts != 1 {
		t.Fatalf("%d pairing writes", posts)
	}
	// The re-read failing leaves the outcome unknown.
	_, c2, _ := newFake(t, func(w http.ResponseWriter, r *http.Request, body []byte, n int) {
		switch {
		case n == 0:
			io.WriteString(w, `{"winstrom":{"@version":"1.0","banka":[{"id":"3","sparovano":"false"}]}}`)
		case n == 1:
			io.WriteString(w, `{"winstrom":{"@version":"1.0","faktura-vydana":[{"id":"4","zbyvaUhradit":"500"}]}}`)
		default:
			w.WriteHeader(http.StatusInternalServerError)
		}
	})
	if err := c2.Pair(context.Background(), req); !errors.Is(err, ErrOutcomeUnknown) {
		t.Fatalf("err %v", err)
	}
}

func TestPairValidation(t *testing.T) {
	_, c, _ := newFake(t, func(w http.ResponseWriter, r *http.Request, body []byte, n int) { t.Error("request sent") })
	neg := decimal.NewFromInt(-1)
	for _, req := range []PairRequest{
		{PaymentEvidence: "pokladna", Payment: NumericID(1), Invoice: NumericID(2), Remainder: RemainderNone},
		{PaymentEvidence: EvidenceBank, Invoice: NumericID(2), Remainder: RemainderNone},
		{PaymentEvidence: EvidenceBank, Payment: NumericID(1), Invoice: NumericID(2), Remainder: "zaplatit"},
		{PaymentEvidence: EvidenceBank, Payment: NumericID(1), Invoice: NumericID(2)},
		{PaymentEvidence: EvidenceBank, Payment: NumericID(1), Invoice: NumericID(2), Remainder: RemainderNone, Amount: &neg},
	} {
		if err := c.Pair(context.Background(), req); err == nil {
			t.Errorf("%+v accepted", req)
		}
	}
}

func TestDialErrorRetriedForUnsafeWrite(t *testing.T) {
	// A closed port: connection refused is a dial error, the request never
	// reached a server, so even a pairing may be resent.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c, err := NewClient(Config{URL: "http://" + addr, Login: "a", Password: "b", Company: "demo"}, WithRetry(2, time.Millisecond, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	var te *transportError
	_, err = c.Upsert(context.Background(), EvidenceAddress, []Fields{{"kod": "A"}}, WriteOptions{})
	if !errors.As(err, &te) || !isDialError(err) {
		t.Fatalf("err %v", err)
	}
	ok, _ := checkRetry(withRetryClass(context.Background(), retryUnreached), nil, te.err)
	if !ok {
		t.Fatal("dial error not retried for an unsafe write")
	}
	ok, _ = checkRetry(withRetryClass(context.Background(), retryUnreached), nil, io.ErrUnexpectedEOF)
	if ok {
		t.Fatal("a connection lost after sending must not be retried for an unsafe write")
	}
	ok, _ = checkRetry(withRetryClass(context.Background(), retryUnreached), &http.Response{StatusCode: 503}, nil)
	if ok {
		t.Fatal("503 must not be retried for an unsafe write")
	}
}

func TestContextCancel(t *testing.T) {
	_, c, _ := newFake(t, func(w http.ResponseWriter, r *http.Request, body []byte, n int) {
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	c.hc.RetryWaitMin, c.hc.RetryWaitMax = time.Hour, time.Hour
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Labels.All(ctx, ListOptions{})
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
		t.Fatalf("err %v after %s", err, time.Since(start))
	}
}

func TestPDFAndChanges(t *testing.T) {
	f, c, _ := newFake(t, func(w http.ResponseWriter, r *http.Request, body []byte, n int) {
		switch {
		case strings.HasSuffix(r.URL.Path, ".pdf") && n == 0:
			io.WriteString(w, "%PDF-1.4\n...")
		case strings.HasSuffix(r.URL.Path, ".pdf"):
			io.WriteString(w, "<html>login</html>")
		default:
			io.WriteString(w, `{"winstrom":{"@globalVersion":"10","changes":[{"@evidence":"banka","@in-version":"9","@operation":"update","id":"1","external-ids":[]}],"next":"10"}}`)
		}
	})
	ctx := context.Background()
	pdf, err := c.InvoicePDF(ctx, CodeID("VF1/1"), PDFOptions{Report: "fakturaVydana", Lang: "en"})
	if err != nil || !bytes.HasPrefix(pdf, []byte("%PDF")) {
		t.Fatalf("%q %v", pdf, err)
	}
	r := f.requests()[0]
	if r.Path != "/c/demo/faktura-vydana/code:VF1%2F1.pdf" || r.Query != "report-lang=en&report-name=fakturaVydana" {
		t.Fatalf("%+v", r)
	}
	if _, err := c.InvoicePDF(ctx, NumericID(1), PDFOptions{}); err == nil {
		t.Fatal("non-PDF accepted")
	}
	ch, err := c.Changes(ctx, 9, 100, EvidenceBank, EvidenceIssuedInvoice)
	if err != nil || ch.Next != 10 || len(ch.Changes) != 1 {
		t.Fatalf("%+v %v", ch, err)
	}
	r = f.requests()[2]
	if r.Path != "/c/demo/changes.json" || r.Query != "evidence=banka&evidence=faktura-vydana&limit=100&start=9" {
		t.Fatalf("%+v", r)
	}
}

func boolStr(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

func itoa(n int) string { return strconv.Itoa(n) }

// keyAfter reads N from a listing path whose filter ends in "id gt N"
// (0 when there is none).
func keyAfter(path string) int {
	p, _ := url.PathUnescape(path)
	_, after, ok := strings.Cut(p, "id gt ")
	if !ok {
		return 0
	}
	return atoi(strings.TrimSuffix(after, ").json"))
}

func TestPagingServerIgnoresFilterOrLimit(t *testing.T) {
	page := func(from, to int, count bool, total int) string {
		var recs []string
		for i := from; i < to; i++ {
			recs = append(recs, `{"id":"`+itoa(i+1)+`"}`)
		}
		rc := ""
		if count {
			rc = `,"@rowCount":"` + itoa(total) + `"`
		}
		return `{"winstrom":{"@version":"1.0","banka":[` + strings.Join(recs, ",") + `]` + rc + `}}`
	}
	run := func(name string, h func(after, limit int) string, want, wantReqs int, wantErr bool) {
		t.Run(name, func(t *testing.T) {
			f, c, _ := newFake(t, func(w http.ResponseWriter, r *http.Request, _ []byte, n int) {
				if n > 20 {
					w.WriteHeader(http.StatusTeapot) // would loop forever
					return
				}
				io.WriteString(w, h(keyAfter(r.URL.EscapedPath()), atoi(r.URL.Query().Get("limit"))))
			})
			got, err := c.Bank.All(context.Background(), ListOptions{PageSize: 3})
			if (err != nil) != wantErr || len(got) != want && !wantErr {
				t.Fatalf("%d records, err %v", len(got), err)
			}
			if wantErr && !errors.Is(err, ErrInconsistentListing) {
				t.Fatalf("err %v does not match ErrInconsistentListing", err)
			}
			if n := len(f.requests()); n != wantReqs {
				t.Fatalf("%d requests, want %d", n, wantReqs)
			}
		})
	}
	// The id gt filter ignored: every page is the first one.
	run("filter ignored", func(after, limit int) string { return page(0, limit, false, 0) }, 0, 2, true)
	// limit ignored: everything comes at once; with the row count one request.
	run("limit ignored", func(after, limit int) string { return page(after, 10, true, 10-after) }, 10, 1, false)
	// limit ignored and no row count: one (empty) request more.
	run("limit ignored, no row count", func(after, limit int) string { return page(after, 10, false, 0) }, 10, 2, false)
	// Both honoured, no row count: stops on the short page.
	run("no row count", func(after, limit int) string { return page(after, min(after+limit, 7), false, 0) }, 7, 3, false)
	// Exact multiple of the page size without row count: one empty page more.
	run("exact multiple", func(after, limit int) string { return page(after, min(after+limit, 6), false, 0) }, 6, 3, false)
	// With the row count on every page, no empty page.
	run("exact multiple, row count", func(after, limit int) string { return page(after, min(after+limit, 6), true, 6-after) }, 6, 2, false)
	// The server counts records it does not send.
	run("count without records", func(after, limit int) string {
		if after > 0 {
			return page(0, 0, true, 5)
		}
		return page(0, 3, true, 8)
	}, 0, 2, true)
}

func TestPagingByOffsetServerIgnoresStart(t *testing.T) {
	f, c, _ := newFake(t, func(w http.ResponseWriter, r *http.Request, _ []byte, n int) {
		io.WriteString(w, `{"winstrom":{"@version":"1.0","banka":[{"id":"1"},{"id":"2"},{"id":"3"}]}}`)
	})
	_, err := c.Bank.All(context.Background(), ListOptions{PageSize: 3, Order: []string{"datVyst"}})
	if !errors.Is(err, ErrInconsistentListing) || len(f.requests()) != 2 {
		t.Fatalf("err %v after %d requests", err, len(f.requests()))
	}
}

func TestRetryAfterIsBounded(t *testing.T) {
	resp := &http.Response{StatusCode: http.StatusTooManyRequests, Header: http.Header{"Retry-After": {"86400"}}}
	if d := boundedBackoff(time.Millisecond, 2*time.Millisecond, 0, resp); d != maxRetryAfter {
		t.Fatalf("Retry-After 86400 gave %s", d)
	}
	resp.Header.Set("Retry-After", "1")
	if d := boundedBackoff(time.Millisecond, 2*time.Millisecond, 0, resp); d != time.Second {
		t.Fatalf("Retry-After 1 gave %s", d)
	}
	if d := boundedBackoff(time.Millisecond, 2*time.Millisecond, 10, nil); d != 2*time.Millisecond {
		t.Fatalf("backoff %s", d)
	}
}

func TestRetryOn429And502And504(t *testing.T) {
	for _, code := range []int{http.StatusTooManyRequests, http.StatusBadGateway, http.StatusGatewayTimeout} {
		f, c, _ := newFake(t, func(w http.ResponseWriter, r *http.Request, _ []byte, n int) {
			if n == 0 {
				w.WriteHeader(code)
				return
			}
			io.WriteString(w, `{"winstrom":{"@version":"1.0","stitek":[{"id":"1","kod":"VIP"}]}}`)
		})
		got, err := c.Labels.All(context.Background(), ListOptions{})
		if err != nil || len(got) != 1 || len(f.requests()) != 2 {
			t.Fatalf("%d: %v %d requests", code, err, len(f.requests()))
		}
	}
}

func TestContextCancelledDuringBackoff(t *testing.T) {
	_, c, _ := newFake(t, func(w http.ResponseWriter, r *http.Request, body []byte, n int) {
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(30*time.Millisecond, cancel)
	start := time.Now()
	_, err := c.IssuedInvoices.Get(ctx, CodeID("X"))
	if !errors.Is(err, context.Canceled) || time.Since(start) > 5*time.Second {
		t.Fatalf("err %v after %s", err, time.Since(start))
	}
	// A context cancelled before the call sends nothing.
	f, c2, _ := newFake(t, func(w http.ResponseWriter, r *http.Request, body []byte, n int) {})
	_, err = c2.Addresses.Upsert(ctx, []Fields{{"id": "code:A"}}, WriteOptions{})
	if !errors.Is(err, context.Canceled) || len(f.requests()) != 0 {
		t.Fatalf("err %v, %d requests", err, len(f.requests()))
	}
}

func TestCredentialsNeverInErrorsOrLogs(t *testing.T) {
	// A proxy that echoes the request headers in its error page.
	_, c, logs := newFake(t, func(w http.ResponseWriter, r *http.Request, body []byte, n int) {
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"winstrom":{"@version":"1.0","success":"false","message":"bad request, headers: Authorization: `+
			r.Header.Get("Authorization")+` password s3cret-pw","results":[{"errors":[{"message":"x","value":"api:s3cret-pw"}]}]}}`)
	})
	_, err := c.Addresses.Upsert(context.Background(), []Fields{{"id": "code:A", "nazev": "x"}}, WriteOptions{})
	var ae *APIError
	if !errors.As(err, &ae) {
		t.Fatalf("err %v", err)
	}
	dump := err.Error() + ae.Body + fmt.Sprintf("%+v %+v", ae.Messages, ae.Results) + logs.String()
	for _, secret := range []string{"s3cret-pw", "YXBpOnMzY3JldC1wdw=="} {
		if strings.Contains(dump, secret) {
			t.Fatalf("secret %q leaked: %s", secret, dump)
		}
	}
	if !strings.Contains(ae.Body, "REDACTED") {
		t.Fatalf("body %s", ae.Body)
	}
	// A URL with user info in the config is used without it.
	c3, err := NewClient(Config{URL: "http://u:pw-in-url@127.0.0.1:1", Login: "api", Password: "s3cret-pw", Company: "demo"}, WithRetry(0, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c3.Labels.All(context.Background(), ListOptions{})
	if err == nil || strings.Contains(err.Error(), "pw-in-url") || strings.Contains(err.Error(), "s3cret-pw") || strings.Contains(c3.BaseURL(), "pw-in-url") {
		t.Fatalf("err %v base %s", err, c3.BaseURL())
	}
}

func TestSelfSignedTLS(t *testing.T) {
	var hits int
	var mu sync.Mutex
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits++
		mu.Unlock()
		if u, p, _ := r.BasicAuth(); u != "api" || p != "pw" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		io.WriteString(w, `{"winstrom":{"@version":"1.0","stitek":[{"id":"1","kod":"VIP"}]}}`)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // expected handshake failures
	srv.StartTLS()
	defer srv.Close()
	cfg := Config{URL: srv.URL, Login: "api", Password: "pw", Company: "demo"}
	c, err := NewClient(cfg, WithRetry(3, time.Millisecond, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Labels.All(context.Background(), ListOptions{}); err == nil {
		t.Fatal("self-signed certificate accepted without InsecureSkipVerify")
	}
	mu.Lock()
	n := hits
	mu.Unlock()
	if n != 0 {
		t.Fatalf("%d requests reached the handler", n)
	}
	cfg.InsecureSkipVerify = true
	c, err = NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.Labels.All(context.Background(), ListOptions{})
	if err != nil || len(got) != 1 || got[0].Code != "VIP" {
		t.Fatalf("%+v %v", got, err)
	}
	// The caller's transport is cloned, not modified.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if _, err := NewClient(cfg, WithHTTPClient(&http.Client{Transport: tr})); err != nil || (tr.TLSClientConfig != nil && tr.TLSClientConfig.InsecureSkipVerify) {
		t.Fatalf("caller transport modified: %v", err)
	}
}
