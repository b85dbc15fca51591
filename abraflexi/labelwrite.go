package abraflexi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// ErrInvalidLabel is wrapped by the errors of label writes given an empty
// label code or one containing a comma (the list separator).
var ErrInvalidLabel = errors.New("abraflexi: invalid label code")

func labelSetOf(codes []string) (LabelSet, error) {
	for _, c := range codes {
		n := normLabel(c)
		if n == "" || strings.ContainsAny(n, ",\r\n\t") {
			return LabelSet{}, fmt.Errorf("%w: %q", ErrInvalidLabel, c)
		}
	}
	return Labels(codes...), nil
}

// AddLabels adds labels to every record of ids without touching their other
// labels: an additive write {"id": ..., "stitky": "A,B"} per record, one
// request per batch of opts.BatchSize. The write is idempotent, so a
// temporary failure is retried.
//
// A batch answered with a success status but not with an AbraFlexi answer
// (a proxy's login page with status 200) is checked by reading the
// batch's records again: when they all carry the labels the batch counts
// as written; otherwise the records without them get an error in their
// [WriteResult] and AddLabels stops with an error matching
// [ErrUnexpectedResponse] (joined with [ErrOutcomeUnknown] only when the
// records could not be read again).
func (s *Service[T]) AddLabels(ctx context.Context, ids []ID, opts WriteOptions, labels ...string) ([]WriteResult, error) {
	return s.c.AddLabels(ctx, s.evidence, ids, opts, labels...)
}

// AddLabels is [Service.AddLabels] for any evidence.
func (c *Client) AddLabels(ctx context.Context, evidence string, ids []ID, opts WriteOptions, labels ...string) ([]WriteResult, error) {
	if err := checkEvidence(evidence); err != nil {
		return nil, err
	}
	set, err := labelSetOf(labels)
	if err != nil {
		return nil, err
	}
	if set.Len() == 0 {
		return nil, fmt.Errorf("%w: no labels given", ErrInvalidLabel)
	}
	records := make([]Fields, len(ids))
	for i, id := range ids {
		if id.IsZero() {
			return nil, fmt.Errorf("%w: zero ID at index %d", ErrInvalidID, i)
		}
		records[i] = Fields{"id": id.String(), "stitky": set.String()}
	}
	size := opts.BatchSize
	if size <= 0 {
		size = DefaultBatchSize
	}
	var out []WriteResult
	var failed []*APIError
	for off := 0; off < len(records); off += size {
		end := min(off+size, len(records))
		res, err := c.writeBatch(ctx, evidence, records[off:end], off, opts, retryIdempotent)
		if err != nil && isUnexpected(err) && !opts.DryRun {
			res, err = c.verifyLabelsAdded(ctx, evidence, ids[off:end], off, set, err)
		}
		out = append(out, res...)
		if err != nil {
			var ae *APIError
			if opts.Atomic || !errors.As(err, &ae) || len(ae.Results) == 0 {
				return out, err
			}
			out = append(out, ae.Results...)
			failed = append(failed, ae)
		}
	}
	return out, summarize(failed)
}

// verifyLabelsAdded reads the records of a label-adding batch whose answer
// was not AbraFlexi's (cause) and reports which carry the labels now.
func (c *Client) verifyLabelsAdded(ctx context.Context, evidence string, ids []ID, offset int, set LabelSet, cause error) ([]WriteResult, error) {
	ctx = context.WithoutCancel(ctx)
	var listable []ID // numeric and code: ids, read with one listing
	for _, id := range ids {
		if _, _, ext := id.Ext(); !ext {
			listable = append(listable, id)
		}
	}
	var byID map[int64]labelRow
	var byCode map[string]labelRow
	if len(listable) > 0 {
		var err error
		if byID, byCode, err = c.listLabelRows(ctx, evidence, listable); err != nil {
			return nil, fmt.Errorf("%w; reading the records again failed: %v", cause, err)
		}
	}
	out := make([]WriteResult, len(ids))
	missing := 0
	for i, id := range ids {
		out[i] = WriteResult{Index: offset + i, RequestID: id.String()}
		var row labelRow
		var found bool
		if n, ok := id.Numeric(); ok {
			row, found = byID[n]
		} else if code, ok := id.Code(); ok {
			row, found = byCode[strings.ToUpper(code)]
		} else {
			num, cur, err := c.readLabels(ctx, evidence, id)
			if err != nil && !errors.Is(err, ErrNotFound) {
				return nil, fmt.Errorf("%w; reading the record %s again failed: %v", cause, id, err)
			}
			row, found = labelRow{ID: num, Labels: cur}, err == nil
		}
		out[i].ID = row.ID
		if !found || !row.Labels.HasAll(set.Codes()...) {
			missing++
			out[i].Errors = []Message{{For: "stitky", Message: "the labels were not added: the answer was not an AbraFlexi response", Value: set.String()}}
		}
	}
	if missing == 0 {
		c.log.LogAttrs(ctx, slog.LevelWarn, "abraflexi: an answer was not AbraFlexi's, but the labels were added",
			slog.String("evidence", evidence), slog.Int("records", len(ids)), slog.String("error", knownOutcome(cause).Error()))
		return out, nil
	}
	return out, fmt.Errorf("abraflexi: add labels to %s: %d of %d records do not carry %s: %w", evidence, missing, len(ids), set, knownOutcome(cause))
}

