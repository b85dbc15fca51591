package pipelinea_test

import (
	"bytes"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	zxqr "github.com/makiuchi-d/gozxing/qrcode"
	"github.com/shopspring/decimal"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/examples/internal/apptest"
	"github.com/spoje-net/isptools/netbox/netboxtest"
	"github.com/spoje-net/isptools/notify"
	"github.com/spoje-net/isptools/notify/notifytest"
)

// Issue 14 parts 1-4 through the built binaries: BLOCK_SPEED,
// MAX_BANK_DATA_AGE, MIN_OVERDUE_DAYS and the connection notices with QR
// Platba, against abraflexitest, a real file:// Subversion repository,
// netboxtest and the in-process SMTP server.

const testIBAN = "CZ6508000000192000145399"

func (r result) refused() map[string]any {
	m, _ := r.report["refused"].(map[string]any)
	return m
}

// TestThrottleThroughTheBinaries is part 1 on the hosts file: BLOCK_SPEED
// throttles and keeps the original, a second run sees the throttled line
// as blocked, unblocknet restores it, and self-healing restores a
// throttled orphan.
func TestThrottleThroughTheBinaries(t *testing.T) {
	t.Parallel()
	const hosts = "10.0.8.1\tdebtor\t#speed=512 {code:DEBTOR}\n" +
		"10.0.8.2\tslow\t#speed=32 {code:SLOW}\n" +
		"10.0.8.3\torphan\t#speed=64 orig=1024 {code:ORPHAN}\n"
	f := newSafetyFixture(t, hosts,
		customerSpec{code: "DEBTOR", owes: "500", labels: []string{"ODPOJENO"}},
		customerSpec{code: "SLOW", owes: "500", labels: []string{"ODPOJENO"}},
		customerSpec{code: "ORPHAN", owes: "500"})

	r := f.run(appBlock, "BLOCK_SPEED=64")
	if r.code != 0 || r.metric("newly_blocked") != 2 || f.repo.commits() != 1 {
		t.Fatalf("block: exit %d commits %d\n%s\n%s", r.code, f.repo.commits(), r.raw, r.stderr)
	}
	expectActions(t, appBlock, r, map[string]string{"DEBTOR": "blocked", "SLOW": "blocked"})
	if w := r.why("DEBTOR"); !strings.Contains(w, "throttled to speed 64") {
		t.Errorf("why %q", w)
	}
	for ip, want := range map[string][2]int{"10.0.8.1": {64, 512}, "10.0.8.2": {32, 32}, "10.0.8.3": {64, 1024}} {
		if s, o := f.repo.state(ip); s != want[0] || o != want[1] {
			t.Errorf("after block %s: speed %d orig %d, want %v", ip, s, o, want)
		}
	}
	if log := f.repo.lastLog(); !strings.Contains(log, "DEBTOR") {
		t.Errorf("commit message:\n%s", log)
	}
	// Throttled counts as blocked: nothing new, no commit.
	if r = f.run(appBlock, "BLOCK_SPEED=64"); r.code != 0 || r.metric("newly_blocked") != 0 || r.metric("blocked") != 2 || f.repo.commits() != 1 {
		t.Fatalf("second block: exit %d commits %d\n%s", r.code, f.repo.commits(), r.raw)
	}

	f.srv.Put(abraflexi.EvidenceIssuedInvoice, map[string]any{"id": f.inv["DEBTOR"].String(), "stavUhrK": abraflexi.PaymentStatePaid, "zbyvaUhradit": "0"})
	r = f.run(appUnblock)
	if r.code != 0 {
		t.Fatalf("unblock: exit %d\n%s", r.code, r.raw)
	}
	expectActions(t, appUnblock, r, map[string]string{"DEBTOR": "unblocked", "SLOW": "still_owes", "ORPHAN": "orphan_unblocked"})
	for ip, want := range map[string][2]int{"10.0.8.1": {512, -1}, "10.0.8.2": {32, 32}, "10.0.8.3": {1024, -1}} {
		if s, o := f.repo.state(ip); s != want[0] || o != want[1] {
			t.Errorf("after unblock %s: speed %d orig %d, want %v", ip, s, o, want)
		}
	}
	if r.metric("mismatches") != 0 {
		t.Errorf("verification: %s", r.raw)
	}
}

