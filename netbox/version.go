package netbox

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// Version is a NetBox release number as /api/status/ reports it
// ("netbox-version": "4.4.10").
type Version struct {
	// Major, Minor and Patch are the numeric parts; missing parts are 0.
	Major, Minor, Patch int
	// Raw is the reported string, e.g. "4.4.10" or "4.5.0-beta1".
	Raw string
}

// ParseVersion parses "4.4.10", "v3.1.11", "4.5" or "4.5.0-beta1" (the
// suffix is kept in Raw only). The error names the value.
func ParseVersion(s string) (Version, error) {
	v := Version{Raw: strings.TrimSpace(s)}
	core := strings.TrimPrefix(v.Raw, "v")
	if i := strings.IndexAny(core, "-+ "); i >= 0 {
		core = core[:i]
	}
	parts := strings.Split(core, ".")
	if core == "" || len(parts) > 3 {
		return Version{}, fmt.Errorf("netbox: version %q is not major.minor[.patch]", s)
	}
	nums := []*int{&v.Major, &v.Minor, &v.Patch}
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return Version{}, fmt.Errorf("netbox: version %q is not major.minor[.patch]", s)
		}
		*nums[i] = n
	}
	return v, nil
}

// String returns the reported version (or major.minor.patch when Raw is empty).
func (v Version) String() string {
	if v.Raw != "" {
		return v.Raw
	}
	return fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch)
}

// AtLeast reports whether v is major.minor.patch or newer.
func (v Version) AtLeast(major, minor, patch int) bool {
	if v.Major != major {
		return v.Major > major
	}
	if v.Minor != minor {
		return v.Minor > minor
	}
	return v.Patch >= patch
}

// ObjectTypesField is the name of a custom field's model list on this
// version: "object_types" from NetBox 4.0, "content_types" before.
func (v Version) ObjectTypesField() string {
	if v.Major >= 4 {
		return "object_types"
	}
	return "content_types"
}

// SupportsBearer reports whether the version accepts v2 tokens with
// "Authorization: Bearer" (NetBox 4.5 and newer).
func (v Version) SupportsBearer() bool { return v.AtLeast(4, 5, 0) }

// RejectsUnknownCustomFields reports whether a PATCH naming an undefined
// custom field is refused with 400 (NetBox 3.x and 4.5.8+). NetBox 4.0 to
// 4.5.7 ignore such a field silently and answer 200.
func (v Version) RejectsUnknownCustomFields() bool {
	return v.Major < 4 || v.AtLeast(4, 5, 8)
}

// Status is the part of /api/status/ the client uses.
type Status struct {
	// NetBoxVersion is "netbox-version", e.g. "4.4.10".
	NetBoxVersion string `json:"netbox-version"`
	// NetBoxFullVersion is "netbox-full-version" (NetBox 4.x only).
	NetBoxFullVersion string `json:"netbox-full-version"`
	// PythonVersion is "python-version".
	PythonVersion string `json:"python-version"`
}

const statusPath = "/api/status/"

// Status reads /api/status/.
func (c *Client) Status(ctx context.Context) (Status, error) {
	var st Status
	err := c.do(ctx, http.MethodGet, c.apiURL(statusPath, nil), nil, &st)
	return st, err
}

// ServerVersion returns the server's NetBox version, read from /api/status/
// once per client: later calls answer from memory, and so does a server
// without a usable version (404, no netbox-version); other failed reads
// (authentication, the network) are tried again next time.
func (c *Client) ServerVersion(ctx context.Context) (Version, error) {
	c.mu.Lock()
	if c.version != nil || c.versionErr != nil {
		v, err := c.version, c.versionErr
		c.mu.Unlock()
		if err != nil {
			return Version{}, err
		}
		return *v, nil
	}
	c.mu.Unlock()
	st, err := c.Status(ctx)
	if err != nil {
		err = fmt.Errorf("netbox: read the server version: %w", err)
		if errors.Is(err, ErrNotFound) {
			c.mu.Lock()
			c.versionErr = err
			c.mu.Unlock()
		}
		return Version{}, err
	}
	v, err := ParseVersion(st.NetBoxVersion)
	if err != nil {
		c.mu.Lock()
		c.versionErr = err
		c.mu.Unlock()
		return Version{}, err
	}
	c.mu.Lock()
	c.version = &v
	c.mu.Unlock()
	return v, nil
}

// ErrBearerUnsupported matches the error of a request made with a v2 token
// ("Authorization: Bearer", NetBox 4.5+) to an older NetBox, which does not
// know the scheme and answers 403 "Authentication credentials were not
// provided.".
var ErrBearerUnsupported = errors.New("netbox: v2 token (Bearer) needs NetBox 4.5 or newer")

// bearerError explains a 403 to a Bearer request when the server's
// API-Version header says it is older than 4.5.
func bearerError(apiVersion string, err error) error {
	v, perr := ParseVersion(apiVersion)
	if perr != nil || v.SupportsBearer() {
		return err
	}
	return fmt.Errorf("%w: the server is NetBox %s; use a v1 token (NETBOXTOKEN without the nbt_ prefix), "+
		"which is sent as \"Authorization: Token\": %w", ErrBearerUnsupported, apiVersion, err)
}
