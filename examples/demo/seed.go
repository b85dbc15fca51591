package main

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/dunning"
)

// role is what the generator makes of a customer: the story the demo tells
// about them.
type role int

const (
	roleGood         role = iota // pays on time
	roleLate                     // one overdue invoice, first reminder only
	roleDefaulter                // third reminder, owes, active internet: gets marked and blocked
	rolePartial                  // like roleDefaulter, one invoice partly paid
	roleStale                    // third reminder from the past, has paid since
	roleVIP                      // owes with the third reminder, but VIP
	roleNoDisconnect             // owes with the third reminder, but NEODPOJOVAT
	roleNoInternet               // owes with the third reminder, internet contract ended
	roleAlreadyCut               // marked and blocked by an earlier run, still owes
	roleNoIP                     // owes with the third reminder, no line in the hosts file
)

var roleNames = map[role]string{
	roleGood: "pays on time", roleLate: "late payer (1st reminder)", roleDefaulter: "defaulter (3rd reminder)",
	rolePartial: "defaulter, partly paid", roleStale: "stale 3rd reminder, paid since", roleVIP: "VIP with debt",
	roleNoDisconnect: "NEODPOJOVAT with debt", roleNoInternet: "debt, internet contract ended",
	roleAlreadyCut: "cut off by an earlier run", roleNoIP: "debt, missing from the hosts file",
}

func (r role) String() string { return roleNames[r] }

// tariff is a product an ISP sells.
type tariff struct {
	Type  string // contract type code (typ-smlouvy)
	Name  string
	Price int64 // CZK per month including VAT
	Speed int   // kbit/s, internet only
}

var (
	internetTariffs = []tariff{
		{"INTERNET", "Internet 20", 399, 20480},
		{"INTERNET", "Internet 50", 499, 51200},
		{"INTERNET", "Internet 100", 599, 102400},
		{"INTERNET", "Internet 250", 799, 256000},
	}
	businessTariff = tariff{"INTERNET", "Internet Business 500", 1990, 512000}
	voipTariff     = tariff{"VOIP", "VoIP paušál", 149, 0}
	hostingTariff  = tariff{"HOSTING", "Webhosting Standard", 249, 0}
)

// contract is one generated contract.
type contract struct {
	Code   string
	Tariff tariff
	From   abraflexi.Date
	To     abraflexi.Date // zero: open-ended
}

// activeOn reports whether the contract is in force on d.
func (c contract) activeOn(d abraflexi.Date) bool {
	return !c.From.After(d) && (c.To.IsZero() || !c.To.Before(d))
}

// invoice is one generated monthly invoice.
type invoice struct {
	Code      string
	VarSym    string
	Issued    abraflexi.Date
	Due       abraflexi.Date
	Total     decimal.Decimal
	Remaining decimal.Decimal // what is still to pay
}

// overdue reports whether the invoice is unpaid and past due on today.
func (inv invoice) overdue(today abraflexi.Date) bool {
	return inv.Remaining.IsPositive() && inv.Due.Before(today)
}

// host is one line of the hosts file.
type host struct {
	IP       netip.Addr
	Hostname string
	Speed    int
	Blocked  bool // already at speed 0 (orig=Speed)
}

// customer is one generated customer with everything the demo seeds.
type customer struct {
	No        int
	Code      string
	Name      string
	Email     string
	Company   bool
	Role      role
	Labels    []string
	POP       int
	Account   string // bank account the customer pays from
	Contracts []contract
	Invoices  []invoice
	Hosts     []host
}

// overdue returns the customer's overdue invoices, oldest first.
func (c *customer) overdue(today abraflexi.Date) []invoice {
	var out []invoice
	for _, inv := range c.Invoices {
		if inv.overdue(today) {
			out = append(out, inv)
		}
	}
	return out
}

