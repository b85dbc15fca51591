package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/goreleaser/nfpm/v2"
	_ "github.com/goreleaser/nfpm/v2/deb" // registers the deb packager
	"github.com/goreleaser/nfpm/v2/files"

	"github.com/spoje-net/isptools/examples/internal/appkit"
	"github.com/spoje-net/isptools/examples/multiflexi"
)

// Apps lists the executables of the isptools package, each built from
// examples/<name>. The first seven keep the names of the PHP
// Spoje-NET/isp-tools executables.
var Apps = []string{
	"abraflexi-mark-defaulters",
	"blocknet",
	"unblocknet",
	"isp-match-received-payment",
	"isp-potvrzeni-prijeti-uhrady",
	"isp-potvrzeni-prijeti-bankovni-platby",
	"isp-match-and-notify",
	"isp-match-payments-batch",
}

// versionVar is the variable of the apps that holds their version.
const versionVar = "github.com/spoje-net/isptools/examples/internal/appkit.version"

// Package names, paths and metadata.
const (
	// BinPackage is the package with the executables.
	BinPackage = "isptools"
	// AppsPackage is the package with the MultiFlexi app definitions.
	AppsPackage = "multiflexi-isptools"
	// PHPBinPackage is the PHP package that BinPackage replaces.
	PHPBinPackage = "isp-tools"
	// PHPAppsPackage is the PHP package that AppsPackage replaces.
	PHPAppsPackage = "multiflexi-isp-tools"
	// AppsDir is where AppsPackage installs the app definitions.
	AppsDir = "/usr/share/multiflexi-isptools/multiflexi"
	// DefaultMaintainer is the Maintainer control field unless
	// -maintainer says otherwise (the maintainer of the PHP packages).
	DefaultMaintainer = "isptools maintainers <isptools@spoje.net>"
	// DefaultCompression is the data.tar compression unless -compression
	// says otherwise: gzip, which every dpkg reads, at level 6, which is
	// nearly twice as fast as level 9 and hardly 0.5% larger for these
	// binaries.
	DefaultCompression = "gzip:6"
	// Homepage is the Homepage control field.
	Homepage = "https://github.com/spoje-net/isptools"
	// FallbackEpoch is SOURCE_DATE_EPOCH when neither the environment nor
	// git gives one: 2024-01-01T00:00:00Z.
	FallbackEpoch int64 = 1704067200
)

// Config is what [Run] builds. The zero value of a field means its default.
type Config struct {
	// OutDir receives the .deb files; it is created when missing.
	OutDir string
	// Version is the Debian package version ([epoch:]upstream[-revision]);
	// a leading "v" is dropped. Empty means derived from git (see the
	// package documentation).
	Version string
	// GOARCH is the target architecture; empty means $GOARCH, else the
	// host's.
	GOARCH string
	// Maintainer is the Maintainer control field; empty means
	// [DefaultMaintainer].
	Maintainer string
	// AllowMissing packages the apps that exist instead of failing when
	// some examples/<name>/main.go is missing.
	AllowMissing bool
	// Compression is the data.tar compression: gzip[:level], xz, zstd or
	// none; empty means [DefaultCompression].
	Compression string
	// ModuleDir is the root of the isptools module; empty means the
	// module of the current directory ("go env GOMOD").
	ModuleDir string
	// MTime is the time of every file in the packages; zero means
	// SOURCE_DATE_EPOCH, else the last git commit, else [FallbackEpoch].
	MTime time.Time
}

// Result describes what [Run] did.
type Result struct {
	// Version is the package version.
	Version string
	// Built lists the packaged apps; Missing those that were skipped.
	Built, Missing []string
	// Packages are the paths of the written .deb files.
	Packages []string
}

