package svnhosts

import (
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/spoje-net/isptools/netbackend"
)

func mustParse(t testing.TB, s string) *File {
	t.Helper()
	f, err := Parse([]byte(s))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return f
}

func TestParseBytesIdentity(t *testing.T) {
	for _, in := range []string{
		"",
		"\n",
		"\n\n\n",
		"10.0.0.1\thost1\t\t#speed=512 {code:TEST1}",
		"10.0.0.1\thost1\t\t#speed=512 {code:TEST1}\n",
		"10.0.0.1\thost1\r\n10.0.0.2\thost2\r\n",
		"10.0.0.1\thost1\r\n10.0.0.2\thost2",
		"a\r",
		"\r",
		"\r\r\n\n\r",
		"   \t \n# comment\n  # indented comment\n",
		"junk junk junk\n\x00\xff\xfe binary\n",
		"10.0.0.1    host  \t  #  speed=1  \n",
		"2001:db8::1\thost6\t#speed=5\n",
	} {
		f := mustParse(t, in)
		if got := f.Bytes(); string(got) != in {
			t.Errorf("Parse(%q).Bytes() = %q", in, got)
		}
	}
}

func TestParseTooLarge(t *testing.T) {
	defer func(n int) { maxFileSize = n }(maxFileSize)
	maxFileSize = 10
	if _, err := Parse(make([]byte, 10)); err != nil {
		t.Fatalf("at the limit: %v", err)
	}
	_, err := Parse(make([]byte, 11))
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
}

func TestBlock(t *testing.T) {
	const ip = "10.0.0.1"
	tests := []struct {
		name, in, want string
		changed        bool
	}{
		{"issue example", "10.0.0.1\thost1\t\t#speed=512 {code:TEST1}\n", "10.0.0.1\thost1\t\t# speed=0 orig=512 {code:TEST1}\n", true},
		{"already blocked", "10.0.0.1\th\t# speed=0 orig=512 x\n", "10.0.0.1\th\t# speed=0 orig=512 x\n", false},
		{"blocked without orig", "10.0.0.1\th\t#speed=0\n", "10.0.0.1\th\t#speed=0\n", false},
		{"no comment", "10.0.0.1\th\n", "10.0.0.1\th\t# speed=0 orig=0\n", true},
		{"no comment no final newline", "10.0.0.1\th", "10.0.0.1\th\t# speed=0 orig=0", true},
		{"no speed", "10.0.0.1\th\t#{code:A}\n", "10.0.0.1\th\t# speed=0 orig=0 {code:A}\n", true},
		{"empty comment", "10.0.0.1\th\t#\n", "10.0.0.1\th\t# speed=0 orig=0\n", true},
		{"throttled is cut further, its original kept", "10.0.0.1\th\t#speed=64 orig=512 x\n", "10.0.0.1\th\t# speed=0 orig=512 x\n", true},
		{"php markers", "10.0.0.1\th\t#speed=100 dashboard-neplatic foo-odpojen dashboard-smlouva dashboard bar\n",
			"10.0.0.1\th\t# speed=0 orig=100 foo   bar\n", true},
		{"marker inside word", "10.0.0.1\th\t#speed=1 mydashboardx\n", "10.0.0.1\th\t# speed=0 orig=1 myx\n", true},
		{"stale orig replaced", "10.0.0.1\th\t#speed=256 orig=128 x\n", "10.0.0.1\th\t# speed=0 orig=256 x\n", true},
		{"first speed wins", "10.0.0.1\th\t#speed=256 y speed=128 x\n", "10.0.0.1\th\t# speed=0 orig=256 y  x\n", true},
		{"crlf kept", "10.0.0.1\th\t#speed=5\r\n10.0.0.2\th2\t#speed=6\r\n", "10.0.0.1\th\t# speed=0 orig=5\r\n10.0.0.2\th2\t#speed=6\r\n", true},
		{"no final newline", "10.0.0.2\th2\n10.0.0.1\th\t#speed=5", "10.0.0.2\th2\n10.0.0.1\th\t# speed=0 orig=5", true},
		{"commented out untouched", "#10.0.0.1\th\t#speed=5\n  # 10.0.0.1\th\n", "#10.0.0.1\th\t#speed=5\n  # 10.0.0.1\th\n", false},
		{"spaces as separator", "10.0.0.1 host  #speed=5\n", "10.0.0.1 host  # speed=0 orig=5\n", true},
		{"leading blanks", "  10.0.0.1\th\t#speed=5\n", "  10.0.0.1\th\t# speed=0 orig=5\n", true},
		{"hash right after ip", "10.0.0.1#speed=5\n", "10.0.0.1# speed=0 orig=5\n", true},
		{"every line of the ip", "10.0.0.1\ta\t#speed=5\n10.0.0.2\tb\t#speed=6\n10.0.0.1\tc\t#speed=7 {code:X}\n",
			"10.0.0.1\ta\t# speed=0 orig=5\n10.0.0.2\tb\t#speed=6\n10.0.0.1\tc\t# speed=0 orig=7 {code:X}\n", true},
		{"not a whole word", "10.0.0.1\th\t#speed=512x xspeed=0\n", "10.0.0.1\th\t# speed=0 orig=0 speed=512x xspeed=0\n", true},
		{"other ip prefix untouched", "10.0.0.10\th\t#speed=5\n", "10.0.0.10\th\t#speed=5\n", false},
		{"before hash kept", "10.0.0.1 \t h  \t #  speed=5   trailing  \n", "10.0.0.1 \t h  \t # speed=0 orig=5 trailing\n", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := mustParse(t, tt.in)
			if got := f.Block(netip.MustParseAddr(ip)); got != tt.changed {
				t.Errorf("Block = %v, want %v", got, tt.changed)
			}
			if got := string(f.Bytes()); got != tt.want {
				t.Errorf("Bytes:\n got %q\nwant %q", got, tt.want)
			}
			// blocking twice changes nothing
			if f.Block(netip.MustParseAddr(ip)) {
				t.Errorf("second Block reported a change: %q", f.Bytes())
			}
			if got := string(f.Bytes()); got != tt.want {
				t.Errorf("after second Block: %q", got)
			}
		})
	}
}

