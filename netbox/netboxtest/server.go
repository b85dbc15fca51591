package netboxtest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spoje-net/isptools/netbox"
)

// Defaults of a new [Server].
const (
	DefaultMaxPageSize = 1000
	DefaultPageSize    = 50
	// DefaultVersion is the NetBox release a new server behaves like: the
	// one whose answers are recorded in the reference and run in CI.
	DefaultVersion = "4.4.10"
)

// Request is one entry of the request log.
type Request struct {
	Method string     // HTTP method
	Path   string     // URL path
	Query  url.Values // query parameters
	// Body is the request body as received.
	Body []byte
	// Status is the answer's status code (0 for a dropped connection).
	Status int
}

// IsWrite reports whether the request was a POST, PUT, PATCH or DELETE.
func (r Request) IsWrite() bool {
	switch r.Method {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		return true
	}
	return false
}

// Fault makes matching requests fail before they reach the API.
type Fault struct {
	// Method and Path select requests ("" matches any). Path is the URL path,
	// e.g. "/api/ipam/ip-addresses/".
	Method, Path string
	// Times is how many matching requests fail (1 when zero).
	Times int
	// Status is the status code to answer with (when not Drop).
	Status int
	// Body is the answer body ({"detail": "Injected fault."} when empty).
	Body string
	// Drop closes the connection without an answer instead; the request
	// is not served.
	Drop bool
	// DropAfter serves the request (a write is applied) and then closes
	// the connection without an answer: a lost answer, as when a proxy or
	// the client's timeout cuts a slow write that NetBox still finishes.
	DropAfter bool
	// Latency delays matching requests (before answering or dropping). A
	// fault with only Latency set delays and then serves the request.
	Latency time.Duration
}

// Server is an in-memory NetBox. Create it with [NewServer] or [NewUnstartedServer].
type Server struct {
	*httptest.Server
	// Token is a valid classic (v1) token with write permission, used by Config.
	Token string
	// ReadOnlyToken is a valid v1 token without write permission: writes
	// with it answer 403 "You do not have permission to perform this action.".
	ReadOnlyToken string
	// TokenV2 is a v2 token ("nbt_<key>.<secret>"), valid with "Bearer"
	// from version 4.5 on (see SetVersion).
	TokenV2 string

	t  testing.TB
	mu sync.Mutex

	version               netbox.Version
	maxPageSize, pageSize int
	latency               time.Duration
	writeLatency          time.Duration // per object of a bulk PATCH
	hook                  func(n int, r Request)
	served                int

	ips      map[int64]*ipObj
	tenants  map[string]*tenant // by slug
	vrfs     map[string]*vrfObj // by name
	cfs      []*cfObj
	journals []*journalObj
	nextID   map[string]int64 // by object kind
	changes  map[int64]int    // applied changes per IP object

	log    []Request
	faults []*Fault
}

// parseVersion reads an emulated release; the version renders as
// major.minor.patch.
func parseVersion(v string) (netbox.Version, bool) {
	pv, err := netbox.ParseVersion(v)
	pv.Raw = ""
	return pv, err == nil && strings.Count(strings.TrimPrefix(v, "v"), ".") >= 1
}

// NewServer starts an empty NetBox and closes it when the test ends.
//
// t may be nil outside tests (for example in Example functions): the caller
// then closes the server, and seed helpers panic instead of failing a test.
func NewServer(t testing.TB) *Server {
	if t != nil {
		t.Helper()
	}
	s := NewUnstartedServer(t)
	s.Start()
	return s
}

