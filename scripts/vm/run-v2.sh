#!/usr/bin/env bash
# Runs a command inside a qemu VM whose kernel has only cgroup v2 (cgroup_no_v1=all),
# with the host's userland and this project, and exits with the command's exit code.
#
# Usage: scripts/vm/run-v2.sh [--timeout SECONDS] [--mem MB] [--smp N] [--] COMMAND [ARG...]
#   e.g. scripts/vm/run-v2.sh node scripts/test.mjs integration cgroup
# The command runs as root in the project directory (same path as on the host, writable),
# with BERTH_VM=1 in its environment; the rest of / is the host's, read-only under a
# tmpfs overlay; /tmp is a fresh 1 GiB ext2 disk (/dev/vda, virtio-blk) so that
# block-I/O limits have a real device under test files. The guest has no network.
#
# --timeout limits the command (default 900 s), not the boot (allowed 180 s more): past
# it the guest lists the processes still running and stops; 15 s later, or when the
# boot overruns, the host kills qemu by its PID.
# Exit: the command's code; 124 on a timeout;
# 125 when the VM could not run it; 2 when something needed is missing.
# Env:  BERTH_VM_CACHE (default /var/cache/berth-vm) holds the kernel and initramfs.
#       BERTH_VM_DEBUG=1 shows kernel messages and traces the guest's init.
#       BERTH_VM_QEMU: the qemu binary (default qemu-system-x86_64 from PATH).
#       BERTH_VM_BOOT_LIMIT: seconds allowed for the boot (default 180).
#       BERTH_VM_APPEND: more kernel parameters.
#       BERTH_VM_KERNEL_DEB, BERTH_VM_REFRESH: see scripts/vm/kernel.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
project=$(cd "$here/../.." && pwd)
cache=${BERTH_VM_CACHE:-/var/cache/berth-vm}
timeout=900
BOOT_LIMIT=${BERTH_VM_BOOT_LIMIT:-180}
mem=2048
smp=$(nproc 2>/dev/null || echo 2)
[ "$smp" -gt 4 ] && smp=4

die() { echo "berth-vm: $*" >&2; exit 2; }
usage() { echo "usage: scripts/vm/run-v2.sh [--timeout SECONDS] [--mem MB] [--smp N] [--] COMMAND [ARG...]" >&2; exit 2; }
is_int() { [[ $1 =~ ^[1-9][0-9]*$ ]]; }

while [ $# -gt 0 ]; do
  case $1 in
    --timeout) is_int "${2:-}" || usage; timeout=$2; shift 2 ;;
    --mem) is_int "${2:-}" || usage; mem=$2; shift 2 ;;
    --smp) is_int "${2:-}" || usage; smp=$2; shift 2 ;;
    --) shift; break ;;
    -*) usage ;;
    *) break ;;
  esac
