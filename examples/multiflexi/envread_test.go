package multiflexi_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/constant"
	"go/importer"
	"go/parser"
	"go/token"
	gotypes "go/types"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/spoje-net/isptools/examples/multiflexi"
	"github.com/spoje-net/isptools/notify"
)

// This file proves mechanically that every MultiFlexi definition lists
// exactly the environment variables its app reads. It type-checks every
// package of the module from source (the standard library and other
// modules come from the compiler's export data, via go list -export),
// walks the functions reachable from each app's main, through
// examples/internal and into the SDK's readers (dunning.*FromLookup,
// payments.ConfigFromLookup, notify.ConfigFromLookup,
// backendenv.FromLookup, …), and collects
//
//   - the constant names passed to the getters of envconf.Env, which is
//     appkit.Env (String, StringOrEmpty, Required, Bool, Int, Enum,
//     Duration, Lookup), with the getter and its constant default, and
//   - for a function outside the module that receives an Env's Lookup
//     method as a value, the Env* string constants of that function's
//     package: the names it reads through the lookup.
//
// A function is reachable when a reachable function refers to it (a call
// or a function value such as the body passed to appkit.Main).

const (
	module      = "github.com/spoje-net/isptools"
	envconfPath = module + "/envconf"
)

// dynamicNames are the functions that read variables named by data
// rather than by constants, with the reason; the walk does not look into
// them.
var dynamicNames = map[string]string{
	module + "/examples/internal/appkit.CheckDefinition": "checks the variables its definition names; the definition test reads the definitions",
}

// envGetters are the methods of envconf.Env (appkit.Env) that read a
// variable named by their first argument.
var envGetters = []string{"String", "StringOrEmpty", "Required", "Bool", "Int", "Enum", "Duration", "Lookup"}

// readVar is one variable an app reads.
type readVar struct {
	// getter is the appkit.Env method, or "lookup:<package>" for a
	// variable read by a library through Env.Lookup.
	getter string
	// def is the constant default argument of String, Bool, Int, Enum and
	// Duration, nil when there is none or it is not constant.
	def constant.Value
}

// definitionExceptions are the variables a definition may declare although
// the app never reads them, with the reason. Keep it empty unless
// MultiFlexi itself needs a variable.
var definitionExceptions = map[string]string{}

type listedPackage struct {
	ImportPath string
	Dir        string
	GoFiles    []string
	Export     string
	Standard   bool
}

// analysis is the type-checked source of the module's example packages.
type analysis struct {
	fset  *token.FileSet
	funcs map[string]*funcSrc // by gotypes.Func.FullName
}

type funcSrc struct {
	decl *ast.FuncDecl
	info *gotypes.Info
}

var (
	analysisOnce sync.Once
	analysed     *analysis
	analysisErr  error
)

// appPackages are the import paths of the apps of the definitions.
func appPackages() []string {
	var out []string
	for _, a := range apps {
		out = append(out, module+"/examples/"+a.executable)
	}
	slices.Sort(out)
	return out
}

func loadAnalysis(t *testing.T) *analysis {
	t.Helper()
	if testing.Short() {
		t.Skip("type-checking the apps is skipped in -short mode")
	}
	analysisOnce.Do(func() { analysed, analysisErr = analyse(appPackages()) })
	if analysisErr != nil {
		t.Fatal(analysisErr)
	}
	return analysed
}

func analyse(roots []string) (*analysis, error) {
	args := append([]string{"list", "-deps", "-export", "-json=ImportPath,Dir,GoFiles,Export,Standard"}, roots...)
	cmd := exec.Command("go", args...)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list: %w", err)
	}
	var pkgs []listedPackage
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p listedPackage
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, err
		}
		pkgs = append(pkgs, p)
	}
	exports := map[string]string{}
	for _, p := range pkgs {
		exports[p.ImportPath] = p.Export
	}
	a := &analysis{fset: token.NewFileSet(), funcs: map[string]*funcSrc{}}
	imp := importer.ForCompiler(a.fset, "gc", func(path string) (io.ReadCloser, error) {
		f, ok := exports[path]
		if !ok || f == "" {
			return nil, fmt.Errorf("no export data for %s", path)
		}
		return os.Open(f)
	})
	for _, p := range pkgs {
		if p.Standard || (p.ImportPath != module && !strings.HasPrefix(p.ImportPath, module+"/")) {
			continue
		}
		var files []*ast.File
		for _, name := range p.GoFiles {
			f, err := parser.ParseFile(a.fset, filepath.Join(p.Dir, name), nil, parser.SkipObjectResolution)
			if err != nil {
				return nil, err
			}
			files = append(files, f)
		}
		info := &gotypes.Info{Types: map[ast.Expr]gotypes.TypeAndValue{}, Defs: map[*ast.Ident]gotypes.Object{}, Uses: map[*ast.Ident]gotypes.Object{}}
		conf := gotypes.Config{Importer: imp}
		if _, err := conf.Check(p.ImportPath, a.fset, files, info); err != nil {
			return nil, fmt.Errorf("type-checking %s: %w", p.ImportPath, err)
		}
		for _, f := range files {
			for _, d := range f.Decls {
				if fd, ok := d.(*ast.FuncDecl); ok && fd.Body != nil {
					if fn, ok := info.Defs[fd.Name].(*gotypes.Func); ok {
						a.funcs[fn.FullName()] = &funcSrc{decl: fd, info: info}
					}
				}
			}
		}
	}
	return a, nil
}

