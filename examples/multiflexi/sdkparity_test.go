package multiflexi_test

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/spoje-net/isptools/abraflexi"
	"github.com/spoje-net/isptools/dunning"
	"github.com/spoje-net/isptools/envconf"
	"github.com/spoje-net/isptools/netbackend/backendenv"
	"github.com/spoje-net/isptools/netbackend/runlock"
	"github.com/spoje-net/isptools/notify"
	"github.com/spoje-net/isptools/payments"
)

// sdkReader is one exported reader of the SDK: its full name for the
// static walk, and a call of it for the dynamic check.
type sdkReader struct {
	name string
	call func(lookup envconf.Lookup)
}

var (
	rAbraFlexi = sdkReader{module + "/abraflexi.ConfigFromLookup", func(l envconf.Lookup) { _, _ = abraflexi.ConfigFromLookup(l) }}
	rMark      = sdkReader{module + "/dunning.MarkPolicyFromLookup", func(l envconf.Lookup) { _, _ = dunning.MarkPolicyFromLookup(l) }}
	rBlock     = sdkReader{module + "/dunning.BlockPolicyFromLookup", func(l envconf.Lookup) { _, _ = dunning.BlockPolicyFromLookup(l) }}
	rUnblock   = sdkReader{module + "/dunning.UnblockPolicyFromLookup", func(l envconf.Lookup) { _, _ = dunning.UnblockPolicyFromLookup(l) }}
	rOptions   = sdkReader{module + "/dunning.OptionsFromLookup", func(l envconf.Lookup) { _, _ = dunning.OptionsFromLookup(l) }}
	rNetOpts   = sdkReader{module + "/dunning.NetOptionsFromLookup", func(l envconf.Lookup) { _, _ = dunning.NetOptionsFromLookup(l) }}
	rBackend   = sdkReader{module + "/netbackend/backendenv.FromLookup", func(l envconf.Lookup) {
		for _, kind := range []string{backendenv.SVN, backendenv.File, backendenv.NetBox} {
			_, _ = backendenv.FromLookup(func(name string) (string, bool) {
				if name == backendenv.EnvBackend {
					_, _ = l(name)
					return kind, true
				}
				return l(name)
			}, nil)
		}
	}}
	rMatcher  = sdkReader{module + "/payments.ConfigFromLookup", func(l envconf.Lookup) { _, _ = payments.ConfigFromLookup(l) }}
	rEvidence = sdkReader{module + "/payments.EvidenceFromLookup", func(l envconf.Lookup) { _, _ = payments.EvidenceFromLookup(l) }}
	rDocLock  = sdkReader{module + "/payments.DocumentLockFromLookup", func(l envconf.Lookup) { _, _ = payments.DocumentLockFromLookup(l) }}
	rNotify   = sdkReader{module + "/notify.ConfigFromLookup", func(l envconf.Lookup) { _, _ = notify.ConfigFromLookup(l) }}
	rDisconn  = sdkReader{module + "/notify.DisconnectNoticeConfigFromLookup", func(l envconf.Lookup) { _, _ = notify.DisconnectNoticeConfigFromLookup(l) }}
	rReconn   = sdkReader{module + "/notify.ReconnectNoticeConfigFromLookup", func(l envconf.Lookup) { _, _ = notify.ReconnectNoticeConfigFromLookup(l) }}
	rLock     = sdkReader{module + "/netbackend/runlock.ConfigFromLookup", func(l envconf.Lookup) { _, _ = runlock.ConfigFromLookup(l, "") }}
	rHome     = sdkReader{module + "/abraflexi.HomeCurrencyFromLookup", func(l envconf.Lookup) { _, _ = abraflexi.HomeCurrencyFromLookup(l) }}
)

