/**
 * bench/runtime-start: median wall time of `berth runtime run` on a bundle running /bin/true in
 * new pid/mnt/uts/ipc/net namespaces, against, in the same run: `unshare ... chroot` (the floor),
 * `node -e 0` (Node's own start), and `crun run` / `runc run` when installed. Also the helper
 * alone (`berth-helper run PLAN` on the plan berth makes for this bundle, driven through its
 * sync pipe) against the floor. Every figure is measured the same way: spawn to exit of the
 * whole process, from this process, interleaved. Usage: node dist/bench/runtime-start.js [iterations]
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { capsToMask } from '../src/runtime/capabilities.js';
import { defaultSpec } from '../src/runtime/defaultSpec.js';
import { withHostCapabilities } from '../src/runtime/hostCapabilities.js';
import { buildPlan, serializePlan } from '../src/runtime/plan.js';
import { helperPath } from '../src/sys/paths.js';
import { berthBin, busyboxRootfs, tmpDir } from '../test/helpers.js';

const N = Number(process.argv[2] ?? 30);
const dir = tmpDir('berth-bench-');
const rootfs = busyboxRootfs(path.join(dir, 'rootfs'));
fs.copyFileSync('/bin/true', path.join(rootfs, 'bin', 'true.real'));
const spec = defaultSpec();
spec.process!.terminal = false;
spec.process!.args = ['/bin/true'];
spec.linux!.namespaces = ['pid', 'mount', 'uts', 'ipc', 'network'].map((type) => ({ type }));
spec.mounts = spec.mounts!.filter((m) => m.type !== 'cgroup');
delete spec.linux!.resources;
spec.ociVersion = '1.0.2'; // what Debian's crun 1.8 and runc 1.1 accept
fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(spec));

// The helper's own plan for this bundle, as `berth runtime run` writes it (no cgroups: none asked for).
const helperState = path.join(dir, 'helper-state');
fs.mkdirSync(helperState);
const planFile = path.join(dir, 'bench.plan');
fs.writeFileSync(planFile, serializePlan(buildPlan(withHostCapabilities(spec), {
  id: 'bench', bundle: dir, stateDir: helperState, stdio: { mode: 'null' }, capMask: capsToMask,
})));

interface Case { name: string; argv: () => string[]; sync?: boolean }

/**
 * Spawn to exit of one process, wall time. With `sync` the process is the helper: it gets
 * the sync pipe on fd 3 and its `go` once it reports the init's pid (what the runtime does).
 */
function wallMs(c: Case): Promise<number> {
  const [cmd, ...args] = c.argv();
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe', c.sync ? 'pipe' : 'ignore'] });
    let err = '';
    (child.stderr as Readable).on('data', (d) => (err += d));
    if (c.sync) {
      const chan = child.stdio[3] as Readable & Writable;
      let buf = '';
      chan.on('data', (d) => {
        buf += d;
        if (/^pid\t/m.test(buf)) (buf = ''), chan.write('go\n');
      });
      chan.on('error', () => undefined);
    }
    child.on('error', reject);
    child.on('exit', (code) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (code === 0) resolve(ms);
      else reject(new Error(`${c.name} exited ${code}: ${err.trim()}`));
    });
  });
}

const which = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
let seq = 0;
const FLOOR = 'unshare+chroot (floor)';
const HELPER = 'berth-helper run (plan)';
const cases: Case[] = [
  { name: FLOOR, argv: () => ['unshare', '--fork', '--pid', '--mount', '--uts', '--ipc', '--net', 'chroot', rootfs, '/bin/true'] },
  { name: HELPER, argv: () => [helperPath, 'run', planFile], sync: true },
  { name: 'node -e 0', argv: () => [process.execPath, '-e', '0'] },
  { name: 'berth runtime run', argv: () => [process.execPath, berthBin, 'runtime', '--root', path.join(dir, 'berth'), 'run', `b${seq++}`] },
];
/** A reference runtime counts only if it can run this bundle on this host (crun 1.8 refuses hybrid cgroups). */
function probe(name: string, argv: () => string[]): void {
  if (!which(argv()[0])) return void console.log(`  (${name}: not installed, skipped)`);
  const a = argv();
  const r = spawnSync(a[0], a.slice(1), { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) return void console.log(`  (${name}: fails on this host, skipped: ${r.stderr.trim().split('\n').pop()})`);
  cases.push({ name, argv });
}
probe('crun run', () => ['crun', '--root', path.join(dir, 'crun'), 'run', `c${seq++}`]);
probe('runc run', () => ['runc', '--root', path.join(dir, 'runc'), 'run', `r${seq++}`]);

const times = new Map<string, number[]>(cases.map((c) => [c.name, []]));
for (const c of cases) await wallMs(c); // warm-up (page cache)
for (let i = 0; i < N; i++) for (const c of cases) times.get(c.name)!.push(await wallMs(c));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const med = new Map([...times].map(([k, v]) => [k, median(v)]));
console.log(`runtime-start: ${N} iterations, spawn-to-exit wall time, medians (ms)`);
for (const [k, v] of med) console.log(`  ${k.padEnd(24)} ${v.toFixed(1)}`);
const floor = med.get(FLOOR)!;
const helper = med.get(HELPER)!;
console.log(`ratio helper / unshare floor: ${(helper / floor).toFixed(2)} (target <= 2; both spawn to exit)`);
const node = med.get('node -e 0')!;
const crun = med.get('crun run');
const berth = med.get('berth runtime run')!;
if (crun === undefined) {
  console.log(`ratio berth run / node start: ${(berth / node).toFixed(2)}`);
  const runcMed = med.get('runc run');
  if (runcMed !== undefined) {
    const budget = node + 2 * runcMed;
    console.log(`ratio berth run / (node start + 2x runc): ${(berth / budget).toFixed(2)} (target <= 1 with crun, which cannot run on this host; runc stands in)`);
  }
} else {
  const budget = node + 2 * crun;
  console.log(`ratio berth run / (node start + 2x crun): ${(berth / budget).toFixed(2)} (target <= 1)`);
  console.log(`ratio berth run / crun run: ${(berth / crun).toFixed(2)}`);
}
const runc = med.get('runc run');
if (runc !== undefined) console.log(`ratio berth run / runc run: ${(berth / runc).toFixed(2)}`);

// Idle monitor: resident memory of a detached container's monitor.
spec.process!.args = ['sleep', '1000'];
fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(spec));
const rt = path.join(dir, 'berth');
spawnSync(process.execPath, [berthBin, 'runtime', '--root', rt, 'run', '-d', 'idle'], { cwd: dir, stdio: 'ignore' });
const monitorPid = JSON.parse(fs.readFileSync(path.join(rt, 'idle', 'state.json'), 'utf8')).monitorPid;
const status = fs.readFileSync(`/proc/${monitorPid}/status`, 'utf8');
const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(status)?.[1]);
console.log(`idle monitor RSS: ${kb('VmRSS')} kB (anonymous ${kb('RssAnon')} kB, file ${kb('RssFile')} kB); target <= 1024 kB`);
spawnSync(process.execPath, [berthBin, 'runtime', '--root', rt, 'delete', '--force', 'idle'], { cwd: dir, stdio: 'ignore' });
fs.rmSync(dir, { recursive: true, force: true });
