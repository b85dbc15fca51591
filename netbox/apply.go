package netbox

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spoje-net/isptools/netbackend"
)

// objState is the planned custom-field state of one NetBox IP object.
type objState struct {
	ip          IPAddress
	speed, orig int // planned, -1 when unset
	was         [2]int
	notes       []string // journal lines
	kind        string
}

// outcome is what became of one written object.
type outcome struct {
	done bool       // NetBox holds the planned values
	gone bool       // the object no longer exists
	err  error      // the write failed for this object
	own  bool       // err is NetBox's refusal of this object alone (a 400 for it)
	ip   *IPAddress // the object as NetBox answered or re-read it
}

// maxIsolation bounds the extra requests one Apply spends on splitting
// rejected chunks to find their failing objects (one bad object in a
// chunk of 50 costs about 12).
const maxIsolation = 200

// Apply blocks and unblocks IP addresses. It checks the custom fields
// (once per ReuseReads), takes the objects at the changes' hosts from the
// preceding lookup or reads them in batched requests, plans the changes
// and writes them as bulk PATCH requests of up to BulkSize objects (each
// one all-or-none in NetBox, run under the client's write timeout and
// never retried). Under opts.DryRun it only reads.
//
// A change touches the objects of its host that belong to its customer
// ({code:X}, tenant or custom field); when the host has objects of other
// customers only, the change fails and nothing is written. Objects that
// name no customer are changed when the host has nothing else.
//
// A block sets speed to BlockSpeed (0 cuts; an IP already slower keeps
// its speed) and keeps the speed before in the original-speed field (0
// when the IP had no speed). An object at
// speed 0, or at or below BlockSpeed with a kept original, is Unchanged.
// An unblock restores the kept original (or the fallback speed, or no
// speed) and clears it; an object with neither a kept original nor speed
// 0 is Unchanged.
//
// Writes: a chunk rejected with 400 is split in halves down to single
// objects, so one invalid object (NetBox validates the whole object: an
// address duplicated in the global table fails every PATCH of it) fails
// only its own change, with NetBox's message. A chunk whose answer is lost
// (timeout, dropped connection, 5xx) is not sent again: its objects are
// re-read until they show the new values or SettleTime has passed, and
// each change reports what NetBox really holds. The answer of every write
// is checked too: a custom field NetBox silently ignored (NetBox 4.0 to
// 4.5.7 drop undefined fields from a PATCH) fails the change.
//
// The error is non-nil when the batch as a whole failed: nothing could be
// written (bad token, missing custom fields, failed reads, every write
// failed or lost) other than because NetBox refused single objects, or the
// journal entries of applied changes could not be created; the results
// then still say which changes went through. An object NetBox refuses on
// its own fails only its change, even when it is the only one.
func (b *Backend) Apply(ctx context.Context, changes []netbackend.Change, opts netbackend.ApplyOptions) ([]netbackend.Result, error) {
	if err := netbackend.Validate(changes); err != nil {
		return nil, err
	}
	results := make([]netbackend.Result, len(changes))
	for i, c := range changes {
		results[i] = netbackend.Result{Change: c, SpeedBefore: -1, SpeedAfter: -1}
	}
	if len(changes) == 0 {
		return results, nil
	}
	if err := b.speedFields(ctx); err != nil {
		return nil, err
	}
	addrs := make([]netip.Addr, len(changes))
	for i, c := range changes {
		addrs[i] = c.IP.Unmap()
	}
	objs, err := b.readHosts(ctx, addrs, true)
	if err != nil {
		return nil, err
	}

	states := map[int64]*objState{}
	var order []int64                          // dirty ids in first-change order
	changeIDs := make([][]int64, len(changes)) // ids changed by each change
	for i, c := range changes {
		list, err := b.pick(c, objs[c.IP.Unmap()])
		if err != nil {
			results[i].Status, results[i].Err = netbackend.Failed, err
			continue
		}
		if len(list) == 0 {
			results[i].Status = netbackend.NotFound
			continue
		}
		var failed error
		changed := false
		for j, ip := range list {
			st := states[ip.ID]
			if st == nil {
				speed, orig, err := b.speeds(ip)
				if err != nil {
					failed = fmt.Errorf("netbox: IP %s (id %d): %w", c.IP, ip.ID, err)
					break
				}
				st = &objState{ip: ip, speed: speed, orig: orig, was: [2]int{speed, orig}}
				states[ip.ID] = st
			}
			before := st.speed
			if b.plan(st, c, opts.Note) {
				changed = true
				if !slices.Contains(order, ip.ID) {
					order = append(order, ip.ID)
				}
				changeIDs[i] = append(changeIDs[i], ip.ID)
			}
			if j == 0 {
				results[i].SpeedBefore, results[i].SpeedAfter = before, st.speed
			}
		}
		switch {
		case failed != nil:
			results[i].Status, results[i].Err = netbackend.Failed, failed
		case changed:
			results[i].Status = netbackend.Changed
		default:
			results[i].Status = netbackend.Unchanged
		}
	}
	if opts.DryRun || len(order) == 0 {
		return results, nil
	}

	w := &writer{b: b, states: states, msg: changelogMessage(opts.Note), out: map[int64]outcome{}, size: b.cfg.BulkSize}
	w.run(ctx, order)
	var written []int64
	var first error
	for _, id := range order {
		o := w.out[id]
		switch {
		case o.done:
			written = append(written, id)
		case o.err != nil && !o.own && first == nil:
			first = o.err
		}
	}
	b.remember(w.out)
	for i := range results {
		if results[i].Status != netbackend.Changed {
			continue
		}
		var gone int
		for _, id := range changeIDs[i] {
			o := w.out[id]
			if o.err != nil {
				results[i].Status, results[i].Err = netbackend.Failed, o.err
				break
			}
			if o.gone {
				gone++
			}
		}
		if results[i].Status == netbackend.Changed && gone == len(changeIDs[i]) {
			results[i].Status = netbackend.NotFound // deleted since it was read
		}
	}
	if len(written) == 0 && first != nil {
		return results, first
	}
	if b.cfg.Journal && len(written) > 0 {
		if err := b.journal(ctx, written, states); err != nil {
			return results, fmt.Errorf("netbox: changes applied, but journal entries failed: %w", err)
		}
	}
	return results, nil
}

