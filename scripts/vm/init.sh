#!/bin/busybox sh
# PID 1 of the berth test VM (copied to /init in the initramfs; runs under busybox ash).
#
# Builds the guest's root: the host's / (9p tag "hostroot", read-only) under a tmpfs
# overlay, with the guest's own proc, sys, dev, tmp, run and cgroup2 (the only
# hierarchy: the kernel boots with cgroup_no_v1=all). The project directory (9p tag
# "project", writable) is mounted at its host path and the run directory (9p tag
# "berthvm") at /run/berth-vm. Then it runs /run/berth-vm/cmd with the host's bash (in a
# mount namespace whose root is that tree),
# writes the exit code to /run/berth-vm/rc and powers off.
# Kernel command line: berth.project=<host path of the project>, berth.debug=1,
# berth.timeout=<seconds> (then dump the processes and stop the command).

/bin/busybox mkdir -p /sbin /usr/bin /usr/sbin
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin

R=/newroot
RUN=$R/run/berth-vm
P9='trans=virtio,version=9p2000.L,msize=512000'

# The kernel's console is ttyS0 (a log file on the host); the command's output goes to ttyS1.
OUT=/dev/ttyS1
fail() {
  echo "berth-vm init: $*" >/dev/console
  echo "berth-vm init: $*" >$OUT
  poweroff -f
}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

PROJECT=
LIMIT=
for arg in $(cat /proc/cmdline); do
  case $arg in
    berth.project=*) PROJECT=${arg#berth.project=} ;;
    berth.debug=1) set -x ;;
    berth.timeout=*) LIMIT=${arg#berth.timeout=} ;;
  esac
done
[ -n "$PROJECT" ] || fail "no berth.project= on the kernel command line"

while read -r m; do
  insmod "/lib/modules/$m.ko" || fail "insmod $m failed"
done </lib/modules/load-order

mkdir -p /mnt/host /mnt/rw
mount -t 9p -o "$P9,cache=loose,ro" hostroot /mnt/host || fail "mount 9p hostroot failed"
mount -t tmpfs -o mode=0755 rw /mnt/rw
mkdir -p /mnt/rw/upper /mnt/rw/work
mount -t overlay -o lowerdir=/mnt/host,upperdir=/mnt/rw/upper,workdir=/mnt/rw/work overlay $R ||
  fail "mount overlay on the host root failed"

mount -t proc proc $R/proc
mount -t sysfs sysfs $R/sys
mount -t cgroup2 -o nsdelegate cgroup2 $R/sys/fs/cgroup || fail "mount cgroup2 failed"
for c in cpu cpuset memory pids io; do
  echo "+$c" >$R/sys/fs/cgroup/cgroup.subtree_control || fail "cannot enable the $c controller"
done
[ -d $R/sys/fs/bpf ] && mount -t bpf bpf $R/sys/fs/bpf
mount -t devtmpfs devtmpfs $R/dev
mkdir -p $R/dev/pts $R/dev/shm
mount -t devpts -o newinstance,ptmxmode=0666 devpts $R/dev/pts
mount -t tmpfs -o mode=1777 shm $R/dev/shm
# /tmp on a real disk (ext2 on /dev/vda), as on most hosts: block-I/O limits need one.
mke2fs -q -F -i 65536 /dev/vda >/dev/null 2>&1 || fail "mke2fs /dev/vda failed"
mount -t ext4 /dev/vda $R/tmp || fail "mount /dev/vda on /tmp failed"
chmod 1777 $R/tmp
mount -t tmpfs -o mode=0755 run $R/run
# berth's state root on a plain tmpfs: its overlay snapshots cannot stack on the root overlay.
mkdir -p $R/var/lib/berth
mount -t tmpfs -o mode=0711 berth $R/var/lib/berth
mkdir -p $RUN "$R$PROJECT"
mount -t 9p -o "$P9" berthvm $RUN || fail "mount 9p berthvm failed"
mount -t 9p -o "$P9,cache=mmap" project "$R$PROJECT" || fail "mount 9p project at $PROJECT failed"

# Output straight to the host's terminal: raw, no CR added before each LF.
stty -F $OUT raw -echo 2>/dev/null
cut -d' ' -f1 /proc/uptime >$RUN/boot-seconds
# Not a plain chroot: the kernel refuses new user namespaces to a chrooted process (EPERM),
# so the command gets a mount namespace whose root *is* the new root (as switch_root does).
unshare -m sh -c "cd $R && mount --move . / && exec chroot . /bin/bash /run/berth-vm/cmd" </dev/null >$OUT 2>&1 &
cmd=$!
# Past berth.timeout, show what is still running, then stop (the host kills the VM
# if this does not get through).
if [ -n "$LIMIT" ]; then
  (
    sleep "$LIMIT"
    touch $RUN/timed-out
    echo "berth-vm: the command is still running after ${LIMIT}s; processes:"
    ps -o pid,ppid,stat,args | grep -v '{ps}\|\[.*\]$'
    echo "berth-vm: cgroups under berth/:"
    find $R/sys/fs/cgroup/berth -type d 2>/dev/null | sed "s|^$R/sys/fs/cgroup/||"
    kill -KILL $cmd
  ) >$OUT 2>&1 &
fi
wait $cmd
echo $? >$RUN/rc
sync
umount "$R$PROJECT"
poweroff -f
