import test from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fixturesDir } from '../helpers.js';
import { detectCgroupLayout, parseCgroupMounts } from '../../src/runtime/cgroups/index.js';
import { isBerthError } from '../../src/errors.js';
import { fixtureTree } from './cgroupFixtures.js';

test('cgroup layout: hybrid (v1 controllers + cgroup2 with hugetlb), as on the dev VM', (t) => {
  const f = fixtureTree('hybrid');
  t.after(f.cleanup);
  assert.equal(f.layout.mode, 'hybrid');
  assert.equal(f.layout.v1.memory, path.join(f.root, 'memory'));
  assert.equal(f.layout.v1.cpu, path.join(f.root, 'cpu'));
  assert.equal(f.layout.v1.cpuacct, path.join(f.root, 'cpuacct'));
  assert.equal(f.layout.v1['name=systemd'], undefined);
  assert.equal(f.layout.unified, path.join(f.root, 'unified'));
  assert.deepEqual(f.layout.unifiedControllers, ['hugetlb']);
});

test('cgroup layout: v1 with co-mounted cpu,cpuacct and net_cls,net_prio', (t) => {
  const f = fixtureTree('v1');
  t.after(f.cleanup);
  assert.equal(f.layout.mode, 'v1');
  assert.equal(f.layout.v1.cpu, path.join(f.root, 'cpu,cpuacct'));
  assert.equal(f.layout.v1.cpuacct, path.join(f.root, 'cpu,cpuacct'));
  assert.equal(f.layout.v1.net_prio, path.join(f.root, 'net_cls,net_prio'));
  assert.equal(f.layout.v1.clone_children, undefined);
  assert.equal(f.layout.unified, null);
});

test('cgroup layout: unified v2', (t) => {
  const f = fixtureTree('v2');
  t.after(f.cleanup);
  assert.equal(f.layout.mode, 'v2');
  assert.equal(f.layout.unified, f.root);
  assert.deepEqual(Object.keys(f.layout.v1), []);
  assert.ok(f.layout.unifiedControllers.includes('memory'));
});

test('cgroup layout: no cgroup mount is a one-line FailedPrecondition', () => {
  assert.throws(() => detectCgroupLayout('/nonexistent-root', path.join(fixturesDir, 'cgroup', 'mountinfo-none')), (e) => isBerthError(e, 'FailedPrecondition'));
});

test('cgroup layout: mountinfo parser unescapes octal and skips other filesystems', () => {
  const m = parseCgroupMounts('40 31 0:37 / /sys/fs/cgroup/a\\040b rw - cgroup cgroup rw,pids\n41 1 0:1 / /x rw - ext4 /dev/vda rw\n');
  assert.deepEqual(m, [{ mountPoint: '/sys/fs/cgroup/a b', fsType: 'cgroup', superOptions: ['rw', 'pids'] }]);
});

test('cgroup layout: a long-lived process sees a hierarchy mounted between two commands', async (t) => {
  const { cgroupLayout, useMountinfo } = await import('../../src/runtime/hostCgroupLayout.js');
  const fs = await import('node:fs');
  const { tmpDir } = await import('../helpers.js');
  const dir = tmpDir('berth-mountinfo-');
  t.after(() => { useMountinfo(); fs.rmSync(dir, { recursive: true, force: true }); });
  const file = path.join(dir, 'mountinfo');
  const line = (id: number, ctrl: string) => `${id} 31 0:${id} / /sys/fs/cgroup/${ctrl} rw,relatime - cgroup cgroup rw,${ctrl}`;
  const base = ['31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755', line(32, 'memory'), line(33, 'pids'), '50 23 0:50 / /tmp rw - tmpfs tmpfs rw'];
  fs.writeFileSync(file, base.join('\n') + '\n');
  useMountinfo(file);
  const first = cgroupLayout();
  assert.deepEqual(Object.keys(first.v1).sort(), ['memory', 'pids']);
  // A mount elsewhere leaves the layout (and the cached object) as it was.
  fs.writeFileSync(file, [...base, '51 23 0:51 / /mnt rw - tmpfs tmpfs rw'].join('\n') + '\n');
  assert.equal(cgroupLayout(), first);
  fs.writeFileSync(file, [...base, line(34, 'hugetlb')].join('\n') + '\n');
  assert.equal(cgroupLayout().v1.hugetlb, '/sys/fs/cgroup/hugetlb');
  fs.writeFileSync(file, [base[0], line(32, 'memory')].join('\n') + '\n');
  assert.deepEqual(Object.keys(cgroupLayout().v1), ['memory']);
});