// sdkComposition is, per app, the SDK readers a Go service calls to run
// what the app runs with the app's configuration, and the variables the
// app reads that are not configuration of the SDK: the app shell's
// (report, logging) and the inputs the service passes as arguments.
var sdkComposition = map[string]struct {
	readers []sdkReader
	inputs  []string
}{
	"abraflexi-mark-defaulters":             {[]sdkReader{rAbraFlexi, rMark, rOptions}, nil},
	"blocknet":                              {[]sdkReader{rAbraFlexi, rBlock, rNetOpts, rBackend, rDisconn, rNotify}, nil},
	"unblocknet":                            {[]sdkReader{rAbraFlexi, rUnblock, rNetOpts, rBackend, rReconn, rNotify}, nil},
	"isp-match-received-payment":            {[]sdkReader{rAbraFlexi, rMatcher, rDocLock}, []string{"DOCUMENTID"}},
	"isp-match-payments-batch":              {[]sdkReader{rAbraFlexi, rMatcher, rLock}, []string{"MATCH_SINCE"}},
	"isp-match-and-notify":                  {[]sdkReader{rAbraFlexi, rMatcher, rNotify, rDocLock}, []string{"DOCUMENTID"}},
	"isp-potvrzeni-prijeti-uhrady":          {[]sdkReader{rAbraFlexi, rNotify, rDocLock}, []string{"DOCID"}},
	"isp-potvrzeni-prijeti-bankovni-platby": {[]sdkReader{rAbraFlexi, rNotify, rEvidence, rDocLock}, []string{"DOCID"}},
}

// shellVariables are read by appkit for every app: the report's
// destination and the logging.
var shellVariables = []string{"RESULT_FILE", "EASE_LOGGER", "APP_DEBUG"}

// TestSDKReadsWhatTheAppsRead: a Go service that calls the SDK's readers
// of an app reads exactly the configuration the app reads, so it runs the
// pipeline with the app's configuration. A variable an app reads outside
// the SDK's readers (in examples/internal or its main) fails this test:
// move its reading into the reader of the package it configures.
func TestSDKReadsWhatTheAppsRead(t *testing.T) {
	a := loadAnalysis(t)
	if len(sdkComposition) != len(apps) {
		t.Fatalf("sdkComposition has %d apps, the definitions %d", len(sdkComposition), len(apps))
	}
	for _, app := range apps {
		t.Run(app.executable, func(t *testing.T) {
			comp, ok := sdkComposition[app.executable]
			if !ok {
				t.Fatalf("no SDK composition for %s", app.executable)
			}
			appReads := a.reads(t, module+"/examples/"+app.executable)
			for _, name := range append(slices.Clone(shellVariables), comp.inputs...) {
				if _, ok := appReads[name]; !ok {
					t.Errorf("%s does not read %s, listed as its own", app.executable, name)
				}
				delete(appReads, name)
			}
			var roots []string
			for _, r := range comp.readers {
				roots = append(roots, r.name)
			}
			sdkReads := a.readsFrom(t, roots...)
			for _, name := range slices.Sorted(maps.Keys(appReads)) {
				if _, ok := sdkReads[name]; !ok {
					t.Errorf("%s reads %s, but none of the SDK readers %s does", app.executable, name, strings.Join(roots, ", "))
				}
			}
			for _, name := range slices.Sorted(maps.Keys(sdkReads)) {
				if _, ok := appReads[name]; !ok {
					t.Errorf("the SDK readers of %s read %s, the app does not", app.executable, name)
				}
			}
		})
	}
}

// TestSDKReadersStaticMatchesDynamic: what the walk finds in each SDK
// reader is what the reader asks its lookup for when called, so the
// static check above is about the real readers.
func TestSDKReadersStaticMatchesDynamic(t *testing.T) {
	a := loadAnalysis(t)
	for _, r := range []sdkReader{rAbraFlexi, rMark, rBlock, rUnblock, rOptions, rNetOpts, rBackend, rMatcher, rEvidence, rDocLock, rNotify, rHome} {
		asked := map[string]bool{}
		r.call(func(name string) (string, bool) { asked[name] = true; return "", false })
		static := a.readsFrom(t, r.name)
		if got, want := slices.Sorted(maps.Keys(asked)), slices.Sorted(maps.Keys(static)); !slices.Equal(got, want) {
			t.Errorf("%s asks for %v, the walk finds %v", r.name, got, want)
		}
	}
}
