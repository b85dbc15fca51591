package abraflexi

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"

	"github.com/go-playground/validator/v10"

	"github.com/spoje-net/isptools/envconf"
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

// fieldNames names the Config fields in messages: by their Go names for
// [Config.Validate], by their environment variables for [ConfigFromEnv].
type fieldNames struct{ url, login, password, company, pageSize, timeout string }

var (
	goNames  = fieldNames{"URL", "Login", "Password", "Company", "PageSize", "Timeout"}
	envNames = fieldNames{EnvURL, EnvLogin, EnvPassword, EnvCompany, "PageSize", "Timeout"}
)

// Validate checks that every required field is set, that URL is an
// absolute http(s) URL and that the company name is a plain path segment.
// A URL that ends in /c/<company> (as copied from a browser) is accepted:
// Company may then be empty, and must otherwise name the same company.
// Errors wrap [ErrInvalidConfig] and never contain the password.
func (c Config) Validate() error {
	_, err := c.normalized(goNames)
	return err
}

// normalized validates c and returns it with a /c/<company> suffix of the
// URL moved into Company.
func (c Config) normalized(n fieldNames) (Config, error) {
	c, problems := c.normalizedProblems(n)
	if len(problems) > 0 {
		return c, fmt.Errorf("%w: %s", ErrInvalidConfig, strings.Join(problems, "; "))
	}
	return c, nil
}

// normalizedProblems is [Config.normalized] returning each problem.
func (c Config) normalizedProblems(n fieldNames) (Config, []string) {
	var problems []string
	if err := validate.Struct(c); err != nil {
		var ve validator.ValidationErrors
		if !errors.As(err, &ve) {
			return c, []string{err.Error()}
		}
		for _, fe := range ve {
			name := map[string]string{"URL": n.url, "Login": n.login, "Password": n.password, "Company": n.company,
				"PageSize": n.pageSize, "Timeout": n.timeout}[fe.Field()]
			switch {
			case fe.Tag() == "required":
				problems = append(problems, name+" is required")
			case fe.Tag() == "url" && c.URL != "":
				// Reported below with the reason.
			default:
				problems = append(problems, fmt.Sprintf("%s fails %s=%s", name, fe.Tag(), fe.Param()))
			}
		}
	}
	if c.URL != "" {
		base, company, err := splitCompanyURL(c.URL)
		switch {
		case err != nil:
			problems = append(problems, fmt.Sprintf("%s=%q %v", n.url, redactURL(c.URL), err))
		case company != "" && c.Company != "" && company != c.Company:
			problems = append(problems, fmt.Sprintf("%s=%q names company %q, but %s=%q; set %s to the server's address only, or make them agree",
				n.url, redactURL(c.URL), company, n.company, c.Company, n.url))
		case company != "":
			c.URL, c.Company = base, company
		}
	}
	switch {
	case c.Company == "":
		problems = append(problems, n.company+" is required (or end "+n.url+" with /c/<company>)")
	case !validCompany(c.Company):
		problems = append(problems, fmt.Sprintf("%s=%q is not a company database name (letters, digits, '_', '-' or '.')", n.company, c.Company))
	}
	return c, problems
}

// splitCompanyURL checks an AbraFlexi server URL and splits off a trailing
// /c/<company>: "https://h:5434/c/demo/" gives "https://h:5434" and "demo".
// Without the suffix company is "".
func splitCompanyURL(raw string) (base, company string, err error) {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return "", "", errors.New("does not parse as a URL")
	case (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return "", "", errors.New("must be an absolute http or https URL, e.g. https://flexi.example.com:5434")
	case u.RawQuery != "" || u.Fragment != "":
		return "", "", errors.New("must not have a query or fragment")
	}
	segs := strings.Split(strings.Trim(u.Path, "/"), "/")
	for i, seg := range segs {
		if seg != "c" {
			continue
		}
		switch {
		case i == len(segs)-1:
			return "", "", errors.New("ends in /c/ without a company")
		case i+2 < len(segs):
			return "", "", fmt.Errorf("must be the server's address, optionally ending in /c/<company>, not a path below the company (%s)", u.Path)
		}
		company, err := url.PathUnescape(segs[i+1])
		if err != nil || !validCompany(company) {
			return "", "", fmt.Errorf("names company %q, which is not a company database name", segs[i+1])
		}
		u.Path = "/" + strings.Join(segs[:i], "/")
		u.RawPath = ""
		return strings.TrimRight(u.String(), "/"), company, nil
	}
	return raw, "", nil
}

// CompanyFromURL returns the company of an AbraFlexi URL that ends in
// /c/<company> ("https://flexi.example.com:5434/c/demo" gives "demo"), or
// "" when it has none. [Config] accepts such URLs; apps that check
// ABRAFLEXI_COMPANY themselves use it to know whether the URL supplies it.
func CompanyFromURL(raw string) string {
	_, company, err := splitCompanyURL(raw)
	if err != nil {
		return ""
	}
	return company
}

func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	return u.Redacted()
}

func validCompany(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			return false
		}
	}
	return s != "" && s != "." && s != ".."
}

// ConfigFromEnv reads the configuration from the process environment;
// see [ConfigFromLookup].
func ConfigFromEnv() (Config, error) { return ConfigFromLookup(os.LookupEnv) }

// ConfigFromLookup reads ABRAFLEXI_URL, ABRAFLEXI_LOGIN, ABRAFLEXI_PASSWORD
// (taken verbatim), ABRAFLEXI_COMPANY and ABRAFLEXI_INSECURE (a boolean:
// true/false, 1/0, yes/no, on/off) through lookup (os.LookupEnv, or one
// that also sees a .env file; nil means the process environment) and
// validates the result, as the isptools apps do. ABRAFLEXI_URL may end in
// /c/<company>; the company is then taken from it, and ABRAFLEXI_COMPANY
// may be empty or must name the same company.
//
// The error is an [*envconf.Error] that also matches [ErrInvalidConfig]:
// every missing or invalid variable, named with its value (never the
// password's), in the apps' words ("ABRAFLEXI_LOGIN is required but not
// set").
func ConfigFromLookup(lookup envconf.Lookup) (Config, error) {
	env := envconf.New(lookup)
	cfg := Config{
		URL:                env.Required(EnvURL),
		Login:              env.Required(EnvLogin),
		Company:            env.String(EnvCompany, ""),
		InsecureSkipVerify: env.Bool(EnvInsecure, false),
	}
	cfg.Password, _ = env.Lookup(EnvPassword)
	if cfg.Password == "" {
		env.Errorf("%s is required but not set", EnvPassword)
	}
	if cfg.Company == "" && CompanyFromURL(cfg.URL) == "" {
		env.Errorf("%s is required but not set", EnvCompany)
	}
	norm, problems := cfg.normalizedProblems(envNames)
	for _, p := range problems {
		env.Errorf("%s", p) // a variable already reported keeps its first problem
	}
	if err := env.Err(); err != nil {
		return cfg, envconf.WithKind(err, ErrInvalidConfig)
	}
	return norm, nil
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
