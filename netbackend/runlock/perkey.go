package runlock

import (
	"context"
	"strings"
	"time"
)

// PerKey returns a lock function for runs that serialise per document
// rather than per target: each call takes the lock of key + " @ " + scope
// (the file [DefaultPath] names; RUN_LOCK_FILE does not apply, it names
// one fixed file), waiting up to timeout like [Acquire], and returns its
// release. scope names the system the keys live in, such as the AbraFlexi
// URL and company, so equal record ids of two companies never share a
// lock; the key comes first so the file name shows it.
func PerKey(scope string, timeout time.Duration) func(ctx context.Context, key string) (release func() error, err error) {
	scope = strings.TrimSpace(scope)
	return func(ctx context.Context, key string) (func() error, error) {
		k := key
		if scope != "" {
			k += " @ " + scope
		}
		l, err := Acquire(ctx, Config{Key: k, Timeout: timeout})
		if err != nil {
			return nil, err
		}
		return l.Release, nil
	}
}
