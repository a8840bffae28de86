import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bar, Progress } from '../../../src/cli/image/Progress.js';
import { pushChunkSize, rangeEnd } from '../../../src/registry/chunkedUpload.js';
import { helperFor, registryMirrors } from '../../../src/registry/config.js';

test('BERTH_PUSH_CHUNK_SIZE and upload Range replies', () => {
  assert.equal(pushChunkSize(undefined), undefined);
  assert.equal(pushChunkSize('1m'), 1 << 20);
  assert.equal(pushChunkSize('512k'), 512 << 10);
  assert.equal(pushChunkSize('5000000'), 5000000);
  for (const bad of ['lots', '0', '-1', '1.5m']) assert.throws(() => pushChunkSize(bad), /not a size in bytes/);
  assert.equal(rangeEnd('0-1048575'), 1 << 20);
  assert.equal(rangeEnd('bytes=0-9'), 10);
  assert.equal(rangeEnd('5-9'), undefined, 'a range must start at 0');
  assert.equal(rangeEnd(undefined), undefined);
});

test('registry-mirrors: dockerd\'s rules; credHelpers over credsStore', () => {
  assert.deepEqual(registryMirrors({}), []);
  assert.deepEqual(registryMirrors({ 'registry-mirrors': ['http://127.0.0.1:5000', 'https://m.lan/'] }).map((u) => u.origin), ['http://127.0.0.1:5000', 'https://m.lan']);
  for (const bad of ['ftp://m.lan', 'http://m.lan/v2', 'http://m.lan/?x=1', 'http://u:p@m.lan', 'm.lan']) assert.throws(() => registryMirrors({ 'registry-mirrors': [bad] }), /invalid mirror/, bad);
  assert.throws(() => registryMirrors({ 'registry-mirrors': 'http://m.lan' as unknown as string[] }), /must be a list/);
  assert.equal(helperFor('reg.lan:5000', {}), undefined);
  assert.equal(helperFor('reg.lan:5000', { credsStore: 'pass' }), 'pass');
  assert.equal(helperFor('reg.lan:5000', { credsStore: 'pass', credHelpers: { 'reg.lan:5000': 'ecr-login' } }), 'ecr-login');
  assert.equal(helperFor('docker.io', { credHelpers: { 'https://index.docker.io/v1/': 'desktop' } }), 'desktop');
  assert.throws(() => helperFor('x', { credsStore: '../../bin/sh' }), /not a plain name/);
});

test('progress: Docker\'s bar; plain lines leave byte counts out; a TTY redraws in place', () => {
  assert.equal(bar(0, 40e6), `[>${' '.repeat(50)}]       0B/40MB`);
  assert.equal(bar(12.3e6, 40e6), `[${'='.repeat(15)}>${' '.repeat(35)}]   12.3MB/40MB`);
  assert.equal(bar(40e6, 40e6), `[${'='.repeat(50)}>]     40MB/40MB`);
  let out = '';
  const plain = new Progress({ write: (s: string) => (out += s) });
  plain.layer('a', 'Pulling fs layer');
  plain.layer('a', 'Downloading', { done: 1, total: 2 });
  plain.layer('a', 'Pull complete');
  assert.equal(out, 'a: Pulling fs layer\na: Pull complete\n');
  out = '';
  const tty = new Progress({ write: (s: string) => (out += s), isTTY: true });
  tty.layer('a', 'Waiting');
  tty.layer('b', 'Waiting');
  tty.layer('a', 'Pull complete');
  assert.equal(out, 'a: Waiting\nb: Waiting\n\x1b[2A\r\x1b[2Ka: Pull complete\r\x1b[2B');
});
