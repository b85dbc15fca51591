package dunningapp

import (
	"github.com/spoje-net/isptools/dunning"
	"github.com/spoje-net/isptools/examples/internal/appkit"
	"github.com/spoje-net/isptools/report"
)

// MarkReport renders a [dunning.Mark] result ([report.Mark]). res may be
// nil when the run failed before deciding.
func MarkReport(res *dunning.MarkResult) *appkit.Report { return report.Mark(res) }

// BlockReport renders a [dunning.Block] result ([report.Block]). res may
// be nil when the run failed before deciding.
func BlockReport(res *dunning.BlockResult) *appkit.Report { return report.Block(res) }

// UnblockReport renders a [dunning.Unblock] result ([report.Unblock]). res
// may be nil when the run failed before deciding.
func UnblockReport(res *dunning.UnblockResult) *appkit.Report { return report.Unblock(res) }
