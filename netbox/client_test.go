package netbox_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/spoje-net/isptools/netbox"
	"github.com/spoje-net/isptools/netbox/netboxtest"
)

func collect(t *testing.T, c *netbox.Client, f netbox.IPAddressFilter) []netbox.IPAddress {
	t.Helper()
	var out []netbox.IPAddress
	for ip, err := range c.IPAddresses(context.Background(), f) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, ip)
	}
	return out
}

func TestConfigFromEnv(t *testing.T) {
	t.Setenv("NETBOXURL", "")
	t.Setenv("NETBOXTOKEN", "")
	_, err := netbox.ConfigFromEnv()
	if err == nil || !strings.Contains(err.Error(), "NETBOXURL is not set") || !strings.Contains(err.Error(), "NETBOXTOKEN is not set") {
		t.Fatalf("got %v", err)
	}
	t.Setenv("NETBOXURL", "netbox.example.com")
	t.Setenv("NETBOXTOKEN", "abc")
	if _, err := netbox.ConfigFromEnv(); err == nil || !strings.Contains(err.Error(), "NETBOXURL is not an http(s) URL") {
		t.Fatalf("got %v", err)
	}
	t.Setenv("NETBOXURL", "https://netbox.example.com/api/")
	t.Setenv("NETBOXTOKEN", "has space")
	if _, err := netbox.ConfigFromEnv(); err == nil || !strings.Contains(err.Error(), "NETBOXTOKEN") || strings.Contains(err.Error(), "has space") {
		t.Fatalf("got %v", err)
	}
	t.Setenv("NETBOXTOKEN", "0123456789abcdef")
	cfg, err := netbox.ConfigFromEnv()
	if err != nil || cfg.URL != "https://netbox.example.com/api/" || cfg.Token != "0123456789abcdef" {
		t.Fatalf("cfg %v, err %v", cfg, err)
	}
}

func TestConfigRedactsToken(t *testing.T) {
	const secret = "s3cr3t0123456789abcdef"
	cfg := netbox.Config{URL: "https://nb.example", Token: secret}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("config", "netbox", cfg)
	for _, s := range []string{fmt.Sprint(cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg), buf.String()} {
		if strings.Contains(s, secret) || !strings.Contains(s, "REDACTED") {
			t.Errorf("token not redacted: %s", s)
		}
	}
	if _, err := netbox.New(netbox.Config{URL: "ftp://x", Token: secret}); err == nil || strings.Contains(err.Error(), secret) {
		t.Errorf("New: %v", err)
	}
}

func TestAuthorizationHeader(t *testing.T) {
	for _, tc := range []struct{ token, want string }{
		{"0123456789abcdef0123456789abcdef01234567", "Token 0123456789abcdef0123456789abcdef01234567"},
		{"nbt_abcdefABCDEF.0123456789", "Bearer nbt_abcdefABCDEF.0123456789"},
	} {
		var got string
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			got = r.Header.Get("Authorization")
			_, _ = w.Write([]byte(`{"count":0,"next":null,"previous":null,"results":[]}`))
		}))
		c, err := netbox.New(netbox.Config{URL: srv.URL, Token: tc.token})
		if err != nil {
			t.Fatal(err)
		}
		collect(t, c, netbox.IPAddressFilter{})
		srv.Close()
		if got != tc.want {
			t.Errorf("token %s: header %q, want %q", tc.token, got, tc.want)
		}
	}
}

func TestV2TokenAgainstEmulator(t *testing.T) {
	srv := netboxtest.NewServer(t)
	srv.AddIP(netboxtest.IP{Address: "10.0.0.1/32"})
	cfg := srv.Config()
	cfg.Token = srv.TokenV2
	c, _ := netbox.New(cfg)
	// NetBox 4.4 (the default) has no v2 tokens: the error says so.
	_, err := c.IPAddress(context.Background(), 1)
	if !errors.Is(err, netbox.ErrBearerUnsupported) || !errors.Is(err, netbox.ErrForbidden) ||
		!strings.Contains(err.Error(), "NetBox 4.4") || strings.Contains(err.Error(), srv.TokenV2) {
		t.Fatalf("v2 token on 4.4: %v", err)
	}
	srv.SetVersion("4.5.0")
	c, _ = netbox.New(cfg)
	if got := collect(t, c, netbox.IPAddressFilter{}); len(got) != 1 {
		t.Fatalf("got %d", len(got))
	}
}

