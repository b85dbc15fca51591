package appkit

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spoje-net/isptools/examples/internal/jsonschema"
)

var testTime = time.Date(2026, 1, 21, 17, 45, 0, 0, time.FixedZone("CET", 3600))

func TestFinalize(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name       string
		in         Report
		err        error
		wantCode   int
		wantStatus Status
		wantMsg    string
	}{
		{"empty is success", Report{}, nil, 0, StatusSuccess, "success"},
		{"warning kept with exit 0", Report{Status: StatusWarning, Message: "skipped"}, nil, 0, StatusWarning, "skipped"},
		{"status error forces exit 1", Report{Status: StatusError}, nil, 1, StatusError, "error"},
		{"exit 1 forces status error", Report{ExitCode: 1, Status: StatusWarning}, nil, 1, StatusError, "error"},
		{"explicit exit 2 is warning", Report{ExitCode: 2}, nil, 2, StatusWarning, "warning"},
		{"explicit exit 2 success becomes warning", Report{ExitCode: 2, Status: StatusSuccess}, nil, 2, StatusWarning, "warning"},
		{"other codes become 1", Report{ExitCode: 3}, nil, 1, StatusError, "error"},
		{"negative codes become 1", Report{ExitCode: -1}, nil, 1, StatusError, "error"},
		{"error overrides exit 2", Report{ExitCode: 2, Message: "partial"}, boom, 1, StatusError, "partial: boom"},
		{"error sets message", Report{}, boom, 1, StatusError, "boom"},
		{"joined errors on one line", Report{}, errors.Join(errors.New("A is required"), errors.New("B is required")), 1, StatusError, "A is required; B is required"},
		{"unknown status normalized", Report{Status: "fine"}, nil, 0, StatusSuccess, "success"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.in
			code := r.Finalize("app", testTime, tt.err)
			if code != tt.wantCode || r.ExitCode != tt.wantCode || r.Status != tt.wantStatus || r.Message != tt.wantMsg {
				t.Errorf("Finalize = %d; report exit %d status %q message %q; want %d %q %q",
					code, r.ExitCode, r.Status, r.Message, tt.wantCode, tt.wantStatus, tt.wantMsg)
			}
			if r.Producer != "app" || !r.Timestamp.Equal(testTime) || r.Metrics["exit_code"] != tt.wantCode {
				t.Errorf("producer %q, timestamp %v, metrics %v", r.Producer, r.Timestamp, r.Metrics)
			}
		})
	}
	r := Report{Producer: "other", Timestamp: testTime.Add(time.Hour)}
	r.Finalize("app", testTime, nil)
	if r.Producer != "other" || !r.Timestamp.Equal(testTime.Add(time.Hour)) {
		t.Error("Finalize overwrote an explicit producer or timestamp")
	}
}

