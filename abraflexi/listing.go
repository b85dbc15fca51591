package abraflexi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// The direction suffixes of order=. AbraFlexi's documentation says
// "order=nazev@A" sorts descending and "order=nazev@D" ascending, and
// php-abraflexi pages by key with "order=id@D" and "id gt N", so the
// client asks for id@D. Third-party material reads the suffixes the other
// way round; a server that does is detected on the first page that shows
// it (see [Service.List]) and from then on asked for id@A.
const (
	idAscending  = "id@D"
	idDescending = "id@A"
)

// ascendingID returns the order= value that the client currently believes
// sorts by id ascending.
func (c *Client) ascendingID() string {
	if c.suffixFlipped.Load() {
		return idDescending
	}
	return idAscending
}

// List reads the records matching opts as an iterator, page by page
// (opts.PageSize records per request, else the client's page size,
// default 1000). The options are copied. An invalid filter or order is
// yielded as the only error, before any request. Iteration stops after the
// first error.
//
// # Keyset paging
//
// Without opts.Order the listing pages by key: every request asks for the
// records in ascending id order (order=id@D), and each next page adds
// "id gt <last id seen>" to opts.Filter. A record that matches the filter
// from the first request to the last is therefore yielded exactly once,
// whatever else changes in between: records that stop matching (an invoice
// paid during the listing) or start matching do not shift the others, as
// they do with limit/start offsets, and ties on a sort key cannot reorder
// rows between pages. Records that start or stop matching during the
// listing may or may not be seen. The records come in ascending id order.
//
// Every request carries add-row-count, so the listing knows when the last
// page has been read: one request per page, and no trailing empty request
// when the number of records is a multiple of the page size.
//
// The ids of every page are checked before any record of it is yielded. A
// page whose ids are not strictly ascending and above the previous page's
// last id, a record without a numeric id, or an empty page although the
// server counts more records, stops the listing with an error wrapping
// [ErrInconsistentListing]: the caller never takes a partial listing for a
// complete one. (A page in exactly descending order is taken as a server
// that reads the order suffixes the other way round: the page is asked
// again once with the other suffix, which the client then keeps using.)
//
// # Caller-specified order
//
// Keyset paging needs id order. With opts.Order set, the listing pages by
// offset instead (limit/start, add-row-count on the first page) with
// order=<opts.Order...> and id as the last key, so ties on the caller's
// keys are broken the same way on every page. Offsets are only consistent
// while nothing changes: a record that stops matching between two pages
// shifts the later ones, and a record that still matches can then be
// skipped. A record seen twice stops the listing with
// [ErrInconsistentListing]; a skipped record cannot be detected. Use
// opts.Order only for listings that fit in one page (opts.Limit or
// opts.PageSize), or where a skipped record does no harm; otherwise list
// without Order and sort the records in memory.
func (s *Service[T]) List(ctx context.Context, opts ListOptions) iter.Seq2[T, error] {
	opts.Fields = slices.Clone(opts.Fields)
	opts.Order = slices.Clone(opts.Order)
	return func(yield func(T, error) bool) {
		var zero T
		if err := opts.Filter.Err(); err != nil {
			yield(zero, err)
			return
		}
		if opts.PageSize < 0 || opts.Limit < 0 {
			yield(zero, errors.New("abraflexi: negative PageSize or Limit"))
			return
		}
		for _, o := range opts.Order {
			if err := checkField(strings.TrimSuffix(strings.TrimSuffix(o, "@A"), "@D")); err != nil {
				yield(zero, fmt.Errorf("abraflexi: order: %w", err))
				return
			}
		}
		page := opts.PageSize
		if page == 0 {
			page = s.c.pageSize
		}
		if opts.Limit > 0 && opts.Limit < page {
			page = opts.Limit
		}
		if len(opts.Order) > 0 {
			s.listByOffset(ctx, opts, page, yield)
			return
		}
		s.listByKey(ctx, opts, page, yield)
	}
}