// TestThrottleNetBox is part 1 on NetBox: speed lowered, speed_orig kept,
// restored by unblocknet.
func TestThrottleNetBox(t *testing.T) {
	t.Parallel()
	f := newNetBoxFixture(t,
		customerSpec{code: "DEBTOR", owes: "500", labels: []string{"ODPOJENO"}},
		customerSpec{code: "SLOW", owes: "500", labels: []string{"ODPOJENO"}})
	debtor := f.nb.AddIP(netboxtest.IP{Address: "10.0.9.1/24", Description: "{code:DEBTOR}", CustomFields: map[string]any{"speed": 512}})
	slow := f.nb.AddIP(netboxtest.IP{Address: "10.0.9.2/24", Description: "{code:SLOW}", CustomFields: map[string]any{"speed": 32}})

	r := f.runNetBox(appBlock, "BLOCK_SPEED=64")
	if r.code != 0 || r.metric("newly_blocked") != 2 || r.metric("mismatches") != 0 {
		t.Fatalf("block: exit %d\n%s\n%s", r.code, r.raw, r.stderr)
	}
	for id, want := range map[int64][2]string{debtor: {"64", "512"}, slow: {"32", "32"}} {
		if s, o := f.speeds(id); s != want[0] || o != want[1] {
			t.Errorf("IP %d: speed %s orig %s, want %v", id, s, o, want)
		}
	}
	if r = f.runNetBox(appBlock, "BLOCK_SPEED=64"); r.code != 0 || r.metric("newly_blocked") != 0 || r.metric("blocked") != 2 {
		t.Fatalf("second block: exit %d\n%s", r.code, r.raw)
	}
	f.srv.Put(abraflexi.EvidenceIssuedInvoice, map[string]any{"id": f.inv["DEBTOR"].String(), "stavUhrK": abraflexi.PaymentStatePaid, "zbyvaUhradit": "0"})
	r = f.runNetBox(appUnblock)
	if r.code != 0 || r.actions()["DEBTOR"] != "unblocked" {
		t.Fatalf("unblock: exit %d\n%s", r.code, r.raw)
	}
	if s, o := f.speeds(debtor); s != "512" || (o != "" && o != "null") {
		t.Errorf("DEBTOR restored to speed %s orig %s, want 512 and no original", s, o)
	}
}

// bankMovement seeds an incoming bank movement dated days before today.
func (f *fixture) bankMovement(code string, daysAgo int) {
	f.srv.AddBankMovement(abraflexi.BankMovement{Movement: abraflexi.Movement{Code: code, Total: decimal.NewFromInt(100),
		IssuedOn: abraflexi.DateOf(time.Now()).AddDays(-daysAgo), Direction: abraflexi.DirectionIncoming}})
}

