package netbox_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/spoje-net/isptools/netbox"
)

// A server that echoes the Authorization header in its error body must not
// get the token into the error text, which ends up in logs and reports.
func TestErrorBodyNeverCarriesTheToken(t *testing.T) {
	const token = "0123456789abcdef0123456789abcdef01234567"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte(`{"detail": "bad header ` + r.Header.Get("Authorization") + `"}`))
	}))
	defer srv.Close()
	c, err := netbox.New(netbox.Config{URL: srv.URL, Token: token, RetryMax: -1})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.IPAddress(context.Background(), 1)
	var apiErr *netbox.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("err = %v, want *APIError", err)
	}
	if strings.Contains(err.Error(), token) || strings.Contains(string(apiErr.Body), token) || strings.Contains(apiErr.Detail, token) {
		t.Fatalf("token leaked: %v / %s", err, apiErr.Body)
	}
	if !strings.Contains(err.Error(), "REDACTED") {
		t.Fatalf("error lost the rest of the body: %v", err)
	}
}
