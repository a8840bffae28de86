/**
 * Container networking end to end through the real `berth` CLI: bridge and user networks,
 * published TCP/UDP ports on loopback, DNS names and aliases, isolation, modes, restarts,
 * rate limits, cleanup. Traffic goes only to loopback and to the test's own containers.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fetchTcp, requiresRoot } from '../helpers.js';
import { Engine, until } from './engineHarness.js';
import { NetworkStore, removeNetwork } from '../../src/network/index.js';

const HTTPD = "mkdir -p /www && echo hello > /www/index.html && exec httpd -f -p 80 -h /www";

function links(): string[] {
  return execFileSync('ip', ['-o', 'link'], { encoding: 'utf8' }).split('\n').map((l) => l.split(':')[1]?.trim().split('@')[0]).filter(Boolean);
}
const rules = () => execFileSync('iptables-save', { encoding: 'utf8' });


describe('engine: networking end to end', requiresRoot, () => {
  const e = new Engine('berth-engnet-');
  const linksBefore = new Set(links());

  before(() => e.init());
  after(async () => {
    const root = e.root;
    const store = new NetworkStore(root);
    const nets = store.list();
    const ids = e.run(['ps', '-aq', '--no-trunc']).stdout.split('\n').filter(Boolean);
    if (ids.length) e.run(['rm', '-f', ...ids]);
    for (const n of nets) await removeNetwork(e.root, n.name, { allowDefault: true }).catch(() => undefined);
    e.cleanup();
    // Nothing of ours is left: bridges, veths, chains.
    const left = links().filter((l) => !linksBefore.has(l) && (nets.some((n) => n.bridge === l) || l.startsWith('bv')));
    const ours = nets.flatMap((n) => [n.bridge, n.id.slice(0, 12)]);
    const ruleLeft = rules().split('\n').filter((r) => ours.some((o) => r.includes(o)));
    assert.deepEqual(ruleLeft, [], 'iptables rules left behind');
    assert.deepEqual(left.filter((l) => nets.some((n) => n.bridge === l)), [], 'bridges left behind');
    assert.ok(!fs.readFileSync('/proc/self/mountinfo', 'utf8').includes(path.join(root, 'netns')), 'netns mounts left behind');
  });

  test('bridge + -p on loopback: httpd answers; port, ps PORTS and inspect in Docker\'s shape', async () => {
    e.ok(['run', '-d', '--name', 'web', '--network', 'bridge', '-p', '127.0.0.1::80', 'busybox', 'sh', '-c', HTTPD]);
    const j = e.inspect('web');
    const ns = j.NetworkSettings;
    assert.match(ns.IPAddress, /^\d+\.\d+\.\d+\.\d+$/);
    assert.equal(ns.Networks.bridge.IPAddress, ns.IPAddress);
    assert.equal(ns.Gateway, ns.Networks.bridge.Gateway);
    assert.match(ns.MacAddress, /^02:42:/);
    const hostPort = Number(ns.Ports['80/tcp'][0].HostPort);
    assert.ok(hostPort > 0);
    assert.equal(ns.Ports['80/tcp'][0].HostIp, '127.0.0.1');
    assert.equal(e.ok(['port', 'web', '80']), `127.0.0.1:${hostPort}`);
    assert.match(e.ok(['ps', '--format', '{{.Ports}}', '-f', 'name=web']), new RegExp(`^127\\.0\\.0\\.1:${hostPort}->80/tcp$`));
    assert.match(await fetchTcp('127.0.0.1', hostPort), /hello/);
    assert.match(await fetchTcp(ns.IPAddress, 80), /hello/);
  });

  test('UDP published port and -P with --expose (random host ports)', async () => {
    // busybox has no UDP server: the host's node, its libraries bind-mounted read-only, prints what it receives.
    const node = fs.realpathSync(process.execPath);
    const libs = ['/usr/lib:/usr/lib:ro', '/usr/lib:/lib:ro', ...(fs.existsSync('/lib64') ? ['/lib64:/lib64:ro'] : [])].flatMap((v) => ['-v', v]);
    e.ok(['run', '-d', '--name', 'udp', '--network', 'bridge', '--expose', '5353/udp', '-P', '-v', `${path.dirname(node)}:/hostbin:ro`, ...libs, 'busybox',
      `/hostbin/${path.basename(node)}`, '-e', "require('dgram').createSocket('udp4').on('message', (m) => process.stdout.write(m)).bind(5353)"]);
    assert.match(e.ok(['ps', '--format', '{{.Ports}}', '-f', 'name=udp']), /^0\.0\.0\.0:\d+->5353\/udp$/);
    const b = e.inspect('udp').NetworkSettings.Ports['5353/udp'][0];
    const port = Number(b.HostPort);
    assert.ok(port > 0);
    const sock = dgram.createSocket('udp4');
    try {
      await until(() => {
        sock.send('ping-udp\n', port, '127.0.0.1');
        return e.run(['logs', 'udp']).stdout.includes('ping-udp');
      });
    } finally {
      sock.close();
    }
  });

  test('container -> container by IP on the default bridge, and -> another container\'s published port via the host', () => {
    const ip = e.inspect('web').NetworkSettings.IPAddress;
    assert.match(e.ok(['run', '--rm', '--network', 'bridge', 'busybox', 'wget', '-qO-', `http://${ip}/`]), /hello/);
    e.ok(['run', '-d', '--name', 'pub', '--network', 'bridge', '-p', '80', 'busybox', 'sh', '-c', HTTPD]);
    const j = e.inspect('pub').NetworkSettings;
    const port = j.Ports['80/tcp'][0].HostPort;
    // The host's address on the bridge is the gateway: DNAT for local destinations applies.
    assert.match(e.ok(['run', '--rm', '--network', 'bridge', 'busybox', 'sh', '-c', `for i in 1 2 3 4 5; do wget -qO- http://${j.Gateway}:${port}/ && exit 0; sleep 0.2; done; exit 1`]), /hello/);
  });

  test('user network: DNS by name and alias; network connect/disconnect on a running container; isolation', () => {
    e.ok(['network', 'create', 'n1']);
    e.ok(['network', 'create', 'n2']);
    e.ok(['run', '-d', '--name', 'api', '--network', 'n1', '--network-alias', 'svc', 'busybox', 'sh', '-c', HTTPD]);
    for (const host of ['api', 'svc']) {
      assert.match(e.ok(['run', '--rm', '--network', 'n1', 'busybox', 'sh', '-c', `for i in 1 2 3 4 5; do wget -qO- http://${host}/ && exit 0; sleep 0.2; done; exit 1`]), /hello/);
    }
    const apiIp = e.inspect('api').NetworkSettings.Networks.n1.IPAddress;
    // n2 cannot reach n1's container.
    const iso = e.run(['run', '--rm', '--network', 'n2', 'busybox', 'wget', '-T', '2', '-qO-', `http://${apiIp}/`]);
    assert.notEqual(iso.code, 0);
    // connect a running n2 container to n1: now it resolves and reaches api; disconnect: gone.
    e.ok(['run', '-d', '--name', 'cli', '--network', 'n2', 'busybox', 'sleep', '1000']);
    e.ok(['network', 'connect', 'n1', 'cli']);
    assert.match(e.ok(['exec', 'cli', 'sh', '-c', 'for i in 1 2 3 4 5; do wget -qO- http://svc/ && exit 0; sleep 0.2; done; exit 1']), /hello/);
    assert.match(e.ok(['exec', 'cli', 'ip', '-o', 'link']), /eth1/);
    e.ok(['network', 'disconnect', 'n1', 'cli']);
    assert.doesNotMatch(e.ok(['exec', 'cli', 'ip', '-o', 'link']), /eth1/);
    e.ok(['rm', '-f', 'cli', 'api']);
  });

  test('--internal has no default route; none has only lo; host sees host links; container: shares the netns', () => {
    e.ok(['network', 'create', '--internal', 'inner']);
    assert.doesNotMatch(e.ok(['run', '--rm', '--network', 'inner', 'busybox', 'ip', 'route']), /default/);
    assert.equal(e.ok(['run', '--rm', '--network', 'none', 'busybox', 'sh', '-c', "ip -o link | cut -d: -f2 | tr -d ' '"]), 'lo');
    assert.ok(Number(e.ok(['run', '--rm', '--network', 'host', 'busybox', 'sh', '-c', 'ip -o link | wc -l'])) > 2);
    const ip = e.inspect('web').NetworkSettings.IPAddress;
    assert.match(e.ok(['run', '--rm', '--network', 'container:web', 'busybox', 'ip', '-o', '-4', 'addr']), new RegExp(ip.replace(/\./g, '\\.')));
    assert.match(e.ok(['run', '--rm', '--network', 'container:web', 'busybox', 'wget', '-qO-', 'http://127.0.0.1/']), /hello/);
    assert.notEqual(e.run(['run', '--rm', '--network', 'nosuchnet', 'busybox', 'true']).code, 0);
  });

  test('stop releases the address and port rules; start attaches again and serves', async () => {
    e.ok(['run', '-d', '--name', 'ss', '--network', 'bridge', '-p', '127.0.0.1::80', 'busybox', 'sh', '-c', HTTPD]);
    const before = e.inspect('ss').NetworkSettings;
    const id = e.inspect('ss').Id;
    e.ok(['stop', '-t', '1', 'ss']);
    const stopped = e.inspect('ss').NetworkSettings;
    assert.equal(stopped.IPAddress, '');
    assert.equal(e.ok(['ps', '-a', '--format', '{{.Ports}}', '-f', 'name=ss']), '');
    assert.equal(new NetworkStore(e.root).get('bridge').endpoints[id], undefined);
    assert.ok(!rules().includes(`${before.IPAddress}:80`));
    e.ok(['start', 'ss']);
    const port = Number(e.inspect('ss').NetworkSettings.Ports['80/tcp'][0].HostPort);
    assert.match(await fetchTcp('127.0.0.1', port), /hello/);
    e.ok(['rm', '-f', 'ss']);
  });

  test('a bridged container restarted by its policy keeps its address', async () => {
    e.ok(['run', '-d', '--name', 'rs', '--network', 'bridge', '--restart', 'on-failure:5', 'busybox', 'sh', '-c', 'ip -4 -o addr show eth0; sleep 0.3; exit 3']);
    const ip = e.inspect('rs').NetworkSettings.IPAddress;
    assert.ok(ip);
    await until(() => e.inspect('rs').RestartCount >= 2, 60_000);
    const lines = e.run(['logs', 'rs']).stdout.split('\n').filter((l) => l.includes('inet '));
    assert.ok(lines.length >= 2, `expected an address line per start, got ${lines.join('|')}`);
    for (const l of lines) assert.ok(l.includes(`${ip}/`), l);
    e.ok(['rm', '-f', 'rs']);
  });

  test('--network-rate limits egress within 50%', async () => {
    const bytes = 1_000_000;
    e.ok(['run', '-d', '--name', 'slow', '--network', 'bridge', '--network-rate', '4mbit', 'busybox', 'sh', '-c', `head -c ${bytes} /dev/zero | nc -l -p 9000`]);
    const ip = e.inspect('slow').NetworkSettings.IPAddress;
    let got = 0;
    let t0 = 0n;
    for (let i = 0; ; i++) {
      try {
        got = 0;
        await new Promise<void>((resolve, reject) => {
          const s = net.connect(9000, ip);
          s.on('connect', () => (t0 = process.hrtime.bigint()));
          s.on('data', (d) => (got += d.length));
          s.on('end', () => resolve());
          s.on('error', reject);
        });
        break;
      } catch (err) {
        if (i > 200) throw err;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    assert.equal(got, bytes);
    const mbit = (bytes * 8) / secs / 1e6;
    assert.ok(mbit > 2 && mbit < 6, `measured ${mbit.toFixed(2)} Mbit/s for a 4mbit limit`);
    e.ok(['rm', '-f', 'slow']);
  });

  test('20 concurrent run -d get 20 distinct addresses; rm removes veths, rules, allocations, netns', async () => {
    const names = Array.from({ length: 20 }, (_, i) => `c${i}`);
    const rs = await Promise.all(names.map((n) => e.runAsync(['run', '-d', '--name', n, '--network', 'bridge', '-p', '127.0.0.1::80', 'busybox', 'sleep', '1000'])));
    for (const r of rs) assert.equal(r.code, 0, r.stderr);
    const ips = names.map((n) => e.inspect(n).NetworkSettings.IPAddress);
    assert.equal(new Set(ips).size, 20);
    const br = new NetworkStore(e.root).get('bridge');
    const veths = Object.values(br.endpoints).filter((ep) => names.includes(ep.name)).map((ep) => ep.hostIfname);
    assert.equal(veths.length, 20);
    e.ok(['rm', '-f', ...names]);
    const after = new NetworkStore(e.root).get('bridge');
    assert.equal(Object.values(after.endpoints).filter((ep) => names.includes(ep.name)).length, 0);
    // The veths die with their netns, which the kernel destroys asynchronously after rm.
    await until(() => {
      const l = new Set(links());
      return veths.every((v) => !l.has(v));
    });
    const gone = Object.values(br.endpoints).filter((ep) => names.includes(ep.name)).map((ep) => `${ep.ip}:80`);
    const dnat = rules().split('\n').filter((r) => r.includes(`BERTH-D-${br.id.slice(0, 12)}`) && gone.some((g) => r.endsWith(` ${g}`)));
    assert.deepEqual(dnat, []);
    const nsDir = path.join(e.root, 'netns');
    const ids = new Set(e.run(['ps', '-aq', '--no-trunc']).stdout.split('\n').filter(Boolean));
    for (const f of fs.existsSync(nsDir) ? fs.readdirSync(nsDir) : []) assert.ok(ids.has(f), `netns ${f} left`);
  });

  test('system prune detaches the endpoint and netns of a container whose record was lost', async () => {
    // Running: a container that ends releases its network itself (the monitor's on_exit), so the
    // pieces a lost record leaves behind are a running one's (the harness ends it by pid).
    const id = e.ok(['run', '-d', '--name', 'lost', '--network', 'bridge', 'busybox', 'sleep', '1000']);
    const ep = new NetworkStore(e.root).get('bridge').endpoints[id];
    assert.ok(ep);
    // A crash that lost the record: the container's files are gone, its network pieces are not.
    fs.rmSync(path.join(e.root, 'containers', id), { recursive: true, force: true });
    e.ok(['system', 'prune', '-f']);
    assert.equal(new NetworkStore(e.root).get('bridge').endpoints[id], undefined);
    await until(() => !links().includes(ep.hostIfname));
    assert.ok(!fs.existsSync(path.join(e.root, 'netns', id)));
  });
});
