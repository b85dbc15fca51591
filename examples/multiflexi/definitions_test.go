package multiflexi_test

import (
	"encoding/json"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/spoje-net/isptools/examples/internal/appkit"
	"github.com/spoje-net/isptools/examples/internal/jsonschema"
	"github.com/spoje-net/isptools/examples/multiflexi"
)

// app is what the tests expect of one definition. The variables are not
// listed here: TestDefinitionsListEveryVariableTheAppReads derives them from
// the apps' code.
type app struct {
	uuid       string
	executable string
	exitCodes  []string
}

var (
	pipelineA = []string{"0", "1"}
	withMatch = []string{"0", "1", "2"}
)

// The uuids of the PHP apps come from Spoje-NET/isp-tools multiflexi/*.json;
// the two new apps have fresh, fixed uuids.
var apps = map[string]app{
	"mark_defaulters.multiflexi.app.json":                   {"d4fc95d4-2d92-4949-909b-0ced863a2fd4", "abraflexi-mark-defaulters", pipelineA},
	"blocknet.multiflexi.app.json":                          {"8f3c4a5e-9b2d-4e1f-a6d8-7c9e0f1a2b3c", "blocknet", pipelineA},
	"unblocknet.multiflexi.app.json":                        {"2a7d8e9f-1c3e-4f2a-b7e9-8d0f2a3b4c5d", "unblocknet", pipelineA},
	"match_received_payment.multiflexi.app.json":            {"4c188353-3b5a-4229-917b-31206dee5bba", "isp-match-received-payment", withMatch},
	"potvrzeni_prijeti_uhrady.multiflexi.app.json":          {"628dcba2-8183-4797-8f3a-ccbec4dd2b17", "isp-potvrzeni-prijeti-uhrady", pipelineA},
	"potvrzeni_prijeti_bankovni_platby.multiflexi.app.json": {"1a02ff07-de7b-495b-8e98-1204bb81ea66", "isp-potvrzeni-prijeti-bankovni-platby", pipelineA},
	"match_and_notify.multiflexi.app.json":                  {"ead18d17-fdd9-482c-a02b-8398cd49d3fd", "isp-match-and-notify", withMatch},
	"match_payments_batch.multiflexi.app.json":              {"01433c64-b8c9-4c31-bf04-e9b4ed70c6a8", "isp-match-payments-batch", pipelineA},
}

// definition is the part of an app definition the structural checks read.
type definition struct {
	Schema        string `json:"$schema"`
	SchemaVersion string `json:"schemaVersion"`
	UUID          string `json:"uuid"`
	Version       string `json:"version"`
	Name          map[string]string
	Description   map[string]string
	Executable    string
	ExitCodes     map[string]struct {
		Description map[string]string
		Severity    string
	} `json:"exitCodes"`
	Environment map[string]struct {
		Type        string
		Description map[string]string
		Defval      *json.RawMessage
		Required    *bool
		Category    string
	}
}

