// Package backendenv builds the network backend that NETWORK_BACKEND
// selects, configured from environment variables exactly as the apps
// blocknet and unblocknet read them, so a Go service running
// dunning.Block or dunning.Unblock uses the same backend as the apps with
// one call:
//
//	nb, err := backendenv.FromLookup(os.LookupEnv, logger)
//
// The backends and their variables:
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
// It is a package of its own because netbackend, the interface, does not
// know its implementations; this package imports them all.
package backendenv

import (
	"fmt"
	"log/slog"
	"strings"

	"github.com/spoje-net/isptools/envconf"
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

// Variables of the svn and file backends (the NetBox ones are netbox.Env*;
// HOSTS_CODE_FALLBACK is svnhosts.EnvCodeFallback).
const (
	EnvSVNURL         = "SVNURL"
	EnvSVNUser        = "SVNUSER"
	EnvSVNPass        = "SVNPASS"
	EnvSVNBin         = "SVNBIN"
	EnvSVNHostsPath   = "SVN_HOSTS_PATH"
	EnvSVNWorkingCopy = "SVN_WORKING_COPY"
	EnvLogFile        = "LOGFILE"
	EnvHostsFile      = "HOSTS_FILE"
)

// FromLookup returns the backend NETWORK_BACKEND selects (default svn),
// configured from its variables read through lookup (os.LookupEnv, or one
// that also sees a .env file; nil means the process environment), as
// blocknet and unblocknet build it. log receives the backend's debug logs
// (nil discards them).
//
// Building a backend does not contact it; it checks what can be checked
// on this machine (the svn binary, the hosts file, the working copy). Any
// problem is a configuration problem: the error is an [*envconf.Error]
// naming every bad variable once (with its value, secrets masked), in
// the apps' words, and the backend is nil.
func FromLookup(lookup envconf.Lookup, log *slog.Logger) (netbackend.Backend, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	env := envconf.New(lookup)
	kind := env.Enum(EnvBackend, SVN, SVN, File, NetBox)
	if err := env.Err(); err != nil {
		return nil, err
	}
	var nb netbackend.Backend
	var err error
	switch kind {
	case File:
		nb, err = fileFromEnv(env, log)
	case NetBox:
		nb, err = netboxFromEnv(env, log)
	default:
		nb, err = svnFromEnv(env, log)
	}
	if err != nil {
		// The backends name the variable after their package prefix.
		text := strings.TrimPrefix(strings.TrimPrefix(err.Error(), "svnhosts: "), "netbox: ")
		env.Errorf("%s", text)
	}
	if err := env.Err(); err != nil {
		return nil, err
	}
	return nb, nil
}

func fileFromEnv(env *envconf.Env, log *slog.Logger) (netbackend.Backend, error) {
	path := env.String(EnvHostsFile, "")
	logFile := env.String(EnvLogFile, "")
	match := codeMatch(env)
	if path == "" {
		env.Errorf("%s is required for %s=%s", EnvHostsFile, EnvBackend, File)
	}
	if env.Err() != nil {
		return nil, nil
	}
	return svnhosts.NewFileBackend(svnhosts.FileConfig{Path: path, LogFile: logFile, CodeMatch: match, Logger: log})
}

func svnFromEnv(env *envconf.Env, log *slog.Logger) (netbackend.Backend, error) {
	match := codeMatch(env)
	url := env.String(EnvSVNURL, "")
	if url == "" {
		env.Errorf("%s is required for %s=%s", EnvSVNURL, EnvBackend, SVN)
	}
	password, _ := env.Lookup(EnvSVNPass) // not trimmed: spaces may be part of it
	cfg := svnhosts.Config{
		URL:         url,
		User:        env.String(EnvSVNUser, ""),
		Password:    strings.TrimRight(password, "\r\n"),
		SVNBin:      env.String(EnvSVNBin, "svn"),
		HostsPath:   env.String(EnvSVNHostsPath, svnhosts.DefaultHostsPath),
		LogFile:     env.String(EnvLogFile, ""),
		WorkingCopy: env.String(EnvSVNWorkingCopy, ""),
		CodeMatch:   match,
		Logger:      log,
	}
	if env.Err() != nil {
		return nil, nil
	}
	return svnhosts.NewRepo(cfg)
}

// codeMatch reads HOSTS_CODE_FALLBACK: empty for exact {code:X} tokens
// only, word for the PHP tool's whole-word fallback (risky, see
// svnhosts.MatchWord).
func codeMatch(env *envconf.Env) svnhosts.CodeMatch {
	v := env.String(svnhosts.EnvCodeFallback, "")
	m, err := svnhosts.ParseCodeMatch(v)
	if err != nil {
		env.Errorf("%s", strings.TrimPrefix(err.Error(), "svnhosts: ")) // names the variable and its value
	}
	return m
}

func netboxFromEnv(env *envconf.Env, log *slog.Logger) (netbackend.Backend, error) {
	url := env.String(netbox.EnvURL, "")
	token := env.String(netbox.EnvToken, "")
	var missing []string
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
		env.Errorf("%s%s required for %s=%s", strings.Join(missing, " and "), verb, EnvBackend, NetBox)
	}
	rawLookup := env.String(netbox.EnvCustomerLookup, "")
	lookup, field, err := netbox.ParseLookup(rawLookup)
	if err != nil {
		env.Errorf("%s: %v", netbox.EnvCustomerLookup, err) // the error quotes the value
	}
	cfg := netbox.BackendConfig{
		Lookup:         lookup,
		LookupField:    field,
		SpeedField:     env.String(netbox.EnvSpeedField, ""),
		OrigSpeedField: env.String(netbox.EnvOrigSpeedField, ""),
		Journal:        env.Bool(netbox.EnvJournal, false),
	}
	if env.Err() != nil {
		return nil, nil
	}
	client, err := netbox.New(netbox.Config{URL: url, Token: token, Logger: log})
	if err != nil {
		return nil, fmt.Errorf("%s/%s: %w", netbox.EnvURL, netbox.EnvToken, err)
	}
	b, err := netbox.NewBackend(client, cfg)
	if err != nil {
		return nil, fmt.Errorf("%w (check %s, %s and %s)", err, netbox.EnvCustomerLookup, netbox.EnvSpeedField, netbox.EnvOrigSpeedField)
	}
	return b, nil
}
