#!/usr/bin/env bash
# mutants.sh: the mutation score of the conformance suite.
#
# Builds cmd/mgsim and runs "mgsim mutants": every mutant of the catalogue
# (reference/mutants) is hunted over the suite until its first failing run,
# and the reference is run on the same runs as a control. Prints the table
# "mutant | caught by | first failing scenario" and the score caught/total.
#
# usage: scripts/mutants.sh [--seeds N] [--jobs N] [--survivors]
#   (flags go to "mgsim mutants"; default: seeds 1..3)
# exit:  0 every mutant caught and the reference passed; 1 a mutant
#        survived or the reference failed; 2 bad usage or a build failure.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT

cd "$root"
if ! go build -o "$bin/mgsim" ./cmd/mgsim; then
	echo "mutants.sh: cannot build cmd/mgsim" >&2
	exit 2
fi
"$bin/mgsim" mutants "$@"
