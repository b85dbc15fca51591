package svnhosts

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func setEnv(t *testing.T, kv map[string]string) {
	t.Helper()
	for _, k := range []string{"SVNURL", "SVNUSER", "SVNPASS", "SVNBIN", "SVN_HOSTS_PATH", "LOGFILE", "SVN_WORKING_COPY", "HOSTS_FILE"} {
		t.Setenv(k, kv[k])
	}
}

func TestConfigFromEnv(t *testing.T) {
	const secret = "Very-Secret-1"
	tests := []struct {
		name    string
		env     map[string]string
		wantErr string // substring; "" means valid
	}{
		{"defaults", map[string]string{"SVNURL": "file:///srv/svn/net"}, ""},
		{"full", map[string]string{"SVNURL": "https://svn.example.net/net", "SVNUSER": "bot", "SVNPASS": secret,
			"SVNBIN": "/usr/bin/svn", "SVN_HOSTS_PATH": "conf/hosts", "LOGFILE": "/var/log/x"}, ""},
		{"missing url", map[string]string{}, "SVNURL is required"},
		{"bad scheme", map[string]string{"SVNURL": "ftp://x/y"}, "SVNURL must be"},
		{"relative url", map[string]string{"SVNURL": "srv/svn"}, "SVNURL must be"},
		{"password without user", map[string]string{"SVNURL": "svn://h/r", "SVNPASS": secret}, "SVNUSER is required when SVNPASS is set"},
		{"escaping path", map[string]string{"SVNURL": "svn://h/r", "SVN_HOSTS_PATH": "../hosts"}, "SVN_HOSTS_PATH must be"},
		{"absolute path", map[string]string{"SVNURL": "svn://h/r", "SVN_HOSTS_PATH": "/hosts"}, "SVN_HOSTS_PATH must be"},
		{"password in url", map[string]string{"SVNURL": "https://bot:" + secret + "@h/r"}, "SVNURL must not embed a password"},
		{"newline in password", map[string]string{"SVNURL": "svn://h/r", "SVNUSER": "u", "SVNPASS": secret + "\nx"}, "SVNPASS must not contain"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setEnv(t, tt.env)
			cfg, err := ConfigFromEnv()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				if cfg.URL != tt.env["SVNURL"] || cfg.SVNBin == "" || cfg.HostsPath == "" || cfg.Retries != DefaultRetries {
					t.Errorf("cfg = %v", cfg)
				}
				if tt.env["SVN_HOSTS_PATH"] == "" && (cfg.HostsPath != "hosts" || cfg.SVNBin != "svn") {
					t.Errorf("defaults not applied: %v", cfg)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error contains the password: %v", err)
			}
		})
	}
}

func TestConfigRedaction(t *testing.T) {
	const secret = "Very-Secret-2"
	cfg := Config{URL: "https://bot:" + secret + "@svn.example.net/r", User: "bot", Password: secret, SVNBin: "svn", HostsPath: "hosts"}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("x", "cfg", cfg)
	for _, s := range []string{cfg.String(), fmt.Sprintf("%v %+v %#v %s", cfg, cfg, cfg, cfg), logs.String()} {
		if strings.Contains(s, secret) {
			t.Errorf("password leaked: %s", s)
		}
		if !strings.Contains(s, "bot") {
			t.Errorf("user missing: %s", s)
		}
	}
	if !strings.Contains(cfg.String(), redacted) {
		t.Errorf("String() = %s", cfg)
	}
}

func TestNewRepoErrors(t *testing.T) {
	_, err := NewRepo(Config{URL: "file:///x", SVNBin: "/nonexistent/svn-binary"})
	if err == nil || !strings.Contains(err.Error(), "SVNBIN") {
		t.Errorf("err = %v", err)
	}
	_, err = NewRepo(Config{})
	if err == nil || !strings.Contains(err.Error(), "SVNURL") {
		t.Errorf("err = %v", err)
	}
	requireSVN(t)
	_, err = NewRepo(Config{URL: "file:///x", WorkingCopy: "/nonexistent/wc"})
	if err == nil || !strings.Contains(err.Error(), "SVN_WORKING_COPY") {
		t.Errorf("err = %v", err)
	}
}

func TestFileConfigFromEnv(t *testing.T) {
	setEnv(t, map[string]string{})
	if _, err := FileConfigFromEnv(); err == nil || !strings.Contains(err.Error(), "HOSTS_FILE is required") {
		t.Errorf("err = %v", err)
	}
	setEnv(t, map[string]string{"HOSTS_FILE": "/etc/hosts.net", "LOGFILE": "/tmp/l"})
	cfg, err := FileConfigFromEnv()
	if err != nil || cfg.Path != "/etc/hosts.net" || cfg.LogFile != "/tmp/l" {
		t.Errorf("cfg = %+v, err = %v", cfg, err)
	}
	if _, err := NewFileBackend(FileConfig{Path: "/nonexistent/hosts"}); err == nil || !strings.Contains(err.Error(), "HOSTS_FILE") {
		t.Errorf("err = %v", err)
	}
}
