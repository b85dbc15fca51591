package appkit

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"log/syslog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/spoje-net/isptools/envconf"
)

// Redacted replaces the value of secret attributes in log output.
const Redacted = envconf.Redacted

// IsSecretKey reports whether an attribute or variable name looks like it
// holds a secret: it contains password, pass, token or secret (any case).
// Note that this is deliberately broad ("passed" matches too). It is
// [envconf.IsSecretKey].
func IsSecretKey(key string) bool { return envconf.IsSecretKey(key) }

// RedactAttr is a [slog.HandlerOptions.ReplaceAttr] function that replaces
// the value of every attribute whose key [IsSecretKey] with [Redacted].
// A secret group is redacted as a whole.
func RedactAttr(_ []string, a slog.Attr) slog.Attr {
	if IsSecretKey(a.Key) {
		return slog.String(a.Key, Redacted)
	}
	return a
}

// SyslogWriter is the part of [*syslog.Writer] the syslog handler uses.
type SyslogWriter interface {
	Debug(m string) error
	Info(m string) error
	Warning(m string) error
	Err(m string) error
	Close() error
}

// DialSyslog connects to the local syslog daemon with the given tag
// (facility user). It is the default [LogConfig.DialSyslog].
func DialSyslog(tag string) (SyslogWriter, error) {
	return syslog.New(syslog.LOG_INFO|syslog.LOG_USER, tag)
}

// LogConfig configures [NewLogger].
type LogConfig struct {
	// Tag is the app name, used as the syslog tag.
	Tag string
	// Loggers is the EASE_LOGGER value: "|"-separated console and/or
	// syslog. Empty means console. Unknown entries are reported once and
	// ignored.
	Loggers string
	// Debug lowers the level from info to debug (APP_DEBUG).
	Debug bool
	// Stderr receives console output; nil means io.Discard.
	Stderr io.Writer
	// DialSyslog opens the syslog connection; nil means [DialSyslog].
	DialSyslog func(tag string) (SyslogWriter, error)
	// Now returns the time for console lines; nil means the record time.
	Now func() time.Time
}

// NewLogger builds the app logger described by cfg: a fan-out to the
// console handler (human-readable lines "2006-01-02 15:04:05 LEVEL msg
// k=v" on Stderr) and/or the syslog handler, both redacting secrets with
// [RedactAttr]. If syslog cannot be opened, or no usable logger is left,
// it logs one warning and falls back to the console. The returned close
// function releases the syslog connection.
func NewLogger(cfg LogConfig) (logger *slog.Logger, closeFn func() error) {
	level := slog.LevelInfo
	if cfg.Debug {
		level = slog.LevelDebug
	}
	stderr := cfg.Stderr
	if stderr == nil {
		stderr = io.Discard
	}
	dial := cfg.DialSyslog
	if dial == nil {
		dial = DialSyslog
	}
	spec := strings.TrimSpace(cfg.Loggers)
	if spec == "" {
		spec = "console"
	}

	var (
		handlers []slog.Handler
		warnings []string
		unknown  []string
		closers  []func() error
		console  slog.Handler
	)
	newConsole := func() slog.Handler {
		if console == nil {
			console = &lineHandler{level: level, sink: &consoleSink{w: stderr, now: cfg.Now}}
		}
		return console
	}
	seen := map[string]bool{}
	for _, part := range strings.Split(spec, "|") {
		name := strings.ToLower(strings.TrimSpace(part))
		if name == "" || seen[name] {
			continue
		}
		seen[name] = true
		switch name {
		case "console":
			handlers = append(handlers, newConsole())
		case "syslog":
			w, err := dial(cfg.Tag)
			if err != nil {
				warnings = append(warnings, "syslog unavailable, not logging to syslog: "+err.Error())
				continue
			}
			closers = append(closers, w.Close)
			handlers = append(handlers, &lineHandler{level: level, sink: &syslogSink{w: w}})
		default:
			unknown = append(unknown, strings.TrimSpace(part))
		}
	}
	if len(handlers) == 0 {
		handlers = append(handlers, newConsole())
		warnings = append(warnings, "no usable EASE_LOGGER entry, logging to console")
	}
	var h slog.Handler = handlers[0]
	if len(handlers) > 1 {
		h = MultiHandler(handlers...)
	}
	logger = slog.New(h)
	for _, u := range unknown {
		logger.Warn("unknown EASE_LOGGER entry ignored", "entry", u)
	}
	for _, w := range warnings {
		logger.Warn(w)
	}
	closeFn = func() error {
		var errs []error
		for _, c := range closers {
			errs = append(errs, c())
		}
		return errors.Join(errs...)
	}
	return logger, closeFn
}

