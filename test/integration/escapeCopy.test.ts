/**
 * Escapes through berth's own file work on a container (CVE-2018-15664 and friends), with
 * real attacks: a container racing `cp` by swapping a directory for a symlink to a host
 * path; an image whose VOLUME lies under a symlink to a host directory; images whose
 * /etc/passwd or /etc is a symlink to a host file or directory (`-u NAME`). In every case a
 * decoy host directory must stay unread and untouched. Plus the host-side extractor
 * (`berth-helper fs tar-in ... beneath`) against hostile archives.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ContainerStore } from '../../src/engine/ContainerStore.js';
import { copyFromContainer, copyToContainer } from '../../src/engine/copyFiles.js';
import { importImage } from '../../src/image/importImage.js';
import { ImageStore } from '../../src/image/ImageStore.js';
import { helperPath } from '../../src/sys/paths.js';
import { berthBin, busyboxRootfs, fixturesDir, requiresRoot, tmpDir, treeSnapshot } from '../helpers.js';
import { layerTar, newEntry } from '../imageHelpers.js';
import { Engine, until } from './engineHarness.js';
import { hasCompiler } from './escapeHarness.js';

const SECRET = 'HOST-DECOY-SECRET-7f3a';

/** A host directory the attacks aim at: a secret file and a subdirectory holding another. */
function makeDecoy(dir: string): string {
  fs.mkdirSync(path.join(dir, 'sub'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'secret'), `${SECRET}\n`);
  fs.writeFileSync(path.join(dir, 'sub', 'secret'), `${SECRET}\n`);
  fs.writeFileSync(path.join(dir, 'passwd'), `root:x:0:0:root:/root:/bin/sh\nhostonly:x:4242:4242::/home/hostonly:/bin/sh\n`);
  return dir;
}

const snapshot = (dir: string) => treeSnapshot(dir, true);

/** Every file's contents below `p` (a file, or a directory walked without following symlinks). */
function contents(p: string): string {
  const st = fs.lstatSync(p, { throwIfNoEntry: false });
  if (!st) return '';
  if (st.isFile()) return fs.readFileSync(p, 'utf8');
  if (!st.isDirectory()) return '';
  return fs.readdirSync(p).map((n) => contents(path.join(p, n))).join('');
}

