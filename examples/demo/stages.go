package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/abraflexi/abraflexitest"
	"github.com/spoje-net/isptools/dunning"
	"github.com/spoje-net/isptools/envconf"
	"github.com/spoje-net/isptools/examples/internal/paymentapp"
	"github.com/spoje-net/isptools/netbackend"
	"github.com/spoje-net/isptools/netbackend/backendenv"
	"github.com/spoje-net/isptools/notify"
	"github.com/spoje-net/isptools/notify/notifytest"
	"github.com/spoje-net/isptools/payments"
	"github.com/spoje-net/isptools/report"
	"github.com/spoje-net/isptools/svnhosts"
)

// App names, as the real binaries call themselves in their reports.
const (
	appMark    = "abraflexi-mark-defaulters"
	appBlock   = "blocknet"
	appUnblock = "unblocknet"
	appMatch   = "isp-match-received-payment"
	appConfirm = "isp-potvrzeni-prijeti-uhrady"
	appNotice  = "isp-potvrzeni-prijeti-bankovni-platby"
	appBatch   = "isp-match-payments-batch"
	appBridge  = "isp-match-and-notify"
)

// Backend choices of -backend.
const (
	backendAuto = "auto"
	backendSVN  = "svn"
	backendFile = "file"
)

// mailFrom is the sender of the demo ISP's e-mails.
const mailFrom = "DemoNet s.r.o. <fakturace@demonet.example.cz>"

// infra is everything the demo runs against: the in-memory AbraFlexi, the
// SMTP server and the network backend.
type infra struct {
	af      *abraflexitest.Server
	client  *abraflexi.Client
	smtp    *notifytest.Server
	nb      netbackend.Backend
	backend string // svn or file
	svnURL  string // svn only
	svnCfg  string // svn only: private config dir for our own svn calls
	hosts   string // file only: the hosts file
	tmp     string
	log     *slog.Logger
	// settings are the demo's variables beyond the servers' addresses
	// ([settings]); every stage reads them with the apps' readers.
	settings []setting
}

// close stops the servers and removes the temporary directory.
func (in *infra) close() {
	if in.af != nil {
		in.af.Close()
	}
	if in.smtp != nil {
		in.smtp.Close()
	}
	if in.tmp != "" {
		_ = os.RemoveAll(in.tmp)
	}
}

// chooseBackend resolves -backend auto: svn when svn and svnadmin are
// installed, else the local file.
func chooseBackend(want string) (string, error) {
	haveSVN := func() bool {
		_, e1 := exec.LookPath("svn")
		_, e2 := exec.LookPath("svnadmin")
		return e1 == nil && e2 == nil
	}
	switch want {
	case backendAuto, "":
		if haveSVN() {
			return backendSVN, nil
		}
		return backendFile, nil
	case backendSVN:
		if !haveSVN() {
			return "", errors.New("-backend svn needs the svn and svnadmin commands (apt install subversion), or use -backend file")
		}
		return backendSVN, nil
	case backendFile:
		return backendFile, nil
	}
	return "", fmt.Errorf("-backend %q: want svn, file or auto", want)
}

