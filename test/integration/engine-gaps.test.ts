/**
 * Issue #5's remaining gaps through the real CLI: block I/O and memory tunables
 * (read back from the container's cgroup files), cp -a/-L, cp/export/commit of
 * --userns containers, and system df's volumes row.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { berthBin, blockDevice, isRoot, requiresRoot, tmpDir } from '../helpers.js';
import { hostSupport } from '../../src/engine/hostSupport.js';
import type { ResourceSupport } from '../../src/engine/resourceFlags.js';
import { Engine, berthCommand, until } from './engineHarness.js';

// --userns containers take their ranges from stand-ins for /etc/subuid and /etc/subgid (the host's stay untouched).
const subids = tmpDir('berth-gaps-subids-');
process.env.BERTH_SUBUID_FILE = path.join(subids, 'subuid');
process.env.BERTH_SUBGID_FILE = path.join(subids, 'subgid');
after(() => fs.rmSync(subids, { recursive: true, force: true }));

/** A berth command's raw stdout (a tar stream), failing on a non-zero exit. */
function berthBuffer(e: Engine, args: string[], input?: Buffer): Buffer {
  const r = spawnSync(...berthCommand(['--root', e.root, ...args]), { input, maxBuffer: 256 << 20 });
  if (r.status !== 0) throw new Error(`berth ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/** `tar -tvn`-like listing: numeric owners. */
function tarListing(tar: Buffer): string {
  return spawnSync('tar', ['-tvf', '-', '--numeric-owner'], { input: tar, encoding: 'utf8' }).stdout;
}

function cgroupFile(ctrl: string, id: string, file: string): string {
  return fs.readFileSync(path.join('/sys/fs/cgroup', ctrl, 'berth', id, file), 'utf8');
}

// What this host offers, from the probe the engine's warnings come from: each test asserts
// what Docker does here (the value where the kernel has the file, dockerd's warning where not).
const host = isRoot ? hostSupport() : undefined;
const v1 = host !== undefined && host.layout.mode !== 'v2';
const can = host?.resources;

/** dockerd's create warnings for `-m 64m` plus these tunables on a host that lacks `can`'s false ones, in its order. */
function expectedWarnings(c: ResourceSupport): string {
  const w = [
    [c.swapLimit, 'Your kernel does not support swap limit capabilities or the cgroup is not mounted. Memory limited without swap.'],
    [c.swappiness, 'Your kernel does not support memory swappiness capabilities or the cgroup is not mounted. Memory swappiness discarded.'],
    [c.oomKillDisable, 'Your kernel does not support OomKillDisable. OomKillDisable discarded.'],
    [c.blkioWeight, 'Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.'],
    [c.iopsRead, 'Your kernel does not support IOPS Block read limit or the cgroup is not mounted. Block I/O IOPS read limit discarded.'],
    [c.iopsWrite, 'Your kernel does not support IOPS Block write limit or the cgroup is not mounted. Block I/O IOPS write limit discarded.'],
  ] as const;
  return w.filter(([ok]) => !ok).map(([, text]) => `WARNING: ${text}\n`).join('');
}

describe('engine gaps: block I/O and memory tunables', requiresRoot, () => {
  const e = new Engine('berth-gaps-res-');
  before(async () => {
    await e.init();
  });
  after(() => e.cleanup());

  test('--device-read/write-iops, --memory-swappiness, --oom-kill-disable, --blkio-weight: in the cgroup where the kernel has them, else discarded with dockerd\'s warning', { skip: v1 ? false : 'cgroup v1 files (the v2 host case is below)' }, () => {
    const dev = blockDevice();
    const c = can as ResourceSupport;
    const r = e.run(['run', '-d', '--name', 'tun', '--network', 'none', '-m', '64m', '--device-read-iops', `${dev.path}:12345`, '--device-write-iops', `${dev.path}:4567`,
      '--memory-swappiness', '7', '--oom-kill-disable', '--blkio-weight', '300', 'busybox', 'sleep', '1000']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, expectedWarnings(c), `warnings for what this host lacks: ${JSON.stringify(c)}`);
    const id = r.stdout.trim();
    const hc = e.inspect('tun').HostConfig;
    assert.deepEqual(hc.BlkioDeviceReadIOps, c.iopsRead ? [{ Path: dev.path, Rate: 12345 }] : null);
    assert.deepEqual(hc.BlkioDeviceWriteIOps, c.iopsWrite ? [{ Path: dev.path, Rate: 4567 }] : null);
    assert.equal(hc.MemorySwappiness, c.swappiness ? 7 : null);
    assert.equal(hc.OomKillDisable, c.oomKillDisable);
    assert.equal(hc.BlkioWeight, c.blkioWeight ? 300 : 0);
    assert.equal(hc.MemorySwap, c.swapLimit ? 128 << 20 : -1);
    if (c.iopsRead) assert.equal(cgroupFile('blkio', id, 'blkio.throttle.read_iops_device').trim(), `${dev.num} 12345`);
    if (c.iopsWrite) assert.equal(cgroupFile('blkio', id, 'blkio.throttle.write_iops_device').trim(), `${dev.num} 4567`);
    if (c.swappiness) assert.equal(cgroupFile('memory', id, 'memory.swappiness').trim(), '7');
    if (c.oomKillDisable) assert.match(cgroupFile('memory', id, 'memory.oom_control'), /^oom_kill_disable 1$/m);
    const weightFile = host?.bfq ? 'blkio.bfq.weight' : 'blkio.weight';
    if (c.blkioWeight) assert.match(cgroupFile('blkio', id, weightFile), /(^|\s)300\s*$/);
    else assert.ok(!fs.existsSync(path.join('/sys/fs/cgroup/blkio/berth', id, weightFile)), 'the probe and the kernel agree: no weight file');
    // update: the same rule (Docker's update prints the warning after the container's name).
    const u = e.run(['update', '--blkio-weight', '700', 'tun']);
    assert.equal(u.code, 0, u.stderr);
    assert.equal(u.stdout, c.blkioWeight ? 'tun\n' : 'tun\nYour kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.\n');
    if (c.blkioWeight) assert.match(cgroupFile('blkio', id, weightFile), /(^|\s)700\s*$/);
    assert.equal(e.inspect('tun').HostConfig.BlkioWeight, c.blkioWeight ? 700 : 0);
    e.ok(['update', '--cpu-period', '50000', '--cpu-quota', '150000', 'tun']);
    assert.equal(cgroupFile('cpu', id, 'cpu.cfs_period_us').trim(), '50000');
    assert.equal(cgroupFile('cpu', id, 'cpu.cfs_quota_us').trim(), '150000');
    e.ok(['rm', '-f', 'tun']);
  });

  test('defaults: swappiness null, no OOM switch, empty lists; --oom-kill-disable without -m warns as Docker', () => {
    const hc = e.inspect(e.ok(['create', 'busybox', 'true'])).HostConfig;
    assert.equal(hc.MemorySwappiness, null);
    assert.equal(hc.OomKillDisable, false);
    assert.equal(hc.BlkioWeight, 0);
    assert.equal(hc.BlkioDeviceReadIOps, null);
    const r = e.run(['create', '--oom-kill-disable', 'busybox', 'true']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, [
      "WARNING: Disabling the OOM killer on containers without setting a '-m/--memory' limit may be dangerous.\n",
      can?.oomKillDisable ? '' : 'WARNING: Your kernel does not support OomKillDisable. OomKillDisable discarded.\n',
    ].join(''));
  });

  test('--cpu-period / --cpu-quota reach cpu.cfs_*, a period alone too; --cpuset-mems (run and update)', { skip: v1 ? false : 'needs cgroup v1' }, () => {
    const id = e.ok(['run', '-d', '--network', 'none', '--cpu-period', '20000', '--cpu-quota', '30000', 'busybox', 'sleep', '1000']);
    assert.equal(cgroupFile('cpu', id, 'cpu.cfs_period_us').trim(), '20000');
    assert.equal(cgroupFile('cpu', id, 'cpu.cfs_quota_us').trim(), '30000');
    const hc = e.inspect(id).HostConfig;
    assert.deepEqual([hc.CpuPeriod, hc.CpuQuota], [20000, 30000]);
    const alone = e.ok(['run', '-d', '--network', 'none', '--cpu-period', '50000', '--cpuset-mems', '0', 'busybox', 'sleep', '1000']);
    assert.equal(cgroupFile('cpu', alone, 'cpu.cfs_period_us').trim(), '50000');
    assert.equal(cgroupFile('cpuset', alone, 'cpuset.mems').trim(), '0');
    assert.equal(e.inspect(alone).HostConfig.CpusetMems, '0');
    e.ok(['update', '--cpuset-mems', '0', '--cpu-period', '40000', alone]);
    assert.equal(cgroupFile('cpu', alone, 'cpu.cfs_period_us').trim(), '40000');
    e.ok(['rm', '-f', id, alone]);
  });

  test('bad values: one line, exit 125, no container left', () => {
    const before = e.containerDirs().length;
    const cases: [string[], RegExp][] = [
      [['--memory-swappiness', '101'], /^berth: Invalid value: 101, valid memory swappiness range is 0-100\n$/],
      [['--device-read-iops', 'sda:10'], /^berth: invalid argument "sda:10" for "--device-read-iops" flag: bad format for device path: sda:10\n$/],
      [['--device-write-iops', '/dev/sda:x'], /invalid rate for device: \/dev\/sda:x\. The correct format is <device-path>:<number>\. Number must be a positive integer\n$/],
      [['--device-read-iops', '/dev/berth-no-such:10'], /^berth: error gathering device information while adding device "\/dev\/berth-no-such": no such file or directory\n$/],
      [['--blkio-weight', '5'], /^berth: Range of blkio weight is from 10 to 1000\n$/],
      [['--blkio-weight-device', '/dev/sda:5'], /invalid weight for device: \/dev\/sda:5\n$/],
      [['--cpu-quota', '500'], /^berth: CPU cfs quota can not be less than 1ms \(i\.e\. 1000\)\n$/],
      [['--cpu-period', '2000000'], /^berth: CPU cfs period can not be less than 1ms \(i\.e\. 1000\) or larger than 1s \(i\.e\. 1000000\)\n$/],
      [['--cpus', '1', '--cpu-quota', '5000'], /^berth: Conflicting options: Nano CPUs and CPU Quota cannot both be set\n$/],
      [['--cpus', '1', '--cpu-period', '5000'], /^berth: Conflicting options: Nano CPUs and CPU Period cannot both be set\n$/],
    ];
    for (const [flags, msg] of cases) {
      const r = e.run(['create', ...flags, 'busybox', 'true']);
      assert.equal(r.code, 125, `${flags.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, msg);
    }
    assert.equal(e.containerDirs().length, before);
  });
});

