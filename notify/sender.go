package notify

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"os/exec"
	"strings"

	gomail "github.com/wneessen/go-mail"
)

// Sender delivers composed messages. Send returns the Message-ID of the
// delivered message (in angle brackets), which reports record.
// Implementations: [SMTPSender], [Sendmail], [Mute]; notifytest adds a
// capturing one.
type Sender interface {
	Send(ctx context.Context, m *Message) (messageID string, err error)
}

// ErrSend is wrapped by every delivery failure of the senders in this
// package.
var ErrSend = errors.New("notify: sending failed")

// NewSender returns the sender cfg selects: [Mute] when cfg.Mute, an
// [SMTPSender] for transport smtp (or auto with cfg.SMTP.Host set), else
// [Sendmail] with cfg.SendmailPath. log may be nil.
func NewSender(cfg Config, log *slog.Logger) (Sender, error) {
	switch {
	case cfg.Mute:
		return Mute{Log: log}, nil
	case cfg.Transport == TransportSMTP,
		cfg.Transport != TransportSendmail && cfg.SMTP.Host != "":
		return NewSMTPSender(cfg.SMTP)
	}
	return Sendmail{Path: cfg.SendmailPath}, nil
}

// SMTPSender sends over SMTP with wneessen/go-mail, one connection per
// message. It never logs the password (go-mail's debug log redacts AUTH).
type SMTPSender struct {
	cfg       SMTPConfig
	tlsConfig *tls.Config
}

// SMTPOption configures an [SMTPSender].
type SMTPOption func(*SMTPSender)

// WithTLSConfig sets the TLS configuration used for starttls and tls, e.g.
// to trust a private CA. Its ServerName defaults to the SMTP host.
func WithTLSConfig(c *tls.Config) SMTPOption {
	return func(s *SMTPSender) { s.tlsConfig = c }
}

// NewSMTPSender validates cfg.Host and returns a sender. Defaults: TLS
// starttls, the TLS mode's port, auth auto, timeout 30s.
func NewSMTPSender(cfg SMTPConfig, opts ...SMTPOption) (*SMTPSender, error) {
	if cfg.Host == "" {
		return nil, fmt.Errorf("%w: %s is empty", ErrInvalidConfig, EnvSMTPHost)
	}
	if cfg.TLS == "" {
		cfg.TLS = TLSStartTLS
	}
	if cfg.Auth == "" {
		cfg.Auth = AuthAuto
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultSMTPTimeout
	}
	s := &SMTPSender{cfg: cfg}
	for _, o := range opts {
		o(s)
	}
	if _, err := s.clientOptions(); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *SMTPSender) clientOptions() ([]gomail.Option, error) {
	c := s.cfg
	opts := []gomail.Option{
		gomail.WithPort(c.EffectivePort()),
		gomail.WithTimeout(c.Timeout),
	}
	switch c.TLS {
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	case TLSStartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case TLSImplicit:
		opts = append(opts, gomail.WithSSL(), gomail.WithTLSPolicy(gomail.TLSMandatory))
	default:
		return nil, fmt.Errorf("%w: %s=%q: must be one of none|starttls|tls", ErrInvalidConfig, EnvSMTPTLS, c.TLS)
	}
	if s.tlsConfig != nil {
		tc := s.tlsConfig.Clone()
		if tc.ServerName == "" {
			tc.ServerName = c.Host
		}
		opts = append(opts, gomail.WithTLSConfig(tc))
	}
	if c.Username != "" {
		var mech gomail.SMTPAuthType
		switch c.Auth {
		case AuthAuto:
			mech = gomail.SMTPAuthAutoDiscover
		case AuthPlain:
			mech = gomail.SMTPAuthPlain
		case AuthLogin:
			mech = gomail.SMTPAuthLogin
		case AuthCRAMMD5:
			mech = gomail.SMTPAuthCramMD5
		case AuthSCRAMSHA1:
			mech = gomail.SMTPAuthSCRAMSHA1
		case AuthSCRAMSHA256:
			mech = gomail.SMTPAuthSCRAMSHA256
		default:
			return nil, fmt.Errorf("%w: %s=%q is not supported", ErrInvalidConfig, EnvSMTPAuth, c.Auth)
		}
		opts = append(opts, gomail.WithSMTPAuth(mech), gomail.WithUsername(c.Username), gomail.WithPassword(c.Password))
	}
	return opts, nil
}

// Send delivers m and returns its Message-ID. ctx bounds the whole
// exchange.
func (s *SMTPSender) Send(ctx context.Context, m *Message) (string, error) {
	msg, id, err := m.mailMsg()
	if err != nil {
		return "", err
	}
	opts, err := s.clientOptions()
	if err != nil {
		return "", err
	}
	client, err := gomail.NewClient(s.cfg.Host, opts...)
	if err != nil {
		return "", fmt.Errorf("%w: SMTP client for %s: %w", ErrSend, s.cfg.Host, err)
	}
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		return "", fmt.Errorf("%w: SMTP %s:%d: %w", ErrSend, s.cfg.Host, s.cfg.EffectivePort(), err)
	}
	return id, nil
}

// String describes the sender without secrets.
func (s *SMTPSender) String() string {
	return fmt.Sprintf("smtp://%s:%d (tls=%s)", s.cfg.Host, s.cfg.EffectivePort(), s.cfg.TLS)
}

// Sendmail pipes the rendered message into the local sendmail, as the PHP
// tools did: "Path -t -i" with the message on stdin (-t takes the
// recipients from the headers, -i keeps lone dots).
type Sendmail struct {
	// Path is the sendmail binary; empty means /usr/sbin/sendmail.
	Path string
}

// maxSendmailStderr bounds how much of sendmail's error output is kept.
const maxSendmailStderr = 1024

// Send runs sendmail and returns the Message-ID. A non-zero exit status is
// an error that quotes the beginning of sendmail's standard error.
func (s Sendmail) Send(ctx context.Context, m *Message) (string, error) {
	raw, id, err := m.Render()
	if err != nil {
		return "", err
	}
	path := s.Path
	if path == "" {
		path = DefaultSendmailPath
	}
	cmd := exec.CommandContext(ctx, path, "-t", "-i")
	cmd.Stdin = bytes.NewReader(raw)
	var stderr limitedBuffer
	cmd.Stderr = &stderr
	cmd.Stdout = &stderr
	if err := cmd.Run(); err != nil {
		out := strings.TrimSpace(stderr.String())
		if out != "" {
			return "", fmt.Errorf("%w: %s -t -i: %w: %s", ErrSend, path, err, out)
		}
		return "", fmt.Errorf("%w: %s -t -i: %w", ErrSend, path, err)
	}
	return id, nil
}

// limitedBuffer keeps the first maxSendmailStderr bytes written to it.
type limitedBuffer struct{ b bytes.Buffer }

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := maxSendmailStderr - l.b.Len(); room > 0 {
		l.b.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func (l *limitedBuffer) String() string { return l.b.String() }

// Mute renders messages (so composition errors still surface) and
// discards them. Send returns an empty Message-ID because nothing was
// sent.
type Mute struct {
	// Log, when set, receives one info line per discarded message.
	Log *slog.Logger
}

// Send renders m and discards it.
func (s Mute) Send(ctx context.Context, m *Message) (string, error) {
	raw, _, err := m.Render()
	if err != nil {
		return "", err
	}
	if s.Log != nil {
		s.Log.InfoContext(ctx, "MUTE: message composed but not sent",
			"to", strings.Join(m.To, ","), "subject", m.Subject, "bytes", len(raw))
	}
	return "", nil
}
