#!/usr/bin/env bash
# Side-by-side echo benchmark: the same workloads on the reference over the
# simulated network ("sim"), over real loopback TCP and over net.Pipe inside
# testing/synctest, in one run; then a table of the ratios sim/loopback and
# sim/synctest (MB/s; above 1 means the simulation is faster).
#
#   scripts/bench.sh                 # 5 iterations per sub-benchmark
#   BENCHTIME=20x scripts/bench.sh
#   CPU=1 scripts/bench.sh           # one core (also reports events/s per core)
set -euo pipefail
cd "$(dirname "$0")/.."
benchtime=${BENCHTIME:-5x}
cpu=${CPU:-$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)}
out=$(mktemp)
trap 'rm -f "$out"' EXIT

echo "machine: $(uname -sm), $(getconf _NPROCESSORS_ONLN 2>/dev/null || echo '?') cores, $(go version | cut -d' ' -f3); -cpu $cpu -benchtime $benchtime"
go test ./bench -run '^$' -bench 'Echo' -benchmem -benchtime "$benchtime" -cpu "$cpu" | tee "$out"
echo
awk '
  /^BenchmarkEcho\// {
    split($1, p, "/"); wl = p[2]; way = p[3]; sub(/-[0-9]+$/, "", way)
    for (i = 1; i <= NF; i++) {
      if ($(i+1) == "MB/s") mb[wl, way] = $i
      if ($(i+1) == "events/s") ev[wl, way] = $i
      if ($(i+1) == "allocs/op") al[wl, way] = $i
    }
    if (!(wl in seen)) { seen[wl] = 1; order[++n] = wl }
  }
  /^BenchmarkEchoSteady/ {
    for (i = 1; i <= NF; i++) {
      if ($(i+1) == "MB/s") steady = steady sprintf("%s MB/s, ", $i)
      if ($(i+1) == "events/s") steady = steady sprintf("%s handler events/s, ", $i)
      if ($(i+1) == "allocs/op") steady = steady sprintf("%s allocs/op", $i)
    }
  }
  END {
    printf "%-16s %12s %12s %12s %14s %14s %14s\n", "workload", "sim MB/s", "loopback", "synctest", "sim/loopback", "sim/synctest", "sim events/s"
    for (i = 1; i <= n; i++) {
      w = order[i]; s = mb[w, "sim"]; l = mb[w, "loopback"]; t = mb[w, "synctest"]
      printf "%-16s %12.1f %12.1f %12.1f %13.1fx %13.1fx %14.0f\n", w, s, l, t, (l > 0 ? s / l : 0), (t > 0 ? s / t : 0), ev[w, "sim"]
    }
    if (steady != "") printf "\nsim steady state (one world, 100 long-lived connections, 4 KiB rounds): %s\n", steady
  }' "$out"
