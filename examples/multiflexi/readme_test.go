package multiflexi_test

import (
	"bytes"
	"encoding/json"
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

// configTable renders the README's configuration table from the definitions.
func configTable(t *testing.T) string {
	t.Helper()
	type envVar struct {
		def, desc string
		apps      []string
	}
	var order []string
	vars := map[string]*envVar{}
	for _, d := range readmeOrder {
		data, err := multiflexi.FS.ReadFile(d.file)
		if err != nil {
			t.Fatal(err)
		}
		var def struct {
			Environment map[string]struct {
				Defval      any `json:"defval"`
				Description struct {
					En string `json:"en"`
				} `json:"description"`
			} `json:"environment"`
		}
		if err := json.Unmarshal(data, &def); err != nil {
			t.Fatalf("%s: %v", d.file, err)
		}
		names := make([]string, 0, len(def.Environment))
		for name := range def.Environment {
			names = append(names, name)
		}
		// Keep the file's own order: JSON objects decode unordered, so read
		// the key order from the raw bytes.
		slices.SortFunc(names, func(a, b string) int {
			return bytes.Index(data, []byte(`"`+a+`"`)) - bytes.Index(data, []byte(`"`+b+`"`))
		})
		for _, name := range names {
			v := def.Environment[name]
			e, ok := vars[name]
			if !ok {
				dv := ""
				if v.Defval != nil {
					dv = fmt.Sprint(v.Defval)
				}
				e = &envVar{def: dv, desc: v.Description.En}
				vars[name] = e
				order = append(order, name)
			}
			e.apps = append(e.apps, d.short)
		}
	}
	esc := func(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
	var b strings.Builder
	b.WriteString("| Variable | Default | Apps | Meaning |\n|---|---|---|---|\n")
	for _, name := range order {
		e := vars[name]
		apps := strings.Join(e.apps, ", ")
		if len(e.apps) == len(readmeOrder) {
			apps = "all"
		}
		def := ""
		if e.def != "" {
			def = "`" + esc(e.def) + "`"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", name, def, apps, esc(e.desc))
	}
	return b.String()
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
