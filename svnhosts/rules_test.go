package svnhosts

import (
	"net/netip"
	"slices"
	"testing"
)

// TestBlockUnblockRules re-derives the rewrite rules by hand on
// tricky inputs: each case is the input, the file after Block and the file
// after a following Unblock with fallback 77.
func TestBlockUnblockRules(t *testing.T) {
	cases := []struct{ name, in, blocked, unblocked string }{
		{"issue example",
			"10.0.0.1\th\t\t#speed=512 {code:T1} dashboard-neplatic",
			"10.0.0.1\th\t\t# speed=0 orig=512 {code:T1}",
			"10.0.0.1\th\t\t# speed=512 {code:T1}"},
		{"no comment", "10.0.0.1\th", "10.0.0.1\th\t# speed=0 orig=0", "10.0.0.1\th\t# speed=77"},
		{"empty comment", "10.0.0.1\th\t#", "10.0.0.1\th\t# speed=0 orig=0", "10.0.0.1\th\t# speed=77"},
		{"orig present already",
			"10.0.0.1\th\t# orig=100 speed=300 x",
			"10.0.0.1\th\t# speed=0 orig=300 x",
			"10.0.0.1\th\t# speed=300 x"},
		{"stale orig without speed", "10.0.0.1\th\t#orig=9 x", "10.0.0.1\th\t# speed=0 orig=0 x", "10.0.0.1\th\t# speed=77 x"},
		{"multiple speed tokens: the first counts",
			"10.0.0.1\th\t#speed=12 speed=2 speed=3 orig=9 foo",
			"10.0.0.1\th\t# speed=0 orig=12 foo",
			"10.0.0.1\th\t# speed=12 foo"},
		{"throttled (speed at or below orig): the original is kept",
			"10.0.0.1\th\t#speed=1 speed=2 orig=9 foo",
			"10.0.0.1\th\t# speed=0 orig=9 foo",
			"10.0.0.1\th\t# speed=9 foo"},
		{"CRLF kept",
			"10.0.0.1\th\t#speed=512 {code:T1}\r\n#x\r\n",
			"10.0.0.1\th\t# speed=0 orig=512 {code:T1}\r\n#x\r\n",
			"10.0.0.1\th\t# speed=512 {code:T1}\r\n#x\r\n"},
		{"leading whitespace kept",
			"  10.0.0.1\th\t#speed=512 {code:T1}\n",
			"  10.0.0.1\th\t# speed=0 orig=512 {code:T1}\n",
			"  10.0.0.1\th\t# speed=512 {code:T1}\n"},
		{"markers removed in order as substrings",
			"10.0.0.1 h #speed=512 dashboard-smlouva-odpojen x\n",
			"10.0.0.1 h # speed=0 orig=512 x\n",
			"10.0.0.1 h # speed=512 x\n"},
		{"inner spaces kept, second # is comment text",
			"10.0.0.1\th\t#a speed=5 b dashboard x#y\n",
			"10.0.0.1\th\t# speed=0 orig=5 a  b  x#y\n",
			"10.0.0.1\th\t# speed=5 a  b  x#y\n"},
		{"already blocked with orig",
			"10.0.0.1\th\t# speed=0 orig=512 {code:T1}",
			"10.0.0.1\th\t# speed=0 orig=512 {code:T1}",
			"10.0.0.1\th\t# speed=512 {code:T1}"},
		{"already blocked without orig uses fallback",
			"10.0.0.1\th\t#speed=512 speed=0",
			"10.0.0.1\th\t#speed=512 speed=0",
			"10.0.0.1\th\t# speed=77"},
		{"not whole words are kept",
			"10.0.0.1\th\t#xspeed=512 speed=512x",
			"10.0.0.1\th\t# speed=0 orig=0 xspeed=512 speed=512x",
			"10.0.0.1\th\t# speed=77 xspeed=512 speed=512x"},
		{"commented-out line never touched", "#10.0.0.1\th\t#speed=512", "#10.0.0.1\th\t#speed=512", "#10.0.0.1\th\t#speed=512"},
		{"indented comment never touched", "  #10.0.0.1\th\t#speed=512", "  #10.0.0.1\th\t#speed=512", "  #10.0.0.1\th\t#speed=512"},
		{"IPv6 compared as address",
			"2001:DB8:0::1\th\t#speed=5\n",
			"2001:DB8:0::1\th\t# speed=0 orig=5\n",
			"2001:DB8:0::1\th\t# speed=5\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ip := netip.MustParseAddr("10.0.0.1")
			if tc.name == "IPv6 compared as address" {
				ip = netip.MustParseAddr("2001:db8::1")
			}
			f := mustParse(t, tc.in)
			if changed := f.Block(ip); changed != (tc.blocked != tc.in) {
				t.Errorf("Block changed = %v", changed)
			}
			if got := string(f.Bytes()); got != tc.blocked {
				t.Errorf("after Block:\n got %q\nwant %q", got, tc.blocked)
			}
			if changed := f.Unblock(ip, 77); changed != (tc.unblocked != tc.blocked) {
				t.Errorf("Unblock changed = %v", changed)
			}
			if got := string(f.Bytes()); got != tc.unblocked {
				t.Errorf("after Unblock:\n got %q\nwant %q", got, tc.unblocked)
			}
		})
	}
}