func TestPagingFollowsNextAndCaps(t *testing.T) {
	srv := netboxtest.NewServer(t)
	srv.SetMaxPageSize(7)
	for i := range 20 {
		srv.AddIP(netboxtest.IP{Address: fmt.Sprintf("10.0.0.%d/24", i+1)})
	}
	got := collect(t, srv.Client(), netbox.IPAddressFilter{Limit: 1000})
	if len(got) != 20 || got[19].Address != "10.0.0.20/24" {
		t.Fatalf("got %d IPs", len(got))
	}
	reqs := apiRequests(srv)
	// NetBox 4.x: keyset paging, ordered by id, next page after the last id
	if len(reqs) != 3 || reqs[0].Query.Get("limit") != "1000" || reqs[0].Query.Get("ordering") != "id" ||
		reqs[1].Query.Get("id__gt") != "7" || reqs[1].Query.Get("offset") != "" || reqs[2].Query.Get("id__gt") != "14" {
		t.Fatalf("requests %+v", reqs)
	}
	// NetBox 3.x: offset paging along the next links
	srv.SetVersion("3.1.11")
	srv.ResetRequests()
	got = collect(t, srv.Client(), netbox.IPAddressFilter{Limit: 1000})
	reqs = apiRequests(srv)
	if len(got) != 20 || len(reqs) != 3 || reqs[1].Query.Get("offset") != "7" || reqs[1].Query.Get("ordering") != "" {
		t.Fatalf("3.x: %d IPs, requests %+v", len(got), reqs)
	}
}

func TestPagingDeduplicatesByID(t *testing.T) {
	// Before NetBox 4.6.8 a row could repeat across pages.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		page := `{"count":3,"next":"http://proxy.invalid/api/ipam/ip-addresses/?offset=2","previous":null,"results":[{"id":1,"address":"10.0.0.1/32"},{"id":2,"address":"10.0.0.2/32"}]}`
		if r.URL.Query().Get("offset") == "2" {
			page = `{"count":3,"next":null,"previous":null,"results":[{"id":2,"address":"10.0.0.2/32"},{"id":3,"address":"10.0.0.3/32"}]}`
		}
		_, _ = w.Write([]byte(page))
	}))
	defer srv.Close()
	c, _ := netbox.New(netbox.Config{URL: srv.URL, Token: "t"})
	got := collect(t, c, netbox.IPAddressFilter{})
	if len(got) != 3 || got[2].ID != 3 {
		t.Fatalf("got %+v", got)
	}
}

func TestIteratorStopsEarly(t *testing.T) {
	srv := netboxtest.NewServer(t)
	srv.SetMaxPageSize(2)
	for i := range 6 {
		srv.AddIP(netboxtest.IP{Address: fmt.Sprintf("10.0.0.%d/24", i+1)})
	}
	n := 0
	for _, err := range srv.Client().IPAddresses(context.Background(), netbox.IPAddressFilter{}) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 3 {
			break
		}
	}
	if r := len(apiRequests(srv)); r != 2 {
		t.Fatalf("breaking after 3 items made %d requests, want 2", r)
	}
}

func TestFiltersReachServer(t *testing.T) {
	srv := netboxtest.NewServer(t)
	srv.AddCustomField(netboxtest.CustomFieldDef{Name: "speed"})
	srv.AddIP(netboxtest.IP{Address: "10.0.0.1/24", CustomFields: map[string]any{"speed": 0}})
	srv.AddIP(netboxtest.IP{Address: "10.0.0.2/24", CustomFields: map[string]any{"speed": 10}})
	srv.AddIP(netboxtest.IP{Address: "10.1.0.1/24", CustomFields: map[string]any{"speed": 0}})
	got := collect(t, srv.Client(), netbox.IPAddressFilter{
		Parent: []string{"10.0.0.0/16"}, CustomFields: map[string][]string{"speed": {"0"}}, Fields: []string{"id", "address"},
	})
	if len(got) != 1 || got[0].Address != "10.0.0.1/24" || got[0].CustomFields != nil {
		t.Fatalf("got %+v", got)
	}
}

