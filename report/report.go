// Package report is the JSON report of an isptools run, as every app
// writes it: the fields of the PHP isp-tools reports (customers with kod,
// action, ips, unpaid_invoices, due for Pipeline A; document, invoice,
// varSym, reason, recipient for Pipeline B) plus "producer" and
// metrics.exit_code, which MultiFlexi's report schema asks for, and the
// PHP tools' metric names beside ours.
//
// [Mark], [Block], [Unblock], [Match] and [Notify] render the results of
// the SDK's runs exactly as the apps do; [Report.Finalize] sets the exit
// code and status; [Emit] writes the report to RESULT_FILE (a path,
// written atomically, or php://stdout / php://stderr) and falls back to
// stdout when that fails, so a Go service running a pipeline reports it
// the way the app would:
//
//	res, err := dunning.NewAbraFlexi(client).Block(ctx, nb, policy, opts)
//	r := report.Block(res)
//	code := r.Finalize("my-blocknet", time.Now(), err)
//	_ = report.Emit(ctx, logger, os.Getenv("RESULT_FILE"), r, os.Stdout, os.Stderr)
package report

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spoje-net/isptools/envconf"
)

// Status is the report status of the MultiFlexi report schema.
type Status string

// The report statuses. success: nothing to note; warning: non-critical
// issues such as skipped customers or an unmatched payment; error: the run
// failed.
const (
	StatusSuccess Status = "success"
	StatusWarning Status = "warning"
	StatusError   Status = "error"
)

// Exit codes of the apps.
const (
	// ExitOK means the run succeeded (possibly with warnings).
	ExitOK = 0
	// ExitError means the run failed.
	ExitError = 1
	// ExitUnmatched is Pipeline B's "payment received but not
	// auto-matched"; [Report.Finalize] keeps it only when set explicitly.
	ExitUnmatched = 2
)

// TimestampLayout is the report timestamp format, PHP's DATE_ATOM
// (RFC 3339 with a numeric zone offset, e.g. 2026-01-21T17:45:00+01:00).
const TimestampLayout = "2006-01-02T15:04:05-07:00"

// Report is the JSON result report of one run. It carries the fields of
// the PHP isp-tools reports plus "producer" and metrics.exit_code, which
// the MultiFlexi report schema asks for.
//
// Encoded key order: producer, exitcode, status, timestamp, message,
// metrics, artifacts, customers, the [Payment] keys, then Extra keys
// sorted. customers is present when Customers is non-nil (an empty,
// non-nil slice encodes as []); the Payment keys are present when Payment
// is non-nil.
type Report struct {
	// Producer is the app (binary) name; [Report.Finalize] fills it in
	// when empty.
	Producer string
	// ExitCode is the process exit code: 0, 1 or 2 (see [Report.Finalize]).
	ExitCode int
	// Status is success, warning or error; [Report.Finalize] derives it
	// when empty.
	Status Status
	// Timestamp is the completion time; [Report.Finalize] fills it in
	// when zero.
	Timestamp time.Time
	// Message is the human-readable one-line result.
	Message string
	// Metrics are named counters; values must be numbers or strings.
	// exit_code is always set to ExitCode on encoding.
	Metrics map[string]any
	// Artifacts maps the names of the app definition's "produces"
	// entries to file paths or URLs. Omitted when empty.
	Artifacts map[string][]string
	// Customers is the per-customer list of Pipeline A apps.
	Customers []Customer
	// Payment holds the Pipeline B fields.
	Payment *Payment
	// Extra holds app-specific top-level keys. They must not collide with
	// the keys above.
	Extra map[string]any
}

// Customer is one entry of a Pipeline A report's "customers" array.
type Customer struct {
	// Kod is the AbraFlexi customer code (adresar kod).
	Kod string `json:"kod"`
	// Name is the customer name (nazev), when known.
	Name string `json:"nazev,omitempty"`
	// Action says what happened, e.g. blocked, vip_skipped, no_ip_found,
	// error_blocking, marked_for_disconnection, still_owes, unblocked.
	Action string `json:"action"`
	// IPs are the affected addresses; nil is omitted, empty encodes as [].
	IPs []string `json:"ips,omitzero"`
	// UnpaidInvoices is the number of unpaid overdue invoices (unblocknet).
	UnpaidInvoices int `json:"unpaid_invoices,omitempty"`
	// Due is the amount still owed as a decimal number (unblocknet).
	Due json.Number `json:"due,omitempty"`
	// Error is the error text of a failed action.
	Error string `json:"error,omitempty"`
	// Why explains the action in words, for the report and the log line of
	// the customer ([Report.LogDecisions]): "blocked in the hosts file but
	// carries no ODPOJENO", "owes 600 CZK on 2 invoices less a 600 CZK
	// credit note".
	Why string `json:"why,omitempty"`
	// Notice is the outcome of the connection notice to the customer
	// (sent, would_send, already_notified, nothing_owed, no_email,
	// send_failed, …), when the run sends them (NOTIFY_DISCONNECTED,
	// NOTIFY_RECONNECTED).
	Notice string `json:"notice,omitempty"`
}

