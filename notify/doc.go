// Package notify composes and sends the customer e-mails of Pipeline B:
// the confirmation that an issued invoice was paid, with the tax document
// (invoice PDF) attached ([ConfirmInvoicePayment], app
// isp-potvrzeni-prijeti-uhrady), and the notice that a bank or cash
// payment arrived but awaits manual matching ([NoticePaymentReceived], app
// isp-potvrzeni-prijeti-bankovni-platby).
//
// # Design
//
// Decisions and composition are pure: [DecideConfirmation] and
// [DecidePaymentNotice] decide, [InvoiceRecipients] and
// [AddressRecipients] choose recipients, and [ComposeInvoicePaid] and
// [ComposePaymentReceived] render [Templates] into a [Message]. I/O lives
// in the AbraFlexi client and in the [Sender] implementations:
// [SMTPSender] (wneessen/go-mail), [Sendmail] (the local
// "/usr/sbin/sendmail -t -i", which the PHP tools relied on) and [Mute].
// Package notifytest offers a capturing sender and a real SMTP server for
// tests.
//
// # Configuration
//
// [ConfigFromEnv] reads EASE_FROM (required), NOTIFY_LANG (cs or en,
// default cs), NOTIFY_TEMPLATE_DIR, MUTE, MAIL_TRANSPORT (auto, smtp or
// sendmail; auto means SMTP when SMTP_HOST is set), SMTP_HOST, SMTP_PORT,
// SMTP_USERNAME, SMTP_PASSWORD, SMTP_TLS (none, starttls (default) or
// tls), SMTP_AUTH, SMTP_TIMEOUT, SENDMAIL_PATH, LABEL_CONFIRMED,
// LABEL_CONFIRMED_PARTIAL, LABEL_NOTIFIED and HOME_CURRENCY (default CZK).
// Errors name the bad variables; the password never appears in errors,
// String or log output.
//
// # Messages
//
// Messages are UTF-8 text/plain (quoted-printable) with RFC 2047-encoded
// subject and display names; the invoice PDF is downloaded into memory
// and attached as application/pdf. Amounts are in the document's own
// currency (the …Men fields of a document not in HOME_CURRENCY), have two
// decimals and are followed by the currency code: "1 210,00 CZK" in
// Czech, "1,210.00 CZK" in English ([FormatAmount]). Dates are YYYY-MM-DD without a time zone.
// Templates are text/template files embedded in the package; a directory
// of overrides with the same file names replaces them one by one
// ([LoadTemplates]).
//
// # Each message once
//
// AbraFlexi fires the invoice-update trigger on every change of an issued
// invoice, including the label write that records a confirmation, and
// webhook events are redelivered. Every message is recorded on its
// document with a label: on the invoice LABEL_CONFIRMED_PARTIAL (default
// POTVRZENO_CASTECNE) for a partial payment, LABEL_CONFIRMED (default
// POTVRZENO) for a full one; on the payment LABEL_NOTIFIED (default
// OZNAMENO) for the received-payment notice. [DecideConfirmation] skips
// states already labelled (already_confirmed), so a full payment after a
// confirmed partial one is still confirmed once; [DecidePaymentNotice]
// skips notified payments (already_notified).
//
// The label is written before the message is sent, as a claim, and taken
// back when sending fails, so the next trigger retries. With Deps.Lock
// (the apps use runlock.PerKey) the runs on one document take its lock
// and read the document again once they hold it: two triggers at once
// send one message. A label missing from the codebook (stitek) is created
// on first use, visible for the evidence it goes on, and logged at info;
// only when creating it fails (no rights) does the run stop with
// label_missing, before sending anything.
//
// # Safety
//
// MUTE=true composes and renders every message but sends nothing and
// writes nothing to AbraFlexi (reason would_send). The remaining window is
// a crash (or a lost connection) between the claim and the send: that one
// message is then never sent, because its label says it was. The order is
// chosen so that a customer never gets a message twice.
package notify
