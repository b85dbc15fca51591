// Package pipelinea_test is the end-to-end test of Pipeline A: it builds
// the binaries abraflexi-mark-defaulters, blocknet and unblocknet, and runs
// them as processes against an in-memory AbraFlexi (abraflexitest) and a
// real file:// Subversion repository holding the hosts file. It needs the
// svn and svnadmin commands and skips without them.
package pipelinea_test