// TestStaleBankDataThroughTheBinaries is part 2: with stale bank data
// blocknet newly blocks nobody (would_block, stale_bank_data, warning,
// exit 0) and names the newest movement; fresh data blocks; unblocknet
// is never held back.
func TestStaleBankDataThroughTheBinaries(t *testing.T) {
	t.Parallel()
	const hosts = "10.0.10.1\tdebtor\t#speed=100 {code:DEBTOR}\n10.0.10.2\tpayer\t#speed=0 orig=200 {code:PAYER}\n"
	f := newSafetyFixture(t, hosts,
		customerSpec{code: "DEBTOR", owes: "500", labels: []string{"ODPOJENO"}},
		customerSpec{code: "PAYER", labels: []string{"ODPOJENO"}})
	f.bankMovement("B+OLDER", 20)
	f.bankMovement("B+NEWEST", 10)
	newest := abraflexi.DateOf(time.Now()).AddDays(-10).String()

	f.srv.ResetRequests()
	r := f.run(appBlock, "MAX_BANK_DATA_AGE=36h")
	if r.code != 0 || r.report["status"] != "warning" || f.repo.commits() != 0 || f.repo.hosts() != hosts {
		t.Fatalf("stale: exit %d status %v commits %d\n%s\n%s", r.code, r.report["status"], f.repo.commits(), r.raw, r.stderr)
	}
	expectActions(t, appBlock, r, map[string]string{"DEBTOR": "would_block", "PAYER": "blocked"})
	msg, _ := r.report["message"].(string)
	if !strings.Contains(msg, "B+NEWEST") || !strings.Contains(msg, newest) || !strings.Contains(msg, "MAX_BANK_DATA_AGE=36h") || !strings.Contains(msg, "DEBTOR") {
		t.Errorf("message %q does not name the newest movement, its date and the customer", msg)
	}
	ref := r.refused()
	nm, _ := ref["newest_bank_movement"].(map[string]any)
	if ref["reason"] != "stale_bank_data" || fmt.Sprint(ref["customers"]) != "[DEBTOR]" || nm["kod"] != "B+NEWEST" || nm["datVyst"] != newest {
		t.Errorf("refused %v", ref)
	}
	if w := r.why("DEBTOR"); !strings.Contains(w, "B+NEWEST is dated "+newest) {
		t.Errorf("DEBTOR why %q", w)
	}
	if r.metric("would_block") != 1 || r.metric("newly_blocked") != 0 {
		t.Errorf("metrics %v", r.report["metrics"])
	}
	bank := 0
	for _, q := range f.srv.Requests() {
		if q.Evidence == abraflexi.EvidenceBank {
			bank++
		}
	}
	if bank != 1 {
		t.Errorf("%d requests to banka, want 1", bank)
	}

	// In working days a 10-day-old statement is stale too; "2d" parses.
	if r = f.run(appBlock, "MAX_BANK_DATA_AGE=2d", "CUT_DAYS=any"); r.code != 0 || r.refused()["reason"] != "stale_bank_data" {
		t.Errorf("2d: exit %d\n%s", r.code, r.raw)
	}
	// Unblocking is never held back: PAYER (owes nothing) is restored.
	if r = f.run(appUnblock); r.code != 0 || r.actions()["PAYER"] != "unblocked" {
		t.Errorf("unblock: exit %d\n%s", r.code, r.raw)
	}
	// Today's statement: fresh, DEBTOR is blocked.
	f.bankMovement("B+TODAY", 0)
	if r = f.run(appBlock, "MAX_BANK_DATA_AGE=36h"); r.code != 0 || r.actions()["DEBTOR"] != "blocked" || r.metric("newly_blocked") != 1 {
		t.Errorf("fresh: exit %d\n%s", r.code, r.raw)
	}
	if s, _ := f.repo.state("10.0.10.1"); s != 0 {
		t.Errorf("DEBTOR speed %d after the fresh run", s)
	}
	// A bad value is a configuration error naming the variable.
	if r = f.run(appBlock, "MAX_BANK_DATA_AGE=soon"); r.code != 1 || !strings.Contains(fmt.Sprint(r.report["message"]), "MAX_BANK_DATA_AGE") {
		t.Errorf("bad value: exit %d\n%s", r.code, r.raw)
	}
}

