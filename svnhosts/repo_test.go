package svnhosts

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spoje-net/isptools/netbackend"
)

// requireSVN skips the test when svn is not installed.
func requireSVN(tb testing.TB) {
	tb.Helper()
	if _, err := exec.LookPath("svn"); err != nil {
		tb.Skip("svn not on PATH")
	}
}

// svnT runs svn (or another tool) for test setup and fails on error.
func svnT(tb testing.TB, name string, args ...string) string {
	tb.Helper()
	if name == "svn" {
		args = append([]string{"--non-interactive", "--config-dir", tb.TempDir()}, args...)
	}
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	out, err := cmd.CombinedOutput()
	if err != nil {
		tb.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// newSVNRepo creates a file:// repository holding hostsPath with content and
// returns its URL and directory.
func newSVNRepo(tb testing.TB, hostsPath, content string) (string, string) {
	tb.Helper()
	dir := filepath.Join(tb.TempDir(), "repo")
	svnT(tb, "svnadmin", "create", dir)
	src := tb.TempDir()
	p := filepath.Join(src, filepath.FromSlash(hostsPath))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "other-file"), []byte("not fetched\n"), 0o644); err != nil {
		tb.Fatal(err)
	}
	url := "file://" + dir
	svnT(tb, "svn", "import", "-m", "initial", src, url)
	return url, dir
}

func headRev(tb testing.TB, url string) int {
	tb.Helper()
	n, err := strconv.Atoi(strings.TrimSpace(svnT(tb, "svn", "info", "--show-item", "revision", url)))
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

func catHead(tb testing.TB, url string) string {
	tb.Helper()
	return svnT(tb, "svn", "cat", url+"/hosts")
}

const repoHosts = "# hosts\n" +
	"10.0.0.1\thost1\t\t#speed=512 {code:C1}\n" +
	"10.0.0.2\thost2\t\t#speed=1024 {code:C2}\n" +
	"10.0.0.3\thost3\t\t# speed=0 orig=256 {code:C3}\r\n" +
	"10.0.0.4\thost4\t\t#speed=64 C10\n" +
	"2001:db8::1\thost6\t\t#speed=2048 {code:C1}"

func newTestRepo(t *testing.T, cfg Config) (*Repo, string) {
	t.Helper()
	requireSVN(t)
	url, _ := newSVNRepo(t, "hosts", repoHosts)
	if cfg.URL == "" {
		cfg.URL = url
	}
	if cfg.TempDir == "" {
		cfg.TempDir = t.TempDir()
	}
	r, err := NewRepo(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return r, url
}

func ip(s string) netip.Addr { return netip.MustParseAddr(s) }

func TestRepoApplyOneCommit(t *testing.T) {
	logFile := filepath.Join(t.TempDir(), "audit.log")
	tmp := t.TempDir()
	r, url := newTestRepo(t, Config{LogFile: logFile, TempDir: tmp})
	start := headRev(t, url)
	ctx := context.Background()
	changes := []netbackend.Change{
		{Customer: "C1", IP: ip("10.0.0.1"), Action: netbackend.Block},
		{Customer: "C1", IP: ip("2001:db8::1"), Action: netbackend.Block},
		{Customer: "C3", IP: ip("10.0.0.3"), Action: netbackend.Unblock, FallbackSpeed: 10},
		{Customer: "C2", IP: ip("10.0.0.2"), Action: netbackend.Unblock, FallbackSpeed: 10},
		{Customer: "X", IP: ip("10.9.9.9"), Action: netbackend.Block},
	}
	res, err := r.Apply(ctx, changes, netbackend.ApplyOptions{Note: "test run"})
	if err != nil {
		t.Fatal(err)
	}
	wantStatus := []netbackend.Status{netbackend.Changed, netbackend.Changed, netbackend.Changed, netbackend.Unchanged, netbackend.NotFound}
	for i, w := range wantStatus {
		if res[i].Status != w {
			t.Errorf("result %d: %+v, want %s", i, res[i], w)
		}
	}
	if res[0].SpeedBefore != 512 || res[0].SpeedAfter != 0 || res[2].SpeedAfter != 256 {
		t.Errorf("speeds: %+v %+v", res[0], res[2])
	}
	if got := headRev(t, url); got != start+1 {
		t.Fatalf("HEAD = r%d, want exactly one commit after r%d", got, start)
	}
	want := strings.NewReplacer(
		"#speed=512 {code:C1}", "# speed=0 orig=512 {code:C1}",
		"#speed=2048 {code:C1}", "# speed=0 orig=2048 {code:C1}",
		"# speed=0 orig=256 {code:C3}", "# speed=256 {code:C3}",
	).Replace(repoHosts)
	if got := catHead(t, url); got != want {
		t.Errorf("HEAD content:\n%q\nwant\n%q", got, want)
	}
	msg := svnT(t, "svn", "log", "-r", "HEAD", url)
	for _, s := range []string{"block C1 10.0.0.1", "block C1 2001:db8::1", "unblock C3 10.0.0.3", "test run"} {
		if !strings.Contains(msg, s) {
			t.Errorf("commit message lacks %q:\n%s", s, msg)
		}
	}
	if strings.Contains(msg, "10.9.9.9") || strings.Contains(msg, "C2") {
		t.Errorf("commit message names an unchanged IP:\n%s", msg)
	}
	audit, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(audit)), "\n")
	if len(lines) != 3 || !strings.Contains(lines[0], `action=block customer="C1" ip=10.0.0.1 speed_before=512 speed_after=0`) ||
		!strings.Contains(lines[0], fmt.Sprintf(`at="r%d"`, start+1)) {
		t.Errorf("audit log:\n%s", audit)
	}
	if ents, _ := os.ReadDir(tmp); len(ents) != 0 {
		t.Errorf("temporary working copy left behind: %v", ents)
	}
	st, err := r.State(ctx, []netip.Addr{ip("10.0.0.1"), ip("10.0.0.3"), ip("10.9.9.9")})
	if err != nil {
		t.Fatal(err)
	}
	if s := st[ip("10.0.0.1")]; !s.Found || !s.Blocked || s.OriginalSpeed != 512 {
		t.Errorf("state 10.0.0.1 = %+v", s)
	}
	if s := st[ip("10.0.0.3")]; !s.Found || s.Blocked || s.Speed != 256 {
		t.Errorf("state 10.0.0.3 = %+v", s)
	}
	if s := st[ip("10.9.9.9")]; s.Found {
		t.Errorf("state 10.9.9.9 = %+v", s)
	}
}

