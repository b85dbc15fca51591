// Package appkit is the shared shell of the isptools command-line apps
// (abraflexi-mark-defaulters, blocknet, unblocknet, isp-match-received-payment,
// isp-potvrzeni-prijeti-uhrady, isp-potvrzeni-prijeti-bankovni-platby,
// isp-match-and-notify and isp-match-payments-batch), the Go successors of
// the PHP Spoje-NET/isp-tools scripts run by MultiFlexi.
//
// An app's main function is one call:
//
//	func main() { appkit.Main("blocknet", run) }
//
// [App.Run] does everything around the app's [RunFunc]:
//
//   - Flags -e/--environment FILE (load a .env file with godotenv;
//     variables already in the environment win; without the flag ./.env is
//     loaded when present), -o/--output FILE (the report destination,
//     overriding RESULT_FILE), -version (the Debian package version) and
//     -h (the app's description, variables, exit codes and an example from
//     its MultiFlexi definition, [WriteHelp]; [ManPage] renders the same
//     as a man page).
//   - One configuration check before anything changes: the definition's
//     required and typed variables ([CheckDefinition]), the report
//     destination ([CheckDestination]) and the app's own getters all
//     record into [Env]; the run then fails with one [ConfigError] naming
//     every problem once (secrets masked).
//   - Exit codes: 0 success (warnings included), 1 any error, 2 only when
//     the app's report says so (Pipeline B: payment not auto-matched). Go's
//     own exit status 2 never escapes: flag errors exit 1 and a panic of
//     the app body is recovered, logged and reported with exit code 1.
//   - Configuration through [Env], whose typed getters collect every bad
//     variable so one run reports them all.
//   - Logging with log/slog as selected by EASE_LOGGER ("console", "syslog"
//     or both, "|"-separated) and APP_DEBUG, with secrets redacted.
//   - The JSON [Report] in the PHP isp-tools format plus the MultiFlexi
//     report schema's "producer", written to RESULT_FILE (php://stdout and
//     php://stderr mean the standard streams; paths are written atomically),
//     followed by a one-line log summary.
package appkit
