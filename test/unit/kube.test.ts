/** kube without root: quantities, names, reading YAML (kinds, hostile input), a container spec -> run flags. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpuQuantity, kubeName, memoryQuantity, parseCpuQuantity, parseMemoryQuantity } from '../../src/kube/names.js';
import { readKubeFile } from '../../src/kube/readKubeFile.js';
import { containerFlags } from '../../src/kube/containerFlags.js';
import { hostAliases, portsOf } from '../../src/kube/generateKube.js';
import { isBerthError } from '../../src/errors.js';
import { envPlan } from '../../src/kube/envObjects.js';
import { projectedFiles } from '../../src/kube/projectedVolumes.js';
import { makeRecord } from '../../src/engine/makeRecord.js';
import { emptyRunFlags } from '../../src/engine/runFlags.js';

describe('kube (no root)', () => {
  test('quantities both ways', () => {
    assert.equal(memoryQuantity(64 << 20), '64Mi');
    assert.equal(memoryQuantity(2 * 1024 ** 3), '2Gi');
    assert.equal(memoryQuantity(1000), '1000');
    assert.equal(cpuQuantity(0.5e9), '500m');
    assert.equal(cpuQuantity(2e9), '2');
    assert.equal(parseMemoryQuantity('64Mi'), 64 << 20);
    assert.equal(parseMemoryQuantity('1G'), 1e9);
    assert.equal(parseCpuQuantity('250m'), '0.25');
    assert.equal(parseCpuQuantity(2), '2');
    assert.throws(() => parseMemoryQuantity('lots'), (e) => isBerthError(e, 'InvalidArgument'));
  });

  test('names are DNS labels', () => {
    assert.equal(kubeName('/My_App.1'), 'my-app-1');
    assert.equal(kubeName('___'), 'berth');
    assert.equal(kubeName('x'.repeat(80)).length, 63);
  });

  test('PortBindings -> container ports, sorted, host IP and protocol kept', () => {
    assert.deepEqual(portsOf({ '53/udp': [{ HostIp: '', HostPort: '5353' }], '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }] }), [
      { containerPort: 53, hostPort: 5353, protocol: 'UDP' }, { containerPort: 80, hostPort: 8080, hostIP: '127.0.0.1' },
    ]);
  });

  test('host:ip entries -> hostAliases by address, names sorted', () => {
    assert.deepEqual(hostAliases(['web:127.0.0.1', 'db:127.0.0.1', 'x:10.0.0.1', 'web:127.0.0.1', 'bad']), [{ ip: '127.0.0.1', hostnames: ['db', 'web'] }, { ip: '10.0.0.1', hostnames: ['x'] }]);
  });

  test('a file: kinds sorted out, unsupported ones listed once, Deployments become replica pods, Secrets decoded', async () => {
    const f = await readKubeFile([
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {A: "1", B: 2}',
      'apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {P: ' + Buffer.from('pw').toString('base64') + '}',
      'apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: vol}',
      'apiVersion: v1\nkind: Service\nmetadata: {name: svc}\nspec: {selector: {app: d}, ports: [{port: 80, nodePort: 30080}]}',
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {replicas: 2, template: {metadata: {labels: {app: d}}, spec: {containers: [{name: m, image: busybox}]}}}',
      'apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}',
      'apiVersion: batch/v1\nkind: Job\nmetadata: {name: k}',
      '',
    ].join('\n---\n'));
    assert.deepEqual(Object.fromEntries(f.configMaps), { c: { A: '1', B: '2' } });
    assert.deepEqual(Object.fromEntries(f.secrets), { s: { P: 'pw' } });
    assert.deepEqual(f.claims, ['vol']);
    assert.deepEqual(f.services[0], { name: 'svc', selector: { app: 'd' }, ports: [{ port: 80, targetPort: undefined, nodePort: 30080, protocol: undefined }] });
    assert.deepEqual(f.pods.map((p) => [p.name, p.labels['berth.io/deployment'], p.replica]), [['d-pod-0', 'd', 0], ['d-pod-1', 'd', 1]]);
    assert.deepEqual(f.skipped, ['batch/v1/Job']);
  });

  test('hostile input: one error naming the document', async () => {
    for (const [text, re] of [
      ['- a list', /document 1: not a Kubernetes object/],
      ['apiVersion: v1\nkind: Pod\nmetadata: {name: "../x"}\nspec: {}', /not a valid Kubernetes name/],
      ['apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {ports: [{port: 99999}]}', /must be a port number/],
      ['apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {replicas: 100000, template: {spec: {}}}', /replicas must be/],
      ['apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {P: "!!"}', /not base64/],
      ['apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\nkey: [unclosed', /document 2/],
      [`a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [${'*a,'.repeat(10)}]\nc: &c [${'*b,'.repeat(10)}]\nd: [${'*c,'.repeat(10)}]`, /document 1: .*alias/i],
    ] as [string, RegExp][]) {
      await assert.rejects(readKubeFile(text), (e) => isBerthError(e, 'InvalidArgument') && re.test(e.message), text);
    }
  });

  test('a container spec -> run flags (the inverse of generate)', async () => {
    const f = await readKubeFile('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {A: "1"}');
    const pod = { restartPolicy: 'OnFailure', securityContext: { runAsUser: 5 }, volumes: [{ name: 'v', persistentVolumeClaim: { claimName: 'data' } }, { name: 't', emptyDir: { medium: 'Memory' } }, { name: 'h', hostPath: { path: '/srv' } }] };
    const c = containerFlags({
      name: 'web', image: 'busybox', command: ['httpd', '-f'], args: ['-p', '80'], env: [{ name: 'X', value: 'y' }], envFrom: [{ configMapRef: { name: 'c' } }], workingDir: '/w',
      resources: { limits: { memory: '64Mi', cpu: '500m' }, requests: { memory: '32Mi', cpu: '1' } },
      livenessProbe: { exec: { command: ['/bin/sh', '-c', 'true'] }, periodSeconds: 10, failureThreshold: 3 },
      securityContext: { runAsGroup: 7, readOnlyRootFilesystem: true, capabilities: { drop: ['NET_RAW'] } },
      volumeMounts: [{ name: 'v', mountPath: '/data' }, { name: 't', mountPath: '/tmp' }, { name: 'h', mountPath: '/srv', readOnly: true }],
    }, 'pod1', pod, f, 0);
    assert.equal(c.image, 'busybox');
    assert.deepEqual(c.command, ['-f', '-p', '80']);
    const fl = c.flags;
    assert.equal(fl.name, 'pod1-web');
    assert.equal(fl.entrypoint, 'httpd');
    assert.deepEqual(fl.env, ['X=y']);
    assert.deepEqual(c.envSources, [{ ConfigMap: 'c', Env: ['A=1'] }]);
    assert.deepEqual(c.projected, []);
    assert.equal(fl.workdir, '/w');
    assert.equal(fl.memory, String(64 << 20));
    assert.equal(fl.cpus, '0.5');
    assert.equal(fl.memoryReservation, String(32 << 20));
    assert.equal(fl.cpuShares, '1024');
    assert.equal(fl.healthCmd, 'true');
    assert.equal(fl.healthInterval, '10s');
    assert.equal(fl.healthRetries, '3');
    assert.equal(fl.user, '5:7');
    assert.equal(fl.readOnly, true);
    assert.deepEqual(fl.capDrop, ['NET_RAW']);
    assert.deepEqual(fl.volume, ['data:/data', '/srv:/srv:ro']);
    assert.deepEqual(fl.tmpfs, ['/tmp']);
    assert.equal(fl.restart, 'on-failure');
    assert.throws(() => containerFlags({ name: 'x', image: 'b', volumeMounts: [{ name: 'nope', mountPath: '/x' }] }, 'p', pod, f, 0), /volume nope is not in the pod's volumes/);
    assert.throws(() => containerFlags({ name: 'Bad', image: 'b' }, 'p', pod, f, 0), /name must be a DNS label/);
  });

  test('env files -> ConfigMaps (secret-looking names: Secrets), -e over a file inline, played sources keep kind and name', () => {
    const objects: Record<string, unknown>[] = [];
    const rec = {
      Config: { Env: ['PATH=/bin', 'MODE=fast', 'DB_PASSWORD=pw', 'GREETING=hi', 'X=1', 'LEVEL=3', 'PLAIN=p'] },
      EnvFiles: [{ File: '/srv/app.env', Env: ['MODE=fast', 'DB_PASSWORD=pw', 'GREETING=file'] }, { ConfigMap: 'shared', Env: ['LEVEL=3'] }, { File: '/x/other.env', Env: ['bad key=1'] }],
    } as Parameters<typeof envPlan>[0];
    const plan = envPlan(rec, 'web', ['PATH=/bin'], objects);
    assert.deepEqual(plan.inline, ['GREETING=hi', 'X=1', 'PLAIN=p']);
    assert.deepEqual(plan.envFrom, [{ configMapRef: { name: 'web-app-env' } }, { secretRef: { name: 'web-app-env' } }, { configMapRef: { name: 'shared' } }]);
    assert.deepEqual(objects, [
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-app-env' }, data: { MODE: 'fast', GREETING: 'file' } },
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'web-app-env' }, type: 'Opaque', data: { DB_PASSWORD: Buffer.from('pw').toString('base64') } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'shared' }, data: { LEVEL: '3' } },
    ]);
    // the same object again is shared; a different one under that name gets a suffix
    assert.deepEqual(envPlan({ Config: { Env: ['LEVEL=3'] }, EnvFiles: [{ ConfigMap: 'shared', Env: ['LEVEL=3'] }] } as Parameters<typeof envPlan>[0], 'db', [], objects).envFrom, [{ configMapRef: { name: 'shared' } }]);
    assert.deepEqual(envPlan({ Config: { Env: ['LEVEL=4'] }, EnvFiles: [{ ConfigMap: 'shared', Env: ['LEVEL=4'] }] } as Parameters<typeof envPlan>[0], 'db', [], objects).envFrom, [{ configMapRef: { name: 'shared-2' } }]);
    assert.equal(objects.length, 4);
    // a played envFrom with a prefix: the object's own names, the prefix on the reference
    const pre: Record<string, unknown>[] = [];
    assert.deepEqual(envPlan({ Config: { Env: ['CFG_A=1'] }, EnvFiles: [{ ConfigMap: 'c', Prefix: 'CFG_', Env: ['CFG_A=1'] }] } as Parameters<typeof envPlan>[0], 'x', [], pre), { envFrom: [{ configMapRef: { name: 'c' }, prefix: 'CFG_' }], inline: [] });
    assert.deepEqual(pre, [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { A: '1' } }]);
    // a record from before EnvFiles: all inline
    assert.deepEqual(envPlan({ Config: { Env: ['PATH=/bin', 'A=1'] } } as Parameters<typeof envPlan>[0], 'web', ['PATH=/bin'], []), { envFrom: [], inline: ['A=1'] });
  });

  test('the record keeps where env-file variables came from (and nothing when there were none)', () => {
    const base = { id: 'a'.repeat(64), name: 'n', imageId: 'sha256:' + 'b'.repeat(64), imageRef: 'busybox', image: { Cmd: ['sh'], Env: ['A=0'] }, command: [] };
    const rec = makeRecord({ ...base, flags: { ...emptyRunFlags(), env: ['A=2'] }, envFiles: ['A=1', 'B=1'], envSources: [{ File: '/f.env', Env: ['A=1', 'B=1'] }] });
    assert.deepEqual(rec.Config.Env, ['A=2', 'B=1']);
    assert.deepEqual(rec.EnvFiles, [{ File: '/f.env', Env: ['A=1', 'B=1'] }]);
    assert.equal('EnvFiles' in makeRecord({ ...base, flags: emptyRunFlags(), envFiles: [] }), false);
  });

  test('configMap/secret volumes -> files: keys or items, optional, hostile paths refused', async () => {
    const f = await readKubeFile('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a.conf: "x=1", b: "2"}\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {token: t}');
    assert.deepEqual(projectedFiles({ name: 'v', configMap: { name: 'c' } }, f, 'w'), [['a.conf', 'x=1'], ['b', '2']]);
    assert.deepEqual(projectedFiles({ name: 'v', configMap: { name: 'c', items: [{ key: 'b', path: 'd/b.txt' }] } }, f, 'w'), [['d/b.txt', '2']]);
    assert.deepEqual(projectedFiles({ name: 'v', secret: { secretName: 's' } }, f, 'w'), [['token', 't']]);
    assert.deepEqual(projectedFiles({ name: 'v', secret: { secretName: 'nope', optional: true } }, f, 'w'), []);
    assert.equal(projectedFiles({ name: 'v', emptyDir: {} }, f, 'w'), undefined);
    for (const [v, re] of [
      [{ name: 'v', secret: { secretName: 'nope' } }, /Secret nope is not in the file/],
      [{ name: 'v', configMap: {} }, /configMap.name is required/],
      [{ name: 'v', configMap: { name: 'c', items: [{ key: 'zz', path: 'p' }] } }, /has no key zz/],
      [{ name: 'v', configMap: { name: 'c', items: [{ key: 'toString', path: 'p' }] } }, /has no key toString/],
      [{ name: 'v', configMap: { name: 'c', items: [{ key: 'b', path: '../x' }] } }, /must be relative/],
      [{ name: 'v', configMap: { name: 'c', items: [{ key: 'b', path: '/etc/x' }] } }, /must be relative/],
      [{ name: 'v', configMap: { name: 'c', items: [{ key: 'b', path: 'a' }, { key: 'a.conf', path: 'a/b' }] } }, /given twice/],
    ] as [Record<string, unknown>, RegExp][]) {
      assert.throws(() => projectedFiles(v, f, 'w'), (e) => isBerthError(e, 'InvalidArgument') && re.test(e.message), JSON.stringify(v));
    }
  });
});
