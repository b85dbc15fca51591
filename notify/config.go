package notify

import (
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/go-playground/validator/v10"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/envconf"
)

// Names of the environment variables read by [ConfigFromEnv].
const (
	EnvFrom                  = "EASE_FROM"
	EnvLang                  = "NOTIFY_LANG"
	EnvTemplateDir           = "NOTIFY_TEMPLATE_DIR"
	EnvMute                  = "MUTE"
	EnvTransport             = "MAIL_TRANSPORT"
	EnvSMTPHost              = "SMTP_HOST"
	EnvSMTPPort              = "SMTP_PORT"
	EnvSMTPUsername          = "SMTP_USERNAME"
	EnvSMTPPassword          = "SMTP_PASSWORD"
	EnvSMTPTLS               = "SMTP_TLS"
	EnvSMTPAuth              = "SMTP_AUTH"
	EnvSMTPTimeout           = "SMTP_TIMEOUT"
	EnvSendmailPath          = "SENDMAIL_PATH"
	EnvLabelConfirmed        = "LABEL_CONFIRMED"
	EnvLabelConfirmedPartial = "LABEL_CONFIRMED_PARTIAL"
	EnvLabelNotified         = "LABEL_NOTIFIED"
	EnvHomeCurrency          = "HOME_CURRENCY"
	// EnvDryRun is the apps' dry run; it implies MUTE.
	EnvDryRun = "DRY_RUN"
)

// Defaults of [Config].
const (
	DefaultLang                  = "cs"
	DefaultSendmailPath          = "/usr/sbin/sendmail"
	DefaultSMTPTimeout           = 30 * time.Second
	DefaultLabelConfirmed        = "POTVRZENO"
	DefaultLabelConfirmedPartial = "POTVRZENO_CASTECNE"
	DefaultLabelNotified         = "OZNAMENO"
)

// Mail transports of [Config.Transport].
const (
	// TransportAuto uses SMTP when SMTP_HOST is set, else sendmail.
	TransportAuto = "auto"
	// TransportSMTP always uses SMTP (SMTP_HOST is then required).
	TransportSMTP = "smtp"
	// TransportSendmail always uses the local sendmail.
	TransportSendmail = "sendmail"
)

// TLS modes of [SMTPConfig.TLS].
const (
	// TLSNone sends in plain text (default port 25).
	TLSNone = "none"
	// TLSStartTLS requires STARTTLS (default port 587). It is the default.
	TLSStartTLS = "starttls"
	// TLSImplicit connects with TLS from the start (SMTPS, default port 465).
	TLSImplicit = "tls"
)

// Authentication mechanisms of [SMTPConfig.Auth]. AuthAuto lets the
// server's advertisement decide; over an unencrypted connection it never
// picks PLAIN or LOGIN, so a plain-text relay on localhost needs AuthPlain.
const (
	AuthAuto        = "auto"
	AuthPlain       = "plain"
	AuthLogin       = "login"
	AuthCRAMMD5     = "cram-md5"
	AuthSCRAMSHA1   = "scram-sha-1"
	AuthSCRAMSHA256 = "scram-sha-256"
)

const redacted = "REDACTED"

// Config configures composing and sending notifications. Build it with
// [ConfigFromEnv] or [ConfigFromLookup], or fill it in and call
// [Config.Validate]. Each field's env tag names its variable.
type Config struct {
	// From is the sender, "fakturace@example.cz" or
	// "Example s.r.o. <fakturace@example.cz>" (EASE_FROM, required).
	From string `env:"EASE_FROM" validate:"required,mailaddr"`
	// Lang selects the embedded templates: cs (default) or en
	// (NOTIFY_LANG). It is also the language of the invoice PDF.
	Lang string `env:"NOTIFY_LANG" validate:"oneof=cs en"`
	// TemplateDir optionally holds templates overriding the embedded ones,
	// with the same file names (NOTIFY_TEMPLATE_DIR); see [LoadTemplates].
	TemplateDir string `env:"NOTIFY_TEMPLATE_DIR"`
	// Mute composes messages but never sends them and writes nothing to
	// AbraFlexi (MUTE=true).
	Mute bool `env:"MUTE"`
	// Transport is auto (default: SMTP when SMTP.Host is set, else
	// sendmail), smtp or sendmail (MAIL_TRANSPORT).
	Transport string `env:"MAIL_TRANSPORT" validate:"oneof=auto smtp sendmail"`
	// SMTP is the SMTP server.
	SMTP SMTPConfig
	// SendmailPath is the sendmail binary used by the sendmail transport
	// (SENDMAIL_PATH, default /usr/sbin/sendmail). It is run as
	// "SENDMAIL_PATH -t -i" with the message on stdin.
	SendmailPath string `env:"SENDMAIL_PATH" validate:"required"`
	// Labels record the messages sent: on an invoice which payment state
	// was confirmed, on a payment that its payer was notified.
	Labels ConfirmLabels
	// HomeCurrency is the company's currency (HOME_CURRENCY, default CZK),
	// three letters, upper-case: amounts of documents in any other
	// currency are printed from their …Men fields.
	HomeCurrency string `env:"HOME_CURRENCY" validate:"required,currency"`
}