func TestGetAndPatchCustomFields(t *testing.T) {
	srv := netboxtest.NewServer(t)
	srv.AddCustomField(netboxtest.CustomFieldDef{Name: "speed"})
	srv.AddCustomField(netboxtest.CustomFieldDef{Name: "speed_orig"})
	id := srv.AddIP(netboxtest.IP{Address: "10.0.0.1/24", CustomFields: map[string]any{"speed": 100, "speed_orig": 5}})
	c := srv.Client()
	ctx := context.Background()
	ip, err := c.UpdateIPAddressCustomFields(ctx, id, map[string]any{"speed": 0})
	if err != nil {
		t.Fatal(err)
	}
	if v, _, _ := ip.CustomFields.Int("speed"); v != 0 {
		t.Errorf("speed %s", ip.CustomFields["speed"])
	}
	if v, _, _ := ip.CustomFields.Int("speed_orig"); v != 5 {
		t.Errorf("PATCH did not merge: speed_orig %s", ip.CustomFields["speed_orig"])
	}
	got, err := c.IPAddress(ctx, id)
	if err != nil || got.ID != id || got.Family.Value != 4 || got.Status == nil || got.Status.Value != "active" || got.Created == nil {
		t.Fatalf("get: %+v %v", got, err)
	}

	_, err = c.IPAddress(ctx, 9999)
	var apiErr *netbox.APIError
	if !errors.Is(err, netbox.ErrNotFound) || !errors.As(err, &apiErr) || apiErr.Detail != "No IPAddress matches the given query." {
		t.Fatalf("404: %v", err)
	}

	_, err = c.UpdateIPAddressCustomFields(ctx, id, map[string]any{"speed": "100"})
	if !errors.Is(err, netbox.ErrBadRequest) || !errors.As(err, &apiErr) ||
		apiErr.Fields["__all__"][0] != "Invalid value for custom field 'speed': Value must be an integer." {
		t.Fatalf("400: %v", err)
	}
	// NetBox 4.4 drops an undefined field silently (recorded); 4.5.8 refuses it.
	ip, err = c.UpdateIPAddressCustomFields(ctx, id, map[string]any{"spede": 1})
	if _, stored := ip.CustomFields["spede"]; err != nil || stored {
		t.Fatalf("unknown field on 4.4: %+v %v", ip.CustomFields, err)
	}
	srv.SetVersion("4.5.8")
	_, err = c.UpdateIPAddressCustomFields(ctx, id, map[string]any{"spede": 1})
	if !errors.As(err, &apiErr) || len(apiErr.Fields["custom_fields.spede"]) != 1 {
		t.Fatalf("unknown field on 4.5.8: %v", err)
	}
}

// apiRequests returns the logged requests other than the version check.
func apiRequests(srv *netboxtest.Server) []netboxtest.Request {
	var out []netboxtest.Request
	for _, r := range srv.Requests() {
		if r.Path != "/api/status/" {
			out = append(out, r)
		}
	}
	return out
}

func TestBulkUpdate(t *testing.T) {
	srv := netboxtest.NewServer(t)
	srv.AddCustomField(netboxtest.CustomFieldDef{Name: "speed"})
	a := srv.AddIP(netboxtest.IP{Address: "10.0.0.1/24"})
	b := srv.AddIP(netboxtest.IP{Address: "10.0.0.2/24"})
	c := srv.Client()
	ctx := context.Background()
	out, err := c.BulkUpdateIPAddresses(ctx, []netbox.IPAddressUpdate{
		{ID: a, CustomFields: map[string]any{"speed": 1}},
		{ID: b, CustomFields: map[string]any{"speed": 2}},
		{ID: 4242, CustomFields: map[string]any{"speed": 3}}, // skipped by NetBox
	})
	if err != nil || len(out) != 2 {
		t.Fatalf("out %+v err %v", out, err)
	}
	_, err = c.BulkUpdateIPAddresses(ctx, []netbox.IPAddressUpdate{
		{ID: a, CustomFields: map[string]any{"speed": 10}},
		{ID: b, CustomFields: map[string]any{"speed": 2.5}},
	})
	if !errors.Is(err, netbox.ErrBadRequest) {
		t.Fatalf("want 400, got %v", err)
	}
	ip, _ := srv.IP(a)
	if v, _, _ := ip.CustomFields.Int("speed"); v != 1 {
		t.Fatalf("bulk PATCH not all-or-none: speed %d", v)
	}
	if _, err := c.BulkUpdateIPAddresses(ctx, []netbox.IPAddressUpdate{{CustomFields: map[string]any{}}}); err == nil {
		t.Fatal("update without id accepted")
	}
}