// pick picks the objects of one host a change may touch: those of its
// customer; when there are none, those naming no customer; an error when
// every object belongs to other customers.
func (b *Backend) pick(c netbackend.Change, objs []IPAddress) ([]IPAddress, error) {
	var mine, nobody []IPAddress
	others := map[string]bool{}
	for _, ip := range objs {
		switch keys := b.owners(ip); {
		case b.ownedBy(ip, c.Customer):
			mine = append(mine, ip)
		case len(keys) == 0:
			nobody = append(nobody, ip)
		default:
			for _, k := range keys {
				others[b.ownerName(k, ip)] = true
			}
		}
	}
	switch {
	case len(mine) > 0:
		return mine, nil
	case len(others) > 0 && len(nobody) == 0:
		return nil, fmt.Errorf("netbox: %s belongs to %s in NetBox, not to customer %q; nothing changed",
			c.IP, strings.Join(slices.Sorted(maps.Keys(others)), ", "), c.Customer)
	}
	return nobody, nil
}

// remember stores the objects as written or re-read, and forgets the
// hosts whose objects are in an unknown state.
func (b *Backend) remember(out map[int64]outcome) {
	now := b.now()
	b.mu.Lock()
	defer b.mu.Unlock()
	for id, o := range out {
		for host, r := range b.reads {
			i := slices.IndexFunc(r.objs, func(ip IPAddress) bool { return ip.ID == id })
			if i < 0 {
				continue
			}
			switch {
			case o.ip != nil:
				objs := slices.Clone(r.objs)
				objs[i] = *o.ip
				b.reads[host] = hostRead{objs: objs, at: now}
			default:
				delete(b.reads, host)
			}
		}
	}
}

