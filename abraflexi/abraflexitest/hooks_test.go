package abraflexitest

import (
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/spoje-net/isptools/abraflexi"
)

func kods(t *testing.T, r reply, ev string) string {
	t.Helper()
	var out []string
	for _, rec := range r.list(ev) {
		out = append(out, rec["kod"].(string))
	}
	return strings.Join(out, " ")
}

func TestOnRequestCountsMatchingRequestsAndMayChangeData(t *testing.T) {
	s := newTestServer(t)
	s.Put("adresar", map[string]any{"kod": "A", "nazev": "a"})
	var mu sync.Mutex
	var calls []int
	remove := s.OnRequest(Matcher{Method: "GET", Evidence: "adresar"}, func(n int, r *http.Request) {
		mu.Lock()
		calls = append(calls, n)
		mu.Unlock()
		if n == 2 {
			// The hook runs outside the lock: it may seed and even call the server.
			s.Put("adresar", map[string]any{"kod": "B", "nazev": "b"})
			call(t, s, "GET", "stitek.json", nil)
		}
	})
	expectStatus(t, call(t, s, "GET", "adresar.json", nil), 200)
	expectStatus(t, call(t, s, "GET", "faktura-vydana.json", nil), 200) // does not match
	if got := kods(t, call(t, s, "GET", "adresar.json", nil), "adresar"); got != "A B" {
		t.Fatalf("second listing %q: the hook's change is not visible to the request it ran before", got)
	}
	remove()
	call(t, s, "GET", "adresar.json", nil)
	mu.Lock()
	defer mu.Unlock()
	if len(calls) != 2 || calls[0] != 1 || calls[1] != 2 {
		t.Fatalf("hook calls %v", calls)
	}
}

func TestOnRequestRunsBeforeInjectedFaults(t *testing.T) {
	s := newTestServer(t)
	var ran atomic.Bool
	s.OnRequest(AnyRequest, func(int, *http.Request) { ran.Store(true) })
	s.FailNext(1, 503, AnyRequest)
	expectStatus(t, call(t, s, "GET", "adresar.json", nil), 503)
	if !ran.Load() {
		t.Fatal("hook did not run for a request answered by an injected fault")
	}
}

func TestLoginPageFault(t *testing.T) {
	s := newTestServer(t)
	s.FailNext(1, http.StatusOK, Match("POST", "/adresar"), LoginPage(), Applied())
	r := call(t, s, "POST", "adresar.json", write("adresar", map[string]any{"kod": "X", "nazev": "x"}))
	expectStatus(t, r, 200)
	if !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") || string(r.raw) != LoginPageHTML {
		t.Fatalf("answer %s %q", r.header.Get("Content-Type"), r.raw)
	}
	if _, ok := s.Address(abraflexi.CodeID("X")); !ok {
		t.Fatal("Applied: the write was not processed")
	}
	reqs := s.Requests()
	if !reqs[len(reqs)-1].Injected {
		t.Fatal("not logged as injected")
	}
}

func TestDefaultOrderIsNotByID(t *testing.T) {
	s := newTestServer(t)
	for _, k := range []string{"B", "C", "A"} {
		s.Put("adresar", map[string]any{"kod": k, "nazev": k})
	}
	if got := kods(t, call(t, s, "GET", "adresar.json", nil), "adresar"); got != "A B C" {
		t.Fatalf("address book by kod: %s", got)
	}
	// Documents: newest first.
	for i, d := range []string{"2024-01-02", "2024-03-01", "2024-02-01"} {
		s.Put("faktura-vydana", map[string]any{"kod": string(rune('P' + i)), "sumCelkem": "1", "datVyst": d})
	}
	if got := kods(t, call(t, s, "GET", "faktura-vydana.json?detail=custom:kod", nil), "faktura-vydana"); got != "Q R P" {
		t.Fatalf("invoices by datVyst descending: %s", got)
	}
}

func TestTiesComeInAnotherOrderOnEveryListing(t *testing.T) {
	s := newTestServer(t)
	for i := range 20 {
		s.Seed(abraflexi.IssuedInvoice{Code: "T" + string(rune('A'+i)), Total: decimal.NewFromInt(1), IssuedOn: abraflexi.NewDate(2024, 1, 1)})
	}
	first := kods(t, call(t, s, "GET", "faktura-vydana.json?detail=custom:kod&limit=0", nil), "faktura-vydana")
	second := kods(t, call(t, s, "GET", "faktura-vydana.json?detail=custom:kod&limit=0", nil), "faktura-vydana")
	if first == second {
		t.Fatalf("tied rows in the same order twice: %s", first)
	}
	// A unique key gives the same order every time.
	a := kods(t, call(t, s, "GET", "faktura-vydana.json?detail=custom:kod&limit=0&order=id@D", nil), "faktura-vydana")
	b := kods(t, call(t, s, "GET", "faktura-vydana.json?detail=custom:kod&limit=0&order=id@D", nil), "faktura-vydana")
	if a != b || !strings.HasPrefix(a, "TA TB TC") {
		t.Fatalf("id order %q then %q", a, b)
	}
}

func TestIDGreaterThanFilter(t *testing.T) {
	s := newTestServer(t)
	var ids []abraflexi.ID
	for _, k := range []string{"A", "B", "C", "D"} {
		ids = append(ids, s.Put("adresar", map[string]any{"kod": k, "nazev": k}))
	}
	path := "adresar/" + abraflexi.Gt("id", mustNum(ids[1])).PathSegment() + ".json?order=id@D&add-row-count=true&limit=1"
	r := call(t, s, "GET", path, nil)
	expectStatus(t, r, 200)
	if got := kods(t, r, "adresar"); got != "C" {
		t.Fatalf("id gt %s limit 1: %s", ids[1], got)
	}
	if rc := r.body["winstrom"].(map[string]any)["@rowCount"]; rc != "2" {
		t.Fatalf("@rowCount %v, want 2 (the records after the key)", rc)
	}
	// A quoted number is refused, as on AbraFlexi since 2023.
	expectStatus(t, call(t, s, "GET", "adresar/(id%20gt%20'1').json", nil), 400)
}

func mustNum(id abraflexi.ID) int64 {
	n, _ := id.Numeric()
	return n
}
