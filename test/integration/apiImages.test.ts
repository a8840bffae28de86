/**
 * The Engine API's images, build, networks, volumes, events and system/df routes, table-driven:
 * [method, path, body, status, expectation], both /v1.NN/ and unversioned, error cases included;
 * hostile build contexts; every route of those modules exercised.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { requiresRoot, tmpDir } from '../helpers.js';
import { ApiServer, type Reply } from './apiHarness.js';
import { freeSubnet } from './networkHarness.js';

type Expect = ((r: Reply, v: Record<string, string>) => void) | Record<string, unknown> | string | undefined;
type Row = [string, string, unknown, number, Expect];

function check(r: Reply, e: Expect, v: Record<string, string>, what: string): void {
  if (e === undefined) return;
  if (typeof e === 'function') return e(r, v);
  if (typeof e === 'string') return assert.ok(r.text.includes(e), `${what}: ${JSON.stringify(r.text.slice(0, 400))} lacks ${JSON.stringify(e)}`);
  for (const [k, want] of Object.entries(e)) assert.deepEqual(r.json?.[k], want, `${what}: .${k} of ${r.text.slice(0, 300)}`);
}

const lines = (r: Reply) => r.text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, any>);
const q = (o: unknown) => encodeURIComponent(JSON.stringify(o));

/** A tar of `files` made by tar(1); `transform` renames the members (a hostile name). */
function tarOf(files: Record<string, string>, transform?: string): Buffer {
  const dir = tmpDir('berth-apictx-');
  try {
    for (const [n, t] of Object.entries(files)) fs.writeFileSync(path.join(dir, n), t);
    return execFileSync('tar', ['-C', dir, '-c', ...(transform ? [`--transform=${transform}`] : []), ...Object.keys(files)]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('Engine API: images, build, networks, volumes, events', requiresRoot, () => {
  let s: ApiServer;
  const v: Record<string, string> = {};
  const S = freeSubnet();
  const escapee = path.join(tmpDir('berth-escape-'), 'owned');
  before(async () => {
    s = await ApiServer.start();
    v.t0 = String(Date.now() / 1000);
  });
  after(async () => {
    await s?.request('DELETE', '/networks/apinet').catch(() => undefined);
    await s?.cleanup();
    fs.rmSync(path.dirname(escapee), { recursive: true, force: true });
  });

  const df = 'FROM busybox\nRUN echo built-here\nCMD ["true"]\n';
  const rows: Row[] = [
    // images
    ['GET', '/images/json', undefined, 200, (r) => assert.ok(r.json.some((i: any) => i.RepoTags.includes('busybox:latest') && /^sha256:/.test(i.Id) && typeof i.Created === 'number' && typeof i.Size === 'number'))],
    ['GET', `/v1.47/images/json?filters=${q({ reference: ['busybox'] })}`, undefined, 200, (r) => assert.equal(r.json.length, 1)],
    ['GET', `/images/json?filters=${q({ dangling: { true: true } })}`, undefined, 200, (r) => assert.deepEqual(r.json, [])],
    ['GET', `/images/json?filters=${q({ colour: ['red'] })}`, undefined, 400, (r) => assert.match(r.json.message, /invalid filter 'colour'/)],
    ['POST', '/images/busybox/tag?repo=127.0.0.1:5999/team/app&tag=v1', undefined, 201, undefined],
    ['GET', '/images/127.0.0.1:5999/team/app:v1/json', undefined, 200, (r) => assert.ok(r.json.RepoTags.includes('127.0.0.1:5999/team/app:v1'))],
    ['GET', '/v1.47/images/busybox/json', undefined, 200, (r, vars) => { vars.busybox = r.json.Id; assert.equal(r.json.Os, 'linux'); }],
    ['GET', '/images/busybox/history', undefined, 200, (r) => { assert.ok(r.json.length >= 1); assert.match(r.json[0].Id, /^sha256:/); assert.ok(r.json[0].Tags.includes('busybox:latest')); }],
    ['GET', '/images/nope/json', undefined, 404, (r) => assert.equal(r.json.message, 'No such image: nope')],
    ['GET', '/v1.47/images/nope/history', undefined, 404, undefined],
    ['POST', '/images/nope/tag?repo=x', undefined, 404, undefined],
    ['POST', '/images/busybox/tag', undefined, 400, undefined],
    ['POST', '/images/busybox/tag?repo=UPPER', undefined, 400, undefined],
    ['DELETE', '/images/127.0.0.1:5999/team/app:v1', undefined, 200, (r) => assert.deepEqual(r.json, [{ Untagged: '127.0.0.1:5999/team/app:v1' }])],
    ['DELETE', '/v1.47/images/nope', undefined, 404, undefined],
    ['POST', '/containers/create?name=imguser', { Image: 'busybox', Cmd: ['true'] }, 201, undefined],
    ['DELETE', '/images/busybox', undefined, 409, (r) => assert.match(r.json.message, /must force.*container [0-9a-f]{12}|being used by stopped container/)],
    ['POST', '/commit?container=imguser&repo=committed&tag=1&comment=hi', {}, 201, (r) => assert.match(r.json.Id, /^sha256:[0-9a-f]{64}$/)],
    ['GET', '/images/committed:1/json', undefined, 200, { Comment: 'hi' }],
    ['POST', '/v1.47/commit', {}, 400, undefined],
    ['POST', '/commit?container=nope', {}, 404, undefined],
    ['DELETE', '/containers/imguser', undefined, 204, undefined],
    ['GET', '/images/get?names=busybox', undefined, 200, (r, vars) => { assert.equal(r.headers['content-type'], 'application/x-tar'); assert.ok(r.raw.includes(Buffer.from('manifest.json'))); vars.saved = r.raw.toString('base64'); }],
    ['GET', '/v1.47/images/busybox/get', undefined, 200, (r) => assert.ok(r.raw.includes(Buffer.from('manifest.json')))],
    ['GET', '/images/get', undefined, 400, undefined],
    ['GET', '/images/nope/get', undefined, 404, undefined],
    ['POST', '/images/load?quiet=1', 'SAVED', 200, (r) => assert.deepEqual(lines(r), [{ stream: 'Loaded image: busybox:latest\n' }])],
    ['POST', '/images/load', Buffer.from('not a tar at all, just words'), 400, undefined],
    ['POST', `/images/create?fromSrc=-&repo=imported&tag=1&changes=${encodeURIComponent('LABEL imported=yes')}`, tarOf({ hello: 'hi\n' }), 200, (r) => assert.match(lines(r)[0].status, /^sha256:[0-9a-f]{64}$/)],
    ['GET', '/images/imported:1/json', undefined, 200, (r) => assert.equal(r.json.Config.Labels.imported, 'yes')],
    ['POST', '/images/create?fromSrc=http://example.com/x.tar', undefined, 400, (r) => assert.match(r.json.message, /URL is not supported/)],
    ['POST', '/v1.47/images/create', undefined, 400, undefined],
    ['POST', '/images/create?fromImage=NOT%20A%20REF', undefined, 400, undefined],
    ['POST', '/images/nope/push?tag=1', undefined, 404, (r) => assert.match(r.json.message, /An image does not exist locally with the tag: nope/)],
    ['POST', '/images/a@sha256:' + 'a'.repeat(64) + '/push', undefined, 400, undefined],
    ['GET', '/images/search?term=busybox', undefined, 501, (r) => assert.match(r.json.message, /search is not supported by berth/)],
    ['POST', `/images/prune?filters=${q({ dangling: ['false'], label: ['imported=yes'] })}`, undefined, 200, (r) => { assert.ok(r.json.ImagesDeleted.some((d: any) => d.Untagged === 'imported:1')); assert.equal(typeof r.json.SpaceReclaimed, 'number'); }],
    ['POST', '/v1.47/images/prune', undefined, 200, { ImagesDeleted: null }],
    // build
    ['POST', '/build?t=apibuilt:1&t=apibuilt:2&labels=' + q({ team: 'api' }), tarOf({ Dockerfile: df }), 200, (r, vars) => {
      const m = lines(r);
      // berth's builder numbers the steps that run (FROM, RUN); metadata-only ones (CMD) are folded in
      assert.deepEqual(m.filter((l) => l.stream?.startsWith('Step')).map((l) => l.stream), ['Step 1/2 : FROM busybox\n', 'Step 2/2 : RUN echo built-here\n']);
      assert.ok(m.some((l) => l.stream === 'built-here\n'), r.text);
      const aux = m.find((l) => l.aux)!.aux.ID as string;
      assert.match(aux, /^sha256:[0-9a-f]{64}$/);
      vars.built = aux;
      assert.deepEqual(m.slice(-3).map((l) => l.stream), [`Successfully built ${aux.slice(7, 19)}\n`, 'Successfully tagged apibuilt:1\n', 'Successfully tagged apibuilt:2\n']);
    }],
    ['GET', '/images/apibuilt:2/json', undefined, 200, (r, vars) => { assert.equal(r.json.Id, vars.built); assert.equal(r.json.Config.Labels.team, 'api'); }],
    ['POST', '/v1.47/build?q=1&t=apibuilt:3&dockerfile=sub.df&buildargs=' + q({ X: 'y' }), zlib.gzipSync(tarOf({ 'sub.df': 'FROM busybox\nARG X\nRUN test "$X" = y\n' })), 200, (r) => {
      const m = lines(r);
      assert.ok(!m.some((l) => l.error), r.text);
      assert.match(m[m.length - 1].stream, /^sha256:[0-9a-f]{64}\n$/);
    }],
    ['POST', '/build', tarOf({ Dockerfile: 'FROM busybox\nRUN exit 3\n' }), 200, (r) => {
      const last = lines(r).pop()!;
      assert.match(last.error, /exit code: 3|returned a non-zero code: 3/);
      assert.equal(last.errorDetail.message, last.error);
    }],
    ['POST', '/build?dockerfile=../../../../etc/passwd', tarOf({ Dockerfile: df }), 400, (r) => assert.match(r.json.message, /Cannot locate specified Dockerfile/)],
    ['POST', '/build', tarOf({ Dockerfile: df, owned: 'x' }, `s,^owned$,${path.relative('/', escapee).split('/').map(() => '..').join('/')}${escapee},`), 400, (r) => {
      assert.match(r.json.message, /build context/);
      assert.equal(fs.existsSync(escapee), false);
    }],
    // an absolute name lands inside the context (as dockerd's extraction does), never at that host path
    ['POST', '/build', tarOf({ Dockerfile: df, owned: 'x' }, `s,^owned$,${escapee},`), 200, (r) => {
      assert.ok(!lines(r).some((l) => l.error), r.text);
      assert.equal(fs.existsSync(escapee), false);
    }],
    ['POST', '/build?buildargs=notjson', tarOf({ Dockerfile: df }), 400, undefined],
    ['POST', '/build?t=Bad:Tag', tarOf({ Dockerfile: df }), 400, undefined],
    ['POST', '/build?platform=linux/s390x-nope', tarOf({ Dockerfile: df }), 400, undefined],
    ['POST', '/build/prune', undefined, 200, (r) => assert.equal(typeof r.json.SpaceReclaimed, 'number')],
    // networks
    ['GET', '/networks', undefined, 200, (r) => assert.ok(r.json.some((n: any) => n.Name === 'bridge'))],
    ['GET', '/networks/bridge', undefined, 200, (r) => { assert.equal(r.json.Name, 'bridge'); assert.ok(r.json.IPAM.Config[0].Gateway); }],
    ['POST', '/networks/create', { Name: 'apinet', IPAM: { Config: [{ Subnet: S.cidr }] }, Labels: { a: 'b' } }, 201, (r, vars) => { assert.match(r.json.Id, /^[0-9a-f]{64}$/); vars.net = r.json.Id; }],
    ['POST', '/v1.47/networks/create', { Name: 'apinet' }, 409, (r) => assert.match(r.json.message, /already exists/)],
    ['POST', '/networks/create', {}, 400, undefined],
    ['POST', '/networks/create', { Name: 'x', Driver: 'overlay' }, 404, undefined],
    ['POST', '/networks/create', '{broken', 400, undefined],
    ['GET', `/networks?filters=${q({ name: ['apinet'] })}`, undefined, 200, (r) => assert.deepEqual(r.json.map((n: any) => n.Name), ['apinet'])],
    ['GET', `/networks?filters=${q({ label: { 'a=b': true } })}`, undefined, 200, (r) => assert.deepEqual(r.json.map((n: any) => n.Name), ['apinet'])],
    ['GET', '/v1.47/networks/apinet', undefined, 200, (r) => assert.equal(r.json.IPAM.Config[0].Subnet, S.cidr)],
    ['GET', '/networks/nope', undefined, 404, undefined],
    ['POST', '/containers/create?name=netuser', { Image: 'busybox', Cmd: ['sleep', '30'] }, 201, undefined],
    ['POST', '/containers/netuser/start', undefined, 204, undefined],
    ['POST', '/networks/apinet/connect', { Container: 'netuser' }, 200, undefined],
    ['GET', '/networks/apinet', undefined, 200, (r) => assert.equal(Object.keys(r.json.Containers).length, 1)],
    ['DELETE', '/networks/apinet', undefined, 403, (r) => assert.match(r.json.message, /active endpoints/)],
    ['POST', '/v1.47/networks/apinet/disconnect', { Container: 'netuser' }, 200, undefined],
    ['POST', '/networks/nope/connect', { Container: 'netuser' }, 404, undefined],
    ['POST', '/networks/apinet/connect', {}, 400, undefined],
    ['POST', '/networks/apinet/disconnect', { Container: 'nope' }, 404, undefined],
    ['DELETE', '/containers/netuser?force=1', undefined, 204, undefined],
    ['DELETE', '/v1.47/networks/apinet', undefined, 204, undefined],
    ['DELETE', '/networks/apinet', undefined, 404, undefined],
    ['DELETE', '/networks/bridge', undefined, 403, undefined],
    ['POST', '/networks/prune', undefined, 200, (r) => assert.ok(Array.isArray(r.json.NetworksDeleted))],
    // volumes
    ['POST', '/volumes/create', { Name: 'apivol', Labels: { a: 'b' } }, 201, { Name: 'apivol', Driver: 'local', Labels: { a: 'b' }, Scope: 'local' }],
    ['POST', '/v1.47/volumes/create', {}, 201, (r, vars) => { assert.match(r.json.Name, /^[0-9a-f]{64}$/); vars.anon = r.json.Name; }],
    ['POST', '/volumes/create', { Name: 'bad/name' }, 400, undefined],
    ['POST', '/volumes/create', { Name: 'x', Driver: 'nfs' }, 400, undefined],
    ['GET', '/volumes', undefined, 200, (r) => { assert.ok(r.json.Volumes.some((x: any) => x.Name === 'apivol')); assert.deepEqual(r.json.Warnings, []); }],
    ['GET', `/volumes?filters=${q({ label: ['a=b'] })}`, undefined, 200, (r) => assert.deepEqual(r.json.Volumes.map((x: any) => x.Name), ['apivol'])],
    ['GET', `/volumes?filters=${q({ dangling: ['true'], name: ['apiv'] })}`, undefined, 200, (r) => assert.deepEqual(r.json.Volumes.map((x: any) => x.Name), ['apivol'])],
    ['GET', `/volumes?filters=${q({ colour: ['x'] })}`, undefined, 400, undefined],
    ['GET', '/volumes/apivol', undefined, 200, (r) => { assert.equal(r.json.Name, 'apivol'); assert.ok(!('Anonymous' in r.json)); }],
    ['GET', '/v1.47/volumes/nope', undefined, 404, undefined],
    ['POST', '/containers/create?name=voluser', { Image: 'busybox', Cmd: ['true'], HostConfig: { Binds: ['apivol:/data'] } }, 201, undefined],
    ['DELETE', '/volumes/apivol', undefined, 409, (r) => assert.match(r.json.message, /volume is in use/)],
    ['DELETE', '/containers/voluser', undefined, 204, undefined],
    ['DELETE', '/volumes/apivol', undefined, 204, undefined],
    ['DELETE', '/volumes/apivol', undefined, 404, undefined],
    ['POST', '/volumes/prune', undefined, 200, (r) => { assert.ok(Array.isArray(r.json.VolumesDeleted)); assert.equal(typeof r.json.SpaceReclaimed, 'number'); }],
    // events and df
    ['GET', '/events?since=T0&until=NOW', undefined, 200, (r) => {
      const m = lines(r);
      const vol = m.filter((e) => e.Type === 'volume' && e.Actor.ID === 'apivol').map((e) => e.Action);
      assert.deepEqual(vol, ['create', 'mount', 'unmount', 'destroy'].filter((a) => vol.includes(a)));
      assert.ok(vol.includes('create') && vol.includes('destroy'));
      const built = m.find((e) => e.Type === 'image' && e.Action === 'build')!;
      assert.equal(built.status, 'build');
      assert.equal(built.scope, 'local');
      assert.match(String(built.timeNano), /^\d{19}$/);
      assert.equal(built.time, Math.floor(Number(String(built.timeNano).slice(0, 13)) / 1000));
      assert.ok(m.some((e) => e.Type === 'network' && e.Action === 'connect' && e.Actor.Attributes.name === 'apinet'));
      assert.ok(m.some((e) => e.Type === 'container' && e.Action === 'destroy' && e.Actor.Attributes.name === 'netuser' && e.from === 'busybox'));
    }],
    ['GET', `/v1.47/events?since=T0&until=NOW&filters=${q({ type: { volume: true }, event: { create: true } })}`, undefined, 200, (r) => {
      assert.ok(lines(r).length >= 2);
      for (const e of lines(r)) assert.deepEqual([e.Type, e.Action], ['volume', 'create']);
    }],
    ['GET', `/events?since=T0&until=NOW&filters=${q({ type: ['network'], network: ['apinet'] })}`, undefined, 200, (r) => {
      assert.deepEqual([...new Set(lines(r).map((e) => e.Action))].sort(), ['connect', 'create', 'destroy', 'disconnect']);
    }],
    ['GET', `/events?filters=${q({ bogus: ['x'] })}`, undefined, 400, undefined],
    ['GET', '/events?since=soon', undefined, 400, (r) => assert.match(r.json.message, /failed to parse value of since/)],
    ['GET', '/system/df', undefined, 200, (r) => {
      for (const k of ['LayersSize', 'Images', 'Containers', 'Volumes', 'BuildCache']) assert.ok(k in r.json, k);
      assert.ok(r.json.Images.every((i: any) => Number.isInteger(i.Created)));
    }],
    ['GET', '/v1.47/system/df', undefined, 200, undefined],
  ];

  for (const [method, p, body, status, expect] of rows) {
    test(`${method} ${p.slice(0, 90)} -> ${status}`, async () => {
      const real = p.replace('T0', v.t0).replace('NOW', String(Date.now() / 1000));
      const data = body === 'SAVED' ? Buffer.from(v.saved, 'base64') : body;
      const headers: Record<string, string> = Buffer.isBuffer(data) ? { 'Content-Type': 'application/x-tar' } : {};
      const r = await s.request(method, real, data, headers);
      assert.equal(r.status, status, `${method} ${real}: ${r.status} ${r.text.slice(0, 400)}`);
      if (status >= 400) assert.equal(typeof r.json?.message, 'string', `error bodies are {"message": ...}: ${r.text}`);
      check(r, expect, v, `${method} ${real}`);
    });
  }

  test('every route of these modules is exercised by the table', async () => {
    const { Router } = await import('../../src/api/router.js');
    const r = new Router();
    for (const m of ['images', 'build', 'networks', 'volumes', 'events']) (await import(`../../src/api/routes/${m}.js`)).register(r);
    const used = rows.map(([m, p]) => `${m} ${p.replace(/^\/v1\.\d+/, '').split('?')[0]}`);
    for (const route of r.list()) {
      const [m, pattern] = route.split(' ');
      const re = new RegExp(`^${m} ${pattern.replace(/\{\w+\*\}/g, '.+').replace(/\{\w+\}/g, '[^/]+')}$`);
      assert.ok(used.some((u) => re.test(u)), `no table row for ${route}`);
    }
    assert.ok(rows.some(([, p]) => p.startsWith('/v1.47/')) && rows.some(([, p]) => !p.startsWith('/v1.')));
  });
});
