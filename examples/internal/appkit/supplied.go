package appkit

import (
	"slices"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/examples/multiflexi"
)

// withoutSupplied returns def without the requirement of the variables
// another one supplies: ABRAFLEXI_COMPANY when ABRAFLEXI_URL ends in
// /c/<company>. def itself is not changed.
func withoutSupplied(env *Env, def *multiflexi.Definition) *multiflexi.Definition {
	if def == nil || abraflexi.CompanyFromURL(env.String(abraflexi.EnvURL, "")) == "" {
		return def
	}
	cp := *def
	cp.Environment = slices.Clone(def.Environment)
	for i := range cp.Environment {
		if cp.Environment[i].Name == abraflexi.EnvCompany {
			cp.Environment[i].Required = false
		}
	}
	return &cp
}
