package netbox

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/go-playground/validator/v10"
)

// Environment variables read by [ConfigFromEnv].
const (
	EnvURL   = "NETBOXURL"
	EnvToken = "NETBOXTOKEN"
)

// Defaults used by [New] for zero [Config] fields.
const (
	// DefaultTimeout bounds one read attempt.
	DefaultTimeout = 30 * time.Second
	// DefaultWriteTimeout bounds one write (a bulk PATCH of up to
	// DefaultBulkSize objects, a POST). A real NetBox 4.4 on 2 cores takes
	// 0.04 s (idle) to 0.12 s (loaded) per object of a bulk PATCH, so a
	// chunk of 50 takes 2 to 6 s: the limit leaves a margin of 20 and more.
	DefaultWriteTimeout = 2 * time.Minute
	// DefaultRetryMax is how many times a read is retried.
	DefaultRetryMax     = 3
	DefaultRetryWaitMin = 200 * time.Millisecond
	DefaultRetryWaitMax = 2 * time.Second
)

// Config configures a [Client]. URL and Token are required; the other fields
// fall back to the Default* constants when zero.
type Config struct {
	// URL is the base URL of NetBox, e.g. "https://netbox.example.com".
	// A trailing "/" or "/api" is accepted and removed.
	URL string `validate:"required,http_url"`
	// Token is the API token: a classic (v1) key or a v2 token "nbt_<key>.<secret>".
	Token string `validate:"required,printascii,excludesall= "`
	// Timeout bounds one read attempt (DefaultTimeout when zero).
	Timeout time.Duration `validate:"gte=0"`
	// WriteTimeout bounds one write request (DefaultWriteTimeout when
	// zero). Writes are never retried: NetBox applies a bulk PATCH even
	// when the client gave up waiting, so a write that timed out is
	// re-read by the backend, not sent again.
	WriteTimeout time.Duration `validate:"gte=0"`
	// RetryMax is how many times a read (GET) is retried
	// (DefaultRetryMax when zero, no retries when negative).
	RetryMax int
	// RetryWaitMin and RetryWaitMax bound the backoff between retries.
	RetryWaitMin time.Duration `validate:"gte=0"`
	RetryWaitMax time.Duration `validate:"gte=0"` // longest backoff (DefaultRetryWaitMax when zero)
	// Logger receives debug logs of requests and retries; nil disables logging.
	Logger *slog.Logger
	// Transport sends the requests (nil: http.DefaultTransport), for
	// proxies, custom TLS or counting requests.
	Transport http.RoundTripper
}

// String describes the configuration with the token redacted.
func (c Config) String() string {
	return fmt.Sprintf("netbox.Config{URL: %q, Token: %s, Timeout: %s, WriteTimeout: %s, RetryMax: %d}",
		c.URL, redact(c.Token), c.Timeout, c.WriteTimeout, c.RetryMax)
}

// LogValue implements slog.LogValuer with the token redacted.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("url", c.URL),
		slog.String("token", redact(c.Token)),
		slog.Duration("timeout", c.Timeout),
		slog.Duration("write_timeout", c.WriteTimeout),
		slog.Int("retry_max", c.RetryMax),
	)
}

// GoString keeps %#v from printing the token.
func (c Config) GoString() string { return c.String() }

func redact(token string) string {
	if token == "" {
		return `""`
	}
	return "[REDACTED]"
}

// envNames maps Config fields to the environment variables that set them.
var envNames = map[string]string{"URL": EnvURL, "Token": EnvToken}

var validate = validator.New(validator.WithRequiredStructEnabled())

// Validate checks the configuration. Errors name the offending field (and its
// environment variable) but never include the token.
func (c Config) Validate() error {
	err := validate.Struct(c)
	if err == nil {
		return nil
	}
	var verrs validator.ValidationErrors
	if !errors.As(err, &verrs) {
		return fmt.Errorf("netbox: invalid config: %w", err)
	}
	var msgs []string
	for _, fe := range verrs {
		name := fe.Field()
		if env, ok := envNames[name]; ok {
			name = fmt.Sprintf("%s (%s)", name, env)
		}
		switch fe.Tag() {
		case "required":
			msgs = append(msgs, name+" is required")
		case "http_url":
			msgs = append(msgs, name+" must be an http(s) URL")
		default:
			msgs = append(msgs, fmt.Sprintf("%s is invalid (%s)", name, fe.Tag()))
		}
	}
	return fmt.Errorf("netbox: invalid config: %s", strings.Join(msgs, "; "))
}

// ConfigFromEnv reads NETBOXURL and NETBOXTOKEN and validates them. The error
// names every missing or invalid variable.
func ConfigFromEnv() (Config, error) {
	cfg := Config{URL: strings.TrimSpace(os.Getenv(EnvURL)), Token: strings.TrimSpace(os.Getenv(EnvToken))}
	var msgs []string
	if cfg.URL == "" {
		msgs = append(msgs, EnvURL+" is not set")
	} else if u, err := url.Parse(cfg.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		msgs = append(msgs, EnvURL+" is not an http(s) URL")
	}
	if cfg.Token == "" {
		msgs = append(msgs, EnvToken+" is not set")
	}
	if len(msgs) > 0 {
		return Config{}, fmt.Errorf("netbox: %s", strings.Join(msgs, "; "))
	}
	if err := cfg.Validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// authorization returns the Authorization header value for the token: v2
// tokens ("nbt_<key>.<secret>", NetBox 4.5+) as Bearer, classic ones as
// Token. An older NetBox rejects Bearer; the client's error then says so
// (see [ErrBearerUnsupported]).
func authorization(token string) string {
	if strings.HasPrefix(token, "nbt_") {
		return "Bearer " + token
	}
	return "Token " + token
}
