import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { tmpDir } from '../helpers.js';
import { EVENT_LOG_CAP, eventLogPath, oldEventLogPath, parseEventLine, readEvents, recordEvent, type BerthEvent } from '../../src/engine/eventLog.js';
import { matchesFilters, parseFilterFlags, parseFilterJson } from '../../src/engine/eventFilter.js';
import { dockerEventMessage, formatEventLine, formatEventTime } from '../../src/engine/eventMessage.js';
import { followEvents } from '../../src/engine/followEvents.js';
import { parseEventTime } from '../../src/engine/queryEvents.js';
import { warmable } from '../../src/cli/accelerator/warmable.js';

const ev = (over: Partial<BerthEvent>): BerthEvent => ({ type: 'container', action: 'start', id: 'a'.repeat(64), attributes: { image: 'busybox', name: 'web' }, timeNano: '1796687367189177547', ...over });

test('recordEvent appends one parseable line per event, in order', (t) => {
  const root = tmpDir();
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  recordEvent(root, 'container', 'create', 'c1', { image: 'busybox', name: 'x', n: 3, gone: undefined });
  recordEvent(root, 'volume', 'create', 'v1', { driver: 'local' });
  const all = readEvents(root);
  assert.deepEqual(all.map((e) => `${e.type} ${e.action} ${e.id}`), ['container create c1', 'volume create v1']);
  assert.deepEqual(all[0].attributes, { image: 'busybox', name: 'x', n: '3' });
  assert.ok(BigInt(all[1].timeNano) > BigInt(all[0].timeNano));
  assert.equal((fs.statSync(eventLogPath(root)).mode & 0o777), 0o600);
});

test('recordEvent never throws (a root it cannot write)', (t) => {
  const dir = tmpDir();
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.writeFileSync(path.join(dir, 'file'), '');
  assert.equal(recordEvent(path.join(dir, 'file'), 'container', 'start', 'x'), undefined);
});

test('a torn or foreign line is skipped', () => {
  assert.equal(parseEventLine('{"type":"container","action":"st'), undefined);
  assert.equal(parseEventLine('{"type":"container","action":"start","timeNano":"12x"}'), undefined);
  assert.equal(parseEventLine('null'), undefined);
  assert.equal(parseEventLine('{"type":"container","action":"start","timeNano":"12"}')?.id, '');
});

test('the log rotates past its cap and readers see both generations', (t) => {
  const root = tmpDir();
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  recordEvent(root, 'container', 'create', 'first');
  fs.appendFileSync(eventLogPath(root), `${' '.repeat(EVENT_LOG_CAP)}\n`);
  recordEvent(root, 'container', 'start', 'second'); // pushes it past the cap: rotated
  assert.ok(fs.existsSync(oldEventLogPath(root)));
  assert.equal(fs.existsSync(eventLogPath(root)), false);
  recordEvent(root, 'container', 'die', 'third');
  assert.deepEqual(readEvents(root).map((e) => e.id), ['first', 'second', 'third']);
});

test('followEvents: only what is appended after the start, across a rotation', (t) => {
  const root = tmpDir();
  const seen: string[] = [];
  recordEvent(root, 'container', 'create', 'before');
  const f = followEvents(root, (e) => seen.push(e.id), { pollMs: 3600_000 });
  t.after(() => {
    f.stop();
    fs.rmSync(root, { recursive: true, force: true });
  });
  recordEvent(root, 'container', 'start', 'one');
  f.poll();
  assert.deepEqual(seen, ['one']);
  // a partial line is held until its end arrives
  fs.appendFileSync(eventLogPath(root), '{"type":"container","action":"stop","id":"two",');
  f.poll();
  assert.deepEqual(seen, ['one']);
  fs.appendFileSync(eventLogPath(root), '"attributes":{},"timeNano":"5"}\n');
  f.poll();
  assert.deepEqual(seen, ['one', 'two']);
  recordEvent(root, 'container', 'die', 'three');
  fs.renameSync(eventLogPath(root), oldEventLogPath(root));
  recordEvent(root, 'container', 'destroy', 'four');
  f.poll();
  assert.deepEqual(seen, ['one', 'two', 'three', 'four']);
  assert.deepEqual(readEvents(root, f.start).map((e) => e.id)[0], 'before');
});

