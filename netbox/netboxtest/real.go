package netboxtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spoje-net/isptools/netbackend/runlock"
	"github.com/spoje-net/isptools/netbox"
)

// Environment variables naming a real NetBox for the tests that run
// against one (see [RealFromEnv]).
const (
	// EnvRealURL is the NetBox root URL, e.g. http://127.0.0.1:8001.
	EnvRealURL = "ISPTOOLS_NETBOX_URL"
	// EnvRealToken is a v1 API token with write permission.
	EnvRealToken = "ISPTOOLS_NETBOX_TOKEN"
	// EnvRealROToken is a v1 API token without write permission (optional;
	// the read-only tests skip without it).
	EnvRealROToken = "ISPTOOLS_NETBOX_RO_TOKEN"
)

// Real is a real NetBox for tests. The test seeds its own custom fields,
// tenants and IP addresses through it; each is deleted when the test ends
// (and leftovers of an interrupted earlier run are deleted before seeding),
// so the tests can run again and again against one server. Tests sharing a
// server must use their own addresses, tenant names and field names.
type Real struct {
	// URL is the NetBox root, without /api.
	URL string
	// Token has write permission; ReadOnlyToken (possibly empty) has not.
	Token, ReadOnlyToken string

	t  testing.TB
	hc *http.Client

	once    sync.Once
	version string
}

// RealFromEnv returns the NetBox named by ISPTOOLS_NETBOX_URL and
// ISPTOOLS_NETBOX_TOKEN, or skips the test with a message saying how to
// get one when they are unset.
func RealFromEnv(t testing.TB) *Real {
	t.Helper()
	u, tok := strings.TrimSpace(os.Getenv(EnvRealURL)), strings.TrimSpace(os.Getenv(EnvRealToken))
	if u == "" || tok == "" {
		t.Skipf("no real NetBox configured: set %s and %s (a local NetBox 4.4: PREFIX=/tmp/nb bash ../shared/netbox/start.sh, "+
			"then source /tmp/nb/env and map NETBOX_URL/NETBOX_TOKEN/NETBOX_RO_TOKEN; see README \"Tests against a real NetBox\")",
			EnvRealURL, EnvRealToken)
	}
	u = strings.TrimSuffix(u, "/")
	holdServer(t, u)
	return &Real{URL: u, Token: tok, ReadOnlyToken: strings.TrimSpace(os.Getenv(EnvRealROToken)),
		t: t, hc: &http.Client{Timeout: 5 * time.Minute}}
}

// serverLocks are the real NetBoxes this test process holds, by URL.
var serverLocks = struct {
	sync.Mutex
	held map[string]*runlock.Lock
}{held: map[string]*runlock.Lock{}}

// serverWait is how long a test process waits for another one using the
// same NetBox, well inside go test's default timeout of 10 minutes.
const serverWait = 8 * time.Minute

// holdServer makes this test process the only one using the NetBox at u
// until it exits. The packages of one go test run are separate processes,
// and two runs of the suite on one machine share a server too; their tests
// seed the same addresses and names, so they must not run at once. The
// lock is a file lock ([runlock]) named after u, taken on the first use in
// a process and released by the kernel when the process ends.
func holdServer(t testing.TB, u string) {
	t.Helper()
	serverLocks.Lock()
	defer serverLocks.Unlock()
	if serverLocks.held[u] != nil {
		return
	}
	start := time.Now()
	l, err := runlock.Acquire(context.Background(), runlock.Config{Key: "isptools real NetBox tests " + u, Timeout: serverWait})
	if err != nil {
		t.Fatalf("netboxtest: another test process keeps using the real NetBox %s: %v", u, err)
	}
	if waited := time.Since(start); waited > time.Second {
		t.Logf("netboxtest: waited %s for another test process using the real NetBox %s", waited.Round(time.Second), u)
	}
	serverLocks.held[u] = l // kept reachable: the lock lives as long as the process
}

// Config returns a client configuration for the server with generous
// timeouts (a real NetBox on a loaded CI machine is slow).
func (r *Real) Config() netbox.Config {
	return netbox.Config{URL: r.URL, Token: r.Token, Timeout: time.Minute, WriteTimeout: 5 * time.Minute,
		RetryMax: 2, RetryWaitMin: 100 * time.Millisecond, RetryWaitMax: time.Second}
}

