import assert from 'node:assert/strict';
import { test } from 'node:test';
import { statusText, type LiveState } from '../../src/engine/containerState.js';
import { humanDuration } from '../../src/engine/humanDuration.js';

const MIN = 60;
const HOUR = 3600;
const DAY = 24 * HOUR;

test('humanDuration: go-units HumanDuration at each boundary', () => {
  const cases: [number, string][] = [
    [-5, 'Less than a second'], [0, 'Less than a second'], [0.999, 'Less than a second'],
    [1, '1 second'], [1.9, '1 second'], [2, '2 seconds'], [59, '59 seconds'], [59.99, '59 seconds'],
    // Minutes are truncated: 90 s and 119 s are still "About a minute".
    [60, 'About a minute'], [89, 'About a minute'], [90, 'About a minute'], [119, 'About a minute'], [120, '2 minutes'],
    [46 * MIN, '46 minutes'], [47 * MIN, '47 minutes'], [59 * MIN + 59, '59 minutes'],
    // Hours are rounded: 60..89 minutes "About an hour", 90 minutes "2 hours".
    [60 * MIN, 'About an hour'], [89 * MIN, 'About an hour'], [90 * MIN, '2 hours'], [2 * HOUR, '2 hours'],
    [47 * HOUR, '47 hours'], [47 * HOUR + 29 * MIN, '47 hours'], [47 * HOUR + 30 * MIN, '2 days'], [48 * HOUR, '2 days'],
    [13 * DAY, '13 days'], [14 * DAY, '2 weeks'], [59 * DAY, '8 weeks'], [60 * DAY, '2 months'],
    [729 * DAY, '24 months'], [730 * DAY, '2 years'], [3 * 365 * DAY, '3 years'],
  ];
  for (const [sec, want] of cases) assert.equal(humanDuration(sec), want, `${sec} s`);
  assert.equal(humanDuration(Number.NaN), 'Less than a second');
});

test('ps Status and images CreatedSince say the same of 90 seconds', () => {
  const now = Date.parse('2024-01-01T00:01:30Z');
  const st = { Status: 'running', Running: true, Paused: false, Restarting: false, StartedAt: '2024-01-01T00:00:00Z', FinishedAt: '', ExitCode: 0 } as LiveState;
  assert.equal(statusText(st, now), 'Up About a minute');
  assert.equal(statusText({ ...st, Paused: true }, now), 'Up About a minute (Paused)');
  assert.equal(statusText({ ...st, Status: 'exited', Running: false, ExitCode: 3, FinishedAt: '2024-01-01T00:00:00Z' }, now), 'Exited (3) About a minute ago');
});
