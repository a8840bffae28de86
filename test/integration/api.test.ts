/**
 * The Engine API, table-driven: [method, path, body, status, expectation] for every route
 * src/api serves (both /v1.NN/ and unversioned paths), error cases included; then the
 * hijacked streams, hostile requests, and containers outliving the server.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { requiresRoot, tmpDir, until } from '../helpers.js';
import { ApiServer, demux, type Reply } from './apiHarness.js';

type Expect = ((r: Reply, v: Record<string, string>) => void) | Record<string, unknown> | string | undefined;
type Row = [string, string, unknown, number, Expect];

function check(r: Reply, e: Expect, v: Record<string, string>, what: string): void {
  if (e === undefined) return;
  if (typeof e === 'function') return e(r, v);
  if (typeof e === 'string') return assert.ok(r.text.includes(e), `${what}: ${JSON.stringify(r.text.slice(0, 300))} lacks ${JSON.stringify(e)}`);
  for (const [k, want] of Object.entries(e)) assert.deepEqual(r.json?.[k], want, `${what}: .${k} of ${r.text.slice(0, 300)}`);
}

const hasKeys = (...keys: string[]) => (r: Reply) => {
  for (const k of keys) assert.ok(r.json && k in r.json, `missing ${k} in ${r.text.slice(0, 300)}`);
};

/** A one-file tar made by tar(1): `name` holding `text`, optionally stored under a hostile name. */
function tarOf(dir: string, name: string, text: string, transform?: string): Buffer {
  fs.writeFileSync(path.join(dir, name), text);
  return execFileSync('tar', ['-C', dir, '-c', ...(transform ? [`--transform=${transform}`] : []), name]);
}

