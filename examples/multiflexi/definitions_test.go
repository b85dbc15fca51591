package multiflexi_test

import (
	"encoding/json"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"github.com/spoje-net/isptools/examples/internal/appkit"
	"github.com/spoje-net/isptools/examples/internal/jsonschema"
	"github.com/spoje-net/isptools/examples/multiflexi"
)

// app is what the tests expect of one definition.
type app struct {
	uuid       string
	executable string
	exitCodes  []string
	vars       []string
}

var (
	pipelineA = []string{"0", "1"}
	withMatch = []string{"0", "1", "2"}
	common    = []string{"ABRAFLEXI_URL", "ABRAFLEXI_LOGIN", "ABRAFLEXI_PASSWORD", "ABRAFLEXI_COMPANY", "RESULT_FILE", "EASE_LOGGER", "APP_DEBUG", "DRY_RUN"}
	network   = []string{"LABEL_DISCONNECTED", "LABEL_VIP", "LABEL_NODISCONNECT", "NETWORK_BACKEND", "SVNURL", "SVNUSER", "SVNPASS", "SVNBIN",
		"SVN_HOSTS_PATH", "LOGFILE", "HOSTS_FILE", "NETBOXURL", "NETBOXTOKEN", "NETBOX_CUSTOMER_LOOKUP", "NETBOX_SPEED_FIELD", "NETBOX_ORIG_SPEED_FIELD", "NETBOX_JOURNAL"}
	match = []string{"PAYMENT_EVIDENCE", "MATCH_OVERPAY_MODE", "LABEL_UNIDENTIFIED", "LABEL_INVOICE_MISSING", "LABEL_OVERPAY"}
	mail  = []string{"NOTIFY_LANG", "NOTIFY_TEMPLATE_DIR", "MAIL_TRANSPORT", "SMTP_HOST", "SMTP_PORT", "SMTP_USERNAME", "SMTP_PASSWORD", "SMTP_TLS", "SMTP_TIMEOUT", "EASE_FROM", "MUTE"}
)

func join(lists ...[]string) []string { return slices.Concat(lists...) }

// The uuids of the PHP apps come from Spoje-NET/isp-tools multiflexi/*.json;
// the two new apps have fresh, fixed uuids.
var apps = map[string]app{
	"mark_defaulters.multiflexi.app.json": {"d4fc95d4-2d92-4949-909b-0ced863a2fd4", "abraflexi-mark-defaulters", pipelineA,
		join(common, []string{"LABEL_THIRD_REMINDER", "LABEL_DISCONNECTED", "LABEL_VIP", "LABEL_NODISCONNECT", "INET_CONTRACT_TYPE", "MIN_DEBT"})},
	"blocknet.multiflexi.app.json": {"8f3c4a5e-9b2d-4e1f-a6d8-7c9e0f1a2b3c", "blocknet", pipelineA,
		join(common, network, []string{"MAX_BLOCKS", "CUT_DAYS"})},
	"unblocknet.multiflexi.app.json": {"2a7d8e9f-1c3e-4f2a-b7e9-8d0f2a3b4c5d", "unblocknet", pipelineA,
		join(common, network, []string{"DEFAULT_SPEED", "MIN_DEBT"})},
	"match_received_payment.multiflexi.app.json": {"4c188353-3b5a-4229-917b-31206dee5bba", "isp-match-received-payment", withMatch,
		join(common, []string{"DOCUMENTID"}, match)},
	"potvrzeni_prijeti_uhrady.multiflexi.app.json": {"628dcba2-8183-4797-8f3a-ccbec4dd2b17", "isp-potvrzeni-prijeti-uhrady", pipelineA,
		join(common, []string{"DOCID", "LABEL_CONFIRMED"}, mail)},
	"potvrzeni_prijeti_bankovni_platby.multiflexi.app.json": {"1a02ff07-de7b-495b-8e98-1204bb81ea66", "isp-potvrzeni-prijeti-bankovni-platby", pipelineA,
		join(common, []string{"DOCID", "PAYMENT_EVIDENCE"}, mail)},
	"match_and_notify.multiflexi.app.json": {"ead18d17-fdd9-482c-a02b-8398cd49d3fd", "isp-match-and-notify", withMatch,
		join(common, []string{"DOCUMENTID", "LABEL_CONFIRMED"}, match, mail)},
	"match_payments_batch.multiflexi.app.json": {"01433c64-b8c9-4c31-bf04-e9b4ed70c6a8", "isp-match-payments-batch", pipelineA,
		join(common, []string{"MATCH_SINCE"}, match)},
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
			if vars := slices.Sorted(maps.Keys(d.Environment)); !slices.Equal(vars, slices.Sorted(slices.Values(want.vars))) {
				t.Errorf("variables\n%v\nwant\n%v", vars, slices.Sorted(slices.Values(want.vars)))
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
