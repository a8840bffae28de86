/**
 * Host loopback from a container (CVE-2020-8558 class). berth sets route_localnet=1 on its
 * bridges (published ports on 127.0.0.1 without a userland proxy), so the kernel would route a
 * packet addressed to 127.0.0.1 that arrives on the bridge to the host's loopback services. A
 * default container (bridge network, CAP_NET_RAW) sends a hand-made SYN over AF_PACKET
 * (test/fixtures/synprobe/synprobe.c) to 127.0.0.1:PORT in a frame addressed to the gateway's
 * MAC; a listener of this process on the host's 127.0.0.1:PORT must see nothing, and no SYN-ACK
 * may come back. The same probe to a listener on the gateway's address does get its SYN-ACK:
 * the probe works, only the destination differs. Published ports on 127.0.0.1 keep working.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fixturesDir, requiresRoot, tmpDir } from '../helpers.js';
import { Engine } from './engineHarness.js';
import { hasCompiler } from './escapeHarness.js';
import { NetworkStore } from '../../src/network/index.js';
import { firewallText } from '../../src/network/firewall.js';
import { iptablesSaveBoth } from '../../src/sys/netExec.js';
import type { NetworkState } from '../../src/network/types.js';

const canRun = !requiresRoot.skip && hasCompiler();
const opts = canRun ? {} : { skip: requiresRoot.skip ?? 'needs cc and a static libc (gcc, libc6-dev)' };

interface Listener {
  server: net.Server;
  port: number;
  /** Connections accepted so far, counted once every connection queued before this call is accepted. */
  accepted: () => Promise<number>;
}

/** A listener on host:0 counting the connections it accepts (each is closed at once). */
async function listener(host: string): Promise<Listener> {
  const ports: number[] = [];
  let wake = () => undefined as void;
  const server = net.createServer((s) => {
    s.on('error', () => undefined);
    ports.push(s.remotePort ?? 0);
    wake();
    s.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  // The accept queue is FIFO: once a connection of our own made now is accepted, every one
  // queued before it has been too (no waiting for a guessed time).
  const accepted = async () => {
    const c = net.connect(port, host);
    c.on('error', () => undefined);
    await new Promise<void>((r) => c.once('connect', () => r()));
    const mine = c.localPort!;
    while (!ports.includes(mine)) await new Promise<void>((r) => (wake = r));
    c.destroy();
    return ports.indexOf(mine);
  };
  return { server, port, accepted };
}

const close = (s: net.Server) => new Promise<void>((r) => s.close(() => r()));

describe('escape: host loopback from a bridged container', opts, () => {
  const e = new Engine('berth-esclo-');
  const dir = tmpDir('berth-esclo-probe-');
  const probe = path.join(dir, 'synprobe');
  let bridge: NetworkState;
  const servers: net.Server[] = [];

  before(async () => {
    execFileSync('cc', ['-static', '-O1', '-o', probe, path.join(fixturesDir, 'synprobe', 'synprobe.c')]);
    await e.init();
    // The root's default bridge comes up with its first container.
    e.ok(['run', '--rm', '--network', 'bridge', 'busybox', 'true']);
    bridge = new NetworkStore(e.root).get('bridge');
  });

  after(async () => {
    for (const s of servers) await close(s);
    e.cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
    // Nothing of this network is left: bridge, chains (raw included), rules.
    const ours = [bridge?.bridge, bridge?.id.slice(0, 12)].filter(Boolean) as string[];
    const left = execFileSync('iptables-save', { encoding: 'utf8' }).split('\n').filter((l) => ours.some((o) => l.includes(o)));
    assert.deepEqual(left, [], 'iptables rules left behind');
    assert.ok(!bridge || !fs.existsSync(`/sys/class/net/${bridge.bridge}`), 'bridge left behind');
  });

  /** Runs the probe in a default (bridged) container: one line per target. */
  async function sendSyn(targets: [string, number][]): Promise<string[]> {
    const gw = bridge.gateway;
    const script = [`ping -c 1 -W 3 ${gw} >/dev/null 2>&1`, ...targets.map(([ip, port]) => `/synprobe eth0 ${gw} ${ip} ${port}`)].join('; ');
    // Not spawnSync: this process's listeners accept while the container runs.
    const r = await e.runAsync(['run', '--rm', '--network', 'bridge', '-v', `${probe}:/synprobe:ro`, 'busybox', 'sh', '-c', script]);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.trim().split('\n');
  }

  test('a SYN to 127.0.0.1 through the gateway MAC gets no answer and reaches no loopback listener', async () => {
    const lo = await listener('127.0.0.1');
    const gw = await listener(bridge.gateway);
    servers.push(lo.server, gw.server);
    const [control, escape] = await sendSyn([[bridge.gateway, gw.port], ['127.0.0.1', lo.port]]);
    assert.equal(control, 'synack', 'the same hand-made SYN to the gateway address is answered (the probe works)');
    // No SYN-ACK from the host's 127.0.0.1, and no connection on the loopback listener (the probe
    // completes any handshake it gets an answer to, so the listener would have accepted by now).
    assert.deepEqual({ escape, accepted: await lo.accepted() }, { escape: 'timeout', accepted: 0 });
  });

  test('the loopback guard is in the raw table, in iptables-save\'s form (a sync is a no-op), and comes back when flushed', async () => {
    const raw = () => execFileSync('iptables-save', ['-t', 'raw'], { encoding: 'utf8' });
    const chain = `BERTH-R-${bridge.id.slice(0, 12)}`;
    assert.ok(raw().includes(`-A ${chain} -d 127.0.0.0/8 -i ${bridge.bridge} -j DROP`), raw());
    assert.ok(raw().includes('-A PREROUTING -j BERTH-RAW'));
    assert.equal(firewallText(await iptablesSaveBoth(), [new NetworkStore(e.root).get('bridge')]).trim(), '', 'nothing to change');
    execFileSync('iptables', ['-t', 'raw', '-F', chain]);
    // The next attach finds the ruleset changed and puts the rule back.
    e.ok(['run', '--rm', '--network', 'bridge', 'busybox', 'true']);
    assert.ok(raw().includes(`-A ${chain} -d 127.0.0.0/8 -i ${bridge.bridge} -j DROP`), 'restored');
  });

  test('a port published on 127.0.0.1 still answers the host', async () => {
    const id = e.ok(['run', '-d', '--network', 'bridge', '-p', '127.0.0.1::7', 'busybox', 'nc', '-ll', '-p', '7', '-e', 'echo', 'pong']);
    try {
      const port = Number(e.ok(['port', id, '7']).split(':').at(-1));
      let got = '';
      for (let i = 0; i < 200 && !got.includes('pong'); i++) {
        got = await new Promise<string>((resolve) => {
          const s = net.connect(port, '127.0.0.1');
          let out = '';
          s.setTimeout(5_000, () => s.destroy());
          s.on('data', (d) => (out += d));
          s.on('close', () => resolve(out));
          s.on('error', () => undefined);
        });
        if (!got.includes('pong')) await new Promise((r) => setTimeout(r, 50));
      }
      assert.match(got, /pong/);
    } finally {
      e.run(['rm', '-f', id]);
    }
  });
});
