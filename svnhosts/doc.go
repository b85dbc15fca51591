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
// a migration; unlike the PHP tool, blocking an entry without a speed keeps
// "orig=0" (the line had none: unblocking gives it DEFAULT_SPEED or no
// speed again), so the kept original marks every line these tools blocked,
// and unblocking an entry that is not blocked leaves it alone.
// [File.BlockAt] throttles to a speed instead ("# speed=64 orig=512 R").
//
// A line is held as blocked when it has a speed=0 token, or an orig=N token
// with N at or above its speed (a throttled line); a line with an orig= token
// below its speed had its speed raised since and is not blocked.
// [File.Blocked] lists the lines held as blocked: those with a kept original
// were blocked by these tools, those with speed=0 and no orig= by hand.
//
// # Whose line it is
//
// A line belongs to the customers of its "{code:CODE}" tokens. [File.Apply]
// changes a line only for its customer, and [File.Lookup] finds a
// customer's IPs by the exact token only ([MatchToken], the default). An IP
// on the lines of two different customers (an address re-assigned while the
// old owner's line stayed, or one line naming two customers) is a conflict:
// Lookup leaves it out and reports both customers and line numbers, and
// Apply refuses to change either line ([netbackend.ErrConflict]).
//
// The PHP tool also matched a customer by its code as a whole word anywhere
// in a comment. That is only done when the operator opts in with
// HOSTS_CODE_FALLBACK=word ([MatchWord]), for customers without any token
// line and on lines without any token. It is risky: a comment such as
// "# former owner 1001" makes the line customer 1001's, who is then cut off
// or restored on an address that is no longer theirs.
//
// [File.Check] reports the PHP tool's sanity problems with line numbers; the
// backends run it before every change (logging its findings) and return its
// findings as the warnings of every lookup, for the apps' reports.
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
// SVNUSER, SVNPASS, SVNBIN, SVN_HOSTS_PATH, LOGFILE, SVN_WORKING_COPY and
// HOSTS_CODE_FALLBACK.
//
// With a configured working copy (SVN_WORKING_COPY), a run killed between
// rewrite and commit leaves the hosts file modified there, and a run killed
// inside svn leaves the working copy locked. The next run reverts that
// leftover of the hosts file and runs svn cleanup on a locked working copy,
// logs both at warning level and goes on from the repository's state.
//
// [FileBackend] does the same on a local file (HOSTS_FILE) with an atomic
// replace under a lock; the demo and small installations use it.
package svnhosts
