#!/usr/bin/env bash
# Named passes, as CI runs them. With no arguments, every pass; otherwise
# only the passes named, e.g. scripts/check.sh fmt vet imports.
#
#   fmt          gofmt has nothing to change
#   vet          go vet ./...
#   imports      packages import downward only; no wall clock or global rand in the simulated world
#   unit         go test ./...
#   race         go test -race -short on the core packages
#   determinism  scripts/determinism.sh with $SEEDS seeds (default 20)
#   suite        the conformance suite on the reference (go run ./cmd/mgsim run)
#   fuzz         scripts/fuzz.sh for $FUZZTIME per target (default 10s)
#   mutants      scripts/mutants.sh: every mutant of the catalogue must be caught
set -euo pipefail
cd "$(dirname "$0")/.."
passes=("$@")
[ ${#passes[@]} -eq 0 ] && passes=(fmt vet imports unit race determinism suite fuzz mutants)

pass_fmt() {
  local out
  out=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
  [ -z "$out" ] || { echo "gofmt would change:"; echo "$out"; return 1; }
}
pass_vet() { go vet ./...; }
pass_imports() {
  local bad=0
  forbid() { # package, forbidden import prefixes...
    local pkg=$1; shift
    local deps
    deps=$(go list -deps "./$pkg" | grep '^github.com/mgsim/mgsim' || true)
    for f in "$@"; do
      if echo "$deps" | grep -qx "github.com/mgsim/mgsim/$f"; then
        echo "forbidden import: $pkg depends on $f"; bad=1
      fi
    done
  }
  forbid sim simnet reference conformance fuzz
  forbid simnet reference conformance fuzz
  forbid reference sim simnet conformance fuzz
  forbid conformance reference fuzz
  local hits
  hits=$(git ls-files 'sim/*.go' 'simnet/*.go' 'reference/*.go' 'conformance/*.go' | grep -v '_test.go$' | grep -v 'realtime_' \
    | xargs grep -nE 'time\.Now\(|time\.Sleep\(|time\.After\(|time\.AfterFunc\(|[^.]rand\.(Int|Intn|IntN|Float64|Perm|Shuffle|Uint64)\(' || true)
  [ -z "$hits" ] || { echo "wall clock or global randomness in the simulated world:"; echo "$hits"; bad=1; }
  return $bad
}
pass_unit() { go test ./...; }
pass_race() { go test -race -short ./sim/... ./simnet/... ./reference/... ./conformance/...; }
pass_determinism() { SEEDS=${SEEDS:-20} scripts/determinism.sh; }
pass_suite() { go run ./cmd/mgsim run --seeds ${SUITE_SEEDS:-5}; }
pass_fuzz() { scripts/fuzz.sh -time "${FUZZTIME:-10s}"; }
pass_mutants() { scripts/mutants.sh; }

failed=()
for p in "${passes[@]}"; do
  echo "== $p"
  start=$(date +%s)
  if "pass_$p"; then echo "-- $p ok ($(( $(date +%s) - start ))s)"; else echo "-- $p FAILED"; failed+=("$p"); fi
done
if [ ${#failed[@]} -gt 0 ]; then echo "failed passes: ${failed[*]}"; exit 1; fi
echo "all passes ok: ${passes[*]}"