func TestBlockIPv6(t *testing.T) {
	f := mustParse(t, "2001:db8::1\thost6\t#speed=1000\n2001:db8::10\tother\t#speed=1\n")
	if !f.Block(netip.MustParseAddr("2001:DB8:0:0::1")) {
		t.Fatal("Block reported no change")
	}
	want := "2001:db8::1\thost6\t# speed=0 orig=1000\n2001:db8::10\tother\t#speed=1\n"
	if got := string(f.Bytes()); got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	if !f.Unblock(netip.MustParseAddr("2001:db8::1"), 5) {
		t.Fatal("Unblock reported no change")
	}
	if st := f.State(netip.MustParseAddr("2001:db8::1")); st.Speed != 1000 || st.Blocked {
		t.Fatalf("state after unblock = %+v", st)
	}
}

func TestBlockIPv4Mapped(t *testing.T) {
	f := mustParse(t, "10.0.0.1\th\t#speed=5\n")
	if !f.Block(netip.MustParseAddr("::ffff:10.0.0.1")) {
		t.Fatal("IPv4-mapped address did not match its IPv4 entry")
	}
}

func TestUnblock(t *testing.T) {
	const ip = "10.0.0.1"
	tests := []struct {
		name, in string
		fallback int
		want     string
		changed  bool
	}{
		{"orig restored", "10.0.0.1\th\t# speed=0 orig=512 {code:TEST1}\n", 100, "10.0.0.1\th\t# speed=512 {code:TEST1}\n", true},
		{"fallback", "10.0.0.1\th\t# speed=0 {code:X}\n", 100, "10.0.0.1\th\t# speed=100 {code:X}\n", true},
		{"php blocked form", "10.0.0.1\th\t#speed=0 orig=64\n", 100, "10.0.0.1\th\t# speed=64\n", true},
		{"no speed at all", "10.0.0.1\th\t# speed=0\n", 0, "10.0.0.1\th\t#\n", true},
		{"orig zero uses fallback", "10.0.0.1\th\t# speed=0 orig=0\n", 7, "10.0.0.1\th\t# speed=7\n", true},
		{"markers removed", "10.0.0.1\th\t# speed=0 orig=5 dashboard-neplatic x-odpojen\n", 1, "10.0.0.1\th\t# speed=5 x\n", true},
		{"not blocked left alone", "10.0.0.1\th\t#speed=512 {code:P}\n", 100, "10.0.0.1\th\t#speed=512 {code:P}\n", false},
		{"no speed not blocked", "10.0.0.1\th\t#{code:P}\n", 100, "10.0.0.1\th\t#{code:P}\n", false},
		{"no comment left alone", "10.0.0.1\th\n", 100, "10.0.0.1\th\n", false},
		{"crlf", "10.0.0.1\th\t# speed=0 orig=9\r\n", 1, "10.0.0.1\th\t# speed=9\r\n", true},
		{"no final newline", "10.0.0.1\th\t# speed=0 orig=9", 1, "10.0.0.1\th\t# speed=9", true},
		{"commented out untouched", "#10.0.0.1\th\t# speed=0 orig=9\n", 1, "#10.0.0.1\th\t# speed=0 orig=9\n", false},
		{"only blocked lines change", "10.0.0.1\ta\t# speed=0 orig=3\n10.0.0.1\tb\t#speed=4\n", 1, "10.0.0.1\ta\t# speed=3\n10.0.0.1\tb\t#speed=4\n", true},
		{"throttled restored", "10.0.0.1\th\t# speed=64 orig=512 {code:T}\n", 1, "10.0.0.1\th\t# speed=512 {code:T}\n", true},
		{"stale orig below the speed left alone", "10.0.0.1\th\t#speed=512 orig=128\n", 1, "10.0.0.1\th\t#speed=512 orig=128\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := mustParse(t, tt.in)
			if got := f.Unblock(netip.MustParseAddr(ip), tt.fallback); got != tt.changed {
				t.Errorf("Unblock = %v, want %v", got, tt.changed)
			}
			if got := string(f.Bytes()); got != tt.want {
				t.Errorf("Bytes:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestBlockUnblockRoundTrip(t *testing.T) {
	in := "10.0.0.1\thost1\t\t#speed=512 {code:TEST1}\n"
	f := mustParse(t, in)
	ip := netip.MustParseAddr("10.0.0.1")
	f.Block(ip)
	f.Unblock(ip, 1)
	if got, want := string(f.Bytes()), "10.0.0.1\thost1\t\t# speed=512 {code:TEST1}\n"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	// a further cycle is stable
	f.Block(ip)
	f.Unblock(ip, 1)
	if got, want := string(f.Bytes()), "10.0.0.1\thost1\t\t# speed=512 {code:TEST1}\n"; got != want {
		t.Fatalf("second cycle: got %q, want %q", got, want)
	}
}

const customersFile = "10.0.0.1\th1\t#speed=1 {code:C1}\n" +
	"10.0.0.10\th10\t#speed=1 C10\n" +
	"10.0.0.2\th2\t#speed=1 C1\n" +
	"#10.0.0.3\th3\t#speed=1 {code:C1} {code:OUT} OUT\n" +
	"10.0.0.1\th1b\t#speed=1 {code:C1}\n" +
	"10.0.0.4\th4\t#speed=1 C2 C10\n" +
	"10.0.0.5\th5\t#speed=1 10\n" +
	"2001:db8::5\th6\t#speed=1 {code:V6}{code:C2}\n" +
	"junk line {code:JUNK}\n" +
	"10.0.0.6\tC3\t#speed=1\n"

func addrs(s ...string) []netip.Addr {
	var out []netip.Addr
	for _, x := range s {
		out = append(out, netip.MustParseAddr(x))
	}
	return out
}

func TestCustomerIPs(t *testing.T) {
	f := mustParse(t, customersFile)
	tests := []struct {
		code       string
		token      []netip.Addr // MatchToken (the default)
		word       []netip.Addr // MatchWord (HOSTS_CODE_FALLBACK=word)
		conflicted bool
	}{
		{"C1", addrs("10.0.0.1"), addrs("10.0.0.1"), false}, // {code:} lines only, no duplicate; the word on 10.0.0.2 never counts
		{"C10", nil, addrs("10.0.0.10", "10.0.0.4"), false}, // words only under the fallback
		{"C2", nil, nil, true},                              // one line names V6 and C2: contested
		{"V6", nil, nil, true},                              //
		{"10", nil, addrs("10.0.0.5"), false},               // a word, never an IP octet
		{"1", nil, nil, false}, {"C", nil, nil, false},      // no substring match
		{"OUT", nil, nil, false}, {"JUNK", nil, nil, false}, {"C3", nil, nil, false}, // commented out, no IP, hostname
		{"", nil, nil, false}, {"speed=1}", nil, nil, false},
	}
	for _, tt := range tests {
		if got := f.CustomerIPs(tt.code); !slices.Equal(got, tt.token) {
			t.Errorf("CustomerIPs(%q) = %v, want %v", tt.code, got, tt.token)
		}
		for m, want := range map[CodeMatch][]netip.Addr{MatchToken: tt.token, MatchWord: tt.word} {
			look := f.Lookup([]string{tt.code}, m)
			if got := look.IPs[tt.code]; !slices.Equal(got, want) {
				t.Errorf("Lookup(%q, %s) = %v, want %v", tt.code, m, got, want)
			}
			if (len(look.Conflicts) > 0) != tt.conflicted {
				t.Errorf("Lookup(%q, %s) conflicts %v, want conflicted %v", tt.code, m, look.Conflicts, tt.conflicted)
			}
		}
	}
	all := f.Lookup([]string{"C1", "C10", "NONE", "V6", "C2"}, MatchWord)
	if len(all.IPs) != 2 || !slices.Equal(all.IPs["C1"], addrs("10.0.0.1")) || !slices.Equal(all.IPs["C10"], addrs("10.0.0.10", "10.0.0.4")) {
		t.Errorf("Lookup = %v", all.IPs)
	}
	if _, ok := all.IPs["NONE"]; ok {
		t.Errorf("Lookup has a customer without IPs")
	}
	if len(all.Conflicts) != 1 || all.Conflicts[0].String() != "2001:db8::5 claimed by C2, V6 (hosts line 8)" {
		t.Errorf("conflicts %v, want the one line naming two customers once", all.Conflicts)
	}
}

// TestLookupConflict is the re-assigned address of the issue: 10.0.0.5
// moved from the debtor D to the payer P, and D's old line was left. The
// IP is contested by both, with both line numbers; the rest goes on.
func TestLookupConflict(t *testing.T) {
	f := mustParse(t, "10.0.0.5\told\t#speed=0 orig=100 {code:D}\n"+
		"10.0.0.6\td\t#speed=0 orig=100 {code:D}\n"+
		"10.0.0.5\tnew\t#speed=200 {code:P}\n"+
		"10.0.0.5\talias\t#speed=200 no owner\n")
	for _, ask := range [][]string{{"D"}, {"P"}, {"D", "P"}} {
		look := f.Lookup(ask, MatchToken)
		if len(look.Conflicts) != 1 {
			t.Fatalf("asked %v: conflicts %v", ask, look.Conflicts)
		}
		c := look.Conflicts[0]
		if c.IP != netip.MustParseAddr("10.0.0.5") || !slices.Equal(c.Customers, []string{"D", "P"}) || !slices.Equal(c.Where, []string{"hosts line 1", "hosts line 3"}) {
			t.Errorf("asked %v: conflict %+v", ask, c)
		}
		if len(look.IPs["P"]) != 0 {
			t.Errorf("asked %v: P gets %v", ask, look.IPs["P"])
		}
		if slices.Contains(ask, "D") && !slices.Equal(look.IPs["D"], addrs("10.0.0.6")) {
			t.Errorf("asked %v: D gets %v, want [10.0.0.6]", ask, look.IPs["D"])
		}
	}
	// Even asked directly, neither line changes.
	in := string(f.Bytes())
	res, dirty := f.Apply([]netbackend.Change{
		{Customer: "P", IP: netip.MustParseAddr("10.0.0.5"), Action: netbackend.Unblock},
		{Customer: "D", IP: netip.MustParseAddr("10.0.0.5"), Action: netbackend.Unblock},
	}, MatchToken)
	for _, r := range res {
		if r.Status != netbackend.Failed || !errors.Is(r.Err, netbackend.ErrConflict) || !strings.Contains(r.Err.Error(), "hosts line") {
			t.Errorf("%v: %s %v, want failed with ErrConflict naming the line", r.Change, r.Status, r.Err)
		}
	}
	if dirty || string(f.Bytes()) != in {
		t.Errorf("a contested line changed:\n%s", f.Bytes())
	}
}

func TestWordFallbackRisk(t *testing.T) {
	// The risk HOSTS_CODE_FALLBACK=word documents: a comment naming a
	// former owner belongs to them.
	f := mustParse(t, "10.0.0.7\tnew-owner\t#speed=100 former owner 1001\n")
	if ips := f.Lookup([]string{"1001"}, MatchToken).IPs["1001"]; len(ips) != 0 {
		t.Errorf("token match found %v", ips)
	}
	if ips := f.Lookup([]string{"1001"}, MatchWord).IPs["1001"]; !slices.Equal(ips, addrs("10.0.0.7")) {
		t.Errorf("word match found %v, want the former owner's old line (the documented risk)", ips)
	}
	for _, v := range []string{"", "none", "token", "WORD", "word"} {
		if _, err := ParseCodeMatch(v); err != nil {
			t.Errorf("ParseCodeMatch(%q): %v", v, err)
		}
	}
	if _, err := ParseCodeMatch("words"); err == nil || !strings.Contains(err.Error(), "HOSTS_CODE_FALLBACK") {
		t.Errorf("ParseCodeMatch(words) = %v", err)
	}
}

func TestBlocked(t *testing.T) {
	f := mustParse(t, "10.0.0.1\ta\t# speed=0 orig=512 {code:B}\n"+ // 1 ours
		"10.0.0.2\tb\t#speed=0 {code:A}\n"+ // 2 by hand
		"10.0.0.3\tc\t#speed=64 orig=512 {code:A}\n"+ // 3 throttled
		"10.0.0.4\td\t#speed=512 orig=128 {code:A}\n"+ // 4 stale orig: not blocked
		"10.0.0.5\te\t#speed=100 {code:A}\n"+ // 5 paying
		"#10.0.0.6\tf\t#speed=0 {code:A}\n"+ // 6 commented out
		"10.0.0.7\tg\t# speed=0 orig=0\n"+ // 7 ours, no customer
		"10.0.0.8\th\t# speed=0 orig=9 {code:C}{code:D}\n") // 8 two customers
	var got []string
	for _, e := range f.Blocked() {
		got = append(got, e.String())
	}
	want := []string{
		"10.0.0.7 of no customer (hosts line 7) at speed 0, original 0",
		"10.0.0.2 of A (hosts line 2) at speed 0, no kept original",
		"10.0.0.3 of A (hosts line 3) at speed 64, original 512",
		"10.0.0.1 of B (hosts line 1) at speed 0, original 512",
		"10.0.0.8 of C (hosts line 8) at speed 0, original 9",
		"10.0.0.8 of D (hosts line 8) at speed 0, original 9",
	}
	if !slices.Equal(got, want) {
		t.Errorf("Blocked() =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestState(t *testing.T) {
	f := mustParse(t, "10.0.0.1\th\t#speed=5 {code:A}\n"+
		"10.0.0.2\th\t# speed=0 orig=7\n"+
		"10.0.0.3\th\n"+
		"#10.0.0.4\th\t#speed=1\n"+
		"10.0.0.5\ta\t# speed=0 orig=2\n10.0.0.5\tb\t#speed=3\n")
	tests := []struct {
		ip   string
		want netbackend.IPState
	}{
		{"10.0.0.1", netbackend.IPState{Found: true, Speed: 5, OriginalSpeed: -1}},
		{"10.0.0.2", netbackend.IPState{Found: true, Blocked: true, Speed: 0, OriginalSpeed: 7}},
		{"10.0.0.3", netbackend.IPState{Found: true, Speed: -1, OriginalSpeed: -1}},
		{"10.0.0.4", netbackend.IPState{Speed: -1, OriginalSpeed: -1}},
		{"10.0.0.5", netbackend.IPState{Found: true, Blocked: false, Speed: 0, OriginalSpeed: 2}},
	}
	for _, tt := range tests {
		ip := netip.MustParseAddr(tt.ip)
		tt.want.IP = ip
		if got := f.State(ip); got != tt.want {
			t.Errorf("State(%s) = %+v, want %+v", tt.ip, got, tt.want)
		}
	}
}

func TestCheck(t *testing.T) {
	in := "# header\n" +
		"10.0.0.1\thost1\t#speed=1\n" + // 2 ok
		"10.0.0.2 host2 #speed=1\n" + // 3 no tab
		"10.0.0.3 host3\t#speed=1 with spaces\n" + // 4 mixed
		"10.0.0.300\thost4\n" + // 5 invalid ip
		"10.0.0.1\thost5\n" + // 6 duplicate ip
		"10.0.0.6\tHOST1\n" + // 7 duplicate hostname
		"2001:db8::1\thost6\n" + // 8 ok (IPv6)
		"2001:DB8::1\thost7\r\n" + // 9 duplicate IPv6
		"\n" +
		"#10.0.0.1\thost1\n" // commented out: ignored
	f := mustParse(t, in)
	got := f.Check()
	want := []struct {
		line int
		kind ProblemKind
	}{
		{3, NoTab}, {4, MixedWhitespace}, {5, InvalidIP}, {6, DuplicateIP}, {7, DuplicateHostname}, {9, DuplicateIP},
	}
	if len(got) != len(want) {
		t.Fatalf("Check() = %v", got)
	}
	for i, w := range want {
		if got[i].Line != w.line || got[i].Kind != w.kind || got[i].Message == "" {
			t.Errorf("problem %d = %+v, want line %d kind %s", i, got[i], w.line, w.kind)
		}
	}
	if s := got[3].String(); !strings.HasPrefix(s, "line 6: duplicate-ip: ") || !strings.Contains(s, "line 2") {
		t.Errorf("String() = %q", s)
	}
	if p := mustParse(t, "10.0.0.1\th\t#speed=1\n2001:db8::2\th2\n").Check(); len(p) != 0 {
		t.Errorf("clean file: %v", p)
	}
}

func TestApply(t *testing.T) {
	f := mustParse(t, "10.0.0.1\th\t#speed=5 {code:A}\n10.0.0.2\th\t# speed=0 orig=9 {code:B}\n"+
		"10.0.0.4\th\t#speed=8 {code:A}\n10.0.0.4\th2\t#speed=8 no token\n10.0.0.5\th\t#speed=3\n")
	ip := netip.MustParseAddr
	res, dirty := f.Apply([]netbackend.Change{
		{Customer: "A", IP: ip("10.0.0.1"), Action: netbackend.Block},
		{Customer: "A", IP: ip("10.0.0.1"), Action: netbackend.Block},
		{Customer: "B", IP: ip("10.0.0.2"), Action: netbackend.Unblock, FallbackSpeed: 1},
		{Customer: "C", IP: ip("10.0.0.3"), Action: netbackend.Block},
		{Customer: "B", IP: ip("10.0.0.1"), Action: netbackend.Unblock}, // A's line
		{Customer: "A", IP: ip("10.0.0.4"), Action: netbackend.Block, BlockSpeed: 2},
		{Customer: "A", IP: ip("10.0.0.5"), Action: netbackend.Block}, // a line of nobody
	}, MatchToken)
	if !dirty {
		t.Fatal("not dirty")
	}
	want := []struct {
		st            netbackend.Status
		before, after int
	}{{netbackend.Changed, 5, 0}, {netbackend.Unchanged, 0, 0}, {netbackend.Changed, 0, 9}, {netbackend.NotFound, -1, -1},
		{netbackend.Failed, -1, -1}, {netbackend.Changed, 8, 2}, {netbackend.NotFound, -1, -1}}
	for i, w := range want {
		if res[i].Status != w.st || res[i].SpeedBefore != w.before || res[i].SpeedAfter != w.after {
			t.Errorf("result %d = %+v, want %+v", i, res[i], w)
		}
	}
	if !errors.Is(res[4].Err, netbackend.ErrConflict) {
		t.Errorf("change on another customer's line: %v, want ErrConflict", res[4].Err)
	}
	if got := string(f.Bytes()); got != "10.0.0.1\th\t# speed=0 orig=5 {code:A}\n10.0.0.2\th\t# speed=9 {code:B}\n"+
		"10.0.0.4\th\t# speed=2 orig=8 {code:A}\n10.0.0.4\th2\t#speed=8 no token\n10.0.0.5\th\t#speed=3\n" {
		t.Errorf("file = %q", got)
	}
}
