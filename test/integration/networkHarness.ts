// Shared by the network integration tests: namespaces, servers inside them, and a
// snapshot of everything berth's network layer could leak (links, rules, netns).
import fs from 'node:fs';
import crypto from 'node:crypto';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';

export const rand = () => crypto.randomBytes(3).toString('hex');

export function sh(cmd: string, args: string[], input?: string): string {
  return execFileSync(cmd, args, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
}

/** Exit status and output of a command that may fail. */
export function tryRun(cmd: string, args: string[]): { status: number; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return { status: r.status ?? -1, out: (r.stdout ?? '') + (r.stderr ?? '') };
}

/** A named netns (`ip netns add`), removed by `cleanup()`; resolv.conf via /etc/netns/<name>/. */
export class Netns {
  readonly name = `berth-test-${rand()}`;
  readonly path = `/run/netns/${this.name}`;
  private procs: ChildProcess[] = [];
  /** Temporary directories (httpd roots) removed in cleanup(). */
  readonly dirs: string[] = [];
  constructor() {
    sh('ip', ['netns', 'add', this.name]);
  }
  exec(args: string[]): { status: number; out: string } {
    return tryRun('ip', ['netns', 'exec', this.name, ...args]);
  }
  /** What `ip netns exec` shows the programs inside as /etc/resolv.conf. */
  setResolvConf(text: string): void {
    fs.mkdirSync(`/etc/netns/${this.name}`, { recursive: true });
    fs.writeFileSync(`/etc/netns/${this.name}/resolv.conf`, text);
  }
  /** Start a long-running process inside; killed by pid in cleanup(). */
  spawn(args: string[]): ChildProcess {
    const p = spawn('ip', ['netns', 'exec', this.name, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.procs.push(p);
    return p;
  }
  /** Block until something listens on port/proto inside (reads /proc/net inside the netns). */
  async waitListening(port: number, proto: 'tcp' | 'udp' = 'tcp'): Promise<void> {
    const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')} `;
    for (let i = 0; i < 1000; i++) {
      const r = this.exec(['cat', `/proc/net/${proto}`, `/proc/net/${proto}6`]);
      if (r.out.split('\n').some((l) => l.includes(hex) && (proto === 'udp' || l.includes(' 0A ')))) return;
      await new Promise((r2) => setTimeout(r2, 20));
    }
    throw new Error(`nothing listens on ${port}/${proto} in ${this.name}`);
  }
  cleanup(): void {
    for (const p of this.procs) if (p.pid && p.exitCode === null) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    fs.rmSync(`/etc/netns/${this.name}`, { recursive: true, force: true });
    for (const d of this.dirs) fs.rmSync(d, { recursive: true, force: true });
    tryRun('ip', ['netns', 'del', this.name]);
  }
}

/** Start busybox httpd serving `body` on port inside ns. */
export async function httpd(ns: Netns, port: number, body: string): Promise<void> {
  const dir = fs.mkdtempSync('/tmp/berth-test-www-');
  ns.dirs.push(dir);
  fs.writeFileSync(`${dir}/index.html`, body);
  ns.spawn(['/bin/busybox', 'httpd', '-f', '-p', String(port), '-h', dir]);
  await ns.waitListening(port);
}

/** A UDP echo server (node) inside ns: replies "echo:<msg>". */
export async function udpEcho(ns: Netns, port: number): Promise<void> {
  const js = `const s=require('dgram').createSocket('udp4');s.on('message',(m,r)=>s.send('echo:'+m,r.port,r.address));s.bind(${port});`;
  ns.spawn([process.execPath, '-e', js]);
  await ns.waitListening(port, 'udp');
}

/** Everything berth's network layer could leave behind: links, rules, netns, addresses. */
export function berthSnapshot(): string[] {
  const links = fs.readdirSync('/sys/class/net').filter((l) => l.startsWith('berth') || l.startsWith('bv')).map((l) => `link ${l}`);
  const rules = sh('iptables-save', []).split('\n').filter((l) => l.includes('BERTH')).map((l) => `rule ${l}`);
  const netns = fs.existsSync('/run/netns') ? fs.readdirSync('/run/netns').filter((n) => n.startsWith('berth-test-')).map((n) => `netns ${n}`) : [];
  const addrs = sh('ip', ['-4', '-o', 'addr']).split('\n').filter((l) => /inet 10\.213\./.test(l)).map((l) => `addr ${l}`);
  return [...links, ...rules, ...netns, ...addrs].sort();
}

/**
 * Leak check that holds while other test runs use the machine: everything this test
 * created (bridges, veths, netns, chains by network id, addresses) is tracked by name,
 * and after the test none of it may remain in `ip link`, `ip addr`, `iptables-save`
 * or the process table. When nothing of berth existed before and no berth bridge
 * remains, not even berth's top-level chains and hooks may remain.
 */
export class LeakCheck {
  private tokens = new Set<string>();
  private readonly before = berthSnapshot();
  constructor(private readonly root: string) {}
  track(...t: string[]): void {
    for (const x of t) if (x) this.tokens.add(x);
  }
  trackNet(n: { bridge: string; id: string; subnet: string }): void {
    this.track(n.bridge, n.id.slice(0, 12), ` ${n.subnet.split('/')[0].replace(/\.0$/, '.')}`);
  }
  trackAttach(r: { hostIfname: string; ip: string }): void {
    this.track(r.hostIfname, `${r.ip}:`);
  }
  leaks(): string[] {
    const now = berthSnapshot();
    const mine = now.filter((item) => [...this.tokens].some((t) => item.includes(t)));
    const procs = fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p)).flatMap((p) => {
      try {
        const cmd = fs.readFileSync(`/proc/${p}/cmdline`, 'utf8');
        return cmd.includes(this.root) && cmd.includes('server.js') ? [`process ${p} ${cmd.replace(/\0/g, ' ')}`] : [];
      } catch {
        return [];
      }
    });
    const quiet = this.before.length === 0 && !now.some((i) => i.startsWith('link berth'));
    const global = quiet ? now.filter((i) => i.startsWith('rule')) : [];
    return [...new Set([...mine, ...procs, ...global])];
  }
}

const usedOctets = new Set<number>();

/** A /24 under 10.213.0.0/16 no host route uses (other test runs may hold some). */
export function freeSubnet(): { cidr: string; at: (host: number) => string } {
  const routes = sh('ip', ['-4', 'route']);
  for (;;) {
    const n = 20 + crypto.randomInt(230);
    if (usedOctets.has(n) || routes.includes(`10.213.${n}.`)) continue;
    usedOctets.add(n);
    return { cidr: `10.213.${n}.0/24`, at: (h) => `10.213.${n}.${h}` };
  }
}

/**
 * HTTP GET of `/` with busybox nc from inside ns (or the host when ns is undefined);
 * out is the body. (Debian's static busybox wget crashes with -q/-T, so nc it is.)
 */
export function wget(ns: Netns | undefined, url: string): { status: number; out: string } {
  const m = /^http:\/\/([^:/]+):(\d+)\//.exec(url);
  if (!m) throw new Error(`bad url ${url}`);
  const args = ['/bin/busybox', 'nc', '-w', '5', m[1], m[2]];
  const full = ns ? ['ip', 'netns', 'exec', ns.name, ...args] : args;
  const r = spawnSync(full[0], full.slice(1), { encoding: 'utf8', input: 'GET / HTTP/1.0\r\n\r\n' });
  const text = r.stdout ?? '';
  const ok = r.status === 0 && text.startsWith('HTTP/1.1 200');
  return { status: ok ? 0 : r.status || 1, out: ok ? text.slice(text.indexOf('\r\n\r\n') + 4) : text + (r.stderr ?? '') };
}
