package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/mgsim/mgsim/conformance"
)

func rulesCmd(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("rules", stderr)
	markdown := fs.Bool("markdown", false, "print the rules table as Markdown (docs/rules.md is generated this way)")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErr("rules: unexpected argument %q", fs.Arg(0))
	}
	if *markdown {
		_, err := io.WriteString(stdout, conformance.RulesMarkdown())
		return err
	}
	cover := conformance.Coverage()
	for _, r := range conformance.Rules() {
		fmt.Fprintf(stdout, "%-7s %-8s %s\n        scenarios: %s\n", r.ID, r.Level, r.Text, strings.Join(cover[r.ID], " "))
	}
	return nil
}
