/** src/api without a server: routing and versions, error statuses, the create body -> flags translation, filters. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRequestFrom } from '../../src/api/containerConfig.js';
import { HttpError, statusFor } from '../../src/api/errors.js';
import { parseListenAddress } from '../../src/api/listenAddress.js';
import { Router } from '../../src/api/router.js';
import { Deframer, frame } from '../../src/api/streams.js';
import { compareVersions } from '../../src/api/version.js';
import { warmable } from '../../src/cli/accelerator/warmable.js';
import { BerthError } from '../../src/errors.js';

const h = () => undefined;

test('router: params, a version prefix stripped, unversioned = newest, HEAD falls back to GET', () => {
  const r = new Router().add('GET', '/containers/{id}/json', h).add('POST', '/images/{name*}/push', h);
  assert.deepEqual(r.match('GET', '/containers/abc/json').params, { id: 'abc' });
  const m = r.match('GET', '/v1.30/containers/a%20b/json');
  assert.deepEqual([m.version, m.path, m.params.id], ['1.30', '/containers/a%20b/json', 'a b']);
  assert.equal(r.match('GET', '/containers/x/json').version, '1.47');
  assert.equal(r.match('HEAD', '/containers/x/json').handler, h);
  assert.equal(r.match('GET', '/containers/x/json/').params.id, 'x');
  assert.deepEqual(r.match('POST', '/v1.47/images/localhost:5000/a/b/push').params, { name: 'localhost:5000/a/b' });
});

test('router: unknown paths 404, versions outside 1.24..1.47 400, a garbage version 404', () => {
  const r = new Router().add('GET', '/_ping', h);
  const err = (m: string, p: string) => {
    try {
      r.match(m, p);
    } catch (e) {
      return [(e as HttpError).status, (e as Error).message];
    }
    return undefined;
  };
  assert.deepEqual(err('GET', '/nope'), [404, 'page not found']);
  assert.deepEqual(err('POST', '/_ping'), [404, 'page not found']);
  assert.equal(err('GET', '/v1.23/_ping')?.[0], 400);
  assert.match(String(err('GET', '/v1.48/_ping')?.[1]), /too new. Maximum supported API version is 1.47/);
  assert.deepEqual(err('GET', '/vabc/_ping'), [404, 'page not found']);
  assert.equal(err('GET', '/v1.24/_ping'), undefined);
  assert.equal(compareVersions('1.9', '1.10'), -1);
});

test('errors: one mapping from kinds to dockerd statuses', () => {
  const k = (kind: ConstructorParameters<typeof BerthError>[0], o = {}) => statusFor(new BerthError(kind, 'x', o));
  assert.deepEqual([k('NotFound'), k('AlreadyExists'), k('Conflict'), k('InvalidArgument'), k('FailedPrecondition'), k('Unavailable'), k('Internal')], [404, 409, 409, 400, 409, 503, 500]);
  assert.equal(k('NotFound', { exitCode: 127 }), 400);
  assert.equal(statusFor(new HttpError(413, 'big')), 413);
  assert.equal(statusFor(new Error('boom')), 500);
});

test('create body -> run flags: Docker fields, zero values unset, env without a value dropped', () => {
  const r = createRequestFrom({
    Image: 'busybox', Cmd: ['echo', 'x'], Entrypoint: ['/bin/sh', '-c'], Env: ['A=1', 'FROM_SERVER'], Labels: { a: 'b' }, User: '1000', WorkingDir: '/w', Tty: true, OpenStdin: true,
    AttachStdout: true, ExposedPorts: { '80/tcp': {} }, StopSignal: 'SIGINT', StopTimeout: 3, Volumes: { '/data': {} },
    Healthcheck: { Test: ['CMD', 'true'], Interval: 2e9, Retries: 2 },
    HostConfig: {
      Binds: ['/h:/c:ro'], Mounts: [{ Type: 'tmpfs', Target: '/t', TmpfsOptions: { SizeBytes: 1024 } }], PortBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }], '53/udp': [{ HostPort: '' }] },
      PublishAllPorts: true, Memory: 64 << 20, NanoCpus: 5e8, CpuShares: 0, PidsLimit: -1, RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 2 }, AutoRemove: false,
      NetworkMode: 'default', CapAdd: ['NET_ADMIN'], CapDrop: null, Privileged: false, ReadonlyRootfs: true, Tmpfs: { '/run': 'size=1m' }, ExtraHosts: ['h:1.2.3.4'], Dns: ['9.9.9.9'], Init: true,
      Ulimits: [{ Name: 'nofile', Soft: 10, Hard: 20 }], Sysctls: { 'net.core.somaxconn': '100' }, SecurityOpt: ['no-new-privileges'], LogConfig: { Type: 'json-file', Config: { 'max-size': '1m' } }, ShmSize: 1 << 20,
    },
    NetworkingConfig: { EndpointsConfig: { mynet: { Aliases: ['web'], IPAMConfig: { IPv4Address: '10.9.0.5' } } } },
  }, { name: 'n', platform: '' }, []);
  const f = r.flags;
  assert.equal(r.image, 'busybox');
  assert.deepEqual(r.command, ['echo', 'x']);
  assert.deepEqual(f.entrypointArgv, ['/bin/sh', '-c']);
  assert.deepEqual(f.env, ['A=1']);
  assert.deepEqual([f.name, f.platform, f.tty, f.interactive, f.detach, f.user, f.workdir], ['n', undefined, true, true, false, '1000', '/w']);
  assert.deepEqual(f.volume, ['/h:/c:ro', '/data']);
  assert.deepEqual(f.mount, ['type=tmpfs,target=/t,tmpfs-size=1024']);
  assert.deepEqual(f.publish, ['127.0.0.1:8080:80/tcp', '53/udp']);
  assert.deepEqual([f.memory, f.cpus, f.cpuShares, f.pidsLimit, f.restart, f.network], [String(64 << 20), '0.5', undefined, undefined, 'on-failure:2', 'mynet']);
  assert.deepEqual(f.healthTest, ['CMD', 'true']);
  assert.equal(f.healthInterval, '2000000000ns');
  assert.deepEqual(f.ulimit, ['nofile=10:20']);
  assert.deepEqual(f.sysctl, ['net.core.somaxconn=100']);
  assert.deepEqual(f.tmpfs, ['/run:size=1m']);
  assert.deepEqual(f.logOpt, ['max-size=1m']);
  assert.deepEqual([f.networkAlias, f.ip, f.readOnly, f.init, f.stopTimeout], [['web'], '10.9.0.5', true, true, '3']);
  assert.equal(f.shmSize, String(1 << 20));
  const c = createRequestFrom({ Image: 'busybox', HostConfig: { ConsoleSize: [30, 100] } }, {});
  assert.deepEqual(c.flags.consoleSize, [30, 100]);
  assert.equal(createRequestFrom({ Image: 'busybox', HostConfig: { ConsoleSize: [0, 0] } }, {}).flags.consoleSize, undefined);
  assert.throws(() => createRequestFrom({ Image: 'busybox', HostConfig: { ConsoleSize: [1] } }, {}), /ConsoleSize/);
});

test('create body: wrong types are 400s naming the field', () => {
  assert.throws(() => createRequestFrom({ Image: 'busybox', Cmd: [1] as never }, {}), (e: HttpError) => e.status === 400 && /Cmd/.test(e.message));
  assert.throws(() => createRequestFrom({ Image: 'busybox', HostConfig: { Memory: '1g' } }, {}), /HostConfig.Memory/);
  assert.throws(() => createRequestFrom({ Image: '' }, {}), /Config cannot be empty/);
  assert.throws(() => createRequestFrom({ Image: 'b', HostConfig: { Mounts: [{ Type: 'bind', Source: '/a,b', Target: '/c' }] } }, {}), /comma/);
});

test('listen addresses: unix paths, tcp host:port, nothing else', () => {
  assert.deepEqual(parseListenAddress('unix:///run/x.sock'), { kind: 'unix', path: '/run/x.sock' });
  assert.deepEqual(parseListenAddress('tcp://127.0.0.1:2376'), { kind: 'tcp', host: '127.0.0.1', port: 2376 });
  assert.deepEqual(parseListenAddress('tcp://[::1]:2376'), { kind: 'tcp', host: '::1', port: 2376 });
  for (const bad of ['unix://rel.sock', 'tcp://h', 'tcp://h:0', 'http://x:1', 'fd://']) assert.throws(() => parseListenAddress(bad), /invalid host/);
});

test('frames: 8-byte headers, split across reads', () => {
  const got: [number, string][] = [];
  const d = new Deframer((s, b) => got.push([s, b.toString()]));
  const all = Buffer.concat([frame(1, Buffer.from('out')), frame(2, Buffer.from('err'))]);
  d.push(all.subarray(0, 5));
  d.push(all.subarray(5, 13));
  d.push(all.subarray(13));
  assert.deepEqual(got, [[1, 'out'], [2, 'err']]);
});

test('berth serve and system service never run warm', () => {
  for (const argv of [['serve'], ['serve', '-H', 'unix:///x'], ['system', 'service'], ['--root', '/r', 'serve']]) assert.equal(warmable(argv), false, argv.join(' '));
});

test('create body: a Binds or Mounts path wins over the same path in Config.Volumes (docker-compose sends both)', () => {
  const r = createRequestFrom({
    Image: 'busybox',
    Volumes: { '/www': {}, '/data/': {}, '/m': {}, '/anon': {} },
    HostConfig: { Binds: ['/srv/html:/www:ro', 'proj_data:/data:rw'], Mounts: [{ Type: 'tmpfs', Target: '/m' }] },
  }, {});
  assert.deepEqual(r.flags.volume, ['/srv/html:/www:ro', 'proj_data:/data:rw', '/anon']);
});