// paymentSpec is one payment of the batch that arrives after blocknet.
type paymentSpec struct {
	Code       string
	Evidence   string // abraflexi.EvidenceBank or abraflexi.EvidenceCash
	VarSym     string
	Amount     decimal.Decimal
	Payer      *customer // nil: unknown payer
	Outgoing   bool
	Account    string
	Note       string // what the payment is, for the account
	Expect     string // the payments.Reason the scenario expects
	ForInvoice string // the invoice meant, when any
}

// world is the generated ISP: customers, the hosts file and the payments
// that arrive during the demo.
type world struct {
	Seed      uint64
	Today     abraflexi.Date
	Customers []*customer
	Payments  []paymentSpec
}

// pop is a point of presence; each has its own /16 and section of the
// hosts file.
type pop struct {
	Name   string
	Slug   string
	Octet2 int
}

var pops = []pop{
	{"Brno-Líšeň", "lisen", 21},
	{"Brno-Židenice", "zidenice", 22},
	{"Šlapanice", "slapanice", 23},
	{"Kuřim", "kurim", 24},
}

// Czech given names and surnames (male, female form).
var (
	maleNames   = []string{"Jan", "Petr", "Josef", "Pavel", "Martin", "Tomáš", "Jiří", "Jaroslav", "Miroslav", "Zdeněk", "Václav", "Michal", "Lukáš", "Jakub", "Ondřej", "David", "Karel", "Milan", "Vojtěch", "Filip"}
	femaleNames = []string{"Jana", "Marie", "Eva", "Hana", "Anna", "Lenka", "Kateřina", "Lucie", "Věra", "Alena", "Petra", "Veronika", "Martina", "Jitka", "Tereza", "Michaela", "Zuzana", "Ivana", "Markéta", "Barbora"}
	surnames    = [][2]string{
		{"Novák", "Nováková"}, {"Svoboda", "Svobodová"}, {"Novotný", "Novotná"}, {"Dvořák", "Dvořáková"},
		{"Černý", "Černá"}, {"Procházka", "Procházková"}, {"Kučera", "Kučerová"}, {"Veselý", "Veselá"},
		{"Horák", "Horáková"}, {"Němec", "Němcová"}, {"Marek", "Marková"}, {"Pokorný", "Pokorná"},
		{"Pospíšil", "Pospíšilová"}, {"Hájek", "Hájková"}, {"Král", "Králová"}, {"Jelínek", "Jelínková"},
		{"Růžička", "Růžičková"}, {"Beneš", "Benešová"}, {"Fiala", "Fialová"}, {"Sedláček", "Sedláčková"},
		{"Doležal", "Doležalová"}, {"Zeman", "Zemanová"}, {"Kolář", "Kolářová"}, {"Navrátil", "Navrátilová"},
		{"Čermák", "Čermáková"}, {"Vaněk", "Vaňková"}, {"Urban", "Urbanová"}, {"Blažek", "Blažková"},
		{"Kříž", "Křížová"}, {"Kovář", "Kovářová"}, {"Bartoš", "Bartošová"}, {"Vlček", "Vlčková"},
	}
	trades = []string{"Pekařství", "Autoservis", "Truhlářství", "Kadeřnictví", "Stavby", "Elektro", "Zahradnictví", "Účetnictví", "Instalatérství", "Květinářství"}
	legal  = []string{"s.r.o.", "s.r.o.", "a.s.", ""}
	// Domains: example.cz (RFC 2606 style) and the reserved .invalid TLD, so
	// no generated address can reach anybody.
	personalDomains = []string{"example.cz", "example.cz", "mail.example.cz", "posta.invalid"}
)

