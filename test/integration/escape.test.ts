/**
 * The escape suite (issue: security defaults). With Docker's defaults every
 * attempt fails in the specific way the defaults make it fail; with
 * --privileged (or the one capability) the same probe gets through, which
 * proves the probe can see a hole. The probe is test/fixtures/probe/probe.c.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { detectCgroupLayout } from '../../src/runtime/cgroups/index.js';
import { MASKED_PATHS, READONLY_PATHS } from '../../src/runtime/securityDefaults.js';
import { shiftOwnership } from '../../src/sys/shiftOwnership.js';
import { requiresRoot, tmpDir } from '../helpers.js';
import { cleanupBox, hasCompiler, makeBox, probe, runSpec, specFor, type Box } from './escapeHarness.js';

const canRun = !requiresRoot.skip && hasCompiler();
const v2 = canRun && detectCgroupLayout().mode === 'v2';
const opts = canRun ? {} : { skip: requiresRoot.skip ?? 'needs cc and a static libc (gcc, libc6-dev)' };

const DEFAULT = {};
const PRIVILEGED = { privileged: true };

/** A block device the host itself can open (some VMs refuse their own disk), as [major, minor]. */
function openableBlockDevice(): [number, number] | undefined {
  for (const e of fs.readdirSync('/sys/dev/block')) {
    const name = path.basename(fs.readlinkSync(path.join('/sys/dev/block', e)));
    try {
      fs.closeSync(fs.openSync(path.join('/dev', name), 'r'));
      const [maj, min] = e.split(':').map(Number) as [number, number];
      return [maj, min];
    } catch { /* try the next */ }
  }
  return undefined;
}

/** The file yields at least one byte (without reading it all: /proc/kcore is the size of the address space). */
function hasContent(p: string): boolean {
  const fd = fs.openSync(p, 'r');
  try {
    return fs.readSync(fd, Buffer.alloc(1), 0, 1, null) === 1;
  } catch {
    return false;
  } finally {
    fs.closeSync(fd);
  }
}

