/**
 * The accelerator through the real launcher: bin/berth -> berth-launch -> a warm berth
 * process (src/cli/accelerator/worker.ts), against a throwaway root. Each test's worker
 * has a private socket and is stopped by PID.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { berthBin, requiresRoot, tmpDir } from '../helpers.js';
import { Engine, until } from './engineHarness.js';

const launcher = path.join(path.dirname(berthBin), 'berth');
let e: Engine;
let dir: string;
let sock: string;
let worker: ChildProcess | undefined;
/** PATH without node: a command that went cold (exec node) would fail, so success proves it ran warm. */
const NO_NODE_PATH = '/usr/sbin:/sbin';

async function startWorker(): Promise<void> {
  worker = spawn(process.execPath, [berthBin, '--accel-worker'], { stdio: 'ignore', env: { ...process.env, BERTH_ACCEL_SOCK: sock } });
  await until(() => fs.existsSync(sock), 10_000);
}

function stopWorker(): void {
  if (worker?.pid && worker.exitCode === null && worker.signalCode === null) process.kill(worker.pid, 'SIGKILL');
  worker = undefined;
  fs.rmSync(sock, { force: true });
}

function launch(args: string[], env: Record<string, string> = {}, cwd?: string) {
  const r = spawnSync(launcher, ['--root', e.root, ...args], { encoding: 'utf8', cwd, env: { ...process.env, BERTH_ACCEL_SOCK: sock, ...env } });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

before(async () => {
  if (!requiresRoot.skip) e = await new Engine('berth-accel-').init();
  dir = tmpDir('berth-accel-sock-');
  sock = path.join(dir, 'accel.sock');
});
after(() => {
  stopWorker();
  e?.cleanup();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('accelerator: run --rm served warm: stdout, stderr, exit code, cwd, relative --env-file', requiresRoot, async () => {
  await startWorker();
  const work = tmpDir('berth-accel-cwd-');
  try {
    fs.writeFileSync(path.join(work, 'vars.env'), 'GREETING=hello from the env file\n');
    const r = launch(['run', '--rm', '--network', 'none', '--env-file', 'vars.env', 'busybox', 'sh', '-c', 'echo "$GREETING"; echo oops >&2; exit 7'], { PATH: NO_NODE_PATH }, work);
    assert.equal(r.code, 7, r.stderr);
    assert.equal(r.stdout, 'hello from the env file\n');
    assert.equal(r.stderr, 'oops\n');
    // berth's own errors keep their one line and exit code
    const bad = launch(['run', '--rm', '--pull', 'never', '--network', 'none', 'no-such-image'], { PATH: NO_NODE_PATH });
    assert.equal(bad.code, 125);
    assert.match(bad.stderr, /^berth: No such image: no-such-image:latest\n$/);
    assert.equal(bad.stderr.trim().split('\n').length, 1);
    // the worker serves again after an error, and a detached container outlives it
    const id = launch(['run', '-d', '--network', 'none', 'busybox', 'sleep', '1000'], { PATH: NO_NODE_PATH }).stdout.trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    stopWorker();
    assert.equal(e.ok(['inspect', '-f', '{{.State.Running}}', id]), 'true');
    e.ok(['rm', '-f', id]);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
    stopWorker();
  }
});

test('accelerator: interactive commands go cold (and still work); no worker means cold', requiresRoot, async () => {
  await startWorker();
  try {
    const r = spawnSync(launcher, ['--root', e.root, 'run', '-i', '--rm', '--network', 'none', 'busybox', 'cat'], { encoding: 'utf8', input: 'piped in\n', env: { ...process.env, BERTH_ACCEL_SOCK: sock } });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'piped in\n');
    // cold without node on PATH fails: proof that -i was not run warm
    const noNode = launch(['run', '-i', '--rm', '--network', 'none', 'busybox', 'true'], { PATH: NO_NODE_PATH });
    assert.equal(noNode.code, 125);
    assert.match(noNode.stderr, /exec node/);
  } finally {
    stopWorker();
  }
  const off = launch(['ps', '-q'], { BERTH_ACCEL: '0' });
  assert.equal(off.code, 0, off.stderr);
  assert.ok(!fs.existsSync(sock), 'BERTH_ACCEL=0 starts no accelerator');
});

test('accelerator: a signal the command does not handle ends it like a cold process', requiresRoot, async () => {
  await startWorker();
  const w = worker!;
  const id = e.ok(['run', '-d', '--network', 'none', 'busybox', 'sleep', '1000']);
  try {
    const c = spawn(launcher, ['--root', e.root, 'wait', id], { stdio: 'ignore', env: { ...process.env, BERTH_ACCEL_SOCK: sock, PATH: NO_NODE_PATH } });
    const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => c.on('exit', (code, signal) => r({ code, signal })));
    // `wait` has reached the worker once the launcher is connected; give it that moment, then TERM the launcher
    await until(() => fs.readdirSync(`/proc/${c.pid}/fd`).some((f) => { try { return fs.readlinkSync(`/proc/${c.pid}/fd/${f}`).startsWith('socket:'); } catch { return false; } }), 5000);
    await new Promise((r) => setTimeout(r, 300));
    process.kill(c.pid!, 'SIGTERM');
    const res = await done;
    assert.equal(res.signal, 'SIGTERM');
    await until(() => w.exitCode !== null || w.signalCode !== null, 5000);
    assert.equal(e.ok(['inspect', '-f', '{{.State.Running}}', id]), 'true', 'the container is untouched');
  } finally {
    stopWorker();
    e.run(['rm', '-f', id]);
  }
});

test('accelerator: berth-launch and the worker agree on the per-installation socket; another context goes cold', requiresRoot, async () => {
  const { acceleratorSocket } = await import('../../src/cli/accelerator/worker.js');
  const env = { ...process.env };
  delete env.BERTH_ACCEL_SOCK;
  const native = path.join(path.dirname(berthBin), '..', 'native', 'build', 'berth-launch');
  const printed = spawnSync(native, ['--print-socket', berthBin], { encoding: 'utf8', env }).stdout.trim();
  assert.equal(printed, acceleratorSocket(berthBin, env));
  assert.notEqual(printed, acceleratorSocket('/elsewhere/bin/berth.js', env), 'another checkout has its own');
  await startWorker();
  try {
    // a lower open-files hard limit than the worker's: the container would inherit it cold, so it goes cold
    const r = spawnSync('sh', ['-c', `ulimit -n 512; exec ${launcher} --root ${e.root} run --rm --network none busybox sh -c 'ulimit -n'`], { encoding: 'utf8', env: { ...process.env, BERTH_ACCEL_SOCK: sock } });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), '512');
    const noNode = spawnSync('/bin/sh', ['-c', `ulimit -n 512; exec ${launcher} --root ${e.root} ps -q`], { encoding: 'utf8', env: { ...process.env, BERTH_ACCEL_SOCK: sock, PATH: NO_NODE_PATH } });
    assert.match(noNode.stderr, /exec node/, 'not run warm');
  } finally {
    stopWorker();
  }
});