test('filters: values of a key are alternatives, keys must all match', () => {
  const f = parseFilterFlags(['type=container', 'event=start', 'event=die', 'container=web']);
  assert.equal(matchesFilters(ev({}), f), true);
  assert.equal(matchesFilters(ev({ action: 'die' }), f), true);
  assert.equal(matchesFilters(ev({ action: 'create' }), f), false);
  assert.equal(matchesFilters(ev({ attributes: { name: 'db' } }), f), false);
  assert.equal(matchesFilters(ev({ type: 'network', attributes: { name: 'web' } }), f), false);
  assert.equal(matchesFilters(ev({ action: 'exec_start: sh -c date' }), parseFilterFlags(['event=exec_start'])), true);
  assert.equal(matchesFilters(ev({}), parseFilterFlags(['image=busybox:latest'])), true);
  assert.equal(matchesFilters(ev({}), parseFilterFlags(['image=alpine'])), false);
  assert.equal(matchesFilters(ev({ attributes: { app: 'x', name: 'n', image: 'i' } }), parseFilterFlags(['label=app'])), true);
  assert.equal(matchesFilters(ev({ attributes: { app: 'x', name: 'n', image: 'i' } }), parseFilterFlags(['label=app=y'])), false);
  assert.equal(matchesFilters(ev({ type: 'volume', id: 'v1', attributes: {} }), parseFilterFlags(['volume=v1'])), true);
  assert.equal(matchesFilters(ev({ type: 'network', id: 'n'.repeat(64), attributes: { name: 'front', container: 'c' } }), parseFilterFlags(['network=front'])), true);
  assert.equal(matchesFilters(ev({ type: 'network', id: 'n'.repeat(64), attributes: { name: 'front', container: 'c' } }), parseFilterFlags(['container=c'])), true);
  assert.throws(() => parseFilterFlags(['nope=1']), /invalid filter 'nope'/);
  assert.throws(() => parseFilterFlags(['type']), /bad format/);
  assert.throws(() => parseFilterFlags(['type=bogus']), /invalid filter 'type=bogus'/);
});

test('filters in the API JSON: the map form and the old array form', () => {
  assert.deepEqual([...parseFilterJson('{"type":{"container":true,"image":false}}')], [['type', ['container']]]);
  assert.deepEqual([...parseFilterJson('{"event":["start","die"]}')], [['event', ['start', 'die']]]);
  assert.deepEqual([...parseFilterJson(undefined)], []);
  assert.throws(() => parseFilterJson('{'), /invalid filter/);
  assert.throws(() => parseFilterJson('[1]'), /invalid filter/);
});

test('Docker time arguments: RFC3339 (nanoseconds kept), unix seconds, durations', () => {
  const now = Date.parse('2026-12-07T12:00:00Z');
  assert.equal(parseEventTime('2026-12-07T12:00:00Z', 'since'), BigInt(now) * 1000000n);
  assert.equal(parseEventTime('2026-12-07T12:00:00.123456789Z', 'since'), BigInt(now) * 1000000n + 123456789n);
  assert.equal(parseEventTime('1796687367', 'since'), 1796687367000000000n);
  assert.equal(parseEventTime('1796687367.5', 'since'), 1796687367500000000n);
  assert.equal(parseEventTime('10m', 'since', now), BigInt(now - 600_000) * 1000000n);
  assert.throws(() => parseEventTime('yesterday-ish', 'until'), /failed to parse value of until as a time: yesterday-ish/);
});

test("docker events' line and JSON shapes", () => {
  const e = ev({ attributes: { name: 'web', image: 'busybox', exitCode: '0' }, action: 'die' });
  const line = formatEventLine(e);
  const want = `${formatEventTime(e.timeNano)} container die ${'a'.repeat(64)} (exitCode=0, image=busybox, name=web)\n`;
  assert.equal(line, want);
  if (new Date().getTimezoneOffset() === 0) assert.equal(formatEventTime('1796687367189177547'), '2026-12-07T23:49:27.189177547Z');
  const m = dockerEventMessage(e);
  assert.deepEqual(m, {
    status: 'die', id: 'a'.repeat(64), from: 'busybox', Type: 'container', Action: 'die', Actor: { ID: 'a'.repeat(64), Attributes: e.attributes },
    scope: 'local', time: 1796687367, timeNano: 1796687367189177547,
  });
  const n = dockerEventMessage(ev({ type: 'network', action: 'create', attributes: { name: 'x', type: 'bridge' } }));
  assert.equal('status' in n, false);
});

test('events never runs warm (it follows until interrupted)', () => {
  assert.equal(warmable(['events']), false);
  assert.equal(warmable(['--root', '/x', 'events', '--since', '1m']), false);
  assert.equal(warmable(['system', 'events']), false);
});

test('the log lives under the root', () => {
  assert.equal(eventLogPath('/r'), path.join('/r', 'events', 'events.jsonl'));
});