func TestRepoNoChangeNoCommit(t *testing.T) {
	logFile := filepath.Join(t.TempDir(), "audit.log")
	r, url := newTestRepo(t, Config{LogFile: logFile})
	start := headRev(t, url)
	for _, changes := range [][]netbackend.Change{
		nil,
		{{Customer: "C3", IP: ip("10.0.0.3"), Action: netbackend.Block}},
		{{Customer: "C2", IP: ip("10.0.0.2"), Action: netbackend.Unblock, FallbackSpeed: 1}},
		{{Customer: "X", IP: ip("10.9.9.9"), Action: netbackend.Block}},
	} {
		res, err := r.Apply(context.Background(), changes, netbackend.ApplyOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if s := netbackend.Summarize(res); s[netbackend.Changed] != 0 {
			t.Errorf("results %v", res)
		}
	}
	if got := headRev(t, url); got != start {
		t.Errorf("HEAD moved from r%d to r%d without changes", start, got)
	}
	if _, err := os.Stat(logFile); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("audit log written without changes: %v", err)
	}
}

func TestRepoDryRun(t *testing.T) {
	tmp := t.TempDir()
	r, url := newTestRepo(t, Config{TempDir: tmp})
	start := headRev(t, url)
	res, err := r.Apply(context.Background(), []netbackend.Change{{Customer: "C1", IP: ip("10.0.0.1"), Action: netbackend.Block}},
		netbackend.ApplyOptions{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Status != netbackend.Changed || res[0].SpeedBefore != 512 || res[0].SpeedAfter != 0 {
		t.Errorf("dry run result %+v", res[0])
	}
	if got := headRev(t, url); got != start {
		t.Errorf("dry run committed: r%d -> r%d", start, got)
	}
	if got := catHead(t, url); got != repoHosts {
		t.Errorf("dry run changed the file")
	}
	if ents, _ := os.ReadDir(tmp); len(ents) != 0 {
		t.Errorf("temporary files left behind: %v", ents)
	}
}

func TestRepoInvalidChanges(t *testing.T) {
	r, url := newTestRepo(t, Config{})
	start := headRev(t, url)
	_, err := r.Apply(context.Background(), []netbackend.Change{{Customer: "C1", IP: ip("10.0.0.1"), Action: "drop"}}, netbackend.ApplyOptions{})
	if err == nil || !strings.Contains(err.Error(), "drop") {
		t.Errorf("err = %v", err)
	}
	if headRev(t, url) != start {
		t.Error("committed")
	}
}

func TestRepoCustomerIPs(t *testing.T) {
	r, _ := newTestRepo(t, Config{})
	// C10 is a word on its line, not a {code:} token: not found by default
	got, err := r.CustomerIPs(context.Background(), []string{"C1", "C10", "C1000"})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got.IPs["C1"]) != "[10.0.0.1 2001:db8::1]" || len(got.IPs["C10"]) != 0 || len(got.IPs) != 1 {
		t.Errorf("CustomerIPs = %v", got)
	}
	if r.Name() != "svn" {
		t.Errorf("Name = %q", r.Name())
	}
}

func TestRepoSubdirPath(t *testing.T) {
	requireSVN(t)
	url, _ := newSVNRepo(t, "net/shaping/hosts", repoHosts)
	r, err := NewRepo(Config{URL: url, HostsPath: "net/shaping/hosts", TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	res, err := r.Apply(context.Background(), []netbackend.Change{{Customer: "C1", IP: ip("10.0.0.1"), Action: netbackend.Block}}, netbackend.ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Status != netbackend.Changed || !strings.Contains(svnT(t, "svn", "cat", url+"/net/shaping/hosts"), "# speed=0 orig=512 {code:C1}") {
		t.Errorf("results %v", res)
	}
	// a missing file is a clear error
	r2, _ := NewRepo(Config{URL: url, HostsPath: "missing/hosts"})
	_, err = r2.Apply(context.Background(), []netbackend.Change{{Customer: "C1", IP: ip("10.0.0.1"), Action: netbackend.Block}}, netbackend.ApplyOptions{})
	if err == nil || !strings.Contains(err.Error(), "missing/hosts") {
		t.Errorf("missing file: err = %v", err)
	}
}

func TestRepoOutOfDateRetry(t *testing.T) {
	r, url := newTestRepo(t, Config{})
	start := headRev(t, url)
	other := filepath.Join(t.TempDir(), "other")
	svnT(t, "svn", "checkout", url, other)
	calls := 0
	r.beforeCommit = func(attempt int) {
		calls++
		if attempt > 0 {
			return
		}
		// another writer commits between our checkout and our commit
		p := filepath.Join(other, "hosts")
		data, err := os.ReadFile(p)
		if err != nil {
			t.Error(err)
			return
		}
		data = bytes.Replace(data, []byte("#speed=1024 {code:C2}"), []byte("#speed=2000 {code:C2}"), 1)
		data = append(data, "\n10.0.0.9\thost9\t#speed=9 {code:C9}\n"...)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Error(err)
		}
		svnT(t, "svn", "commit", "-m", "other writer", other)
	}
	res, err := r.Apply(context.Background(), []netbackend.Change{
		{Customer: "C1", IP: ip("10.0.0.1"), Action: netbackend.Block},
		{Customer: "C9", IP: ip("10.0.0.9"), Action: netbackend.Block}, // only in the other writer's version
	}, netbackend.ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if calls != 2 {
		t.Errorf("commit attempts = %d, want 2", calls)
	}
	if res[0].Status != netbackend.Changed || res[1].Status != netbackend.Changed {
		t.Errorf("results = %+v", res)
	}
	if got := headRev(t, url); got != start+2 {
		t.Errorf("HEAD = r%d, want r%d (other writer + one commit)", got, start+2)
	}
	head := catHead(t, url)
	for _, s := range []string{"#speed=2000 {code:C2}", "10.0.0.9\thost9\t# speed=0 orig=9 {code:C9}", "# speed=0 orig=512 {code:C1}"} {
		if !strings.Contains(head, s) {
			t.Errorf("HEAD lacks %q:\n%s", s, head)
		}
	}
}

func TestRepoOutOfDateGivesUp(t *testing.T) {
	r, url := newTestRepo(t, Config{Retries: 1})
	other := filepath.Join(t.TempDir(), "other")
	svnT(t, "svn", "checkout", url, other)
	calls := 0
	r.beforeCommit = func(int) {
		calls++
		svnT(t, "svn", "update", other)
		p := filepath.Join(other, "hosts")
		data, _ := os.ReadFile(p)
		if err := os.WriteFile(p, append(data, fmt.Sprintf("\n10.1.0.%d\tx%d\n", calls, calls)...), 0o644); err != nil {
			t.Error(err)
		}
		svnT(t, "svn", "commit", "-m", "busy writer", other)
	}
	_, err := r.Apply(context.Background(), []netbackend.Change{{Customer: "C1", IP: ip("10.0.0.1"), Action: netbackend.Block}}, netbackend.ApplyOptions{})
	if !errors.Is(err, ErrOutOfDate) {
		t.Fatalf("err = %v, want ErrOutOfDate", err)
	}
	if calls != 2 {
		t.Errorf("attempts = %d, want 2", calls)
	}
	if strings.Contains(catHead(t, url), "speed=0 orig=512") {
		t.Error("change committed despite the error")
	}
}

func TestRepoConfiguredWorkingCopy(t *testing.T) {
	requireSVN(t)
	url, _ := newSVNRepo(t, "hosts", repoHosts)
	wc := filepath.Join(t.TempDir(), "wc")
	svnT(t, "svn", "checkout", url, wc)
	r, err := NewRepo(Config{URL: url, WorkingCopy: wc})
	if err != nil {
		t.Fatal(err)
	}
	start := headRev(t, url)
	if _, err := r.Apply(context.Background(), []netbackend.Change{{Customer: "C1", IP: ip("10.0.0.1"), Action: netbackend.Block}}, netbackend.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	if headRev(t, url) != start+1 || !strings.Contains(catHead(t, url), "# speed=0 orig=512 {code:C1}") {
		t.Error("not committed")
	}
	if st := svnT(t, "svn", "status", wc); strings.TrimSpace(st) != "" {
		t.Errorf("working copy not clean: %s", st)
	}
	// The leftover of a run killed between rewrite and commit, in a working
	// copy also left locked: reverted and cleaned up with a warning, then
	// the run goes on and commits only its own change.
	leftover := strings.Replace(repoHosts, "#speed=1024 {code:C2}", "# speed=0 orig=1024 {code:C2}", 1)
	leftover = strings.Replace(leftover, "# speed=0 orig=256 {code:C3}", "# speed=256 {code:C3}", 1)
	if err := os.WriteFile(filepath.Join(wc, "hosts"), []byte(leftover), 0o644); err != nil {
		t.Fatal(err)
	}
	lockWorkingCopy(t, wc)
	if _, err := exec.Command("svn", "update", wc).CombinedOutput(); err == nil {
		t.Fatal("the simulated lock does not block svn")
	}
	var logs strings.Builder
	r.log = slog.New(slog.NewTextHandler(&logs, nil))
	res, err := r.Apply(context.Background(), []netbackend.Change{{Customer: "C1", IP: ip("2001:db8::1"), Action: netbackend.Block}}, netbackend.ApplyOptions{})
	if err != nil || res[0].Status != netbackend.Changed {
		t.Fatalf("after an interrupted run: %+v, %v\n%s", res, err, logs.String())
	}
	head := catHead(t, url)
	if !strings.Contains(head, "2001:db8::1\thost6\t\t# speed=0 orig=2048 {code:C1}") ||
		!strings.Contains(head, "#speed=1024 {code:C2}") || !strings.Contains(head, "# speed=0 orig=256 {code:C3}") {
		t.Errorf("the leftover was committed or the change lost:\n%s", head)
	}
	for _, want := range []string{"level=WARN msg=\"svnhosts: working copy locked", "level=WARN msg=\"svnhosts: reverting a leftover change"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, logs.String())
		}
	}
	if st := svnT(t, "svn", "status", wc); strings.TrimSpace(st) != "" {
		t.Errorf("working copy not clean: %s", st)
	}
}

// lockWorkingCopy leaves the working copy wc locked as an svn process
// killed in the middle of an operation does: a row in the WC_LOCK table of
// .svn/wc.db. It needs sqlite3 and skips without it.
func lockWorkingCopy(t *testing.T, wc string) {
	t.Helper()
	if _, err := exec.LookPath("sqlite3"); err != nil {
		t.Skip("sqlite3 not on PATH: cannot simulate a locked working copy")
	}
	out, err := exec.Command("sqlite3", filepath.Join(wc, ".svn", "wc.db"),
		"INSERT INTO WC_LOCK (wc_id, local_dir_relpath, locked_levels) VALUES (1, '', -1);").CombinedOutput()
	if err != nil {
		t.Fatalf("sqlite3: %v\n%s", err, out)
	}
}

// svnserve starts svnserve for a new repository with one user and returns
// the svn:// URL of the repository.
func svnserve(t *testing.T, user, password string) string {
	t.Helper()
	requireSVN(t)
	if _, err := exec.LookPath("svnserve"); err != nil {
		t.Skip("svnserve not on PATH")
	}
	_, dir := newSVNRepo(t, "hosts", repoHosts)
	conf := "[general]\nanon-access = none\nauth-access = write\npassword-db = passwd\nrealm = test\n"
	if err := os.WriteFile(filepath.Join(dir, "conf", "svnserve.conf"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "conf", "passwd"), []byte("[users]\n"+user+" = "+password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	cmd := exec.Command("svnserve", "-d", "--foreground", "--listen-host", "127.0.0.1",
		"--listen-port", strconv.Itoa(port), "-r", filepath.Dir(dir))
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	for i := 0; ; i++ {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			_ = c.Close()
			break
		}
		if i > 100 {
			t.Fatalf("svnserve did not start: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return "svn://" + addr + "/" + filepath.Base(dir)
}

// recordingSVN writes an SVNBIN wrapper that appends its arguments and
// environment to a file and then execs the real svn.
func recordingSVN(t *testing.T) (bin, record string) {
	t.Helper()
	real, err := exec.LookPath("svn")
	if err != nil {
		t.Skip("svn not on PATH")
	}
	dir := t.TempDir()
	bin, record = filepath.Join(dir, "svn-wrapper"), filepath.Join(dir, "record")
	script := "#!/bin/sh\n{ printf 'ARGV:'; for a in \"$@\"; do printf ' %s' \"$a\"; done; printf '\\n'; env; echo ---; } >> '" +
		record + "'\nexec '" + real + "' \"$@\"\n"
	if err := os.WriteFile(bin, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return bin, record
}

func TestRepoSVNServeAuth(t *testing.T) {
	const user, password = "alice", "s3cr3t-P4ss-word"
	url := svnserve(t, user, password)
	bin, record := recordingSVN(t)
	t.Setenv("SVNPASS", password) // present in our environment, must not reach svn
	t.Setenv("SVNURL", url)
	t.Setenv("SVNUSER", user)
	t.Setenv("SVNBIN", bin)
	t.Setenv("LOGFILE", filepath.Join(t.TempDir(), "audit.log"))
	cfg, err := ConfigFromEnv()
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	cfg.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cfg.Logger.Info("config", "cfg", cfg)
	r, err := NewRepo(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	res, err := r.Apply(ctx, []netbackend.Change{{Customer: "C1", IP: ip("10.0.0.1"), Action: netbackend.Block}}, netbackend.ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Status != netbackend.Changed {
		t.Fatalf("result %+v", res[0])
	}
	if _, err := r.CustomerIPs(ctx, []string{"C1"}); err != nil {
		t.Fatal(err)
	}
	author := svnT(t, "svn", "log", "-r", "HEAD", "--username", user, "--password", password, "--no-auth-cache", url)
	if !strings.Contains(author, "| "+user+" |") || !strings.Contains(author, "block C1 10.0.0.1") {
		t.Errorf("commit not by %s: %s", user, author)
	}

	rec, err := os.ReadFile(record)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(rec), password) {
		t.Errorf("password in argv or environment of svn:\n%s", rec)
	}
	for _, s := range []string{"--password-from-stdin", "--username alice", "--non-interactive", "--no-auth-cache", "LC_ALL=C", "ARGV: checkout", "ARGV: commit"} {
		if !strings.Contains(string(rec), s) {
			t.Errorf("record lacks %q", s)
		}
	}
	if strings.Contains(string(rec), "SVNPASS") {
		t.Errorf("SVNPASS passed to svn")
	}
	if strings.Contains(logs.String(), password) || !strings.Contains(logs.String(), "password="+redacted) {
		t.Errorf("logs:\n%s", logs.String())
	}

	// a wrong password gives a clear error without the password
	const wrong = "wrong-Pa55-xyz"
	cfg.Password = wrong
	cfg.TempDir = t.TempDir()
	bad, err := NewRepo(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, err = bad.Apply(ctx, []netbackend.Change{{Customer: "C2", IP: ip("10.0.0.2"), Action: netbackend.Block}}, netbackend.ApplyOptions{})
	if err == nil {
		t.Fatal("wrong password accepted")
	}
	if !errors.Is(err, ErrAuth) || strings.Contains(err.Error(), wrong) || strings.Contains(err.Error(), password) {
		t.Errorf("err = %v", err)
	}
	var se *SVNError
	if !errors.As(err, &se) || se.ExitCode == 0 || se.Stderr == "" {
		t.Errorf("SVNError = %+v", se)
	}
	t.Logf("wrong password error: %v", err)
	if ents, _ := os.ReadDir(cfg.TempDir); len(ents) != 0 {
		t.Errorf("temporary working copy left after a failure: %v", ents)
	}
	if _, err := bad.State(ctx, []netip.Addr{ip("10.0.0.1")}); !errors.Is(err, ErrAuth) {
		t.Errorf("State with wrong password: %v", err)
	}
	rec, _ = os.ReadFile(record)
	if strings.Contains(string(rec), wrong) || strings.Contains(logs.String(), wrong) {
		t.Error("wrong password leaked into argv, environment or logs")
	}
}

func TestRepoContextCanceled(t *testing.T) {
	r, _ := newTestRepo(t, Config{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := r.Apply(ctx, []netbackend.Change{{Customer: "C1", IP: ip("10.0.0.1"), Action: netbackend.Block}}, netbackend.ApplyOptions{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v", err)
	}
}

func TestSanitize(t *testing.T) {
	c := &svnClient{password: "hunter2"}
	got := c.sanitize("svn: E170001: bad hunter2\n\x1b[31mred\x1b[0m\n" + strings.Repeat("x", 3000))
	if strings.Contains(got, "hunter2") || strings.Contains(got, "\x1b") || strings.Contains(got, "\n") || len(got) > maxStderr+4 {
		t.Errorf("sanitize = %q", got)
	}
	e := &SVNError{Subcommand: "commit", Target: "/x", Stderr: "svn: E155011: File '/x/hosts' is out of date", Err: errors.New("exit status 1")}
	if !errors.Is(e, ErrOutOfDate) || errors.Is(e, ErrAuth) {
		t.Error("out-of-date not recognised")
	}
}
