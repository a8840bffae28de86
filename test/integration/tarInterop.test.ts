/**
 * berth's tar reader against archives other tools wrote, made in this run from one tree:
 * GNU tar (gnu, posix/pax, ustar), bsdtar (its default, pax, gnutar) and Go's archive/tar
 * (a layer written by `umoci repack`). Each is read by berth's parser and listed by GNU tar
 * (`tar --numeric-owner --full-time -tvf`); the two must agree entry by entry: name, type,
 * mode, owner, size, mtime (to the nanosecond GNU tar prints, within a double's precision),
 * link target, device numbers; regular files' contents hash alike, and xattrs match what GNU
 * tar restores (`--xattrs`, read back with getfattr). Sparse files are refused with a clear
 * error, as are truncated and damaged archives. Needs root (owners, device nodes, xattrs).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { spawnSync } from 'node:child_process';
import { TarParser } from '../../src/image/tar/TarParser.js';
import type { TarEntry } from '../../src/image/tar/TarEntry.js';
import { isRoot, tmpDir } from '../helpers.js';

const have = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const missing = ['tar', 'bsdtar', 'umoci', 'setfattr', 'getfattr'].filter((c) => !have(c));
const skip = !isRoot ? 'needs root (owners, device nodes, xattrs)' : missing.length ? `needs ${missing.join(', ')} (.ci/run installs them)` : false;

function sh(cmd: string, args: string[], o: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...o });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

interface Parsed { e: TarEntry; sha?: string }

/** berth's parser over the whole archive, fed in uneven chunks. */
function parse(buf: Buffer, chunk = 4093): Parsed[] {
  const out: Parsed[] = [];
  let cur: { e: TarEntry; h?: crypto.Hash } | undefined;
  const p = new TarParser({
    entry: (e) => (cur = { e, h: e.type === 'file' ? crypto.createHash('sha256') : undefined }),
    data: (c) => cur!.h!.update(c),
    entryEnd: () => out.push({ e: cur!.e, sha: cur!.h?.digest('hex') }),
  });
  for (let i = 0; i < buf.length; i += chunk) p.write(buf.subarray(i, i + chunk));
  p.end();
  return out;
}

interface Listed { type: string; mode: number; uid: number; gid: number; size: string; sec: number; frac?: string; name: string; link: string }

function modeBits(s: string): number {
  let m = 0;
  for (let i = 0; i < 9; i++) if (!'-STl'.includes(s[i])) m |= 1 << (8 - i);
  // s/S in the owner and group x places, t/T in the other x place.
  if ('sS'.includes(s[2])) m |= 0o4000;
  if ('sS'.includes(s[5])) m |= 0o2000;
  if ('tT'.includes(s[8])) m |= 0o1000;
  if ('ST'.includes(s[2])) m &= ~0o100;
  if ('S'.includes(s[5])) m &= ~0o010;
  if ('T'.includes(s[8])) m &= ~0o001;
  return m;
}

/** GNU tar's verbose listing, one record per entry. */
function gnuList(file: string): Listed[] {
  const out = sh('tar', ['--numeric-owner', '--full-time', '-tvf', file], { env: { ...process.env, TZ: 'UTC', LC_ALL: 'C' } });
  return out.split('\n').filter(Boolean).map((line) => {
    const m = /^(.)(.{9}) (\d+)\/(\d+) +(\d+|\d+,\d+) (-?\d{4,}-\d\d-\d\d \d\d:\d\d:\d\d)(\.\d+)? +(.*)$/.exec(line);
    assert.ok(m, `unexpected listing line: ${line}`);
    const [, type, perms, uid, gid, size, when, frac, rest] = m;
    let name = rest, link = '';
    const sep = type === 'l' ? ' -> ' : type === 'h' ? ' link to ' : undefined;
    if (sep) [name, link] = [rest.slice(0, rest.indexOf(sep)), rest.slice(rest.indexOf(sep) + sep.length)];
    const sec = Date.parse(`${when.replace(' ', 'T')}Z`) / 1000;
    return { type, mode: modeBits(perms), uid: Number(uid), gid: Number(gid), size, sec, frac, name, link };
  });
}

const TYPE_CHAR: Record<string, string> = { file: '-', dir: 'd', symlink: 'l', link: 'h', char: 'c', block: 'b', fifo: 'p' };

/** The xattrs GNU tar restores for each path, as hex (getfattr -e hex). */
function restoredXattrs(archive: string, into: string): Map<string, Map<string, string>> {
  fs.mkdirSync(into);
  sh('tar', ['--xattrs', '--xattrs-include=*', '--numeric-owner', '-xpf', archive, '-C', into]);
  const dump = spawnSync('getfattr', ['--absolute-names', '-R', '-P', '-d', '-m', '-', '-e', 'hex', into], { encoding: 'utf8' }).stdout;
  const out = new Map<string, Map<string, string>>();
  let cur: Map<string, string> | undefined;
  for (const line of dump.split('\n')) {
    if (line.startsWith('# file: ')) {
      const rel = path.relative(into, line.slice(8));
      out.set(rel, (cur = new Map()));
    } else if (cur && /^[^=]+=0x/.test(line)) cur.set(line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 3));
  }
  return out;
}

