package abraflexitest

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spoje-net/isptools/abraflexi"
)

// Server is an in-memory AbraFlexi reachable over HTTP. All methods are
// safe for concurrent use.
type Server struct {
	// URL is the base URL of the running server, e.g. http://127.0.0.1:41235
	// (no trailing slash). Empty until the server is started.
	URL string

	company  string
	login    string
	password string
	addr     string
	clock    func() time.Time
	tb       testing.TB

	hs *http.Server
	ln net.Listener

	mu          sync.Mutex
	tables      map[string]*table
	changes     []change
	version     int64
	nextContact int64
	latency     time.Duration
	faults      []*fault
	hooks       []*hook
	listings    uint64 // listing requests answered, for the order of ties
	requests    []Request
}

// Option configures a [Server].
type Option func(*Server)

// WithCompany sets the company database name (default "demo").
func WithCompany(company string) Option { return func(s *Server) { s.company = company } }

// WithCredentials sets the HTTP Basic credentials the server accepts
// (default "winstrom"/"winstrom", as on the public demo server).
func WithCredentials(login, password string) Option {
	return func(s *Server) { s.login, s.password = login, password }
}

// WithAddr sets the TCP address to listen on (default "127.0.0.1:0", a free port).
func WithAddr(addr string) Option { return func(s *Server) { s.addr = addr } }

// WithClock makes the server read the current time from now. It decides
// lastUpdate, change timestamps and the default dates of new documents.
func WithClock(now func() time.Time) Option { return func(s *Server) { s.clock = now } }

// WithToday fixes the server's clock at noon (Prague time) of day.
func WithToday(day abraflexi.Date) Option {
	return func(s *Server) { s.clock = fixedDay(day) }
}

// WithLatency delays every response by d (see [Server.SetLatency]).
func WithLatency(d time.Duration) Option { return func(s *Server) { s.latency = d } }

func fixedDay(day abraflexi.Date) func() time.Time {
	t := time.Date(day.Year, day.Month, day.Day, 11, 0, 0, 0, time.UTC)
	return func() time.Time { return t }
}

// NewUnstartedServer returns a server with the default codebooks seeded
// that does not listen yet; call [Server.Start] to listen. Records can be
// seeded before starting.
func NewUnstartedServer(opts ...Option) *Server {
	s := &Server{company: "demo", login: "winstrom", password: "winstrom", addr: "127.0.0.1:0", clock: time.Now, nextContact: 1}
	for _, o := range opts {
		o(s)
	}
	s.tables = map[string]*table{}
	for name, sc := range builtinSchemas() {
		s.tables[name] = newTable(sc)
	}
	s.seedDefaults()
	return s
}

// Start starts a server built by [NewUnstartedServer] on its address.
func (s *Server) Start() error {
	if s.hs != nil {
		return errors.New("abraflexitest: server already started")
	}
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		return fmt.Errorf("abraflexitest: listen: %w", err)
	}
	s.ln = ln
	s.hs = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	s.URL = "http://" + ln.Addr().String()
	go func() { _ = s.hs.Serve(ln) }()
	return nil
}

// Start returns a started server for use outside tests (for example by a
// demo program). Call [Server.Close] when done.
func Start(opts ...Option) (*Server, error) {
	s := NewUnstartedServer(opts...)
	if err := s.Start(); err != nil {
		return nil, err
	}
	return s, nil
}

// NewServer returns a started server and closes it when tb's test ends.
// Seeding helpers of a server created this way report errors with
// tb.Fatalf instead of panicking.
func NewServer(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	s := NewUnstartedServer(opts...)
	s.tb = tb
	if err := s.Start(); err != nil {
		tb.Fatalf("abraflexitest: %v", err)
	}
	tb.Cleanup(s.Close)
	return s
}

// Close stops listening and closes all connections. It is safe to call
// more than once.
func (s *Server) Close() {
	if s.hs != nil {
		_ = s.hs.Close()
	}
}