// NewUnstartedServer returns an empty NetBox that is not started yet: call
// Start (or StartTLS) after changing settings. It is closed when the test ends.
// t may be nil, as for [NewServer].
func NewUnstartedServer(t testing.TB) *Server {
	if t != nil {
		t.Helper()
	}
	v, _ := parseVersion(DefaultVersion)
	s := &Server{
		t:             t,
		Token:         randomToken(40),
		ReadOnlyToken: randomToken(40),
		TokenV2:       "nbt_" + randomToken(12)[:12] + "." + randomToken(40),
		version:       v,
		maxPageSize:   DefaultMaxPageSize,
		pageSize:      DefaultPageSize,
		ips:           map[int64]*ipObj{},
		tenants:       map[string]*tenant{},
		vrfs:          map[string]*vrfObj{},
		changes:       map[int64]int{},
		nextID:        map[string]int64{},
	}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	if t != nil {
		t.Cleanup(s.Close)
	}
	return s
}

func (s *Server) helper() {
	if s.t != nil {
		s.t.Helper()
	}
}

func (s *Server) fatalf(format string, args ...any) {
	if s.t != nil {
		s.t.Helper()
		s.t.Fatalf(format, args...)
	}
	panic(fmt.Sprintf(format, args...))
}

func randomToken(n int) string {
	b := make([]byte, (n+1)/2)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)[:n]
}

// Config returns a client configuration for the running server with fast
// retries (1 ms to 5 ms backoff, 2 retries) so tests stay quick.
func (s *Server) Config() netbox.Config {
	return netbox.Config{
		URL: s.URL, Token: s.Token, Timeout: 10 * time.Second, WriteTimeout: 10 * time.Second,
		RetryMax: 2, RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond,
	}
}

// SetVersion makes the server behave like the given NetBox release
// ("4.4.10" by default; "3.1.11", "4.5.8", ...). What changes with it, as
// recorded from real servers:
//
//   - /api/status/ and the API-Version header report it;
//   - "Bearer" authentication exists from 4.5 on (older servers answer 403
//     "Authentication credentials were not provided.");
//   - a PATCH naming an undefined custom field is silently ignored by 4.0
//     to 4.5.7 (200, nothing stored) and refused by 3.x and 4.5.8+ (400);
//   - 3.x names a custom field's models content_types (4.x object_types),
//     filters custom fields by content_types (object_type is ignored),
//     ignores fields= and the __empty lookup of custom-field filters, and
//     ignores ordering=.
func (s *Server) SetVersion(v string) {
	s.helper()
	pv, ok := parseVersion(v)
	if !ok {
		s.fatalf("netboxtest: SetVersion(%q): not major.minor[.patch]", v)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.version = pv
}

// Version returns the emulated NetBox release.
func (s *Server) Version() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.version.String()
}

// SetWriteLatency makes a bulk PATCH take d per object it carries before
// it is applied, like a real NetBox (about 0.04 s per object idle on 2
// cores, 0.12 s loaded). As there, the write is applied even when the
// client gave up waiting; reads made meanwhile see the old values.
func (s *Server) SetWriteLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writeLatency = d
}

// OnRequest calls fn before serving every request, with its 1-based
// number; fn may change the server's data (AddIP, SetCustomFields, ...),
// for example between two pages of a listing.
func (s *Server) OnRequest(fn func(n int, r Request)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hook = fn
}

// ChangeCount returns how many times a write changed the IP object with
// the given id (NetBox keeps one change record per applied write).
func (s *Server) ChangeCount(id int64) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.changes[id]
}

// Client returns a client for the running server using Config.
func (s *Server) Client() *netbox.Client {
	s.helper()
	c, err := netbox.New(s.Config())
	if err != nil {
		s.fatalf("netboxtest: client: %v", err)
	}
	return c
}

// SetMaxPageSize sets MAX_PAGE_SIZE (0 disables the cap).
func (s *Server) SetMaxPageSize(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.maxPageSize = n
}

// SetPageSize sets the default page size (PAGINATE_COUNT).
func (s *Server) SetPageSize(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pageSize = n
}

// SetLatency delays every request by d.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = d
}

// InjectFault adds a fault for later requests. Faults are tried in the
// order they were added.
func (s *Server) InjectFault(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f.Times <= 0 {
		f.Times = 1
	}
	s.faults = append(s.faults, &f)
}

