// Command isp-match-received-payment matches one received bank or cash
// payment (DOCUMENTID) to the unpaid issued invoice with its variable
// symbol and pairs them in AbraFlexi. It is the Go port of the PHP
// isp-tools app of the same name, run by the MultiFlexi event processor on
// every new banka/pokladna record (Pipeline B). MATCH_KEYS (default vs)
// adds the specific symbol (the customer's code), the payer's registered
// account and sums of several invoices paid in one pairing
// (matched_several), tried in the order given.
//
// Exit status: 0 matched (or nothing to do: already matched, outgoing), 2
// received but cannot be auto-matched (the payment.unmatched event;
// ambiguous_account among them), 1 error. The JSON report carries
// document, invoice, varSym, reason, amount, remainder and matched_by,
// and invoices with every invoice paid.
//
// Amounts are compared in the documents' own currency (HOME_CURRENCY is
// the company's); a payment is decided by what earlier pairings left of
// it, so a redelivered event never pays an invoice twice. Two runs on one
// payment at once take turns (a lock per payment, RUN_LOCK_TIMEOUT).
//
// Environment: DOCUMENTID (record code or numeric id), PAYMENT_EVIDENCE
// (banka|pokladna|auto), EVENT_EVIDENCE (the event's evidence: banka,
// pokladna or pokladni-pohyb; wins over auto), MATCH_KEYS (vs, ss,
// account, sum; default vs), MATCH_OVERPAY_MODE
// (settle|manual), LABEL_OVERPAY, LABEL_INVOICE_MISSING,
// LABEL_UNIDENTIFIED, HOME_CURRENCY (default CZK), RUN_LOCK_TIMEOUT,
// DRY_RUN (decide and report, write nothing), ABRAFLEXI_URL,
// ABRAFLEXI_LOGIN, ABRAFLEXI_PASSWORD, ABRAFLEXI_COMPANY,
// ABRAFLEXI_INSECURE, plus the common RESULT_FILE, EASE_LOGGER and
// APP_DEBUG.
package main

import (
	"context"
	"log/slog"

	"github.com/spoje-net/isptools/examples/internal/appkit"
	"github.com/spoje-net/isptools/examples/internal/connect"
	"github.com/spoje-net/isptools/examples/internal/paymentapp"
	"github.com/spoje-net/isptools/payments"
)

// appName is the binary, report producer and syslog tag.
const appName = "isp-match-received-payment"

func main() { appkit.Main(appName, run) }

func run(ctx context.Context, env *appkit.Env, log *slog.Logger) (*appkit.Report, error) {
	docID := env.String("DOCUMENTID", "")
	// No matcher Logger: appkit logs the report's decision and message.
	// The whole configuration is read before anything connects, so that a
	// run names every bad variable, not only DOCUMENTID.
	cfg := paymentapp.MatcherConfig(env)
	cfg.Lock = paymentapp.DocumentLock(env)
	client, err := connect.AbraFlexi(env, log)
	if err == nil {
		err = env.Err()
	}
	if docID == "" {
		// As the PHP tool: a report with reason no_documentid, exit 1.
		return paymentapp.MatchReport(paymentapp.NoDocumentID()), nil
	}
	if err != nil {
		return paymentapp.Failed(docID), err
	}
	m := payments.NewMatcher(payments.NewClientLedger(client, payments.WithLedgerLogger(log)), cfg)
	res, _ := m.MatchOne(ctx, docID) // the error is in the result
	return paymentapp.MatchReport(res), nil
}