// SMTPConfig is the SMTP server configuration.
type SMTPConfig struct {
	// Host is the server name or IP address (SMTP_HOST).
	Host string `env:"SMTP_HOST" validate:"omitempty,hostname_rfc1123"`
	// Port is the TCP port (SMTP_PORT); 0 means the default of the TLS
	// mode (see [SMTPConfig.EffectivePort]).
	Port int `env:"SMTP_PORT" validate:"gte=0,lte=65535"`
	// Username and Password authenticate when Username is set
	// (SMTP_USERNAME, SMTP_PASSWORD). The password is never logged.
	Username string `env:"SMTP_USERNAME"`
	Password string `env:"SMTP_PASSWORD" validate:"required_with=Username"`
	// TLS is none, starttls (default) or tls (SMTP_TLS).
	TLS string `env:"SMTP_TLS" validate:"oneof=none starttls tls"`
	// Auth is the authentication mechanism when Username is set: auto
	// (default), plain, login, cram-md5, scram-sha-1 or scram-sha-256
	// (SMTP_AUTH).
	Auth string `env:"SMTP_AUTH" validate:"oneof=auto plain login cram-md5 scram-sha-1 scram-sha-256"`
	// Timeout bounds connecting and each SMTP command (SMTP_TIMEOUT,
	// seconds or Go duration syntax; default 30s).
	Timeout time.Duration `env:"SMTP_TIMEOUT" validate:"gte=0"`
}

// ConfirmLabels are the AbraFlexi label codes that record which messages
// were sent, so that repeated triggers do not send them again: on an
// issued invoice which payment state has been confirmed to the customer,
// on a payment that its payer was told it arrived. A label missing from
// AbraFlexi's label codebook (stitek) is created on first use, visible for
// the evidence it goes on. They are added before sending (a claim) and
// removed only when that send fails.
type ConfirmLabels struct {
	// Partial marks a confirmed partial payment (LABEL_CONFIRMED_PARTIAL,
	// default POTVRZENO_CASTECNE).
	Partial string `env:"LABEL_CONFIRMED_PARTIAL" validate:"required,labelcode,nefield=Full"`
	// Full marks a confirmed full payment (LABEL_CONFIRMED, default
	// POTVRZENO).
	Full string `env:"LABEL_CONFIRMED" validate:"required,labelcode"`
	// Notified marks a payment whose payer got the received-payment notice
	// (LABEL_NOTIFIED, default OZNAMENO).
	Notified string `env:"LABEL_NOTIFIED" validate:"required,labelcode"`
}

// DefaultConfig returns the configuration with every default filled in
// and no sender address.
func DefaultConfig() Config {
	return Config{
		Lang:         DefaultLang,
		Transport:    TransportAuto,
		SendmailPath: DefaultSendmailPath,
		SMTP:         SMTPConfig{TLS: TLSStartTLS, Auth: AuthAuto, Timeout: DefaultSMTPTimeout},
		Labels:       ConfirmLabels{Partial: DefaultLabelConfirmedPartial, Full: DefaultLabelConfirmed, Notified: DefaultLabelNotified},
		HomeCurrency: DefaultCurrency,
	}
}

// EffectivePort returns Port, or the default port of the TLS mode when
// Port is 0: 25 for none, 587 for starttls, 465 for tls.
func (c SMTPConfig) EffectivePort() int {
	if c.Port != 0 {
		return c.Port
	}
	switch c.TLS {
	case TLSNone:
		return 25
	case TLSImplicit:
		return 465
	}
	return 587
}

// ConfigFromEnv reads the configuration from the process environment; see
// [ConfigFromLookup].
func ConfigFromEnv() (Config, error) { return ConfigFromLookup(os.LookupEnv) }

