package backends_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spoje-net/isptools/examples/internal/appkit"
	"github.com/spoje-net/isptools/examples/internal/backends"
)

func envOf(vars map[string]string) *appkit.Env {
	return appkit.NewEnv(nil, vars)
}

func TestFromEnvSelectsBackend(t *testing.T) {
	hosts := filepath.Join(t.TempDir(), "hosts")
	if err := os.WriteFile(hosts, []byte("10.0.0.1 a #speed=10 {code:A}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	b, err := backends.FromEnv(envOf(map[string]string{"NETWORK_BACKEND": "FILE", "HOSTS_FILE": hosts}), nil)
	if err != nil || b.Name() != "file" {
		t.Fatalf("file backend: %v %v", b, err)
	}
	b, err = backends.FromEnv(envOf(map[string]string{"SVNURL": "file:///nonexistent/repo"}), nil)
	if err != nil || b.Name() != "svn" {
		t.Fatalf("default svn backend: %v %v", b, err)
	}
	b, err = backends.FromEnv(envOf(map[string]string{"NETWORK_BACKEND": "netbox", "NETBOXURL": "https://netbox.example.com", "NETBOXTOKEN": "0123456789abcdef"}), nil)
	if err != nil || b.Name() != "netbox" {
		t.Fatalf("netbox backend: %v %v", b, err)
	}
}

func TestFromEnvErrorsNameTheVariable(t *testing.T) {
	tests := []struct {
		vars map[string]string
		want []string
	}{
		{map[string]string{}, []string{"SVNURL"}},
		{map[string]string{"NETWORK_BACKEND": "ftp"}, []string{"NETWORK_BACKEND", "svn|file|netbox"}},
		{map[string]string{"NETWORK_BACKEND": "file"}, []string{"HOSTS_FILE"}},
		{map[string]string{"NETWORK_BACKEND": "file", "HOSTS_FILE": "/nonexistent/hosts"}, []string{"HOSTS_FILE"}},
		{map[string]string{"NETWORK_BACKEND": "netbox"}, []string{"NETBOXURL and NETBOXTOKEN are required"}},
		{map[string]string{"NETWORK_BACKEND": "netbox", "NETBOXURL": "https://nb"}, []string{"NETBOXTOKEN is required"}},
		{map[string]string{"NETWORK_BACKEND": "netbox", "NETBOXURL": "https://nb", "NETBOXTOKEN": "t", "NETBOX_CUSTOMER_LOOKUP": "astrology"}, []string{"NETBOX_CUSTOMER_LOOKUP"}},
		{map[string]string{"NETWORK_BACKEND": "netbox", "NETBOXURL": "https://nb", "NETBOXTOKEN": "t", "NETBOX_JOURNAL": "perhaps"}, []string{"NETBOX_JOURNAL"}},
		{map[string]string{"SVNURL": "file:///r", "SVNBIN": "/nonexistent/svn"}, []string{"SVNBIN"}},
		{map[string]string{"SVNURL": "ftp://r"}, []string{"SVNURL"}},
	}
	for _, tt := range tests {
		_, err := backends.FromEnv(envOf(tt.vars), nil)
		if err == nil {
			t.Errorf("%v: accepted", tt.vars)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%v: error %q does not mention %q", tt.vars, err, w)
			}
		}
	}
}

func TestFromEnvHidesSecrets(t *testing.T) {
	_, err := backends.FromEnv(envOf(map[string]string{"SVNURL": "ftp://user:hunter2@host/r", "SVNPASS": "hunter2"}), nil)
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error %v", err)
	}
}

func TestCodeFallbackVariable(t *testing.T) {
	hosts := filepath.Join(t.TempDir(), "hosts")
	if err := os.WriteFile(hosts, []byte("10.0.0.1\th\t#speed=5 former owner C1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		value string
		found int
	}{{"", 0}, {"word", 1}} {
		env := appkit.NewEnv(nil, map[string]string{backends.EnvBackend: backends.File, "HOSTS_FILE": hosts, "HOSTS_CODE_FALLBACK": tc.value})
		b, err := backends.FromEnv(env, nil)
		if err != nil {
			t.Fatal(err)
		}
		look, err := b.CustomerIPs(context.Background(), []string{"C1"})
		if err != nil || len(look.IPs["C1"]) != tc.found {
			t.Errorf("HOSTS_CODE_FALLBACK=%q: %v %v, want %d IPs", tc.value, look, err, tc.found)
		}
	}
	env := appkit.NewEnv(nil, map[string]string{backends.EnvBackend: backends.File, "HOSTS_FILE": hosts, "HOSTS_CODE_FALLBACK": "fuzzy"})
	if _, err := backends.FromEnv(env, nil); err == nil || !strings.Contains(err.Error(), "HOSTS_CODE_FALLBACK") {
		t.Errorf("bad value: %v", err)
	}
}
