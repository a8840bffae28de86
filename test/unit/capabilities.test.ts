import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CAPABILITIES, DEFAULT_CAPS, capName, capNumber, capabilitySets, capsToMask, maskToCaps,
  normalizeCap, ociCapabilities, resolveCaps, restrictToHost,
} from '../../src/runtime/capabilities.js';
import { hostBoundingSet } from '../../src/sys/hostCaps.js';
import {
  DEFAULT_DEVICE_NODES, DEFAULT_DEVICE_RULES, MASKED_PATHS, READONLY_PATHS, containerSecurity, deviceRuleLine, defaultMounts,
  parseSecurityOpts, securityPaths,
} from '../../src/runtime/securityDefaults.js';
import { isBerthError } from '../../src/errors.js';

test('capability names and numbers', () => {
  assert.equal(CAPABILITIES.length, 41);
  assert.equal(capNumber('CAP_CHOWN'), 0);
  assert.equal(capNumber('chown'), 0);
  assert.equal(capNumber('Net_Admin'), 12);
  assert.equal(capNumber('cap_sys_admin'), 21);
  assert.equal(capNumber('SYS_RESOURCE'), 24);
  assert.equal(capNumber('CAP_CHECKPOINT_RESTORE'), 40);
  assert.equal(capName(39), 'CAP_BPF');
  assert.equal(normalizeCap(' audit_write '), 'CAP_AUDIT_WRITE');
  assert.throws(() => normalizeCap('CAP_FLY'), (e: unknown) => isBerthError(e, 'InvalidArgument') && e.message === 'unknown capability: "CAP_FLY"');
  assert.throws(() => capName(41), (e: unknown) => isBerthError(e, 'InvalidArgument'));
});

test("Docker's 14 default capabilities; their mask is Docker's well-known CapEff", () => {
  assert.equal(DEFAULT_CAPS.length, 14);
  assert.equal(capsToMask(DEFAULT_CAPS), 0xa80425fbn);
  assert.equal(capsToMask(CAPABILITIES), 0x1ffffffffffn);
  assert.deepEqual(maskToCaps(0x3n), ['CAP_CHOWN', 'CAP_DAC_OVERRIDE']);
});

test("resolveCaps follows Docker's --cap-add/--cap-drop/--privileged", () => {
  const sorted = (l: readonly string[]) => [...l].sort((a, b) => capNumber(a) - capNumber(b));
  assert.deepEqual(resolveCaps(), sorted(DEFAULT_CAPS));
  assert.deepEqual(resolveCaps({ add: ['net_admin'] }), sorted([...DEFAULT_CAPS, 'CAP_NET_ADMIN']));
  assert.deepEqual(resolveCaps({ drop: ['CHOWN', 'cap_net_raw'] }), sorted(DEFAULT_CAPS.filter((c) => c !== 'CAP_CHOWN' && c !== 'CAP_NET_RAW')));
  assert.deepEqual(resolveCaps({ drop: ['ALL'], add: ['NET_BIND_SERVICE'] }), ['CAP_NET_BIND_SERVICE']);
  assert.deepEqual(resolveCaps({ drop: ['all'] }), []);
  assert.deepEqual(resolveCaps({ add: ['ALL'], drop: ['SYS_ADMIN'] }), CAPABILITIES.filter((c) => c !== 'CAP_SYS_ADMIN'));
  assert.deepEqual(resolveCaps({ privileged: true, drop: ['ALL'] }), [...CAPABILITIES]);
  assert.deepEqual(resolveCaps({ add: ['CHOWN'] }), sorted(DEFAULT_CAPS), 'no duplicates');
  assert.throws(() => resolveCaps({ add: ['bogus'] }), (e: unknown) => isBerthError(e, 'InvalidArgument') && /bogus/.test(e.message));
});

const STATUS = 'Name:\tcat\nCapInh:\t0000000000000000\nCapPrm:\t000001fffeffffff\nCapEff:\t000001fffeffffff\nCapBnd:\t000001fffeffffff\nCapAmb:\t0000000000000000\n';

test('the host bounding set; capabilities the host lacks are dropped with a warning', () => {
  const host = hostBoundingSet(STATUS);
  assert.equal(host, 0x1fffeffffffn);
  const { caps, warnings } = restrictToHost(resolveCaps({ privileged: true }), host);
  assert.equal(caps.length, 40);
  assert.ok(!caps.includes('CAP_SYS_RESOURCE'));
  assert.deepEqual(warnings, ["capability CAP_SYS_RESOURCE is not in the host's bounding set; dropped"]);
  assert.deepEqual(restrictToHost(DEFAULT_CAPS, host), { caps: [...DEFAULT_CAPS], warnings: [] });
  assert.throws(() => hostBoundingSet('Name: x\n'), (e: unknown) => isBerthError(e, 'InvalidArgument'));
});

test('capability sets for root and for other users', () => {
  const root = capabilitySets(['CAP_CHOWN', 'CAP_KILL']);
  assert.deepEqual(root, { bounding: 0x21n, effective: 0x21n, permitted: 0x21n, inheritable: 0n, ambient: 0n });
  const user = capabilitySets(['CAP_CHOWN', 'CAP_KILL'], 1000);
  assert.deepEqual(user, { bounding: 0x21n, effective: 0n, permitted: 0n, inheritable: 0n, ambient: 0n });
  assert.deepEqual(ociCapabilities(['kill', 'chown']).effective, ['CAP_CHOWN', 'CAP_KILL']);
});

