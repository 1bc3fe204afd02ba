package main

import (
	"bufio"
	"fmt"
	"io"
	"os"

	"github.com/mgsim/mgsim/conformance"
)

func checkCmd(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("check", stderr)
	profile := fs.String("profile", "core", "rules to check: core, mongoose-6.18 or textbook")
	rules := fs.String("rules", "", "same as --profile")
	pollClock := fs.Bool("poll-clock", false, "t is the poll's own clock reading (every call in a poll has the same t)")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	name := *profile
	if *rules != "" {
		name = *rules
	}
	p, err := conformance.ParseProfile(name)
	if err != nil {
		return usageErr("check: --profile: %v", err)
	}
	if fs.NArg() == 0 {
		return usageErr("check: give one or more trace files, or - for stdin")
	}
	failed := false
	for _, path := range fs.Args() {
		ok, err := checkOne(path, conformance.CheckOptions{Profile: p, PollClock: *pollClock}, stdin, stdout)
		if err != nil {
			return err
		}
		failed = failed || !ok
	}
	if failed {
		return errFailed
	}
	return nil
}

// checkOne checks one file (or stdin for "-") and prints its report.
func checkOne(path string, o conformance.CheckOptions, stdin io.Reader, stdout io.Writer) (bool, error) {
	in, closeIn, err := openTrace(path, stdin)
	if err != nil {
		return false, err
	}
	defer closeIn()
	rep, err := conformance.CheckReader(bufio.NewReaderSize(in, 1<<20), o)
	if err != nil {
		return false, usageErr("check: read %s: %v", path, err)
	}
	fmt.Fprintf(stdout, "== %s (%s)\n", path, o.Profile)
	if err := rep.WriteText(stdout); err != nil {
		return false, err
	}
	return rep.OK(), nil
}

func openTrace(path string, stdin io.Reader) (io.Reader, func(), error) {
	if path == "-" {
		return stdin, func() {}, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, usageErr("check: %v", unwrapRead(err))
	}
	return f, func() { f.Close() }, nil
}

func unwrapRead(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return fmt.Errorf("cannot read %s: %v", pe.Path, pe.Err)
	}
	return err
}
