/**
 * Faults berth must survive (issue 19): a dead monitor, a damaged record, a deleted root, a
 * reboot. Each test breaks something for real and looks at the kernel afterwards.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { requiresRoot } from '../helpers.js';
import { Engine, until } from './engineHarness.js';
import { alive, cgroupDirs, killPid, mountsUnder, runtimeState } from './faultsHarness.js';

const STUBBORN = ['busybox', 'sh', '-c', "trap '' TERM; while :; do sleep 1; done"];

describe('engine faults: a dead monitor', requiresRoot, () => {
  const e = new Engine('berth-faults-');
  before(() => e.init());
  after(() => e.cleanup());

  test('the container runs on without its monitor; exec, pause and stop act on it directly', async () => {
    const id = e.ok(['run', '-d', '--name', 'nomon', ...STUBBORN]);
    const s = runtimeState(e.root, id);
    assert.ok(s.cgroupPath && cgroupDirs(s.cgroupPath).length > 0, 'the container has its cgroup');
    killPid(s.monitorPid);
    await until(() => !alive(s.monitorPid));
    assert.ok(alive(s.pid), 'the init outlives its monitor');

    assert.match(e.ok(['ps', '--filter', 'name=nomon', '--format', '{{.Status}}']), /^Up /);
    const st = e.inspect('nomon').State;
    assert.equal(st.Running, true);
    assert.equal(st.Pid, s.pid);
    assert.match(st.Error, /monitor .*is gone/);
    assert.equal(e.ok(['exec', 'nomon', 'echo', 'still here']), 'still here');
    const logs = e.run(['logs', 'nomon']);
    assert.equal(logs.code, 0);
    assert.match(logs.stderr, /monitor of container [0-9a-f]{12} died.*lost/);

    e.ok(['pause', 'nomon']);
    assert.equal(e.inspect('nomon').State.Status, 'paused');
    e.ok(['unpause', 'nomon']);
    assert.equal(e.inspect('nomon').State.Status, 'running');

    // pid 1 ignores SIGTERM: stop must follow with SIGKILL after its timeout, then clean up.
    e.ok(['stop', '-t', '1', 'nomon']);
    assert.ok(!alive(s.pid), 'the process is gone');
    assert.deepEqual(cgroupDirs(s.cgroupPath), [], 'the cgroup is gone');
    assert.deepEqual(mountsUnder(path.join(e.root, 'netns')), [], 'the netns mount is gone');
    assert.match(e.ok(['ps', '-a', '--filter', 'name=nomon', '--format', '{{.Status}}']), /^Exited \(137\)/);
    const after = e.inspect('nomon').State;
    assert.equal(after.ExitCode, 137);
    assert.match(after.Error, /monitor .*died/);
    // It starts again as any stopped container does, with a monitor of its own.
    e.ok(['start', 'nomon']);
    const again = runtimeState(e.root, id);
    assert.ok(alive(again.monitorPid) && alive(again.pid));
    assert.equal(e.inspect('nomon').State.Error, '');
    e.ok(['rm', '-f', 'nomon']);
    assert.ok(!alive(again.pid));
  });

  test('kill and rm -f end a container whose monitor is gone', async () => {
    const a = e.ok(['run', '-d', '--name', 'nomon-kill', ...STUBBORN]);
    const b = e.ok(['run', '-d', '--name', 'nomon-rm', ...STUBBORN]);
    const sa = runtimeState(e.root, a);
    const sb = runtimeState(e.root, b);
    killPid(sa.monitorPid);
    killPid(sb.monitorPid);
    await until(() => !alive(sa.monitorPid) && !alive(sb.monitorPid));

    e.ok(['kill', 'nomon-kill']);
    assert.ok(!alive(sa.pid));
    assert.deepEqual(cgroupDirs(sa.cgroupPath!), []);
    assert.match(e.ok(['ps', '-a', '--filter', 'name=nomon-kill', '--format', '{{.Status}}']), /^Exited \(137\)/);

    e.ok(['rm', '-f', 'nomon-rm']);
    assert.ok(!alive(sb.pid));
    assert.deepEqual(cgroupDirs(sb.cgroupPath!), []);
    assert.equal(e.run(['inspect', 'nomon-rm']).code, 1);
    e.ok(['rm', 'nomon-kill']);
    assert.deepEqual(mountsUnder(e.root), []);
  });
});

describe('engine faults: system check of one root', requiresRoot, () => {
  const e = new Engine('berth-faults-');
  before(() => e.init());
  after(() => e.cleanup());

  test('finds what died unrecorded, a damaged record and leftovers; --repair fixes each and says so', async () => {
    const deadId = e.ok(['run', '-d', '--name', 'unrecorded', 'busybox', 'sleep', '1000']);
    const hurtId = e.ok(['run', '-d', '--name', 'hurt2', 'busybox', 'sleep', '1000']);
    const sd = runtimeState(e.root, deadId);
    const sh = runtimeState(e.root, hurtId);
    killPid(sd.monitorPid); // the monitor first: nobody records the exit or releases the network
    await until(() => !alive(sd.monitorPid));
    killPid(sd.pid);
    await until(() => !alive(sd.pid));
    fs.writeFileSync(path.join(e.root, 'containers', hurtId, 'container.json'), '{"Id": "');
    const check = ['system', 'check', '--orphan-root', e.root];
    const r = e.run(check);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /container unrecorded \([0-9a-f]{12}\) ended after its monitor died/);
    assert.match(r.stdout, new RegExp(`container ${hurtId.slice(0, 12)}: its record .* is damaged`));
    const fix = e.run([...check, '--repair']);
    assert.equal(fix.code, 0, fix.stdout + fix.stderr);
    assert.match(fix.stdout, /repaired: recorded the exit of [0-9a-f]{12} \(137\) and released its cgroup and networks/);
    assert.match(fix.stdout, /repaired: removed damaged container/);
    assert.ok(!alive(sh.pid) && !alive(sh.monitorPid), 'the damaged one\'s processes are gone');
    assert.deepEqual(cgroupDirs(sd.cgroupPath!), []);
    assert.deepEqual(cgroupDirs(sh.cgroupPath!), []);
    assert.deepEqual(mountsUnder(e.root), []);
    const again = e.run(check);
    assert.equal(again.code, 0, again.stdout);
    assert.match(e.ok(['ps', '-a', '--filter', 'name=unrecorded', '--format', '{{.Status}}']), /^Exited \(137\)/);
  });
});

describe('engine faults: a damaged record', requiresRoot, () => {
  const e = new Engine('berth-faults-');
  before(() => e.init());
  after(() => e.cleanup());

  test('ps reports and lists it, inspect names the file and the error, rm -f removes it and what runs', async () => {
    e.ok(['run', '-d', '--name', 'keep', 'busybox', 'sleep', '1000']);
    const id = e.ok(['run', '-d', '--name', 'hurt', ...STUBBORN]);
    const s = runtimeState(e.root, id);
    const file = path.join(e.root, 'containers', id, 'container.json');
    fs.truncateSync(file, 17); // a disk fault: half a record

    const ps = e.run(['ps', '-a']);
    assert.equal(ps.code, 0);
    const warnings = ps.stderr.split('\n').filter(Boolean);
    assert.equal(warnings.length, 1, ps.stderr);
    assert.match(warnings[0], new RegExp(`container ${id}: its record ${file.replace(/[/.]/g, '\\$&')} is damaged`));
    const row = ps.stdout.split('\n').find((l) => l.startsWith(id.slice(0, 12)));
    assert.ok(row, ps.stdout);
    assert.match(row, /<damaged>/);
    assert.match(row, /Up /, 'its process still runs, and ps says so');
    assert.match(e.ok(['ps', '--format', '{{.Names}}']), /keep/, 'the others are listed as before');
    assert.ok(e.ok(['ps', '-q', '--no-trunc']).split('\n').includes(id));

    const insp = e.run(['inspect', 'hurt']);
    assert.notEqual(insp.code, 0);
    assert.ok(insp.stderr.includes(file), insp.stderr);
    assert.match(insp.stderr, /JSON|Unexpected/);

    assert.equal(e.run(['rm', 'hurt']).code === 0, false, 'plain rm refuses: it cannot tell what runs');
    e.ok(['rm', '-f', id.slice(0, 10)]);
    assert.ok(!alive(s.pid), 'the process is gone');
    assert.ok(!alive(s.monitorPid), 'the monitor is gone');
    assert.deepEqual(cgroupDirs(s.cgroupPath!), [], 'the cgroup is gone');
    assert.ok(!fs.existsSync(path.join(e.root, 'containers', id)));
    assert.ok(!mountsUnder(e.root).some((m) => m.includes(id)), 'no mount of it is left');
    assert.equal(e.run(['ps', '-a']).stderr, '');
    e.ok(['create', '--name', 'hurt', 'busybox', 'true']); // its name is free again
    e.ok(['rm', '-f', 'keep', 'hurt']);
  });
});

describe('engine faults: a root deleted under its containers', requiresRoot, () => {
  const gone = new Engine('berth-faults-gone-');
  const other = new Engine('berth-faults-other-');
  const started: number[] = [];
  const cgroups: string[] = [];
  let networks: Record<string, string> = {};
  before(() => gone.init());
  after(async () => {
    // Whatever the repair left (it should be nothing): the pids and cgroups this test made.
    for (const p of started) killPid(p);
    await until(() => !started.some(alive), 10_000).catch(() => undefined);
    for (const c of cgroups) {
      for (const d of cgroupDirs(c)) try { fs.rmdirSync(d); } catch { /* busy or gone */ }
      fs.rmSync(path.join('/run/berth/cgroups', `${c.replace(/\//g, '+')}.json`), { force: true });
    }
    for (const m of mountsUnder(gone.root)) spawnSync('umount', ['-l', m]);
    // The deleted root's bridge: give its network state back so the harness removes it as usual.
    fs.mkdirSync(path.join(gone.root, 'networks'), { recursive: true });
    for (const [f, body] of Object.entries(networks)) fs.writeFileSync(path.join(gone.root, 'networks', f), body);
    gone.cleanup();
    other.cleanup();
  });

  test('system check lists its monitors, cgroups and netns mounts; --repair ends and removes them', async (t) => {
    const runningId = gone.ok(['run', '-d', '--name', 'left', '--restart', 'always', ...STUBBORN]);
    const exitedId = gone.ok(['run', '-d', '--name', 'ended', 'busybox', 'true']);
    await until(() => gone.inspect('ended').State.Status === 'exited');
    const s = runtimeState(gone.root, runningId);
    const se = runtimeState(gone.root, exitedId);
    started.push(s.monitorPid, s.pid);
    cgroups.push(s.cgroupPath!, se.cgroupPath!);
    assert.ok(cgroupDirs(se.cgroupPath!).length > 0, 'an exited container keeps its (empty) cgroup until rm');
    const netns = path.join(gone.root, 'netns', runningId);
    assert.ok(mountsUnder(gone.root).includes(netns));
    const ndir = path.join(gone.root, 'networks');
    networks = Object.fromEntries(fs.readdirSync(ndir).filter((f) => f.endsWith('.json')).map((f) => {
      const n = JSON.parse(fs.readFileSync(path.join(ndir, f), 'utf8'));
      return [f, JSON.stringify({ ...n, endpoints: {} })];
    }));

    // A failed script's `rm -rf`: everything goes but what is mounted (the netns file).
    spawnSync('rm', ['-rf', gone.root]);
    assert.ok(!fs.existsSync(path.join(gone.root, 'containers')));
    assert.ok(alive(s.monitorPid) && alive(s.pid), 'its container lives on');

    const check = other.run(['system', 'check']);
    assert.equal(check.code, 1, check.stdout + check.stderr);
    const lines = check.stdout.split('\n');
    const about = (what: RegExp) => lines.filter((l) => what.test(l) && l.includes(gone.root));
    assert.equal(about(new RegExp(`^orphan: container monitor pid ${s.monitorPid} `)).length, 1, check.stdout);
    assert.equal(about(new RegExp(`^orphan: cgroup ${s.cgroupPath} .*processes ${s.pid}`)).length, 1, check.stdout);
    assert.equal(about(new RegExp(`^orphan: cgroup ${se.cgroupPath} .*\\(empty\\)`)).length, 1, check.stdout);
    assert.equal(about(new RegExp(`^orphan: network namespace ${netns}:`)).length, 1, check.stdout);

    const repair = other.run(['system', 'check', '--repair', '--orphan-root', gone.root]);
    assert.equal(repair.code, 0, repair.stdout + repair.stderr);
    t.diagnostic(repair.stdout);
    assert.match(repair.stdout, new RegExp(`repaired: killed monitor ${s.monitorPid}`));
    assert.match(repair.stdout, new RegExp(`repaired: .*removed cgroup ${se.cgroupPath}`));
    await until(() => !alive(s.monitorPid) && !alive(s.pid));
    assert.deepEqual(cgroupDirs(s.cgroupPath!), [], 'the running one\'s cgroup is gone');
    assert.deepEqual(cgroupDirs(se.cgroupPath!), [], 'the exited one\'s cgroup is gone');
    assert.deepEqual(mountsUnder(gone.root), [], 'no netns mount is left');
    const again = other.run(['system', 'check', '--orphan-root', gone.root]);
    assert.equal(again.code, 0, again.stdout);
    assert.ok(!again.stdout.includes(gone.root), again.stdout);
  });
});