func readAll(t *testing.T) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := fs.WalkDir(multiflexi.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(multiflexi.FS, path)
		files[path] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestEmbeddedFilesAreExactlyTheApps(t *testing.T) {
	files := readAll(t)
	got := slices.Sorted(maps.Keys(files))
	want := slices.Sorted(maps.Keys(apps))
	if !slices.Equal(got, want) {
		t.Errorf("embedded files %v, want %v", got, want)
	}
	// The embedded files are the ones on disk.
	for name, b := range files {
		disk, err := os.ReadFile(name)
		if err != nil || string(disk) != string(b) {
			t.Errorf("%s: embedded copy differs from disk (%v)", name, err)
		}
	}
}

var (
	uuidV4  = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	version = regexp.MustCompile(`^(0|[1-9]\d*)(\.(0|[1-9]\d*)){0,3}$`)
	envKey  = regexp.MustCompile(`^[A-Z0-9_]+$`)
	types   = []string{"string", "file-path", "email", "url", "integer", "float", "bool", "password", "set", "text"}
	cats    = []string{"API", "Database", "Behavior", "Security", "Other"}
)

func TestDefinitionsStructure(t *testing.T) {
	seen := map[string]string{}
	for name, b := range readAll(t) {
		t.Run(name, func(t *testing.T) {
			want := apps[name]
			var d definition
			if err := json.Unmarshal(b, &d); err != nil {
				t.Fatal(err)
			}
			if d.UUID != want.uuid || d.Executable != want.executable {
				t.Errorf("uuid %s executable %s, want %s %s", d.UUID, d.Executable, want.uuid, want.executable)
			}
			if other, dup := seen[d.UUID]; dup {
				t.Errorf("uuid shared with %s", other)
			}
			seen[d.UUID] = name
			if d.SchemaVersion != "3.4.0" || d.Schema == "" || !version.MatchString(d.Version) {
				t.Errorf("schemaVersion %q, $schema %q, version %q", d.SchemaVersion, d.Schema, d.Version)
			}
			if d.Name["en"] == "" || d.Name["cs"] == "" || d.Description["en"] == "" || d.Description["cs"] == "" {
				t.Error("name and description need en and cs")
			}
			if codes := slices.Sorted(maps.Keys(d.ExitCodes)); !slices.Equal(codes, want.exitCodes) {
				t.Errorf("exit codes %v, want %v", codes, want.exitCodes)
			}
			for code, ec := range d.ExitCodes {
				if ec.Description["en"] == "" || ec.Description["cs"] == "" || ec.Severity == "" {
					t.Errorf("exit code %s incomplete", code)
				}
			}
			for key, v := range d.Environment {
				switch {
				case !envKey.MatchString(key):
					t.Errorf("%s: name does not match ^[A-Z0-9_]+$", key)
				case !slices.Contains(types, v.Type) || !slices.Contains(cats, v.Category):
					t.Errorf("%s: type %q category %q", key, v.Type, v.Category)
				case v.Description["en"] == "" || v.Description["cs"] == "" || v.Defval == nil || v.Required == nil:
					t.Errorf("%s: needs en+cs description, defval and required", key)
				case appkit.IsSecretKey(key) && v.Type != "password":
					t.Errorf("%s: secret variable must have type password, has %s", key, v.Type)
				case v.Type == "password" && string(*v.Defval) != `""`:
					t.Errorf("%s: password with a non-empty default", key)
				}
			}
		})
	}
	for _, want := range apps {
		if !uuidV4.MatchString(want.uuid) {
			t.Errorf("uuid %s is not a v4 uuid", want.uuid)
		}
	}
}

// TestDefinitionsMatchSchema validates every definition against the
// MultiFlexi application schema from $ISPTOOLS_REFERENCE_DIR/multiflexi.
func TestDefinitionsMatchSchema(t *testing.T) {
	dir := os.Getenv("ISPTOOLS_REFERENCE_DIR")
	if dir == "" {
		t.Skip("ISPTOOLS_REFERENCE_DIR is not set; skipping validation against multiflexi.app.schema.json")
	}
	schema, err := os.ReadFile(filepath.Join(dir, "multiflexi", "multiflexi.app.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range readAll(t) {
		if err := jsonschema.Validate(schema, b); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestDefinitionExtensions checks the keys the apps add to the schema:
// every definition has an example command line that runs its executable,
// x-required-when names a declared variable, and x-default is only given
// where it differs from defval.
func TestDefinitionExtensions(t *testing.T) {
	envAssign := regexp.MustCompile(`^[A-Z][A-Z0-9_]*=\S*$`)
	for file, want := range apps {
		def := definitionFile(t, file)
		words := strings.Fields(def.Example)
		i := 0
		for i < len(words) && envAssign.MatchString(words[i]) {
			if _, ok := def.Variable(strings.SplitN(words[i], "=", 2)[0]); !ok {
				t.Errorf("%s: x-example sets %s, which the definition does not declare", file, words[i])
			}
			i++
		}
		if i >= len(words) || words[i] != want.executable {
			t.Errorf("%s: x-example %q does not run %s", file, def.Example, want.executable)
		}
		for _, v := range def.Environment {
			if other, _, ok := v.Condition(); ok {
				if _, declared := def.Variable(other); !declared || v.Required {
					t.Errorf("%s: %s x-required-when %q: %s undeclared, or the variable is required anyway", file, v.Name, v.RequiredWhen, other)
				}
			}
		}
	}
	for file, b := range readAll(t) {
		var raw struct {
			Environment map[string]map[string]any
		}
		if err := json.Unmarshal(b, &raw); err != nil {
			t.Fatal(err)
		}
		for name, v := range raw.Environment {
			if x, ok := v["x-default"]; ok && x == v["defval"] {
				t.Errorf("%s: %s has x-default equal to defval", file, name)
			}
		}
	}
}

// TestParseRejectsDuplicateVariables: a variable listed twice in one
// definition (as a merge of two branches can leave it) is an error, not
// one of the two picked silently.
func TestParseRejectsDuplicateVariables(t *testing.T) {
	def := `{"environment": {"HOME_CURRENCY": {"type": "string", "defval": "CZK"}, "MIN_DEBT": {"type": "float"}, "HOME_CURRENCY": {"type": "string", "defval": "EUR"}}}`
	if _, err := multiflexi.Parse([]byte(def)); err == nil || !strings.Contains(err.Error(), "HOME_CURRENCY: listed twice") {
		t.Errorf("Parse of a definition listing HOME_CURRENCY twice: %v", err)
	}
}