// RemoveLabels removes labels from one record and keeps its other labels.
// AbraFlexi has no "remove one label" operation, so the current set is
// read (fields id,stitky) and the remainder written back at once with
// "stitky@removeAll": "true". Nothing is written when the record carries
// none of labels. It returns the labels the record keeps.
//
// The write is never sent twice with the same set: after a temporary
// failure (5xx, 429, a lost connection, an answer that is not AbraFlexi's)
// the record is read again and the remainder computed afresh, so a label
// someone set in the meantime (an operator's VIP) is kept; a record that
// no longer carries the labels needs no write. The client's retry settings
// bound the attempts. The read and the write are still two requests:
// AbraFlexi has no conditional write, so a label set in the moment between
// them is lost. The window is kept to one round trip.
func (s *Service[T]) RemoveLabels(ctx context.Context, id ID, labels ...string) (LabelSet, error) {
	return s.c.RemoveLabels(ctx, s.evidence, id, labels...)
}

// RemoveLabels is [Service.RemoveLabels] for any evidence.
func (c *Client) RemoveLabels(ctx context.Context, evidence string, id ID, labels ...string) (LabelSet, error) {
	if _, err := labelSetOf(labels); err != nil {
		return LabelSet{}, err
	}
	var lastErr error
	for attempt := 0; ; attempt++ {
		target, cur, err := c.readLabels(ctx, evidence, id)
		if err != nil {
			if lastErr != nil {
				return LabelSet{}, rereadFailed(lastErr, "reading the labels again", err)
			}
			return LabelSet{}, err
		}
		if !cur.HasAny(labels...) {
			return cur, nil
		}
		if lastErr != nil && attempt > c.hc.RetryMax {
			return LabelSet{}, knownOutcome(lastErr) // read again: not written
		}
		rest := cur.Remove(labels...)
		err = c.writeLabelSet(ctx, evidence, target, rest, retryNever)
		if err == nil {
			return rest, nil
		}
		if !retryableWrite(err) {
			return LabelSet{}, err
		}
		lastErr = err
		if err := c.pauseBeforeReread(ctx, evidence, attempt, err); err != nil {
			return LabelSet{}, rereadFailed(lastErr, "waiting to read the labels again", err)
		}
	}
}

// LabelsOf reads the labels of one record.
func (s *Service[T]) LabelsOf(ctx context.Context, id ID) (LabelSet, error) {
	_, set, err := s.c.readLabels(ctx, s.evidence, id)
	return set, err
}

// SetLabels replaces the whole label set of one record with labels
// ("stitky@removeAll": "true"); an empty set clears all labels. The set is
// the caller's, so a temporary failure is retried with it. An answer that
// is not AbraFlexi's is checked by reading the labels again: nil when the
// record carries exactly labels, otherwise an error matching
// [ErrUnexpectedResponse].
func (s *Service[T]) SetLabels(ctx context.Context, id ID, labels LabelSet) error {
	return s.c.SetLabels(ctx, s.evidence, id, labels)
}

// SetLabels is [Service.SetLabels] for any evidence.
func (c *Client) SetLabels(ctx context.Context, evidence string, id ID, labels LabelSet) error {
	if id.IsZero() {
		return fmt.Errorf("%w: zero ID", ErrInvalidID)
	}
	if _, err := labelSetOf(labels.Codes()); err != nil {
		return err
	}
	err := c.writeLabelSet(ctx, evidence, id, labels, retryIdempotent)
	if err == nil || !isUnexpected(err) {
		return err
	}
	_, cur, rerr := c.readLabels(context.WithoutCancel(ctx), evidence, id)
	switch {
	case rerr != nil:
		return fmt.Errorf("%w; reading the labels again failed: %v", err, rerr)
	case cur.Equal(labels):
		c.log.LogAttrs(ctx, slog.LevelWarn, "abraflexi: an answer was not AbraFlexi's, but the labels were set",
			slog.String("evidence", evidence), slog.String("record", id.String()))
		return nil
	}
	return fmt.Errorf("abraflexi: set labels of %s record %s: the record carries %q, not %q: %w", evidence, id, cur, labels, knownOutcome(err))
}

