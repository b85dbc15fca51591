package abraflexitest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/spoje-net/isptools/abraflexi"
)

type reply struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

// w returns the winstrom object of the reply.
func (r reply) w() map[string]any {
	m, _ := r.body["winstrom"].(map[string]any)
	return m
}

// list returns the records of evidence ev in the reply.
func (r reply) list(ev string) []map[string]any {
	arr, _ := r.w()[ev].([]any)
	out := make([]map[string]any, len(arr))
	for i, a := range arr {
		out[i], _ = a.(map[string]any)
	}
	return out
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func call(t testing.TB, s *Server, method, path string, body any) reply {
	t.Helper()
	return callAuth(t, s, method, path, body, s.login, s.password)
}

func callAuth(t testing.TB, s *Server, method, path string, body any, user, pass string) reply {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(buf)
	}
	if !strings.HasPrefix(path, "/") {
		path = "/c/" + s.company + "/" + path
	}
	req, err := http.NewRequest(method, s.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := reply{status: resp.StatusCode, header: resp.Header, raw: raw}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(raw, &r.body); err != nil {
			t.Fatalf("%s %s: bad JSON %q: %v", method, path, raw, err)
		}
	}
	return r
}

func expectStatus(t testing.TB, r reply, want int) {
	t.Helper()
	if r.status != want {
		t.Fatalf("status %d, want %d; body %s", r.status, want, r.raw)
	}
}

func write(ev string, recs ...map[string]any) map[string]any {
	return map[string]any{"winstrom": map[string]any{"@version": "1.0", ev: recs}}
}

func newTestServer(t *testing.T) *Server {
	return NewServer(t, WithToday(abraflexi.NewDate(2024, 3, 15)))
}

func seedCustomer(s *Server) {
	s.Seed(
		abraflexi.Address{Code: "ABC", Name: "ABC s.r.o.", Email: "abc@example.com", Labels: abraflexi.Labels("VIP", "UPOMINKA1"),
			Contacts: []abraflexi.Contact{{FirstName: "Jan", LastName: "Novák", Email: "jan@example.com", Primary: true, SendInvoices: true}}},
		abraflexi.IssuedInvoice{Code: "VF1-0001/2024", Customer: abraflexi.RefTo(abraflexi.CodeID("ABC")), VariableSymbol: "240001",
			Total: decimal.NewFromInt(1210), IssuedOn: abraflexi.NewDate(2024, 1, 31), DueOn: abraflexi.NewDate(2024, 2, 14),
			ContactEmail: "fak@example.com"},
		abraflexi.BankMovement{Movement: abraflexi.Movement{Code: "B+0001/2024", VariableSymbol: "240001", Total: decimal.NewFromInt(1210),
			IssuedOn: abraflexi.NewDate(2024, 2, 1), Direction: abraflexi.DirectionIncoming}},
	)
}

func TestAuth(t *testing.T) {
	s := newTestServer(t)
	for _, c := range [][2]string{{"", ""}, {"winstrom", "bad"}, {"x", "winstrom"}} {
		r := callAuth(t, s, "GET", "adresar.json", nil, c[0], c[1])
		expectStatus(t, r, 401)
		if r.w()["success"] != "false" || r.w()["message"] == "" || r.header.Get("WWW-Authenticate") == "" {
			t.Errorf("401 body/header: %s %v", r.raw, r.header)
		}
	}
	expectStatus(t, call(t, s, "GET", "adresar.json", nil), 200)
	s2 := NewServer(t, WithCredentials("u", "p"), WithCompany("firma_1"))
	if cfg := s2.Config(); cfg.Login != "u" || cfg.Password != "p" || cfg.Company != "firma_1" || cfg.URL != s2.URL {
		t.Fatalf("config %+v", cfg)
	}
	expectStatus(t, callAuth(t, s2, "GET", "/c/firma_1/adresar.json", nil, "u", "p"), 200)
}

func TestNotFoundAndMethods(t *testing.T) {
	s := newTestServer(t)
	seedCustomer(s)
	for _, p := range []string{"/c/other/adresar.json", "nosuch.json", "adresar/999.json", "adresar/code:NOPE.json", "/x/y", "adresar/1/nosub/x.json"} {
		r := call(t, s, "GET", p, nil)
		expectStatus(t, r, 404)
		if r.w()["success"] != "false" || r.w()["@version"] != "1.0" || r.w()["message"] == nil {
			t.Errorf("%s: body %s", p, r.raw)
		}
	}
	r := call(t, s, "GET", "adresar/999.json", nil)
	if msg := r.w()["message"].(string); msg != "Záznam nebyl v datovém zdroji nalezen: cz.winstrom.vo.adr.Adresar#999" {
		t.Errorf("message %q", msg)
	}
	for _, m := range []string{"PATCH", "DELETE"} {
		r := call(t, s, m, "adresar.json", nil)
		expectStatus(t, r, 405)
		if string(r.raw) != `{"winstrom":{"@version":"1.0","success":"false"}}` {
			t.Errorf("405 body %s", r.raw)
		}
	}
	expectStatus(t, call(t, s, "POST", "changes.json", nil), 405)
	expectStatus(t, call(t, s, "POST", "adresar/(kod='ABC').json", nil), 405)
}

