package svnhosts

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/spoje-net/isptools/netbackend"
)

// Repo is the Subversion backend: the hosts file at [Config.HostsPath] inside
// [Config.URL]. Every [Repo.Apply] makes at most one commit holding all its
// changes. A Repo is safe for concurrent use.
type Repo struct {
	cfg Config
	bin string
	log *slog.Logger
	// mu serialises runs in a configured working copy.
	mu sync.Mutex
	// beforeCommit, when set, runs before every commit attempt (test seam for
	// a concurrent writer).
	beforeCommit func(attempt int)
	now          func() time.Time
}

var _ netbackend.Backend = (*Repo)(nil)

// NewRepo validates cfg (after applying the defaults of [ConfigFromEnv]) and
// returns the backend. It fails when the svn client cannot be found.
func NewRepo(cfg Config) (*Repo, error) {
	cfg.defaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	bin, err := exec.LookPath(cfg.SVNBin)
	if err != nil {
		return nil, fmt.Errorf("svnhosts: SVNBIN %q: %w", cfg.SVNBin, err)
	}
	if cfg.WorkingCopy != "" {
		fi, err := os.Stat(cfg.WorkingCopy)
		if err != nil {
			return nil, fmt.Errorf("svnhosts: SVN_WORKING_COPY %q: %w", cfg.WorkingCopy, err)
		}
		if !fi.IsDir() {
			return nil, fmt.Errorf("svnhosts: SVN_WORKING_COPY %q: not a directory", cfg.WorkingCopy)
		}
	}
	return &Repo{cfg: cfg, bin: bin, log: loggerOr(cfg.Logger), now: time.Now}, nil
}

// Name implements [netbackend.Backend]; it returns "svn".
func (r *Repo) Name() string { return "svn" }

// fileURL is the URL of the hosts file.
func (r *Repo) fileURL() string {
	return strings.TrimRight(r.cfg.URL, "/") + "/" + r.cfg.HostsPath
}

// session is the private temporary directory of one operation: svn's
// config dir, the commit message and (unless configured) the working copy.
type session struct {
	root string
	svn  *svnClient
}

func (r *Repo) session() (*session, error) {
	root, err := os.MkdirTemp(r.cfg.TempDir, "svnhosts-")
	if err != nil {
		return nil, fmt.Errorf("svnhosts: temporary directory: %w", err)
	}
	cfgDir := filepath.Join(root, "config")
	if err := os.Mkdir(cfgDir, 0o700); err != nil {
		_ = os.RemoveAll(root)
		return nil, fmt.Errorf("svnhosts: temporary directory: %w", err)
	}
	return &session{root: root, svn: &svnClient{
		bin: r.bin, user: r.cfg.User, password: r.cfg.Password,
		configDir: cfgDir, timeout: r.cfg.Timeout, log: r.log,
	}}, nil
}

func (s *session) close() { _ = os.RemoveAll(s.root) }

// cat reads the hosts file from the repository's HEAD.
func (r *Repo) cat(ctx context.Context) ([]byte, error) {
	s, err := r.session()
	if err != nil {
		return nil, err
	}
	defer s.close()
	u := r.fileURL()
	return s.svn.run(ctx, redactURL(u), "cat", "--", u)
}

// Target implements [netbackend.Targeter]: the URL of the hosts file (a
// password in the URL redacted).
func (r *Repo) Target() string { return redactURL(r.fileURL()) }

// CustomerIPs implements [netbackend.Backend] with [File.Lookup] (by
// Config.CodeMatch) on the repository's HEAD; the findings of [File.Check]
// are its warnings.
func (r *Repo) CustomerIPs(ctx context.Context, customers []string) (netbackend.Lookup, error) {
	data, err := r.cat(ctx)
	if err != nil {
		return netbackend.Lookup{}, err
	}
	return lookup(data, customers, r.cfg.CodeMatch)
}

// Blocked implements [netbackend.Backend] with [File.Blocked] on the
// repository's HEAD.
func (r *Repo) Blocked(ctx context.Context) ([]netbackend.BlockedEntry, error) {
	data, err := r.cat(ctx)
	if err != nil {
		return nil, err
	}
	return blocked(data)
}

// State implements [netbackend.Backend] with [File.State] on the repository's
// HEAD.
func (r *Repo) State(ctx context.Context, ips []netip.Addr) (map[netip.Addr]netbackend.IPState, error) {
	data, err := r.cat(ctx)
	if err != nil {
		return nil, err
	}
	return states(data, ips)
}

