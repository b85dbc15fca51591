package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/dunning"
	"github.com/spoje-net/isptools/examples/internal/dunningapp"
	"github.com/spoje-net/isptools/notify"
	"github.com/spoje-net/isptools/svnhosts"
)

// The operator options of blocknet and abraflexi-mark-defaulters (issue
// 14), all off in the story above and turned on here, once more over what
// the story left: a second blocknet against a local copy of the hosts
// file as it was before (so the story's repository and account stay as
// they are).
const (
	optBlockSpeed     = 64
	optMinOverdueDays = 30
	optMaxBankAge     = "36h"
	optIBAN           = "CZ6508000000192000145399"
)

// optionsOutcome is what the options stage did.
type optionsOutcome struct {
	Block  *dunning.BlockResult
	Newest *abraflexi.BankMovement
	Mails  []mailOut
}

// runOptions runs blocknet with BLOCK_SPEED, MAX_BANK_DATA_AGE and
// NOTIFY_DISCONNECTED on, and the MIN_OVERDUE_DAYS decision over the
// customers still owing, and prints one line per option.
func (in *infra) runOptions(ctx context.Context, p *printer, o *output, acc *account, today abraflexi.Date, lang string) (*optionsOutcome, error) {
	out := &optionsOutcome{}
	af := dunning.NewAbraFlexi(in.client)

	// MIN_OVERDUE_DAYS: the grace-day decision over the customers still
	// owing (they carry ODPOJENO, so a mark run would call them
	// already_marked first).
	debts, err := af.OpenDebts(ctx, today)
	if err != nil {
		return out, err
	}
	var owing []abraflexi.Address
	for _, d := range acc.Unblock.Decisions {
		if d.Reason == dunning.ReasonStillOwes {
			owing = append(owing, d.Customer)
		}
	}
	byCustomer := dunning.InvoicesByCustomer(debts, owing)
	met, example, spared := 0, "", ""
	for _, c := range owing {
		ok, why := dunning.MeetsMinOverdue(byCustomer[strings.ToUpper(c.Code)], today, optMinOverdueDays)
		switch {
		case ok:
			met++
			if example == "" {
				example = c.Code + ": " + why
			}
		case spared == "":
			spared = c.Code + ": " + why
		}
	}
	p.linef("MIN_OVERDUE_DAYS=%d (grace days): %d of the %d customers still owing have an invoice that overdue (%s)",
		optMinOverdueDays, met, len(owing), strings.Join(nonEmpty(example, spared), "; "))

	// MAX_BANK_DATA_AGE: the newest incoming movement is today's statement.
	age, err := dunning.ParseBankDataAge(optMaxBankAge)
	if err != nil {
		return out, err
	}
	if out.Newest, err = af.NewestIncomingBankMovement(ctx); err != nil {
		return out, err
	}
	now := time.Date(today.Year, today.Month, today.Day, 18, 0, 0, 0, dunning.NowInPrague().Location())
	_, why := dunning.BankDataFresh(out.Newest, now, age, dunning.CutAnyDay)
	p.linef("MAX_BANK_DATA_AGE=%s: %s; so blocknet may cut today", optMaxBankAge, why)
	codes := make([]string, len(owing))
	for i, c := range owing {
		codes[i] = c.Code
	}
	if r := dunning.CheckBankData(out.Newest, now.Add(72*time.Hour), age, dunning.CutAnyDay, codes); r != nil {
		p.linef("  three days without a statement, it would refuse: %s", r.Message)
	}

	// BLOCK_SPEED and NOTIFY_DISCONNECTED: blocknet over a copy of the
	// hosts file from before the story.
	copyPath := filepath.Join(in.tmp, "hosts-options")
	if err := os.WriteFile(copyPath, acc.HostsBefore, 0o644); err != nil {
		return out, err
	}
	nb, err := svnhosts.NewFileBackend(svnhosts.FileConfig{Path: copyPath, Logger: in.log})
	if err != nil {
		return out, err
	}
	cfg := notify.DefaultConfig()
	cfg.From, cfg.Lang, cfg.Transport, cfg.SMTP = mailFrom, lang, notify.TransportSMTP, in.smtp.SMTPConfig()
	cn, err := notify.NewConnectionNotices(cfg, notify.NoticeConfig{Disconnected: true, IBAN: abraflexi.MustParseIBAN(optIBAN)}, in.client, in.log)
	if err != nil {
		return out, err
	}
	cn.Today = today
	pol, opts, err := in.dunningRun(appBlock, today, dunning.BlockPolicyFromLookup)
	if err != nil {
		return out, err
	}
	pol.BlockSpeed, pol.MaxBankDataAge = optBlockSpeed, age
	opts.Now, opts.Notifier = now, dunningapp.NewNotifier(cn)
	before := len(in.smtp.Messages())
	out.Block, err = dunning.Block(ctx, af, nb, pol, opts)
	if err == nil && out.Block != nil {
		err = out.Block.Err()
	}
	if werr := o.report("07-"+appBlock+"-options.json", appBlock, dunningapp.BlockReport(out.Block), err); werr != nil && err == nil {
		err = werr
	}
	if err != nil {
		return out, err
	}
	after, err := os.ReadFile(copyPath)
	if err != nil {
		return out, err
	}
	line := ""
	for _, d := range out.Block.Decisions {
		if len(d.Newly) > 0 {
			if ls := linesOf(after, d.Customer.Code); len(ls) > 0 {
				line = strings.Join(strings.Fields(ls[0]), " ")
				break
			}
		}
	}
	p.linef("BLOCK_SPEED=%d: %d customers throttled instead of cut, the original speed kept: %s", optBlockSpeed, out.Block.NewlyBlocked(), line)
	for i, m := range in.smtp.Messages()[before:] {
		pm, err := m.Parse()
		if err != nil {
			return out, err
		}
		to := strings.Join(m.To, ", ")
		rel := filepath.Join("mail", fmt.Sprintf("07-%02d-%s.eml", i+1, fileSafe(to)))
		if err := o.write(rel, m.Data); err != nil {
			return out, err
		}
		out.Mails = append(out.Mails, mailOut{To: to, Subject: pm.Subject, File: rel})
	}
	sent, first := 0, ""
	for _, n := range out.Block.Notices {
		if n.Status == dunning.NoticeSent {
			sent++
			if first == "" {
				first = n.Customer + " at " + strings.Join(n.Recipients, ", ")
			}
		}
	}
	p.linef("NOTIFY_DISCONNECTED=true: %d of them told, once (label %s), what they owe and how to pay, with a QR Platba code (e.g. %s; mail/07-*.eml)",
		sent, dunning.DefaultLabelDisconnectNotified, first)
	return out, nil
}

func nonEmpty(s ...string) []string {
	var out []string
	for _, x := range s {
		if x != "" {
			out = append(out, x)
		}
	}
	return out
}