// Client returns a client for the server using Config.
func (r *Real) Client() *netbox.Client {
	r.t.Helper()
	c, err := netbox.New(r.Config())
	if err != nil {
		r.t.Fatalf("netboxtest: real NetBox client: %v", err)
	}
	return c
}

// Version returns the server's NetBox version.
func (r *Real) Version() string {
	r.t.Helper()
	r.once.Do(func() {
		var st struct {
			V string `json:"netbox-version"`
		}
		r.must(http.MethodGet, "/api/status/", nil, &st)
		r.version = st.V
	})
	return r.version
}

// Do sends one request with the write token and decodes a JSON answer
// into out (when non-nil); it returns the status and the raw body.
func (r *Real) Do(method, path string, body, out any) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, r.URL+path, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Token "+r.Token)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", "application/json")
	resp, err := r.hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, nil, err
	}
	if out != nil && resp.StatusCode < 300 && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			return resp.StatusCode, data, err
		}
	}
	return resp.StatusCode, data, nil
}

func (r *Real) must(method, path string, body, out any) {
	r.t.Helper()
	status, data, err := r.Do(method, path, body, out)
	if err != nil || status >= 300 {
		r.t.Fatalf("netboxtest: real NetBox %s %s: %d %v\n%s", method, path, status, err, clip(data))
	}
}

func clip(b []byte) string {
	if len(b) > 500 {
		return string(b[:500]) + "..."
	}
	return string(b)
}

// ids lists the ids of the objects of a list endpoint matching q.
func (r *Real) ids(path string, q url.Values) []int64 {
	r.t.Helper()
	q.Set("limit", "1000")
	var page struct {
		Results []struct {
			ID int64 `json:"id"`
		} `json:"results"`
	}
	r.must(http.MethodGet, path+"?"+q.Encode(), nil, &page)
	out := make([]int64, 0, len(page.Results))
	for _, o := range page.Results {
		out = append(out, o.ID)
	}
	return out
}

// remove deletes objects of a list endpoint by id (one bulk DELETE).
func (r *Real) remove(path string, ids []int64) {
	r.t.Helper()
	if len(ids) == 0 {
		return
	}
	body := make([]map[string]int64, len(ids))
	for i, id := range ids {
		body[i] = map[string]int64{"id": id}
	}
	status, data, err := r.Do(http.MethodDelete, path, body, nil)
	if err != nil || (status >= 300 && status != http.StatusNotFound) {
		r.t.Errorf("netboxtest: real NetBox cleanup DELETE %s %v: %d %v %s", path, ids, status, err, clip(data))
	}
}

// AddCustomField defines a custom field (deleting a leftover of the same
// name first) and deletes it when the test ends.
func (r *Real) AddCustomField(d CustomFieldDef) int64 {
	r.t.Helper()
	if d.Type == "" {
		d.Type = "integer"
	}
	if len(d.ObjectTypes) == 0 {
		d.ObjectTypes = []string{netbox.ObjectTypeIPAddress}
	}
	const path = "/api/extras/custom-fields/"
	r.remove(path, r.ids(path, url.Values{"name": {d.Name}}))
	key := "object_types"
	if strings.HasPrefix(r.Version(), "3.") {
		key = "content_types"
	}
	body := map[string]any{"name": d.Name, "label": d.Label, "type": d.Type, key: d.ObjectTypes, "required": d.Required,
		"description": "isptools test field"}
	if d.Min != nil {
		body["validation_minimum"] = *d.Min
	}
	if d.Max != nil {
		body["validation_maximum"] = *d.Max
	}
	var out struct {
		ID int64 `json:"id"`
	}
	r.must(http.MethodPost, path, body, &out)
	r.t.Cleanup(func() { r.remove(path, []int64{out.ID}) })
	return out.ID
}

// RemoveCustomField deletes a custom field definition by name now.
func (r *Real) RemoveCustomField(name string) {
	r.t.Helper()
	const path = "/api/extras/custom-fields/"
	r.remove(path, r.ids(path, url.Values{"name": {name}}))
}