// pageOf is one decoded listing page: the records, decoded, with the
// numeric id of every record.
type pageOf[T any] struct {
	*listing
	recs []T
	ids  []int64
}

// idFields caches, per record type, the index of its ID field (json "id").
var idFields sync.Map // reflect.Type -> []int (nil: no such field)

// idOf returns a function reading the ID field of a *T, or nil when T has
// no exported field of type ID tagged json:"id".
func idOf[T any]() func(*T) ID {
	var zero T
	rt := reflect.TypeOf(zero)
	idx, ok := idFields.Load(rt)
	if !ok {
		var found []int
		if rt != nil && rt.Kind() == reflect.Struct {
			if f, ok := rt.FieldByName("ID"); ok && f.Type == reflect.TypeFor[ID]() && strings.Split(f.Tag.Get("json"), ",")[0] == "id" {
				found = f.Index
			}
		}
		idx, _ = idFields.LoadOrStore(rt, found)
	}
	index := idx.([]int)
	if index == nil {
		return nil
	}
	return func(v *T) ID { return reflect.ValueOf(v).Elem().FieldByIndex(index).Interface().(ID) }
}

// fetchPage sends one listing request and decodes the page's records and
// their ids.
func (s *Service[T]) fetchPage(ctx context.Context, f Filter, q map[string][]string) (*pageOf[T], error) {
	resp, err := s.c.do(ctx, request{method: http.MethodGet, path: listingPath(s.evidence, f), query: q, class: retryRead})
	if err != nil {
		return nil, err
	}
	l, err := s.c.readListing(resp, s.evidence)
	if err != nil {
		return nil, err
	}
	p := &pageOf[T]{listing: l, recs: make([]T, len(l.records)), ids: make([]int64, len(l.records))}
	get := idOf[T]()
	for i, raw := range l.records {
		if err := json.Unmarshal(raw, &p.recs[i]); err != nil {
			return nil, fmt.Errorf("abraflexi: decode %s record: %w", s.evidence, err)
		}
		var id ID
		if get != nil {
			id = get(&p.recs[i])
		} else {
			var rec struct {
				ID ID `json:"id"`
			}
			if err := json.Unmarshal(raw, &rec); err != nil {
				return nil, fmt.Errorf("abraflexi: decode %s record: %w", s.evidence, err)
			}
			id = rec.ID
		}
		n, ok := id.Numeric()
		if !ok {
			return nil, fmt.Errorf("%w: %s: record %d of the page has no numeric id", ErrInconsistentListing, s.evidence, i+1)
		}
		p.ids[i] = n
	}
	return p, nil
}

// yieldPage yields the records of p; it returns false when the listing
// must stop (the consumer stopped or opts.Limit was reached). seen counts
// the records yielded so far.
func yieldPage[T any](p *pageOf[T], limit int, seen *int, yield func(T, error) bool) bool {
	for _, v := range p.recs {
		if !yield(v, nil) {
			return false
		}
		*seen++
		if limit > 0 && *seen >= limit {
			return false
		}
	}
	return true
}

// ascending reports whether ids are strictly ascending and all above last.
func ascending(ids []int64, last int64) bool {
	prev := last
	for _, id := range ids {
		if id <= prev {
			return false
		}
		prev = id
	}
	return true
}

// descending reports whether ids (at least two) are strictly descending
// and all above last.
func descending(ids []int64, last int64) bool {
	if len(ids) < 2 {
		return false
	}
	for i, id := range ids {
		if id <= last || i > 0 && id >= ids[i-1] {
			return false
		}
	}
	return true
}