// Config returns a client configuration for this server.
func (s *Server) Config() abraflexi.Config {
	return abraflexi.Config{URL: s.URL, Login: s.login, Password: s.password, Company: s.company}
}

// Company returns the company database name the server answers for.
func (s *Server) Company() string { return s.company }

// SetLatency delays every following response by d (0 disables).
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = d
}

// SetToday fixes the server's clock at noon of day.
func (s *Server) SetToday(day abraflexi.Date) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clock = fixedDay(day)
}

func (s *Server) now() time.Time { return s.clock() }

func (s *Server) today() string {
	t := s.now()
	return t.In(pragueZone(t)).Format("2006-01-02")
}

// fail reports a seeding error: tb.Fatalf for servers from NewServer, else panic.
func (s *Server) fail(err error) {
	if s.tb != nil {
		s.tb.Helper()
		s.tb.Fatalf("abraflexitest: %v", err)
		return
	}
	panic(err)
}

// ---- request log ----

// Request is one request the server received.
type Request struct {
	// Method is the HTTP method.
	Method string
	// Path is the unescaped URL path.
	Path string
	// RawPath is the URL path as sent, still escaped.
	RawPath string
	// Query holds the decoded query parameters.
	Query url.Values
	// Evidence is the evidence the path addresses ("changes" for the
	// Changes API), "" when the path is not an evidence path.
	Evidence string
	// Status is the HTTP status answered; 0 when the connection was dropped.
	Status int
	// Body is the request body.
	Body []byte
	// Injected reports that the answer came from [Server.FailNext] or
	// [Server.DropNext].
	Injected bool
	// Time is when the request arrived.
	Time time.Time
}

// Requests returns a copy of the request log, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// ResetRequests empties the request log.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
}

// RequestCount counts logged requests with the given method and evidence;
// an empty argument matches anything.
func (s *Server) RequestCount(method, evidence string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.requests {
		if (method == "" || strings.EqualFold(method, r.Method)) && (evidence == "" || evidence == r.Evidence) {
			n++
		}
	}
	return n
}

// ---- fault injection ----

// Matcher selects requests for fault injection. Zero fields match anything.
type Matcher struct {
	// Method is the HTTP method (case-insensitive).
	Method string
	// Path is a substring of the unescaped URL path.
	Path string
	// Evidence is the exact evidence name of the path.
	Evidence string
}

// Match returns a Matcher for method and a path substring.
func Match(method, pathSubstring string) Matcher { return Matcher{Method: method, Path: pathSubstring} }

// AnyRequest matches every request.
var AnyRequest = Matcher{}

func (m Matcher) matches(method, path, evidence string) bool {
	return (m.Method == "" || strings.EqualFold(m.Method, method)) &&
		(m.Path == "" || strings.Contains(path, m.Path)) &&
		(m.Evidence == "" || m.Evidence == evidence)
}

// FaultOption refines an injected fault.
type FaultOption func(*fault)

// Applied makes the server process the request normally (writes are
// saved) before answering with the injected status or dropping the
// connection: "the write happened but the response got lost".
func Applied() FaultOption { return func(f *fault) { f.apply = true } }

// Body makes an injected failure answer with body, sent with content type
// ctype, instead of the winstrom error body. With a 2xx status it fakes an
// answer that is not AbraFlexi's, for example a proxy's page.
func Body(ctype string, body []byte) FaultOption {
	return func(f *fault) { f.ctype, f.body = ctype, append([]byte(nil), body...) }
}

// LoginPageHTML is the body [LoginPage] answers with: the HTML login form a
// proxy or single sign-on gateway in front of AbraFlexi shows instead of
// the API's answer.
const LoginPageHTML = `<!DOCTYPE html>
<html lang="cs"><head><meta charset="utf-8"><title>Přihlášení</title></head>
<body><form method="post" action="/login-logout/login">
<label>Uživatel <input name="username"></label>
<label>Heslo <input name="password" type="password"></label>
<button type="submit">Přihlásit</button></form></body></html>
`

