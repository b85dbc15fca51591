package appkit

import (
	"context"
	"io"
	"log/slog"

	"github.com/spoje-net/isptools/report"
)

// Report is the JSON result report of one run ([report.Report]): the
// fields of the PHP isp-tools reports plus "producer" and
// metrics.exit_code, which the MultiFlexi report schema asks for.
type Report = report.Report

// Customer is one entry of a Pipeline A report's "customers" array
// ([report.Customer]).
type Customer = report.Customer

// Payment holds the Pipeline B report fields ([report.Payment]).
type Payment = report.Payment

// Status is the report status of the MultiFlexi report schema.
type Status = report.Status

// The report statuses ([report.StatusSuccess] …).
const (
	StatusSuccess = report.StatusSuccess
	StatusWarning = report.StatusWarning
	StatusError   = report.StatusError
)

// Exit codes used by the apps ([report.ExitOK] …).
const (
	ExitOK        = report.ExitOK
	ExitError     = report.ExitError
	ExitUnmatched = report.ExitUnmatched
)

// TimestampLayout is the report timestamp format, PHP's DATE_ATOM.
const TimestampLayout = report.TimestampLayout

// Destinations that mean the standard streams rather than files.
const (
	DestStdout = report.DestStdout
	DestStderr = report.DestStderr
)

// WriteReport writes r to dest ([report.Write]).
func WriteReport(dest string, r *Report, stdout, stderr io.Writer) error {
	return report.Write(dest, r, stdout, stderr)
}

// CheckDestination reports whether the JSON report can be written to dest
// without changing it ([report.CheckDestination]). [App.Run] calls it
// before the app changes anything.
func CheckDestination(dest string) error { return report.CheckDestination(dest) }

// Emit writes r to dest and logs the one-line summary, falling back to
// stdout when writing fails ([report.Emit]).
func Emit(ctx context.Context, log *slog.Logger, dest string, r *Report, stdout, stderr io.Writer) error {
	return report.Emit(ctx, log, dest, r, stdout, stderr)
}
