/**
 * `--userns remap|auto` through the real CLI on a busybox image: root inside is an
 * unprivileged range outside, the image's files still belong to root inside, and rm
 * keeps the block table and the mounts consistent. /etc/subuid and /etc/subgid are
 * stood in for by temp files (BERTH_SUBUID_FILE / BERTH_SUBGID_FILE) so the host's are untouched.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { hostSupport } from '../../src/engine/hostSupport.js';
import { isRoot, requiresRoot, tmpDir } from '../helpers.js';
import { Engine } from './engineHarness.js';

const ids = tmpDir('berth-subids-');
const SUBUID = path.join(ids, 'subuid');
const SUBGID = path.join(ids, 'subgid');
process.env.BERTH_SUBUID_FILE = SUBUID;
process.env.BERTH_SUBGID_FILE = SUBGID;

function mapOf(text: string): number[] {
  return text.trim().split(/\s+/).map(Number);
}

function mounted(dir: string): boolean {
  return fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => l.split(' ')[4] === dir);
}

// Someone else's range: berth's entries must not collide with it.
fs.writeFileSync(SUBUID, 'alice:100000:65536\n');
fs.writeFileSync(SUBGID, 'alice:100000:65536\n');
after(() => fs.rmSync(ids, { recursive: true, force: true }));

// Idmapped lower layers need the kernel and the filesystem of the engine roots (tmpdir) to allow them: the probe tries one.
const idmapOk = isRoot && hostSupport({ idmapProbeDir: os.tmpdir() }).idmappedMounts === true;

describe('engine: --userns picks the lower-layer strategy the host allows', requiresRoot, () => {
  const e = new Engine('berth-userns-pick-');
  before(async () => {
    await e.init();
  });
  after(() => e.cleanup());

  test(`idmapped mounts ${idmapOk ? 'work here: the default is idmap' : 'do not work here: the default is copy, and forcing idmap fails in one line'}`, () => {
    const id = e.ok(['create', '--userns', 'remap', 'busybox', 'true']);
    e.ok(['start', '-a', id]);
    const config = () => JSON.parse(fs.readFileSync(path.join(e.root, 'containers', id, 'userns.json'), 'utf8'));
    assert.equal(config().ownership, idmapOk ? 'idmap' : 'copy');
    if (idmapOk) return;
    process.env.BERTH_USERNS_OWNERSHIP = 'idmap';
    try {
      const r = e.run(['run', '--rm', '--userns', 'remap', 'busybox', 'true']);
      assert.equal(r.code, 125, r.stderr);
      assert.match(r.stderr, /^berth: idmap-mount: .*\n$/);
    } finally {
      delete process.env.BERTH_USERNS_OWNERSHIP;
    }
  });
});

for (const ownership of ['idmap', 'copy'] as const) describe(`engine: --userns (lower layers by ${ownership})`, ownership === 'idmap' && !idmapOk ? { skip: 'no idmapped mounts here (the strategy test above asserts what berth does instead)' } : requiresRoot, () => {
  const e = new Engine('berth-userns-');
  const share = tmpDir('berth-userns-share-');
  const shiftedRanges = () => {
    const d = path.join(e.root, 'layers-shifted');
    return fs.existsSync(d) ? fs.readdirSync(d).filter((n) => !n.includes('.')) : [];
  };
  before(async () => {
    process.env.BERTH_USERNS_OWNERSHIP = ownership;
    await e.init();
  });
  after(() => {
    delete process.env.BERTH_USERNS_OWNERSHIP;
    e.cleanup();
    fs.rmSync(share, { recursive: true, force: true });
  });

  test('remap: root inside is the berth range outside; image files are root-owned inside', () => {
    const out = e.ok(['run', '--name', 'rm1', '--userns', 'remap', 'busybox', 'sh', '-c', 'id -u; cat /proc/self/uid_map; cat /proc/self/gid_map; ls -ln /bin/busybox; touch /made-inside; ls -ln /made-inside']);
    const lines = out.split('\n');
    assert.equal(lines[0], '0');
    assert.match(fs.readFileSync(SUBUID, 'utf8'), /^alice:100000:65536\nberth:196608:65536\n/, 'a berth entry added past the existing one');
    assert.match(fs.readFileSync(SUBGID, 'utf8'), /\nberth:196608:65536\n/);
    assert.deepEqual(mapOf(lines[1]), [0, 196608, 65536]);
    assert.deepEqual(mapOf(lines[2]), [0, 196608, 65536]);
    assert.deepEqual(lines[3].split(/\s+/).slice(2, 4), ['0', '0'], `busybox owned by root inside: ${lines[3]}`);
    assert.deepEqual(lines[4].split(/\s+/).slice(2, 4), ['0', '0']);
    const id = e.inspect('rm1').Id as string;
    const st = fs.statSync(path.join(e.root, 'snapshots', id, 'upper', 'made-inside'));
    assert.deepEqual([st.uid, st.gid], [196608, 196608], 'a file made inside belongs to the mapped root on the host');
    assert.equal(e.inspect('rm1').HostConfig.UsernsMode, 'remap');
    assert.equal(JSON.parse(fs.readFileSync(path.join(e.root, 'containers', id, 'userns.json'), 'utf8')).ownership, ownership);
    assert.equal(shiftedRanges().length, ownership === 'copy' ? 1 : 0, 'copies only for the copy strategy');
    e.ok(['rm', 'rm1']);
    assert.ok(!fs.existsSync(path.join(e.root, 'containers', id)));
  });

  test('BERTH_USERNS_REMAP=default turns remap on without the flag; --userns host turns it off', () => {
    process.env.BERTH_USERNS_REMAP = 'default';
    try {
      assert.deepEqual(mapOf(e.ok(['run', '--rm', 'busybox', 'cat', '/proc/self/uid_map'])), [0, 196608, 65536]);
      assert.deepEqual(mapOf(e.ok(['run', '--rm', '--userns', 'host', 'busybox', 'cat', '/proc/self/uid_map'])), [0, 0, 4294967295]);
    } finally {
      delete process.env.BERTH_USERNS_REMAP;
    }
  });

  test('auto: distinct blocks per container, host sees the mapped uid, restart keeps the block, rm frees it', () => {
    const a = e.ok(['run', '-d', '--name', 'au1', '--userns', 'auto', 'busybox', 'sleep', '1000']);
    const b = e.ok(['run', '-d', '--name', 'au2', '--userns', 'auto', 'busybox', 'sleep', '1000']);
    const ma = mapOf(e.ok(['exec', 'au1', 'cat', '/proc/self/uid_map']));
    const mb = mapOf(e.ok(['exec', 'au2', 'cat', '/proc/self/uid_map']));
    assert.equal(ma[2], 65536);
    assert.equal(mb[2], 65536);
    assert.ok(ma[1] + 65536 <= mb[1] || mb[1] + 65536 <= ma[1], `blocks overlap: ${ma} ${mb}`);
    for (const m of [ma, mb]) assert.ok(m[1] >= 262144, `auto blocks lie past alice and berth: ${m}`);
    const pid = e.inspect('au1').State.Pid as number;
    const uids = fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(/^Uid:\s+(.*)$/m)![1].split(/\s+/).map(Number);
    assert.deepEqual(uids, [ma[1], ma[1], ma[1], ma[1]], 'the container process is the mapped uid on the host');
    assert.equal(e.ok(['exec', 'au1', 'id', '-u']), '0');
    assert.match(e.ok(['exec', 'au1', 'ls', '-ln', '/bin/busybox']), /^\S+\s+\d+\s+0\s+0\s/);
    e.ok(['stop', '-t', '0', 'au1']);
    e.ok(['start', 'au1']);
    assert.deepEqual(mapOf(e.ok(['exec', 'au1', 'cat', '/proc/self/uid_map'])), ma, 'restart keeps the block');
    const blocks = () => JSON.parse(fs.readFileSync(path.join(e.root, 'userns', 'blocks.json'), 'utf8')).blocks as Record<string, string>;
    assert.deepEqual(Object.values(blocks()).sort(), [a, b].sort());
    const rootfs = path.join(e.root, 'containers', a, 'rootfs');
    assert.ok(mounted(rootfs));
    const shiftedBefore = shiftedRanges();
    const idmapped = path.join(e.root, 'userns', 'm', a.slice(0, 16));
    assert.equal(fs.existsSync(idmapped), ownership === 'idmap');
    e.ok(['rm', '-f', 'au1']);
    assert.ok(!mounted(rootfs), 'rm unmounts the host-side overlay');
    assert.ok(!fs.existsSync(idmapped), 'rm unmounts and removes the idmapped layers');
    assert.ok(!fs.readFileSync('/proc/self/mountinfo', 'utf8').includes(e.root + '/userns/m/' + a.slice(0, 16)));
    assert.deepEqual(Object.values(blocks()), [b], 'rm frees the block');
    if (ownership === 'copy') assert.equal(shiftedRanges().length, shiftedBefore.length - 1, 'the freed block\'s shifted layers go too');
    // The freed block is handed out again.
    const c = mapOf(e.ok(['run', '--rm', '--userns', 'auto', 'busybox', 'cat', '/proc/self/uid_map']));
    assert.deepEqual(c, ma);
    e.ok(['rm', '-f', 'au2']);
    assert.deepEqual(blocks(), {});
  });

  test('escape: --privileged root in an auto namespace cannot write a host-owned bind mount', () => {
    const f = path.join(share, 'host-owned');
    fs.writeFileSync(f, 'host\n', { mode: 0o644 });
    fs.chmodSync(share, 0o755);
    const r = e.run(['run', '--rm', '--userns', 'auto', '--privileged', '-v', `${share}:/h`, 'busybox', 'sh', '-c', 'id -u; echo pwned >> /h/host-owned || echo refused; touch /h/new || echo refused-new; chown 0 /h/host-owned || echo refused-chown']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), ['0', 'refused', 'refused-new', 'refused-chown']);
    assert.match(r.stderr, /Permission denied|Operation not permitted/);
    assert.equal(fs.readFileSync(f, 'utf8'), 'host\n');
    assert.ok(!fs.existsSync(path.join(share, 'new')));
    // The probe can see a hole: without a user namespace, --privileged root writes it.
    assert.equal(e.run(['run', '--rm', '--privileged', '-v', `${share}:/h`, 'busybox', 'sh', '-c', 'echo pwned >> /h/host-owned']).code, 0);
    assert.equal(fs.readFileSync(f, 'utf8'), 'host\npwned\n');
  });

  test('/etc/hosts, /etc/hostname and /etc/resolv.conf belong to root inside and it can write them', () => {
    const out = e.ok(['run', '--rm', '--userns', 'auto', 'busybox', 'sh', '-c', 'ls -ln /etc/hosts /etc/hostname; echo 10.0.0.9 extra >> /etc/hosts && grep -c extra /etc/hosts']);
    const lines = out.split('\n');
    for (const l of lines.slice(0, 2)) assert.deepEqual(l.split(/\s+/).slice(2, 4), ['0', '0'], l);
    assert.equal(lines[2], '1');
  });

  test('volumes belong to the range: root inside writes them', () => {
    const out = e.ok(['run', '--rm', '--userns', 'auto', '-v', 'uvol:/data', 'busybox', 'sh', '-c', 'touch /data/x && ls -ln /data/x && ls -lnd /data']);
    for (const l of out.split('\n')) assert.deepEqual(l.split(/\s+/).slice(2, 4), ['0', '0'], l);
    const src = e.ok(['volume', 'inspect', '-f', '{{.Mountpoint}}', 'uvol']);
    assert.ok(fs.statSync(path.join(src, 'x')).uid >= 262144, 'owned by the block on the host');
    e.ok(['volume', 'rm', 'uvol']);
  });

  test('concurrent auto containers never share a block', async () => {
    // Alive at the same time (a block freed by a container that ended may be reused later, rightly).
    const runs = await Promise.all([0, 1, 2, 3].map(() => e.runAsync(['run', '-d', '--userns', 'auto', 'busybox', 'sleep', '60'])));
    for (const r of runs) assert.equal(r.code, 0, r.stderr);
    const ids = runs.map((r) => r.stdout.trim());
    const starts = ids.map((id) => mapOf(fs.readFileSync(`/proc/${e.inspect(id).State.Pid}/uid_map`, 'utf8'))[1]);
    assert.equal(new Set(starts).size, 4, `distinct blocks: ${starts}`);
    e.ok(['rm', '-f', ...ids]);
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(e.root, 'userns', 'blocks.json'), 'utf8')).blocks, {});
  });

  test('shifted copies of removed layers are pruned when a remap container goes', { skip: ownership !== 'copy' && 'copy strategy only' }, () => {
    const range = shiftedRanges();
    const stale = path.join(e.root, 'layers-shifted', range[0], 'ffffffffff');
    fs.mkdirSync(stale);
    e.ok(['run', '--rm', '--userns', 'remap', 'busybox', 'true']);
    assert.ok(!fs.existsSync(stale));
    assert.ok(fs.readdirSync(path.join(e.root, 'layers-shifted', range[0])).length >= 1, 'live layers stay cached');
  });

  test('--network host: the host\'s /sys bound read-only (sysfs cannot be mounted); a bridged container gets its address', () => {
    const out = e.ok(['run', '--rm', '--network', 'host', '--userns', 'auto', 'busybox', 'sh', '-c', 'id -u; ls /sys/class >/dev/null && echo sys-ok; touch /sys/x 2>/dev/null || echo sys-ro']);
    assert.deepEqual(out.split('\n'), ['0', 'sys-ok', 'sys-ro']);
    // The monitor joins the persistent network namespace before the init gets its user namespace.
    const bridged = e.ok(['run', '--rm', '--network', 'bridge', '--userns', 'remap', 'busybox', 'sh', '-c', 'id -u; ls /sys/class/net | grep -c eth0']);
    assert.deepEqual(bridged.split('\n'), ['0', '1']);
  });

  test('bad values: one-line error, exit 125', () => {
    const r = e.run(['run', '--rm', '--userns', 'keep-id', 'busybox', 'true']);
    assert.equal(r.code, 125);
    assert.match(r.stderr, /^berth: invalid --userns value "keep-id": use host, remap or auto\n$/);
    process.env.BERTH_USERNS_REMAP = 'alice';
    try {
      const r2 = e.run(['run', '--rm', 'busybox', 'true']);
      assert.equal(r2.code, 125);
      assert.equal(r2.stderr.trim().split('\n').length, 1);
    } finally {
      delete process.env.BERTH_USERNS_REMAP;
    }
  });
});