// TestGraceDaysThroughTheBinaries is part 3: MIN_OVERDUE_DAYS marks only
// customers with an invoice that many calendar days overdue.
func TestGraceDaysThroughTheBinaries(t *testing.T) {
	t.Parallel()
	f := newSafetyFixture(t, "# unused\n",
		customerSpec{code: "OLD", owes: "500", labels: []string{"UPOMINKA3"}}, // due 30 days ago
		customerSpec{code: "YOUNG", labels: []string{"UPOMINKA3"}})
	today := abraflexi.DateOf(time.Now())
	f.srv.AddInvoice(abraflexi.IssuedInvoice{Code: "FV-YOUNG", Customer: abraflexi.RefTo(abraflexi.CodeID("YOUNG")), VariableSymbol: "3001",
		Total: decimal.NewFromInt(300), Remaining: decimal.NewFromInt(300), IssuedOn: today.AddDays(-24), DueOn: today.AddDays(-10),
		DocumentType: abraflexi.RefTo(abraflexi.CodeID("FAKTURA"))})

	r := f.run(appMark, "MIN_OVERDUE_DAYS=14", "DRY_RUN=true")
	if r.code != 0 {
		t.Fatalf("dry run: exit %d\n%s", r.code, r.raw)
	}
	expectActions(t, appMark, r, map[string]string{"OLD": "marked_for_disconnection", "YOUNG": "grace_days_skipped"})
	r = f.run(appMark, "MIN_OVERDUE_DAYS=14")
	if r.code != 0 || r.report["status"] != "success" {
		t.Fatalf("mark: exit %d\n%s", r.code, r.raw)
	}
	expectActions(t, appMark, r, map[string]string{"OLD": "marked_for_disconnection", "YOUNG": "grace_days_skipped"})
	expectDecisionLogs(t, appMark, r)
	if w := r.why("OLD"); w != "oldest unpaid invoice 30 days overdue" {
		t.Errorf("OLD why %q", w)
	}
	if w := r.why("YOUNG"); w != "oldest unpaid invoice 10 days overdue, fewer than MIN_OVERDUE_DAYS=14" {
		t.Errorf("YOUNG why %q", w)
	}
	if r.metric("grace_days_skipped") != 1 || r.metric("skipped") != 1 || r.metric("marked") != 1 {
		t.Errorf("metrics %v", r.report["metrics"])
	}
	if !slices.Contains(f.labels("OLD"), "ODPOJENO") || slices.Contains(f.labels("YOUNG"), "ODPOJENO") {
		t.Errorf("labels OLD %v YOUNG %v", f.labels("OLD"), f.labels("YOUNG"))
	}
	// Default: any overdue debt, as the PHP tool.
	if r = f.run(appMark); r.actions()["YOUNG"] != "marked_for_disconnection" {
		t.Errorf("without MIN_OVERDUE_DAYS: %s", r.raw)
	}
	if r = f.run(appMark, "MIN_OVERDUE_DAYS=-3"); r.code != 1 || !strings.Contains(fmt.Sprint(r.report["message"]), "MIN_OVERDUE_DAYS") {
		t.Errorf("negative: exit %d\n%s", r.code, r.raw)
	}
}

// noticeFixture is the safety fixture with e-mail addresses and an SMTP
// server.
type noticeFixture struct {
	*fixture
	smtp *notifytest.Server
}

func newNoticeFixture(t *testing.T, hosts string, emails map[string]string, customers ...customerSpec) *noticeFixture {
	t.Helper()
	f := newSafetyFixture(t, hosts, customers...)
	for code, email := range emails {
		f.srv.Put(abraflexi.EvidenceAddress, map[string]any{"id": f.ids[code].String(), "email": email})
	}
	return &noticeFixture{fixture: f, smtp: notifytest.NewServer(t, notifytest.WithAuth("mailer", "s3cret"))}
}

// mailEnv is the mail configuration of the notices against srv.
func mailEnv(srv *notifytest.Server, extra ...string) []string {
	return append(append([]string{"EASE_FROM=Spoje.Net <fakturace@example.cz>", "BANK_IBAN=" + testIBAN}, srv.Env()...), extra...)
}

// decodeQR reads a PNG QR code with an independent decoder (ZXing's port).
func decodeQR(t *testing.T, data []byte) string {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := zxqr.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_PURE_BARCODE: true})
	if err != nil {
		t.Fatalf("decoding the QR code: %v", err)
	}
	return res.GetText()
}

var spdAmount = regexp.MustCompile(`^[0-9]+\.[0-9]{2}$`)

