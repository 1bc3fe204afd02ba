#!/usr/bin/env bash
# The checker's speed on a real trace, side by side with jq: writes the
# JSONL trace of an echo run (100 clients x 64 KiB on the reference over a
# segmenting network with latency, about 200,000 lines), then times
#   jq -c . TRACE            (parse and re-print every line; skipped without jq)
#   mgsim check TRACE        (parse every line and check every rule, both profiles)
# and the checker's in-memory benchmark (the run's events replayed from
# memory into Checker.Add; inside a live run the checker is slower, see
# BenchmarkCheckInRun), and prints lines per second for each.
#
#   scripts/bench-check.sh
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trace=$tmp/echo.jsonl

go test ./bench -run '^TestWriteEchoTrace$' -count 1 -mgsim.echotrace "$trace" >/dev/null
go build -o "$tmp/mgsim" ./cmd/mgsim
lines=$(grep -c '^{' "$trace")
echo "machine: $(uname -sm), $(getconf _NPROCESSORS_ONLN 2>/dev/null || echo '?') cores, $(go version | cut -d' ' -f3)"
echo "trace: $lines lines, $(wc -c <"$trace") bytes"

# seconds runs a command three times and prints the best wall time.
seconds() {
  local best=""
  for _ in 1 2 3; do
    local s e
    s=$(date +%s.%N)
    "$@" >/dev/null
    e=$(date +%s.%N)
    best=$(awk -v b="$best" -v d="$(awk -v s="$s" -v e="$e" 'BEGIN { print e - s }')" 'BEGIN { print (b == "" || d < b) ? d : b }')
  done
  echo "$best"
}

row() { awk -v n="$lines" -v s="$2" -v name="$1" 'BEGIN { printf "%-38s %8.3f s %12.0f lines/s\n", name, s, n / s }'; }

if command -v jq >/dev/null; then
  grep '^{' "$trace" >"$tmp/plain.jsonl" # jq reads JSON only: no comment lines
  row "jq -c ." "$(seconds jq -c . "$tmp/plain.jsonl")"
else
  echo "jq -c .: jq not installed, skipped"
fi
row "mgsim check --profile core" "$(seconds "$tmp/mgsim" check --profile core "$trace")"
row "mgsim check --profile mongoose-6.18" "$(seconds "$tmp/mgsim" check --profile mongoose-6.18 "$trace")"
echo
go test ./bench -run '^$' -bench 'CheckRun' -benchmem -count 1 | grep '^Benchmark'
