/** Helpers for tests that run OCI bundles through `berth runtime`. */
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { defaultSpec } from '../src/runtime/defaultSpec.js';
import type { Spec } from '../src/runtime/spec.js';
import { berthBin, busyboxRootfs, tmpDir } from './helpers.js';

export interface Bundle { dir: string; rootfs: string; root: string; spec: Spec; write(): void }

/** A bundle with a busybox rootfs and the default spec (no terminal), plus a private runtime root. */
export function makeBundle(edit: (s: Spec) => void = () => {}): Bundle {
  const dir = tmpDir('berth-bundle-');
  const rootfs = busyboxRootfs(path.join(dir, 'rootfs'));
  const spec = defaultSpec();
  spec.process!.terminal = false;
  spec.root!.readonly = false;
  edit(spec);
  const b: Bundle = {
    dir, rootfs, root: path.join(dir, 'state'), spec,
    write() { fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(b.spec, null, 2)); },
  };
  b.write();
  return b;
}

export function berth(b: Bundle, args: string[], opts: { input?: string; timeout?: number } = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [berthBin, 'runtime', '--root', b.root, ...args], {
    cwd: b.dir, encoding: 'utf8', input: opts.input ?? '', timeout: opts.timeout ?? 30_000,
  });
}

/**
 * For commands that leave a container behind (`create`, `run -d`): like runc, the container
 * inherits the CLI's stdio, so capture it through files rather than pipes that would stay open.
 */
export function berthDetached(b: Bundle, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const out = path.join(b.dir, '.out'), err = path.join(b.dir, '.err');
  const fo = fs.openSync(out, 'w'), fe = fs.openSync(err, 'w');
  try {
    const r = spawnSync(process.execPath, [berthBin, 'runtime', '--root', b.root, ...args], { cwd: b.dir, stdio: ['ignore', fo, fe], timeout: 30_000 });
    return { status: r.status, stdout: fs.readFileSync(out, 'utf8'), stderr: fs.readFileSync(err, 'utf8') };
  } finally {
    fs.closeSync(fo);
    fs.closeSync(fe);
  }
}

/** Run `args` in the bundle's container to completion; returns the CLI's result. */
export function runIn(b: Bundle, args: string[], id = 'c' + Math.random().toString(16).slice(2, 10)): SpawnSyncReturns<string> {
  b.spec.process!.args = args;
  b.write();
  return berth(b, ['run', id]);
}

/** Remove everything a bundle left: containers (force), the directory. */
export function cleanupBundle(b: Bundle): void {
  const ids = berth(b, ['list', '-q']).stdout.split('\n').filter(Boolean);
  for (const id of ids) berth(b, ['delete', '--force', id]);
  fs.rmSync(b.dir, { recursive: true, force: true });
}

/** Compile a test probe from test/fixtures statically into the rootfs. */
export function buildProbe(b: Bundle, source: string, name: string): string {
  const out = path.join(b.rootfs, 'bin', name);
  execFileSync('cc', ['-static', '-O1', '-o', out, source]);
  return '/bin/' + name;
}

export function hostMountsMention(s: string): boolean {
  return fs.readFileSync('/proc/self/mountinfo', 'utf8').includes(s);
}
