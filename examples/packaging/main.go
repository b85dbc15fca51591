// Command packaging builds the Debian packages of the isptools apps with
// nfpm, reproducibly and without network access:
//
//   - isptools: the command-line apps in /usr/bin, named as the PHP
//     Spoje-NET/isp-tools executables (abraflexi-mark-defaulters, blocknet,
//     unblocknet, isp-match-received-payment, isp-potvrzeni-prijeti-uhrady,
//     isp-potvrzeni-prijeti-bankovni-platby, isp-match-and-notify) plus
//     isp-match-payments-batch, so MultiFlexi "executable" entries keep
//     working. It conflicts with, replaces and provides the PHP package
//     isp-tools.
//   - multiflexi-isptools: the MultiFlexi application definitions in
//     /usr/share/multiflexi-isptools/multiflexi/ and a postinst that imports
//     each with "multiflexi-cli application:import-json --file …" when
//     multiflexi-cli is installed (a failed import only warns). It is
//     Architecture: all, depends on isptools of the same version and
//     conflicts with, replaces and provides the PHP package
//     multiflexi-isp-tools.
//
// Usage, from anywhere inside the module:
//
//	go run ./examples/packaging [-out dist] [-version 1.2.3] [-arch amd64]
//	    [-maintainer "Name <mail>"] [-compression gzip:6] [-allow-missing]
//
// Every app is built from examples/<name> with CGO_ENABLED=0,
// -trimpath and -ldflags "-s -w -buildid=". The VCS stamping of the Go
// toolchain is kept (-buildvcs=auto), so "<app> -version" still prints the
// module version and commit; it depends only on the checked-out commit and
// whether the tree is modified, so it does not break reproducibility.
//
// The package version comes from -version, else from "git describe --tags"
// (v1.2.3 gives 1.2.3, v1.2.3-4-gabc1234 gives 1.2.3+git4.gabc1234), else it
// is 0.1.0~git<YYYYMMDD>.<commit> (or 0.1.0~git<YYYYMMDD> outside git) with
// the date of SOURCE_DATE_EPOCH. Every timestamp inside the packages is
// SOURCE_DATE_EPOCH, which defaults to the time of the last git commit, else
// to a fixed epoch; building the same tree twice yields byte-identical
// .deb files.
//
// A missing app (no examples/<name>/main.go) is an error listing the
// missing ones, unless -allow-missing is given, which packages the apps
// that exist.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
)

func main() {
	cfg := Config{}
	flag.StringVar(&cfg.OutDir, "out", "dist", "write the .deb files to `DIR`")
	flag.StringVar(&cfg.Version, "version", "", "package `VERSION` (Debian syntax, a leading v is dropped; default from git describe)")
	flag.StringVar(&cfg.GOARCH, "arch", "", "target `GOARCH` (default $GOARCH, else the host's)")
	flag.StringVar(&cfg.Maintainer, "maintainer", DefaultMaintainer, "Maintainer control field")
	flag.StringVar(&cfg.Compression, "compression", DefaultCompression, "data.tar compression: gzip[:level], xz, zstd or none")
	flag.BoolVar(&cfg.AllowMissing, "allow-missing", false, "package the apps that exist instead of failing on missing ones")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "Usage: go run ./examples/packaging [flags]\n\nBuilds the isptools and multiflexi-isptools .deb packages.\n\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "packaging: unexpected argument %q\n", flag.Arg(0))
		flag.Usage()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	res, err := Run(ctx, cfg, os.Stderr)
	if err != nil {
		fmt.Fprintf(os.Stderr, "packaging: %v\n", err)
		stop()
		os.Exit(1)
	}
	for _, p := range res.Packages {
		fmt.Println(p)
	}
}
