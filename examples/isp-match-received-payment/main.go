// Command isp-match-received-payment matches one received bank or cash
// payment (DOCUMENTID) to the unpaid issued invoice with its variable
// symbol and pairs them in AbraFlexi. It is the Go port of the PHP
// isp-tools app of the same name, run by the MultiFlexi event processor on
// every new banka/pokladna record (Pipeline B).
//
// Exit status: 0 matched (or nothing to do: already matched, outgoing), 2
// received but cannot be auto-matched (the payment.unmatched event), 1
// error. The JSON report carries document, invoice, varSym, reason,
// amount and remainder.
//
// Environment: DOCUMENTID (record code or numeric id), PAYMENT_EVIDENCE
// (banka|pokladna|auto), MATCH_OVERPAY_MODE (settle|manual),
// LABEL_OVERPAY, LABEL_INVOICE_MISSING, LABEL_UNIDENTIFIED, DRY_RUN
// (decide and report, write nothing), ABRAFLEXI_URL, ABRAFLEXI_LOGIN,
// ABRAFLEXI_PASSWORD, ABRAFLEXI_COMPANY, ABRAFLEXI_INSECURE, plus the
// common RESULT_FILE, EASE_LOGGER and APP_DEBUG.
package main

import (
	"context"
	"encoding/json"
	"log/slog"

	"github.com/spoje-net/isptools/examples/internal/appkit"
	"github.com/spoje-net/isptools/examples/internal/dunningapp"
	"github.com/spoje-net/isptools/payments"
)

// appName is the binary, report producer and syslog tag.
const appName = "isp-match-received-payment"

func main() { appkit.Main(appName, run) }

func run(ctx context.Context, env *appkit.Env, log *slog.Logger) (*appkit.Report, error) {
	docID := env.String("DOCUMENTID", "")
	if docID == "" {
		// As the PHP tool: a report with reason no_documentid, exit 1.
		return ReportOf(payments.Result{Reason: payments.NoDocumentID, ExitCode: payments.ExitError,
			Message: "No DOCUMENTID provided."}), nil
	}
	cfg := matcherConfig(env)
	client, err := dunningapp.Client(env, log)
	if err == nil {
		err = env.Err()
	}
	if err != nil {
		return &appkit.Report{Payment: &appkit.Payment{Document: docID, Reason: string(payments.Failed)}}, err
	}
	m := payments.NewMatcher(payments.NewClientLedger(client), cfg)
	res, _ := m.MatchOne(ctx, docID) // the error is in the result
	return ReportOf(res), nil
}

// matcherConfig reads the matcher's environment variables; bad values are
// recorded in env.
func matcherConfig(env *appkit.Env) payments.Config {
	ev := env.Enum("PAYMENT_EVIDENCE", string(payments.EvidenceAuto), "banka", "pokladna", "auto")
	mode := env.Enum("MATCH_OVERPAY_MODE", string(payments.OverpaySettle), "settle", "manual")
	return payments.Config{
		Evidence: payments.EvidenceChoice(ev),
		Policy: payments.Policy{
			OverpayMode: payments.OverpayMode(mode),
			Labels: payments.Labels{
				Overpay:        env.String("LABEL_OVERPAY", payments.DefaultLabelOverpay),
				InvoiceMissing: env.String("LABEL_INVOICE_MISSING", payments.DefaultLabelInvoiceMissing),
				Unidentified:   env.String("LABEL_UNIDENTIFIED", payments.DefaultLabelUnidentified),
			},
		},
		DryRun: env.Bool("DRY_RUN", false),
		// No per-payment log line: appkit logs the report's message.
	}
}

// ReportOf renders a matcher result as the app's report: the PHP fields
// document, invoice, varSym and reason, plus amount and remainder (and
// evidence and dryRun); exit code and status follow the reason.
func ReportOf(res payments.Result) *appkit.Report {
	r := &appkit.Report{
		ExitCode: res.ExitCode,
		Message:  res.Message,
		Payment:  &appkit.Payment{Document: res.Document, Reason: string(res.Reason)},
		Extra: map[string]any{
			"amount":    nil,
			"remainder": nil,
		},
	}
	if res.Invoice != "" {
		r.Payment.Invoice = &res.Invoice
	}
	if res.VarSym != "" || res.Evidence != "" {
		vs := res.VarSym
		r.Payment.VarSym = &vs
	}
	if res.Evidence != "" {
		r.Extra["amount"] = json.Number(res.Amount.StringFixed(2))
		r.Extra["evidence"] = res.Evidence
	}
	if res.Remainder != "" {
		r.Extra["remainder"] = string(res.Remainder)
	}
	if len(res.Labels) > 0 {
		r.Extra["labels"] = res.Labels
	}
	if res.DryRun {
		r.Extra["dryRun"] = true
	}
	switch res.ExitCode {
	case payments.ExitError:
		r.Status = appkit.StatusError
	case payments.ExitUnmatched:
		r.Status = appkit.StatusWarning
	default:
		if res.LabelError != "" {
			r.Status = appkit.StatusWarning
		}
	}
	r.SetMetric("paired", boolInt(res.Matched() && !res.DryRun))
	return r
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
