import test from 'node:test';
import assert from 'node:assert/strict';
import { BerthError, describe as describeErr, exitCodeFor, notFound } from '../../src/errors.js';

test('errors: one line, kind decides the exit code', () => {
  const e = notFound('no such container: `x`', { hint: 'see `berth ps -a`' });
  assert.ok(e instanceof BerthError);
  assert.equal(describeErr(e), 'no such container: `x` (see `berth ps -a`)');
  assert.equal(exitCodeFor(e), 125);
  assert.equal(exitCodeFor(new BerthError('NotFound', 'exec', { exitCode: 127 })), 127);
});
