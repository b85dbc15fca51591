package dunning_test

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/abraflexi/abraflexitest"
	"github.com/spoje-net/isptools/dunning"
	"github.com/spoje-net/isptools/svnhosts"
)

// benchCustomers is the number of customers of the run benchmarks.
const benchCustomers = 1000

// benchToday is the day of the benchmark runs: six weeks after the invoices
// fell due.
var benchToday = abraflexi.NewDate(2026, time.November, 25)

// benchCode is the code of the i-th benchmark customer.
func benchCode(i int) string { return fmt.Sprintf("C%04d", i) }

// benchIP is the only IP of the i-th benchmark customer.
func benchIP(i int) netip.Addr {
	return netip.AddrFrom4([4]byte{10, byte(i / 250), byte(i % 250), 1})
}

// benchPolicy is the default policy without the circuit breaker, so that a
// run may block all 1,000 customers.
func benchPolicy() dunning.Policy {
	p := dunning.DefaultPolicy()
	p.MaxBlocks = dunning.Unlimited
	return p
}

// benchAbraFlexi starts an AbraFlexi test server holding n customers with
// labels, an active internet contract each and one invoice each that fell
// due on 2026-10-15: unpaid (500 CZK remaining) or, with paid, paid in full.
// The caller closes the server.
func benchAbraFlexi(b *testing.B, n int, paid bool, labels ...string) (*abraflexitest.Server, *dunning.AbraFlexi) {
	b.Helper()
	srv, err := abraflexitest.Start(abraflexitest.WithToday(benchToday))
	if err != nil {
		b.Fatal(err)
	}
	records := make([]any, 0, 3*n)
	for i := range n {
		records = append(records, abraflexi.Address{Code: benchCode(i), Name: "Customer " + benchCode(i), Labels: abraflexi.Labels(labels...)})
	}
	total := decimal.NewFromInt(500)
	remaining, state := total, ""
	if paid {
		remaining, state = decimal.Zero, abraflexi.PaymentStatePaid
	}
	for i := range n {
		code := benchCode(i)
		records = append(records,
			abraflexi.Contract{
				Code: "SML-" + code, Name: "Contract " + code,
				Customer:  abraflexi.RefTo(abraflexi.CodeID(code)),
				Type:      abraflexi.RefTo(abraflexi.CodeID("INTERNET")),
				ValidFrom: abraflexi.NewDate(2024, time.January, 1),
			},
			abraflexi.IssuedInvoice{
				Code:         "FV-" + code,
				Customer:     abraflexi.RefTo(abraflexi.CodeID(code)),
				Total:        total,
				Remaining:    remaining,
				PaymentState: state,
				IssuedOn:     abraflexi.NewDate(2026, time.October, 1),
				DueOn:        abraflexi.NewDate(2026, time.October, 15),
				DocumentType: abraflexi.RefTo(abraflexi.CodeID("FAKTURA")),
			})
	}
	srv.Seed(records...)
	c, err := abraflexi.NewClient(srv.Config())
	if err != nil {
		srv.Close()
		b.Fatal(err)
	}
	srv.ResetRequests()
	return srv, dunning.NewAbraFlexi(c)
}

// benchHosts returns a hosts file with one line per customer (speed 100),
// every IP blocked when blocked is set.
func benchHosts(b *testing.B, n int, blocked bool) string {
	b.Helper()
	var sb strings.Builder
	sb.WriteString("# customers\n127.0.0.1\tlocalhost\n")
	for i := range n {
		fmt.Fprintf(&sb, "%s\thost%04d\t# speed=100 {code:%s}\n", benchIP(i), i, benchCode(i))
	}
	if !blocked {
		return sb.String()
	}
	f, err := svnhosts.Parse([]byte(sb.String()))
	if err != nil {
		b.Fatal(err)
	}
	for i := range n {
		if !f.Block(benchIP(i)) {
			b.Fatalf("%s not blocked", benchIP(i))
		}
	}
	return string(f.Bytes())
}

// requireSVN skips the benchmark when the Subversion tools are missing.
func requireSVN(b *testing.B) {
	b.Helper()
	for _, tool := range []string{"svn", "svnadmin"} {
		if _, err := exec.LookPath(tool); err != nil {
			b.Skipf("%s not on PATH", tool)
		}
	}
}

