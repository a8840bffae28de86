#!/usr/bin/env bash
# Measures the cgroup-v2 VM: boot time, a whole run of `true`, and how much slower
# the same work is in the guest (software emulation) than on the host, both measured
# in this run. Figures depend on the host's load; run it on an idle machine.
# Usage: scripts/vm/bench.sh   (as root)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
run=$here/run-v2.sh
TIMEFORMAT=%R

# The workload, timed where it runs: node starting (cold, then warm) and a cgroup
# created and removed 20 times.
work='
TIMEFORMAT=%R
cg=/sys/fs/cgroup/berth/bench-$$
[ -f /sys/fs/cgroup/cgroup.controllers ] || cg=/sys/fs/cgroup/memory/berth/bench-$$
parent=$(dirname "$cg")
[ -d "$parent" ] || { mkdir "$parent" && trap "rmdir $parent 2>/dev/null" EXIT; }
echo "node-cold $( { time node -e 0; } 2>&1 )"
echo "node-warm $( { time node -e 0; } 2>&1 )"
echo "cgroup-x20 $( { time for i in $(seq 20); do mkdir "$cg" && rmdir "$cg"; done; } 2>&1 )"
'

host=$(bash -c "$work")
guest=$("$run" bash -c "$work")
# run-v2.sh reports the guest's uptime when the command started on stderr.
report=$("$run" true 2>&1 >/dev/null)
boot=$(sed -n 's/.*after \([0-9.]*\)s of guest uptime.*/\1/p' <<<"$report")
whole=$(sed -n 's/.*whole run \([0-9.]*\)s.*/\1/p' <<<"$report")

awk -v boot="$boot" -v whole="$whole" -v load="$(cut -d' ' -f1 /proc/loadavg)" -v h="$host" -v g="$guest" '
BEGIN {
  n = split(h, hl, "\n"); for (i = 1; i <= n; i++) { split(hl[i], f, " "); ht[f[1]] = f[2] }
  n = split(g, gl, "\n"); for (i = 1; i <= n; i++) { split(gl[i], f, " "); gt[f[1]] = f[2] }
  printf "host load average: %s\n", load
  printf "boot to the command (guest uptime): %.2f s\n", boot
  printf "whole run of `true` (qemu start to exit): %.2f s\n", whole
  for (k in ht) if (k in gt)
    printf "%-11s host %.3f s, guest %.3f s: guest/host = %.1fx\n", k, ht[k], gt[k], (ht[k] > 0 ? gt[k] / ht[k] : 0)
}'
