/**
 * Faults berth must survive (issue 19): a dead monitor, a damaged record, a deleted root, a
 * reboot. Each test breaks something for real and looks at the kernel afterwards.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
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
