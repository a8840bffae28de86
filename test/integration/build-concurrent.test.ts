/** Independent stages build at the same time: each of two stages waits (bounded) for a marker the other writes into a shared cache mount, which only finishes when both run at once. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { requiresRoot, tmpDir } from '../helpers.js';
import { Engine } from './engineHarness.js';

const waitFor = (mine: string, theirs: string) => `RUN --mount=type=cache,id=rendezvous,target=/r,sharing=shared touch /r/${mine} && i=0; while [ ! -e /r/${theirs} ]; do i=$((i+1)); [ $i -gt 1200 ] && exit 7; sleep 0.05; done; echo ${mine} saw ${theirs} > /${mine}`;

describe('berth build: concurrent stages', requiresRoot, () => {
  let e: Engine;
  before(async () => { e = await new Engine('berth-build-conc-').init(); });
  after(() => e.cleanup());

  test('a 3-stage DAG: stages a and b (independent) run concurrently, c copies from both', async () => {
    const ctx = tmpDir();
    fs.writeFileSync(path.join(ctx, 'Dockerfile'), [
      'FROM busybox AS a',
      waitFor('a', 'b'),
      'FROM busybox AS b',
      waitFor('b', 'a'),
      'FROM busybox AS unused',
      'RUN exit 9',
      'FROM busybox',
      'COPY --from=a /a /out/a',
      'COPY --from=b /b /out/b',
      'CMD ["cat", "/out/a", "/out/b"]',
      '',
    ].join('\n'));
    const r = await e.runAsync(['build', '--network', 'none', '--progress=plain', '-t', 'dag', ctx]);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /exit 9/);
    assert.equal(e.ok(['run', '--rm', '--network', 'none', 'dag']), 'a saw b\nb saw a');
    // Both RUNs began before either finished: each step's header precedes the other's DONE.
    const pos = (re: RegExp) => r.stderr.search(re);
    const header = (st: string) => pos(new RegExp(`^#\\d+ \\[${st} 2/2\\] RUN`, 'm'));
    const idOf = (st: string) => new RegExp(`^#(\\d+) \\[${st} 2/2\\] RUN`, 'm').exec(r.stderr)![1];
    const done = (st: string) => pos(new RegExp(`^#${idOf(st)} DONE`, 'm'));
    assert.ok(header('a') < done('b') && header('b') < done('a'), r.stderr);
  });

  test('sharing=locked: concurrent stages take a cache mount one at a time', async () => {
    const ctx = tmpDir();
    // Each RUN, holding the mount, looks for the other inside it for a while: with the lock it is never there.
    const hold = (me: string, other: string) => `RUN --mount=type=cache,id=lk,target=/r,sharing=locked touch /r/in-${me} && i=0; while [ $i -lt 40 ]; do [ -e /r/in-${other} ] && exit 8; i=$((i+1)); sleep 0.05; done; rm /r/in-${me}; echo ok > /${me}`;
    fs.writeFileSync(path.join(ctx, 'Dockerfile'), ['FROM busybox AS a', hold('a', 'b'), 'FROM busybox AS b', hold('b', 'a'), 'FROM busybox', 'COPY --from=a /a /a', 'COPY --from=b /b /b', ''].join('\n'));
    const r = await e.runAsync(['build', '--network', 'none', ctx]);
    assert.equal(r.code, 0, r.stderr);
    fs.writeFileSync(path.join(ctx, 'Dockerfile'), 'FROM busybox\nRUN --mount=type=cache,target=/r,sharing=sometimes true\n');
    const m = await e.runAsync(['build', '--network', 'none', ctx]);
    assert.equal(m.code, 1);
    assert.match(m.stderr, /Dockerfile:2: invalid cache sharing mode: sometimes/);
  });

  test('a failing stage stops the build: exit 1, its error last, no build container or snapshot left', async () => {
    const ctx = tmpDir();
    fs.writeFileSync(path.join(ctx, 'Dockerfile'), [
      'FROM busybox AS slow',
      'RUN --mount=type=cache,id=never,target=/r i=0; while [ ! -e /r/never ]; do i=$((i+1)); [ $i -gt 1200 ] && exit 7; sleep 0.05; done',
      'FROM busybox AS bad',
      'RUN echo failing; exit 4',
      'FROM busybox',
      'COPY --from=slow /etc/passwd /a',
      'COPY --from=bad /etc/passwd /b',
      '',
    ].join('\n'));
    const snaps = () => fs.readdirSync(path.join(e.root, 'snapshots')).length;
    const before = [e.containerDirs().length, snaps()];
    const r = await e.runAsync(['build', '--network', 'none', ctx]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /berth: Dockerfile:4: process "\/bin\/sh -c echo failing; exit 4" did not complete successfully: exit code: 4\n$/);
    assert.deepEqual([e.containerDirs().length, snaps()], before);
  });
});
