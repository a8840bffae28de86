/**
 * Chaos (issue 19): SIGKILL of the CLI or of a container's monitor at a random moment of
 * run/start/stop/rm/exec, round after round; then, once a user has stopped what is left,
 * `system check` finds the root consistent and nothing of it orphaned. The kill moments are
 * random (the seed is printed; BERTH_CHAOS_SEED replays one), the verdict is not timed.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { requiresRoot } from '../helpers.js';
import { Engine, berthCommand } from './engineHarness.js';
import { alive, killPid, runtimeState } from './faultsHarness.js';

const ROUNDS = Number(process.env.BERTH_CHAOS_ROUNDS ?? 50);

/** mulberry32: a small PRNG, so a failing seed can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('engine chaos: SIGKILL of the CLI and the monitor', requiresRoot, () => {
  const e = new Engine('berth-chaos-');
  before(() => e.init());
  after(() => e.cleanup());

  test(`${ROUNDS} rounds leave system check clean`, async (t) => {
    const seed = Number(process.env.BERTH_CHAOS_SEED ?? Date.now() % 1e9);
    t.diagnostic(`seed ${seed}`);
    const rnd = prng(seed);
    const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)];
    const names = ['ch0', 'ch1', 'ch2'];
    const ops: Record<string, (n: string) => string[]> = {
      run: (n) => ['run', '-d', '--name', n, 'busybox', 'sleep', '1000'],
      start: (n) => ['start', n],
      stop: (n) => ['stop', '-t', '1', n],
      rm: (n) => ['rm', '-f', n],
      exec: (n) => ['exec', n, 'true'],
    };
    const monitors = () => {
      const rt = path.join(e.root, 'runtime');
      return (fs.existsSync(rt) ? fs.readdirSync(rt) : []).flatMap((id) => {
        try {
          return [runtimeState(e.root, id).monitorPid];
        } catch {
          return [];
        }
      }).filter(alive);
    };
    const tally: Record<string, number> = {};
    for (let round = 0; round < ROUNDS; round++) {
      const op = pick(Object.keys(ops));
      const victim = pick(['cli', 'cli', 'monitor', 'none']);
      const [bin, argv] = berthCommand(['--root', e.root, ...ops[op](pick(names))]);
      const child = spawn(bin, argv, { stdio: 'ignore' });
      const exited = new Promise<void>((r) => child.on('close', () => r()));
      const delay = Math.floor(rnd() * 300);
      const timer = setTimeout(() => {
        if (victim === 'cli') killPid(child.pid);
        if (victim === 'monitor') killPid(pick(monitors()) ?? 0); // a monitor of this root's own containers
      }, delay);
      const hung = setTimeout(() => killPid(child.pid), 120_000);
      await exited;
      clearTimeout(timer);
      clearTimeout(hung);
      tally[`${op}/${victim}`] = (tally[`${op}/${victim}`] ?? 0) + 1;
    }
    t.diagnostic(JSON.stringify(tally));
    // Right after the chaos: whatever is off, --repair fixes it, but for containers whose monitor
    // was killed under them (they run on; only a stop or restart gives them a monitor again).
    const repair = e.run(['system', 'check', '--repair', '--orphan-root', e.root]);
    t.diagnostic(repair.stdout);
    const lines = repair.stdout.split('\n');
    lines.forEach((l, i) => {
      if (!l || l.startsWith('  ') || /^(image store is consistent|note:|containers are consistent)/.test(l)) return;
      assert.ok(lines[i + 1]?.startsWith('  repaired: ') || /monitor .* is gone: the container runs on/.test(l), `not repaired: ${l}\n${repair.stdout}`);
    });
    // What a user does afterwards: stop what is left. Then nothing may be inconsistent or orphaned.
    const ids = e.ok(['ps', '-aq', '--no-trunc']).split('\n').filter(Boolean);
    if (ids.length) e.ok(['stop', '-t', '1', ...ids]);
    const check = e.run(['system', 'check', '--orphan-root', e.root]);
    t.diagnostic(check.stdout);
    assert.equal(check.code, 0, check.stdout + check.stderr);
    if (ids.length) e.ok(['rm', '-f', ...ids]);
    const final = e.run(['system', 'check', '--orphan-root', e.root]);
    assert.equal(final.code, 0, final.stdout + final.stderr);
  });
});
