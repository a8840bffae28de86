/**
 * bench/layer-unpack: unpack throughput of a ~200 MB layer (many small files + some large)
 * with berth's applier vs GNU `tar -xzf` of the same file, in the same run; then `load` of
 * a ~200 MB docker-archive vs `skopeo copy docker-archive:… oci:…`.
 * Run as root: node dist/bench/layer-unpack.js [sizeMB] [workdir]
 * (workdir defaults to the system temp dir; /dev/shm takes the disk out of the figures).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ImageStore } from '../src/image/ImageStore.js';
import { importImage } from '../src/image/importImage.js';
import { loadArchive } from '../src/image/loadArchive.js';
import { saveArchive, saveItems } from '../src/image/saveArchive.js';
import { unpackLayer } from '../src/image/unpackLayer.js';

const targetMB = Number(process.argv[2] ?? 200);
const work = fs.mkdtempSync(path.join(process.argv[3] ?? os.tmpdir(), 'berth-bench-'));
console.log(`workdir ${work}`);
process.on('exit', () => fs.rmSync(work, { recursive: true, force: true }));

/** Semi-compressible content (text-like with random words), ~3:1 with gzip. */
function content(n: number, seed: number): Buffer {
  const words = Array.from({ length: 256 }, (_, i) => crypto.createHash('md5').update(`${seed}-${i}`).digest('hex').slice(0, 3 + (i % 9)));
  const rnd = crypto.randomBytes(n);
  const parts: string[] = [];
  let len = 0;
  for (let i = 0; len < n; i++) {
    const w = words[rnd[i % n]] + (rnd[(i * 7) % n] % 13 === 0 ? '\n' : ' ');
    parts.push(w);
    len += w.length;
  }
  return Buffer.from(parts.join('')).subarray(0, n);
}

function makeTree(dir: string): number {
  let total = 0;
  const big = 4;
  const bigSize = Math.floor((targetMB * 0.4 * 1e6) / big);
  for (let i = 0; i < big; i++) {
    fs.mkdirSync(path.join(dir, 'opt', 'big'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'opt', 'big', `blob${i}.bin`), Buffer.concat([content(bigSize / 2, i), crypto.randomBytes(bigSize / 2)]));
    total += bigSize;
  }
  const pool = content(1 << 20, 99);
  let n = 0;
  while (total < targetMB * 1e6) {
    const d = path.join(dir, 'usr', 'lib', `pkg${Math.floor(n / 200)}`, `sub${Math.floor(n / 20) % 10}`);
    if (n % 20 === 0) fs.mkdirSync(d, { recursive: true });
    const size = 512 + ((n * 7919) % 16000);
    const off = (n * 104729) % (pool.length - size);
    fs.writeFileSync(path.join(d, `file${n}.so`), pool.subarray(off, off + size));
    if (n % 50 === 0) fs.symlinkSync(`file${n}.so`, path.join(d, `link${n}`));
    total += size;
    n++;
  }
  return n;
}

function time<T>(fn: () => T): [T, number] {
  const t0 = process.hrtime.bigint();
  const r = fn();
  return [r, Number(process.hrtime.bigint() - t0) / 1e9];
}
async function timeAsync<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = process.hrtime.bigint();
  const r = await fn();
  return [r, Number(process.hrtime.bigint() - t0) / 1e9];
}

function fresh(name: string): string {
  const d = path.join(work, name);
  fs.rmSync(d, { recursive: true, force: true });
  fs.mkdirSync(d, { recursive: true });
  return d;
}

async function main(): Promise<void> {
  const tree = path.join(work, 'tree');
  fs.mkdirSync(tree);
  const files = makeTree(tree);
  const tgz = path.join(work, 'layer.tar.gz');
  execFileSync('tar', ['-C', tree, '-czf', tgz, '.']);
  const tarBytes = Number(execFileSync('sh', ['-c', `gzip -dc '${tgz}' | wc -c`], { encoding: 'utf8' }).trim());
  fs.rmSync(tree, { recursive: true, force: true });
  const mb = tarBytes / 1e6;
  console.log(`layer: ${files} small files + 4 large, ${mb.toFixed(0)} MB uncompressed, ${(fs.statSync(tgz).size / 1e6).toFixed(0)} MB gzip`);

  const tarTimes: number[] = [];
  const berthTimes: number[] = [];
  for (let round = 0; round < 3; round++) {
    const a = fresh('tar-out');
    spawnSync('sync');
    tarTimes.push(time(() => execFileSync('tar', ['-xzf', tgz, '-C', a]))[1]);
    const b = fresh('berth-out');
    spawnSync('sync');
    berthTimes.push((await timeAsync(() => unpackLayer(tgz, b, 'bench')))[1]);
  }
  const tarBest = Math.min(...tarTimes);
  const berthBest = Math.min(...berthTimes);
  console.log(`unpack: berth ${(mb / berthBest).toFixed(1)} MB/s, GNU tar -xzf ${(mb / tarBest).toFixed(1)} MB/s, ratio ${(tarBest / berthBest).toFixed(2)}x (best of 3)`);

  // load of a docker-archive vs skopeo copy docker-archive: -> oci:
  const src = ImageStore.open(fresh('src-root'));
  await importImage(src, fs.createReadStream(tgz), { tag: 'bench:1' });
  const archive = path.join(work, 'bench.tar');
  await saveArchive(src, saveItems(src, ['bench:1']), fs.createWriteStream(archive), 'docker');
  const aMB = fs.statSync(archive).size / 1e6;
  fs.rmSync(path.join(work, 'src-root'), { recursive: true, force: true });
  const loadTimes: number[] = [];
  const skopeoTimes: number[] = [];
  for (let round = 0; round < 2; round++) {
    const r = fresh('load-root');
    spawnSync('sync');
    loadTimes.push((await timeAsync(() => loadArchive(ImageStore.open(r), fs.createReadStream(archive))))[1]);
    const o = fresh('skopeo-out');
    spawnSync('sync');
    skopeoTimes.push(time(() => execFileSync('skopeo', ['--insecure-policy', 'copy', '-q', `docker-archive:${archive}`, `oci:${o}:bench`]))[1]);
  }
  const lb = Math.min(...loadTimes);
  const sb = Math.min(...skopeoTimes);
  console.log(`load (${aMB.toFixed(0)} MB docker-archive, includes unpacking the layer): berth ${lb.toFixed(2)} s (${(aMB / lb).toFixed(1)} MB/s), skopeo copy to oci: ${sb.toFixed(2)} s (${(aMB / sb).toFixed(1)} MB/s), ratio ${(sb / lb).toFixed(2)}x`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