// writer sends the planned objects in chunks and records each outcome.
type writer struct {
	b      *Backend
	states map[int64]*objState
	msg    string
	out    map[int64]outcome
	size   int // current chunk size
	split  int // isolation requests spent
	abort  error
}

func (w *writer) run(ctx context.Context, order []int64) {
	for len(order) > 0 {
		n := min(w.size, len(order))
		chunk := order[:n]
		order = order[n:]
		if w.abort != nil {
			w.failAll(chunk, w.abort)
			continue
		}
		start := time.Now()
		lost := w.send(ctx, chunk)
		w.adapt(len(chunk), time.Since(start), lost)
	}
}

// adapt shrinks the chunk size when a chunk took more than a quarter of
// the write timeout (or timed out), so the next ones finish well inside it.
func (w *writer) adapt(n int, took time.Duration, lost bool) {
	limit := w.b.c.WriteTimeout() / 4
	switch {
	case lost:
		w.size = max(1, n/2)
	case n > 0 && took > limit:
		perObj := took / time.Duration(n)
		w.size = max(1, min(w.size, int(limit/max(perObj, 1))))
	default:
		return
	}
	w.b.log.Warn("netbox bulk write slow, smaller chunks", "objects", n, "took", took, "next_chunk", w.size)
}

func (w *writer) failAll(ids []int64, err error) {
	for _, id := range ids {
		w.out[id] = outcome{err: err}
	}
}

func (w *writer) updates(ids []int64) []IPAddressUpdate {
	out := make([]IPAddressUpdate, len(ids))
	for k, id := range ids {
		st := w.states[id]
		out[k] = IPAddressUpdate{ID: id, ChangelogMessage: w.msg, CustomFields: map[string]any{
			w.b.cfg.SpeedField:     nullable(st.speed),
			w.b.cfg.OrigSpeedField: nullable(st.orig),
		}}
	}
	return out
}

// send writes one chunk and reports whether its answer was lost.
func (w *writer) send(ctx context.Context, ids []int64) (lost bool) {
	answer, err := w.b.c.BulkUpdateIPAddresses(ctx, w.updates(ids))
	if err == nil {
		got := map[int64]IPAddress{}
		for _, ip := range answer {
			got[ip.ID] = ip
		}
		for _, id := range ids {
			ip, ok := got[id]
			if !ok {
				w.out[id] = outcome{gone: true}
				continue
			}
			w.out[id] = w.check(id, ip, nil)
		}
		return false
	}
	var apiErr *APIError
	switch {
	case ctx.Err() != nil:
		w.failAll(ids, fmt.Errorf("netbox: bulk update of %d IP addresses: outcome unknown: %w", len(ids), err))
		return true
	case errors.As(err, &apiErr) && (apiErr.StatusCode == http.StatusBadRequest || apiErr.StatusCode == http.StatusRequestEntityTooLarge):
		if len(ids) == 1 {
			w.out[ids[0]] = outcome{own: true, err: fmt.Errorf("netbox: IP address id %d rejected, not changed: %w", ids[0], err)}
			return false
		}
		if w.split+2 > maxIsolation {
			w.failAll(ids, fmt.Errorf("netbox: bulk update of %d IP addresses rejected, none of them changed "+
				"(too many rejected objects to find them one by one): %w", len(ids), err))
			return false
		}
		w.split += 2
		half := (len(ids) + 1) / 2
		w.b.log.Debug("netbox bulk update rejected, splitting", "objects", len(ids), "error", err)
		w.send(ctx, ids[:half])
		w.send(ctx, ids[half:])
		return false
	case errors.As(err, &apiErr) && apiErr.StatusCode < 500:
		err = fmt.Errorf("netbox: bulk update of %d IP addresses rejected, none of them changed: %w", len(ids), err)
		w.failAll(ids, err)
		if apiErr.StatusCode == http.StatusForbidden || apiErr.StatusCode == http.StatusUnauthorized {
			w.abort = err // the next chunks would get the same answer
		}
		return false
	}
	// Timeout, lost connection or 5xx: NetBox may have applied it (it
	// finishes a bulk PATCH after the client gave up). Never send it again:
	// read the objects back until they settle.
	w.b.log.Warn("netbox bulk update answer lost, re-reading", "objects", len(ids), "error", err)
	w.settle(ctx, ids, err)
	return true
}

