/** dockerode (unversioned paths, options in the query too) against `berth serve`. */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import Docker from 'dockerode';
import { requiresRoot } from '../helpers.js';
import { ApiServer } from './apiHarness.js';

function collect(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (d) => (text += d));
  return { stream, text: () => text };
}

describe('dockerode against berth serve', requiresRoot, () => {
  let s: ApiServer;
  let docker: Docker;
  before(async () => {
    s = await ApiServer.start();
    docker = new Docker({ socketPath: s.sock });
  });
  after(async () => s?.cleanup());

  test('ping, version, info, listContainers', async () => {
    assert.equal(String(await docker.ping()), 'OK');
    assert.equal((await docker.version()).ApiVersion, '1.47');
    assert.equal((await docker.info()).OSType, 'linux');
    assert.deepEqual(await docker.listContainers(), []);
  });

  test('create, attach, start, wait, logs, remove', async () => {
    const c = await docker.createContainer({ Image: 'busybox', Cmd: ['sh', '-c', 'echo from-dockerode; echo err-side >&2; exit 2'], AttachStdout: true, AttachStderr: true, HostConfig: { NetworkMode: 'none' } });
    const stream = await c.attach({ stream: true, stdout: true, stderr: true, hijack: true });
    const out = collect();
    const err = collect();
    docker.modem.demuxStream(stream, out.stream, err.stream);
    const ended = new Promise((r) => stream.on('end', r));
    const waited = c.wait({ condition: 'next-exit' });
    await c.start();
    assert.deepEqual(await waited, { StatusCode: 2, Error: null });
    await ended;
    assert.equal(out.text(), 'from-dockerode\n');
    assert.equal(err.text(), 'err-side\n');
    const logs = await c.logs({ stdout: true, stderr: true, follow: false });
    assert.ok(Buffer.from(logs as unknown as Buffer).includes(Buffer.from('from-dockerode')));
    const info = await c.inspect();
    assert.equal(info.State.ExitCode, 2);
    await c.remove();
    await assert.rejects(c.inspect(), (e: any) => e.statusCode === 404);
  });

  test('exec: start with hijack, stdin, exit code from inspect', async () => {
    const c = await docker.createContainer({ Image: 'busybox', Cmd: ['sleep', '300'], HostConfig: { NetworkMode: 'none' } });
    await c.start();
    const ex = await c.exec({ Cmd: ['sh', '-c', 'cat; exit 9'], AttachStdin: true, AttachStdout: true, AttachStderr: true });
    const stream = await ex.start({ hijack: true, stdin: true });
    const out = collect();
    docker.modem.demuxStream(stream, out.stream, new PassThrough());
    const ended = new Promise((r) => stream.on('end', r));
    stream.end('exec-input\n');
    await ended;
    assert.equal(out.text(), 'exec-input\n');
    const ei = await ex.inspect();
    assert.equal(ei.ExitCode, 9);
    assert.equal(ei.Running, false);
    const list = await docker.listContainers({ filters: { status: ['running'] } });
    assert.ok(list.some((x) => x.Id === c.id));
    await c.stop({ t: 0 });
    await c.remove({ force: true, v: true });
  });

  test('errors come back as dockerode errors with Docker\'s status codes', async () => {
    await assert.rejects(docker.getContainer('nope').inspect(), (e: any) => e.statusCode === 404 && /No such container/.test(e.json?.message ?? e.message));
    await assert.rejects(docker.createContainer({ Image: 'no-such-image' }), (e: any) => e.statusCode === 404);
    const c = await docker.createContainer({ Image: 'busybox', name: 'dup', Cmd: ['true'] });
    await assert.rejects(docker.createContainer({ Image: 'busybox', name: 'dup', Cmd: ['true'] }), (e: any) => e.statusCode === 409);
    await c.remove();
  });
});