// Run resolves the defaults of cfg, builds the apps and writes both
// packages to cfg.OutDir. Progress goes to log.
func Run(ctx context.Context, cfg Config, log io.Writer) (*Result, error) {
	if err := cfg.resolve(ctx); err != nil {
		return nil, err
	}
	binDir, err := os.MkdirTemp("", "isptools-bin-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(binDir)
	fmt.Fprintf(log, "packaging: version %s, %s, SOURCE_DATE_EPOCH=%d\n", cfg.Version, cfg.GOARCH, cfg.MTime.Unix())
	start := time.Now()
	built, missing, err := buildApps(ctx, cfg, binDir)
	if err != nil {
		return nil, err
	}
	if len(missing) > 0 {
		fmt.Fprintf(log, "packaging: skipping missing apps (-allow-missing): %s\n", strings.Join(missing, ", "))
	}
	fmt.Fprintf(log, "packaging: built %d apps in %s\n", len(built), time.Since(start).Round(time.Millisecond))
	debs, err := packageAll(cfg, binDir, built)
	if err != nil {
		return nil, err
	}
	return &Result{Version: cfg.Version, Built: built, Missing: missing, Packages: debs}, nil
}

// resolve fills in the defaults of c and validates it.
func (c *Config) resolve(ctx context.Context) error {
	if c.OutDir == "" {
		c.OutDir = "dist"
	}
	if c.Maintainer == "" {
		c.Maintainer = DefaultMaintainer
	}
	if c.Compression == "" {
		c.Compression = DefaultCompression
	}
	if algo, _, _ := strings.Cut(c.Compression, ":"); !slices.Contains([]string{"gzip", "xz", "zstd", "none"}, algo) {
		return fmt.Errorf("compression %q: want gzip[:level], xz, zstd or none", c.Compression)
	}
	if c.GOARCH == "" {
		c.GOARCH = os.Getenv("GOARCH")
	}
	if c.GOARCH == "" {
		c.GOARCH = runtime.GOARCH
	}
	if c.ModuleDir == "" {
		out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
		if err != nil {
			return fmt.Errorf("locating the module: go env GOMOD: %w", err)
		}
		gomod := strings.TrimSpace(string(out))
		if gomod == "" || gomod == os.DevNull {
			return errors.New("not inside the isptools module (go env GOMOD is empty)")
		}
		c.ModuleDir = filepath.Dir(gomod)
	}
	commitTime, commit := gitHead(ctx, c.ModuleDir)
	if c.MTime.IsZero() {
		switch s := os.Getenv("SOURCE_DATE_EPOCH"); {
		case s != "":
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return fmt.Errorf("SOURCE_DATE_EPOCH %q: not a Unix time", s)
			}
			c.MTime = time.Unix(n, 0)
		case !commitTime.IsZero():
			c.MTime = commitTime
		default:
			c.MTime = time.Unix(FallbackEpoch, 0)
		}
	}
	c.MTime = c.MTime.UTC()
	if c.Version == "" {
		c.Version = gitVersion(ctx, c.ModuleDir, commit, c.MTime)
	}
	c.Version = strings.TrimPrefix(c.Version, "v")
	if _, _, _, err := splitVersion(c.Version); err != nil {
		return err
	}
	return nil
}

// gitHead returns the commit time and hash of HEAD, or zero values outside
// git.
func gitHead(ctx context.Context, dir string) (time.Time, string) {
	out, err := git(ctx, dir, "log", "-1", "--format=%ct %H")
	if err != nil {
		return time.Time{}, ""
	}
	ts, hash, ok := strings.Cut(out, " ")
	n, err := strconv.ParseInt(ts, 10, 64)
	if !ok || err != nil {
		return time.Time{}, ""
	}
	return time.Unix(n, 0), hash
}

// describeRE matches "git describe --tags --long" output.
var describeRE = regexp.MustCompile(`^v?([0-9][A-Za-z0-9.+~]*)-([0-9]+)-g([0-9a-f]+)$`)

// gitVersion derives the package version from the latest v* tag, else from
// the commit and date.
func gitVersion(ctx context.Context, dir, commit string, date time.Time) string {
	if out, err := git(ctx, dir, "describe", "--tags", "--long", "--abbrev=12", "--match", "v[0-9]*"); err == nil {
		if v, ok := describeVersion(out); ok {
			return v
		}
	}
	return appkit.DevVersion(date, commit) // as the unpackaged binaries' -version
}

