package dunning_test

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/abraflexi/abraflexitest"
	"github.com/spoje-net/isptools/dunning"
	"github.com/spoje-net/isptools/netbackend/netbackendtest"
)

// world is an AbraFlexi test server with a client and the dunning adapter.
type world struct {
	srv *abraflexitest.Server
	af  *dunning.AbraFlexi
}

func newWorld(t testing.TB, today abraflexi.Date) *world {
	t.Helper()
	srv := abraflexitest.NewServer(t, abraflexitest.WithToday(today))
	c, err := abraflexi.NewClient(srv.Config())
	if err != nil {
		t.Fatal(err)
	}
	return &world{srv: srv, af: dunning.NewAbraFlexi(c)}
}

// customer seeds a customer with labels, optionally an internet contract and
// an overdue invoice of amount (none when amount is "").
func (w *world) customer(code string, contractType, amount string, labels ...string) (abraflexi.ID, abraflexi.ID) {
	id := w.srv.AddAddress(abraflexi.Address{Code: code, Name: "Customer " + code, Labels: abraflexi.Labels(labels...)})
	if contractType != "" {
		w.srv.AddContract(abraflexi.Contract{
			Code: "SML-" + code, Name: "Contract " + code,
			Customer:  abraflexi.RefTo(abraflexi.CodeID(code)),
			Type:      abraflexi.RefTo(abraflexi.CodeID(contractType)),
			ValidFrom: abraflexi.NewDate(2024, time.January, 1),
		})
	}
	var inv abraflexi.ID
	if amount != "" {
		a := decimal.RequireFromString(amount)
		inv = w.srv.AddInvoice(abraflexi.IssuedInvoice{
			Code:         "FV-" + code,
			Customer:     abraflexi.RefTo(abraflexi.CodeID(code)),
			Total:        a,
			Remaining:    a,
			IssuedOn:     abraflexi.NewDate(2026, time.October, 1),
			DueOn:        abraflexi.NewDate(2026, time.October, 15),
			DocumentType: abraflexi.RefTo(abraflexi.CodeID("FAKTURA")),
		})
	}
	return id, inv
}

func (w *world) labels(t *testing.T, id abraflexi.ID) []string {
	t.Helper()
	l, ok := w.srv.Labels(abraflexi.EvidenceAddress, id)
	if !ok {
		t.Fatalf("no address %s", id)
	}
	return l.Codes()
}

func (w *world) pay(inv abraflexi.ID) {
	w.srv.Put(abraflexi.EvidenceIssuedInvoice, map[string]any{"id": inv.String(), "stavUhrK": abraflexi.PaymentStatePaid, "zbyvaUhradit": "0"})
}