// check compares an object as NetBox answered it with the planned values.
func (w *writer) check(id int64, ip IPAddress, cause error) outcome {
	st := w.states[id]
	var errs []string
	for _, f := range []struct {
		name string
		want int
	}{{w.b.cfg.SpeedField, st.speed}, {w.b.cfg.OrigSpeedField, st.orig}} {
		raw, present := ip.CustomFields[f.name]
		v, ok, err := ip.CustomFields.Int(f.name)
		got := -1
		if ok {
			got = v
		}
		switch {
		case !present:
			errs = append(errs, fmt.Sprintf("NetBox does not return custom field %q for the object: it ignored the value written "+
				"(NetBox 4.0 to 4.5.7 drop custom fields that are not defined for ipam.ipaddress)", f.name))
		case err != nil:
			errs = append(errs, err.Error())
		case got != f.want:
			errs = append(errs, fmt.Sprintf("custom field %q holds %s after the write, not %s", f.name, raw, speedText(f.want)))
		}
	}
	if len(errs) == 0 {
		return outcome{done: true, ip: &ip}
	}
	msg := fmt.Sprintf("netbox: IP %s (id %d) not changed as written: %s", ip.Address, id, strings.Join(errs, "; "))
	if cause != nil {
		return outcome{err: fmt.Errorf("%s (%w)", msg, cause), ip: &ip}
	}
	return outcome{err: errors.New(msg), ip: &ip}
}

// settle re-reads the objects of a chunk whose answer was lost until each
// shows the planned values, or SettleTime has passed; objects still at
// their old values then fail ("not applied"), objects changed otherwise
// fail as changed by someone else.
func (w *writer) settle(ctx context.Context, ids []int64, cause error) {
	wait := w.b.cfg.SettleTime
	if wait <= 0 {
		wait = w.b.c.WriteTimeout()
	}
	deadline := time.Now().Add(wait)
	pause := 100 * time.Millisecond
	pending := slices.Clone(ids)
	for {
		got, err := w.readIDs(ctx, pending)
		if err != nil {
			w.failAll(pending, fmt.Errorf("netbox: bulk update of %d IP addresses: answer lost (%w), and reading them back failed: %w",
				len(pending), cause, err))
			return
		}
		var still []int64
		for _, id := range pending {
			ip, ok := got[id]
			if !ok {
				w.out[id] = outcome{gone: true}
				continue
			}
			o := w.check(id, ip, nil)
			if o.done {
				w.out[id] = o
				continue
			}
			st := w.states[id]
			speed, orig, _ := w.b.speeds(ip)
			if speed == st.was[0] && orig == st.was[1] {
				still = append(still, id) // not applied (yet)
				continue
			}
			w.out[id] = outcome{ip: &ip, err: fmt.Errorf("netbox: IP %s (id %d): the write's answer was lost (%w) and the object "+
				"now holds speed %s, original %s: changed by someone else", ip.Address, id, cause, speedText(speed), speedText(orig))}
		}
		pending = still
		if len(pending) == 0 {
			return
		}
		if time.Now().Add(pause).After(deadline) {
			break
		}
		select {
		case <-ctx.Done():
			w.failAll(pending, fmt.Errorf("netbox: bulk update answer lost (%w); outcome unknown: %w", cause, ctx.Err()))
			return
		case <-time.After(pause):
		}
		pause = min(2*pause, 5*time.Second)
	}
	for _, id := range pending {
		ip := w.states[id].ip
		w.out[id] = outcome{err: fmt.Errorf("netbox: IP %s (id %d) not changed: the write's answer was lost (%w) and NetBox "+
			"still shows the old values after %s; it may still apply the write, the next run will see", ip.Address, id, cause, wait)}
	}
}

