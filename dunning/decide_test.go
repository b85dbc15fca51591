package dunning

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/netbackend"
)

func TestDecideMark(t *testing.T) {
	base := Policy{ContractType: "typSmlouvy.INTERNET"}
	tests := []struct {
		name      string
		customer  abraflexi.Address
		contracts []abraflexi.Contract
		invoices  []abraflexi.IssuedInvoice
		policy    Policy
		want      Reason
	}{
		{"owes with internet", cust("A", "UPOMINKA3"), []abraflexi.Contract{inet("A")}, []abraflexi.IssuedInvoice{invoice("F1", "A", "100")}, base, ReasonMarked},
		{"already marked", cust("A", "UPOMINKA3", "ODPOJENO"), []abraflexi.Contract{inet("A")}, []abraflexi.IssuedInvoice{invoice("F1", "A", "100")}, base, ReasonAlreadyMarked},
		{"vip", cust("A", "UPOMINKA3", "VIP"), []abraflexi.Contract{inet("A")}, []abraflexi.IssuedInvoice{invoice("F1", "A", "100")}, base, ReasonVIPSkipped},
		{"vip wins over already marked", cust("A", "UPOMINKA3", "VIP", "ODPOJENO"), []abraflexi.Contract{inet("A")}, []abraflexi.IssuedInvoice{invoice("F1", "A", "100")}, base, ReasonVIPSkipped},
		{"neodpojovat", cust("A", "UPOMINKA3", "NEODPOJOVAT"), []abraflexi.Contract{inet("A")}, []abraflexi.IssuedInvoice{invoice("F1", "A", "100")}, base, ReasonNoDisconnectSkipped},
		{"no contract", cust("A", "UPOMINKA3"), nil, []abraflexi.IssuedInvoice{invoice("F1", "A", "100")}, base, ReasonNoContractSkipped},
		{"only voip contract", cust("A", "UPOMINKA3"), []abraflexi.Contract{contract("A", "VOIP", "2020-01-01", "")}, []abraflexi.IssuedInvoice{invoice("F1", "A", "100")}, base, ReasonNoContractSkipped},
		{"voip counts without type", cust("A", "UPOMINKA3"), []abraflexi.Contract{contract("A", "VOIP", "2020-01-01", "")}, []abraflexi.IssuedInvoice{invoice("F1", "A", "100")}, Policy{}, ReasonMarked},
		{"ended contract", cust("A", "UPOMINKA3"), []abraflexi.Contract{contract("A", "INTERNET", "2020-01-01", "2026-01-31")}, []abraflexi.IssuedInvoice{invoice("F1", "A", "100")}, base, ReasonNoContractSkipped},
		{"other customer's contract", cust("A", "UPOMINKA3"), []abraflexi.Contract{inet("B")}, []abraflexi.IssuedInvoice{invoice("F1", "A", "100")}, base, ReasonNoContractSkipped},
		{"stale reminder: all paid", cust("A", "UPOMINKA3"), []abraflexi.Contract{inet("A")}, []abraflexi.IssuedInvoice{invoice("F1", "A", "0", state(abraflexi.PaymentStatePaid))}, base, ReasonNoDebtSkipped},
		{"not yet due", cust("A", "UPOMINKA3"), []abraflexi.Contract{inet("A")}, []abraflexi.IssuedInvoice{invoice("F1", "A", "100", due(today))}, base, ReasonNoDebtSkipped},
		{"credit note is no debt", cust("A", "UPOMINKA3"), []abraflexi.Contract{inet("A")}, []abraflexi.IssuedInvoice{invoice("F1", "A", "100", kind(abraflexi.KindCreditNote))}, base, ReasonNoDebtSkipped},
		{"rounding leftover under MIN_DEBT", cust("A", "UPOMINKA3"), []abraflexi.Contract{inet("A")}, []abraflexi.IssuedInvoice{invoice("F1", "A", "0.40")}, Policy{MinDebt: decimal.NewFromInt(1)}, ReasonNoDebtSkipped},
		{"debt equal to MIN_DEBT is not more", cust("A", "UPOMINKA3"), []abraflexi.Contract{inet("A")}, []abraflexi.IssuedInvoice{invoice("F1", "A", "1.00")}, Policy{MinDebt: decimal.NewFromInt(1)}, ReasonNoDebtSkipped},
		{"debt over MIN_DEBT", cust("A", "UPOMINKA3"), []abraflexi.Contract{inet("A")}, []abraflexi.IssuedInvoice{invoice("F1", "A", "0.60"), invoice("F2", "A", "0.41")}, Policy{MinDebt: decimal.NewFromInt(1)}, ReasonMarked},
		{"default MIN_DEBT: one haler counts", cust("A", "UPOMINKA3"), []abraflexi.Contract{inet("A")}, []abraflexi.IssuedInvoice{invoice("F1", "A", "0.01")}, base, ReasonMarked},
		{"custom labels", cust("A", "REM3"), []abraflexi.Contract{inet("A")}, []abraflexi.IssuedInvoice{invoice("F1", "A", "1")}, Policy{Labels: Labels{ThirdReminder: "rem3"}}, ReasonMarked},
		{"custom vip label", cust("A", "UPOMINKA3", "GOLD"), []abraflexi.Contract{inet("A")}, []abraflexi.IssuedInvoice{invoice("F1", "A", "1")}, Policy{Labels: Labels{VIP: "GOLD"}}, ReasonVIPSkipped},
		{"custom disconnected label", cust("A", "UPOMINKA3", "CUT"), []abraflexi.Contract{inet("A")}, []abraflexi.IssuedInvoice{invoice("F1", "A", "1")}, Policy{Labels: Labels{Disconnected: "CUT"}}, ReasonAlreadyMarked},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := DecideMark(today, MarkInput{Customers: []abraflexi.Address{tt.customer}, Contracts: tt.contracts, Invoices: tt.invoices}, tt.policy)
			if len(got) != 1 {
				t.Fatalf("%d decisions, want 1: %+v", len(got), got)
			}
			if got[0].Reason != tt.want {
				t.Errorf("reason = %s, want %s", got[0].Reason, tt.want)
			}
			if got[0].Customer.Code != tt.customer.Code {
				t.Errorf("customer = %q", got[0].Customer.Code)
			}
		})
	}
}

