/**
 * Containers for the escape and seccomp suites: a busybox rootfs with the probe
 * (test/fixtures/probe/probe.c, built statically), run through `berth runtime run`
 * with the security settings Docker's flags produce (containerSecurity).
 */
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { defaultSpec } from '../../src/runtime/defaultSpec.js';
import { containerSecurity, type SecurityInput } from '../../src/runtime/securityDefaults.js';
import type { Spec } from '../../src/runtime/spec.js';
import { readHostBoundingSet } from '../../src/sys/hostCaps.js';
import { berthBin, busyboxRootfs, fixturesDir, tmpDir } from '../helpers.js';

export interface Box {
  dir: string;
  rootfs: string;
  /** The runtime's state root, private to this box. */
  root: string;
}

export const PROBE = '/bin/probe';

export function hasCompiler(): boolean {
  const r = spawnSync('cc', ['-print-file-name=libc.a'], { encoding: 'utf8' });
  return r.status === 0 && path.isAbsolute(r.stdout.trim()) && fs.existsSync(r.stdout.trim());
}

/** A bundle directory with a busybox rootfs and the probe at /bin/probe. */
export function makeBox(): Box {
  const dir = tmpDir('berth-escape-');
  const rootfs = busyboxRootfs(path.join(dir, 'rootfs'));
  execFileSync('cc', ['-static', '-O1', '-o', path.join(rootfs, 'bin', 'probe'), path.join(fixturesDir, 'probe', 'probe.c')]);
  return { dir, rootfs, root: path.join(dir, 'state') };
}

/** The OCI spec for Docker's flags: default namespaces and mounts, the security settings from containerSecurity. */
export function specFor(input: SecurityInput = {}, args: string[] = ['true']): Spec {
  const sec = containerSecurity({ hostBounding: readHostBoundingSet(), ...input });
  const spec = defaultSpec();
  const p = spec.process!;
  p.terminal = false;
  p.args = args;
  p.capabilities = sec.capabilities;
  p.noNewPrivileges = sec.noNewPrivileges;
  if (input.uid !== undefined) p.user = { uid: input.uid, gid: input.uid };
  spec.root!.readonly = sec.readonlyRootfs;
  spec.mounts = sec.mounts;
  const linux = spec.linux!;
  linux.maskedPaths = sec.maskedPaths;
  linux.readonlyPaths = sec.readonlyPaths;
  linux.resources = { devices: sec.deviceRules, pids: { limit: 200 } };
  if (sec.seccomp) linux.seccomp = sec.seccomp as unknown as Record<string, unknown>;
  else delete linux.seccomp;
  return spec;
}

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the spec in the box to completion (`berth runtime run`). */
export function runSpec(box: Box, spec: Spec): RunResult {
  fs.writeFileSync(path.join(box.dir, 'config.json'), JSON.stringify(spec, null, 2));
  const id = 'esc' + Math.random().toString(16).slice(2, 10);
  const r = spawnSync(process.execPath, [berthBin, 'runtime', '--root', box.root, 'run', id], {
    cwd: box.dir, encoding: 'utf8', input: '', timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** Runs the probe with `input`'s flags and returns its one line ("mount: EPERM"). */
export function probe(box: Box, input: SecurityInput, ...args: string[]): string {
  const r = runSpec(box, specFor(input, [PROBE, ...args]));
  if (r.status !== 0) throw new Error(`probe ${args.join(' ')} exited ${r.status}: ${r.stderr.trim()}`);
  return r.stdout.trim();
}

/** Removes the box's containers (if any were left) and its directory. */
export function cleanupBox(box: Box): void {
  const list = spawnSync(process.execPath, [berthBin, 'runtime', '--root', box.root, 'list', '-q'], { encoding: 'utf8' });
  for (const id of (list.stdout ?? '').split('\n').filter(Boolean)) {
    spawnSync(process.execPath, [berthBin, 'runtime', '--root', box.root, 'delete', '--force', id]);
  }
  fs.rmSync(box.dir, { recursive: true, force: true });
}
