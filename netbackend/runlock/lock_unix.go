//go:build unix

package runlock

import (
	"errors"
	"os"
	"syscall"
)

// tryLock makes one attempt at the lock on path. It returns held when
// another process holds it. The file is re-checked after locking: a holder
// removes the file on release, so a lock taken on a file that is no longer
// (or no longer the same file) at path is not the lock and is retried.
func tryLock(path string) (release func() error, held bool, err error) {
	for {
		fh, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
		if err != nil {
			return nil, false, err
		}
		if err := syscall.Flock(int(fh.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
			_ = fh.Close()
			if errors.Is(err, syscall.EWOULDBLOCK) || errors.Is(err, syscall.EINTR) {
				return nil, true, nil
			}
			return nil, false, err
		}
		mine, err1 := fh.Stat()
		there, err2 := os.Stat(path)
		if err1 != nil || err2 != nil || !os.SameFile(mine, there) {
			// The previous holder removed the file between our open and
			// our lock: start over on the new file.
			_ = fh.Close()
			continue
		}
		if err := fh.Truncate(0); err == nil {
			_, _ = fh.WriteAt([]byte(holderInfo()), 0)
		}
		return func() error {
			// Remove while still holding the lock, so a waiter that opened
			// the old file sees it is gone and retries on a new one.
			rmErr := os.Remove(path)
			if errors.Is(rmErr, os.ErrNotExist) {
				rmErr = nil
			}
			_ = syscall.Flock(int(fh.Fd()), syscall.LOCK_UN)
			return errors.Join(rmErr, fh.Close())
		}, false, nil
	}
}
