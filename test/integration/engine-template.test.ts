/** `--format` Go templates through the real CLI: inspect and ps against one busybox container. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { requiresRoot, tmpDir } from '../helpers.js';
import { Engine } from './engineHarness.js';

describe('--format templates through the CLI', requiresRoot, () => {
  const e = new Engine('berth-template-');
  const src = tmpDir('berth-template-src-');
  let pid = '';
  before(async () => {
    await e.init();
    e.ok(['run', '-d', '--name', 'web', '--network', 'none', '-l', 'com.example=yes', '-l', 'app=web', '-e', 'A=1', '-v', `${src}:/h`, 'busybox', 'sleep', '1000']);
    pid = e.ok(['inspect', '-f', '{{.State.Pid}}', 'web']);
  });
  after(() => {
    e.cleanup();
    fs.rmSync(src, { recursive: true, force: true });
  });

  test('inspect -f: control structures, variables, functions', () => {
    const f = (t: string) => e.ok(['inspect', '-f', t, 'web']);
    assert.match(pid, /^[1-9]\d*$/);
    assert.equal(f('{{if .State.Running}}up{{else}}down{{end}}'), 'up');
    assert.equal(f('{{with .State}}{{.Pid}}{{end}}'), pid);
    assert.equal(f('{{printf "%s:%d" .Name .State.Pid}}'), `/web:${pid}`);
    assert.equal(f('{{(index .Mounts 0).Source}}'), src);
    assert.equal(f('{{range $k, $v := .Config.Labels}}{{$k}}={{$v}} {{end}}'), 'app=web com.example=yes');
    assert.equal(f('{{range $k, $v := .NetworkSettings.Networks}}{{$k}}{{end}}'), 'none');
    assert.deepEqual(JSON.parse(f('{{json .Config.Labels}}')), { app: 'web', 'com.example': 'yes' });
    assert.ok((JSON.parse(f('{{.Config.Env | json}}')) as string[]).includes('A=1'));
    assert.equal(f('{{join .Args " "}}'), '1000');
    assert.equal(f('{{index .Config.Labels "com.example" | upper}}'), 'YES');
    assert.equal(f('{{- range .Mounts}}{{.Destination}}{{end -}}'), '/h');
  });

  test('ps --format: row method .Label and tables', () => {
    assert.equal(e.ok(['ps', '--format', '{{.Names}} {{.Label "com.example"}}']), 'web yes');
    const table = e.ok(['ps', '--format', 'table {{.Names}}\\t{{.Label "app"}}']).split('\n');
    assert.match(table[0], /^NAMES\s+LABEL$/);
    assert.match(table[1], /^web\s+web$/);
  });

  test('template errors: one line, exit 125 for parse errors, 1 for execution errors', () => {
    const parse = e.run(['inspect', '-f', '{{.Name', 'web']);
    assert.equal(parse.code, 125);
    assert.equal(parse.stderr, 'berth: template: :1: unclosed action\n');
    const exec = e.run(['inspect', '-f', '{{.Nope}}', 'web']);
    assert.equal(exec.code, 1);
    assert.match(exec.stderr, /^berth: template: :1:2: executing <\.Nope>: can't evaluate field Nope in type struct\n$/);
    const ps = e.run(['ps', '--format', '{{nope .Names}}']);
    assert.equal(ps.code, 125);
    assert.equal(ps.stderr, 'berth: template: :1: function "nope" not defined\n');
  });
});
