/** --network none|bridge|host and -p through the CLI (traffic only to the test's own container and loopback). */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { requiresRoot } from '../helpers.js';
import { Engine } from './engineHarness.js';

function fetchLine(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, host);
    let out = '';
    s.setTimeout(3_000, () => s.destroy(new Error('timeout')));
    s.on('data', (d) => {
      out += d;
      if (out.includes('\n')) {
        s.destroy();
        resolve(out);
      }
    });
    s.on('end', () => resolve(out));
    s.on('error', reject);
  });
}

/** The server may not be listening yet: retry refused connections (bounded). */
async function fetchRetry(host: string, port: number): Promise<string> {
  for (let i = 0; ; i++) {
    try {
      return await fetchLine(host, port);
    } catch (e) {
      if (i > 40) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

describe('engine: networking', requiresRoot, () => {
  const e = new Engine();
  before(() => e.init());
  after(() => e.cleanup());

  test('--network none: only lo, and it is up', () => {
    const out = e.ok(['run', '--rm', '--network', 'none', 'busybox', 'sh', '-c', 'ip -o link | cut -d: -f2; ip -o addr show lo | grep -c 127.0.0.1']);
    assert.equal(out, 'lo\n1');
  });

  test('--network bridge -p: the container answers on its IP and on the published loopback port', async () => {
    e.ok(['run', '-d', '--name', 'srv', '--network', 'bridge', '-p', '127.0.0.1::8080', 'busybox', 'sh', '-c', 'while true; do echo hello | nc -l -p 8080; done']);
    const j = e.inspect('srv');
    const ip: string = j.NetworkSettings.IPAddress;
    assert.match(ip, /^\d+\.\d+\.\d+\.\d+$/);
    const binding = j.NetworkSettings.Ports['8080/tcp'][0];
    assert.equal(binding.HostIp, '127.0.0.1');
    const hostPort = Number(binding.HostPort);
    assert.ok(hostPort > 0);
    assert.equal(e.ok(['port', 'srv', '8080']), `127.0.0.1:${hostPort}`);
    assert.equal(await fetchRetry(ip, 8080), 'hello\n');
    assert.equal(await fetchRetry('127.0.0.1', hostPort), 'hello\n');
    e.ok(['rm', '-f', 'srv']);
  });

  test('--network host shares the host interfaces', () => {
    const inside = e.ok(['run', '--rm', '--network', 'host', 'busybox', 'sh', '-c', 'ip -o link | wc -l']);
    assert.ok(Number(inside) > 1);
  });
});
