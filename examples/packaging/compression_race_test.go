//go:build race

package main

// testCompression is the data.tar compression of the tests under -race,
// where the instrumented compress/flate takes minutes for the 80 MB of
// binaries at the default level.
const testCompression = "gzip:1"
