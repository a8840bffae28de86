// Proves the cgroup-v2 VM harness (scripts/vm/run-v2.sh): on a host whose
// /sys/fs/cgroup is a cgroup2 mount, berth can make its own subtree, and the
// kernel enforces memory.max (OOM kill counted in memory.events) and pids.max.
// Skips itself elsewhere (e.g. the cgroup-v1 development machine).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { isRoot } from '../helpers.js';

const ROOT = '/sys/fs/cgroup';
const BUSYBOX = '/bin/busybox';
const onV2 = fs.existsSync(path.join(ROOT, 'cgroup.controllers'));
const skip = !isRoot ? 'needs root' : !onV2 ? `${ROOT} is not a cgroup2 mount (run it via scripts/vm/run-v2.sh)` : !fs.existsSync(BUSYBOX) ? 'needs busybox-static' : false;

function readKeyed(file: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const [k, v] = line.split(' ');
    if (k && v !== undefined) m.set(k, Number(v));
  }
  return m;
}

/** Makes berth/test-<random> with the given controllers enabled for it; removes it (and berth/, if made here) after. */
function testCgroup(t: { after(fn: () => void): void }, controllers: string[]): string {
  const berth = path.join(ROOT, 'berth');
  const madeBerth = !fs.existsSync(berth);
  if (madeBerth) fs.mkdirSync(berth);
  const cg = path.join(berth, `test-${randomBytes(4).toString('hex')}`);
  t.after(() => {
    // A cgroup can only be removed once its processes are gone; ours were waited for.
    if (fs.existsSync(cg)) fs.rmdirSync(cg);
    // berth/ goes too if this test made it, unless something else now lives in it.
    if (madeBerth) try { fs.rmdirSync(berth); } catch { /* not empty: leave it */ }
  });
  fs.writeFileSync(path.join(berth, 'cgroup.subtree_control'), controllers.map((c) => `+${c}`).join(' '));
  fs.mkdirSync(cg);
  return cg;
}

/** Runs a busybox shell script inside cgroup `cg` (it moves itself in before doing anything). */
function runIn(cg: string, script: string) {
  return spawnSync(BUSYBOX, ['sh', '-c', `echo $$ > "$1/cgroup.procs" && ${script}`, 'sh', cg], { encoding: 'utf8' });
}

test('cgroup v2: the controllers berth needs are available at the root', { skip }, () => {
  const have = fs.readFileSync(path.join(ROOT, 'cgroup.controllers'), 'utf8').trim().split(/\s+/);
  for (const c of ['cpu', 'cpuset', 'memory', 'pids', 'io']) assert.ok(have.includes(c), `controller ${c} missing: ${have.join(' ')}`);
});

test('cgroup v2: a process over memory.max is OOM-killed and memory.events counts it', { skip }, (t) => {
  const cg = testCgroup(t, ['memory']);
  fs.writeFileSync(path.join(cg, 'memory.max'), String(16 * 1024 * 1024));
  fs.writeFileSync(path.join(cg, 'memory.swap.max'), '0');
  // dd's 64 MiB buffer is filled from /dev/zero, so every page of it is touched.
  const r = runIn(cg, `exec ${BUSYBOX} dd if=/dev/zero of=/dev/null bs=64M count=1`);
  assert.equal(r.signal, 'SIGKILL', `dd was not OOM-killed: status ${r.status}, stderr ${r.stderr}`);
  const events = readKeyed(path.join(cg, 'memory.events'));
  assert.ok((events.get('oom_kill') ?? 0) >= 1, `memory.events: ${JSON.stringify([...events])}`);
});

test('cgroup v2: pids.max stops fork', { skip }, (t) => {
  const cg = testCgroup(t, ['pids']);
  fs.writeFileSync(path.join(cg, 'pids.max'), '1');
  // The shell itself is the one allowed task, so running any program must fail to fork.
  const r = runIn(cg, '/usr/bin/env true && echo forked');
  assert.notEqual(r.stdout.trim(), 'forked');
  assert.notEqual(r.status, 0);
  assert.ok(readKeyed(path.join(cg, 'pids.events')).get('max')! >= 1);
});
