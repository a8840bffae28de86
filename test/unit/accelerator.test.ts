import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contextKey, encodeRequest, parseRequest, requestSize, frame, FRAME, type LaunchRequest } from '../../src/cli/accelerator/protocol.js';
import { fnv1a64 } from '../../src/cli/accelerator/worker.js';
import { warmable } from '../../src/cli/accelerator/warmable.js';

const req: LaunchRequest = {
  cwd: '/tmp/x y',
  umask: 0o022,
  tty: { stdin: true, stdout: false, stderr: true },
  columns: 120,
  rows: 40,
  context: 'nice 0\nns mnt:[4026531841]\n',
  argv: ['--root', '/r', 'run', '--rm', 'busybox', 'sh', '-c', 'echo "a=b"; true'],
  env: { PATH: '/usr/bin:/bin', 'WITH=EQ': 'x', EMPTY: '' },
};

test('accelerator protocol: a request round-trips (args with spaces, quotes, =, empty values)', () => {
  const buf = encodeRequest(req);
  assert.equal(requestSize(buf), buf.length);
  const back = parseRequest(buf);
  assert.deepEqual({ ...back, env: back.env }, { ...req, env: { PATH: '/usr/bin:/bin', WITH: 'EQ=x', EMPTY: '' } });
});

test('accelerator protocol: hostile or broken requests are refused', () => {
  assert.throws(() => requestSize(Buffer.from('HTTP/1.1 GET /')), /not a berth-launch request/);
  const huge = Buffer.alloc(8);
  huge.write('BRQ1', 0, 'latin1');
  huge.writeUInt32LE(1 << 30, 4);
  assert.throws(() => requestSize(huge), /too large/);
  assert.equal(requestSize(Buffer.from('BRQ')), undefined);
  const good = encodeRequest(req);
  assert.throws(() => parseRequest(good.subarray(0, good.length - 3)), /truncated/);
  const relative = encodeRequest({ ...req, cwd: 'tmp' });
  assert.throws(() => parseRequest(relative), /malformed/);
  const tooMany = Buffer.from(encodeRequest(req).toString('latin1').replace('\u00008\u0000', '\u0000999\u0000'), 'latin1');
  tooMany.writeUInt32LE(tooMany.length - 8, 4);
  assert.throws(() => parseRequest(tooMany), /malformed/);
});

test('accelerator protocol: frames carry type and length', () => {
  const f = frame(FRAME.stderr, 'hi');
  assert.equal(f[0], 2);
  assert.equal(f.readUInt32LE(1), 2);
  assert.equal(f.subarray(5).toString(), 'hi');
});

test('warmable: everyday non-interactive commands run warm', () => {
  for (const argv of [
    ['run', '--rm', 'busybox', 'true'],
    ['--root', '/x', 'run', '-d', '--name', 'web', 'busybox', 'httpd', '-f'],
    ['ps', '-a'],
    ['ps', '-aq'],
    ['rm', '-f', 'abc'],
    ['stop', '-t', '0', 'abc'],
    ['container', 'ls'],
    ['image', 'ls'],
    ['network', 'ls'],
    ['inspect', '-f', '{{.State.Status}}', 'abc'],
  ]) assert.equal(warmable(argv), true, argv.join(' '));
});

test('warmable: terminals, stdin, attach, follow, help and unknown verbs go cold', () => {
  for (const argv of [
    [],
    ['run', '-it', 'busybox', 'sh'],
    ['run', '-i', 'busybox', 'cat'],
    ['run', '--tty', 'busybox'],
    ['run', '--interactive=true', 'busybox'],
    ['start', '-a', 'abc'],
    ['start', '--attach', 'abc'],
    ['create', '-t', 'busybox'],
    ['logs', '-f', 'abc'],
    ['exec', 'abc', 'ls'],
    ['attach', 'abc'],
    ['load', '-i', 'x.tar'],
    ['import', '-', 'img'],
    ['cp', '-', 'abc:/'],
    ['run', '--help'],
    ['container', 'prune'],
    ['system', 'prune'],
    ['stats'],
    ['runtime', 'run', 'x'],
    ['run', '--', 'busybox'],
  ]) assert.equal(warmable(argv), false, argv.join(' '));
});

const LIMITS = (nofileSoft: string, nofileHard: string, stack = '8388608') => `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max stack size            ${stack}              unlimited            bytes
Max open files            ${nofileSoft}                 ${nofileHard}                files
`;

test('contextKey: what a cold run inherits must match; Node\'s own open-files raise does not count', () => {
  const base = `nice 0\nns mnt:[1]\nns net:[2]\nCapEff:\t000001ffffffffff\nNoNewPrivs:\t0\n${LIMITS('1024', '524288')}`;
  assert.equal(contextKey(base), contextKey(base.replace('1024 ', '524288 ')), 'soft open-files limit ignored');
  assert.notEqual(contextKey(base), contextKey(base.replace('524288', '200')), 'hard open-files limit counts');
  assert.notEqual(contextKey(base), contextKey(base.replace('nice 0', 'nice 5')));
  assert.notEqual(contextKey(base), contextKey(base.replace('mnt:[1]', 'mnt:[9]')));
  assert.notEqual(contextKey(base), contextKey(base.replace('000001ffffffffff', '00000000a80425fb')));
  assert.notEqual(contextKey(base), contextKey(base.replace('8388608', '1048576')));
});

test('fnv1a64: the launcher\'s hash (known vectors)', () => {
  assert.equal(fnv1a64(''), 0xcbf29ce484222325n);
  assert.equal(fnv1a64('a'), 0xaf63dc4c8601ec8cn);
});
