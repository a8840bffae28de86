/**
 * `system reset` removes everything a root made, down to its default bridge and firewall
 * chains; `network prune --orphans` finds the bridges of a root deleted by hand (issue 13 item 15).
 * Traffic: none (the published port is only bound, never reached).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { requiresRoot } from '../helpers.js';
import { Engine } from './engineHarness.js';
import { NetworkStore, type NetworkState } from '../../src/network/index.js';
import { chainNames } from '../../src/network/firewall.js';
import { REGISTRY_DIR } from '../../src/network/orphans.js';

const linkExists = (name: string) => spawnSync('ip', ['link', 'show', 'dev', name], { stdio: 'ignore' }).status === 0;
/** iptables-save lines that name the network's bridge or chains. */
function rulesOf(nets: NetworkState[]): string[] {
  const marks = nets.flatMap((n) => [n.bridge, ...Object.values(chainNames(n))]);
  return execFileSync('iptables-save', { encoding: 'utf8' }).split('\n').filter((l) => marks.some((m) => l.includes(m)));
}

describe('engine: system reset and orphaned bridges', requiresRoot, () => {
  let e: Engine;
  let gone: Engine | undefined;
  const made: NetworkState[] = [];
  before(async () => { e = await new Engine('berth-reset-').init(); });
  after(() => {
    // Whatever the test did not get to: the deleted root's bridges via the orphan sweep, then ours.
    if (made.some((n) => linkExists(n.bridge))) e.run(['network', 'prune', '--orphans', '-f']);
    gone?.cleanup();
    e.cleanup();
  });

  test('system reset: containers (running too), networks with the default bridge and its chains, volumes, images', () => {
    const id = e.ok(['run', '-d', '--network', 'bridge', '-p', '127.0.0.1::80', 'busybox', 'sleep', '1000']);
    e.ok(['network', 'create', 'reset-net']);
    e.ok(['volume', 'create', 'reset-vol']);
    const nets = new NetworkStore(e.root).list();
    made.push(...nets);
    assert.deepEqual(nets.map((n) => n.name).sort(), ['bridge', 'reset-net']);
    assert.ok(nets.every((n) => linkExists(n.bridge)));
    assert.notDeepEqual(rulesOf(nets), []);
    const no = e.run(['system', 'reset'], 'n\n');
    assert.equal(no.code, 0);
    assert.match(no.stdout, new RegExp(`^WARNING! This will remove everything berth keeps under ${e.root}:\\n`));
    assert.match(no.stdout, /Are you sure you want to continue\? \[y\/N\] $/);
    assert.equal(e.ok(['ps', '-q', '--no-trunc']), id, 'no: nothing removed');
    const r = e.run(['system', 'reset', '-f']);
    assert.deepEqual([r.code, r.stderr], [0, '']);
    assert.match(r.stdout, new RegExp(`^Deleted Containers:\\n${id}\\n\\nDeleted Networks:\\nbridge\\nreset-net\\n\\nDeleted Volumes:\\nreset-vol\\n\\nDeleted Images:\\nuntagged: busybox:latest\\ndeleted: sha256:[0-9a-f]{64}\\n\\n`));
    assert.match(r.stdout, /Total reclaimed space: .*\n$/);
    for (const n of nets) {
      assert.equal(linkExists(n.bridge), false, `bridge ${n.bridge} removed`);
      assert.equal(fs.existsSync(path.join(REGISTRY_DIR, `${n.bridge}.json`)), false);
    }
    assert.deepEqual(rulesOf(nets), [], 'no chains or rules of the root');
    assert.deepEqual([e.ok(['ps', '-aq']), e.ok(['images', '-aq']), e.ok(['volume', 'ls', '-q'])], ['', '', '']);
    assert.deepEqual(fs.readdirSync(path.join(e.root, 'networks')).filter((f) => f.endsWith('.json')), []);
    assert.deepEqual(fs.readdirSync(path.join(e.root, 'netns')), []);
  });

  test('network prune --orphans: the bridge of a root deleted by hand is listed with its root, removed once confirmed', () => {
    gone = new Engine('berth-reset-gone-');
    gone.ok(['network', 'create', 'orphan-net']);
    const net = new NetworkStore(gone.root).get('orphan-net');
    made.push(net);
    assert.ok(linkExists(net.bridge));
    fs.rmSync(gone.root, { recursive: true, force: true });
    const line = `${net.bridge}\t(network orphan-net of root ${gone.root}, deleted)`;
    const no = e.run(['network', 'prune', '--orphans'], 'n\n');
    assert.equal(no.code, 0);
    assert.match(no.stdout, /^WARNING! This will remove these bridges and their firewall rules, left by berth roots that no longer have them:\n/);
    assert.ok(no.stdout.includes(`  ${line}\n`), no.stdout);
    assert.ok(linkExists(net.bridge), 'no: the bridge stays');
    const yes = e.run(['network', 'prune', '--orphans'], 'y\n');
    assert.equal(yes.code, 0, yes.stderr);
    assert.ok(yes.stdout.includes(`Deleted Orphaned Bridges:\n`) && yes.stdout.includes(`${line}\n`), yes.stdout);
    assert.equal(linkExists(net.bridge), false);
    assert.deepEqual(rulesOf([net]), []);
    assert.equal(fs.existsSync(path.join(REGISTRY_DIR, `${net.bridge}.json`)), false);
    // Nothing left of it: a second run has nothing to say.
    assert.ok(!e.run(['network', 'prune', '--orphans', '-f']).stdout.includes(net.bridge));
  });
});
