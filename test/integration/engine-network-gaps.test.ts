/**
 * Docker's networking behaviours berth had gaps in (issue #6): `network connect` survives
 * stop/start, inspect follows connect/disconnect at once, a detached container that ends on
 * its own releases its address and port rules (the monitor's on_exit runs `container
 * cleanup`) while a restart policy keeps them, `--add-host`, and `container:A` when A goes.
 * Traffic only between the test's own containers and to loopback.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { requiresRoot } from '../helpers.js';
import { Engine, until } from './engineHarness.js';
import { NetworkStore, removeNetwork } from '../../src/network/index.js';

const HTTPD = 'mkdir -p /www && echo hello > /www/index.html && exec httpd -f -p 80 -h /www';
/** Ends (exit 3) once /go exists: the test decides when, no sleeps. */
const WAIT_GO = 'while [ ! -f /go ]; do sleep 0.05; done; exit 3';
const rules = () => execFileSync('iptables-save', { encoding: 'utf8' });
function alive(pid: number): boolean {
  try {
    const st = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return st.slice(st.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}
/** Is a `berth container cleanup ID` process (the monitor's on_exit) still at work? */
function cleanupRunning(id: string): boolean {
  for (const p of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      if (fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(`cleanup\0${id}`)) return true;
    } catch { /* gone */ }
  }
  return false;
}
/** The name through the network's DNS, then HTTP with nc (busybox-static's wget crashes on this machine). */
const wget = (host: string) => `for i in $(seq 1 50); do a=$(nslookup ${host} 2>/dev/null | sed -n 's/^Address: //p' | tail -n 1); [ -n "$a" ] && printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 2 $a 80 | grep hello && exit 0; sleep 0.1; done; exit 1`;

describe('engine: networking gaps (connect persists, exit releases, --add-host, container:)', requiresRoot, () => {
  const e = new Engine('berth-netgaps-');
  const store = () => new NetworkStore(e.root);
  const endpoints = (net: string) => Object.values(store().get(net).endpoints);

  before(() => e.init());
  after(async () => {
    const nets = store().list();
    const ids = e.run(['ps', '-aq', '--no-trunc']).stdout.split('\n').filter(Boolean);
    if (ids.length) e.run(['rm', '-f', ...ids]);
    for (const n of nets) await removeNetwork(e.root, n.name, { allowDefault: true }).catch(() => undefined);
    const root = e.root;
    e.cleanup();
    const ours = nets.flatMap((n) => [n.bridge, n.id.slice(0, 12)]);
    assert.deepEqual(rules().split('\n').filter((r) => ours.some((o) => r.includes(o))), [], 'iptables rules left behind');
    assert.ok(!fs.readFileSync('/proc/self/mountinfo', 'utf8').includes(path.join(root, 'netns')), 'netns mounts left behind');
  });

  test('network connect is kept: stop/start and a created container come back on both networks, reachable by name', () => {
    e.ok(['network', 'create', 'g1']);
    e.ok(['network', 'create', 'g2']);
    e.ok(['run', '-d', '--name', 'srv', '--network', 'g1', 'busybox', 'sh', '-c', HTTPD]);
    e.ok(['network', 'connect', '--alias', 'web2', 'g2', 'srv']);
    e.ok(['stop', '-t', '1', 'srv']);
    // Stopped: both networks listed, no addresses (Docker's shape); no endpoints left.
    const stopped = e.inspect('srv').NetworkSettings.Networks;
    assert.deepEqual(Object.keys(stopped), ['g1', 'g2']);
    assert.equal(stopped.g2.IPAddress, '');
    assert.equal(stopped.g2.NetworkID, store().get('g2').id);
    assert.deepEqual(endpoints('g2'), []);
    e.ok(['start', 'srv']);
    const nets = e.inspect('srv').NetworkSettings.Networks;
    assert.match(nets.g1.IPAddress, /^\d+\.\d+\.\d+\.\d+$/);
    assert.match(nets.g2.IPAddress, /^\d+\.\d+\.\d+\.\d+$/);
    assert.deepEqual(nets.g2.Aliases, ['web2']);
    for (const [net, host] of [['g1', 'srv'], ['g2', 'srv'], ['g2', 'web2']]) {
      assert.match(e.ok(['run', '--rm', '--network', net, 'busybox', 'sh', '-c', wget(host)]), /hello/, `${host} on ${net}`);
    }
    // A created container connected before its first start.
    e.ok(['create', '--name', 'late', '--network', 'g1', 'busybox', 'sleep', '1000']);
    e.ok(['network', 'connect', 'g2', 'late']);
    assert.equal(e.inspect('late').NetworkSettings.Networks.g2.IPAddress, '');
    e.ok(['start', 'late']);
    assert.match(e.ok(['exec', 'late', 'sh', '-c', wget('srv')]), /hello/);
    assert.match(e.ok(['exec', 'late', 'ip', '-o', '-4', 'addr']), new RegExp(`eth1.*${e.inspect('late').NetworkSettings.Networks.g2.IPAddress.replace(/\./g, '\\.')}/`));
    // Disconnect of a stopped container: gone from its config; the next start has one network.
    e.ok(['stop', '-t', '1', 'late']);
    e.ok(['network', 'disconnect', 'g2', 'late']);
    assert.deepEqual(Object.keys(e.inspect('late').NetworkSettings.Networks), ['g1']);
    e.ok(['start', 'late']);
    assert.doesNotMatch(e.ok(['exec', 'late', 'ip', '-o', 'link']), /eth1/);
    assert.ok(!endpoints('g2').some((x) => x.name === 'late'));
    e.ok(['rm', '-f', 'srv', 'late']);
    assert.deepEqual(endpoints('g1'), []);
    assert.deepEqual(endpoints('g2'), []);
  });

  test('inspect and network inspect follow connect/disconnect at once; Docker errors exit 1 on one line', () => {
    e.ok(['network', 'create', 'h1']);
    e.ok(['network', 'create', 'h2']);
    e.ok(['network', 'create', 'h3']);
    const id = e.ok(['run', '-d', '--name', 'box', '--network', 'h1', 'busybox', 'sleep', '1000']);
    e.ok(['network', 'connect', 'h2', 'box']);
    const h2 = store().get('h2');
    const ep = e.inspect('box').NetworkSettings.Networks.h2;
    assert.equal(ep.NetworkID, h2.id);
    assert.equal(ep.Gateway, h2.gateway);
    assert.equal(ep.IPPrefixLen, 24);
    assert.match(ep.IPAddress, /^\d+\.\d+\.\d+\.\d+$/);
    assert.match(ep.MacAddress, /^02:42:/);
    assert.ok(ep.EndpointID);
    const [ni] = JSON.parse(e.ok(['network', 'inspect', 'h2']));
    assert.equal(ni.Containers[id].Name, 'box');
    assert.equal(ni.Containers[id].IPv4Address, `${ep.IPAddress}/24`);
    for (const [args, re] of [
      [['network', 'connect', 'h2', 'box'], /already exists in network h2/],
      [['network', 'connect', 'nonet', 'box'], /network nonet not found/],
      [['network', 'connect', 'h2', 'nobox'], /No such container: nobox/],
      [['network', 'disconnect', 'h3', 'box'], /is not connected to network h3/],
    ] as [string[], RegExp][]) {
      const r = e.run(args);
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, re);
    }
    e.ok(['network', 'disconnect', 'h2', 'box']);
    assert.deepEqual(Object.keys(e.inspect('box').NetworkSettings.Networks), ['h1']);
    assert.deepEqual(JSON.parse(e.ok(['network', 'inspect', 'h2']))[0].Containers, {});
    assert.doesNotMatch(e.ok(['exec', 'box', 'ip', '-o', 'link']), /eth1/);
    // A connected network removed while the container is stopped: start fails as Docker's; disconnect forgets it.
    e.ok(['stop', '-t', '0', 'box']);
    e.ok(['network', 'connect', 'h3', 'box']);
    e.ok(['network', 'rm', 'h3']);
    const failed = e.run(['start', 'box']);
    assert.equal(failed.code, 1);
    assert.equal(failed.stderr.trim(), 'berth: network h3 not found');
    assert.deepEqual(endpoints('h1'), [], 'the failed start left no endpoint behind');
    e.ok(['network', 'disconnect', 'h3', 'box']);
    e.ok(['start', 'box']);
    assert.deepEqual(Object.keys(e.inspect('box').NetworkSettings.Networks), ['h1']);
    e.ok(['rm', '-f', 'box']);
  });

  test('disconnect of the primary network: the next connected one takes its place, then none', () => {
    e.ok(['network', 'create', 'p1']);
    e.ok(['network', 'create', 'p2']);
    e.ok(['run', '-d', '--name', 'prim', '--network', 'p1', 'busybox', 'sleep', '1000']);
    e.ok(['network', 'connect', 'p2', 'prim']);
    e.ok(['network', 'disconnect', 'p1', 'prim']);
    assert.deepEqual(Object.keys(e.inspect('prim').NetworkSettings.Networks), ['p2']);
    e.ok(['restart', '-t', '0', 'prim']);
    assert.deepEqual(e.ok(['exec', 'prim', 'sh', '-c', "ip -o link | cut -d: -f2 | tr -d ' ' | cut -d@ -f1"]).split('\n'), ['lo', 'eth0']);
    assert.equal(e.inspect('prim').NetworkSettings.Networks.p2.IPAddress, endpoints('p2')[0].ip);
    e.ok(['stop', '-t', '0', 'prim']);
    e.ok(['network', 'disconnect', 'p2', 'prim']);
    assert.equal(e.inspect('prim').HostConfig.NetworkMode, 'none');
    e.ok(['start', 'prim']);
    assert.equal(e.ok(['exec', 'prim', 'sh', '-c', "ip -o link | cut -d: -f2 | tr -d ' '"]), 'lo');
    e.ok(['rm', '-f', 'prim']);
    assert.deepEqual([...endpoints('p1'), ...endpoints('p2')], []);
  });

  test('a detached container that exits releases its address and port rules; start attaches again', async () => {
    // The second start finds /go (the rootfs keeps it) and stays up.
    const id = e.ok(['run', '-d', '--name', 'brief', '-p', '127.0.0.1::80', 'busybox', 'sh', '-c', `if [ -f /go ]; then exec sleep 1000; fi; ${WAIT_GO}`]);
    const j = e.inspect('brief');
    const ip = j.NetworkSettings.IPAddress as string;
    const port = j.NetworkSettings.Ports['80/tcp'][0].HostPort as string;
    const mine = () => rules().split('\n').filter((r) => r.includes(`--dport ${port} `) || r.includes(`${ip}:80`) || r.includes(`${ip}/32`));
    assert.notDeepEqual(mine(), [], 'DNAT rule while running');
    assert.ok(endpoints('bridge').some((x) => x.containerId === id));
    e.ok(['exec', 'brief', 'touch', '/go']);
    // Address, port rules and the persistent netns go (the cleanup runs after the monitor's exit record).
    await until(() => !endpoints('bridge').some((x) => x.containerId === id) && !mine().length && !fs.existsSync(path.join(e.root, 'netns', id)), 60_000);
    const after = e.inspect('brief');
    assert.equal(after.State.Status, 'exited');
    assert.equal(after.State.ExitCode, 3);
    assert.equal(after.NetworkSettings.IPAddress, '');
    assert.match(e.ok(['ps', '-a', '--format', '{{.Status}}', '-f', 'name=brief']), /^Exited \(3\)/);
    // Idempotent, and harmless on a container that does not exist.
    e.ok(['container', 'cleanup', id]);
    e.ok(['container', 'cleanup', 'f'.repeat(64)]);
    e.ok(['start', 'brief']);
    const again = e.inspect('brief').NetworkSettings;
    assert.match(again.IPAddress, /^\d+\.\d+\.\d+\.\d+$/);
    assert.ok(again.Ports['80/tcp'][0].HostPort);
    assert.ok(endpoints('bridge').some((x) => x.containerId === id));
    // cleanup of a running container changes nothing.
    e.ok(['container', 'cleanup', id]);
    assert.ok(endpoints('bridge').some((x) => x.containerId === id));
    e.ok(['stop', '-t', '1', 'brief']);
    assert.ok(!endpoints('bridge').some((x) => x.containerId === id));
    e.ok(['rm', 'brief']);
  });

  test('a start racing the previous run\'s cleanup keeps its network (cleanup skips a running container)', async () => {
    // The first run ends at once; `start` follows at once, before or after the monitor's cleanup.
    const id = e.ok(['run', '-d', '--name', 'racer', 'busybox', 'sh', '-c', 'if [ -f /go ]; then exec sleep 1000; fi; touch /go']);
    const monitorPid = JSON.parse(fs.readFileSync(path.join(e.root, 'runtime', id, 'state.json'), 'utf8')).monitorPid as number;
    await until(() => e.inspect('racer').State.Status === 'exited', 60_000);
    e.ok(['start', 'racer']);
    // The old monitor has forked its on_exit and gone; then that cleanup has finished.
    await until(() => !alive(monitorPid), 60_000);
    await until(() => !cleanupRunning(id), 60_000);
    const st = e.inspect('racer');
    assert.equal(st.State.Running, true);
    assert.match(st.NetworkSettings.IPAddress, /^\d+\.\d+\.\d+\.\d+$/);
    assert.ok(endpoints('bridge').some((x) => x.containerId === id));
    assert.ok(fs.existsSync(path.join(e.root, 'netns', id)));
    e.ok(['rm', '-f', 'racer']);
    assert.ok(!endpoints('bridge').some((x) => x.containerId === id));
  });

  test('a restart policy keeps the network across restarts; released once it ends for good', async () => {
    // First run: waits for /go, exits 3; the monitor restarts it; the second run sleeps.
    const id = e.ok(['run', '-d', '--name', 'phoenix', '--restart', 'on-failure', 'busybox', 'sh', '-c', `if [ -f /once ]; then exec sleep 1000; fi; touch /once; ${WAIT_GO}`]);
    const ip = e.inspect('phoenix').NetworkSettings.IPAddress;
    e.ok(['exec', 'phoenix', 'touch', '/go']);
    await until(() => {
      const s = e.inspect('phoenix');
      return s.RestartCount >= 1 && s.State.Running && !s.State.Restarting;
    }, 60_000);
    const ep = endpoints('bridge').find((x) => x.containerId === id);
    assert.equal(ep?.ip, ip, 'same endpoint after the restart');
    assert.ok(fs.existsSync(path.join(e.root, 'netns', id)), 'the persistent netns stays');
    e.ok(['run', '--rm', 'busybox', 'ping', '-c', '1', '-W', '5', ip]);
    // kill ends it for good (no restart after a user's SIGKILL): the address goes.
    e.ok(['kill', 'phoenix']);
    await until(() => !endpoints('bridge').some((x) => x.containerId === id), 60_000);
    e.ok(['rm', 'phoenix']);
  });

  test('--add-host: /etc/hosts inside, host-gateway is the network gateway, HostConfig.ExtraHosts; bad values exit 125', () => {
    e.ok(['network', 'create', 'k1']);
    const gw = store().get('k1').gateway;
    const hosts = e.ok(['run', '--rm', '--network', 'k1', '--add-host', 'db.local:10.9.8.7', '--add-host', 'gw:host-gateway', '--add-host', 'six=::1', 'busybox', 'cat', '/etc/hosts']);
    assert.match(hosts, /^10\.9\.8\.7\tdb\.local$/m);
    assert.match(hosts, new RegExp(`^${gw.replace(/\./g, '\\.')}\\tgw$`, 'm'));
    assert.match(hosts, /^::1\tsix$/m);
    assert.match(e.ok(['run', '--rm', '--network', 'none', '--add-host', 'x.y:1.2.3.4', 'busybox', 'cat', '/etc/hosts']), /^1\.2\.3\.4\tx\.y$/m);
    e.ok(['create', '--name', 'eh', '--add-host', 'a:1.1.1.1', '--add-host', 'b:host-gateway', 'busybox', 'true']);
    assert.deepEqual(e.inspect('eh').HostConfig.ExtraHosts, ['a:1.1.1.1', 'b:host-gateway']);
    assert.equal(e.inspect('eh').HostConfig.ExtraHosts.length, 2);
    e.ok(['rm', 'eh']);
    const before = e.run(['ps', '-aq']).stdout;
    for (const [v, msg] of [
      ['x', 'invalid argument "x" for "--add-host" flag: bad format for add-host: "x"'],
      [':1.2.3.4', 'invalid argument ":1.2.3.4" for "--add-host" flag: bad format for add-host: ":1.2.3.4"'],
      ['h:999.1.1.1', 'invalid argument "h:999.1.1.1" for "--add-host" flag: invalid IP address in add-host: "999.1.1.1"'],
    ]) {
      const r = e.run(['run', '--rm', '--add-host', v, 'busybox', 'true']);
      assert.equal(r.code, 125, r.stderr);
      assert.equal(r.stderr.trim(), `berth: ${msg}`);
    }
    assert.equal(e.run(['ps', '-aq']).stdout, before, 'nothing created by a refused --add-host');
  });

  test('container:xa — xb keeps running when A goes; inspect/stop/rm of xb work; start of xb needs xa running', () => {
    e.ok(['run', '-d', '--name', 'xa', 'busybox', 'sleep', '1000']);
    const ipXa = e.inspect('xa').NetworkSettings.IPAddress;
    e.ok(['run', '-d', '--name', 'xb', '--network', 'container:xa', 'busybox', 'sleep', '1000']);
    assert.match(e.ok(['exec', 'xb', 'ip', '-o', '-4', 'addr']), new RegExp(ipXa.replace(/\./g, '\\.')));
    e.ok(['stop', '-t', '1', 'xa']);
    assert.equal(e.inspect('xb').State.Running, true);
    e.ok(['stop', '-t', '1', 'xb']);
    const r = e.run(['start', 'xb']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^berth: cannot join network namespace of a non running container/);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    e.ok(['start', 'xa']);
    e.ok(['start', 'xb']);
    e.ok(['rm', '-f', 'xa']);
    const b = e.inspect('xb');
    assert.equal(b.State.Running, true);
    assert.equal(b.HostConfig.NetworkMode, 'container:xa');
    e.ok(['exec', 'xb', 'true']);
    e.ok(['stop', '-t', '1', 'xb']);
    const gone = e.run(['start', 'xb']);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /No such container: xa/);
    e.ok(['rm', 'xb']);
    assert.equal(e.run(['inspect', 'xb']).code, 1);
  });
  test('network connect switches a running container to the network\'s DNS and adds its address to /etc/hosts; disconnect reverts', () => {
    e.ok(['network', 'create', 'dn1']);
    const gw = store().get('dn1').gateway;
    e.ok(['run', '-d', '--name', 'dpeer', '--network', 'dn1', 'busybox', 'sleep', '1000']);
    e.ok(['run', '-d', '--name', 'dbox', '--network', 'bridge', '--add-host', 'x.local:10.9.9.9', 'busybox', 'sleep', '1000']);
    const cat = (f: string) => e.ok(['exec', 'dbox', 'cat', f]);
    const resolvBefore = cat('/etc/resolv.conf');
    const hostsBefore = cat('/etc/hosts');
    assert.doesNotMatch(resolvBefore, new RegExp(`nameserver ${gw}`));
    e.ok(['network', 'connect', 'dn1', 'dbox']);
    const ip = e.inspect('dbox').NetworkSettings.Networks.dn1.IPAddress;
    const hostname = e.inspect('dbox').Config.Hostname;
    assert.match(cat('/etc/resolv.conf'), new RegExp(`^nameserver ${gw.replace(/\./g, '\\.')}$`, 'm'));
    assert.match(cat('/etc/hosts'), new RegExp(`^${ip.replace(/\./g, '\\.')}\t${hostname}$`, 'm'));
    assert.match(cat('/etc/hosts'), /^10\.9\.9\.9\tx\.local$/m, '--add-host lines stay');
    // The network's DNS answers the connected container: its peer by name.
    const peer = e.inspect('dpeer').NetworkSettings.Networks.dn1.IPAddress;
    assert.match(e.ok(['exec', 'dbox', 'nslookup', 'dpeer']), new RegExp(`Address: ${peer.replace(/\./g, '\\.')}`));
    // A restart keeps both (the start writes the files from every network).
    e.ok(['restart', '-t', '0', 'dbox']);
    const ip2 = e.inspect('dbox').NetworkSettings.Networks.dn1.IPAddress;
    assert.match(cat('/etc/resolv.conf'), new RegExp(`^nameserver ${gw.replace(/\./g, '\\.')}$`, 'm'));
    assert.match(cat('/etc/hosts'), new RegExp(`^${ip2.replace(/\./g, '\\.')}\t${hostname}$`, 'm'));
    e.ok(['network', 'disconnect', 'dn1', 'dbox']);
    assert.equal(cat('/etc/resolv.conf'), resolvBefore);
    const hostsAfter = cat('/etc/hosts');
    assert.deepEqual(hostsAfter.split('\n').filter((l) => l.endsWith(`\t${hostname}`)).map((l) => l.split('\t')[0]), [e.inspect('dbox').NetworkSettings.Networks.bridge.IPAddress]);
    assert.equal(hostsAfter.replace(/^\S+(?=\t[0-9a-f]{12}$)/m, 'IP'), hostsBefore.replace(/^\S+(?=\t[0-9a-f]{12}$)/m, 'IP'));
    e.ok(['rm', '-f', 'dbox', 'dpeer']);
    e.ok(['network', 'rm', 'dn1']);
  });
});