func TestListingPagingAndDetail(t *testing.T) {
	s := newTestServer(t)
	for i := 1; i <= 25; i++ {
		s.Put("adresar", map[string]any{"kod": fmt.Sprintf("C%02d", i), "nazev": fmt.Sprintf("Customer %d", i), "email": "x@y.cz", "stitky": "VIP"})
	}
	r := call(t, s, "GET", "adresar.json", nil)
	expectStatus(t, r, 200)
	if n := len(r.list("adresar")); n != 20 {
		t.Fatalf("default limit: %d records", n)
	}
	first := r.list("adresar")[0]
	if _, ok := first["stitky"]; ok {
		t.Errorf("summary must not contain stitky: %v", first)
	}
	if _, ok := first["email"]; ok {
		t.Errorf("summary must not contain email: %v", first)
	}
	if first["id"] != "1" || first["kod"] != "C01" || first["nazev"] != "Customer 1" {
		t.Errorf("first %v", first)
	}
	r = call(t, s, "GET", "adresar.json?limit=0&add-row-count=true", nil)
	if n := len(r.list("adresar")); n != 25 || r.w()["@rowCount"] != "25" {
		t.Fatalf("limit=0: %d records, rowCount %v", n, r.w()["@rowCount"])
	}
	r = call(t, s, "GET", "adresar.json?limit=10&start=20&add-row-count=true", nil)
	recs := r.list("adresar")
	if len(recs) != 5 || recs[0]["kod"] != "C21" || r.w()["@rowCount"] != "25" {
		t.Fatalf("start=20: %v rowCount %v", recs, r.w()["@rowCount"])
	}
	r = call(t, s, "GET", "adresar.json?limit=1&detail=custom:kod,email,stitky,nosuch", nil)
	rec := r.list("adresar")[0]
	if !slices.Equal(keys(rec), []string{"email", "id", "kod", "stitky"}) || rec["stitky"] != "VIP" {
		t.Errorf("custom detail %v", rec)
	}
	r = call(t, s, "GET", "adresar.json?limit=1&detail=id", nil)
	if !slices.Equal(keys(r.list("adresar")[0]), []string{"id"}) {
		t.Errorf("detail=id %v", r.list("adresar")[0])
	}
	r = call(t, s, "GET", "adresar/(kod%20like%20'c1').json?limit=0", nil)
	if n := len(r.list("adresar")); n != 10 {
		t.Errorf("filtered: %d", n)
	}
	r = call(t, s, "GET", "adresar/(kod%20%3D%20'NONE').json", nil)
	expectStatus(t, r, 200)
	if string(r.raw) != `{"winstrom":{"@version":"1.0","adresar":[]}}` {
		t.Errorf("empty listing %s", r.raw)
	}
	r = call(t, s, "GET", "adresar/(kod%20%3D%20'NONE).json", nil)
	expectStatus(t, r, 400)
	if r.w()["success"] != "false" || r.w()["message"] == nil {
		t.Errorf("bad filter body %s", r.raw)
	}
	expectStatus(t, call(t, s, "GET", "adresar/(id%20gt%20'3').json", nil), 400)
	expectStatus(t, call(t, s, "GET", "adresar/(id%20gt%203).json", nil), 200)
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func TestOrder(t *testing.T) {
	s := newTestServer(t)
	for _, k := range []string{"B", "C", "A"} {
		s.Put("adresar", map[string]any{"kod": k, "nazev": k})
	}
	order := func(q string) string {
		var out []string
		for _, r := range call(t, s, "GET", "adresar.json?"+q, nil).list("adresar") {
			out = append(out, r["kod"].(string))
		}
		return strings.Join(out, "")
	}
	for q, want := range map[string]string{"": "ABC", "order=id@D": "BCA", "order=kod": "ABC", "order=kod@D": "ABC", "order=kod@A": "CBA",
		"sort=kod&dir=desc": "CBA", "order=id@A": "ACB"} {
		if got := order(q); got != want {
			t.Errorf("%s: %s, want %s", q, got, want)
		}
	}
	expectStatus(t, call(t, s, "GET", "adresar.json?order=nosuch", nil), 400)
}

func TestDetailRenderingAndRedirect(t *testing.T) {
	s := newTestServer(t)
	seedCustomer(s)
	r := call(t, s, "GET", "faktura-vydana/code:VF1-0001%2F2024.json?detail=custom:kod,sumCelkem", nil)
	expectStatus(t, r, 303)
	if loc := r.header.Get("Location"); loc != "/c/demo/faktura-vydana/1.json?detail=custom:kod,sumCelkem" {
		t.Fatalf("Location %q", loc)
	}
	// A client following the redirect lands on the numeric URL.
	req, _ := http.NewRequest("GET", s.URL+"/c/demo/faktura-vydana/code:vf1-0001%2F2024.json", nil)
	req.SetBasicAuth("winstrom", "winstrom")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("follow redirect: %v %v", resp, err)
	}
	resp.Body.Close()
	s.Put("adresar", map[string]any{"id": []string{"code:EXT1", "ext:SHOP:42"}, "nazev": "Ext"})
	r = call(t, s, "GET", "adresar/ext:SHOP:42.json", nil)
	expectStatus(t, r, 303)

	r = call(t, s, "GET", "faktura-vydana/1.json", nil)
	expectStatus(t, r, 200)
	inv := r.list("faktura-vydana")[0]
	want := map[string]string{
		"id": "1", "kod": "VF1-0001/2024", "sumCelkem": "1210.0", "zbyvaUhradit": "1210.0", "datVyst": "2024-01-31+01:00",
		"datSplat": "2024-02-14+01:00", "firma": "code:ABC", "firma@ref": "/c/demo/adresar/1.json", "firma@showAs": "ABC: ABC s.r.o.",
		"typDokl": "code:FAKTURA", "mena": "code:CZK", "storno": "false", "stavUhrK": "", "stitky": "", "varSym": "240001",
		"kontaktEmail": "fak@example.com",
	}
	for k, v := range want {
		if inv[k] != v {
			t.Errorf("%s = %#v, want %q", k, inv[k], v)
		}
	}
	if lu, _ := inv["lastUpdate"].(string); !regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0[12]:00$`).MatchString(lu) {
		t.Errorf("lastUpdate %q", lu)
	}
	r = call(t, s, "GET", "adresar/1.json?detail=custom:kod,stitky,kontakty(jmeno,email,primarni,odesilatFak)&relations=kontakty", nil)
	a := r.list("adresar")[0]
	if a["stitky"] != "UPOMINKA1, VIP" {
		t.Errorf("stitky %q", a["stitky"])
	}
	ks, _ := a["kontakty"].([]any)
	if len(ks) != 1 {
		t.Fatalf("kontakty %v", a["kontakty"])
	}
	k := ks[0].(map[string]any)
	if k["jmeno"] != "Jan" || k["email"] != "jan@example.com" || k["primarni"] != "true" || k["odesilatFak"] != "true" || k["id"] == nil {
		t.Errorf("contact %v", k)
	}
	r = call(t, s, "GET", "faktura-vydana.json?detail=custom:kod,typDokl(typDoklK,kod)&includes=/faktura-vydana/typDokl", nil)
	td, _ := r.list("faktura-vydana")[0]["typDokl"].([]any)
	if len(td) != 1 || td[0].(map[string]any)["typDoklK"] != "typDokladu.faktura" || td[0].(map[string]any)["kod"] != "FAKTURA" || td[0].(map[string]any)["id"] == nil {
		t.Errorf("includes typDokl: %s", r.raw)
	}
	r = call(t, s, "GET", "banka.json?detail=custom:varSym,sparovano,storno,typPohybuK", nil)
	b := r.list("banka")[0]
	if b["sparovano"] != "false" || b["typPohybuK"] != "typPohybu.prijem" || b["varSym"] != "240001" || b["storno"] != "false" {
		t.Errorf("banka custom %v", b)
	}
	// Typed decoding of the wire form works with the SDK models.
	got, ok := s.Invoice(abraflexi.CodeID("VF1-0001/2024"))
	if !ok || got.Kind() != abraflexi.KindInvoice || !got.Total.Equal(decimal.NewFromInt(1210)) || got.Customer.Code() != "ABC" || !got.IsOpen() {
		t.Errorf("Invoice() = %+v", got)
	}
	addr, _ := s.Address(abraflexi.NumericID(1))
	if addr.PrimaryContactEmail() != "jan@example.com" || !addr.Labels.Has("VIP") {
		t.Errorf("Address() = %+v", addr)
	}
	if rec, _ := s.Record("faktura-vydana", abraflexi.NumericID(1)); rec["sumCelkem"] != "1210.0" || rec["firma"] != "code:ABC" {
		t.Errorf("Record() = %v", rec)
	}
}

func TestWriteCreateUpdate(t *testing.T) {
	s := newTestServer(t)
	r := call(t, s, "POST", "adresar.json", write("adresar", map[string]any{"id": "code:NEW", "nazev": "New s.r.o."}))
	expectStatus(t, r, 201)
	w := r.w()
	if w["success"] != "true" || w["stats"].(map[string]any)["created"] != "1" {
		t.Fatalf("create %s", r.raw)
	}
	res := w["results"].([]any)[0].(map[string]any)
	if res["id"] != "1" || res["ref"] != "/c/demo/adresar/1.json" || res["request-id"] != "code:NEW" {
		t.Errorf("result %v", res)
	}
	// Partial update by code, object form, PUT.
	r = call(t, s, "PUT", "adresar.json", map[string]any{"winstrom": map[string]any{"adresar": map[string]any{"id": "code:new", "email": "a@b.cz"}}})
	expectStatus(t, r, 201)
	if st := r.w()["stats"].(map[string]any); st["updated"] != "1" || st["created"] != "0" {
		t.Errorf("update stats %v", st)
	}
	rec, _ := s.Record("adresar", abraflexi.CodeID("NEW"))
	if rec["nazev"] != "New s.r.o." || rec["email"] != "a@b.cz" {
		t.Errorf("after update %v", rec)
	}
	// The same write again changes nothing: 200.
	r = call(t, s, "PUT", "adresar.json", write("adresar", map[string]any{"id": "code:NEW", "email": "a@b.cz"}))
	expectStatus(t, r, 200)
	// Update by numeric id and via the detail URL.
	expectStatus(t, call(t, s, "PUT", "adresar.json", write("adresar", map[string]any{"id": 1, "tel": "123"})), 201)
	expectStatus(t, call(t, s, "PUT", "adresar/code:NEW.json", write("adresar", map[string]any{"mesto": "Praha"})), 201)
	rec, _ = s.Record("adresar", abraflexi.NumericID(1))
	if rec["tel"] != "123" || rec["mesto"] != "Praha" {
		t.Errorf("after updates %v", rec)
	}
	// Numeric id must exist.
	r = call(t, s, "POST", "adresar.json", write("adresar", map[string]any{"id": "999", "nazev": "x"}))
	expectStatus(t, r, 400)
	// kod on create; ext id create.
	r = call(t, s, "POST", "adresar.json", write("adresar", map[string]any{"id": "ext:CRM:7", "kod": "crm7", "nazev": "CRM"}))
	expectStatus(t, r, 201)
	if _, ok := s.Record("adresar", abraflexi.CodeID("CRM7")); !ok {
		t.Error("ext create with kod")
	}
	// Missing kod: 400 shaped like sample 04.
	r = call(t, s, "POST", "adresar.json", write("adresar", map[string]any{"nazev": "No code"}))
	expectStatus(t, r, 400)
	e := firstError(t, r)
	if e["for"] != "kod" || e["code"] != "INVALID" || e["path"] != "adresar[temporary-id=null].kod" {
		t.Errorf("missing kod error %v", e)
	}
	// Relation given as bare code: 400 shaped like sample 02.
	r = call(t, s, "POST", "faktura-vydana.json", write("faktura-vydana", map[string]any{"kod": "F1", "typDokl": "FAKTURA", "sumCelkem": "10"}))
	expectStatus(t, r, 400)
	e = firstError(t, r)
	if e["message"] != "Je očekáváno číselné ID, ale 'FAKTURA' není číslo" || e["for"] != "typDokl" || e["value"] != "FAKTURA" || e["code"] != "PROP" ||
		e["path"] != "faktura-vydana[temporary-id=null].typDokl" {
		t.Errorf("PROP error %v", e)
	}
	// Read-only fields are ignored; invoices get defaults.
	r = call(t, s, "POST", "faktura-vydana.json", write("faktura-vydana", map[string]any{"kod": "F2", "firma": "code:NEW", "sumCelkem": 1000,
		"zbyvaUhradit": "1", "storno": "true", "stavUhrK": "stavUhr.uhrazeno"}))
	expectStatus(t, r, 201)
	inv, _ := s.Record("faktura-vydana", abraflexi.CodeID("F2"))
	if inv["zbyvaUhradit"] != "1000.0" || inv["storno"] != "false" || inv["stavUhrK"] != "" || inv["typDokl"] != "code:FAKTURA" ||
		inv["datVyst"] != "2024-03-15+01:00" || inv["datSplat"] != "2024-03-29+01:00" || inv["varSym"] != "2" {
		t.Errorf("defaults %v", inv)
	}
	// Documents get a generated code.
	r = call(t, s, "POST", "banka.json", write("banka", map[string]any{"sumCelkem": "5"}))
	expectStatus(t, r, 201)
	if rec, _ := s.Record("banka", abraflexi.NumericID(1)); rec["kod"] != "B+0001/2024" {
		t.Errorf("generated code %q", rec["kod"])
	}
	// stavUhr.uhrazenoRucne is importable.
	expectStatus(t, call(t, s, "PUT", "faktura-vydana.json", write("faktura-vydana", map[string]any{"id": "code:F2", "stavUhrK": "stavUhr.uhrazenoRucne"})), 201)
	if inv, _ := s.Invoice(abraflexi.CodeID("F2")); inv.PaymentState != abraflexi.PaymentStatePaidManually || !inv.Remaining.IsZero() {
		t.Errorf("uhrazenoRucne %+v", inv)
	}
	// Duplicate kod.
	expectStatus(t, call(t, s, "POST", "adresar.json", write("adresar", map[string]any{"kod": "NEW", "nazev": "dup"})), 400)
	// Bad JSON.
	expectStatus(t, call(t, s, "POST", "adresar.json", "{"), 400)
	// Delete.
	expectStatus(t, call(t, s, "DELETE", "adresar/code:CRM7.json", nil), 200)
	expectStatus(t, call(t, s, "DELETE", "adresar/code:CRM7.json", nil), 404)
}

func firstError(t *testing.T, r reply) map[string]any {
	t.Helper()
	for _, res := range r.w()["results"].([]any) {
		if errs, ok := res.(map[string]any)["errors"].([]any); ok && len(errs) > 0 {
			return errs[0].(map[string]any)
		}
	}
	t.Fatalf("no error in %s", r.raw)
	return nil
}

func TestAtomicDryRun(t *testing.T) {
	s := newTestServer(t)
	body := write("adresar", map[string]any{"kod": "A1", "nazev": "a"}, map[string]any{"nazev": "no kod"}, map[string]any{"kod": "A3", "nazev": "c"})
	r := call(t, s, "POST", "adresar.json", body)
	expectStatus(t, r, 400)
	if s.Count("adresar") != 0 {
		t.Fatalf("atomic batch applied %d records", s.Count("adresar"))
	}
	if st := r.w()["stats"].(map[string]any); st["failed"] != "1" || st["created"] != "0" || r.w()["success"] != "false" {
		t.Errorf("atomic stats %s", r.raw)
	}
	body["winstrom"].(map[string]any)["@atomic"] = "false"
	r = call(t, s, "POST", "adresar.json", body)
	expectStatus(t, r, 400)
	if s.Count("adresar") != 2 {
		t.Fatalf("non-atomic batch: %d records", s.Count("adresar"))
	}
	results := r.w()["results"].([]any)
	if results[0].(map[string]any)["id"] == nil || results[1].(map[string]any)["errors"] == nil || results[2].(map[string]any)["id"] == nil {
		t.Errorf("per-record results %s", r.raw)
	}
	// JSON boolean false works as well.
	body2 := write("adresar", map[string]any{"kod": "B1", "nazev": "b"})
	body2["winstrom"].(map[string]any)["@atomic"] = false
	expectStatus(t, call(t, s, "POST", "adresar.json", body2), 201)

	r = call(t, s, "POST", "adresar.json?dry-run=true", write("adresar", map[string]any{"kod": "DRY", "nazev": "d"}))
	expectStatus(t, r, 200)
	if _, ok := s.Record("adresar", abraflexi.CodeID("DRY")); ok {
		t.Error("dry-run saved")
	}
	expectStatus(t, call(t, s, "POST", "adresar.json?dry-run=true", write("adresar", map[string]any{"nazev": "d"})), 400)
	if n := len(s.Changes()); n != 3 {
		t.Errorf("changes after atomic/dry-run: %d", n)
	}
	// @update ignore: 200 without id.
	r = call(t, s, "POST", "adresar.json", write("adresar", map[string]any{"id": "code:A1", "nazev": "zzz", "@update": "ignore"}))
	expectStatus(t, r, 200)
	if r.w()["stats"].(map[string]any)["skipped"] != "1" {
		t.Errorf("skipped %s", r.raw)
	}
}

func TestLabels(t *testing.T) {
	s := newTestServer(t)
	seedCustomer(s)
	labels := func() string {
		l, _ := s.Labels("adresar", abraflexi.CodeID("ABC"))
		return l.String()
	}
	put := func(rec map[string]any) reply {
		rec["id"] = "code:ABC"
		return call(t, s, "PUT", "adresar.json", write("adresar", rec))
	}
	expectStatus(t, put(map[string]any{"stitky": "ODPOJENO"}), 201)
	if got := labels(); got != "ODPOJENO,UPOMINKA1,VIP" {
		t.Fatalf("add: %s", got)
	}
	expectStatus(t, put(map[string]any{"stitky": "ODPOJENO"}), 200) // idempotent
	expectStatus(t, put(map[string]any{"stitky": "upominka2, code:UPOMINKA3"}), 201)
	if got := labels(); got != "ODPOJENO,UPOMINKA1,UPOMINKA2,UPOMINKA3,VIP" {
		t.Fatalf("add 2: %s", got)
	}
	expectStatus(t, put(map[string]any{"stitky@removeAll": "true", "stitky": "VIP,NEODPOJOVAT"}), 201)
	if got := labels(); got != "NEODPOJOVAT,VIP" {
		t.Fatalf("replace: %s", got)
	}
	expectStatus(t, put(map[string]any{"stitky@removeAll": true}), 201)
	if got := labels(); got != "" {
		t.Fatalf("clear: %s", got)
	}
	expectStatus(t, put(map[string]any{"stitky": "VIP"}), 201)
	expectStatus(t, put(map[string]any{"stitky@removeAll": "true", "stitky": ""}), 201)
	if got := labels(); got != "" {
		t.Fatalf("clear with empty: %s", got)
	}
	r := put(map[string]any{"stitky": "VIP,NOSUCH"})
	expectStatus(t, r, 400)
	e := firstError(t, r)
	if e["for"] != "stitky" || e["value"] != "NOSUCH" || e["message"] == "" || e["code"] == "" {
		t.Errorf("unknown label error %v", e)
	}
	if got := labels(); got != "" {
		t.Fatalf("failed write applied: %s", got)
	}
	s.AddLabelDefinitions("nosuch")
	expectStatus(t, put(map[string]any{"stitky": "VIP,NOSUCH"}), 201)
	r = call(t, s, "GET", "adresar/(stitky%20%3D%20'code:NOSUCH').json?detail=custom:stitky", nil)
	if recs := r.list("adresar"); len(recs) != 1 || recs[0]["stitky"] != "NOSUCH, VIP" {
		t.Errorf("label filter %s", r.raw)
	}
	ch := s.Changes()
	if len(ch) == 0 || ch[len(ch)-1].Evidence != "adresar" || ch[len(ch)-1].Operation != "update" {
		t.Errorf("label change log %v", ch)
	}
}

// pairFixture: invoice VF (1210), payments B1..B5 with given amounts.
func pairFixture(t *testing.T, amounts ...int64) *Server {
	s := newTestServer(t)
	s.Seed(abraflexi.Address{Code: "ABC", Name: "ABC"},
		abraflexi.IssuedInvoice{Code: "VF1", Customer: abraflexi.RefTo(abraflexi.CodeID("ABC")), Total: decimal.NewFromInt(1210)},
		abraflexi.IssuedInvoice{Code: "VF2", Total: decimal.NewFromInt(100)},
		abraflexi.IssuedInvoice{Code: "STORNO", Total: decimal.NewFromInt(100), Cancelled: true},
		abraflexi.IssuedInvoice{Code: "PAID", Total: decimal.NewFromInt(100), PaymentState: abraflexi.PaymentStatePaid})
	for i, a := range amounts {
		s.AddBankMovement(abraflexi.BankMovement{Movement: abraflexi.Movement{Code: fmt.Sprintf("B%d", i+1), Total: decimal.NewFromInt(a)}})
	}
	return s
}

func pairBody(payment string, sp map[string]any) map[string]any {
	return map[string]any{"winstrom": map[string]any{"@version": "1.0", "banka": map[string]any{"id": payment, "sparovani": sp}}}
}

func TestPairingForms(t *testing.T) {
	forms := []map[string]any{
		{"uhrazovanaFak": map[string]any{"@castka": "500.0", "@type": "faktura-vydana", "filter": "code:VF1"}, "zbytek": "ignorovat"},
		{"uhrazovanaFak": map[string]any{"@type": "faktura-vydana", "@castka": "500", "id": "code:VF1"}, "zbytek": "ignorovat"},
		{"uhrazovanaFak": "code:VF1", "uhrazovanaFak@type": "faktura-vydana", "uhrazovanaFak@castka": "500", "zbytek": "ignorovat"},
	}
	for i, sp := range forms {
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			s := pairFixture(t, 500)
			r := call(t, s, "POST", "banka.json", pairBody("code:B1", sp))
			expectStatus(t, r, 201)
			inv, _ := s.Invoice(abraflexi.CodeID("VF1"))
			if !inv.Remaining.Equal(decimal.NewFromInt(710)) || inv.PaymentState != abraflexi.PaymentStatePartial {
				t.Errorf("invoice %+v", inv)
			}
			m, _ := s.Movement("banka", abraflexi.CodeID("B1"))
			if !m.Paired {
				t.Error("payment not sparovano")
			}
			var evs []string
			for _, c := range s.Changes() {
				evs = append(evs, c.Evidence+":"+c.Operation)
			}
			if strings.Join(evs, " ") != "banka:update faktura-vydana:update vazba:create" {
				t.Errorf("changes %v", evs)
			}
			r = call(t, s, "GET", "faktura-vydana/code:VF1.json?relations=vazby&detail=custom:vazby", nil)
			expectStatus(t, r, 303)
		})
	}
}

func TestPairingModes(t *testing.T) {
	tests := []struct {
		name    string
		payment int64
		mode    string
		castka  string
		status  int
		remain  string // zbyvaUhradit of VF1 afterwards
		state   string
	}{
		{"ne exact", 1210, "ne", "", 201, "0", abraflexi.PaymentStatePaid},
		{"ne over", 1500, "ne", "", 400, "1210", ""},
		{"ne under", 1000, "ne", "", 400, "1210", ""},
		{"default is ne", 1000, "", "", 400, "1210", ""},
		{"partial under", 1000, "castecnaUhrada", "", 201, "210", abraflexi.PaymentStatePartial},
		{"partial over", 1500, "castecnaUhrada", "", 400, "1210", ""},
		{"partial exact", 1210, "castecnaUhrada", "", 201, "0", abraflexi.PaymentStatePaid},
		{"ignore over", 1500, "ignorovat", "", 201, "0", abraflexi.PaymentStatePaid},
		{"ignore under", 1000, "ignorovat", "", 201, "210", abraflexi.PaymentStatePartial},
		{"post over", 1500, "zauctovat", "", 201, "0", abraflexi.PaymentStatePaid},
		{"post under", 1000, "zauctovat", "", 201, "0", abraflexi.PaymentStatePaid},
		{"partial-or-post over", 1500, "castecnaUhradaNeboZauctovat", "", 201, "0", abraflexi.PaymentStatePaid},
		{"partial-or-post under", 1000, "castecnaUhradaNeboZauctovat", "", 201, "210", abraflexi.PaymentStatePartial},
		{"partial-or-ignore over", 1500, "castecnaUhradaNeboIgnorovat", "", 201, "0", abraflexi.PaymentStatePaid},
		{"partial-or-ignore under", 1000, "castecnaUhradaNeboIgnorovat", "", 201, "210", abraflexi.PaymentStatePartial},
		{"castka above remainder", 1500, "ignorovat", "1300", 400, "1210", ""},
		{"castka partial", 300, "ne", "300", 201, "910", abraflexi.PaymentStatePartial},
		{"bad mode", 1210, "whatever", "", 400, "1210", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := pairFixture(t, tc.payment)
			sp := map[string]any{"uhrazovanaFak": "code:VF1", "uhrazovanaFak@type": "faktura-vydana"}
			if tc.mode != "" {
				sp["zbytek"] = tc.mode
			}
			if tc.castka != "" {
				sp["uhrazovanaFak@castka"] = tc.castka
			}
			r := call(t, s, "POST", "banka.json", pairBody("code:B1", sp))
			expectStatus(t, r, tc.status)
			inv, _ := s.Invoice(abraflexi.CodeID("VF1"))
			if !inv.Remaining.Equal(decimal.RequireFromString(tc.remain)) || inv.PaymentState != tc.state {
				t.Errorf("invoice remaining %s state %q, want %s %q", inv.Remaining, inv.PaymentState, tc.remain, tc.state)
			}
			// ignorovat leaves the excess on the payment, unpaired.
			wantPaired := tc.status == 201 && tc.name != "ignore over" && tc.name != "partial-or-ignore over"
			m, _ := s.Movement("banka", abraflexi.CodeID("B1"))
			if bool(m.Paired) != wantPaired {
				t.Errorf("sparovano %v", m.Paired)
			}
			if tc.status == 400 {
				if e := firstError(t, r); e["for"] != "sparovani" {
					t.Errorf("error %v", e)
				}
				if len(s.Changes()) != 0 {
					t.Errorf("failed pairing logged changes")
				}
			}
			if (tc.mode == "zauctovat" || tc.name == "partial-or-post over") && s.Count(evInternalDoc) != 1 {
				t.Errorf("no internal document for the difference")
			}
		})
	}
}

func TestPairingErrors(t *testing.T) {
	s := pairFixture(t, 100, 100, 100, 1210)
	sp := func(inv string) map[string]any {
		return map[string]any{"uhrazovanaFak": map[string]any{"@type": "faktura-vydana", "id": inv}, "zbytek": "ignorovat"}
	}
	expectStatus(t, call(t, s, "POST", "banka.json", pairBody("code:B1", sp("code:STORNO"))), 400)
	expectStatus(t, call(t, s, "POST", "banka.json", pairBody("code:B1", sp("code:PAID"))), 400)
	expectStatus(t, call(t, s, "POST", "banka.json", pairBody("code:B1", sp("code:NOPE"))), 400)
	expectStatus(t, call(t, s, "POST", "banka.json", pairBody("code:B1", sp("code:VF2"))), 201)
	r := call(t, s, "POST", "banka.json", pairBody("code:B1", sp("code:VF1")))
	expectStatus(t, r, 400)
	if e := firstError(t, r); e["message"] != "Doklad 'B1' je již spárován." {
		t.Errorf("already paired: %v", e)
	}
	// VF2 is now fully paid.
	expectStatus(t, call(t, s, "POST", "banka.json", pairBody("code:B2", sp("code:VF2"))), 400)
	// Pairing is only possible from banka/pokladni-pohyb.
	r = call(t, s, "POST", "faktura-vydana.json", write("faktura-vydana", map[string]any{"id": "code:VF1", "sparovani": sp("code:VF1")}))
	expectStatus(t, r, 400)
	// Cash movements pair too.
	s.AddCashMovement(abraflexi.CashMovement{Movement: abraflexi.Movement{Code: "P1", Total: decimal.NewFromInt(10)}})
	r = call(t, s, "POST", "pokladni-pohyb.json", map[string]any{"winstrom": map[string]any{"pokladni-pohyb": map[string]any{"id": "code:P1",
		"sparovani": map[string]any{"uhrazovanaFak": "code:VF1", "uhrazovanaFak@type": "faktura-vydana", "zbytek": "castecnaUhrada"}}}})
	expectStatus(t, r, 201)
	if inv, _ := s.Invoice(abraflexi.CodeID("VF1")); !inv.Remaining.Equal(decimal.NewFromInt(1200)) {
		t.Errorf("cash pairing remaining %s", inv.Remaining)
	}
	// relations=vazby on the invoice.
	r = call(t, s, "GET", "faktura-vydana/1.json?detail=custom:kod,vazby&relations=vazby", nil)
	v, _ := r.list("faktura-vydana")[0]["vazby"].([]any)
	if len(v) != 1 || v[0].(map[string]any)["b"] != "code:P1" || v[0].(map[string]any)["castka"] != "10.0" {
		t.Errorf("vazby %s", r.raw)
	}
}

func TestPDF(t *testing.T) {
	s := newTestServer(t)
	seedCustomer(s)
	r := call(t, s, "GET", "faktura-vydana/1.pdf?report-name=fakturaVydana&report-lang=en", nil)
	expectStatus(t, r, 200)
	if ct := r.header.Get("Content-Type"); ct != "application/pdf" {
		t.Fatalf("content type %q", ct)
	}
	checkPDF(t, r.raw)
	for _, want := range []string{"VF1-0001/2024", "1210.0", "Lang: en", "Report: fakturaVydana"} {
		if !bytes.Contains(r.raw, []byte(want)) {
			t.Errorf("PDF lacks %q", want)
		}
	}
	expectStatus(t, call(t, s, "GET", "faktura-vydana/code:VF1-0001%2F2024.pdf", nil), 303)
	expectStatus(t, call(t, s, "GET", "faktura-vydana/77.pdf", nil), 404)
}

// checkPDF verifies the header, trailer and that every xref offset points
// at its object.
func checkPDF(t *testing.T, b []byte) {
	t.Helper()
	if !bytes.HasPrefix(b, []byte("%PDF-1.")) || !bytes.HasSuffix(b, []byte("%%EOF\n")) {
		t.Fatalf("not a PDF: %q", b[:min(20, len(b))])
	}
	m := regexp.MustCompile(`startxref\n(\d+)\n`).FindSubmatch(b)
	if m == nil {
		t.Fatal("no startxref")
	}
	off, _ := strconv.Atoi(string(m[1]))
	if !bytes.HasPrefix(b[off:], []byte("xref\n")) {
		t.Fatalf("startxref %d does not point at xref", off)
	}
	entries := regexp.MustCompile(`(\d{10}) 00000 n `).FindAllSubmatch(b[off:], -1)
	if len(entries) < 4 {
		t.Fatalf("xref entries %d", len(entries))
	}
	for i, e := range entries {
		o, _ := strconv.Atoi(string(e[1]))
		if want := fmt.Sprintf("%d 0 obj", i+1); !bytes.HasPrefix(b[o:], []byte(want)) {
			t.Errorf("xref entry %d -> %q", i+1, b[o:o+10])
		}
	}
	lm := regexp.MustCompile(`/Length (\d+) >>\nstream\n`).FindSubmatchIndex(b)
	n, _ := strconv.Atoi(string(b[lm[2]:lm[3]]))
	if !bytes.HasPrefix(b[lm[1]+n:], []byte("endstream")) {
		t.Error("stream /Length is wrong")
	}
}

func TestChangesFeed(t *testing.T) {
	s := newTestServer(t)
	for i := 0; i < 5; i++ {
		expectStatus(t, call(t, s, "POST", "adresar.json", write("adresar", map[string]any{"id": "code:C" + strconv.Itoa(i), "nazev": "x"})), 201)
	}
	expectStatus(t, call(t, s, "POST", "faktura-vydana.json", write("faktura-vydana", map[string]any{"id": "ext:LMS:1", "kod": "F1", "sumCelkem": 1})), 201)
	expectStatus(t, call(t, s, "PUT", "adresar.json", write("adresar", map[string]any{"id": "code:C0", "stitky": "VIP"})), 201)

	r := call(t, s, "GET", "changes.json?start=1&limit=3", nil)
	expectStatus(t, r, 200)
	w := r.w()
	ch := w["changes"].([]any)
	if w["@globalVersion"] != "7" || len(ch) != 3 || w["next"] != "4" {
		t.Fatalf("page 1 %s", r.raw)
	}
	c0 := ch[0].(map[string]any)
	if c0["@evidence"] != "adresar" || c0["@operation"] != "create" || c0["@in-version"] != "1" || c0["id"] != "1" ||
		!regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$`).MatchString(c0["@timestamp"].(string)) {
		t.Errorf("entry %v", c0)
	}
	if ids := c0["external-ids"].([]any); len(ids) != 1 || ids[0] != "code:C0" {
		t.Errorf("external-ids %v", ids)
	}
	r = call(t, s, "GET", "changes.json?start=4&limit=100", nil)
	if ch := r.w()["changes"].([]any); len(ch) != 4 || r.w()["next"] != "none" {
		t.Fatalf("page 2 %s", r.raw)
	}
	r = call(t, s, "GET", "changes.json?start=0&evidence=faktura-vydana", nil)
	ch = r.w()["changes"].([]any)
	if len(ch) != 1 || fmt.Sprint(ch[0].(map[string]any)["external-ids"]) != "[code:F1 ext:LMS:1]" {
		t.Fatalf("evidence filter %s", r.raw)
	}
	last := s.Changes()[6]
	if last.Operation != "update" || last.Evidence != "adresar" || s.GlobalVersion() != 7 {
		t.Errorf("last change %+v", last)
	}
	r = call(t, s, "GET", "adresar.json?add-global-version=true&limit=1", nil)
	if r.w()["@globalVersion"] != "7" {
		t.Errorf("add-global-version %s", r.raw)
	}
}

