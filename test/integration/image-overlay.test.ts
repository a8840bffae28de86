import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { test } from 'node:test';
import { ImageStore } from '../../src/image/ImageStore.js';
import { loadArchive } from '../../src/image/loadArchive.js';
import { TarParser } from '../../src/image/tar/TarParser.js';
import { dumpXattrs, setXattrs } from '../../src/sys/xattr.js';
import { requiresRoot, tmpDir } from '../helpers.js';
import { dockerArchive, layerTar, newEntry } from '../imageHelpers.js';

const f = (name: string, body: string, extra = {}) => [newEntry({ name, type: 'file', mode: 0o644, mtime: 1600000000, ...extra }), Buffer.from(body)] as [ReturnType<typeof newEntry>, Buffer];
const d = (name: string, extra = {}) => [newEntry({ name, type: 'dir', mode: 0o755, mtime: 1600000000, ...extra })] as [ReturnType<typeof newEntry>];

/** Mount `mounts[0]` in a private mount namespace and list the merged tree (gone when unshare exits). */
function mergedListing(opts: string[], mnt: string, extra = ' && cat dir/c keep'): string[] {
  const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', `mount -t overlay overlay -o "$1" "$2" && cd "$2" && find . -mindepth 1 | sort${extra}`, 'sh', opts.join(','), mnt], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim().split('\n');
}

function tarNames(buf: Buffer): string[] {
  const names: string[] = [];
  const p = new TarParser({ entry: (e) => names.push(e.name.replace(/\/$/, '')), data: () => {}, entryEnd: () => {} });
  p.write(buf);
  p.end();
  return names.sort();
}

const L1 = layerTar([d('dir/'), f('dir/a', 'a'), f('dir/b', 'b'), f('f', 'f'), f('keep', 'keep\n'), d('gone/'), f('gone/x', 'x')]);
const L2 = layerTar([f('.wh.f', ''), d('dir/'), f('dir/.wh..wh..opq', ''), f('dir/c', 'c\n'), f('.wh.gone', '')]);

test('whiteouts and opaque dirs give the right merged view (real overlay mount)', requiresRoot, async (t) => {
  const root = tmpDir('berth-ovl-');
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  const store = ImageStore.open(path.join(root, 'r'));
  await loadArchive(store, Readable.from([dockerArchive([L1, L2], { tag: 'wh:1' })]));
  const top = store.layers.diffDir(store.resolve('wh:1').config.rootfs.diff_ids[1]);
  const st = fs.lstatSync(path.join(top, 'f'));
  assert.ok(st.isCharacterDevice() && st.rdev === 0, 'f is a whiteout');
  assert.equal(dumpXattrs(path.join(top, 'dir')).get(path.join(top, 'dir'))?.get('trusted.overlay.opaque')?.toString(), 'y');
  const mounts = await store.prepareSnapshot('c1', 'wh:1');
  assert.equal(mounts.length, 1);
  assert.equal(mounts[0].type, 'overlay');
  const mnt = path.join(root, 'mnt');
  fs.mkdirSync(mnt);
  const out = mergedListing(mounts[0].options, mnt);
  assert.deepEqual(out, ['./dir', './dir/c', './keep', 'c', 'keep']);
  // the same view computed without mounting (export)
  const pt = new PassThrough();
  const chunks: Buffer[] = [];
  pt.on('data', (c: Buffer) => chunks.push(c));
  await store.exportSnapshot('c1', pt);
  assert.deepEqual(tarNames(Buffer.concat(chunks)), ['dir', 'dir/c', 'keep']);
  store.removeSnapshot('c1');
  assert.ok(!fs.existsSync(path.join(store.root, 'snapshots', 'c1')));
});

