package netbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// Client talks to the NetBox REST API. It is safe for concurrent use.
type Client struct {
	base   *url.URL // NetBox root, without /api
	auth   string
	http   *retryablehttp.Client // reads: retried, Timeout per attempt
	write  *retryablehttp.Client // writes: never retried, WriteTimeout
	logger *slog.Logger

	writeTimeout time.Duration

	mu         sync.Mutex
	version    *Version // nil until read
	versionErr error    // a lasting failure to learn it (no /api/status/, no version in it)
}

// New returns a client for the validated configuration.
func New(cfg Config) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	base, err := url.Parse(strings.TrimSpace(cfg.URL))
	if err != nil {
		return nil, fmt.Errorf("netbox: parse URL: %w", err)
	}
	base.Path = strings.TrimSuffix(strings.TrimSuffix(base.Path, "/"), "/api")
	base.RawQuery, base.Fragment = "", ""

	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	newHTTP := func(timeout time.Duration, retries int) *retryablehttp.Client {
		rc := retryablehttp.NewClient()
		rc.HTTPClient.Timeout = timeout
		if cfg.Transport != nil {
			rc.HTTPClient.Transport = cfg.Transport
		}
		rc.RetryMax = retries
		rc.RetryWaitMin = orDefault(cfg.RetryWaitMin, DefaultRetryWaitMin)
		rc.RetryWaitMax = orDefault(cfg.RetryWaitMax, DefaultRetryWaitMax)
		if rc.RetryWaitMax < rc.RetryWaitMin {
			rc.RetryWaitMax = rc.RetryWaitMin
		}
		rc.CheckRetry = checkRetry
		rc.ErrorHandler = retryablehttp.PassthroughErrorHandler
		rc.Logger = nil // never the library's stderr logger
		if cfg.Logger != nil {
			rc.Logger = retryablehttp.LeveledLogger(cfg.Logger)
		}
		return rc
	}
	retries := cfg.RetryMax
	if retries == 0 {
		retries = DefaultRetryMax
	} else if retries < 0 {
		retries = 0
	}
	writeTimeout := orDefault(cfg.WriteTimeout, DefaultWriteTimeout)
	return &Client{
		base: base, auth: authorization(cfg.Token), logger: logger, writeTimeout: writeTimeout,
		http:  newHTTP(orDefault(cfg.Timeout, DefaultTimeout), retries),
		write: newHTTP(writeTimeout, 0),
	}, nil
}

// WriteTimeout is the time one write request may take (Config.WriteTimeout
// or DefaultWriteTimeout).
func (c *Client) WriteTimeout() time.Duration { return c.writeTimeout }

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

type retryKey struct{}

// withRetry marks a request as safe to repeat (reads only).
func withRetry(ctx context.Context) context.Context {
	return context.WithValue(ctx, retryKey{}, true)
}

// checkRetry retries only requests marked by withRetry, and only on
// connection errors and 502, 503 and 504.
func checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	if ok, _ := ctx.Value(retryKey{}).(bool); !ok {
		return false, nil
	}
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) && strings.Contains(uerr.Error(), "unsupported protocol scheme") {
			return false, nil
		}
		return true, nil
	}
	switch resp.StatusCode {
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true, nil
	}
	return false, nil
}

// apiURL resolves an API path (e.g. "/api/ipam/ip-addresses/") with a query.
func (c *Client) apiURL(path string, q url.Values) string {
	u := *c.base
	u.Path = c.base.Path + path
	if len(q) > 0 {
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// do sends a request and decodes a 2xx JSON answer into out (when non-nil).
// rawURL may be absolute (a next link) or an API path.
func (c *Client) do(ctx context.Context, method, rawURL string, body, out any) error {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return fmt.Errorf("netbox: encode %s body: %w", method, err)
		}
	}
	hc := c.write
	if method == http.MethodGet {
		ctx, hc = withRetry(ctx), c.http
	}
	var reqBody any
	if payload != nil {
		reqBody = payload
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, method, rawURL, reqBody)
	if err != nil {
		return fmt.Errorf("netbox: build request: %w", err)
	}
	req.Header.Set("Authorization", c.auth)
	req.Header.Set("Accept", "application/json")
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	path := req.URL.Path
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("netbox: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("netbox: %s %s: read body: %w", method, path, err)
	}
	c.logger.DebugContext(ctx, "netbox request", "method", method, "path", path, "status", resp.StatusCode)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		apiErr := newAPIError(resp.StatusCode, method, path, c.scrub(data))
		if resp.StatusCode == http.StatusForbidden && strings.HasPrefix(c.auth, "Bearer ") {
			return bearerError(resp.Header.Get("API-Version"), apiErr)
		}
		return apiErr
	}
	if out == nil || len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("netbox: %s %s: decode answer: %w", method, path, err)
	}
	return nil
}

