import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Digest } from '../../../src/image/digest.js';
import type { ImageConfig, Manifest } from '../../../src/image/manifest.js';
import { MT } from '../../../src/image/mediaTypes.js';
import { newImageConfig, newImageManifest, putNewImage } from '../../../src/image/newImage.js';

const d = (c: string): Digest => `sha256:${c.repeat(64)}`;
const created = '2024-01-02T03:04:05.000Z';

test('a child image (commit) takes its parent\'s platform, layers and history, not its author or comment', () => {
  const parent: { config: ImageConfig; manifest: Manifest } = {
    config: {
      architecture: 'arm64', os: 'linux', variant: 'v8', 'os.version': '1', author: 'old', comment: 'Imported from -', container_config: { Cmd: ['x'] },
      config: { Cmd: ['sh'] }, rootfs: { type: 'layers', diff_ids: [d('a')] }, history: [{ created: '2020-01-01T00:00:00Z', comment: 'Imported from -' }],
    },
    manifest: { schemaVersion: 2, mediaType: MT.dockerManifest, config: { mediaType: MT.dockerConfig, digest: d('c'), size: 1 }, layers: [{ mediaType: MT.dockerLayer, digest: d('a'), size: 5 }] },
  };
  const n = { parent, config: { Cmd: ['true'] }, layer: { mediaType: MT.ociLayer, digest: d('b'), size: 7, diffId: d('b') }, created, history: { created_by: 'sh', author: 'me' }, author: 'me' };
  assert.deepEqual(newImageConfig(n), {
    architecture: 'arm64', os: 'linux', variant: 'v8', 'os.version': '1', created, author: 'me', config: { Cmd: ['true'] },
    rootfs: { type: 'layers', diff_ids: [d('a'), d('b')] },
    history: [{ created: '2020-01-01T00:00:00Z', comment: 'Imported from -' }, { created, created_by: 'sh', author: 'me' }],
  });
  assert.deepEqual(newImageManifest(n, { digest: d('e'), size: 9 }), {
    schemaVersion: 2, mediaType: MT.ociManifest, config: { mediaType: MT.ociConfig, digest: d('e'), size: 9 },
    layers: [{ mediaType: MT.dockerLayer, digest: d('a'), size: 5 }, { mediaType: MT.ociLayer, digest: d('b'), size: 7 }],
  });
  assert.equal(newImageConfig({ ...n, author: undefined }).author, undefined);
});

test('an image without a parent (import): its platform, one layer, the message as comment', () => {
  const n = { platform: { architecture: 'amd64', os: 'linux' }, config: {}, layer: { mediaType: MT.ociLayerGzip, digest: d('f'), size: 3, diffId: d('1') }, created, history: { comment: 'hello' }, comment: 'hello' };
  assert.deepEqual(newImageConfig(n), {
    architecture: 'amd64', os: 'linux', created, comment: 'hello', config: {}, rootfs: { type: 'layers', diff_ids: [d('1')] }, history: [{ created, comment: 'hello' }],
  });
  const blobs: Buffer[] = [];
  const out = putNewImage({ putBuffer: (b) => (blobs.push(Buffer.from(b)), { digest: d(String(blobs.length)), size: b.length }) }, n);
  assert.deepEqual(out.config, { digest: d('1'), size: blobs[0].length });
  assert.deepEqual(out.manifest, { mediaType: MT.ociManifest, digest: d('2'), size: blobs[1].length });
  assert.deepEqual(JSON.parse(blobs[1].toString()).layers, [{ mediaType: MT.ociLayerGzip, digest: d('f'), size: 3 }]);
});