describe('Engine API routes', requiresRoot, () => {
  let s: ApiServer;
  const v: Record<string, string> = {};
  before(async () => {
    s = await ApiServer.start();
  });
  after(async () => s?.cleanup());

  const rows: Row[] = [
    ['GET', '/_ping', undefined, 200, (r) => { assert.equal(r.text, 'OK'); assert.equal(r.headers['api-version'], '1.47'); assert.equal(r.headers['ostype'], 'linux'); assert.equal(r.headers['builder-version'], '1'); assert.equal(r.headers['swarm'], 'inactive'); assert.match(String(r.headers['cache-control']), /no-cache/); }],
    ['HEAD', '/_ping', undefined, 200, (r) => { assert.equal(r.text, ''); assert.equal(r.headers['api-version'], '1.47'); assert.equal(r.headers['docker-experimental'], 'false'); }],
    ['GET', '/v1.47/_ping', undefined, 200, 'OK'],
    ['GET', '/v1.24/_ping', undefined, 200, 'OK'],
    ['GET', '/v1.23/version', undefined, 400, { message: 'client version 1.23 is too old. Minimum supported API version is 1.24, please upgrade your client to a newer version' }],
    ['GET', '/v1.50/version', undefined, 400, { message: 'client version 1.50 is too new. Maximum supported API version is 1.47' }],
    ['GET', '/vabc/version', undefined, 404, { message: 'page not found' }],
    ['GET', '/no/such/route', undefined, 404, { message: 'page not found' }],
    ['DELETE', '/_ping', undefined, 404, { message: 'page not found' }],
    ['GET', '/version', undefined, 200, (r) => { assert.equal(r.json.ApiVersion, '1.47'); assert.equal(r.json.MinAPIVersion, '1.24'); assert.equal(r.json.Os, 'linux'); assert.ok(r.json.KernelVersion); assert.equal(r.json.Components[0].Name, 'Engine'); }],
    ['GET', '/v1.41/version', undefined, 200, { ApiVersion: '1.47' }],
    ['GET', '/info', undefined, 200, hasKeys('Containers', 'Images', 'Driver', 'OSType', 'Swarm', 'NCPU', 'MemTotal')],
    ['GET', '/v1.47/info', undefined, 200, { OSType: 'linux' }],
    ['POST', '/auth', {}, 400, 'a username and a password'],
    // checked against the registry (none listens on 127.0.0.1:1): never a "Login Succeeded" unverified
    ['POST', '/v1.47/auth', { username: 'u', password: 'p', serveraddress: '127.0.0.1:1' }, 503, (r) => assert.match(r.json.message, /127\.0\.0\.1:1/)],
    // create
    ['POST', '/v1.47/containers/create?name=fix', { Image: 'busybox', Cmd: ['sleep', '300'], Labels: { tier: 'api' }, ExposedPorts: { '80/tcp': {} }, Env: ['A=1', 'NOVALUE'], HostConfig: { NetworkMode: 'none', Memory: 0, PidsLimit: 0, RestartPolicy: { Name: '' } } }, 201, (r, vars) => { assert.match(r.json.Id, /^[0-9a-f]{64}$/); assert.deepEqual(r.json.Warnings, []); vars.fix = r.json.Id; }],
    ['POST', '/containers/create?name=fix', { Image: 'busybox', Cmd: ['true'] }, 409, (r) => assert.match(r.json.message, /fix/)],
    ['POST', '/containers/create', { Image: 'nosuchimage', Cmd: ['true'] }, 404, { message: 'No such image: nosuchimage:latest' }],
    ['POST', '/containers/create', '{"Image": "busybox", ', 400, (r) => assert.match(r.json.message, /invalid JSON/)],
    ['POST', '/containers/create', {}, 400, (r) => assert.match(r.json.message, /Config cannot be empty/)],
    ['POST', '/containers/create', { Image: 'busybox', Cmd: 'not-a-list-but-ok' }, 201, undefined],
    ['POST', '/containers/create', { Image: 'busybox', Env: 'x', Cmd: [1, 2] }, 400, (r) => assert.match(r.json.message, /Cmd/)],
    ['POST', '/containers/create?name=ep&Image=ignored&HostConfig=%7B%7D', { Image: 'busybox', Entrypoint: ['sh', '-c'], Cmd: ['echo entry; echo err >&2'], HostConfig: { NetworkMode: 'none' } }, 201, (r, vars) => { vars.ep = r.json.Id; }],
    ['POST', '/containers/create?name=badmem', { Image: 'busybox', HostConfig: { Memory: 'lots' } }, 400, (r) => assert.match(r.json.message, /Memory/)],
    ['POST', '/containers/create?name=badplat&platform=linux/s390x', { Image: 'busybox' }, 400, undefined],
    ['GET', '/containers/ep/json', undefined, 200, (r) => { assert.deepEqual(r.json.Config.Entrypoint, ['sh', '-c']); assert.deepEqual(r.json.Config.Cmd, ['echo entry; echo err >&2']); assert.equal(r.json.State.Status, 'created'); }],
    // start / inspect / list
    ['POST', '/containers/fix/start', undefined, 204, undefined],
    ['POST', '/v1.47/containers/fix/start', undefined, 304, undefined],
    ['POST', '/containers/nosuch/start', undefined, 404, (r) => assert.match(r.json.message, /No such container: nosuch/)],
    ['GET', '/containers/fix/json', undefined, 200, (r, vars) => { assert.equal(r.json.Id, vars.fix); assert.equal(r.json.State.Running, true); assert.equal(r.json.Name, '/fix'); assert.deepEqual(r.json.Config.Env.filter((e: string) => e.startsWith('A=') || e === 'NOVALUE'), ['A=1']); assert.equal(r.json.Config.Labels.tier, 'api'); }],
    ['GET', '/v1.47/containers/fix/json?size=1', undefined, 200, hasKeys('SizeRw', 'SizeRootFs')],
    ['GET', '/v1.47/containers/nosuch/json', undefined, 404, { message: 'No such container: nosuch' }],
    ['GET', '/containers/json', undefined, 200, (r, vars) => { const c = r.json.find((x: any) => x.Id === vars.fix); assert.ok(c); assert.deepEqual(c.Names, ['/fix']); assert.equal(c.State, 'running'); assert.equal(c.Image, 'busybox'); assert.equal(c.Command, 'sleep 300'); assert.ok(c.Ports.some((p: any) => p.PrivatePort === 80)); assert.ok(!r.json.some((x: any) => x.Id === vars.ep)); }],
    ['GET', '/v1.47/containers/json?all=1', undefined, 200, (r, vars) => assert.ok(r.json.some((x: any) => x.Id === vars.ep))],
    ['GET', '/containers/json?all=true&limit=1', undefined, 200, (r) => assert.equal(r.json.length, 1)],
    ['GET', '/containers/json?all=1&size=1', undefined, 200, (r) => assert.ok('SizeRw' in r.json[0])],
    ['GET', `/containers/json?all=1&filters=${encodeURIComponent('{"name":["^fix$"]}')}`, undefined, 200, (r, vars) => assert.deepEqual(r.json.map((x: any) => x.Id), [vars.fix])],
    ['GET', `/containers/json?all=1&filters=${encodeURIComponent('{"label":{"tier=api":true}}')}`, undefined, 200, (r, vars) => assert.deepEqual(r.json.map((x: any) => x.Id), [vars.fix])],
    ['GET', `/containers/json?filters=${encodeURIComponent('{"status":["created"]}')}`, undefined, 200, (r, vars) => assert.ok(r.json.some((x: any) => x.Id === vars.ep) && !r.json.some((x: any) => x.Id === vars.fix))],
    ['GET', `/containers/json?filters=${encodeURIComponent('{"ancestor":["busybox"],"expose":["80"]}')}`, undefined, 200, (r, vars) => assert.deepEqual(r.json.map((x: any) => x.Id), [vars.fix])],
    ['GET', `/containers/json?filters=${encodeURIComponent('{"id":["FIXID"]}')}`, undefined, 200, undefined],
    ['GET', `/containers/json?filters=${encodeURIComponent('{"bogus":["x"]}')}`, undefined, 400, (r) => assert.match(r.json.message, /invalid filter/)],
    ['GET', '/containers/json?filters=notjson', undefined, 400, (r) => assert.match(r.json.message, /invalid filter/)],
    // running container
    ['GET', '/containers/fix/top', undefined, 200, (r) => { assert.ok(r.json.Titles.includes('PID')); assert.ok(r.json.Processes.some((p: string[]) => p.join(' ').includes('sleep 300'))); }],
    ['GET', '/v1.47/containers/fix/top?ps_args=-ef', undefined, 200, (r) => assert.ok(r.json.Titles.length > 0)],
    ['GET', '/containers/ep/top', undefined, 409, (r) => assert.match(r.json.message, /not running/)],
    ['GET', '/containers/fix/stats?stream=0', undefined, 200, (r, vars) => { assert.equal(r.json.id, vars.fix); assert.equal(r.json.name, '/fix'); for (const k of ['cpu_stats', 'precpu_stats', 'memory_stats', 'pids_stats', 'blkio_stats']) assert.ok(k in r.json, k); assert.ok(r.json.cpu_stats.cpu_usage.total_usage >= 0); assert.ok(r.json.precpu_stats.system_cpu_usage > 0); assert.equal(r.json.pids_stats.current, 1); }],
    ['GET', '/v1.47/containers/fix/stats?stream=false&one-shot=true', undefined, 200, hasKeys('cpu_stats', 'read')],
    ['POST', '/containers/fix/resize?h=24&w=80', undefined, 200, undefined],
    ['POST', '/containers/fix/resize?h=x', undefined, 400, undefined],
    ['POST', '/containers/ep/resize?h=24&w=80', undefined, 409, undefined],
    ['GET', '/containers/fix/changes', undefined, 200, undefined],
    ['GET', '/containers/fix/export', undefined, 200, (r) => { assert.equal(r.headers['content-type'], 'application/x-tar'); assert.ok(r.raw.includes(Buffer.from('bin/busybox'))); }],
    ['GET', '/containers/fix/archive?path=/etc/hostname', undefined, 200, (r) => { const st = JSON.parse(Buffer.from(String(r.headers['x-docker-container-path-stat']), 'base64').toString()); assert.equal(st.name, 'hostname'); assert.ok(r.raw.includes(Buffer.from('hostname'))); }],
    ['HEAD', '/v1.47/containers/fix/archive?path=/etc', undefined, 200, (r) => { const st = JSON.parse(Buffer.from(String(r.headers['x-docker-container-path-stat']), 'base64').toString()); assert.equal(st.name, 'etc'); assert.ok(st.mode >= 2 ** 31, 'a directory in Go FileMode bits'); }],
    ['GET', '/containers/fix/archive?path=/no/such/file', undefined, 404, (r) => assert.match(r.json.message, /no\/such\/file/)],
    ['GET', '/containers/fix/archive', undefined, 400, undefined],
    ['PUT', '/containers/nosuch/archive?path=/tmp', 'not a tar', 404, undefined],
    ['PUT', '/containers/fix/archive', 'not a tar', 400, undefined],
    // the container's root confines every path: the host's /etc/os-release is not reachable by climbing
    ['GET', '/containers/fix/archive?path=/../../../../../etc/os-release', undefined, 404, undefined],
    ['POST', '/containers/fix/pause', undefined, 204, undefined],
    ['GET', '/containers/fix/json', undefined, 200, (r) => assert.equal(r.json.State.Status, 'paused')],
    ['POST', '/containers/fix/unpause', undefined, 204, undefined],
    ['POST', '/containers/fix/rename?name=fix2', undefined, 204, undefined],
    ['GET', '/containers/fix2/json', undefined, 200, { Name: '/fix2' }],
    ['POST', '/containers/fix2/rename?name=ep', undefined, 409, undefined],
    ['POST', '/containers/fix2/rename', undefined, 400, undefined],
    ['POST', '/v1.47/containers/fix2/rename?name=fix', undefined, 204, undefined],
    ['POST', '/containers/fix/update', { Memory: 64 << 20, MemorySwap: 128 << 20 }, 200, hasKeys('Warnings')],
    ['GET', '/containers/fix/json', undefined, 200, (r) => assert.equal(r.json.HostConfig.Memory, 64 << 20)],
    ['POST', '/containers/fix/update', { Memory: 'x' }, 200, undefined],
    // exec
    ['POST', '/containers/fix/exec', { Cmd: ['sh', '-c', 'echo out; echo err >&2; exit 3'], AttachStdout: true, AttachStderr: true }, 201, (r, vars) => { vars.exec = r.json.Id; }],
    ['POST', '/containers/fix/exec', { Cmd: [] }, 400, undefined],
    ['POST', '/containers/ep/exec', { Cmd: ['true'] }, 409, undefined],
    ['GET', '/exec/EXEC/json', undefined, 200, { Running: false, ExitCode: null }],
    ['POST', '/exec/EXEC/start', { Detach: false, Tty: false }, 200, (r) => { const d = demux(r.raw); assert.equal(d.stdout, 'out\n'); assert.equal(d.stderr, 'err\n'); }],
    ['GET', '/v1.47/exec/EXEC/json', undefined, 200, (r, vars) => { assert.equal(r.json.ExitCode, 3); assert.equal(r.json.Running, false); assert.equal(r.json.ContainerID, vars.fix); }],
    ['POST', '/exec/EXEC/start', { Detach: false }, 409, undefined],
    ['POST', '/exec/EXEC/resize?h=10&w=10', undefined, 201, undefined],
    ['GET', '/exec/nosuch/json', undefined, 404, { message: 'No such exec instance: nosuch' }],
    ['POST', '/containers/ep/attach?stdout=1&stderr=1&logs=1&stream=0', undefined, 200, (r) => { assert.equal(r.headers['content-type'], 'application/vnd.docker.multiplexed-stream'); assert.equal(r.raw.length, 0); }],
    ['POST', '/containers/nosuch/attach?stream=1', undefined, 404, undefined],
    ['POST', '/containers/nosuch/wait', undefined, 404, undefined],
    // logs, wait, kill, stop, restart, remove
    ['POST', '/containers/ep/start', undefined, 204, undefined],
    ['POST', '/containers/ep/wait', undefined, 200, { StatusCode: 0, Error: null }],
    ['GET', '/containers/ep/logs?stdout=1&stderr=1', undefined, 200, (r) => { assert.equal(r.headers['content-type'], 'application/vnd.docker.multiplexed-stream'); assert.deepEqual(demux(r.raw), { stdout: 'entry\n', stderr: 'err\n' }); }],
    ['GET', '/v1.47/containers/ep/logs?stderr=1&timestamps=1', undefined, 200, (r) => assert.match(demux(r.raw).stderr, /^\d{4}-\d\d-\d\dT[\d:.]+Z err\n$/)],
    ['POST', '/v1.47/containers/ep/attach?stdout=1&logs=1', undefined, 200, (r) => assert.equal(demux(r.raw).stdout, 'entry\n')],
    ['GET', '/containers/ep/logs?stdout=1&stderr=1&tail=1', undefined, 200, (r) => assert.equal(Object.values(demux(r.raw)).join(''), 'err\n')],
    ['GET', '/containers/ep/logs?stdout=1&follow=1', undefined, 200, (r) => assert.equal(demux(r.raw).stdout, 'entry\n')],
    ['GET', `/containers/ep/logs?stdout=1&since=${Math.floor(Date.now() / 1000) + 3600}`, undefined, 200, (r) => assert.equal(r.raw.length, 0)],
    ['GET', '/containers/ep/logs', undefined, 400, (r) => assert.match(r.json.message, /choose at least one stream/)],
    ['POST', '/containers/ep/wait?condition=bogus', undefined, 400, undefined],
    ['POST', '/containers/ep/stop', undefined, 304, undefined],
    ['POST', '/containers/ep/kill', undefined, 409, (r) => assert.match(r.json.message, /is not running/)],
    ['POST', '/containers/fix/kill?signal=KILL', undefined, 204, undefined],
    ['POST', '/v1.47/containers/fix/wait?condition=not-running', undefined, 200, { StatusCode: 137, Error: null }],
    ['POST', '/containers/fix/restart?t=1', undefined, 204, undefined],
    ['GET', '/containers/fix/json', undefined, 200, (r) => assert.equal(r.json.State.Running, true)],
    ['POST', '/containers/fix/stop?t=0&signal=SIGTERM', undefined, 204, undefined],
    ['POST', '/containers/fix/start', undefined, 204, undefined],
    ['DELETE', '/containers/fix', undefined, 409, (r) => assert.match(r.json.message, /stop the container before removing or force remove/)],
    ['DELETE', '/containers/fix?force=1&v=1', undefined, 204, undefined],
    ['DELETE', '/v1.47/containers/fix', undefined, 404, undefined],
    ['DELETE', '/containers/ep?link=1', undefined, 400, undefined],
    ['POST', '/v1.47/containers/prune', undefined, 200, (r, vars) => { assert.ok(r.json.ContainersDeleted.includes(vars.ep)); assert.equal(typeof r.json.SpaceReclaimed, 'number'); }],
    ['GET', '/containers/ep/json', undefined, 404, undefined],
  ];

  for (const [method, p, body, status, expect] of rows) {
    test(`${method} ${p} -> ${status}`, async () => {
      const real = p.replace('EXEC', v.exec ?? 'EXEC').replace('FIXID', v.fix ?? '');
      const r = await s.request(method, real, body);
      assert.equal(r.status, status, `${method} ${real}: ${r.status} ${r.text.slice(0, 300)}`);
      if (status >= 400) assert.equal(typeof r.json?.message, 'string', `error bodies are {"message": ...}: ${r.text}`);
      check(r, expect, v, `${method} ${real}`);
    });
  }

  test('every registered route is exercised by the table', async () => {
    const { Router } = await import('../../src/api/router.js');
    const { registerRoutes } = await import('../../src/api/routes/index.js');
    const r = new Router();
    await registerRoutes(r);
    const mine = r.list().filter((x) => !x.includes('/images') && !x.includes('/build') && !x.includes('/networks') && !x.includes('/volumes') && !x.includes('/events') && !x.includes('/system') && !x.includes('/commit') && !x.includes('/distribution'));
    const used = rows.map(([m, p]) => `${m} ${p.replace(/^\/v1\.\d+/, '').split('?')[0]}`);
    for (const route of mine) {
      const [m, pattern] = route.split(' ');
      const re = new RegExp(`^${m} ${pattern.replace(/\{\w+\*?\}/g, '[^/]+')}$`);
      assert.ok(used.some((u) => re.test(u)), `no table row for ${route}`);
    }
  });
});

