package connect

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/abraflexi/abraflexitest"
	"github.com/spoje-net/isptools/examples/internal/appkit"
)

func TestAbraFlexiNamesMissingVariables(t *testing.T) {
	env := appkit.NewEnv(nil, map[string]string{"ABRAFLEXI_LOGIN": "u", "ABRAFLEXI_INSECURE": "perhaps"})
	c, err := AbraFlexi(env, nil)
	if c != nil || err == nil {
		t.Fatalf("client %v, error %v", c, err)
	}
	for _, name := range []string{"ABRAFLEXI_URL", "ABRAFLEXI_PASSWORD", "ABRAFLEXI_COMPANY", "ABRAFLEXI_INSECURE"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error does not name %s: %v", name, err)
		}
	}
	if strings.Contains(err.Error(), "ABRAFLEXI_LOGIN") {
		t.Errorf("error names the set ABRAFLEXI_LOGIN: %v", err)
	}
}

func TestAbraFlexiConnects(t *testing.T) {
	srv := abraflexitest.NewServer(t)
	cfg := srv.Config()
	env := appkit.NewEnv(nil, map[string]string{"ABRAFLEXI_URL": cfg.URL, "ABRAFLEXI_LOGIN": cfg.Login,
		"ABRAFLEXI_PASSWORD": cfg.Password, "ABRAFLEXI_COMPANY": cfg.Company})
	c, err := AbraFlexi(env, nil)
	if err != nil || c == nil {
		t.Fatalf("client %v, error %v", c, err)
	}
}

func TestAbraFlexiCompanyFromTheURL(t *testing.T) {
	srv := abraflexitest.NewServer(t)
	cfg := srv.Config()
	base := map[string]string{"ABRAFLEXI_URL": cfg.URL + "/c/" + cfg.Company, "ABRAFLEXI_LOGIN": cfg.Login, "ABRAFLEXI_PASSWORD": cfg.Password}
	for _, company := range []string{"", cfg.Company} {
		vars := map[string]string{"ABRAFLEXI_COMPANY": company}
		for k, v := range base {
			vars[k] = v
		}
		c, err := AbraFlexi(appkit.NewEnv(nil, vars), nil)
		if err != nil || c == nil {
			t.Fatalf("ABRAFLEXI_COMPANY=%q with the company in the URL: client %v, error %v", company, c, err)
		}
		if _, err := c.Addresses.All(context.Background(), abraflexi.ListOptions{}); err != nil {
			t.Errorf("listing through the client: %v", err)
		}
	}
	base["ABRAFLEXI_COMPANY"] = "other"
	c, err := AbraFlexi(appkit.NewEnv(nil, base), nil)
	var ce *appkit.ConfigError
	if c != nil || !errors.As(err, &ce) || !strings.Contains(err.Error(), `/c/`+cfg.Company+`" names company "`+cfg.Company+`", but ABRAFLEXI_COMPANY="other"`) {
		t.Errorf("contradicting companies: client %v, error %v; want a configuration error naming both", c, err)
	}
}
