/**
 * A private containerd for tests: its own config, root and state directories and socket under a
 * temporary directory (never the host's /run/containerd/containerd.sock), driven with `ctr`.
 * containerd's runc shim keeps its sockets in /run/containerd/s (fixed in 1.6); what the test
 * made there is removed with the daemon when it was not there before.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawn, spawnSync, type ChildProcess, type SpawnSyncReturns } from 'node:child_process';
import { projectDir, tmpDir, until } from './helpers.js';
import { busyboxTar, dockerArchive } from './imageHelpers.js';

export const berthRuntimeBin = path.join(projectDir, 'bin', 'berth-runtime');
export const IMAGE = 'berth.test/busybox:latest';

const SHIM_DIR = '/run/containerd';

function have(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).status === 0;
}

/** Why containerd tests cannot run here, or undefined. */
export function containerdMissing(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root';
  for (const c of ['containerd', 'ctr', 'containerd-shim-runc-v2']) {
    if (!have(c)) return `\`${c}\` is not installed (apt-get install containerd)`;
  }
  return undefined;
}

export interface Containerd {
  dir: string;
  sock: string;
  /** The runc root the shim hands berth-runtime (`--runc-root`, or the runtime options' Root). */
  runtimeRoot: string;
  daemon: ChildProcess;
  ctr(args: string[], opts?: { timeout?: number; namespace?: string }): SpawnSyncReturns<string>;
  /** Args for `ctr run` with berth-runtime: its binary, root, a cgroup under berth/ and private fifos. */
  runArgs(id: string): string[];
  stop(): Promise<void>;
}

/** `extra`: more TOML appended to the config (e.g. the CRI plugin's settings), given the test directory. */
export async function startContainerd(o: { extra?: (dir: string) => string; disabled?: string[] } = {}): Promise<Containerd> {
  const dir = tmpDir('berth-containerd-');
  const sock = path.join(dir, 'containerd.sock');
  const runtimeRoot = path.join(dir, 'berth-runtime');
  const shimDirExisted = fs.existsSync(SHIM_DIR);
  const disabled = o.disabled ?? [
    'io.containerd.grpc.v1.cri', 'io.containerd.snapshotter.v1.btrfs', 'io.containerd.snapshotter.v1.zfs',
    'io.containerd.snapshotter.v1.devmapper', 'io.containerd.snapshotter.v1.aufs',
    'io.containerd.tracing.processor.v1.otlp', 'io.containerd.internal.v1.tracing',
  ];
  const config = [
    'version = 2',
    `root = ${JSON.stringify(path.join(dir, 'root'))}`,
    `state = ${JSON.stringify(path.join(dir, 'state'))}`,
    `disabled_plugins = ${JSON.stringify(disabled)}`,
    '[grpc]', `  address = ${JSON.stringify(sock)}`,
    '[ttrpc]', `  address = ${JSON.stringify(sock + '.ttrpc')}`,
    '[debug]', '  address = ""', '  level = "info"',
    '[metrics]', '  address = ""',
    '[plugins."io.containerd.internal.v1.opt"]', `  path = ${JSON.stringify(path.join(dir, 'opt'))}`,
    '[plugins."io.containerd.runtime.v1.linux"]', `  runtime_root = ${JSON.stringify(path.join(dir, 'v1-runtime'))}`,
    o.extra?.(dir) ?? '',
  ].join('\n') + '\n';
  fs.writeFileSync(path.join(dir, 'config.toml'), config);
  const log = fs.openSync(path.join(dir, 'containerd.log'), 'w');
  const daemon = spawn('containerd', ['--config', path.join(dir, 'config.toml')], { stdio: ['ignore', log, log] });
  fs.closeSync(log);
  const exited = new Promise<void>((r) => daemon.once('exit', () => r()));
  const ctr = (args: string[], opts: { timeout?: number; namespace?: string } = {}) =>
    spawnSync('ctr', ['--address', sock, '--namespace', opts.namespace ?? 'berth-test', ...args], { encoding: 'utf8', timeout: opts.timeout ?? 60_000 });
  const c: Containerd = {
    dir, sock, runtimeRoot, daemon, ctr,
    runArgs: (id) => ['--runc-binary', berthRuntimeBin, '--runc-root', runtimeRoot, '--cgroup', `berth/containerd-test/${id}`, '--fifo-dir', path.join(dir, 'fifo')],
    async stop() {
      // Tasks and containers first (their shims exit with them), then the daemon, by its pid.
      for (const ns of (ctr(['namespaces', 'ls', '-q']).stdout ?? '').split('\n').filter(Boolean)) {
        for (const id of (ctr(['tasks', 'ls', '-q'], { namespace: ns }).stdout ?? '').split('\n').filter(Boolean)) {
          ctr(['tasks', 'kill', '-a', '-s', 'SIGKILL', id], { namespace: ns });
          ctr(['tasks', 'delete', '-f', id], { namespace: ns });
        }
        for (const id of (ctr(['containers', 'ls', '-q'], { namespace: ns }).stdout ?? '').split('\n').filter(Boolean)) ctr(['containers', 'rm', id], { namespace: ns });
      }
      if (daemon.exitCode === null && daemon.signalCode === null) {
        daemon.kill('SIGTERM');
        const t = setTimeout(() => daemon.kill('SIGKILL'), 20_000);
        await exited;
        clearTimeout(t);
      }
      for (const m of mountsUnder(dir).reverse()) spawnSync('umount', ['-l', m]);
      fs.rmSync(dir, { recursive: true, force: true });
      if (!shimDirExisted) for (const d of ['s', 'fifo', '']) try { fs.rmdirSync(path.join(SHIM_DIR, d)); } catch { /* not empty or absent */ }
    },
  };
  try {
    await until(() => fs.existsSync(sock) && ctr(['version'], { timeout: 10_000 }).status === 0, 60_000);
  } catch (e) {
    await c.stop().catch(() => {});
    throw new Error(`containerd did not come up: ${fs.existsSync(path.join(dir, 'containerd.log')) ? fs.readFileSync(path.join(dir, 'containerd.log'), 'utf8').slice(-2000) : e}`);
  }
  return c;
}

/** Mount points below `dir` (from /proc/self/mountinfo). */
export function mountsUnder(dir: string): string[] {
  return fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4]).filter((m) => m && (m === dir || m.startsWith(dir + '/')));
}

/** Import a busybox image (a docker-archive made by the tests) into containerd's namespace `ns`. */
export function importBusybox(c: Containerd, ns = 'berth-test', tag = IMAGE, config: Record<string, unknown> = { Cmd: ['sh'] }): void {
  const tar = path.join(c.dir, `image-${ns}.tar`);
  const env = ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'];
  fs.writeFileSync(tar, dockerArchive([fs.readFileSync(busyboxTar())], { tag, config: { Env: env, ...config } }));
  const r = c.ctr(['images', 'import', tar], { namespace: ns });
  if (r.status !== 0) throw new Error(`ctr images import: ${r.stderr}`);
  fs.rmSync(tar);
}

/** containerd-shim processes still running for this containerd (its address is in their command line). */
export function shimsOf(c: Containerd): number[] {
  const out: number[] = [];
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (fs.readFileSync(`/proc/${e}/cmdline`, 'utf8').includes(c.sock)) out.push(Number(e));
    } catch { /* gone */ }
  }
  return out.filter((p) => p !== c.daemon.pid);
}
