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

// The run lock as blocknet and unblocknet read it; RUN_LOCK_TIMEOUT takes
// seconds or a Go duration.
func ExampleConfigFromLookup() {
	vars := map[string]string{"RUN_LOCK_TIMEOUT": "30"}
	cfg, err := runlock.ConfigFromLookup(func(name string) (string, bool) { v, ok := vars[name]; return v, ok }, "svn file:///srv/hosts")
	fmt.Println(cfg.Timeout, cfg.File() == runlock.DefaultPath("svn file:///srv/hosts"), err)
	vars["RUN_LOCK_TIMEOUT"] = "soon"
	_, err = runlock.ConfigFromLookup(func(name string) (string, bool) { v, ok := vars[name]; return v, ok }, "k")
	fmt.Println(err)
	// Output:
	// 30s true <nil>
	// invalid configuration: RUN_LOCK_TIMEOUT="soon": not a duration (seconds or e.g. 1m30s)
}