func TestDecideMarkIgnoresCustomersWithoutReminderAndSorts(t *testing.T) {
	in := MarkInput{
		Customers: []abraflexi.Address{cust("C", "UPOMINKA3"), cust("B"), cust("A", "UPOMINKA3"), cust("A", "UPOMINKA3"), cust("", "UPOMINKA3")},
		Contracts: []abraflexi.Contract{inet("A"), inet("B"), inet("C")},
		Invoices:  []abraflexi.IssuedInvoice{invoice("F1", "A", "10"), invoice("F2", "B", "10"), invoice("F3", "C", "10")},
	}
	got := DecideMark(today, in, Policy{})
	var codes []string
	for _, d := range got {
		codes = append(codes, d.Customer.Code)
	}
	if !slices.Equal(codes, []string{"A", "C"}) {
		t.Errorf("decided about %v, want [A C]", codes)
	}
	if !got[0].Debt.Amount.Equal(decimal.NewFromInt(10)) || !slices.Equal(got[0].Debt.Invoices, []string{"F1"}) {
		t.Errorf("debt of A = %+v", got[0].Debt)
	}
}

func TestPlanAndResolveBlock(t *testing.T) {
	customers := []abraflexi.Address{
		cust("VIPCO", "ODPOJENO", "VIP"),
		cust("KEEP", "ODPOJENO", "NEODPOJOVAT"),
		cust("NOIP", "ODPOJENO"),
		cust("ONE", "ODPOJENO"),
		cust("TWO", "ODPOJENO", "UPOMINKA3"),
		cust("FAIL", "ODPOJENO"),
		cust("GONE", "ODPOJENO"),
		cust("LOST", "ODPOJENO"),
		cust("NOTLABELLED"),
	}
	lookup := map[string][]netip.Addr{
		"VIPCO": ips("10.0.0.1"), "KEEP": ips("10.0.0.2"),
		"ONE": ips("10.0.1.1"), "TWO": ips("10.0.2.2", "10.0.2.1", "10.0.2.1"),
		"FAIL": ips("10.0.3.1", "10.0.3.2"), "GONE": ips("10.0.4.1"), "LOST": ips("10.0.5.1"),
		"NOTLABELLED": ips("10.0.9.9"),
	}
	plan := PlanBlock(customers, netbackend.Lookup{IPs: lookup}, Policy{})
	want := map[string]Reason{"VIPCO": ReasonVIPSkipped, "KEEP": ReasonNoDisconnectSkipped, "NOIP": ReasonNoIPFound,
		"ONE": ReasonBlocked, "TWO": ReasonBlocked, "FAIL": ReasonBlocked, "GONE": ReasonBlocked, "LOST": ReasonBlocked}
	checkReasons(t, "plan", blockReasons(plan.Decisions), want)
	var changed []string
	for _, c := range plan.Changes {
		if c.Action != netbackend.Block || c.Customer == "" {
			t.Errorf("change %+v", c)
		}
		changed = append(changed, c.Customer+" "+c.IP.String())
	}
	wantChanges := []string{"FAIL 10.0.3.1", "FAIL 10.0.3.2", "GONE 10.0.4.1", "LOST 10.0.5.1", "ONE 10.0.1.1", "TWO 10.0.2.1", "TWO 10.0.2.2"}
	if !slices.Equal(changed, wantChanges) {
		t.Errorf("changes = %v\nwant %v", changed, wantChanges)
	}

	results := []netbackend.Result{}
	for _, c := range plan.Changes {
		r := netbackend.Result{Change: c, Status: netbackend.Changed}
		switch c.IP.String() {
		case "10.0.2.2":
			r.Status = netbackend.Unchanged
		case "10.0.3.2":
			r.Status, r.Err = netbackend.Failed, errors.New("disk full")
		case "10.0.4.1":
			r.Status = netbackend.NotFound
		case "10.0.5.1":
			continue // no result
		}
		results = append(results, r)
	}
	ds := ResolveBlock(plan, results)
	want["FAIL"], want["GONE"], want["LOST"] = ReasonErrorBlocking, ReasonErrorBlocking, ReasonErrorBlocking
	checkReasons(t, "resolved", blockReasons(ds), want)
	for _, d := range ds {
		switch d.Customer.Code {
		case "TWO":
			if !slices.Equal(d.Newly, ips("10.0.2.1")) || len(d.IPs) != 2 {
				t.Errorf("TWO newly %v ips %v", d.Newly, d.IPs)
			}
		case "FAIL":
			if d.Err == nil || !strings.Contains(d.Err.Error(), "10.0.3.2: disk full") {
				t.Errorf("FAIL err = %v", d.Err)
			}
		case "GONE":
			if d.Err == nil || !strings.Contains(d.Err.Error(), "not_found") {
				t.Errorf("GONE err = %v", d.Err)
			}
		case "LOST":
			if d.Err == nil || !strings.Contains(d.Err.Error(), "no result") {
				t.Errorf("LOST err = %v", d.Err)
			}
		}
		if d.Reason.IsError() != (d.Err != nil) {
			t.Errorf("%s: reason %s with err %v", d.Customer.Code, d.Reason, d.Err)
		}
	}
	if got := NewlyBlocked(results); !slices.Equal(got, []string{"FAIL", "ONE", "TWO"}) {
		t.Errorf("NewlyBlocked = %v", got)
	}
	if plan.Decisions[3].Reason != ReasonBlocked {
		t.Error("ResolveBlock modified the plan")
	}
}

