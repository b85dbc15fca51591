package abraflexi

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func validConfig() Config {
	return Config{URL: "https://demo.flexibee.eu:5434", Login: "winstrom", Password: "s3cret-pw", Company: "demo"}
}

func TestConfigValidate(t *testing.T) {
	if err := validConfig().Validate(); err != nil {
		t.Fatalf("valid config: %v", err)
	}
	tests := []struct {
		name   string
		mutate func(*Config)
		want   string
	}{
		{"no url", func(c *Config) { c.URL = "" }, "URL is required"},
		{"bad url", func(c *Config) { c.URL = "not a url" }, "URL"},
		{"ftp url", func(c *Config) { c.URL = "ftp://host" }, "http or https"},
		{"no login", func(c *Config) { c.Login = "" }, "Login is required"},
		{"no password", func(c *Config) { c.Password = "" }, "Password is required"},
		{"no company", func(c *Config) { c.Company = "" }, "Company is required"},
		{"bad company", func(c *Config) { c.Company = "a/b" }, "Company"},
		{"negative page", func(c *Config) { c.PageSize = -1 }, "PageSize"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validConfig()
			tt.mutate(&c)
			err := c.Validate()
			if err == nil || !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate() = %v, want ErrInvalidConfig mentioning %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "s3cret-pw") {
				t.Fatal("password in error")
			}
			if _, err := NewClient(c); err == nil {
				t.Fatal("NewClient accepted an invalid config")
			}
		})
	}
}

func TestConfigFromEnv(t *testing.T) {
	for _, k := range []string{EnvURL, EnvLogin, EnvPassword, EnvCompany, EnvInsecure} {
		t.Setenv(k, "")
	}
	_, err := ConfigFromEnv()
	if err == nil {
		t.Fatal("no error with empty environment")
	}
	for _, k := range []string{EnvURL, EnvLogin, EnvPassword, EnvCompany} {
		if !strings.Contains(err.Error(), k) {
			t.Errorf("error %q does not name %s", err, k)
		}
	}
	t.Setenv(EnvURL, "https://flexi.example.net:5434")
	t.Setenv(EnvLogin, "api")
	t.Setenv(EnvCompany, "isp_s_r_o_")
	_, err = ConfigFromEnv()
	if err == nil || !strings.Contains(err.Error(), EnvPassword) || strings.Contains(err.Error(), EnvLogin) {
		t.Fatalf("want only %s missing, got %v", EnvPassword, err)
	}
	t.Setenv(EnvPassword, "s3cret-pw")
	cfg, err := ConfigFromEnv()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.InsecureSkipVerify {
		t.Fatal("insecure must be off by default")
	}
	t.Setenv(EnvInsecure, "true")
	if cfg, _ = ConfigFromEnv(); !cfg.InsecureSkipVerify {
		t.Fatal("ABRAFLEXI_INSECURE=true not honoured")
	}
	t.Setenv(EnvInsecure, "maybe")
	if _, err := ConfigFromEnv(); err == nil {
		t.Fatal("invalid boolean accepted")
	}
}

func TestConfigRedaction(t *testing.T) {
	c := validConfig()
	c.URL = "https://user:urlpass@host:5434"
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("cfg", "config", c)
	for _, s := range []string{c.String(), fmt.Sprintf("%v", c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c), buf.String()} {
		if strings.Contains(s, "s3cret-pw") || strings.Contains(s, "urlpass") {
			t.Errorf("secret leaked: %s", s)
		}
		if !strings.Contains(s, "REDACTED") && !strings.Contains(s, "xxxxx") {
			t.Errorf("no redaction marker: %s", s)
		}
	}
}

// TestConfigFromLookupAppsWords: every problem at once, in the apps'
// words, the password never shown, and the /c/<company> URL accepted.
func TestConfigFromLookupAppsWords(t *testing.T) {
	lookup := func(vars map[string]string) func(string) (string, bool) {
		return func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
	}
	_, err := ConfigFromLookup(lookup(map[string]string{EnvLogin: "api", EnvInsecure: "perhaps", EnvPassword: ""}))
	want := `invalid configuration: ABRAFLEXI_URL is required but not set; ABRAFLEXI_INSECURE="perhaps": not a boolean (use true/false, 1/0, yes/no or on/off); ` +
		`ABRAFLEXI_PASSWORD is required but not set; ABRAFLEXI_COMPANY is required but not set`
	if err == nil || err.Error() != want || !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("got  %v\nwant %s", err, want)
	}
	_, err = ConfigFromLookup(lookup(map[string]string{EnvURL: "ftp://flexi.example.net", EnvLogin: "api", EnvPassword: "s3cret-pw", EnvCompany: "a b"}))
	if err == nil || !strings.Contains(err.Error(), `ABRAFLEXI_URL="ftp://flexi.example.net" must be an absolute http or https URL`) ||
		!strings.Contains(err.Error(), `ABRAFLEXI_COMPANY="a b" is not a company database name`) || strings.Contains(err.Error(), "s3cret-pw") {
		t.Errorf("invalid values: %v", err)
	}
	cfg, err := ConfigFromLookup(lookup(map[string]string{EnvURL: "https://flexi.example.net:5434/c/isp_a/", EnvLogin: " api ", EnvPassword: " pw "}))
	if err != nil || cfg.URL != "https://flexi.example.net:5434" || cfg.Company != "isp_a" || cfg.Login != "api" || cfg.Password != " pw " {
		t.Errorf("company from the URL: %+v, %v", cfg, err)
	}
}
