package abraflexi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
)

// subCollections are nested fields read with relations= (sub-evidences);
// any other expanded field f(...) is read with includes=/evidence/f.
var subCollections = map[string]bool{
	"kontakty": true, "vazby": true, "prilohy": true, "polozky": true,
	"polozkyFaktury": true, "polozkyDokladu": true, "polozkySmlouvy": true,
	"bankovniSpojeni": true, "uzivatelske-vazby": true,
}

var evidenceRe = fieldRe

func checkEvidence(ev string) error {
	if ev == "" || !evidenceRe.MatchString(ev) {
		return fmt.Errorf("abraflexi: invalid evidence name %q", ev)
	}
	return nil
}

// detailQuery returns detail=custom:..., plus relations= and includes= for
// expanded fields.
func detailQuery(evidence string, fields []string) url.Values {
	q := url.Values{}
	if len(fields) == 0 {
		return q
	}
	q.Set("detail", "custom:"+strings.Join(fields, ","))
	var rels, incs []string
	for _, f := range fields {
		name, _, nested := strings.Cut(f, "(")
		if !nested {
			continue
		}
		name = strings.TrimSpace(name)
		if subCollections[name] {
			rels = append(rels, name)
		} else {
			incs = append(incs, "/"+evidence+"/"+name)
		}
	}
	if len(rels) > 0 {
		q.Set("relations", strings.Join(rels, ","))
	}
	if len(incs) > 0 {
		q.Set("includes", strings.Join(incs, ","))
	}
	return q
}

func (s *Service[T]) fields(custom []string) []string {
	if len(custom) > 0 {
		return custom
	}
	var zero T
	return zero.DetailFields()
}

func listingPath(evidence string, f Filter) string {
	p := "/" + escapeSegment(evidence)
	if seg := f.PathSegment(); seg != "" {
		p += "/" + seg
	}
	return p + ".json"
}

// listing is a decoded page: the records and the @rowCount when present.
type listing struct {
	records  []json.RawMessage
	rowCount int
	hasCount bool
}

