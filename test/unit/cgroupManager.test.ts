import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Cgroup, cgroupRelPath, type CgroupStats } from '../../src/runtime/cgroups/index.js';
import { fixtureCgroupFs } from '../../src/sys/cgroupfs.js';
import { isBerthError } from '../../src/errors.js';
import { fixtureTree, type FixtureKind } from './cgroupFixtures.js';

const MiB = 1024 * 1024;
const read = (f: string) => fs.readFileSync(f, 'utf8').trim();

/** Stat files for one state of the world, spelled in v1 and in v2. */
function writeStats(cg: Cgroup, kind: FixtureKind): void {
  const put = (ctrl: string, file: string, text: string) => fs.writeFileSync(path.join(cg.dirFor(ctrl) as string, file), text);
  if (kind === 'v2') {
    put('memory', 'memory.current', '1048576\n');
    put('memory', 'memory.max', '67108864\n');
    put('memory', 'memory.stat', 'anon 512\nfile 4096\nkernel 0\ninactive_file 1024\n');
    put('memory', 'memory.peak', '2097152\n');
    put('memory', 'memory.events', 'low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n');
    put('cpu', 'cpu.stat', 'usage_usec 3000\nuser_usec 2000\nsystem_usec 1000\nnr_periods 10\nnr_throttled 4\nthrottled_usec 500\n');
    put('pids', 'pids.current', '5\n');
    put('pids', 'pids.max', 'max\n');
    put('io', 'io.stat', '254:0 rbytes=100 wbytes=2000 rios=1 wios=2 dbytes=0 dios=0\n8:0 rbytes=1 wbytes=2\n');
  } else {
    put('memory', 'memory.usage_in_bytes', '1048576\n');
    put('memory', 'memory.limit_in_bytes', '67108864\n');
    put('memory', 'memory.stat', 'cache 4096\nrss 512\ninactive_file 7\ntotal_cache 4096\ntotal_inactive_file 1024\n');
    put('memory', 'memory.max_usage_in_bytes', '2097152\n');
    put('memory', 'memory.failcnt', '3\n');
    put('memory', 'memory.oom_control', 'oom_kill_disable 0\nunder_oom 0\noom_kill 1\n');
    put('cpuacct', 'cpuacct.usage', '3000000\n');
    put('cpuacct', 'cpuacct.usage_user', '2000000\n');
    put('cpuacct', 'cpuacct.usage_sys', '1000000\n');
    put('cpu', 'cpu.stat', 'nr_periods 10\nnr_throttled 4\nthrottled_time 500000\n');
    put('pids', 'pids.current', '5\n');
    put('pids', 'pids.max', 'max\n');
    put('blkio', 'blkio.throttle.io_service_bytes_recursive', '254:0 Read 100\n254:0 Write 2000\n254:0 Total 2100\n8:0 Read 1\n8:0 Write 2\nTotal 2103\n');
  }
}

const expectedStats: CgroupStats = {
  memory: { usage: MiB, limit: 64 * MiB, cache: 4096, inactiveFile: 1024, maxUsage: 2 * MiB, failcnt: 3 },
  cpu: { usageNs: 3000000, userNs: 2000000, systemNs: 1000000, periods: 10, throttledPeriods: 4, throttledNs: 500000 },
  pids: { current: 5, limit: null },
  blkio: { readBytes: 101, writeBytes: 2002 },
  oomKills: 1,
};

