package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/spoje-net/isptools/examples/multiflexi"
	"github.com/spoje-net/isptools/notify"
	"github.com/spoje-net/isptools/payments"
)

// demoMatchKeys is the MATCH_KEYS the demo turns on: beyond the variable
// symbol (the default), the specific symbol, the payer's account and sums.
const demoMatchKeys = "vs,ss,account,sum"

// The demo configures every stage the way the real apps are configured:
// from environment variables, read by the same SDK readers
// (dunning.MarkPolicyFromLookup, backendenv.FromLookup,
// payments.ConfigFromLookup, notify.ConfigFromLookup, …). settings are
// the variables it sets beyond the servers' addresses; the account prints
// them and -keep prints them as export lines, so the real binaries can be
// run with exactly the demo's configuration.

// setting is one variable the demo sets for some apps.
type setting struct {
	apps  []string // the apps that read it
	name  string
	value string
	why   string // shown in the account
}

// App groups of the settings.
var (
	appsA      = []string{appMark, appBlock, appUnblock}
	appsNet    = []string{appBlock, appUnblock}
	appsMatch  = []string{appMatch, appBatch, appBridge}
	appsNotify = []string{appConfirm, appNotice, appBridge}
	appsAll    = []string{appMark, appBlock, appUnblock, appMatch, appBatch, appBridge, appConfirm, appNotice}
)

// settings returns the demo's settings for a run of cfg: one line per
// variable, so a new feature of the demo adds one line here and reads it
// through its SDK reader.
func settings(cfg config) []setting {
	return []setting{
		{[]string{appMark}, "INET_CONTRACT_TYPE", "typSmlouvy.INTERNET", "only internet contracts count, not VoIP or hosting"},
		{[]string{appMark, appUnblock}, "MIN_DEBT", "0", "any overdue amount counts"},
		{[]string{appBlock}, "MAX_BLOCKS", strconv.Itoa(maxBlocks(cfg.customers)), "the circuit breaker: 100, or 1 in 10 customers when more"},
		{[]string{appBlock}, "CUT_DAYS", "any", "cut off on any day, -today included"},
		{appsMatch, "MATCH_OVERPAY_MODE", "settle", "an overpaid invoice is paired, the excess labelled"},
		{appsMatch, payments.EnvMatchKeys, demoMatchKeys, "also match by specific symbol, payer's account and sums"},
		{appsNotify, notify.EnvLang, cfg.lang, "the language of the e-mails (-lang)"},
	}
}

// maxBlocks is the demo's circuit breaker: the apps' default, raised for
// large generated networks so the story's defaulters are not refused.
func maxBlocks(customers int) int { return max(100, customers/10) }

// connection returns the variables that point the apps at the demo's
// servers: AbraFlexi, the network backend and the SMTP server.
func (in *infra) connection() []setting {
	af := in.af.Config()
	out := []setting{
		{appsAll, "ABRAFLEXI_URL", af.URL, ""},
		{appsAll, "ABRAFLEXI_LOGIN", af.Login, ""},
		{appsAll, "ABRAFLEXI_PASSWORD", af.Password, ""},
		{appsAll, "ABRAFLEXI_COMPANY", af.Company, ""},
		{appsNet, "NETWORK_BACKEND", in.backend, ""},
	}
	switch in.backend {
	case backendSVN:
		out = append(out, setting{appsNet, "SVNURL", in.svnURL, ""})
	default:
		out = append(out, setting{appsNet, "HOSTS_FILE", in.hosts, ""})
	}
	out = append(out, setting{appsNotify, notify.EnvFrom, mailFrom, ""}, setting{appsNotify, notify.EnvTransport, notify.TransportSMTP, ""})
	for _, kv := range in.smtp.Env() {
		name, value, _ := strings.Cut(kv, "=")
		out = append(out, setting{appsNotify, name, value, ""})
	}
	return out
}

// environment returns the variables app reads in the demo: the
// connection and the settings that name it.
func (in *infra) environment(app string) map[string]string {
	env := map[string]string{}
	for _, s := range append(in.connection(), in.settings...) {
		if slices.Contains(s.apps, app) {
			env[s.name] = s.value
		}
	}
	return env
}