func TestPlanAndResolveUnblock(t *testing.T) {
	customers := []abraflexi.Address{
		cust("OWES", "ODPOJENO"),
		cust("PAID", "ODPOJENO", "VIP"),
		cust("NOIP", "ODPOJENO"),
		cust("CRUMBS", "ODPOJENO"),
		cust("FAIL", "ODPOJENO"),
		cust("NOTLABELLED"),
	}
	invoices := []abraflexi.IssuedInvoice{
		invoice("F1", "OWES", "250"), invoice("F2", "OWES", "1", state(abraflexi.PaymentStatePartial)),
		invoice("F3", "PAID", "0", state(abraflexi.PaymentStatePaid)),
		invoice("F4", "CRUMBS", "0.30"),
		invoice("F5", "NOTLABELLED", "1000"),
	}
	lookup := map[string][]netip.Addr{"OWES": ips("10.0.0.1"), "PAID": ips("10.0.1.2", "10.0.1.1"), "CRUMBS": ips("10.0.2.1"), "FAIL": ips("10.0.3.1")}
	p := Policy{MinDebt: decimal.RequireFromString("0.50"), DefaultSpeed: 20}

	in := UnblockInput{Customers: customers, Invoices: invoices}
	if cand := UnblockCandidates(today, in, p); !slices.Equal(cand, []string{"CRUMBS", "FAIL", "NOIP", "PAID"}) {
		t.Errorf("candidates = %v", cand)
	}

	in.Lookup = netbackend.Lookup{IPs: lookup}
	plan := PlanUnblock(today, in, p)
	want := map[string]Reason{"OWES": ReasonStillOwes, "PAID": ReasonUnblocked, "NOIP": ReasonNoIPLabelCleared, "CRUMBS": ReasonUnblocked, "FAIL": ReasonUnblocked}
	checkReasons(t, "plan", unblockReasons(plan.Decisions), want)
	for _, d := range plan.Decisions {
		if d.Customer.Code == "OWES" && (!d.Debt.Amount.Equal(decimal.NewFromInt(251)) || d.Debt.Count() != 2 || d.IPs != nil) {
			t.Errorf("OWES = %+v", d)
		}
	}
	if len(plan.Changes) != 4 {
		t.Fatalf("changes = %v", plan.Changes)
	}
	for _, c := range plan.Changes {
		if c.Action != netbackend.Unblock || c.FallbackSpeed != 20 {
			t.Errorf("change %+v", c)
		}
	}
	var results []netbackend.Result
	for _, c := range plan.Changes {
		r := netbackend.Result{Change: c, Status: netbackend.Changed, SpeedAfter: 20}
		if c.Customer == "FAIL" {
			r.Status, r.Err = netbackend.Failed, errors.New("conflict")
		}
		if c.IP.String() == "10.0.1.2" {
			r.Status = netbackend.Unchanged
		}
		results = append(results, r)
	}
	ds := ResolveUnblock(plan, results)
	want["FAIL"] = ReasonErrorUnblocking
	checkReasons(t, "resolved", unblockReasons(ds), want)
	removes := map[string]bool{}
	for _, d := range ds {
		removes[d.Customer.Code] = d.RemovesLabel()
		if d.Customer.Code == "PAID" && !slices.Equal(d.Newly, ips("10.0.1.1")) {
			t.Errorf("PAID newly = %v", d.Newly)
		}
	}
	if !removes["PAID"] || !removes["NOIP"] || !removes["CRUMBS"] || removes["OWES"] || removes["FAIL"] {
		t.Errorf("removes label: %v", removes)
	}
}