done
[ $# -gt 0 ] || usage

QEMU=$(command -v "${BERTH_VM_QEMU:-qemu-system-x86_64}") || die "${BERTH_VM_QEMU:-qemu-system-x86_64} not found (apt-get install qemu-system-x86)"
[ "$(id -u)" = 0 ] || die "must run as root (9p passthrough of the host's files, cgroup tests)"
[[ $project != *[[:space:],]* ]] || die "project path '$project' has whitespace or a comma; qemu's -fsdev cannot take it"
mkdir -p "$cache" || die "cannot create the cache directory $cache"

kdir=$("$here/kernel.sh" "$cache")
initrd=$("$here/initramfs.sh" "$cache" "$kdir")

# An uncompressed vmlinux boots through PVH, seconds faster than vmlinuz (see kernel.sh).
kimg=$kdir/vmlinuz
[ -f "$kdir/vmlinux" ] && kimg=$kdir/vmlinux

run=$(mktemp -d "$cache/run.XXXXXX")
qpid=
cleanup() {
  if [ -n "$qpid" ] && kill -0 "$qpid" 2>/dev/null; then kill -KILL "$qpid" 2>/dev/null || true; fi
  rm -rf "$run"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The guest's /tmp: a sparse file, formatted by the guest, gone with the run directory.
truncate -s 1G "$run/scratch.img"

# The guest's command, run by the host's bash inside the guest (quoting by printf %q).
{
  echo '#!/bin/bash'
  echo 'export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=dumb LANG=C.UTF-8 BERTH_VM=1'
  printf 'cd %q || exit 125\n' "$project"
  printf '%q ' "$@"; echo
} >"$run/cmd"

# Kernel messages go to ttyS0 (console.log in the run directory, or the terminal with
# BERTH_VM_DEBUG=1); the command's output to ttyS1, which is this script's stdout.
append="console=ttyS0 cgroup_no_v1=all panic=-1 berth.project=$project"
append+=" berth.timeout=$timeout ${BERTH_VM_APPEND:-}"
if [ -n "${BERTH_VM_DEBUG:-}" ]; then
  append+=" berth.debug=1"
  console=(-chardev stdio,id=con,mux=on,signal=on -serial chardev:con -serial chardev:con)
else
  append+=" quiet"
  console=(-chardev "file,id=con,path=$run/console.log" -serial chardev:con -chardev stdio,id=out,signal=on -serial chardev:out)
fi

args=(
  -nodefaults -no-user-config -no-reboot
  -machine pc -accel tcg,thread=multi -cpu max,la57=off -smp "$smp" -m "$mem"
  -display none -vga none -nic none
  "${console[@]}"
  -kernel "$kimg" -initrd "$initrd" -append "$append"
  -fsdev "local,id=hostroot,path=/,security_model=passthrough,readonly=on,multidevs=remap"
  -device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot
  -fsdev "local,id=project,path=$project,security_model=passthrough,multidevs=remap"
  -device virtio-9p-pci,fsdev=project,mount_tag=project
  -fsdev "local,id=berthvm,path=$run,security_model=passthrough"
  -device virtio-9p-pci,fsdev=berthvm,mount_tag=berthvm
  -drive "file=$run/scratch.img,if=none,id=scratch,format=raw,cache=unsafe"
  -device virtio-blk-pci,drive=scratch
)

start=$(date +%s.%N)
"$QEMU" "${args[@]}" </dev/null &
qpid=$!
# Until the guest reports that the command started (boot-seconds), the boot allowance
# runs; then the command's timeout plus a grace for the guest's own report.
deadline=$(( $(date +%s) + BOOT_LIMIT ))
started=
while kill -0 "$qpid" 2>/dev/null; do
  if [ -z "$started" ] && [ -f "$run/boot-seconds" ]; then
    started=1
    deadline=$(( $(date +%s) + timeout + 15 ))
  fi
  if [ "$(date +%s)" -ge "$deadline" ]; then
    if [ -n "$started" ]; then what="the command ran past ${timeout}s"; else what="the guest did not boot in ${BOOT_LIMIT}s"; fi
    echo "berth-vm: timed out: $what; killing qemu (pid $qpid)" >&2
    kill -KILL "$qpid" 2>/dev/null || true
    wait "$qpid" 2>/dev/null || true
    exit 124
  fi
  sleep 0.5
done
qrc=0
wait "$qpid" || qrc=$?
qpid=
end=$(date +%s.%N)

if [ -f "$run/timed-out" ]; then
  echo "berth-vm: timed out: the command ran past ${timeout}s" >&2
  exit 124
fi
if [ ! -f "$run/rc" ]; then
  echo "berth-vm: the guest did not report an exit code (qemu exited with $qrc); its kernel log ends:" >&2
  tail -n 30 "$run/console.log" >&2 2>/dev/null || true
  exit 125
fi
rc=$(cat "$run/rc")
boot=$(cat "$run/boot-seconds" 2>/dev/null || echo '?')
awk -v s="$start" -v e="$end" -v b="$boot" -v rc="$rc" 'BEGIN {
  printf "berth-vm: guest ready after %ss of guest uptime; whole run %.1fs; exit code %s\n", b, e - s, rc }' >&2
exit "$rc"