// MultiHandler returns a handler that passes every record to each of
// handlers that is enabled for its level.
func MultiHandler(handlers ...slog.Handler) slog.Handler {
	return multiHandler(slices.Clone(handlers))
}

type multiHandler []slog.Handler

func (m multiHandler) Enabled(ctx context.Context, l slog.Level) bool {
	for _, h := range m {
		if h.Enabled(ctx, l) {
			return true
		}
	}
	return false
}

func (m multiHandler) Handle(ctx context.Context, r slog.Record) error {
	var errs []error
	for _, h := range m {
		if h.Enabled(ctx, r.Level) {
			errs = append(errs, h.Handle(ctx, r.Clone()))
		}
	}
	return errors.Join(errs...)
}

func (m multiHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	out := make(multiHandler, len(m))
	for i, h := range m {
		out[i] = h.WithAttrs(attrs)
	}
	return out
}

func (m multiHandler) WithGroup(name string) slog.Handler {
	out := make(multiHandler, len(m))
	for i, h := range m {
		out[i] = h.WithGroup(name)
	}
	return out
}

// sink receives one formatted record.
type sink interface {
	emit(t time.Time, l slog.Level, text string) error
}

// lineHandler formats records as "msg k=v k=v" (keys of groups dotted,
// secrets redacted) and passes them to a sink.
type lineHandler struct {
	level  slog.Leveler
	attrs  string // preformatted attributes from WithAttrs, with leading spaces
	prefix string // group prefix, e.g. "g1.g2."
	sink   sink
}

func (h *lineHandler) Enabled(_ context.Context, l slog.Level) bool {
	return l >= h.level.Level()
}

func (h *lineHandler) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Message)
	b.WriteString(h.attrs)
	r.Attrs(func(a slog.Attr) bool {
		appendAttr(&b, h.prefix, a)
		return true
	})
	return h.sink.emit(r.Time, r.Level, b.String())
}

func (h *lineHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	var b strings.Builder
	b.WriteString(h.attrs)
	for _, a := range attrs {
		appendAttr(&b, h.prefix, a)
	}
	h2 := *h
	h2.attrs = b.String()
	return &h2
}

func (h *lineHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	h2 := *h
	h2.prefix = h.prefix + name + "."
	return &h2
}

// appendAttr writes " key=value" for a (recursing into groups).
func appendAttr(b *strings.Builder, prefix string, a slog.Attr) {
	a = RedactAttr(nil, a)
	if a.Equal(slog.Attr{}) {
		return
	}
	v := a.Value.Resolve()
	if v.Kind() == slog.KindGroup {
		p := prefix
		if a.Key != "" {
			p += a.Key + "."
		}
		for _, g := range v.Group() {
			appendAttr(b, p, g)
		}
		return
	}
	if a.Key == "" {
		return
	}
	b.WriteByte(' ')
	b.WriteString(prefix)
	b.WriteString(a.Key)
	b.WriteByte('=')
	var s string
	switch v.Kind() {
	case slog.KindTime:
		s = v.Time().Format(time.RFC3339)
	default:
		s = v.String()
	}
	b.WriteString(quoteIfNeeded(s))
}

// quoteIfNeeded quotes s when it is empty or contains spaces, quotes, '='
// or non-printable characters.
func quoteIfNeeded(s string) string {
	if s == "" {
		return `""`
	}
	for _, r := range s {
		if r == '=' || r == '"' || r == utf8.RuneError || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return strconv.Quote(s)
		}
	}
	return s
}

// consoleSink writes "2006-01-02 15:04:05 LEVEL text" lines.
type consoleSink struct {
	mu  sync.Mutex
	w   io.Writer
	now func() time.Time
}

func (s *consoleSink) emit(t time.Time, l slog.Level, text string) error {
	if s.now != nil {
		t = s.now()
	}
	line := t.Format("2006-01-02 15:04:05") + " " + l.String() + " " + text + "\n"
	s.mu.Lock()
	defer s.mu.Unlock()
	_, err := io.WriteString(s.w, line)
	return err
}

// syslogSink sends text with the syslog severity matching the level.
type syslogSink struct {
	mu sync.Mutex
	w  SyslogWriter
}

func (s *syslogSink) emit(_ time.Time, l slog.Level, text string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case l >= slog.LevelError:
		return s.w.Err(text)
	case l >= slog.LevelWarn:
		return s.w.Warning(text)
	case l >= slog.LevelInfo:
		return s.w.Info(text)
	default:
		return s.w.Debug(text)
	}
}
