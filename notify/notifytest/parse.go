package notifytest

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
)

// Parsed is a raw message decoded the way a mail client would: headers
// RFC 2047-decoded, the text/plain part and the attachments
// transfer-decoded.
type Parsed struct {
	// Header is the raw top-level header.
	Header mail.Header
	// From and To are the parsed addresses (names decoded).
	From []*mail.Address
	To   []*mail.Address
	// Subject is the decoded subject.
	Subject string
	// MessageID is the Message-ID header, in angle brackets.
	MessageID string
	// ContentType is the top-level media type, e.g. multipart/mixed.
	ContentType string
	// TextContentType is the full Content-Type of the text/plain part,
	// e.g. `text/plain; charset=UTF-8`.
	TextContentType string
	// Text is the decoded text/plain body with CRLF line ends turned
	// into LF.
	Text string
	// Attachments are the non-text parts.
	Attachments []Part
}

// Part is one decoded attachment.
type Part struct {
	// Filename is the decoded file name of the Content-Disposition.
	Filename string
	// ContentType is the media type without parameters.
	ContentType string
	// Data is the decoded content.
	Data []byte
}

// Parse decodes a raw RFC 5322 message with net/mail, mime.WordDecoder and
// mime/multipart.
func Parse(raw []byte) (*Parsed, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("notifytest: reading message: %w", err)
	}
	p := &Parsed{Header: msg.Header, MessageID: msg.Header.Get("Message-Id")}
	dec := new(mime.WordDecoder)
	if p.Subject, err = dec.DecodeHeader(msg.Header.Get("Subject")); err != nil {
		return nil, fmt.Errorf("notifytest: decoding Subject: %w", err)
	}
	if p.From, err = msg.Header.AddressList("From"); err != nil {
		return nil, fmt.Errorf("notifytest: From: %w", err)
	}
	if p.To, err = msg.Header.AddressList("To"); err != nil {
		return nil, fmt.Errorf("notifytest: To: %w", err)
	}
	if err := p.walk(msg.Header, msg.Body); err != nil {
		return nil, err
	}
	if p.ContentType == "" {
		p.ContentType = "text/plain"
	}
	return p, nil
}

type header interface{ Get(string) string }

// walk decodes one entity (recursively for multiparts).
func (p *Parsed) walk(h header, body io.Reader) error {
	ct := h.Get("Content-Type")
	if ct == "" {
		ct = "text/plain; charset=us-ascii"
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return fmt.Errorf("notifytest: Content-Type %q: %w", ct, err)
	}
	if p.ContentType == "" {
		p.ContentType = mt
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			part, err := mr.NextRawPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return fmt.Errorf("notifytest: multipart: %w", err)
			}
			if err := p.walk(part.Header, part); err != nil {
				return err
			}
		}
	}
	data, err := decodeTransfer(h.Get("Content-Transfer-Encoding"), body)
	if err != nil {
		return err
	}
	disp, dparams, _ := mime.ParseMediaType(h.Get("Content-Disposition"))
	if mt == "text/plain" && disp != "attachment" && p.TextContentType == "" {
		p.TextContentType = ct
		p.Text = strings.ReplaceAll(string(data), "\r\n", "\n")
		return nil
	}
	name := dparams["filename"]
	if name == "" {
		name = params["name"]
	}
	if d, err := new(mime.WordDecoder).DecodeHeader(name); err == nil {
		name = d
	}
	p.Attachments = append(p.Attachments, Part{Filename: name, ContentType: mt, Data: data})
	return nil
}

func decodeTransfer(enc string, r io.Reader) ([]byte, error) {
	switch strings.ToLower(strings.TrimSpace(enc)) {
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, r) // ignores line breaks
	case "quoted-printable":
		r = quotedprintable.NewReader(r)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("notifytest: decoding %s body: %w", enc, err)
	}
	return data, nil
}
