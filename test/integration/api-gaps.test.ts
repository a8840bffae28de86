/**
 * Gaps in `berth serve` closed after the first cut: 50 parallel `docker run -d`, ShmSize and
 * ConsoleSize at create, exec resize, detach keys, answers shaped by the request's version.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { requiresRoot } from '../helpers.js';
import { ApiServer, hasDocker } from './apiHarness.js';

const hasScript = spawnSync('script', ['--version']).status === 0;
const opts = !hasDocker ? { skip: 'the docker CLI is not installed at /usr/local/bin/docker' } : requiresRoot;

function dockerAsync(s: ApiServer, args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawn('/usr/local/bin/docker', args, { env: s.dockerEnv() });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('close', (code) => resolve({ code: code ?? 128, out, err }));
  });
}

/** A hijacked session: write `head` + `first`, once `seen` shows up write `then`, resolve with all output when the server closes. */
function session(sock: string, head: string, first: string, seen: RegExp, then: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = net.connect(sock);
    let out = '';
    let sent = false;
    c.on('data', (d) => {
      out += d.toString('latin1');
      if (!sent && seen.test(out)) {
        sent = true;
        c.write(then);
      }
    });
    c.on('error', reject);
    c.on('close', () => resolve(out));
    c.write(head + first);
  });
}

