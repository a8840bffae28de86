#!/usr/bin/env bash
# Builds (or reuses) the busybox-static initramfs for the berth test VM and prints its path.
#
# Contents: /bin/busybox, /init (scripts/vm/init.sh), and the kernel modules the guest
# needs before it can reach the host's files (virtio-pci, 9p over virtio, overlayfs,
# virtio-blk, ext4 for the scratch disk), decompressed on the host (busybox insmod does not read .ko.xz/.zst)
# and listed dependencies-first in /lib/modules/load-order.
# Usage: scripts/vm/initramfs.sh <cache-dir> <kernel-dir>
set -euo pipefail
cache=${1:?usage: initramfs.sh <cache-dir> <kernel-dir>}
kdir=${2:?usage: initramfs.sh <cache-dir> <kernel-dir>}
here=$(cd "$(dirname "$0")" && pwd)
WANTED=(virtio_pci virtio_blk 9pnet_virtio 9p overlay crc32c_generic ext4)
BUSYBOX=${BERTH_VM_BUSYBOX:-/bin/busybox}

die() { echo "berth-vm: $*" >&2; exit 2; }

command -v cpio >/dev/null || die "cpio not found (apt-get install cpio)"
[ -x "$BUSYBOX" ] || die "$BUSYBOX not found (apt-get install busybox-static)"
# A dynamically linked busybox would not run from the initramfs.
if LC_ALL=C od -An -c -N 4096 "$BUSYBOX" | tr -d ' \n' | grep -q 'ld-linux'; then
  die "$BUSYBOX is dynamically linked; the initramfs needs busybox-static"
fi

kver=$(basename "$kdir")
moddir="$kdir/lib/modules/$kver"
[ -d "$moddir" ] || die "$moddir: no such directory (kernel not unpacked?)"

# The output is named by a digest of its inputs: reuse it when nothing changed.
key=$(cat "$0" "$here/init.sh" "$BUSYBOX" <(echo "$kver ${WANTED[*]}") | sha256sum | cut -c1-16)
out="$cache/initramfs-$kver-$key.cpio.gz"
if [ -f "$out" ]; then echo "$out"; exit 0; fi

# name -> file, for every module in the kernel package (names use '_' for '-').
declare -A modfile
while IFS= read -r f; do
  n=${f##*/}; n=${n%%.ko*}; modfile[${n//-/_}]=$f
done < <(find "$moddir/kernel" -name '*.ko' -o -name '*.ko.xz' -o -name '*.ko.zst' -o -name '*.ko.gz')

# Writes the uncompressed module to $2.
decompress() {
  case $1 in
    *.ko) cp "$1" "$2" ;;
    *.ko.xz) xz -dc "$1" >"$2" ;;
    *.ko.zst) zstd -qdc "$1" >"$2" ;;
    *.ko.gz) gzip -dc "$1" >"$2" ;;
  esac || die "cannot decompress $1"
}

# The depends= field of a module's .modinfo section.
depends_of() {
  tr '\0' '\n' <"$1" | sed -n 's/^depends=//p' | head -n 1 | tr ',' ' '
}

stage=$(mktemp -d "$cache/.initramfs.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,dev,proc,sys,mnt,newroot,lib/modules}
declare -A placed
order=()
# Depth-first: a module's dependencies are appended to the load order before it.
place() {
  local name=${1//-/_} dep
  [ -n "${placed[$name]:-}" ] && return 0
  [ -n "${modfile[$name]:-}" ] || die "module $name not found under $moddir"
  placed[$name]=1
  decompress "${modfile[$name]}" "$stage/lib/modules/$name.ko"
  for dep in $(depends_of "$stage/lib/modules/$name.ko"); do place "$dep"; done
  order+=("$name")
}
for m in "${WANTED[@]}"; do
  # Built into this kernel: nothing to load.
  if grep -q "/${m//_/[-_]}\.ko\$" "$moddir/modules.builtin" 2>/dev/null; then continue; fi
  place "$m"
done
printf '%s\n' "${order[@]}" >"$stage/lib/modules/load-order"
cp "$BUSYBOX" "$stage/bin/busybox"
cp "$here/init.sh" "$stage/init"
chmod 755 "$stage/init" "$stage/bin/busybox"

(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc --quiet --owner 0:0) | gzip -1 >"$stage.cpio.gz"
mv "$stage.cpio.gz" "$out"
# Older builds are stale; leave an hour for runs that may be starting with one.
find "$cache" -maxdepth 1 -name 'initramfs-*.cpio.gz' ! -path "$out" -mmin +60 -delete
echo "$out"
