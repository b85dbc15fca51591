package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/shopspring/decimal"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/dunning"
	"github.com/spoje-net/isptools/notify"
	"github.com/spoje-net/isptools/payments"
)

// maxRows bounds the rows of a table; the reports hold everything.
const maxRows = 25

// printer writes the account to the terminal as the demo goes.
type printer struct {
	w     io.Writer
	now   func() time.Time
	start time.Time
	n     int
}

func newPrinter(w io.Writer, now func() time.Time) *printer {
	return &printer{w: w, now: now, start: now()}
}

// stage prints a stage header with the time elapsed since the start.
func (p *printer) stage(title, what string) {
	p.n++
	el := p.now().Sub(p.start).Seconds()
	fmt.Fprintf(p.w, "\n[%5.2fs] ── %d. %s ", el, p.n, title)
	fmt.Fprintln(p.w, strings.Repeat("─", max(3, 60-len([]rune(title)))))
	if what != "" {
		fmt.Fprintf(p.w, "         %s\n", what)
	}
	fmt.Fprintln(p.w)
}

// table prints rows under header with tabwriter, indented; more than
// maxRows rows are cut with a note pointing at the report.
func (p *printer) table(header []string, rows [][]string, more string) {
	tw := tabwriter.NewWriter(p.w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  "+strings.Join(header, "\t"))
	for i, r := range rows {
		if i == maxRows {
			fmt.Fprintf(tw, "  … %d more in %s\n", len(rows)-maxRows, more)
			break
		}
		fmt.Fprintln(tw, "  "+strings.Join(r, "\t"))
	}
	_ = tw.Flush()
}

func (p *printer) linef(format string, args ...any) {
	fmt.Fprintf(p.w, "  "+format+"\n", args...)
}

// czk formats an amount in Czech crowns as the e-mails do: "1 234,50 CZK".
func czk(d decimal.Decimal) string {
	return notify.FormatAmount(d, "cs") + " CZK"
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

func ipList(ips []netip.Addr) string {
	s := make([]string, len(ips))
	for i, ip := range ips {
		s[i] = ip.String()
	}
	return strings.Join(s, " ")
}

func trunc(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// world prints what was generated.
func (p *printer) world(w *world, in *infra, open decimal.Decimal) {
	contracts, expired, invoices, hosts := 0, 0, 0, 0
	for _, c := range w.Customers {
		contracts += len(c.Contracts)
		for _, ct := range c.Contracts {
			if !ct.activeOn(w.Today) {
				expired++
			}
		}
		invoices += len(c.Invoices)
		hosts += len(c.Hosts)
	}
	p.linef("Today is %s %s (-today), seed %d (-seed).", w.Today.Time(time.UTC).Weekday(), w.Today, w.Seed)
	p.linef("AbraFlexi  %s/c/%s  (in memory): %d customers, %d contracts (%d expired), %d invoices, %s open",
		in.af.URL, in.af.Company(), len(w.Customers), contracts, expired, invoices, czk(open))
	switch in.backend {
	case backendSVN:
		p.linef("Hosts file in a file:// Subversion repository (svnadmin): %d customer IPs in %d points of presence", hosts, len(pops))
	default:
		p.linef("Hosts file in a local file (svn not installed or -backend file): %d customer IPs in %d points of presence", hosts, len(pops))
	}
	p.linef("SMTP server %s (in process) captures every e-mail", in.smtp.Addr())
	fmt.Fprintln(p.w)
	var rows [][]string
	for _, rc := range w.roleSummary() {
		var ex []string
		for _, c := range w.byRole(rc.Role) {
			if len(ex) == 3 {
				ex = append(ex, "…")
				break
			}
			ex = append(ex, c.Code)
		}
		rows = append(rows, []string{fmt.Sprint(rc.Count), rc.Role.String(), strings.Join(ex, " ")})
	}
	p.table([]string{"CUSTOMERS", "STORY", "E.G."}, rows, "")
}

// markWhy explains a mark decision.
func markWhy(d dunning.MarkDecision) string {
	owes := fmt.Sprintf("owes %s on %s", czk(d.Debt.Amount), plural(d.Debt.Count(), "overdue invoice", "overdue invoices"))
	switch d.Reason {
	case dunning.ReasonMarked:
		return owes + ", internet contract active"
	case dunning.ReasonAlreadyMarked:
		return "already labelled ODPOJENO by an earlier run"
	case dunning.ReasonVIPSkipped:
		return "VIP: never disconnected (" + owes + ")"
	case dunning.ReasonNoDisconnectSkipped:
		return "NEODPOJOVAT: never disconnected (" + owes + ")"
	case dunning.ReasonNoContractSkipped:
		return "no active INTERNET contract (" + owes + ")"
	case dunning.ReasonNoDebtSkipped:
		return "stale reminder: nothing overdue any more"
	}
	if d.Err != nil {
		return d.Err.Error()
	}
	return ""
}

func (p *printer) mark(res *dunning.MarkResult) {
	var rows [][]string
	for _, d := range res.Decisions {
		rows = append(rows, []string{d.Customer.Code, trunc(d.Customer.Name, 28), string(d.Reason), markWhy(d)})
	}
	p.table([]string{"CUSTOMER", "NAME", "DECISION", "WHY"}, rows, "reports/01-"+appMark+".json")
	c := res.Counts()
	fmt.Fprintln(p.w)
	p.linef("%d customers carry UPOMINKA3: %d marked ODPOJENO, %d already were, %d spared.", c.Total(), c[dunning.ReasonMarked],
		c[dunning.ReasonAlreadyMarked], c.Total()-c[dunning.ReasonMarked]-c[dunning.ReasonAlreadyMarked]-c[dunning.ReasonErrorMarking])
}

func (p *printer) block(res *dunning.BlockResult) {
	var rows [][]string
	for _, d := range res.Decisions {
		why := ""
		switch d.Reason {
		case dunning.ReasonBlocked:
			switch {
			case len(d.Newly) == len(d.IPs):
				why = "cut to speed 0 now"
			case len(d.Newly) == 0:
				why = "already at speed 0"
			default:
				why = fmt.Sprintf("%d of %d IPs cut now", len(d.Newly), len(d.IPs))
			}
		case dunning.ReasonNoIPFound:
			why = "no line with {code:" + d.Customer.Code + "} in the hosts file: check it"
		case dunning.ReasonVIPSkipped, dunning.ReasonNoDisconnectSkipped:
			why = "exempt"
		default:
			if d.Err != nil {
				why = d.Err.Error()
			}
		}
		rows = append(rows, []string{d.Customer.Code, trunc(d.Customer.Name, 28), string(d.Reason), ipList(d.IPs), why})
	}
	p.table([]string{"CUSTOMER", "NAME", "RESULT", "IPS", "WHY"}, rows, "reports/02-"+appBlock+".json")
	fmt.Fprintln(p.w)
	newlyIPs := 0
	for _, d := range res.Decisions {
		newlyIPs += len(d.Newly)
	}
	p.linef("%d ODPOJENO customers: %d newly cut off (%s), %d without IP. Verified: %d mismatches.",
		len(res.Decisions), res.NewlyBlocked(), plural(newlyIPs, "IP", "IPs"), res.Counts()[dunning.ReasonNoIPFound], len(res.Mismatches))
}

func payerName(p paymentSpec) string {
	if p.Payer == nil {
		if p.Outgoing {
			return "to Obec Šlapanice"
		}
		return "unknown (" + p.Account + ")"
	}
	return p.Payer.Code + " " + trunc(p.Payer.Name, 22)
}

func (p *printer) payments(specs []paymentSpec) {
	var rows [][]string
	total := decimal.Zero
	for _, s := range specs {
		kind := "bank"
		if s.Evidence == abraflexi.EvidenceCash {
			kind = "cash"
		}
		if s.Outgoing {
			kind += " out"
		} else {
			total = total.Add(s.Amount)
		}
		vs := s.VarSym
		if vs == "" {
			vs = "—"
		}
		rows = append(rows, []string{s.Code, kind, payerName(s), vs, czk(s.Amount), s.Note})
	}
	p.table([]string{"PAYMENT", "KIND", "FROM", "VAR. SYMBOL", "AMOUNT", "NOTE"}, rows, "AbraFlexi")
	fmt.Fprintln(p.w)
	p.linef("%d payments, %s received.", len(specs), czk(total))
}

// matchWhy explains a matcher result in a few words.
func matchWhy(r payments.Result) string {
	labels := ""
	if len(r.Labels) > 0 {
		labels = " (label " + strings.Join(r.Labels, ", ") + ")"
	}
	switch r.Reason {
	case payments.Matched:
		return "pays the invoice in full"
	case payments.MatchedPartial:
		return fmt.Sprintf("pays %s of %s; %s remain", czk(r.Amount), czk(r.Due), czk(r.Due.Sub(r.Amount)))
	case payments.MatchedOverpayment:
		return fmt.Sprintf("pays %s in full, %s too much stays on the payment%s", czk(r.Due), czk(r.Amount.Sub(r.Due)), labels)
	case payments.UnknownVarSym:
		return "no open invoice has variable symbol " + r.VarSym + labels
	case payments.NoVarSym:
		return "no variable symbol" + labels
	case payments.NotIncoming:
		return "outgoing payment: nothing to match"
	}
	return r.Message + labels
}

func (p *printer) matches(ms []matchOutcome) {
	var rows [][]string
	counts := map[int]int{}
	matched := decimal.Zero
	for _, m := range ms {
		r := m.Result
		inv := r.Invoice
		if inv == "" {
			inv = "—"
		}
		what := matchWhy(r)
		rows = append(rows, []string{r.Document, inv, string(r.Reason), fmt.Sprint(r.ExitCode), what})
		counts[r.ExitCode]++
		if r.Matched() {
			matched = matched.Add(decimal.Min(r.Amount, r.Due))
		}
	}
	p.table([]string{"PAYMENT", "INVOICE", "REASON", "EXIT", "WHY"}, rows, "reports/03-*.json")
	fmt.Fprintln(p.w)
	p.linef("Exit 0 (matched or nothing to do): %d, exit 2 (left for manual matching): %d, exit 1 (error): %d. %s paid off invoices.",
		counts[0], counts[2], counts[1], czk(matched))
}

func (p *printer) notices(ns []noticeOutcome, mails []mailOut) {
	var rows [][]string
	for _, n := range ns {
		to := n.Result.Recipient()
		if to == "" {
			to = "—"
		}
		rows = append(rows, []string{n.App, n.Trigger, n.Result.Document, string(n.Result.Reason), to})
	}
	p.table([]string{"APP", "PAYMENT", "DOCUMENT", "RESULT", "RECIPIENT"}, rows, "reports/04-*.json, reports/05-*.json")
	fmt.Fprintln(p.w)
	p.linef("E-mails captured by the SMTP server:")
	fmt.Fprintln(p.w)
	rows = nil
	for i, m := range mails {
		rows = append(rows, []string{fmt.Sprint(i + 1), m.To, trunc(m.Subject, 60), strings.Join(m.Attachments, ", ")})
	}
	p.table([]string{"#", "TO", "SUBJECT", "ATTACHED"}, rows, "mail/")
}

func (p *printer) unblock(res *dunning.UnblockResult) {
	var rows [][]string
	for _, d := range res.Decisions {
		why := ""
		switch d.Reason {
		case dunning.ReasonUnblocked:
			why = "paid up: speed restored, ODPOJENO removed"
		case dunning.ReasonNoIPLabelCleared:
			why = "paid up, no IP: ODPOJENO removed"
		case dunning.ReasonStillOwes:
			why = fmt.Sprintf("still owes %s on %s", czk(d.Debt.Amount), plural(d.Debt.Count(), "invoice", "invoices"))
		default:
			if d.Err != nil {
				why = d.Err.Error()
			}
		}
		rows = append(rows, []string{d.Customer.Code, trunc(d.Customer.Name, 28), string(d.Reason), ipList(d.Newly), why})
	}
	p.table([]string{"CUSTOMER", "NAME", "RESULT", "UNBLOCKED IPS", "WHY"}, rows, "reports/06-"+appUnblock+".json")
	c := res.Counts()
	fmt.Fprintln(p.w)
	p.linef("%d ODPOJENO customers: %d unblocked, %d without IP cleared, %d still owe. Verified: %d mismatches.",
		c.Total(), c[dunning.ReasonUnblocked], c[dunning.ReasonNoIPLabelCleared], c[dunning.ReasonStillOwes], len(res.Mismatches))
}

// showcase picks a few customers whose hosts lines tell the story.
func (acc *account) showcase() []struct{ Code, Story string } {
	var out []struct{ Code, Story string }
	add := func(code, story string) {
		for _, e := range out {
			if e.Code == code {
				return
			}
		}
		out = append(out, struct{ Code, Story string }{code, story})
	}
	if acc.Unblock != nil {
		// One cut off today and one cut off earlier, both reconnected.
		for _, earlier := range []bool{false, true} {
			for _, d := range acc.Unblock.Decisions {
				c := acc.World.customer(d.Customer.Code)
				if d.Reason != dunning.ReasonUnblocked || c == nil || (c.Role == roleAlreadyCut) != earlier {
					continue
				}
				story := "cut off today, paid, reconnected"
				if earlier {
					story = "cut off by an earlier run, paid at the cash desk, reconnected"
				}
				add(d.Customer.Code, story)
				break
			}
		}
		for _, d := range acc.Unblock.Decisions {
			if d.Reason == dunning.ReasonStillOwes && len(d.IPs) == 0 {
				if c := acc.World.customer(d.Customer.Code); c != nil && len(c.Hosts) > 0 {
					add(d.Customer.Code, "cut off today, still owes")
					break
				}
			}
		}
	}
	for _, c := range acc.World.byRole(roleVIP) {
		if len(c.Hosts) > 0 {
			add(c.Code, "VIP with debt: never cut")
			break
		}
	}
	return out
}

// linesOf returns the hosts-file lines of a customer.
func linesOf(hosts []byte, code string) []string {
	var out []string
	tok := "{code:" + code + "}"
	for l := range bytes.Lines(hosts) {
		if bytes.Contains(l, []byte(tok)) {
			out = append(out, strings.TrimRight(string(l), "\r\n"))
		}
	}
	return out
}

func (p *printer) hosts(acc *account) {
	p.linef("Hosts-file lines of a few customers (hosts/hosts.1-before, .2-after-blocknet, .3-after-unblocknet):")
	for _, s := range acc.showcase() {
		fmt.Fprintln(p.w)
		name := ""
		if c := acc.World.customer(s.Code); c != nil {
			name = c.Name
		}
		p.linef("%s %s — %s", s.Code, name, s.Story)
		var prev []string
		for i, snap := range [][]byte{acc.HostsBefore, acc.HostsBlocked, acc.HostsAfter} {
			lines := linesOf(snap, s.Code)
			// The prefix is 16 columns wide, so the tabs of the lines land
			// on the same tab stops as in the file.
			label := fmt.Sprintf("    %-12s", []string{"before", "blocknet", "unblocknet"}[i])
			if i > 0 && slices.Equal(lines, prev) {
				fmt.Fprintf(p.w, "%s(unchanged)\n", label)
				continue
			}
			for _, l := range lines {
				fmt.Fprintf(p.w, "%s%s\n", label, l)
			}
			prev = lines
		}
	}
	fmt.Fprintln(p.w)
}

func (p *printer) commits(cs []string) {
	if len(cs) == 0 {
		return
	}
	p.linef("Subversion commits (one per run that changed the network):")
	for _, c := range cs {
		p.linef("  %s", c)
	}
	fmt.Fprintln(p.w)
}

func (p *printer) totals(acc *account) {
	mc := acc.Mark.Counts()
	uc := acc.Unblock.Counts()
	paired, manual, other := 0, 0, 0
	for _, m := range acc.Matches {
		switch {
		case m.Result.Matched():
			paired++
		case m.Result.ExitCode == payments.ExitUnmatched:
			manual++
		default:
			other++
		}
	}
	newlyIPs, unIPs := 0, 0
	for _, d := range acc.Block.Decisions {
		newlyIPs += len(d.Newly)
	}
	for _, d := range acc.Unblock.Decisions {
		unIPs += len(d.Newly)
	}
	p.linef("Totals")
	tw := tabwriter.NewWriter(p.w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "    marked for disconnection\t%d (of %d with UPOMINKA3)\n", mc[dunning.ReasonMarked], mc.Total())
	fmt.Fprintf(tw, "    cut off by blocknet\t%d customers, %s\n", acc.Block.NewlyBlocked(), plural(newlyIPs, "IP", "IPs"))
	fmt.Fprintf(tw, "    payments\t%d: %d matched, %d left for manual matching, %d nothing to do\n", len(acc.Matches), paired, manual, other)
	fmt.Fprintf(tw, "    e-mails sent\t%d (%d confirmations, %d notices)\n", len(acc.Mails), countApp(acc.Notices, appConfirm), countApp(acc.Notices, appNotice))
	fmt.Fprintf(tw, "    reconnected by unblocknet\t%d customers, %s; %d still owe\n", uc[dunning.ReasonUnblocked]+uc[dunning.ReasonNoIPLabelCleared], plural(unIPs, "IP", "IPs"), uc[dunning.ReasonStillOwes])
	fmt.Fprintf(tw, "    open invoices\t%s before, %s after\n", czk(acc.OpenBefore), czk(acc.OpenAfter))
	_ = tw.Flush()
	fmt.Fprintln(p.w)
}

// countApp counts the e-mails app sent.
func countApp(ns []noticeOutcome, app string) int {
	n := 0
	for _, x := range ns {
		if x.App == app && x.Result.Reason == notify.ReasonSent {
			n++
		}
	}
	return n
}

func (p *printer) files(o *output) {
	counts := map[string]int{}
	for _, f := range o.files {
		counts[filepath.Dir(f)]++
	}
	dir := o.dir
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	p.linef("Written to %s/:", dir)
	p.linef("  reports/  %d JSON reports, one per app run, as the apps write them", counts["reports"])
	p.linef("  mail/     %d e-mails (.eml, open them in a mail client)", counts["mail"])
	p.linef("  hosts/    the hosts file before, after blocknet and after unblocknet")
}

// next prints where to go from here.
func (p *printer) next(keep bool) {
	fmt.Fprintln(p.w)
	if !keep {
		p.linef("Next: run with -keep to explore AbraFlexi with curl, -h for the flags, and")
		p.linef("go run ./examples/blocknet -h (or any other app) for the real binaries.")
	}
}

// keep prints how to reach the running servers.
func (p *printer) keep(in *infra) {
	cfg := in.af.Config()
	base := fmt.Sprintf("%s/c/%s", cfg.URL, cfg.Company)
	fmt.Fprintln(p.w)
	p.linef("The servers keep running (-keep). Press Ctrl-C to stop.")
	fmt.Fprintln(p.w)
	p.linef("AbraFlexi  %s   login %s, password %s", base, cfg.Login, cfg.Password)
	p.linef("SMTP       %s (captures, never delivers)", in.smtp.Addr())
	switch in.backend {
	case backendSVN:
		p.linef("Hosts      svn cat %s/hosts", in.svnURL)
	default:
		p.linef("Hosts      %s", in.hosts)
	}
	fmt.Fprintln(p.w)
	p.linef("Try:")
	u := cfg.Login + ":" + cfg.Password
	p.linef("  curl -su %s '%s/adresar/(stitky%%3D%%27code:ODPOJENO%%27).json?detail=custom:kod,nazev,stitky'", u, base)
	p.linef("  curl -su %s '%s/faktura-vydana/(stavUhrK%%20is%%20null).json?limit=5'", u, base)
	p.linef("  curl -su %s '%s/banka.json?detail=custom:kod,varSym,sumCelkem,sparovano,stitky'", u, base)
	p.linef("  curl -su %s '%s/changes.json'", u, base)
	p.linef("  curl -su %s -o invoice.pdf '%s/faktura-vydana/1.pdf'", u, base)
}

// openAmount sums zbyvaUhradit of every open issued invoice.
func openAmount(ctx context.Context, c *abraflexi.Client) (decimal.Decimal, error) {
	sum := decimal.Zero
	open := abraflexi.And(
		abraflexi.Or(abraflexi.IsNull("stavUhrK"), abraflexi.Eq("stavUhrK", abraflexi.PaymentStatePartial)),
		abraflexi.IsFalse("storno"),
	)
	for inv, err := range c.IssuedInvoices.List(ctx, abraflexi.ListOptions{Filter: open, Fields: []string{"id", "zbyvaUhradit"}}) {
		if err != nil {
			return sum, err
		}
		sum = sum.Add(inv.Remaining)
	}
	return sum, nil
}

func joinLines(s []string) string { return strings.Join(s, "\n  ") }

// problems compares what happened with what the story expects.
func (acc *account) problems() []string {
	var out []string
	for _, m := range acc.Matches {
		if string(m.Result.Reason) != m.Spec.Expect {
			out = append(out, fmt.Sprintf("payment %s (%s): %s, expected %s: %s", m.Spec.Code, m.Spec.Note, m.Result.Reason, m.Spec.Expect, m.Result.Message))
		}
	}
	for _, n := range acc.Notices {
		if n.Err != nil {
			out = append(out, fmt.Sprintf("%s for %s: %v", n.App, n.Trigger, n.Err))
		}
	}
	return out
}
