/**
 * bench/cgroup-setup: time to create, configure (memory + cpu + pids) and remove
 * one container's cgroups with berth's Cgroup manager, against a /bin/sh script
 * doing the same mkdir/echo/rmdir on the same directories, in the same run.
 * Target: ratio <= 1.5. Needs root. Usage: node dist/bench/cgroup-setup.js [iterations]
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { Cgroup, detectCgroupLayout, translateResources, type LinuxResources } from '../src/runtime/cgroups/index.js';

const N = Number(process.argv[2] ?? 200);
const resources: LinuxResources = { memory: { limit: 64 * 1024 * 1024 }, cpu: { quota: 50000, period: 100000 }, pids: { limit: 64 } };

if (process.getuid?.() !== 0) {
  console.error('bench/cgroup-setup needs root');
  process.exit(1);
}
const layout = detectCgroupLayout();
const parent = `berth/bench-${process.pid}`;
const root = Cgroup.create(layout, parent);

function berthOnce(i: number): void {
  const cg = Cgroup.create(layout, `${parent}/b${i}`);
  cg.update(resources);
  cg.destroy();
}

/** The same work as a shell script: mkdir per hierarchy, cpuset copy (v1), the writes, rmdir. */
function shellScript(): string {
  const probe = Cgroup.open(layout, `${parent}/sPLACEHOLDER`);
  const lines = ['i=0', `while [ $i -lt ${N} ]; do`];
  for (const d of probe.dirs()) lines.push(`  mkdir ${d}`);
  const cpuset = probe.dirFor('cpuset');
  if (layout.mode !== 'v2' && cpuset !== undefined) {
    for (const f of ['cpuset.cpus', 'cpuset.mems']) lines.push(`  cat ${path.join(path.dirname(cpuset), f)} > ${path.join(cpuset, f)}`);
  }
  for (const w of translateResources(resources, layout.mode)) lines.push(`  echo '${w.value}' > ${path.join(probe.dirFor(w.controller) as string, w.file)}`);
  for (const d of probe.dirs()) lines.push(`  rmdir ${d}`);
  lines.push('  i=$((i+1))', 'done');
  return lines.join('\n').replaceAll('sPLACEHOLDER', 's$i');
}

try {
  for (let i = 0; i < 10; i++) berthOnce(i); // warm-up
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) berthOnce(i);
  const berthMs = Number(process.hrtime.bigint() - t0) / 1e6;

  const script = shellScript();
  const t1 = process.hrtime.bigint();
  const r = spawnSync('/bin/sh', ['-e', '-c', script], { encoding: 'utf8' });
  const shellMs = Number(process.hrtime.bigint() - t1) / 1e6;
  if (r.status !== 0) throw new Error(`shell baseline failed: ${r.stderr}`);

  console.log(`cgroup-setup (${layout.mode}, ${Cgroup.open(layout, parent).dirs().length} hierarchies, ${N} containers)`);
  console.log(`  berth:  ${(berthMs / N).toFixed(3)} ms per create+configure+remove`);
  console.log(`  /bin/sh: ${(shellMs / N).toFixed(3)} ms per mkdir+echo+rmdir`);
  console.log(`  ratio berth/sh: ${(berthMs / shellMs).toFixed(2)} (target <= 1.5)`);
} finally {
  root.destroy({ pruneParents: true });
}