test('accelerator: garbage on the socket is dropped and the worker keeps serving', requiresRoot, async () => {
  await startWorker();
  try {
    await new Promise<void>((resolve) => {
      const c = net.connect(sock, () => c.write('GET / HTTP/1.1\r\n\r\n'));
      c.on('close', () => resolve());
      c.on('error', () => resolve());
    });
    const r = launch(['ps', '-a'], { PATH: NO_NODE_PATH });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^CONTAINER ID/);
  } finally {
    stopWorker();
  }
});

/** A request made by hand (not berth-launch): the context it claims is the worker's own. */
const FORGER = `
const net = require('node:net');
const fs = require('node:fs');
const [sock, ctxFile, ...argv] = process.argv.slice(2);
const str = [process.cwd(), '022', '---', '80', '24', fs.readFileSync(ctxFile, 'utf8'), String(argv.length), ...argv, 'PATH=/usr/bin:/bin']
  .map((s) => s + '\\0').join('');
const body = Buffer.from(str);
const head = Buffer.alloc(8);
head.write('BRQ1', 0, 'latin1');
head.writeUInt32LE(body.length, 4);
const c = net.connect(sock, () => c.write(Buffer.concat([head, body])));
let buf = Buffer.alloc(0);
c.on('data', (d) => (buf = Buffer.concat([buf, d])));
c.on('close', () => {
  const frames = [];
  for (let i = 0; i + 5 <= buf.length;) {
    const len = buf.readUInt32LE(i + 1);
    frames.push({ type: buf[i], data: buf.subarray(i + 5, i + 5 + len).toString() });
    i += 5 + len;
  }
  process.stdout.write(JSON.stringify(frames));
});
`;

