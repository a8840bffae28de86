/** Docker-compatibility gaps (pure parts): relative bind sources. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { parseMountFlag, parseVolumeFlag } from '../../src/engine/parseFlags.js';
import { parsePsOutput } from '../../src/engine/top.js';
import { checkCpuset } from '../../src/engine/cpusetCheck.js';
import { makeRecord } from '../../src/engine/makeRecord.js';
import { emptyRunFlags } from '../../src/engine/runFlags.js';
import { applyChanges } from '../../src/image/changes.js';

describe('engine gaps 2 (pure)', () => {
  test('-v and --mount bind sources starting with . resolve against the cwd at call time', () => {
    const cwd = process.cwd();
    assert.equal(parseVolumeFlag('./rel:/x').Source, path.join(cwd, 'rel'));
    assert.equal(parseVolumeFlag('../dir:/x:ro').Source, path.join(path.dirname(cwd), 'dir'));
    assert.equal(parseVolumeFlag('.:/x').Type, 'bind');
    assert.equal(parseMountFlag('type=bind,src=./x,dst=/y').Source, path.join(cwd, 'x'));
    assert.equal(parseMountFlag('type=bind,source=../x,target=/y').Source, path.join(path.dirname(cwd), 'x'));
    assert.throws(() => parseMountFlag('type=bind,src=x,dst=/y'), /bind source must be an absolute path/);
    const prev = process.cwd();
    try {
      process.chdir('/tmp');
      assert.equal(parseVolumeFlag('./a:/x').Source, '/tmp/a');
    } finally {
      process.chdir(prev);
    }
  });

  test('top: ps output filtered to the container\'s pids, overhanging fields joined', () => {
    const out = 'UID PID PPID CMD\nroot 1 0 init\nroot 42 1 sleep 1000 x\nroot 43 1 other\n';
    assert.deepEqual(parsePsOutput(out, [42]), { Titles: ['UID', 'PID', 'PPID', 'CMD'], Processes: [['root', '42', '1', 'sleep 1000 x']] });
    assert.throws(() => parsePsOutput('A B\n1 2\n', [1]), /Couldn't find PID field in ps output/);
  });

  test('cpuset checked against the online list, with dockerd\'s wording', () => {
    checkCpuset('0-1', '0-1', 'cpus');
    checkCpuset('1', '0-1', 'cpus');
    checkCpuset(undefined, '0-1', 'cpus');
    assert.throws(() => checkCpuset('99', '0-1', 'cpus'), /^BerthError: Requested CPUs are not available - requested 99, available: 0-1$/);
    assert.throws(() => checkCpuset('0,5', '0', 'mems'), /^BerthError: Requested memory nodes are not available - requested 0,5, available: 0$/);
    assert.throws(() => checkCpuset('1-x', '0-1', 'cpus'), /Invalid value 1-x for cpuset cpus/);
  });

  test('-m \'\' is refused as Docker; commit -c CMD without an argument is a parse error', () => {
    const rec = (memory: string) => makeRecord({ id: 'a'.repeat(64), name: 'n', imageId: 'sha256:' + 'b'.repeat(64), imageRef: 'busybox', image: { Cmd: ['sh'] }, command: [], flags: { ...emptyRunFlags(), memory }, envFiles: [] });
    assert.throws(() => rec(''), /^BerthError: invalid argument "" for "-m, --memory" flag: invalid size: ''$/);
    assert.equal(rec('64m').HostConfig.Memory, 64 << 20);
    assert.throws(() => applyChanges({}, ['CMD']), /^BerthError: Dockerfile parse error line 1: CMD requires at least one argument$/);
    assert.throws(() => applyChanges({}, ['USER ']), /USER requires at least one argument/);
    assert.deepEqual(applyChanges({}, ['CMD ["a"]']).Cmd, ['a']);
  });
});

