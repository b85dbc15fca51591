package appkit

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"

	"github.com/joho/godotenv"
)

// envName is the syntax of a variable name that the environment can carry.
var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// LoadDotenv reads and parses the .env file at path. See [ParseDotenv] for
// the syntax. An error opening the file is returned as is (so
// errors.Is(err, fs.ErrNotExist) works).
func LoadDotenv(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ParseDotenv(path, f)
}

// ParseDotenv parses .env syntax from r with github.com/joho/godotenv; name
// is used in error messages.
//
// The syntax is godotenv's: KEY=VALUE lines, optionally prefixed with
// "export "; # starts a comment line, and " #" an inline comment after an
// unquoted value; single-quoted values are literal; double-quoted values
// know \n and \r and, like unquoted values, expand ${NAME} and $NAME from
// the variables defined earlier in the same file (so write a password with
// a $ in single quotes). A later definition of the same key wins. A UTF-8
// byte order mark is ignored, and every name must be a valid environment
// variable name (letters, digits, _), which godotenv alone does not check.
// Whether the environment wins over the file is decided by [Env], not
// here.
func ParseDotenv(name string, r io.Reader) (map[string]string, error) {
	src, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	src = bytes.TrimPrefix(src, []byte("\uFEFF"))
	vars, err := godotenv.UnmarshalBytes(src)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	var bad []string
	for k := range vars {
		if !envName.MatchString(k) {
			bad = append(bad, fmt.Sprintf("%q", k))
		}
	}
	if len(bad) > 0 {
		slices.Sort(bad)
		return nil, fmt.Errorf("%s: invalid variable name %s", name, strings.Join(bad, ", "))
	}
	return vars, nil
}
