package appkit

import (
	"strconv"
	"strings"

	"github.com/spoje-net/isptools/abraflexi"
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
// ABRAFLEXI_COMPANY counts as set when ABRAFLEXI_URL ends in /c/<company>
// ([abraflexi.CompanyFromURL]): the URL names the company then.
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
			case v.Required && !suppliedElsewhere(env, v.Name):
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

// suppliedElsewhere reports whether a required variable left empty is
// given by another: ABRAFLEXI_COMPANY by an ABRAFLEXI_URL ending in
// /c/<company>.
func suppliedElsewhere(env *Env, name string) bool {
	return name == abraflexi.EnvCompany && abraflexi.CompanyFromURL(env.String(abraflexi.EnvURL, "")) != ""
}
