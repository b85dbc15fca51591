package appkit

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"log/syslog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func fixedNow() time.Time { return time.Date(2026, 1, 21, 17, 45, 3, 0, time.UTC) }

func TestConsoleLoggerFormat(t *testing.T) {
	var buf bytes.Buffer
	log, closeFn := NewLogger(LogConfig{Tag: "blocknet", Stderr: &buf, Now: fixedNow})
	defer closeFn()
	log.With("customer", "C 1").WithGroup("svn").Info("blocked ip", "ip", "10.0.0.1", "password", "hunter2",
		slog.Group("auth", "user", "u", "token", "abc"), "count", 2, "at", fixedNow())
	log.Debug("hidden at info level")
	want := "2026-01-21 17:45:03 INFO blocked ip customer=\"C 1\" svn.ip=10.0.0.1 svn.password=REDACTED " +
		"svn.auth.user=u svn.auth.token=REDACTED svn.count=2 svn.at=2026-01-21T17:45:03Z\n"
	if buf.String() != want {
		t.Errorf("console output\n%q\nwant\n%q", buf.String(), want)
	}
}

func TestConsoleLoggerDebugLevel(t *testing.T) {
	var buf bytes.Buffer
	log, _ := NewLogger(LogConfig{Loggers: "console", Debug: true, Stderr: &buf, Now: fixedNow})
	log.Debug("visible", "SVNPASS", "s3cret", "NETBOXTOKEN", "t0k", "client_secret", "x")
	got := buf.String()
	if !strings.Contains(got, " DEBUG visible ") {
		t.Errorf("debug line missing: %q", got)
	}
	for _, secret := range []string{"s3cret", "t0k", "=x"} {
		if strings.Contains(got, secret) {
			t.Errorf("secret %q logged: %q", secret, got)
		}
	}
}

func TestLoggerUnknownEntries(t *testing.T) {
	var buf bytes.Buffer
	log, _ := NewLogger(LogConfig{Loggers: " Console | bogus|console||bogus|memory ", Stderr: &buf, Now: fixedNow})
	got := buf.String()
	if n := strings.Count(got, "unknown EASE_LOGGER entry ignored entry=bogus"); n != 1 {
		t.Errorf("bogus reported %d times:\n%s", n, got)
	}
	if !strings.Contains(got, "WARN unknown EASE_LOGGER entry ignored entry=memory") {
		t.Errorf("memory not reported:\n%s", got)
	}
	buf.Reset()
	log.Info("once")
	if strings.Count(buf.String(), "once") != 1 {
		t.Errorf("duplicate console entry logged twice: %q", buf.String())
	}
}

func TestLoggerFallsBackToConsole(t *testing.T) {
	var buf bytes.Buffer
	log, _ := NewLogger(LogConfig{Loggers: "nonsense", Stderr: &buf, Now: fixedNow})
	log.Info("still here")
	got := buf.String()
	for _, want := range []string{"entry=nonsense", "no usable EASE_LOGGER entry, logging to console", "INFO still here"} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
}

func TestSyslogUnavailableWarnsOnce(t *testing.T) {
	var buf bytes.Buffer
	dial := func(string) (SyslogWriter, error) { return nil, errors.New("dial unixgram /dev/log: no such file") }
	log, _ := NewLogger(LogConfig{Loggers: "console|syslog", Stderr: &buf, Now: fixedNow, DialSyslog: dial})
	log.Info("hello")
	got := buf.String()
	if n := strings.Count(got, "syslog unavailable"); n != 1 {
		t.Errorf("%d syslog warnings:\n%s", n, got)
	}
	if !strings.Contains(got, "INFO hello") {
		t.Errorf("console missing:\n%s", got)
	}
}

// fakeSyslog records the severity and text of each message.
type fakeSyslog struct {
	mu     sync.Mutex
	lines  []string
	closed bool
}

func (f *fakeSyslog) add(sev, m string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lines = append(f.lines, sev+" "+m)
	return nil
}
func (f *fakeSyslog) Debug(m string) error   { return f.add("debug", m) }
func (f *fakeSyslog) Info(m string) error    { return f.add("info", m) }
func (f *fakeSyslog) Warning(m string) error { return f.add("warning", m) }
func (f *fakeSyslog) Err(m string) error     { return f.add("err", m) }
func (f *fakeSyslog) Close() error           { f.closed = true; return nil }

