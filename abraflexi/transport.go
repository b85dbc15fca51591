package abraflexi

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// retryClass tells checkRetry how safe it is to send a request again.
type retryClass uint8

const (
	// retryRead: reads (GET) are retried on connection errors, 429 and
	// 502/503/504.
	retryRead retryClass = iota
	// retryIdempotent: writes that are idempotent by construction (upserts
	// keyed by code:/ext: ids, label writes) are retried like reads.
	retryIdempotent
	// retryUnreached: other writes are retried only when the request
	// provably never reached the server (dial error).
	retryUnreached
	// retryNever: writes that must not be sent again as they were (a
	// label set computed from a read); the caller reads again instead.
	retryNever
)

type retryClassKey struct{}

// retryNote holds why the previous attempt of a request failed, for the
// retry's log line.
type retryNote struct {
	mu     sync.Mutex
	reason string
}

type retryNoteKey struct{}

func withRetryClass(ctx context.Context, rc retryClass) context.Context {
	return context.WithValue(context.WithValue(ctx, retryClassKey{}, rc), retryNoteKey{}, &retryNote{})
}

func noteRetry(ctx context.Context, resp *http.Response, err error) {
	n, ok := ctx.Value(retryNoteKey{}).(*retryNote)
	if !ok {
		return
	}
	reason := "?"
	switch {
	case err != nil:
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		reason = err.Error()
	case resp != nil:
		reason = resp.Status
	}
	n.mu.Lock()
	n.reason = reason
	n.mu.Unlock()
}

func retryReason(ctx context.Context) string {
	n, ok := ctx.Value(retryNoteKey{}).(*retryNote)
	if !ok {
		return ""
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.reason
}

func retryClassOf(ctx context.Context) retryClass {
	if rc, ok := ctx.Value(retryClassKey{}).(retryClass); ok {
		return rc
	}
	return retryUnreached // unknown requests are treated as unsafe
}

// checkRetry is the retry policy (replacing go-retryablehttp's default one,
// which retries every 5xx whatever the method).
func checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	retry, cerr := retryPolicy(ctx, resp, err)
	if retry {
		noteRetry(ctx, resp, err)
	}
	return retry, cerr
}

func retryPolicy(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	rc := retryClassOf(ctx)
	if rc == retryNever {
		return false, nil
	}
	if err != nil {
		if isPermanentTransportError(err) {
			return false, nil
		}
		if rc == retryUnreached {
			return isDialError(err), nil
		}
		return true, nil
	}
	if rc == retryUnreached || resp == nil {
		return false, nil
	}
	return isTemporaryStatus(resp.StatusCode), nil
}

// isDialError reports whether err happened while connecting, before any
// byte of the request was sent (connection refused, DNS failure).
func isDialError(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}

// isTLSError reports whether err is a failed TLS handshake: a certificate
// that does not verify, or a server that does not speak TLS.
func isTLSError(err error) bool {
	var (
		cv  *tls.CertificateVerificationError
		ua  x509.UnknownAuthorityError
		he  x509.HostnameError
		ci  x509.CertificateInvalidError
		rec tls.RecordHeaderError
	)
	return errors.As(err, &cv) || errors.As(err, &ua) || errors.As(err, &he) || errors.As(err, &ci) || errors.As(err, &rec)
}

func isPermanentTransportError(err error) bool {
	if isTLSError(err) {
		return true
	}
	var ue *url.Error
	if errors.As(err, &ue) && ue.Op != "" && errors.Is(ue.Err, errTooManyRedirects) {
		return true
	}
	return false
}

var errTooManyRedirects = errors.New("abraflexi: stopped after 10 redirects")

// request is one call to the API below /c/{company}.
type request struct {
	method string
	// path is the already escaped part after /c/{company}, e.g.
	// "/adresar/(kod%20eq%20'A').json".
	path   string
	query  url.Values
	body   []byte
	accept string
	class  retryClass
	// maxBody bounds a successful response body (default 256 MiB).
	maxBody int64
}

// response is a successful (2xx) answer.
type response struct {
	status int
	body   []byte
	url    *url.URL // after redirects
	reqURL *url.URL // as asked
	ctype  string
}

// transportError wraps a failure to get any response.
type transportError struct {
	method, url string
	err         error
}

// Error names the server's host and what to check: the address for a
// failed connection, the certificate for a TLS failure.
func (e *transportError) Error() string {
	host := hostOf(e.url)
	switch {
	case isDialError(e.err):
		return fmt.Sprintf("abraflexi: cannot connect to AbraFlexi at %s (%s): %v", host, EnvURL, e.err)
	case isTLSError(e.err):
		return fmt.Sprintf("abraflexi: TLS with AbraFlexi at %s failed (%s): %v; for a self-signed certificate set %s=true", host, EnvURL, e.err, EnvInsecure)
	}
	return fmt.Sprintf("abraflexi: %s %s: %v", e.method, shortURL(e.url), e.err)
}
func (e *transportError) Unwrap() error { return e.err }

