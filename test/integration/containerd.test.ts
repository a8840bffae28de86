/**
 * berth-runtime under containerd (Debian's 1.6) as its runc shim's runtime: `ctr run
 * --runc-binary bin/berth-runtime`, exec, kill, pause/resume, metrics. A private containerd
 * (test/containerdHarness.ts); nothing may be left behind: mounts, cgroups, shims, state.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { until } from '../helpers.js';
import { berthRuntimeBin, containerdMissing, importBusybox, IMAGE, mountsUnder, shimsOf, startContainerd, type Containerd } from '../containerdHarness.js';
import { CriClient, num, str, sub, type Msg } from '../criClient.js';

const missing = containerdMissing();

/** Poll an asynchronous condition (bounded), for waiting on processes. */
async function untilAsync(f: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > end) throw new Error('timed out waiting for a condition');
    await new Promise((r) => setTimeout(r, 50));
  }
}
const CGROUP_PARENT = 'berth/containerd-test';
const CRI_PARENT = 'berth/containerd-cri-test';

function cgroupDirsLeft(): string[] {
  const out: string[] = [];
  for (const h of fs.readdirSync('/sys/fs/cgroup')) {
    const d = path.join('/sys/fs/cgroup', h, CGROUP_PARENT);
    if (fs.existsSync(d)) out.push(...fs.readdirSync(d, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => path.join(d, e.name)));
  }
  return out;
}

