/**
 * bench/registry: push and pull of a ~200 MB image (several layers of random data) to and
 * from a local docker-registry (plus a busybox layer, so it runs), berth against `skopeo copy` of the same image, in the same
 * run; then the time from `pull` start to a runnable image (berth unpacks as it downloads)
 * against `skopeo copy` + `umoci unpack`. Each tool gets its own registry, so no blob is
 * already there or mountable. Run as root: node dist/bench/registry.js [sizeMB] [workdir]
 * (BENCH_KEEP=1 leaves the workdir for a look afterwards).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { berthBin } from '../test/helpers.js';
import { busyboxTar } from '../test/imageHelpers.js';
import { skopeo, startRegistry, type TestRegistry } from '../test/registryHarness.js';

const targetMB = Number(process.argv[2] ?? 200);
const LAYERS = 4;
const work = fs.mkdtempSync(path.join(process.argv[3] ?? os.tmpdir(), 'berth-bench-reg-'));
const registries: TestRegistry[] = [];
const cleanup = () => {
  for (const r of registries) r.stop();
  fs.rmSync(work, { recursive: true, force: true });
};
if (!process.env.BENCH_KEEP) process.on("exit", cleanup);
process.on('SIGINT', () => process.exit(130));

const env = { ...process.env, BERTH_ACCEL: '0', BERTH_CONFIG: path.join(work, 'berth-config') };
const berth = (root: string, ...args: string[]) => execFileSync(process.execPath, [berthBin, '--root', root, ...args], { env, stdio: ['ignore', 'ignore', 'inherit'] });
const time = (f: () => void) => {
  const t = process.hrtime.bigint();
  f();
  return Number(process.hrtime.bigint() - t) / 1e9;
};

/** A docker-archive of LAYERS layers, each a tar of one file of random bytes. */
function makeArchive(): { file: string; bytes: number } {
  const arch = path.join(work, 'archive');
  fs.mkdirSync(arch);
  const per = Math.floor((targetMB * 1e6) / LAYERS);
  const names: string[] = [];
  const diffIds: string[] = [];
  let bytes = 0;
  for (let i = 0; i < LAYERS; i++) {
    const d = path.join(work, `l${i}`);
    fs.mkdirSync(path.join(d, 'data'), { recursive: true });
    fs.writeFileSync(path.join(d, 'data', `random${i}.bin`), crypto.randomBytes(per));
    const tar = path.join(arch, `layer${i}.tar`);
    execFileSync('tar', ['--numeric-owner', '--owner=0', '--group=0', '-C', d, '-cf', tar, '.']);
    fs.rmSync(d, { recursive: true });
    const buf = fs.readFileSync(tar);
    diffIds.push(`sha256:${crypto.createHash('sha256').update(buf).digest('hex')}`);
    names.push(`layer${i}.tar`);
    bytes += buf.length;
  }
  // and busybox on top, so the image runs
  fs.copyFileSync(busyboxTar(), path.join(arch, 'busybox.tar'));
  const bb = fs.readFileSync(path.join(arch, 'busybox.tar'));
  diffIds.push(`sha256:${crypto.createHash('sha256').update(bb).digest('hex')}`);
  names.push('busybox.tar');
  bytes += bb.length;
  const config = JSON.stringify({ architecture: 'amd64', os: 'linux', created: '2024-01-01T00:00:00Z', config: { Cmd: ['sh'] }, rootfs: { type: 'layers', diff_ids: diffIds }, history: diffIds.map(() => ({ created: '2024-01-01T00:00:00Z', created_by: 'bench' })) });
  fs.writeFileSync(path.join(arch, 'config.json'), config);
  fs.writeFileSync(path.join(arch, 'manifest.json'), JSON.stringify([{ Config: 'config.json', RepoTags: ['bench:1'], Layers: names }]));
  const file = path.join(work, 'image.tar');
  execFileSync('tar', ['-C', arch, '-cf', file, 'config.json', 'manifest.json', ...names]);
  fs.rmSync(arch, { recursive: true });
  return { file, bytes };
}

const mbps = (bytes: number, s: number) => bytes / 1e6 / s;
const fmt = (n: number) => n.toFixed(1);

async function main(): Promise<void> {
  console.log(`workdir ${work}; ${LAYERS} layers of random data, ~${targetMB} MB`);
  const { file, bytes } = makeArchive();
  const src = path.join(work, 'src');
  berth(src, 'load', '-q', '-i', file);
  fs.rmSync(file);
  const [rb, rs] = [await startRegistry(), await startRegistry()];
  registries.push(rb, rs);
  berth(src, 'tag', 'bench:1', `${rb.host}/bench/img:1`);

  const berthPush = time(() => berth(src, 'push', '-q', `${rb.host}/bench/img:1`));
  const skopeoPush = time(() => skopeo('copy', '--dest-tls-verify=false', `oci:${src}/content:bench:1`, `docker://${rs.host}/bench/img:1`));
  const berthPull = time(() => berth(path.join(work, 'pulled'), 'pull', '-q', `${rb.host}/bench/img:1`));
  const skopeoPull = time(() => skopeo('copy', '--src-tls-verify=false', `docker://${rs.host}/bench/img:1`, `oci:${path.join(work, 'sk')}:img`));
  const unpack = time(() => execFileSync('umoci', ['unpack', '--image', `${path.join(work, 'sk')}:img`, path.join(work, 'bundle')], { stdio: 'ignore' }));
  const MB = bytes / 1e6;
  console.log(`image: ${LAYERS} random layers + busybox, ${fmt(MB)} MB of blobs`);
  console.log(`push  berth ${fmt(mbps(bytes, berthPush))} MB/s (${berthPush.toFixed(2)} s)  skopeo ${fmt(mbps(bytes, skopeoPush))} MB/s (${skopeoPush.toFixed(2)} s)  berth/skopeo ${(skopeoPush / berthPush).toFixed(2)}x`);
  console.log(`pull  berth ${fmt(mbps(bytes, berthPull))} MB/s (${berthPull.toFixed(2)} s, verified and unpacked)  skopeo ${fmt(mbps(bytes, skopeoPull))} MB/s (${skopeoPull.toFixed(2)} s, verified, not unpacked)  berth/skopeo ${(skopeoPull / berthPull).toFixed(2)}x`);
  // the pulled image is runnable as it is
  const run = spawnSync(process.execPath, [berthBin, '--root', path.join(work, 'pulled'), 'run', '--rm', '--network', 'none', `${rb.host}/bench/img:1`, 'true'], { env, encoding: 'utf8' });
  console.log(`berth run of the pulled image: ${run.stderr.trim() || 'ok'}`);
  console.log(`pull start -> runnable image: berth ${berthPull.toFixed(2)} s  skopeo copy + umoci unpack ${(skopeoPull + unpack).toFixed(2)} s (${skopeoPull.toFixed(2)} + ${unpack.toFixed(2)})  ratio ${((skopeoPull + unpack) / berthPull).toFixed(2)}x`);
}

main()
  .catch((e) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(() => process.env.BENCH_KEEP ? registries.forEach((r) => r.stop()) : cleanup());