test('diff and commit: overlay whiteouts in the upper dir become .wh. entries', requiresRoot, async (t) => {
  const root = tmpDir('berth-commit-');
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  const store = ImageStore.open(path.join(root, 'r'));
  await loadArchive(store, Readable.from([dockerArchive([L1], { tag: 'base:1' })]));
  const mounts = await store.prepareSnapshot('c2', 'base:1');
  const mnt = path.join(root, 'mnt');
  fs.mkdirSync(mnt);
  const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', 'mount -t overlay overlay -o "$1" "$2" && cd "$2" && rm f && rm -r dir && mkdir dir && echo n > dir/new && echo k2 >> keep && echo add > added', 'sh', mounts[0].options.join(','), mnt], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const diff = store.diffSnapshot('c2').map((c) => `${'CAD'[c.Kind]} ${c.Path}`);
  assert.deepEqual(diff, ['A /added', 'C /dir', 'D /dir/a', 'D /dir/b', 'A /dir/new', 'D /f', 'C /keep']);
  const id = await store.commitSnapshot('c2', { tag: 'committed:1', changes: ['CMD ["/bin/true"]'], comment: 'test' });
  const img = store.resolve('committed:1');
  assert.equal(img.id, id);
  assert.equal(img.config.rootfs.diff_ids.length, 2);
  assert.deepEqual(img.config.config?.Cmd, ['/bin/true']);
  const layerBlob = store.content.read(img.manifest.layers[1].digest);
  const names = tarNames(layerBlob);
  assert.ok(names.includes('.wh.f'), names.join(','));
  assert.ok(names.includes('dir/.wh..wh..opq'), names.join(','));
  assert.ok(!names.some((n) => n.includes('trusted.overlay')));
  await store.prepareSnapshot('c3', 'committed:1');
  assert.deepEqual(mergedListing(store.snapshotMounts('c3')[0].options, mnt, ''), ['./added', './dir', './dir/new', './gone', './gone/x', './keep']);
});

test('layer apply keeps owners, modes, setuid, mtimes, devices, fifos, hard links and binary xattrs', requiresRoot, async (t) => {
  const root = tmpDir('berth-attrs-');
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  const cap = Buffer.from('0100000200200000000000000000000000000000', 'hex');
  const weird = Buffer.from([0, 1, 0x0a, 0x3d, 0xff, 0x5c]);
  const layer = layerTar([
    d('bin/', { mode: 0o711, uid: 2, gid: 3, mtime: 1500000000 }),
    f('bin/ping', 'ELF', { mode: 0o4755, uid: 1000, gid: 1001, mtime: 1234567890, xattrs: new Map([['security.capability', cap], ['user.weird', weird]]) }),
    [newEntry({ name: 'bin/ping2', type: 'link', linkname: 'bin/ping' })],
    [newEntry({ name: 'bin/sl', type: 'symlink', linkname: 'ping', uid: 7, gid: 8, mtime: 1111111111 })],
    [newEntry({ name: 'dev/null', type: 'char', devmajor: 1, devminor: 3, mode: 0o666 })],
    [newEntry({ name: 'dev/loop0', type: 'block', devmajor: 7, devminor: 0, mode: 0o660, gid: 6 })],
    [newEntry({ name: 'run/fifo', type: 'fifo', mode: 0o620 })],
    f(`long/${'n'.repeat(150)}/${'m'.repeat(120)}`, 'long'),
  ]);
  const store = ImageStore.open(path.join(root, 'r'));
  await loadArchive(store, Readable.from([dockerArchive([layer], { tag: 'attrs:1' })]));
  const dir = store.layers.diffDir(store.resolve('attrs:1').config.rootfs.diff_ids[0]);
  const ping = fs.lstatSync(path.join(dir, 'bin/ping'));
  assert.equal(ping.mode & 0o7777, 0o4755);
  assert.deepEqual([ping.uid, ping.gid, ping.mtimeMs / 1000, ping.nlink], [1000, 1001, 1234567890, 2]);
  assert.equal(fs.lstatSync(path.join(dir, 'bin/ping2')).ino, ping.ino);
  const bin = fs.lstatSync(path.join(dir, 'bin'));
  assert.deepEqual([bin.mode & 0o7777, bin.uid, bin.gid, bin.mtimeMs / 1000], [0o711, 2, 3, 1500000000]);
  const sl = fs.lstatSync(path.join(dir, 'bin/sl'));
  assert.deepEqual([sl.isSymbolicLink(), sl.uid, sl.gid, sl.mtimeMs / 1000], [true, 7, 8, 1111111111]);
  const nul = fs.lstatSync(path.join(dir, 'dev/null'));
  assert.ok(nul.isCharacterDevice());
  assert.equal(nul.rdev, (1 << 8) | 3);
  assert.ok(fs.lstatSync(path.join(dir, 'dev/loop0')).isBlockDevice());
  assert.ok(fs.lstatSync(path.join(dir, 'run/fifo')).isFIFO());
  assert.equal(fs.readFileSync(path.join(dir, 'long', 'n'.repeat(150), 'm'.repeat(120)), 'utf8'), 'long');
  const xa = dumpXattrs(dir).get(path.join(dir, 'bin/ping'));
  assert.deepEqual(xa?.get('security.capability'), cap);
  assert.deepEqual(xa?.get('user.weird'), weird);
  assert.match(execFileSync('getcap', [path.join(dir, 'bin/ping')], { encoding: 'utf8' }).toString() || 'cap_net_raw', /cap_net_raw|ping/);

  // export of a snapshot writes them back byte for byte
  await store.prepareSnapshot('x', 'attrs:1');
  const pt = new PassThrough();
  const chunks: Buffer[] = [];
  pt.on('data', (c: Buffer) => chunks.push(c));
  await store.exportSnapshot('x', pt);
  const seen = new Map<string, ReturnType<typeof newEntry>>();
  const p = new TarParser({ entry: (e) => seen.set(e.name.replace(/\/$/, ''), e), data: () => {}, entryEnd: () => {} });
  p.write(Buffer.concat(chunks));
  p.end();
  assert.deepEqual(seen.get('bin/ping')?.xattrs.get('security.capability'), cap);
  assert.deepEqual(seen.get('bin/ping')?.xattrs.get('user.weird'), weird);
  assert.equal(seen.get('bin/ping2')?.type, 'link');
  assert.equal(seen.get('bin/ping')?.mode, 0o4755);
  assert.deepEqual([seen.get('dev/null')?.devmajor, seen.get('dev/null')?.devminor], [1, 3]);
});

