import assert from 'node:assert/strict';
import { test } from 'node:test';
import { printFormatted } from '../../src/cli/format/printFormatted.js';
import { renderTemplate } from '../../src/cli/format/renderTemplate.js';
import { goString } from '../../src/cli/template/goValue.js';
import { type BerthError, isBerthError } from '../../src/errors.js';
import { sprintf } from '../../src/cli/template/sprintf.js';

/** Shaped like `berth inspect` output. */
const C = {
  Id: 'abc123',
  Name: '/web',
  Args: ['-c', 'sleep 100'],
  State: { Status: 'running', Running: true, Paused: false, Pid: 4242, ExitCode: 0 },
  Mounts: [{ Type: 'volume', Name: 'data', Source: '/var/lib/berth/volumes/data/_data', Destination: '/data' }, { Type: 'bind', Source: '/etc/hosts', Destination: '/h' }],
  Config: { Hostname: 'abc', Env: ['PATH=/bin', 'A=1'], Cmd: ['sh'], Labels: { 'com.example': 'yes', app: 'web', 'a.b': '' } },
  HostConfig: { Memory: 0, Dns: [] as string[] },
  NetworkSettings: { IPAddress: '172.17.0.2', Networks: { bridge: { IPAddress: '172.17.0.2', Gateway: '172.17.0.1' }, backend: { IPAddress: '10.1.0.5', Gateway: '10.1.0.1' } } },
  Nothing: null,
};

const r = (t: string, d: unknown = C) => renderTemplate(t, d);

function fails(t: string, re: RegExp, exitCode?: number, d: unknown = C): void {
  assert.throws(() => r(t, d), (e: unknown) => {
    assert.ok(isBerthError(e, 'InvalidArgument'), String(e));
    assert.match((e as BerthError).message, re);
    assert.doesNotMatch((e as BerthError).message, /\n/);
    assert.equal((e as BerthError).exitCode, exitCode);
    return true;
  }, t);
}

test('fields, chains, text, comments and trim markers', () => {
  assert.equal(r('{{.Name}} {{.State.Pid}} {{.Config.Hostname}}'), '/web 4242 abc');
  assert.equal(r('id={{.Id}}\n'), 'id=abc123\n');
  assert.equal(r('{{/* a comment */}}x'), 'x');
  assert.equal(r('a  {{- /* c */ -}}  b'), 'ab');
  assert.equal(r('a \n {{- .Id -}} \n b'), 'aabc123b');
  assert.equal(r('{{-3}}'), '-3');
  assert.equal(r('{{ .Config.Labels.app }}'), 'web');
  assert.equal(r('{{.Config.Labels.nope}}'), '<no value>');
  assert.equal(r('{{.}}', 'plain'), 'plain');
});

test('printing values as Go does', () => {
  assert.equal(r('{{.Args}}'), '[-c sleep 100]');
  assert.equal(r('{{.Config.Labels}}'), 'map[a.b: app:web com.example:yes]');
  assert.equal(r('{{.State}}'), '{running true false 4242 0}');
  assert.equal(r('{{.Nothing}}'), '<nil>');
  assert.equal(r('{{.HostConfig.Dns}}'), '[]');
  assert.equal(r('{{.State.Running}} {{.HostConfig.Memory}} {{1.5}} {{0.00001}}'), 'true 0 1.5 1e-05');
  assert.equal(goString({ a: [1, null] }), 'map[a:[1 <nil>]]');
});

test('if / else if / else, with, truthiness', () => {
  assert.equal(r('{{if .State.Running}}up{{else}}down{{end}}'), 'up');
  assert.equal(r('{{if .State.Paused}}p{{else if .State.Running}}r{{else}}x{{end}}'), 'r');
  assert.equal(r('{{if .State.Paused}}p{{else if .State.ExitCode}}e{{else}}x{{end}}'), 'x');
  assert.equal(r('{{with .State}}{{.Pid}}{{end}}'), '4242');
  assert.equal(r('{{with .HostConfig.Dns}}has{{else}}none{{end}}'), 'none');
  assert.equal(r('{{with .Nothing}}x{{else with .Name}}{{.}}{{end}}'), '/web');
  for (const [v, want] of [[0, 'F'], [1, 'T'], ['', 'F'], ['x', 'T'], [[], 'F'], [[0], 'T'], [{}, 'F'], [{ a: 1 }, 'T'], [null, 'F'], [false, 'F'], [{ A: 1 }, 'T']] as const) {
    assert.equal(r('{{if .V}}T{{else}}F{{end}}', { V: v }), want, JSON.stringify(v));
  }
});

