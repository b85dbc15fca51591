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
	"strings"

	"github.com/hashicorp/go-retryablehttp"
)

// Client talks to the NetBox REST API. It is safe for concurrent use.
type Client struct {
	base   *url.URL // NetBox root, without /api
	auth   string
	http   *retryablehttp.Client
	logger *slog.Logger
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

	rc := retryablehttp.NewClient()
	rc.HTTPClient.Timeout = orDefault(cfg.Timeout, DefaultTimeout)
	rc.RetryMax = cfg.RetryMax
	if cfg.RetryMax == 0 {
		rc.RetryMax = DefaultRetryMax
	} else if cfg.RetryMax < 0 {
		rc.RetryMax = 0
	}
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
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Client{base: base, auth: authorization(cfg.Token), http: rc, logger: logger}, nil
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

type retryKey struct{}

// withRetry marks a request as safe to repeat (reads, PATCH with explicit values).
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
	if method == http.MethodGet || method == http.MethodPatch {
		ctx = withRetry(ctx)
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
	resp, err := c.http.Do(req)
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
		return newAPIError(resp.StatusCode, method, path, c.scrub(data))
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

// list iterates over all pages of a list endpoint, de-duplicating by id.
func list[T any](ctx context.Context, c *Client, path string, q url.Values, id func(T) int64, yield func(T, error) bool) {
	next := c.apiURL(path, q)
	seen := map[int64]bool{}
	fetched := map[string]bool{}
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
			if k := id(item); seen[k] {
				continue
			} else {
				seen[k] = true
			}
			if !yield(item, nil) {
				return
			}
		}
		next = ""
		if page.Next != nil && *page.Next != "" && len(page.Results) > 0 {
			n, err := c.rebase(*page.Next)
			if err != nil {
				yield(*new(T), err)
				return
			}
			next = n
		}
	}
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
