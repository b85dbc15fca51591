package appkit

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spoje-net/isptools/envconf"
	"github.com/spoje-net/isptools/examples/multiflexi"
)

// CheckDefinition records in env every configuration problem that the
// app's MultiFlexi definition def reveals before the app reads anything,
// so that a run with a bad configuration names every bad variable at once
// (together with those the app's own getters find):
//
//   - a required variable that is unset or empty: "NAME is required but
//     not set";
//   - a variable required when another has a value (x-required-when
//     NAME=value, the other variable's default counting): "NAME is
//     required when OTHER=value";
//   - a bool or integer variable whose value does not parse, with the
//     getters' texts ([Env.Bool], [Env.Int]).
//
// [App.Run] calls it before the app's body; a nil def checks nothing.
func CheckDefinition(env *Env, def *multiflexi.Definition) {
	if def == nil {
		return
	}
	for _, v := range def.Environment {
		val := env.String(v.Name, "")
		if val == "" {
			switch {
			case v.Required:
				env.Errorf("%s is required but not set", v.Name)
			case v.RequiredWhen != "":
				other, want, _ := v.Condition()
				got := env.String(other, "")
				if got == "" {
					if o, ok := def.Variable(other); ok {
						got = o.BinaryDefault()
					}
				}
				if strings.EqualFold(got, want) {
					env.Errorf("%s is required when %s=%s", v.Name, other, want)
				}
			}
			continue
		}
		switch v.Type {
		case "bool":
			if _, ok := ParseBool(val); !ok {
				env.Errorf("%s=%s: %s", v.Name, quoteValue(val), envconf.NotABool)
			}
		case "integer":
			if _, err := strconv.Atoi(val); err != nil {
				env.Errorf("%s=%s: not an integer", v.Name, quoteValue(val))
			}
		}
	}
}

// CheckDestination reports whether the JSON report can be written to dest
// (a RESULT_FILE or -o value), without creating or changing dest: the
// standard streams always can; another "scheme://" cannot; a path needs
// an existing directory in which a file can be created (checked by
// creating and removing a temporary file there, as [WriteReport] does)
// and must not be a directory itself. Apps call it through [App.Run]
// before they change anything, so a report that could not be written
// never follows a run that changed the network.
func CheckDestination(dest string) error {
	switch dest {
	case DestStdout, DestStderr, "php://output", "-":
		return nil
	case "":
		return errors.New("empty report destination")
	}
	if strings.Contains(dest, "://") {
		return errors.New("unsupported destination (a file path, php://stdout or php://stderr)")
	}
	if st, err := os.Stat(dest); err == nil && st.IsDir() {
		return errors.New("is a directory")
	}
	dir, base := filepath.Dir(dest), filepath.Base(dest)
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("directory %s does not exist", dir)
	case err != nil:
		return err
	case !st.IsDir():
		return fmt.Errorf("%s is not a directory", dir)
	}
	f, err := os.CreateTemp(dir, "."+base+".check-*")
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("cannot create files in %s: %w", dir, err)
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}
