package backendenv_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spoje-net/isptools/envconf"
	"github.com/spoje-net/isptools/netbackend/backendenv"
)

func lookup(vars map[string]string) envconf.Lookup {
	return func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
}

func hostsFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "hosts")
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestFromLookupSelectsBackend(t *testing.T) {
	hosts := hostsFile(t, "10.0.0.1\ta\t# speed=10 {code:A}\n")
	for _, tc := range []struct {
		vars map[string]string
		name string
	}{
		{map[string]string{"NETWORK_BACKEND": "FILE", "HOSTS_FILE": hosts}, "file"},
		{map[string]string{"SVNURL": "file:///nonexistent/repo"}, "svn"},
		{map[string]string{"NETWORK_BACKEND": "netbox", "NETBOXURL": "https://netbox.example.com", "NETBOXTOKEN": "0123456789abcdef"}, "netbox"},
	} {
		if _, err := exec.LookPath("svn"); err != nil && tc.name == "svn" {
			t.Log("svn is not installed: the svn backend is not built")
			continue
		}
		b, err := backendenv.FromLookup(lookup(tc.vars), nil)
		if err != nil || b.Name() != tc.name {
			t.Errorf("%v: %v %v, want %s", tc.vars, b, err, tc.name)
		}
	}
	b, err := backendenv.FromLookup(lookup(map[string]string{"NETWORK_BACKEND": "file", "HOSTS_FILE": hosts}), nil)
	if err != nil {
		t.Fatal(err)
	}
	look, err := b.CustomerIPs(context.Background(), []string{"A"})
	if err != nil || len(look.IPs["A"]) != 1 {
		t.Errorf("the file backend does not read HOSTS_FILE: %v %v", look, err)
	}
}

// TestFromLookupProblems: every problem at once, each naming its variable
// (and value), as an *envconf.Error; secrets never shown.
func TestFromLookupProblems(t *testing.T) {
	for _, tc := range []struct {
		vars map[string]string
		want string
	}{
		{map[string]string{}, "SVNURL is required for NETWORK_BACKEND=svn"},
		{map[string]string{"NETWORK_BACKEND": "ftp"}, `NETWORK_BACKEND="ftp": must be one of svn|file|netbox`},
		{map[string]string{"NETWORK_BACKEND": "file", "HOSTS_CODE_FALLBACK": "fuzzy"},
			`HOSTS_CODE_FALLBACK="fuzzy": must be empty (exact {code:X} tokens only) or word; HOSTS_FILE is required for NETWORK_BACKEND=file`},
		{map[string]string{"NETWORK_BACKEND": "file", "HOSTS_FILE": "/nonexistent/hosts"}, `HOSTS_FILE "/nonexistent/hosts": stat /nonexistent/hosts: no such file or directory`},
		{map[string]string{"NETWORK_BACKEND": "netbox"}, "NETBOXURL and NETBOXTOKEN are required for NETWORK_BACKEND=netbox"},
		{map[string]string{"NETWORK_BACKEND": "netbox", "NETBOXURL": "https://nb", "NETBOX_CUSTOMER_LOOKUP": "astrology", "NETBOX_JOURNAL": "perhaps"},
			`NETBOXTOKEN is required for NETWORK_BACKEND=netbox; NETBOX_CUSTOMER_LOOKUP: unknown lookup "astrology" (want description, tenant or cf:<field>); ` +
				`NETBOX_JOURNAL="perhaps": not a boolean (use true/false, 1/0, yes/no or on/off)`},
		{map[string]string{"SVNURL": "file:///r", "SVNBIN": "/nonexistent/svn"}, `SVNBIN "/nonexistent/svn"`},
		{map[string]string{"SVNURL": "ftp://user:hunter2@host/r", "SVNPASS": "hunter2"}, "SVNURL must be a file://, svn://, svn+ssh://, http:// or https:// URL"},
	} {
		b, err := backendenv.FromLookup(lookup(tc.vars), nil)
		var ce *envconf.Error
		switch {
		case b != nil || !errors.As(err, &ce):
			t.Errorf("%v: %v, %T %v; want an *envconf.Error", tc.vars, b, err, err)
		case !strings.HasPrefix(err.Error(), "invalid configuration: "+tc.want):
			t.Errorf("%v:\n got %v\nwant invalid configuration: %s", tc.vars, err, tc.want)
		case strings.Contains(err.Error(), "hunter2"):
			t.Errorf("%v: the secret is in %v", tc.vars, err)
		}
	}
}
