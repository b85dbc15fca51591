package svnhosts

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/go-playground/validator/v10"
)

// DefaultHostsPath is the hosts file inside the repository when
// SVN_HOSTS_PATH is not set.
const DefaultHostsPath = "hosts"

// DefaultRetries is how often [Repo.Apply] retries a commit rejected as out
// of date when [Config.Retries] is 0.
const DefaultRetries = 3

// redacted replaces secrets in String, LogValue and error output.
const redacted = "[REDACTED]"

// Config configures a [Repo]. The env tags name the environment variables
// read by [ConfigFromEnv]; validation errors name them too.
type Config struct {
	// URL is the repository (or directory) URL holding the hosts file: file://,
	// svn://, svn+ssh://, http:// or https://. From SVNURL.
	URL string `env:"SVNURL" validate:"required,svnurl,nourlpassword"`
	// User is the Subversion user name; empty for anonymous or file:// access.
	// From SVNUSER.
	User string `env:"SVNUSER" validate:"required_with=Password,singleline"`
	// Password is User's password. It is passed to svn on standard input only.
	// From SVNPASS.
	Password string `env:"SVNPASS" validate:"singleline"`
	// SVNBin is the svn client, a name looked up on PATH or a path. From
	// SVNBIN, default "svn".
	SVNBin string `env:"SVNBIN" validate:"required"`
	// HostsPath is the hosts file inside URL, a relative slash-separated path.
	// From SVN_HOSTS_PATH, default [DefaultHostsPath].
	HostsPath string `env:"SVN_HOSTS_PATH" validate:"required,relpath"`
	// LogFile, when set, is an append-only audit log with one line per change.
	// From LOGFILE.
	LogFile string `env:"LOGFILE"`
	// WorkingCopy, when set, is an existing working copy of URL used instead
	// of a private temporary checkout. It is updated before every change. A
	// local modification of the hosts file there is the leftover of a run
	// killed between rewrite and commit: it is reverted (and a locked
	// working copy cleaned up with svn cleanup), logged at warning level,
	// and the run goes on. From SVN_WORKING_COPY.
	WorkingCopy string `env:"SVN_WORKING_COPY"`
	// CodeMatch says how a customer's lines are found; empty means
	// [MatchToken]. From HOSTS_CODE_FALLBACK ([ParseCodeMatch]).
	CodeMatch CodeMatch `env:"HOSTS_CODE_FALLBACK" validate:"codematch"`
	// TempDir is where private working copies are created; empty means
	// os.TempDir().
	TempDir string `env:"-"`
	// Retries bounds the update-and-retry rounds after a commit is rejected
	// as out of date; 0 means [DefaultRetries].
	Retries int `env:"-" validate:"gte=0,lte=100"`
	// Timeout bounds every svn invocation; 0 means no limit beyond the
	// caller's context.
	Timeout time.Duration `env:"-" validate:"gte=0"`
	// Logger receives debug and info records; nil discards them.
	Logger *slog.Logger `env:"-" validate:"-"`
}

// ConfigFromEnv reads a [Config] from SVNURL, SVNUSER, SVNPASS, SVNBIN,
// SVN_HOSTS_PATH, LOGFILE, SVN_WORKING_COPY and HOSTS_CODE_FALLBACK,
// applies the defaults and validates it. Errors name the missing or
// invalid variable, never a value.
func ConfigFromEnv() (Config, error) {
	cfg := Config{
		URL:         os.Getenv("SVNURL"),
		User:        os.Getenv("SVNUSER"),
		Password:    os.Getenv("SVNPASS"),
		SVNBin:      os.Getenv("SVNBIN"),
		HostsPath:   os.Getenv("SVN_HOSTS_PATH"),
		LogFile:     os.Getenv("LOGFILE"),
		WorkingCopy: os.Getenv("SVN_WORKING_COPY"),
		CodeMatch:   CodeMatch(os.Getenv(EnvCodeFallback)),
	}
	cfg.defaults()
	return cfg, cfg.Validate()
}

func (c *Config) defaults() {
	c.CodeMatch = c.CodeMatch.normalized()
	if c.SVNBin == "" {
		c.SVNBin = "svn"
	}
	if c.HostsPath == "" {
		c.HostsPath = DefaultHostsPath
	}
	if c.Retries == 0 {
		c.Retries = DefaultRetries
	}
}

// Validate checks the configuration. Errors name the environment variable of
// each invalid field and never contain its value.
func (c Config) Validate() error {
	return validateStruct(c)
}

// String renders the configuration with the password redacted.
func (c Config) String() string {
	pw := ""
	if c.Password != "" {
		pw = redacted
	}
	return fmt.Sprintf("svnhosts.Config{URL:%q User:%q Password:%q SVNBin:%q HostsPath:%q LogFile:%q WorkingCopy:%q}",
		redactURL(c.URL), c.User, pw, c.SVNBin, c.HostsPath, c.LogFile, c.WorkingCopy)
}

// GoString is String, so %#v does not print the password either.
func (c Config) GoString() string { return c.String() }

// LogValue implements slog.LogValuer with the password redacted.
func (c Config) LogValue() slog.Value {
	pw := ""
	if c.Password != "" {
		pw = redacted
	}
	return slog.GroupValue(
		slog.String("url", redactURL(c.URL)),
		slog.String("user", c.User),
		slog.String("password", pw),
		slog.String("svnbin", c.SVNBin),
		slog.String("hosts_path", c.HostsPath),
		slog.String("logfile", c.LogFile),
		slog.String("working_copy", c.WorkingCopy),
	)
}

