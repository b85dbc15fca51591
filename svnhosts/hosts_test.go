package svnhosts

import (
	"bytes"
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
		{"no comment", "10.0.0.1\th\n", "10.0.0.1\th\t# speed=0\n", true},
		{"no comment no final newline", "10.0.0.1\th", "10.0.0.1\th\t# speed=0", true},
		{"no speed", "10.0.0.1\th\t#{code:A}\n", "10.0.0.1\th\t# speed=0 {code:A}\n", true},
		{"empty comment", "10.0.0.1\th\t#\n", "10.0.0.1\th\t# speed=0\n", true},
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
		{"not a whole word", "10.0.0.1\th\t#speed=512x xspeed=0\n", "10.0.0.1\th\t# speed=0 speed=512x xspeed=0\n", true},
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

func TestCustomerIPs(t *testing.T) {
	f := mustParse(t, customersFile)
	ips := func(s ...string) []netip.Addr {
		var out []netip.Addr
		for _, x := range s {
			out = append(out, netip.MustParseAddr(x))
		}
		return out
	}
	tests := []struct {
		code string
		want []netip.Addr
	}{
		{"C1", ips("10.0.0.1")}, // {code:} wins over the word on 10.0.0.2; no duplicate
		{"C10", ips("10.0.0.10", "10.0.0.4")},
		{"C2", ips("2001:db8::5")}, // {code:} wins over the word on 10.0.0.4
		{"V6", ips("2001:db8::5")},
		{"10", ips("10.0.0.5")}, // a word, never an IP octet
		{"1", nil},              // no substring match
		{"C", nil},
		{"OUT", nil},  // commented-out line only
		{"JUNK", nil}, // not an entry with an IP
		{"C3", nil},   // hostname, not comment
		{"", nil},
		{"speed=1}", nil},
	}
	for _, tt := range tests {
		if got := f.CustomerIPs(tt.code); !slices.Equal(got, tt.want) {
			t.Errorf("CustomerIPs(%q) = %v, want %v", tt.code, got, tt.want)
		}
	}
	all := f.CustomersIPs([]string{"C1", "C10", "NONE", "V6"})
	if len(all) != 3 || !slices.Equal(all["C1"], ips("10.0.0.1")) || !slices.Equal(all["C10"], ips("10.0.0.10", "10.0.0.4")) || !slices.Equal(all["V6"], ips("2001:db8::5")) {
		t.Errorf("CustomersIPs = %v", all)
	}
	if _, ok := all["NONE"]; ok {
		t.Errorf("CustomersIPs has a customer without IPs")
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

func TestApplyChanges(t *testing.T) {
	f := mustParse(t, "10.0.0.1\th\t#speed=5\n10.0.0.2\th\t# speed=0 orig=9\n")
	ip1, ip2, ip3 := netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.0.2"), netip.MustParseAddr("10.0.0.3")
	res, dirty := applyChanges(f, []netbackend.Change{
		{Customer: "A", IP: ip1, Action: netbackend.Block},
		{Customer: "A", IP: ip1, Action: netbackend.Block},
		{Customer: "B", IP: ip2, Action: netbackend.Unblock, FallbackSpeed: 1},
		{Customer: "C", IP: ip3, Action: netbackend.Block},
	})
	if !dirty {
		t.Fatal("not dirty")
	}
	want := []struct {
		st            netbackend.Status
		before, after int
	}{{netbackend.Changed, 5, 0}, {netbackend.Unchanged, 0, 0}, {netbackend.Changed, 0, 9}, {netbackend.NotFound, -1, -1}}
	for i, w := range want {
		if res[i].Status != w.st || res[i].SpeedBefore != w.before || res[i].SpeedAfter != w.after {
			t.Errorf("result %d = %+v, want %+v", i, res[i], w)
		}
	}
	if !bytes.Equal(f.Bytes(), []byte("10.0.0.1\th\t# speed=0 orig=5\n10.0.0.2\th\t# speed=9\n")) {
		t.Errorf("file = %q", f.Bytes())
	}
}
