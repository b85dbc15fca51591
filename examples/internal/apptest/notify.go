package apptest

import (
	"path/filepath"
	"sync"
	"testing"

	"github.com/spoje-net/isptools/abraflexi/abraflexitest"
	"github.com/spoje-net/isptools/notify/notifytest"
)

// NotifyWorld is the fixture of the apps that send notifications: an
// AbraFlexi test server, an SMTP test server requiring the login mailer /
// s3cret, and the environment pointing the app at both, with EASE_FROM
// set to Účtárna Spoje.Net <uctarna@example.cz>.
type NotifyWorld struct {
	// App is the binary name of the app under test ([Binary]).
	App  string
	AF   *abraflexitest.Server
	SMTP *notifytest.Server
	Env  []string
}

// NewNotifyWorld starts the servers of a [NotifyWorld] for the app under
// test named app; smtpOpts are added to the SMTP server's options.
func NewNotifyWorld(t *testing.T, app string, smtpOpts ...notifytest.Option) *NotifyWorld {
	t.Helper()
	af := abraflexitest.NewServer(t)
	srv := notifytest.NewServer(t, append([]notifytest.Option{notifytest.WithAuth("mailer", "s3cret")}, smtpOpts...)...)
	env := append(append(AbraFlexiEnv(af), "EASE_FROM=Účtárna Spoje.Net <uctarna@example.cz>"), srv.Env()...)
	return &NotifyWorld{App: app, AF: af, SMTP: srv, Env: env}
}

// With returns a copy of the world's environment followed by kv
// ("NAME=value").
func (w *NotifyWorld) With(kv ...string) []string {
	return append(append([]string(nil), w.Env...), kv...)
}

// Run runs the app under test ([Run] of [Binary]) with env.
func (w *NotifyWorld) Run(t *testing.T, env []string, args ...string) Result {
	t.Helper()
	return Run(t, Binary(t, w.App), env, args...)
}

// Process is one app run of [RunAtOnce]: the binary and its environment.
type Process struct {
	Bin string
	Env []string
}

// RunAtOnce starts every process at the same time, as separate operating
// system processes, each in its own empty directory like [Run], waits for
// all of them and returns their results in order. It is how the tests
// show what two triggers at once do.
func RunAtOnce(t *testing.T, procs ...Process) []Result {
	t.Helper()
	out := make([]Result, len(procs))
	errs := make([]error, len(procs))
	dirs := make([]string, len(procs))
	for i := range procs {
		dirs[i] = t.TempDir()
	}
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, p := range procs {
		wg.Go(func() {
			<-start
			out[i], errs[i] = run(p.Bin, dirs[i], p.Env)
		})
	}
	close(start)
	wg.Wait()
	for i, p := range procs {
		if errs[i] != nil {
			t.Fatalf("%s: %v", filepath.Base(p.Bin), errs[i])
		}
		out[i].log(t, p.Bin, nil)
	}
	return out
}