func TestAuthErrors(t *testing.T) {
	srv := netboxtest.NewServer(t)
	cfg := srv.Config()
	cfg.Token = "wrong"
	c, _ := netbox.New(cfg)
	_, err := c.IPAddress(context.Background(), 1)
	var apiErr *netbox.APIError
	if !errors.Is(err, netbox.ErrForbidden) || !errors.As(err, &apiErr) || apiErr.Detail != "Invalid token" {
		t.Fatalf("got %v", err)
	}
	if len(srv.Requests()) != 1 {
		t.Fatalf("403 retried: %d requests", len(srv.Requests()))
	}
}

func TestRetryPolicy(t *testing.T) {
	const path = "/api/ipam/ip-addresses/"
	cases := []struct {
		name      string
		fault     netboxtest.Fault
		call      func(*netbox.Client) error
		wantReqs  int
		wantError bool
	}{
		{"GET retried on 503", netboxtest.Fault{Method: "GET", Path: path, Status: 503, Times: 2},
			func(c *netbox.Client) error {
				_, err := c.CountIPAddresses(context.Background(), netbox.IPAddressFilter{})
				return err
			}, 3, false},
		{"GET retried on dropped connection", netboxtest.Fault{Method: "GET", Path: path, Drop: true},
			func(c *netbox.Client) error {
				_, err := c.CountIPAddresses(context.Background(), netbox.IPAddressFilter{})
				return err
			}, 2, false},
		{"GET gives up after RetryMax", netboxtest.Fault{Method: "GET", Path: path, Status: 502, Times: 10},
			func(c *netbox.Client) error {
				_, err := c.CountIPAddresses(context.Background(), netbox.IPAddressFilter{})
				return err
			}, 3, true},
		{"GET not retried on 500", netboxtest.Fault{Method: "GET", Path: path, Status: 500},
			func(c *netbox.Client) error {
				_, err := c.CountIPAddresses(context.Background(), netbox.IPAddressFilter{})
				return err
			}, 1, true},
		{"PATCH never retried on 504", netboxtest.Fault{Method: "PATCH", Path: path, Status: 504},
			func(c *netbox.Client) error {
				_, err := c.BulkUpdateIPAddresses(context.Background(), []netbox.IPAddressUpdate{{ID: 1}})
				return err
			}, 1, true},
		{"PATCH never retried on dropped connection", netboxtest.Fault{Method: "PATCH", Drop: true},
			func(c *netbox.Client) error {
				_, err := c.UpdateIPAddressCustomFields(context.Background(), 1, map[string]any{"speed": 1})
				return err
			}, 1, true},
		{"POST not retried on 503", netboxtest.Fault{Method: "POST", Status: 503},
			func(c *netbox.Client) error {
				_, err := c.CreateCustomField(context.Background(), netbox.CustomFieldRequest{Name: "x", Type: "integer", ObjectTypes: []string{"ipam.ipaddress"}})
				return err
			}, 1, true},
		{"POST not retried on dropped connection", netboxtest.Fault{Method: "POST", Drop: true},
			func(c *netbox.Client) error {
				_, err := c.CreateCustomField(context.Background(), netbox.CustomFieldRequest{Name: "x", Type: "integer", ObjectTypes: []string{"ipam.ipaddress"}})
				return err
			}, 1, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := netboxtest.NewServer(t)
			srv.AddIP(netboxtest.IP{Address: "10.0.0.1/32"})
			srv.InjectFault(tc.fault)
			err := tc.call(srv.Client())
			if (err != nil) != tc.wantError {
				t.Fatalf("err = %v", err)
			}
			if n := len(apiRequests(srv)); n != tc.wantReqs {
				t.Fatalf("%d requests, want %d", n, tc.wantReqs)
			}
		})
	}
}