func (c *Client) endpoint(path string, q url.Values) (*url.URL, error) {
	raw := c.base.String() + "/c/" + escapeSegment(c.cfg.Company) + path
	if len(q) > 0 {
		raw += "?" + q.Encode()
	}
	return url.Parse(raw)
}

// do sends r with the retry policy of its class. A 2xx answer is returned
// as a response; any other status as an *APIError; no answer as a
// *transportError.
func (c *Client) do(ctx context.Context, r request) (*response, error) {
	u, err := c.endpoint(r.path, r.query)
	if err != nil {
		return nil, fmt.Errorf("abraflexi: build URL: %w", err)
	}
	var body any
	if r.body != nil {
		body = r.body
	}
	req, err := retryablehttp.NewRequestWithContext(withRetryClass(ctx, r.class), r.method, u.String(), body)
	if err != nil {
		return nil, fmt.Errorf("abraflexi: build request: %w", err)
	}
	req.SetBasicAuth(c.cfg.Login, c.cfg.Password)
	accept := r.accept
	if accept == "" {
		accept = "application/json"
	}
	req.Header.Set("Accept", accept)
	if r.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	start := time.Now()
	resp, err := c.hc.Do(req)
	su := sanitizeURL(u)
	if err != nil {
		if resp != nil {
			resp.Body.Close()
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
			err = fmt.Errorf("%w (%v)", ctxErr, err)
		}
		c.log.LogAttrs(ctx, slog.LevelDebug, "abraflexi: request failed",
			slog.String("method", r.method), slog.String("url", su),
			slog.Duration("duration", time.Since(start)), slog.String("error", err.Error()))
		return nil, &transportError{method: r.method, url: su, err: err}
	}
	defer resp.Body.Close()
	final := resp.Request.URL // after redirects
	c.log.LogAttrs(ctx, slog.LevelDebug, "abraflexi: request",
		slog.String("method", r.method), slog.String("url", su), slog.Int("status", resp.StatusCode),
		slog.Duration("duration", time.Since(start)))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorRead))
		ae := c.scrub(newAPIError(r.method, u, resp.StatusCode, b))
		if ae.StatusCode == http.StatusNotFound {
			if ce := c.checkCompany(ctx, ae); ce != nil {
				return nil, ce
			}
		}
		return nil, ae
	}
	limit := r.maxBody
	if limit <= 0 {
		limit = 256 << 20
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, &transportError{method: r.method, url: su, err: fmt.Errorf("read body: %w", err)}
	}
	if int64(len(b)) > limit {
		return nil, &transportError{method: r.method, url: su, err: fmt.Errorf("response body larger than %d bytes", limit)}
	}
	return &response{status: resp.StatusCode, body: b, url: final, reqURL: u, ctype: resp.Header.Get("Content-Type")}, nil
}

// secrets returns the strings that must never appear in an error: the
// password and the Basic credentials as sent (base64 and, for good measure,
// user:password).
func (c *Client) secrets() []string {
	if c.cfg.Password == "" {
		return nil
	}
	pair := c.cfg.Login + ":" + c.cfg.Password
	return []string{base64.StdEncoding.EncodeToString([]byte(pair)), pair, c.cfg.Password}
}

// scrub removes credentials a server or proxy may echo back (some error
// pages repeat the request headers, Authorization included) from e, and
// notes the login for the message of a 401.
func (c *Client) scrub(e *APIError) *APIError {
	e.login = c.cfg.Login
	sec := c.secrets()
	if len(sec) == 0 {
		return e
	}
	clean := func(s string) string {
		for _, x := range sec {
			s = strings.ReplaceAll(s, x, redacted)
		}
		return s
	}
	e.Body = clean(e.Body)
	for i := range e.Messages {
		m := &e.Messages[i]
		m.Message, m.Value, m.Path, m.For = clean(m.Message), clean(m.Value), clean(m.Path), clean(m.For)
	}
	for i := range e.wire {
		w := &e.wire[i]
		for _, ms := range [][]Message{w.Errors, w.Warnings, w.Infos} {
			for j := range ms {
				ms[j].Message, ms[j].Value, ms[j].Path, ms[j].For = clean(ms[j].Message), clean(ms[j].Value), clean(ms[j].Path), clean(ms[j].For)
			}
		}
	}
	return e
}
