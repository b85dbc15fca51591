package abraflexi

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// labelVisibility names the flag of a label definition (stitek) that makes
// the label available on the records of an evidence.
var labelVisibility = map[string]string{
	EvidenceAddress:       "vsbAdr",
	EvidenceIssuedInvoice: "vsbFav",
	EvidenceBank:          "vsbBan",
	EvidenceCash:          "vsbPok",
	EvidenceContract:      "vsbSml",
}

// EnsureLabel makes sure the label code exists in the label codebook
// (stitek), as AbraFlexi refuses to put an unknown label on a record. A
// missing label is created with its code as name, visible for the given
// evidences (vsbAdr, vsbFav, vsbBan, vsbPok, vsbSml); created reports
// whether this call created it. An existing label is left as it is, and a
// label created meanwhile by someone else is not overwritten (the create
// carries "@update": "ignore"). The error of a failed creation (for
// example a user without the right to edit the codebook) names the label
// and the evidences.
func (c *Client) EnsureLabel(ctx context.Context, code string, evidences ...string) (created bool, err error) {
	set, err := labelSetOf([]string{code})
	if err != nil {
		return false, err
	}
	code = set.Codes()[0]
	_, err = c.Labels.Get(ctx, CodeID(code))
	if err == nil {
		return false, nil
	}
	if !errors.Is(err, ErrNotFound) {
		return false, fmt.Errorf("abraflexi: reading label %s: %w", code, err)
	}
	rec := Fields{"id": CodeID(code).String(), "kod": code, "nazev": code, "@update": "ignore"}
	for _, ev := range evidences {
		flag, ok := labelVisibility[ev]
		if !ok {
			return false, fmt.Errorf("abraflexi: label %s: no visibility flag for evidence %q", code, ev)
		}
		rec[flag] = true
	}
	if _, err := c.Upsert(ctx, EvidenceLabel, []Fields{rec}, WriteOptions{Atomic: true}); err != nil {
		return false, fmt.Errorf("abraflexi: creating label %s for %s in the label codebook (stitek): %w",
			code, strings.Join(evidences, ", "), err)
	}
	return true, nil
}