describe('engine gaps: cp -a / -L', requiresRoot, () => {
  const e = new Engine('berth-gaps-cp-');
  const dir = fs.mkdtempSync('/tmp/berth-gaps-cp-');
  before(async () => {
    await e.init();
  });
  after(() => {
    e.cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const owner = (p: string) => `${fs.lstatSync(p).uid}:${fs.lstatSync(p).gid}`;

  test('into a container the source owners stay; -a gives them to the container user; out of it the caller owns them unless -a', () => {
    const f = path.join(dir, 'f');
    fs.writeFileSync(f, 'data');
    fs.chownSync(f, 1234, 5678);
    e.ok(['run', '-d', '--name', 'cpa', '--network', 'none', 'busybox', 'sleep', '1000']);
    e.ok(['run', '-d', '--name', 'cpu', '--network', 'none', '-u', '1000:1000', 'busybox', 'sleep', '1000']);
    e.ok(['cp', f, 'cpa:/tmp/plain']);
    e.ok(['cp', '-a', f, 'cpa:/tmp/arch']);
    e.ok(['cp', f, 'cpu:/tmp/plain']);
    e.ok(['cp', '-a', f, 'cpu:/tmp/arch']);
    assert.equal(e.ok(['exec', 'cpa', 'stat', '-c', '%u:%g', '/tmp/plain', '/tmp/arch']), '1234:5678\n1234:5678');
    assert.equal(e.ok(['exec', 'cpu', 'stat', '-c', '%u:%g', '/tmp/plain', '/tmp/arch']), '1234:5678\n1000:1000');
    e.ok(['exec', 'cpa', 'sh', '-c', 'mkdir /tmp/d && touch /tmp/d/o && chown -R 42:43 /tmp/d']);
    e.ok(['cp', 'cpa:/tmp/d', path.join(dir, 'o1')]);
    e.ok(['cp', '-a', 'cpa:/tmp/d', path.join(dir, 'o2')]);
    assert.deepEqual([owner(path.join(dir, 'o1')), owner(path.join(dir, 'o1', 'o'))], ['0:0', '0:0']);
    assert.deepEqual([owner(path.join(dir, 'o2')), owner(path.join(dir, 'o2', 'o'))], ['42:43', '42:43']);
    // the tar stream carries the container's owners, -a or not
    const tar = berthBuffer(e, ['cp', 'cpa:/tmp/d', '-']);
    assert.match(tarListing(tar), /^-\S+ 42\/43 .* d\/o$/m);
  });

  test('-L copies what a symlink SRC_PATH points to, under the link name (running and stopped)', () => {
    const link = path.join(dir, 'link');
    fs.writeFileSync(path.join(dir, 'target'), 'pointed-to\n');
    fs.symlinkSync('target', link);
    e.ok(['cp', link, 'cpa:/tmp/']);
    e.ok(['cp', '-L', link, 'cpa:/tmp/followed']);
    assert.equal(e.ok(['exec', 'cpa', 'sh', '-c', 'readlink /tmp/link; cat /tmp/followed; test -L /tmp/followed || echo regular']), 'target\npointed-to\nregular');
    e.ok(['exec', 'cpa', 'ln', '-s', '/etc/passwd', '/tmp/pl']);
    e.ok(['cp', 'cpa:/tmp/pl', path.join(dir, 'pl1')]);
    e.ok(['cp', '-L', 'cpa:/tmp/pl', path.join(dir, 'pl2')]);
    assert.equal(fs.readlinkSync(path.join(dir, 'pl1')), '/etc/passwd');
    assert.match(fs.readFileSync(path.join(dir, 'pl2'), 'utf8'), /^root:x:0:0:/);
    e.ok(['stop', '-t', '0', 'cpa']);
    e.ok(['cp', '-L', 'cpa:/tmp/pl', path.join(dir, 'pl3')]);
    assert.ok(fs.lstatSync(path.join(dir, 'pl3')).isFile());
    assert.match(fs.readFileSync(path.join(dir, 'pl3'), 'utf8'), /^root:x:0:0:/);
  });

  test('SRC_PATH ending in /. copies the contents into an existing directory, both ways', () => {
    const tree = path.join(dir, 'tree');
    fs.mkdirSync(tree);
    fs.writeFileSync(path.join(tree, 'a'), 'A');
    e.ok(['exec', 'cpu', 'mkdir', '-p', '/tmp/into']);
    e.ok(['cp', `${tree}/.`, 'cpu:/tmp/into']);
    e.ok(['cp', tree, 'cpu:/tmp/into']);
    assert.equal(e.ok(['exec', 'cpu', 'sh', '-c', 'cat /tmp/into/a /tmp/into/tree/a']), 'AA');
    const out = path.join(dir, 'out-contents');
    fs.mkdirSync(out);
    e.ok(['cp', 'cpu:/tmp/into/.', out]);
    assert.deepEqual(fs.readdirSync(out).sort(), ['a', 'tree']);
  });

  test('into a container never started: directories only the image holds are copied up; a missing parent is an error', () => {
    const f = path.join(dir, 'fresh');
    fs.writeFileSync(f, 'fresh\n');
    e.ok(['create', '--name', 'never', 'busybox', 'cat', '/tmp/fresh']);
    e.ok(['cp', f, 'never:/tmp/']);
    const r = e.run(['cp', f, 'never:/no-such-dir/x']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'berth: stat /no-such-dir: no such file or directory\n');
    assert.equal(e.ok(['start', '-a', 'never']), 'fresh');
    const upper = e.inspect('never').GraphDriver.Data.UpperDir as string;
    assert.equal(fs.statSync(path.join(upper, 'tmp')).mode & 0o7777, 0o1777, '/tmp copied up with its mode');
  });

  test('between two containers, or two local paths: Docker\'s refusals, exit 1', () => {
    const r = e.run(['cp', 'cpa:/etc/passwd', 'cpu:/tmp/']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'berth: copying between containers is not supported\n');
    const l = e.run(['cp', '/etc/passwd', path.join(dir, 'x')]);
    assert.equal(l.code, 1);
    assert.equal(l.stderr, 'berth: must specify at least one container source\n');
    const m = e.run(['cp', path.join(dir, 'no-such'), 'cpa:/tmp/']);
    assert.equal(m.code, 1);
    assert.equal(m.stderr, `berth: lstat ${path.join(dir, 'no-such')}: no such file or directory\n`);
  });
});

describe('engine gaps: a --userns container through cp, export, commit and diff', requiresRoot, () => {
  const e = new Engine('berth-gaps-userns-');
  const dir = fs.mkdtempSync('/tmp/berth-gaps-un-');
  before(async () => {
    await e.init();
  });
  after(() => {
    e.cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const owner = (p: string) => `${fs.lstatSync(p).uid}:${fs.lstatSync(p).gid}`;

  test('files made inside as root show 0:0 outside the host range in every archive; cp in shifts the other way', async () => {
    e.ok(['run', '-d', '--name', 'un', '--network', 'none', '--userns', 'auto', 'busybox', 'sh', '-c',
      'mkdir -p /made && touch /made/root-file /made/u-file && chown 1000:1000 /made/u-file && touch /made/done && exec sleep 1000']);
    await until(() => e.run(['exec', 'un', 'test', '-e', '/made/done']).code === 0);
    const j = e.inspect('un');
    const hostRoot = JSON.parse(fs.readFileSync(path.join(e.root, 'containers', j.Id, 'userns.json'), 'utf8')).uidMappings[0].hostID as number;
    assert.ok(hostRoot >= 100000);
    const upper = j.GraphDriver.Data.UpperDir as string;
    assert.equal(owner(path.join(upper, 'made', 'root-file')), `${hostRoot}:${hostRoot}`, 'on disk: shifted host ids');
    assert.equal(owner(path.join(upper, 'made', 'u-file')), `${hostRoot + 1000}:${hostRoot + 1000}`);

    const exported = tarListing(berthBuffer(e, ['export', 'un']));
    assert.match(exported, /^-\S+ 0\/0 .* made\/root-file$/m);
    assert.match(exported, /^-\S+ 1000\/1000 .* made\/u-file$/m);
    assert.match(exported, /^-\S+ 0\/0 .* bin\/busybox$/m);
    assert.doesNotMatch(exported, new RegExp(` ${hostRoot}/`));

    const streamed = tarListing(berthBuffer(e, ['cp', 'un:/made', '-']));
    assert.match(streamed, /^-\S+ 0\/0 .* made\/root-file$/m);
    assert.match(streamed, /^-\S+ 1000\/1000 .* made\/u-file$/m);
    e.ok(['cp', '-a', 'un:/made', path.join(dir, 'made')]);
    assert.equal(owner(path.join(dir, 'made', 'root-file')), '0:0');
    assert.equal(owner(path.join(dir, 'made', 'u-file')), '1000:1000');

    const f = path.join(dir, 'in');
    fs.writeFileSync(f, 'x');
    fs.chownSync(f, 1234, 1234);
    e.ok(['cp', f, 'un:/tmp/in']);
    berthBuffer(e, ['cp', '-', 'un:/tmp/'], berthBuffer(e, ['cp', 'un:/made', '-']));
    assert.equal(e.ok(['exec', 'un', 'stat', '-c', '%u:%g', '/tmp/in', '/tmp/made/root-file', '/tmp/made/u-file']), '1234:1234\n0:0\n1000:1000');
    assert.equal(owner(path.join(upper, 'tmp', 'in')), `${hostRoot + 1234}:${hostRoot + 1234}`);

    assert.match(e.ok(['diff', 'un']), /^A \/made\/root-file$/m);

    // merging a directory into an existing one leaves what was there alone
    e.ok(['exec', 'un', 'sh', '-c', 'mkdir /tmp/m && touch /tmp/m/old && chown 7:7 /tmp/m/old']);
    fs.mkdirSync(path.join(dir, 'm'));
    fs.writeFileSync(path.join(dir, 'm', 'new'), '');
    e.ok(['cp', path.join(dir, 'm'), 'un:/tmp/']);
    assert.equal(e.ok(['exec', 'un', 'stat', '-c', '%u:%g', '/tmp/m/old', '/tmp/m/new']), '7:7\n0:0');

    e.ok(['commit', 'un', 'gaps-committed:1']);
    assert.equal(e.ok(['run', '--rm', '--network', 'none', 'gaps-committed:1', 'stat', '-c', '%u:%g', '/made/root-file', '/made/u-file', '/tmp/in']), '0:0\n1000:1000\n1234:1234');

    // stopped: the same, from the snapshot's layers
    e.ok(['stop', '-t', '0', 'un']);
    e.ok(['cp', '-a', 'un:/made', path.join(dir, 'made-stopped')]);
    assert.equal(owner(path.join(dir, 'made-stopped', 'root-file')), '0:0');
    assert.equal(owner(path.join(dir, 'made-stopped', 'u-file')), '1000:1000');
    e.ok(['cp', f, 'un:/tmp/in2']);
    e.ok(['start', 'un']);
    assert.equal(e.ok(['exec', 'un', 'stat', '-c', '%u:%g', '/tmp/in2']), '1234:1234');
    const r = e.run(['cp', 'un:/made', path.join(dir, 'no-such', 'x')]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `berth: stat ${path.join(dir, 'no-such')}: no such file or directory\n`);
  });
});

describe('engine gaps: system df counts volumes', requiresRoot, () => {
  const e = new Engine('berth-gaps-df-');
  before(async () => {
    await e.init();
  });
  after(() => e.cleanup());

  test('Local Volumes: total, active (mounted by any container), size of the data, reclaimable; -v lists them with LINKS', () => {
    e.ok(['volume', 'create', 'used']);
    e.ok(['run', '--network', 'none', '-v', 'used:/d', 'busybox', 'sh', '-c', 'head -c 3000 /dev/zero > /d/f']);
    e.ok(['run', '--rm', '--network', 'none', '-v', 'idle:/d', 'busybox', 'sh', '-c', 'head -c 1000 /dev/zero > /d/f']);
    const rows = e.ok(['system', 'df', '--format', '{{.Type}}|{{.TotalCount}}|{{.Active}}|{{.Size}}|{{.Reclaimable}}']).split('\n');
    assert.equal(rows[2], 'Local Volumes|2|1|4kB|1kB (25%)');
    assert.equal(rows[3], 'Build Cache|0|0|0B|0B');
    const table = e.ok(['system', 'df']).split('\n');
    assert.match(table[0], /^TYPE +TOTAL +ACTIVE +SIZE +RECLAIMABLE$/);
    assert.match(table[3], /^Local Volumes +2 +1 +4kB +1kB \(25%\)$/);
    const verbose = e.ok(['system', 'df', '-v']);
    assert.match(verbose, /\nLocal Volumes space usage:\n\nVOLUME NAME +LINKS +SIZE\nidle +0 +1kB\nused +1 +3kB\n/);
    assert.match(verbose, /\nBuild cache usage: 0B\n/);
    assert.match(verbose, /\nContainers space usage:\n\nCONTAINER ID +IMAGE +COMMAND +LOCAL VOLUMES +SIZE +CREATED +STATUS +NAMES\n[0-9a-f]{12} +busybox +"sh -c head -c 3000 …" +1 +\S+ +.* ago +Exited \(0\) .* ago +\S+\n/);
  });
});

// The cgroup-v2 counterpart of the tunables test is in engine-cgroup-e2e.test.ts (run in the v2 VM too).
