//go:build !unix

package runlock

import "errors"

func tryLock(string) (func() error, bool, error) {
	return nil, false, errors.New("file locking is not supported on this platform")
}