// Payment holds the Pipeline B report fields. All five keys are always
// encoded; nil pointers encode as null, as in the PHP reports.
type Payment struct {
	// Document is the bank/cash record code (or the given id) or the
	// invoice code for isp-potvrzeni-prijeti-uhrady.
	Document string `json:"document"`
	// Invoice is the matched issued invoice code.
	Invoice *string `json:"invoice"`
	// VarSym is the payment's variable symbol.
	VarSym *string `json:"varSym"`
	// Reason is the machine-readable outcome, e.g. matched, unknown_varsym,
	// document_not_found, sent, would_send, no_recipient.
	Reason string `json:"reason"`
	// Recipient is the notification e-mail address.
	Recipient *string `json:"recipient"`
}

// reservedKeys are the report keys Extra may not use.
var reservedKeys = []string{
	"producer", "exitcode", "status", "timestamp", "message", "metrics",
	"artifacts", "customers", "document", "invoice", "varSym", "reason", "recipient",
}

// Inc adds one to the integer metric name.
func (r *Report) Inc(name string) { r.Add(name, 1) }

// Add adds n to the integer metric name, creating it when missing.
func (r *Report) Add(name string, n int) {
	if r.Metrics == nil {
		r.Metrics = make(map[string]any)
	}
	cur, _ := r.Metrics[name].(int)
	r.Metrics[name] = cur + n
}

// SetMetric sets metric name to v, which must be a number or a string.
func (r *Report) SetMetric(name string, v any) {
	if r.Metrics == nil {
		r.Metrics = make(map[string]any)
	}
	r.Metrics[name] = v
}

// AddCustomer appends a customer entry, creating the array when needed.
func (r *Report) AddCustomer(c Customer) {
	if r.Customers == nil {
		r.Customers = []Customer{}
	}
	r.Customers = append(r.Customers, c)
}

// LogDecisions logs what the run decided, one info line per item of the
// report, so that an operator reading the log understands the run without
// opening the report: for every customer its code, action, the reason in
// words ([Customer.Why]), IPs, unpaid invoices, due amount and error; for
// a Pipeline B document (payment or invoice) its code, reason, invoice, variable symbol and
// recipient. Entries with an error are logged at warn level. Apps whose
// library logs its own per-item lines (the batch matcher) leave both lists
// empty, so nothing is logged twice.
func (r *Report) LogDecisions(ctx context.Context, log *slog.Logger) {
	dry := r.Extra["dryRun"] == true
	for _, c := range r.Customers {
		attrs := []slog.Attr{slog.String("kod", c.Kod), slog.String("action", c.Action)}
		add := func(key, val string) {
			if val != "" {
				attrs = append(attrs, slog.String(key, val))
			}
		}
		add("why", c.Why)
		add("notice", c.Notice)
		add("name", c.Name)
		if c.IPs != nil {
			attrs = append(attrs, slog.String("ips", strings.Join(c.IPs, ",")))
		}
		if c.UnpaidInvoices > 0 {
			attrs = append(attrs, slog.Int("unpaid_invoices", c.UnpaidInvoices))
		}
		add("due", c.Due.String())
		add("error", c.Error)
		if dry {
			attrs = append(attrs, slog.Bool("dry_run", true))
		}
		level := slog.LevelInfo
		if c.Error != "" {
			level = slog.LevelWarn
		}
		log.LogAttrs(ctx, level, "customer "+c.Kod+": "+c.Action, attrs...)
	}
	if p := r.Payment; p != nil && p.Document != "" {
		attrs := []slog.Attr{slog.String("document", p.Document), slog.String("reason", p.Reason)}
		for _, f := range []struct {
			key string
			val *string
		}{{"invoice", p.Invoice}, {"varSym", p.VarSym}, {"recipient", p.Recipient}} {
			if f.val != nil && *f.val != "" {
				attrs = append(attrs, slog.String(f.key, *f.val))
			}
		}
		if dry {
			attrs = append(attrs, slog.Bool("dry_run", true))
		}
		log.LogAttrs(ctx, slog.LevelInfo, "document "+p.Document+": "+p.Reason, attrs...)
	}
}

