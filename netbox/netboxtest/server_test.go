package netboxtest_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/spoje-net/isptools/netbox/netboxtest"
)

// call sends a raw request and decodes the JSON answer.
func call(t *testing.T, srv *netboxtest.Server, method, path, auth, body string) (int, any) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("%s %s: not JSON: %s", method, path, data)
	}
	return resp.StatusCode, v
}

func js(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// ids of the seeded IPs
var first, second int64

func seeded(t *testing.T) (*netboxtest.Server, string) {
	srv := netboxtest.NewServer(t)
	srv.AddCustomField(netboxtest.CustomFieldDef{Name: "speed"})
	first = srv.AddIP(netboxtest.IP{Address: "10.0.0.1/24", Description: "{code:A}", Tenant: "acme", CustomFields: map[string]any{"speed": 100}})
	srv.AddIP(netboxtest.IP{Address: "10.0.0.1/32", VRF: "loopbacks", Description: "{code:A} loopback", DNSName: "a.example"})
	second = srv.AddIP(netboxtest.IP{Address: "10.0.1.5/24", Description: "{code:B}", CustomFields: map[string]any{"speed": 0}})
	srv.AddIP(netboxtest.IP{Address: "2001:db8::1/64", Description: "v6"})
	return srv, "Token " + srv.Token
}

func TestAuth(t *testing.T) {
	srv, auth := seeded(t)
	for _, tc := range []struct{ auth, want string }{
		{"", `{"detail":"Authentication credentials were not provided."}`},
		{"Basic " + srv.Token, `{"detail":"Authentication credentials were not provided."}`},
		{"Token nope", `{"detail":"Invalid token"}`},
	} {
		status, body := call(t, srv, "GET", "/api/ipam/ip-addresses/", tc.auth, "")
		if status != 403 || js(body) != tc.want {
			t.Errorf("auth %q: %d %s", tc.auth, status, js(body))
		}
	}
	// NetBox 4.4 (the default) knows no Bearer: recorded answer.
	if status, body := call(t, srv, "GET", "/api/ipam/ip-addresses/", "Bearer "+srv.TokenV2, ""); status != 403 ||
		js(body) != `{"detail":"Authentication credentials were not provided."}` {
		t.Errorf("Bearer on 4.4: %d %s", status, js(body))
	}
	if status, body := call(t, srv, "GET", "/api/ipam/ip-addresses/", "Token", ""); status != 403 ||
		js(body) != `{"detail":"Invalid token header. No credentials provided."}` {
		t.Errorf("malformed: %d %s", status, js(body))
	}
	for _, a := range []string{auth, "Token " + srv.ReadOnlyToken} {
		if status, _ := call(t, srv, "GET", "/api/ipam/ip-addresses/", a, ""); status != 200 {
			t.Errorf("auth %q: %d", a, status)
		}
	}
	status, body := call(t, srv, "PATCH", "/api/ipam/ip-addresses/", "Token "+srv.ReadOnlyToken, fmt.Sprintf(`[{"id": %d, "custom_fields": {"speed": 1}}]`, first))
	if status != 403 || js(body) != `{"detail":"You do not have permission to perform this action."}` {
		t.Errorf("read-only PATCH: %d %s", status, js(body))
	}
	srv.SetVersion("4.5.0")
	for _, a := range []string{auth, "Bearer " + srv.TokenV2, "bearer " + srv.Token} {
		if status, _ := call(t, srv, "GET", "/api/ipam/ip-addresses/", a, ""); status != 200 {
			t.Errorf("4.5: auth %q: %d", a, status)
		}
	}
}

func TestVersionedCustomFieldPatch(t *testing.T) {
	for _, tc := range []struct{ version, status, body string }{
		{"4.4.10", "200", ""},
		{"4.5.8", "400", `{"custom_fields":{"spede":["Custom field 'spede' does not exist for this object type."]}}`},
		{"3.1.11", "400", `{"__all__":["Unknown field name 'spede' in custom field data."]}`},
	} {
		srv, auth := seeded(t)
		srv.SetVersion(tc.version)
		status, body := call(t, srv, "PATCH", fmt.Sprintf("/api/ipam/ip-addresses/%d/", first), auth, `{"custom_fields": {"spede": 1, "speed": 7}}`)
		if fmt.Sprint(status) != tc.status || (tc.body != "" && js(body) != tc.body) {
			t.Errorf("%s: %d %s", tc.version, status, js(body))
		}
		ip, _ := srv.IP(first)
		want := "100"
		if tc.status == "200" {
			want = "7"
			if _, ok := ip.CustomFields["spede"]; ok {
				t.Errorf("%s: undefined field stored", tc.version)
			}
		}
		if got := string(ip.CustomFields["speed"]); got != want {
			t.Errorf("%s: speed %s, want %s", tc.version, got, want)
		}
	}
}

func TestDuplicateInGlobalTableFailsEveryPatch(t *testing.T) {
	srv, auth := seeded(t)
	dup := srv.AddIP(netboxtest.IP{Address: "10.0.1.5/32", Description: "{code:C}"}) // same host as second
	for _, id := range []int64{second, dup} {
		status, body := call(t, srv, "PATCH", "/api/ipam/ip-addresses/", auth, fmt.Sprintf(`[{"id": %d, "description": "x"}]`, id))
		if status != 400 || !strings.HasPrefix(js(body), `{"address":["Duplicate IP address found in global table: 10.0.1.5/`) {
			t.Errorf("PATCH %d: %d %s", id, status, js(body))
		}
	}
	// the /32 in a VRF beside a global /24 is no duplicate
	status, _ := call(t, srv, "PATCH", "/api/ipam/ip-addresses/", auth, fmt.Sprintf(`[{"id": %d, "description": "x"}]`, first))
	if status != 200 {
		t.Errorf("PATCH of a host also held in a VRF: %d", status)
	}
}

func count(t *testing.T, srv *netboxtest.Server, auth, query string) int {
	t.Helper()
	status, body := call(t, srv, "GET", "/api/ipam/ip-addresses/?"+query, auth, "")
	if status != 200 {
		t.Fatalf("%s: %d %s", query, status, js(body))
	}
	return int(body.(map[string]any)["count"].(float64))
}

func TestFilters(t *testing.T) {
	srv, auth := seeded(t)
	for q, want := range map[string]int{
		"":                                     4,
		"address=10.0.0.1":                     2, // host under any mask
		"address=10.0.0.1/32":                  1, // exact with mask
		"address=10.0.0.1/32&address=10.0.1.5": 2,
		"address=garbage":                      0,
		"parent=10.0.0.0/16":                   3,
		"parent=10.0.1.0/24":                   1,
		"tenant=acme":                          1,
		"q=A.EXAMPLE":                          1,
		"q=10.0.1":                             1,
		"description__ic=" + url.QueryEscape("{CODE:A}"): 2,
		"description=v6":          1,
		"cf_speed=0":              1,
		"cf_speed=0&cf_speed=100": 2,
		"cf_speed__gt=10":         1,
		"cf_speed__empty=true":    2,
		"cf_undefined=1":          4, // NetBox ignores filters on undefined custom fields
		"no_such_filter=1":        4,
	} {
		if got := count(t, srv, auth, q); got != want {
			t.Errorf("%s: count %d, want %d", q, got, want)
		}
	}
	if got := count(t, srv, auth, fmt.Sprintf("id=%d&id=%d&id=99999", first, second)); got != 2 {
		t.Errorf("id filter: %d", got)
	}
	status, body := call(t, srv, "GET", "/api/ipam/ip-addresses/?tenant=nobody", auth, "")
	if status != 400 || js(body) != `{"tenant":["Select a valid choice. nobody is not one of the available choices."]}` {
		t.Errorf("unknown tenant: %d %s", status, js(body))
	}
}

func TestPagination(t *testing.T) {
	srv := netboxtest.NewServer(t)
	auth := "Token " + srv.Token
	for i := range 60 {
		srv.AddIP(netboxtest.IP{Address: fmt.Sprintf("10.0.%d.%d/32", i/250, i%250+1)})
	}
	_, body := call(t, srv, "GET", "/api/ipam/ip-addresses/", auth, "")
	page := body.(map[string]any)
	if page["count"].(float64) != 60 || len(page["results"].([]any)) != 50 || page["previous"] != nil {
		t.Fatalf("default page: count %v, %d results", page["count"], len(page["results"].([]any)))
	}
	next := page["next"].(string)
	if !strings.HasPrefix(next, srv.URL+"/api/ipam/ip-addresses/?") || !strings.Contains(next, "offset=50") {
		t.Fatalf("next %q", next)
	}
	_, body = call(t, srv, "GET", strings.TrimPrefix(next, srv.URL), auth, "")
	page = body.(map[string]any)
	if len(page["results"].([]any)) != 10 || page["next"] != nil || page["previous"] == nil {
		t.Fatalf("second page %s", js(page))
	}
	srv.SetMaxPageSize(20)
	for _, q := range []string{"limit=1000", "limit=0"} {
		_, body = call(t, srv, "GET", "/api/ipam/ip-addresses/?"+q, auth, "")
		if n := len(body.(map[string]any)["results"].([]any)); n != 20 {
			t.Errorf("%s: %d results, want the cap 20", q, n)
		}
	}
}

func TestFieldsAndBrief(t *testing.T) {
	srv, auth := seeded(t)
	_, body := call(t, srv, "GET", "/api/ipam/ip-addresses/?limit=1&fields=id,address,nonsense", auth, "")
	if got := js(body.(map[string]any)["results"]); got != fmt.Sprintf(`[{"address":"10.0.0.1/24","id":%d}]`, first) {
		t.Errorf("fields: %s", got)
	}
	_, body = call(t, srv, "GET", "/api/ipam/ip-addresses/?limit=1&brief=1", auth, "")
	if n := len(body.(map[string]any)["results"].([]any)[0].(map[string]any)); n != 6 {
		t.Errorf("brief has %d fields", n)
	}
}

func TestDetailPatchAndErrors(t *testing.T) {
	srv, auth := seeded(t)
	srv.AddCustomField(netboxtest.CustomFieldDef{Name: "speed_orig"})
	status, body := call(t, srv, "GET", "/api/ipam/ip-addresses/999/", auth, "")
	if status != 404 || js(body) != `{"detail":"No IPAddress matches the given query."}` {
		t.Errorf("404: %d %s", status, js(body))
	}
	status, body = call(t, srv, "PATCH", fmt.Sprintf("/api/ipam/ip-addresses/%d/", first), auth, `{"custom_fields": {"speed_orig": 100}}`)
	cf := body.(map[string]any)["custom_fields"]
	if status != 200 || js(cf) != `{"speed":100,"speed_orig":100}` {
		t.Errorf("merge: %d %s", status, js(cf))
	}
	for _, tc := range []struct{ body, want string }{
		{`{"custom_fields": {"speed": "100"}}`, `{"__all__":["Invalid value for custom field 'speed': Value must be an integer."]}`},
		{`{"custom_fields": {"speed": 1.5}}`, `{"__all__":["Invalid value for custom field 'speed': Value must be an integer."]}`},
		{`{"custom_fields": {"speed": true}}`, `{"__all__":["Invalid value for custom field 'speed': Value must be an integer."]}`},
		{`{"custom_fields": [1]}`, `{"custom_fields":["Invalid data format. Custom field data must be passed as a dictionary mapping field names to their values."]}`},
	} {
		status, body := call(t, srv, "PATCH", fmt.Sprintf("/api/ipam/ip-addresses/%d/", first), auth, tc.body)
		if status != 400 || js(body) != tc.want {
			t.Errorf("%s: %d %s", tc.body, status, js(body))
		}
	}
	status, body = call(t, srv, "PATCH", fmt.Sprintf("/api/ipam/ip-addresses/%d/", first), auth, `{"custom_fields": {"speed": null}}`)
	if status != 200 || js(body.(map[string]any)["custom_fields"]) != `{"speed":null,"speed_orig":100}` {
		t.Errorf("clear: %d %s", status, js(body))
	}
}

func TestBulkPatch(t *testing.T) {
	srv, auth := seeded(t)
	status, body := call(t, srv, "PATCH", "/api/ipam/ip-addresses/", auth,
		fmt.Sprintf(`[{"id": %d, "custom_fields": {"speed": 1}}, {"id": %d, "custom_fields": {"speed": "x"}}]`, first, second))
	if status != 400 || js(body) != `{"__all__":["Invalid value for custom field 'speed': Value must be an integer."]}` {
		t.Fatalf("bulk 400: %d %s", status, js(body))
	}
	if ip, _ := srv.IP(first); string(ip.CustomFields["speed"]) != "100" {
		t.Fatalf("bulk PATCH not atomic: speed %s", ip.CustomFields["speed"])
	}
	status, body = call(t, srv, "PATCH", "/api/ipam/ip-addresses/", auth, `[{"id": 1}, {"custom_fields": {}}]`)
	if status != 400 || js(body) != `[{},{"id":["This field is required."]}]` {
		t.Fatalf("bulk without id: %d %s", status, js(body))
	}
	status, body = call(t, srv, "PATCH", "/api/ipam/ip-addresses/", auth,
		fmt.Sprintf(`[{"id": %d, "custom_fields": {"speed": 1}}, {"id": 777, "custom_fields": {"speed": 1}}]`, first))
	if status != 200 || len(body.([]any)) != 1 {
		t.Fatalf("bulk: %d %s", status, js(body))
	}
}

func TestFaultsAndRequestLog(t *testing.T) {
	srv, auth := seeded(t)
	srv.FailNext("GET", "/api/ipam/ip-addresses/", 503, 1)
	if status, _ := call(t, srv, "GET", "/api/ipam/ip-addresses/", auth, ""); status != 503 {
		t.Errorf("fault: %d", status)
	}
	if status, _ := call(t, srv, "GET", "/api/ipam/ip-addresses/?address=10.0.0.1", auth, ""); status != 200 {
		t.Errorf("after fault: %d", status)
	}
	srv.DropNext("", "", 1)
	// No keep-alive: Go's transport would silently retry a GET on a reused connection.
	noReuse := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	if _, err := noReuse.Get(srv.URL + "/api/status/"); err == nil {
		t.Error("dropped connection answered")
	}
	srv.InjectFault(netboxtest.Fault{Latency: 50 * time.Millisecond})
	start := time.Now()
	call(t, srv, "GET", "/api/status/", auth, "")
	if time.Since(start) < 50*time.Millisecond {
		t.Error("latency not applied")
	}
	log := srv.Requests()
	if len(log) != 4 || log[0].Status != 503 || log[1].Query.Get("address") != "10.0.0.1" || log[2].Status != 0 || log[3].Path != "/api/status/" {
		t.Fatalf("log %+v", log)
	}
	srv.ResetRequests()
	if len(srv.Requests()) != 0 {
		t.Fatal("log not reset")
	}
}

func TestJournalAndCustomFieldEndpoints(t *testing.T) {
	srv, auth := seeded(t)
	status, body := call(t, srv, "POST", "/api/extras/custom-fields/", auth, `{"name": "speed", "type": "integer", "object_types": ["ipam.ipaddress"]}`)
	if status != 400 || js(body) != `{"name":["custom field with this name already exists."]}` {
		t.Errorf("duplicate: %d %s", status, js(body))
	}
	status, body = call(t, srv, "POST", "/api/extras/journal-entries/", auth, fmt.Sprintf(`{"assigned_object_type": "ipam.ipaddress", "assigned_object_id": %d, "comments": "hi"}`, first))
	if status != 201 || body.(map[string]any)["kind"].(map[string]any)["value"] != "info" {
		t.Errorf("journal: %d %s", status, js(body))
	}
	status, body = call(t, srv, "POST", "/api/extras/journal-entries/", auth, fmt.Sprintf(`{"assigned_object_type": "ipam.ipaddress", "assigned_object_id": %d}`, first))
	if status != 400 || js(body) != `{"comments":["This field is required."]}` {
		t.Errorf("journal without comments: %d %s", status, js(body))
	}
	if n := count2(t, srv, auth, fmt.Sprintf("/api/extras/journal-entries/?assigned_object_id=%d", first)); n != 1 {
		t.Errorf("journal list %d", n)
	}
}

func count2(t *testing.T, srv *netboxtest.Server, auth, path string) int {
	_, body := call(t, srv, "GET", path, auth, "")
	return int(body.(map[string]any)["count"].(float64))
}

func TestUnstartedServer(t *testing.T) {
	srv := netboxtest.NewUnstartedServer(t)
	srv.SetPageSize(2)
	srv.Start()
	for i := range 3 {
		srv.AddIP(netboxtest.IP{Address: fmt.Sprintf("10.0.0.%d/32", i+1)})
	}
	_, body := call(t, srv, "GET", "/api/ipam/ip-addresses/", "Token "+srv.Token, "")
	if n := len(body.(map[string]any)["results"].([]any)); n != 2 {
		t.Fatalf("page size %d", n)
	}
	if srv.Config().URL != srv.URL || srv.Config().Token != srv.Token {
		t.Fatal("config does not match server")
	}
}
