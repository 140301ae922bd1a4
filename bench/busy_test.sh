#!/usr/bin/env bash
# `npm test` beside CPU burners: the suite must pass on a busy machine (issue 18). Starts BURNERS processes
# that spin at full CPU, in a process group of their own (killed on exit, Ctrl-C or TERM), then runs the
# suite's two halves as `npm test` does (`npm run test:bun`, then `npm run test:deno`, the second whatever
# the first gave) and prints each runtime's result: exit status, tests passed and failed, wall time, and the
# load average before and after. Logs: bench/out/busy/{bun,deno}.log.
# usage: bench/busy_test.sh [BURNERS=2]
set -uo pipefail
cd "$(dirname "$0")/.."
BURNERS=${1:-2}
OUT=bench/out/busy
mkdir -p "$OUT"

# the burners: one process group, led by a shell that waits for them
setsid bash -c "for i in \$(seq $BURNERS); do bash -c 'while :; do :; done' & done; wait" &
burn=$!
trap 'kill -KILL -- -$burn 2>/dev/null' EXIT
trap 'exit 130' INT TERM
sleep 1
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $BURNERS burners in process group $burn" \
  "($(pgrep -g "$burn" | wc -l) processes)"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg); other busy processes:" \
  "$(ps -eo pcpu=,pgid= | awk -v g="$burn" '$1 > 20 && $2 != g' | wc -l) over 20% CPU"

run() { # runtime
  local t0=$SECONDS
  npm run --silent "test:$1" > "$OUT/$1.log" 2>&1
  local rc=$? secs=$((SECONDS - t0))
  local counts
  if [ "$1" = bun ]; then
    counts=$(awk '/^ *[0-9]+ pass$/ {p = $1} /^ *[0-9]+ fail$/ {f = $1} END {print p " passed, " f " failed"}' "$OUT/$1.log")
  else
    counts=$(sed 's/\x1b\[[0-9;]*m//g' "$OUT/$1.log" | grep -oE '(ok|FAILED) \| [0-9]+ passed.*\| [0-9]+ failed' | tail -1)
  fi
  echo "$1: exit $rc; $counts; ${secs} s; load after: $(cut -d' ' -f1-3 /proc/loadavg)"
  return $rc
}
run bun; bun=$?
run deno; deno=$?
echo "npm test beside $BURNERS burners: bun exit $bun, deno exit $deno"
[ $bun -eq 0 ] && [ $deno -eq 0 ]