// TestMarkAndUnblockAgree checks that for any debt, a customer marked by
// DecideMark is one that PlanUnblock considers still owing, and vice versa,
// so nobody flaps between the two.
func TestMarkAndUnblockAgree(t *testing.T) {
	for _, min := range []string{"0", "1", "100"} {
		p := Policy{MinDebt: decimal.RequireFromString(min)}
		for _, amount := range []string{"0.01", "0.99", "1", "1.01", "99.99", "100", "100.01", "5000"} {
			in := MarkInput{Customers: []abraflexi.Address{cust("A", "UPOMINKA3")}, Contracts: []abraflexi.Contract{inet("A")}, Invoices: []abraflexi.IssuedInvoice{invoice("F", "A", amount)}}
			marked := DecideMark(today, in, p)[0].Reason == ReasonMarked
			owes := PlanUnblock(today, UnblockInput{Customers: []abraflexi.Address{cust("A", "ODPOJENO")}, Invoices: in.Invoices}, p).Decisions[0].Reason == ReasonStillOwes
			if marked != owes {
				t.Errorf("MIN_DEBT=%s debt=%s: marked=%v still owes=%v", min, amount, marked, owes)
			}
		}
	}
}

func TestCheckBlocks(t *testing.T) {
	workday := abraflexi.MustParseDate("2026-11-25")
	holiday := abraflexi.MustParseDate("2026-11-17")
	newly := []string{"A", "B", "C"}
	tests := []struct {
		name  string
		day   abraflexi.Date
		newly []string
		p     Policy
		want  RefusalKind
	}{
		{"under limit", workday, newly, Policy{MaxBlocks: 3}, ""},
		{"over limit", workday, newly, Policy{MaxBlocks: 2}, RefusedCircuitBreaker},
		{"unlimited", workday, newly, Policy{MaxBlocks: Unlimited}, ""},
		{"any negative is unlimited", workday, newly, Policy{MaxBlocks: -7}, ""},
		{"holiday with workdays", holiday, newly, Policy{CutDays: CutWorkdays}, RefusedNotCutDay},
		{"holiday with any", holiday, newly, Policy{CutDays: CutAnyDay}, ""},
		{"nothing new on a holiday", holiday, nil, Policy{CutDays: CutWorkdays, MaxBlocks: 1}, ""},
		{"cut day checked first", holiday, newly, Policy{CutDays: CutWorkdays, MaxBlocks: 1}, RefusedNotCutDay},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := CheckBlocks(tt.day, tt.newly, tt.p)
			switch {
			case tt.want == "" && r != nil:
				t.Errorf("refused: %+v", r)
			case tt.want != "" && (r == nil || r.Kind != tt.want):
				t.Errorf("refusal = %+v, want %s", r, tt.want)
			case r != nil && (!slices.Equal(r.Customers, tt.newly) || r.Message == ""):
				t.Errorf("refusal = %+v", r)
			}
		})
	}
	// The zero value is safe: the default breaker.
	many := make([]string, DefaultMaxBlocks+1)
	for i := range many {
		many[i] = fmt.Sprintf("C%d", i)
	}
	if r := CheckBlocks(workday, many, Policy{}); r == nil || r.Kind != RefusedCircuitBreaker || !strings.Contains(r.Message, "MAX_BLOCKS=100") {
		t.Errorf("Policy{} with %d newly: %+v, want the default breaker", len(many), r)
	}
	if r := CheckBlocks(workday, many[:DefaultMaxBlocks], Policy{}); r != nil {
		t.Errorf("Policy{} at the limit: %+v", r)
	}
	r := CheckBlocks(workday, newly, Policy{MaxBlocks: 2})
	if !strings.Contains(r.Message, "3 customers would be newly blocked, more than MAX_BLOCKS=2") {
		t.Errorf("message = %q", r.Message)
	}
}

