package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spoje-net/isptools/examples/internal/appkit"
)

// allowMissing is false: every app of [Apps] must exist (set it to true
// only while an app is being written).
const allowMissing = false

const (
	testVersion = "1:1.2.3~test-1"
	testEpoch   = 1700000000 // 2023-11-14T22:13:20Z
)

// The apps are built and packaged once per test binary.
var (
	buildOnce sync.Once
	binDir    string
	testCfg   Config
	built     []string
	buildErr  error

	packOnce        sync.Once
	packBin, packMF string
	packErr         error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	if packBin != "" {
		os.RemoveAll(filepath.Dir(packBin))
	}
	os.Exit(code)
}

// buildOnceForTests builds the apps for the tests and returns the
// resolved configuration (OutDir unset) and the built apps.
func buildOnceForTests(t *testing.T) (Config, []string) {
	t.Helper()
	if testing.Short() {
		t.Skip("skipping the app build in -short mode")
	}
	buildOnce.Do(func() {
		testCfg = Config{Version: testVersion, GOARCH: "amd64", AllowMissing: allowMissing, MTime: time.Unix(testEpoch, 0), Compression: testCompression}
		if buildErr = testCfg.resolve(context.Background()); buildErr != nil {
			return
		}
		if binDir, buildErr = os.MkdirTemp("", "isptools-test-bin-"); buildErr != nil {
			return
		}
		start := time.Now()
		var missing []string
		built, missing, buildErr = buildApps(context.Background(), testCfg, binDir)
		if len(missing) > 0 {
			t.Logf("missing apps (allowMissing): %s", strings.Join(missing, ", "))
		}
		t.Logf("built %d apps in %s", len(built), time.Since(start).Round(time.Millisecond))
	})
	if buildErr != nil {
		t.Fatalf("building the apps: %v", buildErr)
	}
	return testCfg, built
}

// needDpkgDeb skips the test when dpkg-deb is not installed.
func needDpkgDeb(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("dpkg-deb"); err != nil {
		t.Skip("dpkg-deb not found (install the dpkg package to inspect the .deb files): skipping")
	}
}

// dpkgDeb runs dpkg-deb with args in the UTC time zone and returns its
// standard output.
func dpkgDeb(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command("dpkg-deb", args...)
	cmd.Env = append(os.Environ(), "TZ=UTC", "LC_ALL=C")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("dpkg-deb %s: %v\n%s", strings.Join(args, " "), err, stderr.Bytes())
	}
	return string(out)
}

// field reads one control field of deb.
func field(t *testing.T, deb, name string) string {
	t.Helper()
	return strings.TrimSpace(dpkgDeb(t, "-f", deb, name))
}

// packageInto packages the built apps into dir and returns the paths of
// the binaries and definitions packages.
func packageInto(t *testing.T, dir string) (apps []string, bin, mf string, err error) {
	t.Helper()
	cfg, apps := buildOnceForTests(t)
	cfg.OutDir = dir
	start := time.Now()
	paths, err := packageAll(cfg, binDir, apps)
	if err != nil {
		return nil, "", "", err
	}
	t.Logf("packaged in %s", time.Since(start).Round(time.Millisecond))
	if len(paths) != 2 {
		return nil, "", "", fmt.Errorf("packages = %q, want 2", paths)
	}
	return apps, paths[0], paths[1], nil
}

// debs returns the packages of the built apps, written once per test
// binary (packaging 80 MB is slow under -race).
func debs(t *testing.T) (apps []string, bin, mf string) {
	t.Helper()
	_, apps = buildOnceForTests(t)
	packOnce.Do(func() {
		var dir string
		if dir, packErr = os.MkdirTemp("", "isptools-test-deb-"); packErr != nil {
			return
		}
		_, packBin, packMF, packErr = packageInto(t, dir)
	})
	if packErr != nil {
		t.Fatal(packErr)
	}
	return apps, packBin, packMF
}

