package dunningmock_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/dunning"
	"github.com/spoje-net/isptools/dunning/dunningmock"
	"go.uber.org/mock/gomock"
)

// Pin the one listing a run makes of labelled customers. In a test, pass
// the test's t to gomock.NewController instead of the stand-in used here.
func Example() {
	ctrl := gomock.NewController(&exampleT{})
	defer ctrl.Finish()
	src := dunningmock.NewMockSource(ctrl)
	src.EXPECT().CustomersWithLabel(gomock.Any(), "ODPOJENO").
		Return([]abraflexi.Address{{Code: "ALICE"}}, nil)

	var s dunning.Source = src
	customers, _ := s.CustomersWithLabel(context.Background(), "ODPOJENO")
	fmt.Println(customers[0].Code)
	// Output: ALICE
}

// exampleT stands in for *testing.T in the example.
type exampleT struct{ testing.TB }

func (*exampleT) Helper()                           {}
func (*exampleT) Cleanup(func())                    {}
func (*exampleT) Errorf(format string, args ...any) { fmt.Printf(format+"\n", args...) }
func (*exampleT) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }
