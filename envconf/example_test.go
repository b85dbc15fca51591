package envconf_test

import (
	"errors"
	"fmt"

	"github.com/spoje-net/isptools/envconf"
)

// A service reads its own variables the way the isptools apps read
// theirs: every problem at once, named with its value, secrets masked.
func Example() {
	vars := map[string]string{"MAX_BLOCKS": "ten", "DRY_RUN": "yes", "SVNPASS": "hunter2"}
	env := envconf.New(func(name string) (string, bool) { v, ok := vars[name]; return v, ok })

	limit := env.Int("MAX_BLOCKS", 100, 0)
	dryRun := env.Bool("DRY_RUN", false)
	env.Required("ABRAFLEXI_LOGIN")
	env.Errorf("SVNPASS=%q: contains no digit", "hunter2")
	fmt.Println(limit, dryRun)
	fmt.Println(env.Err())
	// Output:
	// 100 true
	// invalid configuration: MAX_BLOCKS="ten": not an integer; ABRAFLEXI_LOGIN is required but not set; SVNPASS=REDACTED: contains no digit
}

// Join merges the errors of several readers into the one line an app
// would print.
func ExampleJoin() {
	a := envconf.New(func(string) (string, bool) { return "", false })
	a.Required("ABRAFLEXI_URL")
	b := envconf.New(func(string) (string, bool) { return "", false })
	b.Required("ABRAFLEXI_URL")
	b.Required("SVNURL")
	err := envconf.Join(a.Err(), nil, b.Err())
	fmt.Println(err)
	fmt.Println(errors.Is(err, envconf.ErrInvalid))
	// Output:
	// invalid configuration: ABRAFLEXI_URL is required but not set; SVNURL is required but not set
	// true
}

// Only shows a reader of a whole configuration just a part of it.
func ExampleOnly() {
	vars := map[string]string{"MAX_BLOCKS": "ten", "CUT_DAYS": "workdays"}
	lookup := func(name string) (string, bool) { v, ok := vars[name]; return v, ok }
	env := envconf.New(envconf.Only(lookup, "CUT_DAYS"))
	fmt.Println(env.Int("MAX_BLOCKS", 100, 0), env.String("CUT_DAYS", "any"), env.Err())
	// Output: 100 workdays <nil>
}

// Record collects the error of another reader into an Env, as the apps
// collect the SDK readers' errors into their configuration check.
func ExampleEnv_Record() {
	env := envconf.New(func(string) (string, bool) { return "", false })
	env.Required("DOCUMENTID")
	other := envconf.New(func(name string) (string, bool) { return "x", name == "MAX_BLOCKS" })
	other.Int("MAX_BLOCKS", 100, 0)
	env.Record(other.Err())
	env.Record(errors.New("notify: invalid configuration: EASE_FROM is required but not set"))
	fmt.Println(env.Err())
	// Output: invalid configuration: DOCUMENTID is required but not set; MAX_BLOCKS="x": not an integer; EASE_FROM is required but not set
}

// A package's reader keeps its own sentinel with WithKind.
func ExampleWithKind() {
	errInvalid := errors.New("mypkg: invalid configuration")
	env := envconf.New(func(string) (string, bool) { return "", false })
	env.Required("MYPKG_URL")
	err := envconf.WithKind(env.Err(), errInvalid)
	fmt.Println(err, errors.Is(err, errInvalid), errors.Is(err, envconf.ErrInvalid))
	// Output: invalid configuration: MYPKG_URL is required but not set true true
}