func TestPackages(t *testing.T) {
	needDpkgDeb(t)
	apps, bin, mf := debs(t)

	if got, want := filepath.Base(bin), "isptools_1.2.3~test-1_amd64.deb"; got != want {
		t.Errorf("binaries package file = %s, want %s", got, want)
	}
	if got, want := filepath.Base(mf), "multiflexi-isptools_1.2.3~test-1_all.deb"; got != want {
		t.Errorf("definitions package file = %s, want %s", got, want)
	}

	t.Run("control", func(t *testing.T) {
		for _, c := range []struct{ deb, name, want string }{
			{bin, "Package", "isptools"},
			{bin, "Version", testVersion},
			{bin, "Architecture", "amd64"},
			{bin, "Conflicts", "isp-tools"},
			{bin, "Replaces", "isp-tools"},
			{bin, "Provides", "isp-tools"},
			{bin, "Maintainer", DefaultMaintainer},
			{bin, "Homepage", Homepage},
			{bin, "Section", "net"},
			{bin, "Priority", "optional"},
			{bin, "Recommends", "subversion, default-mta | mail-transport-agent"},
			{mf, "Package", "multiflexi-isptools"},
			{mf, "Version", testVersion},
			{mf, "Architecture", "all"},
			{mf, "Depends", "isptools (= " + testVersion + ")"},
			{mf, "Recommends", "multiflexi-cli"},
			{mf, "Conflicts", "multiflexi-isp-tools"},
			{mf, "Replaces", "multiflexi-isp-tools"},
			{mf, "Provides", "multiflexi-isp-tools"},
			{mf, "Maintainer", DefaultMaintainer},
		} {
			if got := field(t, c.deb, c.name); got != c.want {
				t.Errorf("%s %s = %q, want %q", filepath.Base(c.deb), c.name, got, c.want)
			}
		}
		if d := field(t, bin, "Description"); !strings.Contains(d, "blocknet") && slices.Contains(apps, "blocknet") {
			t.Errorf("isptools Description does not list blocknet:\n%s", d)
		}
	})

	// Every entry is root-owned and dated SOURCE_DATE_EPOCH.
	date := time.Unix(testEpoch, 0).UTC().Format("2006-01-02 15:04")
	contents := func(t *testing.T, deb string) map[string]string {
		t.Helper()
		perms := map[string]string{}
		for line := range strings.Lines(dpkgDeb(t, "-c", deb)) {
			f := strings.Fields(line)
			if len(f) < 6 {
				t.Fatalf("odd dpkg-deb -c line %q", line)
			}
			if f[1] != "root/root" || f[3]+" "+f[4] != date {
				t.Errorf("%s: %q: want root/root and %s", filepath.Base(deb), line, date)
			}
			perms[f[5]] = f[0]
		}
		return perms
	}

	t.Run("binaries contents", func(t *testing.T) {
		perms := contents(t, bin)
		var got []string
		for p, mode := range perms {
			if strings.HasPrefix(p, "./usr/bin/") && !strings.HasSuffix(p, "/") {
				got = append(got, strings.TrimPrefix(p, "./usr/bin/"))
				if mode != "-rwxr-xr-x" {
					t.Errorf("%s mode %s, want -rwxr-xr-x", p, mode)
				}
			}
		}
		slices.Sort(got)
		want := slices.Sorted(slices.Values(apps))
		if !slices.Equal(got, want) {
			t.Errorf("/usr/bin = %q, want %q", got, want)
		}
		for _, doc := range []string{"copyright", "README", "example.env"} {
			if perms["./usr/share/doc/isptools/"+doc] != "-rw-r--r--" {
				t.Errorf("no ./usr/share/doc/isptools/%s 0644 in %v", doc, perms)
			}
		}
		for _, app := range apps {
			if p := "./usr/share/man/man1/" + app + ".1.gz"; perms[p] != "-rw-r--r--" {
				t.Errorf("no man page %s 0644", p)
			}
		}
	})

	t.Run("definitions contents", func(t *testing.T) {
		perms := contents(t, mf)
		entries, err := os.ReadDir("../multiflexi")
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range entries {
			if !strings.HasSuffix(e.Name(), ".multiflexi.app.json") {
				continue
			}
			n++
			p := "." + AppsDir + "/" + e.Name()
			if perms[p] != "-rw-r--r--" {
				t.Errorf("%s: mode %q, want -rw-r--r--", p, perms[p])
			}
		}
		if n < 8 {
			t.Errorf("only %d definitions in ../multiflexi", n)
		}
		for p := range perms {
			if strings.HasPrefix(p, "./usr/bin") {
				t.Errorf("definitions package ships %s", p)
			}
		}
	})

	t.Run("postinst", func(t *testing.T) {
		ctl := t.TempDir()
		dpkgDeb(t, "-e", mf, ctl)
		path := filepath.Join(ctl, "postinst")
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm()&0o111 != 0o111 {
			t.Errorf("postinst mode %v, want executable", st.Mode())
		}
		script, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{"#!/bin/sh\n", "set -e\n", "configure)", "command -v multiflexi-cli", "multiflexi-cli application:import-json --file \"$file\""} {
			if !bytes.Contains(script, []byte(s)) {
				t.Errorf("postinst lacks %q:\n%s", s, script)
			}
		}
		if _, err := os.Stat(filepath.Join(ctl, "preinst")); err == nil {
			t.Error("unexpected preinst")
		}
		if out, err := exec.Command("sh", "-n", path).CombinedOutput(); err != nil {
			t.Fatalf("sh -n postinst: %v\n%s", err, out)
		}

		// Run it with a fake multiflexi-cli that logs its arguments.
		run := func(t *testing.T, cliExit int, args ...string) (calls []string, stderr string) {
			t.Helper()
			fake := t.TempDir()
			log := filepath.Join(fake, "calls")
			if cliExit >= 0 {
				cli := "#!/bin/sh\necho \"$*\" >>" + log + "\nexit " + strconv.Itoa(cliExit) + "\n"
				if err := os.WriteFile(filepath.Join(fake, "multiflexi-cli"), []byte(cli), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			cmd := exec.Command("/bin/sh", append([]string{path}, args...)...)
			cmd.Env = []string{"PATH=" + fake + ":/usr/bin:/bin"}
			var errb bytes.Buffer
			cmd.Stderr = &errb
			if out, err := cmd.Output(); err != nil {
				t.Fatalf("postinst %v: %v\n%s%s", args, err, out, errb.Bytes())
			}
			data, err := os.ReadFile(log)
			if err == nil {
				calls = strings.Split(strings.TrimSpace(string(data)), "\n")
			}
			return calls, errb.String()
		}
		t.Run("configure imports each definition", func(t *testing.T) {
			calls, _ := run(t, 0, "configure", "")
			var want []string
			for p := range contents(t, mf) {
				if strings.HasSuffix(p, ".multiflexi.app.json") {
					want = append(want, "application:import-json --file "+strings.TrimPrefix(p, "."))
				}
			}
			slices.Sort(want)
			if !slices.Equal(calls, want) {
				t.Errorf("multiflexi-cli calls:\n%s\nwant:\n%s", strings.Join(calls, "\n"), strings.Join(want, "\n"))
			}
		})
		t.Run("failed import only warns", func(t *testing.T) {
			calls, stderr := run(t, 1, "configure", "1.0.0")
			if len(calls) == 0 || !strings.Contains(stderr, "warning") {
				t.Errorf("calls %q, stderr %q", calls, stderr)
			}
		})
		t.Run("no multiflexi-cli", func(t *testing.T) {
			calls, stderr := run(t, -1, "configure", "")
			want := "for f in " + AppsDir + "/*.multiflexi.app.json; do multiflexi-cli application:import-json --file \"$f\"; done"
			if calls != nil || !strings.Contains(stderr, "multiflexi-cli is not installed") || !strings.Contains(stderr, want) {
				t.Errorf("calls %q, stderr %q, want the import command %q", calls, stderr, want)
			}
			// The printed command works: run it with a fake multiflexi-cli.
			line := stderr[strings.Index(stderr, "for f in"):]
			line = line[:strings.Index(line, "\n")]
			fake := t.TempDir()
			log := filepath.Join(fake, "calls")
			if err := os.WriteFile(filepath.Join(fake, "multiflexi-cli"), []byte("#!/bin/sh\necho \"$*\" >>"+log+"\n"), 0o755); err != nil {
				t.Fatal(err)
			}
			root := t.TempDir()
			dpkgDeb(t, "-x", mf, root)
			cmd := exec.Command("/bin/sh", "-c", strings.ReplaceAll(line, AppsDir, root+AppsDir))
			cmd.Env = []string{"PATH=" + fake + ":/usr/bin:/bin"}
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%s: %v\n%s", line, err, out)
			}
			got, _ := os.ReadFile(log)
			if n := strings.Count(string(got), "application:import-json --file "); n < 8 {
				t.Errorf("the printed command imported %d definitions:\n%s", n, got)
			}
		})
		t.Run("not configure", func(t *testing.T) {
			if calls, _ := run(t, 0, "abort-upgrade", "1.0.0"); calls != nil {
				t.Errorf("calls %q", calls)
			}
		})
	})

	t.Run("installed app runs", func(t *testing.T) {
		root := t.TempDir()
		dpkgDeb(t, "-x", bin, root)
		app := "blocknet"
		if !slices.Contains(apps, app) {
			app = apps[0]
			t.Logf("blocknet is not built yet, running %s", app)
		}
		out, err := exec.Command(filepath.Join(root, "usr", "bin", app), "-version").Output()
		if err != nil {
			t.Fatalf("%s -version: %v", app, err)
		}
		line := string(out)
		if f := strings.Fields(line); len(f) < 2 || f[0] != app || f[1] != field(t, bin, "Version") {
			t.Errorf("%s -version = %q, want %s and the package version %s", app, line, app, field(t, bin, "Version"))
		}
		t.Logf("%s", strings.TrimSpace(line))
	})
}

func TestReproducible(t *testing.T) {
	_, bin1, mf1 := debs(t)
	_, bin2, mf2, err := packageInto(t, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, pair := range [][2]string{{bin1, bin2}, {mf1, mf2}} {
		a, err := os.ReadFile(pair[0])
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(pair[1])
		if err != nil {
			t.Fatal(err)
		}
		if sha256.Sum256(a) != sha256.Sum256(b) {
			t.Errorf("%s differs between two builds", filepath.Base(pair[0]))
		}
	}
}

func TestMissingApps(t *testing.T) {
	cfg := Config{ModuleDir: t.TempDir(), GOARCH: "amd64"}
	_, _, err := buildApps(context.Background(), cfg, t.TempDir())
	if err == nil {
		t.Fatal("no error without any app")
	}
	for _, app := range Apps {
		if !strings.Contains(err.Error(), app) {
			t.Errorf("error does not name %s: %v", app, err)
		}
	}
	if !strings.Contains(err.Error(), "-allow-missing") {
		t.Errorf("error does not mention -allow-missing: %v", err)
	}
	cfg.AllowMissing = true
	if _, _, err := buildApps(context.Background(), cfg, t.TempDir()); err == nil || !strings.Contains(err.Error(), "no app") {
		t.Errorf("allow-missing with no app: %v", err)
	}
}

func TestSplitVersion(t *testing.T) {
	for _, c := range []struct{ in, epoch, upstream, revision string }{
		{"1.2.3", "", "1.2.3", ""},
		{"0.1.0~git20260101.0123456789ab", "", "0.1.0~git20260101.0123456789ab", ""},
		{"1:1.2.3~rc1-2", "1", "1.2.3~rc1", "2"},
		{"1.2.3-4-5", "", "1.2.3-4", "5"},
		{"1.2.3+git4.gabc", "", "1.2.3+git4.gabc", ""},
	} {
		e, u, r, err := splitVersion(c.in)
		if err != nil || e != c.epoch || u != c.upstream || r != c.revision {
			t.Errorf("splitVersion(%q) = %q %q %q %v", c.in, e, u, r, err)
		}
	}
	if _, ok := describeVersion("nightly-3-gabc"); ok {
		t.Error("describeVersion accepted nightly-3-gabc")
	}
	for _, bad := range []string{"", "v1.2.3", "abc", "1.2_3", "x:1.2", "1.2-", "1.2 3"} {
		if _, _, _, err := splitVersion(bad); err == nil {
			t.Errorf("splitVersion(%q) succeeded", bad)
		}
	}
}

func TestResolve(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "1767225600") // 2026-01-01T00:00:00Z
	cfg := Config{ModuleDir: t.TempDir()}       // not a git repository
	if err := cfg.resolve(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := cfg.MTime; !got.Equal(time.Unix(1767225600, 0)) {
		t.Errorf("MTime = %v", got)
	}
	if cfg.Version != "0.1.0~git20260101" || cfg.OutDir != "dist" || cfg.Compression != DefaultCompression || cfg.Maintainer != DefaultMaintainer || cfg.GOARCH == "" {
		t.Errorf("resolved %+v", cfg)
	}

	cfg = Config{ModuleDir: t.TempDir(), Version: "v2.0.0"}
	if err := cfg.resolve(context.Background()); err != nil || cfg.Version != "2.0.0" {
		t.Errorf("-version v2.0.0: %q %v", cfg.Version, err)
	}
	cfg = Config{ModuleDir: t.TempDir(), Version: "two"}
	if err := cfg.resolve(context.Background()); err == nil {
		t.Error("-version two accepted")
	}
	cfg = Config{ModuleDir: t.TempDir(), Compression: "bzip2"}
	if err := cfg.resolve(context.Background()); err == nil {
		t.Error("-compression bzip2 accepted")
	}
	t.Setenv("SOURCE_DATE_EPOCH", "yesterday")
	cfg = Config{ModuleDir: t.TempDir()}
	if err := cfg.resolve(context.Background()); err == nil {
		t.Error("SOURCE_DATE_EPOCH=yesterday accepted")
	}
}

func TestDescribeVersion(t *testing.T) {
	for in, want := range map[string]string{
		"v1.2.3-0-g0123456789ab": "1.2.3",
		"v1.2.3-4-g0123456789ab": "1.2.3+git4.g0123456789ab",
		"1.0.0~rc1-2-gabcdef":    "1.0.0~rc1+git2.gabcdef",
	} {
		if got, ok := describeVersion(in); !ok || got != want {
			t.Errorf("describeVersion(%q) = %q %v, want %q", in, got, ok, want)
		}
	}
}

func TestDebArch(t *testing.T) {
	for in, want := range map[string]string{"amd64": "amd64", "arm64": "arm64", "386": "i386", "arm": "armhf", "ppc64le": "ppc64el"} {
		if got := debArch(in); got != want {
			t.Errorf("debArch(%s) = %s, want %s", in, got, want)
		}
	}
}

// TestDocumentation extracts the binaries package and checks its man
// pages and documentation against the definitions.
func TestDocumentation(t *testing.T) {
	needDpkgDeb(t)
	apps, bin, _ := debs(t)
	root := t.TempDir()
	dpkgDeb(t, "-x", bin, root)
	defs, err := definitionsOf(apps)
	if err != nil {
		t.Fatal(err)
	}
	_, haveGroff := exec.LookPath("groff")
	for _, def := range defs {
		t.Run("man "+def.Executable, func(t *testing.T) {
			f, err := os.Open(filepath.Join(root, "usr/share/man/man1", def.Executable+".1.gz"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			zr, err := gzip.NewReader(f)
			if err != nil {
				t.Fatal(err)
			}
			page, err := io.ReadAll(zr)
			if err != nil {
				t.Fatal(err)
			}
			if !zr.ModTime.IsZero() || zr.Name != "" {
				t.Errorf("gzip header carries a time %v or name %q", zr.ModTime, zr.Name)
			}
			if want := appkit.ManPage(def, testVersion, time.Unix(testEpoch, 0)); !bytes.Equal(page, want) {
				t.Errorf("man page differs from the definition's:\n%s", page)
			}
			for _, v := range def.Environment {
				if !bytes.Contains(page, []byte(".B "+v.Name+"\n")) {
					t.Errorf("man page lacks %s", v.Name)
				}
			}
			for _, ec := range def.ExitCodes {
				if !bytes.Contains(page, fmt.Appendf(nil, ".B %d\n", ec.Code)) {
					t.Errorf("man page lacks exit code %d", ec.Code)
				}
			}
			if haveGroff != nil {
				t.Log("groff not installed: the man page is not rendered")
				return
			}
			cmd := exec.Command("groff", "-man", "-Tutf8", "-ww", "-z")
			cmd.Stdin = bytes.NewReader(page)
			if out, err := cmd.CombinedOutput(); err != nil || len(out) > 0 {
				t.Errorf("groff: %v\n%s", err, out)
			}
		})
	}
	t.Run("example.env", func(t *testing.T) {
		path := filepath.Join(root, "usr/share/doc/isptools/example.env")
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		vars, err := appkit.LoadDotenv(path)
		if err != nil {
			t.Fatalf("example.env does not parse: %v", err)
		}
		// Uncommented are exactly the variables every use requires.
		for _, def := range defs {
			for _, v := range def.Environment {
				if !bytes.Contains(raw, []byte("\n"+v.Name+"=")) && !bytes.Contains(raw, []byte("\n#"+v.Name+"=")) {
					t.Errorf("example.env lacks %s (%s)", v.Name, def.Executable)
				}
				if _, set := vars[v.Name]; set && !v.Required {
					t.Errorf("example.env sets the optional %s", v.Name)
				}
			}
		}
		for _, name := range []string{"ABRAFLEXI_URL", "ABRAFLEXI_LOGIN", "ABRAFLEXI_PASSWORD", "ABRAFLEXI_COMPANY"} {
			if v, ok := vars[name]; !ok || v != "" {
				t.Errorf("example.env: %s = %q %v, want it present and empty", name, v, ok)
			}
		}
		if !bytes.Contains(raw, []byte("#EASE_LOGGER='console'\n")) && !bytes.Contains(raw, []byte("#EASE_LOGGER=console\n")) {
			t.Errorf("example.env does not give the binary default of EASE_LOGGER:\n%s", raw)
		}
	})
	t.Run("README", func(t *testing.T) {
		raw, err := os.ReadFile(filepath.Join(root, "usr/share/doc/isptools/README"))
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range append(slices.Clone(apps), "example.env", "multiflexi-cli application:import-json", testVersion) {
			if !bytes.Contains(raw, []byte(want)) {
				t.Errorf("README lacks %q", want)
			}
		}
	})
}