// Apply implements [netbackend.Backend]. It checks the hosts file out into a
// private temporary working copy (or updates the configured one), applies all
// changes and commits them in one commit whose message names every changed
// customer and IP. Nothing is committed when nothing changed or under
// opts.DryRun (which only reads HEAD). A commit rejected as out of date is
// retried on the updated file, up to [Config.Retries] times, so another
// writer's commit is never lost. The temporary working copy is removed
// afterwards. When the commit succeeded but the audit log could not be
// written, both the results and the error are returned.
func (r *Repo) Apply(ctx context.Context, changes []netbackend.Change, opts netbackend.ApplyOptions) ([]netbackend.Result, error) {
	if err := netbackend.Validate(changes); err != nil {
		return nil, fmt.Errorf("svnhosts: %w", err)
	}
	if len(changes) == 0 {
		return []netbackend.Result{}, nil
	}
	if opts.DryRun {
		data, err := r.cat(ctx)
		if err != nil {
			return nil, err
		}
		f, err := Parse(data)
		if err != nil {
			return nil, err
		}
		res, _ := f.Apply(changes, r.cfg.CodeMatch)
		return res, nil
	}
	if err := checkAuditLog(r.cfg.LogFile); err != nil {
		return nil, err
	}
	s, err := r.session()
	if err != nil {
		return nil, err
	}
	defer s.close()
	wcFile, err := r.prepare(ctx, s)
	if err != nil {
		return nil, fmt.Errorf("svnhosts: working copy of %s: %w", r.cfg.HostsPath, err)
	}
	committed := false
	if r.cfg.WorkingCopy != "" {
		defer r.mu.Unlock()
		defer func() {
			if !committed {
				// leave the configured working copy clean
				_, _ = s.svn.run(context.WithoutCancel(ctx), wcFile, "revert", "--", wcFile)
			}
		}()
	}
	msgFile := filepath.Join(s.root, "message")
	for attempt := 0; ; attempt++ {
		res, dirty, err := r.rewrite(ctx, wcFile, changes)
		if err != nil || !dirty {
			return res, err
		}
		msg := netbackend.CommitMessage("svnhosts", res, opts.Note)
		if err := os.WriteFile(msgFile, []byte(msg), 0o600); err != nil {
			return nil, fmt.Errorf("svnhosts: commit message: %w", err)
		}
		if r.beforeCommit != nil {
			r.beforeCommit(attempt)
		}
		out, err := s.svn.run(ctx, wcFile, "commit", "-F", msgFile, "--encoding", "UTF-8", "--", wcFile)
		if err == nil {
			committed = true
			rev := committedRev(out)
			r.log.LogAttrs(ctx, slog.LevelInfo, "svnhosts: committed", slog.String("revision", rev),
				slog.Int("changed", netbackend.Summarize(res)[netbackend.Changed]), slog.Int("attempts", attempt+1))
			if err := appendAudit(r.cfg.LogFile, r.Name(), "r"+rev, res, r.now()); err != nil {
				return res, fmt.Errorf("svnhosts: committed r%s: %w", rev, err)
			}
			return res, nil
		}
		if !errors.Is(err, ErrOutOfDate) || attempt >= r.cfg.Retries {
			return nil, fmt.Errorf("svnhosts: commit %s (attempt %d): %w", r.cfg.HostsPath, attempt+1, err)
		}
		r.log.LogAttrs(ctx, slog.LevelInfo, "svnhosts: out of date, updating and retrying", slog.Int("attempt", attempt+1))
		if _, err := s.svn.run(ctx, wcFile, "revert", "--", wcFile); err != nil {
			return nil, err
		}
		if _, err := s.svn.run(ctx, wcFile, "update", "--", wcFile); err != nil {
			return nil, err
		}
	}
}

// prepare returns the path of the hosts file in an up-to-date working copy.
// With a configured working copy it locks r.mu; the caller unlocks it.
func (r *Repo) prepare(ctx context.Context, s *session) (string, error) {
	dir, base := path.Split(r.cfg.HostsPath)
	if r.cfg.WorkingCopy != "" {
		r.mu.Lock()
		wcFile := filepath.Join(r.cfg.WorkingCopy, filepath.FromSlash(r.cfg.HostsPath))
		err := r.recover(ctx, s, wcFile)
		if err == nil {
			err = mustExist(wcFile, r.cfg.HostsPath)
		}
		if err != nil {
			r.mu.Unlock()
			return "", err
		}
		return wcFile, nil
	}
	dirURL := strings.TrimRight(r.cfg.URL, "/")
	if dir != "" {
		dirURL += "/" + strings.TrimSuffix(dir, "/")
	}
	wc := filepath.Join(s.root, "wc")
	if _, err := s.svn.run(ctx, redactURL(dirURL), "checkout", "--depth", "empty", "--", dirURL, wc); err != nil {
		return "", err
	}
	wcFile := filepath.Join(wc, base)
	if _, err := s.svn.run(ctx, wcFile, "update", "--", wcFile); err != nil {
		return "", err
	}
	return wcFile, mustExist(wcFile, r.cfg.HostsPath)
}