func TestFaultsAndRequestLog(t *testing.T) {
	s := newTestServer(t)
	s.FailNext(2, 503, Match("POST", "/adresar"))
	body := write("adresar", map[string]any{"id": "code:X", "nazev": "x"})
	for i := 0; i < 2; i++ {
		r := call(t, s, "POST", "adresar.json", body)
		expectStatus(t, r, 503)
		if r.w()["success"] != "false" {
			t.Errorf("injected body %s", r.raw)
		}
	}
	if s.Count("adresar") != 0 {
		t.Fatal("failed request was applied")
	}
	expectStatus(t, call(t, s, "GET", "adresar.json", nil), 200) // not matched
	expectStatus(t, call(t, s, "POST", "adresar.json", body), 201)

	s.FailNext(1, 500, Matcher{Evidence: "adresar"}, Applied())
	expectStatus(t, call(t, s, "POST", "adresar.json", write("adresar", map[string]any{"id": "code:Y", "nazev": "y"})), 500)
	if _, ok := s.Record("adresar", abraflexi.CodeID("Y")); !ok {
		t.Fatal("Applied() write was not saved")
	}

	s.DropNext(1, AnyRequest)
	req, _ := http.NewRequest("GET", s.URL+"/c/demo/adresar.json", nil)
	req.SetBasicAuth("winstrom", "winstrom")
	// No keep-alive: net/http would transparently retry a GET whose reused
	// connection was closed.
	fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	if resp, err := fresh.Do(req); err == nil {
		resp.Body.Close()
		t.Fatal("dropped request got a response")
	}
	s.DropNext(1, Match("", "adresar"), Applied())
	req, _ = http.NewRequest("POST", s.URL+"/c/demo/adresar.json", strings.NewReader(`{"winstrom":{"adresar":{"id":"code:Z","nazev":"z"}}}`))
	req.SetBasicAuth("winstrom", "winstrom")
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatal("dropped request got a response")
	}
	if _, ok := s.Record("adresar", abraflexi.CodeID("Z")); !ok {
		t.Fatal("Applied() drop was not saved")
	}

	reqs := s.Requests()
	if len(reqs) != 7 {
		t.Fatalf("%d requests logged", len(reqs))
	}
	if reqs[0].Method != "POST" || reqs[0].Path != "/c/demo/adresar.json" || reqs[0].Status != 503 || !reqs[0].Injected ||
		reqs[0].Evidence != "adresar" || !bytes.Contains(reqs[0].Body, []byte("code:X")) {
		t.Errorf("request 0 %+v", reqs[0])
	}
	if reqs[5].Status != 0 || !reqs[5].Injected {
		t.Errorf("dropped request %+v", reqs[5])
	}
	if n := s.RequestCount("POST", "adresar"); n != 5 {
		t.Errorf("RequestCount POST adresar = %d", n)
	}
	if n := s.RequestCount("get", ""); n != 2 {
		t.Errorf("RequestCount GET = %d", n)
	}
	s.ResetRequests()
	call(t, s, "GET", "adresar.json?limit=5&detail=id", nil)
	if r := s.Requests(); len(r) != 1 || r[0].Query.Get("limit") != "5" {
		t.Errorf("after reset %+v", r)
	}

	s.SetLatency(30 * time.Millisecond)
	start := time.Now()
	call(t, s, "GET", "adresar.json", nil)
	if d := time.Since(start); d < 30*time.Millisecond {
		t.Errorf("latency not applied: %v", d)
	}
	s.SetLatency(0)
	s.FailNext(5, 500, AnyRequest)
	s.ClearFaults()
	expectStatus(t, call(t, s, "GET", "adresar.json", nil), 200)
}

