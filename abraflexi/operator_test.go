package abraflexi_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/abraflexi/abraflexitest"
)

// The messages an operator reads in a job log name the variable to check.

func TestMessageWrongCredentials(t *testing.T) {
	srv := abraflexitest.NewServer(t)
	cfg := srv.Config()
	cfg.Login, cfg.Password = "api", "wrong-secret"
	c, err := abraflexi.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Addresses.All(context.Background(), abraflexi.ListOptions{})
	var ae *abraflexi.APIError
	if !errors.Is(err, abraflexi.ErrUnauthorized) || !errors.As(err, &ae) || ae.StatusCode != http.StatusUnauthorized {
		t.Fatalf("err = %v", err)
	}
	msg := err.Error()
	if !strings.Contains(msg, "AbraFlexi rejected ABRAFLEXI_LOGIN/ABRAFLEXI_PASSWORD") || !strings.Contains(msg, `login "api"`) {
		t.Fatalf("message %q", msg)
	}
	if strings.Contains(msg, "wrong-secret") || strings.Contains(msg, "detail=") {
		t.Fatalf("message leaks the password or the query: %q", msg)
	}
}

func TestMessageUnknownCompany(t *testing.T) {
	srv := abraflexitest.NewServer(t)
	cfg := srv.Config()
	cfg.Company = "nosuch_s_r_o"
	c, err := abraflexi.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for name, call := range map[string]func() error{
		"listing": func() error { _, err := c.Addresses.All(ctx, abraflexi.ListOptions{}); return err },
		"record":  func() error { _, err := c.Bank.Get(ctx, abraflexi.NumericID(1)); return err },
	} {
		err := call()
		var ce *abraflexi.CompanyError
		if !errors.Is(err, abraflexi.ErrUnknownCompany) || !errors.As(err, &ce) || ce.Company != "nosuch_s_r_o" {
			t.Fatalf("%s: err = %v", name, err)
		}
		if errors.Is(err, abraflexi.ErrNotFound) {
			t.Fatalf("%s: a wrong company must not read as a missing record", name)
		}
		msg := err.Error()
		if !strings.Contains(msg, `ABRAFLEXI_COMPANY="nosuch_s_r_o"`) || !strings.Contains(msg, "it has: demo") {
			t.Fatalf("%s: message %q", name, msg)
		}
	}
	// The right company: a 404 is a missing record, and the company list is
	// asked for once per client only.
	c, _ = abraflexi.NewClient(srv.Config())
	srv.ResetRequests()
	for range 3 {
		if _, err := c.Bank.Get(ctx, abraflexi.NumericID(999)); !errors.Is(err, abraflexi.ErrNotFound) || errors.Is(err, abraflexi.ErrUnknownCompany) {
			t.Fatalf("missing record: %v", err)
		}
	}
	if n := len(srv.Requests()); n != 4 {
		t.Fatalf("%d requests for 3 missing records, want 4 (one company check)", n)
	}
}

func TestConfigURLWithCompany(t *testing.T) {
	srv := abraflexitest.NewServer(t)
	cfg := srv.Config()
	cfg.URL, cfg.Company = srv.URL+"/c/"+cfg.Company+"/", ""
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	c, err := abraflexi.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if c.Company() != "demo" || c.BaseURL() != srv.URL {
		t.Fatalf("company %q, base %q", c.Company(), c.BaseURL())
	}
	if _, err := c.Addresses.All(context.Background(), abraflexi.ListOptions{}); err != nil {
		t.Fatal(err)
	}
	// The same company twice is fine; another one is a config error naming both.
	cfg.Company = "demo"
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	t.Setenv(abraflexi.EnvURL, "https://flexi.example.com:5434/c/isp_a")
	t.Setenv(abraflexi.EnvLogin, "api")
	t.Setenv(abraflexi.EnvPassword, "s3cret-pw")
	t.Setenv(abraflexi.EnvCompany, "")
	got, err := abraflexi.ConfigFromEnv()
	if err != nil || got.Company != "isp_a" || got.URL != "https://flexi.example.com:5434" {
		t.Fatalf("%v %v", got, err)
	}
	t.Setenv(abraflexi.EnvCompany, "isp_b")
	_, err = abraflexi.ConfigFromEnv()
	if !errors.Is(err, abraflexi.ErrInvalidConfig) || !strings.Contains(err.Error(), `ABRAFLEXI_URL="https://flexi.example.com:5434/c/isp_a" names company "isp_a", but ABRAFLEXI_COMPANY="isp_b"`) {
		t.Fatalf("contradiction: %v", err)
	}
	t.Setenv(abraflexi.EnvURL, "https://flexi.example.com:5434/c/isp_a/adresar")
	if _, err = abraflexi.ConfigFromEnv(); err == nil || !strings.Contains(err.Error(), "ABRAFLEXI_URL=") {
		t.Fatalf("path below the company: %v", err)
	}
	if got := abraflexi.CompanyFromURL("https://h/c/demo"); got != "demo" {
		t.Fatalf("CompanyFromURL %q", got)
	}
	if got := abraflexi.CompanyFromURL("https://h:5434"); got != "" {
		t.Fatalf("CompanyFromURL %q", got)
	}
}