func TestSyslogHandlerSeveritiesAndFanOut(t *testing.T) {
	fake := &fakeSyslog{}
	var gotTag string
	var buf bytes.Buffer
	log, closeFn := NewLogger(LogConfig{Tag: "unblocknet", Loggers: "syslog|console", Debug: true, Stderr: &buf, Now: fixedNow,
		DialSyslog: func(tag string) (SyslogWriter, error) { gotTag = tag; return fake, nil }})
	log.Debug("d", "k", 1)
	log.Info("i")
	log.Warn("w")
	log.Error("e", "SVNPASS", "pw")
	if err := closeFn(); err != nil || !fake.closed {
		t.Errorf("close: %v, closed %v", err, fake.closed)
	}
	if gotTag != "unblocknet" {
		t.Errorf("tag %q", gotTag)
	}
	want := []string{"debug d k=1", "info i", "warning w", "err e SVNPASS=REDACTED"}
	if strings.Join(fake.lines, "|") != strings.Join(want, "|") {
		t.Errorf("syslog lines %q, want %q", fake.lines, want)
	}
	if strings.Count(buf.String(), "\n") != 4 {
		t.Errorf("console did not get all 4 records:\n%s", buf.String())
	}
}

// TestSyslogOverUnixgram sends through the real log/syslog client to a
// unixgram socket created in a temporary directory.
func TestSyslogOverUnixgram(t *testing.T) {
	dir, err := os.MkdirTemp("", "sl") // short path: unix socket names are limited
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "log")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Skipf("unixgram sockets unavailable: %v", err)
	}
	defer conn.Close()
	dial := func(tag string) (SyslogWriter, error) {
		return syslog.Dial("unixgram", path, syslog.LOG_INFO|syslog.LOG_USER, tag)
	}
	log, closeFn := NewLogger(LogConfig{Tag: "blocknet", Loggers: "syslog", DialSyslog: dial})
	defer closeFn()
	log.Error("block failed", "ip", "10.0.0.9", "NETBOXTOKEN", "abc123")

	if err := conn.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 2048)
	n, _, err := conn.ReadFrom(b)
	if err != nil {
		t.Fatal(err)
	}
	msg := string(b[:n])
	// Priority 11 = facility user (8) + severity err (3).
	if !strings.HasPrefix(msg, "<11>") || !strings.Contains(msg, " blocknet[") ||
		!strings.Contains(msg, "block failed ip=10.0.0.9 NETBOXTOKEN=REDACTED") || strings.Contains(msg, "abc123") {
		t.Errorf("syslog datagram %q", msg)
	}
}

func TestMultiHandler(t *testing.T) {
	var a, b bytes.Buffer
	h := MultiHandler(
		slog.NewTextHandler(&a, &slog.HandlerOptions{Level: slog.LevelWarn}),
		slog.NewTextHandler(&b, &slog.HandlerOptions{Level: slog.LevelDebug}),
	)
	if !h.Enabled(context.Background(), slog.LevelDebug) {
		t.Error("Enabled must be true when any handler is enabled")
	}
	log := slog.New(h).With("x", 1).WithGroup("g")
	log.Info("info", "y", 2)
	log.Warn("warn")
	if strings.Contains(a.String(), "msg=info") || !strings.Contains(a.String(), "msg=warn x=1") {
		t.Errorf("warn-level handler got %q", a.String())
	}
	if !strings.Contains(b.String(), "msg=info x=1 g.y=2") || !strings.Contains(b.String(), "msg=warn") {
		t.Errorf("debug-level handler got %q", b.String())
	}
}

func TestIsSecretKey(t *testing.T) {
	for _, k := range []string{"password", "ABRAFLEXI_PASSWORD", "SVNPASS", "NetboxToken", "client_secret", "SMTP_PASSWORD"} {
		if !IsSecretKey(k) {
			t.Errorf("%s not secret", k)
		}
	}
	for _, k := range []string{"user", "ABRAFLEXI_LOGIN", "ip", "kod"} {
		if IsSecretKey(k) {
			t.Errorf("%s secret", k)
		}
	}
	if a := RedactAttr(nil, slog.Group("secrets", "a", 1)); a.Value.String() != Redacted {
		t.Errorf("secret group not redacted: %v", a)
	}
}