func TestRunsAgainstAbraFlexi(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, wednesday)
	alice, aliceInv := w.customer("ALICE", "INTERNET", "499", "UPOMINKA3")
	bob, _ := w.customer("BOB", "INTERNET", "1200", "UPOMINKA3", "VIP")
	carol, _ := w.customer("CAROL", "INTERNET", "", "UPOMINKA3") // stale reminder
	dave, _ := w.customer("DAVE", "VOIP", "300", "UPOMINKA3")    // no internet
	erin, _ := w.customer("ERIN", "INTERNET", "50", "UPOMINKA3", "NEODPOJOVAT")
	frank, _ := w.customer("FRANK", "INTERNET", "80", "UPOMINKA3", "ODPOJENO")
	gina, _ := w.customer("GINA", "INTERNET", "80") // no reminder
	// A credit note and a cancelled invoice are no debt.
	w.srv.AddInvoice(abraflexi.IssuedInvoice{Code: "DB-CAROL", Customer: abraflexi.RefTo(abraflexi.CodeID("CAROL")), Total: decimal.NewFromInt(100), DueOn: abraflexi.NewDate(2026, time.October, 1), DocumentType: abraflexi.RefTo(abraflexi.CodeID("DOBROPIS"))})

	policy := dunning.DefaultPolicy()
	policy.ContractType = "typSmlouvy.INTERNET"
	res, err := dunning.Mark(ctx, w.af, w.af, policy, dunning.Options{Today: wednesday})
	if err != nil {
		t.Fatal(err)
	}
	equalReasons(t, markReasons(res.Decisions), map[string]dunning.Reason{
		"ALICE": dunning.ReasonMarked, "BOB": dunning.ReasonVIPSkipped, "CAROL": dunning.ReasonNoDebtSkipped,
		"DAVE": dunning.ReasonNoContractSkipped, "ERIN": dunning.ReasonNoDisconnectSkipped, "FRANK": dunning.ReasonAlreadyMarked,
	})
	if d := res.Decisions[0]; !d.Debt.Amount.Equal(decimal.NewFromInt(499)) || !slices.Equal(d.Debt.Invoices, []string{"FV-ALICE"}) {
		t.Errorf("ALICE debt %+v", d.Debt)
	}
	for id, want := range map[abraflexi.ID][]string{
		alice: {"ODPOJENO", "UPOMINKA3"}, bob: {"UPOMINKA3", "VIP"}, carol: {"UPOMINKA3"}, dave: {"UPOMINKA3"},
		erin: {"NEODPOJOVAT", "UPOMINKA3"}, frank: {"ODPOJENO", "UPOMINKA3"}, gina: nil,
	} {
		if got := w.labels(t, id); !slices.Equal(got, want) {
			t.Errorf("%s labels %v, want %v", id, got, want)
		}
	}

	// Second mark run: nothing written.
	w.srv.ResetRequests()
	res, err = dunning.Mark(ctx, w.af, w.af, policy, dunning.Options{Today: wednesday})
	if err != nil || res.Counts()[dunning.ReasonMarked] != 0 {
		t.Fatalf("second mark: %v %v", res.Counts(), err)
	}
	for _, r := range w.srv.Requests() {
		if r.Method != "GET" {
			t.Errorf("second mark run wrote: %s %s", r.Method, r.Path)
		}
	}

	// Block ALICE and FRANK.
	nb := netbackendtest.New()
	nb.Add("ALICE", "10.0.0.1", 100)
	nb.Add("FRANK", "10.0.0.6", 30)
	bres, err := dunning.Block(ctx, w.af, nb, policy, dunning.Options{Today: wednesday})
	if err != nil || bres.Err() != nil || bres.NewlyBlocked() != 2 {
		t.Fatalf("block: %+v %v %v", bres, err, bres.Err())
	}

	// ALICE pays; someone labels her NEPLATIC meanwhile; unblock restores her
	// speed and removes only ODPOJENO.
	w.pay(aliceInv)
	w.srv.Put(abraflexi.EvidenceAddress, map[string]any{"id": alice.String(), "stitky": "NEPLATIC"})
	ures, err := dunning.Unblock(ctx, w.af, w.af, nb, policy, dunning.Options{Today: wednesday})
	if err != nil || ures.Err() != nil {
		t.Fatalf("unblock: %v %v", err, ures.Err())
	}
	equalReasons(t, unblockReasons(ures.Decisions), map[string]dunning.Reason{"ALICE": dunning.ReasonUnblocked, "FRANK": dunning.ReasonStillOwes})
	if got := w.labels(t, alice); !slices.Equal(got, []string{"NEPLATIC", "UPOMINKA3"}) {
		t.Errorf("ALICE labels after unblock %v", got)
	}
	if h, _ := nb.Host(netip.MustParseAddr("10.0.0.1")); h.Speed != 100 {
		t.Errorf("ALICE speed %d", h.Speed)
	}
	if h, _ := nb.Host(netip.MustParseAddr("10.0.0.6")); h.Speed != 0 {
		t.Errorf("FRANK speed %d", h.Speed)
	}
	// A stale UPOMINKA3 does not mark ALICE again (her debt is paid).
	res, err = dunning.Mark(ctx, w.af, w.af, policy, dunning.Options{Today: wednesday})
	if err != nil || markReasons(res.Decisions)["ALICE"] != dunning.ReasonNoDebtSkipped {
		t.Errorf("mark after payment: %v %v", markReasons(res.Decisions), err)
	}
	// Second unblock run: nothing changes.
	w.srv.ResetRequests()
	ures, err = dunning.Unblock(ctx, w.af, w.af, nb, policy, dunning.Options{Today: wednesday})
	if err != nil || ures.Counts()[dunning.ReasonUnblocked] != 0 {
		t.Fatalf("second unblock: %v %v", ures.Counts(), err)
	}
	for _, r := range w.srv.Requests() {
		if r.Method != "GET" {
			t.Errorf("second unblock run wrote: %s %s", r.Method, r.Path)
		}
	}
}

