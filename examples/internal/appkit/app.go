package appkit

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/spoje-net/isptools/examples/multiflexi"
)

// RunFunc is the body of an app. It reads its configuration from env,
// checks [Env.Err] before doing work, logs to log and returns the report.
// Returning a non-nil error makes the run fail (exit 1, status error);
// the report returned with it, if any, is kept. Returning a report with
// ExitCode 2 is how the Pipeline B matcher signals "unmatched".
type RunFunc func(ctx context.Context, env *Env, log *slog.Logger) (*Report, error)

// App is one command-line app. Only Name and Body are required; the other
// fields are defaults and test hooks.
type App struct {
	// Name is the binary name: report producer, syslog tag and usage name.
	Name string
	// Body is the app's work.
	Body RunFunc
	// Definition is the app's MultiFlexi definition: the source of the
	// -h text and of the configuration check before Body
	// ([CheckDefinition]). [Main] looks it up by Name; nil means a generic
	// help and no check.
	Definition *multiflexi.Definition
	// DefaultResultFile is the RESULT_FILE default; empty means
	// php://stdout (the default of every PHP isp-tools app).
	DefaultResultFile string
	// DefaultEnvFile is the .env file loaded when -e is not given and the
	// file exists; empty means ".env" in the working directory.
	DefaultEnvFile string

	// LookupEnv reads the process environment; nil means os.LookupEnv.
	LookupEnv func(string) (string, bool)
	// DialSyslog opens syslog; nil means [DialSyslog].
	DialSyslog func(tag string) (SyslogWriter, error)
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// BuildInfo reads the build information for -version; nil means
	// debug.ReadBuildInfo.
	BuildInfo func() (*debug.BuildInfo, bool)
}

// Main runs an app called name with body and exits the process; see
// [App.Main].
//
// The app's MultiFlexi definition is the one whose executable is name; an
// app without one (a test) gets the generic help.
func Main(name string, body RunFunc) {
	def, _ := multiflexi.Lookup(name)
	(&App{Name: name, Body: body, Definition: def}).Main()
}