// TestUnblockZeroFallbackDropsSpeed: S = 0 writes no speed token.
func TestUnblockZeroFallbackDropsSpeed(t *testing.T) {
	f := mustParse(t, "10.0.0.1\th\t# speed=0 {code:T1}\n")
	if !f.Unblock(netip.MustParseAddr("10.0.0.1"), 0) {
		t.Fatal("not changed")
	}
	if got := string(f.Bytes()); got != "10.0.0.1\th\t# {code:T1}\n" {
		t.Errorf("got %q", got)
	}
	f = mustParse(t, "10.0.0.1\th\t# speed=0\n")
	f.Unblock(netip.MustParseAddr("10.0.0.1"), 0)
	if got := string(f.Bytes()); got != "10.0.0.1\th\t#\n" {
		t.Errorf("got %q", got)
	}
}

// TestEntryRuleLiteral: an entry is a line that is not empty and does not
// start with '#'. Whitespace-only and indented "#" lines are entries without
// a valid IP: Check reports them, nothing else ever matches or changes them.
func TestEntryRuleLiteral(t *testing.T) {
	in := "  # 10.0.0.1\th\t#speed=5 {code:T1}\n" + // 1
		"\t\n" + // 2
		"\n" + // 3 empty: not an entry
		"# 10.0.0.1\th\t#speed=5 {code:T1}\n" + // 4 comment: not an entry
		"10.0.0.2\th2\t#speed=5 {code:T2} T1\n" // 5
	f := mustParse(t, in)
	var lines []int
	for _, p := range f.Check() {
		if p.Kind == InvalidIP {
			lines = append(lines, p.Line)
		}
	}
	if !slices.Equal(lines, []int{1, 2}) {
		t.Errorf("invalid-IP problems on lines %v, want [1 2]: %v", lines, f.Check())
	}
	if f.Block(netip.MustParseAddr("10.0.0.1")) || string(f.Bytes()) != in {
		t.Error("Block touched a commented-out line")
	}
	// Line 5 carries T2's token, so even the word fallback does not give
	// it to T1; the commented-out T1 lines never count.
	if got := f.Lookup([]string{"T1"}, MatchWord).IPs["T1"]; len(got) != 0 {
		t.Errorf("Lookup(T1, word) = %v, want none", got)
	}
	if got := f.Lookup([]string{"T2"}, MatchWord).IPs["T2"]; !slices.Equal(got, []netip.Addr{netip.MustParseAddr("10.0.0.2")}) {
		t.Errorf("Lookup(T2, word) = %v, want [10.0.0.2]", got)
	}
}
