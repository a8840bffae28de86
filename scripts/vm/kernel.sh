#!/usr/bin/env bash
# Makes sure a Debian kernel is unpacked in the VM cache and prints its directory
# (<cache>/kernel/<version>, holding vmlinuz and lib/modules/<version>/...).
#
# The kernel is the package that Debian's `linux-image-amd64` depends on, fetched
# with `apt-get download` and unpacked with `dpkg -x` (never installed).
# Usage: scripts/vm/kernel.sh <cache-dir>
# Env:   BERTH_VM_KERNEL_DEB=/path/to/linux-image-*.deb   use this package instead
#        BERTH_VM_REFRESH=1                               ignore an already unpacked kernel
set -euo pipefail
cache=${1:?usage: kernel.sh <cache-dir>}

die() { echo "berth-vm: $*" >&2; exit 2; }

# The newest kernel already unpacked in the cache, if any.
cached_kernel() {
  local d
  d=$(ls -1d "$cache"/kernel/*/ 2>/dev/null | sort -V | tail -n 1) || true
  [ -n "$d" ] && [ -f "$d/vmlinuz" ] && echo "${d%/}"
}

# Name of the concrete image package behind the linux-image-amd64 metapackage.
image_package() {
  local pkg
  pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[^ ]*-amd64\)$/\1/p' | head -n 1)
  if [ -z "$pkg" ]; then
    echo "berth-vm: apt has no metadata for linux-image-amd64; running apt-get update" >&2
    apt-get update -qq >&2 || die "apt-get update failed (needs root and Debian's apt sources)"
    pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[^ ]*-amd64\)$/\1/p' | head -n 1)
  fi
  [ -n "$pkg" ] || die "cannot find the package that linux-image-amd64 depends on (apt-cache depends linux-image-amd64)"
  echo "$pkg"
}

download_deb() {
  local pkg=$1 dl="$cache/deb"
  mkdir -p "$dl"
  if ! ls "$dl/${pkg}_"*.deb >/dev/null 2>&1; then
    command -v apt-get >/dev/null || die "apt-get not found; set BERTH_VM_KERNEL_DEB to a linux-image .deb"
    echo "berth-vm: downloading $pkg" >&2
    # apt-get download writes into the current directory; _apt cannot write to a root-owned cache, so quiet its warning.
    (cd "$dl" && apt-get download -qq "$pkg" 2>&1 | grep -v 'couldn.t be accessed by user' >&2) || true
  fi
  ls -1 "$dl/${pkg}_"*.deb 2>/dev/null | sort -V | tail -n 1 | grep . || die "apt-get download $pkg failed"
}

# qemu boots an uncompressed ELF vmlinux through its PVH entry point in about a
# second, while a bzImage decompresses itself for several seconds under TCG; so
# when the kernel has CONFIG_PVH, keep the payload of vmlinuz, uncompressed, as
# vmlinux. run-v2.sh uses vmlinux when present, else vmlinuz.
extract_vmlinux() {
  local dir=$1 magic tool off
  grep -q '^CONFIG_PVH=y' "$dir"/boot/config-* 2>/dev/null || return 0
  for magic in '\xfd7zXZ\x00:xz -dc --single-stream' '\x28\xb5\x2f\xfd:zstd -qdc' '\x1f\x8b\x08:gzip -dc'; do
    tool=${magic#*:}
    command -v "${tool%% *}" >/dev/null || continue
    off=$(LC_ALL=C grep -obUaP "${magic%%:*}" "$dir/vmlinuz" | head -n 1 | cut -d: -f1)
    [ -n "$off" ] || continue
    # gzip and zstd complain about the bzImage's trailing bytes; the ELF check decides.
    tail -c +$((off + 1)) "$dir/vmlinuz" | $tool >"$dir/vmlinux.tmp" 2>/dev/null || true
    if [ "$(head -c 4 "$dir/vmlinux.tmp" | od -An -c | tr -d ' ')" = '177ELF' ]; then
      mv "$dir/vmlinux.tmp" "$dir/vmlinux"
      return 0
    fi
  done
  rm -f "$dir/vmlinux.tmp"
}

unpack_deb() {
  local deb=$1 tmp ver
  command -v dpkg >/dev/null || die "dpkg not found (needed to unpack $deb)"
  mkdir -p "$cache/kernel"
  tmp=$(mktemp -d "$cache/kernel/.unpack.XXXXXX")
  dpkg -x "$deb" "$tmp" || { rm -rf "$tmp"; die "dpkg -x $deb failed"; }
  ver=$(ls -1 "$tmp/lib/modules" 2>/dev/null | head -n 1)
  [ -n "$ver" ] && [ -f "$tmp/boot/vmlinuz-$ver" ] || { rm -rf "$tmp"; die "$deb holds no boot/vmlinuz-* and lib/modules/*"; }
  mv "$tmp/boot/vmlinuz-$ver" "$tmp/vmlinuz"
  extract_vmlinux "$tmp"
  rm -rf "${cache:?}/kernel/$ver"
  mv "$tmp" "$cache/kernel/$ver"
  echo "$cache/kernel/$ver"
}

if [ -n "${BERTH_VM_KERNEL_DEB:-}" ]; then
  [ -f "$BERTH_VM_KERNEL_DEB" ] || die "BERTH_VM_KERNEL_DEB=$BERTH_VM_KERNEL_DEB: no such file"
  ver=$(dpkg-deb -c "$BERTH_VM_KERNEL_DEB" | sed -n 's|.*\./boot/vmlinuz-\(.*\)$|\1|p' | head -n 1)
  if [ -n "$ver" ] && [ -f "$cache/kernel/$ver/vmlinuz" ] && [ -z "${BERTH_VM_REFRESH:-}" ]; then
    echo "$cache/kernel/$ver"
  else
    unpack_deb "$BERTH_VM_KERNEL_DEB"
  fi
  exit 0
fi

if [ -z "${BERTH_VM_REFRESH:-}" ] && dir=$(cached_kernel); then
  echo "$dir"
  exit 0
fi
pkg=$(image_package)
deb=$(download_deb "$pkg")
unpack_deb "$deb"
