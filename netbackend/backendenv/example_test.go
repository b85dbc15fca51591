package backendenv_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spoje-net/isptools/netbackend/backendenv"
)

// A service builds the backend of blocknet and unblocknet from the same
// variables (it passes os.LookupEnv).
func ExampleFromLookup() {
	dir, _ := os.MkdirTemp("", "backendenv-example")
	defer os.RemoveAll(dir)
	hosts := filepath.Join(dir, "hosts")
	_ = os.WriteFile(hosts, []byte("10.0.0.7\tjana\t# speed=10240 {code:CUST1}\n"), 0o644)
	vars := map[string]string{"NETWORK_BACKEND": "file", "HOSTS_FILE": hosts}

	nb, err := backendenv.FromLookup(func(name string) (string, bool) { v, ok := vars[name]; return v, ok }, nil)
	if err != nil {
		panic(err)
	}
	look, err := nb.CustomerIPs(context.Background(), []string{"CUST1"})
	fmt.Println(nb.Name(), look.IPs["CUST1"], err)

	_, err = backendenv.FromLookup(func(name string) (string, bool) {
		return map[string]string{"NETWORK_BACKEND": "netbox"}[name], name == "NETWORK_BACKEND"
	}, nil)
	fmt.Println(err)
	// Output:
	// file [10.0.0.7] <nil>
	// invalid configuration: NETBOXURL and NETBOXTOKEN are required for NETWORK_BACKEND=netbox
}
