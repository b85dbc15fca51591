package netbackendtest_test

import (
	"testing"

	"github.com/spoje-net/isptools/netbackend"
	"github.com/spoje-net/isptools/netbackend/netbackendtest"
)

func TestConformance(t *testing.T) {
	netbackendtest.Conformance(t, func(t *testing.T, hosts []netbackendtest.Host) netbackend.Backend {
		return netbackendtest.New(hosts...)
	})
}
