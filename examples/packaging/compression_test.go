//go:build !race

package main

// testCompression is the data.tar compression of the tests: the default.
const testCompression = DefaultCompression
