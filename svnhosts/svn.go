package svnhosts

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"time"
	"unicode"
)

// ErrOutOfDate matches (with errors.Is) an [SVNError] for a commit rejected
// because the file changed in the repository since it was checked out.
var ErrOutOfDate = errors.New("svnhosts: out of date")

// ErrAuth matches (with errors.Is) an [SVNError] for rejected credentials.
var ErrAuth = errors.New("svnhosts: authentication failed")

// SVNError is a failed svn invocation. It never contains the password.
type SVNError struct {
	// Subcommand is the svn subcommand, e.g. "commit".
	Subcommand string
	// Target is the URL or path the subcommand worked on.
	Target string
	// ExitCode is svn's exit code, -1 when it did not exit normally.
	ExitCode int
	// Stderr is svn's sanitised standard error.
	Stderr string
	// Err is the underlying error from os/exec.
	Err error
}

// Error renders the failure with svn's sanitised standard error.
func (e *SVNError) Error() string {
	msg := fmt.Sprintf("svnhosts: svn %s %s: %v", e.Subcommand, e.Target, e.Err)
	if e.Stderr != "" {
		msg += ": " + e.Stderr
	}
	return msg
}

// Unwrap returns the underlying os/exec error.
func (e *SVNError) Unwrap() error { return e.Err }

// Is reports whether the failure is [ErrOutOfDate] or [ErrAuth].
func (e *SVNError) Is(target error) bool {
	switch target {
	case ErrOutOfDate:
		// E155011: working copy out of date; E160028/E160024/E170004: the
		// repository reports the file or item out of date or a conflict.
		return containsAny(e.Stderr, "E155011", "E160028", "E160024", "E170004", "out of date", "out-of-date")
	case ErrAuth:
		// E170001: authorization failed; E215004: no more credentials.
		return containsAny(e.Stderr, "E170001", "E215004", "Authentication error")
	}
	return false
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// envAllowed are the variables passed on to svn. Nothing else of the
// process environment is (in particular not SVNPASS).
var envAllowed = []string{"PATH", "HOME", "TMPDIR", "SSH_AUTH_SOCK", "SVN_SSH", "SSL_CERT_FILE", "SSL_CERT_DIR"}

// svnClient runs svn commands for one operation.
type svnClient struct {
	bin       string
	user      string
	password  string
	configDir string
	timeout   time.Duration
	log       *slog.Logger
}

// env is the child environment: an allowlist plus LC_ALL=C.
func (c *svnClient) env() []string {
	env := []string{"LC_ALL=C", "LANG=C", "LANGUAGE="}
	for _, k := range envAllowed {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return env
}

// run executes "svn sub opts... --" and returns standard output. target
// names the URL or path in errors.
func (c *svnClient) run(ctx context.Context, target string, sub string, args ...string) ([]byte, error) {
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	argv := []string{sub, "--non-interactive", "--no-auth-cache", "--config-dir", c.configDir,
		"--config-option", "config:auth:password-stores=",
		"--config-option", "servers:global:store-passwords=no",
		"--config-option", "servers:global:store-auth-creds=no"}
	if c.user != "" {
		argv = append(argv, "--username", c.user, "--password-from-stdin")
	}
	argv = append(argv, args...)
	cmd := exec.CommandContext(ctx, c.bin, argv...)
	cmd.Env = c.env()
	cmd.WaitDelay = 5 * time.Second
	if c.user != "" {
		cmd.Stdin = strings.NewReader(c.password + "\n")
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	c.log.LogAttrs(ctx, slog.LevelDebug, "svn", slog.String("subcommand", sub), slog.String("target", target),
		slog.Duration("took", time.Since(start)), slog.Bool("ok", err == nil))
	if err != nil {
		e := &SVNError{Subcommand: sub, Target: target, ExitCode: -1, Stderr: c.sanitize(stderr.String()), Err: err}
		var xe *exec.ExitError
		if errors.As(err, &xe) {
			e.ExitCode = xe.ExitCode()
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			e.Err = fmt.Errorf("%w (%w)", ctxErr, err)
		}
		return stdout.Bytes(), e
	}
	return stdout.Bytes(), nil
}

// maxStderr bounds the svn output kept in errors.
const maxStderr = 2000

// sanitize makes svn's stderr safe for errors and logs: the password is
// replaced, control characters dropped, lines joined and the length bounded.
func (c *svnClient) sanitize(s string) string {
	if c.password != "" {
		s = strings.ReplaceAll(s, c.password, redacted)
	}
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\n':
			return ' '
		case unicode.IsControl(r):
			return -1
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > maxStderr {
		s = strings.ToValidUTF8(s[:maxStderr], "") + "…"
	}
	return s
}