// lookup is os.LookupEnv for app in the demo.
func (in *infra) lookup(app string) func(string) (string, bool) {
	env := in.environment(app)
	return func(name string) (string, bool) {
		v, ok := env[name]
		return v, ok
	}
}

// isDefault reports whether value is the binary default of name in the
// definitions of every app.
func isDefault(name, value string, apps []string) bool {
	for _, app := range apps {
		def, err := multiflexi.Lookup(app)
		if err != nil {
			return false
		}
		v, ok := def.Variable(name)
		if !ok || !strings.EqualFold(v.BinaryDefault(), value) {
			return false
		}
	}
	return true
}

// shortApps names the apps of a setting for the account.
func shortApps(apps []string) string {
	switch {
	case slices.Equal(apps, appsAll):
		return "all"
	case slices.Equal(apps, appsA):
		return "Pipeline A"
	}
	short := map[string]string{appMark: "mark", appBlock: "blocknet", appUnblock: "unblocknet", appMatch: "match",
		appBatch: "batch", appBridge: "bridge", appConfirm: "confirm", appNotice: "notice"}
	var out []string
	for _, a := range apps {
		out = append(out, short[a])
	}
	return strings.Join(out, ", ")
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.,/:@%+=") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// exportLines renders settings as export lines of at most width columns
// (a single longer assignment gets a line of its own).
func exportLines(ss []setting, indent string, width int) []string {
	var out []string
	line := ""
	seen := map[string]bool{}
	for _, s := range ss {
		if seen[s.name] {
			continue
		}
		seen[s.name] = true
		kv := s.name + "=" + shellQuote(s.value)
		switch {
		case line == "":
			line = indent + "export " + kv
		case len([]rune(line))+1+len([]rune(kv)) > width:
			out = append(out, line)
			line = indent + "export " + kv
		default:
			line += " " + kv
		}
	}
	if line != "" {
		out = append(out, line)
	}
	return out
}

// exampleCommand is one command per app that runs the real binary on the
// demo's servers after the run; ids are taken from the account.
type exampleCommand struct {
	app  string
	vars string // NAME=value pairs before the command, "" for none
	note string
	exit int // the exit code it gives after the demo's run
}

func (c exampleCommand) String() string {
	cmd := "go run ./examples/" + c.app
	if c.vars != "" {
		cmd = c.vars + " " + cmd
	}
	return cmd
}

// exampleCommands returns the example commands for the apps after the
// run described by acc.
func exampleCommands(acc *account) []exampleCommand {
	var unmatched, matched, confirmed string
	for _, m := range acc.Matches {
		switch {
		case m.Result.ExitCode == 2 && unmatched == "":
			unmatched = m.Result.Document
		case m.Result.Matched() && matched == "":
			matched = m.Result.Document
			confirmed = m.Result.Invoice
		}
	}
	return []exampleCommand{
		{appMark, "DRY_RUN=true", "who would be marked now", 0},
		{appBlock, "", "a re-run: everybody already blocked, 0 newly", 0},
		{appUnblock, "DRY_RUN=true", "who would be reconnected", 0},
		{appMatch, "DOCUMENTID=code:" + matched, "already matched, nothing to do", 0},
		{appBatch, "MATCH_SINCE=" + acc.World.Today.String() + " DRY_RUN=true", "today's unpaired payments", 0},
		{appBridge, "DOCUMENTID=code:" + unmatched, "left for manual matching (exit 2); the payer was told", 2},
		{appConfirm, "DOCID=code:" + confirmed, "already confirmed, nothing sent", 0},
		{appNotice, "DOCID=code:" + unmatched, "payer already notified, nothing sent", 0},
	}
}

// settingRows are the account's rows for the settings: NAME=value, the
// apps, why (and whether it is the apps' default).
func settingRows(ss []setting) [][]string {
	var rows [][]string
	for _, s := range ss {
		why := s.why
		if isDefault(s.name, s.value, s.apps) {
			why += " (default)"
		}
		rows = append(rows, []string{fmt.Sprintf("%s=%s", s.name, shellQuote(s.value)), shortApps(s.apps), why})
	}
	return rows
}