describe('berth serve: the gaps', opts, () => {
  let s: ApiServer;
  before(async () => {
    s = await ApiServer.start();
  });
  after(async () => s?.cleanup());
  const ok = (args: string[], input?: string, env: NodeJS.ProcessEnv = {}) => {
    const r = s.docker(args, input, env);
    assert.equal(r.code, 0, `docker ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };

  test('50 parallel docker run -d: 50 running, distinct names and addresses, nothing half-made', async (t) => {
    const N = 50;
    let ids: string[] = [];
    t.after(() => {
      const left = s.docker(['ps', '-aq', '--no-trunc']).stdout.split('\n').filter(Boolean);
      if (left.length) s.docker(['rm', '-f', ...left]);
    });
    const done = await Promise.all(Array.from({ length: N }, () => dockerAsync(s, ['run', '-d', 'busybox', 'sleep', '60'])));
    ids = done.map((r) => r.out.trim()).filter(Boolean);
    for (const r of done) assert.equal(r.code, 0, r.err);
    assert.equal(new Set(ids).size, N);
    const rows = ok(['inspect', '-f', '{{.Name}} {{.State.Running}} {{.NetworkSettings.IPAddress}}', ...ids]).trim().split('\n');
    assert.equal(rows.length, N);
    assert.ok(rows.every((r) => / true \d+\.\d+\.\d+\.\d+$/.test(r)), rows.join('\n'));
    assert.equal(new Set(rows.map((r) => r.split(' ')[0])).size, N, 'distinct names');
    assert.equal(new Set(rows.map((r) => r.split(' ')[2])).size, N, 'distinct addresses');
    const all = ok(['ps', '-a', '--format', '{{.ID}} {{.State}}', '--no-trunc']).trim().split('\n');
    assert.equal(all.length, N, `nothing else made: ${all.join('\n')}`);
    assert.ok(all.every((r) => r.endsWith(' running')), all.join('\n'));
    const rm = await Promise.all(ids.map((id) => dockerAsync(s, ['rm', '-f', id])));
    for (const r of rm) assert.equal(r.code, 0, r.err);
    assert.equal(ok(['ps', '-aq']), '');
  });

  test('HostConfig.ShmSize sizes /dev/shm; ConsoleSize is the TTY size from the start (no resize sent)', async () => {
    const c = await s.request('POST', '/v1.47/containers/create', {
      Image: 'busybox', Tty: true, Cmd: ['sh', '-c', 'stty size; df -k /dev/shm | tail -n 1 | tr -s " " | cut -d" " -f2'],
      HostConfig: { NetworkMode: 'none', ShmSize: 32 << 20, ConsoleSize: [33, 111] },
    });
    assert.equal(c.status, 201, c.text);
    const id = c.json.Id as string;
    assert.deepEqual(c.json.Warnings, []);
    assert.equal((await s.request('POST', `/v1.47/containers/${id}/start`)).status, 204);
    const w = await s.request('POST', `/v1.47/containers/${id}/wait`);
    assert.equal(w.json.StatusCode, 0, w.text);
    const logs = await s.request('GET', `/v1.47/containers/${id}/logs?stdout=1&stderr=1`);
    assert.equal(logs.text.replace(/\r/g, ''), '33 111\n32768\n');
    const hc = (await s.request('GET', `/v1.47/containers/${id}/json`)).json.HostConfig;
    assert.deepEqual([hc.ShmSize, hc.ConsoleSize], [32 << 20, [33, 111]]);
    assert.equal((await s.request('DELETE', `/v1.47/containers/${id}`)).status, 204);
  });

  test('exec resize: docker exec -it in a real terminal starts at its size and follows a resize (SIGWINCH -> POST /exec/{id}/resize)', { skip: !hasScript && 'script(1) is not installed' }, (t) => {
    const id = ok(['run', '-d', '--network', 'none', 'busybox', 'sleep', '300']).trim();
    t.after(() => s.docker(['rm', '-f', id]));
    // The CLI runs in the background on the terminal (fd 3); the terminal changes size once the
    // exec runs (it says so in /tmp/ready), and the CLI gets SIGWINCH until it ends: no timing.
    const inner = `stty size > /tmp/first; touch /tmp/ready; until [ "$(stty size)" = "50 140" ]; do sleep 0.1; done; echo resized; exit 4`;
    const cmd = `stty rows 27 cols 93; exec 3<&0; docker exec -it ${id} sh -c '${inner}' <&3 & p=$!; until docker exec ${id} test -e /tmp/ready; do sleep 0.1; done; stty rows 50 cols 140; while kill -WINCH $p 2>/dev/null; do sleep 0.2; done; wait $p`;
    const r = spawnSync('script', ['-qefc', cmd, '/dev/null'], { encoding: 'utf8', env: s.dockerEnv(), timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] });
    assert.equal(r.status, 4, r.stdout + r.stderr);
    assert.equal(ok(['exec', id, 'cat', '/tmp/first']), '27 93\n', 'the size at create (ConsoleSize)');
    assert.match(r.stdout, /resized/);
  });

  const upgrade = (path: string, body = '') => `POST ${path} HTTP/1.1\r\nHost: api\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

  test('detach keys on attach: ctrl-p ctrl-q (and ?detachKeys=) let the client go, the container runs on', async (t) => {
    const id = ok(['run', '-dit', '--network', 'none', 'busybox', 'sh']).trim();
    t.after(() => s.docker(['rm', '-f', id]));
    // The server ends the connection itself on the keys (the client never half-closes).
    const out = await session(s.sock, upgrade(`/v1.47/containers/${id}/attach?stdin=1&stdout=1&stderr=1&stream=1`), 'echo one-$((40+2))\n', /one-42/, '\x10\x11');
    assert.match(out, /one-42/);
    assert.equal(ok(['inspect', '-f', '{{.State.Running}}', id]).trim(), 'true');
    const custom = await session(s.sock, upgrade(`/v1.47/containers/${id}/attach?stdin=1&stdout=1&stream=1&detachKeys=ctrl-a,x`), 'echo two-$((40+3))\n', /two-43/, '\x10\x11\x01x');
    assert.match(custom, /two-43/);
    assert.equal(ok(['inspect', '-f', '{{.State.Running}}', id]).trim(), 'true');
    assert.equal((await s.request('POST', `/v1.47/containers/${id}/attach?stdin=1&stream=1&detachKeys=ctrl-1`)).status, 400);
  });

  test('detach keys on exec: DetachKeys at create (default ctrl-p ctrl-q) let the client go, the exec runs on', async (t) => {
    const id = ok(['run', '-d', '--network', 'none', 'busybox', 'sleep', '300']).trim();
    t.after(() => s.docker(['rm', '-f', id]));
    for (const [keys, seq] of [[undefined, '\x10\x11'], ['ctrl-x', '\x18']] as const) {
      const c = await s.request('POST', `/v1.47/containers/${id}/exec`, { Cmd: ['sh'], Tty: true, AttachStdin: true, AttachStdout: true, AttachStderr: true, ...(keys ? { DetachKeys: keys } : {}) });
      assert.equal(c.status, 201, c.text);
      const out = await session(s.sock, upgrade(`/v1.47/exec/${c.json.Id}/start`, JSON.stringify({ Detach: false, Tty: true })), 'echo ex-$((50+1))\n', /ex-51/, seq);
      assert.match(out, /ex-51/);
      const e = await s.request('GET', `/v1.47/exec/${c.json.Id}/json`);
      assert.deepEqual([e.json.Running, e.json.DetachKeys], [true, keys ?? '']);
      assert.equal(ok(['inspect', '-f', '{{.State.Running}}', id]).trim(), 'true');
    }
    assert.equal((await s.request('POST', `/v1.47/containers/${id}/exec`, { Cmd: ['sh'], Tty: true, DetachKeys: 'ctrl-1' })).status, 400);
  });

  test('answers shaped by the request version: inspect below 1.45/1.44 as dockerd gives them, the newest shape otherwise', (t) => {
    s.engine.ok(['network', 'create', 'gapnet']); // the CLI's: the API's network routes are another module
    const id = ok(['run', '-d', '--network', 'gapnet', '--network-alias', 'web', 'busybox', 'sleep', '300']).trim();
    t.after(() => {
      s.docker(['rm', '-f', id]);
      s.engine.run(['network', 'rm', 'gapnet']);
    });
    const at = (v: string) => JSON.parse(ok(['inspect', id], undefined, { DOCKER_API_VERSION: v }))[0];
    const old = at('1.43');
    const ep = old.NetworkSettings.Networks.gapnet;
    assert.ok(ep.Aliases.includes(id.slice(0, 12)) && ep.Aliases.includes('web'), JSON.stringify(ep.Aliases));
    assert.match(ep.MacAddress, /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
    assert.equal(old.Config.MacAddress, ep.MacAddress);
    const now = at('1.47');
    assert.deepEqual(now.NetworkSettings.Networks.gapnet.Aliases, ['web']);
    assert.equal(now.Config.MacAddress, ep.MacAddress);
    assert.equal(ok(['ps', '-q', '--no-trunc'], undefined, { DOCKER_API_VERSION: '1.43' }).trim(), id);
  });
});
