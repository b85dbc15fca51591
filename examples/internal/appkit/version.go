package appkit

import (
	"runtime/debug"
	"strings"
	"time"
)

// version is the Debian package version of the binary. The packaging
// (examples/packaging) sets it with
// -ldflags "-X github.com/spoje-net/isptools/examples/internal/appkit.version=…",
// so "<app> -version" prints the version dpkg shows.
var version string

// DevVersion is the version of a build from a commit that no v* tag
// describes: 0.1.0~git<YYYYMMDD>.<first 12 hex digits of the commit>
// (0.1.0~git<YYYYMMDD> without a commit), with the date in UTC. The
// packaging uses it for the package version and unpackaged binaries for
// -version, so both agree.
func DevVersion(date time.Time, commit string) string {
	v := "0.1.0~git" + date.UTC().Format("20060102")
	if len(commit) >= 12 {
		v += "." + commit[:12]
	}
	return v
}

// Version returns the version of the running binary: the package version
// set by the packaging; else the module version of a "go install
// …@v1.2.3" build (without the v); else [DevVersion] of the VCS stamp of
// the build; else "unknown".
func Version(info *debug.BuildInfo, ok bool) string {
	if version != "" {
		return version
	}
	if !ok || info == nil {
		return "unknown"
	}
	if v := info.Main.Version; v != "" && v != "(devel)" && !strings.Contains(v, "-0.") && !strings.HasPrefix(v, "v0.0.0-") {
		return strings.TrimPrefix(v, "v")
	}
	rev, when := setting(info, "vcs.revision"), setting(info, "vcs.time")
	if rev == "" {
		return "unknown"
	}
	t, err := time.Parse(time.RFC3339, when)
	if err != nil {
		return "unknown"
	}
	return DevVersion(t, rev)
}

func setting(info *debug.BuildInfo, key string) string {
	for _, s := range info.Settings {
		if s.Key == key {
			return s.Value
		}
	}
	return ""
}

// VersionString formats the -version line: the app name and [Version],
// then in parentheses the module path, the vcs revision (with "+dirty"
// when the tree was modified) and the Go version, as far as the build
// information has them.
func VersionString(name string, info *debug.BuildInfo, ok bool) string {
	line := name + " " + Version(info, ok)
	if !ok || info == nil {
		return line + " (no build information)"
	}
	details := []string{info.Main.Path}
	if rev := setting(info, "vcs.revision"); rev != "" {
		if setting(info, "vcs.modified") == "true" {
			rev += "+dirty"
		}
		details = append(details, "commit "+rev)
	}
	if info.GoVersion != "" {
		details = append(details, info.GoVersion)
	}
	return line + " (" + strings.Join(details, ", ") + ")"
}