// checkDisconnectedMail checks one disconnection notice: to, the invoice,
// the SPD text line, and the inline PNG decoding to the same descriptor,
// which follows the format's rules.
func checkDisconnectedMail(t *testing.T, m notifytest.Received, to, invoice, vs, amount string) {
	t.Helper()
	p, err := m.Parse()
	if err != nil {
		t.Fatal(err)
	}
	if len(p.To) != 1 || p.To[0].Address != to || !strings.Contains(p.Subject, "omezeno") {
		t.Errorf("to %v subject %q", p.To, p.Subject)
	}
	if !strings.Contains(p.Text, invoice) {
		t.Errorf("the notice does not list %s:\n%s", invoice, p.Text)
	}
	var line string
	for _, l := range strings.Split(p.Text, "\n") {
		if strings.HasPrefix(l, notify.SPDHeader) {
			line = l
		}
	}
	var img []byte
	for _, a := range p.Attachments {
		if a.ContentType == "image/png" {
			img = a.Data
		}
	}
	if line == "" || img == nil {
		t.Fatalf("no SPD line or no QR image in the notice to %s:\n%s", to, p.Text)
	}
	if got := decodeQR(t, img); got != line {
		t.Errorf("QR %q, text line %q", got, line)
	}
	fields, err := notify.ParseSPD(line)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	vals := map[string]string{}
	for _, f := range fields {
		keys = append(keys, f.Key)
		vals[f.Key] = f.Value
	}
	if !slices.Equal(keys, []string{"ACC", "AM", "CC", "X-VS", "MSG"}) {
		t.Errorf("SPD keys %v", keys)
	}
	if _, err := abraflexi.ParseIBAN(vals["ACC"]); err != nil || vals["ACC"] != testIBAN {
		t.Errorf("ACC %q: %v", vals["ACC"], err)
	}
	if !spdAmount.MatchString(vals["AM"]) || vals["AM"] != amount || vals["CC"] != "CZK" || vals["X-VS"] != vs {
		t.Errorf("SPD %v, want AM %s X-VS %s", vals, amount, vs)
	}
}