// FailNext makes the next n requests matching method and path answer status.
func (s *Server) FailNext(method, path string, status, n int) {
	s.InjectFault(Fault{Method: method, Path: path, Status: status, Times: n})
}

// DropNext makes the next n requests matching method and path lose their connection.
func (s *Server) DropNext(method, path string, n int) {
	s.InjectFault(Fault{Method: method, Path: path, Drop: true, Times: n})
}

// Requests returns the request log.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.log)
}

// Writes returns the logged POST, PUT, PATCH and DELETE requests.
func (s *Server) Writes() []Request {
	var out []Request
	for _, r := range s.Requests() {
		if r.IsWrite() {
			out = append(out, r)
		}
	}
	return out
}

// ResetRequests clears the request log.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = nil
}

// statusWriter records the status code of an answer.
type statusWriter struct {
	http.ResponseWriter
	status int
}

// WriteHeader records the status code.
func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write records an implicit 200.
func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// apiError is an error answer.
type apiError struct {
	status int
	body   any
}

func detail(status int, msg string) *apiError {
	return &apiError{status: status, body: map[string]any{"detail": msg}}
}

func fieldErr(status int, field string, msgs ...string) *apiError {
	return &apiError{status: status, body: map[string]any{field: msgs}}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	entry := Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Body: body}
	sw := &statusWriter{ResponseWriter: w}
	logged := false
	record := func() {
		if logged {
			return
		}
		logged = true
		entry.Status = sw.status
		s.mu.Lock()
		s.log = append(s.log, entry)
		s.mu.Unlock()
	}
	// Logged before net/http flushes the answer, so a client that got its
	// answer finds the request in the log.
	defer record()

	s.mu.Lock()
	s.served++
	n, hook := s.served, s.hook
	s.mu.Unlock()
	if hook != nil {
		hook(n, entry)
	}
	s.mu.Lock()
	delay := s.latency
	var fault *Fault
	for _, f := range s.faults {
		if f.Times > 0 && (f.Method == "" || f.Method == r.Method) && (f.Path == "" || f.Path == r.URL.Path) {
			f.Times--
			fault = f
			break
		}
	}
	s.mu.Unlock()
	if fault != nil {
		delay += fault.Latency
	}
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
	}
	if fault != nil && fault.DropAfter {
		s.route(r, body)
		fault = &Fault{Drop: true}
	}
	if fault != nil && fault.Drop {
		record() // before the client sees the connection close
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler)
	}
	if fault != nil && fault.Status != 0 {
		b := fault.Body
		if b == "" {
			b = `{"detail": "Injected fault."}`
		}
		sw.Header().Set("Content-Type", "application/json")
		sw.WriteHeader(fault.Status)
		_, _ = io.WriteString(sw, b)
		return
	}

	s.mu.Lock()
	v := s.version
	perObject := s.writeLatency
	s.mu.Unlock()
	if v.Major >= 4 {
		sw.Header().Set("API-Version", fmt.Sprintf("%d.%d", v.Major, v.Minor))
	}
	if e := s.authenticate(r, v); e != nil {
		writeJSON(sw, e.status, e.body)
		return
	}
	if perObject > 0 && r.Method == http.MethodPatch && r.URL.Path == ipListPath {
		var items []json.RawMessage
		if json.Unmarshal(body, &items) == nil {
			// Like NetBox: the write goes on (and is applied) even when
			// the client has gone.
			time.Sleep(time.Duration(len(items)) * perObject)
		}
	}
	status, out := s.route(r, body)
	writeJSON(sw, status, out)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if v != nil {
		_ = json.NewEncoder(w).Encode(v)
	}
}