describe('tar: berth reads what GNU tar, bsdtar and Go write, as GNU tar lists it', { skip }, () => {
  let dir = '';
  const tree = () => path.join(dir, 'tree');
  const L = 'n'.repeat(120);
  const CAP = '0100000200040000000000000000000000000000'; // vfs_cap_data v2: cap_net_bind_service, permitted
  before(() => {
    dir = tmpDir('berth-tar-interop-');
    const t = tree();
    const at = (p: string) => path.join(t, p);
    fs.mkdirSync(at('d'), { recursive: true });
    fs.mkdirSync(at('sticky'));
    fs.mkdirSync(at(`deep/${L}`), { recursive: true });
    fs.mkdirSync(at(`${'p'.repeat(80)}`));
    fs.writeFileSync(at('d/file'), 'hello\n');
    fs.chownSync(at('d/file'), 1234, 5678);
    fs.chmodSync(at('d/file'), 0o4755); // after chown, which clears set-id bits
    fs.linkSync(at('d/file'), at('hard'));
    fs.writeFileSync(at('d/gid'), crypto.randomBytes(70_000));
    fs.chmodSync(at('d/gid'), 0o2750);
    fs.chmodSync(at('sticky'), 0o1777);
    fs.writeFileSync(at(`deep/${L}/${L}.txt`), 'long\n');
    fs.writeFileSync(at(`${'p'.repeat(80)}/${'q'.repeat(60)}.txt`), 'split by ustar\'s prefix\n');
    fs.symlinkSync(`deep/${L}/${L}.txt`, at('sym'));
    fs.symlinkSync('d/file', at('short'));
    sh('mkfifo', [at('fifo')]);
    sh('mknod', [at('cdev'), 'c', '1', '3']);
    sh('mknod', [at('bdev'), 'b', '7', '200']);
    fs.writeFileSync(at('bigid'), 'big\n');
    fs.chownSync(at('bigid'), 3_000_000, 3_000_001);
    fs.writeFileSync(at('old'), 'old\n');
    fs.writeFileSync(at('fut'), 'fut\n');
    sh('setfattr', ['-n', 'user.k', '-v', 'hello', at('d/file')]);
    sh('setfattr', ['-n', 'user.bin', '-v', '0x00ff0a3d', at('d/gid')]);
    sh('setfattr', ['-n', 'security.capability', '-v', `0x${CAP}`, at('fut')]);
    sh('setfattr', ['-n', 'user.dir', '-v', 'on-a-dir', at('sticky')]);
    sh('touch', ['-h', '-d', '2023-11-14 22:13:20.123456789 UTC', at('d/file')]);
    sh('touch', ['-d', '1960-01-01 00:00:00 UTC', at('old')]);
    sh('touch', ['-d', '2300-01-01 00:00:00 UTC', at('fut')]);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Things a format cannot hold (ustar: 8-digit ids, 1970..2242, 100+155-byte names). */
  const notInUstar = ['./bigid', './old', './fut', './deep', './sym'];

  const fixtures: [string, (out: string) => void][] = [
    ['GNU tar --format=gnu', (o) => sh('tar', ['--format=gnu', '-C', tree(), '-cf', o, '.'])],
    ['GNU tar --format=posix --xattrs', (o) => sh('tar', ['--format=posix', '--xattrs', '--xattrs-include=*', '-C', tree(), '-cf', o, '.'])],
    ['GNU tar --format=ustar', (o) => sh('tar', ['--format=ustar', ...notInUstar.map((x) => `--exclude=${x}`), '-C', tree(), '-cf', o, '.'])],
    ['bsdtar (default: restricted pax)', (o) => sh('bsdtar', ['-C', tree(), '-cf', o, '.'])],
    ['bsdtar --format=pax', (o) => sh('bsdtar', ['--format=pax', '-C', tree(), '-cf', o, '.'])],
    // bsdtar's gnutar writer clamps times to 1970..2242 (GNU tar's listing shows the same).
    ['bsdtar --format=gnutar', (o) => sh('bsdtar', ['--format=gnutar', '-C', tree(), '-cf', o, '.'])],
    ['Go archive/tar (umoci repack layer, gzip)', (o) => {
      const oci = path.join(dir, 'oci'), bundle = path.join(dir, 'bundle');
      fs.rmSync(oci, { recursive: true, force: true });
      fs.rmSync(bundle, { recursive: true, force: true });
      sh('umoci', ['init', '--layout', oci]);
      sh('umoci', ['new', '--image', `${oci}:t`]);
      sh('umoci', ['unpack', '--image', `${oci}:t`, bundle]);
      sh('cp', ['-a', `${tree()}/.`, path.join(bundle, 'rootfs')]);
      sh('umoci', ['repack', '--image', `${oci}:t`, bundle]);
      const blob = (d: string) => path.join(oci, 'blobs', 'sha256', d.replace(/^sha256:/, ''));
      const index = JSON.parse(fs.readFileSync(path.join(oci, 'index.json'), 'utf8'));
      const manifest = JSON.parse(fs.readFileSync(blob(index.manifests[0].digest), 'utf8'));
      assert.equal(manifest.layers.length, 1);
      fs.writeFileSync(o, zlib.gunzipSync(fs.readFileSync(blob(manifest.layers[0].digest))));
    }],
  ];

  for (const [label, make] of fixtures) {
    test(label, () => {
      const file = path.join(dir, `${label.replace(/\W+/g, '_')}.tar`);
      make(file);
      const listed = gnuList(file);
      const got = parse(fs.readFileSync(file));
      assert.equal(got.length, listed.length, `entries: berth ${got.map((g) => g.e.name).join(' ')}`);
      const xattrs = restoredXattrs(file, path.join(dir, `${path.basename(file)}.x`));
      let sawXattr = false;
      got.forEach(({ e, sha }, i) => {
        const l = listed[i];
        const what = `${label}: ${l.name}`;
        assert.equal(e.name.replace(/\/$/, ''), l.name.replace(/\/$/, ''), what);
        assert.equal(TYPE_CHAR[e.type], l.type, `${what}: type`);
        assert.equal(e.mode.toString(8), l.mode.toString(8), `${what}: mode`);
        assert.deepEqual([e.uid, e.gid], [l.uid, l.gid], `${what}: owner`);
        if (e.type === 'char' || e.type === 'block') assert.equal(`${e.devmajor},${e.devminor}`, l.size, `${what}: device`);
        else assert.equal(String(e.size), l.size, `${what}: size`);
        assert.equal(Math.floor(e.mtime), l.sec, `${what}: mtime seconds`);
        if (l.frac) assert.ok(Math.abs(e.mtime - l.sec - Number(`0${l.frac}`)) < 1e-6, `${what}: mtime ${e.mtime} vs ${l.sec}${l.frac}`);
        else assert.equal(e.mtime, l.sec, `${what}: mtime has no fraction`);
        assert.equal(e.linkname, l.link, `${what}: link target`);
        if (e.type === 'file') {
          const rel = path.normalize(e.name);
          const src = fs.readFileSync(path.join(tree(), rel));
          assert.equal(sha, crypto.createHash('sha256').update(src).digest('hex'), `${what}: contents`);
        }
        // xattrs: exactly those GNU tar restores for this path (none for formats without them).
        const want = xattrs.get(path.normalize(e.name).replace(/\/$/, '')) ?? new Map();
        const have = new Map([...e.xattrs].map(([k, v]) => [k, v.toString('hex')]));
        if (e.type !== 'link' && e.type !== 'symlink') assert.deepEqual(have, want, `${what}: xattrs`);
        if (have.size) sawXattr = true;
      });
      if (/xattrs|bsdtar \(default|pax|Go/.test(label)) assert.ok(sawXattr, `${label} carries the tree's xattrs`);
      const fut = got.find((g) => g.e.name.replace(/^\.\//, '') === 'fut');
      if (fut && /xattrs|pax|Go|default/.test(label)) assert.equal(fut.e.xattrs.get('security.capability')?.toString('hex'), CAP);
      const old = got.find((g) => g.e.name.replace(/^\.\//, '') === 'old');
      if (old && !/gnutar/.test(label)) assert.equal(old.e.mtime, Date.parse('1960-01-01T00:00:00Z') / 1000, 'a time before 1970 reads back negative');
    });
  }

  test('sparse files are refused with a clear error (GNU sparse headers and PAX GNU.sparse.*)', () => {
    const s = path.join(dir, 'sparse');
    fs.mkdirSync(s);
    const fd = fs.openSync(path.join(s, 'holes'), 'w');
    fs.writeSync(fd, 'start', 0);
    fs.writeSync(fd, 'end', 8 << 20);
    fs.closeSync(fd);
    for (const format of ['gnu', 'posix']) {
      const f = path.join(dir, `sparse-${format}.tar`);
      sh('tar', [`--format=${format}`, '--sparse', '-C', s, '-cf', f, '.']);
      assert.throws(() => parse(fs.readFileSync(f)), /^Error: tar: sparse files are not supported$|sparse files are not supported/);
    }
  });

  test('truncated and damaged archives are errors, never a hang or a partial success', () => {
    const f = path.join(dir, 'base.tar');
    sh('tar', ['--format=posix', '-C', tree(), '-cf', f, './d']);
    const buf = fs.readFileSync(f);
    for (const cut of [100, 512, 1000, 20_000]) assert.throws(() => parse(buf.subarray(0, cut)), /truncated|unexpected end/, `cut at ${cut}`);
    const flipped = Buffer.from(buf);
    flipped[1536 + 10] ^= 0x20; // a later header's name: its checksum no longer matches
    assert.throws(() => parse(flipped), /bad checksum|corrupt header/);
    assert.throws(() => parse(crypto.randomBytes(4096)), /not a tar archive/);
    assert.throws(() => parse(Buffer.alloc(0)), /empty input/);
  });
});
