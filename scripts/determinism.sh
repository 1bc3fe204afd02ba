#!/usr/bin/env bash
# Determinism across processes: the same seeds must give byte-identical
# traces with GOMAXPROCS=1, with GOMAXPROCS=8, and in a -race build.
#
#   scripts/determinism.sh            # 200 seeds per scenario, "lan" profile
#   SEEDS=20 scripts/determinism.sh   # the bounded version CI runs
#   PROFILE=all scripts/determinism.sh
set -euo pipefail
cd "$(dirname "$0")/.."
seeds=${SEEDS:-200}
profile=${PROFILE:-lan}
[ "$profile" = all ] && profile_flag="" || profile_flag="--profile $profile"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

go build -o "$tmp/mgsim" ./cmd/mgsim
go build -race -o "$tmp/mgsim-race" ./cmd/mgsim

run() { # name, binary, GOMAXPROCS
  GOMAXPROCS=$3 "$2" run --seeds "$seeds" $profile_flag --digests > "$tmp/$1.txt"
  echo "$1: $(wc -l < "$tmp/$1.txt") runs"
}
run procs1 "$tmp/mgsim" 1
run procs8 "$tmp/mgsim" 8
run race "$tmp/mgsim-race" 2

status=0
for other in procs8 race; do
  if ! diff -q "$tmp/procs1.txt" "$tmp/$other.txt" >/dev/null; then
    echo "NOT DETERMINISTIC: GOMAXPROCS=1 and $other differ:"
    diff "$tmp/procs1.txt" "$tmp/$other.txt" | head -20
    status=1
  fi
done
[ $status = 0 ] && echo "deterministic: $(wc -l < "$tmp/procs1.txt") traces identical across GOMAXPROCS=1, GOMAXPROCS=8 and -race"
exit $status
