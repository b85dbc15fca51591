// Command unblocknet reconnects the customers with the disconnected label
// (ODPOJENO) who no longer owe: their IPs get back the speed remembered at
// block time (DEFAULT_SPEED when none was kept), all in one change (one
// Subversion commit), and then the label is removed from every customer
// whose IPs were all unblocked (or who has none), keeping their other
// labels. Whatever fails stays labelled for the next run. It is the Go port
// of the PHP isp-tools app of the same name (Pipeline A), built on
// [dunning.Unblock].
//
// A customer still owes when their unpaid or partly paid, not cancelled
// invoices and advance invoices due before today, less their open credit
// notes, leave more than MIN_DEBT (default 0) to pay in any one currency
// (HOME_CURRENCY, default CZK, is the currency of the books; an invoice in
// another currency counts by its own amount, and sums in different
// currencies are never added up); abraflexi-mark-defaulters uses the same
// rule. After applying, the state
// of every changed IP is re-read; an IP still blocked keeps the customer's
// label and is reported as an error. DRY_RUN reports the plan and changes
// nothing.
//
// Self-healing: besides the labelled customers, it reads what the backend
// holds as blocked by these tools (orig= in the hosts file, speed_orig in
// NetBox) and unblocks every such customer who does not carry the label,
// is not in AbraFlexi, or is VIP or NEODPOJOVAT (orphan_unblocked, with the
// why); entries blocked by hand (speed 0 without a kept original) are left
// alone and listed as warnings. So a customer left cut off by a race with
// blocknet, or whose label another tool removed, is restored by the next
// run. The whole run holds the run lock of the backend (RUN_LOCK_FILE,
// RUN_LOCK_TIMEOUT), shared with blocknet.
//
// Connection notices: every restored customer carrying
// LABEL_DISCONNECT_NOTIFIED (default OZNAMENO_ODPOJENI, written by
// blocknet's disconnection notice) loses it, so the next disconnection is
// notified again; nothing is written when nobody carries it. With
// NOTIFY_RECONNECTED=true every customer whose IPs this run restored, after
// the verified change, is mailed once that the connection is restored
// (mail configuration as the confirmations; NOTIFY_TEMPLATE_DIR with
// reconnected.<lang>.tmpl). A restore already done is Unchanged in the
// backend, so a re-run tells nobody again; a failed notice is a warning
// and is not retried.
//
// Exit status: 0 success (warnings included), 1 error. The JSON report
// lists every labelled customer with its action (unblocked, still_owes,
// no_ip_label_cleared, error_unblocking, error_removing_label,
// orphan_unblocked, ip_conflict), why, ips, unpaid_invoices and due.
//
// Environment: ABRAFLEXI_URL, ABRAFLEXI_LOGIN, ABRAFLEXI_PASSWORD,
// ABRAFLEXI_COMPANY, ABRAFLEXI_INSECURE; LABEL_DISCONNECTED, LABEL_VIP,
// LABEL_NODISCONNECT; MIN_DEBT; DEFAULT_SPEED (default 0);
// LABEL_DISCONNECT_NOTIFIED; NOTIFY_RECONNECTED and the mail variables
// (EASE_FROM, NOTIFY_LANG, NOTIFY_TEMPLATE_DIR, MUTE, MAIL_TRANSPORT,
// SMTP_*, SENDMAIL_PATH, LABEL_CONFIRMED, LABEL_CONFIRMED_PARTIAL,
// LABEL_NOTIFIED, HOME_CURRENCY); DRY_RUN;
// RUN_LOCK_FILE, RUN_LOCK_TIMEOUT; NETWORK_BACKEND (svn|file|netbox,
// default svn) with SVNURL, SVNUSER, SVNPASS, SVNBIN, SVN_HOSTS_PATH,
// SVN_WORKING_COPY, LOGFILE, HOSTS_CODE_FALLBACK (svn), HOSTS_FILE (file)
// or NETBOXURL, NETBOXTOKEN, NETBOX_* (netbox); plus RESULT_FILE,
// EASE_LOGGER and APP_DEBUG.
package main

import (
	"context"
	"log/slog"

	"github.com/spoje-net/isptools/dunning"
	"github.com/spoje-net/isptools/examples/internal/appkit"
	"github.com/spoje-net/isptools/examples/internal/dunningapp"
	"github.com/spoje-net/isptools/netbackend"
)

// appName is the binary, report producer and syslog tag.
const appName = "unblocknet"

func main() { appkit.Main(appName, run) }

func run(ctx context.Context, env *appkit.Env, log *slog.Logger) (*appkit.Report, error) {
	policy := dunningapp.UnblockPolicy(env) // dunning.UnblockPolicyFromLookup
	notices := dunningapp.ReconnectNotices(env, log)
	return dunningapp.NetRun(ctx, env, log, appName,
		func(ctx context.Context, af *dunning.AbraFlexi, nb netbackend.Backend, opts dunning.Options) (*dunning.UnblockResult, error) {
			opts.Notifier = notices.Notifier(af.Client, opts.Today)
			return dunning.Unblock(ctx, af, af, nb, policy, opts)
		}, dunningapp.UnblockReport)
}