// decodeListing reads {"winstrom":{"@version":"1.0","<evidence>":[...],
// "@rowCount":"N"}}. The evidence value may also be a single object.
func decodeListing(body []byte, evidence string) (*listing, error) {
	var env struct {
		Winstrom map[string]json.RawMessage `json:"winstrom"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, fmt.Errorf("abraflexi: decode %s listing: %w", evidence, err)
	}
	if env.Winstrom == nil {
		return nil, fmt.Errorf("abraflexi: decode %s listing: no winstrom object", evidence)
	}
	out := &listing{}
	if rc, ok := env.Winstrom["@rowCount"]; ok {
		n, err := strconv.Atoi(scalarString(rc))
		if err != nil {
			return nil, fmt.Errorf("abraflexi: decode %s listing: @rowCount: %w", evidence, err)
		}
		out.rowCount, out.hasCount = n, true
	}
	raw, ok := env.Winstrom[evidence]
	if !ok || len(raw) == 0 || string(raw) == "null" {
		return out, nil
	}
	if raw[0] == '{' {
		out.records = []json.RawMessage{raw}
		return out, nil
	}
	if err := json.Unmarshal(raw, &out.records); err != nil {
		return nil, fmt.Errorf("abraflexi: decode %s listing: %w", evidence, err)
	}
	// php-abraflexi normalises [{}] to "no records"; do the same.
	out.records = slices.DeleteFunc(out.records, func(r json.RawMessage) bool {
		return strings.TrimSpace(string(r)) == "{}"
	})
	return out, nil
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}

// All collects [Service.List] into a slice.
func (s *Service[T]) All(ctx context.Context, opts ListOptions) ([]T, error) {
	var out []T
	for v, err := range s.List(ctx, opts) {
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// Count returns the number of records matching f (one request with limit=1
// and add-row-count=true).
func (s *Service[T]) Count(ctx context.Context, f Filter) (int, error) {
	return s.c.Count(ctx, s.evidence, f)
}

// Count returns the number of records of evidence matching f.
func (c *Client) Count(ctx context.Context, evidence string, f Filter) (int, error) {
	if err := checkEvidence(evidence); err != nil {
		return 0, err
	}
	if err := f.Err(); err != nil {
		return 0, err
	}
	q := url.Values{"detail": {"custom:id"}, "limit": {"1"}, "start": {"0"}, "add-row-count": {"true"}}
	resp, err := c.do(ctx, request{method: http.MethodGet, path: listingPath(evidence, f), query: q, class: retryRead})
	if err != nil {
		return 0, err
	}
	l, err := c.readListing(resp, evidence)
	if err != nil {
		return 0, err
	}
	if !l.hasCount {
		return 0, fmt.Errorf("abraflexi: count %s: response has no @rowCount", evidence)
	}
	return l.rowCount, nil
}

// Get reads one record by id from its detail URL (/c/{co}/{ev}/{id}.json,
// following the redirect of code:/ext: ids) with the model's DetailFields.
// A missing record is an *APIError matching [ErrNotFound].
func (s *Service[T]) Get(ctx context.Context, id ID) (T, error) {
	return s.GetFields(ctx, id, nil)
}

// GetFields is [Service.Get] with an explicit field list (nil means the
// model's DetailFields).
func (s *Service[T]) GetFields(ctx context.Context, id ID, fields []string) (T, error) {
	var v T
	raw, err := s.c.getRecord(ctx, s.evidence, id, detailQuery(s.evidence, s.fields(fields)))
	if err != nil {
		return v, err
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return v, fmt.Errorf("abraflexi: decode %s record: %w", s.evidence, err)
	}
	return v, nil
}

// getRecord reads the raw first record of a detail URL.
func (c *Client) getRecord(ctx context.Context, evidence string, id ID, q url.Values) (json.RawMessage, error) {
	if err := checkEvidence(evidence); err != nil {
		return nil, err
	}
	if id.IsZero() {
		return nil, fmt.Errorf("%w: zero ID", ErrInvalidID)
	}
	path := "/" + escapeSegment(evidence) + "/" + id.PathSegment() + ".json"
	resp, err := c.do(ctx, request{method: http.MethodGet, path: path, query: q, class: retryRead})
	if err != nil {
		return nil, err
	}
	l, err := c.readListing(resp, evidence)
	if err != nil {
		return nil, err
	}
	if len(l.records) == 0 {
		u, _ := c.endpoint(path, q)
		e := newAPIError(http.MethodGet, u, http.StatusNotFound, nil)
		e.Messages = []Message{{Message: "the response holds no " + evidence + " record " + id.String()}}
		return nil, e
	}
	return l.records[0], nil
}

// Upsert creates or updates records of the service's evidence; see
// [Client.Upsert].
func (s *Service[T]) Upsert(ctx context.Context, records []Fields, opts WriteOptions) ([]WriteResult, error) {
	return s.c.Upsert(ctx, s.evidence, records, opts)
}

// Upsert writes records to evidence in batches of opts.BatchSize (default
// 500), one request per batch, each request atomic when opts.Atomic and
// "@atomic": "false" otherwise. Results are returned per record with Index
// set to the record's position in records (-1 when the server's result
// could not be matched to a record).
//
// Atomic writes stop at the first failing batch: its *APIError carries the
// server's messages and the batch's results, and the results of earlier
// batches are returned with it. Non-atomic writes go on after a batch in
// which records failed, so every batch is sent: the returned results are
// those of all batches (failed records included) and the error is an
// *APIError summarising the failed records (the first failing batch's
// status and URL, every failed batch's messages, and as Results the results
// of the batches with failed records, which are also in the returned
// slice). A request that fails as a whole (no per-record results: a lost
// connection, 401, …) stops either kind of write and is returned as is,
// with the results of the batches sent before it.
//
// A batch is retried after a temporary failure only when every record has
// a code: or ext: id (create-or-update by that id is replay-safe) and no
// sub-collection, pairing or action (those would repeat); otherwise only
// when the request provably never reached the server.
func (c *Client) Upsert(ctx context.Context, evidence string, records []Fields, opts WriteOptions) ([]WriteResult, error) {
	return c.writeAll(ctx, evidence, records, opts, nil)
}

// writeAll splits records into batches; class forces the retry class (nil:
// derive it from the record ids).
func (c *Client) writeAll(ctx context.Context, evidence string, records []Fields, opts WriteOptions, class *retryClass) ([]WriteResult, error) {
	if err := checkEvidence(evidence); err != nil {
		return nil, err
	}
	if len(records) == 0 {
		return nil, nil
	}
	size := opts.BatchSize
	if size <= 0 {
		size = DefaultBatchSize
	}
	var out []WriteResult
	var failed []*APIError
	for off := 0; off < len(records); off += size {
		batch := records[off:min(off+size, len(records))]
		rc := retryUnreached
		if class != nil {
			rc = *class
		} else if allReplaySafe(batch) {
			rc = retryIdempotent
		}
		res, err := c.writeBatch(ctx, evidence, batch, off, opts, rc)
		out = append(out, res...)
		if err != nil {
			var ae *APIError
			if opts.Atomic || !errors.As(err, &ae) || len(ae.Results) == 0 {
				return out, err
			}
			// Records failed on their own: the other batches are independent.
			out = append(out, ae.Results...)
			failed = append(failed, ae)
		}
	}
	return out, summarize(failed)
}

// summarize folds the errors of non-atomic batches with failed records into
// one *APIError (nil for none, the error itself for one).
func summarize(failed []*APIError) error {
	switch len(failed) {
	case 0:
		return nil
	case 1:
		return failed[0]
	}
	sum := *failed[0]
	sum.Messages, sum.Results, sum.wire = nil, nil, nil
	for _, ae := range failed {
		sum.Messages = append(sum.Messages, ae.Messages...)
		sum.Results = append(sum.Results, ae.Results...)
	}
	return &sum
}

// recordID returns the wire form of a record's "id".
func recordID(f Fields) string {
	switch v := f["id"].(type) {
	case string:
		return v
	case ID:
		return v.String()
	case *ID:
		if v != nil {
			return v.String()
		}
	case int:
		return strconv.Itoa(v)
	case int64:
		return strconv.FormatInt(v, 10)
	}
	return ""
}

// allReplaySafe reports whether sending batch twice has the effect of
// sending it once: every record is keyed by a code: or ext: id (create or
// update), carries no pairing (sparovani, odparovani) and no action, and
// has no sub-collection (items without ids are appended on every send).
func allReplaySafe(batch []Fields) bool {
	for _, f := range batch {
		id := recordID(f)
		if !strings.HasPrefix(id, "code:") && !strings.HasPrefix(id, "ext:") {
			return false
		}
		for k, v := range f {
			switch {
			case k == "sparovani" || k == "odparovani" || strings.HasPrefix(k, "@action") || strings.HasSuffix(k, "@action"):
				return false
			case isCollection(v):
				return false
			}
		}
	}
	return true
}

// isCollection reports whether v is a JSON array or object other than a
// plain value (a sub-collection or nested record).
func isCollection(v any) bool {
	if v == nil {
		return false
	}
	switch v.(type) {
	case string, bool, Bool, ID, Ref, Date, LabelSet, json.Number, decimal.Decimal, *decimal.Decimal,
		int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64:
		return false
	}
	switch reflect.ValueOf(v).Kind() {
	case reflect.Slice, reflect.Array, reflect.Map, reflect.Struct:
		return true
	case reflect.Pointer:
		return isCollection(reflect.ValueOf(v).Elem().Interface())
	}
	return false
}

func writeBody(evidence string, records any, atomic bool) ([]byte, error) {
	w := map[string]any{"@version": "1.0", evidence: records}
	if atomic {
		w["@atomic"] = "true"
	} else {
		w["@atomic"] = "false"
	}
	return json.Marshal(map[string]any{"winstrom": w})
}

func (c *Client) writeBatch(ctx context.Context, evidence string, batch []Fields, offset int, opts WriteOptions, rc retryClass) ([]WriteResult, error) {
	body, err := writeBody(evidence, batch, opts.Atomic)
	if err != nil {
		return nil, fmt.Errorf("abraflexi: encode %s records: %w", evidence, err)
	}
	var q url.Values
	if opts.DryRun {
		q = url.Values{"dry-run": {"true"}}
	}
	reqIDs := make([]string, len(batch))
	for i, f := range batch {
		reqIDs[i] = recordID(f)
	}
	resp, err := c.do(ctx, request{method: http.MethodPost, path: "/" + escapeSegment(evidence) + ".json", query: q, body: body, class: rc})
	if err != nil {
		var ae *APIError
		if errors.As(err, &ae) {
			if ae.wire != nil {
				ae.Results = mapResults(ae.wire, reqIDs, offset)
			}
		}
		return nil, err
	}
	wr, err := c.writeAnswer(http.MethodPost, resp)
	if err != nil {
		var ae *APIError
		if errors.As(err, &ae) && ae.wire != nil {
			ae.Results = mapResults(ae.wire, reqIDs, offset)
		}
		return nil, err
	}
	return mapResults(wr.Results, reqIDs, offset), nil
}

// mapResults matches the server's results to the batch: by position when
// the counts agree (unless request-id says otherwise), else by request-id.
func mapResults(rs []wireResult, reqIDs []string, offset int) []WriteResult {
	out := make([]WriteResult, len(rs))
	used := make([]bool, len(reqIDs))
	find := func(rid string) int {
		for i, id := range reqIDs {
			if !used[i] && id != "" && strings.EqualFold(id, rid) {
				return i
			}
		}
		return -1
	}
	for i, r := range rs {
		idx := -1
		switch {
		case len(rs) == len(reqIDs) && (r.RequestID == "" || reqIDs[i] == "" || strings.EqualFold(r.RequestID, reqIDs[i])):
			idx = i
		case r.RequestID != "":
			idx = find(r.RequestID)
		}
		if idx >= 0 {
			used[idx] = true
		}
		wr := WriteResult{Index: -1, RequestID: r.RequestID, Ref: r.Ref, Errors: r.Errors, Warnings: r.Warnings, Infos: r.Infos}
		if idx >= 0 {
			wr.Index = offset + idx
		}
		if r.ID != "" {
			wr.ID, _ = ParseID(r.ID)
		}
		out[i] = wr
	}
	return out
}
