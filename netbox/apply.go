package netbox

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/spoje-net/isptools/netbackend"
)

// objState is the planned custom-field state of one NetBox IP object.
type objState struct {
	ip          IPAddress
	speed, orig int // -1 when unset
	dirty       bool
	notes       []string // journal lines
	kind        string
}

// Apply blocks and unblocks IP addresses. It checks the custom fields,
// reads the current state of all affected IPs in batched requests, computes
// the changes and writes them as bulk PATCH requests of up to BulkSize
// objects (each one all-or-none in NetBox). Under opts.DryRun it only reads.
//
// A change of an IP that NetBox holds several times (e.g. in several VRFs)
// changes every object with that host address.
//
// The error is non-nil when nothing could be written (bad token, missing
// custom fields, failed reads, every bulk request failed) or when the
// journal entries of applied changes could not be created; the results
// then still say which changes went through. A failed bulk request marks
// the changes it carried as Failed with NetBox's answer as Err.
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
	if err := b.CheckCustomFields(ctx); err != nil {
		return nil, err
	}
	addrs := make([]netip.Addr, len(changes))
	for i, c := range changes {
		addrs[i] = c.IP.Unmap()
	}
	objs, err := b.readAddrs(ctx, addrs)
	if err != nil {
		return nil, err
	}

	states := map[int64]*objState{}
	var order []int64                          // dirty ids in first-change order
	changeIDs := make([][]int64, len(changes)) // ids touched by each change
	for i, c := range changes {
		list := objs[c.IP.Unmap()]
		if len(list) == 0 {
			results[i].Status = netbackend.NotFound
			continue
		}
		var failed error
		changed := false
		var mine []IPAddress
		for _, ip := range list {
			// an object of another owner is never changed for this customer
			if len(b.owners(ip)) > 0 && !b.owns(ip, c.Customer) {
				failed = fmt.Errorf("netbox: %s of %s is also ip-address %d of %s: %w",
					c.IP, c.Customer, ip.ID, strings.Join(b.owners(ip), ", "), netbackend.ErrConflict)
				break
			}
			mine = append(mine, ip)
		}
		for j, ip := range mine {
			if failed != nil {
				break
			}
			st := states[ip.ID]
			if st == nil {
				speed, orig, err := b.speeds(ip)
				if err != nil {
					failed = fmt.Errorf("netbox: IP %s (id %d): %w", c.IP, ip.ID, err)
					break
				}
				st = &objState{ip: ip, speed: speed, orig: orig}
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

	// Write in chunks; remember which ids made it.
	done := map[int64]bool{}
	failedIDs := map[int64]error{}
	var written []int64
	msg := changelogMessage(opts.Note)
	for chunk := range slices.Chunk(order, b.cfg.BulkSize) {
		updates := make([]IPAddressUpdate, len(chunk))
		for k, id := range chunk {
			st := states[id]
			updates[k] = IPAddressUpdate{ID: id, ChangelogMessage: msg, CustomFields: map[string]any{
				b.cfg.SpeedField:     nullable(st.speed),
				b.cfg.OrigSpeedField: nullable(st.orig),
			}}
		}
		answer, err := b.c.BulkUpdateIPAddresses(ctx, updates)
		if err != nil {
			err = fmt.Errorf("netbox: bulk update of %d IP addresses rejected, none of them changed: %w", len(chunk), err)
			b.log.WarnContext(ctx, "netbox bulk update failed", "objects", len(chunk), "error", err)
			for _, id := range chunk {
				failedIDs[id] = err
			}
			continue
		}
		for _, ip := range answer {
			done[ip.ID] = true
		}
		for _, id := range chunk {
			if done[id] {
				written = append(written, id)
			}
		}
	}
	for i := range results {
		if results[i].Status != netbackend.Changed {
			continue
		}
		var gone int
		for _, id := range changeIDs[i] {
			if err := failedIDs[id]; err != nil {
				results[i].Status, results[i].Err = netbackend.Failed, err
				break
			}
			if !done[id] {
				gone++
			}
		}
		if results[i].Status == netbackend.Changed && gone == len(changeIDs[i]) {
			results[i].Status = netbackend.NotFound // deleted since it was read
		}
	}
	if len(written) == 0 && len(failedIDs) > 0 {
		var first error
		for _, id := range order {
			if first = failedIDs[id]; first != nil {
				break
			}
		}
		return results, first
	}
	if b.cfg.Journal && len(written) > 0 {
		if err := b.journal(ctx, written, states); err != nil {
			return results, fmt.Errorf("netbox: changes applied, but journal entries failed: %w", err)
		}
	}
	return results, nil
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
		held := netbackend.IsBlocked(st.speed, st.orig)
		if held && st.speed >= 0 && st.speed <= c.BlockSpeed {
			return false
		}
		before := st.speed
		// keep the previous speed (0 for an IP without one); a kept
		// original of an IP held as blocked stays
		if !held {
			st.orig = max(st.speed, 0)
		}
		if held || st.speed < 0 || st.speed > c.BlockSpeed {
			st.speed = c.BlockSpeed
		}
		st.dirty = true
		st.kind = KindWarning
		st.notes = append(st.notes, fmt.Sprintf("Blocked %s for customer %s%s. %s %s -> %d, kept in %s.",
			c.IP, c.Customer, why, b.cfg.SpeedField, speedText(before), st.speed, b.cfg.OrigSpeedField))
		return true
	case netbackend.Unblock:
		if !netbackend.IsBlocked(st.speed, st.orig) {
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
		st.dirty = true
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
	return fmt.Sprint(v)
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
