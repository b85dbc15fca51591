package runlock_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spoje-net/isptools/netbackend/runlock"
)

func Example() {
	dir, _ := os.MkdirTemp("", "runlock-example")
	defer os.RemoveAll(dir)
	cfg := runlock.Config{Path: filepath.Join(dir, "blocknet.lock")}

	lock, err := runlock.Acquire(context.Background(), cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer lock.Release()

	// A second run does not get the lock while the first holds it.
	_, err = runlock.Acquire(context.Background(), runlock.Config{Path: cfg.Path, Timeout: -1})
	fmt.Println(err != nil)
	// Output: true
}
