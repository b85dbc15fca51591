package appkit

import (
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spoje-net/isptools/examples/multiflexi"
)

// Where the Debian packages install the files the help refers to.
const (
	// DefinitionsDir is where the multiflexi-isptools package installs
	// the MultiFlexi definitions.
	DefinitionsDir = "/usr/share/multiflexi-isptools/multiflexi"
	// DocDir is the documentation directory of the isptools package, with
	// the README and the example .env file.
	DocDir = "/usr/share/doc/isptools"
)

// option is one command-line option of every app, as the help and the man
// page describe it. [App.Run] defines the flags.
type option struct {
	names []string // with dashes: -e, --environment
	arg   string   // FILE, or empty
	text  string
}

// options are the flags of [App.Run], in the order of the help.
var options = []option{
	{[]string{"-e", "--environment"}, "FILE", "Load environment variables from FILE. Variables already set in the environment win. Without -e, ./.env is loaded when it exists."},
	{[]string{"-o", "--output"}, "FILE", "Write the JSON report to FILE instead of RESULT_FILE; php://stdout and php://stderr mean the standard streams."},
	{[]string{"-version", "--version"}, "", "Print the version (the version of the Debian package) and exit."},
	{[]string{"-h", "--help"}, "", "Print this help and exit."},
}

// usageLine is the synopsis of every app.
func usageLine(name string) string {
	const opts = "[-e|--environment FILE] [-o|--output FILE] [-version] [-h|--help]"
	if len("Usage: "+name+" "+opts) > 78 {
		return "Usage: " + name + "\n       " + opts
	}
	return "Usage: " + name + " " + opts
}

