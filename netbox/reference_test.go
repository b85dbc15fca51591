package netbox_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/spoje-net/isptools/netbox"
)

func sample(t *testing.T, name string) []byte {
	t.Helper()
	dir := os.Getenv("ISPTOOLS_REFERENCE_DIR")
	if dir == "" {
		t.Skip("ISPTOOLS_REFERENCE_DIR not set: skipping NetBox sample bodies")
	}
	b, err := os.ReadFile(filepath.Join(dir, "netbox-samples", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSamplesDecode(t *testing.T) {
	var ip netbox.IPAddress
	if err := json.Unmarshal(sample(t, "netbox_docs_ip_address_detail.json"), &ip); err != nil {
		t.Fatal(err)
	}
	if ip.ID != 2954 || ip.Address != "192.168.0.42/26" || ip.Family.Value != 4 || ip.Status.Value != "active" ||
		ip.AssignedObjectID == nil || *ip.AssignedObjectID != 114771 || ip.Created == nil || ip.Created.Year() != 2020 ||
		ip.LastUpdated == nil || ip.LastUpdated.Nanosecond() == 0 {
		t.Errorf("detail sample decoded as %+v", ip)
	}

	var old netbox.IPAddress // NetBox 2.0-era fixture: family and status.value are numbers
	if err := json.Unmarshal(sample(t, "pynetbox_fixture_ip_address.json"), &old); err != nil {
		t.Fatal(err)
	}
	if old.Family.Value != 4 || old.Status.Value != "1" || old.Address != "10.0.255.1/32" {
		t.Errorf("old sample decoded as %+v", old)
	}

	var page netbox.Page[netbox.IPAddress]
	if err := json.Unmarshal(sample(t, "pynetbox_fixture_ip_addresses.json"), &page); err != nil {
		t.Fatal(err)
	}
	if page.Count == nil || *page.Count != 18 || page.Next != nil || len(page.Results) == 0 {
		t.Errorf("list sample decoded as %+v", page)
	}
}

func TestSampleErrorBodies(t *testing.T) {
	for _, tc := range []struct {
		file   string
		status int
		is     error
		detail string
	}{
		{"netbox_docs_403_no_credentials.json", 403, netbox.ErrForbidden, "Authentication credentials were not provided."},
		{"pynetbox_fixture_404_not_found.json", 404, netbox.ErrNotFound, "Not found."},
	} {
		body := sample(t, tc.file)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(tc.status)
			_, _ = w.Write(body)
		}))
		c, _ := netbox.New(netbox.Config{URL: srv.URL, Token: "t"})
		_, err := c.IPAddress(context.Background(), 1)
		srv.Close()
		var apiErr *netbox.APIError
		if !errors.Is(err, tc.is) || !errors.As(err, &apiErr) || apiErr.Detail != tc.detail {
			t.Errorf("%s: %v", tc.file, err)
		}
	}
}