// authenticate checks the Authorization header like the emulated version:
// "Token <key>" always; "Bearer <token>" from 4.5 on (before, NetBox does
// not know the keyword); writes need a token with write permission.
func (s *Server) authenticate(r *http.Request, v netbox.Version) *apiError {
	h := strings.TrimSpace(r.Header.Get("Authorization"))
	keyword, token, ok := strings.Cut(h, " ")
	bearer := v.AtLeast(4, 5, 0)
	switch {
	case strings.EqualFold(h, "token"):
		return detail(http.StatusForbidden, "Invalid token header. No credentials provided.")
	case !ok || (!strings.EqualFold(keyword, "token") && !(bearer && strings.EqualFold(keyword, "bearer"))):
		return detail(http.StatusForbidden, "Authentication credentials were not provided.")
	}
	token = strings.TrimSpace(token)
	switch {
	case token == s.Token, bearer && token == s.TokenV2:
	case token == s.ReadOnlyToken:
		if r.Method != http.MethodGet && r.Method != http.MethodHead && r.Method != http.MethodOptions {
			return detail(http.StatusForbidden, "You do not have permission to perform this action.")
		}
	default:
		return detail(http.StatusForbidden, "Invalid token")
	}
	return nil
}

func (s *Server) route(r *http.Request, body []byte) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	base := "http://" + r.Host
	path := r.URL.Path
	var res any
	var e *apiError
	status := http.StatusOK
	switch {
	case path == "/api/status/" && r.Method == http.MethodGet:
		res = s.status()
	case path == tenantListPath && r.Method == http.MethodGet:
		res, e = s.listTenants(base, r.URL)
	case path == ipListPath:
		switch r.Method {
		case http.MethodGet:
			res, e = s.listIPs(base, r.URL)
		case http.MethodPatch:
			res, e = s.bulkPatchIPs(base, body)
		default:
			e = notAllowed(r.Method)
		}
	case strings.HasPrefix(path, ipListPath):
		id, ok := parseID(strings.TrimPrefix(path, ipListPath))
		if !ok {
			e = detail(http.StatusNotFound, "Not found.")
			break
		}
		switch r.Method {
		case http.MethodGet:
			res, e = s.getIP(base, id, r.URL.Query())
		case http.MethodPatch:
			res, e = s.patchIP(base, id, body)
		default:
			e = notAllowed(r.Method)
		}
	case path == cfListPath:
		switch r.Method {
		case http.MethodGet:
			res, e = s.listCFs(base, r.URL)
		case http.MethodPost:
			res, e = s.createMany(body, func(raw json.RawMessage) (any, *apiError) { return s.createCF(base, raw) })
			status = http.StatusCreated
		default:
			e = notAllowed(r.Method)
		}
	case path == journalListPath:
		switch r.Method {
		case http.MethodGet:
			res, e = s.listJournals(base, r.URL)
		case http.MethodPost:
			res, e = s.createMany(body, func(raw json.RawMessage) (any, *apiError) { return s.createJournal(base, raw) })
			status = http.StatusCreated
		default:
			e = notAllowed(r.Method)
		}
	default:
		e = detail(http.StatusNotFound, "Not found.")
	}
	if e != nil {
		return e.status, e.body
	}
	return status, res
}

func notAllowed(method string) *apiError {
	return detail(http.StatusMethodNotAllowed, fmt.Sprintf("Method \"%s\" not allowed.", method))
}

func parseID(s string) (int64, bool) {
	s = strings.TrimSuffix(s, "/")
	var id int64
	if _, err := fmt.Sscanf(s, "%d", &id); err != nil || fmt.Sprint(id) != s {
		return 0, false
	}
	return id, true
}

// decode parses JSON keeping numbers as json.Number.
func decode(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	return d.Decode(v)
}