func TestReportJSONPipelineA(t *testing.T) {
	r := &Report{Message: "Unblocked 1 of 3. Still owing: 1.", Timestamp: testTime}
	r.Inc("unblocked")
	r.Add("still_owing", 1)
	r.Inc("unblocked")
	r.SetMetric("backend", "svn")
	r.AddCustomer(Customer{Kod: "A1", Action: "unblocked", IPs: []string{"10.0.0.1"}})
	r.AddCustomer(Customer{Kod: "A2", Action: "still_owes", UnpaidInvoices: 2, Due: "1234.50"})
	r.AddCustomer(Customer{Kod: "A3", Action: "no_ip_label_cleared", IPs: []string{}})
	r.Finalize("unblocknet", testTime, nil)
	got, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"producer":"unblocknet","exitcode":0,"status":"success","timestamp":"2026-01-21T17:45:00+01:00",` +
		`"message":"Unblocked 1 of 3. Still owing: 1.","metrics":{"backend":"svn","exit_code":0,"still_owing":1,"unblocked":2},` +
		`"customers":[{"kod":"A1","action":"unblocked","ips":["10.0.0.1"]},` +
		`{"kod":"A2","action":"still_owes","unpaid_invoices":2,"due":1234.50},` +
		`{"kod":"A3","action":"no_ip_label_cleared","ips":[]}]}`
	if string(got) != want {
		t.Errorf("JSON =\n%s\nwant\n%s", got, want)
	}
}

func TestReportJSONPipelineB(t *testing.T) {
	r := &Report{ExitCode: 2, Message: "Payment B1 received but not auto-matched: unknown_varsym.",
		Payment: &Payment{Document: "B1", VarSym: new("123"), Reason: "unknown_varsym"},
		Extra:   map[string]any{"notification": map[string]any{"sent": false}, "a_first": "<&>"}}
	r.Finalize("isp-match-received-payment", time.Date(2026, 7, 1, 8, 0, 0, 0, time.UTC), nil)
	got, err := r.MarshalJSON() // json.Marshal would HTML-escape; WriteReport does not

	if err != nil {
		t.Fatal(err)
	}
	want := `{"producer":"isp-match-received-payment","exitcode":2,"status":"warning","timestamp":"2026-07-01T08:00:00+00:00",` +
		`"message":"Payment B1 received but not auto-matched: unknown_varsym.","metrics":{"exit_code":2},` +
		`"document":"B1","invoice":null,"varSym":"123","reason":"unknown_varsym","recipient":null,` +
		`"a_first":"<&>","notification":{"sent":false}}`
	if string(got) != want {
		t.Errorf("JSON =\n%s\nwant\n%s", got, want)
	}
}

func TestReportJSONErrors(t *testing.T) {
	r := &Report{Extra: map[string]any{"status": "x"}}
	if _, err := json.Marshal(r); err == nil || !strings.Contains(err.Error(), `"status" is reserved`) {
		t.Errorf("reserved extra key: %v", err)
	}
	r = &Report{Metrics: map[string]any{"bad": []int{1}}}
	if _, err := json.Marshal(r); err == nil || !strings.Contains(err.Error(), `metric "bad"`) {
		t.Errorf("bad metric type: %v", err)
	}
}

func TestReportEncodeIndentsLikePHP(t *testing.T) {
	r := &Report{Message: "Příliš žluťoučký kůň <&>"}
	r.Finalize("x", testTime, nil)
	b, err := r.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("{\n    \"producer\": \"x\",\n")) || !bytes.HasSuffix(b, []byte("}\n")) {
		t.Errorf("not 4-space indented with trailing newline:\n%s", b)
	}
	if !bytes.Contains(b, []byte("Příliš žluťoučký kůň <&>")) {
		t.Errorf("unicode escaped:\n%s", b)
	}
}

func TestWriteReportDestinations(t *testing.T) {
	r := &Report{}
	r.Finalize("x", testTime, nil)
	var out, errOut bytes.Buffer
	for _, dest := range []string{DestStdout, "php://output", "-"} {
		out.Reset()
		if err := WriteReport(dest, r, &out, &errOut); err != nil || !strings.Contains(out.String(), `"producer": "x"`) {
			t.Errorf("%s: err %v, stdout %q", dest, err, out.String())
		}
	}
	if err := WriteReport(DestStderr, r, &out, &errOut); err != nil || !strings.Contains(errOut.String(), `"producer": "x"`) {
		t.Errorf("stderr: err %v, got %q", err, errOut.String())
	}
	for _, dest := range []string{"php://memory", "https://example.com/r.json", ""} {
		if err := WriteReport(dest, r, &out, &errOut); err == nil {
			t.Errorf("WriteReport(%q) succeeded", dest)
		}
	}
}

func TestWriteReportFileAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "blocknet_result.json")
	if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := &Report{Message: "new"}
	r.Finalize("blocknet", testTime, nil)
	if err := WriteReport(path, r, nil, nil); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	b, _ := os.ReadFile(path)
	if err := json.Unmarshal(b, &got); err != nil || got["message"] != "new" {
		t.Fatalf("file content %s (err %v)", b, err)
	}
	fi, _ := os.Stat(path)
	if fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", fi.Mode().Perm())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
	// Unwritable destination: error, no partial file.
	if err := WriteReport(filepath.Join(dir, "missing", "r.json"), r, nil, nil); err == nil {
		t.Error("write into a missing directory succeeded")
	}
}

// TestReportMatchesSchema validates reports of both pipelines against the
// MultiFlexi report schema.
func TestReportMatchesSchema(t *testing.T) {
	dir := os.Getenv("ISPTOOLS_REFERENCE_DIR")
	if dir == "" {
		t.Skip("ISPTOOLS_REFERENCE_DIR is not set; skipping validation against multiflexi.report.schema.json")
	}
	schema, err := os.ReadFile(filepath.Join(dir, "multiflexi", "multiflexi.report.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	a := &Report{Artifacts: map[string][]string{"hosts": {"/tmp/hosts.diff"}}}
	a.AddCustomer(Customer{Kod: "A", Action: "blocked", IPs: []string{"10.0.0.1"}})
	a.SetMetric("ratio", 0.5)
	a.Finalize("blocknet", testTime, nil)
	b := &Report{ExitCode: 2, Payment: &Payment{Document: "B", Reason: "ambiguous"}}
	b.Finalize("isp-match-received-payment", testTime, nil)
	c := &Report{}
	c.Finalize("isp-potvrzeni-prijeti-uhrady", testTime, errors.New("no DOCID"))
	for _, r := range []*Report{a, b, c} {
		doc, err := r.Encode()
		if err != nil {
			t.Fatal(err)
		}
		if err := jsonschema.Validate(schema, doc); err != nil {
			t.Errorf("report invalid: %v\n%s", err, doc)
		}
	}
}
