// Package svnhosts manages the network's hosts file and the Subversion
// repository holding it. The traffic shaping is generated from the comments
// of this file, so its format is a contract:
//
//	10.0.0.1	host1		#speed=512 {code:TEST1}
//
// # Format
//
// An entry is a line that is not empty and does not start with '#' (the
// issue's literal rule); commented-out lines are never touched. A line of
// blanks only, or an indented "  # ..." line, is therefore an entry without a
// valid IP: [File.Check] reports it, while Block, Unblock and CustomerIPs
// never match it, so it is never changed either. The entry's IP (IPv4 or IPv6, compared as addresses) is its first field
// separated by tabs or spaces; everything after the first '#' is its comment.
// Tokens such as speed=N and orig=N are whole whitespace-separated words.
// [Parse] keeps every byte: [File.Bytes] of an unchanged file equals its
// input, including CRLF endings, a missing final newline and junk lines.
//
// [File.Block] rewrites an entry's comment to "# speed=0 orig=N R" and
// [File.Unblock] back to "# speed=N R", where R is the rest of the comment
// without speed=, orig= words and the PHP tool's markers
// "dashboard-neplatic", "dashboard-smlouva", "-odpojen" and "dashboard"
// (removed as plain substrings, in that order), trimmed at both ends. The
// output is the PHP tool's, so both tools can work on one repository during
// a migration; unlike the PHP tool, blocking an entry without a comment
// appends "\t# speed=0", and unblocking an entry that is not blocked leaves
// it alone.
//
// [File.CustomerIPs] finds a customer by a "{code:CODE}" token, falling back
// to CODE as a whole word of the comment. [File.Check] reports the PHP tool's
// sanity problems with line numbers.
//
// # Backends
//
// [Repo] implements [netbackend.Backend] on a Subversion repository: each
// Apply checks out only the hosts file into a private temporary working
// copy, applies all changes and makes exactly one commit naming every
// changed customer and IP, retrying on the updated file when the commit is
// rejected as out of date. svn runs without a shell, with a private config
// directory, LC_ALL=C and a minimal environment; the password is passed on
// standard input (--password-from-stdin, svn >= 1.10) and never appears in
// argv, the child environment, logs or errors. [ConfigFromEnv] reads SVNURL,
// SVNUSER, SVNPASS, SVNBIN, SVN_HOSTS_PATH and LOGFILE.
//
// [FileBackend] does the same on a local file (HOSTS_FILE) with an atomic
// replace under a lock; the demo and small installations use it.
package svnhosts