// Main runs the app with the process arguments and standard streams, with
// a context that is cancelled on SIGINT or SIGTERM, and exits with the
// code returned by [App.Run].
func (a *App) Main() {
	if a.Name == "" {
		a.Name = filepath.Base(os.Args[0])
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := a.Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Run is the testable core of [App.Main]. args are the arguments without
// the program name. It returns the exit code, which is 2 only when the body
// returned a report with ExitCode 2:
//
//   - -h/--help: the help ([WriteHelp]) on stdout, 0.
//   - a flag error or a stray argument: the error, the usage line and a
//     pointer to -h on stderr, 1.
//   - -version: the version line ([VersionString]) on stdout, 0.
//
// Otherwise it loads the .env file (-e/--environment, else DefaultEnvFile
// when present), builds the logger from EASE_LOGGER and APP_DEBUG, and
// checks the configuration before Body can change anything: the
// variables of the definition ([CheckDefinition]) and the report
// destination -o/--output, else RESULT_FILE, else DefaultResultFile
// ([CheckDestination]; an unusable one is a RESULT_FILE problem and the
// report goes to stdout instead). Then it runs Body, which reads the rest
// of its configuration and must stop at [Env.Err] before any I/O. When
// the configuration has problems, the run fails with the [ConfigError]
// (every problem once; it replaces Body's message and error, which only
// follow from it). A panic of Body is recovered. Finally it finalizes the
// report ([Report.Finalize]), logs its decisions ([Report.LogDecisions])
// and writes it ([Emit]; when that fails, the report also goes to
// stdout). Any error makes it return 1.
func (a *App) Run(ctx context.Context, args []string, stdout, stderr io.Writer) (code int) {
	defer func() {
		if p := recover(); p != nil {
			fmt.Fprintf(stderr, "%s: internal error: %v\n%s", a.Name, p, debug.Stack())
			code = ExitError
		}
	}()

	flags := flag.NewFlagSet(a.Name, flag.ContinueOnError)
	flags.SetOutput(io.Discard)
	var envFile, output string
	var showVersion bool
	flags.StringVar(&envFile, "e", "", "")
	flags.StringVar(&envFile, "environment", "", "")
	flags.StringVar(&output, "o", "", "")
	flags.StringVar(&output, "output", "", "")
	flags.BoolVar(&showVersion, "version", false, "")
	if err := flags.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			if err := WriteHelp(stdout, a.Name, a.Definition); err != nil {
				return ExitError
			}
			return ExitOK
		}
		a.usageError(stderr, err.Error())
		return ExitError
	}
	if flags.NArg() > 0 {
		a.usageError(stderr, fmt.Sprintf("unexpected argument %q", flags.Arg(0)))
		return ExitError
	}
	set := map[string]bool{}
	flags.Visit(func(f *flag.Flag) { set[f.Name] = true })

	if showVersion {
		info, ok := a.buildInfo()
		fmt.Fprintln(stdout, VersionString(a.Name, info, ok))
		return ExitOK
	}

	// Configuration.
	var fileVars map[string]string
	var dotenvErr error
	switch {
	case set["e"] || set["environment"]:
		fileVars, dotenvErr = LoadDotenv(envFile)
	default:
		path := a.DefaultEnvFile
		if path == "" {
			path = ".env"
		}
		fileVars, dotenvErr = LoadDotenv(path)
		if errors.Is(dotenvErr, fs.ErrNotExist) {
			dotenvErr = nil
		}
	}
	lookup := a.LookupEnv
	if lookup == nil {
		lookup = os.LookupEnv
		// Export the file's variables that the environment does not set, so
		// the libraries' ConfigFromEnv functions see them too.
		for k, v := range fileVars {
			if _, ok := os.LookupEnv(k); !ok {
				_ = os.Setenv(k, v)
			}
		}
	}
	env := NewEnv(lookup, fileVars)
	if dotenvErr != nil {
		env.Errorf("environment file: %v", dotenvErr)
	}
	dest, fromFlag := output, true
	if !(set["o"] || set["output"]) || dest == "" {
		def := a.DefaultResultFile
		if def == "" {
			def = DestStdout
		}
		dest, fromFlag = env.String("RESULT_FILE", def), false
	}
	if err := CheckDestination(dest); err != nil {
		via := ""
		if fromFlag {
			via = " (from -o)"
		}
		env.Errorf("RESULT_FILE=%s%s: the report cannot be written there: %v; it goes to stdout instead", quoteValue(dest), via, err)
		dest = DestStdout
	}
	CheckDefinition(env, a.Definition)

	logger, closeLog := NewLogger(LogConfig{
		Tag:        a.Name,
		Loggers:    env.String("EASE_LOGGER", ""),
		Debug:      env.Bool("APP_DEBUG", false),
		Stderr:     stderr,
		DialSyslog: a.DialSyslog,
	})
	defer closeLog()

	// Work. Body runs even when the configuration already has problems,
	// so that it adds its own; it stops at env.Err before any I/O.
	logger.Debug("starting", "app", a.Name, "report", dest)
	report, runErr := a.call(ctx, env, logger)
	if report == nil {
		report = &Report{}
	}
	if cerr := env.Err(); cerr != nil {
		logConfigError(logger, cerr)
		if runErr != nil && !isConfigError(runErr) {
			logger.Debug("error following from the configuration", "error", runErr)
		}
		runErr = cerr
		report.Message = ""
	}
	code = report.Finalize(a.Name, a.now(), runErr)
	report.LogDecisions(ctx, logger)
	if err := Emit(ctx, logger, dest, report, stdout, stderr); err != nil {
		return ExitError
	}
	return code
}

// usageError prints a flag error, the usage line and a pointer to -h.
func (a *App) usageError(stderr io.Writer, msg string) {
	fmt.Fprintf(stderr, "%s: %s\n%s\nRun '%s -h' for the options, variables and exit codes.\n", a.Name, msg, usageLine(a.Name), a.Name)
}

// logConfigError logs every problem of a configuration error, one line
// each.
func logConfigError(log *slog.Logger, err error) {
	var ce *ConfigError
	if !errors.As(err, &ce) {
		log.Error("configuration error", "error", err.Error())
		return
	}
	for _, p := range ce.Problems {
		log.Error("configuration error", "error", p)
	}
}

func isConfigError(err error) bool {
	var ce *ConfigError
	return errors.As(err, &ce)
}

// call runs Body, turning a panic into an error.
func (a *App) call(ctx context.Context, env *Env, log *slog.Logger) (r *Report, err error) {
	defer func() {
		if p := recover(); p != nil {
			log.Error("panic recovered", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			r, err = nil, fmt.Errorf("panic: %v", p)
		}
	}()
	if a.Body == nil {
		return nil, errors.New("appkit: App.Body is nil")
	}
	return a.Body(ctx, env, log)
}

func (a *App) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

func (a *App) buildInfo() (*debug.BuildInfo, bool) {
	if a.BuildInfo != nil {
		return a.BuildInfo()
	}
	return debug.ReadBuildInfo()
}