// TestConnectionNoticesThroughTheBinaries is part 4: each newly blocked
// customer gets one notice with the QR payment after the verified block,
// a dry run sends nothing, a re-run sends nothing more, the restored
// customer is told and loses the label, and the next cut notifies again.
func TestConnectionNoticesThroughTheBinaries(t *testing.T) {
	t.Parallel()
	const hosts = "10.0.11.1\talice\t#speed=100 {code:ALICE}\n10.0.11.2\tbob\t#speed=100 {code:BOB}\n10.0.11.3\tnomail\t#speed=100 {code:NOMAIL}\n"
	f := newNoticeFixture(t, hosts, map[string]string{"ALICE": "alice@example.cz", "BOB": "bob@example.cz"},
		customerSpec{code: "ALICE", owes: "499", labels: []string{"ODPOJENO"}},  // VS 2000
		customerSpec{code: "BOB", owes: "1200.5", labels: []string{"ODPOJENO"}}, // VS 2001
		customerSpec{code: "NOMAIL", owes: "300", labels: []string{"ODPOJENO"}})
	on := mailEnv(f.smtp, "NOTIFY_DISCONNECTED=true")

	r := f.run(appBlock, append(on, "DRY_RUN=true")...)
	if r.code != 0 || f.repo.commits() != 0 || len(f.smtp.Messages()) != 0 {
		t.Fatalf("dry run: exit %d commits %d mails %d\n%s\n%s", r.code, f.repo.commits(), len(f.smtp.Messages()), r.raw, r.stderr)
	}
	if c := r.customers()["ALICE"]; c["notice"] != "would_send" {
		t.Errorf("dry run ALICE %v", c)
	}
	if slices.Contains(f.labels("ALICE"), "OZNAMENO_ODPOJENI") {
		t.Error("a dry run wrote the notice label")
	}

	r = f.run(appBlock, on...)
	if r.code != 0 || f.repo.commits() != 1 {
		t.Fatalf("block: exit %d commits %d\n%s\n%s", r.code, f.repo.commits(), r.raw, r.stderr)
	}
	expectActions(t, appBlock, r, map[string]string{"ALICE": "blocked", "BOB": "blocked", "NOMAIL": "blocked"})
	if r.report["status"] != "warning" || !strings.Contains(r.warnings(), "NOMAIL") || r.metric("notices_sent") != 2 || r.metric("notices_failed") != 1 {
		t.Errorf("status %v warnings %s metrics %v", r.report["status"], r.warnings(), r.report["metrics"])
	}
	for code, want := range map[string]string{"ALICE": "sent", "BOB": "sent", "NOMAIL": "no_email"} {
		if got := r.customers()[code]["notice"]; got != want {
			t.Errorf("%s notice %v, want %s", code, got, want)
		}
	}
	msgs := f.smtp.Wait(t, 2, 10*time.Second)
	byTo := map[string]notifytest.Received{}
	for _, m := range msgs {
		byTo[m.To[0]] = m
	}
	checkDisconnectedMail(t, byTo["alice@example.cz"], "alice@example.cz", "FV-ALICE", "2000", "499.00")
	checkDisconnectedMail(t, byTo["bob@example.cz"], "bob@example.cz", "FV-BOB", "2001", "1200.50")
	for code, want := range map[string]bool{"ALICE": true, "BOB": true, "NOMAIL": false} {
		if got := slices.Contains(f.labels(code), "OZNAMENO_ODPOJENI"); got != want {
			t.Errorf("%s labels %v", code, f.labels(code))
		}
	}

	// Once: the next run sends nothing to those told.
	r = f.run(appBlock, on...)
	if r.code != 0 || len(f.smtp.Messages()) != 2 || r.customers()["ALICE"]["notice"] != nil {
		t.Errorf("second block: exit %d, %d mails\n%s", r.code, len(f.smtp.Messages()), r.raw)
	}

	// ALICE pays: restored, told, the notice label removed.
	f.srv.Put(abraflexi.EvidenceIssuedInvoice, map[string]any{"id": f.inv["ALICE"].String(), "stavUhrK": abraflexi.PaymentStatePaid, "zbyvaUhradit": "0"})
	r = f.run(appUnblock, mailEnv(f.smtp, "NOTIFY_RECONNECTED=true")...)
	if r.code != 0 || r.actions()["ALICE"] != "unblocked" || r.customers()["ALICE"]["notice"] != "sent" {
		t.Fatalf("unblock: exit %d\n%s\n%s", r.code, r.raw, r.stderr)
	}
	msgs = f.smtp.Wait(t, 3, 10*time.Second)
	p, err := msgs[2].Parse()
	if err != nil || p.To[0].Address != "alice@example.cz" || !strings.Contains(p.Subject, "obnoveno") {
		t.Errorf("reconnection notice %+v %v", p, err)
	}
	if got := f.labels("ALICE"); slices.Contains(got, "OZNAMENO_ODPOJENI") || slices.Contains(got, "ODPOJENO") {
		t.Errorf("ALICE labels after unblock %v", got)
	}
	if !slices.Contains(f.labels("BOB"), "OZNAMENO_ODPOJENI") {
		t.Errorf("BOB (still owing) lost the notice label: %v", f.labels("BOB"))
	}

	// ALICE is cut again later: told again.
	today := abraflexi.DateOf(time.Now())
	f.srv.AddInvoice(abraflexi.IssuedInvoice{Code: "FV-ALICE-2", Customer: abraflexi.RefTo(abraflexi.CodeID("ALICE")), VariableSymbol: "2100",
		Total: decimal.NewFromInt(250), Remaining: decimal.NewFromInt(250), IssuedOn: today.AddDays(-30), DueOn: today.AddDays(-15),
		DocumentType: abraflexi.RefTo(abraflexi.CodeID("FAKTURA"))})
	f.addLabel("ALICE", "ODPOJENO")
	r = f.run(appBlock, on...)
	if r.code != 0 || r.customers()["ALICE"]["notice"] != "sent" {
		t.Fatalf("second cut: exit %d\n%s", r.code, r.raw)
	}
	msgs = f.smtp.Wait(t, 4, 10*time.Second)
	checkDisconnectedMail(t, msgs[3], "alice@example.cz", "FV-ALICE-2", "2100", "250.00")
}

