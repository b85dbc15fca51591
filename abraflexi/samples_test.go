package abraflexi

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

// sample reads a body of shared/reference/abraflexi-samples; the directory
// of shared/reference comes from ISPTOOLS_REFERENCE_DIR.
func sample(t *testing.T, name string) []byte {
	t.Helper()
	dir := os.Getenv("ISPTOOLS_REFERENCE_DIR")
	if dir == "" {
		t.Skip("ISPTOOLS_REFERENCE_DIR is not set (path of shared/reference); skipping sample-body test")
	}
	b, err := os.ReadFile(filepath.Join(dir, "abraflexi-samples", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSampleWriteSuccess(t *testing.T) {
	for _, tc := range []struct {
		file, id, ref, reqID string
	}{
		{"01-write-success-create-official.json", "805", "/c/demo/adresar/805.json", ""},
		{"03-write-success-update.json", "714", "/c/czela_net_z_s_1/faktura-vydana/714.json", "714"},
	} {
		wr, err := parseWriteResponse(sample(t, tc.file))
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		if wr.Success != "true" || len(wr.Results) != 1 {
			t.Fatalf("%s: %+v", tc.file, wr)
		}
		res := mapResults(wr.Results, []string{tc.reqID}, 10)
		if res[0].Index != 10 || res[0].ID != MustParseID(tc.id) || res[0].Ref != tc.ref || res[0].RequestID != tc.reqID {
			t.Errorf("%s: result %+v", tc.file, res[0])
		}
	}
}

func TestSampleWriteErrors(t *testing.T) {
	u, _ := url.Parse("https://h/c/demo/faktura-vydana.json")
	for _, tc := range []struct {
		file string
		want Message
	}{
		{"02-write-error-validation-400.json", Message{
			Message: "Je očekáváno číselné ID, ale 'FAKTURA' není číslo", For: "typDokl",
			Path: "faktura-vydana[temporary-id=null].typDokl", Value: "FAKTURA", Code: "PROP"}},
		{"04-write-error-missing-kod.json", Message{
			Message: "Pole 'Interní číslo' musí být vyplněno. [DoklFak -1]", For: "kod",
			Path: "faktura-vydana[temporary-id=null].kod", Code: "INVALID"}},
	} {
		e := newAPIError(http.MethodPost, u, http.StatusBadRequest, sample(t, tc.file))
		if len(e.Messages) != 1 || e.Messages[0] != tc.want {
			t.Errorf("%s: messages %+v", tc.file, e.Messages)
		}
		if !strings.Contains(e.Error(), tc.want.Message) || !strings.Contains(e.Error(), "400") {
			t.Errorf("%s: Error() = %s", tc.file, e.Error())
		}
		res := mapResults(e.wire, []string{""}, 0)
		if len(res) != 1 || res[0].Index != 0 || len(res[0].Errors) != 1 || res[0].Errors[0] != tc.want {
			t.Errorf("%s: results %+v", tc.file, res)
		}
	}
}

func TestSampleNotFound(t *testing.T) {
	u, _ := url.Parse("https://h/c/demo/adresar/1234/summary.json")
	var err error = newAPIError(http.MethodGet, u, http.StatusNotFound, sample(t, "05-not-found-official.json"))
	if !errors.Is(err, ErrNotFound) || errors.Is(err, ErrUnauthorized) {
		t.Fatalf("Is: %v", err)
	}
	var ae *APIError
	if !errors.As(err, &ae) || len(ae.Messages) != 1 || !strings.HasPrefix(ae.Messages[0].Message, "Záznam nebyl v datovém zdroji nalezen") {
		t.Fatalf("As: %+v", ae)
	}
	e := newAPIError(http.MethodPut, u, http.StatusMethodNotAllowed, sample(t, "05b-method-not-allowed-official.json"))
	if len(e.Messages) != 0 || e.StatusCode != 405 || !strings.Contains(e.Body, `"success": "false"`) {
		t.Fatalf("405: %+v", e)
	}
}

func TestSampleChanges(t *testing.T) {
	ch, err := ParseChanges(sample(t, "06-webhook-changes-adresar-update.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := Change{Evidence: "adresar", Operation: "update", InVersion: 3656477,
		Timestamp: "2021-03-12 23:59:55.586215", RecordID: NumericID(4435), ExternalIDs: []string{"code:TEST5"}}
	if ch.GlobalVersion != 3656477 || ch.Next != 0 || len(ch.Changes) != 1 || !equalChange(ch.Changes[0], want) {
		t.Fatalf("06: %+v", ch)
	}

	ch, err = ParseChanges(sample(t, "07-webhook-changes-bank-pairing.json"))
	if err != nil {
		t.Fatal(err)
	}
	if ch.GlobalVersion != 3656534 || len(ch.Changes) < 8 {
		t.Fatalf("07: %+v", ch)
	}
	var sawVazba, sawExt bool
	for _, c := range ch.Changes {
		if c.Evidence == "vazba" && c.Operation == "create" && len(c.ExternalIDs) == 0 {
			sawVazba = true
		}
		if c.RecordID == NumericID(88917) && len(c.ExternalIDs) == 2 && c.ExternalIDs[1] == "ext:lms.docs:2021030082" {
			sawExt = true
		}
		if c.InVersion == 0 || c.RecordID.IsZero() || c.Timestamp == "" {
			t.Errorf("07: incomplete change %+v", c)
		}
	}
	if !sawVazba || !sawExt {
		t.Errorf("07: vazba=%v ext=%v", sawVazba, sawExt)
	}

	ch, err = ParseChanges(sample(t, "08-webhook-changes-smlouva-create.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ch.Changes) != 1 || ch.Changes[0].Evidence != EvidenceContract || ch.Changes[0].Operation != "create" ||
		ch.Changes[0].RecordID != NumericID(861) || ch.Changes[0].ExternalIDs[0] != "code:080202" {
		t.Fatalf("08: %+v", ch)
	}
}

func equalChange(a, b Change) bool {
	return a.Evidence == b.Evidence && a.Operation == b.Operation && a.InVersion == b.InVersion &&
		a.Timestamp == b.Timestamp && a.RecordID == b.RecordID && strings.Join(a.ExternalIDs, "|") == strings.Join(b.ExternalIDs, "|")
}

func TestParseChangesForms(t *testing.T) {
	ch, err := ParseChanges([]byte(`{"winstrom":{"@globalVersion":12,"changes":[{"@evidence":"banka","@in-version":11,"@operation":"delete","id":5}],"next":13}}`))
	if err != nil || ch.GlobalVersion != 12 || ch.Next != 13 || ch.Changes[0].InVersion != 11 || ch.Changes[0].RecordID != NumericID(5) {
		t.Fatalf("%+v %v", ch, err)
	}
	for _, bad := range []string{`{}`, `not json`, `{"winstrom":{"next":"soon"}}`} {
		if _, err := ParseChanges([]byte(bad)); err == nil {
			t.Errorf("ParseChanges(%s): no error", bad)
		}
	}
}

func TestSampleListings(t *testing.T) {
	l, err := decodeListing(sample(t, "09-adresar-list-minimal-fixture.json"), EvidenceAddress)
	if err != nil || len(l.records) != 1 || l.hasCount {
		t.Fatalf("09: %+v %v", l, err)
	}
	var a Address
	if err := json.Unmarshal(l.records[0], &a); err != nil {
		t.Fatal(err)
	}
	if a.ID != NumericID(2574) || len(a.Contacts) != 1 || a.Contacts[0].ID != NumericID(299) {
		t.Fatalf("09: %+v", a)
	}

	// The /v2/ flavour with typed JSON values and @-annotations.
	l, err = decodeListing(sample(t, "10-v2-detail-skladovy-pohyb.json"), "skladovy-pohyb")
	if err != nil || len(l.records) != 1 {
		t.Fatalf("10: %+v %v", l, err)
	}
	var m Movement
	if err := json.Unmarshal(l.records[0], &m); err != nil {
		t.Fatalf("10: %v", err)
	}
	if m.ID != NumericID(89204) || m.Code != "P-00036/2026" || m.Direction != DirectionOutgoing || !m.Total.Equal(decimal.RequireFromString("3830.46")) {
		t.Fatalf("10: %+v", m)
	}

	// The summary sample: scalars as strings, Java exponent notation.
	var env struct {
		Winstrom struct {
			Summary map[string]string `json:"adresarSummary"`
		} `json:"winstrom"`
	}
	if err := json.Unmarshal(sample(t, "13-summary-response-official.json"), &env); err != nil {
		t.Fatal(err)
	}
	d, err := decimal.NewFromString(env.Winstrom.Summary["celkFakt"])
	if err != nil || !d.Equal(decimal.RequireFromString("122900345.29")) {
		t.Fatalf("13: %v %v", d, err)
	}
}

// TestSamplePairingBodies checks that the official request bodies decode
// and that the client's own body carries the same information.
func TestSamplePairingBodies(t *testing.T) {
	for _, f := range []string{"11-request-sparovani-official-en.json", "12-request-sparovani-official-sk-2026.json"} {
		var v struct {
			Winstrom struct {
				Banka struct {
					ID        string `json:"id"`
					Sparovani struct {
						Zbytek string `json:"zbytek"`
					} `json:"sparovani"`
				} `json:"banka"`
			} `json:"winstrom"`
		}
		if err := json.Unmarshal(sample(t, f), &v); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if !strings.HasPrefix(v.Winstrom.Banka.ID, "code:") || !RemainderMode(v.Winstrom.Banka.Sparovani.Zbytek).Valid() {
			t.Fatalf("%s: %+v", f, v)
		}
	}
	amt := decimal.RequireFromString("1000")
	body, err := PairRequest{PaymentEvidence: EvidenceBank, Payment: CodeID("B+0017/2026"), Invoice: CodeID("VF1-0167/2026"),
		Amount: &amt, Remainder: RemainderIgnore}.pairBody()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"winstrom":{"@version":"1.0","banka":[{"id":"code:B+0017/2026","sparovani":{"uhrazovanaFak":"code:VF1-0167/2026","uhrazovanaFak@castka":"1000","uhrazovanaFak@type":"faktura-vydana","zbytek":"ignorovat"}}]}}`
	if string(body) != want {
		t.Fatalf("pair body\n got %s\nwant %s", body, want)
	}
}