// rebase turns a next link into a URL on the configured server. NetBox builds next links from the request's Host, which a proxy may
// rewrite; the client keeps its own scheme and host and takes only the
// path and query from the link.
func (c *Client) rebase(link string) (string, error) {
	u, err := url.Parse(link)
	if err != nil {
		return "", fmt.Errorf("netbox: bad next link: %w", err)
	}
	v := *c.base
	v.Path, v.RawPath, v.RawQuery = u.Path, u.RawPath, u.RawQuery
	return v.String(), nil
}

// Page is one page of a NetBox list answer.
type Page[T any] struct {
	Count    *int    `json:"count"`    // number of matching objects (nil in cursor mode)
	Next     *string `json:"next"`     // URL of the next page, nil on the last
	Previous *string `json:"previous"` // URL of the previous page
	Results  []T     `json:"results"`  // objects of this page
}

// ErrInconsistentListing matches the error of a listing whose pages are
// not in the order the client asked for (ordering=id), so that paging by
// id could skip or repeat objects. The listing stops rather than return a
// partial result.
var ErrInconsistentListing = errors.New("netbox: inconsistent listing")

// keyset reports whether listings can page by id on this server: NetBox
// 4.x honours ordering=id and id__gt. A server whose version cannot be
// read (no /api/status/, an unparsable answer) is paged by offset, as are
// NetBox 3.x servers. Authentication errors are returned.
func (c *Client) keyset(ctx context.Context) (bool, error) {
	v, err := c.ServerVersion(ctx)
	if err == nil {
		return v.Major >= 4, nil
	}
	if errors.Is(err, ErrForbidden) || errors.Is(err, ErrUnauthorized) || ctx.Err() != nil {
		return false, err
	}
	return false, nil
}

// list iterates over all objects of a list endpoint. On NetBox 4.x it pages
// by id: every page is asked with ordering=id, the next one with id__gt set
// to the last id seen, so objects that change, appear or disappear between
// two pages never shift the others (offset paging over NetBox's default
// order by address skips or repeats rows then). A page out of id order
// stops the listing with [ErrInconsistentListing]. Other servers are paged
// by their next links; objects already seen are dropped.
func list[T any](ctx context.Context, c *Client, path string, q url.Values, id func(T) int64, yield func(T, error) bool) {
	byID, err := c.keyset(ctx)
	if err != nil {
		yield(*new(T), err)
		return
	}
	q = cloneValues(q)
	if byID {
		q.Set("ordering", "id")
		q.Del("offset")
	}
	next := c.apiURL(path, q)
	seen := map[int64]bool{}
	fetched := map[string]bool{}
	var last int64
	for next != "" {
		if fetched[next] {
			yield(*new(T), fmt.Errorf("netbox: GET %s: pagination loop: next link repeats", path))
			return
		}
		fetched[next] = true
		var page Page[T]
		if err := c.do(ctx, http.MethodGet, next, nil, &page); err != nil {
			yield(*new(T), err)
			return
		}
		for _, item := range page.Results {
			k := id(item)
			if byID {
				if k <= last {
					yield(*new(T), fmt.Errorf("%w: GET %s: id %d after id %d although ordering=id was asked", ErrInconsistentListing, path, k, last))
					return
				}
				last = k
			}
			if seen[k] {
				continue
			}
			seen[k] = true
			if !yield(item, nil) {
				return
			}
		}
		next = ""
		if page.Next == nil || *page.Next == "" || len(page.Results) == 0 {
			break
		}
		if byID {
			nq := cloneValues(q)
			nq.Set("id__gt", strconv.FormatInt(last, 10))
			next = c.apiURL(path, nq)
			continue
		}
		n, err := c.rebase(*page.Next)
		if err != nil {
			yield(*new(T), err)
			return
		}
		next = n
	}
}

func cloneValues(q url.Values) url.Values {
	out := make(url.Values, len(q))
	for k, vs := range q {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// scrub removes the token (and the whole Authorization value) from an error
// body, in case a proxy or a misbehaving server echoes the request headers
// back: an APIError's text reaches logs and reports.
func (c *Client) scrub(body []byte) []byte {
	for _, secret := range []string{c.auth, strings.TrimPrefix(strings.TrimPrefix(c.auth, "Token "), "Bearer ")} {
		if len(secret) >= 4 {
			body = bytes.ReplaceAll(body, []byte(secret), []byte("REDACTED"))
		}
	}
	return body
}
