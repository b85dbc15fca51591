package svnhosts

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spoje-net/isptools/netbackend"
)

func newFileBackend(t *testing.T, content string, mode os.FileMode) (*FileBackend, string) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "hosts")
	if err := os.WriteFile(p, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
	b, err := NewFileBackend(FileConfig{Path: p, LogFile: filepath.Join(filepath.Dir(p), "audit.log"), LockTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return b, p
}

func TestFileBackendApply(t *testing.T) {
	b, p := newFileBackend(t, repoHosts, 0o640)
	before, _ := os.Stat(p)
	ctx := context.Background()
	res, err := b.Apply(ctx, []netbackend.Change{
		{Customer: "C1", IP: ip("10.0.0.1"), Action: netbackend.Block},
		{Customer: "C3", IP: ip("10.0.0.3"), Action: netbackend.Unblock, FallbackSpeed: 5},
		{Customer: "X", IP: ip("10.9.9.9"), Action: netbackend.Block},
	}, netbackend.ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Status != netbackend.Changed || res[1].Status != netbackend.Changed || res[2].Status != netbackend.NotFound {
		t.Errorf("results = %+v", res)
	}
	data, _ := os.ReadFile(p)
	want := strings.NewReplacer("#speed=512 {code:C1}", "# speed=0 orig=512 {code:C1}", "# speed=0 orig=256 {code:C3}\r\n", "# speed=256 {code:C3}\r\n").Replace(repoHosts)
	if string(data) != want {
		t.Errorf("file:\n%q\nwant\n%q", data, want)
	}
	after, _ := os.Stat(p)
	if after.Mode() != before.Mode() {
		t.Errorf("mode %v -> %v", before.Mode(), after.Mode())
	}
	if os.SameFile(before, after) {
		t.Error("file rewritten in place, not replaced")
	}
	ents, _ := os.ReadDir(filepath.Dir(p))
	for _, e := range ents {
		if strings.Contains(e.Name(), ".tmp") {
			t.Errorf("temporary file left: %s", e.Name())
		}
	}
	audit, _ := os.ReadFile(filepath.Join(filepath.Dir(p), "audit.log"))
	if n := strings.Count(string(audit), "\n"); n != 2 || !strings.Contains(string(audit), `backend=file`) {
		t.Errorf("audit log:\n%s", audit)
	}
	// unchanged: no rewrite
	res, err = b.Apply(ctx, []netbackend.Change{{Customer: "C1", IP: ip("10.0.0.1"), Action: netbackend.Block}}, netbackend.ApplyOptions{})
	if err != nil || res[0].Status != netbackend.Unchanged {
		t.Fatalf("res = %+v, err = %v", res, err)
	}
	if again, _ := os.Stat(p); !os.SameFile(after, again) {
		t.Error("file replaced without changes")
	}
	got, err := b.CustomerIPs(ctx, []string{"C1"})
	if err != nil || fmt.Sprint(got.IPs["C1"]) != "[10.0.0.1 2001:db8::1]" {
		t.Errorf("CustomerIPs = %v, %v", got, err)
	}
	st, err := b.State(ctx, []netip.Addr{ip("10.0.0.1")})
	if err != nil || !st[ip("10.0.0.1")].Blocked || st[ip("10.0.0.1")].OriginalSpeed != 512 {
		t.Errorf("State = %v, %v", st, err)
	}
	if b.Name() != "file" {
		t.Errorf("Name = %q", b.Name())
	}
}

func TestFileBackendDryRun(t *testing.T) {
	b, p := newFileBackend(t, repoHosts, 0o644)
	before, _ := os.Stat(p)
	res, err := b.Apply(context.Background(), []netbackend.Change{{Customer: "C1", IP: ip("10.0.0.1"), Action: netbackend.Block}}, netbackend.ApplyOptions{DryRun: true})
	if err != nil || res[0].Status != netbackend.Changed || res[0].SpeedAfter != 0 {
		t.Fatalf("res = %+v, err = %v", res, err)
	}
	after, _ := os.Stat(p)
	data, _ := os.ReadFile(p)
	if string(data) != repoHosts || !os.SameFile(before, after) {
		t.Error("dry run wrote the file")
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(p), "audit.log")); !errors.Is(err, os.ErrNotExist) {
		t.Error("dry run wrote the audit log")
	}
}

func TestFileBackendLockContention(t *testing.T) {
	b, p := newFileBackend(t, repoHosts, 0o644)
	// another run holds the lock
	unlock, err := lockFile(context.Background(), p+".lock", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = b.Apply(context.Background(), []netbackend.Change{{Customer: "C1", IP: ip("10.0.0.1"), Action: netbackend.Block}}, netbackend.ApplyOptions{})
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("err = %v, want ErrLocked", err)
	}
	if time.Since(start) < 150*time.Millisecond {
		t.Error("did not wait for the lock")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := b.Apply(ctx, []netbackend.Change{{Customer: "C1", IP: ip("10.0.0.1"), Action: netbackend.Block}}, netbackend.ApplyOptions{}); !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, ErrLocked) {
		t.Fatalf("err = %v, want ErrLocked and DeadlineExceeded", err)
	}
	if data, _ := os.ReadFile(p); string(data) != repoHosts {
		t.Error("file changed without the lock")
	}
	unlock()

	// concurrent runs serialise: no change is lost
	content := ""
	for i := range 20 {
		content += fmt.Sprintf("10.2.0.%d\th%d\t#speed=%d {code:C}\n", i, i, 100+i)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	b.cfg.LockTimeout = 10 * time.Second
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			a := netip.MustParseAddr(fmt.Sprintf("10.2.0.%d", i))
			if _, err := b.Apply(context.Background(), []netbackend.Change{{Customer: "C", IP: a, Action: netbackend.Block}}, netbackend.ApplyOptions{}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	data, _ := os.ReadFile(p)
	if n := strings.Count(string(data), "# speed=0 orig="); n != 20 {
		t.Errorf("%d of 20 concurrent blocks survived:\n%s", n, data)
	}
}