// describeVersion converts "git describe --tags --long" output to a
// Debian version: v1.2.3-0-g<hash> is 1.2.3, v1.2.3-4-g<hash> is
// 1.2.3+git4.g<hash> (sorting after 1.2.3).
func describeVersion(out string) (string, bool) {
	m := describeRE.FindStringSubmatch(out)
	if m == nil {
		return "", false
	}
	if m[2] == "0" {
		return m[1], true
	}
	return m[1] + "+git" + m[2] + ".g" + m[3], true
}

// git runs git in dir and returns its trimmed standard output.
func git(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", append([]string{"-C", dir}, args...)...)
	out, err := cmd.Output()
	return strings.TrimSpace(string(out)), err
}

var (
	upstreamRE = regexp.MustCompile(`^[0-9][A-Za-z0-9.+~-]*$`)
	revisionRE = regexp.MustCompile(`^[A-Za-z0-9.+~]+$`)
)

// splitVersion splits a Debian version [epoch:]upstream[-revision] and
// validates its parts (deb-version(7)).
func splitVersion(v string) (epoch, upstream, revision string, err error) {
	upstream = v
	if e, rest, ok := strings.Cut(upstream, ":"); ok {
		if _, perr := strconv.ParseUint(e, 10, 32); perr != nil {
			return "", "", "", fmt.Errorf("version %q: the epoch %q is not a number", v, e)
		}
		epoch, upstream = e, rest
	}
	if i := strings.LastIndexByte(upstream, '-'); i >= 0 {
		upstream, revision = upstream[:i], upstream[i+1:]
		if !revisionRE.MatchString(revision) {
			return "", "", "", fmt.Errorf("version %q: invalid Debian revision %q", v, revision)
		}
	}
	if !upstreamRE.MatchString(upstream) {
		return "", "", "", fmt.Errorf("version %q: not a Debian version (the upstream part must start with a digit and use only A-Za-z0-9.+~-)", v)
	}
	return epoch, upstream, revision, nil
}

// debArch maps a GOARCH to the Debian architecture name.
func debArch(goarch string) string {
	switch goarch {
	case "386":
		return "i386"
	case "arm":
		return "armhf"
	case "ppc64le":
		return "ppc64el"
	case "mips64le":
		return "mips64el"
	case "mipsle":
		return "mipsel"
	}
	return goarch
}

// buildApps builds every app of [Apps] that has an examples/<name>/main.go
// into binDir with one reproducible "go build". Missing apps are an error
// unless cfg.AllowMissing.
func buildApps(ctx context.Context, cfg Config, binDir string) (built, missing []string, err error) {
	for _, app := range Apps {
		if _, err := os.Stat(filepath.Join(cfg.ModuleDir, "examples", app, "main.go")); err == nil {
			built = append(built, app)
		} else if errors.Is(err, fs.ErrNotExist) {
			missing = append(missing, app)
		} else {
			return nil, nil, err
		}
	}
	if len(missing) > 0 && !cfg.AllowMissing {
		return nil, nil, fmt.Errorf("missing apps (no examples/<name>/main.go): %s; use -allow-missing to package the others", strings.Join(missing, ", "))
	}
	if len(built) == 0 {
		return nil, missing, errors.New("no app to build")
	}
	// -X sets the version "<app> -version" prints: the package's.
	ldflags := "-ldflags=-s -w -buildid= -X " + versionVar + "=" + cfg.Version
	args := []string{"build", "-trimpath", "-buildvcs=auto", ldflags, "-o", binDir + string(filepath.Separator)}
	for _, app := range built {
		args = append(args, "./examples/"+app)
	}
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = cfg.ModuleDir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+cfg.GOARCH)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Run(); err != nil {
		return nil, nil, fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, stderr.Bytes())
	}
	return built, missing, nil
}

