package abraflexi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Sentinel errors. An [*APIError] matches the sentinel of its HTTP status
// with [errors.Is].
var (
	// ErrNotFound: the record or evidence does not exist (HTTP 404).
	ErrNotFound = errors.New("abraflexi: not found")
	// ErrUnauthorized: login required or wrong credentials (HTTP 401).
	ErrUnauthorized = errors.New("abraflexi: unauthorized")
	// ErrForbidden: the user or licence lacks the permission (HTTP 403).
	ErrForbidden = errors.New("abraflexi: forbidden")
	// ErrWriteAPIDisabled: the licence does not include the write REST API
	// (HTTP 402).
	ErrWriteAPIDisabled = errors.New("abraflexi: write API not enabled on the licence")
	// ErrInvalidFilter is wrapped by every error of a [Filter] that cannot
	// be built safely.
	ErrInvalidFilter = errors.New("abraflexi: invalid filter")
	// ErrInvalidConfig is wrapped by [Config.Validate] errors and matched
	// (errors.Is) by those of [ConfigFromLookup] and [ConfigFromEnv].
	ErrInvalidConfig = errors.New("abraflexi: invalid config")
	// ErrAlreadyPaired is returned by [Client.Pair] when the payment was
	// already paired before the call; nothing is written.
	ErrAlreadyPaired = errors.New("abraflexi: payment is already paired")
	// ErrOutcomeUnknown is returned (joined with the original failure) when
	// a non-idempotent write failed ambiguously and its effect could not be
	// checked afterwards. Do not retry blindly.
	ErrOutcomeUnknown = errors.New("abraflexi: outcome of the write is unknown")
	// ErrInconsistentListing is wrapped by the error of a listing whose
	// pages the server did not return in ascending id order (a record id
	// not above the previous one), so records could have been skipped or
	// repeated. The listing stops with it instead of yielding a partial
	// result as if it were complete.
	ErrInconsistentListing = errors.New("abraflexi: inconsistent listing")
	// ErrUnexpectedResponse is wrapped when the server answered a success
	// status (2xx) with a body that is not an AbraFlexi (winstrom) answer,
	// for example the HTML login page of a proxy or a single sign-on
	// gateway. After a write it is joined with [ErrOutcomeUnknown] unless
	// the write's outcome could be checked by reading the records again.
	ErrUnexpectedResponse = errors.New("abraflexi: the answer is not an AbraFlexi response")
	// ErrUnknownCompany is matched by the error of a request to a company
	// (ABRAFLEXI_COMPANY, [Config.Company]) the server does not have; see
	// [CompanyError].
	ErrUnknownCompany = errors.New("abraflexi: unknown company")
)

// maxErrorBody bounds how much of an error response is kept in
// [APIError.Body]; maxErrorRead bounds how much is read and parsed.
const (
	maxErrorBody = 8 << 10
	maxErrorRead = 1 << 20
)

// APIError is the error of every request the server answered with a
// failure status (or with "success": "false"). It never holds credentials:
// URL is sanitised and the request body is not kept.
type APIError struct {
	// StatusCode is the HTTP status.
	StatusCode int
	// Method is the request's HTTP method.
	Method string
	// URL is the request URL without user info and without session tokens.
	URL string
	// Messages are the server's messages: the top-level winstrom.message
	// and every results[].errors[] entry.
	Messages []Message
	// Results are the per-record results of a failed write (their Index
	// refers to the caller's slice), nil for reads.
	Results []WriteResult
	// Body is the start of the response body (truncated).
	Body string

	wire  []wireResult // parsed results, for mapping to caller indexes
	login string       // the login the request was sent with, for a 401
}

// Error summarises the failure in a line an operator can act on: for 401,
// 402 and 403 what to check (naming ABRAFLEXI_LOGIN/ABRAFLEXI_PASSWORD for
// a 401), otherwise the method, the URL without its query and with a long
// filter shortened, the status and the first server messages. The full
// URL is in the URL field.
func (e *APIError) Error() string {
	var b strings.Builder
	host := hostOf(e.URL)
	switch e.StatusCode {
	case http.StatusUnauthorized:
		fmt.Fprintf(&b, "abraflexi: AbraFlexi rejected %s/%s (login %q at %s: %d %s)", EnvLogin, EnvPassword, e.login, host, e.StatusCode, http.StatusText(e.StatusCode))
	case http.StatusForbidden:
		fmt.Fprintf(&b, "abraflexi: AbraFlexi at %s refused %s %s for %s=%q (%d %s): the user lacks the permission, or the licence does not include the REST API",
			host, e.Method, shortURL(e.URL), EnvLogin, e.login, e.StatusCode, http.StatusText(e.StatusCode))
	case http.StatusPaymentRequired:
		fmt.Fprintf(&b, "abraflexi: the licence of AbraFlexi at %s does not include the write REST API (%s %s: %d %s)",
			host, e.Method, shortURL(e.URL), e.StatusCode, http.StatusText(e.StatusCode))
	default:
		fmt.Fprintf(&b, "abraflexi: %s %s: %d %s", e.Method, shortURL(e.URL), e.StatusCode, http.StatusText(e.StatusCode))
	}
	for i, m := range e.Messages {
		if i == 3 {
			fmt.Fprintf(&b, " (and %d more)", len(e.Messages)-3)
			break
		}
		b.WriteString(": ")
		if m.For != "" {
			b.WriteString(m.For)
			b.WriteString(": ")
		}
		b.WriteString(m.Message)
	}
	return b.String()
}

// Is reports whether target is the sentinel of e's status: [ErrNotFound],
// [ErrUnauthorized], [ErrForbidden] or [ErrWriteAPIDisabled].
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden
	case ErrWriteAPIDisabled:
		return e.StatusCode == http.StatusPaymentRequired
	}
	return false
}