func TestTimeoutAndContext(t *testing.T) {
	srv := netboxtest.NewServer(t)
	srv.SetLatency(200 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := srv.Client().CountIPAddresses(ctx, netbox.IPAddressFilter{})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v", err)
	}
	if time.Since(start) > 150*time.Millisecond {
		t.Fatal("context deadline not honoured")
	}
}

func TestJournalAndCustomFieldEndpoints(t *testing.T) {
	srv := netboxtest.NewServer(t)
	id := srv.AddIP(netboxtest.IP{Address: "10.0.0.1/32"})
	c := srv.Client()
	ctx := context.Background()
	cf, err := c.CreateCustomField(ctx, netbox.CustomFieldRequest{Name: "speed", Type: "integer", ObjectTypes: []string{netbox.ObjectTypeIPAddress}})
	if err != nil || cf.ID == 0 || cf.Type.Value != "integer" {
		t.Fatalf("create: %+v %v", cf, err)
	}
	_, err = c.CreateCustomField(ctx, netbox.CustomFieldRequest{Name: "speed", Type: "integer", ObjectTypes: []string{netbox.ObjectTypeIPAddress}})
	var apiErr *netbox.APIError
	if !errors.As(err, &apiErr) || len(apiErr.Fields["name"]) == 0 {
		t.Fatalf("duplicate: %v", err)
	}
	var names []string
	for cf, err := range c.CustomFields(ctx, netbox.CustomFieldFilter{Name: []string{"speed"}, ObjectType: netbox.ObjectTypeIPAddress}) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, cf.Name)
	}
	if len(names) != 1 {
		t.Fatalf("list: %v", names)
	}
	entries, err := c.CreateJournalEntries(ctx, []netbox.JournalEntryRequest{
		{AssignedObjectType: netbox.ObjectTypeIPAddress, AssignedObjectID: id, Kind: netbox.KindWarning, Comments: "blocked"},
	})
	if err != nil || len(entries) != 1 || entries[0].Kind.Value != "warning" || entries[0].AssignedObjectID != id {
		t.Fatalf("journal: %+v %v", entries, err)
	}
	_, err = c.CreateJournalEntries(ctx, []netbox.JournalEntryRequest{
		{AssignedObjectType: netbox.ObjectTypeIPAddress, AssignedObjectID: id, Comments: "ok"},
		{AssignedObjectType: netbox.ObjectTypeIPAddress, AssignedObjectID: 9999, Comments: "bad"},
	})
	if !errors.As(err, &apiErr) || len(apiErr.Items) != 2 || len(apiErr.Items[1]["non_field_errors"]) != 1 {
		t.Fatalf("bulk journal error: %#v", err)
	}
	if n := len(srv.JournalEntries()); n != 1 {
		t.Fatalf("failed bulk create kept %d entries", n-1)
	}
}

func TestAPIErrorShapes(t *testing.T) {
	for _, tc := range []struct {
		status int
		body   string
		want   string
		is     error
	}{
		{403, `{"detail": "Authentication credentials were not provided."}`, "403 Forbidden: Authentication credentials were not provided.", netbox.ErrForbidden},
		{401, `{"detail": "x"}`, "401 Unauthorized: x", netbox.ErrUnauthorized},
		{400, `{"__all__": ["Invalid value"], "address": ["Duplicate"]}`, "__all__: Invalid value; address: Duplicate", netbox.ErrBadRequest},
		{400, `[{}, {"id": ["This field is required."]}]`, "[1] id: This field is required.", netbox.ErrBadRequest},
		{502, `<html>bad gateway</html>`, `502 Bad Gateway: "<html>bad gateway</html>"`, nil},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(tc.status)
			_, _ = w.Write([]byte(tc.body))
		}))
		c, _ := netbox.New(netbox.Config{URL: srv.URL, Token: "t", RetryMax: -1})
		_, err := c.IPAddress(context.Background(), 1)
		srv.Close()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("status %d: %v, want %q", tc.status, err, tc.want)
		}
		if tc.is != nil && !errors.Is(err, tc.is) {
			t.Errorf("status %d: not %v", tc.status, tc.is)
		}
		if errors.Is(err, netbox.ErrNotFound) {
			t.Errorf("status %d matches ErrNotFound", tc.status)
		}
		var apiErr *netbox.APIError
		if !errors.As(err, &apiErr) || !json.Valid(apiErr.Body) && tc.status != 502 {
			t.Errorf("body not kept: %#v", err)
		}
	}
}

