/**
 * bench/userns: what `--userns` costs a `berth run --rm busybox true`, against plain
 * `run --rm` (no user namespace) measured in the same run, for both ownership strategies:
 *  - idmap: each run pays the idmapped layer mounts, the host-side overlay and the namespace;
 *  - copy, remap: the range's shifted layer copies are cached: the same plus the upper chown;
 *  - copy, auto: a fresh block per run (--rm frees it and its copies), so each run also pays a
 *    shifted copy of the image's layers (busybox: one layer, ~400 entries, ~2 MB).
 * Subordinate ids come from temp files (the host's /etc/subuid is untouched).
 * Needs root. Usage: node dist/bench/userns.js [iterations]
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createBusyboxImage } from '../test/imageHelpers.js';
import { berthBin } from '../test/helpers.js';

const N = Number(process.argv[2] ?? 15);
if (process.getuid?.() !== 0) {
  console.error('bench/userns needs root');
  process.exit(1);
}

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-userns-'));
process.env.BERTH_SUBUID_FILE = path.join(root, 'subuid');
process.env.BERTH_SUBGID_FILE = path.join(root, 'subgid');
delete process.env.BERTH_USERNS_REMAP;

function timeRun(extra: string[], ownership?: string): number {
  const env = { ...process.env, ...(ownership ? { BERTH_USERNS_OWNERSHIP: ownership } : {}) };
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [berthBin, '--root', root, 'run', '--rm', ...extra, 'busybox', 'true'], { encoding: 'utf8', env });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`berth run ${extra.join(' ')} failed: ${r.stderr}`);
  return ms;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function main(): Promise<void> {
  await createBusyboxImage(root);
  try {
    const modes: [string, string[], string?][] = [
      ['host', []], ['remap, idmap', ['--userns', 'remap'], 'idmap'], ['auto, idmap', ['--userns', 'auto'], 'idmap'],
      ['remap, copy', ['--userns', 'remap'], 'copy'], ['auto, copy', ['--userns', 'auto'], 'copy'],
    ];
    for (const [, extra, own] of modes) timeRun(extra, own); // warm-up (remap copy makes its cached copy here)
    const times = new Map<string, number[]>(modes.map(([m]) => [m, []]));
    // Interleaved, so drift on the machine hits every mode alike.
    for (let i = 0; i < N; i++) for (const [m, extra, own] of modes) times.get(m)!.push(timeRun(extra, own));
    const host = median(times.get('host')!);
    console.log(`run --rm busybox true, median of ${N}:`);
    console.log(`  host (baseline): ${host.toFixed(1)} ms`);
    for (const [m] of modes.slice(1)) {
      const t = median(times.get(m)!);
      console.log(`  --userns ${m}: ${t.toFixed(1)} ms; ratio ${(t / host).toFixed(2)}x host (${t >= host ? '+' : ''}${(t - host).toFixed(1)} ms)`);
    }
  } finally {
    spawnSync(process.execPath, [berthBin, '--root', root, 'container', 'prune', '-f'], { stdio: 'ignore' });
    fs.rmSync(root, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
