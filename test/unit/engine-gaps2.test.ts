/** Docker-compatibility gaps (pure parts): relative bind sources. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { parseMountFlag, parseVolumeFlag } from '../../src/engine/parseFlags.js';

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
});
