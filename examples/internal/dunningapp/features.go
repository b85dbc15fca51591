package dunningapp

import (
	"context"
	"log/slog"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/dunning"
	"github.com/spoje-net/isptools/examples/internal/appkit"
	"github.com/spoje-net/isptools/notify"
)

// The variables of the operator features of issue 14 that Pipeline A
// reads: BLOCK_SPEED, MAX_BANK_DATA_AGE, MIN_OVERDUE_DAYS, the connection
// notices (NOTIFY_DISCONNECTED, NOTIFY_RECONNECTED, BANK_IBAN) and the
// label recording the disconnection notice.

// VarLabelDisconnectNotified names the label that records on a customer
// that the disconnection notice was sent (default
// [dunning.DefaultLabelDisconnectNotified]).
const VarLabelDisconnectNotified = "LABEL_DISCONNECT_NOTIFIED"

// BlockSpeed reads BLOCK_SPEED: the speed a block sets, 0 or more (default
// 0, cut off).
func BlockSpeed(env *appkit.Env) int { return env.Int("BLOCK_SPEED", 0, 0) }

// BankDataAge reads MAX_BANK_DATA_AGE ([dunning.ParseBankDataAge]: a
// duration such as 36h, days such as 2d, empty or 0 for no guard).
func BankDataAge(env *appkit.Env) dunning.BankDataAge {
	s := env.String("MAX_BANK_DATA_AGE", "")
	a, err := dunning.ParseBankDataAge(s)
	if err != nil {
		env.Errorf("MAX_BANK_DATA_AGE=%q: want a duration such as 36h, or days such as 2d (working days with CUT_DAYS=workdays); empty or 0 turns the guard off", s)
	}
	return a
}

// MinOverdueDays reads MIN_OVERDUE_DAYS: calendar days, 0 or more (default
// 0, any overdue debt counts).
func MinOverdueDays(env *appkit.Env) int { return env.Int("MIN_OVERDUE_DAYS", 0, 0) }

// NoticeLabel reads LABEL_DISCONNECT_NOTIFIED (default OZNAMENO_ODPOJENI).
func NoticeLabel(env *appkit.Env) string {
	return env.String(VarLabelDisconnectNotified, dunning.DefaultLabelDisconnectNotified)
}

// Notices are the connection notices of a network app, read by
// [DisconnectNotices] or [ReconnectNotices]; nil when switched off.
type Notices struct {
	cn *notify.ConnectionNotices
}

// DisconnectNotices reads blocknet's notice configuration:
// NOTIFY_DISCONNECTED (default false) and, when it is on, BANK_IBAN
// (required) and the mail configuration of the confirmations
// ([notify.ConfigFromLookup]: EASE_FROM, NOTIFY_LANG, NOTIFY_TEMPLATE_DIR,
// MUTE, MAIL_TRANSPORT, SMTP_*, SENDMAIL_PATH, the confirmation labels,
// HOME_CURRENCY). Bad values are recorded in env. nil when off.
func DisconnectNotices(env *appkit.Env, log *slog.Logger) *Notices {
	nc, err := notify.DisconnectNoticeConfigFromLookup(env.Lookup)
	env.Record(err)
	if !nc.Disconnected {
		return nil
	}
	return notices(env, log, nc, err == nil)
}

// ReconnectNotices reads unblocknet's notice configuration:
// NOTIFY_RECONNECTED (default false) and, when it is on, the mail
// configuration as [DisconnectNotices]
// ([notify.ReconnectNoticeConfigFromLookup]). nil when off.
func ReconnectNotices(env *appkit.Env, log *slog.Logger) *Notices {
	nc, err := notify.ReconnectNoticeConfigFromLookup(env.Lookup)
	env.Record(err)
	if !nc.Reconnected {
		return nil
	}
	return notices(env, log, nc, err == nil)
}

// notices reads the mail configuration of switched-on notices, also when
// the notice settings themselves were bad (ncOK false), so one run names
// every bad variable; it builds the notices only when all is well.
func notices(env *appkit.Env, log *slog.Logger, nc notify.NoticeConfig, ncOK bool) *Notices {
	cfg, err := notify.ConfigFromLookup(env.Lookup)
	if err != nil {
		env.Errorf("%v", err)
		return &Notices{}
	}
	if !ncOK {
		return &Notices{}
	}
	if err := nc.Validate(); err != nil {
		env.Errorf("%v", err)
		return &Notices{}
	}
	// The client is set once connected (see Options); templates and the
	// sender are checked now, with the rest of the configuration.
	cn, err := notify.NewConnectionNotices(cfg, nc, nil, log)
	if err != nil {
		env.Errorf("%v", err)
		return &Notices{}
	}
	if log != nil {
		log.Debug("connection notices", "notify", cfg)
	}
	return &Notices{cn: cn}
}

// Notifier returns the [dunning.Notifier] of the notices for a run on
// today with client, or nil when n is nil (notices off).
func (n *Notices) Notifier(client *abraflexi.Client, today abraflexi.Date) dunning.Notifier {
	if n == nil || n.cn == nil {
		return nil
	}
	cn := *n.cn
	cn.Deps.Client, cn.Today = client, today
	return NewNotifier(&cn)
}

// NewNotifier returns cn as the [dunning.Notifier] of a network run.
func NewNotifier(cn *notify.ConnectionNotices) dunning.Notifier { return notifier{cn} }

// notifier adapts [notify.ConnectionNotices] to [dunning.Notifier].
type notifier struct{ cn *notify.ConnectionNotices }

func (n notifier) Disconnected(ctx context.Context, ns []dunning.Notice, label string, dryRun bool) []dunning.NoticeOutcome {
	in := make([]notify.DisconnectedNotice, len(ns))
	for i, x := range ns {
		in[i] = notify.DisconnectedNotice{Customer: x.Customer, Debts: x.Debts}
	}
	return outcomes(n.cn.Disconnected(ctx, in, label, dryRun))
}

func (n notifier) Reconnected(ctx context.Context, ns []dunning.Notice, dryRun bool) []dunning.NoticeOutcome {
	in := make([]abraflexi.Address, len(ns))
	for i, x := range ns {
		in[i] = x.Customer
	}
	return outcomes(n.cn.Reconnected(ctx, in, dryRun))
}

func outcomes(rs []notify.NoticeResult) []dunning.NoticeOutcome {
	out := make([]dunning.NoticeOutcome, len(rs))
	for i, r := range rs {
		out[i] = dunning.NoticeOutcome{Customer: r.Document, Status: string(r.Reason), Recipients: r.Recipients,
			MessageID: r.MessageID, Err: r.Err, Warnings: r.Warnings}
	}
	return out
}
