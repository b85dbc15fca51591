package svnhosts

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spoje-net/isptools/netbackend"
)

// applyChanges applies changes to f ([File.Apply]) after running its sanity
// check, whose findings are logged at warning level: a run never changes
// the file without saying what is odd about it.
func applyChanges(ctx context.Context, log *slog.Logger, name string, f *File, changes []netbackend.Change, m CodeMatch) ([]netbackend.Result, bool) {
	if problems := f.Check(); len(problems) > 0 {
		log.LogAttrs(ctx, slog.LevelWarn, "svnhosts: hosts file check found problems", slog.String("file", name),
			slog.Int("problems", len(problems)), slog.String("first", problems[0].String()))
	}
	return f.Apply(changes, m)
}

// lookup serves Backend.CustomerIPs from file content: [File.Lookup], with
// the findings of [File.Check] as warnings.
func lookup(data []byte, customers []string, m CodeMatch) (netbackend.Lookup, error) {
	f, err := Parse(data)
	if err != nil {
		return netbackend.Lookup{}, err
	}
	out := f.Lookup(customers, m)
	for _, p := range f.Check() {
		out.Warnings = append(out.Warnings, "hosts file "+p.String())
	}
	return out, nil
}

// blocked serves Backend.Blocked from file content.
func blocked(data []byte) ([]netbackend.BlockedEntry, error) {
	f, err := Parse(data)
	if err != nil {
		return nil, err
	}
	return f.Blocked(), nil
}

// states serves Backend.State from file content.
func states(data []byte, ips []netip.Addr) (map[netip.Addr]netbackend.IPState, error) {
	f, err := Parse(data)
	if err != nil {
		return nil, err
	}
	out := make(map[netip.Addr]netbackend.IPState, len(ips))
	for _, ip := range ips {
		out[ip] = f.State(ip)
	}
	return out, nil
}

// appendAudit appends one line per changed result to the audit log at path.
// where names the change record (e.g. "r42" or the file path).
func appendAudit(path, backend, where string, results []netbackend.Result, now time.Time) error {
	if path == "" {
		return nil
	}
	var b strings.Builder
	ts := now.UTC().Format(time.RFC3339)
	for _, r := range results {
		if r.Status != netbackend.Changed {
			continue
		}
		fmt.Fprintf(&b, "time=%s backend=%s at=%s action=%s customer=%s ip=%s speed_before=%d speed_after=%d\n",
			ts, backend, strconv.Quote(where), r.Change.Action, strconv.Quote(r.Change.Customer), r.Change.IP, r.SpeedBefore, r.SpeedAfter)
	}
	if b.Len() == 0 {
		return nil
	}
	fh, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return fmt.Errorf("svnhosts: audit log (LOGFILE) %s: %w", path, err)
	}
	_, err = fh.WriteString(b.String())
	if cerr := fh.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("svnhosts: audit log (LOGFILE) %s: %w", path, err)
	}
	return nil
}

// checkAuditLog makes sure the audit log at path can be appended to, before
// anything is changed, so a bad LOGFILE stops the run instead of leaving a
// change without its audit line.
func checkAuditLog(path string) error {
	if path == "" {
		return nil
	}
	fh, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if errors.Is(err, fs.ErrNotExist) {
		// Not created yet: it is created with the first change; check that
		// its directory takes a new file without leaving one behind.
		fh, err = os.CreateTemp(filepath.Dir(path), ".audit-check-*")
		if err == nil {
			defer os.Remove(fh.Name())
		}
	}
	if err != nil {
		return fmt.Errorf("svnhosts: audit log (LOGFILE) %s: %w", path, err)
	}
	return fh.Close()
}

// discard is the logger used when none is configured.
var discard = slog.New(slog.DiscardHandler)

func loggerOr(l *slog.Logger) *slog.Logger {
	if l == nil {
		return discard
	}
	return l
}