// asciiFold turns Czech text into lower-case ASCII for e-mail addresses and
// host names.
func asciiFold(s string) string {
	r := strings.NewReplacer(
		"á", "a", "č", "c", "ď", "d", "é", "e", "ě", "e", "í", "i", "ň", "n", "ó", "o",
		"ř", "r", "š", "s", "ť", "t", "ú", "u", "ů", "u", "ý", "y", "ž", "z",
		"Á", "a", "Č", "c", "Ď", "d", "É", "e", "Ě", "e", "Í", "i", "Ň", "n", "Ó", "o",
		"Ř", "r", "Š", "s", "Ť", "t", "Ú", "u", "Ů", "u", "Ý", "y", "Ž", "z",
	)
	s = strings.ToLower(r.Replace(s))
	var b strings.Builder
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
			b.WriteRune(c)
		case c == ' ' || c == '-' || c == '.':
			if b.Len() > 0 && !strings.HasSuffix(b.String(), "-") {
				b.WriteByte('-')
			}
		}
	}
	return strings.Trim(b.String(), "-")
}

// monthStart returns the first day of the month k months before today's.
func monthStart(today abraflexi.Date, k int) abraflexi.Date {
	y, m := today.Year, int(today.Month)-k
	for m < 1 {
		m += 12
		y--
	}
	return abraflexi.NewDate(y, time.Month(m), 1)
}

// roleCounts says how many customers get each special role; the rest pay
// on time. Every role is present from the smallest allowed size on.
func roleCounts(n int) map[role]int {
	return map[role]int{
		roleLate:         max(3, n*6/100),
		roleDefaulter:    max(6, n*4/100),
		rolePartial:      max(1, n/100),
		roleStale:        max(1, n/150),
		roleVIP:          max(1, n/200),
		roleNoDisconnect: max(1, n/250),
		roleNoInternet:   1,
		roleAlreadyCut:   max(2, n/150),
		roleNoIP:         1,
	}
}

// minCustomers is the smallest world in which every role and payment of
// the story fits.
const minCustomers = 30

// generate builds the ISP deterministically from seed, n and today.
func generate(seed uint64, n int, today abraflexi.Date) *world {
	rng := rand.New(rand.NewPCG(seed, 0x15b70015))
	w := &world{Seed: seed, Today: today}

	// Assign roles: a shuffled list with the special roles, padded with
	// good payers.
	roles := make([]role, 0, n)
	counts := roleCounts(n)
	for r := roleLate; r <= roleNoIP; r++ {
		for range counts[r] {
			roles = append(roles, r)
		}
	}
	for len(roles) < n {
		roles = append(roles, roleGood)
	}
	rng.Shuffle(len(roles), func(i, j int) { roles[i], roles[j] = roles[j], roles[i] })

	usedEmails := map[string]bool{}
	nextHost := make([]int, len(pops))
	for i := range n {
		c := &customer{No: i + 1, Code: fmt.Sprintf("ZAK%04d", i+1), Role: roles[i], POP: rng.IntN(len(pops))}
		// VIPs and NEODPOJOVAT customers are institutions and businesses.
		c.Company = rng.IntN(10) == 0 || c.Role == roleVIP || c.Role == roleNoDisconnect
		nameCustomer(rng, c, usedEmails)
		c.Account = fmt.Sprintf("%d/%s", 100000000+rng.IntN(899999999), []string{"0100", "0300", "0800", "2010", "3030", "5500", "0600"}[rng.IntN(7)])
		contractsFor(rng, c, today)
		invoicesFor(rng, c, today)
		labelsFor(c)
		hostsFor(rng, c, today, nextHost)
		w.Customers = append(w.Customers, c)
	}
	w.Payments = paymentBatch(rng, w)
	return w
}

