/**
 * A warm process (the accelerator) across a change of the host's cgroup layout: the layout is
 * re-read per command, and a container's cgroup stays on the hierarchies it was created in.
 * The host's mounts are never touched: the runtime reads a mountinfo copy lacking one v1
 * hierarchy, then the real one (what a host mounting that hierarchy looks like), then the copy.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createContainer } from '../../src/runtime/createContainer.js';
import { execContainer } from '../../src/runtime/execContainer.js';
import { useMountinfo } from '../../src/runtime/hostCgroupLayout.js';
import { deleteContainer } from '../../src/runtime/lifecycle.js';
import { requiresRoot, tmpDir } from '../helpers.js';
import { cleanupBundle, makeBundle } from '../runtimeHelpers.js';

const proc = (args: string[]) => ({ args, cwd: '/', user: { uid: 0, gid: 0 }, env: ['PATH=/bin'] });

/** Every directory the container has under any hierarchy (berth/<id>). */
function cgroupDirs(rel: string): string[] {
  return fs.readdirSync('/sys/fs/cgroup').map((h) => path.join('/sys/fs/cgroup', h, rel)).filter((d) => fs.existsSync(d));
}

test('one process: create, exec and delete across a cgroup hierarchy appearing and vanishing', requiresRoot, async (t) => {
  const real = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  const pidsLine = real.split('\n').find((l) => / - cgroup cgroup .*\bpids\b/.test(l));
  if (!pidsLine) return t.skip('no v1 pids hierarchy on this host');
  const b = makeBundle((s) => { s.process!.args = ['sleep', '100']; s.linux!.resources = {}; });
  const dir = tmpDir('berth-mountinfo-');
  const without = path.join(dir, 'mountinfo');
  fs.writeFileSync(without, real.split('\n').filter((l) => l !== pidsLine).join('\n'));
  const pidsRoot = pidsLine.split(' ')[4];
  after(async () => {
    useMountinfo();
    for (const id of ['lay-a', 'lay-b']) await deleteContainer(b.root, id, true).catch(() => {});
    for (const id of ['lay-a', 'lay-b']) for (const d of cgroupDirs(`berth/${id}`)) try { fs.rmdirSync(d); } catch { /* busy or gone */ }
    cleanupBundle(b);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const start = async (id: string) => {
    const c = await createContainer({ root: b.root, id, bundle: b.dir, spec: b.spec, holdForStart: false, stdio: { mode: 'log', path: path.join(b.dir, `${id}.log`), maxSize: 1e6, maxFiles: 1 } });
    c.helper.detach();
  };

  useMountinfo(without);
  await start('lay-a');
  assert.ok(!fs.existsSync(path.join(pidsRoot, 'berth/lay-a')), 'created without the pids hierarchy');

  useMountinfo(); // the host "mounted" pids
  assert.equal(await execContainer({ root: b.root, id: 'lay-a', process: proc(['true']), stdin: false }), 0);
  await start('lay-b');
  assert.ok(fs.existsSync(path.join(pidsRoot, 'berth/lay-b')), 'the next create sees the new hierarchy');

  useMountinfo(without); // and "unmounted" it again
  assert.equal(await execContainer({ root: b.root, id: 'lay-b', process: proc(['sh', '-c', 'exit 3']), stdin: false }), 3);
  const procs = fs.readFileSync(path.join(pidsRoot, 'berth/lay-b/cgroup.procs'), 'utf8').trim().split('\n');
  assert.equal(procs.length, 1, 'the exec joined and left the recorded pids cgroup; only the init remains');
  await deleteContainer(b.root, 'lay-a', true);
  await deleteContainer(b.root, 'lay-b', true);
  assert.deepEqual([...cgroupDirs('berth/lay-a'), ...cgroupDirs('berth/lay-b')], []);
});
