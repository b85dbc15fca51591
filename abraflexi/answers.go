package abraflexi

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"
)

// UnexpectedResponseError is the error of a request the server answered
// with a success status (2xx) but with a body that is not an AbraFlexi
// answer: not JSON, no winstrom object, or a write answer that does not
// say "success": "true". A login or error page of a proxy or single
// sign-on gateway in front of AbraFlexi, answered with status 200, is the
// usual cause. It matches [ErrUnexpectedResponse]. On a write it comes
// joined with [ErrOutcomeUnknown] unless the outcome was checked by
// reading the records again (see the write methods).
type UnexpectedResponseError struct {
	// Method is the request's HTTP method.
	Method string
	// URL is the request URL without credentials.
	URL string
	// StatusCode is the HTTP status of the answer.
	StatusCode int
	// ContentType is the answer's Content-Type header.
	ContentType string
	// Body is the start of the answer (at most 200 bytes, credentials
	// removed).
	Body string
	// Reason says what is wrong with the answer.
	Reason string
}

// Error says what was asked, what came back and what to check.
func (e *UnexpectedResponseError) Error() string {
	ct := e.ContentType
	if ct == "" {
		ct = "no content type"
	}
	start := strings.Join(strings.Fields(e.Body), " ")
	if r := []rune(start); len(r) > 60 {
		start = string(r[:60]) + "…"
	}
	return fmt.Sprintf("abraflexi: %s %s answered %d (%s) with something that is not an AbraFlexi response (%s): a proxy or login page in front of AbraFlexi? check ABRAFLEXI_URL; the answer starts %q",
		e.Method, shortURL(e.URL), e.StatusCode, ct, e.Reason, start)
}

// Is matches [ErrUnexpectedResponse].
func (e *UnexpectedResponseError) Is(target error) bool { return target == ErrUnexpectedResponse }

// unexpected builds the error of a 2xx answer that is not AbraFlexi's.
func (c *Client) unexpected(method string, resp *response, reason error) *UnexpectedResponseError {
	b := resp.body
	if len(b) > 200 {
		b = b[:200]
		for len(b) > 0 && !utf8.Valid(b) {
			b = b[:len(b)-1]
		}
	}
	body := strings.ToValidUTF8(string(b), "\uFFFD")
	for _, x := range c.secrets() {
		body = strings.ReplaceAll(body, x, redacted)
	}
	return &UnexpectedResponseError{Method: method, URL: sanitizeURL(resp.reqURL), StatusCode: resp.status,
		ContentType: resp.ctype, Body: body, Reason: reason.Error()}
}

// outcomeUnknown marks err, the failure of a write whose effect is not
// known, with [ErrOutcomeUnknown].
type outcomeUnknown struct{ err error }

func (e *outcomeUnknown) Error() string {
	return e.err.Error() + "; the outcome of the write is unknown"
}
func (e *outcomeUnknown) Unwrap() error        { return e.err }
func (e *outcomeUnknown) Is(target error) bool { return target == ErrOutcomeUnknown }

// writeAnswer checks the answer of a successful (2xx) write: a winstrom
// object with "success": "true". "success": "false" is an *APIError; any
// other answer is an *UnexpectedResponseError marked outcome unknown.
func (c *Client) writeAnswer(method string, resp *response) (*wireResponse, error) {
	wr, err := parseWriteResponse(resp.body)
	if err != nil {
		return nil, &outcomeUnknown{c.unexpected(method, resp, err)}
	}
	switch strings.ToLower(wr.Success) {
	case "true":
		return wr, nil
	case "false":
		return nil, c.scrub(newAPIError(method, resp.reqURL, resp.status, resp.body))
	case "":
		return nil, &outcomeUnknown{c.unexpected(method, resp, errors.New(`the winstrom object has no "success"`))}
	}
	return nil, &outcomeUnknown{c.unexpected(method, resp, fmt.Errorf(`"success" is %q`, wr.Success))}
}

// readListing decodes a listing answer; an answer that is not one is an
// *UnexpectedResponseError.
func (c *Client) readListing(resp *response, evidence string) (*listing, error) {
	l, err := decodeListing(resp.body, evidence)
	if err != nil {
		return nil, c.unexpected(http.MethodGet, resp, err)
	}
	return l, nil
}

// isUnexpected reports whether err is a 2xx answer that was not AbraFlexi's.
func isUnexpected(err error) bool { return errors.Is(err, ErrUnexpectedResponse) }

// knownOutcome strips the outcome-unknown mark from err once the outcome
// has been checked.
func knownOutcome(err error) error {
	var ou *outcomeUnknown
	if errors.As(err, &ou) {
		return ou.err
	}
	return err
}
