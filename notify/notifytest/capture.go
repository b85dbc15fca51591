package notifytest

import (
	"context"
	"sync"

	"github.com/spoje-net/isptools/notify"
)

// Capture is a [notify.Sender] that keeps what it is given. Send renders
// the message (so a message that could not be sent fails here too),
// records a copy and its raw bytes, and returns the generated Message-ID.
// Set Err to make every Send fail. Safe for concurrent use.
type Capture struct {
	// Err, when non-nil, is returned by Send and nothing is recorded.
	Err error

	mu   sync.Mutex
	sent []Sent
}

// Sent is one message recorded by [Capture].
type Sent struct {
	// Message is a copy of the message given to Send.
	Message *notify.Message
	// Raw is the rendered RFC 5322 message.
	Raw []byte
	// MessageID is the Message-ID Send returned.
	MessageID string
}

var _ notify.Sender = (*Capture)(nil)

// Send implements [notify.Sender].
func (c *Capture) Send(ctx context.Context, m *notify.Message) (string, error) {
	if c.Err != nil {
		return "", c.Err
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	raw, id, err := m.Render()
	if err != nil {
		return "", err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sent = append(c.sent, Sent{Message: m.Clone(), Raw: raw, MessageID: id})
	return id, nil
}

// Sent returns the recorded messages in order.
func (c *Capture) Sent() []Sent {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Sent(nil), c.sent...)
}
