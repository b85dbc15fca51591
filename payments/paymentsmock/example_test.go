package paymentsmock_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/payments"
	"github.com/spoje-net/isptools/payments/paymentsmock"
	"go.uber.org/mock/gomock"
)

// Simulate a payment that does not exist. In a test, pass the test's t to
// gomock.NewController instead of the stand-in used here.
func Example() {
	ctrl := gomock.NewController(&exampleT{})
	defer ctrl.Finish()
	ledger := paymentsmock.NewMockLedger(ctrl)
	ledger.EXPECT().Payment(gomock.Any(), abraflexi.EvidenceBank, abraflexi.CodeID("B1")).
		Return(payments.Payment{}, fmt.Errorf("banka code:B1: %w", payments.ErrNotFound))

	var l payments.Ledger = ledger
	_, err := l.Payment(context.Background(), abraflexi.EvidenceBank, abraflexi.CodeID("B1"))
	fmt.Println(errors.Is(err, payments.ErrNotFound))
	// Output: true
}

// exampleT stands in for *testing.T in the example.
type exampleT struct{ testing.TB }

func (*exampleT) Helper()                           {}
func (*exampleT) Cleanup(func())                    {}
func (*exampleT) Errorf(format string, args ...any) { fmt.Printf(format+"\n", args...) }
func (*exampleT) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }
