package netbackendmock_test

import (
	"context"
	"fmt"
	"net/netip"
	"testing"

	"github.com/spoje-net/isptools/netbackend"
	"github.com/spoje-net/isptools/netbackend/netbackendmock"
	"go.uber.org/mock/gomock"
)

// Expect one batched CustomerIPs call. In a test, pass the test's t to
// gomock.NewController instead of the stand-in used here.
func Example() {
	ctrl := gomock.NewController(&exampleT{})
	defer ctrl.Finish()
	m := netbackendmock.NewMockBackend(ctrl)
	m.EXPECT().CustomerIPs(gomock.Any(), []string{"ALICE"}).
		Return(netbackend.Lookup{IPs: map[string][]netip.Addr{"ALICE": {netip.MustParseAddr("10.0.0.1")}}}, nil)

	var b netbackend.Backend = m
	look, _ := b.CustomerIPs(context.Background(), []string{"ALICE"})
	fmt.Println(look.IPs["ALICE"])
	// Output: [10.0.0.1]
}

// exampleT stands in for *testing.T in the example.
type exampleT struct{ testing.TB }

func (*exampleT) Helper()                           {}
func (*exampleT) Cleanup(func())                    {}
func (*exampleT) Errorf(format string, args ...any) { fmt.Printf(format+"\n", args...) }
func (*exampleT) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }
