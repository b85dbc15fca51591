package notify

import (
	"bytes"
	"fmt"
	"image/png"
	"sync"

	qrcode "github.com/skip2/go-qrcode"
)

// DefaultQRSize is the smallest side, in pixels, of the QR codes the
// notices embed: large enough for a phone camera on a screen.
const DefaultQRSize = 240

// ContentTypePNG is the content type of the QR code images.
const ContentTypePNG = "image/png"

// QRCodePNG draws text as a QR code and returns it as a PNG image at
// least minSize pixels wide (0 means [DefaultQRSize]), with the quiet zone
// the QR standard requires around it. Every module is a whole number of
// pixels, so the image stays sharp and readable when shown unscaled. The
// error correction level is M (15 % of the symbol recoverable), which the
// QR Platba format recommends. The encoder picks the densest QR mode for
// the text (alphanumeric for upper-case descriptors, bytes otherwise).
func QRCodePNG(text string, minSize int) ([]byte, error) {
	if minSize <= 0 {
		minSize = DefaultQRSize
	}
	q, err := qrcode.New(text, qrcode.Medium)
	if err != nil {
		return nil, fmt.Errorf("notify: QR code of %d bytes: %w", len(text), err)
	}
	modules := len(q.Bitmap()) // including the quiet zone
	scale := (minSize + modules - 1) / modules
	// The library's own PNG method encodes with a new compressor every
	// time (about 0.8 MB per image); a pooled encoder reuses it, which
	// matters when a run tells hundreds of customers.
	var b bytes.Buffer
	if err := pngEncoder.Encode(&b, q.Image(-scale)); err != nil {
		return nil, fmt.Errorf("notify: QR code PNG: %w", err)
	}
	return b.Bytes(), nil
}

// pngEncoder encodes the QR codes as the library does (best
// compression), reusing its buffers across images.
var pngEncoder = png.Encoder{CompressionLevel: png.BestCompression, BufferPool: &pngPool{}}

// pngPool is a png.EncoderBufferPool over a sync.Pool.
type pngPool struct{ p sync.Pool }

func (p *pngPool) Get() *png.EncoderBuffer {
	b, _ := p.p.Get().(*png.EncoderBuffer)
	return b
}

func (p *pngPool) Put(b *png.EncoderBuffer) { p.p.Put(b) }

// PNG returns the payment's descriptor ([QRPayment.SPD]) and its QR code
// as a PNG image at least minSize pixels wide ([QRCodePNG]).
func (p QRPayment) PNG(minSize int) (spd string, png []byte, err error) {
	spd, err = p.SPD()
	if err != nil {
		return "", nil, err
	}
	png, err = QRCodePNG(spd, minSize)
	if err != nil {
		return "", nil, err
	}
	return spd, png, nil
}
