/**
 * `kube generate` / `kube play` / `kube down` end to end: generated YAML validates against the
 * Kubernetes schemas (test/kubeSchemas.ts), a generate → play → generate round trip gives the
 * same YAML (Pod with a Service and a PVC; Deployment with replicas), a played pod's
 * containers run and talk over localhost, its Service port answers on the host, ConfigMaps and
 * Secrets reach env, unsupported kinds are reported one line each.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { fetchTcp, requiresRoot } from '../helpers.js';
import { Engine } from './engineHarness.js';
import { validateKube } from '../kubeSchemas.js';

const docs = (text: string) => parseAllDocuments(text).map((d) => d.toJS() as Record<string, any>);
const WAIT_HTTP = (url: string) => `for i in $(seq 200); do wget -qO- ${url} && exit 0; sleep 0.05; done; exit 1`;


describe('kube generate / play / down (real kernel)', requiresRoot, () => {
  let e: Engine;
  let dir: string;
  const port = 21000 + (process.pid % 20000);
  before(async () => {
    e = await new Engine('berth-kube-').init();
    dir = fs.mkdtempSync(path.join(e.root, 'yaml-'));
  });
  after(() => {
    if (!e) return;
    e.run(['pod', 'rm', '-f', '--all']);
    e.cleanup();
  });

  test('generate of a pod validates; play runs it (localhost between its containers, Service port on the host); generate again is the same', async () => {
    e.ok(['volume', 'create', 'webdata']);
    e.ok(['pod', 'create', '--name', 'shop', '-p', `127.0.0.1:${port}:80`, '--memory', '256m', '--cpus', '1.5', '--label', 'tier=web']);
    const envFile = path.join(dir, 'app.env');
    fs.writeFileSync(envFile, '# settings\nMODE=fast\nAPI_TOKEN=t0k\nGREETING=file\n');
    e.ok(['run', '-d', '--pod', 'shop', '--name', 'shop-web', '--env-file', envFile, '-e', 'GREETING=hi', '-v', 'webdata:/www', '--memory', '64m', '--cpus', '0.5',
      '--health-cmd', 'wget -qO- http://127.0.0.1/index.html', '--health-interval', '30s', '--health-retries', '2', '--cap-drop', 'NET_RAW', '-w', '/www',
      'busybox', 'sh', '-c', 'echo shop-$GREETING > /www/index.html && exec httpd -f -p 80 -h /www']);
    e.ok(['run', '-d', '--pod', 'shop', '--name', 'shop-client', '-u', '1000:1000', '--read-only', 'busybox', 'sleep', '1000']);
    // the validator can fail: a wrong type is caught
    await assert.rejects(validateKube([{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' }, spec: { containers: [{ name: 'a', image: 'b', ports: [{ containerPort: '80' }] }] } }]), /containerPort must be integer/);
    const y1 = e.ok(['kube', 'generate', '--service', 'shop']);
    const objs = docs(y1);
    await validateKube(objs);
    assert.deepEqual(objs.map((o) => o.kind), ['PersistentVolumeClaim', 'ConfigMap', 'Secret', 'Pod', 'Service']);
    // the env file: a ConfigMap, its secret-looking variable a Secret; -e over the file stays inline
    assert.deepEqual(objs.splice(1, 2), [
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-app-env' }, data: { MODE: 'fast', GREETING: 'file' } },
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'web-app-env' }, type: 'Opaque', data: { API_TOKEN: Buffer.from('t0k').toString('base64') } },
    ]);
    const pod = objs[1];
    assert.equal(pod.metadata.name, 'shop');
    assert.equal(pod.metadata.annotations['berth.io/pod-memory'], '256Mi');
    assert.equal(pod.metadata.labels.tier, 'web');
    const [web, client] = pod.spec.containers;
    assert.equal(web.name, 'web');
    assert.deepEqual(web.env, [{ name: 'GREETING', value: 'hi' }]);
    assert.deepEqual(web.envFrom, [{ configMapRef: { name: 'web-app-env' } }, { secretRef: { name: 'web-app-env' } }]);
    assert.deepEqual(web.resources, { limits: { memory: '64Mi', cpu: '500m' } });
    assert.deepEqual(web.livenessProbe, { exec: { command: ['/bin/sh', '-c', 'wget -qO- http://127.0.0.1/index.html'] }, periodSeconds: 30, failureThreshold: 2 });
    assert.deepEqual(web.securityContext, { capabilities: { drop: ['NET_RAW'] } });
    assert.deepEqual(web.volumeMounts, [{ name: 'webdata-pvc', mountPath: '/www' }]);
    assert.deepEqual(client.securityContext, { runAsUser: 1000, runAsGroup: 1000, readOnlyRootFilesystem: true });
    assert.deepEqual(objs[2].spec.ports, [{ name: '80-tcp', port: 80, targetPort: 80, nodePort: port }]);
    fs.writeFileSync(path.join(dir, 'shop.yaml'), y1);

    // play it in place of the pod it came from
    e.ok(['pod', 'rm', '-f', 'shop']);
    const out = e.ok(['kube', 'play', path.join(dir, 'shop.yaml')]);
    assert.match(out, /^Volume:\nwebdata\nPod:\n[0-9a-f]{64}\nContainers:\n[0-9a-f]{64}\n[0-9a-f]{64}$/);
    assert.equal(e.ok(['pod', 'inspect', 'shop', '--format', '{{.State}}']), 'Running');
    assert.equal(e.ok(['exec', 'shop-client', 'sh', '-c', WAIT_HTTP('http://localhost:80/index.html')]), 'shop-hi');
    assert.match(await fetchTcp('127.0.0.1', port, 'GET /index.html HTTP/1.0\r\n\r\n'), /shop-hi/);
    assert.equal(e.ok(['exec', 'shop-web', 'sh', '-c', 'echo $MODE $API_TOKEN $GREETING']), 'fast t0k hi');
    assert.deepEqual(e.inspect('shop-web').Config.Env.filter((x: string) => /^(MODE|API_TOKEN|GREETING)=/.test(x)).sort(), ['API_TOKEN=t0k', 'GREETING=hi', 'MODE=fast']);
    assert.equal(e.inspect('shop-web').HostConfig.Memory, 64 * 1024 * 1024);
    assert.equal(e.ok(['pod', 'inspect', 'shop', '--format', '{{.Memory}}']), String(256 * 1024 * 1024));
    const y2 = e.ok(['kube', 'generate', '--service', 'shop']);
    assert.equal(y2, y1);

    // a second play refuses; --replace plays it again
    const again = e.run(['kube', 'play', path.join(dir, 'shop.yaml')]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /pod shop already exists/);
    e.ok(['kube', 'play', '--replace', path.join(dir, 'shop.yaml')]);
    assert.equal(e.ok(['kube', 'generate', '--service', 'shop']), y1);
    const down = e.ok(['kube', 'down', path.join(dir, 'shop.yaml')]);
    assert.match(down, /^Pods removed:\n[0-9a-f]{64}$/);
    assert.equal(e.run(['pod', 'exists', 'shop']).code, 1);
    assert.equal(e.run(['inspect', 'shop-web']).code, 1);
  });

  test('generate --type deployment: replicas play as pods; the round trip is the same', async () => {
    e.ok(['pod', 'create', '--name', 'api', '--share', 'net,ipc,uts,pid']);
    e.ok(['run', '-d', '--pod', 'api', '--name', 'api-srv', '--restart', 'always', 'busybox', 'sleep', '1000']);
    const y1 = e.ok(['kube', 'generate', '--type', 'deployment', '--replicas', '2', 'api']);
    const objs = docs(y1);
    await validateKube(objs);
    assert.equal(objs[0].kind, 'Deployment');
    assert.equal(objs[0].spec.replicas, 2);
    assert.equal(objs[0].spec.template.spec.shareProcessNamespace, true);
    assert.equal(objs[0].spec.template.spec.restartPolicy, 'Always');
    fs.writeFileSync(path.join(dir, 'api.yaml'), y1);
    e.ok(['pod', 'rm', '-f', 'api']);
    e.ok(['kube', 'play', path.join(dir, 'api.yaml')]);
    const names = e.ok(['pod', 'ls', '--format', '{{.Name}} {{.Status}}']).split('\n').filter((l) => l.startsWith('api-')).sort();
    assert.deepEqual(names, ['api-pod-0 Running', 'api-pod-1 Running']);
    assert.match(e.ok(['exec', 'api-pod-1-srv', 'ps', '-o', 'pid,args']), /^\s*1\s+\/pause$/m);
    assert.equal(e.ok(['kube', 'generate', '--type', 'deployment', 'api-pod-0']), y1);
    e.ok(['kube', 'down', path.join(dir, 'api.yaml')]);
    assert.equal(e.ok(['pod', 'ls', '-q']).split('\n').filter(Boolean).length, 0);
  });

  test('generate of a single container validates and plays; an env file from a record made before env files were kept stays inline', async () => {
    const envFile = path.join(dir, 'solo.env');
    fs.writeFileSync(envFile, 'B=2\nDB_PASSWORD=pw\n');
    const id = e.ok(['run', '-d', '--name', 'solo', '-e', 'A=1', '--env-file', envFile, 'busybox', 'sleep', '1000']);
    const withFiles = docs(e.ok(['kube', 'generate', 'solo']));
    await validateKube(withFiles);
    assert.deepEqual(withFiles.map((o) => o.kind), ['ConfigMap', 'Secret', 'Pod']);
    assert.deepEqual(withFiles[2].spec.containers[0].env, [{ name: 'A', value: '1' }]);
    // an old record (no EnvFiles): everything inline, as before
    const recFile = path.join(e.root, 'containers', id, 'container.json');
    const rec = JSON.parse(fs.readFileSync(recFile, 'utf8'));
    assert.deepEqual(rec.EnvFiles, [{ File: envFile, Env: ['B=2', 'DB_PASSWORD=pw'] }]);
    delete rec.EnvFiles;
    fs.writeFileSync(recFile, JSON.stringify(rec));
    const y = e.ok(['kube', 'generate', 'solo']);
    const objs = docs(y);
    await validateKube(objs);
    assert.deepEqual(objs[0].spec.containers[0].env, [{ name: 'B', value: '2' }, { name: 'DB_PASSWORD', value: 'pw' }, { name: 'A', value: '1' }]);
    assert.equal(objs[0].spec.containers[0].envFrom, undefined);
    assert.equal(objs[0].metadata.name, 'solo-pod');
    assert.deepEqual(objs[0].spec.containers[0].args, ['sleep', '1000']);
    e.ok(['rm', '-f', 'solo']);
    fs.writeFileSync(path.join(dir, 'solo.yaml'), y);
    e.ok(['kube', 'play', path.join(dir, 'solo.yaml')]);
    assert.equal(e.ok(['exec', 'solo-pod-solo', 'sh', '-c', 'echo $A']), '1');
    assert.equal(e.ok(['kube', 'generate', 'solo-pod']), y);
    e.ok(['kube', 'down', path.join(dir, 'solo.yaml')]);
  });

  test('generate of a compose project: one Pod, service names on localhost; play answers on the published port; round trip', async () => {
    const cport = port + 1;
    const cfile = path.join(dir, 'compose.yaml');
    fs.writeFileSync(cfile, `services:\n  web:\n    image: busybox\n    command: ["sh", "-c", "mkdir -p /www && echo compose-web > /www/index.html && exec httpd -f -p 80 -h /www"]\n    ports: ["127.0.0.1:${cport}:80"]\n  client:\n    image: busybox\n    command: ["sleep", "1000"]\n`);
    const up = e.run(['compose', '-f', cfile, '-p', 'kshop', 'up', '-d']);
    assert.equal(up.code, 0, up.stderr);
    const y1 = e.ok(['kube', 'generate', 'kshop']);
    const objs = docs(y1);
    await validateKube(objs);
    assert.deepEqual(objs.map((o) => o.kind), ['Pod']);
    assert.deepEqual(objs[0].spec.containers.map((c: { name: string }) => c.name), ['client', 'web']);
    assert.deepEqual(objs[0].spec.hostAliases, [{ ip: '127.0.0.1', hostnames: ['client', 'web'] }]);
    const down = e.run(['compose', '-f', cfile, '-p', 'kshop', 'down', '-t', '1']);
    assert.equal(down.code, 0, down.stderr);
    fs.writeFileSync(path.join(dir, 'kshop.yaml'), y1);
    e.ok(['kube', 'play', path.join(dir, 'kshop.yaml')]);
    assert.equal(e.ok(['exec', 'kshop-client', 'sh', '-c', WAIT_HTTP('http://web:80/index.html')]), 'compose-web');
    assert.match(await fetchTcp('127.0.0.1', cport, 'GET /index.html HTTP/1.0\r\n\r\n'), /compose-web/);
    assert.equal(e.ok(['kube', 'generate', 'kshop']), y1);
    e.ok(['kube', 'down', path.join(dir, 'kshop.yaml')]);
  });

  test('play: ConfigMaps and Secrets reach env and volumes; generate gives them back (round trip); unsupported kinds are one line each; nothing runnable exits 1', async () => {
    const file = path.join(dir, 'cfg.yaml');
    fs.writeFileSync(file, [
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {MODE: fast, LEVEL: "3"}',
      'apiVersion: v1\nkind: Secret\nmetadata: {name: creds}\ndata: {PASSWORD: ' + Buffer.from('s3cret').toString('base64') + '}\nstringData: {USER: bob}',
      'apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec: {}',
      'apiVersion: v1\nkind: Pod\nmetadata: {name: cfg}\nspec:\n  restartPolicy: Never\n  containers:\n    - name: main\n      image: busybox\n      command: [sleep]\n      args: ["1000"]\n'
        + '      envFrom: [{configMapRef: {name: settings}, prefix: CFG_}]\n'
        + '      env:\n        - {name: PASS, valueFrom: {secretKeyRef: {name: creds, key: PASSWORD}}}\n        - {name: WHO, valueFrom: {secretKeyRef: {name: creds, key: USER}}}\n        - {name: PLAIN, value: x}\n'
        + '      volumeMounts: [{name: conf, mountPath: /etc/conf}, {name: sec, mountPath: /etc/sec}]\n'
        + '  volumes:\n    - {name: conf, configMap: {name: settings, items: [{key: MODE, path: sub/mode.txt}]}}\n    - {name: sec, secret: {secretName: creds}}\n',
    ].join('\n---\n'));
    const r = e.run(['kube', 'play', file]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, 'kube play: batch/v1/Job is not supported; skipped\n');
    assert.equal(e.ok(['exec', 'cfg-main', 'sh', '-c', 'echo $CFG_MODE $CFG_LEVEL $PASS $WHO $PLAIN']), 'fast 3 s3cret bob x');
    // configMap/secret volumes: the keys (or items) as files, read-only
    assert.equal(e.ok(['exec', 'cfg-main', 'sh', '-c', 'cat /etc/conf/sub/mode.txt; echo; ls /etc/conf; cat /etc/sec/PASSWORD /etc/sec/USER']), 'fast\nsub\ns3cretbob');
    const w = e.run(['exec', 'cfg-main', 'sh', '-c', 'echo x > /etc/sec/USER']);
    assert.notEqual(w.code, 0);
    assert.match(w.stderr, /Read-only file system/);
    // generate refers to the same objects again: envFrom (with its prefix) and the volumes
    const y1 = e.ok(['kube', 'generate', 'cfg']);
    const objs = docs(y1);
    await validateKube(objs);
    assert.deepEqual(objs.map((o) => `${o.kind}/${o.metadata.name}`), ['ConfigMap/settings', 'Secret/creds', 'Pod/cfg']);
    assert.deepEqual(objs[0].data, { MODE: 'fast', LEVEL: '3' });
    assert.deepEqual(objs[1].data, { PASSWORD: Buffer.from('s3cret').toString('base64'), USER: Buffer.from('bob').toString('base64') });
    assert.deepEqual(objs[2].spec.containers[0].envFrom, [{ configMapRef: { name: 'settings' }, prefix: 'CFG_' }]);
    assert.deepEqual(objs[2].spec.containers[0].volumeMounts, [{ name: 'conf', mountPath: '/etc/conf' }, { name: 'sec', mountPath: '/etc/sec' }]);
    assert.deepEqual(objs[2].spec.volumes, [{ name: 'conf', configMap: { name: 'settings', items: [{ key: 'MODE', path: 'sub/mode.txt' }] } }, { name: 'sec', secret: { secretName: 'creds' } }]);
    const file2 = path.join(dir, 'cfg2.yaml');
    fs.writeFileSync(file2, y1);
    e.ok(['kube', 'play', '--replace', file2]);
    assert.equal(e.ok(['exec', 'cfg-main', 'sh', '-c', 'echo $CFG_MODE $CFG_LEVEL $PASS $WHO $PLAIN; cat /etc/conf/sub/mode.txt /etc/sec/USER']), 'fast 3 s3cret bob x\nfastbob');
    assert.equal(e.ok(['kube', 'generate', 'cfg']), y1);
    const podId = e.ok(['pod', 'inspect', 'cfg', '--format', '{{.Id}}']);
    assert.ok(fs.existsSync(path.join(e.root, 'pods', 'kube-volumes', podId)));
    e.ok(['kube', 'down', file]);
    assert.equal(fs.existsSync(path.join(e.root, 'pods', 'kube-volumes', podId)), false);

    const bad = path.join(dir, 'bad.yaml');
    fs.writeFileSync(bad, 'apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: n}\n---\napiVersion: batch/v1\nkind: Job\nmetadata: {name: k}\n');
    const b = e.run(['kube', 'play', bad]);
    assert.equal(b.code, 1);
    const lines = b.stderr.trim().split('\n');
    assert.deepEqual(lines.slice(0, 2), ['kube play: batch/v1/Job is not supported; skipped', 'kube play: v1/Namespace is not supported; skipped']);
    assert.match(lines[2], /nothing in .* could be run/);
    assert.equal(lines.length, 3);
    for (const [text, re] of [
      ['kind: Pod\n', /apiVersion and kind are required/],
      ['apiVersion: v1\nkind: Pod\nmetadata: {name: "Bad_Name"}\nspec: {containers: []}\n', /not a valid Kubernetes name/],
      ['apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c}]}\n', /image is required/],
      ['apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: busybox, env: [{name: X, valueFrom: {configMapKeyRef: {name: nope, key: k}}}]}]}\n', /ConfigMap nope is not in the file/],
      ['{ unclosed', /document 1/],
      ['apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {k: v}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: busybox, volumeMounts: [{name: v, mountPath: /x}]}], volumes: [{name: v, configMap: {name: c, items: [{key: k, path: ../../etc/passwd}]}}]}\n', /must be relative, without '\.\.'/],
    ] as [string, RegExp][]) {
      fs.writeFileSync(bad, text);
      const x = e.run(['kube', 'play', bad]);
      assert.equal(x.code, 1, text);
      assert.match(x.stderr, re, text);
      assert.equal(x.stderr.trim().split('\n').length, 1, x.stderr);
    }
    assert.equal(e.ok(['pod', 'ls', '-q']), '');
  });
});