func nameCustomer(rng *rand.Rand, c *customer, used map[string]bool) {
	s := surnames[rng.IntN(len(surnames))]
	var local, domain string
	switch {
	case c.Role == roleNoDisconnect:
		c.Name = []string{"Domov pro seniory " + s[0], "Základní škola " + s[0] + "ova", "Ordinace MUDr. " + s[0]}[rng.IntN(3)]
		local, domain = "info", asciiFold(c.Name)+".example.cz"
	case c.Company:
		t := trades[rng.IntN(len(trades))]
		c.Name = strings.TrimSpace(t + " " + s[0] + " " + legal[rng.IntN(len(legal))])
		local, domain = []string{"info", "kancelar", "fakturace"}[rng.IntN(3)], asciiFold(t+" "+s[0])+".example.cz"
	case rng.IntN(2) == 0:
		first := maleNames[rng.IntN(len(maleNames))]
		c.Name = first + " " + s[0]
		local, domain = asciiFold(first)+"."+asciiFold(s[0]), personalDomains[rng.IntN(len(personalDomains))]
	default:
		first := femaleNames[rng.IntN(len(femaleNames))]
		c.Name = first + " " + s[1]
		local, domain = asciiFold(first)+"."+asciiFold(s[1]), personalDomains[rng.IntN(len(personalDomains))]
	}
	local = strings.ReplaceAll(local, "-", ".")
	email := local + "@" + domain
	for k := 2; used[email]; k++ {
		email = fmt.Sprintf("%s%d@%s", local, k, domain)
	}
	used[email] = true
	c.Email = email
}

func contractsFor(rng *rand.Rand, c *customer, today abraflexi.Date) {
	seq := 0
	add := func(t tariff, from, to abraflexi.Date) {
		seq++
		c.Contracts = append(c.Contracts, contract{Code: fmt.Sprintf("SML-%s-%d", c.Code[3:], seq), Tariff: t, From: from, To: to})
	}
	since := monthStart(today, 6+rng.IntN(60))
	inet := internetTariffs[rng.IntN(len(internetTariffs))]
	if c.Company && c.Role != roleNoDisconnect {
		inet = businessTariff
	}
	if c.Role == roleNoInternet {
		// The internet contract ended two months ago; hosting goes on.
		add(inet, since, monthStart(today, 2).AddDays(-1))
		add(hostingTariff, since, abraflexi.Date{})
		return
	}
	add(inet, since, abraflexi.Date{})
	switch x := rng.IntN(10); {
	case x < 3:
		add(voipTariff, since, abraflexi.Date{})
	case x == 3:
		// A cancelled VoIP line: an expired contract.
		add(voipTariff, since, monthStart(today, 1+rng.IntN(4)).AddDays(-1))
	}
	if c.Company || rng.IntN(12) == 0 {
		add(hostingTariff, since, abraflexi.Date{})
	}
}

// invoicesFor issues one invoice on the first of each of the last four
// months (k = 3..0), due in 14 days, and pays them according to the role.
func invoicesFor(rng *rand.Rand, c *customer, today abraflexi.Date) {
	// Which of the past months (k = 1..3) stay unpaid.
	unpaid := map[int]bool{}
	switch c.Role {
	case roleLate:
		unpaid[1] = true
	case roleDefaulter, rolePartial, roleVIP, roleNoDisconnect, roleNoInternet, roleNoIP:
		for k := 1; k <= 1+rng.IntN(3); k++ {
			unpaid[k] = true
		}
	case roleAlreadyCut:
		unpaid[2], unpaid[3] = true, true
	}
	if c.Role == rolePartial {
		unpaid[2] = true
	}
	for k := 3; k >= 0; k-- {
		issued := monthStart(today, k)
		total := decimal.Zero
		for _, ct := range c.Contracts {
			if ct.activeOn(issued) {
				total = total.Add(decimal.NewFromInt(ct.Tariff.Price))
			}
		}
		if total.IsZero() {
			continue
		}
		y := issued.Year % 100
		inv := invoice{
			Code:   fmt.Sprintf("FV%02d%02d-%04d", y, int(issued.Month), c.No),
			VarSym: fmt.Sprintf("%02d%02d%04d", y, int(issued.Month), c.No),
			Issued: issued, Due: issued.AddDays(14), Total: total,
		}
		switch {
		case k == 0:
			// This month's invoice: paid when due already (most do), else open.
			if inv.Due.Before(today) && !unpaid[1] && c.Role != roleAlreadyCut {
				inv.Remaining = decimal.Zero
			} else {
				inv.Remaining = total
			}
		case unpaid[k] && c.Role == rolePartial && k == 2:
			inv.Remaining = total.Sub(decimal.NewFromInt(200))
		case unpaid[k]:
			inv.Remaining = total
		}
		c.Invoices = append(c.Invoices, inv)
	}
}

