package runlock

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spoje-net/isptools/envconf"
)

// Environment variables read by [ConfigFromEnv].
const (
	// EnvFile names the lock file (RUN_LOCK_FILE); empty means the default
	// for the key.
	EnvFile = "RUN_LOCK_FILE"
	// EnvTimeout is how long to wait for the lock (RUN_LOCK_TIMEOUT), a Go
	// duration such as "2m" or "30s".
	EnvTimeout = "RUN_LOCK_TIMEOUT"
)

// DefaultTimeout is how long [Acquire] waits when Config.Timeout is zero.
const DefaultTimeout = 2 * time.Minute

// ErrHeld matches a [*HeldError]: the lock stayed held by another run for
// the whole timeout.
var ErrHeld = errors.New("runlock: lock held by another run")

// Config says which lock to take and how long to wait for it.
type Config struct {
	// Path is the lock file. Empty means [DefaultPath] of Key.
	Path string
	// Key names what the lock protects when Path is empty, for example the
	// backend target ("svn https://svn.example/hosts") or a document
	// ("faktura-vydana 123"). One of Path and Key is required.
	Key string
	// Timeout is how long to wait for a lock another run holds; zero means
	// [DefaultTimeout], negative means do not wait at all.
	Timeout time.Duration
}

// ConfigFromEnv returns the configuration for key from RUN_LOCK_FILE and
// RUN_LOCK_TIMEOUT in the process environment; see [ConfigFromLookup].
func ConfigFromEnv(key string) (Config, error) { return ConfigFromLookup(os.LookupEnv, key) }

// ConfigFromLookup returns the configuration for key as blocknet and
// unblocknet read it through lookup (nil means the process environment):
// RUN_LOCK_FILE (empty: [DefaultPath] of key) and RUN_LOCK_TIMEOUT
// (seconds such as 30, or a Go duration such as 2m; unset leaves Timeout
// zero, [DefaultTimeout]). A bad value gives an [*envconf.Error] naming
// it, the apps' words.
func ConfigFromLookup(lookup envconf.Lookup, key string) (Config, error) {
	env := envconf.New(lookup)
	cfg := Config{Path: env.String(EnvFile, ""), Key: key}
	if v := env.String(EnvTimeout, ""); v != "" {
		d, err := envconf.ParseDuration(v)
		if err != nil {
			env.Errorf("%s=%s: %v", EnvTimeout, envconf.Quote(v), err)
		}
		cfg.Timeout = d
	}
	return cfg, env.Err()
}

// Validate checks that the configuration names a lock.
func (c Config) Validate() error {
	if strings.TrimSpace(c.Path) == "" && strings.TrimSpace(c.Key) == "" {
		return errors.New("runlock: neither a lock file nor a key given")
	}
	return nil
}

// File returns the lock file the configuration names.
func (c Config) File() string {
	if p := strings.TrimSpace(c.Path); p != "" {
		return p
	}
	return DefaultPath(c.Key)
}

func (c Config) timeout() time.Duration {
	switch {
	case c.Timeout == 0:
		return DefaultTimeout
	case c.Timeout < 0:
		return 0
	}
	return c.Timeout
}

// DefaultDir is where default lock files live: /run/lock when it is a
// writable directory, else the temporary directory.
func DefaultDir() string {
	const runLock = "/run/lock"
	if fi, err := os.Stat(runLock); err == nil && fi.IsDir() {
		if f, err := os.CreateTemp(runLock, ".isptools-probe-*"); err == nil {
			name := f.Name()
			_ = f.Close()
			_ = os.Remove(name)
			return runLock
		}
	}
	return os.TempDir()
}

// DefaultPath returns the default lock file of key: under [DefaultDir], a
// name made of a readable part of the key and a hash of all of it, so
// distinct keys never share a lock and equal keys always do.
func DefaultPath(key string) string {
	sum := sha256.Sum256([]byte(key))
	var b strings.Builder
	for _, r := range key {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
		if b.Len() >= 40 {
			break
		}
	}
	return filepath.Join(DefaultDir(), "isptools-"+strings.Trim(b.String(), "_")+"-"+hex.EncodeToString(sum[:6])+".lock")
}

// HeldError says that the lock stayed held for the whole timeout and, when
// the lock file tells, by whom.
type HeldError struct {
	// Path is the lock file.
	Path string
	// Waited is how long the caller waited.
	Waited time.Duration
	// PID is the holder's process id, 0 when unknown.
	PID int
	// Holder is what the holder wrote about itself (program and start
	// time), empty when unknown.
	Holder string
}

// Error names the lock, the holder's pid and what to do.
func (e *HeldError) Error() string {
	who := "another run"
	if e.PID > 0 {
		who = "process " + strconv.Itoa(e.PID)
		if e.Holder != "" {
			who += " (" + e.Holder + ")"
		}
	}
	return fmt.Sprintf("runlock: lock %s is held by %s; waited %s (raise %s or check that run)",
		e.Path, who, e.Waited.Round(time.Millisecond), EnvTimeout)
}

// Is matches [ErrHeld].
func (e *HeldError) Is(target error) bool { return target == ErrHeld }

// Lock is a held run lock. Release it when the run ends.
type Lock struct {
	path    string
	release func() error
}

// Path returns the lock file.
func (l *Lock) Path() string { return l.path }

// Release removes the lock file and releases the lock. It is safe to call
// more than once and on a nil Lock.
func (l *Lock) Release() error {
	if l == nil || l.release == nil {
		return nil
	}
	rel := l.release
	l.release = nil
	return rel()
}

// Acquire takes the lock cfg names, waiting up to cfg.Timeout (polling) for
// another run to release it. It fails with a [*HeldError] when the lock
// stays held, and with ctx's error when ctx ends first.
func Acquire(ctx context.Context, cfg Config) (*Lock, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	path := cfg.File()
	start := time.Now()
	wait := cfg.timeout()
	delay := 10 * time.Millisecond
	for {
		rel, held, err := tryLock(path)
		if err != nil {
			return nil, fmt.Errorf("runlock: %s=%s: %w", EnvFile, path, err)
		}
		if !held {
			return &Lock{path: path, release: rel}, nil
		}
		waited := time.Since(start)
		if waited >= wait {
			pid, holder := readHolder(path)
			return nil, &HeldError{Path: path, Waited: waited, PID: pid, Holder: holder}
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("runlock: waiting for %s: %w", path, ctx.Err())
		case <-time.After(min(delay, wait-waited)):
		}
		delay = min(delay*2, 200*time.Millisecond)
	}
}

// holderInfo is what a holder writes into the lock file.
func holderInfo() string {
	return fmt.Sprintf("%d %s %s\n", os.Getpid(), filepath.Base(os.Args[0]), time.Now().UTC().Format(time.RFC3339))
}

// readHolder parses the lock file of the current holder.
func readHolder(path string) (int, string) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, ""
	}
	f := strings.Fields(string(data))
	if len(f) == 0 {
		return 0, ""
	}
	pid, err := strconv.Atoi(f[0])
	if err != nil || pid <= 0 {
		return 0, ""
	}
	return pid, strings.Join(f[1:], " since ")
}
