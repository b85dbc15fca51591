// Package multiflexi holds the MultiFlexi application definitions
// (schemaVersion 3.4.0) of the isptools command-line apps, one
// <app>.multiflexi.app.json file per executable, for packaging and for
// import with "multiflexi-cli application:import-json".
//
// The uuids of the six apps ported from the PHP Spoje-NET/isp-tools are
// kept, so importing a definition replaces the PHP app in place.
package multiflexi

import "embed"

// FS contains every *.multiflexi.app.json definition at its root.
//
//go:embed *.multiflexi.app.json
var FS embed.FS