test('accelerator: a forged request from a capability-less root process is not served warm', requiresRoot, async () => {
  const { ownContext } = await import('../../src/sys/procContext.js');
  const { FRAME } = await import('../../src/cli/accelerator/protocol.js');
  const forger = path.join(dir, 'forge.cjs');
  fs.writeFileSync(forger, FORGER);
  // The worker's context, which the forger claims as its own.
  const ctx = path.join(dir, 'context');
  fs.writeFileSync(ctx, ownContext());
  // A file only a process with CAP_DAC_OVERRIDE can read: the container's root can, the forger cannot.
  const secret = path.join(dir, 'secret');
  fs.writeFileSync(secret, 'ROOT-ONLY-SECRET\n', { mode: 0o600 });
  fs.chownSync(secret, 4321, 4321);
  fs.chmodSync(dir, 0o755);
  const argv = ['--root', e.root, 'run', '--rm', '--network', 'none', '-v', `${secret}:/s:ro`, 'busybox', 'cat', '/s'];
  const forge = (prefix: string[]) => {
    const r = spawnSync(prefix[0] ?? process.execPath, [...prefix.slice(1), ...(prefix.length ? [process.execPath] : []), forger, sock, ctx, ...argv], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as { type: number; data: string }[];
  };
  await startWorker();
  try {
    // The forger itself works: from a process whose context is the worker's, it is served warm.
    const warm = forge([]);
    assert.ok(warm.some((f) => f.type === FRAME.stdout && f.data.includes('ROOT-ONLY-SECRET')), `served warm: ${JSON.stringify(warm)}`);
    // Root without a single capability (it cannot read the file itself) claiming the worker's context.
    const noCaps = ['setpriv', '--bounding-set=-all', '--inh-caps=-all', '--ambient-caps=-all', '--'];
    assert.notEqual(spawnSync(noCaps[0], [...noCaps.slice(1), 'cat', secret]).status, 0, 'the capability-less process cannot read it');
    const forged = forge(noCaps);
    assert.ok(!forged.some((f) => f.data.includes('ROOT-ONLY-SECRET')), `the forged request was served: ${JSON.stringify(forged)}`);
    assert.deepEqual(forged.map((f) => f.type), [FRAME.cold], 'told to run cold');
  } finally {
    stopWorker();
  }
});

test('accelerator: a container run warm records its cgroup layout; exec, update, pause and rm use it and leave no cgroup', requiresRoot, async () => {
  await startWorker();
  let id = '';
  try {
    const r = launch(['run', '-d', '--network', 'none', '-m', '64m', 'busybox', 'sleep', '100'], { PATH: NO_NODE_PATH });
    assert.equal(r.code, 0, r.stderr);
    id = r.stdout.trim();
    const state = JSON.parse(fs.readFileSync(path.join(e.root, 'runtime', id, 'state.json'), 'utf8'));
    assert.ok(state.cgroupPath && state.cgroupLayout?.mode, `layout recorded: ${JSON.stringify(state)}`);
    const dirs = () => fs.readdirSync('/sys/fs/cgroup').map((h) => path.join('/sys/fs/cgroup', h, state.cgroupPath)).filter((d) => fs.existsSync(d));
    assert.ok(dirs().length > 0);
    const ex = launch(['exec', id, 'sh', '-c', 'echo in; exit 4']);
    assert.deepEqual([ex.code, ex.stdout], [4, 'in\n'], ex.stderr);
    for (const args of [['update', '-m', '96m', id], ['pause', id], ['unpause', id], ['top', id]]) {
      const u = launch(args, { PATH: NO_NODE_PATH });
      assert.equal(u.code, 0, `${args.join(' ')}: ${u.stderr}`);
    }
    const rm = launch(['rm', '-f', id], { PATH: NO_NODE_PATH });
    assert.deepEqual([rm.code, rm.stdout.trim()], [0, id], rm.stderr);
    assert.deepEqual(dirs(), []);
  } finally {
    stopWorker();
    if (id) e.run(['rm', '-f', id]);
  }
});
