// Package connect opens the connections the isptools apps share, configured
// from the app's [appkit.Env]: today the AbraFlexi client every Pipeline A
// and Pipeline B app uses.
package connect

import (
	"fmt"
	"log/slog"
	"net/url"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/examples/internal/appkit"
)

// AbraFlexi builds the AbraFlexi client from ABRAFLEXI_URL, ABRAFLEXI_LOGIN,
// ABRAFLEXI_PASSWORD, ABRAFLEXI_COMPANY and ABRAFLEXI_INSECURE (default
// false). ABRAFLEXI_URL may end in /c/<company>; ABRAFLEXI_COMPANY may then
// be empty, and naming another company is a configuration error. Missing variables are recorded in env (and named by
// [appkit.Env.Err]); the client is nil then, and the returned error is every
// configuration error recorded so far. The password is taken verbatim and
// never appears in errors.
func AbraFlexi(env *appkit.Env, log *slog.Logger) (*abraflexi.Client, error) {
	password, _ := env.Lookup(abraflexi.EnvPassword)
	if password == "" {
		env.Errorf("%s is required but not set", abraflexi.EnvPassword)
	}
	cfg := abraflexi.Config{
		URL:                env.Required(abraflexi.EnvURL),
		Login:              env.Required(abraflexi.EnvLogin),
		Password:           password,
		Company:            env.String(abraflexi.EnvCompany, ""),
		InsecureSkipVerify: env.Bool(abraflexi.EnvInsecure, false),
	}
	// ABRAFLEXI_URL may carry the company (…/c/<company>): then
	// ABRAFLEXI_COMPANY may be empty, or must name the same company.
	switch fromURL := abraflexi.CompanyFromURL(cfg.URL); {
	case cfg.Company == "" && fromURL == "":
		env.Errorf("%s is required but not set (or end %s with /c/<company>)", abraflexi.EnvCompany, abraflexi.EnvURL)
	case cfg.Company != "" && fromURL != "" && cfg.Company != fromURL:
		shown := cfg.URL
		if u, err := url.Parse(cfg.URL); err == nil {
			shown = u.Redacted()
		}
		env.Errorf("%s=%q names company %q, but %s=%q; set %s to the server's address only, or make them agree",
			abraflexi.EnvURL, shown, fromURL, abraflexi.EnvCompany, cfg.Company, abraflexi.EnvURL)
	}
	if err := env.Err(); err != nil {
		return nil, err
	}
	c, err := abraflexi.NewClient(cfg, abraflexi.WithLogger(log))
	if err != nil {
		return nil, fmt.Errorf("AbraFlexi connection (ABRAFLEXI_URL, ABRAFLEXI_LOGIN, ABRAFLEXI_PASSWORD, ABRAFLEXI_COMPANY): %w", err)
	}
	return c, nil
}
