import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { berthBin, tmpDir } from '../../helpers.js';
import { busyboxTar } from '../../imageHelpers.js';

function berth(root: string, args: string[], input?: Buffer) {
  const r = spawnSync(process.execPath, [berthBin, '--root', root, ...args], { input, encoding: 'buffer', maxBuffer: 1 << 28 });
  return { status: r.status, out: r.stdout.toString(), err: r.stderr.toString(), raw: r.stdout };
}

function oneLineError(r: { status: number | null; err: string }, code = 125): void {
  assert.equal(r.status, code, r.err);
  assert.match(r.err, /^berth: [^\n]+\n$/);
  assert.doesNotMatch(r.err, /\s+at /);
}

test('berth import / images / tag / inspect / history / rmi / prune (docker output)', (t) => {
  const root = tmpDir('berth-cli-');
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  const imp = berth(root, ['import', '-c', 'CMD ["sh"]', '-c', 'ENV PATH=/bin', '-m', 'hello', '-', 'busybox:1'], fs.readFileSync(busyboxTar()));
  assert.equal(imp.status, 0, imp.err);
  const id = imp.out.trim();
  assert.match(id, /^sha256:[a-f0-9]{64}$/);
  const ls = berth(root, ['images']);
  assert.equal(ls.status, 0, ls.err);
  const lines = ls.out.trim().split('\n');
  assert.match(lines[0], /^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE$/);
  assert.match(lines[1], new RegExp(`^busybox\\s+1\\s+${id.slice(7, 19)}\\s+.+ ago\\s+[\\d.]+MB$`));
  assert.equal(berth(root, ['tag', 'busybox:1', 'me/app']).status, 0);
  assert.equal(berth(root, ['images', '-q']).out, `${id.slice(7, 19)}\n`);
  assert.equal(berth(root, ['images', '--format', '{{.Repository}}:{{.Tag}}', 'me/app']).out, 'me/app:latest\n');
  assert.equal(berth(root, ['images', '--filter', 'reference=busy*', '--format', '{{.Repository}}']).out, 'busybox\n');
  const ins = JSON.parse(berth(root, ['image', 'inspect', 'me/app']).out) as { Id: string; Config: { Cmd: string[]; Env: string[] }; RepoTags: string[] }[];
  assert.equal(ins[0].Id, id);
  assert.deepEqual(ins[0].Config.Cmd, ['sh']);
  assert.deepEqual(ins[0].RepoTags.sort(), ['busybox:1', 'me/app:latest']);
  assert.equal(berth(root, ['image', 'inspect', '--format', '{{.Config.Cmd}} {{json .Config.Env}}', id.slice(7, 15)]).out, '[sh] ["PATH=/bin"]\n');
  const hist = berth(root, ['history', 'busybox:1']).out.split('\n');
  assert.match(hist[0], /^IMAGE\s+CREATED\s+CREATED BY\s+SIZE\s+COMMENT$/);
  assert.match(hist[1], /hello$/);
  oneLineError(berth(root, ['images', '--format', '{{.Nope}}']));
  assert.equal(berth(root, ['rmi', 'me/app']).out, 'Untagged: me/app:latest\n');
  const rm = berth(root, ['rmi', 'busybox:1']);
  assert.equal(rm.out, `Untagged: busybox:1\nDeleted: ${id}\n`);
  assert.equal(berth(root, ['images', '-q']).out, '');
  // Orphans of other roots on this host are not this test's: look only at its own root's.
  assert.equal(berth(root, ['system', 'check', '--orphan-root', root]).status, 0);
  assert.match(berth(root, ['image', 'prune', '-f']).out, /Total reclaimed space: /);
});

test('berth save -o / load -i and load from stdin round trip', (t) => {
  const root = tmpDir('berth-cli-');
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  const id = berth(root, ['import', busyboxTar(), 'bb:1']).out.trim();
  const out = path.join(root, 'bb.tar');
  assert.equal(berth(root, ['save', '-o', out, 'bb:1']).status, 0);
  const oci = berth(root, ['save', '--format', 'oci', 'bb']);
  assert.equal(oci.status, 0, oci.err);
  for (const [args, input] of [[['load', '-i', out], undefined], [['load'], oci.raw]] as [string[], Buffer | undefined][]) {
    const r2 = path.join(root, `r-${args.length}`);
    const l = berth(r2, args, input);
    assert.equal(l.status, 0, l.err);
    assert.equal(l.out, 'Loaded image: bb:1\n');
    assert.equal(berth(r2, ['images', '-q', '--no-trunc']).out, `${id}\n`);
  }
});

test('bad input: one line, non-zero exit, no stack', (t) => {
  const root = tmpDir('berth-cli-');
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  oneLineError(berth(root, ['load', '-i', '/etc/hostname']));
  oneLineError(berth(root, ['load', '-i', path.join(root, 'missing.tar')]));
  oneLineError(berth(root, ['load'], Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3])));
  oneLineError(berth(root, ['import', '-', 'x'], Buffer.from('garbage'.repeat(200))));
  oneLineError(berth(root, ['import', '-c', 'BOGUS x', busyboxTar()]));
  oneLineError(berth(root, ['import', busyboxTar(), 'UPPER:case']));
  oneLineError(berth(root, ['rmi', 'nope']), 1);
  oneLineError(berth(root, ['tag', 'nope', 'x']));
  oneLineError(berth(root, ['images', '--filter', 'bogus=1']));
  oneLineError(berth(root, ['save', '--format', 'zip', 'x']));
  oneLineError(berth(root, ['export', 'nope']));
  assert.equal(berth(root, ['images', '-q']).out, '');
});