// page renders one page of a list answer.
func (s *Server) page(base string, u *url.URL, items []map[string]any) (map[string]any, *apiError) {
	q := u.Query()
	limit := s.pageSize
	if s.maxPageSize > 0 && (limit <= 0 || limit > s.maxPageSize) {
		limit = s.maxPageSize
	}
	if v := q.Get("limit"); v != "" {
		var n int
		if _, err := fmt.Sscanf(v, "%d", &n); err == nil && n >= 0 {
			switch {
			case n == 0 && s.maxPageSize > 0:
				limit = s.maxPageSize
			case n == 0:
				limit = len(items)
			case s.maxPageSize > 0 && n > s.maxPageSize:
				limit = s.maxPageSize
			default:
				limit = n
			}
		}
	}
	offset := 0
	if v := q.Get("offset"); v != "" {
		if _, err := fmt.Sscanf(v, "%d", &offset); err != nil || offset < 0 {
			offset = 0
		}
	}
	if limit <= 0 {
		limit = max(len(items), 1)
	}
	end := min(offset+limit, len(items))
	results := []map[string]any{}
	if offset < len(items) {
		results = items[offset:end]
	}
	link := func(off int) any {
		v := u.Query()
		v.Set("limit", fmt.Sprint(limit))
		if off <= 0 {
			v.Del("offset")
		} else {
			v.Set("offset", fmt.Sprint(off))
		}
		return base + u.Path + "?" + v.Encode()
	}
	out := map[string]any{"count": len(items), "next": nil, "previous": nil, "results": results}
	if end < len(items) {
		out["next"] = link(end)
	}
	if offset > 0 {
		out["previous"] = link(offset - limit)
	}
	return out, nil
}

// status renders /api/status/ as the emulated version does.
func (s *Server) status() map[string]any {
	v := s.version.String()
	if s.version.Major < 4 {
		return map[string]any{"django-version": "3.2.25", "installed-apps": map[string]any{}, "netbox-version": v,
			"plugins": map[string]any{}, "python-version": "3.11.2", "rq-workers-running": 0}
	}
	return map[string]any{"django-version": "5.2.19", "hostname": "netboxtest", "installed_apps": map[string]any{},
		"netbox-full-version": v, "netbox-version": v, "plugins": map[string]any{}, "python-version": "3.11.2",
		"rq-workers-running": 0}
}

// restrict applies fields= (NetBox 4.0+; 3.x ignores it) and brief= to
// rendered objects.
func (s *Server) restrict(q url.Values, obj map[string]any, brief []string) map[string]any {
	var keep []string
	if f := q.Get("fields"); f != "" && s.version.Major >= 4 {
		for _, k := range strings.Split(f, ",") {
			keep = append(keep, strings.TrimSpace(k))
		}
	} else if q.Get("brief") != "" {
		keep = brief
	} else {
		return obj
	}
	out := map[string]any{}
	for _, k := range keep {
		if v, ok := obj[k]; ok {
			out[k] = v
		}
	}
	return out
}

// createMany handles POST of one object or a list (all-or-none).
func (s *Server) createMany(body []byte, create func(json.RawMessage) (any, *apiError)) (any, *apiError) {
	trimmed := bytes.TrimSpace(body)
	if !bytes.HasPrefix(trimmed, []byte("[")) {
		return create(trimmed)
	}
	var items []json.RawMessage
	if err := json.Unmarshal(trimmed, &items); err != nil {
		return nil, fieldErr(http.StatusBadRequest, "detail", "JSON parse error - "+err.Error())
	}
	snap := s.snapshot()
	var out []any
	for _, raw := range items {
		obj, e := create(raw)
		if e != nil {
			s.restore(snap)
			errs := make([]any, len(items))
			for i := range errs {
				errs[i] = map[string]any{}
			}
			errs[len(out)] = e.body
			return nil, &apiError{status: e.status, body: errs}
		}
		out = append(out, obj)
	}
	return out, nil
}

type snapshot struct {
	cfs      int
	journals int
	nextID   map[string]int64
}

func (s *Server) snapshot() snapshot {
	return snapshot{cfs: len(s.cfs), journals: len(s.journals), nextID: maps.Clone(s.nextID)}
}

func (s *Server) restore(sn snapshot) {
	s.cfs, s.journals, s.nextID = s.cfs[:sn.cfs], s.journals[:sn.journals], sn.nextID
}

func timestamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000Z") }
