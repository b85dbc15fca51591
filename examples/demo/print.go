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
	"time"

	"github.com/shopspring/decimal"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/dunning"
	"github.com/spoje-net/isptools/notify"
	"github.com/spoje-net/isptools/payments"
)

// maxRows bounds the rows of a table; the reports hold everything.
const maxRows = 25

// maxWidth is the width of the account: every line fits 100 columns
// (tabs counted to the next multiple of 8).
const maxWidth = 100

// printer writes the account to the terminal as the demo goes.
type printer struct {
	w     io.Writer
	now   func() time.Time
	start time.Time
	n     int
	// summaries are the summary lines printed, unwrapped.
	summaries []string
}

func newPrinter(w io.Writer, now func() time.Time) *printer {
	return &printer{w: &trimWriter{w: w}, now: now, start: now()}
}

// trimWriter drops the trailing spaces of every line written through it.
type trimWriter struct {
	w    io.Writer
	line []byte
}

func (t *trimWriter) Write(b []byte) (int, error) {
	for _, c := range b {
		if c != '\n' {
			t.line = append(t.line, c)
			continue
		}
		t.line = append(bytes.TrimRight(t.line, " "), '\n')
		if _, err := t.w.Write(t.line); err != nil {
			return 0, err
		}
		t.line = t.line[:0]
	}
	return len(b), nil
}

// stage prints a stage header with the time elapsed since the start.
func (p *printer) stage(title, what string) {
	p.n++
	el := p.now().Sub(p.start).Seconds()
	fmt.Fprintf(p.w, "\n[%5.2fs] ── %d. %s ", el, p.n, title)
	fmt.Fprintln(p.w, strings.Repeat("─", max(3, 60-len([]rune(title)))))
	if what != "" {
		for _, l := range wrap(what, maxWidth-9) {
			fmt.Fprintf(p.w, "         %s\n", l)
		}
	}
	fmt.Fprintln(p.w)
}

// table prints rows under header, indented by two spaces, columns two
// spaces apart; the last column wraps onto more lines where a row would
// not fit maxWidth. More than maxRows rows are cut with a note pointing at more,
// where everything is.
func (p *printer) table(header []string, rows [][]string, more string) {
	all := append([][]string{header}, rows...)
	if len(rows) > maxRows {
		all = all[:maxRows+1]
	}
	width := make([]int, len(header))
	for _, r := range all {
		for i, c := range r[:len(r)-1] {
			width[i] = max(width[i], len([]rune(c)))
		}
	}
	for _, r := range all {
		var b strings.Builder
		b.WriteString("  ")
		for i, c := range r[:len(r)-1] {
			b.WriteString(c)
			b.WriteString(strings.Repeat(" ", width[i]-len([]rune(c))+2))
		}
		lead := len([]rune(b.String()))
		for i, l := range wrap(r[len(r)-1], max(maxWidth-lead, 16)) {
			if i > 0 {
				b.Reset()
				b.WriteString(strings.Repeat(" ", lead))
			}
			fmt.Fprintln(p.w, b.String()+l)
		}
	}
	if len(rows) > maxRows {
		fmt.Fprintf(p.w, "  … %d more in %s\n", len(rows)-maxRows, more)
	}
}

// wrap breaks s at spaces into lines of at most width runes; a word
// longer than width is cut.
func wrap(s string, width int) []string {
	var out []string
	line := ""
	for _, w := range strings.Fields(s) {
		switch {
		case line == "":
			line = w
		case len([]rune(line))+1+len([]rune(w)) <= width:
			line += " " + w
		default:
			out = append(out, line)
			line = w
		}
		for len([]rune(line)) > width {
			r := []rune(line)
			out = append(out, string(r[:width-1])+"…")
			line = string(r[width-1:])
		}
	}
	return append(out, line)
}

// summary prints "total what: n1 what1, n2 what2." (the groups of no
// one left out; the groups add up to total), wrapped to maxWidth, and
// keeps it in p.summaries.
func (p *printer) summary(total int, what string, parts ...part) {
	var out []string
	for _, pt := range parts {
		if pt.n > 0 {
			out = append(out, fmt.Sprintf("%d %s", pt.n, pt.what))
		}
	}
	text := fmt.Sprintf("%d %s.", total, what)
	if len(out) > 0 {
		text = fmt.Sprintf("%d %s: %s.", total, what, strings.Join(out, ", "))
	}
	p.summaries = append(p.summaries, text)
	for i, l := range wrap(text, maxWidth-4) {
		if i == 0 {
			p.linef("%s", l)
		} else {
			p.linef("  %s", l)
		}
	}
}