describe('Engine API streams', requiresRoot, () => {
  let s: ApiServer;
  before(async () => {
    s = await ApiServer.start();
  });
  after(async () => s?.cleanup());

  test('attach (Upgrade: tcp) before start gets 101 and every byte; wait before start gets the exit code', async () => {
    const c = await s.request('POST', '/containers/create', { Image: 'busybox', Cmd: ['sh', '-c', 'echo first; echo second >&2; exit 5'], AttachStdout: true, AttachStderr: true, HostConfig: { NetworkMode: 'none' } });
    const id = c.json.Id;
    const attached = s.raw(`POST /v1.47/containers/${id}/attach?stderr=1&stdout=1&stream=1 HTTP/1.1\r\nHost: api\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n`, { endAfterWrite: true });
    const waited = s.raw(`POST /v1.47/containers/${id}/wait?condition=next-exit HTTP/1.1\r\nHost: api\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
    await until(() => s.log.includes(`/containers/${id}/attach`) || s.log.length > 0);
    await new Promise((r) => setTimeout(r, 50)); // both requests in flight (a test of ordering, not of timing: the hold makes it safe either way)
    assert.equal((await s.request('POST', `/containers/${id}/start`)).status, 204);
    const a = await attached;
    const head = a.subarray(0, a.indexOf('\r\n\r\n') + 4).toString();
    assert.match(head, /^HTTP\/1\.1 101 UPGRADED\r\n/);
    assert.match(head, /Content-Type: application\/vnd\.docker\.multiplexed-stream/);
    assert.match(head, /Upgrade: tcp/);
    assert.deepEqual(demux(a.subarray(a.indexOf('\r\n\r\n') + 4)), { stdout: 'first\n', stderr: 'second\n' });
    const w = (await waited).toString();
    assert.match(w, /^HTTP\/1\.1 200/);
    assert.match(w, /\{"StatusCode":5,"Error":null\}/);
  });

  test('attach with stdin: input reaches the container, half-close ends its stdin', async () => {
    const c = await s.request('POST', '/containers/create', { Image: 'busybox', Cmd: ['cat'], OpenStdin: true, StdinOnce: true, AttachStdin: true, AttachStdout: true, AttachStderr: true, HostConfig: { NetworkMode: 'none' } });
    const id = c.json.Id;
    const attached = s.raw(`POST /containers/${id}/attach?stdin=1&stdout=1&stderr=1&stream=1 HTTP/1.1\r\nHost: api\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n`, { input: Buffer.from('hello stdin\n'), endAfterWrite: true });
    await new Promise((r) => setTimeout(r, 50));
    assert.equal((await s.request('POST', `/containers/${id}/start`)).status, 204);
    const a = await attached;
    assert.equal(demux(a.subarray(a.indexOf('\r\n\r\n') + 4)).stdout, 'hello stdin\n');
    const w = await s.request('POST', `/containers/${id}/wait`);
    assert.equal(w.json.StatusCode, 0);
  });

  test('attach to a TTY container is raw; plain POST attach (no Upgrade) streams a 200', async () => {
    const c = await s.request('POST', '/containers/create', { Image: 'busybox', Cmd: ['sh', '-c', 'sleep 1; echo tty-out'], Tty: true, HostConfig: { NetworkMode: 'none' } });
    const id = c.json.Id;
    const plain = s.request('POST', `/containers/${id}/attach?stdout=1&stderr=1&stream=1&logs=1`);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal((await s.request('POST', `/containers/${id}/start`)).status, 204);
    const r = await plain;
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/vnd.docker.raw-stream');
    assert.equal(r.text.replace(/\r/g, ''), 'tty-out\n');
  });

  test('exec start over Upgrade: body first, then the stream; ExitCode after', async () => {
    const c = await s.request('POST', '/containers/create', { Image: 'busybox', Cmd: ['sleep', '300'], OpenStdin: false, HostConfig: { NetworkMode: 'none' } });
    const id = c.json.Id;
    await s.request('POST', `/containers/${id}/start`);
    const e = await s.request('POST', `/containers/${id}/exec`, { Cmd: ['cat'], AttachStdin: true, AttachStdout: true, AttachStderr: true });
    const body = JSON.stringify({ Detach: false, Tty: false });
    const out = await s.raw(`POST /v1.47/exec/${e.json.Id}/start HTTP/1.1\r\nHost: api\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`, { input: Buffer.from('piped through exec\n'), endAfterWrite: true });
    assert.match(out.toString(), /^HTTP\/1\.1 101 UPGRADED/);
    assert.equal(demux(out.subarray(out.indexOf('\r\n\r\n') + 4)).stdout, 'piped through exec\n');
    const j = await s.request('GET', `/exec/${e.json.Id}/json`);
    assert.equal(j.json.ExitCode, 0);
    const d = await s.request('POST', `/containers/${id}/exec`, { Cmd: ['sh', '-c', 'exit 0'] });
    assert.equal((await s.request('POST', `/exec/${d.json.Id}/start`, { Detach: true })).status, 200);
    await s.request('DELETE', `/containers/${id}?force=1`);
  });

  test('stats stream: one JSON object per second, precpu_stats from the previous one; ends when the client goes', async () => {
    const c = await s.request('POST', '/containers/create', { Image: 'busybox', Cmd: ['sleep', '300'], HostConfig: { NetworkMode: 'none' } });
    const id = c.json.Id;
    await s.request('POST', `/containers/${id}/start`);
    const { default: http } = await import('node:http');
    const lines = await new Promise<any[]>((resolve, reject) => {
      const got: any[] = [];
      let buf = '';
      const req = http.request({ socketPath: s.sock, path: `/containers/${id}/stats` }, (res) => {
        res.on('data', (d) => {
          buf += d;
          for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
            got.push(JSON.parse(buf.slice(0, nl)));
            buf = buf.slice(nl + 1);
          }
          if (got.length >= 2) {
            req.destroy();
            resolve(got);
          }
        });
      });
      req.on('error', (e) => (got.length >= 2 ? undefined : reject(e)));
      req.end();
    });
    assert.equal(lines[0].preread, '0001-01-01T00:00:00Z');
    assert.equal(lines[1].precpu_stats.cpu_usage.total_usage, lines[0].cpu_stats.cpu_usage.total_usage);
    assert.equal(lines[1].preread, lines[0].read);
    assert.equal((await s.request('GET', '/_ping')).status, 200);
    await s.request('DELETE', `/containers/${id}?force=1`);
  });

  test('logs follow streams until the container exits; AutoRemove + wait removed', async () => {
    const c = await s.request('POST', '/containers/create', { Image: 'busybox', Cmd: ['sh', '-c', 'echo a; sleep 1; echo b'], HostConfig: { NetworkMode: 'none', AutoRemove: true } });
    const id = c.json.Id;
    const removed = s.request('POST', `/containers/${id}/wait?condition=removed`);
    await s.request('POST', `/containers/${id}/start`);
    const r = await s.request('GET', `/containers/${id}/logs?follow=1&stdout=1&stderr=1&tail=all`);
    assert.equal(demux(r.raw).stdout, 'a\nb\n');
    assert.deepEqual((await removed).json, { StatusCode: 0, Error: null });
    assert.equal((await s.request('GET', `/containers/${id}/json`)).status, 404);
  });

  test('archive PUT extracts into the container; a tar climbing out with ../ is refused and writes nothing outside', async () => {
    const c = await s.request('POST', '/containers/create', { Image: 'busybox', Cmd: ['sleep', '300'], HostConfig: { NetworkMode: 'none' } });
    const id = c.json.Id;
    const dir = tmpDir('berth-api-tar-');
    try {
      const put = await s.request('PUT', `/containers/${id}/archive?path=/tmp`, tarOf(dir, 'in.txt', 'put-content\n'), { 'Content-Type': 'application/x-tar' });
      assert.equal(put.status, 200, put.text);
      const got = await s.request('GET', `/containers/${id}/archive?path=/tmp/in.txt`);
      assert.ok(got.raw.includes(Buffer.from('put-content')));
      const marker = `escaped-${process.pid}.txt`;
      const evil = tarOf(dir, marker, 'evil\n', `s,^,../../../../../../../../tmp/,`);
      const bad = await s.request('PUT', `/containers/${id}/archive?path=/tmp`, evil, { 'Content-Type': 'application/x-tar' });
      assert.ok(bad.status >= 400, `refused: ${bad.status} ${bad.text}`);
      assert.ok(!fs.existsSync(path.join('/tmp', marker)), 'nothing written on the host');
      assert.equal((await s.request('PUT', `/containers/${id}/archive?path=/no/such/dir`, tarOf(dir, 'x.txt', 'x')).then((r) => r.status)), 404);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Engine API against hostile requests', requiresRoot, () => {
  let s: ApiServer;
  before(async () => {
    s = await ApiServer.start({ BERTH_API_HEADERS_TIMEOUT_MS: '1500' });
  });
  after(async () => s?.cleanup());

  test('huge headers get 431 and the server keeps serving', async () => {
    const r = await s.raw(`GET /_ping HTTP/1.1\r\nHost: api\r\nX-Big: ${'a'.repeat(200 << 10)}\r\n\r\n`).catch(() => Buffer.alloc(0));
    // 431, or a reset while the client was still sending: never an answer to the request.
    assert.match(r.toString(), /^(HTTP\/1\.1 431|)$|^HTTP\/1\.1 431/);
    assert.doesNotMatch(r.toString(), /200 OK/);
    assert.equal((await s.request('GET', '/_ping')).status, 200);
  });

  test('a JSON body over the limit gets 413', async () => {
    const big = JSON.stringify({ Image: 'busybox', Env: [`X=${'y'.repeat(17 << 20)}`] });
    const r = await s.request('POST', '/containers/create', big).catch((e) => ({ status: 413, json: { message: String(e) } }) as Reply);
    assert.equal(r.status, 413);
  });

  test('malformed JSON gets 400 with a message, never a stack', async () => {
    for (const body of ['{', '[1,2', 'null x', '{"Image": }']) {
      const r = await s.request('POST', '/containers/create', body);
      assert.equal(r.status, 400, body);
      assert.match(r.json.message, /invalid JSON/);
      assert.doesNotMatch(r.text, /at .*\.js:\d+/);
    }
  });

  test('slow-loris: a connection that never finishes its headers is closed', async () => {
    const closed = await s.raw('GET /_ping HTTP/1.1\r\nHost: api\r\nX-Slow: 1\r\n');
    assert.match(closed.toString(), /^(HTTP\/1\.1 408|)/);
    assert.equal((await s.request('GET', '/_ping')).status, 200);
  });

  test('a bad path escape (%zz) is a 400, not a crash', async () => {
    const r = await s.request('GET', '/containers/%zz/json');
    assert.equal(r.status, 400);
  });
});

describe('berth serve as a process', requiresRoot, () => {
  test('containers outlive SIGKILL of the server; the CLI sees them and the API sees the CLI\'s', async (t) => {
    const s = await ApiServer.start();
    t.after(() => s.cleanup());
    const c = await s.request('POST', '/containers/create?name=survivor', { Image: 'busybox', Cmd: ['sleep', '300'], HostConfig: { NetworkMode: 'none' } });
    assert.equal((await s.request('POST', `/containers/${c.json.Id}/start`)).status, 204);
    assert.equal(await s.stop('SIGKILL'), null);
    assert.ok(s.engine.inspect('survivor').State.Running, 'still running after the server died');
    assert.match(s.engine.ok(['ps', '--format', '{{.Names}} {{.State}}']), /survivor running/);
    s.engine.ok(['run', '-d', '--name', 'from-cli', '--network', 'none', 'busybox', 'sleep', '300']);
    await s.spawn(); // the stale socket left by SIGKILL is taken over
    const list = await s.request('GET', '/containers/json');
    assert.deepEqual(list.json.map((x: any) => x.Names[0]).sort(), ['/from-cli', '/survivor']);
    assert.equal((await s.request('POST', '/containers/from-cli/stop?t=0')).status, 204);
    assert.equal(s.engine.inspect('from-cli').State.Running, false);
  });

  test('refuses a second server on the same socket; SIGTERM stops cleanly (socket and pid file gone)', async (t) => {
    const s = await ApiServer.start();
    t.after(() => s.cleanup());
    assert.equal(fs.readFileSync(`${s.sock}.pid`, 'utf8').trim(), String(s.proc!.pid));
    assert.equal(fs.statSync(s.sock).mode & 0o777, 0o660);
    const second = s.engine.run(['serve', '-H', `unix://${s.sock}`]);
    assert.notEqual(second.code, 0);
    assert.match(second.stderr, /already listening/);
    assert.equal((await s.request('GET', '/_ping')).status, 200, 'the first one still serves');
    const c = await s.request('POST', '/containers/create?name=stays', { Image: 'busybox', Cmd: ['sleep', '300'], HostConfig: { NetworkMode: 'none' } });
    assert.equal((await s.request('POST', `/containers/${c.json.Id}/start`)).status, 204);
    const waiting = s.request('POST', '/containers/stays/wait').catch(() => undefined); // an open stream does not hold the stop up
    assert.equal(await s.stop('SIGTERM'), 0);
    await waiting;
    assert.equal(s.engine.inspect('stays').State.Running, true, 'a clean stop leaves containers running');
    assert.ok(!fs.existsSync(s.sock));
    assert.ok(!fs.existsSync(`${s.sock}.pid`));
  });

  test('TCP without TLS verification is refused; with it, only clients holding a certificate get in', async (t) => {
    const root = tmpDir('berth-api-tls-');
    t.after(() => fs.rmSync(root, { recursive: true, force: true }));
    const s = await ApiServer.start();
    t.after(() => s.cleanup());
    const e = s.engine;
    const plain = e.run(['serve', '-H', 'tcp://127.0.0.1:23751']);
    assert.equal(plain.code, 125);
    assert.match(plain.stderr, /refusing to listen on TCP without TLS/);
    const ossl = (args: string[]) => execFileSync('openssl', args, { cwd: root, stdio: 'pipe' });
    ossl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=berth-test-ca']);
    for (const n of ['server', 'client']) {
      ossl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${n}.key`, '-out', `${n}.csr`, '-subj', `/CN=${n === 'server' ? '127.0.0.1' : 'client'}`]);
      fs.writeFileSync(path.join(root, `${n}.ext`), n === 'server' ? 'subjectAltName=IP:127.0.0.1\n' : 'extendedKeyUsage=clientAuth\n');
      ossl(['x509', '-req', '-in', `${n}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${n}.pem`, '-days', '2', '-extfile', `${n}.ext`]);
    }
    const { spawn } = await import('node:child_process');
    const { berthBin } = await import('../helpers.js');
    const p = spawn(process.execPath, [berthBin, '--root', e.root, 'serve', '-H', 'tcp://127.0.0.1:23752', '-H', `unix://${root}/s.sock`, '--tlsverify', '--tlscacert', `${root}/ca.pem`, '--tlscert', `${root}/server.pem`, '--tlskey', `${root}/server.key`], { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    p.stderr!.on('data', (d) => (log += d));
    t.after(() => p.kill('SIGKILL'));
    await until(() => log.includes('API listening'), 60_000);
    const https = await import('node:https');
    const get = (withCert: boolean) => new Promise<number>((resolve) => {
      const req = https.request({ host: '127.0.0.1', port: 23752, path: '/_ping', ca: fs.readFileSync(`${root}/ca.pem`), ...(withCert ? { cert: fs.readFileSync(`${root}/client.pem`), key: fs.readFileSync(`${root}/client.key`) } : {}) }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', () => resolve(-1));
      req.end();
    });
    assert.equal(await get(true), 200);
    assert.equal(await get(false), -1, 'no client certificate: the handshake fails');
  });
});