func TestMessageConnectionRefusedNamesHost(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	c, err := abraflexi.NewClient(abraflexi.Config{URL: "http://" + addr, Login: "u", Password: "p", Company: "demo"},
		abraflexi.WithRetry(1, time.Millisecond, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Addresses.All(context.Background(), abraflexi.ListOptions{Filter: abraflexi.Eq("kod", "A")})
	if err == nil || !strings.Contains(err.Error(), "cannot connect to AbraFlexi at "+addr+" (ABRAFLEXI_URL)") || strings.Contains(err.Error(), "detail=") {
		t.Fatalf("err = %v", err)
	}
}

func TestMessageTLSNamesHostAndInsecure(t *testing.T) {
	ts := httptest.NewUnstartedServer(http.NotFoundHandler())
	ts.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake
	ts.StartTLS()                                   // with a certificate the client does not trust
	t.Cleanup(ts.Close)
	c, err := abraflexi.NewClient(abraflexi.Config{URL: ts.URL, Login: "u", Password: "p", Company: "demo"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Addresses.Get(context.Background(), abraflexi.NumericID(1))
	host := strings.TrimPrefix(ts.URL, "https://")
	if err == nil || !strings.Contains(err.Error(), "TLS with AbraFlexi at "+host+" failed (ABRAFLEXI_URL)") || !strings.Contains(err.Error(), "ABRAFLEXI_INSECURE=true") {
		t.Fatalf("err = %v", err)
	}
}

func TestRetriesLoggedAtWarningFullURLsAtDebugOnly(t *testing.T) {
	srv := abraflexitest.NewServer(t)
	srv.AddAddress(abraflexi.Address{Code: "A", Name: "a"})
	logAt := func(level slog.Level) string {
		var buf bytes.Buffer
		c, err := abraflexi.NewClient(srv.Config(), abraflexi.WithRetry(3, time.Millisecond, 2*time.Millisecond),
			abraflexi.WithLogger(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: level}))))
		if err != nil {
			t.Fatal(err)
		}
		srv.FailNext(2, http.StatusServiceUnavailable, abraflexitest.Matcher{Evidence: abraflexi.EvidenceAddress})
		if _, err := c.Addresses.All(context.Background(), abraflexi.ListOptions{Filter: abraflexi.Eq("kod", "A")}); err != nil {
			t.Fatal(err)
		}
		return buf.String()
	}
	info := logAt(slog.LevelInfo)
	lines := strings.Split(strings.TrimSpace(info), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d log lines at info level, want one per retry:\n%s", len(lines), info)
	}
	for _, l := range lines {
		if !strings.Contains(l, "level=WARN") || !strings.Contains(l, "abraflexi: retrying") || !strings.Contains(l, "503 Service Unavailable") ||
			!strings.Contains(l, "/c/demo/adresar/(kod eq 'A').json") || strings.Contains(l, "detail=") || len(l) > 200 {
			t.Errorf("retry line %q", l)
		}
	}
	debug := logAt(slog.LevelDebug)
	if !strings.Contains(debug, "level=DEBUG") || !strings.Contains(debug, "detail=custom") {
		t.Fatalf("no full request URL at debug level:\n%s", debug)
	}
}

func TestExtIDWithoutSystemThroughTheServer(t *testing.T) {
	srv, c := newClient(t)
	id := abraflexi.MustParseID("ext:e810294f-7d3a-4c1e-9b52-1f0c2a6d8e11")
	if _, err := c.Addresses.Upsert(context.Background(), []abraflexi.Fields{{"id": id.String(), "kod": "EXT1", "nazev": "Ext"}}, abraflexi.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	a, err := c.Addresses.Get(context.Background(), id)
	if err != nil || a.Code != "EXT1" {
		t.Fatalf("%+v %v", a, err)
	}
	if _, ok := srv.Address(id); !ok {
		t.Fatal("the server does not find the record by its ext id")
	}
	if u, _ := url.Parse(srv.URL + "/c/demo/adresar/" + id.PathSegment() + ".json"); u.EscapedPath() != "/c/demo/adresar/ext:e810294f-7d3a-4c1e-9b52-1f0c2a6d8e11.json" {
		t.Fatalf("path %s", u.EscapedPath())
	}
}
