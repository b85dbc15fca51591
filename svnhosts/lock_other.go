//go:build !unix

package svnhosts

import (
	"context"
	"errors"
	"os"
	"time"
)

func keepOwner(*os.File, os.FileInfo) {}

// lockFile is not supported on this platform.
func lockFile(context.Context, string, time.Duration) (func(), error) {
	return nil, errors.New("svnhosts: file locking is not supported on this platform")
}
