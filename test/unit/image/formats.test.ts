import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { printFormatted } from '../../../src/cli/format/printFormatted.js';
import { renderTemplate } from '../../../src/cli/format/renderTemplate.js';
import { humanSize } from '../../../src/cli/format/units.js';
import { isBerthError } from '../../../src/errors.js';
import { applyChanges } from '../../../src/image/changes.js';
import { sha256 } from '../../../src/image/digest.js';
import { ImageStore } from '../../../src/image/ImageStore.js';
import { loadArchive } from '../../../src/image/loadArchive.js';
import { familiarString, fullString, parseReference } from '../../../src/image/reference.js';
import { newEntry } from '../../../src/image/tar/TarEntry.js';
import { tmpDir } from '../../helpers.js';
import { layerTar } from '../../imageHelpers.js';

test('references normalize like Docker', () => {
  assert.equal(fullString(parseReference('busybox')), 'docker.io/library/busybox:latest');
  assert.equal(fullString(parseReference('me/app:v1')), 'docker.io/me/app:v1');
  assert.equal(fullString(parseReference('localhost:5000/x/y:z')), 'localhost:5000/x/y:z');
  assert.equal(familiarString(parseReference('docker.io/library/busybox:1.36')), 'busybox:1.36');
  const d = `sha256:${'a'.repeat(64)}`;
  assert.deepEqual(parseReference(`busybox@${d}`), { repository: 'docker.io/library/busybox', tag: undefined, digest: d });
  for (const bad of ['UPPER', 'a:b:c', 'x@sha256:12', '', 'a//b']) assert.throws(() => parseReference(bad), (e) => isBerthError(e, 'InvalidArgument'), bad);
});

test('--change instructions', () => {
  const c = applyChanges({ Env: ['A=0'] }, ['CMD echo hi', 'ENTRYPOINT ["/bin/sh", "-c"]', 'ENV A=1 B="two words"', 'ENV C 3', 'EXPOSE 80 53/udp', 'LABEL a=b "c d"=e', 'USER nobody', 'WORKDIR /w', 'VOLUME ["/data"]', 'STOPSIGNAL SIGINT']);
  assert.deepEqual(c, {
    Env: ['A=1', 'B=two words', 'C=3'], Cmd: ['/bin/sh', '-c', 'echo hi'], Entrypoint: ['/bin/sh', '-c'], ExposedPorts: { '80/tcp': {}, '53/udp': {} },
    Labels: { a: 'b', 'c d': 'e' }, User: 'nobody', WorkingDir: '/w', Volumes: { '/data': {} }, StopSignal: 'SIGINT',
  });
  assert.throws(() => applyChanges({}, ['RUN rm -rf /']), (e) => isBerthError(e, 'InvalidArgument'));
  assert.throws(() => applyChanges({}, ['EXPOSE http']), (e) => isBerthError(e, 'InvalidArgument'));
});

test('docker-style sizes, templates and tables', () => {
  assert.equal(humanSize(0), '0B');
  assert.equal(humanSize(4261550), '4.26MB');
  assert.equal(humanSize(12500), '12.5kB');
  assert.equal(humanSize(1e9), '1GB');
  assert.equal(renderTemplate('{{.A}}:{{.B.C}} {{json .D}} {{join .D ","}} {{upper .A}} {{.D}}', { A: 'x', B: { C: 1 }, D: ['p', 'q'] }), 'x:1 ["p","q"] p,q X [p q]');
  assert.throws(() => renderTemplate('{{.Nope}}', {}), (e) => isBerthError(e, 'InvalidArgument'));
  assert.equal(printFormatted('table {{.A}}\\t{{.B}}', [{ A: 'long-value-here', B: '1' }], { A: 'COL A', B: 'B' }), 'COL A             B\nlong-value-here   1\n');
});

test('layers compressed with gzip or zstd load and verify their diff_id', async (t) => {
  const root = tmpDir('berth-comp-');
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  const tar = layerTar([[newEntry({ name: 'hello', type: 'file', mode: 0o644 }), Buffer.from('hi\n')]]);
  for (const [tool, args] of [['gzip', ['-c']], ['zstd', ['-q', '-c']]] as const) {
    const blob = execFileSync(tool, args, { input: tar });
    const cfg = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha256(tar)] } }));
    const arch = layerTar([
      [newEntry({ name: 'c.json', type: 'file' }), cfg],
      [newEntry({ name: 'l/layer.tar', type: 'file' }), blob],
      [newEntry({ name: 'manifest.json', type: 'file' }), Buffer.from(JSON.stringify([{ Config: 'c.json', RepoTags: [`${tool}:1`], Layers: ['l/layer.tar'] }]))],
    ]);
    const store = ImageStore.open(path.join(root, tool));
    const r = await loadArchive(store, Readable.from([arch]));
    assert.equal(r.images[0].id, sha256(cfg));
    assert.equal(fs.readFileSync(path.join(store.layers.diffDir(sha256(tar)), 'hello'), 'utf8'), 'hi\n');
    const m = store.resolve(`${tool}:1`).manifest;
    assert.equal(m.layers[0].mediaType, `application/vnd.oci.image.layer.v1.tar+${tool}`);
    // and a whole archive compressed with the same tool loads too
    const store2 = ImageStore.open(path.join(root, `${tool}-whole`));
    await loadArchive(store2, Readable.from([execFileSync(tool, args, { input: arch })]));
    assert.equal(store2.list().length, 1);
  }
});
