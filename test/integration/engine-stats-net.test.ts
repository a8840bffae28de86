/** `stats` NET I/O: bytes a container received on its bridge interface are counted. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { requiresRoot, until } from '../helpers.js';
import { Engine } from './engineHarness.js';

test('stats shows the network bytes a container received', requiresRoot, async (t) => {
  const e = await new Engine().init();
  t.after(() => e.cleanup());
  e.ok(['run', '-d', '--name', 'rx', 'busybox', 'sleep', '100']);
  const ip = e.ok(['inspect', '--format', '{{.NetworkSettings.IPAddress}}', 'rx']);
  assert.match(ip, /^\d+\.\d+\.\d+\.\d+$/);
  // 20 echo requests of 1400 bytes each: rx receives at least 28 kB.
  await until(() => e.run(['run', '--rm', 'busybox', 'ping', '-c', '20', '-i', '0.05', '-s', '1400', '-W', '2', ip]).code === 0);
  const net = e.ok(['stats', '--no-stream', '--format', '{{.NetIO}}', 'rx']);
  const m = /^([\d.]+)(kB|MB) \/ /.exec(net);
  assert.ok(m, net);
  assert.ok(Number(m![1]) * (m![2] === 'MB' ? 1000 : 1) >= 28, `received ${net}`);
});
