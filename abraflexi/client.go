package abraflexi

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// Defaults of a [Client].
const (
	DefaultPageSize  = 1000
	DefaultBatchSize = 500
	DefaultTimeout   = 60 * time.Second
	defaultRetryMax  = 4
	defaultRetryMin  = 200 * time.Millisecond
	defaultRetryMaxW = 5 * time.Second
	// maxRetryAfter caps a server's Retry-After: the wait before a retry
	// is at most max(maxWait, maxRetryAfter).
	maxRetryAfter = 30 * time.Second
)

// boundedBackoff is go-retryablehttp's exponential backoff, honouring a
// 429/503 Retry-After only up to max(maxWait, maxRetryAfter), so a server
// asking for hours cannot park a request. The wait is cut short by the
// request's context.
func boundedBackoff(minWait, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
	d := retryablehttp.DefaultBackoff(minWait, maxWait, attempt, resp)
	if limit := max(maxWait, maxRetryAfter); d > limit {
		d = limit
	}
	return d
}

// Client is a typed AbraFlexi REST client for one company. It is safe for
// concurrent use. Build it with [NewClient].
type Client struct {
	// Addresses is the address book (adresar).
	Addresses *Service[Address]
	// Contracts are the customer contracts (smlouva).
	Contracts *Service[Contract]
	// IssuedInvoices are the issued invoices (faktura-vydana).
	IssuedInvoices *Service[IssuedInvoice]
	// Bank are the bank movements (banka).
	Bank *Service[BankMovement]
	// Cash are the cash movements (pokladni-pohyb).
	Cash *Service[CashMovement]
	// Labels are the label definitions (stitek).
	Labels *Service[Label]

	cfg      Config
	base     *url.URL // scheme://host[:port][/prefix], no user info
	hc       *retryablehttp.Client
	log      *slog.Logger
	pageSize int
	// suffixFlipped: the server reads order=id@A as ascending (see
	// ascendingID).
	suffixFlipped atomic.Bool
	// company is the outcome of the company check (see checkCompany).
	company atomic.Int32
}

// NewClient validates cfg and returns a client. The configuration is
// checked with [Config.Validate]; no request is sent.
func NewClient(cfg Config, opts ...Option) (*Client, error) {
	cfg, err := cfg.normalized(goNames)
	if err != nil {
		return nil, err
	}
	o := clientOptions{retryMax: defaultRetryMax, retryMin: defaultRetryMin, retryMaxW: defaultRetryMaxW}
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	if o.retryMax < 0 || o.retryMin < 0 || o.retryMaxW < o.retryMin {
		return nil, fmt.Errorf("%w: invalid retry settings", ErrInvalidConfig)
	}
	base, _ := url.Parse(cfg.URL) // validated
	base.User = nil
	base.Path = strings.TrimRight(base.Path, "/")
	base.RawPath = ""

	c := &Client{cfg: cfg, base: base, log: o.logger, pageSize: cfg.PageSize}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.pageSize <= 0 {
		c.pageSize = DefaultPageSize
	}
	hc, err := c.newHTTPClient(o.httpClient)
	if err != nil {
		return nil, err
	}
	c.hc = &retryablehttp.Client{
		HTTPClient:   hc,
		Logger:       nil, // never the library's default logger; see logRetry
		RetryWaitMin: o.retryMin,
		RetryWaitMax: o.retryMaxW,
		RetryMax:     o.retryMax,
		CheckRetry:   checkRetry,
		Backoff:      boundedBackoff,
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
		// One short warning per retry: the request without its query
		// (full URLs are logged at debug level only) and why.
		RequestLogHook: func(_ retryablehttp.Logger, r *http.Request, attempt int) {
			if attempt > 0 {
				c.log.LogAttrs(r.Context(), slog.LevelWarn, "abraflexi: retrying",
					slog.String("request", r.Method+" "+shortURL(sanitizeURL(r.URL))), slog.Int("attempt", attempt+1),
					slog.String("after", retryReason(r.Context())))
			}
		},
	}
	c.Addresses = NewService[Address](c)
	c.Contracts = NewService[Contract](c)
	c.IssuedInvoices = NewService[IssuedInvoice](c)
	c.Bank = NewService[BankMovement](c)
	c.Cash = NewService[CashMovement](c)
	c.Labels = NewService[Label](c)
	return c, nil
}

// NewService returns a typed service for any model T on c, for evidences
// the Client has no field for.
func NewService[T Record](c *Client) *Service[T] {
	var zero T
	return &Service[T]{c: c, evidence: zero.Evidence()}
}

// Company returns the company database name the client works on.
func (c *Client) Company() string { return c.cfg.Company }

// BaseURL returns the server URL without credentials.
func (c *Client) BaseURL() string { return c.base.String() }

// newHTTPClient builds the *http.Client under the retrying client: the
// caller's transport and timeout, TLS verification off only when
// configured, and a redirect policy that keeps Basic auth on same-host
// redirects only.
func (c *Client) newHTTPClient(user *http.Client) (*http.Client, error) {
	var rt http.RoundTripper
	timeout := c.cfg.Timeout
	if user != nil {
		rt = user.Transport
		if timeout == 0 {
			timeout = user.Timeout
		}
	}
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	if rt == nil {
		rt = http.DefaultTransport.(*http.Transport).Clone()
	}
	if c.cfg.InsecureSkipVerify {
		t, ok := rt.(*http.Transport)
		if !ok {
			return nil, fmt.Errorf("%w: InsecureSkipVerify needs an *http.Transport, the HTTP client has %T", ErrInvalidConfig, rt)
		}
		t = t.Clone()
		if t.TLSClientConfig == nil {
			t.TLSClientConfig = &tls.Config{}
		}
		t.TLSClientConfig.InsecureSkipVerify = true // explicitly configured for self-signed servers
		rt = t
	}
	return &http.Client{Transport: rt, Timeout: timeout, CheckRedirect: c.checkRedirect}, nil
}

// checkRedirect follows the 303 that code:/ext: detail URLs answer with.
// Basic auth is kept on redirects to the same scheme and host only, and a
// query string lost by the redirect (detail=, relations=) is carried over.
func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return errTooManyRedirects
	}
	first := via[0]
	if req.URL.Scheme == first.URL.Scheme && strings.EqualFold(req.URL.Host, first.URL.Host) {
		req.SetBasicAuth(c.cfg.Login, c.cfg.Password)
		if req.URL.RawQuery == "" && first.URL.RawQuery != "" {
			req.URL.RawQuery = first.URL.RawQuery
		}
	} else {
		req.Header.Del("Authorization")
	}
	return nil
}
