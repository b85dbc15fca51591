package abraflexi

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/go-playground/validator/v10"
)

// Environment variables read by [ConfigFromEnv].
const (
	EnvURL      = "ABRAFLEXI_URL"
	EnvLogin    = "ABRAFLEXI_LOGIN"
	EnvPassword = "ABRAFLEXI_PASSWORD"
	EnvCompany  = "ABRAFLEXI_COMPANY"
	EnvInsecure = "ABRAFLEXI_INSECURE"
)

const redacted = "REDACTED"

var validate = validator.New(validator.WithRequiredStructEnabled())

// Validate checks that every required field is set, that URL is an
// absolute http(s) URL and that the company name is a plain path segment.
// Errors wrap [ErrInvalidConfig] and never contain the password.
func (c Config) Validate() error {
	var problems []string
	if err := validate.Struct(c); err != nil {
		var ve validator.ValidationErrors
		if !errors.As(err, &ve) {
			return fmt.Errorf("%w: %v", ErrInvalidConfig, err)
		}
		for _, fe := range ve {
			switch fe.Tag() {
			case "required":
				problems = append(problems, fe.Field()+" is required")
			case "url":
				problems = append(problems, fe.Field()+" is not a valid URL")
			default:
				problems = append(problems, fmt.Sprintf("%s fails %s=%s", fe.Field(), fe.Tag(), fe.Param()))
			}
		}
	}
	if c.URL != "" {
		if u, err := url.Parse(c.URL); err != nil {
			problems = append(problems, "URL does not parse")
		} else if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			problems = append(problems, "URL must be an absolute http or https URL")
		} else if u.RawQuery != "" || u.Fragment != "" {
			problems = append(problems, "URL must not have a query or fragment")
		}
	}
	if c.Company != "" && !validCompany(c.Company) {
		problems = append(problems, "Company must be a database name of letters, digits, '_', '-' or '.'")
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", ErrInvalidConfig, strings.Join(problems, "; "))
	}
	return nil
}

func validCompany(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			return false
		}
	}
	return s != "." && s != ".."
}

// ConfigFromEnv reads ABRAFLEXI_URL, ABRAFLEXI_LOGIN, ABRAFLEXI_PASSWORD,
// ABRAFLEXI_COMPANY (and optional ABRAFLEXI_INSECURE, a boolean) and
// validates the result. The error names every missing variable.
func ConfigFromEnv() (Config, error) {
	cfg := Config{
		URL:      strings.TrimSpace(os.Getenv(EnvURL)),
		Login:    os.Getenv(EnvLogin),
		Password: os.Getenv(EnvPassword),
		Company:  strings.TrimSpace(os.Getenv(EnvCompany)),
	}
	var missing []string
	for _, kv := range []struct{ name, val string }{
		{EnvURL, cfg.URL}, {EnvLogin, cfg.Login}, {EnvPassword, cfg.Password}, {EnvCompany, cfg.Company},
	} {
		if kv.val == "" {
			missing = append(missing, kv.name)
		}
	}
	if len(missing) > 0 {
		return cfg, fmt.Errorf("%w: missing environment variable(s) %s", ErrInvalidConfig, strings.Join(missing, ", "))
	}
	if v := strings.TrimSpace(os.Getenv(EnvInsecure)); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return cfg, fmt.Errorf("%w: %s=%q is not a boolean", ErrInvalidConfig, EnvInsecure, v)
		}
		cfg.InsecureSkipVerify = b
	}
	if err := cfg.Validate(); err != nil {
		return cfg, err
	}
	return cfg, nil
}

func (c Config) redactedURL() string {
	u, err := url.Parse(c.URL)
	if err != nil {
		return "<unparsable>"
	}
	return u.Redacted()
}

func (c Config) redactedPassword() string {
	if c.Password == "" {
		return ""
	}
	return redacted
}

// String renders the configuration with the password redacted.
func (c Config) String() string {
	return fmt.Sprintf("Config{URL: %s, Login: %s, Password: %s, Company: %s, InsecureSkipVerify: %t, PageSize: %d, Timeout: %s}",
		c.redactedURL(), c.Login, c.redactedPassword(), c.Company, c.InsecureSkipVerify, c.PageSize, c.Timeout)
}

// GoString is like [Config.String], so %#v does not print the password.
func (c Config) GoString() string { return "abraflexi." + c.String() }

// LogValue implements [slog.LogValuer]; the password is redacted.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("url", c.redactedURL()),
		slog.String("login", c.Login),
		slog.String("password", c.redactedPassword()),
		slog.String("company", c.Company),
		slog.Bool("insecure", c.InsecureSkipVerify),
	)
}