// linef prints a line indented by two spaces; a line wider than
// maxWidth wraps at spaces, its continuation indented two more than the
// line itself.
func (p *printer) linef(format string, args ...any) {
	s := "  " + fmt.Sprintf(format, args...)
	if len([]rune(s)) <= maxWidth {
		fmt.Fprintln(p.w, s)
		return
	}
	body := strings.TrimLeft(s, " ")
	indent := len(s) - len(body)
	for i, l := range wrap(body, maxWidth-indent-2) {
		pad := indent
		if i > 0 {
			pad += 2
		}
		fmt.Fprintf(p.w, "%s%s\n", strings.Repeat(" ", pad), l)
	}
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

// world prints what was generated and the settings of the run.
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
	p.linef("AbraFlexi    %s/c/%s (in memory)", in.af.URL, in.af.Company())
	p.linef("             %d customers, %d contracts (%d expired), %d invoices, %s open",
		len(w.Customers), contracts, expired, invoices, czk(open))
	switch in.backend {
	case backendSVN:
		p.linef("Hosts file   in a file:// Subversion repository: %d customer IPs, %d points of presence", hosts, len(pops))
	default:
		p.linef("Hosts file   in a local file (no svn, or -backend file): %d customer IPs, %d points of presence", hosts, len(pops))
	}
	p.linef("SMTP server  %s (in process) captures every e-mail", in.smtp.Addr())
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
	fmt.Fprintln(p.w)
	p.linef("The apps run with these settings (environment variables, read as the real")
	p.linef("binaries read them); everything else is at the apps' defaults. -keep prints")
	p.linef("them with the servers' addresses as export lines for the real binaries.")
	fmt.Fprintln(p.w)
	p.table([]string{"SETTING", "APPS", "WHY"}, settingRows(in.settings), "")
}

// part is one group of a summary: how many and what they are.
type part struct {
	n    int
	what string
}

// markWhy explains a mark decision.
func markWhy(d dunning.MarkDecision) string {
	owes := "owes " + czk(d.Debt.Amount)
	switch d.Reason {
	case dunning.ReasonMarked:
		return fmt.Sprintf("%s on %s", owes, plural(d.Debt.Count(), "overdue invoice", "overdue invoices"))
	case dunning.ReasonAlreadyMarked:
		return "labelled ODPOJENO by an earlier run"
	case dunning.ReasonVIPSkipped:
		return "VIP: never cut (" + owes + ")"
	case dunning.ReasonNoDisconnectSkipped:
		return "NEODPOJOVAT: never cut (" + owes + ")"
	case dunning.ReasonNoContractSkipped:
		return "no internet contract (" + owes + ")"
	case dunning.ReasonNoDebtSkipped:
		return "stale reminder: nothing overdue"
	}
	if d.Err != nil {
		return d.Err.Error()
	}
	return ""
}

func (p *printer) mark(res *dunning.MarkResult) {
	var rows [][]string
	for _, d := range res.Decisions {
		rows = append(rows, []string{d.Customer.Code, trunc(d.Customer.Name, 18), string(d.Reason), markWhy(d)})
	}
	p.table([]string{"CUSTOMER", "NAME", "DECISION", "WHY"}, rows, "reports/01-"+appMark+".json")
	c := res.Counts()
	fmt.Fprintln(p.w)
	p.summary(c.Total(), "customers carry UPOMINKA3",
		part{c[dunning.ReasonMarked], "newly marked ODPOJENO"},
		part{c[dunning.ReasonAlreadyMarked], "already marked"},
		part{c[dunning.ReasonVIPSkipped], "VIP"},
		part{c[dunning.ReasonNoDisconnectSkipped], "NEODPOJOVAT"},
		part{c[dunning.ReasonNoContractSkipped], "without an internet contract"},
		part{c[dunning.ReasonNoDebtSkipped], "paid since"},
		part{c[dunning.ReasonErrorMarking], "failed"},
		part{c.Total() - c[dunning.ReasonMarked] - c[dunning.ReasonAlreadyMarked] - c[dunning.ReasonVIPSkipped] -
			c[dunning.ReasonNoDisconnectSkipped] - c[dunning.ReasonNoContractSkipped] - c[dunning.ReasonNoDebtSkipped] -
			c[dunning.ReasonErrorMarking], "other"})
}