func TestServerFilters(t *testing.T) {
	// The server-side filters select what the client-side checks accept.
	ctx := context.Background()
	w := newWorld(t, wednesday)
	w.customer("A", "INTERNET", "10", "UPOMINKA3")
	w.srv.AddContract(abraflexi.Contract{Code: "SML-OLD", Customer: abraflexi.RefTo(abraflexi.CodeID("A")), Type: abraflexi.RefTo(abraflexi.CodeID("INTERNET")),
		ValidFrom: abraflexi.NewDate(2020, time.January, 1), ValidTo: abraflexi.NewDate(2021, time.January, 1)})
	w.srv.AddContract(abraflexi.Contract{Code: "SML-FUTURE", Customer: abraflexi.RefTo(abraflexi.CodeID("A")), Type: abraflexi.RefTo(abraflexi.CodeID("INTERNET")),
		ValidFrom: wednesday.AddDays(1)})
	w.srv.AddContract(abraflexi.Contract{Code: "SML-ENDS", Customer: abraflexi.RefTo(abraflexi.CodeID("A")), Type: abraflexi.RefTo(abraflexi.CodeID("INTERNET")),
		ValidFrom: abraflexi.NewDate(2020, time.January, 1), ValidTo: wednesday})
	w.srv.AddContract(abraflexi.Contract{Code: "SML-GIVEN-NOTICE", Customer: abraflexi.RefTo(abraflexi.CodeID("A")), Type: abraflexi.RefTo(abraflexi.CodeID("INTERNET")),
		ValidFrom: abraflexi.NewDate(2020, time.January, 1), TerminatedOn: wednesday.AddDays(-1)})
	w.srv.AddContract(abraflexi.Contract{Code: "SML-ENDED-STATE", Customer: abraflexi.RefTo(abraflexi.CodeID("A")), Type: abraflexi.RefTo(abraflexi.CodeID("INTERNET")),
		ValidFrom: abraflexi.NewDate(2020, time.January, 1), State: abraflexi.RefTo(abraflexi.CodeID("UKONCENA"))})
	contracts, err := w.af.ActiveContracts(ctx, wednesday)
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	for _, c := range contracts {
		if !dunning.IsActiveContract(c, wednesday, "INTERNET", "UKONCENA") {
			continue
		}
		codes = append(codes, c.Code)
	}
	slices.Sort(codes)
	if !slices.Equal(codes, []string{"SML-A", "SML-ENDS"}) {
		t.Errorf("active contracts %v", codes)
	}

	mk := func(code, state string, due abraflexi.Date, typ string) {
		w.srv.AddInvoice(abraflexi.IssuedInvoice{Code: code, Customer: abraflexi.RefTo(abraflexi.CodeID("A")), Total: decimal.NewFromInt(10),
			PaymentState: state, DueOn: due, DocumentType: abraflexi.RefTo(abraflexi.CodeID(typ))})
	}
	mk("PAID", abraflexi.PaymentStatePaid, wednesday.AddDays(-5), "FAKTURA")
	mk("DUE-TODAY", "", wednesday, "FAKTURA")
	mk("ADVANCE", "", wednesday.AddDays(-1), "ZALOHA")
	mk("CREDIT", "", wednesday.AddDays(-1), "DOBROPIS")
	mk("CREDIT-NOT-DUE", "", wednesday.AddDays(20), "DOBROPIS")
	invoices, err := w.af.OpenDebts(ctx, wednesday)
	if err != nil {
		t.Fatal(err)
	}
	var debts []string
	for _, inv := range invoices {
		if dunning.IsDebt(inv, wednesday) {
			debts = append(debts, inv.Code)
		}
	}
	slices.Sort(debts)
	if !slices.Equal(debts, []string{"ADVANCE", "FV-A"}) {
		t.Errorf("debts %v", debts)
	}
	var credits []string
	for _, inv := range invoices {
		if _, ok := dunning.OpenCredit(inv, ""); ok {
			credits = append(credits, inv.Code)
		}
	}
	slices.Sort(credits)
	if !slices.Equal(credits, []string{"CREDIT", "CREDIT-NOT-DUE"}) {
		t.Errorf("open credit notes %v: a credit note counts whatever its due date", credits)
	}
	for _, inv := range invoices {
		if inv.Code == "PAID" || inv.Code == "DUE-TODAY" {
			t.Errorf("server filter let %s through", inv.Code)
		}
	}
}

