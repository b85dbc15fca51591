package netbox_test

import (
	"strings"
	"testing"

	"github.com/spoje-net/isptools/netbox"
)

func TestBackendConfigFromEnv(t *testing.T) {
	for _, tc := range []struct {
		lookup, speed, orig, journal string
		want                         netbox.BackendConfig
		err                          string
	}{
		{want: netbox.BackendConfig{Lookup: netbox.LookupDescription, SpeedField: "speed", OrigSpeedField: "speed_orig"}},
		{lookup: "cf:abra_code", speed: "rate", orig: "rate_before", journal: "true",
			want: netbox.BackendConfig{Lookup: netbox.LookupCustomField, LookupField: "abra_code", SpeedField: "rate", OrigSpeedField: "rate_before", Journal: true}},
		{lookup: "tenant", want: netbox.BackendConfig{Lookup: netbox.LookupTenant, SpeedField: "speed", OrigSpeedField: "speed_orig"}},
		{lookup: "name", err: "NETBOX_CUSTOMER_LOOKUP"},
		{lookup: "cf:bad-name", err: "NETBOX_CUSTOMER_LOOKUP"},
		{speed: "sp eed", err: "NETBOX_SPEED_FIELD"},
		{orig: "x.y", err: "NETBOX_ORIG_SPEED_FIELD"},
		{orig: "speed", err: "both"},
		{journal: "maybe", err: "NETBOX_JOURNAL"},
	} {
		t.Setenv("NETBOX_CUSTOMER_LOOKUP", tc.lookup)
		t.Setenv("NETBOX_SPEED_FIELD", tc.speed)
		t.Setenv("NETBOX_ORIG_SPEED_FIELD", tc.orig)
		t.Setenv("NETBOX_JOURNAL", tc.journal)
		got, err := netbox.BackendConfigFromEnv()
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%+v: err %v, want mention of %s", tc, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%+v: %v", tc, err)
			continue
		}
		if got.Lookup != tc.want.Lookup || got.LookupField != tc.want.LookupField || got.SpeedField != tc.want.SpeedField ||
			got.OrigSpeedField != tc.want.OrigSpeedField || got.Journal != tc.want.Journal || got.BulkSize != netbox.DefaultBulkSize {
			t.Errorf("got %+v, want %+v", got, tc.want)
		}
	}
}

func TestTenantSlug(t *testing.T) {
	for in, want := range map[string]string{
		"ACME":        "acme",
		"ACME.Net 01": "acme-net-01",
		" a--b ":      "a-b",
		"X_Y":         "x_y",
		"Č&S":         "s",
		".lead":       "lead",
	} {
		if got := netbox.TenantSlug(in); got != want {
			t.Errorf("TenantSlug(%q) = %q, want %q", in, got, want)
		}
	}
}