func (s *Service[T]) listByKey(ctx context.Context, opts ListOptions, page int, yield func(T, error) bool) {
	var zero T
	base := detailQuery(s.evidence, s.fields(opts.Fields))
	var last int64 // 0: before the first page (ids are positive)
	seen, flipped := 0, false
	for n := 1; ; {
		f := opts.Filter
		if last > 0 {
			f = And(opts.Filter, Gt("id", last))
		}
		want := page
		if opts.Limit > 0 {
			want = min(page, opts.Limit-seen)
		}
		order := s.c.ascendingID()
		q := cloneValues(base)
		q.Set("order", order)
		q.Set("limit", strconv.Itoa(want))
		q.Set("add-row-count", "true")
		p, err := s.fetchPage(ctx, f, q)
		if err != nil {
			yield(zero, err)
			return
		}
		if !ascending(p.ids, last) {
			if !flipped && descending(p.ids, last) {
				// The server reads the suffix the other way round: ask
				// for this page again with the other one.
				flipped = true
				other := idDescending
				if order == idDescending {
					other = idAscending
				}
				if s.c.suffixFlipped.CompareAndSwap(order == idDescending, other == idDescending) {
					s.c.log.LogAttrs(ctx, slog.LevelWarn, "abraflexi: the server sorts order=id@D descending; using order=id@A for ascending ids from now on",
						slog.String("evidence", s.evidence))
				}
				continue
			}
			yield(zero, fmt.Errorf("%w: %s page %d: %s", ErrInconsistentListing, s.evidence, n, disorder(p.ids, last)))
			return
		}
		if len(p.records) == 0 {
			if p.hasCount && p.rowCount > 0 {
				yield(zero, fmt.Errorf("%w: %s page %d: the server counts %d more records but sent none", ErrInconsistentListing, s.evidence, n, p.rowCount))
			}
			return
		}
		if !yieldPage(p, opts.Limit, &seen, yield) {
			return
		}
		last = p.ids[len(p.ids)-1]
		if p.hasCount && p.rowCount <= len(p.records) || !p.hasCount && len(p.records) < want {
			return
		}
		n++
	}
}

// disorder describes the first id of ids that breaks the ascending order.
func disorder(ids []int64, last int64) string {
	prev := last
	for i, id := range ids {
		if id <= prev {
			if i == 0 {
				return fmt.Sprintf("the page starts with id %d, not above the previous page's last id %d", id, last)
			}
			return fmt.Sprintf("record %d has id %d after id %d (the server does not sort by id ascending)", i+1, id, prev)
		}
		prev = id
	}
	return "ids out of order"
}

func (s *Service[T]) listByOffset(ctx context.Context, opts ListOptions, page int, yield func(T, error) bool) {
	var zero T
	base := detailQuery(s.evidence, s.fields(opts.Fields))
	byID := false
	for _, o := range opts.Order {
		base.Add("order", o)
		if strings.TrimSuffix(strings.TrimSuffix(o, "@A"), "@D") == "id" {
			byID = true
		}
	}
	if !byID {
		base.Add("order", s.c.ascendingID()) // the tie-breaker
	}
	total, seen := -1, 0
	got := map[int64]bool{}
	for start := 0; ; start += page {
		q := cloneValues(base)
		q.Set("limit", strconv.Itoa(page))
		q.Set("start", strconv.Itoa(start))
		if start == 0 {
			q.Set("add-row-count", "true")
		}
		p, err := s.fetchPage(ctx, opts.Filter, q)
		if err != nil {
			yield(zero, err)
			return
		}
		if p.hasCount && start == 0 {
			total = p.rowCount
		}
		for _, id := range p.ids {
			if got[id] {
				yield(zero, fmt.Errorf("%w: %s at start=%d: record id %d was already listed (records moved between pages, or the server ignored start)", ErrInconsistentListing, s.evidence, start, id))
				return
			}
			got[id] = true
		}
		if !yieldPage(p, opts.Limit, &seen, yield) {
			return
		}
		// Stop on a short page, when the row count is reached, or when
		// the server ignored limit and sent more than a page (all of it).
		if len(p.records) != page || (total >= 0 && start+len(p.records) >= total) {
			return
		}
	}
}
