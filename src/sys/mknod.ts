import { spawnSync } from 'node:child_process';
import { internal } from '../errors.js';

/** A device node or FIFO to create (Node has no mknod(2)). */
export interface NodeSpec {
  path: string;
  type: 'c' | 'b' | 'p';
  major: number;
  minor: number;
  mode: number;
  uid: number;
  gid: number;
  /** Seconds since the epoch. */
  mtime: number;
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Create many device nodes / FIFOs with one shell running coreutils' mknod, chown and
 * touch. Overlay whiteouts are character devices 0/0.
 */
export function mknodBatch(nodes: NodeSpec[]): void {
  if (nodes.length === 0) return;
  const lines = ['set -e'];
  for (const n of nodes) {
    const mode = (n.mode & 0o7777).toString(8);
    const dev = n.type === 'p' ? '' : ` ${n.major} ${n.minor}`;
    lines.push(`mknod -m ${mode} -- ${q(n.path)} ${n.type}${dev}`);
    if (n.uid !== 0 || n.gid !== 0) lines.push(`chown -h ${n.uid}:${n.gid} -- ${q(n.path)}`);
    if (n.mode & 0o7000) lines.push(`chmod ${mode} -- ${q(n.path)}`);
    lines.push(`touch -h -d @${Math.floor(n.mtime)} -- ${q(n.path)}`);
  }
  const r = spawnSync('/bin/sh', ['-s'], { input: lines.join('\n') + '\n', encoding: 'utf8', env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C' }, maxBuffer: 16 << 20 });
  if (r.error) throw internal(`mknod: ${r.error.message}`, { cause: r.error });
  if (r.status !== 0) throw internal(`mknod: ${(r.stderr || '').trim().split('\n')[0] || `exit ${r.status}`}`);
}
