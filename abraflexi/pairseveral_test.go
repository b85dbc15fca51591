package abraflexi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/abraflexi/abraflexitest"
)

// TestPairRequestSeveral: a pairing of several invoices is one sparovani
// with an array of uhrazovanaFak in the order given (the official form,
// as sibling keys cannot repeat), amounts where set; one invoice keeps
// the php-abraflexi form.
func TestPairRequestSeveral(t *testing.T) {
	amt := decimal.RequireFromString("300")
	req := abraflexi.PairRequest{PaymentEvidence: abraflexi.EvidenceBank, Payment: abraflexi.CodeID("B1"),
		Invoice: abraflexi.CodeID("FV1"), More: []abraflexi.PairInvoice{{Invoice: abraflexi.NumericID(7), Amount: &amt}},
		Remainder: abraflexi.RemainderNone}
	b, err := json.Marshal(req.Sparovani())
	if err != nil {
		t.Fatal(err)
	}
	want := `{"uhrazovanaFak":[{"@type":"faktura-vydana","id":"code:FV1"},{"@castka":"300","@type":"faktura-vydana","id":"7"}],"zbytek":"ne"}`
	if string(b) != want {
		t.Errorf("sparovani\n got %s\nwant %s", b, want)
	}
	if got := req.Invoices(); len(got) != 2 || got[0].Invoice != abraflexi.CodeID("FV1") || got[1].Amount != &amt {
		t.Errorf("Invoices() = %+v", got)
	}
	one := req
	one.More = nil
	if b, _ := json.Marshal(one.Sparovani()); string(b) != `{"uhrazovanaFak":"code:FV1","uhrazovanaFak@type":"faktura-vydana","zbytek":"ne"}` {
		t.Errorf("one invoice: %s", b)
	}
	zero := decimal.Zero
	for name, bad := range map[string]abraflexi.PairRequest{
		"twice":       {PaymentEvidence: abraflexi.EvidenceBank, Payment: abraflexi.CodeID("B1"), Invoice: abraflexi.CodeID("FV1"), More: []abraflexi.PairInvoice{{Invoice: abraflexi.CodeID("FV1")}}, Remainder: abraflexi.RemainderNone},
		"no id":       {PaymentEvidence: abraflexi.EvidenceBank, Payment: abraflexi.CodeID("B1"), Invoice: abraflexi.CodeID("FV1"), More: []abraflexi.PairInvoice{{}}, Remainder: abraflexi.RemainderNone},
		"zero amount": {PaymentEvidence: abraflexi.EvidenceBank, Payment: abraflexi.CodeID("B1"), Invoice: abraflexi.CodeID("FV1"), More: []abraflexi.PairInvoice{{Invoice: abraflexi.CodeID("FV2"), Amount: &zero}}, Remainder: abraflexi.RemainderNone},
	} {
		if err := bad.Validate(); err == nil {
			t.Errorf("%s: valid", name)
		}
	}
}

// TestServerPairSeveralAmbiguous500: a pairing of two invoices whose
// answer is lost after AbraFlexi applied it counts as made (the payment is
// read again), and it is not written twice.
func TestServerPairSeveralAmbiguous500(t *testing.T) {
	srv, c := newClient(t)
	ids := srv.Seed(
		abraflexi.IssuedInvoice{Code: "VF1", VariableSymbol: "1", Total: decimal.NewFromInt(500), DocumentType: abraflexi.RefTo(abraflexi.CodeID("FAKTURA"))},
		abraflexi.IssuedInvoice{Code: "VF2", VariableSymbol: "2", Total: decimal.NewFromInt(300), DocumentType: abraflexi.RefTo(abraflexi.CodeID("FAKTURA"))},
		abraflexi.BankMovement{Movement: abraflexi.Movement{Code: "B1", Total: decimal.NewFromInt(800), Direction: abraflexi.DirectionIncoming}},
	)
	srv.FailNext(1, http.StatusInternalServerError, abraflexitest.Matcher{Method: http.MethodPost, Evidence: abraflexi.EvidenceBank}, abraflexitest.Applied())
	err := c.Pair(context.Background(), abraflexi.PairRequest{PaymentEvidence: abraflexi.EvidenceBank, Payment: ids[2], Invoice: ids[0],
		More: []abraflexi.PairInvoice{{Invoice: ids[1]}}, Remainder: abraflexi.RemainderNone})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids[:2] {
		if inv, _ := srv.Invoice(id); !inv.Remaining.IsZero() || inv.PaymentState != abraflexi.PaymentStatePaid {
			t.Errorf("%s: %s left", inv.Code, inv.Remaining)
		}
	}
	posts := 0
	for _, r := range srv.Requests() {
		if r.Method == http.MethodPost && strings.Contains(r.Path, "banka") {
			posts++
		}
	}
	if posts != 1 {
		t.Errorf("%d pairing writes", posts)
	}
}
