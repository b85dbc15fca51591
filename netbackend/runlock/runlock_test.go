package runlock_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spoje-net/isptools/netbackend/runlock"
)

func TestAcquireExcludesAndReleases(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run.lock")
	ctx := context.Background()
	l, err := runlock.Acquire(ctx, runlock.Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if !strings.HasPrefix(string(data), strconv.Itoa(os.Getpid())+" ") {
		t.Errorf("lock file = %q, want it to start with our pid", data)
	}
	_, err = runlock.Acquire(ctx, runlock.Config{Path: path, Timeout: 50 * time.Millisecond})
	var held *runlock.HeldError
	if !errors.As(err, &held) || !errors.Is(err, runlock.ErrHeld) {
		t.Fatalf("second Acquire = %v, want a HeldError", err)
	}
	if held.PID != os.Getpid() || held.Path != path {
		t.Errorf("HeldError = %+v, want pid %d and path %s", held, os.Getpid(), path)
	}
	for _, want := range []string{path, "process " + strconv.Itoa(os.Getpid()), "RUN_LOCK_TIMEOUT"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("lock file left behind after Release: %v", err)
	}
	if err := l.Release(); err != nil {
		t.Errorf("second Release = %v", err)
	}
	l2, err := runlock.Acquire(ctx, runlock.Config{Path: path, Timeout: -1})
	if err != nil {
		t.Fatalf("Acquire after Release = %v", err)
	}
	_ = l2.Release()
}

func TestAcquireWaitsForRelease(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run.lock")
	l, err := runlock.Acquire(context.Background(), runlock.Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(100 * time.Millisecond)
		_ = l.Release()
	}()
	l2, err := runlock.Acquire(context.Background(), runlock.Config{Path: path, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatalf("Acquire did not get the released lock: %v", err)
	}
	_ = l2.Release()
}

func TestAcquireHonoursContext(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run.lock")
	l, err := runlock.Acquire(context.Background(), runlock.Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = runlock.Acquire(ctx, runlock.Config{Path: path, Timeout: time.Hour})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Acquire = %v, want the context's deadline", err)
	}
}

func TestConfigFromEnv(t *testing.T) {
	t.Setenv(runlock.EnvFile, "")
	t.Setenv(runlock.EnvTimeout, "")
	cfg, err := runlock.ConfigFromEnv("svn file:///srv/hosts")
	if err != nil || cfg.Timeout != 0 || cfg.File() != runlock.DefaultPath("svn file:///srv/hosts") {
		t.Fatalf("defaults: %+v, %v", cfg, err)
	}
	t.Setenv(runlock.EnvFile, "/tmp/x.lock")
	t.Setenv(runlock.EnvTimeout, "30s")
	cfg, err = runlock.ConfigFromEnv("k")
	if err != nil || cfg.File() != "/tmp/x.lock" || cfg.Timeout != 30*time.Second {
		t.Fatalf("set: %+v, %v", cfg, err)
	}
	t.Setenv(runlock.EnvTimeout, "soon")
	if _, err := runlock.ConfigFromEnv("k"); err == nil || !strings.Contains(err.Error(), `RUN_LOCK_TIMEOUT="soon"`) {
		t.Fatalf("bad timeout: %v", err)
	}
}

func TestDefaultPathDistinguishesKeys(t *testing.T) {
	a, b := runlock.DefaultPath("netbox A.1"), runlock.DefaultPath("netbox A-1")
	if a == b {
		t.Fatalf("keys that differ share the lock file %s", a)
	}
	if runlock.DefaultPath("netbox A.1") != a {
		t.Fatal("DefaultPath is not stable")
	}
	if !strings.HasPrefix(filepath.Base(a), "isptools-netbox_A_1-") {
		t.Errorf("DefaultPath = %s, want a readable name", a)
	}
}

// TestProcessesNeverInterleave starts many processes that each take the
// lock and do a read-modify-write of a counter file with a pause in the
// middle; without mutual exclusion increments are lost.
func TestProcessesNeverInterleave(t *testing.T) {
	if os.Getenv("RUNLOCK_CHILD") != "" {
		t.Skip("child")
	}
	dir := t.TempDir()
	lock, counter := filepath.Join(dir, "run.lock"), filepath.Join(dir, "counter")
	if err := os.WriteFile(counter, []byte("0"), 0o644); err != nil {
		t.Fatal(err)
	}
	const n = 12
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(os.Args[0], "-test.run=^TestHelperChild$")
			cmd.Env = append(os.Environ(), "RUNLOCK_CHILD=1", "CHILD_LOCK="+lock, "CHILD_COUNTER="+counter)
			if out, err := cmd.CombinedOutput(); err != nil {
				errs <- fmt.Errorf("child: %v\n%s", err, out)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	data, _ := os.ReadFile(counter)
	if string(data) != strconv.Itoa(n) {
		t.Fatalf("counter = %s after %d locked increments: runs interleaved", data, n)
	}
}

func TestHelperChild(t *testing.T) {
	if os.Getenv("RUNLOCK_CHILD") == "" {
		t.Skip("only run as a child of TestProcessesNeverInterleave")
	}
	l, err := runlock.Acquire(context.Background(), runlock.Config{Path: os.Getenv("CHILD_LOCK"), Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	path := os.Getenv("CHILD_COUNTER")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(string(data))
	time.Sleep(20 * time.Millisecond)
	if err := os.WriteFile(path, []byte(strconv.Itoa(n+1)), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestConfigFromLookupSeconds: RUN_LOCK_TIMEOUT in seconds, as the apps
// take it, and a negative value refused with its value.
func TestConfigFromLookupSeconds(t *testing.T) {
	lookup := func(v string) func(string) (string, bool) {
		return func(name string) (string, bool) { return v, name == runlock.EnvTimeout }
	}
	if cfg, err := runlock.ConfigFromLookup(lookup("90"), "k"); err != nil || cfg.Timeout != 90*time.Second {
		t.Errorf("90: %v %v", cfg.Timeout, err)
	}
	if _, err := runlock.ConfigFromLookup(lookup("-1"), "k"); err == nil || err.Error() != `invalid configuration: RUN_LOCK_TIMEOUT="-1": must not be negative` {
		t.Errorf("-1: %v", err)
	}
}
