package dunningapp

import (
	"context"
	"log/slog"

	"github.com/spoje-net/isptools/dunning"
	"github.com/spoje-net/isptools/examples/internal/appkit"
	"github.com/spoje-net/isptools/examples/internal/backends"
	"github.com/spoje-net/isptools/examples/internal/connect"
	"github.com/spoje-net/isptools/netbackend"
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

// NetRun is [Run] for the apps that also change the network: it connects
// the network backend ([backends.FromEnv]) after AbraFlexi, sets the run
// lock of that backend ([RunLock]) in the options and passes both to step.
func NetRun[R any](ctx context.Context, env *appkit.Env, log *slog.Logger, app string,
	step func(ctx context.Context, af *dunning.AbraFlexi, nb netbackend.Backend, opts dunning.Options) (*R, error),
	report func(*R) *appkit.Report) (*appkit.Report, error) {
	return Run(ctx, env, log, app, func(ctx context.Context, af *dunning.AbraFlexi, opts dunning.Options) (*R, error) {
		nb, err := backends.FromEnv(env, log)
		if err != nil {
			return nil, err
		}
		if opts.Lock = RunLock(env, nb); env.Err() != nil {
			return nil, env.Err()
		}
		return step(ctx, af, nb, opts)
	}, report)
}