func TestSeedAndGetters(t *testing.T) {
	s := newTestServer(t)
	ids := s.Seed(
		abraflexi.Address{Code: "abc", Name: "ABC", ExternalIDs: []string{"ext:CRM:1"}},
		&abraflexi.Contract{Code: "SML1", Name: "Internet", Customer: abraflexi.RefTo(abraflexi.CodeID("ABC")),
			Type: abraflexi.RefTo(abraflexi.CodeID("INTERNET")), ValidFrom: abraflexi.NewDate(2023, 1, 1)},
		abraflexi.IssuedInvoice{Code: "Z1", Total: decimal.NewFromInt(100), DocumentType: abraflexi.RefTo(abraflexi.CodeID("ZALOHA"))},
		abraflexi.Label{Code: "NOVY", Name: "Nový"},
	)
	if len(ids) != 4 || ids[0].String() != "1" {
		t.Fatalf("ids %v", ids)
	}
	c, ok := s.Contract(abraflexi.CodeID("SML1"))
	if !ok || c.Customer.Code() != "ABC" || c.Type.Code() != "INTERNET" || c.ValidFrom != abraflexi.NewDate(2023, 1, 1) {
		t.Errorf("contract %+v", c)
	}
	if inv, _ := s.Invoice(ids[2]); inv.Kind() != abraflexi.KindAdvanceInvoice || !inv.Remaining.Equal(decimal.NewFromInt(100)) {
		t.Errorf("invoice %+v", inv)
	}
	if a, ok := s.Address(abraflexi.ExtID("CRM", "1")); !ok || a.Code != "ABC" || !slices.Equal(a.ExternalIDs, []string{"ext:CRM:1"}) {
		t.Errorf("address by ext id %+v", a)
	}
	if _, err := s.TrySeed(abraflexi.IssuedInvoice{Code: "X", Customer: abraflexi.RefTo(abraflexi.CodeID("NOPE"))}); err == nil {
		t.Error("seeding an invoice of an unknown customer must fail")
	}
	if _, err := s.TrySeed(42); err == nil {
		t.Error("seeding an int must fail")
	}
	if len(s.Changes()) != 0 || len(s.Requests()) != 0 {
		t.Error("seeding logged changes or requests")
	}
	if got := len(s.IDs(abraflexi.EvidenceLabel)); got != len(DefaultLabels)+1 {
		t.Errorf("labels %d", got)
	}
	r := call(t, s, "GET", "typ-faktury-vydane.json?limit=0", nil)
	kinds := map[string]string{}
	for _, rec := range r.list("typ-faktury-vydane") {
		kinds[rec["kod"].(string)] = rec["typDoklK"].(string)
	}
	for k, v := range DefaultInvoiceTypes {
		if kinds[k] != v {
			t.Errorf("typ-faktury-vydane %s = %q", k, kinds[k])
		}
	}
	r = call(t, s, "GET", "typ-smlouvy.json", nil)
	if len(r.list("typ-smlouvy")) != 3 {
		t.Errorf("typ-smlouvy %s", r.raw)
	}
	// Start without testing.TB.
	srv, err := Start(WithAddr("127.0.0.1:0"))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	expectStatus(t, call(t, srv, "GET", "stitek.json", nil), 200)
	if err := srv.Start(); err == nil {
		t.Error("second Start must fail")
	}
}

