package multiflexi_test

import (
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/spoje-net/isptools/examples/multiflexi"
)

var update = flag.Bool("update", false, "rewrite the configuration table in README.md")

const (
	tableBegin = "<!-- BEGIN CONFIG TABLE (generated from examples/multiflexi/*.json; a test keeps them in sync) -->"
	tableEnd   = "<!-- END CONFIG TABLE -->"
)

// readmeOrder lists the definitions in the order the table introduces
// variables, with the short app names the README uses.
var readmeOrder = []struct{ file, short string }{
	{"mark_defaulters.multiflexi.app.json", "mark"},
	{"blocknet.multiflexi.app.json", "block"},
	{"unblocknet.multiflexi.app.json", "unblock"},
	{"match_received_payment.multiflexi.app.json", "match"},
	{"match_payments_batch.multiflexi.app.json", "batch"},
	{"potvrzeni_prijeti_uhrady.multiflexi.app.json", "confirm"},
	{"potvrzeni_prijeti_bankovni_platby.multiflexi.app.json", "notice"},
	{"match_and_notify.multiflexi.app.json", "bridge"},
}

// configTable renders the README's configuration table from the
// definitions: one row per variable, or one row per group of apps where
// the meaning, the defaults or the requirement differ (DOCID is an invoice
// for one app and a payment for another), with the binary's default and
// MultiFlexi's in separate columns.
func configTable(t *testing.T) string {
	t.Helper()
	type row struct {
		name, required, bin, mf, desc string
		apps                          []string
	}
	var rows []*row
	for _, d := range readmeOrder {
		def := definitionFile(t, d.file)
		for _, v := range def.Environment {
			r := &row{name: v.Name, bin: v.BinaryDefault(), mf: v.MultiFlexiDefault(), desc: multiflexi.Text(v.Description)}
			switch {
			case v.Required:
				r.required = "yes"
			case v.RequiredWhen != "":
				r.required = "if `" + v.RequiredWhen + "`"
			}
			i := slices.IndexFunc(rows, func(o *row) bool {
				return o.name == r.name && o.required == r.required && o.bin == r.bin && o.mf == r.mf && o.desc == r.desc
			})
			if i < 0 {
				// After the last row of the same variable, else at the end.
				at := len(rows)
				for j, o := range rows {
					if o.name == r.name {
						at = j + 1
					}
				}
				rows = slices.Insert(rows, at, r)
				i = at
			}
			rows[i].apps = append(rows[i].apps, d.short)
		}
	}
	esc := func(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
	code := func(s string) string {
		if s == "" {
			return ""
		}
		return "`" + esc(s) + "`"
	}
	var b strings.Builder
	b.WriteString("| Variable | Apps | Required | Binary default | MultiFlexi default | Meaning |\n|---|---|---|---|---|---|\n")
	for _, r := range rows {
		apps := strings.Join(r.apps, ", ")
		if len(r.apps) == len(readmeOrder) {
			apps = "all"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s | %s |\n", r.name, apps, r.required, code(r.bin), code(r.mf), esc(r.desc))
	}
	return b.String()
}

// definitionFile returns the parsed definition in file.
func definitionFile(t *testing.T, file string) *multiflexi.Definition {
	t.Helper()
	data, err := multiflexi.FS.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	def, err := multiflexi.Parse(data)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	def.File = file
	return def
}

// TestREADMEConfigTable keeps the README's configuration table equal to the
// variables the MultiFlexi definitions declare. Run with -update to rewrite it.
func TestREADMEConfigTable(t *testing.T) {
	const path = "../../README.md"
	readme, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := string(readme)
	i, j := strings.Index(s, tableBegin), strings.Index(s, tableEnd)
	if i < 0 || j < i {
		t.Fatalf("README.md lacks the %q ... %q markers", tableBegin, tableEnd)
	}
	want := configTable(t)
	got := s[i+len(tableBegin)+1 : j]
	if got == want {
		return
	}
	if *update {
		s = s[:i+len(tableBegin)] + "\n" + want + s[j:]
		if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("README.md configuration table is out of date; run go test ./examples/multiflexi -run TestREADMEConfigTable -update\n--- want\n%s", want)
}

// TestREADMETestCommandIsCI keeps the README's test command and the
// command .ci/run ends with identical, and pinned: staticcheck runs as the
// go.mod tool, so it needs no network once the module cache is filled.
func TestREADMETestCommandIsCI(t *testing.T) {
	const want = "go vet ./... && go tool staticcheck ./... && go test -race ./..."
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "```sh\n"+want+"\n```") {
		t.Errorf("README.md does not give the test command %q in a sh block", want)
	}
	ci, err := os.ReadFile("../../.ci/run")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(string(ci), "\n"), "\n")
	if last := lines[len(lines)-1]; last != want {
		t.Errorf(".ci/run ends with %q, want the README's %q", last, want)
	}
	gomod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(gomod), "honnef.co/go/tools/cmd/staticcheck") {
		t.Error("go.mod does not declare staticcheck as a tool")
	}
}
