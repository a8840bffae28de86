import { invalidArgument } from '../errors.js';

/** `--network` values, Docker's modes. */
export type NetworkMode =
  | { kind: 'none' }
  | { kind: 'host' }
  | { kind: 'container'; ref: string }
  /** `bridge` (the default network) or a user network by name/id. */
  | { kind: 'network'; name: string };

export function parseNetworkMode(value: string | undefined): NetworkMode {
  const v = value ?? 'bridge';
  if (v === 'none') return { kind: 'none' };
  if (v === 'host') return { kind: 'host' };
  if (v === 'default') return { kind: 'network', name: 'bridge' };
  if (v.startsWith('container:')) {
    const ref = v.slice('container:'.length);
    if (!ref) throw invalidArgument(`invalid network mode ${v}: container name or id is missing`);
    return { kind: 'container', ref };
  }
  if (!v) throw invalidArgument('invalid network mode: empty');
  return { kind: 'network', name: v };
}

/**
 * What the runtime does per mode:
 * - none: a new netns (only lo; berth brings lo up) and no attach.
 * - host: no netns; the container sees the host's interfaces; /etc files are the host's.
 * - container:<id>: join that container's netns (`/proc/<its pid>/ns/net`); no attach;
 *   share its /etc/hosts, /etc/resolv.conf.
 * - network: a new netns, then attachContainer().
 */
export function needsOwnNetns(m: NetworkMode): boolean {
  return m.kind === 'none' || m.kind === 'network';
}

/** `-p`/`-P` only make sense with an own network (Docker discards them for host/none). */
export function publishAllowed(m: NetworkMode): boolean {
  return m.kind === 'network';
}