// redactURL hides a password embedded in a URL.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return s
	}
	if _, ok := u.User.Password(); ok {
		return u.Redacted()
	}
	return s
}

// FileConfig configures a [FileBackend].
type FileConfig struct {
	// Path is the hosts file. From HOSTS_FILE.
	Path string `env:"HOSTS_FILE" validate:"required"`
	// LogFile, when set, is an append-only audit log with one line per change.
	// From LOGFILE.
	LogFile string `env:"LOGFILE"`
	// CodeMatch says how a customer's lines are found; empty means
	// [MatchToken]. From HOSTS_CODE_FALLBACK ([ParseCodeMatch]).
	CodeMatch CodeMatch `env:"HOSTS_CODE_FALLBACK" validate:"codematch"`
	// LockTimeout bounds the wait for another run's lock; 0 means
	// [DefaultLockTimeout].
	LockTimeout time.Duration `env:"-" validate:"gte=0"`
	// Logger receives debug and info records; nil discards them.
	Logger *slog.Logger `env:"-" validate:"-"`
}

// DefaultLockTimeout is how long a [FileBackend] waits for the lock of a
// concurrent run when [FileConfig.LockTimeout] is 0.
const DefaultLockTimeout = time.Minute

// FileConfigFromEnv reads a [FileConfig] from HOSTS_FILE, LOGFILE and
// HOSTS_CODE_FALLBACK and validates it. Errors name the missing or invalid
// variable.
func FileConfigFromEnv() (FileConfig, error) {
	cfg := FileConfig{Path: os.Getenv("HOSTS_FILE"), LogFile: os.Getenv("LOGFILE"), CodeMatch: CodeMatch(os.Getenv(EnvCodeFallback))}
	cfg.CodeMatch = cfg.CodeMatch.normalized()
	return cfg, cfg.Validate()
}

// normalized maps the accepted spellings of HOSTS_CODE_FALLBACK to the
// constants; an unknown value is kept for Validate to reject.
func (m CodeMatch) normalized() CodeMatch {
	if n, err := ParseCodeMatch(string(m)); err == nil {
		return n
	}
	return m
}

// Validate checks the configuration; errors name the environment variable.
func (c FileConfig) Validate() error {
	return validateStruct(c)
}

var validate = sync.OnceValue(func() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		if name := f.Tag.Get("env"); name != "" && name != "-" {
			return name
		}
		return f.Name
	})
	must := func(err error) {
		if err != nil {
			panic(err)
		}
	}
	must(v.RegisterValidation("svnurl", func(fl validator.FieldLevel) bool {
		u, err := url.Parse(fl.Field().String())
		if err != nil {
			return false
		}
		switch u.Scheme {
		case "file":
			return u.Path != ""
		case "svn", "svn+ssh", "http", "https":
			return u.Host != ""
		}
		return false
	}))
	must(v.RegisterValidation("nourlpassword", func(fl validator.FieldLevel) bool {
		u, err := url.Parse(fl.Field().String())
		if err != nil || u.User == nil {
			return true
		}
		_, has := u.User.Password()
		return !has
	}))
	must(v.RegisterValidation("relpath", func(fl validator.FieldLevel) bool {
		p := fl.Field().String()
		if p == "" || strings.HasPrefix(p, "/") || path.Clean(p) != p || strings.ContainsAny(p, "\\\x00\n\r") {
			return false
		}
		for _, el := range strings.Split(p, "/") {
			if el == ".." || el == "." {
				return false
			}
		}
		return true
	}))
	must(v.RegisterValidation("codematch", func(fl validator.FieldLevel) bool {
		_, err := ParseCodeMatch(fl.Field().String())
		return err == nil
	}))
	must(v.RegisterValidation("singleline", func(fl validator.FieldLevel) bool {
		return !strings.ContainsAny(fl.Field().String(), "\n\r\x00")
	}))
	return v
})

// validateStruct validates s and renders errors by variable name.
func validateStruct(s any) error {
	err := validate().Struct(s)
	if err == nil {
		return nil
	}
	var verrs validator.ValidationErrors
	if !errors.As(err, &verrs) {
		return fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	msgs := make([]string, 0, len(verrs))
	for _, fe := range verrs {
		msgs = append(msgs, describe(fe))
	}
	return fmt.Errorf("%w: %s", ErrInvalidConfig, strings.Join(msgs, "; "))
}

// ErrInvalidConfig is wrapped by every configuration validation error.
var ErrInvalidConfig = errors.New("svnhosts: invalid configuration")

func describe(fe validator.FieldError) string {
	name := fe.Field()
	switch fe.Tag() {
	case "required":
		return name + " is required"
	case "required_with":
		param := fe.Param()
		if param == "Password" {
			param = "SVNPASS"
		}
		return name + " is required when " + param + " is set"
	case "svnurl":
		return name + " must be a file://, svn://, svn+ssh://, http:// or https:// URL"
	case "nourlpassword":
		return name + " must not embed a password; use SVNPASS"
	case "relpath":
		return name + " must be a relative slash-separated path without . or .. elements"
	case "singleline":
		return name + " must not contain line breaks or NUL"
	case "codematch":
		return name + " must be empty (exact {code:X} tokens only) or word"
	default:
		return fmt.Sprintf("%s fails %s=%s", name, fe.Tag(), fe.Param())
	}
}