// TestRequestsFor1000Customers measures the AbraFlexi requests and network
// commits of a full cycle for 1,000 customers: they grow with pages and
// batches, not with customers (except the per-customer label removal of
// unblock, which must re-read each customer's labels right before writing).
func TestRequestsFor1000Customers(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds 1,000 customers")
	}
	const n = 1000
	ctx := context.Background()
	w := newWorld(t, wednesday)
	nb := netbackendtest.New()
	var records []any
	var invoices []abraflexi.ID
	for i := range n {
		code := fmt.Sprintf("C%04d", i)
		records = append(records, abraflexi.Address{Code: code, Labels: abraflexi.Labels("UPOMINKA3")})
		nb.Add(code, fmt.Sprintf("10.%d.%d.1", i/250, i%250), 100)
	}
	for i := range n {
		code := fmt.Sprintf("C%04d", i)
		records = append(records,
			abraflexi.Contract{Code: "SML-" + code, Customer: abraflexi.RefTo(abraflexi.CodeID(code)), Type: abraflexi.RefTo(abraflexi.CodeID("INTERNET")), ValidFrom: abraflexi.NewDate(2024, time.January, 1)},
			abraflexi.IssuedInvoice{Code: "FV-" + code, Customer: abraflexi.RefTo(abraflexi.CodeID(code)), Total: decimal.NewFromInt(500), DueOn: abraflexi.NewDate(2026, time.October, 15), DocumentType: abraflexi.RefTo(abraflexi.CodeID("FAKTURA"))})
	}
	ids := w.srv.Seed(records...)
	for i := n; i < len(ids); i += 2 {
		invoices = append(invoices, ids[i+1])
	}
	policy := dunning.DefaultPolicy()
	policy.MaxBlocks = dunning.Unlimited
	opts := dunning.Options{Today: wednesday}

	commits := func() int {
		c := 0
		for _, call := range nb.Calls() {
			if call.Method == "Apply" && !call.DryRun {
				c++
			}
		}
		return c
	}
	type step struct {
		name            string
		gets, writes    int
		commits, result int
	}
	var steps []step
	measure := func(name string, run func() int) {
		w.srv.ResetRequests()
		before := commits()
		result := run()
		gets, writes := 0, 0
		for _, r := range w.srv.Requests() {
			if r.Method == "GET" {
				gets++
			} else {
				writes++
			}
		}
		steps = append(steps, step{name, gets, writes, commits() - before, result})
	}
	measure("mark", func() int {
		res, err := dunning.Mark(ctx, w.af, w.af, policy, opts)
		if err != nil || res.Err() != nil {
			t.Fatalf("mark: %v %v", err, res.Err())
		}
		return res.Counts()[dunning.ReasonMarked]
	})
	measure("block", func() int {
		res, err := dunning.Block(ctx, w.af, nb, policy, opts)
		if err != nil || res.Err() != nil {
			t.Fatalf("block: %v %v", err, res.Err())
		}
		return res.NewlyBlocked()
	})
	for _, inv := range invoices {
		w.pay(inv)
	}
	measure("unblock", func() int {
		res, err := dunning.Unblock(ctx, w.af, w.af, nb, policy, opts)
		if err != nil || res.Err() != nil {
			t.Fatalf("unblock: %v %v", err, res.Err())
		}
		return res.Counts()[dunning.ReasonUnblocked]
	})
	measure("mark again", func() int {
		res, err := dunning.Mark(ctx, w.af, w.af, policy, opts)
		if err != nil {
			t.Fatal(err)
		}
		return res.Counts()[dunning.ReasonMarked]
	})

	var b strings.Builder
	fmt.Fprintf(&b, "%d customers:\n", n)
	for _, s := range steps {
		fmt.Fprintf(&b, "  %-10s %4d customers acted on, AbraFlexi requests: %4d GET + %4d writes, backend commits: %d\n", s.name, s.result, s.gets, s.writes, s.commits)
	}
	t.Log(b.String())

	want := []step{
		// customers + contracts + debts, one page each; 2 batches of 500 labels.
		{"mark", 3, 2, 0, n},
		// customers (one page); one commit.
		{"block", 1, 0, 1, n},
		// customers + debts; one commit; per batch of 500 customers: one
		// listing re-reading their labels + one write.
		{"unblock", 2 + 2, 2, 1, n},
		// customers + contracts + debts; nobody owes any more.
		{"mark again", 3, 0, 0, 0},
	}
	if !slices.Equal(steps, want) {
		t.Errorf("steps:\n%+v\nwant\n%+v", steps, want)
	}
}

