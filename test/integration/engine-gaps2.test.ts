/**
 * Docker-compatibility gaps found by a fresh-eyes CLI test: HOME from passwd, relative bind
 * sources, top's ps options, --cidfile/--label-file, system prune's networks, exec's TTY
 * check and 126, small wording nits, bridges of removed roots.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { berthBin, requiresRoot, tmpDir } from '../helpers.js';
import { Engine, berthCommand, type Out } from './engineHarness.js';

/** berth in another working directory. */
function berthIn(e: Engine, cwd: string, args: string[]): Out {
  const r = spawnSync(...berthCommand(['--root', e.root, ...args]), { encoding: 'utf8', cwd });
  return { code: r.status ?? 128, stdout: r.stdout, stderr: r.stderr };
}

describe('engine gaps 2', requiresRoot, () => {
  const e = new Engine('berth-gaps2-');
  before(async () => {
    await e.init();
  });
  after(() => e.cleanup());

  test('HOME comes from the user\'s passwd entry (run and exec), not shown in inspect', () => {
    assert.equal(e.ok(['run', '--rm', '--network', 'none', 'busybox', 'sh', '-c', 'echo $HOME']), '/root');
    assert.equal(e.ok(['run', '--rm', '--network', 'none', '-u', '4321', 'busybox', 'sh', '-c', 'echo $HOME']), '/');
    assert.equal(e.ok(['run', '--rm', '--network', 'none', '-e', 'HOME=/x', 'busybox', 'sh', '-c', 'echo $HOME']), '/x');
    e.ok(['run', '-d', '--name', 'home', '--network', 'none', 'busybox', 'sleep', '1000']);
    assert.equal(e.ok(['exec', 'home', 'sh', '-c', 'echo $HOME']), '/root');
    assert.equal(e.ok(['exec', '-u', 'nobody', 'home', 'sh', '-c', 'echo $HOME']), '/nonexistent');
    assert.equal(e.ok(['exec', '-e', 'HOME=/y', 'home', 'sh', '-c', 'echo $HOME']), '/y');
    assert.ok(!(e.inspect('home').Config.Env ?? []).some((v: string) => v.startsWith('HOME=')));
    e.ok(['rm', '-f', 'home']);
  });

  test('relative bind sources (-v ./x, -v ../x, --mount src=./x) against the caller\'s cwd', (t) => {
    const d = tmpDir('berth-gaps2-rel-');
    t.after(() => fs.rmSync(d, { recursive: true, force: true }));
    fs.mkdirSync(path.join(d, 'sub', 'rel'), { recursive: true });
    fs.writeFileSync(path.join(d, 'sub', 'rel', 'f'), 'in-rel');
    fs.writeFileSync(path.join(d, 'top'), 'in-top');
    const sub = path.join(d, 'sub');
    let r = berthIn(e, sub, ['run', '--rm', '--network', 'none', '-v', './rel:/x', '-v', '..:/up:ro', 'busybox', 'cat', '/x/f', '/up/top']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'in-relin-top');
    r = berthIn(e, sub, ['run', '--rm', '--network', 'none', '--mount', 'type=bind,src=./rel,dst=/y', '--mount', 'type=bind,source=../sub/rel,target=/z', 'busybox', 'cat', '/y/f', '/z/f']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'in-relin-rel');
  });

  test('top CONTAINER ps-options: passed through to ps', () => {
    e.ok(['run', '-d', '--name', 'top', '--network', 'none', 'busybox', 'sleep', '1001']);
    const r = e.run(['top', 'top', '-o', 'pid,comm,args']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.match(lines[0], /^PID\s+COMMAND\s+COMMAND$/);
    assert.equal(lines.length, 2, r.stdout);
    assert.match(lines[1], /^\d+\s+sleep\s+sleep 1001$/);
    const ef = e.run(['top', 'top', '-ef']);
    assert.equal(ef.code, 0, ef.stderr);
    assert.match(ef.stdout, /^UID\s+PID\s+PPID/);
    assert.match(ef.stdout, /sleep 1001/);
    e.ok(['rm', '-f', 'top']);
  });

  test('--cidfile (refused when present, nothing created) and --label-file', (t) => {
    const d = tmpDir('berth-gaps2-cid-');
    t.after(() => fs.rmSync(d, { recursive: true, force: true }));
    const cid = path.join(d, 'cid');
    const labels = path.join(d, 'labels');
    fs.writeFileSync(labels, '# a comment\n\na=1\n  b=two words\nbare\nc=file\n');
    const id = e.ok(['create', '--cidfile', cid, '--label-file', labels, '-l', 'c=flag', '--name', 'cid', 'busybox', 'true']);
    assert.equal(fs.readFileSync(cid, 'utf8'), id);
    assert.deepEqual(e.inspect('cid').Config.Labels, { a: '1', b: 'two words', bare: '', c: 'flag' });
    const before = e.containerDirs().length;
    const r = e.run(['run', '--cidfile', cid, '--network', 'none', 'busybox', 'true']);
    assert.equal(r.code, 125);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.match(r.stderr, new RegExp(`Container ID file found, make sure the other container isn't running or delete ${cid}`));
    assert.equal(e.containerDirs().length, before);
    assert.equal(fs.readFileSync(cid, 'utf8'), id);
    const cid2 = path.join(d, 'cid2');
    const ran = e.run(['run', '--rm', '--cidfile', cid2, '--network', 'none', 'busybox', 'true']);
    assert.equal(ran.code, 0, ran.stderr);
    assert.match(fs.readFileSync(cid2, 'utf8'), /^[0-9a-f]{64}$/);
    const bad = e.run(['create', '--cidfile', path.join(d, 'cid3'), 'nosuchimage:1']);
    assert.notEqual(bad.code, 0);
    assert.ok(!fs.existsSync(path.join(d, 'cid3')), 'a failed create leaves no ID file');
    const missing = e.run(['create', '--label-file', path.join(d, 'nope'), 'busybox']);
    assert.equal(missing.code, 125);
    assert.match(missing.stderr, /open .*nope: no such file or directory/);
    e.ok(['rm', 'cid']);
  });

  test('exec -it without a terminal: not a TTY, exit 1; exec of a missing command: 126', () => {
    e.ok(['run', '-d', '--name', 'ex', '--network', 'none', 'busybox', 'sleep', '1002']);
    const tty = e.run(['exec', '-it', 'ex', 'true'], '');
    assert.equal(tty.code, 1);
    assert.equal(tty.stderr.trim().split('\n').length, 1);
    assert.match(tty.stderr, /the input device is not a TTY/);
    const missing = e.run(['exec', 'ex', 'nosuchcmd']);
    assert.equal(missing.code, 126);
    assert.match(missing.stderr, /nosuchcmd.*executable file not found in \$PATH/);
    assert.equal(missing.stderr.trim().split('\n').length, 1);
    assert.equal(e.run(['run', '--rm', '--network', 'none', 'busybox', 'nosuchcmd']).code, 127, 'run keeps 127');
    e.ok(['rm', '-f', 'ex']);
  });

  test('system prune -f removes unused networks (Deleted Networks:), keeps used ones', (t) => {
    e.ok(['network', 'create', 'g2unused']);
    e.ok(['network', 'create', 'g2used']);
    t.after(() => {
      e.run(['rm', '-f', 'netuser']);
      e.run(['network', 'rm', 'g2used']);
      e.run(['network', 'rm', 'g2unused']);
    });
    e.ok(['run', '-d', '--name', 'netuser', '--network', 'g2used', 'busybox', 'sleep', '1003']);
    const r = e.run(['system', 'prune', '-f']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Deleted Networks:\ng2unused\n\n/);
    assert.doesNotMatch(r.stdout, /g2used/);
    const ls = e.ok(['network', 'ls']);
    assert.match(ls, /\bg2used\b/);
    assert.doesNotMatch(ls, /\bg2unused\b/);
  });
});

describe('engine gaps 2: nits', requiresRoot, () => {
  const e = new Engine('berth-gaps2-nits-');
  before(async () => {
    await e.init();
  });
  after(() => e.cleanup());

  const oneLine = (r: Out, code: number, re: RegExp) => {
    assert.equal(r.code, code, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, re);
  };

  test('import DIR, --cpuset-cpus/-mems beyond the host, -m \'\', commit -c CMD', () => {
    oneLine(e.run(['import', e.root, 'x:1']), 125, /is a directory, not a tar archive/);
    const before = e.containerDirs().length;
    const online = fs.readFileSync('/sys/devices/system/cpu/online', 'utf8').trim();
    oneLine(e.run(['run', '--rm', '--network', 'none', '--cpuset-cpus', '999', 'busybox', 'true']), 125, new RegExp(`Requested CPUs are not available - requested 999, available: ${online}`));
    oneLine(e.run(['create', '--cpuset-mems', '999', 'busybox']), 125, /Requested memory nodes are not available - requested 999, available: /);
    oneLine(e.run(['run', '--rm', '-m', '', 'busybox', 'true']), 125, /invalid argument "" for "-m, --memory" flag: invalid size: ''/);
    assert.equal(e.containerDirs().length, before, 'nothing created');
    assert.equal(e.ok(['run', '--rm', '--network', 'none', '--cpuset-cpus', '0', 'busybox', 'echo', 'ok']), 'ok');
    e.ok(['create', '--name', 'cm', 'busybox', 'true']);
    const images = e.ok(['images', '-q']);
    oneLine(e.run(['commit', '-c', 'CMD', 'cm', 'cmimg:1']), 1, /Dockerfile parse error line 1: CMD requires at least one argument/);
    assert.equal(e.ok(['images', '-q']), images, 'no image made');
    e.ok(['rm', 'cm']);
  });
});

/** The registry entries (/run/berth/networks) a root owns: bridge -> file. */
function registered(root: string): Map<string, string> {
  const dir = '/run/berth/networks';
  const out = new Map<string, string>();
  for (const f of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    try {
      const entry = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as { root: string; state: { bridge: string } };
      if (entry.root === path.resolve(root)) out.set(entry.state.bridge, path.join(dir, f));
    } catch { /* being written */ }
  }
  return out;
}

const linkExists = (name: string) => fs.existsSync(`/sys/class/net/${name}`);

describe('engine gaps 2: bridges of removed roots', requiresRoot, () => {
  const gone = new Engine('berth-gaps2-gone-');
  const kept = new Engine('berth-gaps2-kept-');
  before(async () => {
    await gone.init();
    await kept.init();
  });
  after(() => {
    kept.cleanup();
    gone.cleanup();
    // If the prune under test failed, still drop what the removed root left.
    for (const [bridge, file] of registered(gone.root)) {
      spawnSync('ip', ['link', 'del', bridge]);
      fs.rmSync(file, { force: true });
    }
  });

  test('network prune and system prune of another root remove them; bridges of live roots stay', async () => {
    gone.ok(['run', '--rm', 'busybox', 'true']);
    kept.ok(['run', '--rm', 'busybox', 'true']);
    const goneBridges = [...registered(gone.root).keys()];
    const keptBridges = [...registered(kept.root).keys()];
    assert.equal(goneBridges.length, 1);
    assert.equal(keptBridges.length, 1);
    assert.ok(linkExists(goneBridges[0]) && linkExists(keptBridges[0]));
    fs.rmSync(gone.root, { recursive: true, force: true });
    const r = kept.run(['network', 'prune', '-f']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '', 'other roots\' bridges are not listed');
    assert.ok(!linkExists(goneBridges[0]), 'the removed root\'s bridge is gone');
    assert.equal(registered(gone.root).size, 0);
    assert.ok(linkExists(keptBridges[0]), 'a live root\'s bridge stays');
    assert.deepEqual([...registered(kept.root).keys()], keptBridges);
    // system prune too (a second removed root).
    const gone2 = new Engine('berth-gaps2-gone2-');
    try {
      await gone2.init();
      gone2.ok(['run', '--rm', 'busybox', 'true']);
      const b2 = [...registered(gone2.root).keys()];
      assert.equal(b2.length, 1);
      fs.rmSync(gone2.root, { recursive: true, force: true });
      const sp = kept.run(['system', 'prune', '-f']);
      assert.equal(sp.code, 0, sp.stderr);
      assert.doesNotMatch(sp.stdout, /Deleted Networks/);
      assert.ok(!linkExists(b2[0]));
      assert.equal(registered(gone2.root).size, 0);
      assert.ok(linkExists(keptBridges[0]));
    } finally {
      for (const [bridge, file] of registered(gone2.root)) {
        spawnSync('ip', ['link', 'del', bridge]);
        fs.rmSync(file, { force: true });
      }
      gone2.cleanup();
    }
  });
});

