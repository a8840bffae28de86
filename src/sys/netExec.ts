import fs from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { internal, unavailable } from '../errors.js';
import { helperPath } from './paths.js';

/**
 * The network layer's effects: `berth-helper net` (links, addresses, routes over rtnetlink),
 * `ip -batch`, `iptables-save/-restore`, sysctls. Commands are batched: one helper run per
 * attach, one `ip` process per namespace, one iptables-restore per firewall change.
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

/** An operation of the network planner (src/network/plan.ts builds them as NetOp). */
export type NetOpLike =
  /** A line for `ip -batch` (no leading `ip`), in netns when given, else the host. */
  | { kind: 'ip'; netns?: string; cmd: string }
  | { kind: 'sysctl'; key: string; value: string }
  /** A write under /sys/class/net (no process spawned). */
  | { kind: 'sysfs'; path: string; value: string }
  | LinkOpLike;

/**
 * Link, address and route ops that the C helper carries out over rtnetlink (`berth-helper net`,
 * docs/plan.md): consecutive ones, whatever their namespace, cost one process in all.
 */
export type LinkOpLike =
  /** A veth pair: `host` up on `bridge`, `peer` created directly in the netns file `peerNetns`. */
  | { kind: 'veth'; host: string; peer: string; mac: string; bridge: string; peerNetns: string }
  | { kind: 'up'; netns?: string; dev: string }
  | { kind: 'addr'; netns?: string; dev: string; cidr: string }
  | { kind: 'route-default'; netns?: string; gateway: string; dev: string }
  | { kind: 'del'; netns?: string; dev: string };

const isLinkOp = (op: NetOpLike): op is LinkOpLike => op.kind !== 'ip' && op.kind !== 'sysctl' && op.kind !== 'sysfs';

/**
 * The helper's argument list for link ops (`berth-helper net`, docs/plan.md): an `ns` switch
 * wherever the namespace changes (`-` is the host's), then each op and its arguments.
 */
export function helperNetArgs(ops: LinkOpLike[]): string[] {
  const args: string[] = [];
  let cur: string | undefined;
  for (const op of ops) {
    const ns = op.kind === 'veth' ? undefined : op.netns;
    if (ns !== cur) args.push('ns', ns ?? '-');
    cur = ns;
    if (op.kind === 'veth') args.push('veth', op.host, op.peer, op.mac || '-', op.bridge || '-', op.peerNetns);
    else if (op.kind === 'addr') args.push('addr', op.dev, op.cidr);
    else if (op.kind === 'route-default') args.push('route-default', op.gateway, op.dev);
    else args.push(op.kind, op.dev);
  }
  return args;
}

/** One `berth-helper net` run: a static binary and a few netlink requests (~1-2 ms in all). Returns its stdout. */
export function runHelperNet(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = spawn(helperPath, ['net', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    c.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    c.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    c.on('error', (e) => reject(unavailable(`berth-helper: ${e.message}`, { cause: e, hint: 'build the helper: make -C native' })));
    c.on('close', (code) => {
      if (code === 0) return resolve(out);
      reject(internal(err.trim().split('\n')[0] || `berth-helper net: exit ${code}`));
    });
  });
}

const genOf = (out: string): number | undefined => {
  const m = /^nft-gen (\d+)$/m.exec(out);
  return m ? Number(m[1]) : undefined;
};

/**
 * The host's nf_tables ruleset generation (every committed change bumps it, iptables-nft's
 * included); undefined when the kernel will not say.
 */
export async function rulesetGeneration(): Promise<number | undefined> {
  return genOf(await runHelperNet(['ns', '-', 'nft-gen']).catch(() => ''));
}

/**
 * Run planner ops in order: consecutive `ip` lines of the same namespace in one `ip -batch`,
 * consecutive link ops (any namespaces) in one `berth-helper net`. With `rulesetGeneration`,
 * the last helper run also reads the host's nf_tables generation (rulesetGeneration()) and
 * returns it: a firewall check that costs no process of its own.
 */
export async function applyNetOps(ops: NetOpLike[], opts: { rulesetGeneration?: boolean } = {}): Promise<{ generation?: number }> {
  let batch: string[] = [];
  let links: LinkOpLike[] = [];
  let ns: string | undefined;
  const lastLink = ops.reduce((at, op, i) => (isLinkOp(op) ? i : at), -1);
  let generation: number | undefined;
  const flush = async (last = false) => {
    const lines = batch;
    batch = [];
    if (links.length) {
      const args = helperNetArgs(links);
      links = [];
      if (last && opts.rulesetGeneration) args.push('ns', '-', 'nft-gen');
      generation = genOf(await runHelperNet(args)) ?? generation;
    }
    if (lines.length === 0) return;
    const input = lines.join('\n') + '\n';
    if (ns) await runAsync('nsenter', [`--net=${ns}`, 'ip', '-batch', '-'], input);
    else await runAsync('ip', ['-batch', '-'], input);
  };
  for (const [i, op] of ops.entries()) {
    if (isLinkOp(op)) {
      if (batch.length) await flush();
      links.push(op);
      if (i === lastLink) await flush(true);
      continue;
    }
    if (op.kind === 'sysctl' || op.kind === 'sysfs') {
      await flush();
      if (op.kind === 'sysctl') setSysctl(op.key, op.value);
      else fs.writeFileSync(`/sys/class/net/${op.path}`, op.value);
      continue;
    }
    if (links.length || (batch.length && op.netns !== ns)) await flush();
    ns = op.netns;
    batch.push(op.cmd);
  }
  await flush();
  if (opts.rulesetGeneration && lastLink < 0) generation = await rulesetGeneration();
  return { generation };
}

/** One `iptables-save` for the tables berth uses (raw: '' until it exists); `nft` when iptables is the nf_tables variant. */
export async function iptablesSaveBoth(): Promise<{ filter: string; nat: string; raw: string; nft: boolean }> {
  const all = await runAsync('iptables-save', []);
  const part = (t: string) => {
    const i = all.indexOf(`*${t}\n`);
    if (i < 0) return '';
    const j = all.indexOf('COMMIT', i);
    return all.slice(i, j < 0 ? undefined : j);
  };
  return { filter: part('filter'), nat: part('nat'), raw: part('raw'), nft: /^# Generated by iptables-save .*\(nf_tables\)/m.test(all) };
}

let boot: string | undefined;
/** This boot's id (/proc/sys/kernel/random/boot_id): state under /run that must not outlive a reboot. */
export function bootId(): string {
  boot ??= fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  return boot;
}
