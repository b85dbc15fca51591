package notifytest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/spoje-net/isptools/notify"
)

// Server is a real SMTP server (github.com/emersion/go-smtp) listening on
// 127.0.0.1 on a free port for the duration of a test. It accepts every
// message and keeps it; see [Server.Messages] and [Server.Wait].
type Server struct {
	srv  *smtp.Server
	ln   net.Listener
	host string
	port int

	user, pass string
	tlsMode    string
	rejectData *smtp.SMTPError
	certPool   *x509.CertPool

	mu        sync.Mutex
	msgs      []Received
	signal    chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

// Received is one message the server accepted.
type Received struct {
	// From is the envelope sender (MAIL FROM).
	From string
	// To are the envelope recipients (RCPT TO).
	To []string
	// Data is the raw message as transmitted.
	Data []byte
	// Username is the authenticated user, "" without AUTH.
	Username string
}

// Parse decodes the message; see [Parse].
func (r Received) Parse() (*Parsed, error) { return Parse(r.Data) }

// Option configures a [Server].
type Option func(*Server)

// WithAuth requires AUTH PLAIN with these credentials before MAIL FROM.
// AUTH is offered without TLS (go-smtp's AllowInsecureAuth), as a local
// relay may do; clients must then ask for PLAIN explicitly
// (SMTP_AUTH=plain), since automatic discovery never picks PLAIN over an
// unencrypted connection.
func WithAuth(username, password string) Option {
	return func(s *Server) { s.user, s.pass = username, password }
}

// WithSTARTTLS offers STARTTLS with a fresh self-signed certificate for
// 127.0.0.1; [Server.ClientTLSConfig] trusts it.
func WithSTARTTLS() Option { return func(s *Server) { s.tlsMode = notify.TLSStartTLS } }

// WithImplicitTLS makes the server speak TLS from the first byte (SMTPS)
// with a fresh self-signed certificate; [Server.ClientTLSConfig] trusts it.
func WithImplicitTLS() Option { return func(s *Server) { s.tlsMode = notify.TLSImplicit } }

// WithRejectData makes the server answer every DATA with the permanent
// error code (e.g. 554) and message, so senders see a delivery failure.
func WithRejectData(code int, message string) Option {
	return func(s *Server) {
		s.rejectData = &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCode{5, 0, 0}, Message: message}
	}
}

// NewServer starts a server on 127.0.0.1:0 (see [Start]) and stops it
// when the test ends.
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s, err := Start(opts...)
	if err != nil {
		t.Fatalf("%v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// Start starts a server on 127.0.0.1:0 for use outside tests, e.g. by a
// demo program. Call [Server.Close] when done.
func Start(opts ...Option) (*Server, error) {
	s := &Server{signal: make(chan struct{}, 1), tlsMode: notify.TLSNone, done: make(chan struct{})}
	for _, o := range opts {
		o(s)
	}
	s.srv = smtp.NewServer(s)
	s.srv.Domain = "localhost"
	s.srv.AllowInsecureAuth = true
	s.srv.MaxMessageBytes = 32 << 20
	s.srv.ReadTimeout = 30 * time.Second
	s.srv.WriteTimeout = 30 * time.Second
	s.srv.ErrorLog = log.New(io.Discard, "", 0)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("notifytest: listen: %w", err)
	}
	if s.tlsMode != notify.TLSNone {
		cfg, pool, err := selfSigned()
		if err != nil {
			ln.Close()
			return nil, fmt.Errorf("notifytest: certificate: %w", err)
		}
		s.certPool = pool
		if s.tlsMode == notify.TLSImplicit {
			ln = tls.NewListener(ln, cfg)
		} else {
			s.srv.TLSConfig = cfg
		}
	}
	s.ln = ln
	addr := ln.Addr().(*net.TCPAddr)
	s.host, s.port = addr.IP.String(), addr.Port
	go func() {
		defer close(s.done)
		_ = s.srv.Serve(ln)
	}()
	return s, nil
}

// Close stops the server and waits until it has stopped. It is safe to
// call more than once.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		_ = s.srv.Close()
		<-s.done
	})
}

// Addr returns "127.0.0.1:port".
func (s *Server) Addr() string { return net.JoinHostPort(s.host, strconv.Itoa(s.port)) }

// Host returns the listening IP address.
func (s *Server) Host() string { return s.host }

// Port returns the listening port.
func (s *Server) Port() int { return s.port }