test('range over slices, maps (sorted), integers, with else, break and continue', () => {
  assert.equal(r('{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}'), '10.1.0.5 172.17.0.2 ');
  assert.equal(r('{{range $k, $v := .Config.Labels}}{{$k}}={{$v}};{{end}}'), 'a.b=;app=web;com.example=yes;');
  assert.equal(r('{{range $i, $e := .Args}}{{$i}}:{{$e}} {{end}}'), '0:-c 1:sleep 100 ');
  assert.equal(r('{{range $e := .Config.Env}}[{{$e}}]{{end}}'), '[PATH=/bin][A=1]');
  assert.equal(r('{{range .HostConfig.Dns}}x{{else}}empty{{end}}'), 'empty');
  assert.equal(r('{{range .Nothing}}x{{else}}nil{{end}}'), 'nil');
  assert.equal(r('{{range 3}}{{.}}{{end}}'), '012');
  assert.equal(r('{{range .Config.Env}}{{if eq . "A=1"}}{{break}}{{end}}{{.}}{{end}}'), 'PATH=/bin');
  assert.equal(r('{{range .Config.Env}}{{if eq . "PATH=/bin"}}{{continue}}{{end}}{{.}}{{end}}'), 'A=1');
  assert.equal(r('{{range .Mounts}}{{.Destination}}={{$.Name}} {{end}}'), '/data=/web /h=/web ');
});

test('variables: $, declare, assign, scope', () => {
  assert.equal(r('{{$n := .Name}}{{with .State}}{{$n}}:{{.Pid}}{{end}}'), '/web:4242');
  assert.equal(r('{{$x := 1}}{{if true}}{{$x = 2}}{{end}}{{$x}}'), '2');
  assert.equal(r('{{$c := 0}}{{range .Args}}{{$c = len .}}{{end}}{{$c}}'), '9');
  assert.equal(r('{{with $s := .State}}{{$s.Status}}{{end}}'), 'running');
  assert.equal(r('{{$.Id}}'), 'abc123');
  fails('{{if true}}{{$y := 1}}{{end}}{{$y}}', /undefined variable "\$y"/, 125);
});

test('pipelines, parentheses and literals', () => {
  assert.equal(r('{{.Config.Env | json}}'), '["PATH=/bin","A=1"]');
  assert.equal(r('{{.Name | printf "%s!" | upper}}'), '/WEB!');
  assert.equal(r('{{(index .Mounts 0).Source}}'), '/var/lib/berth/volumes/data/_data');
  assert.equal(r('{{(index .Mounts 1).Type | upper}}'), 'BIND');
  assert.equal(r('{{printf "%v %v %v %v %q" true 0x1F 1_000 nil `raw\\n`}}'), 'true 31 1000 <nil> "raw\\\\n"');
  assert.equal(r("{{printf \"%c\" 'a'}}"), 'a');
  assert.equal(r('{{"tab\\tquote\\""}}'), 'tab\tquote"');
  assert.equal(r('{{len (slice .Args 1)}}'), '1');
});

test('comparison and logic functions', () => {
  assert.equal(r('{{and 1 0 2}} {{and 1 2}} {{or 0 "" "x"}} {{or 0 ""}} {{not .Nothing}}'), '0 2 x  true');
  assert.equal(r('{{eq .State.Status "running"}} {{eq 1 2 1}} {{ne .Name "/x"}} {{eq .Nothing nil}}'), 'true true true true');
  assert.equal(r('{{lt 1 2}} {{le 2 2}} {{gt "b" "a"}} {{ge 1 3}}'), 'true true true false');
  assert.equal(r('{{if and .State.Running (eq .State.Pid 4242)}}ok{{end}}'), 'ok');
  assert.equal(r('{{if or .State.Paused (not .State.Running)}}no{{else}}yes{{end}}'), 'yes');
  fails('{{eq .Name 1}}', /error calling eq: incompatible types for comparison/);
  fails('{{lt true false}}', /invalid type for comparison/);
});

