package abraflexi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
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
func (s *Service[T]) AddLabels(ctx context.Context, ids []ID, opts WriteOptions, labels ...string) ([]WriteResult, error) {
	return s.c.AddLabels(ctx, s.evidence, ids, opts, labels...)
}

// AddLabels is [Service.AddLabels] for any evidence.
func (c *Client) AddLabels(ctx context.Context, evidence string, ids []ID, opts WriteOptions, labels ...string) ([]WriteResult, error) {
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
	rc := retryIdempotent
	return c.writeAll(ctx, evidence, records, opts, &rc)
}

// RemoveLabels removes labels from one record and keeps its other labels.
// AbraFlexi has no "remove one label" operation, so the current set is
// read (fields id,stitky) and the remainder written back at once with
// "stitky@removeAll": "true". Nothing is written when the record carries
// none of labels. It returns the labels the record keeps.
//
// The read and the write are two requests: a label added by someone else
// in between is lost. The window is kept as short as possible.
func (s *Service[T]) RemoveLabels(ctx context.Context, id ID, labels ...string) (LabelSet, error) {
	return s.c.RemoveLabels(ctx, s.evidence, id, labels...)
}

// RemoveLabels is [Service.RemoveLabels] for any evidence.
func (c *Client) RemoveLabels(ctx context.Context, evidence string, id ID, labels ...string) (LabelSet, error) {
	if _, err := labelSetOf(labels); err != nil {
		return LabelSet{}, err
	}
	target, cur, err := c.readLabels(ctx, evidence, id)
	if err != nil {
		return LabelSet{}, err
	}
	if !cur.HasAny(labels...) {
		return cur, nil
	}
	rest := cur.Remove(labels...)
	if err := c.writeLabelSet(ctx, evidence, target, rest); err != nil {
		return LabelSet{}, err
	}
	return rest, nil
}

// LabelsOf reads the labels of one record.
func (s *Service[T]) LabelsOf(ctx context.Context, id ID) (LabelSet, error) {
	_, set, err := s.c.readLabels(ctx, s.evidence, id)
	return set, err
}

// SetLabels replaces the whole label set of one record with labels
// ("stitky@removeAll": "true"); an empty set clears all labels.
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
	return c.writeLabelSet(ctx, evidence, id, labels)
}

func (c *Client) writeLabelSet(ctx context.Context, evidence string, id ID, set LabelSet) error {
	rec := Fields{"id": id.String(), "stitky@removeAll": "true", "stitky": set.String()}
	rc := retryIdempotent // stating the full set is replay-safe
	_, err := c.writeAll(ctx, evidence, []Fields{rec}, WriteOptions{Atomic: true}, &rc)
	return err
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
