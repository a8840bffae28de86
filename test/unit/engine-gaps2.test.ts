/** Docker-compatibility gaps (pure parts): relative bind sources. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { parseMountFlag, parseVolumeFlag } from '../../src/engine/parseFlags.js';
import { parsePsOutput } from '../../src/engine/top.js';

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
});

