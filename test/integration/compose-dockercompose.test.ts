/**
 * Issue 17's peer check: Debian's `docker-compose` (1.29, Python, docker-py) pointed at
 * `berth serve` (DOCKER_HOST=unix://…) brings up, lists, logs, execs in and tears down
 * test/fixtures/compose/dockercompose: a web service reached on its published loopback port,
 * a database that becomes healthy writing to a named volume, and a client started after it
 * (depends_on service_healthy) that resolves the web service by name. The server runs on its own
 * socket over a throwaway root; `after` takes the project down and removes whatever is left
 * (containers, networks, volumes, the root), also when a step failed.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fixturesDir, requiresRoot } from '../helpers.js';
import { ApiServer } from './apiHarness.js';
import type { Out } from './engineHarness.js';
import { NetworkStore, removeNetwork } from '../../src/network/index.js';

const FILE = path.join(fixturesDir, 'compose', 'dockercompose', 'compose.yaml');
const hasCompose = spawnSync('docker-compose', ['version'], { encoding: 'utf8' }).status === 0;
const opts = !hasCompose ? { skip: "Debian's docker-compose is not installed (apt-get install docker-compose)" } : requiresRoot;
const PROJECT = `bdc${process.pid}`;

function get(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/', timeout: 10_000, agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

describe('docker-compose 1.29 against berth serve', opts, () => {
  let s: ApiServer;
  const dc = (args: string[]): Out => {
    const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_HOST: `unix://${s.sock}`, DOCKER_CONFIG: s.dockerConfig, COMPOSE_INTERACTIVE_NO_CLI: '1' };
    delete env.COMPOSE_PROJECT_NAME;
    delete env.COMPOSE_FILE;
    const r = spawnSync('docker-compose', ['--ansi', 'never', '-p', PROJECT, '-f', FILE, ...args], { encoding: 'utf8', env, timeout: 180_000 });
    return { code: r.status ?? 128, stdout: r.stdout, stderr: r.stderr };
  };
  const ok = (args: string[]): string => {
    const r = dc(args);
    assert.equal(r.code, 0, `docker-compose ${args.join(' ')}: ${r.stdout}${r.stderr}\n--- berth serve:\n${s.log.slice(-3000)}`);
    return r.stdout;
  };

  before(async () => {
    s = await ApiServer.start();
  });
  after(async () => {
    if (!s) return;
    if (s.proc && s.proc.exitCode === null) dc(['down', '-v', '-t', '0']);
    await s.stop('SIGKILL');
    // Whatever `down` left (it failed, or never ran): the project's networks go before the root.
    const nets = new NetworkStore(s.engine.root);
    for (const n of nets.list()) if (!n.isDefault) await removeNetwork(s.engine.root, n.name).catch(() => undefined);
    await s.cleanup();
  });

  test('up -d starts the project: network, volume, the healthy db before the client', () => {
    const r = dc(['up', '-d']);
    assert.equal(r.code, 0, r.stdout + r.stderr + s.log.slice(-3000));
    assert.match(r.stderr, new RegExp(`Creating network "${PROJECT}_default"`));
    assert.match(r.stderr, new RegExp(`Creating volume "${PROJECT}_data"`));
    // depends_on service_healthy: the client is created only after db is done (healthy).
    assert.ok(r.stderr.indexOf(`Creating ${PROJECT}_client_1`) > r.stderr.indexOf(`Creating ${PROJECT}_db_1 ... done`), r.stderr);
  });

  test('ps lists the three services up, db healthy, the published loopback port', () => {
    const out = ok(['ps']);
    assert.match(out, new RegExp(`^${PROJECT}_client_1 .* Up`, 'm'));
    assert.match(out, new RegExp(`^${PROJECT}_db_1 .* Up \\(healthy\\)`, 'm'));
    assert.match(out, new RegExp(`^${PROJECT}_web_1 .* Up .*127\\.0\\.0\\.1:\\d+->80/tcp`, 'm'));
    assert.equal(ok(['ps', '-q']).trim().split('\n').length, 3);
    assert.deepEqual(ok(['ps', '--services']).trim().split('\n').sort(), ['client', 'db', 'web']);
  });

  test('the web service answers on its published port on loopback', async () => {
    const port = ok(['port', 'web', '80']).trim();
    assert.match(port, /^127\.0\.0\.1:\d+$/);
    assert.equal(await get(Number(port.split(':')[1])), '<p>hello from dockercompose</p>\n');
  });

  test('exec -T: the client resolves web by service name, shares the named volume, has its environment', () => {
    assert.equal(ok(['exec', '-T', 'client', 'wget', '-qO-', 'http://web/']), '<p>hello from dockercompose</p>\n');
    assert.equal(ok(['exec', '-T', 'client', 'cat', '/data/order']), 'db\n');
    assert.equal(ok(['exec', '-T', 'client', 'sh', '-c', 'echo $ROLE']), 'client\n');
    const r = dc(['exec', '-T', 'client', 'sh', '-c', 'exit 3']);
    assert.equal(r.code, 3, 'exec passes the exit code on');
  });

  test('logs: every service, prefixed; one service alone', () => {
    const out = ok(['logs', '--no-color']);
    assert.match(out, /^client_1\s+\| client-started$/m);
    assert.match(out, /^db_1\s+\| db-started$/m);
    const db = ok(['logs', '--no-color', 'db']);
    assert.match(db, /db-started/);
    assert.doesNotMatch(db, /client-started/);
  });

  test('up -d again leaves every service up-to-date', () => {
    const r = dc(['up', '-d']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    for (const svc of ['web', 'db', 'client']) assert.match(r.stderr, new RegExp(`${PROJECT}_${svc}_1 is up-to-date`));
  });

  // A fresh connection per request: spawnSync blocks the event loop past the server's keep-alive
  // timeout, so a pooled socket would be one the server has already closed (EPIPE).
  const getJson = (p: string): Promise<any> => new Promise((resolve, reject) => {
    http.get({ socketPath: s.sock, path: p, agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(JSON.parse(body)));
    }).on('error', reject);
  });
  const names = async () => {
    if (s.proc?.exitCode !== null || s.proc?.signalCode !== null) assert.fail(`berth serve ended: ${s.log.slice(-3000)}`);
    const vols = (await getJson('/volumes')).Volumes.map((v: { Name: string }) => v.Name);
    const nets = (await getJson('/networks')).map((n: { Name: string }) => n.Name);
    const ctrs = (await getJson('/containers/json?all=1')).map((c: { Names: string[] }) => c.Names[0]);
    return { vols, nets, ctrs };
  };

  test('down keeps the named volume; down -v removes it and leaves nothing', async () => {
    const r = dc(['down', '-t', '0']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stderr, new RegExp(`Removing network ${PROJECT}_default`));
    assert.ok((await names()).vols.includes(`${PROJECT}_data`), 'the volume is kept');
    ok(['up', '-d']);
    assert.equal(ok(['exec', '-T', 'client', 'cat', '/data/order']), 'db\ndb\n', 'the volume survived down (db appended to it again)');
    const v = dc(['down', '-v', '-t', '0']);
    assert.equal(v.code, 0, v.stdout + v.stderr);
    assert.match(v.stderr, new RegExp(`Removing volume ${PROJECT}_data`));
    const left = await names();
    assert.deepEqual(left.ctrs, []);
    assert.deepEqual(left.vols.filter((n: string) => n.startsWith(PROJECT)), []);
    assert.deepEqual(left.nets.filter((n: string) => n.startsWith(PROJECT)), []);
  });
});
