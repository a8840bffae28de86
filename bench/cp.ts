/**
 * bench/cp: `berth cp` of a tree (2000 small files in 20 dirs, plus one 32 MiB file) into a
 * running container and back out, against `cp -a` of the same tree to the same places
 * (/proc/PID/root/... in, a host dir out) in the same run; medians of N rounds. The
 * --userns case runs too (every owner shifted on the way in and back on the way out). The
 * fixed cost of one `berth cp` (Node start, store lookup) is shown apart: a one-byte copy.
 * Needs root. Usage: node dist/bench/cp.js [rounds]
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createBusyboxImage } from '../test/imageHelpers.js';
import { berthBin } from '../test/helpers.js';

const N = Number(process.argv[2] ?? 5);
if (process.getuid?.() !== 0) {
  console.error('bench/cp needs root');
  process.exit(1);
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-cp-'));
const root = path.join(work, 'root');
const subids = path.join(work, 'subid');
const env = { ...process.env, BERTH_SUBUID_FILE: subids, BERTH_SUBGID_FILE: subids };
const berth = (args: string[]) => {
  const r = spawnSync(process.execPath, [berthBin, '--root', root, ...args], { encoding: 'utf8', env, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`berth ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
};

function makeTree(dir: string): void {
  for (let d = 0; d < 20; d++) {
    fs.mkdirSync(path.join(dir, `d${d}`), { recursive: true });
    for (let f = 0; f < 100; f++) fs.writeFileSync(path.join(dir, `d${d}`, `f${f}`), `file ${d}/${f}\n`);
  }
  fs.writeFileSync(path.join(dir, 'big'), Buffer.alloc(32 << 20, 7));
}

function ms(f: () => void): number {
  const t0 = process.hrtime.bigint();
  f();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function sh(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
}

/** One container's rounds: berth cp in/out vs cp -a in/out, interleaved. */
function rounds(name: string, runArgs: string[]): { berthIn: number; cpIn: number; berthOut: number; cpOut: number; fixed: number } {
  const id = berth(['run', '-d', '--name', name, '--network', 'none', ...runArgs, 'busybox', 'sleep', '100000']);
  const pid = berth(['inspect', '-f', '{{.State.Pid}}', id]);
  const inside = `/proc/${pid}/root/tmp`;
  const t = { berthIn: [] as number[], cpIn: [] as number[], berthOut: [] as number[], cpOut: [] as number[], fixed: [] as number[] };
  for (let i = 0; i <= N; i++) {
    const bi = ms(() => berth(['cp', path.join(work, 'tree'), `${name}:/tmp/b${i}`]));
    const ci = ms(() => sh('cp', ['-a', path.join(work, 'tree'), `${inside}/c${i}`]));
    const bo = ms(() => berth(['cp', '-a', `${name}:/tmp/b${i}`, path.join(work, `bo${i}`)]));
    const co = ms(() => sh('cp', ['-a', `${inside}/c${i}`, path.join(work, `co${i}`)]));
    const one = ms(() => berth(['cp', path.join(work, 'one'), `${name}:/tmp/one`]));
    if (i === 0) continue; // warm-up round
    t.berthIn.push(bi);
    t.cpIn.push(ci);
    t.berthOut.push(bo);
    t.cpOut.push(co);
    t.fixed.push(one);
  }
  berth(['rm', '-f', id]);
  return { berthIn: median(t.berthIn), cpIn: median(t.cpIn), berthOut: median(t.berthOut), cpOut: median(t.cpOut), fixed: median(t.fixed) };
}

try {
  fs.chmodSync(work, 0o711); // a --userns container's mapped root walks through it
  fs.writeFileSync(subids, '');
  fs.writeFileSync(path.join(work, 'one'), 'x');
  makeTree(path.join(work, 'tree'));
  await createBusyboxImage(root);
  console.log(`cp (2000 files + 32 MiB, medians of ${N} rounds; baseline cp -a to the same places)`);
  for (const [label, args] of [['plain', []], ['--userns auto', ['--userns', 'auto']]] as const) {
    const r = rounds(`bench${label.length}`, [...args]);
    console.log(`  ${label}: in  berth ${r.berthIn.toFixed(0)} ms, cp -a ${r.cpIn.toFixed(0)} ms, ratio ${(r.berthIn / r.cpIn).toFixed(2)}`);
    console.log(`  ${label}: out berth ${r.berthOut.toFixed(0)} ms, cp -a ${r.cpOut.toFixed(0)} ms, ratio ${(r.berthOut / r.cpOut).toFixed(2)}`);
    console.log(`  ${label}: fixed cost (a one-byte file in, CLI start included) ${r.fixed.toFixed(0)} ms; in without it: ratio ${((r.berthIn - r.fixed) / r.cpIn).toFixed(2)}`);
  }
} finally {
  for (const id of spawnSync(process.execPath, [berthBin, '--root', root, 'ps', '-aq'], { encoding: 'utf8', env }).stdout.split('\n').filter(Boolean)) {
    spawnSync(process.execPath, [berthBin, '--root', root, 'rm', '-f', id], { env });
  }
  fs.rmSync(work, { recursive: true, force: true });
}
