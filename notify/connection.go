package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/spoje-net/isptools/abraflexi"
)

// ReasonNothingOwed: a customer to tell about a limited connection has no
// unpaid invoice left to ask for ([ErrNothingOwed]); nothing is sent and
// no label written (the customer paid since being marked, and unblocknet
// restores them).
const ReasonNothingOwed Reason = "nothing_owed"

// customerBatch is how many customers one listing of the connection
// notices reads (kod in (...)), so the URL stays short.
const customerBatch = 100

// ConnectionNotices sends the connection notices of Pipeline A: that a
// customer's connection was limited and how to pay ([ComposeDisconnected])
// and that it is restored ([ComposeReconnected]). Build it with
// [NewConnectionNotices] or fill it in (tests). The network runs call it
// under their run lock, after the change was applied and verified.
type ConnectionNotices struct {
	// Deps read the customers' addresses (e-mail and contacts), write the
	// notice label and send; Deps.Templates must come from
	// [LoadNoticeTemplates]. Deps.Mute composes without sending or
	// writing (would_send); Deps.Lock is not used (the runs hold their
	// own lock).
	Deps Deps
	// IBAN is the account customers pay to (BANK_IBAN); required by
	// Disconnected.
	IBAN abraflexi.IBAN
	// BIC optionally names the IBAN's bank in the notice and its QR code.
	BIC string
	// Today counts the days overdue in the disconnection notice; zero
	// leaves them out.
	Today abraflexi.Date
}

// NoticeResult is the outcome of one connection notice: its [Result]
// (Document is the customer's code; Label the recording label, for
// disconnection notices) and, when it failed, why.
type NoticeResult struct {
	Result
	// Err is set when the notice failed (its Reason's severity is error).
	Err error
}

// NewConnectionNotices builds the connection notices from a validated mail
// configuration and notice configuration: the templates of cfg.Lang with
// the notices ([LoadNoticeTemplates], cfg.TemplateDir overrides) and the
// sender of [NewSender]. log may be nil.
func NewConnectionNotices(cfg Config, nc NoticeConfig, client *abraflexi.Client, log *slog.Logger) (*ConnectionNotices, error) {
	if err := errors.Join(cfg.Validate(), nc.Validate()); err != nil {
		return nil, err
	}
	t, err := LoadNoticeTemplates(cfg.Lang, cfg.TemplateDir)
	if err != nil {
		return nil, err
	}
	s, err := NewSender(cfg, log)
	if err != nil {
		return nil, err
	}
	return &ConnectionNotices{
		Deps: Deps{Client: client, Sender: s, Templates: t, From: cfg.From, Mute: cfg.Mute, Labels: cfg.Labels,
			HomeCurrency: cfg.HomeCurrency, Log: log},
		IBAN: nc.IBAN,
	}, nil
}

// Disconnected tells each customer of notices (Customer and Debts; the
// other fields default to the ConnectionNotices' IBAN, BIC, Today and
// Deps.HomeCurrency) that the connection was limited, what is owed on
// which invoices and how to pay, with the QR Platba code. It reads the
// customers again (e-mail, contacts and labels; one listing per 100
// customers), makes sure label exists in the label codebook for the
// address book (created on first use), and then, per customer:
//
//   - the customer carries label: already_notified, nothing sent;
//   - no valid address (its e-mail, else its primary contact's): no_email;
//   - no unpaid invoice to ask for: nothing_owed, nothing sent;
//   - dryRun or Deps.Mute: would_send, composed only, nothing written;
//   - else label is added to the customer (the claim: a failure sends
//     nothing), the message is sent, and when sending fails (send_failed)
//     the claim is removed again so the next run retries.
//
// So a customer gets the notice once per disconnection: a crash between
// the claim and the send loses that one message rather than sending it
// twice. One result per notice, in order.
func (c *ConnectionNotices) Disconnected(ctx context.Context, notices []DisconnectedNotice, label string, dryRun bool) []NoticeResult {
	label = strings.ToUpper(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(label), "code:")))
	customers := make([]abraflexi.Address, len(notices))
	for i, n := range notices {
		customers[i] = n.Customer
	}
	out, current := c.start(ctx, customers)
	if current == nil {
		return out
	}
	d := c.Deps
	mute := dryRun || d.Mute
	switch {
	case label == "":
		return failAll(out, ReasonError, errors.New("notify: no label to record the disconnection notice"))
	case c.IBAN.IsZero():
		return failAll(out, ReasonError, fmt.Errorf("notify: %s is not set: the disconnection notice cannot say where to pay", VarBankIBAN))
	}
	ensured := false
	for i, n := range notices {
		r := &out[i]
		if r.Reason != "" {
			continue // failed in start
		}
		r.Label = label
		cust := current[i]
		if cust.Labels.Has(label) {
			r.Reason = ReasonAlreadyNotified
			continue
		}
		rcpt := AddressRecipients(cust)
		r.setRecipients(rcpt)
		if len(rcpt.To) == 0 {
			r.fail(ReasonNoEmail, fmt.Errorf("notify: customer %s: no valid e-mail address (adresar e-mail, primary contact)", r.Document))
			continue
		}
		n.Customer = *cust
		if n.IBAN.IsZero() {
			n.IBAN, n.BIC = c.IBAN, c.BIC
		}
		if n.Today.IsZero() {
			n.Today = c.Today
		}
		if n.HomeCurrency == "" {
			n.HomeCurrency = d.HomeCurrency
		}
		msg, err := ComposeDisconnected(d.Templates, d.From, rcpt.To, n)
		switch {
		case errors.Is(err, ErrNothingOwed):
			r.Reason = ReasonNothingOwed
			d.log().InfoContext(ctx, "no disconnection notice: nothing owed", "customer", r.Document)
			continue
		case err != nil:
			r.fail(ReasonError, err)
			continue
		}
		r.Message = msg
		if !mute && !ensured {
			if err := d.ensureLabel(ctx, label, abraflexi.EvidenceAddress); err != nil {
				// Nothing can be recorded, so nothing is sent to anybody.
				for j := i; j < len(out); j++ {
					if out[j].Reason == "" {
						out[j].Label = label
						out[j].fail(ReasonLabelMissing, err)
					}
				}
				return out
			}
			ensured = true
		}
		id := cust.ID
		c.deliver(ctx, r, mute, labelClaim{
			add: func(ctx context.Context) error {
				res, err := d.Client.Addresses.AddLabels(ctx, []abraflexi.ID{id}, abraflexi.WriteOptions{}, label)
				for _, w := range res {
					if err == nil && len(w.Errors) > 0 {
						err = fmt.Errorf("notify: AbraFlexi refused label %s on customer %s: %s", label, id, w.Errors[0].Message)
					}
				}
				return err
			},
			remove: func(ctx context.Context) error {
				_, err := d.Client.Addresses.RemoveLabels(ctx, id, label)
				return err
			},
			what: fmt.Sprintf("label %s on customer %s", label, r.Document),
		})
	}
	return out
}