func TestLoggerAndAPIPathSuffix(t *testing.T) {
	srv := netboxtest.NewServer(t)
	srv.AddIP(netboxtest.IP{Address: "10.0.0.1/32"})
	var buf bytes.Buffer
	cfg := srv.Config()
	cfg.URL += "/api/"
	cfg.Logger = slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, err := netbox.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv.FailNext("GET", "/api/ipam/ip-addresses/", 503, 1)
	if got := collect(t, c, netbox.IPAddressFilter{}); len(got) != 1 {
		t.Fatalf("got %d", len(got))
	}
	logs := buf.String()
	if !strings.Contains(logs, "status=200") || !strings.Contains(logs, "retrying") {
		t.Errorf("expected request and retry logs, got:\n%s", logs)
	}
	if strings.Contains(logs, srv.Token) {
		t.Error("token in logs")
	}
}

func TestPaginationLoopStops(t *testing.T) {
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"count":9,"next":%q,"previous":null,"results":[{"id":1,"address":"10.0.0.1/32"}]}`, srv.URL+"/api/ipam/ip-addresses/?offset=1")
	}))
	defer srv.Close()
	c, _ := netbox.New(netbox.Config{URL: srv.URL, Token: "t"})
	var n int
	var last error
	for _, err := range c.IPAddresses(context.Background(), netbox.IPAddressFilter{}) {
		n++
		last = err
	}
	if last == nil || !strings.Contains(last.Error(), "pagination loop") || n != 2 {
		t.Fatalf("n=%d err=%v", n, last)
	}
}

func TestParseVersion(t *testing.T) {
	for in, want := range map[string]string{"4.4.10": "4.4.10", "v3.1.11": "3.1.11", "4.5": "4.5.0", "4.5.0-beta1": "4.5.0"} {
		v, err := netbox.ParseVersion(in)
		if err != nil || fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch) != want || v.String() != in {
			t.Errorf("ParseVersion(%q) = %+v, %v", in, v, err)
		}
	}
	for _, in := range []string{"", "four", "4.x", "1.2.3.4"} {
		if _, err := netbox.ParseVersion(in); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("%q", in)) {
			t.Errorf("ParseVersion(%q): %v", in, err)
		}
	}
	v, _ := netbox.ParseVersion("4.5.7")
	if !v.SupportsBearer() || v.RejectsUnknownCustomFields() || v.ObjectTypesField() != "object_types" {
		t.Errorf("4.5.7: %+v", v)
	}
	v, _ = netbox.ParseVersion("3.7.8")
	if v.SupportsBearer() || !v.RejectsUnknownCustomFields() || v.ObjectTypesField() != "content_types" {
		t.Errorf("3.7.8: %+v", v)
	}
}

func TestVersionReadOnce(t *testing.T) {
	var status, lists int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/status/" {
			status++
			http.NotFound(w, r) // a proxy without the status endpoint
			return
		}
		lists++
		_, _ = w.Write([]byte(`{"count":1,"next":null,"previous":null,"results":[{"id":1,"address":"10.0.0.1/32"}]}`))
	}))
	defer srv.Close()
	c, _ := netbox.New(netbox.Config{URL: srv.URL, Token: "t"})
	for range 3 {
		if got := collect(t, c, netbox.IPAddressFilter{}); len(got) != 1 {
			t.Fatalf("got %d", len(got))
		}
	}
	if status != 1 || lists != 3 {
		t.Errorf("status read %d times, %d listings", status, lists)
	}
}
