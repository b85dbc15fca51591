package svnhosts_test

import (
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spoje-net/isptools/netbackend"
	"github.com/spoje-net/isptools/svnhosts"
)

// An audit log that cannot be written stops the run before the hosts file
// changes, and the error names LOGFILE.
func TestUnwritableLogFileChangesNothing(t *testing.T) {
	dir := t.TempDir()
	hosts := filepath.Join(dir, "hosts")
	orig := "10.0.0.1\th1\t\t# speed=512 {code:C1}\n"
	if err := os.WriteFile(hosts, []byte(orig), 0o644); err != nil {
		t.Fatal(err)
	}
	b, err := svnhosts.NewFileBackend(svnhosts.FileConfig{Path: hosts, LogFile: filepath.Join(dir, "no-such-dir", "audit.log")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.Apply(context.Background(), []netbackend.Change{{Customer: "C1", IP: netip.MustParseAddr("10.0.0.1"), Action: netbackend.Block}}, netbackend.ApplyOptions{})
	if err == nil || !strings.Contains(err.Error(), "LOGFILE") {
		t.Fatalf("err = %v, want an error naming LOGFILE", err)
	}
	if got, _ := os.ReadFile(hosts); string(got) != orig {
		t.Fatalf("hosts file changed despite the failed audit log:\n%s", got)
	}
}
