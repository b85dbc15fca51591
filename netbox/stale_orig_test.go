package netbox_test

import (
	"context"
	"testing"

	"github.com/spoje-net/isptools/netbackend"
	"github.com/spoje-net/isptools/netbox"
	"github.com/spoje-net/isptools/netbox/netboxtest"
)

// TestBlockWithoutSpeedDropsStaleOriginal: blocking an IP that has no speed
// must not keep a stale original speed: it keeps the original 0 ("none"),
// as the hosts-file rewrite does, so the next unblock uses the fallback
// speed.
func TestBlockWithoutSpeedDropsStaleOriginal(t *testing.T) {
	ctx := context.Background()
	srv := netboxtest.NewServer(t)
	srv.AddCustomField(netboxtest.CustomFieldDef{Name: "speed"})
	srv.AddCustomField(netboxtest.CustomFieldDef{Name: "speed_orig"})
	id := srv.AddIP(netboxtest.IP{Address: "10.0.0.1/24", Description: "{code:A}", CustomFields: map[string]any{"speed_orig": 999}})
	be, err := netbox.NewBackend(srv.Client(), netbox.BackendConfig{})
	if err != nil {
		t.Fatal(err)
	}
	c := change("A", "10.0.0.1", netbackend.Block)
	if res, err := be.Apply(ctx, []netbackend.Change{c}, netbackend.ApplyOptions{}); err != nil || res[0].Status != netbackend.Changed {
		t.Fatalf("block: %v %v", res, err)
	}
	ip, _ := srv.IP(id)
	if got := string(ip.CustomFields["speed_orig"]); got != "0" {
		t.Errorf("speed_orig after block = %s, want 0", got)
	}
	c.Action, c.FallbackSpeed = netbackend.Unblock, 42
	res, err := be.Apply(ctx, []netbackend.Change{c}, netbackend.ApplyOptions{})
	if err != nil || res[0].SpeedAfter != 42 {
		t.Fatalf("unblock: %+v %v, want speed 42", res, err)
	}
}