// LoginPage makes an injected failure answer with [LoginPageHTML]
// (text/html). Use it with status 200: FailNext(1, http.StatusOK, m,
// LoginPage()) is "a login page with status 200" instead of the API's
// answer, and with [Applied] the request was processed all the same.
func LoginPage() FaultOption {
	return Body("text/html; charset=utf-8", []byte(LoginPageHTML))
}

type fault struct {
	n      int
	status int
	drop   bool
	apply  bool
	ctype  string
	body   []byte
	match  Matcher
}

// FailNext answers the next n requests matching m with status and a
// winstrom error body, without processing them (unless [Applied] is given).
func (s *Server) FailNext(n, status int, m Matcher, opts ...FaultOption) {
	f := &fault{n: n, status: status, match: m}
	for _, o := range opts {
		o(f)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, f)
}

// DropNext closes the connection of the next n requests matching m without
// answering (with [Applied], after processing them).
func (s *Server) DropNext(n int, m Matcher, opts ...FaultOption) {
	f := &fault{n: n, drop: true, match: m}
	for _, o := range opts {
		o(f)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, f)
}

// ClearFaults removes all pending injected faults.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

func (s *Server) takeFault(method, path, evidence string) *fault {
	for i, f := range s.faults {
		if f.n > 0 && f.match.matches(method, path, evidence) {
			f.n--
			if f.n == 0 {
				s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
			}
			return f
		}
	}
	return nil
}

// ---- request hooks ----

type hook struct {
	match Matcher
	n     int
	fn    func(n int, r *http.Request)
}

// OnRequest makes fn run each time a request matching m arrives, before
// the server answers it (and before any fault injected with
// [Server.FailNext] or [Server.DropNext] is taken): n counts the matching
// requests from 1, r is the request (its body already read; do not read
// it). fn runs outside the server's lock, so it may change the data with
// [Server.Put], [Server.Seed] and friends, inject faults, or even send
// requests of its own to the server; the request waits until fn returns.
// Requests fn sends count towards every hook, its own included. It
// returns a function that removes the hook.
//
// This is how a test changes the data between two pages of a listing or
// between the read and the write of a read-modify-write:
//
//	srv.OnRequest(abraflexitest.Matcher{Method: "GET", Evidence: abraflexi.EvidenceIssuedInvoice},
//		func(n int, _ *http.Request) {
//			if n == 2 { // after the first page was answered, before the second
//				srv.Put(abraflexi.EvidenceIssuedInvoice, map[string]any{"id": "code:VF1", "stavUhrK": abraflexi.PaymentStatePaidManually})
//			}
//		})
//
// To act after request N was answered, act when request N+1 arrives.
func (s *Server) OnRequest(m Matcher, fn func(n int, r *http.Request)) (remove func()) {
	h := &hook{match: m, fn: fn}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hooks = append(s.hooks, h)
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.hooks = slices.DeleteFunc(s.hooks, func(x *hook) bool { return x == h })
	}
}

// runHooks calls the hooks matching r, in the order they were added.
func (s *Server) runHooks(r *http.Request, evidence string) {
	type call struct {
		fn func(int, *http.Request)
		n  int
	}
	var calls []call
	s.mu.Lock()
	for _, h := range s.hooks {
		if h.match.matches(r.Method, r.URL.Path, evidence) {
			h.n++
			calls = append(calls, call{h.fn, h.n})
		}
	}
	s.mu.Unlock()
	for _, c := range calls {
		c.fn(c.n, r)
	}
}

// ---- HTTP ----

type response struct {
	status int
	ctype  string
	body   []byte
	header http.Header
}