// ConfigFromLookup reads the configuration through lookup (for example
// os.LookupEnv, or an app's environment that also sees a .env file; nil
// means the process environment) and validates it, as the isptools apps
// do. Unset or empty variables take the defaults of [DefaultConfig]. MUTE
// accepts true/false, 1/0, yes/no and on/off; DRY_RUN (the same
// spellings) implies MUTE, as in the apps; SMTP_TIMEOUT accepts seconds
// ("30") or a Go duration ("1m30s"). The error is an [*envconf.Error]
// that also matches [ErrInvalidConfig]: every bad variable, named with its
// value, in the apps' words; it never contains SMTP_PASSWORD.
func ConfigFromLookup(lookup func(string) (string, bool)) (Config, error) {
	env := envconf.New(lookup)
	cfg := DefaultConfig()
	cfg.From = env.String(EnvFrom, cfg.From)
	cfg.Lang = strings.ToLower(env.String(EnvLang, cfg.Lang))
	cfg.TemplateDir = env.String(EnvTemplateDir, cfg.TemplateDir)
	cfg.Transport = strings.ToLower(env.String(EnvTransport, cfg.Transport))
	cfg.SendmailPath = env.String(EnvSendmailPath, cfg.SendmailPath)
	cfg.SMTP.Host = env.String(EnvSMTPHost, cfg.SMTP.Host)
	cfg.SMTP.Username = env.String(EnvSMTPUsername, cfg.SMTP.Username)
	if v, _ := env.Lookup(EnvSMTPPassword); v != "" {
		cfg.SMTP.Password = v // passwords are taken verbatim
	}
	cfg.SMTP.TLS = strings.ToLower(env.String(EnvSMTPTLS, cfg.SMTP.TLS))
	cfg.SMTP.Auth = strings.ToLower(env.String(EnvSMTPAuth, cfg.SMTP.Auth))
	cfg.Labels.Full = strings.ToUpper(env.String(EnvLabelConfirmed, cfg.Labels.Full))
	cfg.Labels.Partial = strings.ToUpper(env.String(EnvLabelConfirmedPartial, cfg.Labels.Partial))
	cfg.Labels.Notified = strings.ToUpper(env.String(EnvLabelNotified, cfg.Labels.Notified))
	cfg.HomeCurrency = strings.ToUpper(env.String(EnvHomeCurrency, cfg.HomeCurrency))

	cfg.Mute = env.Bool(EnvMute, cfg.Mute)
	if v := env.String(EnvSMTPPort, ""); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			env.Errorf("%s=%q: not a port number", EnvSMTPPort, v)
		} else {
			cfg.SMTP.Port = n
		}
	}
	if v := env.String(EnvSMTPTimeout, ""); v != "" {
		d, err := parseDuration(v)
		if err != nil {
			env.Errorf("%s=%q: not a duration (seconds or e.g. 1m30s)", EnvSMTPTimeout, v)
		} else {
			cfg.SMTP.Timeout = d
		}
	}
	cfg.Mute = env.Bool(EnvDryRun, false) || cfg.Mute
	for _, p := range cfg.problems() {
		env.Record(p)
	}
	return cfg, envconf.WithKind(env.Err(), ErrInvalidConfig)
}

// ErrInvalidConfig matches (errors.Is) the errors of [ConfigFromLookup],
// [NoticeConfigFromLookup] and [Config.Validate].
var ErrInvalidConfig = errors.New("notify: invalid configuration")

func parseDuration(s string) (time.Duration, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n < 0 {
			return 0, errors.New("negative")
		}
		return time.Duration(n) * time.Second, nil
	}
	d, err := time.ParseDuration(s)
	if err == nil && d < 0 {
		return 0, errors.New("negative")
	}
	return d, err
}

var labelCodeRE = regexp.MustCompile(`^[A-Z0-9_.\-]{1,20}$`)

var validate = func() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		if name := f.Tag.Get("env"); name != "" {
			return name
		}
		return f.Name
	})
	must := func(err error) {
		if err != nil {
			panic(err)
		}
	}
	must(v.RegisterValidation("mailaddr", func(fl validator.FieldLevel) bool {
		_, err := mail.ParseAddress(fl.Field().String())
		return err == nil
	}))
	must(v.RegisterValidation("labelcode", func(fl validator.FieldLevel) bool {
		return labelCodeRE.MatchString(fl.Field().String())
	}))
	must(v.RegisterValidation("currency", func(fl validator.FieldLevel) bool {
		c, err := abraflexi.ParseCurrency(fl.Field().String())
		return err == nil && c == fl.Field().String()
	}))
	return v
}()