// TestDisconnectionNoticeRetriedAfterAFailedSend: the mail server refuses
// the message; the claim is taken back, so the next run sends it, once.
func TestDisconnectionNoticeRetriedAfterAFailedSend(t *testing.T) {
	t.Parallel()
	f := newNoticeFixture(t, "10.0.12.1\talice\t#speed=100 {code:ALICE}\n", map[string]string{"ALICE": "alice@example.cz"},
		customerSpec{code: "ALICE", owes: "499", labels: []string{"ODPOJENO"}})
	down := notifytest.NewServer(t, notifytest.WithAuth("mailer", "s3cret"), notifytest.WithRejectData(554, "mailbox unavailable"))
	r := f.run(appBlock, mailEnv(down, "NOTIFY_DISCONNECTED=true")...)
	if r.code != 0 || r.actions()["ALICE"] != "blocked" || r.customers()["ALICE"]["notice"] != "send_failed" || r.report["status"] != "warning" {
		t.Fatalf("failed send: exit %d\n%s", r.code, r.raw)
	}
	if s, _ := f.repo.state("10.0.12.1"); s != 0 {
		t.Errorf("the block depends on the mail: speed %d", s)
	}
	if slices.Contains(f.labels("ALICE"), "OZNAMENO_ODPOJENI") {
		t.Fatal("the claim stayed after the failed send: no later run would retry")
	}
	r = f.run(appBlock, mailEnv(f.smtp, "NOTIFY_DISCONNECTED=true")...)
	if r.code != 0 || r.metric("newly_blocked") != 0 || r.customers()["ALICE"]["notice"] != "sent" {
		t.Fatalf("retry: exit %d\n%s", r.code, r.raw)
	}
	f.smtp.Wait(t, 1, 10*time.Second)
	r = f.run(appBlock, mailEnv(f.smtp, "NOTIFY_DISCONNECTED=true")...)
	if len(f.smtp.Messages()) != 1 {
		t.Errorf("%d mails after the third run, want 1", len(f.smtp.Messages()))
	}
}

// TestDisconnectionNoticesOnceWithTwoRunsAtOnce: two blocknet processes
// started at the same moment tell each customer once (the run lock
// serialises them and the second finds the label).
func TestDisconnectionNoticesOnceWithTwoRunsAtOnce(t *testing.T) {
	t.Parallel()
	f := newNoticeFixture(t, "10.0.13.1\talice\t#speed=100 {code:ALICE}\n10.0.13.2\tbob\t#speed=100 {code:BOB}\n",
		map[string]string{"ALICE": "alice@example.cz", "BOB": "bob@example.cz"},
		customerSpec{code: "ALICE", owes: "499", labels: []string{"ODPOJENO"}},
		customerSpec{code: "BOB", owes: "100", labels: []string{"ODPOJENO"}})
	env := append(append(apptest.AbraFlexiEnv(f.srv), "HOME="+f.repo.home, "LC_ALL=C", "NETWORK_BACKEND=svn", "SVNURL="+f.repo.url),
		mailEnv(f.smtp, "NOTIFY_DISCONNECTED=true")...)
	bin := f.bin + "/" + appBlock
	for round := range 3 {
		rs := apptest.RunAtOnce(t, apptest.Process{Bin: bin, Env: env}, apptest.Process{Bin: bin, Env: env})
		for _, r := range rs {
			if r.Code != 0 {
				t.Fatalf("round %d: exit %d\n%s", round, r.Code, r.Stderr)
			}
		}
	}
	if n := len(f.smtp.Messages()); n != 2 {
		t.Errorf("%d notices for 2 customers over 3 rounds of 2 runs at once", n)
	}
	if f.repo.commits() != 1 {
		t.Errorf("%d commits", f.repo.commits())
	}
}