func (p *printer) block(res *dunning.BlockResult) {
	var rows [][]string
	already := 0
	for _, d := range res.Decisions {
		why := ""
		switch d.Reason {
		case dunning.ReasonBlocked:
			switch {
			case len(d.Newly) == len(d.IPs):
				why = "cut to speed 0 now"
			case len(d.Newly) == 0:
				why = "already at speed 0"
				already++
			default:
				why = fmt.Sprintf("%d of %d IPs cut now", len(d.Newly), len(d.IPs))
			}
		case dunning.ReasonNoIPFound:
			why = "not in the hosts file: check it"
		case dunning.ReasonVIPSkipped, dunning.ReasonNoDisconnectSkipped:
			why = "exempt"
		default:
			if d.Err != nil {
				why = d.Err.Error()
			} else if d.Why != "" {
				why = d.Why
			}
		}
		rows = append(rows, []string{d.Customer.Code, trunc(d.Customer.Name, 18), string(d.Reason), ipList(d.IPs), why})
	}
	p.table([]string{"CUSTOMER", "NAME", "RESULT", "IPS", "WHY"}, rows, "reports/02-"+appBlock+".json")
	fmt.Fprintln(p.w)
	c := res.Counts()
	newlyIPs := 0
	for _, d := range res.Decisions {
		newlyIPs += len(d.Newly)
	}
	newly := c[dunning.ReasonBlocked] - already
	p.summary(len(res.Decisions), "ODPOJENO customers",
		part{newly, fmt.Sprintf("newly cut off (%s)", plural(newlyIPs, "IP", "IPs"))},
		part{already, "already cut off"},
		part{c[dunning.ReasonNoIPFound], "without IP"},
		part{c[dunning.ReasonVIPSkipped] + c[dunning.ReasonNoDisconnectSkipped], "exempt"},
		part{c[dunning.ReasonWouldBlock], "held back by a safety check"},
		part{c[dunning.ReasonIPConflict], "with an IP of another customer"},
		part{c[dunning.ReasonErrorBlocking], "failed"},
		part{len(res.Decisions) - c[dunning.ReasonBlocked] - c[dunning.ReasonNoIPFound] - c[dunning.ReasonVIPSkipped] -
			c[dunning.ReasonNoDisconnectSkipped] - c[dunning.ReasonWouldBlock] - c[dunning.ReasonIPConflict] - c[dunning.ReasonErrorBlocking], "other"})
	p.linef("Verified after the change: %s.", plural(len(res.Mismatches), "mismatch", "mismatches"))
}

func payerName(p paymentSpec) string {
	if p.Payer == nil {
		if p.Outgoing {
			return "to Obec Šlapanice"
		}
		return "unknown (" + p.Account + ")"
	}
	return p.Payer.Code + " " + trunc(p.Payer.Name, 14)
}

func (p *printer) payments(specs []paymentSpec) {
	var rows [][]string
	total := decimal.Zero
	incoming := 0
	for _, s := range specs {
		if !s.Outgoing {
			total = total.Add(s.Amount)
			incoming++
		}
		vs := s.VarSym
		if vs == "" {
			vs = "—"
		}
		rows = append(rows, []string{s.Code, payerName(s), vs, czk(s.Amount), s.Note})
	}
	p.table([]string{"PAYMENT", "FROM", "VAR. SYMBOL", "AMOUNT", "NOTE"}, rows, "AbraFlexi")
	fmt.Fprintln(p.w)
	p.summary(len(specs), "payments (BAN bank, POK cash desk)",
		part{incoming, "incoming (" + czk(total) + ")"}, part{len(specs) - incoming, "outgoing"})
}

// matchWhy explains a matcher result in a few words.
func matchWhy(r payments.Result) string {
	labels := ""
	if len(r.Labels) > 0 {
		labels = " (" + strings.Join(r.Labels, ", ") + ")"
	}
	switch r.Reason {
	case payments.Matched:
		return "pays the invoice in full"
	case payments.MatchedPartial:
		return fmt.Sprintf("pays %s of %s, %s remain", czk(r.Amount), czk(r.Due), czk(r.Due.Sub(r.Amount)))
	case payments.MatchedOverpayment:
		return fmt.Sprintf("pays in full, %s over%s", czk(r.Amount.Sub(r.Due)), labels)
	case payments.UnknownVarSym:
		return "no open invoice with VS " + r.VarSym + labels
	case payments.NoVarSym:
		return "no variable symbol" + labels
	case payments.NotIncoming:
		return "outgoing: nothing to match"
	}
	return r.Message + labels
}