describe('containerd: ctr with --runc-binary berth-runtime', missing ? { skip: missing } : {}, () => {
  let c: Containerd;
  before(async () => {
    c = await startContainerd();
    importBusybox(c);
  });
  after(async () => {
    if (!c) return;
    const dir = c.dir;
    await c.stop();
    assert.deepEqual(mountsUnder(dir), [], 'no mounts left under the test directory');
    assert.equal(fs.existsSync(dir), false);
    for (const h of fs.readdirSync('/sys/fs/cgroup')) try { fs.rmdirSync(path.join('/sys/fs/cgroup', h, CGROUP_PARENT)); } catch { /* absent */ }
  });

  const run = (id: string, cmd: string[], extra: string[] = []) => c.ctr(['run', ...c.runArgs(id), ...extra, IMAGE, id, ...cmd]);
  const taskStatus = (id: string) => c.ctr(['tasks', 'ls']).stdout.split('\n').map((l) => l.trim().split(/\s+/)).find((f) => f[0] === id)?.[2];
  const berthState = (id: string) => JSON.parse(spawnSync(berthRuntimeBin, ['--root', path.join(c.runtimeRoot, 'berth-test'), 'state', id], { encoding: 'utf8' }).stdout);

  test('ctr run --rm: the output and the exit code come back; nothing is left', () => {
    const r = run('once', ['sh', '-c', 'echo hello from berth; echo to-stderr >&2; exit 7'], ['--rm']);
    assert.equal(r.status, 7, r.stderr);
    assert.equal(r.stdout, 'hello from berth\n');
    assert.match(r.stderr, /to-stderr/);
    assert.equal(c.ctr(['containers', 'ls', '-q']).stdout.trim(), '');
    assert.deepEqual(fs.readdirSync(path.join(c.runtimeRoot, 'berth-test')), [], 'berth-runtime kept no state');
    assert.deepEqual(cgroupDirsLeft(), [], 'no cgroup left');
  });

  test('task exec, ps, pause/resume, metrics, kill --all on a detached task', async () => {
    const r = run('svc', ['sh', '-c', 'while true; do sleep 0.05; done'], ['-d']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(taskStatus('svc'), 'RUNNING');
    const ex = c.ctr(['tasks', 'exec', '--exec-id', 'e1', 'svc', 'sh', '-c', 'echo in-exec; tr "\\0" " " < /proc/1/cmdline; exit 5']);
    assert.equal(ex.status, 5, ex.stderr);
    assert.match(ex.stdout, /^in-exec\nsh -c while true/);
    const env = c.ctr(['tasks', 'exec', '--exec-id', 'e2', '--cwd', '/tmp', '--user', '1000', 'svc', 'sh', '-c', 'echo $(pwd) $(id -u)']);
    assert.equal(env.stdout.trim(), '/tmp 1000', env.stderr);
    const ps = c.ctr(['tasks', 'ps', 'svc']);
    assert.equal(ps.status, 0, ps.stderr);
    assert.ok(ps.stdout.split('\n').slice(1).filter(Boolean).length >= 1, ps.stdout);

    assert.equal(c.ctr(['tasks', 'pause', 'svc']).status, 0);
    assert.equal(taskStatus('svc'), 'PAUSED');
    assert.equal(berthState('svc').status, 'paused', 'berth-runtime state says paused, as runc');
    assert.equal(c.ctr(['tasks', 'resume', 'svc']).status, 0);
    assert.equal(taskStatus('svc'), 'RUNNING');

    const m = c.ctr(['tasks', 'metrics', 'svc']);
    assert.equal(m.status, 0, m.stderr);
    assert.match(m.stdout, /memory\.usage_in_bytes\s+[1-9]\d*/);
    assert.match(m.stdout, /pids\.current\s+[1-9]/);

    const k = c.ctr(['tasks', 'kill', '--all', '--signal', 'SIGKILL', 'svc']);
    assert.equal(k.status, 0, k.stderr);
    await until(() => taskStatus('svc') === 'STOPPED');
    assert.equal(c.ctr(['tasks', 'delete', 'svc']).status, 0);
    assert.equal(c.ctr(['containers', 'rm', 'svc']).status, 0);
    assert.deepEqual(cgroupDirsLeft(), []);
  });

  test('ctr task kill (SIGTERM) reaches a trap in the init; ctr run gets its exit code', async () => {
    const out = path.join(c.dir, 'trap.out');
    const fd = fs.openSync(out, 'w');
    const child = spawn('ctr', ['--address', c.sock, '--namespace', 'berth-test', 'run', ...c.runArgs('trap'), '--rm', IMAGE, 'trap',
      'sh', '-c', 'trap "echo got-term; exit 3" TERM; echo ready; while true; do sleep 0.05; done'], { stdio: ['ignore', fd, fd] });
    fs.closeSync(fd);
    const code = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    await until(() => fs.readFileSync(out, 'utf8').includes('ready'));
    assert.equal(c.ctr(['tasks', 'kill', 'trap']).status, 0);
    assert.equal(await code, 3);
    assert.match(fs.readFileSync(out, 'utf8'), /got-term/);
  });

  const hasScript = spawnSync('sh', ['-c', 'command -v script']).status === 0;
  test('ctr run -t and task exec -t: a terminal through the console socket, as with runc', { skip: !hasScript && 'no script(1) to give ctr a terminal' }, async () => {
    // script(1) gives ctr a terminal of its own; the command line is quoted for its sh -c.
    const inTty = (args: string[]) => spawnSync('script', ['-qec', ['ctr', '--address', c.sock, '--namespace', 'berth-test', ...args].map((a) => `'${a}'`).join(' '), '/dev/null'], { encoding: 'utf8', timeout: 60_000 });
    const r = inTty(['run', '-t', ...c.runArgs('tty'), '--rm', IMAGE, 'tty', 'sh', '-c', 'tty; [ -t 0 ] && echo stdin-is-a-tty; exit 3']);
    assert.equal(r.status, 3, r.stdout + r.stderr);
    assert.match(r.stdout, /\/dev\/pts\/\d+\r?\r\nstdin-is-a-tty/);
    const d = run('ttyexec', ['sleep', '1000'], ['-d']);
    assert.equal(d.status, 0, d.stderr);
    const ex = inTty(['tasks', 'exec', '-t', '--exec-id', 't1', 'ttyexec', 'sh', '-c', 'tty; exit 4']);
    assert.equal(ex.status, 4, ex.stdout + ex.stderr);
    assert.match(ex.stdout, /\/dev\/pts\/\d+/);
    assert.equal(c.ctr(['tasks', 'kill', '-s', 'SIGKILL', 'ttyexec']).status, 0);
    await until(() => taskStatus('ttyexec') === 'STOPPED');
    assert.equal(c.ctr(['tasks', 'delete', 'ttyexec']).status, 0);
    assert.equal(c.ctr(['containers', 'rm', 'ttyexec']).status, 0);
  });

  test('a failing create reports berth-runtime\'s error through the shim', () => {
    const r = run('nocmd', ['/no/such/program']);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /no\/such\/program/);
    c.ctr(['containers', 'rm', 'nocmd']);
  });

  test('no shim is left once the tasks are gone', async () => {
    await until(() => shimsOf(c).length === 0);
  });
});

/**
 * The same through containerd's own config: berth-runtime as the BinaryName of the default runtime
 * of the CRI plugin (the only place containerd 1.6 reads runtime options from its config), driven
 * as a kubelet would (test/criClient.ts): a pod sandbox on the node's network, containers, ExecSync.
 */
