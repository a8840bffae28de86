#!/usr/bin/env bash
# The berth demo: import a base image, build a small app image on it with `berth build`, run it
# isolated and limited, look at it working, ship it through a registry.
# Run as root on a fresh Debian machine: sudo bash scripts/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SETUP_EXTRA=docker-registry bash scripts/setup.sh
export BERTH_ROOT=${BERTH_ROOT:-/var/lib/berth}
berth() { node bin/berth.js "$@"; }
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
work=$(mktemp -d)
trap 'berth rm -f demo-web >/dev/null 2>&1 || true; berth rm -f demo-oom >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

step "1. A base image: busybox from Debian's busybox-static, imported as busybox:demo"
mkdir -p "$work/rootfs"/{bin,etc,tmp,proc,sys,dev,root}
cp /bin/busybox "$work/rootfs/bin/busybox"
for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -sf busybox "$work/rootfs/bin/$a"; done
echo 'root:x:0:0:root:/root:/bin/sh' > "$work/rootfs/etc/passwd"
echo 'root:x:0:' > "$work/rootfs/etc/group"
tar -C "$work/rootfs" -cf "$work/busybox.tar" .
berth import --change 'CMD ["sh"]' "$work/busybox.tar" busybox:demo
berth images busybox

step "2. Build an app on it with berth build: a small website served by busybox httpd"
mkdir -p "$work/app/site"
echo '<h1>Hello from a berth-built image</h1>' > "$work/app/site/index.html"
cat > "$work/app/Dockerfile" <<'DOCKERFILE'
FROM busybox:demo
COPY site/ /www/
RUN echo "built at $(date -u +%FT%TZ)" > /www/build.txt
EXPOSE 8080
WORKDIR /www
CMD ["httpd", "-f", "-v", "-p", "8080", "-h", "/www"]
DOCKERFILE
cat "$work/app/Dockerfile"
berth build -t demo-site:1 "$work/app"
berth history demo-site:1

step "3. Run it detached, isolated (own pid/mnt/uts/ipc/net namespaces) and limited: 64 MB, half a CPU, 32 pids"
berth run -d --name demo-web --hostname demo -m 64m --cpus 0.5 --pids-limit 32 demo-site:1
sleep 1
berth ps

step "4. Inside: pid 1 is httpd, only our processes are visible; its own network stack (lo and eth0 on the berth bridge); the site answers"
berth exec demo-web sh -c 'echo "pid of sh: $$ (exec)"; ps; ip -o -4 addr show | cut -d" " -f2,7'
berth exec demo-web wget -qO- http://127.0.0.1:8080/
berth exec demo-web wget -qO- http://127.0.0.1:8080/build.txt

step "5. Its logs (Docker's json-file format, capped at 10 MB x 3 by default)"
berth logs --tail 3 demo-web

step "6. Its limits, as the kernel enforces them"
berth inspect --format 'Memory={{.HostConfig.Memory}} NanoCpus={{.HostConfig.NanoCpus}} PidsLimit={{.HostConfig.PidsLimit}}' demo-web
berth stats --no-stream demo-web 2>/dev/null || true

step "7. A process that wants 4x its 16 MB limit is OOM-killed; the host is fine"
set +e
berth run --name demo-oom -m 16m busybox:demo sh -c 'head -c 64m /dev/zero | tail > /dev/null'
echo "exit code: $?"
set -e
berth inspect --format 'OOMKilled={{.State.OOMKilled}} ExitCode={{.State.ExitCode}}' demo-oom

step "8. Ship it: push demo-site:1 to a local registry (Debian's docker-registry on 127.0.0.1, started and stopped by PID), pull it into a second berth root, run it there"
bash scripts/demo-registry.sh demo-site:1

step "9. Stop and remove"
berth stop -t 2 demo-web
berth rm demo-web demo-oom
berth ps -a
echo
echo "demo done"
