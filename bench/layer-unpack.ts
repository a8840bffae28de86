/**
 * bench/layer-unpack: berth's image I/O against GNU tar on the same bytes, in the same run, on
 * a tmpfs mounted for the run and on disk (the system temp dir's filesystem), median of
 * `--rounds` (3). Cases, each printed as berth / tar and the ratio:
 *   unpack tar   unpackLayer(layer.tar)            vs tar -xf layer.tar
 *   unpack tgz   unpackLayer(layer.tar.gz)         vs tar -xzf layer.tar.gz
 *   import       importImage(layer.tar)            vs tar -xf layer.tar
 *   load docker  loadArchive(docker-archive)       vs tar -xf layer.tar   (the layer it holds)
 *   load oci.gz  loadArchive(oci-archive, gzip)    vs tar -xzf layer.tar.gz
 *   save docker  saveArchive(docker) to a file     vs tar -cf of the unpacked tree
 *   save oci     saveArchive(oci) to a file        vs tar -cf of the unpacked tree
 * berth's unpacks are durable (synced before they are published), tar's are not: on disk the
 * tar figures are also given with a `sync -f` of the result (`tar+sync`).
 * Then a phase breakdown (BERTH_PROFILE_IO=1, tmpfs, one run each), and with `--big` a
 * 10-layer ~1 GB docker-archive loaded by the CLI (`berth load -i`) with its peak RSS.
 * Run as root: node dist/bench/layer-unpack.js [--mb 120] [--rounds 3] [--big] [--only tmpfs|disk|big]
 * (`--only big`: just the 10-layer load, on tmpfs)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readFileChunks } from '../src/image/chunkPool.js';
import { ImageStore } from '../src/image/ImageStore.js';
import { importImage } from '../src/image/importImage.js';
import { loadArchive } from '../src/image/loadArchive.js';
import { saveArchive, saveItems } from '../src/image/saveArchive.js';
import { unpackLayer } from '../src/image/unpackLayer.js';
import { PHASES, takeIoProfile, type PhaseTimes } from '../src/image/unpackProfile.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const targetMB = Number(opt('mb', '120'));
const rounds = Number(opt('rounds', '3'));
const only = opt('only', '');
const big = args.includes('--big');
/** Read as the CLI reads an -i file (src/cli/image/io.ts: 1 MB pooled reads). */
const input = (file: string) => readFileChunks(file);
const projectDir = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-'));
const tmpfs = path.join(work, 'tmpfs');
let mounted = false;
process.on('exit', () => {
  if (mounted) spawnSync('umount', [tmpfs]);
  fs.rmSync(work, { recursive: true, force: true });
});
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(130));

// ---- content ----

/** A pool of text-like bytes (random words), ~3:1 with gzip, like binaries and text in a distro. */
function pool(n: number, seed: number): Buffer {
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

/** A distro-like tree: 40% in 4 large files, the rest in small files (0.5-16 KB), some symlinks. */
function makeTree(dir: string, mb: number, seed: number, text: Buffer): number {
  let total = 0;
  const bigSize = Math.floor((mb * 0.4 * 1e6) / 4);
  fs.mkdirSync(path.join(dir, 'opt', 'big'), { recursive: true });
  for (let i = 0; i < 4; i++) {
    const off = (i * 7919 + seed * 104729) % (text.length - bigSize / 2);
    fs.writeFileSync(path.join(dir, 'opt', 'big', `blob${i}.bin`), Buffer.concat([text.subarray(off, off + bigSize / 2), crypto.randomBytes(bigSize / 2)]));
    total += bigSize;
  }
  let n = 0;
  const stamp = Buffer.from(`layer ${seed}\n`);
  while (total < mb * 1e6) {
    const d = path.join(dir, 'usr', 'lib', `pkg${Math.floor(n / 200)}`, `sub${Math.floor(n / 20) % 10}`);
    if (n % 20 === 0) fs.mkdirSync(d, { recursive: true });
    const size = 512 + ((n * 7919) % 16000);
    const off = (n * 104729 + seed * 31) % (text.length - size);
    fs.writeFileSync(path.join(d, `file${n}.so`), Buffer.concat([stamp, text.subarray(off, off + size)]));
    if (n % 50 === 0) fs.symlinkSync(`file${n}.so`, path.join(d, `link${n}`));
    total += size;
    n++;
  }
  return n;
}

// ---- timing ----

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
function time(fn: () => void): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}
async function timeAsync(fn: () => Promise<unknown>): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}
function fresh(dir: string): string {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}
/** Write back what earlier steps left dirty, so a timed step does not pay for them. */
const settle = () => spawnSync('sync');