func TestVerify(t *testing.T) {
	ip := func(s string) netip.Addr { return netip.MustParseAddr(s) }
	res := func(action netbackend.Action, addr string, status netbackend.Status, after int) netbackend.Result {
		return netbackend.Result{Change: netbackend.Change{Customer: "C" + addr, IP: ip(addr), Action: action}, Status: status, SpeedAfter: after}
	}
	results := []netbackend.Result{
		res(netbackend.Block, "10.0.0.1", netbackend.Changed, 0),    // ok
		res(netbackend.Block, "10.0.0.2", netbackend.Changed, 0),    // not blocked
		res(netbackend.Block, "10.0.0.3", netbackend.Changed, 0),    // missing
		res(netbackend.Block, "10.0.0.4", netbackend.Unchanged, 0),  // not checked
		res(netbackend.Unblock, "10.0.1.1", netbackend.Changed, 50), // ok
		res(netbackend.Unblock, "10.0.1.2", netbackend.Changed, 50), // still blocked
		res(netbackend.Unblock, "10.0.1.3", netbackend.Changed, 50), // wrong speed
		res(netbackend.Unblock, "10.0.1.4", netbackend.Changed, 0),  // fallback 0: stays at 0
		res(netbackend.Unblock, "10.0.1.5", netbackend.Changed, -1), // no speed
		res(netbackend.Unblock, "10.0.1.6", netbackend.Failed, 0),   // not checked
	}
	st := func(addr string, found, blocked bool, speed int) netbackend.IPState {
		return netbackend.IPState{IP: ip(addr), Found: found, Blocked: blocked, Speed: speed, OriginalSpeed: -1}
	}
	states := map[netip.Addr]netbackend.IPState{
		ip("10.0.0.1"): st("10.0.0.1", true, true, 0),
		ip("10.0.0.2"): st("10.0.0.2", true, false, 10),
		ip("10.0.0.4"): st("10.0.0.4", true, false, 10),
		ip("10.0.1.1"): st("10.0.1.1", true, false, 50),
		ip("10.0.1.2"): st("10.0.1.2", true, true, 0),
		ip("10.0.1.3"): st("10.0.1.3", true, false, 40),
		ip("10.0.1.4"): st("10.0.1.4", true, true, 0),
		ip("10.0.1.5"): st("10.0.1.5", true, false, -1),
	}
	var got []string
	for _, m := range Verify(results, states) {
		got = append(got, m.String())
	}
	want := []string{
		"block 10.0.0.2 (C10.0.0.2): not blocked (speed 10)",
		"block 10.0.0.3 (C10.0.0.3): not found when verified",
		"unblock 10.0.1.2 (C10.0.1.2): still blocked",
		"unblock 10.0.1.3 (C10.0.1.3): speed 40, want 50",
	}
	if !slices.Equal(got, want) {
		t.Errorf("mismatches:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if ips := changedIPs(results); len(ips) != 8 {
		t.Errorf("changedIPs = %v", ips)
	}
}

func TestReasonClasses(t *testing.T) {
	all := []Reason{ReasonMarked, ReasonAlreadyMarked, ReasonVIPSkipped, ReasonNoDisconnectSkipped, ReasonNoContractSkipped,
		ReasonNoDebtSkipped, ReasonErrorMarking, ReasonBlocked, ReasonNoIPFound, ReasonErrorBlocking, ReasonWouldBlock,
		ReasonUnblocked, ReasonStillOwes, ReasonNoIPLabelCleared, ReasonErrorUnblocking, ReasonErrorRemovingLabel}
	wantStrings := []string{"marked_for_disconnection", "already_marked", "vip_skipped", "nodisconnect_skipped", "no_contract_skipped",
		"no_debt_skipped", "error_marking", "blocked", "no_ip_found", "error_blocking", "would_block",
		"unblocked", "still_owes", "no_ip_label_cleared", "error_unblocking", "error_removing_label"}
	var errs, problems []Reason
	for i, r := range all {
		if r.String() != wantStrings[i] {
			t.Errorf("%q != %q", r, wantStrings[i])
		}
		if r.IsError() {
			errs = append(errs, r)
		}
		if r.IsProblem() {
			problems = append(problems, r)
		}
	}
	if !slices.Equal(errs, []Reason{ReasonErrorMarking, ReasonErrorBlocking, ReasonErrorUnblocking, ReasonErrorRemovingLabel}) {
		t.Errorf("errors = %v", errs)
	}
	if !slices.Equal(problems, []Reason{ReasonNoIPFound, ReasonWouldBlock}) {
		t.Errorf("problems = %v", problems)
	}
}

func blockReasons(ds []BlockDecision) map[string]Reason {
	m := map[string]Reason{}
	for _, d := range ds {
		m[d.Customer.Code] = d.Reason
	}
	return m
}

func unblockReasons(ds []UnblockDecision) map[string]Reason {
	m := map[string]Reason{}
	for _, d := range ds {
		m[d.Customer.Code] = d.Reason
	}
	return m
}

func checkReasons(t *testing.T, what string, got, want map[string]Reason) {
	t.Helper()
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: %s = %q, want %q", what, k, got[k], w)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: unexpected decision for %s", what, k)
		}
	}
}
