/** The monitor's duties: logs, attach and stdin, restart policies, health checks, exec, init. */
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { createContainer, type CreateOptions } from '../../src/runtime/createContainer.js';
import { execContainer, writeExecPlan } from '../../src/runtime/execContainer.js';
import { deleteContainer } from '../../src/runtime/lifecycle.js';
import { StateDir } from '../../src/runtime/state.js';
import { helperPath } from '../../src/sys/paths.js';
import { requiresRoot, until } from '../helpers.js';
import { cleanupBundle, makeBundle, type Bundle } from '../runtimeHelpers.js';

const proc = (args: string[]) => ({ args, cwd: '/', user: { uid: 0, gid: 0 }, env: ['PATH=/bin'] });

async function start(b: Bundle, id: string, args: string[], extra: Partial<CreateOptions> = {}) {
  b.spec.process!.args = args;
  const c = await createContainer({
    root: b.root, id, bundle: b.dir, spec: b.spec, holdForStart: false,
    stdio: { mode: 'log', path: path.join(b.dir, `${id}.log`), maxSize: 10_000_000, maxFiles: 3 }, ...extra,
  });
  c.helper.detach();
  return c;
}

const logLines = (file: string) => fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];

describe('monitor', requiresRoot, () => {
  const b = makeBundle();
  after(() => cleanupBundle(b));

  test('logs: json-file lines with stream and time', async () => {
    await start(b, 'logs', ['sh', '-c', 'echo out; echo err >&2']);
    const sd = new StateDir(b.root, 'logs');
    await until(() => sd.exit());
    const lines = logLines(path.join(b.dir, 'logs.log'));
    assert.deepEqual(lines.map((l) => [l.log, l.stream]).sort(), [['err\n', 'stderr'], ['out\n', 'stdout']]);
    assert.match(lines[0].time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
    await deleteContainer(b.root, 'logs');
  });

  test('logs: the cap holds when a container writes far more than it', async () => {
    const log = path.join(b.dir, 'big.log');
    await start(b, 'big', ['sh', '-c', 'dd if=/dev/zero bs=1M count=20 2>/dev/null | od -v | head -c 20000000'], {
      stdio: { mode: 'log', path: log, maxSize: 1_000_000, maxFiles: 3 },
    });
    await until(() => new StateDir(b.root, 'big').exit());
    const files = fs.readdirSync(b.dir).filter((f) => f.startsWith('big.log'));
    const total = files.reduce((n, f) => n + fs.statSync(path.join(b.dir, f)).size, 0);
    assert.deepEqual(files.sort(), ['big.log', 'big.log.1', 'big.log.2']);
    assert.ok(total <= 3_100_000, `total ${total} bytes`);
    await deleteContainer(b.root, 'big');
  });

  test('attach: stdin frames reach the container, output comes back framed', async () => {
    const sock = path.join(b.dir, 'a.sock');
    await start(b, 'att', ['sh', '-c', 'read line; echo "got $line"'], { attachSocket: sock, stdinPipe: true });
    const s = net.connect(sock);
    await new Promise((r) => s.on('connect', r));
    const chunks: Buffer[] = [];
    s.on('data', (d) => chunks.push(d));
    const payload = Buffer.from('ping\n');
    const h = Buffer.alloc(8);
    h.writeUInt32BE(payload.length, 4);
    s.write(Buffer.concat([h, payload]));
    await new Promise((r) => s.on('close', r));
    const all = Buffer.concat(chunks);
    assert.equal(all[0], 1, 'stdout frame');
    assert.equal(all.subarray(8, 8 + all.readUInt32BE(4)).toString(), 'got ping\n');
    await deleteContainer(b.root, 'att');
  });

  test('restart on-failure:3 restarts exactly 3 times', async () => {
    await start(b, 'rs', ['sh', '-c', 'echo run; exit 2'], { restart: { policy: 'on-failure', maxRetries: 3 } });
    const sd = new StateDir(b.root, 'rs');
    const exit = await until(() => { const e = sd.exit(); return e && !e.restarting ? e : undefined; });
    assert.equal(exit.restartCount, 3);
    assert.equal(exit.exitCode, 2);
    assert.equal(logLines(path.join(b.dir, 'rs.log')).length, 4);
    await deleteContainer(b.root, 'rs');
  });

  test('restart always survives a crash; a requested stop ends it', async () => {
    const c = await start(b, 'al', ['sh', '-c', 'sleep 0.2; exit 9'], { restart: { policy: 'always' } });
    const sd = new StateDir(b.root, 'al');
    await until(() => (sd.init()?.restartCount ?? 0) >= 1);
    fs.writeFileSync(path.join(sd.dir, 'stop-requested'), '');
    await until(() => { const e = sd.exit(); return e && !e.restarting; });
    assert.equal(sd.exit()!.exitCode, 9);
    await until(() => !fs.existsSync(`/proc/${c.state.monitorPid}`) || fs.readFileSync(`/proc/${c.state.monitorPid}/stat`, 'utf8').includes(') Z'));
    await deleteContainer(b.root, 'al');
  });

  test('a failing health check turns unhealthy; a passing one healthy', async () => {
    for (const [id, cmd, want] of [['hbad', 'exit 1', 'unhealthy'], ['hgood', 'true', 'healthy']] as const) {
      const plan = path.join(b.dir, `${id}.plan`);
      writeExecPlan(plan, proc(['sh', '-c', cmd]), {});
      await start(b, id, ['sleep', '100'], { health: { planFile: plan, intervalMs: 100, timeoutMs: 5000, startPeriodMs: 0, retries: 2 } });
      const file = path.join(b.root, id, 'health.json');
      const h = await until(() => { try { const j = JSON.parse(fs.readFileSync(file, 'utf8')); return j.Status === want ? j : undefined; } catch { return undefined; } });
      assert.equal(h.Log[0].ExitCode, want === 'healthy' ? 0 : 1);
      await deleteContainer(b.root, id, true);
    }
  });

  test('exec joins the pid namespace and reports the exit code; a missing program is 127', async () => {
    await start(b, 'ex', ['sleep', '100']);
    const out = path.join(b.rootfs, 'tmp', 'exec-out');
    assert.equal(await execContainer({ root: b.root, id: 'ex', process: proc(['sh', '-c', 'ps -o pid,comm > /tmp/exec-out; exit 7']) }), 7);
    const ps = fs.readFileSync(out, 'utf8');
    assert.match(ps, /^\s*1 sleep$/m, ps);
    await assert.rejects(execContainer({ root: b.root, id: 'ex', process: proc(['nope']) }), (e: { exitCode?: number }) => e.exitCode === 127);
    await deleteContainer(b.root, 'ex', true);
  });

  test('init: pid 1 reaps zombies and passes the exit code through', async () => {
    fs.copyFileSync(helperPath, path.join(b.rootfs, 'bin', 'berth-init'));
    fs.chmodSync(path.join(b.rootfs, 'bin', 'berth-init'), 0o755);
    await start(b, 'in', ['/bin/berth-init', '--', 'sh', '-c', '(sleep 0.1 &) ; sleep 0.5; ps -o stat | grep -c Z; exit 5']);
    const sd = new StateDir(b.root, 'in');
    const e = await until(() => sd.exit());
    assert.equal(e.exitCode, 5);
    assert.equal(logLines(path.join(b.dir, 'in.log'))[0].log, '0\n', 'no zombies under berth-init');
    await deleteContainer(b.root, 'in');
  });
});
