package netbox

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Environment variables read by [BackendConfigFromEnv].
const (
	EnvCustomerLookup = "NETBOX_CUSTOMER_LOOKUP"
	EnvSpeedField     = "NETBOX_SPEED_FIELD"
	EnvOrigSpeedField = "NETBOX_ORIG_SPEED_FIELD"
	EnvJournal        = "NETBOX_JOURNAL"
)

// Backend defaults.
const (
	DefaultSpeedField     = "speed"
	DefaultOrigSpeedField = "speed_orig"
	// DefaultBulkSize is how many objects one bulk PATCH carries. Measured
	// on a real NetBox 4.4.10 on 2 cores: 0.036 s per object idle, about
	// 0.12 s loaded, so 50 objects take 2 to 6 s, far inside
	// DefaultWriteTimeout; 500 took 72 s on the loaded machine.
	DefaultBulkSize = 50
	// DefaultQueryChunk is how many values one filtered list request carries.
	DefaultQueryChunk = 100
	// DefaultScanThreshold is the number of customers or IPs above which the
	// backend considers listing all IP addresses once instead of filtering.
	DefaultScanThreshold = 200
	// DefaultReuseReads is how long the IP objects read by a lookup or an
	// Apply are reused by the next Apply of the same backend instead of
	// being read again (a run looks up, plans with a dry run, then
	// applies, within seconds).
	DefaultReuseReads = 2 * time.Minute
)

// Lookup is how the backend finds a customer's IP addresses.
type Lookup string

const (
	// LookupDescription matches the "{code:X}" token in the IP description
	// (as in the Subversion hosts file). The server filters with
	// description__ic, the client then checks the token exactly.
	LookupDescription Lookup = "description"
	// LookupTenant matches IPs whose tenant's slug (as stored) or name is
	// exactly the customer code. A code naming two tenants (one by slug,
	// another by name) is a conflict.
	LookupTenant Lookup = "tenant"
	// LookupCustomField matches IPs whose custom field (BackendConfig.LookupField)
	// holds exactly the customer code.
	LookupCustomField Lookup = "cf"
)

var cfName = regexp.MustCompile(`^[A-Za-z0-9_]+$`)

// BackendConfig configures a [Backend]. Zero fields take the defaults.
type BackendConfig struct {
	// Lookup selects the customer lookup (LookupDescription when empty).
	Lookup Lookup
	// LookupField is the custom field holding the customer code (LookupCustomField only).
	LookupField string
	// SpeedField is the integer custom field holding the speed ("speed").
	SpeedField string
	// OrigSpeedField is the integer custom field keeping the speed before a block ("speed_orig").
	OrigSpeedField string
	// Journal adds a journal entry to every changed IP address.
	Journal bool
	// BulkSize is the number of objects per bulk request (DefaultBulkSize).
	BulkSize int
	// QueryChunk is the number of filter values per list request (DefaultQueryChunk).
	QueryChunk int
	// ScanThreshold is the number of customers or IPs above which a run may
	// list all IP addresses once when that takes fewer requests
	// (DefaultScanThreshold; negative never lists all).
	ScanThreshold int
	// ReuseReads is how long objects read by CustomerIPs or Apply are
	// reused by a later Apply, so a run reads its IPs once
	// (DefaultReuseReads; negative always reads again). State never reuses.
	ReuseReads time.Duration
	// SettleTime is how long Apply keeps re-reading the objects of a bulk
	// PATCH whose answer was lost (a timeout, a dropped connection, a 5xx)
	// before it reports the ones that still show their old values as
	// failed. NetBox finishes such a request on its own; zero waits the
	// client's write timeout.
	SettleTime time.Duration
}

// ParseLookup parses NETBOX_CUSTOMER_LOOKUP: "description", "tenant" or "cf:<field>".
func ParseLookup(s string) (Lookup, string, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "" || s == string(LookupDescription):
		return LookupDescription, "", nil
	case s == string(LookupTenant):
		return LookupTenant, "", nil
	case strings.HasPrefix(s, "cf:"):
		field := strings.TrimPrefix(s, "cf:")
		if !cfName.MatchString(field) {
			return "", "", fmt.Errorf("custom field name %q must be letters, digits and underscores", field)
		}
		return LookupCustomField, field, nil
	}
	return "", "", fmt.Errorf("unknown lookup %q (want description, tenant or cf:<field>)", s)
}

