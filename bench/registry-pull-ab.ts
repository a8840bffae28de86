/**
 * bench/registry-pull-ab: this build's `pull` against another build's (a worktree of an
 * earlier commit: its bin/berth.js) and `skopeo copy`, interleaved, from one docker-registry
 * holding a ~200 MB image (4 layers of random data + busybox). On a shared machine the noise
 * between runs is larger than most changes; pulls of the same image back to back, several
 * rounds, show the difference. Run as root:
 *   node dist/bench/registry-pull-ab.js OTHER/bin/berth.js [rounds=5] [sizeMB=200]
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { berthBin } from '../test/helpers.js';
import { busyboxTar } from '../test/imageHelpers.js';
import { skopeo, startRegistry } from '../test/registryHarness.js';

const other = process.argv[2];
const rounds = Number(process.argv[3] ?? 5);
const totalMB = Number(process.argv[4] ?? 200);
if (!other || !fs.existsSync(other)) {
  console.error('usage: registry-pull-ab OTHER/bin/berth.js [rounds] [sizeMB]');
  process.exit(2);
}
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-ab-'));
const env = { ...process.env, BERTH_ACCEL: '0', BERTH_CONFIG: path.join(work, 'cfg') };
const run = (bin: string, root: string, ...args: string[]) => execFileSync(process.execPath, [bin, '--root', root, ...args], { env, stdio: ['ignore', 'ignore', 'inherit'] });
const time = (f: () => void) => {
  const t = process.hrtime.bigint();
  f();
  return Number(process.hrtime.bigint() - t) / 1e9;
};

/** A docker-archive: 4 layers of one random file each, and busybox. */
function archive(): string {
  const arch = path.join(work, 'arch');
  fs.mkdirSync(arch);
  const names: string[] = [];
  const diffIds: string[] = [];
  const add = (name: string) => {
    names.push(name);
    diffIds.push(`sha256:${crypto.createHash('sha256').update(fs.readFileSync(path.join(arch, name))).digest('hex')}`);
  };
  for (let i = 0; i < 4; i++) {
    const d = path.join(work, `l${i}`);
    fs.mkdirSync(d);
    fs.writeFileSync(path.join(d, `r${i}.bin`), crypto.randomBytes(Math.floor((totalMB * 1e6) / 4)));
    execFileSync('tar', ['--numeric-owner', '-C', d, '-cf', path.join(arch, `l${i}.tar`), '.']);
    fs.rmSync(d, { recursive: true });
    add(`l${i}.tar`);
  }
  fs.copyFileSync(busyboxTar(), path.join(arch, 'bb.tar'));
  add('bb.tar');
  fs.writeFileSync(path.join(arch, 'config.json'), JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Cmd: ['sh'] }, rootfs: { type: 'layers', diff_ids: diffIds } }));
  fs.writeFileSync(path.join(arch, 'manifest.json'), JSON.stringify([{ Config: 'config.json', RepoTags: ['bench:1'], Layers: names }]));
  const file = path.join(work, 'img.tar');
  execFileSync('tar', ['-C', arch, '-cf', file, 'config.json', 'manifest.json', ...names]);
  fs.rmSync(arch, { recursive: true });
  return file;
}

async function main(): Promise<void> {
  const src = path.join(work, 'src');
  run(berthBin, src, 'load', '-q', '-i', archive());
  const reg = await startRegistry();
  try {
    const ref = `${reg.host}/b/i:1`;
    run(berthBin, src, 'tag', 'bench:1', ref);
    run(berthBin, src, 'push', '-q', ref);
    const sum = { self: 0, other: 0, skopeo: 0 };
    for (let i = 0; i < rounds; i++) {
      const dest = path.join(work, 'dest');
      const sk = time(() => skopeo('copy', '--src-tls-verify=false', `docker://${ref}`, `oci:${path.join(work, 'sk')}:img`));
      const a = time(() => run(berthBin, dest, 'pull', '-q', ref));
      fs.rmSync(dest, { recursive: true, force: true });
      const b = time(() => run(other, dest, 'pull', '-q', ref));
      fs.rmSync(dest, { recursive: true, force: true });
      fs.rmSync(path.join(work, 'sk'), { recursive: true, force: true });
      sum.self += a;
      sum.other += b;
      sum.skopeo += sk;
      console.log(`round ${i + 1}: this ${a.toFixed(2)} s  other ${b.toFixed(2)} s  skopeo ${sk.toFixed(2)} s`);
    }
    const m = (x: number) => (x / rounds).toFixed(2);
    console.log(`mean: this ${m(sum.self)} s  other ${m(sum.other)} s  skopeo ${m(sum.skopeo)} s`);
    console.log(`this/other ${(sum.other / sum.self).toFixed(2)}x faster; pull berth/skopeo: this ${(sum.skopeo / sum.self).toFixed(2)}x, other ${(sum.skopeo / sum.other).toFixed(2)}x`);
  } finally {
    reg.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

void main();