// Temporary reports whether the status suggests that repeating the request
// later may succeed (429, 502, 503, 504).
func (e *APIError) Temporary() bool { return isTemporaryStatus(e.StatusCode) }

func isTemporaryStatus(code int) bool {
	switch code {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// CompanyError is the error of a request to a company the server does not
// have: ABRAFLEXI_COMPANY ([Config.Company]) is wrong. It matches
// [ErrUnknownCompany], not [ErrNotFound] (no record is missing).
type CompanyError struct {
	// Company is the company asked for.
	Company string
	// Host is the server (host:port) that does not have it.
	Host string
	// Available lists the companies (dbNazev) the server has, when it
	// told.
	Available []string
	// Err is the server's answer to the request.
	Err *APIError
}

// Error names ABRAFLEXI_COMPANY, its value and the companies there are.
func (e *CompanyError) Error() string {
	msg := fmt.Sprintf("abraflexi: AbraFlexi at %s has no company %s=%q", e.Host, EnvCompany, e.Company)
	if len(e.Available) > 0 {
		msg += "; it has: " + strings.Join(e.Available, ", ")
	}
	return msg
}

// Is matches [ErrUnknownCompany].
func (e *CompanyError) Is(target error) bool { return target == ErrUnknownCompany }

// hostOf returns the host[:port] of a URL.
func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return raw
	}
	return u.Host
}

// shortURL renders a request URL for a message: without the query, with
// the path unescaped and a filter segment longer than 60 bytes cut short.
func shortURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	p := u.Path
	if i := strings.IndexByte(p, '('); i >= 0 {
		if j := strings.LastIndexByte(p, ')'); j > i+61 {
			p = p[:i+51] + "…" + p[j:]
		}
	}
	out := u.Scheme + "://" + u.Host + p
	if u.Scheme == "" {
		out = p
	}
	return out
}

// newAPIError builds the error of a failed response from its (already
// bounded) body.
func newAPIError(method string, u *url.URL, status int, body []byte) *APIError {
	e := &APIError{StatusCode: status, Method: method, URL: sanitizeURL(u)}
	b := body
	if len(b) > maxErrorBody {
		b = b[:maxErrorBody]
	}
	e.Body = strings.ToValidUTF8(string(b), "\uFFFD")
	if wr, err := parseWriteResponse(body); err == nil {
		if wr.Message != "" {
			e.Messages = append(e.Messages, Message{Message: wr.Message})
		}
		for _, r := range wr.Results {
			e.Messages = append(e.Messages, r.Errors...)
		}
		e.wire = wr.Results
	}
	return e
}

// sanitizeURL renders u without user info and with session tokens redacted.
func sanitizeURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	c.User = nil
	if c.RawQuery != "" {
		q := c.Query()
		changed := false
		for k := range q {
			switch strings.ToLower(k) {
			case "authsessionid", "password", "token", "refreshtoken":
				q[k] = []string{"REDACTED"}
				changed = true
			}
		}
		if changed {
			c.RawQuery = q.Encode()
		}
	}
	return c.String()
}

// wireResponse is the winstrom object of write and error responses.
type wireResponse struct {
	Success string
	Message string
	Results []wireResult
	Stats   map[string]string
}

type wireResult struct {
	ID        string
	RequestID string
	Ref       string
	Code      string
	Errors    []Message
	Warnings  []Message
	Infos     []Message
}

// parseWriteResponse decodes {"winstrom":{"success","message","results"}}
// leniently: scalars may be strings, numbers or booleans.
func parseWriteResponse(body []byte) (*wireResponse, error) {
	var env struct {
		Winstrom map[string]json.RawMessage `json:"winstrom"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, err
	}
	if env.Winstrom == nil {
		return nil, errors.New("abraflexi: response has no winstrom object")
	}
	w := env.Winstrom
	out := &wireResponse{
		Success: scalarString(w["success"]),
		Message: scalarString(w["message"]),
	}
	if raw, ok := w["stats"]; ok {
		var m map[string]json.RawMessage
		if json.Unmarshal(raw, &m) == nil {
			out.Stats = map[string]string{}
			for k, v := range m {
				out.Stats[k] = scalarString(v)
			}
		}
	}
	if raw, ok := w["results"]; ok {
		var rs []map[string]json.RawMessage
		if err := json.Unmarshal(raw, &rs); err != nil {
			// A single result object.
			var one map[string]json.RawMessage
			if json.Unmarshal(raw, &one) == nil {
				rs = append(rs, one)
			}
		}
		for _, r := range rs {
			out.Results = append(out.Results, wireResult{
				ID:        scalarString(r["id"]),
				RequestID: scalarString(r["request-id"]),
				Ref:       scalarString(r["ref"]),
				Code:      scalarString(r["code"]),
				Errors:    parseMessages(r["errors"]),
				Warnings:  parseMessages(r["warnings"]),
				Infos:     parseMessages(r["infos"]),
			})
		}
	}
	return out, nil
}

// parseMessages reads an array (or a single object) of messages whose
// values may be of any scalar type.
func parseMessages(raw json.RawMessage) []Message {
	if len(raw) == 0 {
		return nil
	}
	var arr []map[string]json.RawMessage
	if err := json.Unmarshal(raw, &arr); err != nil {
		var one map[string]json.RawMessage
		if json.Unmarshal(raw, &one) != nil {
			return nil
		}
		arr = append(arr, one)
	}
	out := make([]Message, 0, len(arr))
	for _, m := range arr {
		out = append(out, Message{
			Message: scalarString(m["message"]),
			For:     scalarString(m["for"]),
			Path:    scalarString(m["path"]),
			Value:   scalarString(m["value"]),
			Code:    scalarString(m["code"]),
		})
	}
	return out
}
