import assert from 'node:assert/strict';
import { test } from 'node:test';
import { shapeForVersion, versionShapes } from '../../src/api/version.js';

const inspectDoc = () => ({
  Id: 'abcdef0123456789'.padEnd(64, '0'), Config: { Hostname: 'abcdef012345', MacAddress: '', Healthcheck: { Test: ['CMD', 'true'], StartInterval: 5 } },
  HostConfig: { NetworkMode: 'net1' },
  NetworkSettings: { Networks: { net1: { Aliases: ['web'], MacAddress: '02:42:ac:11:00:02' }, bridge: { Aliases: null, MacAddress: '02:42:ac:11:00:03' } } },
});

test('version shapes: [version, what the inspect answer holds]', () => {
  const rows: [string, (d: ReturnType<typeof inspectDoc>) => void][] = [
    ['1.43', (d) => {
      assert.deepEqual(d.NetworkSettings.Networks.net1.Aliases, ['web', 'abcdef012345']);
      assert.equal(d.NetworkSettings.Networks.bridge.Aliases, null, 'not on the default bridge');
      assert.equal(d.Config.MacAddress, '02:42:ac:11:00:02');
      assert.equal('StartInterval' in d.Config.Healthcheck, false);
    }],
    ['1.44', (d) => {
      assert.deepEqual(d.NetworkSettings.Networks.net1.Aliases, ['web', 'abcdef012345']);
      assert.equal(d.Config.Healthcheck.StartInterval, 5);
    }],
    ['1.45', (d) => {
      assert.deepEqual(d.NetworkSettings.Networks.net1.Aliases, ['web']);
      assert.equal(d.Config.MacAddress, '02:42:ac:11:00:02', 'dockerd fills it until 1.52');
    }],
    ['1.47', (d) => assert.deepEqual(d.NetworkSettings.Networks.net1.Aliases, ['web'])],
  ];
  for (const [v, check] of rows) check(shapeForVersion('containerInspect', v, inspectDoc()));
  const list = shapeForVersion('containerList', '1.45', { HostConfig: { NetworkMode: 'bridge', Annotations: { a: 'b' } } });
  assert.deepEqual(list.HostConfig, { NetworkMode: 'bridge' });
  assert.ok(versionShapes().every((r) => /^1\.\d+$/.test(r.before) && r.why));
});