// packageAll writes both packages to cfg.OutDir from the apps in binDir
// and returns their paths.
func packageAll(cfg Config, binDir string, apps []string) ([]string, error) {
	if err := os.MkdirAll(cfg.OutDir, 0o755); err != nil {
		return nil, err
	}
	stage, err := os.MkdirTemp("", "isptools-stage-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(stage)
	copyright := filepath.Join(stage, "copyright")
	if err := os.WriteFile(copyright, []byte(copyrightText), 0o644); err != nil {
		return nil, err
	}
	epoch, upstream, revision, err := splitVersion(cfg.Version)
	if err != nil {
		return nil, err
	}
	base := func(name, desc string) *nfpm.Info {
		return &nfpm.Info{
			Name:          name,
			Arch:          debArch(cfg.GOARCH),
			Platform:      "linux",
			Epoch:         epoch,
			Version:       upstream,
			Release:       revision,
			VersionSchema: "none",
			Section:       "net",
			Priority:      "optional",
			Maintainer:    cfg.Maintainer,
			Description:   desc,
			Vendor:        "Spoje.Net",
			Homepage:      Homepage,
			License:       "MIT",
			MTime:         cfg.MTime,
			Overridables: nfpm.Overridables{
				Deb: nfpm.Deb{Compression: cfg.Compression},
			},
		}
	}
	file := func(src, dst string, mode os.FileMode) *files.Content {
		return &files.Content{Source: src, Destination: dst, FileInfo: &files.ContentFileInfo{
			Owner: "root", Group: "root", Mode: mode, MTime: cfg.MTime,
		}}
	}

	// isptools
	bin := base(BinPackage, binDescription(apps))
	bin.Conflicts = []string{PHPBinPackage}
	bin.Replaces = []string{PHPBinPackage}
	bin.Provides = []string{PHPBinPackage}
	// svn for the default network backend; a mail transport agent for
	// the default mail transport (SENDMAIL_PATH=/usr/sbin/sendmail).
	bin.Recommends = []string{"subversion", "default-mta | mail-transport-agent"}
	for _, app := range apps {
		bin.Contents = append(bin.Contents, file(filepath.Join(binDir, app), "/usr/bin/"+app, 0o755))
	}
	bin.Contents = append(bin.Contents, file(copyright, "/usr/share/doc/"+BinPackage+"/copyright", 0o644))
	defsOfApps, err := definitionsOf(apps)
	if err != nil {
		return nil, err
	}
	docs := map[string][]byte{
		"/usr/share/doc/" + BinPackage + "/README":      PackageReadme(defsOfApps, cfg.Version),
		"/usr/share/doc/" + BinPackage + "/example.env": ExampleEnv(defsOfApps),
	}
	for _, d := range defsOfApps {
		page, err := manPageGz(d, cfg.Version, cfg.MTime)
		if err != nil {
			return nil, err
		}
		docs["/usr/share/man/man1/"+d.Executable+".1.gz"] = page
	}
	for _, dst := range slices.Sorted(maps.Keys(docs)) {
		src := filepath.Join(stage, strings.NewReplacer("/", "_").Replace(dst))
		if err := os.WriteFile(src, docs[dst], 0o644); err != nil {
			return nil, err
		}
		bin.Contents = append(bin.Contents, file(src, dst, 0o644))
	}

	// multiflexi-isptools
	defs, err := fs.Glob(multiflexi.FS, "*.multiflexi.app.json")
	if err != nil {
		return nil, err
	}
	slices.Sort(defs)
	mf := base(AppsPackage, appsDescription)
	mf.Arch = "all" // JSON only, as the PHP multiflexi-isp-tools
	mf.Section = "web"
	mf.Depends = []string{fmt.Sprintf("%s (= %s)", BinPackage, cfg.Version)}
	mf.Recommends = []string{"multiflexi-cli"}
	mf.Conflicts = []string{PHPAppsPackage}
	mf.Replaces = []string{PHPAppsPackage}
	mf.Provides = []string{PHPAppsPackage}
	defDir := filepath.Join(stage, "multiflexi")
	if err := os.Mkdir(defDir, 0o755); err != nil {
		return nil, err
	}
	var dsts []string
	for _, name := range defs {
		data, err := fs.ReadFile(multiflexi.FS, name)
		if err != nil {
			return nil, err
		}
		src := filepath.Join(defDir, name)
		if err := os.WriteFile(src, data, 0o644); err != nil {
			return nil, err
		}
		dst := AppsDir + "/" + name
		dsts = append(dsts, dst)
		mf.Contents = append(mf.Contents, file(src, dst, 0o644))
	}
	mf.Contents = append(mf.Contents, file(copyright, "/usr/share/doc/"+AppsPackage+"/copyright", 0o644))
	postinst := filepath.Join(stage, "postinst")
	if err := os.WriteFile(postinst, []byte(postinstScript(dsts)), 0o755); err != nil {
		return nil, err
	}
	mf.Scripts.PostInstall = postinst

	var out []string
	for _, info := range []*nfpm.Info{bin, mf} {
		path, err := writeDeb(info, cfg.OutDir)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", info.Name, err)
		}
		out = append(out, path)
	}
	return out, nil
}

