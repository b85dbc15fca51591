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
	"strings"
	"syscall"
	"time"
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
func Main(name string, body RunFunc) {
	(&App{Name: name, Body: body}).Main()
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
//   - -h/--help: usage on stderr, 0.
//   - a flag error or a stray argument: the error and usage on stderr, 1.
//   - -version: the version line on stdout, 0.
//
// Otherwise it loads the .env file (-e/--environment, else DefaultEnvFile
// when present), builds the logger from EASE_LOGGER and APP_DEBUG, runs
// Body (unless the configuration is already invalid), recovers a panic of
// Body, finalizes the report ([Report.Finalize]), logs its decisions
// ([Report.LogDecisions]), writes it to -o/--output,
// else RESULT_FILE, else DefaultResultFile, and logs a one-line summary
// ([Emit]). Any error makes it return 1.
func (a *App) Run(ctx context.Context, args []string, stdout, stderr io.Writer) (code int) {
	defer func() {
		if p := recover(); p != nil {
			fmt.Fprintf(stderr, "%s: internal error: %v\n%s", a.Name, p, debug.Stack())
			code = ExitError
		}
	}()

	flags := flag.NewFlagSet(a.Name, flag.ContinueOnError)
	flags.SetOutput(stderr)
	var envFile, output string
	var showVersion bool
	flags.StringVar(&envFile, "e", "", "load environment variables from `FILE` (variables already set win)")
	flags.StringVar(&envFile, "environment", "", "same as -e")
	flags.StringVar(&output, "o", "", "write the JSON report to `FILE` (overrides RESULT_FILE; php://stdout and php://stderr are the standard streams)")
	flags.StringVar(&output, "output", "", "same as -o")
	flags.BoolVar(&showVersion, "version", false, "print the version and exit")
	flags.Usage = func() {
		fmt.Fprintf(flags.Output(), "Usage: %s [-e|--environment FILE] [-o|--output FILE] [-version]\n\n", a.Name)
		fmt.Fprintf(flags.Output(), "Configuration is read from environment variables (see the app's MultiFlexi definition).\n\n")
		flags.PrintDefaults()
	}
	if err := flags.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return ExitOK
		}
		return ExitError // flag has printed the error and the usage
	}
	if flags.NArg() > 0 {
		fmt.Fprintf(stderr, "%s: unexpected argument %q\n", a.Name, flags.Arg(0))
		flags.Usage()
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
	dest := output
	if !(set["o"] || set["output"]) || dest == "" {
		def := a.DefaultResultFile
		if def == "" {
			def = DestStdout
		}
		dest = env.String("RESULT_FILE", def)
	}

	logger, closeLog := NewLogger(LogConfig{
		Tag:        a.Name,
		Loggers:    env.String("EASE_LOGGER", ""),
		Debug:      env.Bool("APP_DEBUG", false),
		Stderr:     stderr,
		DialSyslog: a.DialSyslog,
	})
	defer closeLog()

	// Work.
	var report *Report
	runErr := configError(logger, env)
	if runErr == nil {
		logger.Debug("starting", "app", a.Name, "report", dest)
		report, runErr = a.call(ctx, env, logger)
		if runErr == nil {
			runErr = configError(logger, env)
		}
	}
	if report == nil {
		report = &Report{}
	}
	code = report.Finalize(a.Name, a.now(), runErr)
	report.LogDecisions(ctx, logger)
	if err := Emit(ctx, logger, dest, report, stdout, stderr); err != nil {
		return ExitError
	}
	return code
}

// configError logs every configuration error of env and returns one error
// summarising them, or nil.
func configError(log *slog.Logger, env *Env) error {
	err := env.Err()
	if err == nil {
		return nil
	}
	lines := strings.Split(err.Error(), "\n")
	for _, l := range lines {
		log.Error("configuration error", "error", l)
	}
	return fmt.Errorf("invalid configuration: %s", strings.Join(lines, "; "))
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

// VersionString formats the -version line: the app name, the main module
// path and version, and the vcs revision (with "+dirty" when modified) and
// time when the binary was built from a version-controlled checkout.
func VersionString(name string, info *debug.BuildInfo, ok bool) string {
	if !ok || info == nil {
		return name + " (version unknown: no build information)"
	}
	version := info.Main.Version
	if version == "" {
		version = "(devel)"
	}
	var rev, vcsTime string
	var modified bool
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			vcsTime = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	line := fmt.Sprintf("%s %s %s", name, info.Main.Path, version)
	if rev != "" {
		if modified {
			rev += "+dirty"
		}
		line += " commit " + rev
		if vcsTime != "" {
			line += " (" + vcsTime + ")"
		}
	}
	if info.GoVersion != "" {
		line += " " + info.GoVersion
	}
	return line
}

// Emit writes r to dest with [WriteReport] and logs the one-line summary
// (the message with status, exit code and destination) at info, warn or
// error level according to the status. A write failure is logged and
// returned.
func Emit(ctx context.Context, log *slog.Logger, dest string, r *Report, stdout, stderr io.Writer) error {
	if err := WriteReport(dest, r, stdout, stderr); err != nil {
		log.Error("writing the report failed", "report", dest, "error", err)
		return err
	}
	level := slog.LevelInfo
	switch r.Status {
	case StatusWarning:
		level = slog.LevelWarn
	case StatusError:
		level = slog.LevelError
	}
	log.Log(ctx, level, r.Message, "status", string(r.Status), "exitcode", r.ExitCode, "report", dest)
	return nil
}