test('len, index (nested), slice, print, printf, println', () => {
  assert.equal(r('{{len .Args}} {{len .Config.Labels}} {{len .Name}}'), '2 3 4');
  assert.equal(r('{{index .Args 1}} {{index .Config.Labels "com.example"}} {{index .NetworkSettings.Networks "bridge" "Gateway"}}'), 'sleep 100 yes 172.17.0.1');
  assert.equal(r('[{{index .Config.Labels "missing"}}]'), '[]');
  assert.equal(r('{{slice .Args 0 1}} {{slice .Name 1}} {{slice .Name 1 3}}'), '[-c] web we');
  assert.equal(r('{{print "a" 1 2 "b"}}'), 'a1 2b');
  assert.equal(r('{{println .Name .State.Pid}}'), '/web 4242\n');
  assert.equal(r('{{printf "%s:%d" .Name .State.Pid}}'), '/web:4242');
  fails('{{index .Args 5}}', /^template: :1:2: executing <index \.Args 5>: error calling index: index out of range: 5$/);
});

test('printf verbs, widths, precision and mistakes', () => {
  assert.equal(sprintf('%s|%d|%v|%q|%t|%x|%X', ['a', 42, [1, 'b'], 'q"', false, 255, 'hi']), 'a|42|[1 b]|"q\\""|false|ff|6869');
  assert.equal(sprintf('[%5s][%-10s][%.2f][%05d][%+d][%.3s][%8.3f][%-5d|]', ['ab', 'cd', 3.14159, 42, 7, 'abcdef', 2.5, 3]), '[   ab][cd        ][3.14][00042][+7][abc][   2.500][3    |]');
  assert.equal(sprintf('%e %g %g %.3g %%', [1234.5678, 0.000012, 100000, 3.14159]), '1.234568e+03 1.2e-05 100000 3.14 %');
  assert.equal(sprintf('%d %s', ['x']), '%!d(string=x) %!s(MISSING)');
  assert.equal(sprintf('%s', ['a', 1]), 'a%!(EXTRA int=1)');
  assert.equal(sprintf('%d', [1.5]), '%!d(float64=1.5)');
  assert.equal(sprintf('%*d', [4, 7]), '   7');
});

test("Docker's functions: json, join, split, lower, upper, title, truncate, pad", () => {
  assert.equal(r('{{json .Config}}'), JSON.stringify(C.Config));
  assert.equal(r('{{json .Nothing}} {{json "<&>"}}'), 'null "<&>"');
  assert.equal(r('{{join .Args " "}}'), '-c sleep 100');
  assert.equal(r('{{join .HostConfig.Dns ","}}|'), '|');
  assert.equal(r('{{split "a,b,c" ","}} {{index (split .Name "/") 1}}'), '[a b c] web');
  assert.equal(r('{{lower "AbC"}} {{upper .State.Status}} {{title "hello big-world"}}'), 'abc RUNNING Hello Big-World');
  assert.equal(r('{{truncate .Id 3}} {{truncate "ab" 5}}'), 'abc ab');
  assert.equal(r('[{{pad .State.Status 1 2}}][{{pad "" 1 1}}]'), '[ running  ][]');
});

test('html, js, urlquery', () => {
  assert.equal(r('{{html "<a href=\\"x\\">&"}}'), '&lt;a href=&#34;x&#34;&gt;&amp;');
  assert.equal(r('{{js "it\'s <b>\\n"}}'), "it\\'s \\u003Cb\\u003E\\u000A");
  assert.equal(r('{{urlquery "a b&c=d/é!"}} {{html 1 2}}'), 'a+b%26c%3Dd%2F%C3%A9%21 1 2');
});

test('method calls on row objects (ps .Label "key")', () => {
  const labels: Record<string, string> = { 'com.example': 'yes' };
  const row = { ID: 'abc', Names: 'web', Label: (k: string) => labels[k] ?? '' };
  assert.equal(r('{{.Label "com.example"}}|{{.Label "x"}}|{{"com.example" | .Label}}', row), 'yes||yes');
  fails('{{.Label}}', /wrong number of args for Label: want 1 got 0/, undefined, row);
  fails('{{.ID "x"}}', /ID has arguments but cannot be invoked as function/, undefined, row);
  assert.equal(printFormatted('table {{.ID}}\\t{{.Label "com.example"}}', [row], { ID: 'CONTAINER ID' }), 'CONTAINER ID   LABEL\nabc            yes\n');
  assert.equal(printFormatted('{{.Names}}:{{.Label "com.example"}}', [row], {}), 'web:yes\n');
  assert.equal(printFormatted('table {{.ID}}\t{{.Label "x"}}', [], { ID: 'CONTAINER ID', Label: 'LABEL' }), 'CONTAINER ID   LABEL\n');
});