func (c *Client) writeLabelSet(ctx context.Context, evidence string, id ID, set LabelSet, rc retryClass) error {
	rec := Fields{"id": id.String(), "stitky@removeAll": "true", "stitky": set.String()}
	_, err := c.writeAll(ctx, evidence, []Fields{rec}, WriteOptions{Atomic: true}, &rc)
	return err
}

// retryableWrite reports whether a failed write is worth another attempt
// after reading the records again: a 5xx or 429 answer, an answer that is
// not AbraFlexi's, or a transport failure other than a certificate error.
func retryableWrite(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	if isUnexpected(err) {
		return true
	}
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.StatusCode >= 500 || ae.StatusCode == http.StatusTooManyRequests
	}
	var te *transportError
	if errors.As(err, &te) {
		return !isPermanentTransportError(te.err)
	}
	return false
}

// rereadFailed is the error of a label write that failed with writeErr
// when reading the records again (what) failed with err too: the write's
// outcome is unknown unless writeErr shows it never reached the server.
func rereadFailed(writeErr error, what string, err error) error {
	e := fmt.Errorf("%w; %s failed: %v", knownOutcome(writeErr), what, err)
	if !ambiguous(writeErr) {
		return e
	}
	return &outcomeUnknown{e}
}

// pauseBeforeReread logs a failed label write and waits the client's
// backoff before the records are read again.
func (c *Client) pauseBeforeReread(ctx context.Context, evidence string, attempt int, err error) error {
	c.log.LogAttrs(ctx, slog.LevelWarn, "abraflexi: label write failed; reading the labels again before the next write",
		slog.String("evidence", evidence), slog.Int("attempt", attempt+1), slog.String("error", knownOutcome(err).Error()))
	t := time.NewTimer(c.hc.Backoff(c.hc.RetryWaitMin, c.hc.RetryWaitMax, attempt, nil))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// readLabels reads id and stitky of one record; the returned ID is the
// record's numeric id when the server sent it, so the write that follows
// addresses the very record that was read.
func (c *Client) readLabels(ctx context.Context, evidence string, id ID) (ID, LabelSet, error) {
	raw, err := c.getRecord(ctx, evidence, id, url.Values{"detail": {"custom:id,stitky"}})
	if err != nil {
		return ID{}, LabelSet{}, err
	}
	var rec struct {
		ID     ID       `json:"id"`
		Labels LabelSet `json:"stitky"`
	}
	if err := json.Unmarshal(raw, &rec); err != nil {
		return ID{}, LabelSet{}, fmt.Errorf("abraflexi: decode %s labels: %w", evidence, err)
	}
	if rec.ID.IsZero() {
		rec.ID = id
	}
	return rec.ID, rec.Labels, nil
}

// LabelRemoval is the outcome of [Service.RemoveLabelsBatch] for one of the
// caller's ids.
type LabelRemoval struct {
	// Index is the id's position in the caller's slice.
	Index int
	// ID is the record's numeric id as read; zero when the record was not
	// found or not read.
	ID ID
	// Removed reports that a write removed at least one of the labels; false
	// when the record carried none of them (nothing was written) or failed.
	Removed bool
	// Labels are the labels the record keeps: the set written, or the set
	// read when the record carried none of the labels.
	Labels LabelSet
	// Errors are the server's messages for the record's failed write.
	Errors []Message
	// Err is nil when the record no longer carries any of the labels. It
	// wraps [ErrNotFound] when no record has the id, holds the server's
	// messages when the record's write failed, and is the failed request's
	// error for the records of a chunk that failed as a whole or was not
	// reached (matching [ErrOutcomeUnknown] when the chunk's records could
	// not be read again after an ambiguous failure).
	Err error
}

// labelRow is the part of a record a batched label removal reads.
type labelRow struct {
	ID     ID       `json:"id"`
	Code   string   `json:"kod"`
	Labels LabelSet `json:"stitky"`
}

// Evidence implements [Record]; the service that lists labelRow sets the
// evidence itself.
func (labelRow) Evidence() string { return "" }

// DetailFields implements [Record].
func (labelRow) DetailFields() []string { return []string{"id", "kod", "stitky"} }

// RemoveLabelsBatch removes labels from every record of ids and keeps their
// other labels, with a request count that grows with the number of chunks
// of opts.BatchSize (default 500), not of records. Per chunk it sends, back
// to back:
//
//  1. one listing that re-reads the current stitky of exactly the chunk's
//     records (filter id in (…) for numeric ids, kod in (…) for code: ids);
//  2. one non-atomic write (each record its own transaction) of
//     {"id": <numeric id>, "stitky@removeAll": "true", "stitky": <rest>}
//     for the records that carry any of labels. Records carrying none of
//     them are not written.
//
// The read-to-write window is therefore one listing and one write per
// chunk: a label set on a record before its chunk is read survives. A
// write is never sent again as it was: after a temporary failure of the
// write (5xx, 429, a lost connection, a 2xx answer that is not AbraFlexi's,
// such as a proxy's login page) the chunk is listed again and the write
// recomputed from what the records carry now, so a label an operator set
// in the meantime (VIP, NEODPOJOVAT) is kept, and records whose labels are
// already gone (the failed write did reach the server) count as removed
// without a write. The client's retry settings bound these rounds; when
// they are used up, a last listing tells which records still carry the
// labels. AbraFlexi has no conditional write: a label set in the moment
// between a chunk's listing and its write is still lost. opts.Atomic is
// ignored; opts.DryRun is honoured.
//
// The result has one [LabelRemoval] per id, in order (an id given twice
// gets the same outcome twice; the record is written once). An id no record
// has fails alone (Err wraps [ErrNotFound]), as does a record the server
// refused. A failed request stops the removal: its chunk's records and the
// records of later chunks get the request's error as Err, and the error is
// returned along with the results, so earlier chunks' outcomes stay known.
// Invalid labels or ids (zero, or ext: ids, which cannot be listed by
// filter) are an error before any request, with nil results. The chunk's
// ids travel in the listing URL: prefer numeric ids (as listed), or a
// smaller BatchSize for long codes.
func (s *Service[T]) RemoveLabelsBatch(ctx context.Context, ids []ID, opts WriteOptions, labels ...string) ([]LabelRemoval, error) {
	return s.c.RemoveLabelsBatch(ctx, s.evidence, ids, opts, labels...)
}

// RemoveLabelsBatch is [Service.RemoveLabelsBatch] for any evidence.
func (c *Client) RemoveLabelsBatch(ctx context.Context, evidence string, ids []ID, opts WriteOptions, labels ...string) ([]LabelRemoval, error) {
	if err := checkEvidence(evidence); err != nil {
		return nil, err
	}
	set, err := labelSetOf(labels)
	if err != nil {
		return nil, err
	}
	if set.Len() == 0 {
		return nil, fmt.Errorf("%w: no labels given", ErrInvalidLabel)
	}
	for i, id := range ids {
		_, numeric := id.Numeric()
		_, code := id.Code()
		if !numeric && !code {
			return nil, fmt.Errorf("%w: index %d: batched label removal needs numeric or code: ids, got %q", ErrInvalidID, i, id.String())
		}
	}
	size := opts.BatchSize
	if size <= 0 {
		size = DefaultBatchSize
	}
	out := make([]LabelRemoval, len(ids))
	for i := range out {
		out[i].Index = i
	}
	for off := 0; off < len(ids); off += size {
		end := min(off+size, len(ids))
		if err := c.removeLabelsChunk(ctx, evidence, ids[off:end], out[off:end], opts.DryRun, set); err != nil {
			for i := end; i < len(out); i++ {
				out[i].Err = err
			}
			return out, err
		}
	}
	return out, nil
}

// listLabelRows reads id, kod and stitky of the records of ids (numeric or
// code: ids) with one listing, indexed by numeric id and by upper-case code.
func (c *Client) listLabelRows(ctx context.Context, evidence string, ids []ID) (map[int64]labelRow, map[string]labelRow, error) {
	var nums, codes []any
	for _, id := range ids {
		if n, ok := id.Numeric(); ok {
			nums = append(nums, n)
		} else if code, ok := id.Code(); ok {
			codes = append(codes, code)
		}
	}
	var fs []Filter
	if len(nums) > 0 {
		fs = append(fs, In("id", nums...))
	}
	if len(codes) > 0 {
		fs = append(fs, In("kod", codes...))
	}
	svc := &Service[labelRow]{c: c, evidence: evidence}
	rows, err := svc.All(ctx, ListOptions{Filter: Or(fs...), PageSize: len(ids)})
	if err != nil {
		return nil, nil, err
	}
	byID := make(map[int64]labelRow, len(rows))
	byCode := make(map[string]labelRow, len(rows))
	for _, r := range rows {
		if n, ok := r.ID.Numeric(); ok {
			byID[n] = r
		}
		if r.Code != "" {
			byCode[strings.ToUpper(r.Code)] = r
		}
	}
	return byID, byCode, nil
}

// removeLabelsChunk lists and writes one chunk of [Client.RemoveLabelsBatch]
// until the write succeeds, fails for good or the attempts are used up;
// out[i] is the outcome of ids[i]. A returned error is a failed request; it
// is also set as Err of the records it leaves unknown.
func (c *Client) removeLabelsChunk(ctx context.Context, evidence string, ids []ID, out []LabelRemoval, dryRun bool, labels LabelSet) error {
	tried := map[int64]bool{} // records in a write that failed
	var lastErr error
	for attempt := 0; ; attempt++ {
		byID, byCode, err := c.listLabelRows(ctx, evidence, ids)
		if err != nil {
			if lastErr != nil {
				err = rereadFailed(lastErr, "listing the labels again", err)
			}
			for i := range out {
				out[i].Err = err
			}
			return err
		}
		// Resolve every id to the record read; write each record once.
		var records []Fields
		written := map[int64]int{} // record id -> position in records
		slot := make([]int, len(ids))
		for i, id := range ids {
			slot[i] = -1
			out[i] = LabelRemoval{Index: out[i].Index}
			var row labelRow
			var found bool
			if n, ok := id.Numeric(); ok {
				row, found = byID[n]
			} else if code, ok := id.Code(); ok {
				row, found = byCode[strings.ToUpper(code)]
			}
			n, numeric := row.ID.Numeric()
			if !found || !numeric {
				out[i].Err = fmt.Errorf("%w: %s record %s", ErrNotFound, evidence, id)
				continue
			}
			out[i].ID, out[i].Labels = row.ID, row.Labels
			if !row.Labels.HasAny(labels.Codes()...) {
				// Gone since a failed write of ours: that write did it.
				out[i].Removed = tried[n]
				continue
			}
			out[i].Labels = row.Labels.Remove(labels.Codes()...)
			pos, ok := written[n]
			if !ok {
				pos = len(records)
				written[n] = pos
				records = append(records, Fields{"id": row.ID.String(), "stitky@removeAll": "true", "stitky": out[i].Labels.String()})
			}
			slot[i] = pos
		}
		if len(records) == 0 {
			return nil
		}
		if lastErr != nil && attempt > c.hc.RetryMax {
			// Listed again after the last failed write: these still carry
			// the labels, so that write did not reach them.
			err := knownOutcome(lastErr)
			for i, pos := range slot {
				if pos >= 0 {
					out[i].Labels, out[i].Err = LabelSet{}, err
				}
			}
			return err
		}
		results, err := c.writeBatch(ctx, evidence, records, 0, WriteOptions{DryRun: dryRun}, retryNever)
		var ae *APIError
		if err != nil && (!errors.As(err, &ae) || len(ae.Results) == 0) {
			if retryableWrite(err) {
				lastErr = err
				for n := range written {
					tried[n] = true
				}
				perr := c.pauseBeforeReread(ctx, evidence, attempt, err)
				if perr == nil {
					continue
				}
				err = rereadFailed(err, "waiting to list the labels again", perr)
			}
			for i, pos := range slot {
				if pos >= 0 {
					out[i].Labels, out[i].Err = LabelSet{}, err
				}
			}
			return err
		}
		if err != nil {
			results = ae.Results
		}
		// A record without a result was saved when the write succeeded, and
		// is unknown (so failed) when the answer was a failure.
		failed := make([][]Message, len(records))
		answered := make([]bool, len(records))
		for _, r := range results {
			if r.Index >= 0 && r.Index < len(records) {
				answered[r.Index] = true
				failed[r.Index] = r.Errors
			}
		}
		for i, pos := range slot {
			switch {
			case pos < 0:
			case len(failed[pos]) > 0:
				out[i].Errors = failed[pos]
				out[i].Err = fmt.Errorf("abraflexi: remove labels from %s record %s: %s", evidence, ids[i], messageText(failed[pos]))
			case ae != nil && !answered[pos]:
				out[i].Err = fmt.Errorf("abraflexi: remove labels from %s record %s: no result in the failed write: %w", evidence, ids[i], err)
			default:
				out[i].Removed = true
			}
		}
		return nil
	}
}

// messageText joins server messages as "for: message; …".
func messageText(ms []Message) string {
	parts := make([]string, len(ms))
	for i, m := range ms {
		parts[i] = m.Message
		if m.For != "" {
			parts[i] = m.For + ": " + m.Message
		}
	}
	return strings.Join(parts, "; ")
}