// envGetter returns the getter name when fn is one of envGetters.
func envGetter(fn *gotypes.Func) (string, bool) {
	for _, g := range envGetters {
		if fn.FullName() == "(*"+envconfPath+".Env)."+g {
			return g, true
		}
	}
	return "", false
}

// reads returns the variables the app in pkgPath reads.
func (a *analysis) reads(t *testing.T, pkgPath string) map[string]readVar {
	t.Helper()
	return a.readsFrom(t, pkgPath+".main")
}

// readsFrom returns the variables the functions roots (full names such as
// github.com/spoje-net/isptools/dunning.MarkPolicyFromLookup) and every
// function they reach read.
func (a *analysis) readsFrom(t *testing.T, roots ...string) map[string]readVar {
	t.Helper()
	out := map[string]readVar{}
	seen := map[string]bool{}
	var queue []string
	for _, root := range roots {
		if _, ok := a.funcs[root]; !ok {
			t.Fatalf("no function %s in the module", root)
		}
		seen[root] = true
		queue = append(queue, root)
	}
	for len(queue) > 0 {
		name := queue[0]
		src := a.funcs[name]
		queue = queue[1:]
		if strings.HasPrefix(name, "(*"+envconfPath+".Env).") || dynamicNames[name] != "" {
			continue // the getters themselves (their callers name the variables), or a reader of data-named variables
		}
		ast.Inspect(src.decl.Body, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.Ident:
				if fn, ok := src.info.Uses[n].(*gotypes.Func); ok {
					name := fn.FullName()
					if _, have := a.funcs[name]; have && !seen[name] {
						seen[name] = true
						queue = append(queue, name)
					}
				}
			case *ast.CallExpr:
				a.call(t, src.info, n, out)
			}
			return true
		})
	}
	return out
}

// call records the variables one call reads.
func (a *analysis) call(t *testing.T, info *gotypes.Info, call *ast.CallExpr, out map[string]readVar) {
	fn := callee(info, call.Fun)
	if fn == nil {
		return
	}
	if g, ok := envGetter(fn); ok {
		tv := info.Types[call.Args[0]]
		if tv.Value == nil || tv.Value.Kind() != constant.String {
			t.Errorf("%s: envconf.Env.%s with a non-constant name; the check needs constant names", a.fset.Position(call.Pos()), g)
			return
		}
		v := readVar{getter: g}
		if len(call.Args) > 1 && g != "Required" && g != "Lookup" {
			v.def = info.Types[call.Args[1]].Value
		}
		out[constant.StringVal(tv.Value)] = v
		return
	}
	// A function outside the module receiving env.Lookup reads its
	// package's Env* names; the module's own functions are walked.
	if _, walked := a.funcs[fn.FullName()]; walked {
		return
	}
	for _, arg := range call.Args {
		if m := callee(info, arg); m != nil {
			if g, ok := envGetter(m); ok && g == "Lookup" {
				scope := fn.Pkg().Scope()
				for _, name := range scope.Names() {
					c, ok := scope.Lookup(name).(*gotypes.Const)
					if ok && c.Exported() && strings.HasPrefix(name, "Env") && c.Val().Kind() == constant.String {
						out[constant.StringVal(c.Val())] = readVar{getter: "lookup:" + fn.Pkg().Path()}
					}
				}
			}
		}
	}
}

// callee returns the function or method e refers to, or nil.
func callee(info *gotypes.Info, e ast.Expr) *gotypes.Func {
	for {
		p, ok := e.(*ast.ParenExpr)
		if !ok {
			break
		}
		e = p.X
	}
	var id *ast.Ident
	switch e := e.(type) {
	case *ast.Ident:
		id = e
	case *ast.SelectorExpr:
		id = e.Sel
	default:
		return nil
	}
	fn, _ := info.Uses[id].(*gotypes.Func)
	return fn
}

func readDefinitions(t *testing.T) map[string]map[string]multiflexi.Variable {
	t.Helper()
	out := map[string]map[string]multiflexi.Variable{}
	for file := range apps {
		env := map[string]multiflexi.Variable{}
		for _, v := range definitionFile(t, file).Environment {
			env[v.Name] = v
		}
		out[file] = env
	}
	return out
}

