package netboxtest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/spoje-net/isptools/netbackend/runlock"
)

// TestHoldServer: the first use of a real NetBox in a process takes a file
// lock named after its URL that other processes cannot get (flock locks of
// two opens exclude each other, as two processes' do), and later uses in
// the same process do not wait for it.
func TestHoldServer(t *testing.T) {
	u := "http://127.0.0.1:1/hold-test-" + t.Name()
	holdServer(t, u)
	_, err := runlock.Acquire(context.Background(), runlock.Config{Key: "isptools real NetBox tests " + u, Timeout: -1})
	if !errors.Is(err, runlock.ErrHeld) {
		t.Fatalf("another taker of the server's lock got %v, want ErrHeld", err)
	}
	start := time.Now()
	holdServer(t, u) // the same process: no wait
	if d := time.Since(start); d > time.Second {
		t.Errorf("the second use in one process waited %s", d)
	}
	other := u + "-other"
	holdServer(t, other) // another server: its own lock
	if serverLocks.held[other] == nil || serverLocks.held[other] == serverLocks.held[u] {
		t.Errorf("locks %v", serverLocks.held)
	}
}
