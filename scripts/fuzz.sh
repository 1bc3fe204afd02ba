#!/usr/bin/env bash
# fuzz.sh runs every Go fuzz target of the module (every FuzzXxx in every
# package) for a given time each, one after the other, and lists what it
# ran and how each went. It exits 1 if a target failed.
#
#   scripts/fuzz.sh                    # every target, 10s each (what CI runs)
#   scripts/fuzz.sh -time 10m Handler  # targets matching "Handler", 10 minutes each
#
# Options:
#   -time D      how long each target fuzzes (a Go duration, or Nx for N runs); default 10s
#   -minimize D  how long the engine may minimise a new input (-fuzzminimizetime);
#                default 2s, so that large seeds do not eat a short run
#   PATTERN      run only targets whose name matches this regular expression
#
# A failure writes the failing input to PKG/testdata/fuzz/FuzzXxx/HASH and
# prints the command that re-runs it. To keep it as a regression test, fix
# the bug (or the target), rename the file to say what it is, and commit
# it: `go test ./...` runs every committed input of every target.
set -euo pipefail
cd "$(dirname "$0")/.."

fuzztime=10s
minimize=2s
pattern=.
while [ $# -gt 0 ]; do
	case "$1" in
	-time) fuzztime=$2; shift 2 ;;
	-minimize) minimize=$2; shift 2 ;;
	-h | -help | --help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "fuzz.sh: unknown option $1 (see -h)" >&2; exit 2 ;;
	*) pattern=$1; shift ;;
	esac
done

ran=()
failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# new_inputs lists the fuzz inputs not committed yet: a failing run writes one.
new_inputs() { git status --porcelain --untracked-files=all -- '*/testdata/fuzz/*' 2>/dev/null; }
for pkg in $(go list ./...); do
	for target in $(go test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true); do
		[[ $target =~ $pattern ]] || continue
		echo "=== $pkg $target ($fuzztime)"
		before=$(new_inputs)
		if go test "$pkg" -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" -fuzzminimizetime "$minimize" 2>&1 | tee "$log"; then
			ran+=("ok     $pkg $target")
		elif [ "$(new_inputs)" = "$before" ] && grep -q 'context deadline exceeded' "$log"; then
			# go1.26's fuzz coordinator can report its own -fuzztime deadline
			# as a failure, with no failing input (go.dev/issue/75804, fixed
			# in go1.27): not a finding.
			ran+=("ok     $pkg $target (the toolchain's deadline report, go.dev/issue/75804, ignored: no failing input)")
		else
			ran+=("FAILED $pkg $target")
			failed=1
		fi
	done
done

echo
echo "fuzz.sh: ran ${#ran[@]} targets for $fuzztime each"
for line in "${ran[@]}"; do
	echo "  $line"
done
if [ "${#ran[@]}" -eq 0 ]; then
	echo "fuzz.sh: no target matches $pattern" >&2
	exit 2
fi
if [ "$failed" -ne 0 ]; then
	echo "fuzz.sh: new failing inputs (commit them once fixed, as regression tests):"
	git status --porcelain --untracked-files=all -- '*/testdata/fuzz/*' | sed 's/^/  /'
fi
exit "$failed"
