package dunningapp

import (
	"context"
	"log/slog"

	"github.com/spoje-net/isptools/dunning"
	"github.com/spoje-net/isptools/examples/internal/appkit"
	"github.com/spoje-net/isptools/examples/internal/backends"
	"github.com/spoje-net/isptools/examples/internal/connect"
	"github.com/spoje-net/isptools/netbackend"
	"github.com/spoje-net/isptools/netbackend/runlock"
)

// Run is the body of a dunning app named app once its policy is read: it
// reads the options ([Options]), connects to AbraFlexi, runs step on the
// adapter (source and label writer) and renders step's result with report
// (report(nil) when connecting failed or step returned no result).
func Run[R any](ctx context.Context, env *appkit.Env, log *slog.Logger, app string,
	step func(ctx context.Context, af *dunning.AbraFlexi, opts dunning.Options) (*R, error),
	report func(*R) *appkit.Report) (*appkit.Report, error) {
	opts := Options(env, log, app)
	client, err := connect.AbraFlexi(env, log)
	if err != nil {
		return report(nil), err
	}
	res, err := step(ctx, dunning.NewAbraFlexi(client), opts)
	return report(res), err
}

// NetRun is [Run] for the apps that also change the network: it reads
// the network backend's configuration ([backends.FromEnv]) before
// connecting to AbraFlexi, so that bad backend variables are reported
// together with every other configuration problem, sets the run lock of
// that backend ([RunLock]) in the options and passes the backend to step.

func NetRun[R any](ctx context.Context, env *appkit.Env, log *slog.Logger, app string,
	step func(ctx context.Context, af *dunning.AbraFlexi, nb netbackend.Backend, opts dunning.Options) (*R, error),
	report func(*R) *appkit.Report) (*appkit.Report, error) {
	nb, nbErr := backends.FromEnv(env, log)
	var lock runlock.Config
	if nbErr == nil {
		lock = RunLock(env, nb) // read with the rest of the configuration
	}
	return Run(ctx, env, log, app, func(ctx context.Context, af *dunning.AbraFlexi, opts dunning.Options) (*R, error) {
		if nbErr != nil {
			return nil, nbErr
		}
		opts.Lock = lock
		return step(ctx, af, nb, opts)
	}, report)
}
