/** `run`/`create` flags and `ps` filters of issue 13 items 13 and 14, through the real CLI against the real kernel. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import { requiresRoot } from '../helpers.js';
import { Engine } from './engineHarness.js';

const nsOf = (kind: string) => fs.readlinkSync(`/proc/self/ns/${kind}`);

describe('engine: run/create flags (issue 13 item 13)', requiresRoot, () => {
  let e: Engine;
  before(async () => { e = await new Engine('berth-flags-').init(); });
  after(() => e?.cleanup());

  const inside = (flags: string[], script: string) => e.ok(['run', '--rm', '--network', 'none', ...flags, 'busybox', 'sh', '-c', script]);

  test('--pid host sees the host\'s pid 1; --pid container:X shares X\'s pid namespace', () => {
    assert.equal(inside(['--pid', 'host'], 'readlink /proc/self/ns/pid; cat /proc/1/comm'), `${nsOf('pid')}\n${fs.readFileSync('/proc/1/comm', 'utf8').trim()}`);
    const donor = e.ok(['run', '-d', '--network', 'none', 'busybox', 'sleep', '1000']);
    const theirs = e.ok(['exec', donor, 'readlink', '/proc/self/ns/pid']);
    assert.notEqual(theirs, nsOf('pid'));
    assert.equal(inside(['--pid', `container:${donor}`], 'readlink /proc/self/ns/pid; cat /proc/1/cmdline | tr "\\0" " "'), `${theirs}\nsleep 1000`);
    e.ok(['rm', '-f', donor]);
    assert.equal(e.inspect(e.ok(['create', '--pid', 'host', 'busybox', 'true'])).HostConfig.PidMode, 'host');
  });

  test('--pid/--ipc/--uts/--cgroupns: Docker\'s refusals', () => {
    const cases: [string[], number, RegExp][] = [
      [['--pid', 'foo'], 125, /--pid: invalid PID mode/],
      [['--ipc', 'foo'], 125, /--ipc: invalid IPC mode/],
      [['--uts', 'foo'], 125, /--uts: invalid UTS mode/],
      [['--cgroupns', 'foo'], 125, /--cgroupns: invalid CGROUP mode/],
      [['--uts', 'host', '-h', 'x'], 125, /conflicting options: hostname and the UTS mode/],
      [['--pid', 'container:nosuch-flags'], 125, /No such container: nosuch-flags/],
    ];
    for (const [flags, code, msg] of cases) {
      const r = e.run(['run', '--rm', '--network', 'none', ...flags, 'busybox', 'true']);
      assert.equal(r.code, code, `${flags.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, msg);
    }
    const stopped = e.ok(['create', '--network', 'none', 'busybox', 'true']);
    const r = e.run(['run', '--rm', '--network', 'none', '--pid', `container:${stopped}`, 'busybox', 'true']);
    assert.match(r.stderr, new RegExp(`cannot join PID of a non running container: ${stopped}`));
    assert.notEqual(r.code, 0);
    e.ok(['rm', stopped]);
  });

  test('--ipc host|shareable|private|none|container:X', () => {
    assert.equal(inside(['--ipc', 'host'], 'readlink /proc/self/ns/ipc'), nsOf('ipc'));
    assert.notEqual(inside([], 'readlink /proc/self/ns/ipc'), nsOf('ipc'));
    assert.match(e.run(['run', '--rm', '--network', 'none', '--ipc', 'none', 'busybox', 'ls', '/dev/shm']).stderr, /No such file or directory/);
    const donor = e.ok(['run', '-d', '--network', 'none', '--ipc', 'shareable', 'busybox', 'sh', '-c', 'echo shared > /dev/shm/x; exec sleep 1000']);
    const theirs = e.ok(['exec', donor, 'readlink', '/proc/self/ns/ipc']);
    assert.equal(inside(['--ipc', `container:${donor}`], 'readlink /proc/self/ns/ipc; until [ -e /dev/shm/x ]; do sleep 0.1; done; cat /dev/shm/x'), `${theirs}\nshared`);
    assert.equal(e.inspect(donor).HostConfig.IpcMode, 'shareable');
    const priv = e.ok(['run', '-d', '--network', 'none', 'busybox', 'sleep', '1000']);
    assert.equal(e.inspect(priv).HostConfig.IpcMode, 'private');
    const r = e.run(['run', '--rm', '--network', 'none', '--ipc', `container:${priv}`, 'busybox', 'true']);
    assert.deepEqual([r.code, r.stderr], [125, 'berth: non-shareable IPC (hint: use IpcMode:shareable for the donor container)\n']);
    e.ok(['rm', '-f', donor, priv]);
  });

  test('--uts host: the host\'s hostname, never set; --cgroupns host|private', () => {
    assert.equal(inside(['--uts', 'host'], 'hostname; readlink /proc/self/ns/uts'), `${os.hostname()}\n${nsOf('uts')}`);
    assert.equal(os.hostname(), fs.readFileSync('/proc/sys/kernel/hostname', 'utf8').trim());
    assert.equal(inside(['--cgroupns', 'host'], 'readlink /proc/self/ns/cgroup'), nsOf('cgroup'));
    assert.notEqual(inside(['--cgroupns', 'private'], 'readlink /proc/self/ns/cgroup'), nsOf('cgroup'));
    const id = e.ok(['create', '--cgroupns', 'host', '--uts', 'host', 'busybox', 'true']);
    const hc = e.inspect(id).HostConfig;
    assert.deepEqual([hc.CgroupnsMode, hc.UTSMode], ['host', 'host']);
    e.ok(['rm', id]);
  });
});

describe('engine: --dns, --dns-search, --dns-option (issue 13 item 13)', requiresRoot, () => {
  let e: Engine;
  before(async () => { e = await new Engine('berth-flags-dns-').init(); });
  after(() => {
    e?.run(['network', 'rm', 'flagsdns']);
    e?.cleanup();
  });

  const resolv = (flags: string[]) => e.ok(['run', '--rm', ...flags, 'busybox', 'cat', '/etc/resolv.conf']);
  const dns = ['--dns', '10.9.8.7', '--dns-search', 'example.com', '--dns-option', 'ndots:2'];

  test('none and the default bridge: the given lists replace the host\'s (no query is sent)', () => {
    const want = 'nameserver 10.9.8.7\nsearch example.com\noptions ndots:2';
    assert.equal(resolv(['--network', 'none', ...dns]), want);
    assert.equal(resolv(dns), want);
    assert.doesNotMatch(resolv(['--network', 'none', '--dns', '10.9.8.7', '--dns-search', '.']), /^search/m);
    const hc = e.inspect(e.ok(['create', ...dns, 'busybox', 'true'])).HostConfig;
    assert.deepEqual([hc.Dns, hc.DnsSearch, hc.DnsOptions], [['10.9.8.7'], ['example.com'], ['ndots:2']]);
  });

  test('a user network keeps its embedded DNS and forwards to the --dns servers', () => {
    e.ok(['network', 'create', 'flagsdns']);
    const gw = e.ok(['network', 'inspect', '-f', '{{range .IPAM.Config}}{{.Gateway}}{{end}}', 'flagsdns']);
    assert.equal(resolv(['--network', 'flagsdns', ...dns]), `nameserver ${gw}\nsearch example.com\noptions ndots:2\n\n# ExtServers: [10.9.8.7]`);
  });

  test('Docker\'s refusals: not an IP, not a domain, with container: networking', () => {
    const cases: [string[], string][] = [
      [['--dns', 'foo'], 'berth: invalid argument "foo" for "--dns" flag: IP address is not correctly formatted: foo\n'],
      [['--dns-search', 'a b'], 'berth: invalid argument "a b" for "--dns-search" flag: a b is not a valid domain\n'],
      [['--network', 'container:x', '--dns', '1.2.3.4'], 'berth: conflicting options: dns and the network mode\n'],
    ];
    for (const [flags, msg] of cases) {
      const r = e.run(['create', ...flags, 'busybox', 'true']);
      assert.deepEqual([r.code, r.stdout, r.stderr], [125, '', msg], flags.join(' '));
    }
  });
});

describe('engine: --log-driver none|local|json-file, --log-opt (issue 13 item 13)', requiresRoot, () => {
  let e: Engine;
  before(async () => { e = await new Engine('berth-flags-log-').init(); });
  after(() => e?.cleanup());

  test('none: the foreground still sees the output; logs refuses as Docker; no file is kept', () => {
    const r = e.run(['run', '--name', 'nolog', '--network', 'none', '--log-driver', 'none', 'busybox', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    assert.deepEqual([r.code, r.stdout, r.stderr], [3, 'out\n', 'err\n']);
    assert.deepEqual(e.run(['logs', 'nolog']), { code: 1, stdout: '', stderr: 'berth: configured logging driver does not support reading\n' });
    const info = e.inspect('nolog');
    assert.deepEqual([info.HostConfig.LogConfig, info.LogPath], [{ Type: 'none', Config: {} }, '']);
    assert.deepEqual(fs.readdirSync(`${e.root}/containers/${info.Id}`).filter((f) => f.includes('log')), []);
    e.ok(['rm', 'nolog']);
  });

  test('local rotates at --log-opt max-size over max-file files, and logs reads it; json-file stays the default', () => {
    const script = 'i=0; while [ $i -lt 200 ]; do echo line-$i; i=$((i+1)); done';
    e.ok(['run', '--name', 'local', '--network', 'none', '--log-driver', 'local', '--log-opt', 'max-size=1k', '--log-opt', 'max-file=2', 'busybox', 'sh', '-c', script]);
    const lines = e.ok(['logs', 'local']).split('\n');
    assert.ok(lines.length > 5 && lines.length < 200, `kept ${lines.length} lines of 200`);
    assert.equal(lines.at(-1), 'line-199');
    assert.deepEqual(e.inspect('local').HostConfig.LogConfig, { Type: 'local', Config: { 'max-size': '1k', 'max-file': '2' } });
    e.ok(['rm', 'local']);
    const id = e.ok(['create', '--log-driver', 'json-file', '--log-opt', 'max-size=1m', 'busybox', 'true']);
    assert.deepEqual(e.inspect(id).HostConfig.LogConfig, { Type: 'json-file', Config: { 'max-size': '1m', 'max-file': '3' } });
    e.ok(['rm', id]);
  });

  test('Docker\'s refusals: an unknown driver, an option the driver does not take', () => {
    const cases: [string[], string][] = [
      [['--log-driver', 'syslog'], "berth: logger: no log driver named 'syslog' is registered\n"],
      [['--log-driver', 'none', '--log-opt', 'max-size=1m'], "berth: unknown log opt 'max-size' for none log driver\n"],
      [['--log-driver', 'local', '--log-opt', 'tag=x'], "berth: unknown log opt 'tag' for local log driver\n"],
    ];
    for (const [flags, msg] of cases) {
      const r = e.run(['create', ...flags, 'busybox', 'true']);
      assert.deepEqual([r.code, r.stderr], [125, msg], flags.join(' '));
    }
  });
});

describe('engine: --mac-address, --ip, --link (issue 13 item 13)', requiresRoot, () => {
  let e: Engine;
  before(async () => { e = await new Engine('berth-flags-net-').init(); });
  after(() => {
    for (const n of ['flagsauto', 'flagssub']) e?.run(['network', 'rm', n]);
    e?.cleanup();
  });

  test('--mac-address: the container\'s veth has it (default bridge and a user network), Config.MacAddress', () => {
    assert.match(e.ok(['run', '--rm', '--mac-address', '92:d0:c6:0a:29:33', 'busybox', 'ip', 'link', 'show', 'eth0']), /link\/ether 92:d0:c6:0a:29:33 /);
    const id = e.ok(['create', '--mac-address', '92:D0:C6:0A:29:34', 'busybox', 'true']);
    assert.equal(e.inspect(id).Config.MacAddress, '92:d0:c6:0a:29:34');
    e.ok(['rm', id]);
    const bad = e.run(['create', '--mac-address', '92:d0', 'busybox', 'true']);
    assert.deepEqual([bad.code, bad.stderr], [125, 'berth: invalid argument "92:d0" for "--mac-address" flag: 92:d0 is not a valid mac address\n']);
    const conflict = e.run(['create', '--network', 'container:x', '--mac-address', '92:d0:c6:0a:29:33', 'busybox', 'true']);
    assert.deepEqual([conflict.code, conflict.stderr], [125, 'berth: conflicting options: mac-address and the network mode\n']);
  });

  test('--ip: only on a user network with a user-configured subnet (Docker\'s errors otherwise)', () => {
    e.ok(['network', 'create', 'flagsauto']);
    // A subnet free on this host (other roots' networks and host routes): the one berth picks next.
    e.ok(['network', 'create', 'flagspick']);
    const subnet = e.ok(['network', 'inspect', '-f', '{{range .IPAM.Config}}{{.Subnet}}{{end}}', 'flagspick']);
    e.ok(['network', 'rm', 'flagspick']);
    e.ok(['network', 'create', '--subnet', subnet, 'flagssub']);
    const ip = subnet.replace(/\.0\/24$/, '.77');
    const out = e.ok(['run', '--rm', '--network', 'flagssub', '--ip', ip, '--mac-address', '02:00:00:00:00:07', 'busybox', 'sh', '-c', 'ip -4 addr show eth0; ip link show eth0']);
    assert.ok(out.includes(`inet ${ip}/24 `), out);
    assert.match(out, /link\/ether 02:00:00:00:00:07 /);
    const cases: [string[], string][] = [
      [['--ip', ip.replace(/77$/, '78')], 'berth: user specified IP address is supported on user defined networks only\n'],
      [['--network', 'flagsauto', '--ip', ip.replace(/77$/, '78')], 'berth: user specified IP address is supported only when connecting to networks with user configured subnets\n'],
    ];
    for (const [flags, msg] of cases) {
      const r = e.run(['create', ...flags, 'busybox', 'true']);
      assert.deepEqual([r.code, r.stderr], [125, msg], flags.join(' '));
    }
  });

  test('--link NAME[:ALIAS]: hosts entries for a running target, Docker\'s errors otherwise', () => {
    e.ok(['run', '-d', '--name', 'linkdb', 'busybox', 'sleep', '1000']);
    const ip = e.inspect('linkdb').NetworkSettings.Networks.bridge.IPAddress;
    const hostname = e.inspect('linkdb').Config.Hostname;
    const hosts = e.ok(['run', '--rm', '--link', 'linkdb:data', 'busybox', 'sh', '-c', 'cat /etc/hosts; ping -c1 -W5 data >/dev/null && echo reached']);
    assert.ok(hosts.split('\n').includes(`${ip}\tdata ${hostname} linkdb`), hosts);
    assert.match(hosts, /^reached$/m);
    const missing = e.run(['create', '--link', 'nosuch-flags', 'busybox', 'true']);
    assert.deepEqual([missing.code, missing.stderr], [125, 'berth: could not get container for nosuch-flags: No such container: nosuch-flags\n']);
    const host = e.run(['create', '--network', 'host', '--link', 'linkdb', 'busybox', 'true']);
    assert.match(host.stderr, /host type networking can't be used with links/);
    const l = e.ok(['create', '--name', 'linker', '--link', 'linkdb', 'busybox', 'true']);
    assert.deepEqual(e.inspect(l).HostConfig.Links, ['/linkdb:/linker/linkdb']);
    e.ok(['stop', '-t', '0', 'linkdb']);
    const r = e.run(['start', 'linker']);
    assert.deepEqual([r.code, r.stderr], [1, 'berth: Cannot link to a non running container: /linkdb AS /linker/linkdb\n']);
    e.ok(['rm', '-f', 'linker', 'linkdb']);
  });
});

describe('engine: --platform, --pull, --device-cgroup-rule, --gpus, --storage-opt, --volumes-from, --stop-timeout (issue 13 item 13)', requiresRoot, () => {
  let e: Engine;
  before(async () => { e = await new Engine('berth-flags-misc-').init(); });
  after(() => e?.cleanup());

  const refused = (flags: string[], image = 'busybox') => {
    const r = e.run(['create', ...flags, image, 'true']);
    assert.equal(r.code, 125, `${flags.join(' ')}: ${r.stderr}`);
    assert.equal(r.stdout, '');
    return r.stderr;
  };

  test('--platform: the host\'s is accepted, another refused clearly', () => {
    const host = ({ x64: 'amd64', arm64: 'arm64' } as Record<string, string>)[process.arch] ?? process.arch;
    e.ok(['rm', e.ok(['create', '--platform', `linux/${host}`, 'busybox', 'true'])]);
    e.ok(['rm', e.ok(['create', '--platform', 'linux', 'busybox', 'true'])]);
    const other = host === 'amd64' ? 'arm64' : 'amd64';
    assert.equal(refused(['--platform', `linux/${other}`]), `berth: --platform linux/${other}: this host runs linux/${host} images only (berth does not emulate other platforms, and cannot pull yet)\n`);
  });

  test('--pull never|missing|always', () => {
    e.ok(['rm', e.ok(['create', '--pull', 'never', 'busybox', 'true'])]);
    assert.equal(refused(['--pull', 'never'], 'nosuch-flags'), 'berth: No such image: nosuch-flags:latest\n');
    // Pulls go to a loopback port where nothing listens (tests send no traffic elsewhere; the
    // registry suite pulls for real from a local docker-registry).
    const missing = refused(['--pull', 'missing'], '127.0.0.1:9/nosuch-flags');
    assert.match(missing, /^Unable to find image '127\.0\.0\.1:9\/nosuch-flags:latest' locally\n/);
    assert.match(missing, /\nberth: .*connection refused.*\n$/);
    e.ok(['tag', 'busybox', '127.0.0.1:9/bb']);
    assert.match(refused(['--pull', 'always'], '127.0.0.1:9/bb'), /^(?!Unable to find)[^]*berth: .*connection refused/, 'always pulls even a present image');
    e.ok(['rmi', '127.0.0.1:9/bb']);
    assert.equal(refused(['--pull', 'sometimes']), 'berth: invalid pull option: \'sometimes\': must be one of "always", "missing" or "never"\n');
    assert.equal(e.containerDirs().length, 0);
  });

  test('--device-cgroup-rule lets the container open a device the default list refuses', () => {
    // Major 42 has no driver: past the device cgroup, open fails with ENXIO instead of EPERM.
    const open = (flags: string[], minor: number) => e.run(['run', '--rm', '--network', 'none', ...flags, 'busybox', 'sh', '-c', `mknod /tmp/n c 42 ${minor}; cat /tmp/n`]).stderr;
    assert.match(open([], 42), /Operation not permitted/);
    assert.match(open(['--device-cgroup-rule', 'c 42:42 rwm'], 42), /No such device or address/);
    assert.match(open(['--device-cgroup-rule', 'c 42:* r'], 7), /No such device or address/);
    assert.match(open(['--device-cgroup-rule', 'c 42:42 rwm'], 43), /Operation not permitted/);
    const id = e.ok(['create', '--device-cgroup-rule', 'c 42:42 rwm', 'busybox', 'true']);
    assert.deepEqual(e.inspect(id).HostConfig.DeviceCgroupRules, ['c 42:42 rwm']);
    e.ok(['rm', id]);
    assert.equal(refused(['--device-cgroup-rule', 'x 1:3']), 'berth: invalid argument "x 1:3" for "--device-cgroup-rule" flag: invalid device cgroup format \'x 1:3\'\n');
  });

  test('--gpus and --storage-opt are refused clearly', () => {
    assert.match(refused(['--gpus', 'all']), /^berth: could not select device driver "" with capabilities: \[\[gpu\]\]/);
    assert.match(refused(['--storage-opt', 'size=1G']), /^berth: --storage-opt is supported only for overlay over xfs with 'pquota' mount option/);
  });

  test('--volumes-from sees the other\'s volumes (named and anonymous), :ro makes them read-only, rm -v leaves them', () => {
    e.ok(['run', '--name', 'vsrc', '--network', 'none', '-v', 'flagsshared:/data', '-v', '/anon', 'busybox', 'sh', '-c', 'echo hello > /data/f; echo anon > /anon/g']);
    assert.equal(e.ok(['run', '--rm', '--network', 'none', '--volumes-from', 'vsrc', 'busybox', 'sh', '-c', 'cat /data/f /anon/g && echo x > /data/w && echo wrote']), 'hello\nanon\nwrote');
    const ro = e.run(['run', '--rm', '--network', 'none', '--volumes-from', 'vsrc:ro', 'busybox', 'sh', '-c', 'cat /data/f; echo x > /data/w']);
    assert.equal(ro.stdout, 'hello\n');
    assert.match(ro.stderr, /Read-only file system/);
    const vf = e.ok(['create', '--volumes-from', 'vsrc', 'busybox', 'true']);
    assert.deepEqual(e.inspect(vf).HostConfig.VolumesFrom, ['vsrc']);
    const before = e.ok(['volume', 'ls', '-q']).split('\n').sort();
    e.ok(['rm', '-v', vf]);
    assert.deepEqual(e.ok(['volume', 'ls', '-q']).split('\n').sort(), before);
    assert.match(refused(['--volumes-from', 'nosuch-flags']), /No such container: nosuch-flags/);
    e.ok(['rm', '-v', 'vsrc']);
    e.ok(['volume', 'rm', 'flagsshared']);
  });

  test('--stop-timeout: recorded in Config.StopTimeout and used by stop', () => {
    const id = e.ok(['run', '-d', '--network', 'none', '--stop-timeout', '1', 'busybox', 'sh', '-c', 'trap "" TERM; while true; do sleep 1; done']);
    assert.equal(e.inspect(id).Config.StopTimeout, 1);
    const t0 = Date.now();
    e.ok(['stop', id]);
    // SIGKILL after the container's 1 s, not the default 10 s.
    assert.ok(Date.now() - t0 < 9000, `stop took ${Date.now() - t0} ms`);
    assert.equal(e.inspect(id).State.ExitCode, 137);
    e.ok(['rm', id]);
    assert.match(refused(['--stop-timeout', 'x']), /--stop-timeout/);
  });
});

describe('engine: ps filters publish, expose, volume, network, is-task; ps -s (issue 13 item 14)', requiresRoot, () => {
  let e: Engine;
  before(async () => { e = await new Engine('berth-flags-ps-').init(); });
  after(() => {
    e?.run(['network', 'rm', 'flagsps']);
    e?.cleanup();
  });

  const names = (filters: string[]) => e.ok(['ps', '-a', ...filters.flatMap((f) => ['--filter', f]), '--format', '{{.Names}}']).split('\n').filter(Boolean).sort();

  test('publish= and expose= by port, protocol and range', () => {
    e.ok(['run', '-d', '--name', 'pub', '-p', '127.0.0.1::80', 'busybox', 'sleep', '1000']);
    e.ok(['create', '--name', 'exp', '--expose', '8080', '--expose', '53/udp', 'busybox', 'true']);
    assert.deepEqual(names(['publish=80']), ['pub']);
    assert.deepEqual(names(['publish=80/tcp']), ['pub']);
    assert.deepEqual(names(['publish=80/udp']), []);
    assert.deepEqual(names(['publish=8080']), []);
    assert.deepEqual(names(['expose=8080/tcp']), ['exp']);
    assert.deepEqual(names(['expose=53/udp']), ['exp']);
    assert.deepEqual(names(['expose=8000-8090']), ['exp']);
    assert.deepEqual(names(['expose=80']), ['pub']); // publishing a port exposes it
    const bad = e.run(['ps', '--filter', 'publish=abc']);
    assert.deepEqual([bad.code, bad.stderr], [1, "berth: invalid filter 'publish=abc'\n"]);
    e.ok(['rm', '-f', 'pub', 'exp']);
  });

  test('volume=NAME|/dest, network=NAME|ID, is-task=true|false', () => {
    e.ok(['network', 'create', 'flagsps']);
    const netId = e.ok(['network', 'inspect', '-f', '{{.Id}}', 'flagsps']);
    e.ok(['create', '--name', 'onnet', '--network', 'flagsps', '-v', 'flagsvol:/data', 'busybox', 'true']);
    e.ok(['create', '--name', 'plain', '--network', 'none', 'busybox', 'true']);
    assert.deepEqual(names(['volume=flagsvol']), ['onnet']);
    assert.deepEqual(names(['volume=/data']), ['onnet']);
    assert.deepEqual(names(['volume=/nope']), []);
    assert.deepEqual(names(['network=flagsps']), ['onnet']);
    assert.deepEqual(names([`network=${netId}`]), ['onnet']);
    assert.deepEqual(names([`network=${netId.slice(0, 12)}`]), ['onnet']);
    assert.deepEqual(names(['network=none']), ['plain']);
    assert.deepEqual(names(['is-task=true']), []);
    assert.deepEqual(names(['is-task=false']), ['onnet', 'plain']);
    assert.equal(e.run(['ps', '--filter', 'is-task=maybe']).code, 1);
    e.ok(['rm', '-v', 'onnet', 'plain']);
    e.ok(['volume', 'rm', 'flagsvol']);
  });

  test('ps -s: the writable layer and the virtual size with the image\'s', () => {
    const id = e.ok(['run', '-d', '--network', 'none', 'busybox', 'sleep', '1000']);
    e.ok(['exec', id, 'sh', '-c', 'printf ab > /two']);
    const imageSize = e.ok(['images', '--format', '{{.Size}}', 'busybox']);
    const out = e.ok(['ps', '-s']).split('\n');
    assert.match(out[0], /NAMES\s+SIZE$/);
    assert.ok(out[1].endsWith(`2B (virtual ${imageSize})`), out[1]);
    assert.equal(e.ok(['ps', '--format', '{{.Size}}']), `2B (virtual ${imageSize})`);
    e.ok(['rm', '-f', id]);
  });

  test('--format with define/template/block', () => {
    const id = e.ok(['run', '-d', '--name', 'tpl', '--network', 'none', 'busybox', 'sleep', '1000']);
    assert.equal(e.ok(['ps', '--format', '{{define "x"}}<{{.Names}} {{.State}}>{{end}}{{template "x" .}}']), '<tpl running>');
    assert.equal(e.ok(['ps', '--format', '{{block "b" .Names}}[{{.}}]{{end}}{{template "b" "again"}}']), '[tpl][again]');
    const r = e.run(['ps', '--format', '{{template "nope" .}}']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /template "nope" not defined/);
    e.ok(['rm', '-f', id]);
  });
});