// Finalize makes the report consistent and returns the process exit code:
//
//   - runErr != nil, Status error or ExitCode 1 → exit 1, status error;
//     runErr's text, on one line (the newlines of joined errors become
//     "; "), becomes the message (appended to an existing one);
//   - ExitCode 2 (set explicitly by the app) → exit 2, status warning
//     unless the app chose another;
//   - any other non-zero ExitCode → exit 1, status error;
//   - otherwise exit 0 with status success, unless the app chose warning.
//
// It also fills in Producer (when empty), Timestamp (when zero, from now)
// and metrics.exit_code.
func (r *Report) Finalize(producer string, now time.Time, runErr error) int {
	if r.Producer == "" {
		r.Producer = producer
	}
	if r.Timestamp.IsZero() {
		r.Timestamp = now
	}
	switch {
	case runErr != nil:
		r.ExitCode = ExitError
		// errors.Join separates errors with newlines; the message is one
		// line (it is also the log line of the run's summary).
		text := strings.ReplaceAll(strings.TrimSpace(runErr.Error()), "\n", "; ")
		if r.Message == "" {
			r.Message = text
		} else {
			r.Message += ": " + text
		}
	case r.Status == StatusError:
		r.ExitCode = ExitError
	case r.ExitCode == ExitOK, r.ExitCode == ExitUnmatched:
	default:
		r.ExitCode = ExitError
	}
	switch r.ExitCode {
	case ExitError:
		r.Status = StatusError
	case ExitUnmatched:
		if r.Status == "" || r.Status == StatusSuccess {
			r.Status = StatusWarning
		}
	default:
		if r.Status != StatusWarning {
			r.Status = StatusSuccess
		}
	}
	if r.Message == "" {
		r.Message = string(r.Status)
	}
	r.SetMetric("exit_code", r.ExitCode)
	return r.ExitCode
}

