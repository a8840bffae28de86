import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import { requiresRoot, tmpDir } from '../helpers.js';
import { attachContainer, connectContainer, createNetwork, disconnectContainer, ensureDefaultNetwork, hostIfnameFor, removeNetwork, validateNetworkRequest, NetworkStore } from '../../src/network/index.js';
import { isBerthError } from '../../src/errors.js';
import { LeakCheck, freeSubnet, rand, tryRun } from './networkHarness.js';

/** A process in a new netns (`unshare --net`), the way the runtime hands over a container's init. */
function netnsProcess(): ChildProcess {
  return spawn('unshare', ['--net', '/bin/busybox', 'sleep', '1000'], { stdio: 'ignore' });
}

async function waitNetns(pid: number): Promise<void> {
  const host = fs.readlinkSync('/proc/self/ns/net');
  for (let i = 0; i < 1000; i++) {
    try {
      if (fs.readlinkSync(`/proc/${pid}/ns/net`) !== host) return;
    } catch {
      /* not there yet */
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`pid ${pid} never got its own netns`);
}

describe('network: connectContainer, the engine\'s call with /proc/<pid>/ns/net', requiresRoot, () => {
  const root = tmpDir();
  const S = freeSubnet();
  const leak = new LeakCheck(root);
  const procs: ChildProcess[] = [];
  const ids: string[] = [];

  before(async () => {
    leak.trackNet(await ensureDefaultNetwork(root, { bridge: `berthC${rand()}`, subnet: S.cidr }));
  });
  after(async () => {
    for (const id of ids) await disconnectContainer(root, id).catch(() => undefined);
    await removeNetwork(root, 'bridge', { allowDefault: true }).catch(() => undefined);
    for (const p of procs) if (p.pid && p.exitCode === null) process.kill(p.pid, 'SIGKILL');
    fs.rmSync(root, { recursive: true, force: true });
    assert.deepEqual(leak.leaks(), []);
  });

  test('bridge: address inside the process netns, ports, files; disconnect cleans up', async () => {
    const p = netnsProcess();
    procs.push(p);
    await waitNetns(p.pid!);
    const id = `c${rand()}`.padEnd(64, '0');
    ids.push(id);
    const r = await connectContainer({ root, containerId: id, name: 'web', hostname: 'webhost', publish: ['127.0.0.1::80'], publishAll: true, exposed: ['53/udp'] }, p.pid!);
    assert.equal(r.mode.kind, 'network');
    leak.trackAttach(r.attach!);
    assert.equal(r.attach!.ip, S.at(2));
    assert.deepEqual(r.attach!.ports.map((x) => `${x.containerPort}/${x.protocol}`), ['80/tcp', '53/udp']);
    assert.equal(r.files!.hostname, 'webhost\n');
    const inside = tryRun('nsenter', [`--net=/proc/${p.pid}/ns/net`, 'ip', '-4', '-o', 'addr']).out;
    assert.ok(inside.includes(`${S.at(2)}/24`), inside);
    await disconnectContainer(root, id);
    assert.deepEqual(new NetworkStore(root).get('bridge').endpoints, {});
    assert.ok(!fs.existsSync(`/sys/class/net/${r.attach!.hostIfname}`));
  });

  test('none: only lo, and it is up; host: the host\'s files; container: nothing to do', async () => {
    const p = netnsProcess();
    procs.push(p);
    await waitNetns(p.pid!);
    const r = await connectContainer({ root, containerId: 'n'.repeat(64), name: 'n', network: 'none', publish: ['80'] }, p.pid!);
    assert.equal(r.attach, undefined);
    const links = tryRun('nsenter', [`--net=/proc/${p.pid}/ns/net`, 'ip', '-o', 'link']).out.trim().split('\n');
    assert.equal(links.length, 1);
    assert.match(links[0], /lo: <LOOPBACK,UP,LOWER_UP>/);
    const h = await connectContainer({ root, containerId: 'h'.repeat(64), name: 'h', network: 'host' }, process.pid);
    assert.equal(h.files!.resolvConf, fs.readFileSync('/etc/resolv.conf', 'utf8'));
    const c = await connectContainer({ root, containerId: 'k'.repeat(64), name: 'k', network: 'container:web' }, process.pid);
    assert.deepEqual(c, { mode: { kind: 'container', ref: 'web' } });
  });

  test('a failed attach leaves nothing behind', async () => {
    const p = netnsProcess();
    procs.push(p);
    await waitNetns(p.pid!);
    const id = `f${rand()}`.padEnd(64, '0');
    ids.push(id);
    // A fixed address outside the subnet fails in IPAM; a netns that is gone fails before it.
    await assert.rejects(connectContainer({ root, containerId: id, name: 'f', ip: '10.99.99.99' }, p.pid!), (e: unknown) => isBerthError(e, 'InvalidArgument'));
    await assert.rejects(connectContainer({ root, containerId: id, name: 'f' }, 999999999), (e: unknown) => isBerthError(e, 'NotFound'));
    // The interface name is taken inside: the veth step fails and the reservation is rolled back.
    tryRun('nsenter', [`--net=/proc/${p.pid}/ns/net`, 'ip', 'link', 'add', 'eth0', 'type', 'bridge']);
    await assert.rejects(connectContainer({ root, containerId: id, name: 'f', publish: ['80'] }, p.pid!));
    assert.deepEqual(new NetworkStore(root).get('bridge').endpoints, {});
    assert.ok(!fs.readdirSync('/sys/class/net').some((l) => l === hostIfnameFor(new NetworkStore(root).get('bridge').id, id)));
    assert.doesNotMatch(tryRun('iptables-save', ['-t', 'nat']).out, new RegExp(`--to-destination ${S.at(2).replace(/\./g, '\\.')}:`));
  });

  test('network connect to a second network: eth1, default route stays on the first', async () => {
    const p = netnsProcess();
    procs.push(p);
    await waitNetns(p.pid!);
    const id = `m${rand()}`.padEnd(64, '0');
    ids.push(id);
    const T = freeSubnet();
    const other = `multi-${rand()}`;
    leak.trackNet(await createNetwork(root, { name: other, subnet: T.cidr, dnsUpstream: [] }));
    try {
      const first = await connectContainer({ root, containerId: id, name: 'm' }, p.pid!);
      leak.trackAttach(first.attach!);
      const second = await attachContainer({ root, containerId: id, name: 'm', netnsPath: `/proc/${p.pid}/ns/net`, network: other });
      leak.trackAttach(second);
      assert.equal(second.ifname, 'eth1');
      const routes = tryRun('nsenter', [`--net=/proc/${p.pid}/ns/net`, 'ip', 'route']).out;
      assert.match(routes, new RegExp(`default via ${S.at(1).replace(/\./g, '\\.')} dev eth0`));
      assert.ok(routes.includes(`${T.cidr} dev eth1`));
      await disconnectContainer(root, id);
    } finally {
      await removeNetwork(root, other);
    }
  });

  test('validateNetworkRequest: bad flags are InvalidArgument before anything is created', () => {
    assert.throws(() => validateNetworkRequest({ publish: ['x:80'] }), (e: unknown) => isBerthError(e, 'InvalidArgument'));
    assert.throws(() => validateNetworkRequest({ rate: 'fast' }), (e: unknown) => isBerthError(e, 'InvalidArgument'));
    assert.deepEqual(validateNetworkRequest({ network: 'host', publish: ['80'] }).ports, []);
  });
});
