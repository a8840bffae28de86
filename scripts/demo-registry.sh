#!/usr/bin/env bash
# The demo's registry step (scripts/demo.sh runs it; it runs alone too, as root, after setup):
# push IMAGE to a local registry (Debian's docker-registry on a free 127.0.0.1 port, started
# and stopped here by its PID), pull it into a second, empty berth root, and run it there.
set -euo pipefail
cd "$(dirname "$0")/.."
image=${1:-busybox:demo}
berth() { node bin/berth.js "$@"; }
work=$(mktemp -d)
reg_pid=
cleanup() {
  if [ -n "$reg_pid" ]; then kill "$reg_pid" 2>/dev/null || true; wait "$reg_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
cat > "$work/registry.yml" <<YML
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $work/storage
http:
  addr: 127.0.0.1:$port
YML
/usr/bin/docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 &
reg_pid=$!
for _ in $(seq 200); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.05; done
echo "docker-registry (pid $reg_pid) on 127.0.0.1:$port"
remote=127.0.0.1:$port/demo/${image}
berth tag "$image" "$remote"
berth push "$remote"
echo "-- pull into a second, empty root ($work/root2):"
berth --root "$work/root2" pull "$remote"
berth --root "$work/root2" images
berth --root "$work/root2" run --rm --network none "$remote" sh -c 'echo "hello from $(hostname), pulled from the registry"'
berth rmi "$remote" >/dev/null
