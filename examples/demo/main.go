// Command demo runs both isptools pipelines end to end against a small,
// believable ISP that it generates and serves itself, with nothing to
// install or configure:
//
//	go run ./examples/demo
//
// It starts an in-memory AbraFlexi (abraflexitest) seeded with a few
// hundred customers with Czech names, internet, VoIP and hosting
// contracts (some expired) and four months of invoices (paid, partly paid,
// overdue); third reminders (UPOMINKA3) on the defaulters, a stale one on a
// customer who has paid since, VIP and NEODPOJOVAT exemptions, and a few
// customers cut off by an earlier run. The network's hosts file lives in a
// real file:// Subversion repository made with svnadmin (or, without svn,
// in a local file), and an in-process SMTP server (notifytest) captures
// every e-mail.
//
// Then it runs, through the same library calls as the real binaries:
//
//  1. abraflexi-mark-defaulters (dunning.Mark) labels ODPOJENO the
//     customers with UPOMINKA3 who owe and have an internet contract;
//  2. blocknet (dunning.Block) cuts their IPs to speed 0 in one commit;
//  3. a batch of bank and cash payments arrives through the REST API
//     (exact, partial, over, with an unknown or a missing variable symbol,
//     one outgoing);
//  4. isp-match-received-payment (payments.Matcher) matches each one;
//  5. isp-potvrzeni-prijeti-uhrady and isp-potvrzeni-prijeti-bankovni-platby
//     (notify) confirm the matched payments and tell the payers of the
//     others that their money awaits manual matching;
//  6. unblocknet (dunning.Unblock) restores the speed of those who paid;
//  7. the operator options, off above, turned on: MIN_OVERDUE_DAYS,
//     MAX_BANK_DATA_AGE, and a second blocknet with BLOCK_SPEED and
//     NOTIFY_DISCONNECTED (QR Platba notices) over a copy of the hosts file.
//
// Every stage is configured as the app is: from environment variables
// (settings.go), read by the SDK readers the apps use
// (dunning.MarkPolicyFromLookup, backendenv.FromLookup,
// payments.ConfigFromLookup, notify.ConfigFromLookup, …). The account
// states those settings, prints each stage as a short table with a
// summary that adds up, the hosts-file lines of a few customers before and
// after, the e-mails sent and the totals, within 100 columns, and writes
// every stage's JSON report (as the apps write them), every e-mail (.eml)
// and the hosts file before, in between and after to ./demo-out (-out).
// The data are generated from -seed and -today, so a run can be repeated
// exactly. With -keep the servers stay up until Ctrl-C, and the account
// ends with export lines of the whole configuration and one command per
// app that runs the real binary against them.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/examples/internal/dunningapp"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// config is the parsed command line.
type config struct {
	customers int
	seed      uint64
	today     abraflexi.Date
	out       string
	backend   string
	keep      bool
	listen    string
	lang      string
	verbose   bool
	// now is the clock of the elapsed times and report timestamps.
	now func() time.Time
	// wait blocks in -keep mode until the demo should stop; nil waits for
	// the context.
	wait func(ctx context.Context)
	// adjustSettings, when set, changes the demo's settings (tests).
	adjustSettings func([]setting) []setting
}