// readIDs reads objects by id in chunks of QueryChunk.
func (w *writer) readIDs(ctx context.Context, ids []int64) (map[int64]IPAddress, error) {
	out := map[int64]IPAddress{}
	for chunk := range slices.Chunk(ids, w.b.cfg.QueryChunk) {
		if err := w.b.each(ctx, IPAddressFilter{ID: chunk, Fields: readFields}, func(ip IPAddress) { out[ip.ID] = ip }); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// plan applies one change to the planned state and reports whether it changed.
func (b *Backend) plan(st *objState, c netbackend.Change, note string) bool {
	why := ""
	if c.Reason != "" {
		why = ": " + c.Reason
	}
	if note != "" {
		why += " (" + note + ")"
	}
	switch c.Action {
	case netbackend.Block:
		kept := st.orig >= 0
		if st.speed == 0 || (kept && st.speed >= 0 && st.speed <= c.BlockSpeed) {
			return false
		}
		before := st.speed
		switch {
		case st.speed < 0:
			// An IP without a speed keeps 0: the block is marked as ours and
			// the unblock uses the fallback speed (a stale original left by
			// someone clearing the speed would be restored instead).
			st.orig = 0
		case !kept:
			st.orig = st.speed
		}
		if st.speed < 0 || st.speed > c.BlockSpeed {
			// A throttle never raises a speed: an IP already slower than
			// BlockSpeed keeps its speed (and now its kept original).
			st.speed = c.BlockSpeed
		}
		st.kind = KindWarning
		verb := "Blocked"
		if c.BlockSpeed > 0 {
			verb = "Throttled"
		}
		st.notes = append(st.notes, fmt.Sprintf("%s %s for customer %s%s. %s %s -> %d, kept %s in %s.",
			verb, c.IP, c.Customer, why, b.cfg.SpeedField, speedText(before), st.speed, speedText(st.orig), b.cfg.OrigSpeedField))
		return true
	case netbackend.Unblock:
		if st.orig < 0 && st.speed != 0 {
			return false
		}
		before := st.speed
		switch {
		case st.orig > 0:
			st.speed = st.orig
		case c.FallbackSpeed > 0:
			st.speed = c.FallbackSpeed
		default:
			st.speed = -1
		}
		st.orig = -1
		st.kind = KindSuccess
		st.notes = append(st.notes, fmt.Sprintf("Unblocked %s for customer %s%s. %s %s -> %s.",
			c.IP, c.Customer, why, b.cfg.SpeedField, speedText(before), speedText(st.speed)))
		return true
	}
	return false
}

func speedText(v int) string {
	if v < 0 {
		return "unset"
	}
	return strconv.Itoa(v)
}

// nullable maps -1 to JSON null.
func nullable(v int) any {
	if v < 0 {
		return nil
	}
	return v
}

func changelogMessage(note string) string {
	m := "isptools block/unblock"
	if note != "" {
		m += ": " + note
	}
	if len(m) > 200 {
		m = m[:200]
	}
	return m
}

// journal creates one journal entry per written object, in bulk.
func (b *Backend) journal(ctx context.Context, ids []int64, states map[int64]*objState) error {
	var errs []error
	for chunk := range slices.Chunk(ids, b.cfg.BulkSize) {
		entries := make([]JournalEntryRequest, 0, len(chunk))
		for _, id := range chunk {
			st := states[id]
			entries = append(entries, JournalEntryRequest{
				AssignedObjectType: ObjectTypeIPAddress, AssignedObjectID: id,
				Kind: st.kind, Comments: strings.Join(st.notes, "\n"),
			})
		}
		if _, err := b.c.CreateJournalEntries(ctx, entries); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