describe('containerd: config with berth-runtime as the default runtime (CRI)', missing ? { skip: missing } : {}, () => {
  let c: Containerd;
  let cri: CriClient;
  const logs = () => path.join(c.dir, 'pod-logs');
  before(async () => {
    const dir = (p: string) => JSON.stringify(p);
    c = await startContainerd({
      disabled: ['io.containerd.snapshotter.v1.btrfs', 'io.containerd.snapshotter.v1.zfs', 'io.containerd.snapshotter.v1.devmapper', 'io.containerd.snapshotter.v1.aufs', 'io.containerd.tracing.processor.v1.otlp', 'io.containerd.internal.v1.tracing'],
      extra: (d) => [
        '[plugins."io.containerd.grpc.v1.cri"]',
        '  sandbox_image = "berth.test/pause:latest"', '  disable_apparmor = true', '  enable_selinux = false', '  restrict_oom_score_adj = true',
        '  [plugins."io.containerd.grpc.v1.cri".cni]', `    bin_dir = ${dir(path.join(d, 'cni-bin'))}`, `    conf_dir = ${dir(path.join(d, 'cni-conf'))}`,
        '  [plugins."io.containerd.grpc.v1.cri".containerd]', '    snapshotter = "overlayfs"', '    default_runtime_name = "berth"',
        '    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.berth]', '      runtime_type = "io.containerd.runc.v2"',
        '      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.berth.options]',
        `        BinaryName = ${dir(berthRuntimeBin)}`, `        Root = ${dir(path.join(d, 'berth-runtime'))}`,
      ].join('\n'),
    });
    importBusybox(c, 'k8s.io');
    importBusybox(c, 'k8s.io', 'berth.test/pause:latest', { Cmd: ['sleep', '1000000'] });
    fs.mkdirSync(logs());
    cri = new CriClient(c.sock);
  });
  after(async () => {
    cri?.close();
    if (!c) return;
    const dir = c.dir;
    await c.stop();
    assert.deepEqual(mountsUnder(dir), [], 'no mounts left under the test directory');
    for (const h of fs.readdirSync('/sys/fs/cgroup')) {
      const d = path.join('/sys/fs/cgroup', h, CRI_PARENT);
      if (fs.existsSync(d)) assert.deepEqual(fs.readdirSync(d, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name), [], `${d} is empty`);
      try { fs.rmdirSync(d); } catch { /* absent */ }
    }
  });

  const sandboxConfig = (): Msg => [
    [1, [[1, 'pod'], [2, 'uid-berth-1'], [3, 'berth-test'], [4, 0]]],
    [2, 'pod'],
    [3, logs()],
    // linux: cgroup_parent under berth/, the node's network (no CNI), the pod's pid namespace per container
    [8, [[1, '/' + CRI_PARENT], [2, [[1, [[1, 2], [2, 1], [3, 0]]]]]]],
  ];
  const containerConfig = (name: string, cmd: string[]): Msg => [
    [1, [[1, name], [2, 0]]],
    [2, [[1, IMAGE]]],
    ...cmd.map((a): Msg[number] => [3, a]),
    [11, `${name}.log`],
  ];
  const status = async (id: string) => sub(await cri.call('ContainerStatus', [[1, id]]), 1);

  test('a pod\'s containers run through berth-runtime: output, exit code, ExecSync, stop, removal', async () => {
    const pod = str(await cri.call('RunPodSandbox', [[1, sandboxConfig()]]), 1);
    assert.match(pod, /^[0-9a-f]{64}$/);
    const berthRoot = path.join(c.dir, 'berth-runtime', 'k8s.io');
    const bState = (id: string) => JSON.parse(spawnSync(berthRuntimeBin, ['--root', berthRoot, 'state', id], { encoding: 'utf8' }).stdout || '{}');
    assert.equal(bState(pod).status, 'running', 'the sandbox is a berth-runtime container');

    const once = str(await cri.call('CreateContainer', [[1, pod], [2, containerConfig('once', ['sh', '-c', 'echo hello from cri; exit 7'])], [3, sandboxConfig()]]), 1);
    await cri.call('StartContainer', [[1, once]]);
    await untilAsync(async () => num(await status(once), 3) === 2);
    assert.equal(num(await status(once), 7), 7, 'exit code');
    assert.match(fs.readFileSync(path.join(logs(), 'once.log'), 'utf8'), /stdout F hello from cri\n/);

    const svc = str(await cri.call('CreateContainer', [[1, pod], [2, containerConfig('svc', ['sh', '-c', 'while true; do sleep 0.05; done'])], [3, sandboxConfig()]]), 1);
    await cri.call('StartContainer', [[1, svc]]);
    assert.equal(num(await status(svc), 3), 1, 'running');
    assert.equal(bState(svc).status, 'running');
    const ex = await cri.call('ExecSync', [[1, svc], [2, 'sh'], [2, '-c'], [2, 'echo in-exec; echo err >&2; exit 4'], [3, 30]]);
    assert.equal(str(ex, 1), 'in-exec\n');
    assert.equal(str(ex, 2), 'err\n');
    assert.equal(num(ex, 3), 4);

    await cri.call('StopContainer', [[1, svc], [2, 1]]);
    assert.equal(num(await status(svc), 3), 2, 'exited');
    for (const id of [once, svc]) await cri.call('RemoveContainer', [[1, id]]);
    await cri.call('StopPodSandbox', [[1, pod]]);
    await cri.call('RemovePodSandbox', [[1, pod]]);
    assert.deepEqual(fs.readdirSync(berthRoot), [], 'berth-runtime kept no state');
  });
});
