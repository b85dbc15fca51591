// Package connect opens the connections the isptools apps share, configured
// from the app's [appkit.Env]: today the AbraFlexi client every Pipeline A
// and Pipeline B app uses.
package connect

import (
	"fmt"
	"log/slog"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/examples/internal/appkit"
)

// AbraFlexi builds the AbraFlexi client from ABRAFLEXI_URL, ABRAFLEXI_LOGIN,
// ABRAFLEXI_PASSWORD, ABRAFLEXI_COMPANY and ABRAFLEXI_INSECURE (default
// false), read with [abraflexi.ConfigFromLookup]. Missing or bad variables
// are recorded in env (and named by [appkit.Env.Err]); the client is nil
// then, and the returned error is every configuration error recorded so
// far. The password is taken verbatim and never appears in errors.
func AbraFlexi(env *appkit.Env, log *slog.Logger) (*abraflexi.Client, error) {
	cfg, err := abraflexi.ConfigFromLookup(env.Lookup)
	env.Record(err)
	if err := env.Err(); err != nil {
		return nil, err
	}
	c, err := abraflexi.NewClient(cfg, abraflexi.WithLogger(log))
	if err != nil {
		return nil, fmt.Errorf("AbraFlexi connection (ABRAFLEXI_URL, ABRAFLEXI_LOGIN, ABRAFLEXI_PASSWORD, ABRAFLEXI_COMPANY): %w", err)
	}
	return c, nil
}