func TestMarkWithAMissingCustomer(t *testing.T) {
	// The customer disappears between the listing and the label write: the
	// others are labelled, the missing one is an error for the next run.
	ctx := context.Background()
	w := newWorld(t, wednesday)
	alice, _ := w.customer("ALICE", "INTERNET", "10", "UPOMINKA3")
	w.customer("BOB", "INTERNET", "10", "UPOMINKA3")
	gone := vanishing{Source: w.af, srv: w.srv, code: "BOB"}
	res, err := dunning.Mark(ctx, gone, w.af, dunning.Policy{}, dunning.Options{Today: wednesday})
	if err != nil {
		t.Fatal(err)
	}
	equalReasons(t, markReasons(res.Decisions), map[string]dunning.Reason{"ALICE": dunning.ReasonMarked, "BOB": dunning.ReasonErrorMarking})
	if got := w.labels(t, alice); !slices.Equal(got, []string{"ODPOJENO", "UPOMINKA3"}) {
		t.Errorf("ALICE labels %v", got)
	}
	if res.Err() == nil {
		t.Error("no error reported for BOB")
	}
}

// vanishing deletes one customer after the open debts were listed.
type vanishing struct {
	dunning.Source
	srv  *abraflexitest.Server
	code string
}

func (v vanishing) OpenDebts(ctx context.Context, today abraflexi.Date) ([]abraflexi.IssuedInvoice, error) {
	out, err := v.Source.OpenDebts(ctx, today)
	v.remove(ctx)
	return out, err
}

// remove deletes the customer through the server's API.
func (v vanishing) remove(ctx context.Context) {
	for _, id := range v.srv.IDs(abraflexi.EvidenceAddress) {
		if a, _ := v.srv.Address(id); a.Code == v.code {
			req, _ := http.NewRequestWithContext(ctx, http.MethodDelete, fmt.Sprintf("%s/c/%s/adresar/%s.json", v.srv.URL, v.srv.Company(), id), nil)
			cfg := v.srv.Config()
			req.SetBasicAuth(cfg.Login, cfg.Password)
			if resp, err := http.DefaultClient.Do(req); err == nil {
				resp.Body.Close()
			}
		}
	}
}

func TestUnblockKeepsLabelsSetDuringTheRun(t *testing.T) {
	// After the customers were listed, ALICE gets NEPLATIC and BOB is
	// deleted: unblock removes only ODPOJENO from ALICE and CAROL, and BOB
	// is an error for the next run.
	ctx := context.Background()
	w := newWorld(t, wednesday)
	alice, _ := w.customer("ALICE", "INTERNET", "", "UPOMINKA3", "ODPOJENO")
	w.customer("BOB", "INTERNET", "", "ODPOJENO")
	carol, _ := w.customer("CAROL", "INTERNET", "", "ODPOJENO")
	src := meanwhile{Source: w.af, do: func() {
		w.srv.Put(abraflexi.EvidenceAddress, map[string]any{"id": alice.String(), "stitky": "NEPLATIC"})
		vanishing{srv: w.srv, code: "BOB"}.remove(ctx)
	}}
	nb := netbackendtest.New()
	nb.Add("ALICE", "10.0.0.1", 0)
	w.srv.ResetRequests()
	res, err := dunning.Unblock(ctx, src, w.af, nb, dunning.DefaultPolicy(), dunning.Options{Today: wednesday})
	if err != nil {
		t.Fatal(err)
	}
	equalReasons(t, unblockReasons(res.Decisions), map[string]dunning.Reason{
		"ALICE": dunning.ReasonUnblocked, "BOB": dunning.ReasonErrorRemovingLabel, "CAROL": dunning.ReasonNoIPLabelCleared,
	})
	if got := w.labels(t, alice); !slices.Equal(got, []string{"NEPLATIC", "UPOMINKA3"}) {
		t.Errorf("ALICE labels %v", got)
	}
	if got := w.labels(t, carol); len(got) != 0 {
		t.Errorf("CAROL labels %v", got)
	}
	if res.Err() == nil || !strings.Contains(res.Err().Error(), "customer BOB") {
		t.Errorf("Err() = %v", res.Err())
	}
	// customers + debts, then one listing and one write for the removal.
	if g, p := w.srv.RequestCount(http.MethodGet, abraflexi.EvidenceAddress), w.srv.RequestCount(http.MethodPost, abraflexi.EvidenceAddress); g != 2 || p != 1 {
		t.Errorf("%d address GETs, %d writes; want 2 and 1", g, p)
	}
}

// meanwhile runs do after the open debts were listed: after the customers
// were read, before their labels are removed.
type meanwhile struct {
	dunning.Source
	do func()
}

func (m meanwhile) OpenDebts(ctx context.Context, today abraflexi.Date) ([]abraflexi.IssuedInvoice, error) {
	out, err := m.Source.OpenDebts(ctx, today)
	m.do()
	return out, err
}
