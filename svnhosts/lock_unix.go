//go:build unix

package svnhosts

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"
)

// keepOwner gives f the owner of fi, best effort (it needs privileges).
func keepOwner(f *os.File, fi os.FileInfo) {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		_ = f.Chown(int(st.Uid), int(st.Gid))
	}
}

// lockFile takes an exclusive flock on path, polling until ctx ends or
// timeout passes. The returned function releases it.
func lockFile(ctx context.Context, path string, timeout time.Duration) (func(), error) {
	fh, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("svnhosts: lock %s: %w", path, err)
	}
	deadline := time.Now().Add(timeout)
	for {
		err := syscall.Flock(int(fh.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() {
				_ = syscall.Flock(int(fh.Fd()), syscall.LOCK_UN)
				_ = fh.Close()
			}, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			_ = fh.Close()
			return nil, fmt.Errorf("svnhosts: lock %s: %w", path, err)
		}
		if time.Now().After(deadline) {
			_ = fh.Close()
			return nil, fmt.Errorf("svnhosts: lock %s after %s: %w", path, timeout, ErrLocked)
		}
		select {
		case <-ctx.Done():
			_ = fh.Close()
			return nil, fmt.Errorf("svnhosts: lock %s: %w: %w", path, ErrLocked, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}