// AddTenant adds a tenant (deleting leftovers with its name or slug, and
// their IP addresses) and deletes it when the test ends.
func (r *Real) AddTenant(name, slug string) int64 {
	r.t.Helper()
	const path = "/api/tenancy/tenants/"
	for _, q := range []url.Values{{"name": {name}}, {"slug": {slug}}} {
		old := r.ids(path, q)
		for _, id := range old {
			r.remove("/api/ipam/ip-addresses/", r.ids("/api/ipam/ip-addresses/", url.Values{"tenant_id": {fmt.Sprint(id)}}))
		}
		r.remove(path, old)
	}
	var out struct {
		ID int64 `json:"id"`
	}
	r.must(http.MethodPost, path, map[string]any{"name": name, "slug": slug, "description": "isptools test tenant"}, &out)
	r.t.Cleanup(func() { r.remove(path, []int64{out.ID}) })
	return out.ID
}

// AddIPs creates the IP addresses in one bulk POST and returns their ids
// in order. NetBox checks uniqueness against the database only, so a
// host given twice in one call ends up twice in the global table, where
// every later PATCH of either object fails (as on a real network whose
// IPAM has such duplicates). Objects at the same hosts left over from an
// interrupted run are deleted first; the new ones when the test ends.
// IP.Tenant is a tenant slug; VRF and ID are not supported.
func (r *Real) AddIPs(ips ...IP) []int64 {
	r.t.Helper()
	const path = "/api/ipam/ip-addresses/"
	var hosts []string
	body := make([]map[string]any, 0, len(ips))
	for _, ip := range ips {
		p, err := netip.ParsePrefix(ip.Address)
		if err != nil {
			r.t.Fatalf("netboxtest: AddIPs: %v", err)
		}
		if ip.VRF != "" || ip.ID != 0 {
			r.t.Fatalf("netboxtest: AddIPs: VRF and ID are not supported against a real NetBox")
		}
		hosts = append(hosts, p.Addr().String())
		if ip.CustomFields == nil {
			ip.CustomFields = map[string]any{}
		}
		o := map[string]any{"address": ip.Address, "description": ip.Description, "dns_name": ip.DNSName, "comments": ip.Comments,
			"custom_fields": ip.CustomFields}
		if ip.Status != "" {
			o["status"] = ip.Status
		}
		if ip.Tenant != "" {
			ids := r.ids("/api/tenancy/tenants/", url.Values{"slug": {ip.Tenant}})
			if len(ids) != 1 {
				r.t.Fatalf("netboxtest: AddIPs: tenant %q: %d tenants", ip.Tenant, len(ids))
			}
			o["tenant"] = ids[0]
		}
		body = append(body, o)
	}
	for i := 0; i < len(hosts); i += 100 {
		r.remove(path, r.ids(path, url.Values{"address": hosts[i:min(i+100, len(hosts))]}))
	}
	var out []struct {
		ID int64 `json:"id"`
	}
	r.must(http.MethodPost, path, body, &out)
	ids := make([]int64, len(out))
	for i, o := range out {
		ids[i] = o.ID
	}
	r.t.Cleanup(func() {
		for i := 0; i < len(ids); i += 500 {
			r.remove(path, ids[i:min(i+500, len(ids))])
		}
	})
	return ids
}

// IP reads one IP address.
func (r *Real) IP(id int64) (netbox.IPAddress, bool) {
	r.t.Helper()
	var ip netbox.IPAddress
	status, data, err := r.Do(http.MethodGet, fmt.Sprintf("/api/ipam/ip-addresses/%d/", id), nil, &ip)
	if status == http.StatusNotFound {
		return netbox.IPAddress{}, false
	}
	if err != nil || status >= 300 {
		r.t.Fatalf("netboxtest: real NetBox IP %d: %d %v %s", id, status, err, clip(data))
	}
	return ip, true
}

// ChangeCount returns how many change records NetBox keeps for the IP
// address with the given id (its creation is one of them).
func (r *Real) ChangeCount(id int64) int {
	r.t.Helper()
	var page struct {
		Count int `json:"count"`
	}
	path := "/api/core/object-changes/"
	if strings.HasPrefix(r.Version(), "3.") {
		path = "/api/extras/object-changes/"
	}
	r.must(http.MethodGet, fmt.Sprintf("%s?changed_object_type=ipam.ipaddress&changed_object_id=%d&limit=1", path, id), nil, &page)
	return page.Count
}
