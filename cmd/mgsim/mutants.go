package main

import (
	"fmt"
	"io"
	"runtime"

	"github.com/mgsim/mgsim/reference/mutants"
)

func mutantsCmd(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("mutants", stderr)
	seeds := fs.Int("seeds", 3, "seeds per scenario and profile (seeds 1..N)")
	jobs := fs.Int("jobs", runtime.GOMAXPROCS(0), "mutants hunted at once (the output is the same for any value)")
	list := fs.Bool("list", false, "list the mutants (name, level, bug) and exit")
	survivors := fs.Bool("survivors", false, "hunt the known survivors (suite gaps) instead of the catalogue")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return usageErr("mutants: unexpected argument %q", fs.Arg(0))
	case *seeds < 1:
		return usageErr("mutants: --seeds must be at least 1, got %d", *seeds)
	case *jobs < 1:
		return usageErr("mutants: --jobs must be at least 1, got %d", *jobs)
	}
	ms := mutants.Catalogue()
	if *survivors {
		ms = mutants.Survivors()
	}
	if *list {
		return listMutants(ms, stdout)
	}
	score, err := mutants.Hunt(ms, mutants.Options{Seeds: *seeds, Jobs: *jobs})
	if err != nil {
		return err
	}
	if err := score.WriteText(stdout); err != nil {
		return err
	}
	if !score.OK() {
		return errFailed
	}
	return nil
}

func listMutants(ms []mutants.Mutant, out io.Writer) error {
	for _, m := range ms {
		fmt.Fprintf(out, "%s\t%s\t%s\n", m.Name, m.Level, m.Bug)
		if m.Gap != "" {
			fmt.Fprintf(out, "\tgap: %s\n", m.Gap)
		}
	}
	return nil
}
