package main

import (
	"errors"
	"flag"
	"io"
	"strings"
)

// newFlagSet returns a flag set that reports errors instead of exiting,
// and prints its help to stderr only when asked for.
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("mgsim "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	_ = stderr
	return fs
}

// parseFlags parses args, flags before, between or after the other
// arguments ("mgsim check a.jsonl --profile mongoose-6.18"); after "--"
// everything is an argument, and "-" (stdin) is one. -h prints the flags
// to stderr. A bad flag becomes one usage line.
func parseFlags(fs *flag.FlagSet, args []string, stderr io.Writer) error {
	var rest []string
	for {
		if err := parseSome(fs, args, stderr); err != nil {
			return err
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		if args[0] == "--" {
			rest = append(rest, args[1:]...)
			break
		}
		rest, args = append(rest, args[0]), args[1:]
	}
	return fs.Parse(append([]string{"--"}, rest...)) // fs.Args() is now rest
}

// parseSome parses flags up to the first other argument.
func parseSome(fs *flag.FlagSet, args []string, stderr io.Writer) error {
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fs.SetOutput(stderr)
		fs.PrintDefaults()
		return errHelp
	}
	if err != nil {
		return usageErr("%s: %s", fs.Name(), firstLine(err.Error()))
	}
	return nil
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// listFlag collects a comma-separated or repeated flag.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	for _, part := range strings.Split(v, ",") {
		if part = strings.TrimSpace(part); part != "" {
			*l = append(*l, part)
		}
	}
	return nil
}
