/** --add-host parsing, inspect's Networks from the network files, the monitor's on_exit command. No root. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { tmpDir } from '../helpers.js';
import { extraHostLines, parseExtraHost } from '../../src/network/etcFiles.js';
import { isBerthError } from '../../src/errors.js';
import { networksOf } from '../../src/engine/network.js';
import { exitCommand } from '../../src/engine/cleanupContainer.js';
import { ContainerStore } from '../../src/engine/ContainerStore.js';
import type { ContainerRecord } from '../../src/engine/types.js';

test('parseExtraHost: host:ip, host=ip, IPv6, host-gateway; Docker wording for bad values', () => {
  assert.deepEqual(parseExtraHost('db:10.0.0.5'), { host: 'db', ip: '10.0.0.5' });
  assert.deepEqual(parseExtraHost('db=10.0.0.5'), { host: 'db', ip: '10.0.0.5' });
  assert.deepEqual(parseExtraHost('six:::1'), { host: 'six', ip: '::1' });
  assert.deepEqual(parseExtraHost('six=[fe80::1]'), { host: 'six', ip: 'fe80::1' });
  assert.deepEqual(parseExtraHost('gw:host-gateway'), { host: 'gw', ip: 'host-gateway' });
  const bad: [string, string][] = [
    ['x', 'invalid argument "x" for "--add-host" flag: bad format for add-host: "x"'],
    [':1.2.3.4', 'invalid argument ":1.2.3.4" for "--add-host" flag: bad format for add-host: ":1.2.3.4"'],
    ['h:1.2.3', 'invalid argument "h:1.2.3" for "--add-host" flag: invalid IP address in add-host: "1.2.3"'],
    ['h:gateway', 'invalid argument "h:gateway" for "--add-host" flag: invalid IP address in add-host: "gateway"'],
    ['h:1::2::3', 'invalid argument "h:1::2::3" for "--add-host" flag: invalid IP address in add-host: "1::2::3"'],
  ];
  for (const [v, msg] of bad) {
    assert.throws(() => parseExtraHost(v), (e: unknown) => isBerthError(e, 'InvalidArgument') && (e as Error).message === msg, v);
  }
});

test('extraHostLines: one tab-separated line per value, host-gateway resolved', () => {
  assert.equal(extraHostLines(['a:1.1.1.1', 'gw:host-gateway'], '10.0.0.1'), '1.1.1.1\ta\n10.0.0.1\tgw\n');
  assert.equal(extraHostLines(['gw:host-gateway'], undefined), '');
});

function record(id: string, over: Partial<ContainerRecord> = {}): ContainerRecord {
  return {
    Id: id, Name: '/c1', Image: 'sha256:x', Created: '', Path: 'sh', Args: [], SnapshotKey: id, RestartCount: 0, Mounts: [],
    State: { Status: 'exited', Running: false, StartedAt: '', FinishedAt: '', Error: '' },
    Config: { Hostname: 'h', Domainname: '', User: '', AttachStdin: false, AttachStdout: false, AttachStderr: false, Tty: false, OpenStdin: false, Env: [], Cmd: null, Entrypoint: null, Image: 'busybox', Volumes: null, WorkingDir: '', Labels: {}, StopSignal: 'SIGTERM' },
    HostConfig: { NetworkMode: 'n1', AutoRemove: false } as ContainerRecord['HostConfig'],
    ...over,
  };
}

test('networksOf: configured networks in order, live endpoints filled, stopped ones empty with their NetworkID', () => {
  const root = tmpDir();
  try {
    const id = 'a'.repeat(64);
    fs.mkdirSync(path.join(root, 'networks'));
    const net = (name: string, n: number, eps: Record<string, unknown>) => fs.writeFileSync(path.join(root, 'networks', `${name}.json`), JSON.stringify({
      name, id: `${n}`.repeat(64), subnet: `10.${n}.0.0/24`, gateway: `10.${n}.0.1`, endpoints: eps,
    }));
    net('n1', 1, { [id]: { containerId: id, name: 'c1', aliases: [], ip: '10.1.0.2', mac: '02:42:0a:01:00:02', hostIfname: 'bvx', ifname: 'eth0', netnsPath: '', ports: [] } });
    net('n2', 2, {});
    const rec = record(id, { ConnectedNetworks: { n2: { NetworkID: '2'.repeat(64), Aliases: ['web'] } } });
    const got = networksOf(new ContainerStore(root), rec);
    assert.deepEqual(Object.keys(got), ['n1', 'n2']);
    assert.equal(got.n1.IPAddress, '10.1.0.2');
    assert.equal(got.n1.IPPrefixLen, 24);
    assert.equal(got.n1.Gateway, '10.1.0.1');
    assert.equal(got.n1.EndpointID, 'bvx');
    assert.equal(got.n1.Aliases, null);
    assert.equal(got.n2.IPAddress, '');
    assert.equal(got.n2.Gateway, '');
    assert.equal(got.n2.NetworkID, '2'.repeat(64));
    assert.deepEqual(got.n2.Aliases, ['web']);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('exitCommand: rm -f for a detached --rm container, cleanup for a bridged one, nothing for none/--rm in the foreground', () => {
  const store = new ContainerStore('/nonexistent-root');
  const tail = (a: string[] | undefined) => a?.slice(a.indexOf('--root')).join(' ');
  const id = 'b'.repeat(64);
  assert.equal(tail(exitCommand(store, record(id), '/x/berth.js', false)), `--root /nonexistent-root container cleanup ${id}`);
  const cleanup = exitCommand(store, record(id), '/x/berth.js', false)!;
  assert.deepEqual(cleanup.slice(0, 4), ['/bin/sh', '-c', '[ -e "$0" ] || exec "$@"', `/nonexistent-root/runtime/${id}/network-released-by-caller`]);
  assert.equal(tail(exitCommand(store, record(id), '/x/berth.js', true)), `--root /nonexistent-root rm -f ${id}`);
  assert.equal(exitCommand(store, record(id, { HostConfig: { NetworkMode: 'none', AutoRemove: false } as ContainerRecord['HostConfig'] }), '/x/berth.js', false), undefined);
  assert.equal(exitCommand(store, record(id, { HostConfig: { NetworkMode: 'bridge', AutoRemove: true } as ContainerRecord['HostConfig'] }), '/x/berth.js', false), undefined);
});
