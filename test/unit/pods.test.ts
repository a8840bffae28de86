/** Pods without root: --share parsing, the pod cgroup's resources, the pause layer, the store's names, pod status, the uts join mode. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { tmpDir } from '../helpers.js';
import { parseShare } from '../../src/engine/pods/createPod.js';
import { podResources, podCgroupPath } from '../../src/engine/pods/podCgroup.js';
import { pauseLayer } from '../../src/engine/pods/pauseImage.js';
import { PodStore, type PodRecord } from '../../src/engine/pods/PodStore.js';
import { podStatus, type PodMember } from '../../src/engine/pods/podContainers.js';
import { TarParser } from '../../src/image/tar/TarParser.js';
import { isBerthError } from '../../src/errors.js';
import { modeNamespaces, parseNamespaceFlags } from '../../src/engine/namespaceModes.js';

const pod = (id: string, name: string): PodRecord => ({
  Id: id, Name: name, Created: new Date().toISOString(), Labels: {}, Hostname: name, SharedNamespaces: ['net'], Network: 'bridge', Publish: [], Memory: 0, NanoCpus: 0, CgroupParent: podCgroupPath(id),
});

describe('pods (no root)', () => {
  test('--share: default net,ipc,uts; a list; bad names refused', () => {
    assert.deepEqual(parseShare(undefined), ['net', 'ipc', 'uts']);
    assert.deepEqual(parseShare('net, pid,net'), ['net', 'pid']);
    assert.deepEqual(parseShare(''), []);
    assert.throws(() => parseShare('net,mnt'), (e) => isBerthError(e, 'InvalidArgument') && /invalid namespace "mnt"/.test(e.message));
  });

  test('pod limits -> OCI resources on the pod cgroup (berth/pod-<id>)', () => {
    assert.deepEqual(podResources({ Memory: 64 << 20, NanoCpus: 1.5e9 }), { memory: { limit: 64 << 20, swap: 64 << 20 }, cpu: { period: 100000, quota: 150000 } });
    assert.deepEqual(podResources({ Memory: 0, NanoCpus: 0 }), {});
    assert.equal(podCgroupPath('ab12'), 'berth/pod-ab12');
  });

  test('the pause layer holds /pause (executable, the helper\'s bytes) and the mount points', () => {
    const helper = Buffer.from('\x7fELF not really');
    const got: { name: string; type: string; mode: number; body: string }[] = [];
    const p = new TarParser({
      entry: (e) => { got.push({ name: e.name, type: e.type, mode: e.mode, body: '' }); },
      data: (c) => { got[got.length - 1].body += c.toString('latin1'); },
      entryEnd: () => undefined,
    });
    p.write(pauseLayer(helper));
    p.end();
    const f = got.find((e) => e.name === 'pause')!;
    assert.equal(f.type, 'file');
    assert.equal(f.mode & 0o777, 0o755);
    assert.equal(f.body, helper.toString('latin1'));
    assert.deepEqual(got.filter((e) => e.type === 'dir').map((e) => e.name.replace(/\/$/, '')).sort(), ['dev', 'etc', 'proc', 'sys', 'tmp']);
  });

  test('the store: one name per pod, lookup by name, ID and unique prefix; remove frees the name', () => {
    const root = tmpDir('berth-podstore-');
    try {
      const s = new PodStore(root);
      const a = pod('a'.repeat(64), 'one');
      const b = pod(`ab${'c'.repeat(62)}`, 'two');
      for (const p of [a, b]) {
        s.claimName(p.Name, p.Id);
        s.write(p);
      }
      assert.throws(() => s.claimName('one', b.Id), (e) => isBerthError(e, 'AlreadyExists') && /pod name "one" is in use/.test(e.message));
      assert.equal(s.find('one').Id, a.Id);
      assert.equal(s.find(b.Id).Name, 'two');
      assert.equal(s.find('abc').Name, 'two');
      assert.throws(() => s.find('a'), (e) => isBerthError(e, 'InvalidArgument'));
      assert.throws(() => s.find('nope'), (e) => isBerthError(e, 'NotFound') && e.message === 'no such pod: nope');
      s.remove(a);
      s.claimName('one', b.Id);
      assert.equal(s.list().length, 1);
      assert.deepEqual(fs.readdirSync(`${root}/pods`).filter((n) => n.includes('.tmp')), []);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  test('pod status from its containers (podman\'s words); the infra counts only alone', () => {
    const m = (Status: string, infra = false): PodMember => ({ infra, rec: {} as never, state: { Status, Running: Status === 'running' || Status === 'paused', Paused: Status === 'paused' } as never });
    assert.equal(podStatus([]), 'Created');
    assert.equal(podStatus([m('created', true)]), 'Created');
    assert.equal(podStatus([m('running', true)]), 'Running');
    assert.equal(podStatus([m('running', true), m('running'), m('exited')]), 'Degraded');
    assert.equal(podStatus([m('running', true), m('running'), m('running')]), 'Running');
    assert.equal(podStatus([m('exited', true), m('exited')]), 'Exited');
    assert.equal(podStatus([m('paused', true), m('paused')]), 'Paused');
  });

  test('--uts container:<x> joins that namespace by path; other values refused', () => {
    const modes = parseNamespaceFlags({ uts: 'container:infra' });
    assert.equal(modes.UTSMode, 'container:infra');
    assert.deepEqual(modeNamespaces(modes, { uts: '/proc/9/ns/uts' }).find((n) => n.type === 'uts'), { type: 'uts', path: '/proc/9/ns/uts' });
    assert.throws(() => modeNamespaces(modes, {}), (e) => isBerthError(e, 'InvalidArgument'));
    assert.throws(() => parseNamespaceFlags({ uts: 'private' }), (e) => isBerthError(e, 'InvalidArgument'));
  });
});
