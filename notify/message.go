package notify

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// ContentTypePDF is the content type of invoice attachments.
const ContentTypePDF = "application/pdf"

// Message is one composed e-mail: a UTF-8 text/plain body and optional
// attachments. It is plain data; [Message.Render] turns it into the RFC
// 5322 bytes every [Sender] delivers.
type Message struct {
	// From is the sender, "addr@example.cz" or "Name <addr@example.cz>".
	From string
	// To are the recipients' addresses (at least one).
	To []string
	// Subject is the subject line; non-ASCII text is RFC 2047-encoded.
	Subject string
	// Text is the text/plain body (UTF-8).
	Text string
	// Attachments are attached in order.
	Attachments []Attachment
	// HTML is an optional text/html alternative of Text; it references
	// the Inline parts as cid:<ContentID> (see inline.go).
	HTML string
	// Inline are the parts shown inside the HTML body, such as a QR code.
	Inline []Inline
	// MessageID is the Message-ID without angle brackets; empty means a
	// random one at the sender's domain is generated when rendering.
	MessageID string
	// Date is the Date header; zero means the time of rendering.
	Date time.Time
}

// Attachment is a file attached from memory.
type Attachment struct {
	// Name is the file name offered to the recipient.
	Name string
	// ContentType is the MIME type, e.g. [ContentTypePDF].
	ContentType string
	// Data is the file content.
	Data []byte
}

// Render returns the message as RFC 5322 bytes (MIME, UTF-8, quoted-
// printable text, base64 attachments, RFC 2047-encoded subject and names)
// and its Message-ID in angle brackets. It does not modify m.
func (m *Message) Render() (raw []byte, messageID string, err error) {
	msg, id, err := m.mailMsg()
	if err != nil {
		return nil, "", err
	}
	var b bytes.Buffer
	if _, err := msg.WriteTo(&b); err != nil {
		return nil, "", fmt.Errorf("notify: rendering the message: %w", err)
	}
	return b.Bytes(), id, nil
}

// mailMsg builds the go-mail message and returns it with its Message-ID
// in angle brackets.
func (m *Message) mailMsg() (*gomail.Msg, string, error) {
	if m == nil {
		return nil, "", errors.New("notify: nil message")
	}
	from, err := mail.ParseAddress(m.From)
	if err != nil {
		return nil, "", fmt.Errorf("notify: invalid sender %q: %w", m.From, err)
	}
	if len(m.To) == 0 {
		return nil, "", errors.New("notify: message has no recipient")
	}
	msg := gomail.NewMsg(gomail.WithCharset(gomail.CharsetUTF8), gomail.WithEncoding(gomail.EncodingQP))
	msg.FromMailAddress(from)
	if err := msg.To(m.To...); err != nil {
		return nil, "", fmt.Errorf("notify: invalid recipient: %w", err)
	}
	msg.Subject(strings.TrimSpace(m.Subject))
	id := m.MessageID
	if id == "" {
		id = newMessageID(from.Address)
	}
	id = strings.Trim(id, "<>")
	msg.SetMessageIDWithValue(id)
	date := m.Date
	if date.IsZero() {
		date = time.Now()
	}
	msg.SetDateWithValue(date)
	msg.SetGenHeader(gomail.Header("Auto-Submitted"), "auto-generated")
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if err := m.addRich(msg); err != nil {
		return nil, "", err
	}
	for _, a := range m.Attachments {
		ct := a.ContentType
		if ct == "" {
			ct = "application/octet-stream"
		}
		if err := msg.AttachReader(a.Name, bytes.NewReader(a.Data), gomail.WithFileContentType(gomail.ContentType(ct))); err != nil {
			return nil, "", fmt.Errorf("notify: attaching %s: %w", a.Name, err)
		}
	}
	return msg, "<" + id + ">", nil
}

// newMessageID returns a random Message-ID (without brackets) at the
// domain of the sender's address.
func newMessageID(sender string) string {
	domain := "localhost"
	if _, d, ok := strings.Cut(sender, "@"); ok && d != "" {
		domain = d
	}
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:]) + "@" + domain
}

// Clone returns a deep copy of m.
func (m *Message) Clone() *Message {
	c := *m
	c.To = append([]string(nil), m.To...)
	c.Attachments = make([]Attachment, len(m.Attachments))
	for i, a := range m.Attachments {
		a.Data = append([]byte(nil), a.Data...)
		c.Attachments[i] = a
	}
	c.Inline = cloneInline(m.Inline)
	return &c
}
