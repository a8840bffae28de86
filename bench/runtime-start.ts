/**
 * bench/runtime-start: median wall time of `berth runtime run` on a bundle running /bin/true in
 * new pid/mnt/uts/ipc/net namespaces, against, in the same run: `unshare ... chroot` (the floor),
 * `node -e 0` (Node's own start), and `crun run` / `runc run` when installed. Then the runtime
 * without Node's start: from this process, createContainer() until the container's exit against
 * spawn() of `unshare ... chroot` until its exit — the same clock and the same start and end
 * points for both (wall time against wall time). Usage: node dist/bench/runtime-start.js [iterations]
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { defaultSpec } from '../src/runtime/defaultSpec.js';
import { createContainer } from '../src/runtime/createContainer.js';
import { deleteContainer } from '../src/runtime/lifecycle.js';
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

const which = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
let seq = 0;
const cases: [string, () => string[]][] = [
  ['unshare+chroot (floor)', () => ['unshare', '--fork', '--pid', '--mount', '--uts', '--ipc', '--net', 'chroot', rootfs, '/bin/true']],
  ['node -e 0', () => [process.execPath, '-e', '0']],
  ['berth runtime run', () => [process.execPath, berthBin, 'runtime', '--root', path.join(dir, 'berth'), 'run', `b${seq++}`]],
];
/** A reference runtime counts only if it can run this bundle on this host (crun 1.8 refuses hybrid cgroups). */
function probe(name: string, argv: () => string[]): void {
  if (!which(argv()[0])) return void console.log(`  (${name}: not installed, skipped)`);
  const a = argv();
  const r = spawnSync(a[0], a.slice(1), { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) return void console.log(`  (${name}: fails on this host, skipped: ${r.stderr.trim().split('\n').pop()})`);
  cases.push([name, argv]);
}
probe('crun run', () => ['crun', '--root', path.join(dir, 'crun'), 'run', `c${seq++}`]);
probe('runc run', () => ['runc', '--root', path.join(dir, 'runc'), 'run', `r${seq++}`]);

const times = new Map<string, number[]>(cases.map(([n]) => [n, []]));
for (let i = 0; i < N; i++) {
  for (const [name, argv] of cases) {
    const a = argv();
    const t0 = process.hrtime.bigint();
    const r = spawnSync(a[0], a.slice(1), { cwd: dir, encoding: 'utf8' });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) throw new Error(`${name} failed: ${r.stderr}`);
    times.get(name)!.push(ms);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const med = new Map([...times].map(([k, v]) => [k, median(v)]));
console.log(`runtime-start: ${N} iterations, medians (ms)`);
for (const [k, v] of med) console.log(`  ${k.padEnd(24)} ${v.toFixed(1)}`);

// The runtime alone, in this process: start to exit of the container against start to exit of
// `unshare ... chroot`, both from spawn()/createContainer() to the exit event, alternating.
const inRoot = path.join(dir, 'inproc');
const exitOf = (a: string[]) => new Promise<number>((resolve, reject) => {
  const c = spawn(a[0], a.slice(1), { cwd: dir, stdio: 'ignore' });
  c.once('error', reject);
  c.once('exit', (code) => resolve(code ?? 128));
});
const inproc = { floor: [] as number[], runtime: [] as number[] };
for (let i = 0; i < N; i++) {
  let t0 = process.hrtime.bigint();
  if (await exitOf(cases[0][1]()) !== 0) throw new Error('unshare+chroot failed');
  inproc.floor.push(Number(process.hrtime.bigint() - t0) / 1e6);
  const id = `p${i}`;
  t0 = process.hrtime.bigint();
  const c = await createContainer({ root: inRoot, id, bundle: dir, spec: structuredClone(spec), holdForStart: false, stdio: { mode: 'null' } });
  const code = await c.helper.exited;
  inproc.runtime.push(Number(process.hrtime.bigint() - t0) / 1e6);
  c.helper.detach();
  if (code !== 0) throw new Error(`container ${id} exited ${code}`);
  await deleteContainer(inRoot, id, true);
}
const floorIn = median(inproc.floor);
const runtimeIn = median(inproc.runtime);
console.log(`  ${'unshare+chroot, spawn->exit (in process)'.padEnd(44)} ${floorIn.toFixed(1)}`);
console.log(`  ${'createContainer->exit (in process)'.padEnd(44)} ${runtimeIn.toFixed(1)}`);
console.log(`ratio runtime / unshare floor, wall against wall: ${(runtimeIn / floorIn).toFixed(2)} (target <= 2)`);
const crun = med.get('crun run');
const berth = med.get('berth runtime run')!;
if (crun === undefined) {
  console.log('ratio berth run / node start: ' + (berth / med.get('node -e 0')!).toFixed(2));
  const runcMed = med.get('runc run');
  if (runcMed !== undefined) {
    const budget = med.get('node -e 0')! + 2 * runcMed;
    console.log(`ratio berth run / (node start + 2x runc): ${(berth / budget).toFixed(2)} (target <= 1 with crun, which cannot run on this host; runc stands in)`);
  }
} else {
  const budget = med.get('node -e 0')! + 2 * crun;
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
console.log(`idle monitor RSS: ${kb('VmRSS')} kB (anonymous ${kb('RssAnon')} kB, file ${kb('RssFile')} kB); target <= 1024 kB, conmon ~2048 kB`);
spawnSync(process.execPath, [berthBin, 'runtime', '--root', rt, 'delete', '--force', 'idle'], { cwd: dir, stdio: 'ignore' });
fs.rmSync(dir, { recursive: true, force: true });
