package connect

import (
	"strings"
	"testing"

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