func labelsFor(c *customer) {
	switch c.Role {
	case roleLate:
		c.Labels = []string{"UPOMINKA1"}
	case roleDefaulter, rolePartial, roleStale, roleNoInternet, roleNoIP:
		c.Labels = []string{dunning.DefaultLabelThirdReminder}
	case roleVIP:
		c.Labels = []string{dunning.DefaultLabelVIP, dunning.DefaultLabelThirdReminder}
	case roleNoDisconnect:
		c.Labels = []string{dunning.DefaultLabelNoDisconnect, dunning.DefaultLabelThirdReminder}
	case roleAlreadyCut:
		c.Labels = []string{dunning.DefaultLabelThirdReminder, dunning.DefaultLabelDisconnected}
	}
}

func hostsFor(rng *rand.Rand, c *customer, today abraflexi.Date, next []int) {
	if c.Role == roleNoIP {
		return
	}
	var speed int
	for _, ct := range c.Contracts {
		if ct.Tariff.Type == "INTERNET" && ct.activeOn(today) {
			speed = ct.Tariff.Speed
		}
	}
	if speed == 0 {
		return
	}
	devices := 1
	if c.Company || rng.IntN(8) == 0 {
		devices = 2
	}
	base := strings.SplitN(asciiFold(c.Name), "-", 3)
	name := base[0]
	if len(base) > 1 && !c.Company {
		name = base[1] // the surname
	}
	for d := range devices {
		k := next[c.POP]
		next[c.POP]++
		ip := netip.AddrFrom4([4]byte{10, byte(pops[c.POP].Octet2), byte(k / 250), byte(10 + k%250)})
		hn := fmt.Sprintf("%s-%s", name, strings.ToLower(c.Code))
		if d > 0 {
			hn += fmt.Sprintf("-%c", 'a'+d)
		}
		c.Hosts = append(c.Hosts, host{IP: ip, Hostname: hn, Speed: speed, Blocked: c.Role == roleAlreadyCut})
	}
}

// hostsFile renders the network's hosts file: a header, the core routers
// and one section per point of presence, customers by IP.
func (w *world) hostsFile() []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "# /etc/hosts.shaped — generated by the isptools demo (seed %d)\n", w.Seed)
	b.WriteString("# IP\thostname\t\t# speed=kbit/s {code:CUSTOMER}\n")
	b.WriteString("#\n")
	b.WriteString("10.20.0.1\tgw-core\t\t# core router\n")
	b.WriteString("10.20.0.2\tdns1\t\t# resolver\n")
	for i, p := range pops {
		fmt.Fprintf(&b, "\n# --- POP %s (10.%d.0.0/16) ---\n", p.Name, p.Octet2)
		fmt.Fprintf(&b, "10.%d.0.1\tap-%s\t\t# access point\n", p.Octet2, p.Slug)
		type entry struct {
			h    host
			code string
		}
		var hs []entry
		for _, c := range w.Customers {
			if c.POP != i {
				continue
			}
			for _, h := range c.Hosts {
				hs = append(hs, entry{h, c.Code})
			}
		}
		slices.SortFunc(hs, func(a, b entry) int { return a.h.IP.Compare(b.h.IP) })
		for _, e := range hs {
			b.WriteString(hostLine(e.h, e.code))
		}
	}
	return []byte(b.String())
}

