/**
 * Pods end to end through the real `berth` CLI: containers of a pod share the infra's
 * network (localhost, one IP, published ports), IPC and UTS (and pid with --share pid)
 * namespaces; each has its own cgroup under the pod cgroup, whose memory limit holds for
 * them; stop/start/restart/pause/kill/logs/top/stats; rm -f leaves nothing behind.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fetchTcp, requiresRoot } from '../helpers.js';
import { Engine } from './engineHarness.js';

const WAIT_HTTP = (url: string) => `for i in $(seq 200); do wget -qO- ${url} && exit 0; sleep 0.05; done; exit 1`;

/** A container's cgroup path on the memory hierarchy, as the host sees it. */
function memoryCgroupOf(pid: number): string {
  const line = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').find((l) => /^\d+:(memory|):/.test(l) && (l.includes(':memory:') || l.startsWith('0::')));
  return line!.split(':').slice(2).join(':');
}

function cgroupDirs(rel: string): string[] {
  const out: string[] = [];
  for (const h of fs.readdirSync('/sys/fs/cgroup')) {
    const d = path.join('/sys/fs/cgroup', h, rel);
    if (fs.existsSync(d)) out.push(d);
  }
  if (fs.existsSync(path.join('/sys/fs/cgroup', rel))) out.push(path.join('/sys/fs/cgroup', rel));
  return out;
}

