// Package backends builds the network backend the apps blocknet and
// unblocknet use, chosen by NETWORK_BACKEND, with
// [backendenv.FromLookup]: svn (default; SVNURL, SVNUSER, SVNPASS,
// SVNBIN, SVN_HOSTS_PATH, LOGFILE, SVN_WORKING_COPY, HOSTS_CODE_FALLBACK),
// file (HOSTS_FILE, LOGFILE, HOSTS_CODE_FALLBACK) or netbox (NETBOXURL,
// NETBOXTOKEN, NETBOX_CUSTOMER_LOOKUP, NETBOX_SPEED_FIELD,
// NETBOX_ORIG_SPEED_FIELD, NETBOX_JOURNAL).
//
// Variables are read through appkit.Env, so the .env file counts; every
// error names the missing or invalid variable and never shows a secret.
package backends

import (
	"log/slog"

	"github.com/spoje-net/isptools/examples/internal/appkit"
	"github.com/spoje-net/isptools/netbackend"
	"github.com/spoje-net/isptools/netbackend/backendenv"
)

// EnvBackend is the variable selecting the backend.
const EnvBackend = backendenv.EnvBackend

// The values of NETWORK_BACKEND.
const (
	SVN    = backendenv.SVN
	File   = backendenv.File
	NetBox = backendenv.NetBox
)

// FromEnv returns the backend NETWORK_BACKEND selects (default svn),
// configured from its variables ([backendenv.FromLookup]). log receives
// the backend's debug logs (nil discards them). Problems are recorded in
// env and returned with every other problem recorded so far.
func FromEnv(env *appkit.Env, log *slog.Logger) (netbackend.Backend, error) {
	nb, err := backendenv.FromLookup(env.Lookup, log)
	if err != nil {
		env.Record(err)
		return nil, env.Err()
	}
	return nb, nil
}