// shellLines breaks a command line into lines of at most width columns
// (after indent), continued with a backslash as in a shell.
func shellLines(cmd, indent string, width int) string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(cmd) {
		if line != "" && len(indent)+len(line)+1+len(w)+2 > width {
			lines = append(lines, line+" \\")
			line = "    " + w
			continue
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	lines = append(lines, line)
	return indent + strings.Join(lines, "\n"+indent) + "\n"
}

// Attributes describes how the app treats v, for the help, the man page
// and the README: "required", "required when NAME=value", "default X"
// or "no default", then "MultiFlexi default Y" when MultiFlexi fills in a
// different value, and "secret" for passwords and tokens.
func Attributes(v multiflexi.Variable) string {
	var parts []string
	bin := v.BinaryDefault()
	switch {
	case v.Required:
		parts = append(parts, "required")
	case v.RequiredWhen != "":
		parts = append(parts, "required when "+v.RequiredWhen)
	}
	switch {
	case bin != "":
		parts = append(parts, "default "+bin)
	case !v.Required:
		parts = append(parts, "no default")
	}
	if mf := v.MultiFlexiDefault(); mf != bin && mf != "" {
		parts = append(parts, "MultiFlexi default "+mf)
	}
	if v.Type == "password" {
		parts = append(parts, "secret")
	}
	return strings.Join(parts, "; ")
}

// WriteHelp writes the -h text of the app called name: with its
// definition def the description, usage, options, every environment
// variable with its attributes ([Attributes]) and meaning, the exit codes,
// an example and where the definition, the example .env and the man page
// are; without a definition (nil) the usage and options only.
func WriteHelp(w io.Writer, name string, def *multiflexi.Definition) error {
	var b strings.Builder
	if def != nil {
		fmt.Fprintf(&b, "%s - %s\n\n", name, multiflexi.Text(def.Name))
		wrap(&b, multiflexi.Text(def.Description), "", 78)
		b.WriteString("\n")
	}
	b.WriteString(usageLine(name) + "\n\nOptions:\n")
	for _, o := range options {
		head := "  " + strings.Join(o.names, ", ")
		if o.arg != "" {
			head += " " + o.arg
		}
		b.WriteString(head + "\n")
		wrap(&b, o.text, "      ", 78)
	}
	if def == nil {
		b.WriteString("\nConfiguration is read from environment variables.\n")
		_, err := io.WriteString(w, b.String())
		return err
	}
	b.WriteString("\nEnvironment (empty counts as unset):\n")
	for _, v := range def.Environment {
		fmt.Fprintf(&b, "  %s  (%s)\n", v.Name, Attributes(v))
		wrap(&b, multiflexi.Text(v.Description), "      ", 78)
	}
	b.WriteString("\nExit codes:\n")
	for _, ec := range def.ExitCodes {
		fmt.Fprintf(&b, "  %d\n", ec.Code)
		wrap(&b, multiflexi.Text(ec.Description), "      ", 78)
	}
	if def.Example != "" {
		b.WriteString("\nExample:\n" + shellLines(def.Example, "  ", 78))
	}
	fmt.Fprintf(&b, "\nFiles:\n  %s/%s\n      The MultiFlexi definition (package multiflexi-isptools).\n"+
		"  %s/example.env\n      An example configuration for -e.\n\nSee also: man %s\n",
		DefinitionsDir, def.File, DocDir, name)
	_, err := io.WriteString(w, b.String())
	return err
}

// wrap writes text word-wrapped to width columns, every line indented by
// indent ([WrapText]).
func wrap(b *strings.Builder, text, indent string, width int) {
	b.WriteString(WrapText(text, indent, width))
}

// WrapText word-wraps text to width columns (counted in characters, not
// bytes), every line indented by indent and ended by a newline; a word
// longer than the width stands on a line of its own.
func WrapText(text, indent string, width int) string {
	var b strings.Builder
	line := indent
	for _, word := range strings.Fields(text) {
		if line != indent && utf8.RuneCountInString(line)+1+utf8.RuneCountInString(word) > width {
			b.WriteString(line + "\n")
			line = indent
		}
		if line != indent {
			line += " "
		}
		line += word
	}
	b.WriteString(line + "\n")
	return b.String()
}

// ManPage renders the man page (section 1, roff with the man macros) of the
// app of def from the same data as [WriteHelp]: name, synopsis,
// description, options, environment, exit status, example, files and see
// also. version is the package version and date the page's date (the
// packages use SOURCE_DATE_EPOCH, so the page is reproducible).
func ManPage(def *multiflexi.Definition, version string, date time.Time) []byte {
	var b strings.Builder
	name := def.Executable
	fmt.Fprintf(&b, ".TH %s 1 %s %s %s\n", roffQuote(strings.ToUpper(name)), roffQuote(date.UTC().Format("2006-01-02")),
		roffQuote("isptools "+version), roffQuote("isptools"))
	b.WriteString(".ad l\n") // ragged right: long paths cannot be justified
	b.WriteString(".SH NAME\n")
	fmt.Fprintf(&b, "%s \\- %s\n", roffText(name), roffText(multiflexi.Text(def.Name)))
	b.WriteString(".SH SYNOPSIS\n")
	fmt.Fprintf(&b, ".B %s\n", roffText(name))
	b.WriteString("[\\fB\\-e\\fR|\\fB\\-\\-environment\\fR \\fIFILE\\fR]\n[\\fB\\-o\\fR|\\fB\\-\\-output\\fR \\fIFILE\\fR]\n[\\fB\\-version\\fR]\n[\\fB\\-h\\fR|\\fB\\-\\-help\\fR]\n")
	b.WriteString(".SH DESCRIPTION\n")
	b.WriteString(roffText(multiflexi.Text(def.Description)) + "\n")
	b.WriteString(".PP\nThe configuration is read from environment variables (an empty value counts as unset); " +
		"the app writes a JSON report to \\fBRESULT_FILE\\fR and logs to standard error.\n")
	b.WriteString(".SH OPTIONS\n")
	for _, o := range options {
		b.WriteString(".TP\n")
		var names []string
		for _, n := range o.names {
			names = append(names, "\\fB"+roffText(n)+"\\fR")
		}
		head := strings.Join(names, ", ")
		if o.arg != "" {
			head += " \\fI" + o.arg + "\\fR"
		}
		b.WriteString(head + "\n" + roffText(o.text) + "\n")
	}
	b.WriteString(".SH ENVIRONMENT\n")
	for _, v := range def.Environment {
		fmt.Fprintf(&b, ".TP\n.B %s\n%s\n.br\n(%s)\n", v.Name, roffText(multiflexi.Text(v.Description)), roffText(Attributes(v)))
	}
	b.WriteString(".SH EXIT STATUS\n")
	for _, ec := range def.ExitCodes {
		fmt.Fprintf(&b, ".TP\n.B %d\n%s\n", ec.Code, roffText(multiflexi.Text(ec.Description)))
	}
	if def.Example != "" {
		b.WriteString(".SH EXAMPLES\n.PP\n.nf\n.RS\n" + roffText(def.Example) + "\n.RE\n.fi\n")
	}
	b.WriteString(".SH FILES\n")
	fmt.Fprintf(&b, ".TP\n.I %s/%s\nThe MultiFlexi application definition (package multiflexi\\-isptools).\n", roffText(DefinitionsDir), roffText(def.File))
	fmt.Fprintf(&b, ".TP\n.I %s/example.env\nAn example configuration for \\fB\\-e\\fR.\n", roffText(DocDir))
	b.WriteString(".SH SEE ALSO\n")
	fmt.Fprintf(&b, "%s/README, \\fBmultiflexi\\-cli\\fR(1)\n", roffText(DocDir))
	return []byte(b.String())
}

// roffText escapes text for a roff text line: backslashes and hyphens, and
// a leading dot or apostrophe, which roff would take for a request.
func roffText(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	s = strings.ReplaceAll(s, `\`, `\e`)
	s = strings.ReplaceAll(s, "-", `\-`)
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "'") {
		s = `\&` + s
	}
	return s
}

// roffQuote quotes a macro argument.
func roffQuote(s string) string {
	return `"` + strings.ReplaceAll(roffText(s), `"`, `\(dq`) + `"`
}