// withDefaults fills zero fields and validates the result.
func (c BackendConfig) withDefaults() (BackendConfig, error) {
	if c.Lookup == "" {
		c.Lookup = LookupDescription
	}
	c.SpeedField = orDefault(c.SpeedField, DefaultSpeedField)
	c.OrigSpeedField = orDefault(c.OrigSpeedField, DefaultOrigSpeedField)
	c.BulkSize = orDefault(c.BulkSize, DefaultBulkSize)
	c.QueryChunk = orDefault(c.QueryChunk, DefaultQueryChunk)
	c.ScanThreshold = orDefault(c.ScanThreshold, DefaultScanThreshold)
	c.ReuseReads = orDefault(c.ReuseReads, DefaultReuseReads)
	switch c.Lookup {
	case LookupDescription, LookupTenant:
	case LookupCustomField:
		if !cfName.MatchString(c.LookupField) {
			return c, fmt.Errorf("netbox: lookup custom field name %q is invalid", c.LookupField)
		}
	default:
		return c, fmt.Errorf("netbox: unknown lookup %q", c.Lookup)
	}
	if !cfName.MatchString(c.SpeedField) {
		return c, fmt.Errorf("netbox: speed field name %q is invalid", c.SpeedField)
	}
	if !cfName.MatchString(c.OrigSpeedField) {
		return c, fmt.Errorf("netbox: original-speed field name %q is invalid", c.OrigSpeedField)
	}
	if c.SpeedField == c.OrigSpeedField {
		return c, fmt.Errorf("netbox: speed field and original-speed field are both %q", c.SpeedField)
	}
	if c.BulkSize < 1 || c.QueryChunk < 1 {
		return c, fmt.Errorf("netbox: BulkSize and QueryChunk must be positive")
	}
	return c, nil
}

// BackendConfigFromEnv reads NETBOX_CUSTOMER_LOOKUP, NETBOX_SPEED_FIELD,
// NETBOX_ORIG_SPEED_FIELD and NETBOX_JOURNAL. Errors name the variable.
func BackendConfigFromEnv() (BackendConfig, error) {
	var cfg BackendConfig
	var err error
	if cfg.Lookup, cfg.LookupField, err = ParseLookup(os.Getenv(EnvCustomerLookup)); err != nil {
		return BackendConfig{}, fmt.Errorf("netbox: %s: %w", EnvCustomerLookup, err)
	}
	for _, v := range []struct {
		env string
		dst *string
	}{{EnvSpeedField, &cfg.SpeedField}, {EnvOrigSpeedField, &cfg.OrigSpeedField}} {
		val := strings.TrimSpace(os.Getenv(v.env))
		if val != "" && !cfName.MatchString(val) {
			return BackendConfig{}, fmt.Errorf("netbox: %s: custom field name %q must be letters, digits and underscores", v.env, val)
		}
		*v.dst = val
	}
	if s := strings.TrimSpace(os.Getenv(EnvJournal)); s != "" {
		if cfg.Journal, err = strconv.ParseBool(s); err != nil {
			return BackendConfig{}, fmt.Errorf("netbox: %s: %q is not a boolean", EnvJournal, s)
		}
	}
	out, err := cfg.withDefaults()
	if err != nil {
		return BackendConfig{}, fmt.Errorf("%w (check %s and %s)", err, EnvSpeedField, EnvOrigSpeedField)
	}
	return out, nil
}

// TenantSlug suggests a slug for a new tenant named after a customer code,
// following NetBox's slugify for ASCII names. LookupTenant never uses it
// to find a tenant: several codes share one slug ("A.1", "A-1" and "A 1"
// all give "a-1"), so the lookup matches the slug as stored or the name
// exactly. Rules: lower case;
// runs of spaces, dots and hyphens become one "-"; other characters than
// a-z, 0-9, "_" and "-" are dropped; leading and trailing "-" are trimmed.
// Example: "ACME.Net 01" becomes "acme-net-01".
func TenantSlug(code string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(strings.TrimSpace(code)) {
		switch {
		case r == ' ' || r == '.' || r == '-' || r == '\t':
			dash = true
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_':
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		}
	}
	return b.String()
}
