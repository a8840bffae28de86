import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import { requiresRoot, tmpDir, berthBin } from '../helpers.js';
import { removeNetwork } from '../../src/network/index.js';
import { Netns, LeakCheck, freeSubnet, rand } from './networkHarness.js';
import { NetworkStore } from '../../src/network/index.js';

describe('berth network CLI', requiresRoot, () => {
  const root = tmpDir();
  const name = `cli-${rand()}`;
  const leak = new LeakCheck(root);
  const S = freeSubnet();
  let ns: Netns;
  const berth = (...args: string[]) => {
    const r = spawnSync(process.execPath, [berthBin, ...args], { encoding: 'utf8', env: { ...process.env, BERTH_ROOT: root } });
    return { status: r.status, out: r.stdout, err: r.stderr };
  };

  before(() => {
    ns = new Netns();
  });
  after(async () => {
    berth('network', 'disconnect', name, 'ctr1');
    await removeNetwork(root, name).catch(() => undefined);
    leak.track(ns.name);
    ns.cleanup();
    fs.rmSync(root, { recursive: true, force: true });
    assert.deepEqual(leak.leaks(), []);
  });

  test('create, ls, inspect, connect, disconnect, rm', () => {
    const c = berth('network', 'create', '--subnet', S.cidr, '--label', 'team=net', name);
    leak.trackNet(new NetworkStore(root).get(name));
    assert.equal(c.status, 0, c.err);
    assert.match(c.out, /^[0-9a-f]{64}\n$/);
    const ls = berth('network', 'ls');
    assert.match(ls.out, /^NETWORK ID\s+NAME\s+DRIVER\s+SCOPE\n/);
    assert.match(ls.out, new RegExp(`^${c.out.slice(0, 12)}\\s+${name}\\s+bridge\\s+local$`, 'm'));
    assert.match(ls.out, /\sbridge\s+bridge\s+local/);
    assert.match(berth('network', 'ls', '--format', '{{.Name}} {{.Labels}} {{.Internal}}').out, new RegExp(`^${name} team=net false$`, 'm'));
    const conn = berth('network', 'connect', '--alias', 'api', '--netns', ns.path, name, 'ctr1');
    assert.equal(conn.status, 0, conn.err);
    const [info] = JSON.parse(berth('network', 'inspect', name).out);
    assert.equal(info.Name, name);
    assert.deepEqual(info.IPAM.Config, [{ Subnet: S.cidr, Gateway: S.at(1) }]);
    assert.deepEqual(info.Labels, { team: 'net' });
    assert.equal(berth('network', 'inspect', '-f', '{{.Name}} {{.Driver}}', name).out.trim(), `${name} bridge`);
    assert.equal(info.Containers.ctr1.IPv4Address, `${S.at(2)}/24`);
    leak.track(info.Containers.ctr1.EndpointID);
    assert.ok(ns.exec(['ip', '-4', 'addr']).out.includes(`${S.at(2)}/24`));
    const busy = berth('network', 'rm', name);
    assert.equal(busy.status, 1);
    assert.match(busy.err, /has active endpoints/);
    assert.equal(berth('network', 'disconnect', name, 'ctr1').status, 0);
    assert.equal(berth('network', 'rm', name).out, `${name}\n`);
    assert.doesNotMatch(berth('network', 'ls').out, new RegExp(name));
  });

  test('bad input: one line, non-zero exit, no stack', () => {
    for (const args of [
      ['network', 'create', '--subnet', '10.213.31.1/24', `x-${rand()}`],
      ['network', 'create', '--subnet', 'nonsense', `x-${rand()}`],
      ['network', 'create', 'host'],
      ['network', 'rm', 'bridge'],
      ['network', 'inspect', 'nope-none'],
      ['network', 'connect', 'bridge', 'ctr9'],
      ['network', 'create', '-d', 'overlay', `x-${rand()}`],
    ]) {
      const r = berth(...args);
      assert.notEqual(r.status, 0, args.join(' '));
      const lines = r.err.trim().split('\n');
      assert.equal(lines.length, 1, `${args.join(' ')}: ${r.err}`);
      assert.match(lines[0], /^berth: /);
      assert.doesNotMatch(r.err, /\n\s+at /);
    }
  });
});
