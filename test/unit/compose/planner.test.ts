/** The planner's and runner's pure parts: image names, secrets/configs/shm mounts, pull policies, log names, events. */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { loadProject } from '../../../src/compose/loadProject.js';
import { serviceImage, serviceRequest } from '../../../src/compose/serviceRequest.js';
import { pullPolicyOf } from '../../../src/compose/runner/serviceImages.js';
import { logName } from '../../../src/compose/runner/logs.js';
import { diffEvents, formatEvent } from '../../../src/compose/runner/events.js';
import type { ProjectContainer } from '../../../src/compose/runner/projectContainers.js';
import type { ContainerRecord } from '../../../src/engine/types.js';
import { fixturesDir } from '../../helpers.js';

const dir = path.join(fixturesDir, 'compose', 'build');
const load = () => loadProject({ cwd: dir, env: { PATH: '/bin', REG: '127.0.0.1:5999' }, warn: () => undefined });

test('a build service without image: is named <project>-<service>; with image: that', () => {
  const p = load();
  assert.equal(serviceImage(p, 'web'), 'bcbuild-web');
  assert.equal(serviceImage(p, 'tagged'), '127.0.0.1:5999/bcbuild/tagged:1');
  assert.equal(serviceRequest(p, 'web', 1).image, 'bcbuild-web');
  assert.deepEqual(p.model.services && (p.model.services as Record<string, { secrets: unknown }>).web.secrets, [{ source: 'token' }]);
});

test('secrets go to /run/secrets, configs to their target, read-only binds of the files; shm_size a /dev/shm tmpfs', () => {
  const p = load();
  const m = serviceRequest(p, 'web', 1).flags.mount;
  assert.ok(m.includes(`type=bind,source=${path.join(dir, 'token.txt')},target=/run/secrets/token,readonly`), m.join('\n'));
  assert.ok(m.includes(`type=bind,source=${path.join(dir, 'app.conf')},target=/app.conf,readonly`), m.join('\n'));
  p.services.web.shm_size = String(128 << 20);
  assert.ok(serviceRequest(p, 'web', 1).flags.mount.includes(`type=tmpfs,target=/dev/shm,tmpfs-size=${128 << 20},tmpfs-mode=1777`));
  p.services.web.secrets = [{ source: 'nope' }];
  assert.throws(() => serviceRequest(p, 'web', 1), /service "web" refers to undefined secret nope/);
});

test('pull_policy words -> the engine\'s policy; --pull wins; a bad one is refused', () => {
  assert.equal(pullPolicyOf({}), 'missing');
  assert.equal(pullPolicyOf({ pull_policy: 'if_not_present' }), 'missing');
  assert.equal(pullPolicyOf({ pull_policy: 'always' }), 'always');
  assert.equal(pullPolicyOf({ pull_policy: 'build' }), 'never');
  assert.equal(pullPolicyOf({ pull_policy: 'never' }, 'always'), 'always');
  assert.throws(() => pullPolicyOf({ pull_policy: 'sometimes' }), /invalid pull option/);
});

const rec = (id: string, name: string, labels: Record<string, string> = {}): ContainerRecord =>
  ({ Id: id, Name: `/${name}`, Config: { Image: 'busybox', Labels: { 'com.docker.compose.project': 'proj', ...labels } } }) as unknown as ContainerRecord;

test('log prefixes: the container name less the project (web-1), a container_name whole', () => {
  assert.equal(logName(rec('a', 'proj-web-1')), 'web-1');
  assert.equal(logName(rec('a', 'proj-web-run-0123abcd')), 'web-run-0123abcd');
  assert.equal(logName(rec('a', 'my-own-name')), 'my-own-name');
});

test('events: what changed between two looks, in Docker\'s order and words', () => {
  const seen = (id: string, running: boolean, o: { paused?: boolean; health?: string; exit?: number } = {}) => ({
    running, paused: !!o.paused, health: o.health,
    c: { rec: rec(id, `proj-web-${id}`), name: `proj-web-${id}`, service: 'web', number: 1, oneoff: false, state: { ExitCode: o.exit ?? 0 } } as unknown as ProjectContainer,
  });
  const t = new Date(2026, 0, 2, 3, 4, 5, 6);
  const actions = (a: [string, ReturnType<typeof seen>][], b: [string, ReturnType<typeof seen>][]) => diffEvents(new Map(a), new Map(b), t).map((e) => `${e.id} ${e.action}${e.attributes.exitCode ? ` ${e.attributes.exitCode}` : ''}`);
  assert.deepEqual(actions([], [['1', seen('1', true)]]), ['1 create', '1 start']);
  assert.deepEqual(actions([['1', seen('1', true)]], [['1', seen('1', false, { exit: 3 })]]), ['1 die 3']);
  assert.deepEqual(actions([['1', seen('1', true)]], [['1', seen('1', true, { paused: true })]]), ['1 pause']);
  assert.deepEqual(actions([['1', seen('1', true, { health: 'starting' })]], [['1', seen('1', true, { health: 'healthy' })]]), ['1 health_status: healthy']);
  assert.deepEqual(actions([['1', seen('1', false)]], []), ['1 destroy']);
  assert.deepEqual(actions([['1', seen('1', true)]], [['1', seen('1', true)]]), []);
  const [e] = diffEvents(new Map(), new Map([['1', seen('1', false)]]), t);
  assert.equal(formatEvent(e, false), '2026-01-02 03:04:05.006000 container create 1 (image=busybox, name=proj-web-1)\n');
  assert.deepEqual(JSON.parse(formatEvent(e, true)), { time: t.toISOString(), type: 'container', action: 'create', id: '1', service: 'web', attributes: { image: 'busybox', name: 'proj-web-1' } });
});
