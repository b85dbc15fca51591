package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spoje-net/isptools/examples/internal/appkit"
	"github.com/spoje-net/isptools/examples/multiflexi"
)

// definitionsOf returns the definitions of apps, in the order of apps; an
// app without a definition is an error.
func definitionsOf(apps []string) ([]*multiflexi.Definition, error) {
	var out []*multiflexi.Definition
	for _, app := range apps {
		d, err := multiflexi.Lookup(app)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// manPageGz is the gzip-compressed man page of def, reproducible: no file
// name and no time in the gzip header (like gzip -n), best compression.
func manPageGz(def *multiflexi.Definition, version string, date time.Time) ([]byte, error) {
	var b bytes.Buffer
	zw, err := gzip.NewWriterLevel(&b, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(appkit.ManPage(def, version, date)); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// ExampleEnv renders /usr/share/doc/isptools/example.env from the
// definitions defs: every variable any app reads, once, with its meaning
// (per app where the meaning differs), its requirement and its default.
// Required variables are uncommented and empty (the apps refuse to run
// until they are filled in); the others are commented out with the
// binary's default. Variables a job passes per run (DOCUMENTID, DOCID)
// are commented out.
func ExampleEnv(defs []*multiflexi.Definition) []byte {
	type use struct {
		apps  []string
		descs []string // "app: meaning" where meanings differ
		v     multiflexi.Variable
	}
	var order []string
	uses := map[string]*use{}
	for _, d := range defs {
		for _, v := range d.Environment {
			u, ok := uses[v.Name]
			if !ok {
				u = &use{v: v}
				uses[v.Name] = u
				order = append(order, v.Name)
			}
			u.apps = append(u.apps, d.Executable)
			desc := multiflexi.Text(v.Description)
			if !slices.ContainsFunc(u.descs, func(s string) bool { return strings.HasSuffix(s, "\x00"+desc) }) {
				u.descs = append(u.descs, d.Executable+"\x00"+desc)
			}
		}
	}
	perRun := map[string]bool{"DOCUMENTID": true, "DOCID": true, "RESULT_FILE": true}
	var b strings.Builder
	b.WriteString(`# Example configuration of the isptools apps, generated from their MultiFlexi
# definitions. Copy it, fill in the values and point the apps at it:
#
#   cp /usr/share/doc/isptools/example.env /etc/isptools/isptools.env
#   chmod 600 /etc/isptools/isptools.env
#   blocknet -e /etc/isptools/isptools.env
#
# Variables already set in the environment (for example by MultiFlexi) win
# over this file. An empty value counts as unset, except for
# INET_CONTRACT_TYPE, where it means any contract type. A value with a $ in
# it must be in single quotes ('pa$$word'). Every app's -h and man page say
# which of these it reads.
`)
	for _, name := range order {
		u := uses[name]
		b.WriteString("\n")
		if len(u.descs) == 1 {
			for _, l := range wrapComment(strings.SplitN(u.descs[0], "\x00", 2)[1]) {
				b.WriteString(l)
			}
		} else {
			for _, d := range u.descs {
				app, desc, _ := strings.Cut(d, "\x00")
				for _, l := range wrapComment(app + ": " + desc) {
					b.WriteString(l)
				}
			}
		}
		apps := strings.Join(u.apps, ", ")
		if len(u.apps) == len(defs) {
			apps = "all apps"
		}
		fmt.Fprintf(&b, "# (%s; %s)\n", appkit.Attributes(u.v), apps)
		switch {
		case perRun[name]:
			fmt.Fprintf(&b, "#%s=\n", name)
		case u.v.Required:
			fmt.Fprintf(&b, "%s=\n", name)
		default:
			fmt.Fprintf(&b, "#%s=%s\n", name, envQuote(u.v.BinaryDefault()))
		}
	}
	return []byte(b.String())
}

// envQuote single-quotes a default that .env syntax would otherwise change
// ($ expansion, # comments, spaces, |).
func envQuote(s string) string {
	if strings.ContainsAny(s, "$# |'\"") {
		return "'" + s + "'"
	}
	return s
}

// wrapComment wraps text into "# " comment lines of at most 78 columns.
func wrapComment(text string) []string {
	var out []string
	line := "#"
	for _, w := range strings.Fields(text) {
		if len(line)+1+len(w) > 78 && line != "#" {
			out = append(out, line+"\n")
			line = "#"
		}
		line += " " + w
	}
	return append(out, line+"\n")
}

// PackageReadme renders /usr/share/doc/isptools/README for the apps of
// defs.
func PackageReadme(defs []*multiflexi.Definition, version string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "isptools %s\n%s\n\n", version, strings.Repeat("=", len("isptools "+version)))
	b.WriteString(`Command-line apps for ISPs that bill in AbraFlexi: they cut off customers
who do not pay, restore them when they pay, match received payments with
invoices and mail the confirmations. They are the Go successors of the PHP
isp-tools, with the same names, variables and MultiFlexi app uuids.

The apps
--------
`)
	for _, d := range defs {
		fmt.Fprintf(&b, "\n%s\n", d.Executable)
		for _, l := range strings.Split(strings.TrimRight(appkit.WrapText(multiflexi.Text(d.Description), "    ", 78), "\n"), "\n") {
			b.WriteString(l + "\n")
		}
	}
	b.WriteString(`
Configuration
-------------
Every app reads environment variables, optionally from a .env file given
with -e FILE (variables already set win). An example with every variable,
its meaning and its default: /usr/share/doc/isptools/example.env.
"<app> -h" and "man <app>" list what one app reads, its exit codes and an
example; "<app> -version" prints the package version.

Every app writes a JSON report (MultiFlexi's report schema) to RESULT_FILE
(default php://stdout) or -o FILE, and logs to standard error (EASE_LOGGER
may add syslog). It refuses to start, before changing anything, when a
variable is missing or bad or when RESULT_FILE cannot be written, and then
names every such variable.

The e-mail apps send through SMTP (SMTP_HOST) or, by default, through the
local sendmail (/usr/sbin/sendmail, from any mail transport agent).

MultiFlexi
----------
The package multiflexi-isptools installs the MultiFlexi app definitions in
` + appkit.DefinitionsDir + ` and imports them when multiflexi-cli is
installed. To import them later:

    for f in ` + appkit.DefinitionsDir + `/*.multiflexi.app.json; do
        multiflexi-cli application:import-json --file "$f"
    done

Source, documentation and issues: ` + Homepage + `
`)
	return []byte(b.String())
}