// MarshalJSON encodes the report with the key order described at [Report].
// It fails when a metric is not a number or string or an Extra key is
// reserved.
func (r *Report) MarshalJSON() ([]byte, error) {
	type kv struct {
		key string
		val any
	}
	metrics := make(map[string]any, len(r.Metrics)+1)
	for k, v := range r.Metrics {
		switch v.(type) {
		case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64,
			float32, float64, json.Number, string:
		default:
			return nil, fmt.Errorf("report: metric %q has type %T, want a number or string", k, v)
		}
		metrics[k] = v
	}
	metrics["exit_code"] = r.ExitCode
	ts := ""
	if !r.Timestamp.IsZero() {
		ts = r.Timestamp.Format(TimestampLayout)
	}
	fields := []kv{
		{"producer", r.Producer},
		{"exitcode", r.ExitCode},
		{"status", r.Status},
		{"timestamp", ts},
		{"message", r.Message},
		{"metrics", metrics},
	}
	if len(r.Artifacts) > 0 {
		fields = append(fields, kv{"artifacts", r.Artifacts})
	}
	if r.Customers != nil {
		fields = append(fields, kv{"customers", r.Customers})
	}
	if p := r.Payment; p != nil {
		fields = append(fields,
			kv{"document", p.Document}, kv{"invoice", p.Invoice}, kv{"varSym", p.VarSym},
			kv{"reason", p.Reason}, kv{"recipient", p.Recipient})
	}
	extra := make([]string, 0, len(r.Extra))
	for k := range r.Extra {
		if slices.Contains(reservedKeys, k) {
			return nil, fmt.Errorf("report: extra report key %q is reserved", k)
		}
		extra = append(extra, k)
	}
	slices.Sort(extra)
	for _, k := range extra {
		fields = append(fields, kv{k, r.Extra[k]})
	}

	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range fields {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(f.key)
		b.Write(k)
		b.WriteByte(':')
		v, err := marshalNoEscape(f.val)
		if err != nil {
			return nil, fmt.Errorf("report: key %q: %w", f.key, err)
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// marshalNoEscape encodes v without HTML escaping (like PHP's
// JSON_UNESCAPED_UNICODE output, which also leaves <, > and & alone).
func marshalNoEscape(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// Encode returns the report as indented JSON (four spaces, like PHP's
// JSON_PRETTY_PRINT) with a trailing newline.
func (r *Report) Encode() ([]byte, error) {
	raw, err := r.MarshalJSON()
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := json.Indent(&b, raw, "", "    "); err != nil {
		return nil, err
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}

// Destinations that mean the standard streams rather than files.
const (
	DestStdout = "php://stdout"
	DestStderr = "php://stderr"
)

// Write writes r, encoded with [Report.Encode], to dest:
// "php://stdout", "php://output" and "-" mean stdout, "php://stderr" means
// stderr, any other "scheme://" value is an error, and everything else is
// a file path written atomically (a temporary file in the same directory,
// renamed over dest) with mode 0644.
func Write(dest string, r *Report, stdout, stderr io.Writer) error {
	data, err := r.Encode()
	if err != nil {
		return err
	}
	switch dest {
	case DestStdout, "php://output", "-":
		_, err = stdout.Write(data)
		return err
	case DestStderr:
		_, err = stderr.Write(data)
		return err
	case "":
		return errors.New("report: empty report destination")
	}
	if strings.Contains(dest, "://") {
		return fmt.Errorf("report: unsupported report destination %q", dest)
	}
	return writeFileAtomic(dest, data, 0o644)
}

// writeFileAtomic writes data to a temporary file next to path and renames
// it over path, so readers never see a partial report.
func writeFileAtomic(path string, data []byte, perm os.FileMode) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			os.Remove(tmp)
		}
	}()
	if _, err = f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err = f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Chmod(tmp, perm); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// CheckDestination reports whether the JSON report can be written to dest
// (a RESULT_FILE or -o value), without creating or changing dest: the
// standard streams always can; another "scheme://" cannot; a path needs
// an existing directory in which a file can be created (checked by
// creating and removing a temporary file there, as [Write] does) and must
// not be a directory itself. Check it before a run changes anything, so a
// report that could not be written never follows a run that changed the
// network.
func CheckDestination(dest string) error {
	switch dest {
	case DestStdout, DestStderr, "php://output", "-":
		return nil
	case "":
		return errors.New("empty report destination")
	}
	if strings.Contains(dest, "://") {
		return errors.New("unsupported destination (a file path, php://stdout or php://stderr)")
	}
	if st, err := os.Stat(dest); err == nil && st.IsDir() {
		return errors.New("is a directory")
	}
	dir, base := filepath.Dir(dest), filepath.Base(dest)
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("directory %s does not exist", dir)
	case err != nil:
		return err
	case !st.IsDir():
		return fmt.Errorf("%s is not a directory", dir)
	}
	f, err := os.CreateTemp(dir, "."+base+".check-*")
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("cannot create files in %s: %w", dir, err)
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

// Emit writes r to dest with [Write] and logs the one-line summary (the
// message with status, exit code and destination) at info, warn or error
// level according to the status. When writing to dest fails, the failure
// is logged, the report is marked failed (status error, exit code 1, the
// failure added to the message) and written to stdout as well, so it is
// never lost; the write error is returned. log may be nil.
func Emit(ctx context.Context, log *slog.Logger, dest string, r *Report, stdout, stderr io.Writer) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	werr := Write(dest, r, stdout, stderr)
	if werr != nil {
		log.Error("writing the report failed; writing it to stdout instead", "report", dest, "error", werr)
		r.Status, r.ExitCode = StatusError, ExitError
		r.Message += fmt.Sprintf("; writing the report to RESULT_FILE=%s failed: %v", envconf.Quote(dest), werr)
		r.SetMetric("exit_code", ExitError)
		if dest != DestStdout {
			if err := Write(DestStdout, r, stdout, stderr); err != nil {
				log.Error("writing the report to stdout failed", "error", err)
			}
		}
		dest = DestStdout
	}
	level := slog.LevelInfo
	switch r.Status {
	case StatusWarning:
		level = slog.LevelWarn
	case StatusError:
		level = slog.LevelError
	}
	log.Log(ctx, level, r.Message, "status", string(r.Status), "exitcode", r.ExitCode, "report", dest)
	return werr
}