describe('engine faults: a reboot', requiresRoot, () => {
  const e = new Engine('berth-faults-');
  before(() => e.init());
  after(() => e.cleanup());

  test('system boot brings back always and unless-stopped containers, networks too', async () => {
    const run = (name: string, ...flags: string[]) => e.ok(['run', '-d', '--name', name, ...flags, 'busybox', 'sleep', '1000']);
    const ids = { always: run('boot-always', '--restart', 'always'), us: run('boot-us', '--restart', 'unless-stopped'), stopped: run('boot-us-stopped', '--restart', 'unless-stopped'), no: run('boot-no') };
    e.ok(['stop', '-t', '0', 'boot-us-stopped']);
    const bridge = JSON.parse(fs.readFileSync(path.join(e.root, 'networks', 'bridge.json'), 'utf8')).bridge as string;

    // The reboot, as far as this root goes: every monitor, then every container process, by pid;
    // their cgroups; the netns mounts (the files stay, as on disk); the root's bridge.
    for (const id of Object.values(ids)) {
      const s = runtimeState(e.root, id);
      killPid(s.monitorPid); // first, or it restarts what we kill next
      await until(() => !alive(s.monitorPid));
      killPid(s.pid);
      await until(() => !alive(s.pid));
      for (const d of cgroupDirs(s.cgroupPath!)) fs.rmdirSync(d);
    }
    for (const m of mountsUnder(path.join(e.root, 'netns'))) assert.equal(spawnSync('umount', [m]).status, 0);
    assert.equal(spawnSync('ip', ['link', 'del', bridge]).status, 0);
    assert.equal(e.ok(['ps', '-q']), '', 'nothing runs after the "reboot"');

    const boot = e.run(['system', 'boot']);
    assert.equal(boot.code, 0, boot.stderr);
    assert.deepEqual(boot.stdout.split('\n').filter(Boolean).sort(), ['boot-always', 'boot-us']);
    const status = (n: string) => e.ok(['ps', '-a', '--filter', `name=^${n}$`, '--format', '{{.Status}}']);
    assert.match(status('boot-always'), /^Up /);
    assert.match(status('boot-us'), /^Up /);
    assert.match(status('boot-us-stopped'), /^Exited/);
    assert.match(status('boot-no'), /^Exited/);
    for (const id of [ids.always, ids.us]) {
      const s = runtimeState(e.root, id);
      assert.ok(alive(s.pid) && alive(s.monitorPid), 'a real process with its monitor');
      assert.ok(cgroupDirs(s.cgroupPath!).length > 0, 'in its cgroup again');
    }
    assert.equal(spawnSync('ip', ['link', 'show', bridge]).status, 0, 'the bridge is back');
    assert.match(e.inspect('boot-always').NetworkSettings.IPAddress, /^\d+\.\d+\.\d+\.\d+$/);
    assert.equal(e.ok(['exec', 'boot-always', 'cat', '/proc/1/cmdline']).replace(/\0/g, ' ').trim(), 'sleep 1000');
    const again = e.run(['system', 'boot']);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, '', 'a second boot starts nothing');
  });
});