describe('escape suite', opts, () => {
  let box: Box;
  before(() => { box = makeBox(); });
  after(() => { if (box) cleanupBox(box); });

  test('mount a filesystem: EPERM; privileged: mounted', () => {
    assert.equal(probe(box, DEFAULT, 'mount', 'tmpfs', '/tmp'), 'mount: EPERM');
    assert.equal(probe(box, PRIVILEGED, 'mount', 'tmpfs', '/tmp'), 'mount: ok');
  });

  test('umount /proc: EPERM; privileged: unmounted', () => {
    assert.equal(probe(box, DEFAULT, 'umount', '/proc'), 'umount: EPERM');
    assert.equal(probe(box, PRIVILEGED, 'umount', '/proc'), 'umount: ok');
  });

  test('chroot out: the classic escape stays inside the rootfs; pivot_root is refused', () => {
    const marker = path.join(path.dirname(box.rootfs), 'escape-marker');
    fs.writeFileSync(marker, 'host');
    const rel = '/' + path.relative('/', marker);
    assert.equal(probe(box, DEFAULT, 'chroot-escape', rel), 'chroot: ok contained');
    assert.equal(probe(box, PRIVILEGED, 'chroot-escape', rel), 'chroot: ok contained');
    assert.equal(probe(box, DEFAULT, 'pivot_root', '/', '/'), 'pivot_root: EPERM');
    // Privileged, the call reaches the kernel (which refuses / on /: EBUSY or EINVAL).
    assert.match(probe(box, PRIVILEGED, 'pivot_root', '/', '/'), /^pivot_root: E(BUSY|INVAL)$/);
  });

  test('reboot: EPERM; privileged: reaches the kernel (EINVAL for CAD_OFF in a pid namespace)', () => {
    assert.equal(probe(box, DEFAULT, 'reboot'), 'reboot: EPERM');
    assert.equal(probe(box, PRIVILEGED, 'reboot'), 'reboot: EINVAL');
  });

  test('load a kernel module: EPERM; privileged: reaches the kernel', () => {
    assert.equal(probe(box, DEFAULT, 'init_module'), 'init_module: EPERM');
    // ENOEXEC for the empty image, or ENOSYS on a kernel built without modules.
    assert.match(probe(box, PRIVILEGED, 'init_module'), /^init_module: (ENOEXEC|ENOSYS)$/);
  });

  test('masked paths (/proc/kcore, /proc/keys, /proc/timer_list, /sys/firmware...) read as empty', (t) => {
    const present = MASKED_PATHS.filter((p) => fs.existsSync(p));
    if (!present.includes('/proc/kcore')) t.diagnostic('this kernel has no /proc/kcore; checking the masked paths it has');
    assert.ok(present.length > 0);
    const script = present.map((p) => `if [ -d ${p} ]; then echo "${p} $(ls -A ${p} | wc -l)"; else echo "${p} $(wc -c < ${p})"; fi`).join('; ');
    const inside = runSpec(box, specFor(DEFAULT, ['sh', '-c', script]));
    assert.equal(inside.status, 0, inside.stderr);
    for (const line of inside.stdout.trim().split('\n')) assert.match(line, / 0$/, `masked: ${line}`);
    // Privileged containers see them, so the check above would notice content.
    const files = present.filter((p) => fs.statSync(p).isFile() && hasContent(p));
    if (files.length) {
      const priv = runSpec(box, specFor(PRIVILEGED, ['sh', '-c', files.map((p) => `wc -c < ${p}`).join('; ')]));
      for (const n of priv.stdout.trim().split('\n')) assert.ok(Number(n) > 0, `privileged reads ${files.join(', ')}: ${priv.stdout}`);
    }
  });

  test('write /proc/sysrq-trigger and the other read-only /proc paths: EROFS', (t) => {
    const present = READONLY_PATHS.filter((p) => fs.existsSync(p));
    if (!present.includes('/proc/sysrq-trigger')) t.diagnostic('this kernel has no /proc/sysrq-trigger; checking the read-only paths it has');
    // Each is a read-only mount inside (mountinfo field 6 holds the mount's own options).
    const r = runSpec(box, specFor(DEFAULT, ['cat', '/proc/self/mountinfo']));
    const mounts = new Map(r.stdout.trim().split('\n').map((l) => l.split(' ')).map((f) => [f[4]!, f[5]!.split(',')]));
    for (const p of present) assert.ok(mounts.get(p)?.includes('ro'), `${p} is mounted read-only: ${mounts.get(p)}`);
    // And writing fails: files directly, directories through a file they hold.
    for (const f of ['/proc/sysrq-trigger', '/proc/irq/default_smp_affinity'].filter((x) => fs.existsSync(x))) {
      assert.equal(probe(box, DEFAULT, 'open-write', f), 'open-write: EROFS', f);
    }
  });

  test('write /proc/sys/kernel/*: EROFS; privileged: written (hostname, namespaced)', () => {
    assert.equal(probe(box, DEFAULT, 'write', '/proc/sys/kernel/hostname', 'escaped'), 'write: EROFS');
    assert.equal(probe(box, PRIVILEGED, 'write', '/proc/sys/kernel/hostname', 'escaped'), 'write: ok');
  });

  test('/sys is read-only: EROFS; privileged: writable', () => {
    assert.equal(probe(box, DEFAULT, 'open-write', '/sys/class/net/lo/mtu'), 'open-write: EROFS');
    assert.equal(probe(box, PRIVILEGED, 'open-write', '/sys/class/net/lo/mtu'), 'open-write: ok');
  });

  test('mknod + read a host block device: the node is made, opening it is EPERM; privileged: read', (t) => {
    const dev = openableBlockDevice();
    if (!dev) return t.skip('no block device the host itself can open');
    const [maj, min] = dev.map(String) as [string, string];
    assert.equal(probe(box, DEFAULT, 'mknod-read', '/tmp/disk', maj, min), 'read: EPERM');
    assert.match(probe(box, PRIVILEGED, 'mknod-read', '/tmp/disk', maj, min), /^read: ok \d+$/);
    // Without CAP_MKNOD the node cannot even be made.
    assert.equal(probe(box, { capDrop: ['MKNOD'] }, 'mknod-read', '/tmp/disk', maj, min), 'mknod: EPERM');
  });

  test('raw socket with NET_RAW dropped: EPERM; with NET_RAW (a default): opened', () => {
    assert.equal(probe(box, { capDrop: ['NET_RAW'] }, 'raw-socket'), 'raw-socket: EPERM');
    assert.equal(probe(box, DEFAULT, 'raw-socket'), 'raw-socket: ok');
  });

  test('raise own cgroup limits: EROFS; privileged: written', () => {
    // The container's own pids.max, as it sees its cgroup: in its v1 pids hierarchy, or the cgroup2 root of its namespace.
    const file = v2 ? '/sys/fs/cgroup/pids.max' : '/sys/fs/cgroup/pids$(grep :pids: /proc/self/cgroup | cut -d: -f3)/pids.max';
    const write = (n: number) => ['sh', '-c', `/bin/probe write ${file} ${n}`];
    assert.equal(runSpec(box, specFor(DEFAULT, write(100000))).stdout.trim(), 'write: EROFS');
    assert.equal(runSpec(box, specFor(PRIVILEGED, write(150))).stdout.trim(), 'write: ok');
  });

  test('cgroups: the container sees only its own cgroup, not the host\'s tree or other containers', () => {
    // Its cgroup namespace is made once it is in its cgroups: every hierarchy shows it at its root,
    // and the cgroupfs it mounts is its own cgroup (no children: no berth/, no other containers).
    const tree = v2 ? '/sys/fs/cgroup' : '/sys/fs/cgroup/pids';
    const see = ['sh', '-c', `cat /proc/self/cgroup; echo --; for e in ${tree}/*; do [ -d "$e" ] && echo "$e"; done; true`];
    const r = runSpec(box, specFor(DEFAULT, see));
    assert.equal(r.status, 0, r.stderr);
    const [cgroups, dirs] = r.stdout.split('--\n');
    const lines = cgroups.trim().split('\n');
    assert.ok(lines.length > 0 && lines.every((l) => l.endsWith(':/')), `every hierarchy at its root: ${cgroups}`);
    assert.equal(dirs.trim(), '', `the container's cgroupfs shows no other cgroups: ${dirs}`);
    // The probe can see a hole: without a cgroup namespace the same init sees its host path.
    const spec = specFor(DEFAULT, ['cat', '/proc/self/cgroup']);
    spec.linux!.namespaces = spec.linux!.namespaces!.filter((n) => n.type !== 'cgroup');
    const host = runSpec(box, spec);
    assert.equal(host.status, 0, host.stderr);
    assert.match(host.stdout, /:\/berth\/esc[0-9a-f]+$/m, 'without the namespace the host\'s path shows');
  });

  test('see or signal host processes: only the container\'s own', () => {
    assert.equal(probe(box, DEFAULT, 'kill', String(process.pid)), 'kill: ESRCH');
    assert.equal(probe(box, PRIVILEGED, 'kill', String(process.pid)), 'kill: ESRCH');
    assert.equal(probe(box, DEFAULT, 'kill', '1'), 'kill: ok', 'the probe does reach its own processes');
    const ps = runSpec(box, specFor(DEFAULT, ['sh', '-c', 'ls /proc | grep -c "^[0-9]"']));
    assert.ok(Number(ps.stdout.trim()) <= 3, `processes visible: ${ps.stdout}`);
  });

  test('keyctl: EPERM; privileged: reaches the kernel', () => {
    assert.equal(probe(box, DEFAULT, 'keyctl'), 'keyctl: EPERM');
    assert.doesNotMatch(probe(box, PRIVILEGED, 'keyctl'), /EPERM/);
  });

  test('bpf(): EPERM; privileged: reaches the kernel (EINVAL for an empty map)', () => {
    assert.equal(probe(box, DEFAULT, 'bpf'), 'bpf: EPERM');
    assert.equal(probe(box, PRIVILEGED, 'bpf'), 'bpf: EINVAL');
  });

  test('perf_event_open: EPERM; privileged: opened', () => {
    assert.equal(probe(box, DEFAULT, 'perf_event_open'), 'perf_event_open: EPERM');
    assert.equal(probe(box, PRIVILEGED, 'perf_event_open'), 'perf_event_open: ok');
  });

  test('setuid binary under no-new-privileges: no gain; without it: euid 0', () => {
    const suid = path.join(box.rootfs, 'bin', 'suidprobe');
    fs.copyFileSync(path.join(box.rootfs, 'bin', 'probe'), suid);
    fs.chownSync(suid, 0, 0);
    fs.chmodSync(suid, 0o4755);
    const run = (nnp: boolean) => runSpec(box, specFor({ uid: 1000, securityOpt: nnp ? ['no-new-privileges'] : [] }, ['/bin/suidprobe', 'euid'])).stdout.trim();
    assert.equal(run(true), 'euid: ok 1000');
    assert.equal(run(false), 'euid: ok 0');
  });

  test('create a user namespace to regain capabilities: EPERM; privileged: full caps inside', () => {
    assert.equal(probe(box, DEFAULT, 'unshare-user'), 'unshare: EPERM');
    assert.equal(probe(box, DEFAULT, 'clone-user'), 'clone: EPERM');
    assert.match(probe(box, PRIVILEGED, 'unshare-user'), /^unshare: ok CapEff=0*1fffffffff+$/);
    assert.equal(probe(box, PRIVILEGED, 'clone-user'), 'clone: ok');
  });

  test('--read-only root filesystem: EROFS', () => {
    assert.equal(probe(box, { readOnly: true }, 'write', '/etc/passwd', 'x'), 'write: EROFS');
  });

  test('user namespace: root inside is an unprivileged range on the host (chown\'d rootfs copy)', (t) => {
    const ubox = makeBox();
    const shared = tmpDir('berth-userns-shared-');
    t.after(() => { cleanupBox(ubox); fs.rmSync(shared, { recursive: true, force: true }); });
    fs.chmodSync(shared, 0o755); // root-owned on the host
    const suid = path.join(ubox.rootfs, 'bin', 'suidprobe');
    fs.copyFileSync(path.join(ubox.rootfs, 'bin', 'probe'), suid);
    fs.chmodSync(suid, 0o4755);
    const maps = [{ containerID: 0, hostID: 200000, size: 65536 }];
    assert.ok(shiftOwnership(ubox.rootfs, maps, maps) > 100);
    const st = fs.statSync(suid);
    assert.deepEqual([st.uid, st.gid, st.mode & 0o7777], [200000, 200000, 0o4755], 'owner shifted, setuid kept');

    const spec = specFor(DEFAULT, ['sh', '-c', 'id -u; /bin/probe create /shared/x']);
    spec.linux!.namespaces!.push({ type: 'user' });
    spec.linux!.uidMappings = maps;
    spec.linux!.gidMappings = maps;
    spec.mounts!.push({ destination: '/shared', type: 'bind', source: shared, options: ['rbind', 'rw'] });
    const r = runSpec(ubox, spec);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), '0\ncreate: EACCES', 'root inside, but not the host\'s root');
    assert.ok(!fs.existsSync(path.join(shared, 'x')));
  });
});
