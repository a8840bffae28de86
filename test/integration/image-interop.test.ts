import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { checkStore } from '../../src/image/checkStore.js';
import { ImageStore } from '../../src/image/ImageStore.js';
import { loadArchive } from '../../src/image/loadArchive.js';
import { saveArchive, saveItems } from '../../src/image/saveArchive.js';
import { requiresRoot, tmpDir } from '../helpers.js';
import { createBusyboxImage } from '../imageHelpers.js';

const skopeo = (...args: string[]) => execFileSync('skopeo', ['--insecure-policy', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const rawDigest = (ref: string) => `sha256:${execFileSync('sha256sum', { input: skopeo('inspect', '--raw', ref) }).toString().split(' ')[0]}`;

test('skopeo and umoci read the store; berth loads what skopeo writes; digests match', requiresRoot, async (t) => {
  const dir = tmpDir('berth-interop-');
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const r1 = path.join(dir, 'r1');
  const id = await createBusyboxImage(r1, 'busybox:latest');
  const s1 = ImageStore.open(r1);
  const manifest = s1.resolve('busybox').manifestDigests[0];
  const src = `oci:${path.join(r1, 'content')}:busybox:latest`;
  assert.equal(rawDigest(src), manifest);

  // out of berth: docker-archive and oci
  skopeo('copy', src, `docker-archive:${dir}/da.tar:busybox:latest`);
  skopeo('copy', '--preserve-digests', src, `oci:${dir}/layout:busybox:latest`);
  assert.equal(rawDigest(`oci:${dir}/layout:busybox:latest`), manifest);
  skopeo('copy', '--preserve-digests', `oci:${dir}/layout:busybox:latest`, `oci-archive:${dir}/oa.tar:busybox:latest`);

  // back in: same image ID (and the same manifest digest through oci)
  const s2 = ImageStore.open(path.join(dir, 'r2'));
  assert.deepEqual((await loadArchive(s2, fs.createReadStream(`${dir}/da.tar`))).images, [{ id, tags: ['busybox:latest'] }]);
  const s3 = ImageStore.open(path.join(dir, 'r3'));
  const got = await loadArchive(s3, fs.createReadStream(`${dir}/oa.tar`));
  assert.equal(got.images[0].id, id);
  assert.equal(s3.resolve(id).manifestDigests[0], manifest);
  assert.deepEqual(await checkStore(s2), []);
  assert.deepEqual(await checkStore(s3), []);

  // berth save output is accepted by skopeo, both formats
  for (const format of ['docker', 'oci'] as const) {
    const file = `${dir}/save-${format}.tar`;
    await saveArchive(s1, saveItems(s1, ['busybox']), fs.createWriteStream(file), format);
    const t2 = format === 'docker' ? `docker-archive:${file}` : `oci-archive:${file}:busybox:latest`;
    const cfg = JSON.parse(skopeo('inspect', '--config', t2)) as { rootfs: { diff_ids: string[] } };
    assert.deepEqual(cfg.rootfs.diff_ids, s1.resolve('busybox').config.rootfs.diff_ids);
    skopeo('copy', t2, `oci:${dir}/back-${format}:x`);
  }

  // umoci reads the layout and unpacks it
  const stat = execFileSync('umoci', ['stat', '--image', `${path.join(r1, 'content')}:busybox:latest`], { encoding: 'utf8' });
  assert.match(stat, /Imported from/);
  execFileSync('umoci', ['unpack', '--image', `${path.join(r1, 'content')}:busybox:latest`, `${dir}/bundle`]);
  assert.ok(fs.statSync(`${dir}/bundle/rootfs/bin/busybox`).isFile());
});