// Validate checks the configuration. The error names the environment
// variable of every bad field and never contains the password.
func (c Config) Validate() error {
	if errs := c.problems(); len(errs) > 0 {
		return fmt.Errorf("%w: %w", ErrInvalidConfig, errors.Join(errs...))
	}
	return nil
}

// problems lists what is wrong with c, one error per bad field, without
// the ErrInvalidConfig wrapping (so callers collecting errors wrap once).
func (c Config) problems() []error {
	var errs []error
	if err := validate.Struct(c); err != nil {
		var verrs validator.ValidationErrors
		if !errors.As(err, &verrs) {
			return []error{err}
		}
		for _, fe := range verrs {
			errs = append(errs, fieldError(fe))
		}
	}
	if c.Transport == TransportSMTP && c.SMTP.Host == "" {
		errs = append(errs, fmt.Errorf("%s is required when %s=smtp", EnvSMTPHost, EnvTransport))
	}
	return errs
}

func fieldError(fe validator.FieldError) error {
	name := fe.Field()
	value := fmt.Sprint(fe.Value())
	if name == EnvSMTPPassword {
		value = redacted
	}
	switch fe.Tag() {
	case "required":
		return fmt.Errorf("%s is required but not set", name)
	case "required_with":
		return fmt.Errorf("%s is required when %s is set", name, EnvSMTPUsername)
	case "oneof":
		return fmt.Errorf("%s=%q: must be one of %s", name, value, strings.ReplaceAll(fe.Param(), " ", "|"))
	case "mailaddr":
		return fmt.Errorf("%s=%q: not an e-mail address", name, value)
	case "labelcode":
		return fmt.Errorf("%s=%q: not a label code (up to 20 of A-Z, 0-9, _, -, .)", name, value)
	case "currency":
		return fmt.Errorf("%s=%q: not a currency code (three letters such as CZK or EUR)", name, value)
	case "nefield":
		return fmt.Errorf("%s=%q: must differ from %s", name, value, EnvLabelConfirmed)
	case "hostname_rfc1123":
		return fmt.Errorf("%s=%q: not a host name or IP address", name, value)
	case "gte", "lte":
		return fmt.Errorf("%s=%s: out of range", name, value)
	}
	return fmt.Errorf("%s=%q: fails %s", name, value, fe.Tag())
}

// String renders the configuration with the SMTP password redacted.
func (c Config) String() string {
	return fmt.Sprintf("notify.Config{From: %s, Lang: %s, TemplateDir: %s, Mute: %t, Transport: %s, SMTP: %s, SendmailPath: %s, Labels: {Partial: %s, Full: %s, Notified: %s}, HomeCurrency: %s}",
		c.From, c.Lang, c.TemplateDir, c.Mute, c.Transport, c.SMTP, c.SendmailPath, c.Labels.Partial, c.Labels.Full, c.Labels.Notified, c.HomeCurrency)
}

// GoString is like [Config.String], so %#v does not print the password.
func (c Config) GoString() string { return c.String() }

// LogValue implements [slog.LogValuer]; the SMTP password is redacted.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("from", c.From),
		slog.String("lang", c.Lang),
		slog.String("template_dir", c.TemplateDir),
		slog.Bool("mute", c.Mute),
		slog.String("transport", c.Transport),
		slog.Any("smtp", c.SMTP),
		slog.String("sendmail_path", c.SendmailPath),
		slog.String("label_confirmed_partial", c.Labels.Partial),
		slog.String("label_confirmed", c.Labels.Full),
		slog.String("label_notified", c.Labels.Notified),
		slog.String("home_currency", c.HomeCurrency),
	)
}

func (c SMTPConfig) redactedPassword() string {
	if c.Password == "" {
		return ""
	}
	return redacted
}

// String renders the SMTP configuration with the password redacted.
func (c SMTPConfig) String() string {
	return fmt.Sprintf("{Host: %s, Port: %d, Username: %s, Password: %s, TLS: %s, Auth: %s, Timeout: %s}",
		c.Host, c.Port, c.Username, c.redactedPassword(), c.TLS, c.Auth, c.Timeout)
}

// GoString is like [SMTPConfig.String], so %#v does not print the password.
func (c SMTPConfig) GoString() string { return "notify.SMTPConfig" + c.String() }

// LogValue implements [slog.LogValuer]; the password is redacted.
func (c SMTPConfig) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("host", c.Host),
		slog.Int("port", c.Port),
		slog.String("username", c.Username),
		slog.String("password", c.redactedPassword()),
		slog.String("tls", c.TLS),
		slog.String("auth", c.Auth),
		slog.Duration("timeout", c.Timeout),
	)
}