func TestConcurrentWrites(t *testing.T) {
	s := newTestServer(t)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				code := fmt.Sprintf("G%dN%d", g, i)
				call(t, s, "POST", "adresar.json", write("adresar", map[string]any{"id": "code:" + code, "nazev": code, "stitky": "VIP"}))
				call(t, s, "GET", "adresar/(stitky%3D'code:VIP').json?limit=1", nil)
			}
		}(g)
	}
	wg.Wait()
	if n := s.Count("adresar"); n != 160 {
		t.Fatalf("%d records", n)
	}
	if n := len(s.Changes()); n != 160 {
		t.Fatalf("%d changes", n)
	}
}

func BenchmarkSeedAndFilter(b *testing.B) {
	s := NewServer(b, WithToday(abraflexi.NewDate(2024, 3, 15)))
	recs := []any{abraflexi.Address{Code: "ABC", Name: "ABC"}}
	for i := 0; i < 10000; i++ {
		inv := abraflexi.IssuedInvoice{Code: fmt.Sprintf("VF1-%05d/2024", i), Total: decimal.NewFromInt(int64(100 + i%50)),
			Customer: abraflexi.RefTo(abraflexi.CodeID("ABC")), DueOn: abraflexi.NewDate(2024, 1, 1+i%28)}
		if i%3 == 0 {
			inv.PaymentState = abraflexi.PaymentStatePaid
		}
		recs = append(recs, inv)
	}
	start := time.Now()
	s.Seed(recs...)
	seed := time.Since(start)
	filter := url.PathEscape("(stavUhrK is null or stavUhrK eq 'stavUhr.castUhr') and storno eq false and datSplat lt '2024-01-15' and firma = 'code:ABC'")
	b.ResetTimer()
	for b.Loop() {
		r := call(b, s, "GET", "faktura-vydana/("+filter+").json?limit=0&detail=custom:kod,zbyvaUhradit&add-row-count=true", nil)
		if r.status != 200 || r.w()["@rowCount"] == "0" {
			b.Fatalf("%d %s", r.status, r.raw[:min(200, len(r.raw))])
		}
	}
	b.ReportMetric(float64(seed.Milliseconds()), "seed10k-ms")
}