// hostLine renders one customer line in the hosts-file contract format.
func hostLine(h host, code string) string {
	if h.Blocked {
		return fmt.Sprintf("%s\t%s\t\t# speed=0 orig=%d {code:%s}\n", h.IP, h.Hostname, h.Speed, code)
	}
	return fmt.Sprintf("%s\t%s\t\t# speed=%d {code:%s}\n", h.IP, h.Hostname, h.Speed, code)
}

// byRole returns the customers of role r in code order.
func (w *world) byRole(r role) []*customer {
	var out []*customer
	for _, c := range w.Customers {
		if c.Role == r {
			out = append(out, c)
		}
	}
	return out
}

// customer returns the customer with code, or nil.
func (w *world) customer(code string) *customer {
	for _, c := range w.Customers {
		if c.Code == code {
			return c
		}
	}
	return nil
}

// paymentBatch is the bank statement and the cash desk of today: every
// kind of payment the matcher has to handle.
func paymentBatch(rng *rand.Rand, w *world) []paymentSpec {
	today := w.Today
	var out []paymentSpec
	bank, cash := 0, 0
	add := func(p paymentSpec) {
		if p.Evidence == abraflexi.EvidenceCash {
			cash++
			p.Code = fmt.Sprintf("POK-%04d", cash)
		} else {
			p.Evidence = abraflexi.EvidenceBank
			bank++
			p.Code = fmt.Sprintf("BAN-%04d", bank)
		}
		if p.Payer != nil && p.Account == "" {
			p.Account = p.Payer.Account
		}
		out = append(out, p)
	}
	payAll := func(c *customer, ev, note string) {
		for _, inv := range c.overdue(today) {
			add(paymentSpec{Evidence: ev, VarSym: inv.VarSym, Amount: inv.Remaining, Payer: c, Note: note, Expect: "matched", ForInvoice: inv.Code})
		}
	}
	def := w.byRole(roleDefaulter)
	// Two defaulters pay everything they owe, one of them writes the
	// variable symbol with leading zeros.
	payAll(def[0], abraflexi.EvidenceBank, "pays all overdue invoices")
	payAll(def[1], abraflexi.EvidenceBank, "pays all overdue invoices")
	for i := range out {
		if out[i].Payer == def[1] {
			out[i].VarSym = "00" + out[i].VarSym
			out[i].Note = "variable symbol with leading zeros"
			break
		}
	}
	// One pays only the oldest overdue invoice and still owes when it has
	// more.
	if od := def[2].overdue(today); len(od) > 0 {
		add(paymentSpec{VarSym: od[0].VarSym, Amount: od[0].Remaining, Payer: def[2], Note: "pays the oldest invoice only", Expect: "matched", ForInvoice: od[0].Code})
	}
	// One pays everything, rounding the last payment up: an overpayment.
	if od := def[3].overdue(today); len(od) > 0 {
		for i, inv := range od {
			p := paymentSpec{VarSym: inv.VarSym, Amount: inv.Remaining, Payer: def[3], Note: "pays all overdue invoices", Expect: "matched", ForInvoice: inv.Code}
			if i == len(od)-1 {
				p.Amount = inv.Remaining.Div(decimal.NewFromInt(500)).Ceil().Mul(decimal.NewFromInt(500))
				if p.Amount.Equal(inv.Remaining) {
					p.Amount = p.Amount.Add(decimal.NewFromInt(100))
				}
				p.Note, p.Expect = "rounds the amount up", "matched_overpayment"
			}
			add(p)
		}
	}
	// A partly paid defaulter sends a little more: still a partial payment.
	if part := w.byRole(rolePartial); len(part) > 0 {
		od := part[0].overdue(today)
		inv := od[len(od)-1]
		add(paymentSpec{VarSym: inv.VarSym, Amount: decimal.NewFromInt(300), Payer: part[0], Note: "pays 300 CZK of the invoice", Expect: "matched_partial", ForInvoice: inv.Code})
	}
	// A customer cut off by an earlier run pays at the cash desk.
	payAll(w.byRole(roleAlreadyCut)[0], abraflexi.EvidenceCash, "pays at the cash desk")
	// Late payers catch up; one forgets the variable symbol.
	late := w.byRole(roleLate)
	for i, c := range late[:3] {
		od := c.overdue(today)
		if len(od) == 0 {
			continue
		}
		if i == 2 {
			add(paymentSpec{Amount: od[0].Remaining, Payer: c, Note: "forgot the variable symbol", Expect: "no_varsym"})
			continue
		}
		add(paymentSpec{VarSym: od[0].VarSym, Amount: od[0].Remaining, Payer: c, Note: "pays the overdue invoice", Expect: "matched", ForInvoice: od[0].Code})
	}
	// A good payer mistypes the variable symbol.
	good := w.byRole(roleGood)
	g := good[rng.IntN(len(good))]
	add(paymentSpec{VarSym: fmt.Sprintf("99%06d", rng.IntN(1000000)), Amount: g.Invoices[len(g.Invoices)-1].Total, Payer: g,
		Note: "mistyped variable symbol", Expect: "unknown_varsym"})
	// Money from an account nobody knows, without a symbol.
	add(paymentSpec{Amount: decimal.NewFromInt(500), Account: "2900123456/2010", Note: "unknown payer, no variable symbol", Expect: "no_varsym"})
	// And the ISP pays its rent for the mast: an outgoing payment.
	add(paymentSpec{Amount: decimal.NewFromInt(4500), Outgoing: true, Account: "19-2000145399/0800", VarSym: "20250017",
		Note: "outgoing: rent for the mast", Expect: "not_incoming"})
	return out
}

