package dunning_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/dunning"
	"github.com/spoje-net/isptools/notify"
	"github.com/spoje-net/isptools/notify/notifytest"
)

// BenchmarkBlock1000StaleGuard is BenchmarkBlock1000 with the
// stale-bank-data guard on (MAX_BANK_DATA_AGE=36h) and yesterday's
// incoming bank movement in AbraFlexi: the data are fresh and every IP is
// blocked in one commit. The guard's cost is its one request to banka.
func BenchmarkBlock1000StaleGuard(b *testing.B) {
	requireSVN(b)
	ctx := context.Background()
	p := benchPolicy()
	p.MaxBankDataAge = dunning.BankDataAge{Duration: 36 * time.Hour}
	now := time.Date(benchToday.Year, benchToday.Month, benchToday.Day, 9, 0, 0, 0, dunning.NowInPrague().Location())
	opts := dunning.Options{Today: benchToday, Now: now}
	hosts := benchHosts(b, benchCustomers, false)
	var c runCounts
	b.ReportAllocs()
	b.StopTimer()
	for range b.N {
		srv, af := benchAbraFlexi(b, benchCustomers, false, "UPOMINKA3", "ODPOJENO")
		srv.AddBankMovement(abraflexi.BankMovement{Movement: abraflexi.Movement{Code: "B+1", IssuedOn: benchToday.AddDays(-1),
			Direction: abraflexi.DirectionIncoming, Total: decimal.NewFromInt(500)}})
		srv.ResetRequests()
		repo, url := benchRepo(b, hosts)
		before := headRev(b, url)
		b.StartTimer()
		res, err := dunning.Block(ctx, af, repo, p, opts)
		b.StopTimer()
		if err != nil || res.Err() != nil || res.Refusal != nil || res.NewlyBlocked() != benchCustomers {
			b.Fatalf("block: %v %v %+v, %d newly", err, res.Err(), res.Refusal, res.NewlyBlocked())
		}
		c.add(srv, before, headRev(b, url))
		srv.Close()
	}
	c.report(b, true)
}

// BenchmarkBlock1000Notices is BenchmarkBlock1000 with the disconnection
// notices on (notify.ConnectionNotices, messages captured in process): the
// 1,000 newly blocked customers are each told once. The notices add one
// debts listing, one address listing per 100 customers, the label
// codebook check (and its creation) and one label write (the claim) per
// customer; mails/op counts the messages.
func BenchmarkBlock1000Notices(b *testing.B) {
	requireSVN(b)
	ctx := context.Background()
	p := benchPolicy()
	opts := dunning.Options{Today: benchToday}
	hosts := benchHosts(b, benchCustomers, false)
	tm, err := notify.LoadNoticeTemplates("cs", "")
	if err != nil {
		b.Fatal(err)
	}
	var c runCounts
	mails := 0
	b.ReportAllocs()
	b.StopTimer()
	for range b.N {
		srv, af := benchAbraFlexi(b, benchCustomers, false, "UPOMINKA3", "ODPOJENO")
		for i := range benchCustomers {
			srv.Put(abraflexi.EvidenceAddress, map[string]any{"id": "code:" + benchCode(i), "email": fmt.Sprintf("c%04d@example.cz", i)})
		}
		srv.ResetRequests()
		capture := &notifytest.Capture{}
		cn := &notify.ConnectionNotices{Deps: notify.Deps{Client: af.Client, Sender: capture, Templates: tm, From: "ISP <isp@example.cz>"},
			IBAN: abraflexi.MustParseIBAN("CZ6508000000192000145399"), Today: benchToday}
		o := opts
		o.Notifier = notifier{cn}
		repo, url := benchRepo(b, hosts)
		before := headRev(b, url)
		b.StartTimer()
		res, err := dunning.Block(ctx, af, repo, p, o)
		b.StopTimer()
		if err != nil || res.Err() != nil || res.NewlyBlocked() != benchCustomers || len(capture.Sent()) != benchCustomers {
			b.Fatalf("block: %v %v, %d newly, %d mails", err, res.Err(), res.NewlyBlocked(), len(capture.Sent()))
		}
		mails += len(capture.Sent())
		c.add(srv, before, headRev(b, url))
		srv.Close()
	}
	c.report(b, true)
	b.ReportMetric(float64(mails)/float64(b.N), "mails/op")
}

// notifier adapts notify.ConnectionNotices as the apps do
// (examples/internal/dunningapp).
type notifier struct{ cn *notify.ConnectionNotices }

func (n notifier) Disconnected(ctx context.Context, ns []dunning.Notice, label string, dry bool) []dunning.NoticeOutcome {
	in := make([]notify.DisconnectedNotice, len(ns))
	for i, x := range ns {
		in[i] = notify.DisconnectedNotice{Customer: x.Customer, Debts: x.Debts}
	}
	rs := n.cn.Disconnected(ctx, in, label, dry)
	out := make([]dunning.NoticeOutcome, len(rs))
	for i, r := range rs {
		out[i] = dunning.NoticeOutcome{Customer: r.Document, Status: string(r.Reason), Err: r.Err}
	}
	return out
}

func (n notifier) Reconnected(context.Context, []dunning.Notice, bool) []dunning.NoticeOutcome {
	return nil
}
