package apps_test

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestCompanyInTheURL: ABRAFLEXI_URL ending in /c/<company> supplies the
// company, so ABRAFLEXI_COMPANY may be left unset or empty; a different
// ABRAFLEXI_COMPANY is a configuration error of every app (exit 1, both
// variables named, no request sent).
func TestCompanyInTheURL(t *testing.T) {
	dir := binaries(t)
	srv, hosts := seeded(t)
	cfg := srv.Config()
	base := []string{"ABRAFLEXI_URL=" + cfg.URL + "/c/" + cfg.Company, "ABRAFLEXI_LOGIN=" + cfg.Login, "ABRAFLEXI_PASSWORD=" + cfg.Password}

	for _, company := range []string{"", "ABRAFLEXI_COMPANY="} {
		srv.ResetRequests()
		env := append(append([]string{}, base...), "NETWORK_BACKEND=file", "HOSTS_FILE="+hosts, "DRY_RUN=true")
		if company != "" {
			env = append(env, company)
		}
		for _, app := range []string{"abraflexi-mark-defaulters", "unblocknet"} {
			code, out, errOut := run(t, filepath.Join(dir, app), env)
			if r := report(t, out); code != 0 || r["status"] == "error" {
				t.Errorf("%s with the company in the URL (%q): exit %d\n%s\n%s", app, company, code, out, errOut)
			}
		}
		if len(srv.Requests()) == 0 {
			t.Fatal("no request reached AbraFlexi")
		}
		for _, r := range srv.Requests() {
			if !strings.HasPrefix(r.Path, "/c/"+cfg.Company+"/") {
				t.Errorf("request %s %s is not below /c/%s/", r.Method, r.Path, cfg.Company)
			}
		}
	}

	srv.ResetRequests()
	for _, app := range apps {
		t.Run(app, func(t *testing.T) {
			code, out, _ := run(t, filepath.Join(dir, app), append(append([]string{}, base...), "ABRAFLEXI_COMPANY=other_company"))
			msg, _ := report(t, out)["message"].(string)
			if code != 1 || !strings.HasPrefix(msg, "invalid configuration: ") ||
				!strings.Contains(msg, `/c/`+cfg.Company+`" names company "`+cfg.Company+`", but ABRAFLEXI_COMPANY="other_company"`) {
				t.Errorf("exit %d, message %q; want a configuration error naming both", code, msg)
			}
			if strings.Contains(msg, "ABRAFLEXI_COMPANY is required") {
				t.Errorf("ABRAFLEXI_COMPANY reported missing: %q", msg)
			}
		})
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests sent with contradicting company settings", n)
	}
}
