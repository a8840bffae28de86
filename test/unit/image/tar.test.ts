import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isBerthError } from '../../../src/errors.js';
import { newEntry, type TarEntry } from '../../../src/image/tar/TarEntry.js';
import { TarParser } from '../../../src/image/tar/TarParser.js';
import { encodeHeader, END_OF_ARCHIVE, padFor } from '../../../src/image/tar/TarWriter.js';

function build(entries: [TarEntry, Buffer?][]): Buffer {
  const parts: Buffer[] = [];
  for (const [e, body] of entries) {
    parts.push(encodeHeader(e));
    if (body) parts.push(body, padFor(body.length));
  }
  parts.push(END_OF_ARCHIVE);
  return Buffer.concat(parts);
}

function parse(buf: Buffer, chunk = 7): { e: TarEntry; data: Buffer }[] {
  const out: { e: TarEntry; data: Buffer }[] = [];
  let cur: { e: TarEntry; data: Buffer[] } | undefined;
  const p = new TarParser({
    entry: (e) => (cur = { e, data: [] }),
    data: (c) => cur!.data.push(Buffer.from(c)),
    entryEnd: () => out.push({ e: cur!.e, data: Buffer.concat(cur!.data) }),
  });
  for (let i = 0; i < buf.length; i += chunk) p.write(buf.subarray(i, i + chunk));
  p.end();
  return out;
}

test('tar round trip: long names, binary xattrs, big ids, non-ASCII, all types', () => {
  const cap = Buffer.from([1, 0, 0, 2, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0x00, 0x0a, 0x3d]);
  const long = `${'d'.repeat(120)}/${'f'.repeat(150)}`;
  const es: [TarEntry, Buffer?][] = [
    [newEntry({ name: 'dir/', type: 'dir', mode: 0o1755, mtime: 1700000000 })],
    [newEntry({ name: long, type: 'file', size: 5, mode: 0o4755, uid: 3000000, gid: 70000000, xattrs: new Map([['security.capability', cap], ['user.k', Buffer.from('v')]]) }), Buffer.from('hello')],
    [newEntry({ name: 'sym', type: 'symlink', linkname: `x/${'y'.repeat(200)}` })],
    [newEntry({ name: 'hard', type: 'link', linkname: long })],
    [newEntry({ name: 'dev/null', type: 'char', devmajor: 1, devminor: 3, mode: 0o666 })],
    [newEntry({ name: 'dev/sda', type: 'block', devmajor: 8, devminor: 0 })],
    [newEntry({ name: 'fifo', type: 'fifo' })],
    [newEntry({ name: 'ünïcödé.txt', type: 'file', size: 0 }), Buffer.alloc(0)],
  ];
  const got = parse(build(es));
  assert.equal(got.length, es.length);
  assert.equal(got[0].e.name, 'dir/');
  assert.equal(got[0].e.mode, 0o1755);
  assert.equal(got[1].e.name, long);
  assert.equal(got[1].e.uid, 3000000);
  assert.equal(got[1].e.gid, 70000000);
  assert.equal(got[1].e.mode, 0o4755);
  assert.deepEqual(got[1].e.xattrs.get('security.capability'), cap);
  assert.equal(got[1].data.toString(), 'hello');
  assert.equal(got[2].e.linkname, `x/${'y'.repeat(200)}`);
  assert.equal(got[3].e.type, 'link');
  assert.equal(got[3].e.linkname, long);
  assert.deepEqual([got[4].e.type, got[4].e.devmajor, got[4].e.devminor], ['char', 1, 3]);
  assert.equal(got[5].e.type, 'block');
  assert.equal(got[6].e.type, 'fifo');
  assert.equal(got[7].e.name, 'ünïcödé.txt');
});

test('tar parser: not a tar, truncated, empty', () => {
  const bad = (b: Buffer) => assert.throws(() => parse(b), (e) => isBerthError(e, 'InvalidArgument'));
  bad(Buffer.from('this is not a tar archive at all'.repeat(40)));
  const ok = build([[newEntry({ name: 'f', type: 'file', size: 3000 }), Buffer.alloc(3000, 1)]]);
  bad(ok.subarray(0, 1000));
  bad(Buffer.alloc(0));
  assert.equal(parse(ok).length, 1);
});