// parseFlags parses args. It returns flag.ErrHelp after printing the usage
// for -h.
func parseFlags(args []string, stderr io.Writer) (config, error) {
	cfg := config{now: time.Now}
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var today string
	fs.IntVar(&cfg.customers, "customers", 300, "number of customers to generate (at least 30)")
	fs.Uint64Var(&cfg.seed, "seed", 2026, "seed of the pseudo-random generator; the same seed and -today give the same ISP and the same run")
	fs.StringVar(&today, "today", "", "the day the apps run on, `YYYY-MM-DD` (default the current date in Prague)")
	fs.StringVar(&cfg.out, "out", "demo-out", "output `DIR` for the reports, e-mails and hosts files; a re-run cleans what the previous run wrote")
	fs.StringVar(&cfg.backend, "backend", backendAuto, "network backend: svn (a file:// Subversion repository, needs svn and svnadmin), file (a local hosts file) or auto (svn when installed)")
	fs.BoolVar(&cfg.keep, "keep", false, "keep AbraFlexi and the SMTP server running after the run, print how to reach them with curl and the export lines and a command per app to run the real binaries against them, and wait for Ctrl-C")
	fs.StringVar(&cfg.listen, "listen", "", "with -keep: the `ADDR` AbraFlexi listens on, e.g. 127.0.0.1:5434 (default a free port)")
	fs.StringVar(&cfg.lang, "lang", "cs", "language of the e-mails: cs or en")
	fs.BoolVar(&cfg.verbose, "v", false, "log what the libraries do (requests, commits, e-mails) to stderr")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `Usage: go run ./examples/demo [flags]

Runs both isptools pipelines on a generated ISP, with nothing to install:
an in-memory AbraFlexi with a few hundred customers, the hosts file in a
Subversion repository (or a local file) and an SMTP server that captures
the e-mails. Stages: abraflexi-mark-defaulters -> blocknet -> payments
arrive -> isp-match-received-payment -> confirmations and notices ->
unblocknet. Prints what happened and writes the reports, e-mails (.eml)
and hosts files to -out.

Flags:
`)
		fs.PrintDefaults()
		fmt.Fprint(fs.Output(), `
Examples:
  go run ./examples/demo                       # 300 customers, today
  go run ./examples/demo -customers 50 -today 2026-03-16 -seed 7
  go run ./examples/demo -keep                 # then run the real apps or curl against it
`)
	}
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "demo: unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return cfg, errors.New("unexpected argument")
	}
	var errs []error
	if today == "" {
		cfg.today = dunningapp.Today() // the date in Prague, as the apps take it
	} else if d, err := abraflexi.ParseDate(today); err != nil {
		errs = append(errs, fmt.Errorf("-today %q: want YYYY-MM-DD", today))
	} else {
		cfg.today = d
	}
	if cfg.customers < minCustomers {
		errs = append(errs, fmt.Errorf("-customers %d: at least %d are needed for every case of the story", cfg.customers, minCustomers))
	}
	if cfg.customers > 20000 {
		errs = append(errs, fmt.Errorf("-customers %d: at most 20000", cfg.customers))
	}
	if cfg.lang != "cs" && cfg.lang != "en" {
		errs = append(errs, fmt.Errorf("-lang %q: want cs or en", cfg.lang))
	}
	if _, err := chooseBackend(cfg.backend); err != nil {
		errs = append(errs, err)
	}
	if cfg.out == "" {
		errs = append(errs, errors.New("-out: empty directory name"))
	}
	if cfg.listen != "" && !cfg.keep {
		errs = append(errs, errors.New("-listen needs -keep"))
	}
	if err := errors.Join(errs...); err != nil {
		fmt.Fprintf(stderr, "demo: %v\n", err)
		return cfg, err
	}
	return cfg, nil
}

// run is the testable main: it returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	code, _ := execute(ctx, args, stdout, stderr, nil)
	return code
}

// execute is run with a hook that adjusts the parsed configuration (tests
// fix the clock); it also returns the account of the run.
func execute(ctx context.Context, args []string, stdout, stderr io.Writer, adjust func(*config)) (int, *account) {
	cfg, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0, nil
	}
	if err != nil {
		return 2, nil
	}
	if adjust != nil {
		adjust(&cfg)
	}
	acc, err := demo(ctx, cfg, stdout, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "demo: %v\n", err)
		return 1, acc
	}
	return 0, acc
}

