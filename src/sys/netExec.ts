import fs from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { internal, unavailable } from '../errors.js';

/**
 * The network layer's effects: `ip -batch`, `iptables-save/-restore`, sysctls.
 * Commands are batched: one `ip` process per namespace, one iptables-restore per
 * firewall change.
 */

function run(cmd: string, args: string[], input?: string): string {
  const r = spawnSync(cmd, args, { input, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error) throw unavailable(`${cmd}: ${r.error.message}`, { cause: r.error, hint: 'install iproute2 and iptables' });
  if (r.status !== 0) {
    const msg = (r.stderr || r.stdout || '').trim().split('\n').slice(-3).join('; ');
    throw internal(`${cmd} ${args.join(' ')}: ${msg || `exit ${r.status}`}`);
  }
  return r.stdout;
}

/** Like run(), without blocking: lets berth overlap the firewall check with link setup. */
function runAsync(cmd: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = spawn(cmd, args, { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    c.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    c.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    c.on('error', (e) => reject(unavailable(`${cmd}: ${e.message}`, { cause: e, hint: 'install iproute2 and iptables' })));
    c.on('close', (code) => {
      if (code === 0) return resolve(out);
      const msg = (err || out).trim().split('\n').slice(-3).join('; ');
      reject(internal(`${cmd} ${args.join(' ')}: ${msg || `exit ${code}`}`));
    });
    if (c.stdin) {
      c.stdin.on('error', () => undefined); // a failing command may exit before reading; 'close' reports it
      c.stdin.end(input);
    }
  });
}

/** Run `ip` commands (one per line, without the leading `ip`) in one process, in netnsPath if given. */
export function ipBatch(lines: string[], netnsPath?: string): void {
  if (lines.length === 0) return;
  const input = lines.join('\n') + '\n';
  if (netnsPath) run('nsenter', [`--net=${netnsPath}`, 'ip', '-batch', '-'], input);
  else run('ip', ['-batch', '-'], input);
}

/** `ip -j <args>` parsed, in netnsPath if given. */
export function ipJson<T>(args: string[], netnsPath?: string): T {
  const out = netnsPath ? run('nsenter', [`--net=${netnsPath}`, 'ip', '-j', ...args]) : run('ip', ['-j', ...args]);
  return JSON.parse(out || '[]') as T;
}

export function iptablesSave(table: 'filter' | 'nat'): string {
  return run('iptables-save', ['-t', table]);
}

/** Apply a ruleset with --noflush: only the chains it names change. Atomic per call (nf_tables). */
export async function iptablesRestore(text: string): Promise<void> {
  if (!text.trim()) return;
  await runAsync('iptables-restore', ['--noflush', '-w'], text);
}

export function linkExists(name: string): boolean {
  return fs.existsSync(`/sys/class/net/${name}`);
}

/** All host links (from sysfs; no process spawned). */
export function hostLinks(): string[] {
  return fs.readdirSync('/sys/class/net');
}

/** Write a sysctl under /proc/sys, e.g. `net.ipv4.ip_forward`; skip when already set. */
export function setSysctl(key: string, value: string): void {
  const file = `/proc/sys/${key.replace(/\./g, '/')}`;
  if (fs.readFileSync(file, 'utf8').trim() === value) return;
  fs.writeFileSync(file, value);
}

/** An operation from the network planner (src/network/plan.ts NetOp). */
export type NetOpLike =
  | { kind: 'ip'; netns?: string; cmd: string }
  | { kind: 'sysctl'; key: string; value: string }
  | { kind: 'sysfs'; path: string; value: string };

/** Run planner ops in order, batching consecutive `ip` lines of the same namespace. */
export async function applyNetOps(ops: NetOpLike[]): Promise<void> {
  let batch: string[] = [];
  let ns: string | undefined;
  const flush = async () => {
    const lines = batch;
    batch = [];
    if (lines.length === 0) return;
    const input = lines.join('\n') + '\n';
    if (ns) await runAsync('nsenter', [`--net=${ns}`, 'ip', '-batch', '-'], input);
    else await runAsync('ip', ['-batch', '-'], input);
  };
  for (const op of ops) {
    if (op.kind === 'sysctl' || op.kind === 'sysfs') {
      await flush();
      if (op.kind === 'sysctl') setSysctl(op.key, op.value);
      else fs.writeFileSync(`/sys/class/net/${op.path}`, op.value);
      continue;
    }
    if (batch.length && op.netns !== ns) await flush();
    ns = op.netns;
    batch.push(op.cmd);
  }
  await flush();
}

/** One `iptables-save` for both tables berth uses. */
export async function iptablesSaveBoth(): Promise<{ filter: string; nat: string }> {
  const all = await runAsync('iptables-save', []);
  const part = (t: string) => {
    const i = all.indexOf(`*${t}\n`);
    if (i < 0) return '';
    const j = all.indexOf('COMMIT', i);
    return all.slice(i, j < 0 ? undefined : j);
  };
  return { filter: part('filter'), nat: part('nat') };
}