for (const kind of ['v1', 'hybrid', 'v2'] as FixtureKind[]) {
  const setup = (t: test.TestContext, killed: number[] = []) => {
    const f = fixtureTree(kind);
    t.after(f.cleanup);
    const cg = Cgroup.create(f.layout, cgroupRelPath('c1'), {
      fs: fixtureCgroupFs((pid) => {
        killed.push(pid);
        for (const d of cg.dirs()) fs.writeFileSync(path.join(d, 'cgroup.procs'), '');
      }),
    });
    return { f, cg };
  };

  test(`cgroup ${kind}: create makes berth/<id> on every hierarchy`, (t) => {
    const { f, cg } = setup(t);
    assert.equal(cg.relPath, 'berth/c1');
    for (const d of cg.dirs()) assert.ok(fs.statSync(d).isDirectory(), d);
    if (kind === 'v1') {
      assert.equal(cg.dirFor('cpuacct'), path.join(f.root, 'cpu,cpuacct', 'berth/c1'));
      assert.equal(read(path.join(cg.dirFor('cpuset') as string, 'cpuset.cpus')), '0-3', 'cpuset inherited from the parent');
      assert.equal(read(path.join(f.root, 'cpuset', 'berth', 'cpuset.mems')), '0');
    }
    if (kind === 'hybrid') {
      assert.equal(cg.dirFor('hugetlb'), path.join(f.root, 'unified', 'berth/c1'));
      assert.equal(read(path.join(f.root, 'unified', 'cgroup.subtree_control')), '', 'the host root of a hybrid cgroup2 is left alone');
    }
    if (kind === 'v2') {
      assert.deepEqual(cg.dirs(), [path.join(f.root, 'berth/c1')]);
      assert.equal(read(path.join(f.root, 'berth', 'cgroup.subtree_control')), 'cpuset cpu io memory pids hugetlb rdma misc');
    }
  });

  test(`cgroup ${kind}: update writes limits into the right directories`, (t) => {
    const { cg } = setup(t);
    cg.update({ memory: { limit: 64 * MiB }, cpu: { quota: 50000, period: 100000, cpus: '1' }, pids: { limit: 64 }, blockIO: { weight: 500 } });
    const at = (ctrl: string, file: string) => read(path.join(cg.dirFor(ctrl) as string, file));
    assert.equal(at('pids', 'pids.max'), '64');
    assert.equal(at('cpuset', 'cpuset.cpus'), '1');
    if (kind === 'v2') {
      assert.equal(at('memory', 'memory.max'), String(64 * MiB));
      assert.equal(at('cpu', 'cpu.max'), '50000 100000');
      assert.equal(at('io', 'io.weight'), 'default 4950');
    } else {
      assert.equal(at('memory', 'memory.limit_in_bytes'), String(64 * MiB));
      assert.equal(at('cpu', 'cpu.cfs_quota_us'), '50000');
      assert.equal(at('blkio', 'blkio.bfq.weight'), '500', 'falls back to the BFQ file');
    }
  });

  test(`cgroup ${kind}: addPid writes cgroup.procs everywhere; pids() lists children too`, (t) => {
    const { cg } = setup(t);
    cg.addPid(4242);
    for (const d of cg.dirs()) assert.equal(read(path.join(d, 'cgroup.procs')), '4242');
    const child = path.join(cg.dirs()[0], 'sub');
    fs.mkdirSync(child);
    fs.writeFileSync(path.join(child, 'cgroup.procs'), '77\n');
    assert.deepEqual(cg.pids(), [77, 4242]);
  });

  test(`cgroup ${kind}: stats have one shape`, (t) => {
    const { cg } = setup(t);
    writeStats(cg, kind);
    assert.deepEqual(cg.stats(), expectedStats);
    assert.equal(cg.oomEvents(), 1);
    assert.equal(cg.oomKilled(), true);
  });

  test(`cgroup ${kind}: freeze and thaw`, (t) => {
    const { cg } = setup(t);
    cg.freeze();
    assert.equal(cg.isFrozen(), true);
    cg.thaw();
    assert.equal(cg.isFrozen(), false);
  });

  test(`cgroup ${kind}: destroy kills listed pids and removes directories, children first`, (t) => {
    const killed: number[] = [];
    const { f, cg } = setup(t, killed);
    cg.addPid(4242);
    fs.mkdirSync(path.join(cg.dirs()[0], 'sub'));
    cg.destroy({ pruneParents: true });
    assert.deepEqual([...new Set(killed)], [4242]);
    for (const d of cg.dirs()) assert.equal(fs.existsSync(d), false, d);
    for (const h of cg.hierarchies()) assert.equal(fs.existsSync(path.join(h, 'berth')), false);
    assert.ok(fs.existsSync(f.root));
    // A second destroy (delete after a crash that already cleaned up) is fine.
    Cgroup.open(f.layout, 'berth/c1', { fs: fixtureCgroupFs() }).destroy();
  });

  test(`cgroup ${kind}: hugetlb lands on v1 or cgroup2 names; a missing optional file is skipped and reported`, (t) => {
    const { cg } = setup(t);
    cg.update({ hugepageLimits: [{ pageSize: '2MB', limit: 4194304 }] });
    const file = kind === 'v1' ? 'hugetlb.2MB.limit_in_bytes' : 'hugetlb.2MB.max';
    assert.equal(read(path.join(cg.dirFor('hugetlb') as string, file)), '4194304');
    const swapFile = kind === 'v2' ? 'memory.swap.max' : 'memory.memsw.limit_in_bytes';
    fs.rmSync(path.join(cg.dirFor('memory') as string, swapFile));
    const skipped = cg.update({ memory: { limit: 64 * MiB, swap: 128 * MiB } });
    assert.deepEqual(skipped.map((w) => w.file), [swapFile]);
  });

  test(`cgroup ${kind}: net_cls/net_prio applied where mounted, refused by name where not`, (t) => {
    const { cg } = setup(t);
    const network = { classID: 0x100001, priorities: [{ name: 'eth0', priority: 5 }] };
    if (kind === 'v1') {
      assert.deepEqual(cg.update({ network }), []);
      assert.equal(read(path.join(cg.dirFor('net_cls') as string, 'net_cls.classid')), String(0x100001));
      assert.equal(read(path.join(cg.dirFor('net_prio') as string, 'net_prio.ifpriomap')), 'eth0 5');
    } else {
      assert.throws(() => cg.update({ network }), (e) => isBerthError(e, 'FailedPrecondition') && /network.*net_cls|net_cls.*not mounted/.test((e as Error).message));
    }
  });

  test(`cgroup ${kind}: memory.kernelTCP written on v1 (optional file), never on v2`, (t) => {
    const { cg } = setup(t);
    const mem = cg.dirFor('memory') as string;
    if (kind === 'v2') {
      assert.deepEqual(cg.update({ memory: { kernelTCP: 8 * MiB } }), []);
      assert.equal(fs.existsSync(path.join(mem, 'memory.kmem.tcp.limit_in_bytes')), false);
      return;
    }
    assert.deepEqual(cg.update({ memory: { kernelTCP: 8 * MiB } }).map((w) => w.file), ['memory.kmem.tcp.limit_in_bytes'], 'skipped and reported when the kernel lacks it');
    fs.writeFileSync(path.join(mem, 'memory.kmem.tcp.limit_in_bytes'), '');
    assert.deepEqual(cg.update({ memory: { kernelTCP: 8 * MiB } }), []);
    assert.equal(read(path.join(mem, 'memory.kmem.tcp.limit_in_bytes')), String(8 * MiB));
  });

  test(`cgroup ${kind}: abandon() removes the leaf and every parent it made, not those that were there`, (t) => {
    const { cg: first } = setup(t);
    const cg = Cgroup.create(first.layout, 'berth/made-a/made-b/leaf', { fs: fixtureCgroupFs() });
    for (const d of cg.dirs()) assert.ok(fs.existsSync(d));
    cg.abandon();
    for (const h of cg.hierarchies()) {
      assert.equal(fs.existsSync(path.join(h, 'berth/made-a')), false, `${h}: made-a removed`);
      assert.ok(fs.existsSync(path.join(h, 'berth')), `${h}: berth/ was there before and stays`);
    }
  });

  test(`cgroup ${kind}: a missing controller is a FailedPrecondition naming it`, (t) => {
    const { cg } = setup(t);
    const ctrl = 'rdma_x';
    assert.throws(() => cg.apply([{ controller: ctrl, file: `${ctrl}.x`, value: '1' }]), (e) => isBerthError(e, 'FailedPrecondition') && (e as Error).message.includes(ctrl));
  });
}

test('cgroup path: --cgroup-parent overrides berth/, bad names are InvalidArgument', () => {
  assert.equal(cgroupRelPath('abc'), 'berth/abc');
  assert.equal(cgroupRelPath('abc', '/my/parent'), 'my/parent/abc');
  assert.throws(() => cgroupRelPath('abc', '../etc'), (e) => isBerthError(e, 'InvalidArgument'));
  assert.throws(() => cgroupRelPath('a/b'), (e) => isBerthError(e, 'InvalidArgument'));
});