// TestDefinitionsListEveryVariableTheAppReads checks, for every app, that
// its definition declares every variable the code reads and nothing else,
// that variables read with Required are required, that Bool and Int
// variables have the types bool and integer, and that a non-empty constant
// default in the code is the definition's binary default (x-default, else
// defval).
func TestDefinitionsListEveryVariableTheAppReads(t *testing.T) {
	a := loadAnalysis(t)
	defs := readDefinitions(t)
	for file, app := range apps {
		t.Run(app.executable, func(t *testing.T) {
			reads := a.reads(t, module+"/examples/"+app.executable)
			env := defs[file]
			for _, name := range slices.Sorted(maps.Keys(reads)) {
				if _, ok := env[name]; !ok {
					t.Errorf("%s reads %s (%s) but %s does not declare it", app.executable, name, reads[name].getter, file)
				}
			}
			for _, name := range slices.Sorted(maps.Keys(env)) {
				if _, ok := reads[name]; !ok && definitionExceptions[name] == "" {
					t.Errorf("%s declares %s but %s never reads it", file, name, app.executable)
				}
			}
			for name, r := range reads {
				d, ok := env[name]
				if !ok {
					continue
				}
				checkDefinition(t, name, r, d)
			}
		})
	}
}

func checkDefinition(t *testing.T, name string, r readVar, d multiflexi.Variable) {
	t.Helper()
	switch r.getter {
	case "Required":
		if !d.Required {
			t.Errorf("%s is required by the code but required is false", name)
		}
	case "Bool":
		if d.Type != "bool" {
			t.Errorf("%s is a boolean but has type %s", name, d.Type)
		}
	case "Int":
		if d.Type != "integer" {
			t.Errorf("%s is an integer but has type %s", name, d.Type)
		}
	}
	if r.def == nil {
		return
	}
	var code string
	switch r.def.Kind() {
	case constant.String:
		code = constant.StringVal(r.def)
		if code == "" && r.getter != "StringOrEmpty" {
			return // "" is "no default" for String; the app may default later
		}
	case constant.Bool:
		code = fmt.Sprint(constant.BoolVal(r.def))
	case constant.Int:
		n, _ := constant.Int64Val(r.def)
		code = fmt.Sprint(n)
	default:
		return
	}
	if bin := d.BinaryDefault(); bin != code {
		t.Errorf("%s: the definition's binary default (x-default, else defval) is %q, the code's default is %q", name, bin, code)
	}
}

// TestNotifyDefaults checks the definitions of the variables the notify
// package reads (through Env.Lookup, so the code analysis sees no
// defaults) against notify.DefaultConfig.
func TestNotifyDefaults(t *testing.T) {
	cfg := notify.DefaultConfig()
	want := map[string]any{
		notify.EnvLang:                  cfg.Lang,
		notify.EnvTemplateDir:           "",
		notify.EnvMute:                  false,
		notify.EnvTransport:             cfg.Transport,
		notify.EnvSMTPHost:              "",
		notify.EnvSMTPPort:              "", // 0: the port of the TLS mode
		notify.EnvSMTPUsername:          "",
		notify.EnvSMTPPassword:          "",
		notify.EnvSMTPTLS:               cfg.SMTP.TLS,
		notify.EnvSMTPAuth:              cfg.SMTP.Auth,
		notify.EnvSMTPTimeout:           fmt.Sprint(cfg.SMTP.Timeout.Seconds()), // seconds or a Go duration: a string
		notify.EnvSendmailPath:          cfg.SendmailPath,
		notify.EnvLabelConfirmed:        cfg.Labels.Full,
		notify.EnvLabelConfirmedPartial: cfg.Labels.Partial,
		notify.EnvLabelNotified:         cfg.Labels.Notified,
		notify.EnvHomeCurrency:          cfg.HomeCurrency,
		notify.EnvFrom:                  "",
	}
	n := 0
	for file, env := range readDefinitions(t) {
		if _, ok := env[notify.EnvFrom]; !ok {
			continue
		}
		n++
		for name, def := range want {
			d, ok := env[name]
			if !ok {
				t.Errorf("%s lacks %s", file, name)
				continue
			}
			if d.Defval != def {
				t.Errorf("%s: %s defval %#v, notify's default is %#v", file, name, d.Defval, def)
			}
		}
		// Required by notify; blocknet and unblocknet read the mail
		// configuration only with their notices on.
		if from := env[notify.EnvFrom]; !from.Required && from.RequiredWhen == "" {
			t.Errorf("%s: %s is required by notify", file, notify.EnvFrom)
		}
	}
	if n != 5 {
		t.Errorf("%d definitions with %s, want 5 (confirm, notice, bridge, blocknet, unblocknet)", n, notify.EnvFrom)
	}
}