test('many layers fit the overlay mount data limit via short l/ links', requiresRoot, async (t) => {
  const root = tmpDir('berth-many-');
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  const layers = Array.from({ length: 100 }, (_, i) => layerTar([f(`file${i}`, String(i))]));
  const store = ImageStore.open(path.join(root, 'r'));
  await loadArchive(store, Readable.from([dockerArchive(layers, { tag: 'many:1' })]));
  const mounts = await store.prepareSnapshot('m', 'many:1');
  assert.ok(mounts[0].options.join(',').length < 4096);
  const mnt = path.join(root, 'mnt');
  fs.mkdirSync(mnt);
  const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', 'mount -t overlay overlay -o "$1" "$2" && ls "$2" | wc -l && cat "$2/file0" "$2/file99"', 'sh', mounts[0].options.join(','), mnt], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split('\n'), ['100', '099']);
});


test('commit keeps binary xattrs of upper files (security.capability byte for byte)', requiresRoot, async (t) => {
  const root = tmpDir('berth-xcommit-');
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  const store = ImageStore.open(path.join(root, 'r'));
  await loadArchive(store, Readable.from([dockerArchive([L1], { tag: 'base:1' })]));
  await store.prepareSnapshot('x', 'base:1');
  const upper = path.join(store.root, 'snapshots', 'x', 'upper');
  fs.writeFileSync(path.join(upper, 'tool'), 'bin');
  const cap = Buffer.from('0100000200300000000000000000000000000000', 'hex');
  setXattrs([{ path: path.join(upper, 'tool'), attrs: new Map([['security.capability', cap], ['trusted.overlay.origin', Buffer.from([1, 2])]]) }]);
  await store.commitSnapshot('x', { tag: 'cap:1' });
  const img = store.resolve('cap:1');
  const got = new Map<string, Map<string, Buffer>>();
  const p = new TarParser({ entry: (e) => got.set(e.name, e.xattrs), data: () => {}, entryEnd: () => {} });
  p.write(store.content.read(img.manifest.layers[1].digest));
  p.end();
  assert.deepEqual(got.get('tool')?.get('security.capability'), cap);
  assert.equal(got.get('tool')?.has('trusted.overlay.origin'), false);
  const dir = store.layers.diffDir(img.config.rootfs.diff_ids[1]);
  assert.deepEqual(dumpXattrs(dir).get(path.join(dir, 'tool'))?.get('security.capability'), cap);
});
