package svnhosts

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/spoje-net/isptools/netbackend"
)

// hostsLines returns a hosts file of n entries (one in ten commented out)
// and the IPs of its entries.
func hostsLines(n int) ([]byte, []netip.Addr) {
	var b strings.Builder
	ips := make([]netip.Addr, 0, n)
	for i := range n {
		a := netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
		if i%10 == 9 {
			fmt.Fprintf(&b, "#%s\told%d\t\t#speed=%d\n", a, i, 128+i%1000)
			continue
		}
		ips = append(ips, a)
		fmt.Fprintf(&b, "%s\thost%d\t\t#speed=%d {code:CUST%d} dashboard\n", a, i, 128+i%1000, i)
	}
	return []byte(b.String()), ips
}

func BenchmarkParse100k(b *testing.B) {
	data, _ := hostsLines(100_000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBlock100k parses a 100,000-line file, blocks 1,000 IPs spread
// over it and renders the result.
func BenchmarkBlock100k(b *testing.B) {
	data, ips := hostsLines(100_000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		f, _ := Parse(data)
		for i := 0; i < len(ips); i += len(ips) / 1000 {
			f.Block(ips[i])
		}
		_ = f.Bytes()
	}
}

func BenchmarkLookup100k(b *testing.B) {
	data, _ := hostsLines(100_000)
	codes := make([]string, 1000)
	for i := range codes {
		codes[i] = fmt.Sprintf("CUST%d", i*97)
	}
	f, _ := Parse(data)
	b.ReportAllocs()
	for b.Loop() {
		_ = f.Lookup(codes, MatchToken)
	}
}

func BenchmarkRepoBlock1000OneCommit(b *testing.B) {
	requireSVN(b)
	data, ips := hostsLines(1200)
	url, _ := newSVNRepo(b, "hosts", string(data))
	r, err := NewRepo(Config{URL: url, TempDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	ips = ips[:1000]
	changes := make([]netbackend.Change, len(ips))
	for i, a := range ips {
		changes[i] = netbackend.Change{Customer: fmt.Sprintf("CUST%d", i), IP: a, Action: netbackend.Block, FallbackSpeed: 1}
	}
	start := time.Now()
	n := 0
	for b.Loop() {
		action := netbackend.Block
		if n%2 == 1 {
			action = netbackend.Unblock
		}
		for i := range changes {
			changes[i].Action = action
		}
		res, err := r.Apply(context.Background(), changes, netbackend.ApplyOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if c := netbackend.Summarize(res)[netbackend.Changed]; c != len(changes) {
			b.Fatalf("%d changed", c)
		}
		n++
	}
	b.ReportMetric(float64(time.Since(start).Nanoseconds())/float64(n*len(changes)), "ns/ip")
}

// BenchmarkRepoBlock1000PerIPCommit is the per-IP approach of the PHP tool
// (one checkout and commit per IP) on the same file, with perIPCommitIPs IPs per
// iteration; compare its ns/ip with BenchmarkRepoBlock1000OneCommit.
const perIPCommitIPs = 20

func BenchmarkRepoBlock1000PerIPCommit(b *testing.B) {
	requireSVN(b)
	data, ips := hostsLines(1200)
	url, _ := newSVNRepo(b, "hosts", string(data))
	r, err := NewRepo(Config{URL: url, TempDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	ips = ips[:perIPCommitIPs]
	start := time.Now()
	n := 0
	for b.Loop() {
		action := netbackend.Block
		if n%2 == 1 {
			action = netbackend.Unblock
		}
		for i, a := range ips {
			c := netbackend.Change{Customer: fmt.Sprintf("CUST%d", i), IP: a, Action: action, FallbackSpeed: 1}
			res, err := r.Apply(context.Background(), []netbackend.Change{c}, netbackend.ApplyOptions{})
			if err != nil {
				b.Fatal(err)
			}
			if res[0].Status != netbackend.Changed {
				b.Fatalf("result %+v", res[0])
			}
		}
		n++
	}
	b.ReportMetric(float64(time.Since(start).Nanoseconds())/float64(n*len(ips)), "ns/ip")
}
