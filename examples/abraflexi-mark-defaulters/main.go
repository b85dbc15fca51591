// Command abraflexi-mark-defaulters marks customers for disconnection: every
// customer with the third-reminder label (UPOMINKA3), an active internet
// contract and a current overdue debt gets the disconnected label
// (ODPOJENO). VIP and NEODPOJOVAT customers are never marked. A contract is
// not active once its notice date (datVypoz) has passed or when its state
// (stavSml) is one of CONTRACT_INACTIVE_STATES; open credit notes reduce
// the debt. With MIN_OVERDUE_DAYS (grace days, default 0) only customers
// with an unpaid invoice at least that many calendar days past its due
// date are marked; the others get grace_days_skipped, and the why says
// "oldest unpaid invoice 17 days overdue". It is the Go
// port of the PHP isp-tools app of the same name (Pipeline A), built on
// [dunning.Mark].
//
// Exit status: 0 success (warnings included), 1 error. The JSON report
// lists every customer with the third reminder with its action
// (marked_for_disconnection, already_marked, vip_skipped,
// nodisconnect_skipped, no_contract_skipped, no_debt_skipped,
// grace_days_skipped, error_marking), why, unpaid_invoices and due.
//
// Environment: ABRAFLEXI_URL, ABRAFLEXI_LOGIN, ABRAFLEXI_PASSWORD,
// ABRAFLEXI_COMPANY, ABRAFLEXI_INSECURE; LABEL_THIRD_REMINDER,
// LABEL_DISCONNECTED, LABEL_VIP, LABEL_NODISCONNECT; INET_CONTRACT_TYPE
// (contract type code; unset = typSmlouvy.INTERNET as in the PHP tool,
// set to an empty value = any active contract);
// CONTRACT_INACTIVE_STATES (comma-separated stav-smlouvy codes);
// MIN_DEBT (mark only customers owing more, default 0); MIN_OVERDUE_DAYS
// (grace days, default 0); DRY_RUN (decide and
// report, write nothing); plus RESULT_FILE, EASE_LOGGER and APP_DEBUG.
// HOME_CURRENCY (default CZK) is the currency of the books: an invoice in
// another currency counts by its own amount, and MIN_DEBT applies to each
// currency's sum by itself.
package main

import (
	"context"
	"log/slog"

	"github.com/spoje-net/isptools/dunning"
	"github.com/spoje-net/isptools/examples/internal/appkit"
	"github.com/spoje-net/isptools/examples/internal/dunningapp"
)

// appName is the binary, report producer and syslog tag.
const appName = "abraflexi-mark-defaulters"

func main() { appkit.Main(appName, run) }

func run(ctx context.Context, env *appkit.Env, log *slog.Logger) (*appkit.Report, error) {
	policy := dunningapp.MarkPolicy(env) // dunning.MarkPolicyFromLookup
	return dunningapp.Run(ctx, env, log, appName,
		func(ctx context.Context, af *dunning.AbraFlexi, opts dunning.Options) (*dunning.MarkResult, error) {
			return dunning.Mark(ctx, af, af, policy, opts)
		}, dunningapp.MarkReport)
}