// demo runs the whole story and returns what happened.
func demo(ctx context.Context, cfg config, stdout, stderr io.Writer) (*account, error) {
	log := slog.New(slog.DiscardHandler)
	if cfg.verbose {
		log = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	p := newPrinter(stdout, cfg.now)
	o, err := prepareOutput(cfg.out, cfg.now)
	if err != nil {
		return nil, err
	}
	acc := &account{}
	today := cfg.today

	fmt.Fprintf(stdout, "isptools demo: both pipelines on a generated ISP (%d customers, seed %d, today %s)\n", cfg.customers, cfg.seed, today)
	p.stage("Setting up", "a generated ISP in an in-memory AbraFlexi, its hosts file and an SMTP server")
	w := generate(cfg.seed, cfg.customers, today)
	acc.World = w
	in, err := setup(ctx, cfg, w, log)
	if err != nil {
		return acc, err
	}
	defer in.close()
	acc.Backend = in.backend
	if acc.HostsBefore, err = in.readHosts(ctx); err != nil {
		return acc, err
	}
	if err := o.write("hosts/hosts.1-before", acc.HostsBefore); err != nil {
		return acc, err
	}
	if acc.OpenBefore, err = openAmount(ctx, in.client); err != nil {
		return acc, err
	}
	p.world(w, in, acc.OpenBefore)

	// Pipeline A, part 1.
	p.stage(appMark, "label ODPOJENO the customers with UPOMINKA3 who owe and have an internet contract")
	if acc.Mark, err = in.runMark(ctx, o, today); err != nil {
		return acc, fmt.Errorf("%s: %w", appMark, err)
	}
	p.mark(acc.Mark)

	p.stage(appBlock, "cut every ODPOJENO customer's IPs to speed 0, in one "+map[string]string{backendSVN: "Subversion commit", backendFile: "write of the hosts file"}[in.backend])
	if acc.Block, err = in.runBlock(ctx, o, today); err != nil {
		return acc, fmt.Errorf("%s: %w", appBlock, err)
	}
	if acc.HostsBlocked, err = in.readHosts(ctx); err != nil {
		return acc, err
	}
	if err := o.write("hosts/hosts.2-after-blocknet", acc.HostsBlocked); err != nil {
		return acc, err
	}
	p.block(acc.Block)

	// Pipeline B.
	p.stage("Payments arrive", "today's bank statement and cash desk, written through the REST API")
	if err := in.postPayments(ctx, w.Payments, today); err != nil {
		return acc, err
	}
	p.payments(w.Payments)

	p.stage(appMatch, "pair each payment with the open invoice of its variable symbol; MATCH_KEYS="+demoMatchKeys+" is on: also by specific symbol, payer's account and sums of several invoices")
	if acc.Matches, err = in.runMatch(ctx, o, w.Payments); err != nil {
		return acc, fmt.Errorf("%s: %w", appMatch, err)
	}
	p.matches(acc.Matches)

	p.stage(appConfirm+" / "+appNotice, "confirm matched payments (invoice PDF attached); tell the payers of the others")
	if acc.Notices, err = in.runNotify(ctx, o, acc.Matches); err != nil {
		return acc, err
	}
	if acc.Mails, err = in.saveMails(o); err != nil {
		return acc, err
	}
	p.notices(acc.Notices, acc.Mails)

	// Pipeline A, part 2.
	p.stage(appUnblock, "restore the speed of ODPOJENO customers who no longer owe and remove the label")
	if acc.Unblock, err = in.runUnblock(ctx, o, today); err != nil {
		return acc, fmt.Errorf("%s: %w", appUnblock, err)
	}
	if acc.HostsAfter, err = in.readHosts(ctx); err != nil {
		return acc, err
	}
	if err := o.write("hosts/hosts.3-after-unblocknet", acc.HostsAfter); err != nil {
		return acc, err
	}
	p.unblock(acc.Unblock)

	p.stage("Operator options", "off above as in the PHP tools; turned on now for a second blocknet over a copy of the hosts file from before")
	if acc.Options, err = in.runOptions(ctx, p, o, acc, today, cfg.lang); err != nil {
		return acc, fmt.Errorf("operator options: %w", err)
	}

	// The account.
	if acc.Commits, err = in.commits(ctx); err != nil {
		return acc, err
	}
	if acc.OpenAfter, err = openAmount(ctx, in.client); err != nil {
		return acc, err
	}
	acc.Reports = o.files
	p.stage("Summary", "")
	p.hosts(acc)
	p.commits(acc.Commits)
	p.totals(acc)
	p.files(o)
	p.next(cfg.keep)
	acc.Summaries = p.summaries
	if problems := acc.problems(); len(problems) > 0 {
		return acc, fmt.Errorf("the run did not go as the story expects:\n  %s", joinLines(problems))
	}
	if cfg.keep {
		p.keep(in, acc)
		if cfg.wait != nil {
			cfg.wait(ctx)
		} else {
			<-ctx.Done()
		}
		fmt.Fprintln(stdout, "\nStopping the servers and removing the temporary files.")
	}
	return acc, nil
}