func (p *printer) matches(ms []matchOutcome) {
	var rows [][]string
	matched, nothing, manual, failed := 0, 0, 0, 0
	paid := decimal.Zero
	for _, m := range ms {
		r := m.Result
		inv := r.Invoice
		if inv == "" {
			inv = "—"
		}
		rows = append(rows, []string{r.Document, inv, string(r.Reason), fmt.Sprint(r.ExitCode), matchWhy(r)})
		switch {
		case r.Matched():
			matched++
			paid = paid.Add(decimal.Min(r.Amount, r.Due))
		case r.ExitCode == payments.ExitMatched:
			nothing++
		case r.ExitCode == payments.ExitUnmatched:
			manual++
		default:
			failed++
		}
	}
	p.table([]string{"PAYMENT", "INVOICE", "REASON", "EXIT", "WHY"}, rows, "reports/03-*.json")
	fmt.Fprintln(p.w)
	p.summary(len(ms), "payments", part{matched, "matched (exit 0)"}, part{nothing, "nothing to do (exit 0)"},
		part{manual, "left for manual matching (exit 2)"}, part{failed, "failed (exit 1)"})
	p.linef("%s of invoices paid off.", czk(paid))
}

func (p *printer) notices(ns []noticeOutcome, mails []mailOut) {
	var rows [][]string
	counts := map[notify.Reason]int{}
	for _, n := range ns {
		to := n.Result.Recipient()
		if to == "" {
			to = "—"
		}
		kind := map[string]string{appConfirm: "confirmation", appNotice: "notice"}[n.App]
		rows = append(rows, []string{kind, n.Trigger, n.Result.Document, string(n.Result.Reason), to})
		counts[n.Result.Reason]++
	}
	p.table([]string{"E-MAIL", "PAYMENT", "DOCUMENT", "RESULT", "RECIPIENT"}, rows, "reports/04-*.json, reports/05-*.json")
	fmt.Fprintln(p.w)
	p.summary(len(ns), "payers to tell", part{counts[notify.ReasonSent], "e-mailed"},
		part{counts[notify.ReasonNoRecipient], "without an e-mail address"},
		part{len(ns) - counts[notify.ReasonSent] - counts[notify.ReasonNoRecipient], "not e-mailed (see the reports)"})
	fmt.Fprintln(p.w)
	p.linef("E-mails captured by the SMTP server:")
	fmt.Fprintln(p.w)
	rows = nil
	for i, m := range mails {
		rows = append(rows, []string{fmt.Sprint(i + 1), trunc(m.Subject, 56), strings.Join(m.Attachments, ", ")})
	}
	p.table([]string{"#", "SUBJECT", "ATTACHED"}, rows, "mail/")
}

func (p *printer) unblock(res *dunning.UnblockResult) {
	var rows [][]string
	for _, d := range res.Decisions {
		why := ""
		switch d.Reason {
		case dunning.ReasonUnblocked:
			why = "paid up: restored, label removed"
		case dunning.ReasonNoIPLabelCleared:
			why = "paid up, no IP: label removed"
		case dunning.ReasonStillOwes:
			why = fmt.Sprintf("owes %s on %s", czk(d.Debt.Amount), plural(d.Debt.Count(), "invoice", "invoices"))
		default:
			if d.Err != nil {
				why = d.Err.Error()
			} else if d.Why != "" {
				why = d.Why
			}
		}
		rows = append(rows, []string{d.Customer.Code, trunc(d.Customer.Name, 18), string(d.Reason), ipList(d.Newly), why})
	}
	p.table([]string{"CUSTOMER", "NAME", "RESULT", "UNBLOCKED IPS", "WHY"}, rows, "reports/06-"+appUnblock+".json")
	c := res.Counts()
	fmt.Fprintln(p.w)
	failed := c[dunning.ReasonErrorUnblocking] + c[dunning.ReasonErrorRemovingLabel]
	p.summary(len(res.Decisions), "customers decided about",
		part{c[dunning.ReasonUnblocked], "reconnected"},
		part{c[dunning.ReasonNoIPLabelCleared], "without IP, label cleared"},
		part{c[dunning.ReasonStillOwes], "still owe"},
		part{c[dunning.ReasonOrphanUnblocked], "restored, blocked without reason"},
		part{c[dunning.ReasonIPConflict], "with an IP of another customer"},
		part{failed, "failed"},
		part{len(res.Decisions) - c[dunning.ReasonUnblocked] - c[dunning.ReasonNoIPLabelCleared] - c[dunning.ReasonStillOwes] -
			c[dunning.ReasonOrphanUnblocked] - c[dunning.ReasonIPConflict] - failed, "other"})
	p.linef("Verified after the change: %s.", plural(len(res.Mismatches), "mismatch", "mismatches"))
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
					story = "cut off earlier, paid at the cash desk, reconnected"
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
	p.linef("Hosts-file lines of a few customers (hosts/hosts.1-before, .2-…, .3-…):")
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
			label := []string{"before", "after blocknet", "after unblocknet"}[i]
			if i > 0 && slices.Equal(lines, prev) {
				p.linef("  %s: unchanged", label)
				continue
			}
			p.linef("  %s:", label)
			for _, l := range lines {
				// Indented by 8 columns, the tabs of the lines land on
				// the same tab stops as in the file.
				fmt.Fprintf(p.w, "        %s\n", l)
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
	reconnected := uc[dunning.ReasonUnblocked] + uc[dunning.ReasonNoIPLabelCleared]
	p.linef("Totals")
	rows := [][]string{
		{"  marked for disconnection", fmt.Sprintf("%d (of %d with UPOMINKA3)", mc[dunning.ReasonMarked], mc.Total())},
		{"  cut off by blocknet", fmt.Sprintf("%d customers, %s", acc.Block.NewlyBlocked(), plural(newlyIPs, "IP", "IPs"))},
		{"  payments", fmt.Sprintf("%d: %d matched, %d left for manual matching, %d nothing to do", len(acc.Matches), paired, manual, other)},
		{"  e-mails sent", fmt.Sprintf("%d: %d confirmations, %d notices", len(acc.Mails), countApp(acc.Notices, appConfirm), countApp(acc.Notices, appNotice))},
		{"  reconnected by unblocknet", fmt.Sprintf("%d customers (%s), %d still owe", reconnected, plural(unIPs, "IP", "IPs"), uc[dunning.ReasonStillOwes])},
		{"  open invoices", fmt.Sprintf("%s before, %s after", czk(acc.OpenBefore), czk(acc.OpenAfter))},
	}
	w := 0
	for _, r := range rows {
		w = max(w, len([]rune(r[0])))
	}
	for _, r := range rows {
		p.linef("%s%s  %s", r[0], strings.Repeat(" ", w-len([]rune(r[0]))), r[1])
	}
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
		p.linef("Next: run with -keep to explore AbraFlexi with curl and to run the real apps")
		p.linef("against the demo's servers (it prints the export lines and a command per app);")
		p.linef("-h for the flags; go run ./examples/blocknet -h (or any app) for an app's variables.")
	}
}