// setup starts the in-memory AbraFlexi seeded with w, the SMTP server and
// the network backend holding w's hosts file.
func setup(ctx context.Context, cfg config, w *world, log *slog.Logger) (_ *infra, err error) {
	in := &infra{log: log, settings: settings(cfg)}
	if cfg.adjustSettings != nil {
		in.settings = cfg.adjustSettings(in.settings)
	}
	defer func() {
		if err != nil {
			in.close()
		}
	}()
	if in.tmp, err = os.MkdirTemp("", "isptools-demo-"); err != nil {
		return nil, err
	}
	opts := []abraflexitest.Option{abraflexitest.WithToday(w.Today)}
	if cfg.keep && cfg.listen != "" {
		opts = append(opts, abraflexitest.WithAddr(cfg.listen))
	}
	if in.af, err = abraflexitest.Start(opts...); err != nil {
		return nil, err
	}
	if _, err = in.af.TrySeed(w.records()...); err != nil {
		return nil, fmt.Errorf("seeding AbraFlexi: %w", err)
	}
	if in.client, err = abraflexi.NewClient(in.af.Config(), abraflexi.WithLogger(log)); err != nil {
		return nil, err
	}
	if in.smtp, err = notifytest.Start(); err != nil {
		return nil, fmt.Errorf("SMTP server: %w", err)
	}
	if in.backend, err = chooseBackend(cfg.backend); err != nil {
		return nil, err
	}
	hosts := w.hostsFile()
	switch in.backend {
	case backendSVN:
		if in.svnURL, err = in.newSVNRepo(ctx, hosts); err != nil {
			return nil, err
		}
	default:
		in.hosts = filepath.Join(in.tmp, "hosts")
		if err = os.WriteFile(in.hosts, hosts, 0o644); err != nil {
			return nil, err
		}
	}
	// The backend blocknet and unblocknet build from NETWORK_BACKEND and
	// SVNURL or HOSTS_FILE.
	if in.nb, err = backendenv.FromLookup(in.lookup(appBlock), log); err != nil {
		return nil, err
	}
	return in, nil
}

// svn runs the svn client with a private configuration directory.
func (in *infra) svn(ctx context.Context, args ...string) ([]byte, error) {
	args = append([]string{"--non-interactive", "--config-dir", in.svnCfg}, args...)
	cmd := exec.CommandContext(ctx, "svn", args...)
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return nil, fmt.Errorf("svn %s: %w: %s", args[3], err, strings.TrimSpace(string(ee.Stderr)))
		}
		return nil, fmt.Errorf("svn %s: %w", args[3], err)
	}
	return out, nil
}

// newSVNRepo creates a file:// repository with svnadmin and imports the
// hosts file as its first revision.
func (in *infra) newSVNRepo(ctx context.Context, hosts []byte) (string, error) {
	repo := filepath.Join(in.tmp, "svnrepo")
	if out, err := exec.CommandContext(ctx, "svnadmin", "create", repo).CombinedOutput(); err != nil {
		return "", fmt.Errorf("svnadmin create: %w: %s", err, out)
	}
	in.svnCfg = filepath.Join(in.tmp, "svnconfig")
	src := filepath.Join(in.tmp, "import")
	if err := os.MkdirAll(src, 0o755); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(src, svnhosts.DefaultHostsPath), hosts, 0o644); err != nil {
		return "", err
	}
	url := "file://" + filepath.ToSlash(repo)
	if _, err := in.svn(ctx, "import", "-m", "Hosts file of the demo ISP", src, url); err != nil {
		return "", err
	}
	return url, nil
}

// readHosts returns the current hosts file (the repository's HEAD).
func (in *infra) readHosts(ctx context.Context) ([]byte, error) {
	if in.backend == backendSVN {
		return in.svn(ctx, "cat", in.svnURL+"/"+svnhosts.DefaultHostsPath)
	}
	return os.ReadFile(in.hosts)
}

// svnLogRe matches the header line of a revision in svn log output.
var svnLogRe = regexp.MustCompile(`^r(\d+) \| `)

// commits returns "rN first line of the message" for every revision after
// the import (svn only).
func (in *infra) commits(ctx context.Context) ([]string, error) {
	if in.backend != backendSVN {
		return nil, nil
	}
	out, err := in.svn(ctx, "log", "-r", "2:HEAD", in.svnURL)
	if err != nil {
		if strings.Contains(err.Error(), "No such revision") {
			return nil, nil
		}
		return nil, err
	}
	var res []string
	lines := strings.Split(string(out), "\n")
	for i := 0; i < len(lines); i++ {
		m := svnLogRe.FindStringSubmatch(lines[i])
		if m == nil || i+2 >= len(lines) {
			continue
		}
		res = append(res, "r"+m[1]+"  "+lines[i+2])
	}
	return res, nil
}