// TestPDFCzechText: the invoice PDF shows Czech diacritics: its font's
// encoding names the glyphs and its ToUnicode map gives the characters
// back, so text extraction (pdftotext, when installed) reads the
// customer's name as written.
func TestPDFCzechText(t *testing.T) {
	s := newTestServer(t)
	ids := s.Seed(abraflexi.Address{Code: "ZAK0060", Name: "Marie Vaňková, Řehořova 17, Šťáhlavy"},
		abraflexi.IssuedInvoice{Code: "FV2603-0060", Customer: abraflexi.RefTo(abraflexi.CodeID("ZAK0060")),
			Total: decimal.NewFromInt(848), Remaining: decimal.NewFromInt(848), VariableSymbol: "26030060"})
	r := call(t, s, "GET", "faktura-vydana/"+ids[1].String()+".pdf", nil)
	expectStatus(t, r, 200)
	checkPDF(t, r.raw)
	want := []string{"Odběratel: ZAK0060 Marie Vaňková, Řehořova 17, Šťáhlavy", "Zbývá uhradit: 848"}

	// Our own reading of the document: decode the shown strings with its
	// ToUnicode map.
	text := pdfShownText(t, r.raw)
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("the PDF shows\n%s\nwithout %q", text, w)
		}
	}
	if strings.Contains(text, "?") {
		t.Errorf("a character fell back to '?':\n%s", text)
	}

	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Log("pdftotext (poppler-utils) is not installed: the PDF is not read by an independent reader")
		return
	}
	f := filepath.Join(t.TempDir(), "invoice.pdf")
	if err := os.WriteFile(f, r.raw, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-enc", "UTF-8", f, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	for _, w := range want {
		if !strings.Contains(string(out), w) {
			t.Errorf("pdftotext reads\n%s\nwithout %q", out, w)
		}
	}
}

// pdfShownText decodes the strings of the Tj operators of a PDF written by
// buildPDF with the bfchar entries of its ToUnicode CMap, one line per
// string.
func pdfShownText(t *testing.T, pdf []byte) string {
	t.Helper()
	toUni := map[byte]rune{}
	for _, m := range regexp.MustCompile(`<([0-9A-F]{2})> <([0-9A-F]{4})>`).FindAllSubmatch(pdf, -1) {
		c, _ := strconv.ParseUint(string(m[1]), 16, 8)
		u, _ := strconv.ParseUint(string(m[2]), 16, 16)
		toUni[byte(c)] = rune(u)
	}
	var b strings.Builder
	for _, m := range regexp.MustCompile(`\(((?:[^()\\]|\\.)*)\) Tj`).FindAllSubmatch(pdf, -1) {
		s := m[1]
		for i := 0; i < len(s); i++ {
			c := s[i]
			if c == '\\' && i+1 < len(s) {
				if i+3 < len(s) && s[i+1] >= '0' && s[i+1] <= '7' {
					n, _ := strconv.ParseUint(string(s[i+1:i+4]), 8, 8)
					c, i = byte(n), i+3
				} else {
					c, i = s[i+1], i+1
				}
			}
			switch r, ok := toUni[c]; {
			case ok:
				b.WriteRune(r)
			case c >= 0x20 && c < 0x7f:
				b.WriteByte(c)
			default:
				t.Errorf("code %#x has no Unicode mapping", c)
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}
