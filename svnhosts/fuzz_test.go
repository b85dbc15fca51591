package svnhosts

import (
	"bytes"
	"net/netip"
	"testing"
)

func FuzzParseBytes(f *testing.F) {
	for _, s := range []string{
		"", "\n", "\r", "\r\n", "a\r", "10.0.0.1\thost1\t\t#speed=512 {code:TEST1}\n",
		"10.0.0.1\th\r\n#x\r\n\r\n  \n", "2001:db8::1 h #speed=0 orig=5", "\x00\xff#\t",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse(data)
		if err != nil {
			t.Fatalf("Parse: %v", err)
		}
		if got := p.Bytes(); !bytes.Equal(got, data) {
			t.Fatalf("Bytes() = %q, want %q", got, data)
		}
		_ = p.Check()
	})
}

// FuzzBlockUnblock checks that blocking then unblocking an entry restores its
// speed (or sets the fallback when it had none), leaves other lines alone and
// that blocking is idempotent.
func FuzzBlockUnblock(f *testing.F) {
	for _, s := range []string{
		"10.0.0.1\thost1\t\t#speed=512 {code:TEST1}\n",
		"10.0.0.1\th\t#speed=5 orig=7 dashboard-neplatic\r\n10.0.0.2\tx\t#speed=1\n",
		"10.0.0.1\th\n",
		"10.0.0.1\th\t#speed=5dashboard orig=3\n",
		"2001:db8::1 h #speed=99 -odpojen foo",
		"#10.0.0.1\th\t#speed=5\n10.0.0.1\th\t#{code:A}",
	} {
		f.Add(s, uint16(100))
	}
	f.Fuzz(func(t *testing.T, in string, fb uint16) {
		fallback := int(fb) + 1
		p, err := Parse([]byte(in))
		if err != nil {
			t.Fatal(err)
		}
		var ip netip.Addr
		for i := range p.lines {
			if p.lines[i].kind == kindEntry && p.lines[i].ip.IsValid() {
				ip = p.lines[i].ip
				break
			}
		}
		if !ip.IsValid() {
			return
		}
		before := p.State(ip)
		held := false
		p.each(ip, func(i int) {
			c, _ := p.lines[i].comment()
			if h, _ := scanTokens(c).held(); h {
				held = true
			}
		})
		if before.Blocked || held {
			return // restoring a blocked or throttled line is not a round trip
		}
		p.Block(ip)
		blocked := p.State(ip)
		if !blocked.Blocked || blocked.Speed != 0 {
			t.Fatalf("after Block: %+v\n%q", blocked, p.Bytes())
		}
		once := p.Bytes()
		if p.Block(ip) || !bytes.Equal(p.Bytes(), once) {
			t.Fatalf("second Block changed the file")
		}
		p.Unblock(ip, fallback)
		after := p.State(ip)
		want := before.Speed
		if want <= 0 {
			want = fallback
		}
		if after.Blocked || after.Speed != want {
			t.Fatalf("speed before %d, after block+unblock %+v, want %d\nin:  %q\nout: %q", before.Speed, after, want, in, p.Bytes())
		}
		// lines of other IPs and comments are untouched
		q, _ := Parse([]byte(in))
		r, _ := Parse(p.Bytes())
		if len(q.lines) != len(r.lines) {
			t.Fatalf("line count changed: %d -> %d", len(q.lines), len(r.lines))
		}
		for i := range q.lines {
			if q.lines[i].kind == kindEntry && key(q.lines[i].ip) == key(ip) && q.lines[i].ip.IsValid() {
				continue
			}
			if q.lines[i].text != r.lines[i].text || q.lines[i].eol != r.lines[i].eol {
				t.Fatalf("line %d changed: %q -> %q", i+1, q.lines[i].text, r.lines[i].text)
			}
		}
	})
}
