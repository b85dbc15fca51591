package abraflexi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// ParseChanges decodes a Changes API page or a web-hook body:
// {"winstrom":{"@globalVersion":"N","changes":[{"@evidence", "@operation",
// "@in-version", "@timestamp", "id", "external-ids"}], "next": N|"none"}}.
// Numbers may be strings or JSON numbers.
func ParseChanges(data []byte) (*Changes, error) {
	var env struct {
		Winstrom *struct {
			GlobalVersion json.RawMessage              `json:"@globalVersion"`
			Changes       []map[string]json.RawMessage `json:"changes"`
			Next          json.RawMessage              `json:"next"`
		} `json:"winstrom"`
	}
	if err := json.Unmarshal(data, &env); err != nil {
		return nil, fmt.Errorf("abraflexi: decode changes: %w", err)
	}
	if env.Winstrom == nil {
		return nil, errors.New("abraflexi: decode changes: no winstrom object")
	}
	w := env.Winstrom
	out := &Changes{}
	var err error
	if out.GlobalVersion, err = optInt(w.GlobalVersion, "@globalVersion"); err != nil {
		return nil, err
	}
	if next := scalarString(w.Next); next != "" && !strings.EqualFold(next, "none") {
		if out.Next, err = optInt(w.Next, "next"); err != nil {
			return nil, err
		}
	}
	for i, m := range w.Changes {
		ch := Change{
			Evidence:  scalarString(m["@evidence"]),
			Operation: scalarString(m["@operation"]),
			Timestamp: scalarString(m["@timestamp"]),
		}
		if ch.InVersion, err = optInt(m["@in-version"], fmt.Sprintf("changes[%d].@in-version", i)); err != nil {
			return nil, err
		}
		if id := scalarString(m["id"]); id != "" {
			if ch.RecordID, err = ParseID(id); err != nil {
				return nil, fmt.Errorf("abraflexi: decode changes[%d].id: %w", i, err)
			}
		}
		if raw, ok := m["external-ids"]; ok && string(raw) != "null" {
			if err := json.Unmarshal(raw, &ch.ExternalIDs); err != nil {
				return nil, fmt.Errorf("abraflexi: decode changes[%d].external-ids: %w", i, err)
			}
		}
		out.Changes = append(out.Changes, ch)
	}
	return out, nil
}

func optInt(raw json.RawMessage, name string) (int64, error) {
	s := scalarString(raw)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("abraflexi: decode changes: %s: %w", name, err)
	}
	return n, nil
}

// Changes reads one page of the Changes API: GET /c/{co}/changes.json
// ?start=since&limit=limit[&evidence=...]. limit 0 means the server's
// default (100); at most 1000. Continue from [Changes.Next] until it is 0.
func (c *Client) Changes(ctx context.Context, since int64, limit int, evidences ...string) (*Changes, error) {
	if since < 0 || limit < 0 || limit > 1000 {
		return nil, fmt.Errorf("abraflexi: changes: invalid start %d or limit %d (0..1000)", since, limit)
	}
	q := url.Values{"start": {strconv.FormatInt(since, 10)}}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	for _, ev := range evidences {
		if err := checkEvidence(ev); err != nil {
			return nil, err
		}
		q.Add("evidence", ev)
	}
	resp, err := c.do(ctx, request{method: http.MethodGet, path: "/changes.json", query: q, class: retryRead})
	if err != nil {
		return nil, err
	}
	return ParseChanges(resp.body)
}
