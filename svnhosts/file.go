package svnhosts

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"time"

	"github.com/spoje-net/isptools/netbackend"
)

// ErrLocked is wrapped by errors of a [FileBackend] that could not get the
// lock of its hosts file because another run held it.
var ErrLocked = errors.New("svnhosts: hosts file locked by another run")

// FileBackend is the local-file backend: the same rewrite as [Repo] on a
// plain file, without Subversion. Changes are written by atomic replace (a
// temporary file in the same directory, fsync, rename, the original mode
// kept) under an exclusive lock on "<file>.lock", so concurrent runs do not
// lose each other's changes. A FileBackend is safe for concurrent use.
type FileBackend struct {
	cfg FileConfig
	log *slog.Logger
	now func() time.Time
}

var _ netbackend.Backend = (*FileBackend)(nil)

// NewFileBackend validates cfg and returns the backend. The file must exist.
func NewFileBackend(cfg FileConfig) (*FileBackend, error) {
	cfg.CodeMatch = cfg.CodeMatch.normalized()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.LockTimeout == 0 {
		cfg.LockTimeout = DefaultLockTimeout
	}
	fi, err := os.Stat(cfg.Path)
	if err != nil {
		return nil, fmt.Errorf("svnhosts: HOSTS_FILE %q: %w", cfg.Path, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("svnhosts: HOSTS_FILE %q: not a regular file", cfg.Path)
	}
	return &FileBackend{cfg: cfg, log: loggerOr(cfg.Logger), now: time.Now}, nil
}

// Name implements [netbackend.Backend]; it returns "file".
func (b *FileBackend) Name() string { return "file" }

func (b *FileBackend) read() ([]byte, error) {
	data, err := os.ReadFile(b.cfg.Path)
	if err != nil {
		return nil, fmt.Errorf("svnhosts: %w", err)
	}
	return data, nil
}

// Target implements [netbackend.Targeter]: the absolute path of the hosts
// file.
func (b *FileBackend) Target() string {
	if p, err := filepath.Abs(b.cfg.Path); err == nil {
		return p
	}
	return b.cfg.Path
}

// CustomerIPs implements [netbackend.Backend] with [File.Lookup] (by
// FileConfig.CodeMatch); the findings of [File.Check] are its warnings.
func (b *FileBackend) CustomerIPs(ctx context.Context, customers []string) (netbackend.Lookup, error) {
	if err := ctx.Err(); err != nil {
		return netbackend.Lookup{}, err
	}
	data, err := b.read()
	if err != nil {
		return netbackend.Lookup{}, err
	}
	return lookup(data, customers, b.cfg.CodeMatch)
}

// Blocked implements [netbackend.Backend] with [File.Blocked].
func (b *FileBackend) Blocked(ctx context.Context) ([]netbackend.BlockedEntry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	data, err := b.read()
	if err != nil {
		return nil, err
	}
	return blocked(data)
}

// State implements [netbackend.Backend] with [File.State].
func (b *FileBackend) State(ctx context.Context, ips []netip.Addr) (map[netip.Addr]netbackend.IPState, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	data, err := b.read()
	if err != nil {
		return nil, err
	}
	return states(data, ips)
}

// Apply implements [netbackend.Backend]. Under the lock it reads the file,
// runs its sanity check ([File.Check], findings logged at warning level),
// applies all changes ([File.Apply]: each only to the lines of its
// customer) and replaces the file atomically when something
// changed. opts.DryRun reads the file without locking and writes nothing.
// Waiting for the lock ends with ctx or after [FileConfig.LockTimeout] with
// an error wrapping [ErrLocked].
func (b *FileBackend) Apply(ctx context.Context, changes []netbackend.Change, opts netbackend.ApplyOptions) ([]netbackend.Result, error) {
	if err := netbackend.Validate(changes); err != nil {
		return nil, fmt.Errorf("svnhosts: %w", err)
	}
	if opts.DryRun {
		data, err := b.read()
		if err != nil {
			return nil, err
		}
		f, err := Parse(data)
		if err != nil {
			return nil, fmt.Errorf("svnhosts: %s: %w", b.cfg.Path, err)
		}
		res, _ := f.Apply(changes, b.cfg.CodeMatch)
		return res, nil
	}
	if err := checkAuditLog(b.cfg.LogFile); err != nil {
		return nil, err
	}
	unlock, err := lockFile(ctx, b.cfg.Path+".lock", b.cfg.LockTimeout)
	if err != nil {
		return nil, err
	}
	defer unlock()
	data, err := b.read()
	if err != nil {
		return nil, err
	}
	f, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("svnhosts: %s: %w", b.cfg.Path, err)
	}
	res, dirty := applyChanges(ctx, b.log, b.cfg.Path, f, changes, b.cfg.CodeMatch)
	if !dirty {
		return res, nil
	}
	if err := writeAtomic(b.cfg.Path, f.Bytes()); err != nil {
		return nil, err
	}
	b.log.LogAttrs(ctx, slog.LevelInfo, "svnhosts: hosts file replaced", slog.String("path", b.cfg.Path),
		slog.Int("changed", netbackend.Summarize(res)[netbackend.Changed]))
	if err := appendAudit(b.cfg.LogFile, b.Name(), b.cfg.Path, res, b.now()); err != nil {
		return res, fmt.Errorf("svnhosts: %s replaced: %w", b.cfg.Path, err)
	}
	return res, nil
}

// writeAtomic replaces the file at p with data: a temporary file in the same
// directory, written, given p's mode (and owner when permitted), fsynced and
// renamed over p; then the directory is fsynced.
func writeAtomic(p string, data []byte) (err error) {
	fi, err := os.Stat(p)
	if err != nil {
		return fmt.Errorf("svnhosts: %w", err)
	}
	dir := filepath.Dir(p)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(p)+".tmp*")
	if err != nil {
		return fmt.Errorf("svnhosts: replace %s: %w", p, err)
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return fmt.Errorf("svnhosts: replace %s: %w", p, err)
	}
	if err = tmp.Chmod(fi.Mode().Perm()); err != nil {
		return fmt.Errorf("svnhosts: replace %s: %w", p, err)
	}
	keepOwner(tmp, fi)
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("svnhosts: replace %s: %w", p, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("svnhosts: replace %s: %w", p, err)
	}
	if err = os.Rename(tmp.Name(), p); err != nil {
		return fmt.Errorf("svnhosts: replace %s: %w", p, err)
	}
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}