// TestNoticeConfigurationErrors: with the notices on, the mail
// configuration and BANK_IBAN are checked before anything runs.
func TestNoticeConfigurationErrors(t *testing.T) {
	t.Parallel()
	f := newNoticeFixture(t, "10.0.14.1\talice\t#speed=100 {code:ALICE}\n", nil,
		customerSpec{code: "ALICE", owes: "499", labels: []string{"ODPOJENO"}})
	for _, tt := range []struct {
		app  string
		env  []string
		want string
	}{
		{appBlock, []string{"NOTIFY_DISCONNECTED=true", "EASE_FROM=a@example.cz"}, "BANK_IBAN"},
		{appBlock, []string{"NOTIFY_DISCONNECTED=true", "BANK_IBAN=" + testIBAN}, "EASE_FROM"},
		{appBlock, []string{"NOTIFY_DISCONNECTED=true", "EASE_FROM=a@example.cz", "BANK_IBAN=CZ6508000000192000145398"}, "BANK_IBAN"},
		{appBlock, []string{"NOTIFY_DISCONNECTED=maybe"}, "NOTIFY_DISCONNECTED"},
		{appBlock, []string{"BLOCK_SPEED=-5"}, "BLOCK_SPEED"},
		{appUnblock, []string{"NOTIFY_RECONNECTED=true"}, "EASE_FROM"},
	} {
		r := f.run(tt.app, tt.env...)
		if msg := fmt.Sprint(r.report["message"]); r.code != 1 || !strings.Contains(msg, tt.want) {
			t.Errorf("%s %v: exit %d, message %q; want exit 1 naming %s", tt.app, tt.env, r.code, msg, tt.want)
		}
	}
	if f.repo.commits() != 0 || f.writes() != 0 {
		t.Error("a misconfigured run changed something")
	}
	// Off by default: no mail variable needed, nothing sent.
	if r := f.run(appBlock); r.code != 0 || r.actions()["ALICE"] != "blocked" || r.report["notices"] != nil {
		t.Errorf("default: exit %d\n%s", r.code, r.raw)
	}
}

// TestDisconnectionNoticeTemplateOverride: NOTIFY_TEMPLATE_DIR replaces
// the embedded notice as it does the confirmations; the QR code stays.
func TestDisconnectionNoticeTemplateOverride(t *testing.T) {
	t.Parallel()
	f := newNoticeFixture(t, "10.0.15.1\talice\t#speed=100 {code:ALICE}\n", map[string]string{"ALICE": "alice@example.cz"},
		customerSpec{code: "ALICE", owes: "499", labels: []string{"ODPOJENO"}})
	dir := t.TempDir()
	const tmpl = `{{define "subject"}}Internet omezeno: {{.Customer}}{{end}}` +
		`{{define "body"}}Zaplaťte {{.Amount}} {{.Currency}} na účet {{.Account}}, VS {{.VariableSymbol}}.
{{.QR}}
{{end}}`
	if err := os.WriteFile(filepath.Join(dir, "disconnected.cs.tmpl"), []byte(tmpl), 0o644); err != nil {
		t.Fatal(err)
	}
	r := f.run(appBlock, mailEnv(f.smtp, "NOTIFY_DISCONNECTED=true", "NOTIFY_TEMPLATE_DIR="+dir)...)
	if r.code != 0 || r.customers()["ALICE"]["notice"] != "sent" {
		t.Fatalf("block: exit %d\n%s", r.code, r.raw)
	}
	p, err := f.smtp.Wait(t, 1, 10*time.Second)[0].Parse()
	if err != nil {
		t.Fatal(err)
	}
	if p.Subject != "Internet omezeno: ALICE" || !strings.Contains(p.Text, "Zaplaťte 499,00 CZK na účet CZ65 0800 0000 1920 0014 5399, VS 2000.") {
		t.Errorf("subject %q text:\n%s", p.Subject, p.Text)
	}
	checkDisconnectedMail(t, f.smtp.Messages()[0], "alice@example.cz", "2000", "2000", "499.00")

	// A broken override stops the run before anything changes.
	if err := os.WriteFile(filepath.Join(dir, "reconnected.cs.tmpl"), []byte(`{{define "subject"}}x{{end}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	r = f.run(appUnblock, mailEnv(f.smtp, "NOTIFY_RECONNECTED=true", "NOTIFY_TEMPLATE_DIR="+dir)...)
	if msg := fmt.Sprint(r.report["message"]); r.code != 1 || !strings.Contains(msg, "reconnected.cs.tmpl") {
		t.Errorf("broken override: exit %d, message %q", r.code, msg)
	}
}
