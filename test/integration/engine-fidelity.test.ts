/** Docker fidelity items of issue 13, each through the real CLI against the real kernel. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { requiresRoot, tmpDir } from '../helpers.js';
import { createBusyboxImage } from '../imageHelpers.js';
import { Engine, until } from './engineHarness.js';

describe('engine: Docker fidelity (issue 13)', requiresRoot, () => {
  let e: Engine;
  let work: string;
  before(async () => { e = await new Engine('berth-fidelity-').init(); work = tmpDir('berth-fidelity-src-'); });
  after(() => { e?.cleanup(); fs.rmSync(work, { recursive: true, force: true }); });

  test('cp a file and a directory to new paths directly under / (running and stopped)', () => {
    fs.writeFileSync(path.join(work, 'file'), 'hello\n');
    fs.mkdirSync(path.join(work, 'dir'));
    fs.writeFileSync(path.join(work, 'dir', 'a'), 'a\n');
    const id = e.ok(['run', '-d', '--network', 'none', 'busybox', 'sleep', '100']);
    for (const [src, dest] of [['file', '/newfile'], ['dir', '/opt']]) {
      const r = e.run(['cp', path.join(work, src), `${id}:${dest}`]);
      assert.deepEqual([r.code, r.stderr], [0, ''], `${src} -> ${dest}`);
    }
    assert.equal(e.ok(['exec', id, 'cat', '/newfile', '/opt/a']), 'hello\na');
    e.ok(['stop', '-t', '0', id]);
    const r = e.run(['cp', path.join(work, 'file'), `${id}:/stoppedfile`]);
    assert.deepEqual([r.code, r.stderr], [0, '']);
    e.ok(['rm', id]);
  });

  test('volume prune asks first (Docker\'s words) unless -f; only y goes on', () => {
    e.ok(['volume', 'create', 'keepme']);
    const no = e.run(['volume', 'prune', '-a'], 'n\n');
    assert.deepEqual([no.code, no.stdout], [0, 'WARNING! This will remove all local volumes not used by at least one container.\nAre you sure you want to continue? [y/N] ']);
    assert.match(e.ok(['volume', 'ls', '-q']), /^keepme$/m);
    const anon = e.run(['volume', 'prune'], '');
    assert.equal(anon.stdout, 'WARNING! This will remove anonymous local volumes not used by at least one container.\nAre you sure you want to continue? [y/N] ');
    const yes = e.run(['volume', 'prune', '-a'], 'y\n');
    assert.equal(yes.code, 0, yes.stderr);
    assert.match(yes.stdout, /\[y\/N\] Deleted Volumes:\nkeepme\n/);
    e.ok(['volume', 'create', 'again']);
    const f = e.run(['volume', 'prune', '-a', '-f']);
    assert.match(f.stdout, /^Deleted Volumes:\nagain\n/);
  });

  test('volume CreatedAt: RFC 3339 in seconds with the zone', () => {
    e.ok(['volume', 'create', 'stamp']);
    assert.match(e.ok(['volume', 'inspect', '--format', '{{.CreatedAt}}', 'stamp']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    e.ok(['volume', 'rm', 'stamp']);
  });

  test('exec -t sets TERM=xterm unless -e or the container sets it; without -t none', () => {
    const id = e.ok(['run', '-d', '--network', 'none', 'busybox', 'sleep', '100']);
    assert.equal(e.ok(['exec', '-t', id, 'sh', '-c', 'echo "[$TERM]"']), '[xterm]');
    assert.equal(e.ok(['exec', '-t', '-e', 'TERM=vt100', id, 'sh', '-c', 'echo "[$TERM]"']), '[vt100]');
    assert.equal(e.ok(['exec', id, 'sh', '-c', 'echo "[$TERM]"']), '[]');
    e.ok(['rm', '-f', id]);
  });

  test('rm -f of a missing container: exit 0, silent; without -f: exit 1', () => {
    assert.deepEqual(e.run(['rm', '-f', 'nosuch-fidelity']), { code: 0, stdout: '', stderr: '' });
    const id = e.ok(['create', '--network', 'none', 'busybox', 'true']);
    const both = e.run(['rm', '-f', 'nosuch-fidelity', id]);
    assert.deepEqual([both.code, both.stdout, both.stderr], [0, `${id}\n`, '']);
    assert.equal(e.run(['rm', 'nosuch-fidelity']).code, 1);
  });

  test('update with a flag it cannot parse exits 125 before looking at containers', () => {
    const id = e.ok(['run', '-d', '--network', 'none', 'busybox', 'sleep', '100']);
    for (const flags of [['-m', '12x'], ['--cpus', 'abc'], ['--pids-limit', 'x']]) {
      const r = e.run(['update', ...flags, id]);
      assert.equal(r.code, 125, `${flags.join(' ')}: ${r.stderr}`);
      assert.equal(r.stdout, '');
    }
    assert.equal(e.run(['update', '-m', '12x', 'nosuch-fidelity']).code, 125);
    assert.equal(e.run(['update', '-m', '64m', 'nosuch-fidelity']).code, 1);
    e.ok(['rm', '-f', id]);
  });

  test('unknown verbs: Docker\'s words, no far-fetched suggestion, exit 1', () => {
    for (const v of ['pul', 'frobnicate']) {
      assert.deepEqual(e.run([v]), { code: 1, stdout: '', stderr: `berth: unknown command: berth ${v}\n\nRun 'berth --help' for more information\n` });
    }
    assert.deepEqual(e.run(['volume', 'pru']), { code: 1, stdout: '', stderr: "berth: unknown command: berth volume pru\n\nUsage:  berth volume COMMAND\n\nRun 'berth volume --help' for more information\n" });
  });
  test('inspect finds volumes and networks in Docker\'s order; --type narrows; a missing name: No such object, exit 1', () => {
    e.ok(['volume', 'create', 'fid-data']);
    const netId = e.ok(['network', 'create', 'fid-net']);
    try {
      assert.equal(e.ok(['inspect', '--format', '{{.Name}} {{.Driver}}', 'fid-data']), 'fid-data local');
      assert.equal(e.ok(['inspect', '--type', 'volume', '--format', '{{.Mountpoint}}', 'fid-data']), path.join(e.root, 'volumes', 'fid-data', '_data'));
      assert.equal(e.inspect('fid-net').Id, netId);
      assert.equal(e.ok(['inspect', '--type', 'network', '--format', '{{.Name}}', netId.slice(0, 12)]), 'fid-net');
      // A container and a volume of one name: the container comes first, --type volume the volume.
      const id = e.ok(['create', '--name', 'fid-data', '--network', 'none', 'busybox', 'true']);
      assert.equal(e.inspect('fid-data').Id, id);
      assert.equal(e.ok(['inspect', '--type', 'volume', '--format', '{{.Name}}', 'fid-data']), 'fid-data');
      e.ok(['rm', id]);
      const miss = e.run(['inspect', 'fid-data', 'nosuch-a', 'nosuch-b']);
      assert.equal(miss.code, 1);
      assert.equal(JSON.parse(miss.stdout).length, 1);
      assert.equal(miss.stderr, 'berth: No such object: nosuch-a\nberth: No such object: nosuch-b\n');
      assert.deepEqual(e.run(['inspect', '--type', 'volume', 'fid-net']), { code: 1, stdout: '[]\n', stderr: 'berth: get fid-net: no such volume\n' });
      assert.deepEqual(e.run(['inspect', '--type', 'network', 'fid-data']), { code: 1, stdout: '[]\n', stderr: 'berth: network fid-data not found\n' });
      assert.deepEqual(e.run(['inspect', '--type', 'bogus', 'fid-data']), { code: 1, stdout: '', stderr: 'berth: "bogus" is not a valid value for --type\n' });
      assert.deepEqual(e.run(['container', 'inspect', 'fid-data']), { code: 1, stdout: '[]\n', stderr: 'berth: No such container: fid-data\n' });
    } finally {
      e.run(['network', 'rm', 'fid-net']);
      e.run(['volume', 'rm', 'fid-data']);
    }
  });
  test('an imported image has no Env: null in inspect, run supplies the default PATH, the container keeps Docker\'s null', async () => {
    await createBusyboxImage(e.root, 'bare:1', []);
    assert.equal(e.ok(['image', 'inspect', '--format', '{{json .Config.Env}}', 'bare:1']), 'null');
    const id = e.ok(['create', '--network', 'none', 'bare:1', 'sh', '-c', 'echo "$PATH"']);
    assert.equal(e.ok(['start', '-a', id]), '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
    assert.equal(e.ok(['inspect', '--format', '{{json .Config.Env}}', id]), 'null');
    const withEnv = e.ok(['create', '--network', 'none', '-e', 'FOO=1', 'bare:1', 'true']);
    assert.equal(e.ok(['inspect', '--format', '{{json .Config.Env}}', withEnv]), '["FOO=1"]');
    const up = e.ok(['run', '-d', '--network', 'none', 'bare:1', 'sleep', '100']);
    assert.equal(e.ok(['exec', up, 'sh', '-c', 'echo "$PATH"']), '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
    e.ok(['rm', '-f', id, withEnv, up]);
  });
  test('ps during restart back-off: Restarting (last exit code) X ago, as inspect\'s State says', async () => {
    const id = e.ok(['run', '-d', '--network', 'none', '--restart', 'always', 'busybox', 'sh', '-c', 'exit 3']);
    try {
      // Each back-off is longer than the last (Docker's doubling), so one is seen soon.
      const status = await until(() => {
        const s = e.ok(['ps', '-a', '--filter', `id=${id}`, '--format', '{{.Status}}']);
        return s.startsWith('Restarting') && s;
      });
      assert.match(status, /^Restarting \(3\) (Less than a second|\d+ seconds?) ago$/);
      const st = await until(() => { const s = e.inspect(id).State; return s.Restarting && s; });
      assert.deepEqual([st.Status, st.Running, st.ExitCode], ['restarting', true, 3]);
    } finally {
      e.run(['rm', '-f', id]);
    }
  });
  test('--privileged: the host\'s devices, its whole bounding set, no seccomp, no masked or read-only paths, rw /sys', (t) => {
    const hostDevs = fs.readdirSync('/dev').filter((n) => {
      const st = fs.lstatSync(path.join('/dev', n));
      return (st.isCharacterDevice() || st.isBlockDevice()) && !['console', 'ptmx'].includes(n);
    });
    const probe = [
      'ls -1 /dev', 'echo ==', 'grep -E "^(CapBnd|CapEff|Seccomp):" /proc/self/status', 'echo ==',
      "awk '$5 ~ \"^/proc/\" {print $5}' /proc/self/mountinfo", 'echo ==', "awk '$2 == \"/sys\" {print $4}' /proc/mounts",
    ].join('; ');
    const [devs, status, procMounts, sys] = e.ok(['run', '--rm', '--privileged', '--network', 'none', 'busybox', 'sh', '-c', probe]).split('==\n');
    const inside = new Set(devs.trim().split('\n'));
    assert.deepEqual(hostDevs.filter((n) => !inside.has(n)), [], 'host devices missing in /dev');
    const hostBnd = /^CapBnd:\s*(\S+)$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))![1];
    assert.deepEqual(status.trim().split('\n').map((l) => l.replace(/\s+/g, ' ')), [`CapEff: ${hostBnd}`, `CapBnd: ${hostBnd}`, 'Seccomp: 0']);
    assert.equal(procMounts.trim(), '', 'nothing masked or made read-only under /proc');
    assert.match(sys.trim(), /^rw,/);
    // The default container, for contrast: masked paths, read-only /sys, only its own devices.
    const [ddevs, , dproc, dsys] = e.ok(['run', '--rm', '--network', 'none', 'busybox', 'sh', '-c', probe]).split('==\n');
    assert.notEqual(dproc.trim(), '');
    assert.match(dsys.trim(), /^ro,/);
    assert.ok(ddevs.trim().split('\n').length < inside.size);
    // A node outside Docker's default allow list opens: the devices cgroup allows all.
    const dev = ['loop-control', 'kmsg'].find((n) => hostDevs.includes(n));
    if (!dev) return t.skip('the host has neither /dev/loop-control nor /dev/kmsg to open');
    const st = fs.statSync(`/dev/${dev}`);
    const want = `${Number((BigInt(st.rdev) >> 8n) & 0xfffn).toString(16)},${Number(BigInt(st.rdev) & 0xffn).toString(16)}`;
    assert.equal(e.ok(['run', '--rm', '--privileged', '--network', 'none', 'busybox', 'sh', '-c', `stat -c %t,%T /dev/${dev} && exec 3</dev/${dev}`]), want);
  });
});
