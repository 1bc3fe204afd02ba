#!/usr/bin/env bash
# Side-by-side echo benchmark: the same workloads on the reference over the
# simulated network ("sim"), over real loopback TCP and over net.Pipe inside
# testing/synctest, in one run; then a table of the ratios sim/loopback and
# sim/synctest (MB/s; above 1 means the simulation is faster).
#
#   scripts/bench.sh                 # 5 iterations per sub-benchmark, 3 runs: medians
#   BENCHTIME=3s COUNT=5 scripts/bench.sh
#   CPU=1 scripts/bench.sh           # one core (also reports events/s per core)
set -euo pipefail
cd "$(dirname "$0")/.."
benchtime=${BENCHTIME:-5x}
count=${COUNT:-3}
cpu=${CPU:-$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)}
case "$cpu" in
*,*) echo "bench.sh: CPU takes one value, not a list ($cpu): the synctest echo cannot run under a -cpu list" >&2; exit 2 ;;
esac
out=$(mktemp)
trap 'rm -f "$out"' EXIT

echo "machine: $(uname -sm), $(getconf _NPROCESSORS_ONLN 2>/dev/null || echo '?') cores, $(go version | cut -d' ' -f3); -cpu $cpu -benchtime $benchtime -count $count"
go test ./bench -run '^$' -bench 'Echo' -benchmem -benchtime "$benchtime" -count "$count" -cpu "$cpu" | tee "$out"
echo
awk '
  # median of the values collected under key k
  function median(v, n, k,    i, j, t, a) {
    for (i = 1; i <= n[k]; i++) a[i] = v[k, i]
    for (i = 2; i <= n[k]; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
    return n[k] % 2 ? a[(n[k]+1)/2] : (a[n[k]/2] + a[n[k]/2+1]) / 2
  }
  function add(v, n, k, x) { v[k, ++n[k]] = x }
  /^BenchmarkEcho\// {
    split($1, p, "/"); wl = p[2]; way = p[3]; sub(/-[0-9]+$/, "", way)
    for (i = 1; i <= NF; i++) {
      if ($(i+1) == "MB/s") add(mb, nmb, wl SUBSEP way, $i)
      if ($(i+1) == "events/s") add(ev, nev, wl SUBSEP way, $i)
    }
    if (!(wl in seen)) { seen[wl] = 1; order[++n] = wl }
  }
  /^BenchmarkEchoSteady/ {
    for (i = 1; i <= NF; i++) {
      if ($(i+1) == "MB/s") add(st, nst, "mb", $i)
      if ($(i+1) == "events/s") add(st, nst, "ev", $i)
      if ($(i+1) == "allocs/op") add(st, nst, "al", $i)
    }
  }
  END {
    printf "medians of %d run(s) each\n", count
    printf "%-16s %12s %12s %12s %14s %14s %14s\n", "workload", "sim MB/s", "loopback", "synctest", "sim/loopback", "sim/synctest", "sim events/s"
    for (i = 1; i <= n; i++) {
      w = order[i]
      s = median(mb, nmb, w SUBSEP "sim"); l = median(mb, nmb, w SUBSEP "loopback"); t = median(mb, nmb, w SUBSEP "synctest")
      printf "%-16s %12.1f %12.1f %12.1f %13.1fx %13.1fx %14.0f\n", w, s, l, t, (l > 0 ? s / l : 0), (t > 0 ? s / t : 0), median(ev, nev, w SUBSEP "sim")
    }
    if (nst["mb"] > 0) printf "\nsim steady state (one world, 100 long-lived connections, 4 KiB rounds): %.1f MB/s, %.0f handler events/s, %d allocs/op\n", median(st, nst, "mb"), median(st, nst, "ev"), median(st, nst, "al")
  }' count="$count" "$out"
