package svnhosts_test

import (
	"fmt"
	"net/netip"

	"github.com/spoje-net/isptools/svnhosts"
)

func Example() {
	hosts := []byte("# shaped hosts\n" +
		"10.0.0.1\thost1\t\t#speed=512 {code:TEST1}\n" +
		"10.0.0.2\thost2\t\t#speed=1024 {code:TEST2}\n")
	f, err := svnhosts.Parse(hosts)
	if err != nil {
		panic(err)
	}
	ips := f.CustomerIPs("TEST1")
	fmt.Println("TEST1:", ips)

	f.Block(ips[0])
	fmt.Print(string(f.Bytes()))

	f.Unblock(netip.MustParseAddr("10.0.0.1"), 256)
	st := f.State(netip.MustParseAddr("10.0.0.1"))
	fmt.Println("speed after unblock:", st.Speed, "blocked:", st.Blocked)
	fmt.Println("problems:", len(f.Check()))
	// Output:
	// TEST1: [10.0.0.1]
	// # shaped hosts
	// 10.0.0.1	host1		# speed=0 orig=512 {code:TEST1}
	// 10.0.0.2	host2		#speed=1024 {code:TEST2}
	// speed after unblock: 512 blocked: false
	// problems: 0
}