test('execution errors name the place and the cause', () => {
  fails('{{.Nope}}', /^template: :1:2: executing <\.Nope>: can't evaluate field Nope in type struct$/);
  fails('x\n  {{.State.Nope}}', /^template: :2:4: executing <\.State\.Nope>: can't evaluate field Nope in type struct$/);
  fails('{{.Name.X}}', /can't evaluate field X in type string/);
  fails('{{.Nothing.X}}', /nil pointer evaluating interface \{\}\.X/);
  fails('{{upper .State.Pid}}', /error calling upper: wrong type for value; expected string; got int/);
  fails('{{range .Name}}{{end}}', /range can't iterate over \/web/);
  fails('{{1 2}}', /can't give argument to non-function 1/);
  fails('{{nil}}', /nil is not a command/);
  assert.equal(r('{{.State.Health}}'), '<nil>');
});

test('parse errors: one line, template: prefix, exit code 125', () => {
  for (const [t, re] of [
    ['{{.Name', /^template: :1: unclosed action$/],
    ['{{if .State.Running}}x', /^template: :1: unexpected EOF$/],
    ['{{end}}', /unexpected \{\{end\}\}/],
    ['{{nope .Name}}', /function "nope" not defined/],
    ['{{if}}{{end}}', /missing value for if/],
    ['{{$x}}', /undefined variable "\$x"/],
    ['{{break}}', /\{\{break\}\} outside \{\{range\}\}/],
    ['{{/* open', /unclosed comment/],
    ['{{"abc}}', /unterminated quoted string/],
    ['{{.Name | "x"}}', /non executable command in pipeline stage 2/],
    ['{{(.Name}}', /unclosed left paren/],
    ['{{.Name}}\n{{.A %}}', /^template: :2: unrecognized character in action/],
    ['{{range $a, $b, $c := .Args}}{{end}}', /unexpected/],
  ] as const) fails(t, re, 125);
});

test('define, template and block (Go\'s scoping: the callee\'s $ is the dot it is given)', () => {
  assert.equal(r('{{define "n"}}<{{.Name}}|{{$.Id}}>{{end}}{{template "n" .}}'), '</web|abc123>');
  assert.equal(r('{{define "s"}}[{{.}}]{{end}}{{template "s" .State.Status}}{{template "s"}}'), '[running][<nil>]');
  assert.equal(r('{{block "b" .Name}}({{.}}){{end}}-{{template "b" "x"}}'), '(/web)-(x)');
  assert.equal(r('{{block "b" .Name}}({{.}}){{end}}{{define "b"}}!{{.}}!{{end}}'), '!/web!');
  assert.equal(r('{{define "n"}}A{{end}}{{define "n"}}B{{end}}{{template "n"}}'), 'B');
  assert.equal(r('{{range .Args}}{{template "q" .}}{{end}}{{define "q"}}"{{.}}"{{end}}'), '"-c""sleep 100"');
  assert.equal(r('{{$x := 1}}{{define "v"}}{{$}}{{end}}{{template "v" 2}}{{$x}}'), '21');
  fails('{{template "nope" .}}', /^template: :1:2: executing <\{\{template "nope" \.\}\}>: template "nope" not defined$/);
  fails('{{define "r"}}{{template "r" .}}{{end}}{{template "r" .}}', /exceeded maximum template depth \(1000\)$/);
  fails('{{if true}}{{define "x"}}{{end}}{{end}}', /^template: :1: unexpected <define> in command$/, 125);
  fails('{{define "d"}}{{$y}}{{end}}', /undefined variable "\$y"/, 125);
  fails('{{define "d"}}x', /unexpected EOF/, 125);
  fails('{{template .Name}}', /unexpected .* in template clause/, 125);
});