// Reconnected tells each customer that the connection is restored. It
// reads the customers again (e-mail and contacts; one listing per 100
// customers) and sends one message each (no_email without a valid
// address; would_send under dryRun or Deps.Mute). Nothing is recorded in
// AbraFlexi: the network runs send it once per restore. One result per
// customer, in order.
func (c *ConnectionNotices) Reconnected(ctx context.Context, customers []abraflexi.Address, dryRun bool) []NoticeResult {
	out, current := c.start(ctx, customers)
	if current == nil {
		return out
	}
	d := c.Deps
	noClaim := func(context.Context) error { return nil }
	for i := range customers {
		r := &out[i]
		if r.Reason != "" {
			continue
		}
		rcpt := AddressRecipients(current[i])
		r.setRecipients(rcpt)
		if len(rcpt.To) == 0 {
			r.fail(ReasonNoEmail, fmt.Errorf("notify: customer %s: no valid e-mail address (adresar e-mail, primary contact)", r.Document))
			continue
		}
		msg, err := ComposeReconnected(d.Templates, d.From, rcpt.To, *current[i])
		if err != nil {
			r.fail(ReasonError, err)
			continue
		}
		r.Message = msg
		c.deliver(ctx, r, dryRun || d.Mute, labelClaim{add: noClaim, remove: noClaim, what: "nothing"})
	}
	return out
}

// start checks the dependencies and reads the customers' current records:
// one result per customer (Document its code), and the record of each
// (nil slice when nothing can go on; a customer AbraFlexi no longer has
// is failed with document_not_found).
func (c *ConnectionNotices) start(ctx context.Context, customers []abraflexi.Address) ([]NoticeResult, []*abraflexi.Address) {
	out := make([]NoticeResult, len(customers))
	for i, cu := range customers {
		out[i].Document = strings.TrimSpace(cu.Code)
	}
	if len(customers) == 0 {
		return out, nil
	}
	d := c.Deps
	if err := d.check(); err != nil {
		return failAll(out, ReasonError, err), nil
	}
	if d.Templates.sets[TemplateDisconnected] == nil {
		return failAll(out, ReasonError, errors.New("notify: the templates lack the connection notices (use LoadNoticeTemplates)")), nil
	}
	byCode := map[string]*abraflexi.Address{}
	codes := make([]any, 0, len(customers))
	for _, cu := range customers {
		if code := strings.TrimSpace(cu.Code); code != "" {
			codes = append(codes, code)
		}
	}
	for chunk := range slices.Chunk(codes, customerBatch) {
		got, err := d.Client.Addresses.All(ctx, abraflexi.ListOptions{Filter: abraflexi.In("kod", chunk...)})
		if err != nil {
			return failAll(out, ReasonError, fmt.Errorf("notify: reading the customers to notify: %w", err)), nil
		}
		for i := range got {
			byCode[strings.ToUpper(strings.TrimSpace(got[i].Code))] = &got[i]
		}
	}
	current := make([]*abraflexi.Address, len(customers))
	for i := range customers {
		current[i] = byCode[strings.ToUpper(out[i].Document)]
		if current[i] == nil {
			out[i].fail(ReasonDocumentNotFound, fmt.Errorf("notify: customer %s is not in the address book", out[i].Document))
		}
	}
	return out, current
}

// deliver sends r.Message with claim ([Deps.deliver]), or only renders it
// when mute, and logs the outcome.
func (c *ConnectionNotices) deliver(ctx context.Context, r *NoticeResult, mute bool, claim labelClaim) {
	d := c.Deps
	d.Mute = mute
	res, err := d.deliver(ctx, r.Result, claim)
	r.Result, r.Err = res, err
	if err != nil {
		d.log().WarnContext(ctx, "connection notice failed", "customer", r.Document, "reason", r.Reason, "error", err)
	}
}

// fail records a failed notice.
func (r *NoticeResult) fail(reason Reason, err error) {
	r.Reason, r.Err = reason, err
}

// failAll fails every result not decided yet.
func failAll(out []NoticeResult, reason Reason, err error) []NoticeResult {
	for i := range out {
		if out[i].Reason == "" {
			out[i].fail(reason, err)
		}
	}
	return out
}
