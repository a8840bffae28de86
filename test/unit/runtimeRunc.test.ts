/** The pure parts of berth-runtime's runc compatibility and of the OCI spec behaviours (issue 18, part 3). */
import test from 'node:test';
import assert from 'node:assert/strict';
import { buildPlan, buildExecPlan, type Op, type PlanOptions } from '../../src/runtime/plan.js';
import { defaultSpec } from '../../src/runtime/defaultSpec.js';
import { capsToMask } from '../../src/runtime/capabilities.js';
import { MS } from '../../src/runtime/mountOptions.js';
import { runcState, runcStats } from '../../src/runtime/runcShapes.js';
import { runcLogLine } from '../../src/cli/runtime/runcLog.js';
import { checkAppArmor } from '../../src/runtime/apparmor.js';
import { isBerthError } from '../../src/errors.js';
import type { Spec } from '../../src/runtime/spec.js';

const opts: PlanOptions = { id: 'c', bundle: '/b', stateDir: '/s', stdio: { mode: 'inherit' }, capMask: capsToMask };
const names = (ops: Op[]) => ops.map((o) => o[0]);
const spec = (edit: (s: Spec) => void = () => {}): Spec => {
  const s = defaultSpec();
  s.process!.terminal = false;
  edit(s);
  return s;
};

test('plan: rslave before the rootfs bind; rootfsPropagation last, after pivot_root and the masks', () => {
  const ops = buildPlan(spec((s) => { s.linux!.rootfsPropagation = 'shared'; }), opts);
  const props = ops.filter((o) => o[0] === 'propagation');
  assert.deepEqual(props.map((o) => o[1]), [(MS.SLAVE | MS.REC).toString(16), (MS.SHARED | MS.REC).toString(16)]);
  const n = names(ops);
  assert.ok(n.indexOf('propagation') < n.indexOf('rootfs'));
  assert.ok(n.lastIndexOf('propagation') > n.indexOf('pivot_root'));
  assert.ok(n.lastIndexOf('propagation') > n.lastIndexOf('mask'));
  assert.equal(buildPlan(spec(), opts).filter((o) => o[0] === 'propagation').length, 1, 'none after pivot_root without the setting');
  assert.throws(() => buildPlan(spec((s) => { s.linux!.rootfsPropagation = 'rsideways'; }), opts), (e) => isBerthError(e, 'InvalidArgument'));
});

test('plan: no mount namespace -> chroot into root.path, no filesystem ops', () => {
  const ops = buildPlan(spec((s) => { s.linux!.namespaces = s.linux!.namespaces!.filter((x) => x.type !== 'mount'); }), opts);
  assert.deepEqual(ops.filter((o) => o[0] === 'chroot'), [['chroot', '/b/rootfs']]);
  for (const op of ['rootfs', 'pivot_root', 'mount', 'propagation']) assert.ok(!names(ops).includes(op), op);
  assert.ok(names(ops).indexOf('chroot') < names(ops).indexOf('check_exec'));
});

test('plan: --no-pivot moves the root; no_monitor before begin', () => {
  const ops = buildPlan(spec(), { ...opts, noPivot: true, noMonitor: true });
  assert.ok(names(ops).includes('move_root') && !names(ops).includes('pivot_root'));
  assert.ok(names(ops).indexOf('no_monitor') < names(ops).indexOf('begin'));
});

test('plan: pid joined by path before clone; a user namespace by path last, without mappings of its own', () => {
  const ops = buildPlan(spec((s) => { s.linux!.namespaces = [{ type: 'pid', path: '/proc/9/ns/pid' }, { type: 'mount' }]; }), opts);
  assert.ok(names(ops).indexOf('join_ns') < names(ops).indexOf('clone'));
  assert.deepEqual(ops.find((o) => o[0] === 'join_ns'), ['join_ns', 'pid', '/proc/9/ns/pid']);
  assert.equal(ops.find((o) => o[0] === 'clone')![1], (0x00020000).toString(16), 'only the new mount namespace is cloned');
  const u = buildPlan(spec((s) => { s.linux!.namespaces = [{ type: 'user', path: '/u' }, { type: 'network', path: '/n' }, { type: 'mount' }]; }), opts);
  assert.deepEqual(u.filter((o) => o[0] === 'join_ns'), [['join_ns', 'net', '/n'], ['join_ns', 'user', '/u']]);
  assert.ok(names(u).lastIndexOf('join_ns') < names(u).indexOf('clone'));
  assert.ok(!names(u).includes('uid_map'), 'the joined namespace has its mappings');
  assert.ok(names(u).indexOf('become_root') > names(u).indexOf('rootfs'), 'root of that namespace once the rootfs is bound');
});