// keep prints how to reach the running servers and how to run the real
// apps against them with the demo's configuration.
func (p *printer) keep(in *infra, acc *account) {
	cfg := in.af.Config()
	base := fmt.Sprintf("%s/c/%s", cfg.URL, cfg.Company)
	fmt.Fprintln(p.w)
	p.linef("The servers keep running (-keep). Press Ctrl-C to stop.")
	fmt.Fprintln(p.w)
	p.linef("AbraFlexi  %s   login %s, password %s", base, cfg.Login, cfg.Password)
	p.linef("SMTP       %s (captures, never delivers)", in.smtp.Addr())
	switch in.backend {
	case backendSVN:
		p.linef("Hosts      in the repository SVNURL (see the export lines below)")
	default:
		p.linef("Hosts      the file HOSTS_FILE (see the export lines below)")
	}
	fmt.Fprintln(p.w)
	p.linef("Run the real apps with the demo's configuration: paste into a shell in the")
	p.linef("repository (a built or installed binary takes the same environment):")
	fmt.Fprintln(p.w)
	for _, l := range exportLines(append(in.connection(), in.settings...), "    ", maxWidth) {
		fmt.Fprintln(p.w, l)
	}
	fmt.Fprintln(p.w)
	for _, c := range exampleCommands(acc) {
		p.linef("  # %s", c.note)
		p.linef("  %s", c)
	}
	fmt.Fprintln(p.w)
	p.linef("Try:")
	u := cfg.Login + ":" + cfg.Password
	p.linef("  export AF=%s", base)
	p.linef("  curl -su %s \"$AF/adresar/(stitky%%3D%%27code:ODPOJENO%%27).json?detail=custom:kod\"", u)
	p.linef("  curl -su %s \"$AF/faktura-vydana/(stavUhrK%%20is%%20null).json?limit=5\"", u)
	p.linef("  curl -su %s \"$AF/banka.json?detail=custom:kod,varSym,sumCelkem,sparovano,stitky\"", u)
	p.linef("  curl -su %s \"$AF/changes.json\"", u)
	p.linef("  curl -su %s -o invoice.pdf \"$AF/faktura-vydana/1.pdf\"", u)
	switch in.backend {
	case backendSVN:
		p.linef("  svn log \"$SVNURL\"; svn cat \"$SVNURL/hosts\"")
	default:
		p.linef("  cat \"$HOSTS_FILE\"")
	}
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