/** An image from busybox plus `extra` (called on the rootfs dir), imported into the engine's root. */
async function imageFrom(e: Engine, tag: string, extra: (rootfs: string) => void, changes: string[] = []): Promise<void> {
  const dir = tmpDir('berth-esccp-img-');
  try {
    const rootfs = busyboxRootfs(path.join(dir, 'rootfs'));
    extra(rootfs);
    const tar = path.join(dir, 'rootfs.tar');
    execFileSync('tar', ['--numeric-owner', '--owner=0', '--group=0', '-C', rootfs, '-cf', tar, '.']);
    await importImage(ImageStore.open(e.root), fs.createReadStream(tar), { tag, changes: ['CMD ["sh"]', ...changes], source: 'test' });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('escape through cp: a container swapping a directory for a symlink to a host path', { ...requiresRoot, skip: requiresRoot.skip ?? (hasCompiler() ? false : 'needs cc -static') }, () => {
  const e = new Engine('berth-esccp-race-');
  const work = tmpDir('berth-esccp-race-work-');
  const decoy = makeDecoy(path.join(work, 'decoy'));
  let before0: string[];
  before(async () => {
    await imageFrom(e, 'swapper:1', (rootfs) => {
      execFileSync('cc', ['-static', '-O1', '-o', path.join(rootfs, 'bin', 'swap'), path.join(fixturesDir, 'swap', 'swap.c')]);
    });
    before0 = snapshot(decoy);
    e.ok(['run', '-d', '--name', 'racer', '--network', 'none', 'swapper:1', '/bin/swap', decoy]);
    await until(() => e.run(['exec', 'racer', 'test', '-e', '/w/ready']).code === 0);
  });
  after(() => {
    e.cleanup();
    fs.rmSync(work, { recursive: true, force: true });
  });

  test('cp out never returns the host file, cp in never writes into the host directory (a few hundred tries)', async () => {
    const store = new ContainerStore(e.root);
    const outs = path.join(work, 'outs');
    fs.mkdirSync(outs);
    const payload = path.join(work, 'payload');
    fs.writeFileSync(payload, 'payload\n');
    const payloadDir = path.join(work, 'payloadDir');
    fs.mkdirSync(payloadDir);
    fs.writeFileSync(path.join(payloadDir, 'inner'), 'payload\n');
    const seen = { inside: 0, failed: 0 };
    const deadline = Date.now() + 40_000;
    const tryOnce = async (f: () => Promise<void>, out?: string) => {
      try {
        await f();
        if (out && contents(out).includes('inside the container')) seen.inside++;
      } catch {
        seen.failed++; // the swap made the path vanish (or not a directory) at that moment: fine
      }
      if (out) assert.ok(!contents(out).includes(SECRET), `cp returned the host's file (${out})`);
    };
    let i = 0;
    for (; i < 150 && Date.now() < deadline; i++) {
      await tryOnce(() => copyFromContainer(store, 'racer', '/w/sub/secret', path.join(outs, `f${i}`)), path.join(outs, `f${i}`));
      await tryOnce(() => copyFromContainer(store, 'racer', '/w/sub', path.join(outs, `d${i}`)), path.join(outs, `d${i}`));
      await tryOnce(() => copyToContainer(store, 'racer', payload, '/w/sub/'));
      await tryOnce(() => copyToContainer(store, 'racer', payloadDir, '/w/sub/'));
    }
    // And through the CLI, both ways.
    for (let j = 0; j < 10; j++) {
      const out = path.join(outs, `cli${j}`);
      e.run(['cp', 'racer:/w/sub/secret', out]);
      assert.ok(!contents(out).includes(SECRET), 'berth cp returned the host file');
      e.run(['cp', payload, 'racer:/w/sub/']);
      const tar = spawnSync(process.execPath, [berthBin, '--root', e.root, 'cp', 'racer:/w/sub', '-'], { maxBuffer: 64 << 20 });
      assert.ok(!tar.stdout.toString('latin1').includes(SECRET), 'cp to a tar stream carried the host file');
    }
    assert.ok(i >= 50, `only ${i} rounds ran`);
    assert.ok(seen.inside > 0, 'cp never worked while the container raced it');
    assert.deepEqual(snapshot(decoy), before0, 'the decoy host directory changed');
    assert.ok(e.run(['exec', 'racer', 'true']).code === 0, 'the container still runs');
  });

  test('export and diff of the racing container never read the host directory (the layer is walked frozen)', () => {
    for (let i = 0; i < 25; i++) {
      const tar = spawnSync(process.execPath, [berthBin, '--root', e.root, 'export', 'racer'], { maxBuffer: 64 << 20 });
      assert.equal(tar.status, 0, tar.stderr?.toString());
      assert.ok(!tar.stdout.toString('latin1').includes(SECRET), 'export carried the host file');
      const diff = e.run(['diff', 'racer']);
      assert.equal(diff.code, 0, diff.stderr);
      assert.doesNotMatch(diff.stdout, /passwd/, `diff listed the host directory: ${diff.stdout}`);
    }
    assert.equal(e.inspect('racer').State.Status, 'running', 'thawed again after each');
    assert.deepEqual(snapshot(decoy), before0, 'the decoy host directory changed');
  });
});

describe('escape through volume copy-up and -u: image symlinks to host paths', requiresRoot, () => {
  const e = new Engine('berth-esccp-img-');
  const work = tmpDir('berth-esccp-img-work-');
  const decoy = makeDecoy(path.join(work, 'decoy'));
  let before0: string[];
  before(async () => {
    await e.init();
    await imageFrom(e, 'volsym:1', (r) => fs.symlinkSync(decoy, path.join(r, 'link')), ['VOLUME ["/link/sub"]']);
    await imageFrom(e, 'pwsym:1', (r) => {
      fs.rmSync(path.join(r, 'etc', 'passwd'), { force: true });
      fs.symlinkSync(path.join(decoy, 'passwd'), path.join(r, 'etc', 'passwd'));
    });
    await imageFrom(e, 'etcsym:1', (r) => {
      fs.rmSync(path.join(r, 'etc'), { recursive: true, force: true });
      fs.symlinkSync(decoy, path.join(r, 'etc'));
    });
    before0 = snapshot(decoy);
  });
  after(() => {
    e.cleanup();
    fs.rmSync(work, { recursive: true, force: true });
  });

  test('VOLUME under a symlink to a host directory: the volume starts empty', () => {
    e.ok(['create', '--name', 'vol', '--network', 'none', 'volsym:1', 'true']);
    const m = (e.inspect('vol').Mounts as { Destination: string; Source: string }[]).find((x) => x.Destination === '/link/sub');
    assert.ok(m, 'the image VOLUME got a volume');
    assert.deepEqual(fs.readdirSync(m.Source), [], 'the host directory was copied into the volume');
    assert.deepEqual(snapshot(decoy), before0);
  });

  test('-u NAME with /etc/passwd (or /etc) a symlink to a host file (dir): the host passwd is not read', () => {
    for (const img of ['pwsym:1', 'etcsym:1']) {
      const r = e.run(['run', '--rm', '--network', 'none', '-u', 'hostonly', img, 'true']);
      assert.notEqual(r.code, 0, `${img}: run -u hostonly worked: the host's passwd was read`);
      assert.match(r.stderr, /unable to find user hostonly: no matching entries in passwd file/);
    }
    e.ok(['run', '-d', '--name', 'pw', '--network', 'none', 'pwsym:1', 'sleep', '1000']);
    const x = e.run(['exec', '-u', 'hostonly', 'pw', 'true']);
    assert.notEqual(x.code, 0);
    assert.match(x.stderr, /unable to find user hostonly/);
    // cp out of a stopped container through the symlinked /etc: nothing of the host's comes back
    e.ok(['create', '--name', 'etc', '--network', 'none', 'etcsym:1', 'true']);
    const out = path.join(work, 'etc-out');
    const c = e.run(['cp', 'etc:/etc/secret', out]);
    assert.equal(c.code, 1);
    assert.match(c.stderr, /Could not find the file \/etc\/secret in container etc/);
    assert.ok(!fs.existsSync(out));
    assert.deepEqual(snapshot(decoy), before0);
  });
});

describe('the host-side extractor (berth-helper fs tar-in ROOT . beneath) against hostile archives', requiresRoot, () => {
  const work = tmpDir('berth-esccp-untar-');
  const decoy = makeDecoy(path.join(work, 'decoy'));
  after(() => fs.rmSync(work, { recursive: true, force: true }));
  const untar = (dest: string, tar: Buffer) => spawnSync(helperPath, ['fs', 'tar-in', dest, '.', 'beneath'], { input: tar, encoding: 'utf8' });

  test('refuses `../x`, a file below a symlink the archive made, hard links and devices; writes nothing outside', () => {
    const before0 = snapshot(decoy);
    const dest = path.join(work, 'dest');
    fs.mkdirSync(dest);
    const cases: [string, Buffer, RegExp][] = [
      ['dotdot', layerTar([[newEntry({ name: '../x', type: 'file' }), Buffer.from('evil')]]), /tar-in `\.\.\/x`: Invalid argument/],
      ['symlink-then-file', layerTar([[newEntry({ name: 'l', type: 'symlink', linkname: decoy })], [newEntry({ name: 'l/evil', type: 'file' }), Buffer.from('evil')]]), /tar-in `l\/evil`: Too many levels of symbolic links/],
      ['relative symlink-then-file', layerTar([[newEntry({ name: 'r', type: 'symlink', linkname: '../decoy' })], [newEntry({ name: 'r/evil', type: 'file' }), Buffer.from('evil')]]), /tar-in `r\/evil`: Too many levels of symbolic links/],
      ['hard link', layerTar([[newEntry({ name: 'h', type: 'link', linkname: '../decoy/secret' })]]), /tar-in `h`: Operation not permitted/],
      ['device', layerTar([[newEntry({ name: 'sda', type: 'block', devmajor: 8 })]]), /tar-in `sda`: Operation not permitted/],
    ];
    for (const [what, tar, re] of cases) {
      const r = untar(dest, tar);
      assert.equal(r.status, 1, what);
      assert.match(r.stderr, re, what);
    }
    assert.deepEqual(snapshot(decoy), before0, 'the decoy changed');
    assert.deepEqual(fs.readdirSync(dest).sort(), ['l', 'r'], 'only the symlinks themselves were made');
    // a symlink replaced by a file of the same name is replaced, not written through
    const r = untar(dest, layerTar([[newEntry({ name: 'l', type: 'file' }), Buffer.from('plain')]]));
    assert.equal(r.status, 0, r.stderr);
    assert.equal(fs.readFileSync(path.join(dest, 'l'), 'utf8'), 'plain');
    assert.deepEqual(snapshot(decoy), before0);
  });
});
