// Command blocknet disconnects the customers with the disconnected label
// (ODPOJENO): every IP the network backend knows for them is set to speed 0,
// all in one change (one Subversion commit). VIP and NEODPOJOVAT customers
// are skipped. It is the Go port of the PHP isp-tools app of the same name
// (Pipeline A), built on [dunning.Block].
//
// Safety: the circuit breaker refuses to newly block more than MAX_BLOCKS
// customers in one run (default 100, 0 = no limit): it then blocks nobody,
// exits 1 and lists who would have been cut. CUT_DAYS=workdays defers new
// blocks on weekends and Czech public holidays (exit 0, status warning).
// After applying, the state of every changed IP is re-read and any IP not
// blocked is reported as an error. DRY_RUN reports the plan and changes
// nothing. A hosts line is changed only for the customer whose {code:X}
// token it carries; an IP also on another customer's line is not changed
// (ip_conflict, status warning). The whole run holds the run lock of the
// backend (RUN_LOCK_FILE, RUN_LOCK_TIMEOUT), shared with unblocknet.
//
// Operator options, all off by default: BLOCK_SPEED throttles to that
// speed instead of cutting (the original is kept and restored the same
// way). MAX_BANK_DATA_AGE (e.g. 36h, or 2d in days, working days with
// CUT_DAYS=workdays) reads the newest incoming bank movement (one
// request) and, when it is older, newly blocks nobody: would_block,
// refused.reason stale_bank_data, status warning, exit 0, the report
// naming the movement and its date. NOTIFY_DISCONNECTED=true mails every
// customer held blocked (after the verified change) once that the
// connection was limited, what is owed on which invoices and how to pay:
// BANK_IBAN, the variable symbol of the oldest invoice, the amount and a
// QR Platba code (inline PNG and text line). The notice is recorded on
// the customer with LABEL_DISCONNECT_NOTIFIED (default OZNAMENO_ODPOJENI)
// before sending and the label taken back when sending fails, so the next
// run retries; unblocknet removes it on restore. The mail configuration is
// that of the confirmations (EASE_FROM, SMTP_*, MUTE, NOTIFY_LANG,
// NOTIFY_TEMPLATE_DIR with disconnected.<lang>.tmpl, …). A failed notice
// makes the status warning; it never undoes the block.
//
// Exit status: 0 success (warnings included), 1 error. The JSON report
// lists every labelled customer with its action (blocked, vip_skipped,
// nodisconnect_skipped, no_ip_found, error_blocking, would_block,
// ip_conflict), why, ips and, with the notices on, notice (sent,
// would_send, nothing_owed, no_email, send_failed, …).
//
// Environment: ABRAFLEXI_URL, ABRAFLEXI_LOGIN, ABRAFLEXI_PASSWORD,
// ABRAFLEXI_COMPANY, ABRAFLEXI_INSECURE; LABEL_DISCONNECTED, LABEL_VIP,
// LABEL_NODISCONNECT; MAX_BLOCKS; CUT_DAYS (any|workdays); BLOCK_SPEED;
// MAX_BANK_DATA_AGE; NOTIFY_DISCONNECTED, BANK_IBAN,
// LABEL_DISCONNECT_NOTIFIED and the mail variables (EASE_FROM,
// NOTIFY_LANG, NOTIFY_TEMPLATE_DIR, MUTE, MAIL_TRANSPORT, SMTP_*,
// SENDMAIL_PATH, LABEL_CONFIRMED, LABEL_CONFIRMED_PARTIAL, LABEL_NOTIFIED,
// HOME_CURRENCY); DRY_RUN (composes the notices, sends none);
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
const appName = "blocknet"

func main() { appkit.Main(appName, run) }

func run(ctx context.Context, env *appkit.Env, log *slog.Logger) (*appkit.Report, error) {
	policy := dunningapp.BlockPolicy(env) // dunning.BlockPolicyFromLookup
	notices := dunningapp.DisconnectNotices(env, log)
	return dunningapp.NetRun(ctx, env, log, appName,
		func(ctx context.Context, af *dunning.AbraFlexi, nb netbackend.Backend, opts dunning.Options) (*dunning.BlockResult, error) {
			opts.Notifier = notices.Notifier(af.Client, opts.Today)
			return dunning.Block(ctx, af, nb, policy, opts)
		}, dunningapp.BlockReport)
}