// ---- the stages ----

// account is everything that happened, for printing and testing.
type account struct {
	World   *world
	Backend string
	Mark    *dunning.MarkResult
	Block   *dunning.BlockResult
	Matches []matchOutcome
	Notices []noticeOutcome
	Unblock *dunning.UnblockResult
	Mails   []mailOut
	Options *optionsOutcome // the operator options, turned on at the end
	// HostsBefore, HostsBlocked and HostsAfter are the hosts file at the
	// start, after blocknet and after unblocknet.
	HostsBefore, HostsBlocked, HostsAfter []byte
	Commits                               []string
	OpenBefore, OpenAfter                 decimal.Decimal
	Reports                               []string
	// Summaries are the summary lines of the account, unwrapped.
	Summaries []string
}

// matchOutcome is one payment of the batch and how it was matched.
type matchOutcome struct {
	Spec   paymentSpec
	Result payments.Result
	Err    error
}

// noticeOutcome is one run of a notification app.
type noticeOutcome struct {
	App     string
	Trigger string // the payment that triggered it
	Result  notify.Result
	Err     error
}

// mailOut is one captured e-mail.
type mailOut struct {
	To          string
	Subject     string
	Attachments []string
	File        string
}

// dunningRun reads the policy and options of app as the app does
// (read), with the demo's day as today.
func (in *infra) dunningRun(app string, today abraflexi.Date, read func(envconf.Lookup) (dunning.Policy, error)) (dunning.Policy, dunning.Options, error) {
	policy, perr := read(in.lookup(app))
	opts, oerr := dunning.NetOptionsFromLookup(in.lookup(app))
	if app == appMark {
		opts, oerr = dunning.OptionsFromLookup(in.lookup(app))
	}
	opts.Today, opts.Note, opts.Logger = today, app, in.log
	if err := envconf.Join(perr, oerr); err != nil {
		return policy, opts, fmt.Errorf("the demo's settings: %w", err)
	}
	return policy, opts, nil
}

// runMark is abraflexi-mark-defaulters.
func (in *infra) runMark(ctx context.Context, o *output, today abraflexi.Date) (*dunning.MarkResult, error) {
	policy, opts, err := in.dunningRun(appMark, today, dunning.MarkPolicyFromLookup)
	if err != nil {
		return nil, err
	}
	res, err := dunning.NewAbraFlexi(in.client).Mark(ctx, policy, opts)
	if werr := o.report("01-"+appMark+".json", appMark, report.Mark(res), err); werr != nil && err == nil {
		err = werr
	}
	return res, err
}

// runBlock is blocknet.
func (in *infra) runBlock(ctx context.Context, o *output, today abraflexi.Date) (*dunning.BlockResult, error) {
	policy, opts, err := in.dunningRun(appBlock, today, dunning.BlockPolicyFromLookup)
	if err != nil {
		return nil, err
	}
	res, err := dunning.NewAbraFlexi(in.client).Block(ctx, in.nb, policy, opts)
	if err == nil && res != nil {
		err = res.Err()
	}
	if werr := o.report("02-"+appBlock+".json", appBlock, report.Block(res), err); werr != nil && err == nil {
		err = werr
	}
	return res, err
}

// runUnblock is unblocknet.
func (in *infra) runUnblock(ctx context.Context, o *output, today abraflexi.Date) (*dunning.UnblockResult, error) {
	policy, opts, err := in.dunningRun(appUnblock, today, dunning.UnblockPolicyFromLookup)
	if err != nil {
		return nil, err
	}
	res, err := dunning.NewAbraFlexi(in.client).Unblock(ctx, in.nb, policy, opts)
	if err == nil && res != nil {
		err = res.Err()
	}
	if werr := o.report("06-"+appUnblock+".json", appUnblock, report.Unblock(res), err); werr != nil && err == nil {
		err = werr
	}
	return res, err
}

