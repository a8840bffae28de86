#!/usr/bin/env bash
# Checks scripts/vm/run-v2.sh itself (boots the VM a few times, ~40 s under TCG):
# exit codes and arguments pass through, the guest is on cgroup v2 only, the project
# is writable and the rest of / is not changed, an overrun is killed, bad usage and
# missing tools are refused with a message.
# Usage: scripts/vm/selftest.sh   (as root)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
project=$(cd "$here/../.." && pwd)
run=$here/run-v2.sh
failures=0
probe=".vm-selftest-$$"
trap 'rm -f "$project/$probe" "/etc/$probe"' EXIT

check() { # check NAME EXPECTED ACTUAL
  if [ "$2" = "$3" ]; then echo "ok   $1"; else echo "FAIL $1: expected [$2], got [$3]"; failures=$((failures + 1)); fi
}

# One boot for everything that can be checked from inside: the guest prints facts, exits 7.
out=$("$run" bash -c '
  printf "<%s>" "$@"; echo
  echo "pwd=$(pwd)"
  echo "v1=$(grep -c " cgroup " /proc/mounts)"
  echo "v2=$(stat -f -c %T /sys/fs/cgroup)"
  echo "subtree=$(cat /sys/fs/cgroup/cgroup.subtree_control)"
  echo "vm=$BERTH_VM"
  echo "tmp=$(awk '"'"'$2 == "/tmp" { print $1 }'"'"' /proc/mounts)"
  touch "'"$probe"'" "/etc/'"$probe"'"
  exit 7' arg0 'a b' '"q"' '$x' '')
rc=$?
check "exit code passes through" 7 "$rc"
check "arguments pass through verbatim" '<a b><"q"><$x><>' "$(sed -n 1p <<<"$out")"
check "runs in the project directory" "pwd=$project" "$(grep '^pwd=' <<<"$out")"
check "no cgroup v1 hierarchy" "v1=0" "$(grep '^v1=' <<<"$out")"
check "cgroup2 at /sys/fs/cgroup" "v2=cgroup2fs" "$(grep '^v2=' <<<"$out")"
check "controllers enabled at the root" "subtree=cpuset cpu io memory pids" "$(grep '^subtree=' <<<"$out")"
check "BERTH_VM=1 in the environment" "vm=1" "$(grep '^vm=' <<<"$out")"
check "/tmp is on the scratch disk" "tmp=/dev/vda" "$(grep '^tmp=' <<<"$out")"
check "project writes reach the host" yes "$([ -f "$project/$probe" ] && echo yes || echo no)"
check "writes elsewhere stay in the guest" no "$([ -f "/etc/$probe" ] && echo yes || echo no)"

out=$("$run" --timeout 5 bash -c 'sleep 1000 & sleep 1001' 2>/dev/null)
rc=$?
check "an overrun exits 124" 124 "$rc"
check "an overrun lists the processes still running" yes "$(grep -q 'sleep 1001' <<<"$out" && echo yes || echo no)"

msg=$(BERTH_VM_BOOT_LIMIT=1 "$run" true 2>&1 >/dev/null)
check "a boot overrun exits 124" 124 "$?"
check "a boot overrun kills qemu by pid" yes "$(grep -q 'did not boot in 1s; killing qemu (pid [0-9]*)' <<<"$msg" && echo yes || echo no)"
"$run" --timeout nope true >/dev/null 2>&1
check "bad usage exits 2" 2 "$?"
msg=$(BERTH_VM_QEMU=/nonexistent/qemu-system-x86_64 "$run" true 2>&1 >/dev/null)
check "missing qemu exits 2" 2 "$?"
check "missing qemu says what to install" yes "$(grep -q 'apt-get install qemu-system-x86' <<<"$msg" && echo yes || echo no)"

[ "$failures" = 0 ] && echo "selftest: all passed" || echo "selftest: $failures failed"
[ "$failures" = 0 ]
