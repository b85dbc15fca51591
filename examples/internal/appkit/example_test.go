package appkit_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/spoje-net/isptools/examples/internal/appkit"
)

func Example() {
	app := &appkit.App{
		Name: "blocknet",
		Body: func(ctx context.Context, env *appkit.Env, log *slog.Logger) (*appkit.Report, error) {
			vip := env.String("LABEL_VIP", "VIP")
			maxBlocks := env.Int("MAX_BLOCKS", 100, 0)
			if err := env.Err(); err != nil {
				return nil, err
			}
			log.Debug("configured", "vip", vip, "max_blocks", maxBlocks)

			r := &appkit.Report{}
			r.AddCustomer(appkit.Customer{Kod: "CUST1", Action: "blocked", IPs: []string{"10.0.0.7"}})
			r.Inc("blocked")
			r.AddCustomer(appkit.Customer{Kod: "CUST2", Action: "vip_skipped"})
			r.Inc("vip_skipped")
			r.Status = appkit.StatusWarning
			r.Message = "Blocked 1 of 2 disconnected customers. Skipped: 1 VIP."
			return r, nil
		},
		// Test hooks: a fixed environment and clock.
		LookupEnv: func(name string) (string, bool) {
			v, ok := map[string]string{"EASE_LOGGER": "console", "MAX_BLOCKS": "10"}[name]
			return v, ok
		},
		Now: func() time.Time { return time.Date(2026, 1, 21, 17, 45, 0, 0, time.FixedZone("CET", 3600)) },
	}
	code := app.Run(context.Background(), []string{"-o", "php://stdout"}, os.Stdout, io.Discard)
	fmt.Println("exit", code)
	// Output:
	// {
	//     "producer": "blocknet",
	//     "exitcode": 0,
	//     "status": "warning",
	//     "timestamp": "2026-01-21T17:45:00+01:00",
	//     "message": "Blocked 1 of 2 disconnected customers. Skipped: 1 VIP.",
	//     "metrics": {
	//         "blocked": 1,
	//         "exit_code": 0,
	//         "vip_skipped": 1
	//     },
	//     "customers": [
	//         {
	//             "kod": "CUST1",
	//             "action": "blocked",
	//             "ips": [
	//                 "10.0.0.7"
	//             ]
	//         },
	//         {
	//             "kod": "CUST2",
	//             "action": "vip_skipped"
	//         }
	//     ]
	// }
	// exit 0
}
