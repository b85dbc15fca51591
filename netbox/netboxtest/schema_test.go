package netboxtest_test

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spoje-net/isptools/netbox/netboxtest"
)

// schemaFields scans the OpenAPI YAML for a schema under components/schemas
// and returns its required and declared properties. It is a line-based scan
// of the fixed layout of go-netbox's openapi.yaml (4-space schema names,
// 6-space keywords, 8-space properties), not a YAML parser.
func schemaFields(t *testing.T, path, schema string) (required, properties []string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	in, section := false, ""
	for sc.Scan() {
		line := sc.Text()
		indent := len(line) - len(strings.TrimLeft(line, " "))
		switch {
		case line == "    "+schema+":":
			in = true
			continue
		case !in:
			continue
		case indent <= 4 && strings.TrimSpace(line) != "":
			return required, properties // next schema
		case section == "required" && strings.HasPrefix(line, "      - "):
			required = append(required, strings.TrimPrefix(line, "      - "))
		case indent == 6:
			section = strings.TrimSuffix(strings.TrimSpace(line), ":")
		case section == "properties" && indent == 8 && strings.HasSuffix(line, ":"):
			properties = append(properties, strings.TrimSuffix(strings.TrimSpace(line), ":"))
		}
	}
	if !in {
		t.Fatalf("schema %s not found in %s", schema, path)
	}
	return required, properties
}

func referenceYAML(t *testing.T) string {
	dir := os.Getenv("ISPTOOLS_REFERENCE_DIR")
	if dir == "" {
		t.Skip("ISPTOOLS_REFERENCE_DIR not set: skipping checks against the NetBox OpenAPI schema")
	}
	return filepath.Join(dir, "netbox-samples", "go-netbox_openapi_v4.2.2.yaml")
}

func TestObjectsMatchOpenAPISchema(t *testing.T) {
	yaml := referenceYAML(t)
	ipReq, ipProps := schemaFields(t, yaml, "IPAddress")
	pageReq, pageProps := schemaFields(t, yaml, "PaginatedIPAddressList")
	if len(ipReq) < 5 || len(ipProps) < 20 || len(pageReq) != 2 || len(pageProps) != 4 {
		t.Fatalf("scan found too little: %v %v %v %v", ipReq, ipProps, pageReq, pageProps)
	}

	srv := netboxtest.NewServer(t)
	srv.AddCustomField(netboxtest.CustomFieldDef{Name: "speed"})
	srv.AddIP(netboxtest.IP{Address: "10.0.0.1/24", Tenant: "acme", CustomFields: map[string]any{"speed": 1}})
	srv.AddIP(netboxtest.IP{Address: "2001:db8::1/64"})
	_, body := call(t, srv, "GET", "/api/ipam/ip-addresses/?limit=1", "Token "+srv.Token, "")
	page := body.(map[string]any)
	for _, k := range pageProps {
		if _, ok := page[k]; !ok {
			t.Errorf("page lacks %q (required: %v)", k, pageReq)
		}
	}
	ip := page["results"].([]any)[0].(map[string]any)
	for _, k := range ipProps {
		if _, ok := ip[k]; !ok {
			t.Errorf("IP address lacks property %q", k)
		}
	}
	for _, k := range ipReq {
		if v, ok := ip[k]; !ok || v == nil {
			t.Errorf("IP address lacks required %q", k)
		}
	}
}
