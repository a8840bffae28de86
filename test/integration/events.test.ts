/**
 * `berth events` over the shared event log, through the real CLI: the lifecycle of a container,
 * a network and a volume in order with Docker's attributes; die recorded exactly once for a
 * container whose `run -d` is long gone; filters, --since/--until, --format; live following;
 * two processes appending at once never interleave lines.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { requiresRoot, tmpDir, until } from '../helpers.js';
import { berthCommand, Engine } from './engineHarness.js';
import { freeSubnet } from './networkHarness.js';
import { eventLogPath, readEvents } from '../../src/engine/eventLog.js';

const sinceNow = () => new Date(Date.now() - 1).toISOString();

describe('berth events', requiresRoot, () => {
  let e: Engine;
  before(async () => {
    e = await new Engine('berth-events-').init();
  });
  after(() => e.cleanup());

  const events = (...args: string[]) => e.ok(['events', ...args]).split('\n').filter(Boolean);

  test('a container, a network and a volume: their events in order, with Docker attributes', () => {
    const t0 = sinceNow();
    const id = e.ok(['run', '-d', '--name', 'ev-web', '--label', 'team=blue', 'busybox', 'sh', '-c', 'trap "exit 0" TERM; while :; do sleep 0.1; done']);
    e.ok(['stop', 'ev-web']);
    e.ok(['rm', 'ev-web']);
    const S = freeSubnet();
    const net = e.ok(['network', 'create', '--subnet', S.cidr, 'ev-net']);
    e.ok(['network', 'rm', 'ev-net']);
    e.ok(['volume', 'create', 'ev-vol']);
    e.ok(['volume', 'rm', 'ev-vol']);
    const lines = events('--since', t0, '--until', new Date().toISOString());
    const mine = lines.filter((l) => l.includes(id) || l.includes(net) || l.includes('ev-vol'));
    const shape = mine.map((l) => l.replace(/^\S+ /, '').replace(id, 'ID').replace(net, 'NET').replace(/ \(.*\)$/, ''));
    const want = ['container create ID', 'container start ID', 'container kill ID', 'container die ID', 'container stop ID', 'container destroy ID',
      'network create NET', 'network destroy NET', 'volume create ev-vol', 'volume destroy ev-vol'];
    assert.deepEqual(shape.filter((s) => !s.startsWith('network connect') && !s.startsWith('network disconnect')), want);
    const line = (what: string) => mine.find((l) => l.includes(` ${what} `))!;
    assert.match(line('container create'), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}(Z|[+-]\d\d:\d\d) container create [0-9a-f]{64} \(image=busybox, name=ev-web, team=blue\)$/);
    assert.match(line('container kill'), /\(image=busybox, name=ev-web, signal=15, team=blue\)$/);
    assert.match(line('container die'), /\(execDuration=\d+, exitCode=0, image=busybox, name=ev-web, team=blue\)$/);
    assert.match(line('network create'), /\(name=ev-net, type=bridge\)$/);
    assert.match(line('volume create'), /\(driver=local\)$/);
    // the bridge connect of the container, between create and start
    assert.ok(lines.some((l) => / network connect [0-9a-f]{64} \(container=[0-9a-f]{64}, name=bridge, type=bridge\)$/.test(l) && l.includes(`container=${id}`)));
  });

  test('die of a container whose run -d is gone is recorded once, by whoever looks first', async () => {
    const t0 = sinceNow();
    const id = e.ok(['run', '-d', 'busybox', 'sh', '-c', 'exit 7']);
    await until(() => e.inspect(id).State.Status === 'exited');
    e.ok(['ps', '-a']);
    e.ok(['inspect', id]);
    const dies = events('--since', t0, '--until', new Date().toISOString(), '--filter', `container=${id}`, '--filter', 'event=die');
    assert.equal(dies.length, 1, dies.join('\n'));
    assert.match(dies[0], /\(execDuration=\d+, exitCode=7, image=busybox, name=\w+\)$/);
    e.ok(['rm', id]);
    // rm -f of a running one: kill (9) and die (137), once
    const t1 = sinceNow();
    const run = e.ok(['run', '-d', '--network', 'none', 'busybox', 'sleep', '60']);
    e.ok(['rm', '-f', run]);
    const forced = events('--since', t1, '--until', new Date().toISOString(), '--filter', `container=${run}`, '--format', '{{.Action}}');
    assert.deepEqual(forced, ['create', 'start', 'kill', 'die', 'destroy']);
  });

  test('filters, --format json and Go templates, --until in the past ends at once', () => {
    const t0 = sinceNow();
    e.ok(['volume', 'create', '--label', 'k=v', 'ev-a']);
    e.ok(['volume', 'create', 'ev-b']);
    e.ok(['volume', 'rm', 'ev-a', 'ev-b']);
    const t1 = new Date().toISOString();
    assert.deepEqual(events('--since', t0, '--until', t1, '--filter', 'type=volume', '--filter', 'event=create', '--format', '{{.Type}} {{.Action}} {{.Actor.ID}}'),
      ['volume create ev-a', 'volume create ev-b']);
    assert.deepEqual(events('--since', t0, '--until', t1, '--filter', 'volume=ev-b', '--format', '{{.Action}}'), ['create', 'destroy']);
    const json = events('--since', t0, '--until', t1, '--filter', 'volume=ev-a', '--format', 'json').map((l) => JSON.parse(l));
    assert.equal(json.length, 2);
    assert.equal(json[0].Type, 'volume');
    assert.equal(json[0].Action, 'create');
    assert.deepEqual(json[0].Actor, { ID: 'ev-a', Attributes: { driver: 'local' } });
    assert.equal(json[0].scope, 'local');
    assert.equal(typeof json[0].timeNano, 'number');
    // until before since: nothing; unix seconds and durations are times too
    assert.deepEqual(events('--since', t1, '--until', t0), []);
    assert.ok(events('--since', '10m', '--until', String(Date.now() / 1000), '--filter', 'volume=ev-a').length === 2);
    const bad = e.run(['events', '--filter', 'colour=red']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /invalid filter 'colour'/);
    assert.doesNotMatch(bad.stderr, /\n\s+at /);
    const badTime = e.run(['events', '--since', 'soon']);
    assert.notEqual(badTime.code, 0);
    assert.match(badTime.stderr, /failed to parse value of since as a time: soon/);
  });

  test('follows live until SIGINT, each event once (history and live do not overlap)', async () => {
    const t0 = sinceNow();
    e.ok(['volume', 'create', 'ev-live-1']);
    const [bin, argv] = berthCommand(['--root', e.root, 'events', '--since', t0, '--filter', 'type=volume', '--format', '{{.Action}} {{.Actor.ID}}']);
    const c = spawn(bin, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    c.stdout.on('data', (d) => (out += d));
    const closed = new Promise<number | null>((r) => c.on('close', (code) => r(code)));
    try {
      await until(() => out.includes('create ev-live-1'));
      e.ok(['volume', 'create', 'ev-live-2']);
      e.ok(['volume', 'rm', 'ev-live-1', 'ev-live-2']);
      await until(() => out.includes('destroy ev-live-2'));
    } finally {
      c.kill('SIGINT');
    }
    assert.equal(await closed, 0);
    assert.deepEqual(out.split('\n').filter(Boolean), ['create ev-live-1', 'create ev-live-2', 'destroy ev-live-1', 'destroy ev-live-2']);
  });

  test('--until in the future: follows, then ends by itself', async () => {
    const t0 = sinceNow();
    const end = new Date(Date.now() + 1500).toISOString();
    const [bin, argv] = berthCommand(['--root', e.root, 'events', '--since', t0, '--until', end, '--filter', 'volume=ev-until']);
    const c = spawn(bin, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    c.stdout.on('data', (d) => (out += d));
    const closed = new Promise<number | null>((r) => c.on('close', (code) => r(code)));
    e.ok(['volume', 'create', 'ev-until']);
    e.ok(['volume', 'rm', 'ev-until']);
    assert.equal(await closed, 0);
    // both happened before --until (the CLI calls above take well under the 1.5 s)... unless the machine is slow: then fewer, never more
    const got = out.split('\n').filter(Boolean).map((l) => l.split(' ')[2]);
    assert.deepEqual(got, ['create', 'destroy'].slice(0, got.length));
  });
});

describe('event log: concurrent writers', () => {
  test('two processes appending at once never interleave lines', (t) => {
    const root = tmpDir();
    t.after(() => fs.rmSync(root, { recursive: true, force: true }));
    const mod = new URL('../../src/engine/eventLog.js', import.meta.url).href;
    const script = `const { recordEvent } = await import(${JSON.stringify(mod)});
      const big = 'x'.repeat(1500); // 4000 lines stay under the rotation cap
      for (let i = 0; i < 2000; i++) recordEvent(process.argv[1], 'container', 'start', process.argv[2] + i, { big, i });`;
    const kids = ['a', 'b'].map((w) => spawn(process.execPath, ['--input-type=module', '-e', script, root, w], { stdio: 'inherit' }));
    return Promise.all(kids.map((k) => new Promise((r) => k.on('close', r)))).then(() => {
      const text = fs.readFileSync(eventLogPath(root), 'utf8');
      const lines = text.split('\n').filter(Boolean);
      assert.equal(lines.length, 4000);
      for (const l of lines) JSON.parse(l);
      const all = readEvents(root);
      assert.equal(all.filter((x) => x.id.startsWith('a')).length, 2000);
      assert.deepEqual(all.filter((x) => x.id.startsWith('b')).map((x) => x.id), Array.from({ length: 2000 }, (_, i) => `b${i}`));
      assert.equal(path.basename(eventLogPath(root)), 'events.jsonl');
    });
  });
});