func mustExist(wcFile, hostsPath string) error {
	fi, err := os.Stat(wcFile)
	if err != nil {
		return fmt.Errorf("svnhosts: hosts file %q not in the repository: %w", hostsPath, err)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("svnhosts: hosts file %q is not a regular file", hostsPath)
	}
	return nil
}

// rewrite applies changes to the file at p in place (the working copy is
// private or locked, so no atomic replace is needed).
func (r *Repo) rewrite(ctx context.Context, p string, changes []netbackend.Change) ([]netbackend.Result, bool, error) {
	fi, err := os.Stat(p)
	if err != nil {
		return nil, false, fmt.Errorf("svnhosts: %w", err)
	}
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, false, fmt.Errorf("svnhosts: %w", err)
	}
	f, err := Parse(data)
	if err != nil {
		return nil, false, fmt.Errorf("svnhosts: %s: %w", p, err)
	}
	res, dirty := applyChanges(ctx, r.log, r.cfg.HostsPath, f, changes, r.cfg.CodeMatch)
	if !dirty {
		return res, false, nil
	}
	if err := os.WriteFile(p, f.Bytes(), fi.Mode().Perm()); err != nil {
		return nil, false, fmt.Errorf("svnhosts: %w", err)
	}
	return res, true, nil
}

var committedRE = regexp.MustCompile(`Committed revision (\d+)\.`)

// committedRev extracts the revision from svn commit's output ("" if none).
func committedRev(out []byte) string {
	if m := committedRE.FindSubmatch(out); m != nil {
		return string(m[1])
	}
	return ""
}

// recover makes the configured working copy usable after a run that was
// killed in the middle: a working copy left locked is cleaned up (svn
// cleanup), and a local modification of the hosts file (the rewrite of a
// run killed before its commit) is reverted. Both are logged at warning
// level; the run then goes on from the repository's state: the hosts file
// is updated. Changes of other files of the working copy are not ours and
// are left alone.
func (r *Repo) recover(ctx context.Context, s *session, wcFile string) error {
	cleaned := false
	// run runs one svn command; when svn says the working copy is locked, it
	// cleans it up once and runs the command again.
	run := func(sub string, args ...string) ([]byte, error) {
		out, err := s.svn.run(ctx, wcFile, sub, args...)
		if err == nil || cleaned || !isLocked(err) {
			return out, err
		}
		cleaned = true
		r.log.LogAttrs(ctx, slog.LevelWarn, "svnhosts: working copy locked by an interrupted run; running svn cleanup",
			slog.String("working_copy", r.cfg.WorkingCopy), slog.String("error", err.Error()))
		if _, cerr := s.svn.run(ctx, r.cfg.WorkingCopy, "cleanup", "--", r.cfg.WorkingCopy); cerr != nil {
			return nil, fmt.Errorf("svnhosts: SVN_WORKING_COPY %s: svn cleanup: %w", r.cfg.WorkingCopy, cerr)
		}
		return s.svn.run(ctx, wcFile, sub, args...)
	}
	out, err := run("status", "--", wcFile)
	if err != nil {
		return err
	}
	if st := strings.TrimSpace(string(out)); st != "" {
		r.log.LogAttrs(ctx, slog.LevelWarn, "svnhosts: reverting a leftover change of the hosts file in the working copy (a run was interrupted before its commit)",
			slog.String("file", wcFile), slog.String("status", st))
		if _, err := run("revert", "--", wcFile); err != nil {
			return fmt.Errorf("svnhosts: SVN_WORKING_COPY %s: revert the leftover change of %s: %w", r.cfg.WorkingCopy, r.cfg.HostsPath, err)
		}
	}
	_, err = run("update", "--", wcFile)
	return err
}

// isLocked reports whether an svn failure says the working copy is locked
// (E155004) or needs a cleanup (E155037: a previous operation did not
// finish).
func isLocked(err error) bool {
	var se *SVNError
	return errors.As(err, &se) && containsAny(se.Stderr, "E155004", "E155037", "run 'svn cleanup'", "svn cleanup")
}