test('plan: ambient capabilities only where permitted and inheritable; apparmor before exec', () => {
  const s = spec((x) => {
    x.process!.capabilities = { bounding: ['CAP_KILL', 'CAP_CHOWN'], permitted: ['CAP_KILL', 'CAP_CHOWN'], inheritable: ['CAP_KILL'], ambient: ['CAP_KILL', 'CAP_CHOWN'] };
    x.process!.apparmorProfile = 'p';
  });
  const ops = buildPlan(s, opts);
  assert.deepEqual(ops.find((o) => o[0] === 'ambient'), ['ambient', capsToMask(['CAP_KILL']).toString(16)]);
  assert.deepEqual(ops.find((o) => o[0] === 'apparmor'), ['apparmor', 'p']);
  assert.ok(names(ops).indexOf('apparmor') < names(ops).indexOf('exec'));
  delete s.process!.capabilities!.inheritable;
  assert.equal(buildPlan(s, opts).find((o) => o[0] === 'ambient'), undefined, 'runc\'s default spec: ambient without inheritable raises nothing');
});

test('exec plan: direct (runc exec --detach) with the console socket', () => {
  const p = { args: ['sh'], cwd: '/', user: { uid: 0, gid: 0 }, terminal: true };
  const ops = buildExecPlan(p, { capMask: capsToMask, direct: true, consoleSocket: '/run/x.sock' });
  assert.deepEqual(ops.slice(0, 3), [['terminal', '-'], ['direct'], ['console_socket', '/run/x.sock']]);
  assert.ok(!names(buildExecPlan(p, { capMask: capsToMask })).includes('direct'));
});

test('runc state: pid 0 once stopped, paused when frozen, rootfs/created/owner', () => {
  const stored = { id: 'c', bundle: '/b', pid: 42, monitorPid: 1, created: '2026-01-01T00:00:00.000Z', rootfs: '/b/rootfs' };
  const oci = { ociVersion: '1.2.0', id: 'c', status: 'running' as const, pid: 42, bundle: '/b' };
  assert.deepEqual(runcState(oci, stored, false), { ociVersion: '1.2.0', id: 'c', pid: 42, status: 'running', bundle: '/b', rootfs: '/b/rootfs', created: stored.created, owner: '' });
  assert.equal(runcState(oci, stored, true).status, 'paused');
  const stopped = runcState({ ...oci, status: 'stopped', pid: undefined }, stored, true);
  assert.equal(stopped.pid, 0);
  assert.equal(stopped.status, 'stopped');
});

test('runc stats: libcontainer\'s field names', () => {
  const e = runcStats('c', {
    memory: { usage: 10, limit: null, cache: 1, inactiveFile: 2, maxUsage: 20, failcnt: 0 },
    cpu: { usageNs: 5, userNs: 3, systemNs: 2, periods: 1, throttledPeriods: 0, throttledNs: 0 },
    pids: { current: 2, limit: 9 }, blkio: { readBytes: 7, writeBytes: 8 }, oomKills: 0,
  });
  const d = e.data as Record<string, Record<string, Record<string, unknown>>>;
  assert.equal(e.type, 'stats');
  assert.deepEqual(d.cpu.usage, { total: 5, percpu: [], kernel: 2, user: 3 });
  assert.deepEqual(d.cpu.throttling, { periods: 1, throttledPeriods: 0, throttledTime: 0 });
  assert.equal(d.memory.usage.usage, 10);
  assert.equal(d.memory.usage.max, 20);
  assert.deepEqual(d.pids, { current: 2, limit: 9 });
});

test('runc log lines: logrus JSON and text', () => {
  const at = new Date('2026-12-07T23:49:31.123Z');
  assert.equal(runcLogLine('error', 'x "y"', 'json', at), '{"level":"error","msg":"x \\"y\\"","time":"2026-12-07T23:49:31Z"}\n');
  assert.equal(runcLogLine('error', 'x "y"', 'text', at), 'time="2026-12-07T23:49:31Z" level=error msg="x \\"y\\""\n');
});

test('AppArmor: refused without it, a bad name refused always, nothing asked without a profile', () => {
  assert.doesNotThrow(() => checkAppArmor({ args: ['x'], cwd: '/', user: { uid: 0, gid: 0 } }, () => false));
  assert.throws(() => checkAppArmor({ args: ['x'], cwd: '/', user: { uid: 0, gid: 0 }, apparmorProfile: 'p' }, () => false), (e) => isBerthError(e, 'FailedPrecondition') && /AppArmor is not enabled/.test((e as Error).message));
  assert.doesNotThrow(() => checkAppArmor({ args: ['x'], cwd: '/', user: { uid: 0, gid: 0 }, apparmorProfile: 'p' }, () => true));
  assert.throws(() => checkAppArmor({ args: ['x'], cwd: '/', user: { uid: 0, gid: 0 }, apparmorProfile: 'a b\n' }, () => true), (e) => isBerthError(e, 'InvalidArgument'));
});
