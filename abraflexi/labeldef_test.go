package abraflexi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/abraflexi/abraflexitest"
)

// TestEnsureLabel: a missing label is created once, visible for the
// evidence it goes on, after which records accept it; an existing label is
// left alone; a refused creation names the label and the evidence.
func TestEnsureLabel(t *testing.T) {
	srv, c := newClient(t)
	ctx := context.Background()
	id := srv.AddBankMovement(abraflexi.BankMovement{Movement: abraflexi.Movement{Code: "B1"}})
	if _, err := c.Bank.AddLabels(ctx, []abraflexi.ID{id}, abraflexi.WriteOptions{}, "OZNAMENO"); err == nil {
		t.Fatal("an unknown label was accepted; the test cannot show anything")
	}
	created, err := c.EnsureLabel(ctx, "oznameno", abraflexi.EvidenceBank, abraflexi.EvidenceCash)
	if err != nil || !created {
		t.Fatalf("EnsureLabel: %v %v", created, err)
	}
	rec, ok := srv.Record(abraflexi.EvidenceLabel, abraflexi.CodeID("OZNAMENO"))
	if !ok || rec["vsbBan"] != "true" || rec["vsbPok"] != "true" || rec["vsbFav"] == "true" || rec["nazev"] != "OZNAMENO" {
		t.Fatalf("label definition %v", rec)
	}
	if _, err := c.Bank.AddLabels(ctx, []abraflexi.ID{id}, abraflexi.WriteOptions{}, "OZNAMENO"); err != nil {
		t.Fatalf("label not usable after creation: %v", err)
	}
	srv.ResetRequests()
	if created, err := c.EnsureLabel(ctx, "OZNAMENO", abraflexi.EvidenceBank); err != nil || created {
		t.Fatalf("second EnsureLabel: %v %v", created, err)
	}
	if n := srv.RequestCount(http.MethodPost, abraflexi.EvidenceLabel) + srv.RequestCount(http.MethodPut, abraflexi.EvidenceLabel); n != 0 {
		t.Errorf("an existing label was written (%d requests)", n)
	}

	srv.FailNext(1, http.StatusForbidden, abraflexitest.Matcher{Method: http.MethodPost, Evidence: abraflexi.EvidenceLabel})
	_, err = c.EnsureLabel(ctx, "POTVRZENO_EUR", abraflexi.EvidenceIssuedInvoice)
	if err == nil || !strings.Contains(err.Error(), "POTVRZENO_EUR") || !strings.Contains(err.Error(), "faktura-vydana") {
		t.Fatalf("refused creation: %v", err)
	}
	if _, err := c.EnsureLabel(ctx, "X", "cenik"); err == nil {
		t.Error("an evidence without a visibility flag was accepted")
	}
}