interface Inputs {
  tar: string;
  tgz: string;
  docker: string;
  oci: string;
  mb: number;
}

async function prepare(dir: string): Promise<Inputs> {
  const tree = path.join(dir, 'tree');
  fs.mkdirSync(tree, { recursive: true });
  const files = makeTree(tree, targetMB, 1, pool(4 << 20, 99));
  const tar = path.join(dir, 'layer.tar');
  const tgz = path.join(dir, 'layer.tar.gz');
  execFileSync('tar', ['-C', tree, '-cf', tar, '.']);
  execFileSync('tar', ['-C', tree, '-czf', tgz, '.']);
  fs.rmSync(tree, { recursive: true, force: true });
  const mb = fs.statSync(tar).size / 1e6;
  console.log(`layer: ${files} small files + 4 large, ${mb.toFixed(0)} MB tar, ${(fs.statSync(tgz).size / 1e6).toFixed(0)} MB gzip`);
  const docker = path.join(dir, 'image-docker.tar');
  const oci = path.join(dir, 'image-oci-gz.tar');
  for (const [src, out, format] of [[tar, docker, 'docker'], [tgz, oci, 'oci']] as const) {
    const root = fresh(path.join(dir, 'src-root'));
    const s = ImageStore.open(root);
    await importImage(s, fs.createReadStream(src), { tag: 'bench:1' });
    await saveArchive(s, saveItems(s, ['bench:1']), fs.createWriteStream(out), format);
    fs.rmSync(root, { recursive: true, force: true });
  }
  return { tar, tgz, docker, oci, mb };
}

type Row = { berth: number[]; tar: number[]; tarSync: number[] };

async function measure(label: string, dir: string, inp: Inputs, onDisk: boolean): Promise<void> {
  const rows = new Map<string, Row>();
  const row = (k: string) => rows.get(k) ?? rows.set(k, { berth: [], tar: [], tarSync: [] }).get(k)!;
  const tarX = (r: Row, flags: string, file: string, out: string) => {
    settle();
    const t = time(() => execFileSync('tar', [flags, file, '-C', out]));
    r.tar.push(t);
    r.tarSync.push(t + (onDisk ? time(() => execFileSync('sync', ['-f', out])) : 0));
  };
  const a = path.join(dir, 'tar-out');
  const b = path.join(dir, 'berth-out');
  const root = path.join(dir, 'root');
  await unpackLayer(inp.tgz, fresh(b), 'warm-up'); // JIT and page cache, not counted
  for (let round = 0; round < rounds; round++) {
    for (const [k, flags, file] of [['unpack tar', '-xf', inp.tar], ['unpack tgz', '-xzf', inp.tgz]] as const) {
      const r = row(k);
      tarX(r, flags, file, fresh(a));
      fresh(b);
      settle();
      r.berth.push(await timeAsync(() => unpackLayer(file, b, 'bench')));
    }
    const cases: [string, () => Promise<unknown>, Row][] = [
      ['import', () => importImage(ImageStore.open(root), input(inp.tar), { tag: 'bench:1' }), row('unpack tar')],
      ['load docker', () => loadArchive(ImageStore.open(root), input(inp.docker)), row('unpack tar')],
      ['load oci.gz', () => loadArchive(ImageStore.open(root), input(inp.oci)), row('unpack tgz')],
    ];
    for (const [k, fn, base] of cases) {
      const r = row(k);
      fresh(root);
      settle();
      r.berth.push(await timeAsync(fn));
      r.tar.push(base.tar[round]);
      r.tarSync.push(base.tarSync[round]);
    }
    // save: the store of the last load (gzip blob) and one of the plain tar, vs tar -c of the tree
    const plainRoot = path.join(dir, 'root-plain');
    if (round === 0) await importImage(ImageStore.open(fresh(plainRoot)), input(inp.tar), { tag: 'bench:1' });
    for (const [k, r0, format] of [['save docker', plainRoot, 'docker'], ['save oci', plainRoot, 'oci'], ['save docker (gz blob)', root, 'docker'], ['save oci (gz blob)', root, 'oci']] as const) {
      const r = row(k);
      const out = path.join(dir, 'out.tar');
      fs.rmSync(out, { force: true });
      settle();
      const t = time(() => execFileSync('tar', ['-C', a, '-cf', out, '.']));
      r.tar.push(t);
      r.tarSync.push(t);
      fs.rmSync(out, { force: true });
      settle();
      const s = ImageStore.open(r0);
      r.berth.push(await timeAsync(() => saveArchive(s, saveItems(s, ['bench:1']), fs.createWriteStream(out), format)));
    }
  }
  console.log(`\n== ${label} (${dir}), median of ${rounds}, ${inp.mb.toFixed(0)} MB layer ==`);
  console.log(`${'case'.padEnd(22)} ${'berth s'.padStart(8)} ${'tar s'.padStart(8)} ${'ratio'.padStart(6)}${onDisk ? `  ${'tar+sync'.padStart(8)} ${'ratio'.padStart(6)}` : ''}`);
  for (const [k, r] of rows) {
    const bm = median(r.berth);
    const tm = median(r.tar);
    const ts = median(r.tarSync);
    const sync = onDisk && !k.startsWith('save') ? `  ${ts.toFixed(3).padStart(8)} ${(bm / ts).toFixed(2).padStart(5)}x` : '';
    console.log(`${k.padEnd(22)} ${bm.toFixed(3).padStart(8)} ${tm.toFixed(3).padStart(8)} ${(bm / tm).toFixed(2).padStart(5)}x${sync}`);
  }
}