// SMTPConfig returns a client configuration for this server: its host,
// port and TLS mode, the credentials of [WithAuth] with SMTP_AUTH plain,
// and a 10s timeout. With TLS, use [Server.ClientTLSConfig] too.
func (s *Server) SMTPConfig() notify.SMTPConfig {
	c := notify.SMTPConfig{Host: s.host, Port: s.port, TLS: s.tlsMode, Auth: notify.AuthAuto, Timeout: 10 * time.Second}
	if s.user != "" {
		c.Username, c.Password, c.Auth = s.user, s.pass, notify.AuthPlain
	}
	return c
}

// Env returns the environment variables (KEY=VALUE) that point an app at
// this server: SMTP_HOST, SMTP_PORT, SMTP_TLS, and with [WithAuth]
// SMTP_USERNAME, SMTP_PASSWORD and SMTP_AUTH=plain. With TLS the app must
// also trust the certificate, which it cannot from the environment, so
// use Env with plain servers.
func (s *Server) Env() []string {
	c := s.SMTPConfig()
	env := []string{
		notify.EnvSMTPHost + "=" + c.Host,
		notify.EnvSMTPPort + "=" + strconv.Itoa(c.Port),
		notify.EnvSMTPTLS + "=" + c.TLS,
		notify.EnvSMTPTimeout + "=10s",
	}
	if s.user != "" {
		env = append(env, notify.EnvSMTPUsername+"="+s.user, notify.EnvSMTPPassword+"="+s.pass, notify.EnvSMTPAuth+"="+notify.AuthPlain)
	}
	return env
}

// ClientTLSConfig returns a TLS configuration that trusts the server's
// self-signed certificate (nil for a plain server).
func (s *Server) ClientTLSConfig() *tls.Config {
	if s.certPool == nil {
		return nil
	}
	return &tls.Config{RootCAs: s.certPool, ServerName: s.host, MinVersion: tls.VersionTLS12}
}

// Messages returns the messages accepted so far, in order.
func (s *Server) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.msgs...)
}

// Wait waits until at least n messages arrived or timeout passed, and
// returns the messages; it fails the test on timeout.
func (s *Server) Wait(t testing.TB, n int, timeout time.Duration) []Received {
	t.Helper()
	msgs, err := s.Await(n, timeout)
	if err != nil {
		t.Fatalf("%v", err)
	}
	return msgs
}

// Await is [Server.Wait] for use outside tests: it returns an error on
// timeout.
func (s *Server) Await(n int, timeout time.Duration) ([]Received, error) {
	deadline := time.After(timeout)
	for {
		if msgs := s.Messages(); len(msgs) >= n {
			return msgs, nil
		}
		select {
		case <-s.signal:
		case <-deadline:
			return nil, fmt.Errorf("notifytest: got %d message(s) within %s, want %d", len(s.Messages()), timeout, n)
		}
	}
}

// NewSession implements smtp.Backend.
func (s *Server) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{s: s}, nil }

type session struct {
	s        *Server
	authUser string
	from     string
	to       []string
}

var errAuthFailed = errors.New("invalid username or password")

func (ss *session) AuthMechanisms() []string {
	if ss.s.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *session) Auth(mech string) (sasl.Server, error) {
	if ss.s.user == "" || mech != sasl.Plain {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != ss.s.user || password != ss.s.pass {
			return errAuthFailed
		}
		ss.authUser = username
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.s.user != "" && ss.authUser == "" {
		return smtp.ErrAuthRequired
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if ss.s.rejectData != nil {
		return ss.s.rejectData
	}
	ss.s.mu.Lock()
	ss.s.msgs = append(ss.s.msgs, Received{From: ss.from, To: append([]string(nil), ss.to...), Data: data, Username: ss.authUser})
	ss.s.mu.Unlock()
	select {
	case ss.s.signal <- struct{}{}:
	default:
	}
	return nil
}

func (ss *session) Reset() { ss.from, ss.to = "", nil }

func (ss *session) Logout() error { return nil }

// selfSigned returns a server TLS config with a new certificate for
// 127.0.0.1 and localhost, and a pool trusting it.
func selfSigned() (*tls.Config, *x509.CertPool, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "notifytest"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	cfg := &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}},
		MinVersion:   tls.VersionTLS12,
	}
	return cfg, pool, nil
}

// String describes the server.
func (s *Server) String() string {
	return fmt.Sprintf("notifytest SMTP server %s (tls=%s)", s.Addr(), s.tlsMode)
}
