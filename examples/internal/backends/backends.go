// Package backends builds the network backend the apps blocknet and
// unblocknet use, chosen by NETWORK_BACKEND:
//
//   - svn (default): the hosts file in a Subversion repository
//     (svnhosts.Repo) — SVNURL (required), SVNUSER, SVNPASS, SVNBIN
//     (default svn on PATH), SVN_HOSTS_PATH (default hosts), LOGFILE,
//     SVN_WORKING_COPY, HOSTS_CODE_FALLBACK;
//   - file: a local hosts file (svnhosts.FileBackend) — HOSTS_FILE
//     (required), LOGFILE, HOSTS_CODE_FALLBACK;
//   - netbox: NetBox IPAM (netbox.Backend) — NETBOXURL and NETBOXTOKEN
//     (required), NETBOX_CUSTOMER_LOOKUP, NETBOX_SPEED_FIELD,
//     NETBOX_ORIG_SPEED_FIELD, NETBOX_JOURNAL.
//
// Variables are read through appkit.Env, so the .env file counts; every
// error names the missing or invalid variable and never shows a secret.
package backends

import (
	"fmt"
	"log/slog"
	"strings"

	"github.com/spoje-net/isptools/examples/internal/appkit"
	"github.com/spoje-net/isptools/netbackend"
	"github.com/spoje-net/isptools/netbox"
	"github.com/spoje-net/isptools/svnhosts"
)

// EnvBackend is the variable selecting the backend.
const EnvBackend = "NETWORK_BACKEND"

// The values of NETWORK_BACKEND.
const (
	SVN    = "svn"
	File   = "file"
	NetBox = "netbox"
)

// FromEnv returns the backend NETWORK_BACKEND selects (default svn),
// configured from its variables. log receives the backend's debug logs
// (nil discards them).
func FromEnv(env *appkit.Env, log *slog.Logger) (netbackend.Backend, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	kind := env.Enum(EnvBackend, SVN, SVN, File, NetBox)
	if err := env.Err(); err != nil {
		return nil, err
	}
	switch kind {
	case File:
		path := env.String("HOSTS_FILE", "")
		if path == "" {
			return nil, fmt.Errorf("HOSTS_FILE is required for %s=%s", EnvBackend, File)
		}
		match, err := codeMatch(env)
		if err != nil {
			return nil, err
		}
		return svnhosts.NewFileBackend(svnhosts.FileConfig{Path: path, LogFile: env.String("LOGFILE", ""), CodeMatch: match, Logger: log})
	case NetBox:
		return netboxFromEnv(env, log)
	}
	match, err := codeMatch(env)
	if err != nil {
		return nil, err
	}
	url := env.String("SVNURL", "")
	if url == "" {
		return nil, fmt.Errorf("SVNURL is required for %s=%s", EnvBackend, SVN)
	}
	password, _ := env.Lookup("SVNPASS") // not trimmed: spaces may be part of it
	return svnhosts.NewRepo(svnhosts.Config{
		URL:         url,
		User:        env.String("SVNUSER", ""),
		Password:    strings.TrimRight(password, "\r\n"),
		SVNBin:      env.String("SVNBIN", "svn"),
		HostsPath:   env.String("SVN_HOSTS_PATH", svnhosts.DefaultHostsPath),
		LogFile:     env.String("LOGFILE", ""),
		WorkingCopy: env.String("SVN_WORKING_COPY", ""),
		CodeMatch:   match,
		Logger:      log,
	})
}

// codeMatch reads HOSTS_CODE_FALLBACK: empty for exact {code:X} tokens
// only, word for the PHP tool's whole-word fallback (risky, see
// svnhosts.MatchWord).
func codeMatch(env *appkit.Env) (svnhosts.CodeMatch, error) {
	return svnhosts.ParseCodeMatch(env.String(svnhosts.EnvCodeFallback, ""))
}

func netboxFromEnv(env *appkit.Env, log *slog.Logger) (netbackend.Backend, error) {
	var missing []string
	url := env.String(netbox.EnvURL, "")
	token := env.String(netbox.EnvToken, "")
	if url == "" {
		missing = append(missing, netbox.EnvURL)
	}
	if token == "" {
		missing = append(missing, netbox.EnvToken)
	}
	if len(missing) > 0 {
		verb := " is"
		if len(missing) > 1 {
			verb = " are"
		}
		return nil, fmt.Errorf("%s%s required for %s=%s", strings.Join(missing, " and "), verb, EnvBackend, NetBox)
	}
	lookup, field, err := netbox.ParseLookup(env.String(netbox.EnvCustomerLookup, ""))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", netbox.EnvCustomerLookup, err)
	}
	client, err := netbox.New(netbox.Config{URL: url, Token: token, Logger: log})
	if err != nil {
		return nil, fmt.Errorf("%s/%s: %w", netbox.EnvURL, netbox.EnvToken, err)
	}
	cfg := netbox.BackendConfig{
		Lookup:         lookup,
		LookupField:    field,
		SpeedField:     env.String(netbox.EnvSpeedField, ""),
		OrigSpeedField: env.String(netbox.EnvOrigSpeedField, ""),
		Journal:        env.Bool(netbox.EnvJournal, false),
	}
	if err := env.Err(); err != nil {
		return nil, err
	}
	b, err := netbox.NewBackend(client, cfg)
	if err != nil {
		return nil, fmt.Errorf("%w (check %s, %s and %s)", err, netbox.EnvCustomerLookup, netbox.EnvSpeedField, netbox.EnvOrigSpeedField)
	}
	return b, nil
}