function printPhases(label: string, p: PhaseTimes, wall: number): void {
  const parts = PHASES.filter((k) => p[k]).map((k) => `${k} ${p[k]!.toFixed(0)}`);
  console.log(`${label.padEnd(12)} wall ${(wall * 1000).toFixed(0).padStart(5)} ms | ${parts.join(', ')}`);
}

async function breakdown(dir: string, inp: Inputs): Promise<void> {
  console.log('\n== phase breakdown (ms, BERTH_PROFILE_IO=1, one run each; threads add up, so phases can exceed wall) ==');
  process.env.BERTH_PROFILE_IO = '1';
  try {
    const root = path.join(dir, 'root');
    const b = path.join(dir, 'berth-out');
    const steps: [string, () => Promise<unknown>][] = [
      ['unpack tar', () => unpackLayer(inp.tar, fresh(b), 'bench')],
      ['unpack tgz', () => unpackLayer(inp.tgz, fresh(b), 'bench')],
      ['import', () => importImage(ImageStore.open(fresh(root)), input(inp.tar), { tag: 'bench:1' })],
      ['load docker', () => loadArchive(ImageStore.open(fresh(root)), input(inp.docker))],
      ['load oci.gz', () => loadArchive(ImageStore.open(fresh(root)), input(inp.oci))],
      ['save docker', async () => { const s = ImageStore.open(root); await saveArchive(s, saveItems(s, ['bench:1']), fs.createWriteStream(path.join(dir, 'out.tar')), 'docker'); }],
    ];
    for (const [k, fn] of steps) {
      settle();
      takeIoProfile();
      const wall = await timeAsync(fn);
      printPhases(k, takeIoProfile(), wall);
    }
  } finally {
    delete process.env.BERTH_PROFILE_IO;
  }
}

