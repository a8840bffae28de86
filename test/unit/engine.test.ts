/** The engine's policy without root: flag parsing, image config + flags -> record -> OCI spec, users, names. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { isBerthError } from '../../src/errors.js';
import { buildSpec, processEnv } from '../../src/engine/buildSpec.js';
import { ContainerStore } from '../../src/engine/ContainerStore.js';
import { resolveUser } from '../../src/engine/imageFiles.js';
import { makeRecord, type RecordInputs } from '../../src/engine/makeRecord.js';
import { randomName, validateName } from '../../src/engine/names.js';
import {
  mergeEnv, parseBytes, parseDevice, parseDuration, parseEnvFile, parseLogOpts, parseMountFlag, parseRestart, parseUlimit, parseVolumeFlag,
} from '../../src/engine/parseFlags.js';
import { emptyRunFlags, type RunFlags } from '../../src/engine/runFlags.js';
import { updateResources } from '../../src/engine/updateContainer.js';
import { tmpDir } from '../helpers.js';

const ID = 'a'.repeat(64);
function rec(flags: Partial<RunFlags> = {}, image: RecordInputs['image'] = { Cmd: ['sh'], Env: ['PATH=/bin', 'A=img'] }, command: string[] = []) {
  return makeRecord({ id: ID, name: 'n', imageId: 'sha256:' + 'b'.repeat(64), imageRef: 'busybox', image, command, flags: { ...emptyRunFlags(), ...flags }, envFiles: [], hostEnv: { HOSTV: 'h' } });
}
const inputs = { rootfs: '/r', etcFiles: {}, user: { uid: 0, gid: 0, additionalGids: [] }, device: () => ({ type: 'c' as const, major: 1, minor: 3, mode: 0o20666 }) };
const fails = (f: () => unknown, re: RegExp) => assert.throws(f, (e: unknown) => isBerthError(e, 'InvalidArgument') && re.test((e as Error).message));

describe('engine flag parsing', () => {
  test('sizes, durations, ulimits, devices, restart, log opts', () => {
    assert.equal(parseBytes('512m', '-m'), 512 * 1024 * 1024);
    assert.equal(parseBytes('1.5g', '-m'), 1.5 * 1024 ** 3);
    assert.equal(parseBytes('100', '-m'), 100);
    fails(() => parseBytes('lots', '--memory'), /invalid --memory value "lots"/);
    assert.equal(parseDuration('1m30s', 'x'), 90e9);
    assert.equal(parseDuration('100ms', 'x'), 1e8);
    fails(() => parseDuration('10', '--health-interval'), /duration/);
    assert.deepEqual(parseUlimit('nofile=100:200'), { Name: 'nofile', Soft: 100, Hard: 200 });
    fails(() => parseUlimit('nofile=300:200'), /greater than hard/);
    assert.deepEqual(parseDevice('/dev/fuse'), { PathOnHost: '/dev/fuse', PathInContainer: '/dev/fuse', CgroupPermissions: 'rwm' });
    assert.deepEqual(parseDevice('/dev/sda:/dev/xvda:r'), { PathOnHost: '/dev/sda', PathInContainer: '/dev/xvda', CgroupPermissions: 'r' });
    assert.deepEqual(parseRestart('on-failure:3'), { Name: 'on-failure', MaximumRetryCount: 3 });
    assert.deepEqual(parseRestart(undefined), { Name: 'no', MaximumRetryCount: 0 });
    fails(() => parseRestart('always:3'), /only be used with 'on-failure'/);
    fails(() => parseRestart('sometimes'), /unknown policy/);
    assert.deepEqual(parseLogOpts([]), { config: { 'max-size': '10m', 'max-file': '3' }, maxSize: 10 * 1024 * 1024, maxFiles: 3 });
    assert.equal(parseLogOpts(['max-size=1k', 'max-file=2']).maxSize, 1024);
    fails(() => parseLogOpts(['nope=1']), /unknown log opt 'nope'/);
  });

  test('-v and --mount', () => {
    assert.deepEqual(parseVolumeFlag('/data'), { Type: 'volume', Name: '', Source: '', Destination: '/data', Driver: 'local', Mode: '', RW: true, Propagation: '', Anonymous: true });
    assert.equal(parseVolumeFlag('vol:/data:ro').RW, false);
    assert.equal(parseVolumeFlag('vol:/data').Name, 'vol');
    assert.deepEqual(parseVolumeFlag('/h:/c:ro,rshared'), { Type: 'bind', Source: '/h', Destination: '/c', Mode: 'ro,rshared', RW: false, Propagation: 'rshared' });
    fails(() => parseVolumeFlag('/h:rel'), /invalid volume specification/);
    fails(() => parseVolumeFlag('v:/'), /destination can't be '\/'/);
    fails(() => parseVolumeFlag('bad name:/x'), /invalid characters/);
    assert.equal(parseMountFlag('type=bind,source=/h,target=/c,readonly').RW, false);
    assert.deepEqual(parseMountFlag('type=tmpfs,target=/t,tmpfs-size=1m').Options, ['size=1048576']);
    fails(() => parseMountFlag('type=bind,source=rel,target=/c'), /absolute path/);
    fails(() => parseMountFlag('type=volume'), /target is required/);
  });

  test('env: files, host passthrough, override by name keeping position', () => {
    assert.deepEqual(parseEnvFile('# c\n\nA=1\nHOSTV\nMISSING\n', 'f', { HOSTV: 'h' }), ['A=1', 'HOSTV=h']);
    assert.deepEqual(mergeEnv(['A=1', 'B=2'], ['B=3', 'C=4']), ['A=1', 'B=3', 'C=4']);
  });
});

describe('engine record (Docker merge rules)', () => {
  test('Cmd, Entrypoint and arguments', () => {
    const img = { Entrypoint: ['/entry'], Cmd: ['default'] };
    assert.deepEqual([rec({}, img).Path, rec({}, img).Args], ['/entry', ['default']]);
    assert.deepEqual([rec({}, img, ['x']).Path, rec({}, img, ['x']).Args], ['/entry', ['x']]);
    const over = rec({ entrypoint: 'echo' }, img);
    assert.deepEqual([over.Path, over.Args, over.Config.Cmd], ['echo', [], null], '--entrypoint resets the image Cmd');
    assert.deepEqual(rec({ entrypoint: '' }, img, ['ls']).Config.Entrypoint, null);
    fails(() => rec({}, {}), /no command specified/);
  });

  test('env, workdir, user, hostname, labels, stop signal, volumes, healthcheck', () => {
    const r = rec({ env: ['A=flag', 'HOSTV', 'UNSET'], workdir: '/w', user: 'u', label: ['x=1'], stopSignal: 'SIGUSR1', healthCmd: 'true', healthInterval: '1s' },
      { Cmd: ['sh'], Env: ['PATH=/bin', 'A=img'], Labels: { y: '2' }, Volumes: { '/vol': {} }, User: 'imguser', StopSignal: 'SIGQUIT' });
    assert.deepEqual(r.Config.Env, ['PATH=/bin', 'A=flag', 'HOSTV=h']);
    assert.equal(r.Config.WorkingDir, '/w');
    assert.equal(r.Config.User, 'u');
    assert.equal(r.Config.Hostname, ID.slice(0, 12));
    assert.deepEqual(r.Config.Labels, { y: '2', x: '1' });
    assert.equal(r.Config.StopSignal, 'SIGUSR1');
    assert.deepEqual(r.Config.Healthcheck, { Test: ['CMD-SHELL', 'true'], Interval: 1e9 });
    assert.deepEqual(r.Mounts.map((m) => [m.Destination, m.Anonymous]), [['/vol', true]]);
    assert.equal(rec({ volume: ['named:/vol'] }, { Cmd: ['sh'], Volumes: { '/vol': {} } }).Mounts.length, 1, 'a -v covers the image VOLUME');
    assert.equal(rec({}, { Cmd: ['sh'], StopSignal: 'SIGQUIT' }).Config.StopSignal, 'SIGQUIT');
    fails(() => rec({ workdir: 'rel' }), /needs to be an absolute path/);
    assert.deepEqual(rec({ noHealthcheck: true }, { Cmd: ['sh'], Healthcheck: { Test: ['CMD', 'x'] } }).Config.Healthcheck, { Test: ['NONE'] });
  });

  test('HostConfig: memory/swap defaults, cpus, conflicts', () => {
    const hc = rec({ memory: '64m', cpus: '1.5', pidsLimit: '10', rm: true }).HostConfig;
    assert.equal(hc.MemorySwap, 128 * 1024 * 1024, 'swap defaults to twice the memory');
    assert.equal(hc.NanoCpus, 1.5e9);
    assert.equal(hc.AutoRemove, true);
    fails(() => rec({ rm: true, restart: 'always' }), /cannot specify both --restart and --rm/);
    fails(() => rec({ memory: '1m' }), /Minimum memory limit allowed is 6MB/);
    fails(() => rec({ memorySwap: '1g' }), /always set the Memory limit/);
    fails(() => rec({ volume: ['/a:/x'], tmpfs: [], mount: ['type=volume,target=/x'] }), /Duplicate mount point: \/x/);
  });
});

describe('engine OCI spec', () => {
  test('process, resources, mounts, init', () => {
    const r = rec({ memory: '64m', memorySwap: '-1', cpus: '0.5', cpuShares: '512', cpusetCpus: '0', pidsLimit: '20', device: ['/dev/null:/dev/mynull'],
      ulimit: ['nofile=10:20'], sysctl: ['net.ipv4.ip_forward=1'], oomScoreAdj: '100', tmpfs: ['/run:size=1m'], readOnly: true, init: true, tty: true, cgroupParent: 'custom' });
    const s = buildSpec(r, { ...inputs, initBinary: '/helper' });
    assert.deepEqual(s.process!.args, ['/sbin/berth-init', '--', 'sh']);
    assert.equal(s.process!.terminal, true);
    assert.ok(s.process!.env!.includes('TERM=xterm'));
    assert.ok(s.process!.env!.includes(`HOSTNAME=${ID.slice(0, 12)}`));
    assert.deepEqual(s.process!.rlimits, [{ type: 'RLIMIT_NOFILE', soft: 10, hard: 20 }]);
    assert.equal(s.process!.oomScoreAdj, 100);
    assert.equal(s.root!.readonly, true);
    const res = s.linux!.resources as any;
    assert.deepEqual(res.memory, { limit: 64 * 1024 * 1024, swap: -1 });
    assert.deepEqual(res.cpu, { period: 100000, quota: 50000, shares: 512, cpus: '0' });
    assert.deepEqual(res.pids, { limit: 20 });
    assert.deepEqual(res.devices.at(-1), { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' });
    assert.deepEqual(s.linux!.devices, [{ path: '/dev/mynull', type: 'c', major: 1, minor: 3, fileMode: 0o666, uid: 0, gid: 0 }]);
    assert.deepEqual(s.linux!.sysctl, { 'net.ipv4.ip_forward': '1' });
    assert.equal(s.linux!.cgroupsPath, `custom/${ID}`);
    assert.ok(s.mounts!.some((m) => m.destination === '/run' && m.type === 'tmpfs' && m.options!.includes('size=1m')));
    assert.ok(s.mounts!.some((m) => m.destination === '/sbin/berth-init' && m.source === '/helper'));
    assert.ok(s.linux!.seccomp, 'default seccomp profile');
    assert.ok(s.linux!.maskedPaths!.length > 0);
  });

  test('privileged and non-root user', () => {
    const p = buildSpec(rec({ privileged: true }), inputs);
    assert.equal(p.linux!.seccomp, undefined);
    assert.deepEqual(p.linux!.maskedPaths, []);
    assert.ok(p.process!.capabilities!.bounding!.includes('CAP_SYS_ADMIN'));
    const u = buildSpec(rec({ user: 'x' }), { ...inputs, user: { uid: 1000, gid: 1000, additionalGids: [1000] } });
    assert.deepEqual(u.process!.user, { uid: 1000, gid: 1000, additionalGids: [1000] });
    assert.deepEqual(u.process!.capabilities!.effective, []);
    assert.deepEqual(processEnv(rec({}, { Cmd: ['sh'] })).slice(0, 1), ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin']);
    assert.equal(processEnv(rec({}, { Cmd: ['sh'] }), '/root').at(-1), 'HOME=/root');
    assert.ok(!processEnv(rec({ env: ['HOME=/x'] }, { Cmd: ['sh'] }), '/root').includes('HOME=/root'));
    assert.ok(u.process!.env!.includes('HOME=/'), 'uid 1000 without a known home');
  });

  test('update: only the changed resources', () => {
    const r = rec({ memory: '64m' });
    assert.deepEqual(updateResources(r.HostConfig, { pidsLimit: '5' }), { pids: { limit: 5 } });
    assert.deepEqual(updateResources(r.HostConfig, { cpus: '2' }), { cpu: { period: 100000, quota: 200000 } });
    assert.equal(r.HostConfig.NanoCpus, 2e9);
  });

  test('memory limits: one set of dockerd checks for run and update', () => {
    const MiB = 1024 * 1024;
    fails(() => rec({ memory: '5m' }), /^Minimum memory limit allowed is 6MB$/);
    assert.equal(rec({ memory: '6m' }).HostConfig.Memory, 6 * MiB);
    fails(() => rec({ memory: '64m', memorySwap: '32m' }), /^Minimum memoryswap limit should be larger than memory limit, see usage\.$/);
    assert.equal(rec({ memory: '64m', memorySwap: '64m' }).HostConfig.MemorySwap, 64 * MiB);
    assert.equal(rec({ memory: '64m', memorySwap: '-1' }).HostConfig.MemorySwap, -1);
    fails(() => rec({ memorySwap: '1g' }), /^You should always set the Memory limit when using Memoryswap limit, see usage\.$/);
    const hc = () => rec({ memory: '64m', memorySwap: '128m' }).HostConfig;
    fails(() => updateResources(hc(), { memory: '5m' }), /^Minimum memory limit allowed is 6MB$/);
    fails(() => updateResources(hc(), { memorySwap: '32m' }), /^Minimum memoryswap limit should be larger than memory limit, see usage\.$/);
    fails(() => updateResources(hc(), { memory: '256m', memorySwap: '128m' }), /memoryswap limit should be larger/);
    // A swap alone on a container without a limit is fine for update (Docker's update skips that check).
    const none = rec({}).HostConfig;
    assert.deepEqual(updateResources(none, { memorySwap: '1g' }), { memory: { swap: 1024 * MiB } });
    // A new limit above the recorded swap doubles it, as at create.
    const up = hc();
    assert.deepEqual(updateResources(up, { memory: '256m' }), { memory: { limit: 256 * MiB, swap: 512 * MiB } });
  });
});

describe('engine users, layered files, names, store', () => {
  const passwd = 'root:x:0:0::/root:/bin/sh\nuser:x:1000:1000::/home:/bin/sh\n';
  const group = 'root:x:0:\nwheel:x:10:root,user\nuser:x:1000:\n';
  test('resolveUser as Docker', () => {
    assert.deepEqual(resolveUser('', passwd, group), { uid: 0, gid: 0, additionalGids: [0, 10], home: '/root' });
    assert.deepEqual(resolveUser('user', passwd, group), { uid: 1000, gid: 1000, additionalGids: [1000, 10], home: '/home' });
    assert.deepEqual(resolveUser('1000:wheel', passwd, group), { uid: 1000, gid: 10, additionalGids: [10], home: '/home' });
    assert.deepEqual(resolveUser('4242', passwd, group), { uid: 4242, gid: 0, additionalGids: [0], home: '/' });
    assert.equal((resolveUser('', undefined, undefined) as { home: string }).home, '/');
    assert.ok('error' in resolveUser('nobody', passwd, group));
  });

  test('names: validation, random names, reservations with stale takeover', () => {
    assert.equal(validateName('/web_1.a-b'), 'web_1.a-b');
    fails(() => validateName('-bad'), /Invalid container name/);
    assert.match(randomName(), /^[a-z]+_[a-z]+$/);
    const d = tmpDir('berth-names-');
    try {
      const s = new ContainerStore(d).init();
      assert.equal(s.reserveName('web', 'a'.repeat(64)), true);
      assert.equal(s.reserveName('web', 'b'.repeat(64)), false, 'held by a live process');
      fs.writeFileSync(path.join(d, 'names', 'stale'), JSON.stringify({ id: 'c'.repeat(64), pid: 2 ** 22 + 7 }));
      assert.equal(s.reserveName('stale', 'd'.repeat(64)), true, 'creator dead, no record');
      assert.throws(() => s.find('nothing'), (e: unknown) => isBerthError(e, 'NotFound'));
    } finally {
      fs.rmSync(d, { recursive: true, force: true });
    }
  });
});

describe('ps networks', () => {
  test('NETWORKS and --filter network: the mode\'s network and the connected ones', async () => {
    const { networkNames } = await import('../../src/engine/listContainers.js');
    const r = rec();
    assert.deepEqual(networkNames(r), ['bridge']);
    r.HostConfig.NetworkMode = 'none';
    assert.deepEqual(networkNames(r), ['none']);
    r.HostConfig.NetworkMode = 'front';
    r.ConnectedNetworks = { back: {} } as never;
    assert.deepEqual(networkNames(r), ['front', 'back']);
  });
});
