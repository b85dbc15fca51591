package netbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
)

// Sentinel errors matched by [*APIError] through errors.Is.
var (
	// ErrNotFound matches a 404 answer.
	ErrNotFound = errors.New("netbox: not found")
	// ErrForbidden matches a 403 answer: a missing, invalid or read-only token
	// or missing permissions (NetBox answers 403, not 401, for bad tokens).
	ErrForbidden = errors.New("netbox: forbidden")
	// ErrUnauthorized matches a 401 answer (sent by some proxies in front of NetBox).
	ErrUnauthorized = errors.New("netbox: unauthorized")
	// ErrBadRequest matches a 400 answer (validation failed).
	ErrBadRequest = errors.New("netbox: bad request")
)

// maxBody bounds how much of an error body an [APIError] keeps.
const maxBody = 64 << 10

// APIError is a non-2xx answer from NetBox with its decoded body.
type APIError struct {
	// StatusCode is the HTTP status of the answer.
	StatusCode int
	// Method and Path identify the request (the query string is not kept).
	Method, Path string
	// Detail is the "detail" message (403, 404, some 400 and 409 answers).
	Detail string
	// Fields holds per-field messages of a 400 answer; "__all__" and
	// "non_field_errors" hold object-level messages. Nested dicts such as
	// custom_fields are flattened to "custom_fields.speed".
	Fields map[string][]string
	// Items holds the per-object dicts when the body is a list (bulk requests).
	Items []map[string][]string
	// Body is the raw body (truncated to 64 KiB).
	Body []byte
}

// Error renders the status and NetBox's messages.
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "netbox: %s %s: %d %s", e.Method, e.Path, e.StatusCode, http.StatusText(e.StatusCode))
	msgs := e.Messages()
	if len(msgs) > 0 {
		b.WriteString(": ")
		b.WriteString(strings.Join(msgs, "; "))
	} else if len(e.Body) > 0 {
		body := string(e.Body)
		if len(body) > 200 {
			body = body[:200] + "..."
		}
		fmt.Fprintf(&b, ": %q", body)
	}
	return b.String()
}

// Messages returns NetBox's messages as "field: message" lines, sorted.
func (e *APIError) Messages() []string {
	var out []string
	if e.Detail != "" {
		out = append(out, e.Detail)
	}
	out = append(out, fieldMessages("", e.Fields)...)
	for i, item := range e.Items {
		out = append(out, fieldMessages(fmt.Sprintf("[%d] ", i), item)...)
	}
	return out
}

func fieldMessages(prefix string, fields map[string][]string) []string {
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []string
	for _, k := range keys {
		out = append(out, fmt.Sprintf("%s%s: %s", prefix, k, strings.Join(fields[k], " ")))
	}
	return out
}

// Is matches the sentinel for the status code.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	case ErrBadRequest:
		return e.StatusCode == http.StatusBadRequest
	}
	return false
}

// newAPIError decodes a NetBox error body.
func newAPIError(status int, method, path string, body []byte) *APIError {
	if len(body) > maxBody {
		body = body[:maxBody]
	}
	e := &APIError{StatusCode: status, Method: method, Path: path, Body: body}
	trimmed := strings.TrimSpace(string(body))
	switch {
	case strings.HasPrefix(trimmed, "{"):
		var m map[string]json.RawMessage
		if json.Unmarshal(body, &m) != nil {
			return e
		}
		if d, ok := m["detail"]; ok {
			var s string
			if json.Unmarshal(d, &s) == nil {
				e.Detail = s
				delete(m, "detail")
			}
		}
		if len(m) > 0 {
			e.Fields = map[string][]string{}
			flatten("", m, e.Fields)
		}
	case strings.HasPrefix(trimmed, "["):
		var list []json.RawMessage
		if json.Unmarshal(body, &list) != nil {
			return e
		}
		for _, raw := range list {
			item := map[string][]string{}
			var m map[string]json.RawMessage
			if json.Unmarshal(raw, &m) == nil {
				flatten("", m, item)
			}
			e.Items = append(e.Items, item)
		}
	}
	return e
}

// flatten turns {"a": ["x"], "b": {"c": ["y"]}} into a: [x], b.c: [y].
func flatten(prefix string, m map[string]json.RawMessage, out map[string][]string) {
	for k, raw := range m {
		key := prefix + k
		var list []string
		var s string
		var nested map[string]json.RawMessage
		var anyList []any
		switch {
		case json.Unmarshal(raw, &list) == nil:
			out[key] = list
		case json.Unmarshal(raw, &s) == nil:
			out[key] = []string{s}
		case json.Unmarshal(raw, &nested) == nil:
			flatten(key+".", nested, out)
		case json.Unmarshal(raw, &anyList) == nil:
			for _, v := range anyList {
				out[key] = append(out[key], fmt.Sprint(v))
			}
		default:
			out[key] = []string{string(raw)}
		}
	}
}