/** 10 layers of ~targetBig/10 MB each in one docker-archive, built with GNU tar (streamed, never in memory). */
function makeBigArchive(dir: string, totalMB: number): { archive: string; layers: string[] } {
  const text = pool(4 << 20, 7);
  const layout = fresh(path.join(dir, 'layout'));
  const layers: string[] = [];
  const diffIds: string[] = [];
  for (let i = 0; i < 10; i++) {
    const tree = fresh(path.join(dir, 'tree'));
    makeTree(tree, totalMB / 10, i + 2, text);
    const lt = path.join(dir, `big-layer${i}.tar`);
    execFileSync('tar', ['-C', tree, '-cf', lt, '.']);
    const hex = execFileSync('sha256sum', [lt], { encoding: 'utf8' }).split(' ')[0];
    fs.mkdirSync(path.join(layout, hex));
    fs.linkSync(lt, path.join(layout, hex, 'layer.tar'));
    layers.push(lt);
    diffIds.push(`sha256:${hex}`);
  }
  fs.rmSync(path.join(dir, 'tree'), { recursive: true, force: true });
  const cfg = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Cmd: ['sh'] }, rootfs: { type: 'layers', diff_ids: diffIds }, history: diffIds.map(() => ({ created_by: 'bench' })) }));
  const cfgName = `${crypto.createHash('sha256').update(cfg).digest('hex')}.json`;
  fs.writeFileSync(path.join(layout, cfgName), cfg);
  fs.writeFileSync(path.join(layout, 'manifest.json'), JSON.stringify([{ Config: cfgName, RepoTags: ['big:1'], Layers: diffIds.map((d) => `${d.slice(7)}/layer.tar`) }]));
  const archive = path.join(dir, 'big.tar');
  execFileSync('tar', ['-C', layout, '-cf', archive, '.']);
  fs.rmSync(layout, { recursive: true, force: true });
  return { archive, layers };
}

function bigLoad(dir: string): void {
  const { archive, layers } = makeBigArchive(dir, 1000);
  console.log(`\n== 10-layer image, ${(fs.statSync(archive).size / 1e6).toFixed(0)} MB docker-archive, \`berth load -i\` (CLI, cold) in ${dir} ==`);
  const tars: number[] = [];
  const loads: number[] = [];
  const rss: number[] = [];
  for (let round = 0; round < Math.min(rounds, 2); round++) {
    const outs = layers.map((_, i) => fresh(path.join(dir, `tar-out${i}`)));
    settle();
    tars.push(time(() => layers.forEach((l, i) => execFileSync('tar', ['-xf', l, '-C', outs[i]]))));
    outs.forEach((o) => fs.rmSync(o, { recursive: true, force: true }));
    const root = fresh(path.join(dir, 'big-root'));
    settle();
    const r = spawnSync('/usr/bin/time', ['-f', '%M %e', process.execPath, path.join(projectDir, 'bin', 'berth.js'), '--', '--root', root, 'load', '-q', '-i', archive], { encoding: 'utf8', env: { ...process.env, BERTH_ACCEL: '0' } });
    if (r.status !== 0) throw new Error(`berth load: ${r.stderr}`);
    const [kb, secs] = r.stderr.trim().split('\n').pop()!.split(' ').map(Number);
    loads.push(secs);
    rss.push(kb / 1024);
    fs.rmSync(root, { recursive: true, force: true });
  }
  const l = median(loads);
  const t = median(tars);
  console.log(`berth load ${l.toFixed(2)} s, tar -xf of the 10 layers ${t.toFixed(2)} s, ratio ${(l / t).toFixed(2)}x; peak RSS (VmHWM) ${median(rss).toFixed(0)} MB`);
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('run as root (tar -x and berth keep owners; the tmpfs is mounted)');
  fs.mkdirSync(tmpfs);
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${big || only === 'big' ? 8192 : Math.max(4096, targetMB * 24)}m`, 'berth-bench', tmpfs]);
  mounted = true;
  const disk = path.join(work, 'disk');
  fs.mkdirSync(disk);
  if (only === 'big') return bigLoad(tmpfs);
  const inputs = await prepare(tmpfs);
  const targets: [string, string, boolean][] = [];
  if (only !== 'disk') targets.push(['tmpfs', tmpfs, false]);
  if (only !== 'tmpfs') targets.push(['disk', disk, true]);
  for (const [label, dir, onDisk] of targets) {
    let inp = inputs;
    if (onDisk) {
      inp = { ...inputs };
      for (const k of ['tar', 'tgz', 'docker', 'oci'] as const) {
        inp[k] = path.join(dir, path.basename(inputs[k]));
        fs.copyFileSync(inputs[k], inp[k]);
      }
    }
    await measure(label, dir, inp, onDisk);
  }
  await breakdown(tmpfs, inputs);
  if (big) {
    for (const k of ['tar', 'tgz', 'docker', 'oci'] as const) fs.rmSync(inputs[k], { force: true });
    bigLoad(only === 'disk' ? disk : tmpfs);
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
