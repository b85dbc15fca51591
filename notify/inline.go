package notify

import (
	"bytes"
	"fmt"
	"html"
	"strings"

	gomail "github.com/wneessen/go-mail"
)

// Inline is a file shown inside a message's HTML body, such as the QR
// code of a payment request. It travels in a multipart/related part with
// Content-Disposition inline and the Content-ID <ContentID>, and the HTML
// refers to it as src="cid:ContentID".
type Inline struct {
	// ContentID identifies the part, without angle brackets, e.g.
	// "qr-platba@isptools". It must be unique within the message.
	ContentID string
	// Name is the file name offered when the part is saved.
	Name string
	// ContentType is the MIME type, e.g. [ContentTypePNG].
	ContentType string
	// Data is the file content.
	Data []byte
}

// addRich adds the HTML alternative and the inline parts of m to msg.
func (m *Message) addRich(msg *gomail.Msg) error {
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	seen := map[string]bool{}
	for _, in := range m.Inline {
		cid := strings.TrimSpace(in.ContentID)
		if cid == "" || strings.ContainsAny(cid, "<> \t\r\n\"") {
			return fmt.Errorf("notify: inline part %q: invalid Content-ID %q", in.Name, in.ContentID)
		}
		if seen[cid] {
			return fmt.Errorf("notify: inline part %q: Content-ID %q used twice", in.Name, cid)
		}
		seen[cid] = true
		ct := in.ContentType
		if ct == "" {
			ct = "application/octet-stream"
		}
		name := in.Name
		if name == "" {
			name = cid
		}
		if err := msg.EmbedReader(name, bytes.NewReader(in.Data),
			gomail.WithFileContentType(gomail.ContentType(ct)), gomail.WithFileContentID("<"+cid+">")); err != nil {
			return fmt.Errorf("notify: embedding %s: %w", name, err)
		}
	}
	return nil
}

func cloneInline(in []Inline) []Inline {
	if in == nil {
		return nil
	}
	out := make([]Inline, len(in))
	for i, p := range in {
		p.Data = append([]byte(nil), p.Data...)
		out[i] = p
	}
	return out
}

// TextToHTML renders a text/plain body as a simple HTML document for the
// HTML alternative of a message: every paragraph (text between blank
// lines) becomes a <p> with its line breaks kept, everything escaped. The
// image (when img is not nil) is placed right after the first paragraph
// containing img.After (or at the end when none does), as
// <img src="cid:ContentID" alt="Alt">. It is how a text template gains an
// inline picture without a second, HTML template to keep in step.
func TextToHTML(text string, img *HTMLImage) string {
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head>\n<body style=\"font-family: sans-serif\">\n")
	placed := img == nil
	for _, para := range strings.Split(strings.ReplaceAll(strings.TrimSpace(text), "\r\n", "\n"), "\n\n") {
		para = strings.Trim(para, "\n")
		if para == "" {
			continue
		}
		lines := strings.Split(para, "\n")
		for i, l := range lines {
			lines[i] = html.EscapeString(l)
		}
		b.WriteString("<p>" + strings.Join(lines, "<br>\n") + "</p>\n")
		if !placed && img.After != "" && strings.Contains(para, img.After) {
			b.WriteString(img.tag())
			placed = true
		}
	}
	if !placed {
		b.WriteString(img.tag())
	}
	b.WriteString("</body></html>\n")
	return b.String()
}

// HTMLImage places an inline image in [TextToHTML].
type HTMLImage struct {
	// ContentID is the [Inline] part's Content-ID.
	ContentID string
	// Alt is the alternative text.
	Alt string
	// Size is the displayed width and height in CSS pixels (0 leaves them
	// to the image).
	Size int
	// After is a text the paragraph before the image contains.
	After string
}

func (img *HTMLImage) tag() string {
	size := ""
	if img.Size > 0 {
		size = fmt.Sprintf(` width="%d" height="%d"`, img.Size, img.Size)
	}
	return fmt.Sprintf("<p><img src=\"cid:%s\" alt=\"%s\"%s></p>\n", html.EscapeString(img.ContentID), html.EscapeString(img.Alt), size)
}