// postPayments writes the batch into AbraFlexi through the REST API, as
// the bank statement import and the cash desk would.
func (in *infra) postPayments(ctx context.Context, specs []paymentSpec, today abraflexi.Date) error {
	byEv := map[string][]abraflexi.Fields{}
	for _, p := range specs {
		f := abraflexi.Fields{
			"kod":        p.Code,
			"sumCelkem":  p.Amount.StringFixed(2),
			"datVyst":    today.String(),
			"typPohybuK": abraflexi.DirectionIncoming,
			"mena":       "code:CZK",
			"popis":      p.Note,
		}
		if p.Outgoing {
			f["typPohybuK"] = abraflexi.DirectionOutgoing
		}
		if p.VarSym != "" {
			f["varSym"] = p.VarSym
		}
		if p.Payer != nil {
			f["firma"] = "code:" + p.Payer.Code
		}
		if p.Evidence == abraflexi.EvidenceBank && p.Account != "" {
			f["buc"] = p.Account
		}
		byEv[p.Evidence] = append(byEv[p.Evidence], f)
	}
	for _, ev := range []string{abraflexi.EvidenceBank, abraflexi.EvidenceCash} {
		if len(byEv[ev]) == 0 {
			continue
		}
		res, err := in.client.Upsert(ctx, ev, byEv[ev], abraflexi.WriteOptions{})
		if err != nil {
			return fmt.Errorf("posting %s records: %w", ev, err)
		}
		for _, r := range res {
			if len(r.Errors) > 0 {
				return fmt.Errorf("posting %s record: %v", ev, r.Errors)
			}
		}
	}
	return nil
}

// matcherConfig is the configuration isp-match-received-payment reads
// from the demo's settings, with the per-document lock it takes.
func (in *infra) matcherConfig() (payments.Config, error) {
	cfg, err := payments.ConfigFromLookup(in.lookup(appMatch))
	var lerr error
	cfg.Lock, lerr = payments.DocumentLockFromLookup(in.lookup(appMatch))
	cfg.Logger = in.log
	if err := envconf.Join(err, lerr); err != nil {
		return cfg, fmt.Errorf("the demo's settings: %w", err)
	}
	return cfg, nil
}

// runMatch is isp-match-received-payment, once per payment, as the
// MultiFlexi web-hook runs it for every new bank or cash record.
func (in *infra) runMatch(ctx context.Context, o *output, specs []paymentSpec) ([]matchOutcome, error) {
	cfg, err := in.matcherConfig()
	if err != nil {
		return nil, err
	}
	m := payments.NewMatcher(payments.NewClientLedger(in.client), cfg)
	out := make([]matchOutcome, 0, len(specs))
	for i, p := range specs {
		res, err := m.MatchOne(ctx, p.Code)
		out = append(out, matchOutcome{Spec: p, Result: res, Err: err})
		name := fmt.Sprintf("03-%s-%02d-%s.json", appMatch, i+1, p.Code)
		if werr := o.report(name, appMatch, report.Match(res), err); werr != nil {
			return out, werr
		}
	}
	return out, nil
}