function alive(pid: number): boolean {
  try {
    return !/\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}


describe('pods (real kernel)', requiresRoot, () => {
  let e: Engine;
  before(async () => {
    e = await new Engine('berth-pod-').init();
  });
  after(() => {
    if (!e) return;
    e.run(['pod', 'rm', '-f', '--all']);
    e.cleanup();
  });

  test('two containers of a pod talk over localhost and share one IP, hostname and /dev/shm; -p publishes the pod', async () => {
    const port = 20000 + (process.pid % 20000);
    const id = e.ok(['pod', 'create', '--name', 'web', '-p', `127.0.0.1:${port}:80`, '--label', 'tier=front']);
    assert.match(id, /^[0-9a-f]{64}$/);
    e.ok(['run', '-d', '--pod', 'web', '--name', 'web-srv', 'busybox', 'sh', '-c', 'mkdir -p /www && echo hello-pod > /www/index.html && echo in-shm > /dev/shm/mark && exec httpd -f -p 80 -h /www']);
    const got = e.ok(['run', '--rm', '--pod', 'web', 'busybox', 'sh', '-c', WAIT_HTTP('http://127.0.0.1:80/index.html')]);
    assert.equal(got, 'hello-pod');
    // one hostname (the pod's name), one address, the same /dev/shm
    const a = e.ok(['exec', 'web-srv', 'sh', '-c', 'hostname; ip -4 -o addr show eth0 | awk \'{print $4}\'']);
    const b = e.ok(['run', '--rm', '--pod', 'web', 'busybox', 'sh', '-c', 'hostname; ip -4 -o addr show eth0 | awk \'{print $4}\'; cat /dev/shm/mark']);
    assert.equal(a.split('\n')[0], 'web');
    assert.equal(b, `${a}\nin-shm`);
    assert.match(a.split('\n')[1], /^\d+\.\d+\.\d+\.\d+\/\d+$/);
    // the port published on the pod reaches the server in it
    assert.match(await fetchTcp('127.0.0.1', port, 'GET /index.html HTTP/1.0\r\n\r\n'), /hello-pod/);
    const ins = JSON.parse(e.ok(['pod', 'inspect', 'web']))[0];
    assert.equal(ins.Id, id);
    assert.equal(ins.State, 'Running');
    assert.deepEqual(ins.SharedNamespaces, ['net', 'ipc', 'uts']);
    assert.equal(ins.Labels.tier, 'front');
    assert.equal(ins.NumContainers, 2);
    assert.equal(e.ok(['pod', 'ls', '--format', '{{.Name}} {{.Status}} {{.NumberOfContainers}}']).split('\n').find((l) => l.startsWith('web ')), 'web Running 2');
    assert.ok(e.ok(['pod', 'ps', '-q']).split('\n').includes(id.slice(0, 12)));
    assert.match(e.ok(['pod', 'ls']).split('\n')[0], /^POD ID\s+NAME\s+STATUS\s+CREATED\s+INFRA ID\s+# OF CONTAINERS$/);
  });

  test('--share pid: the containers see each other in /proc, the pause process is pid 1', () => {
    e.ok(['pod', 'create', '--name', 'pidpod', '--share', 'net,ipc,uts,pid']);
    e.ok(['run', '-d', '--pod', 'pidpod', '--name', 'pid-sleeper', 'busybox', 'sleep', '1000']);
    const ps = e.ok(['run', '--rm', '--pod', 'pidpod', 'busybox', 'ps', '-o', 'pid,args']);
    assert.match(ps, /^\s*1\s+\/pause$/m);
    assert.match(ps, /sleep 1000/);
    // without pid sharing, a container sees only its own
    const own = e.ok(['run', '--rm', '--pod', 'web', 'busybox', 'ps', '-o', 'pid,args']);
    assert.doesNotMatch(own, /pause|httpd/);
    const top = e.ok(['pod', 'top', 'pidpod']);
    assert.match(top, /^CONTAINER\s+UID\s+PID/);
    assert.match(top, /pidpod-infra\s.*\/pause/);
    assert.match(top, /pid-sleeper\s.*sleep 1000/);
  });

  test('each container has its own cgroup under the pod cgroup, which carries the pod limits', () => {
    const id = e.ok(['pod', 'create', '--name', 'cgpod', '--memory', '96m', '--cpus', '0.5']);
    const c1 = e.ok(['run', '-d', '--pod', 'cgpod', 'busybox', 'sleep', '1000']);
    const c2 = e.ok(['run', '-d', '--pod', 'cgpod', 'busybox', 'sleep', '1000']);
    for (const c of [c1, c2]) {
      const pid = e.inspect(c).State.Pid as number;
      assert.equal(memoryCgroupOf(pid), `/berth/pod-${id}/${c}`);
    }
    const mem = cgroupDirs(`berth/pod-${id}`).find((d) => fs.existsSync(path.join(d, 'memory.limit_in_bytes')) || fs.existsSync(path.join(d, 'memory.max')))!;
    const limit = fs.existsSync(path.join(mem, 'memory.max')) ? path.join(mem, 'memory.max') : path.join(mem, 'memory.limit_in_bytes');
    assert.equal(fs.readFileSync(limit, 'utf8').trim(), String(96 * 1024 * 1024));
    const cpu = cgroupDirs(`berth/pod-${id}`).find((d) => fs.existsSync(path.join(d, 'cpu.cfs_quota_us')) || fs.existsSync(path.join(d, 'cpu.max')))!;
    const quota = fs.existsSync(path.join(cpu, 'cpu.max')) ? fs.readFileSync(path.join(cpu, 'cpu.max'), 'utf8').trim() : fs.readFileSync(path.join(cpu, 'cpu.cfs_quota_us'), 'utf8').trim();
    assert.match(quota, /^50000( 100000)?$/);
    const stats = e.ok(['pod', 'stats', '--no-stream', '--format', '{{.Pod}} {{.ID}}', 'cgpod']);
    assert.deepEqual(stats.split('\n').sort(), [`cgpod ${c1.slice(0, 12)}`, `cgpod ${c2.slice(0, 12)}`].sort());
  });

  test('the pod --memory limit OOM-kills a container that exceeds it (and not one in a pod without it)', () => {
    const hog = ['busybox', 'sh', '-c', 'x=$(head -c 200000000 /dev/zero | tr "\\0" a); echo survived ${#x}'];
    e.ok(['pod', 'create', '--name', 'small', '--memory', '48m']);
    const r = e.run(['run', '--name', 'hog', '--pod', 'small', ...hog]);
    assert.equal(r.code, 137, r.stderr);
    assert.equal(e.inspect('hog').State.OOMKilled, true);
    e.ok(['pod', 'create', '--name', 'roomy']);
    assert.equal(e.ok(['run', '--rm', '--pod', 'roomy', ...hog]), 'survived 200000000');
  });

  test('pod stop/start/restart/pause/unpause/kill and logs work across the pod', () => {
    e.ok(['pod', 'create', '--name', 'life']);
    e.ok(['run', '-d', '--pod', 'life', '--name', 'life-srv', 'busybox', 'sh', '-c', 'echo started-srv; mkdir -p /www && echo up > /www/index.html && exec httpd -f -p 8080 -h /www']);
    e.ok(['run', '-d', '--pod', 'life', '--name', 'life-other', 'busybox', 'sh', '-c', 'echo started-other; exec sleep 1000']);
    e.ok(['pod', 'stop', '-t', '2', 'life']);
    const status = () => e.ok(['pod', 'inspect', 'life', '--format', '{{.State}}']);
    assert.equal(status(), 'Exited');
    for (const c of ['life-srv', 'life-other', 'life-infra']) assert.equal(e.inspect(c).State.Running, false);
    // a member alone cannot start without the infra holding the namespaces
    const alone = e.run(['start', 'life-other']);
    assert.notEqual(alone.code, 0);
    assert.match(alone.stderr, /the infra container of pod life is not running: start the pod/);
    e.ok(['pod', 'start', 'life']);
    assert.equal(status(), 'Running');
    assert.equal(e.ok(['exec', 'life-other', 'sh', '-c', WAIT_HTTP('http://localhost:8080/index.html')]), 'up');
    e.ok(['pod', 'restart', '-t', '2', 'life']);
    assert.equal(status(), 'Running');
    assert.equal(e.ok(['exec', 'life-other', 'sh', '-c', WAIT_HTTP('http://127.0.0.1:8080/index.html')]), 'up');
    e.ok(['pod', 'pause', 'life']);
    assert.equal(status(), 'Paused');
    assert.equal(e.inspect('life-srv').State.Paused, true);
    e.ok(['pod', 'unpause', 'life']);
    assert.equal(status(), 'Running');
    const logs = e.ok(['pod', 'logs', 'life']).split('\n');
    assert.ok(logs.some((l) => /^life-srv\s+\| started-srv$/.test(l)), logs.join('\n'));
    assert.ok(logs.some((l) => /^life-other\s+\| started-other$/.test(l)), logs.join('\n'));
    e.ok(['pod', 'kill', 'life']);
    assert.equal(e.inspect('life-srv').State.Running, false);
    assert.equal(status(), 'Exited');
    // prune removes it (nothing runs), and only it among those with running containers
    const pruned = e.ok(['pod', 'prune', '-f']);
    assert.ok(pruned.length > 0);
    assert.equal(e.run(['pod', 'exists', 'life']).code, 1);
    assert.equal(e.run(['pod', 'exists', 'web']).code, 0);
  });

  test('pod rm -f leaves no container, cgroup, netns or process', () => {
    const id = e.ok(['pod', 'create', '--name', 'gone', '--share', 'net,ipc,uts,pid', '--memory', '64m']);
    const c = e.ok(['run', '-d', '--pod', 'gone', 'busybox', 'sleep', '1000']);
    const infra = e.ok(['pod', 'inspect', 'gone', '--format', '{{.InfraContainerID}}']);
    const pids = [e.inspect(c).State.Pid as number, e.inspect(infra).State.Pid as number];
    assert.ok(pids.every(alive));
    assert.ok(cgroupDirs(`berth/pod-${id}`).length > 0);
    assert.ok(fs.existsSync(path.join(e.root, 'netns', infra)));
    const r = e.run(['pod', 'rm', 'gone']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /running containers/);
    assert.equal(e.ok(['pod', 'rm', '-f', 'gone']), id);
    assert.deepEqual(cgroupDirs(`berth/pod-${id}`), []);
    assert.equal(fs.existsSync(path.join(e.root, 'netns', infra)), false);
    assert.ok(!pids.some(alive));
    assert.equal(e.run(['inspect', c]).code !== 0, true);
    assert.equal(e.run(['inspect', infra]).code !== 0, true);
    assert.equal(e.run(['pod', 'inspect', 'gone']).code, 1);
  });

  test('bad input: one line, non-zero exit, nothing left behind', () => {
    const before = e.containerDirs().length;
    const cases: [string[], RegExp][] = [
      [['run', '--rm', '--pod', 'nosuch', 'busybox', 'true'], /no such pod: nosuch/],
      [['run', '--rm', '--pod', 'web', '--network', 'none', 'busybox', 'true'], /--network cannot be used with --pod web/],
      [['run', '--rm', '--pod', 'web', '-p', '9999:80', 'busybox', 'true'], /-p\/-P cannot be used/],
      [['run', '--rm', '--pod', 'web', '-h', 'x', 'busybox', 'true'], /--hostname cannot be used/],
      [['pod', 'create', '--name', 'web'], /pod name "web" is in use/],
      [['pod', 'create', '--share', 'net,bogus'], /--share: invalid namespace "bogus"/],
      [['pod', 'create', '--infra=false', '-p', '8080:80'], /-p needs the infra container/],
      [['pod', 'create', '--memory', 'lots'], /memory/],
    ];
    for (const [args, re] of cases) {
      const r = e.run(args);
      assert.notEqual(r.code, 0, args.join(' '));
      assert.match(r.stderr, re, args.join(' '));
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    }
    assert.equal(e.containerDirs().length, before);
  });

  test('--infra=false: a pod of cgroup only; its containers keep their own namespaces', () => {
    const id = e.ok(['pod', 'create', '--name', 'bare', '--infra=false', '--memory', '64m']);
    assert.equal(e.ok(['pod', 'inspect', 'bare', '--format', '{{.CreateInfra}}']), 'false');
    const c = e.ok(['run', '-d', '--pod', 'bare', 'busybox', 'sleep', '1000']);
    assert.equal(memoryCgroupOf(e.inspect(c).State.Pid), `/berth/pod-${id}/${c}`);
    assert.equal(e.ok(['exec', c, 'hostname']), c.slice(0, 12));
    e.ok(['pod', 'rm', '-f', 'bare']);
    assert.deepEqual(cgroupDirs(`berth/pod-${id}`), []);
  });
});
