/** `stats` NET I/O: bytes a container received on its bridge interface are counted. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { requiresRoot, until } from '../helpers.js';
import { Engine } from './engineHarness.js';

test('stats shows the network bytes a container received', requiresRoot, async (t) => {
  const e = await new Engine().init();
  t.after(() => e.cleanup());
  e.ok(['run', '-d', '--name', 'rx', 'busybox', 'sh', '-c', 'nc -l -p 9000 > /dev/null; sleep 100']);
  const ip = e.ok(['inspect', '--format', '{{.NetworkSettings.IPAddress}}', 'rx']);
  assert.match(ip, /^\d+\.\d+\.\d+\.\d+$/);
  await until(() => e.run(['run', '--rm', 'busybox', 'sh', '-c', `head -c 300000 /dev/zero | nc -w 2 ${ip} 9000`]).code === 0);
  const net = e.ok(['stats', '--no-stream', '--format', '{{.NetIO}}', 'rx']);
  const m = /^([\d.]+)(kB|MB) \/ /.exec(net);
  assert.ok(m, net);
  assert.ok(Number(m![1]) * (m![2] === 'MB' ? 1000 : 1) >= 50, `received ${net}`);
});