// runNotify runs, for every matched payment, isp-potvrzeni-prijeti-uhrady
// on the paid invoice and, for every payment left for manual matching
// (exit 2), isp-potvrzeni-prijeti-bankovni-platby on the payment: the
// routing isp-match-and-notify does in one run, with the same calls.
func (in *infra) runNotify(ctx context.Context, o *output, matches []matchOutcome) ([]noticeOutcome, error) {
	cfg, err := notify.ConfigFromLookup(in.lookup(appConfirm)) // the notice app reads the same variables
	lock, lerr := payments.DocumentLockFromLookup(in.lookup(appConfirm))
	if err := envconf.Join(err, lerr); err != nil {
		return nil, fmt.Errorf("the demo's settings: %w", err)
	}
	d, err := notify.NewDeps(cfg, in.client, in.log)
	if err != nil {
		return nil, err
	}
	d.Lock = lock
	var out []noticeOutcome
	for _, m := range matches {
		var n noticeOutcome
		switch {
		case m.Result.Matched():
			n = noticeOutcome{App: appConfirm, Trigger: m.Spec.Code}
			n.Result, n.Err = notify.ConfirmInvoicePayment(ctx, d, m.Result.InvoiceID.String())
		case m.Result.ExitCode == payments.ExitUnmatched:
			n = noticeOutcome{App: appNotice, Trigger: m.Spec.Code}
			n.Result, n.Err = notify.NoticePaymentReceived(ctx, d, m.Result.PaymentID.String(), paymentapp.NotifyEvidence(m.Result.Evidence))
		default:
			continue
		}
		out = append(out, n)
		name := fmt.Sprintf("%s-%s-%02d-%s.json", map[string]string{appConfirm: "04", appNotice: "05"}[n.App], n.App, len(out), n.Result.Document)
		if werr := o.report(name, n.App, report.Notify(n.Result), n.Err); werr != nil {
			return out, werr
		}
	}
	return out, nil
}

// ---- output directory ----

// markerFile marks a directory the demo created, so re-runs may clean it
// and directories of other people are never wiped.
const markerFile = ".isptools-demo"

// outSubdirs are the directories the demo writes; cleaning removes only
// these.
var outSubdirs = []string{"reports", "mail", "hosts"}

// output is the output directory.
type output struct {
	dir   string
	now   func() time.Time
	files []string
}

// prepareOutput creates dir or cleans what an earlier run left in it. It
// refuses a non-empty directory the demo did not create.
func prepareOutput(dir string, now func() time.Time) (*output, error) {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return nil, err
	case len(entries) > 0:
		if _, err := os.Stat(filepath.Join(dir, markerFile)); err != nil {
			return nil, fmt.Errorf("-out %s: the directory is not empty and was not created by the demo (no %s file); choose another directory", dir, markerFile)
		}
	}
	for _, sub := range outSubdirs {
		if err := os.RemoveAll(filepath.Join(dir, sub)); err != nil {
			return nil, err
		}
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return nil, err
		}
	}
	if err := os.WriteFile(filepath.Join(dir, markerFile), []byte("created by go run ./examples/demo; re-runs clean reports/, mail/ and hosts/\n"), 0o644); err != nil {
		return nil, err
	}
	return &output{dir: dir, now: now}, nil
}

// write writes a file below the output directory.
func (o *output) write(rel string, data []byte) error {
	p := filepath.Join(o.dir, rel)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		return err
	}
	o.files = append(o.files, rel)
	return nil
}

// report finalizes r as the app would (exit code, status, producer,
// timestamp) and writes it to reports/name.
func (o *output) report(name, app string, r *report.Report, runErr error) error {
	r.Finalize(app, o.now(), runErr)
	rel := filepath.Join("reports", name)
	if err := report.Write(filepath.Join(o.dir, rel), r, io.Discard, io.Discard); err != nil {
		return err
	}
	o.files = append(o.files, rel)
	return nil
}

// saveMails writes every captured message as an .eml file and returns what
// was sent.
func (in *infra) saveMails(o *output) ([]mailOut, error) {
	var out []mailOut
	for i, m := range in.smtp.Messages() {
		p, err := m.Parse()
		if err != nil {
			return out, err
		}
		to := strings.Join(m.To, ", ")
		rel := filepath.Join("mail", fmt.Sprintf("%02d-%s.eml", i+1, fileSafe(to)))
		if err := o.write(rel, m.Data); err != nil {
			return out, err
		}
		mo := mailOut{To: to, Subject: p.Subject, File: rel}
		for _, a := range p.Attachments {
			mo.Attachments = append(mo.Attachments, a.Filename)
		}
		out = append(out, mo)
	}
	return out, nil
}

// fileSafe turns s into a file-name fragment.
func fileSafe(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_', r == '@':
			return r
		}
		return '_'
	}, s)
}
