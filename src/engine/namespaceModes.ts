/**
 * `--pid`, `--ipc`, `--uts`, `--cgroupns`: which namespaces a container gets, as Docker's
 * HostConfig modes. Pure: the paths of another container's namespaces come in from the
 * caller (startContainer resolves them, see joinedNamespaces.ts).
 *
 * - PidMode: '' (a new one), `host`, `container:<name|id>`.
 * - IpcMode: `private` (default: a new one, not joinable), `shareable` (a new one other
 *   containers may join), `none` (a new one without /dev/shm), `host`, `container:<x>`
 *   (x must be `shareable` or `host`, and running).
 * - UTSMode: '' (a new one, the container's hostname), `host` (the host's; no -h) or
 *   `container:<x>` (x's, running; how a pod's containers share the infra's hostname).
 * - CgroupnsMode: `private` (berth's default on every layout, Docker's on cgroup v2) or `host`.
 */
import os from 'node:os';
import { invalidArgument } from '../errors.js';
import type { Mount } from '../runtime/spec.js';
import type { HostConfig } from './types.js';

export interface NamespaceFlags { pid?: string; ipc?: string; uts?: string; cgroupns?: string; hostname?: string }

export type NamespaceModes = Required<Pick<HostConfig, 'PidMode' | 'IpcMode' | 'UTSMode' | 'CgroupnsMode'>>;

const containerRef = (m: string) => (m.startsWith('container:') ? m.slice('container:'.length) : undefined);

/** The flags -> the record's modes, with the CLI's words for a bad value (`--pid: invalid PID mode`). */
export function parseNamespaceFlags(f: NamespaceFlags): NamespaceModes {
  const pid = f.pid ?? '';
  if (pid !== '' && pid !== 'host' && !containerRef(pid)) throw invalidArgument('--pid: invalid PID mode');
  const ipc = f.ipc === undefined || f.ipc === '' ? 'private' : f.ipc;
  if (!['private', 'shareable', 'none', 'host'].includes(ipc) && !containerRef(ipc)) throw invalidArgument('--ipc: invalid IPC mode');
  const uts = f.uts ?? '';
  if (uts !== '' && uts !== 'host' && !containerRef(uts)) throw invalidArgument('--uts: invalid UTS mode');
  if (uts === 'host' && f.hostname) throw invalidArgument('conflicting options: hostname and the UTS mode');
  const cg = f.cgroupns === undefined || f.cgroupns === '' ? 'private' : f.cgroupns;
  if (cg !== 'private' && cg !== 'host') throw invalidArgument('--cgroupns: invalid CGROUP mode');
  return { PidMode: pid, IpcMode: ipc, UTSMode: uts, CgroupnsMode: cg };
}

/**
 * A user namespace cannot mount /proc for a pid namespace, or mqueue for an ipc namespace, it
 * does not own: host or another container's ones need `--userns host` (Docker's documented rule).
 */
export function checkNamespacesWithUserns(m: NamespaceModes, userns: string): void {
  if (userns === 'host') return;
  for (const [flag, mode] of [['--pid', m.PidMode], ['--ipc', m.IpcMode]] as const) {
    if (mode === 'host' || donorOf(mode)) throw invalidArgument(`${flag} ${mode} cannot be used with --userns ${userns}: a container in a user namespace of its own cannot share that namespace; use --userns host`);
  }
}

/** The container whose namespace a `container:<x>` mode names. */
export function donorOf(mode: string | undefined): string | undefined {
  return mode ? containerRef(mode) : undefined;
}

/** The Hostname a `--uts host` container reports (Docker: the host's). */
export function utsHostname(modes: Pick<NamespaceModes, 'UTSMode'>, fallback: string): string {
  return modes.UTSMode === 'host' ? os.hostname() : fallback;
}

/** Another container's namespaces to join, resolved by the caller: `/proc/<pid>/ns/<type>`, and its /dev/shm. */
export interface JoinedNamespaces { pid?: string; ipc?: string; shm?: string; uts?: string }

/** The spec's pid/ipc/uts/cgroup namespaces for `hc` (the network, mount and user ones are decided elsewhere). */
export function modeNamespaces(hc: Partial<NamespaceModes>, joined: JoinedNamespaces): { type: string; path?: string }[] {
  const out: { type: string; path?: string }[] = [];
  if (hc.PidMode !== 'host') out.push(donorOf(hc.PidMode) ? { type: 'pid', path: need(joined.pid, 'pid') } : { type: 'pid' });
  if (hc.IpcMode !== 'host') out.push(donorOf(hc.IpcMode) ? { type: 'ipc', path: need(joined.ipc, 'ipc') } : { type: 'ipc' });
  if (hc.UTSMode !== 'host') out.push(donorOf(hc.UTSMode) ? { type: 'uts', path: need(joined.uts, 'uts') } : { type: 'uts' });
  if (hc.CgroupnsMode !== 'host') out.push({ type: 'cgroup' });
  return out;
}

/**
 * /dev/shm per IPC mode: the default tmpfs (private), none, the host's, or a directory the
 * container shares (shareable: `<container dir>/shm`, which joiners bind too — a mount inside
 * the donor's mount namespace cannot be bound from another one, and a host-side tmpfs would
 * need a host mount whose end no daemon watches; so it is on berth's disk, without the 64m cap).
 */
export function shmMounts(defaults: Mount[], hc: Partial<NamespaceModes>, joined: JoinedNamespaces, ownShm: string): Mount[] {
  const mode = hc.IpcMode ?? 'private';
  const rest = defaults.filter((m) => m.destination !== '/dev/shm');
  const bind = (source: string): Mount[] => [...rest, { destination: '/dev/shm', type: 'bind', source, options: ['rbind', 'rprivate', 'nosuid', 'nodev', 'noexec'] }];
  if (mode === 'none') return rest;
  if (mode === 'host') return bind('/dev/shm');
  if (mode === 'shareable') return bind(ownShm);
  if (donorOf(mode)) return bind(need(joined.shm, 'ipc'));
  return defaults;
}

function need(p: string | undefined, what: string): string {
  if (!p) throw invalidArgument(`the ${what} namespace to join was not resolved`);
  return p;
}