// records returns the typed AbraFlexi records of the world in seeding
// order: customers, contracts, invoices.
func (w *world) records() []any {
	var addrs, contracts, invoices []any
	for _, c := range w.Customers {
		addrs = append(addrs, abraflexi.Address{Code: c.Code, Name: c.Name, Email: c.Email, Labels: abraflexi.Labels(c.Labels...)})
		for _, ct := range c.Contracts {
			contracts = append(contracts, abraflexi.Contract{
				Code: ct.Code, Name: ct.Tariff.Name, Customer: abraflexi.RefTo(abraflexi.CodeID(c.Code)),
				Type: abraflexi.RefTo(abraflexi.CodeID(ct.Tariff.Type)), ValidFrom: ct.From, ValidTo: ct.To,
			})
		}
		for _, inv := range c.Invoices {
			rec := abraflexi.IssuedInvoice{
				Code: inv.Code, Customer: abraflexi.RefTo(abraflexi.CodeID(c.Code)), VariableSymbol: inv.VarSym,
				Total: inv.Total, Remaining: inv.Remaining, IssuedOn: inv.Issued, DueOn: inv.Due,
				DocumentType: abraflexi.RefTo(abraflexi.CodeID("FAKTURA")), Currency: abraflexi.RefTo(abraflexi.CodeID("CZK")),
			}
			switch {
			case inv.Remaining.IsZero():
				rec.PaymentState = abraflexi.PaymentStatePaid
			case inv.Remaining.LessThan(inv.Total):
				rec.PaymentState = abraflexi.PaymentStatePartial
			}
			invoices = append(invoices, rec)
		}
	}
	return slices.Concat(addrs, contracts, invoices)
}

// roleCount is the number of customers of one role.
type roleCount struct {
	Role  role
	Count int
}

// roleSummary counts customers by role, most frequent first.
func (w *world) roleSummary() []roleCount {
	counts := map[role]int{}
	for _, c := range w.Customers {
		counts[c.Role]++
	}
	var out []roleCount
	for r, n := range counts {
		out = append(out, roleCount{r, n})
	}
	slices.SortFunc(out, func(a, b roleCount) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Role, b.Role))
	})
	return out
}
