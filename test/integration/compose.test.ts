/**
 * `berth compose` end to end on the real kernel, with the fixtures in test/fixtures/compose:
 * a web service reached on its published loopback port, services resolving each other by
 * service name, alias and fixed address, a depends_on healthy chain and a one-shot migration
 * starting in order, limits read from the cgroup, replicas, recreating only the service whose
 * configuration changed, named volumes surviving `down` and removed by `down -v`, attached
 * `up` (prefixed output, --exit-code-from, Ctrl-C), and bad input starting nothing. Traffic
 * goes only to loopback and to the test's own containers; `after` takes everything down.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fixturesDir, requiresRoot } from '../helpers.js';
import { berthCommand, Engine, until, type Out } from './engineHarness.js';
import { NetworkStore, removeNetwork } from '../../src/network/index.js';

const F = path.join(fixturesDir, 'compose');
const APP = path.join(F, 'app', 'compose.yaml');
const ONESHOT = path.join(F, 'oneshot', 'compose.yaml');

const links = () => execFileSync('ip', ['-o', 'link'], { encoding: 'utf8' }).split('\n').map((l) => l.split(':')[1]?.trim().split('@')[0]).filter(Boolean);
const rules = () => execFileSync('iptables-save', { encoding: 'utf8' });

function get(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/', timeout: 10_000 }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

describe('compose: a project on the engine', requiresRoot, () => {
  const e = new Engine('berth-compose-');
  const linksBefore = new Set(links());
  const compose = (file: string, args: string[], env: NodeJS.ProcessEnv = {}): Out => {
    const [bin, argv] = berthCommand(['--root', e.root, 'compose', '-f', file, ...args]);
    const r = spawnSync(bin, argv, { encoding: 'utf8', env: { ...process.env, ...env } });
    return { code: r.status ?? 128, stdout: r.stdout, stderr: r.stderr };
  };
  const ok = (file: string, args: string[], env: NodeJS.ProcessEnv = {}) => {
    const r = compose(file, args, env);
    assert.equal(r.code, 0, `compose ${args.join(' ')}: ${r.stderr}`);
    return r;
  };
  const ids = () => Object.fromEntries(e.ok(['ps', '-a', '--format', '{{.Names}} {{.ID}}']).split('\n').filter(Boolean).map((l) => l.split(' ')));

  before(() => e.init());
  after(async () => {
    for (const f of [APP, ONESHOT]) compose(f, ['down', '-v', '--remove-orphans', '-t', '1']);
    const nets = new NetworkStore(e.root).list();
    for (const n of nets) await removeNetwork(e.root, n.name, { allowDefault: true }).catch(() => undefined);
    e.cleanup();
    const left = links().filter((l) => !linksBefore.has(l) && nets.some((n) => n.bridge === l));
    assert.deepEqual(left, [], 'bridges left behind');
    const ours = nets.flatMap((n) => [n.bridge, n.id.slice(0, 12)]);
    assert.deepEqual(rules().split('\n').filter((r) => ours.some((o) => r.includes(o))), [], 'iptables rules left behind');
  });

  test('bad input starts nothing: a cycle (exit 15), a missing external network (exit 1)', () => {
    let r = compose(path.join(F, 'bad', 'cycle.yaml'), ['up', '-d']);
    assert.equal(r.code, 15);
    assert.match(r.stderr, /^berth compose: dependency cycle detected: a -> b -> c -> a\n$/);
    r = compose(path.join(F, 'bad', 'external.yaml'), ['up', '-d']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /network bc-no-such-network declared as external, but could not be found/);
    r = compose(path.join(F, 'bad', 'build.yaml'), ['up', '-d']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^berth compose: service web: failed to read dockerfile: open \S+\/bad\/Dockerfile: no such file or directory\n$/);
    assert.deepEqual(e.containerDirs(), []);
    assert.deepEqual(new NetworkStore(e.root).list().filter((n) => !n.isDefault), []);
  });

  test('up -d: healthy chain and migration in order, names, labels, replicas', () => {
    const r = ok(APP, ['up', '-d']);
    const lines = r.stderr.split('\n');
    const at = (s: string) => lines.findIndex((l) => l.trim() === s);
    assert.ok(at('Container bcapp-db-1  Healthy') >= 0, r.stderr);
    assert.ok(at('Container bcapp-db-1  Healthy') < at('Container bcapp-migrate-1  Started'), r.stderr);
    assert.ok(at('Container bcapp-migrate-1  Exited') < at('Container bcapp-app-1  Started'), r.stderr);
    assert.equal(e.ok(['exec', 'bcapp-app-1', 'cat', '/data/order']), 'db\nmigrate\napp');
    const names = ok(APP, ['ps', '--format', '{{.Name}}']).stdout.trim().split('\n');
    assert.deepEqual(names, ['bcapp-app-1', 'bcapp-db-1', 'bcapp-web-1', 'bcapp-worker-1', 'bcapp-worker-2']);
    assert.ok(ok(APP, ['ps', '-a', '--format', '{{.Name}}']).stdout.includes('bcapp-migrate-1'));
    const rows = JSON.parse(ok(APP, ['ps', '--format', 'json']).stdout) as { Name: string; Service: string; State: string }[];
    assert.equal(rows.find((x) => x.Name === 'bcapp-web-1')?.Service, 'web');
    const labels = e.inspect('bcapp-worker-2').Config.Labels;
    assert.equal(labels['com.docker.compose.project'], 'bcapp');
    assert.equal(labels['com.docker.compose.service'], 'worker');
    assert.equal(labels['com.docker.compose.container-number'], '2');
    assert.equal(labels['com.docker.compose.oneoff'], 'False');
    assert.equal(labels['com.docker.compose.project.working_dir'], path.join(F, 'app'));
    assert.match(labels['com.docker.compose.config-hash'], /^[0-9a-f]{64}$/);
    assert.equal(ok(APP, ['ps', '-q']).stdout.trim().split('\n').length, 5);
  });

  test('the web service on its published loopback port serves the read-only bind mount', async () => {
    const j = e.inspect('bcapp-web-1');
    const port = Number(j.NetworkSettings.Ports['80/tcp'][0].HostPort);
    assert.equal(j.NetworkSettings.Ports['80/tcp'][0].HostIp, '127.0.0.1');
    assert.equal(await get(port), 'hello from the bind mount\n');
    assert.equal(j.Config.Hostname, 'webhost');
    assert.equal(j.Config.Labels['com.example.role'], 'web');
    assert.notEqual(e.run(['exec', 'bcapp-web-1', 'touch', '/www/x']).code, 0, 'the bind mount is read-only');
  });

  test('service names, aliases and a fixed address resolve from inside a container', () => {
    assert.equal(e.ok(['exec', 'bcapp-app-1', 'wget', '-q', '-O', '-', 'http://web/']), 'hello from the bind mount');
    assert.match(e.ok(['exec', 'bcapp-app-1', 'nslookup', 'database']), /Address: 10\.131\.77\.10/);
    assert.match(e.ok(['exec', 'bcapp-app-1', 'nslookup', 'db']), /Address: 10\.131\.77\.10/);
    assert.notEqual(e.run(['exec', 'bcapp-web-1', 'nslookup', 'database']).code, 0, 'web is not on the back network');
  });

  test('limits, user, working dir, read-only root, tmpfs, init: read from the kernel inside the container', () => {
    const sh = (c: string) => e.ok(['exec', 'bcapp-app-1', 'sh', '-c', c]);
    const mem = sh('cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes');
    assert.equal(mem, String(64 << 20));
    assert.equal(sh('cat /sys/fs/cgroup/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids/pids.max'), '32');
    assert.match(sh('cat /sys/fs/cgroup/cpu.max 2>/dev/null || cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us'), /^50000( 100000)?$/);
    assert.equal(e.ok(['exec', 'bcapp-worker-1', 'sh', '-c', 'cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes']), String(32 << 20));
    assert.equal(sh('pwd; id -u'), '/data\n0');
    assert.notEqual(e.run(['exec', 'bcapp-app-1', 'touch', '/root-is-ro']).code, 0);
    assert.equal(sh('touch /scratch/ok && echo ok'), 'ok');
    assert.equal(sh('echo $MODE'), 'production');
    assert.equal(e.inspect('bcapp-app-1').HostConfig.Init, true);
    assert.match(sh('grep " /dev/shm " /proc/mounts | tail -n 1'), /size=131072k/, 'shm_size');
  });

  test('up -d again recreates only the service whose configuration changed', () => {
    const before = ids();
    let r = ok(APP, ['up', '-d']);
    assert.deepEqual(ids(), before, 'nothing changed, nothing recreated');
    assert.doesNotMatch(r.stderr, /Recreate/);
    r = ok(APP, ['up', '-d'], { STAMP: 'two' });
    const after = ids();
    for (const n of ['bcapp-web-1', 'bcapp-db-1', 'bcapp-app-1', 'bcapp-migrate-1']) assert.equal(after[n], before[n], `${n} kept`);
    for (const n of ['bcapp-worker-1', 'bcapp-worker-2']) assert.notEqual(after[n], before[n], `${n} recreated`);
    assert.equal(e.ok(['exec', 'bcapp-worker-2', 'sh', '-c', 'echo $STAMP']), 'two');
    r = ok(APP, ['up', '-d', '--scale', 'worker=1'], { STAMP: 'two' });
    assert.match(r.stderr, /Container bcapp-worker-2 {2}Removed/);
    assert.equal(ids()['bcapp-worker-1'], after['bcapp-worker-1']);
  });

  test('logs: every service prefixed, --tail', () => {
    // Every `up` ran the one-shot migration again (docker compose starts exited containers): one line per run.
    const all = ok(APP, ['logs', '--no-color', 'migrate']).stdout.split('\n').filter(Boolean);
    assert.ok(all.length >= 1 && all.every((l) => l === 'migrate-1  | migration done'), all.join('\n'));
    assert.match(ok(APP, ['logs', '--no-color', '-t', '--tail', '1', 'migrate']).stdout, /^migrate-1 {2}\| \d{4}-\d\d-\d\dT[\d:.]+Z migration done\n$/);
    assert.equal(ok(APP, ['logs', '--no-color', '--tail', '0', 'migrate']).stdout, '');
    assert.equal(ok(APP, ['logs', '--no-log-prefix', '--tail', '1', 'migrate']).stdout, 'migration done\n');
  });

  test('exec, run --rm (one-off, stdin, exit code), port, stop/start, images, ls', () => {
    assert.equal(ok(APP, ['exec', '-T', 'app', 'sh', '-c', 'echo $MODE']).stdout, 'production\n');
    assert.equal(compose(APP, ['exec', '-T', 'app', 'sh', '-c', 'exit 5']).code, 5);
    const [bin, argv] = berthCommand(['--root', e.root, 'compose', '-f', APP, 'run', '--rm', '-T', 'worker', 'sh', '-c', 'cat; echo $STAMP; exit 4']);
    const r = spawnSync(bin, argv, { encoding: 'utf8', input: 'from stdin\n', env: { ...process.env, STAMP: 'two' } });
    assert.equal(r.status, 4, r.stderr);
    assert.equal(r.stdout, 'from stdin\ntwo\n');
    assert.ok(!e.ok(['ps', '-a', '--format', '{{.Names}}']).includes('-run-'), 'run --rm removed its container');
    const port = ok(APP, ['port', 'web', '80']).stdout.trim();
    assert.equal(port, `127.0.0.1:${e.inspect('bcapp-web-1').NetworkSettings.Ports['80/tcp'][0].HostPort}`);
    ok(APP, ['stop', '-t', '1', 'web']);
    assert.equal(e.inspect('bcapp-web-1').State.Running, false);
    ok(APP, ['start', 'web']);
    assert.equal(e.inspect('bcapp-web-1').State.Running, true);
    const appStarted = e.inspect('bcapp-app-1').State.StartedAt;
    const rr = ok(APP, ['restart', '-t', '1', 'db']);
    assert.match(rr.stderr, /Container bcapp-app-1 {2}Started/, 'app declared depends_on db with restart: true');
    assert.doesNotMatch(rr.stderr, /bcapp-web-1/);
    assert.notEqual(e.inspect('bcapp-app-1').State.StartedAt, appStarted);
    assert.match(ok(APP, ['images']).stdout, /^bcapp-web-1 +busybox +latest +[0-9a-f]{12}$/m);
    assert.deepEqual(JSON.parse(ok(APP, ['ls', '--format', 'json']).stdout).map((x: { Name: string }) => x.Name), ['bcapp']);
  });

  test('down keeps named volumes; down -v removes them; nothing of the project is left', () => {
    ok(APP, ['down', '-t', '1']);
    assert.deepEqual(e.containerDirs(), []);
    assert.deepEqual(new NetworkStore(e.root).list().filter((n) => n.labels?.['com.docker.compose.project'] === 'bcapp'), []);
    assert.match(e.ok(['volume', 'ls', '-q']), /^bcapp_data$/m);
    ok(APP, ['up', '-d', 'db']);
    assert.equal(e.ok(['exec', 'bcapp-db-1', 'cat', '/data/schema']), 'migrated', 'the volume survived down');
    ok(APP, ['down', '-v', '-t', '1']);
    assert.doesNotMatch(e.ok(['volume', 'ls', '-q']), /bcapp_data/);
    assert.deepEqual(e.containerDirs(), []);
  });

  test('attached up: prefixed output, --exit-code-from stops the rest and returns its code', () => {
    const r = compose(ONESHOT, ['up', '--no-color', '--exit-code-from', 'job']);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stdout, /^job-1 {6}\| job says hi$/m);
    assert.match(r.stdout, /^sidecar-1 {2}\| sidecar up$/m);
    assert.match(r.stdout, /job says hi\n(.*\n)*job-1 exited with code 3\n/);
    assert.match(r.stderr, /Aborting on container exit/);
    const rows = JSON.parse(ok(ONESHOT, ['ps', '-a', '--format', 'json']).stdout) as { Name: string; State: string }[];
    assert.deepEqual(rows.map((x) => x.State), ['exited', 'exited']);
    ok(ONESHOT, ['down']);
  });

  test('attached up: Ctrl-C stops the project', async () => {
    const [bin, argv] = berthCommand(['--root', e.root, 'compose', '-f', ONESHOT, 'up', '--no-color', 'sidecar']);
    const c = spawn(bin, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    c.stdout.on('data', (d) => (out += d));
    c.stderr.on('data', (d) => (out += d));
    const code = new Promise<number>((r) => c.on('close', (n) => r(n ?? 128)));
    await until(() => out.includes('sidecar up'));
    c.kill('SIGINT');
    assert.equal(await code, 130, out);
    assert.match(out, /Gracefully stopping/);
    const rows = JSON.parse(ok(ONESHOT, ['ps', '-a', '--format', 'json']).stdout) as { State: string }[];
    assert.deepEqual(rows.map((x) => x.State), ['exited']);
    ok(ONESHOT, ['down']);
  });
});
