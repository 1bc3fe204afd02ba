// Command mgsim runs the conformance suite, checks traces and replays
// seeds. See "mgsim help".
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
)

const usage = `mgsim: deterministic tests for Mongoose-6.x-style event loops

usage:
  mgsim run   [flags]               run the conformance scenarios (default: on the reference)
  mgsim check [flags] FILE... | -   check JSONL traces written by any implementation
  mgsim rules [--markdown]          list the rules and the scenarios that cover them
  mgsim mutants [--seeds N]         run the suite on the mutation catalogue and print the score
  mgsim help                        this text

"mgsim run -h", "mgsim check -h" and "mgsim mutants -h" list their flags;
flags may also follow the files, and after "--" every argument is a file.
Exit status: 0 all passed, 1 a failure or violation (mutants: a survivor),
2 bad usage or input.
`

// errUsage marks an error that is the user's to fix: exit status 2.
type errUsage struct{ msg string }

func (e *errUsage) Error() string { return e.msg }

func usageErr(format string, args ...any) error { return &errUsage{fmt.Sprintf(format, args...)} }

// errFailed means the command ran and found failures: exit status 1.
var errFailed = errors.New("failed")

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run is main without the process: it returns the exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	err := dispatch(args, stdin, stdout, stderr)
	var ue *errUsage
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errFailed):
		return 1
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "mgsim: %s\n", ue.msg)
		return 2
	case errors.Is(err, errHelp):
		return 0
	default:
		fmt.Fprintf(stderr, "mgsim: %v\n", err)
		return 2
	}
}

var errHelp = errors.New("help shown")

func dispatch(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		io.WriteString(stderr, usage)
		return usageErr("no command given")
	}
	switch args[0] {
	case "run":
		return runCmd(args[1:], stdout, stderr)
	case "check":
		return checkCmd(args[1:], stdin, stdout, stderr)
	case "rules":
		return rulesCmd(args[1:], stdout, stderr)
	case "mutants":
		return mutantsCmd(args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		io.WriteString(stdout, usage)
		return nil
	}
	return usageErr("unknown command %q (want run, check, rules, mutants or help)", args[0])
}
