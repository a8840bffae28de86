import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { requiresRoot, tmpDir } from '../helpers.js';
import { createNetwork, removeNetwork, detachContainer, hostIfnameFor, NetworkStore } from '../../src/network/index.js';
import { Netns, LeakCheck, freeSubnet, rand } from './networkHarness.js';

const worker = path.join(path.dirname(fileURLToPath(import.meta.url)), 'networkAttachWorker.js');

function runWorker(args: string[]): Promise<{ ip?: string; mac?: string }> {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, [worker, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    c.stderr.on('data', (d: Buffer) => (err += d.toString()));
    c.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`worker exited ${code}: ${err}`))));
  });
}

describe('network: 20 concurrent attaches from 20 processes', requiresRoot, () => {
  const root = tmpDir();
  const net = `conc-${rand()}`;
  const nss: Netns[] = [];
  const ids = Array.from({ length: 20 }, (_, i) => `${i.toString(16).padStart(2, '0')}${rand()}`.padEnd(64, 'f'));
  const leak = new LeakCheck(root);
  const S = freeSubnet();

  before(async () => {
    for (let i = 0; i < 20; i++) nss.push(new Netns());
    leak.trackNet(await createNetwork(root, { name: net, subnet: S.cidr, dnsUpstream: [] }));
  });

  after(async () => {
    for (const id of ids) await detachContainer({ root, containerId: id, network: net }).catch(() => undefined);
    await removeNetwork(root, net).catch(() => undefined);
    for (const n of nss) {
      leak.track(n.name);
      n.cleanup();
    }
    fs.rmSync(root, { recursive: true, force: true });
    assert.deepEqual(leak.leaks(), [], 'no leaked links, rules, netns, addresses or processes');
  });

  test('20 distinct addresses, each configured in its netns, all reachable', async () => {
    const res = await Promise.all(ids.map((id, i) => runWorker(['attach', root, id, nss[i].path, net])));
    const ips = res.map((r) => r.ip!);
    ids.forEach((id) => leak.track(hostIfnameFor(new NetworkStore(root).get(net).id, id)));
    assert.equal(new Set(ips).size, 20, ips.join(' '));
    assert.equal(new Set(res.map((r) => r.mac)).size, 20);
    assert.equal(Object.keys(new NetworkStore(root).get(net).endpoints).length, 20);
    for (let i = 0; i < 20; i++) assert.match(nss[i].exec(['ip', '-4', 'addr', 'show', 'eth0']).out, new RegExp(`inet ${ips[i].replace(/\./g, '\\.')}/24`));
    const r = nss[0].exec(['/bin/busybox', 'ping', '-c', '1', '-W', '5', ips[19]]);
    assert.equal(r.status, 0, r.out);
  });

  test('20 concurrent detaches leave no endpoint and no veth', async () => {
    await Promise.all(ids.map((id, i) => runWorker(['detach', root, id, nss[i].path, net])));
    assert.deepEqual(new NetworkStore(root).get(net).endpoints, {});
    const id = new NetworkStore(root).get(net).id;
    assert.deepEqual(ids.map((c) => hostIfnameFor(id, c)).filter((v) => fs.existsSync(`/sys/class/net/${v}`)), []);
  });
});
