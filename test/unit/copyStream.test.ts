/** `cp`'s tar rewriting (src/engine/copyStream.ts): renaming, owners, and the refusals for a tar bound for the host. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import { isBerthError } from '../../src/errors.js';
import { rewriteTar, underTop, withoutTop, type Rewrite } from '../../src/engine/copyStream.js';
import { newEntry, type TarEntry } from '../../src/image/tar/TarEntry.js';
import { TarParser } from '../../src/image/tar/TarParser.js';
import { TarWriter } from '../../src/image/tar/TarWriter.js';

type Spec = Partial<TarEntry> & Pick<TarEntry, 'name' | 'type'> & { body?: string };

async function tarOf(entries: Spec[]): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const w = new TarWriter(out);
  for (const { body, ...e } of entries) await w.add(newEntry({ ...e, size: body?.length ?? 0 }), body === undefined ? undefined : Buffer.from(body));
  await w.finish();
  return Buffer.concat(chunks);
}

async function rewrite(tar: Buffer, r: Rewrite): Promise<{ name: string; type: string; uid: number; gid: number; body: string }[]> {
  const chunks: Buffer[] = [];
  for await (const c of rewriteTar(r)(Readable.from([tar.subarray(0, 700), tar.subarray(700)]))) chunks.push(c);
  const got: { name: string; type: string; uid: number; gid: number; body: string }[] = [];
  const p = new TarParser({
    entry: (e) => { got.push({ name: e.name, type: e.type, uid: e.uid, gid: e.gid, body: '' }); },
    data: (c) => { got[got.length - 1].body += c.toString(); },
    entryEnd: () => undefined,
  });
  p.write(Buffer.concat(chunks));
  p.end();
  return got;
}

const same = (uid: number, gid: number) => ({ uid, gid });
const toHost = (top: string): Rewrite => ({ rename: underTop(top), owners: same, host: { top } });
const refused = (re: RegExp) => (e: unknown) => isBerthError(e, 'InvalidArgument') && e.code === 'cp.unsafe' && re.test(e.message);

describe('cp tar rewriting', () => {
  test('tar-out names (`.`, `a`, `a/b`) go under the target name; owners are mapped; data passes', async () => {
    const tar = await tarOf([{ name: '.', type: 'dir', uid: 5 }, { name: 'a', type: 'dir' }, { name: 'a/f', type: 'file', body: 'hello', uid: 7, gid: 8 }, { name: 'l', type: 'symlink', linkname: '/etc/passwd' }]);
    const got = await rewrite(tar, { rename: underTop('out'), owners: (u, g) => ({ uid: u + 100, gid: g + 200 }), host: { top: 'out' } });
    assert.deepEqual(got.map((e) => `${e.type} ${e.name} ${e.uid}:${e.gid} ${e.body}`), ['dir out/ 105:200 ', 'dir out/a/ 100:200 ', 'file out/a/f 107:208 hello', 'symlink out/l 100:200 ']);
    const bare = await rewrite(tar, { rename: withoutTop, owners: same });
    assert.deepEqual(bare.map((e) => e.name), ['a/', 'a/f', 'l']);
  });

  test('bound for the host: `..`, absolute names and names outside the target are refused', async () => {
    await assert.rejects(rewrite(await tarOf([{ name: '../x', type: 'file', body: 'evil' }]), { rename: (n) => n, owners: same, host: { top: '.' } }), refused(/"\.\.\/x": path contains "\.\."/));
    await assert.rejects(rewrite(await tarOf([{ name: 'out/../../x', type: 'file', body: 'evil' }]), { rename: (n) => n, owners: same, host: { top: 'out' } }), refused(/path contains "\.\."/));
    await assert.rejects(rewrite(await tarOf([{ name: '/etc/x', type: 'file', body: 'evil' }]), { rename: (n) => n, owners: same, host: { top: '.' } }), refused(/absolute path/));
    await assert.rejects(rewrite(await tarOf([{ name: 'other', type: 'file', body: 'evil' }]), { rename: (n) => n, owners: same, host: { top: 'out' } }), refused(/outside "out"/));
  });

  test('bound for the host: nothing below a symlink the archive made; no hard links, devices or fifos', async () => {
    const linkThenFile = await tarOf([{ name: 'l', type: 'symlink', linkname: '/tmp' }, { name: 'l/x', type: 'file', body: 'evil' }]);
    await assert.rejects(rewrite(linkThenFile, toHost('out')), refused(/"out\/l\/x": below a symlink in the same archive/));
    const replaced = await tarOf([{ name: 'l', type: 'symlink', linkname: '/tmp' }, { name: 'l', type: 'dir' }, { name: 'l/x', type: 'file', body: 'ok' }]);
    assert.equal((await rewrite(replaced, toHost('out'))).length, 3, 'a directory replacing the symlink is fine');
    await assert.rejects(rewrite(await tarOf([{ name: 'h', type: 'link', linkname: 'x' }]), toHost('out')), refused(/hard link/));
    await assert.rejects(rewrite(await tarOf([{ name: 'd', type: 'block', devmajor: 8 }]), toHost('out')), refused(/device or fifo/));
    await assert.rejects(rewrite(await tarOf([{ name: 'p', type: 'fifo' }]), toHost('out')), refused(/device or fifo/));
  });

  test('an empty archive is an error when entries are required', async () => {
    await assert.rejects(rewrite(await tarOf([]), { rename: (n) => n, owners: same, nonEmpty: true }), /the tar stream is empty/);
  });
});
