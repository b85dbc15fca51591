package notify_test

import (
	"testing"

	"github.com/spoje-net/isptools/notify"
)

// BenchmarkQRCodePNG draws the QR Platba code of a disconnection notice.
func BenchmarkQRCodePNG(b *testing.B) {
	const spd = "SPD*1.0*ACC:CZ6508000000192000145399*AM:1915.50*CC:CZK*X-VS:20240007*MSG:1001 Jana Novakova"
	b.ReportAllocs()
	for b.Loop() {
		if _, err := notify.QRCodePNG(spd, 0); err != nil {
			b.Fatal(err)
		}
	}
}