// ServeHTTP implements http.Handler, so the emulator can also be mounted
// in an existing server or called directly with httptest.NewRecorder.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rt := parseRoute(r.URL)
	s.runHooks(r, rt.evidence)

	s.mu.Lock()
	lat := s.latency
	f := s.takeFault(r.Method, r.URL.Path, rt.evidence)
	s.mu.Unlock()

	if lat > 0 {
		select {
		case <-time.After(lat):
		case <-r.Context().Done():
		}
	}
	logReq := Request{Method: r.Method, Path: r.URL.Path, RawPath: r.URL.EscapedPath(), Query: r.URL.Query(),
		Evidence: rt.evidence, Body: body, Time: time.Now()}

	var res response
	if f == nil || f.apply {
		s.mu.Lock()
		res = s.handle(r, rt, body)
		s.mu.Unlock()
	}
	if f != nil {
		logReq.Injected = true
		if f.drop {
			s.logRequest(logReq)
			drop(w)
			return
		}
		res = errorResponse(f.status, fmt.Sprintf("abraflexitest: injected failure (HTTP %d)", f.status))
		if f.body != nil {
			res = response{status: f.status, ctype: f.ctype, body: f.body}
		}
	}
	logReq.Status = res.status
	s.logRequest(logReq)

	for k, v := range res.header {
		w.Header()[k] = v
	}
	if res.ctype != "" {
		w.Header().Set("Content-Type", res.ctype)
	}
	w.Header().Set("Content-Length", fmt.Sprint(len(res.body)))
	w.WriteHeader(res.status)
	_, _ = w.Write(res.body)
}

func drop(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

func (s *Server) logRequest(r Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, r)
}

type route struct {
	company  string
	evidence string
	filter   string // unescaped filter, without parentheses
	id       string // escaped id segment
	format   string // json, pdf, ...
	changes  bool
	sub      bool // unsupported deeper path
	ok       bool
}

// parseRoute splits /c/{company}/{evidence}[/{id}|/(filter)][.format].
func parseRoute(u *url.URL) route {
	p := u.EscapedPath()
	if !strings.HasPrefix(p, "/c/") {
		return route{}
	}
	rest := p[3:]
	company, rest, _ := strings.Cut(rest, "/")
	rt := route{company: company, ok: true, format: "json"}
	ev, tail, hasTail := strings.Cut(rest, "/")
	if !hasTail {
		ev, rt.format = splitFormat(ev)
		rt.evidence = ev
		rt.changes = ev == "changes"
		if rt.changes {
			rt.evidence = "changes"
		}
		return rt
	}
	rt.evidence = ev
	if strings.HasPrefix(tail, "(") || strings.HasPrefix(tail, "%28") {
		body, format := splitFormat(tail)
		un, err := url.PathUnescape(body)
		if err != nil || !strings.HasPrefix(un, "(") || !strings.HasSuffix(un, ")") {
			rt.sub = true
			return rt
		}
		rt.filter, rt.format = un[1:len(un)-1], format
		return rt
	}
	if strings.Contains(tail, "/") {
		rt.sub = true
		return rt
	}
	rt.id, rt.format = splitFormat(tail)
	return rt
}

func splitFormat(seg string) (string, string) {
	for _, f := range []string{".json", ".pdf", ".xml", ".csv", ".html", ".isdoc"} {
		if strings.HasSuffix(seg, f) {
			return strings.TrimSuffix(seg, f), f[1:]
		}
	}
	return seg, "json"
}

func (s *Server) authorized(r *http.Request) bool {
	u, p, ok := r.BasicAuth()
	return ok && subtle.ConstantTimeCompare([]byte(u), []byte(s.login)) == 1 &&
		subtle.ConstantTimeCompare([]byte(p), []byte(s.password)) == 1
}

func (s *Server) handle(r *http.Request, rt route, body []byte) response {
	if !s.authorized(r) {
		res := errorResponse(http.StatusUnauthorized, "Pro přístup k této stránce je nutné se přihlásit. (Login required.)")
		res.header = http.Header{"Www-Authenticate": {`Basic realm="AbraFlexi"`}}
		return res
	}
	if r.URL.Path == "/c.json" || r.URL.Path == "/c" {
		if r.Method != http.MethodGet {
			return methodNotAllowed()
		}
		// The company list, with "company" an object for one company as
		// php-abraflexi expects.
		return jsonResponse(http.StatusOK, obj{{"companies", obj{{"company", obj{
			{"id", "1"}, {"nazev", s.company}, {"dbNazev", s.company}, {"stavEnum", "ESTABLISHED"}, {"watchingChanges", "false"},
		}}}}})
	}
	if !rt.ok {
		return errorResponse(http.StatusNotFound, "Stránka nebyla nalezena: "+r.URL.Path)
	}
	if rt.company != s.company {
		return errorResponse(http.StatusNotFound, fmt.Sprintf("Firma '%s' neexistuje.", rt.company))
	}
	if rt.changes {
		if r.Method != http.MethodGet {
			return methodNotAllowed()
		}
		return s.handleChanges(r.URL.Query())
	}
	t, ok := s.tables[rt.evidence]
	if !ok || rt.sub {
		return errorResponse(http.StatusNotFound, "Evidence nebyla nalezena: "+r.URL.Path)
	}
	if rt.format != "json" && !(rt.format == "pdf" && rt.id != "") {
		return errorResponse(http.StatusNotAcceptable, "Formát '"+rt.format+"' není abraflexitest podporován.")
	}
	q := r.URL.Query()
	switch {
	case rt.id != "":
		switch r.Method {
		case http.MethodGet:
			return s.handleDetail(t, rt, r.URL.RawQuery, q)
		case http.MethodPost, http.MethodPut:
			if rt.format != "json" {
				return methodNotAllowed()
			}
			id, err := abraflexi.ParsePathSegment(rt.id)
			if err != nil {
				return errorResponse(http.StatusNotFound, "Can't find record identified by "+rt.id)
			}
			return s.handleWrite(t, id.String(), q, body)
		case http.MethodDelete:
			return s.handleDelete(t, rt)
		}
		return methodNotAllowed()
	case rt.filter != "":
		if r.Method != http.MethodGet {
			return methodNotAllowed()
		}
		return s.handleList(t, rt.filter, q)
	default:
		switch r.Method {
		case http.MethodGet:
			return s.handleList(t, "", q)
		case http.MethodPost, http.MethodPut:
			return s.handleWrite(t, "", q, body)
		}
		return methodNotAllowed()
	}
}

// ---- JSON helpers ----

type kv struct {
	k string
	v any
}

// obj is a JSON object that keeps its key order.
type obj []kv

func (o obj) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, e := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(e.k)
		b.Write(k)
		b.WriteByte(':')
		v, err := json.Marshal(e.v)
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func jsonResponse(status int, v any) response {
	b, err := json.Marshal(v)
	if err != nil {
		return errorResponse(http.StatusInternalServerError, err.Error())
	}
	return response{status: status, ctype: "application/json", body: b}
}

// errorResponse is the body of samples 05 (not found) and of other
// request-level errors: {"winstrom":{"@version":"1.0","success":"false","message":"…"}}.
func errorResponse(status int, msg string) response {
	return jsonResponse(status, obj{{"winstrom", obj{{"@version", "1.0"}, {"success", "false"}, {"message", msg}}}})
}

// methodNotAllowed is the body of sample 05b.
func methodNotAllowed() response {
	return jsonResponse(http.StatusMethodNotAllowed, obj{{"winstrom", obj{{"@version", "1.0"}, {"success", "false"}}}})
}

func notFound(t *table, id string) response {
	return errorResponse(http.StatusNotFound, fmt.Sprintf("Záznam nebyl v datovém zdroji nalezen: %s#%s", t.sc.javaName, id))
}