test("Docker's masked and read-only paths, devices and device rules", () => {
  for (const p of ['/proc/kcore', '/proc/keys', '/proc/timer_list', '/proc/sched_debug', '/sys/firmware', '/proc/acpi', '/proc/scsi']) {
    assert.ok(MASKED_PATHS.includes(p), p);
  }
  assert.deepEqual([...READONLY_PATHS].sort(), ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger']);
  assert.deepEqual(DEFAULT_DEVICE_NODES.map((d) => `${d.path} ${d.major}:${d.minor}`),
    ['/dev/null 1:3', '/dev/zero 1:5', '/dev/full 1:7', '/dev/random 1:8', '/dev/urandom 1:9', '/dev/tty 5:0']);
  const lines = DEFAULT_DEVICE_RULES.map(deviceRuleLine);
  assert.equal(lines[0], 'a *:* rwm');
  assert.equal(DEFAULT_DEVICE_RULES[0]!.allow, false);
  for (const l of ['c *:* m', 'b *:* m', 'c 1:3 rwm', 'c 5:2 rwm', 'c 136:* rwm']) assert.ok(lines.includes(l), l);
  assert.ok(!lines.some((l) => l.startsWith('b') && l.includes('r')), 'no block device is readable');
  assert.deepEqual(securityPaths({ privileged: true }).maskedPaths, []);
  assert.deepEqual(securityPaths({ privileged: true }).deviceRules.map(deviceRuleLine), ['a *:* rwm']);
  assert.ok(defaultMounts().find((m) => m.destination === '/sys')!.options.includes('ro'));
});

test('--security-opt values, as Docker parses them', () => {
  assert.deepEqual(parseSecurityOpts([]).seccomp, { kind: 'default' });
  assert.deepEqual(parseSecurityOpts(['seccomp=unconfined']).seccomp, { kind: 'unconfined' });
  assert.deepEqual(parseSecurityOpts(['seccomp:unconfined']).seccomp, { kind: 'unconfined' });
  assert.deepEqual(parseSecurityOpts(['seccomp=/etc/p.json']).seccomp, { kind: 'file', path: '/etc/p.json' });
  assert.equal(parseSecurityOpts(['no-new-privileges']).noNewPrivileges, true);
  assert.equal(parseSecurityOpts(['no-new-privileges=true']).noNewPrivileges, true);
  assert.equal(parseSecurityOpts(['no-new-privileges:false']).noNewPrivileges, false);
  assert.equal(parseSecurityOpts(['systempaths=unconfined']).systemPathsUnconfined, true);
  assert.equal(parseSecurityOpts(['apparmor=unconfined']).warnings.length, 1);
  for (const bad of ['seccomp', 'seccomp=', 'no-new-privileges=maybe', 'selinux=x', 'what']) {
    assert.throws(() => parseSecurityOpts([bad]), (e: unknown) => isBerthError(e, 'InvalidArgument') && e.message === `invalid --security-opt: ${JSON.stringify(bad)}`);
  }
});

test('containerSecurity: Docker defaults, privileged, cap changes, unconfined, custom profile', () => {
  const host = 0x1fffeffffffn;
  const d = containerSecurity({ hostBounding: host });
  assert.deepEqual(d.capabilities.bounding, resolveCaps());
  assert.equal(d.seccomp?.defaultAction, 'SCMP_ACT_ERRNO');
  assert.equal(d.noNewPrivileges, false);
  assert.deepEqual(d.maskedPaths, [...MASKED_PATHS]);
  assert.ok(d.mounts.find((m) => m.destination === '/sys')!.options.includes('ro'));
  assert.deepEqual(d.warnings, []);

  const p = containerSecurity({ privileged: true, hostBounding: host });
  assert.equal(p.seccomp, undefined);
  assert.equal(p.capabilities.bounding.length, 40);
  assert.deepEqual(p.warnings, ["capability CAP_SYS_RESOURCE is not in the host's bounding set; dropped"]);
  assert.deepEqual(p.maskedPaths, []);
  assert.deepEqual(p.deviceRules.map(deviceRuleLine), ['a *:* rwm']);
  assert.ok(p.mounts.find((m) => m.destination === '/sys')!.options.includes('rw'));

  const admin = containerSecurity({ capAdd: ['SYS_ADMIN'], capDrop: ['NET_RAW'], securityOpt: ['no-new-privileges'] });
  assert.ok(admin.capabilities.bounding.includes('CAP_SYS_ADMIN'));
  assert.ok(!admin.capabilities.bounding.includes('CAP_NET_RAW'));
  assert.ok(admin.seccomp!.syscalls!.some((r) => r.names!.includes('mount')), 'CAP_SYS_ADMIN brings mount back');
  assert.equal(admin.noNewPrivileges, true);

  assert.equal(containerSecurity({ securityOpt: ['seccomp=unconfined'] }).seccomp, undefined);
  const custom = containerSecurity({ securityOpt: ['seccomp=p.json'], seccompProfile: { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mount'], action: 'SCMP_ACT_ERRNO' }] } });
  assert.equal(custom.seccomp!.defaultAction, 'SCMP_ACT_ALLOW');
  assert.throws(() => containerSecurity({ securityOpt: ['seccomp=p.json'], seccompProfile: { syscalls: 3 } }), (e: unknown) => isBerthError(e, 'InvalidArgument') && /^seccomp profile p.json: /.test(e.message));
  assert.equal(containerSecurity({ readOnly: true }).readonlyRootfs, true);
  assert.equal(containerSecurity({ uid: 1000 }).capabilities.effective.length, 0);
});