// svnRun runs a Subversion tool for benchmark setup and fails on error.
func svnRun(b *testing.B, name string, args ...string) string {
	b.Helper()
	if name == "svn" {
		args = append([]string{"--non-interactive", "--config-dir", b.TempDir()}, args...)
	}
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	out, err := cmd.CombinedOutput()
	if err != nil {
		b.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// benchRepo creates a file:// Subversion repository whose "hosts" file holds
// content and returns a [svnhosts.Repo] on it and the repository URL.
func benchRepo(b *testing.B, content string) (*svnhosts.Repo, string) {
	b.Helper()
	dir := filepath.Join(b.TempDir(), "repo")
	svnRun(b, "svnadmin", "create", dir)
	src := b.TempDir()
	if err := os.WriteFile(filepath.Join(src, "hosts"), []byte(content), 0o644); err != nil {
		b.Fatal(err)
	}
	url := "file://" + dir
	svnRun(b, "svn", "import", "-m", "initial", src, url)
	r, err := svnhosts.NewRepo(svnhosts.Config{URL: url, HostsPath: "hosts", TempDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	return r, url
}

// headRev returns the youngest revision of the repository at url.
func headRev(b *testing.B, url string) int {
	b.Helper()
	n, err := strconv.Atoi(strings.TrimSpace(svnRun(b, "svn", "info", "--show-item", "revision", url)))
	if err != nil {
		b.Fatal(err)
	}
	return n
}

// runCounts accumulates what the benchmark iterations sent.
type runCounts struct {
	gets, writes, commits int
}

// add adds the requests logged by srv and the commits between revisions
// before and after.
func (c *runCounts) add(srv *abraflexitest.Server, before, after int) {
	for _, r := range srv.Requests() {
		if r.Method == "GET" {
			c.gets++
		} else {
			c.writes++
		}
	}
	c.commits += after - before
}

// report reports the counts per iteration as custom metrics.
func (c runCounts) report(b *testing.B, withCommits bool) {
	n := float64(b.N)
	b.ReportMetric(float64(c.gets+c.writes)/n, "requests/op")
	b.ReportMetric(float64(c.gets)/n, "GET/op")
	b.ReportMetric(float64(c.writes)/n, "writes/op")
	if withCommits {
		b.ReportMetric(float64(c.commits)/n, "commits/op")
	}
}

// BenchmarkMark1000 is one mark run over 1,000 customers labelled UPOMINKA3
// with an active internet contract and an invoice six weeks overdue: every
// customer gets the next label. The AbraFlexi test server is seeded afresh
// outside the timer before every iteration; requests/op, GET/op and
// writes/op are the AbraFlexi requests of one run. Time and allocations
// include the in-process test server.
func BenchmarkMark1000(b *testing.B) {
	ctx := context.Background()
	p := benchPolicy()
	opts := dunning.Options{Today: benchToday}
	var c runCounts
	b.ReportAllocs()
	b.StopTimer()
	for range b.N {
		srv, af := benchAbraFlexi(b, benchCustomers, false, "UPOMINKA3")
		b.StartTimer()
		res, err := dunning.Mark(ctx, af, af, p, opts)
		b.StopTimer()
		if err != nil || res.Err() != nil {
			b.Fatalf("mark: %v %v", err, res.Err())
		}
		if m := res.Counts()[dunning.ReasonMarked]; m != benchCustomers {
			b.Fatalf("%d marked, want %d", m, benchCustomers)
		}
		c.add(srv, 0, 0)
		srv.Close()
	}
	c.report(b, false)
}

// BenchmarkBlock1000 is one block run over 1,000 customers labelled
// UPOMINKA3 and ODPOJENO (with an active internet contract and an overdue
// invoice) against a real file:// Subversion repository holding their 1,000
// IPs: every IP is blocked in one commit. The repository and the AbraFlexi
// test server are created afresh outside the timer before every iteration;
// commits/op counts the repository revisions a run created.
func BenchmarkBlock1000(b *testing.B) {
	benchNetRun(b, false, func(ctx context.Context, af *dunning.AbraFlexi, repo *svnhosts.Repo, p dunning.Policy, opts dunning.Options) func() error {
		res, err := dunning.Block(ctx, af, repo, p, opts)
		return func() error {
			if err != nil || res.Err() != nil {
				return fmt.Errorf("block: %v %v", err, res.Err())
			}
			if n := res.NewlyBlocked(); n != benchCustomers {
				return fmt.Errorf("%d newly blocked, want %d", n, benchCustomers)
			}
			return nil
		}
	})
}

// BenchmarkUnblock1000 is one unblock run over 1,000 customers labelled
// UPOMINKA3 and ODPOJENO who have paid their invoice, with their 1,000 IPs
// blocked in a real file:// Subversion repository: every IP is unblocked in
// one commit and every customer loses the ODPOJENO label, each removal
// re-reading the customer's labels first. State is recreated outside the
// timer before every iteration.
func BenchmarkUnblock1000(b *testing.B) {
	benchNetRun(b, true, func(ctx context.Context, af *dunning.AbraFlexi, repo *svnhosts.Repo, p dunning.Policy, opts dunning.Options) func() error {
		res, err := dunning.Unblock(ctx, af, af, repo, p, opts)
		return func() error {
			if err != nil || res.Err() != nil {
				return fmt.Errorf("unblock: %v %v", err, res.Err())
			}
			if n := res.Counts()[dunning.ReasonUnblocked]; n != benchCustomers {
				return fmt.Errorf("%d unblocked, want %d", n, benchCustomers)
			}
			return nil
		}
	})
}

// benchNetRun times run over benchCustomers customers labelled UPOMINKA3
// and ODPOJENO (who have paid, and whose IPs are blocked, when blocked)
// against a real file:// Subversion repository holding their IPs. State is
// recreated outside the timer before every iteration; the checks of run's
// result (the function run returns) happen outside it; an error fails the benchmark.
func benchNetRun(b *testing.B, blocked bool, run func(context.Context, *dunning.AbraFlexi, *svnhosts.Repo, dunning.Policy, dunning.Options) (check func() error)) {
	requireSVN(b)
	ctx := context.Background()
	p := benchPolicy()
	opts := dunning.Options{Today: benchToday}
	hosts := benchHosts(b, benchCustomers, blocked)
	var c runCounts
	b.ReportAllocs()
	b.StopTimer()
	for range b.N {
		srv, af := benchAbraFlexi(b, benchCustomers, blocked, "UPOMINKA3", "ODPOJENO")
		repo, url := benchRepo(b, hosts)
		before := headRev(b, url)
		b.StartTimer()
		check := run(ctx, af, repo, p, opts)
		b.StopTimer()
		if err := check(); err != nil {
			b.Fatal(err)
		}
		c.add(srv, before, headRev(b, url))
		srv.Close()
	}
	c.report(b, true)
}