// writeDeb packages info into dir under its conventional file name.
func writeDeb(info *nfpm.Info, dir string) (string, error) {
	pkgr, err := nfpm.Get("deb")
	if err != nil {
		return "", err
	}
	info = nfpm.WithDefaults(info)
	if err := nfpm.PrepareForPackager(info, "deb"); err != nil {
		return "", err
	}
	path := filepath.Join(dir, pkgr.ConventionalFileName(info))
	tmp, err := os.CreateTemp(dir, ".tmp-*.deb")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name())
	if err := pkgr.Package(info, tmp); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Close(); err != nil {
		return "", err
	}
	return path, os.Rename(tmp.Name(), path)
}

// binDescription is the Description of [BinPackage].
func binDescription(apps []string) string {
	return "ISP tools for AbraFlexi-based internet access management (Go)\n" +
		"Command-line apps, the Go successors of the PHP isp-tools, that manage\n" +
		"the disconnection and reconnection of internet customers from their\n" +
		"AbraFlexi invoices and labels, pair received payments with invoices and\n" +
		"mail payment confirmations. They are static binaries configured by\n" +
		"environment variables, usually run by MultiFlexi.\n" +
		"\n" +
		"Includes: " + strings.Join(apps, ", ") + "."
}

// appsDescription is the Description of [AppsPackage].
const appsDescription = "Add the isptools apps to MultiFlexi\n" +
	"MultiFlexi application definitions of the isptools command-line apps,\n" +
	"imported with multiflexi-cli when the package is configured. The app\n" +
	"uuids of the PHP isp-tools are kept, so the import replaces them in place."

// postinstScript is the postinst of [AppsPackage] for the definitions at
// the paths defs: on configure, when multiflexi-cli is installed, it
// imports each definition; a failed import
// is reported, not fatal, so a MultiFlexi that is not set up yet does not
// break the installation.
func postinstScript(defs []string) string {
	var b strings.Builder
	b.WriteString(`#!/bin/sh
# postinst script for ` + AppsPackage + `: import the MultiFlexi app definitions.
set -e

case "$1" in
configure)
	if command -v multiflexi-cli >/dev/null 2>&1; then
		for file in \
`)
	for _, d := range defs {
		b.WriteString("\t\t\t" + d + " \\\n")
	}
	b.WriteString(`		; do
			multiflexi-cli application:import-json --file "$file" ||
				echo "` + AppsPackage + `: warning: importing $file into MultiFlexi failed; rerun: multiflexi-cli application:import-json --file $file" >&2
		done
	else
		echo "` + AppsPackage + `: multiflexi-cli is not installed, so the app definitions were not imported into MultiFlexi." >&2
		echo "` + AppsPackage + `: once MultiFlexi is set up, import them with:" >&2
		echo "  for f in ` + AppsDir + `/*.multiflexi.app.json; do multiflexi-cli application:import-json --file \"\$f\"; done" >&2
		echo "  (or reconfigure this package: dpkg-reconfigure ` + AppsPackage + `)" >&2
	fi
	;;
esac

exit 0
`)
	return b.String()
}

// copyrightText is /usr/share/doc/<package>/copyright (DEP-5).
const copyrightText = `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: isptools
Source: https://github.com/spoje-net/isptools

Files: *
Copyright: 2024-2026 Spoje.Net <https://spoje.net/>
License: MIT

License: MIT
 Permission is hereby granted, free of charge, to any person obtaining a copy
 of this software and associated documentation files (the "Software"), to deal
 in the Software without restriction, including without limitation the rights
 to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
 copies of the Software, and to permit persons to whom the Software is
 furnished to do so, subject to the following conditions:
 .
 The above copyright notice and this permission notice shall be included in all
 copies or substantial portions of the Software.
 .
 THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
 IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
 FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
 AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
 LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
 OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
 SOFTWARE.
`
