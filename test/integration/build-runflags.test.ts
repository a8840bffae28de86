/** `build --add-host`, `--ulimit`, `--shm-size` reach every RUN; `--no-cache-filter` rebuilds only the stages it names. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { requiresRoot, tmpDir } from '../helpers.js';
import { Engine } from './engineHarness.js';

describe('berth build: RUN options and --no-cache-filter', requiresRoot, () => {
  let e: Engine;
  before(async () => { e = await new Engine('berth-build-runflags-').init(); });
  after(() => e.cleanup());

  test('--add-host, --ulimit and --shm-size apply to RUN; --no-cache-filter', () => {
    const ctx = tmpDir();
    fs.writeFileSync(path.join(ctx, 'Dockerfile'), [
      'FROM busybox AS a',
      'RUN echo a > /a',
      'FROM busybox',
      'RUN echo b > /b',
      'COPY --from=a /a /a',
      'RUN { grep myhost /etc/hosts; ulimit -n; df -k /dev/shm | tail -1 | tr -s " " | cut -d" " -f2; } > /seen',
      '',
    ].join('\n'));
    const args = ['build', '--network', 'none', '--progress=plain', '--add-host', 'myhost:10.1.2.3', '--ulimit', 'nofile=1234:1234', '--shm-size', '32m', '-t', 'rf', ctx];
    const r = e.run(args);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(e.ok(['run', '--rm', '--network', 'none', 'rf', 'cat', '/seen']), '10.1.2.3\tmyhost\n1234\n32768');
    const again = e.run([...args.slice(0, -3), '--no-cache-filter', 'a', '-t', 'rf', ctx]);
    assert.equal(again.code, 0, again.stderr);
    assert.doesNotMatch(again.stderr, /\[a 2\/2\] RUN echo a > \/a\n#\d+ CACHED/);
    assert.match(again.stderr, /\[stage-1 2\/4\] RUN echo b > \/b\n#\d+ CACHED/);
    const bad = e.run(['build', '--shm-size', 'lots', ctx]);
    assert.deepEqual([bad.code, bad.stderr], [1, 'berth: invalid argument "lots" for "--shm-size" flag: invalid size: \'lots\'\n']);
  });

  test('RUN --mount=type=bind,from=: a stage needed only through it is built; a file from an image; read-only, rw writes dropped, nothing of it in the layer', () => {
    const ctx = tmpDir();
    fs.writeFileSync(path.join(ctx, 'Dockerfile'), [
      'FROM busybox AS tools',
      'RUN mkdir /out && echo tool-output > /out/tool',
      'FROM busybox',
      'RUN --mount=type=bind,from=tools,source=/out,target=/in cat /in/tool > /got && ! touch /in/x 2>/dev/null',
      'RUN --mount=type=bind,from=busybox,source=/etc/passwd,target=/p head -1 /p > /passwd1',
      'RUN --mount=type=bind,from=tools,source=/out,target=/w,rw echo scribble > /w/tool && cat /w/tool > /rw',
      'RUN --mount=type=bind,from=tools,source=/out,target=/in cat /in/tool > /after',
      '',
    ].join('\n'));
    const r = e.run(['build', '--network', 'none', '-t', 'bindfrom', ctx]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(e.ok(['run', '--rm', '--network', 'none', 'bindfrom', 'sh', '-c', 'cat /got /passwd1 /rw /after; ls /in /w /p 2>&1 | wc -l']), 'tool-output\nroot:x:0:0:root:/root:/bin/sh\nscribble\ntool-output\n3');
    const missing = e.run(['build', '--network', 'none', '-f', '-', ctx], 'FROM busybox\nRUN --mount=type=bind,from=busybox,source=/nope,target=/n true\n');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /berth: Dockerfile:2: bind mount from: \/nope: not found\n$/);
  });
});
