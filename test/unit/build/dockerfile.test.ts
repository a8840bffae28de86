/** The Dockerfile parser (lines, directives, heredocs, forms, flags) and the variable expander, without root. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isBerthError } from '../../../src/errors.js';
import { parseDockerfile, parseTrigger, type Instruction } from '../../../src/build/dockerfile.js';
import { parseLines } from '../../../src/build/dockerfileLines.js';
import { expandWord, expandWords, LexError, splitWords } from '../../../src/build/shellLex.js';

const parse = (s: string) => parseDockerfile(s, 'Dockerfile');
const body = (s: string) => parse(s).stages[0].instructions;
function fails(text: string, msg: string | RegExp) {
  assert.throws(() => parse(text), (e: unknown) => {
    assert.ok(isBerthError(e, 'InvalidArgument'));
    assert.equal(e.exitCode, 1);
    if (typeof msg === 'string') assert.equal(e.message, msg);
    else assert.match(e.message, msg);
    return true;
  });
}

describe('dockerfile: lines and directives', () => {
  test('comments, blank lines, case-insensitive instruction words, leading whitespace', () => {
    const ins = body('# comment\n\nfrom busybox\n   # indented comment\n  run echo hi\n');
    assert.equal(ins.length, 1);
    assert.equal(ins[0].kind, 'RUN');
    assert.equal(ins[0].line, 5);
  });
  test('continuations join lines as written, skip comments and blank lines inside, accept \\r\\n and trailing blanks', () => {
    const [r] = body('FROM x\r\nRUN echo a \\\r\n# inner comment\r\n\r\n    b \\  \r\n c\r\n');
    assert.equal(r.kind === 'RUN' && 'shell' in r.cmd && r.cmd.shell, 'echo a     b  c');
    assert.equal(r.line, 2);
  });
  test('a continuation at end of file ends the instruction', () => {
    const [r] = body('FROM x\nRUN echo a \\');
    assert.deepEqual(r.kind === 'RUN' && r.cmd, { shell: 'echo a ' .trimEnd() });
  });
  test('# escape=` makes backtick the escape and continuation character; backslash is then literal', () => {
    const df = parse('# escape=`\nFROM x\nRUN dir c:\\ `\n  && echo ok\nWORKDIR c:\\windows\n');
    const [r, w] = df.stages[0].instructions;
    assert.equal(df.directives.escape, '`');
    assert.deepEqual(r.kind === 'RUN' && r.cmd, { shell: 'dir c:\\   && echo ok' });
    assert.equal(w.kind === 'WORKDIR' && w.value, 'c:\\windows');
  });
  test('# syntax is accepted and kept; directives are case-insensitive and allow spaces', () => {
    const df = parse('#  SYNTAX = docker/dockerfile:1\n# Escape=\\\nFROM x\n');
    assert.equal(df.directives.syntax, 'docker/dockerfile:1');
    assert.equal(df.directives.escape, '\\');
  });
  test('directives count only at the top: after a comment, a blank line or an unknown directive they are comments', () => {
    assert.equal(parse('# hello\n# escape=`\nFROM x\n').directives.escape, '\\');
    assert.equal(parse('\n# escape=`\nFROM x\n').directives.escape, '\\');
    assert.equal(parse('# unknown=1\n# escape=`\nFROM x\n').directives.escape, '\\');
    assert.equal(parse('FROM x\n# escape=`\n').directives.escape, '\\');
  });
  test('a repeated directive and a bad escape are errors with the line', () => {
    fails('# escape=\\\n# escape=`\nFROM x\n', 'Dockerfile:2: only one escape parser directive can be used');
    fails('# escape=x\nFROM x\n', /^Dockerfile:1: invalid escape token 'x'/);
  });
  test('flags are taken from the front of the arguments only', () => {
    const [l] = parseLines('RUN --mount=type=cache,target=/c --network=none echo --not-a-flag\n').lines;
    assert.deepEqual(l.flags, ['mount=type=cache,target=/c', 'network=none']);
    assert.equal(l.rest, 'echo --not-a-flag');
  });
});

describe('dockerfile: heredocs', () => {
  test('RUN <<EOF: body up to the delimiter line, with its newline', () => {
    const [r] = body('FROM x\nRUN <<EOF\necho a\necho "$HOME"\nEOF\nRUN true\n');
    assert.ok(r.kind === 'RUN');
    assert.equal(r.heredocs.length, 1);
    assert.deepEqual(r.heredocs[0], { name: 'EOF', body: 'echo a\necho "$HOME"\n', quoted: false, stripTabs: false });
    assert.equal(body('FROM x\nRUN <<EOF\necho a\nEOF\nRUN true\n').length, 2);
  });
  test('<<- strips leading tabs (also before the delimiter); quoted delimiters are marked', () => {
    const [r] = body("FROM x\nRUN <<-'END'\n\t\techo $A\n\tEND\n");
    assert.ok(r.kind === 'RUN');
    assert.deepEqual(r.heredocs[0], { name: 'END', body: 'echo $A\n', quoted: true, stripTabs: true });
    const [d] = body('FROM x\nRUN <<"X"\na\nX\n');
    assert.ok(d.kind === 'RUN' && d.heredocs[0].quoted);
  });
  test('several heredocs on one line, read in order', () => {
    const [c] = body('FROM x\nCOPY <<A <<B /dest/\none\nA\ntwo\nB\n');
    assert.ok(c.kind === 'COPY');
    assert.deepEqual(c.sources, ['<<A', '<<B']);
    assert.equal(c.dest, '/dest/');
    assert.deepEqual(c.heredocs.map((h) => [h.name, h.body]), [['A', 'one\n'], ['B', 'two\n']]);
  });
  test('a heredoc inside a longer command (cat <<EOF > file) and an empty body', () => {
    const [r, r2] = body('FROM x\nRUN cat <<EOF > /f\nhello\nEOF\nRUN cat <<E\nE\n');
    assert.ok(r.kind === 'RUN' && r2.kind === 'RUN');
    assert.deepEqual(r.cmd, { shell: 'cat <<EOF > /f' });
    assert.equal(r2.heredocs[0].body, '');
  });
  test('a here-string (<<<) and heredocs in other instructions are not heredocs', () => {
    const [r, e] = body('FROM x\nRUN cat <<<word\nENV A=<<B\n');
    assert.ok(r.kind === 'RUN' && r.heredocs.length === 0);
    assert.ok(e.kind === 'ENV');
  });
  test('an unterminated heredoc names its line', () => {
    fails('FROM x\nRUN <<EOF\necho a\n', 'Dockerfile:2: unterminated heredoc EOF');
  });
});

describe('dockerfile: instructions and forms', () => {
  test('exec form for valid JSON arrays of strings; Docker\'s fallback to shell form otherwise', () => {
    const ins = body('FROM x\nCMD ["a", "b c"]\nCMD [\'a\']\nENTRYPOINT ["a", 1]\nRUN [ "sh", "-c", "echo" ]\nCMD [not json\n');
    assert.deepEqual(ins.map((i) => ('cmd' in i ? i.cmd : undefined)), [
      { exec: ['a', 'b c'] }, { shell: "['a']" }, { shell: '["a", 1]' }, { exec: ['sh', '-c', 'echo'] }, { shell: '[not json' },
    ]);
  });
  test('FROM: image, AS name (case-insensitive, lower-cased), --platform; bad forms', () => {
    const df = parse('ARG V=1\nFROM --platform=linux/amd64 busybox:$V AS Build\nFROM scratch\n');
    assert.deepEqual(df.globalArgs[0].args, [{ name: 'V', value: '1' }]);
    assert.equal(df.stages[0].name, 'build');
    assert.equal(df.stages[0].from.platform, 'linux/amd64');
    assert.equal(df.stages[1].from.image, 'scratch');
    fails('FROM a b\n', 'Dockerfile:1: FROM requires either one or three arguments');
    fails('FROM a AS 1x\n', /^Dockerfile:1: invalid name for build stage/);
    fails('FROM a AS s\nFROM b AS s\n', 'Dockerfile:2: duplicate stage name "s"');
  });
  test('ENV and LABEL: pairs with quotes kept raw for the expander, and the legacy one-pair form', () => {
    const [e1, e2, l] = body('FROM x\nENV A=1 B="two words" C=three\\ words\nENV LEGACY value with spaces\nLABEL "com.x"="y" v=1\n');
    assert.deepEqual(e1.kind === 'ENV' && e1.pairs, [{ key: 'A', value: '1' }, { key: 'B', value: '"two words"' }, { key: 'C', value: 'three\\ words' }]);
    assert.deepEqual(e2.kind === 'ENV' && e2.pairs, [{ key: 'LEGACY', value: 'value with spaces' }]);
    assert.deepEqual(l.kind === 'LABEL' && l.pairs, [{ key: '"com.x"', value: '"y"' }, { key: 'v', value: '1' }]);
    fails('FROM x\nENV A=1 B\n', /^Dockerfile:2: Syntax error - can't find = in "B"/);
    fails('FROM x\nENV ONLY\n', 'Dockerfile:2: ENV must have two arguments');
  });
  test('ARG: several names, defaults', () => {
    const [a] = body('FROM x\nARG A B=2 C=\n');
    assert.deepEqual(a.kind === 'ARG' && a.args, [{ name: 'A' }, { name: 'B', value: '2' }, { name: 'C', value: '' }]);
  });
  test('COPY/ADD: sources, dest, JSON form, flags', () => {
    const [c, a, j] = body('FROM x\nCOPY --from=build --chown=1:2 --chmod=0755 --link --exclude=*.md --exclude=x a b* /d/\nADD --checksum=sha256:00 http://h/f /f\nCOPY ["a b", "/c d/"]\n');
    assert.ok(c.kind === 'COPY' && a.kind === 'ADD' && j.kind === 'COPY');
    assert.deepEqual([c.sources, c.dest, c.from, c.chown, c.chmod, c.link, c.exclude], [['a', 'b*'], '/d/', 'build', '1:2', '0755', true, ['*.md', 'x']]);
    assert.equal(a.checksum, 'sha256:00');
    assert.deepEqual([j.sources, j.dest, j.json], [['a b'], '/c d/', true]);
    fails('FROM x\nCOPY a\n', /^Dockerfile:2: COPY requires at least two arguments/);
    fails('FROM x\nCOPY --checksum=x a b\n', 'Dockerfile:2: unknown flag: checksum');
    fails('FROM x\nCOPY --from=a --from=b a b\n', 'Dockerfile:2: duplicate flag specified: from');
    fails('FROM x\nCOPY --link=maybe a b\n', /^Dockerfile:2: expecting boolean value for flag link/);
  });
  test('RUN flags: repeated --mount, --network; unknown flags refused', () => {
    const [r] = body('FROM x\nRUN --mount=type=cache,target=/a --mount=type=tmpfs,target=/t --network=none true\n');
    assert.deepEqual(r.kind === 'RUN' && [r.mounts, r.network], [['type=cache,target=/a', 'type=tmpfs,target=/t'], 'none']);
    fails('FROM x\nRUN --mnt=x true\n', 'Dockerfile:2: unknown flag: mnt');
  });
  test('HEALTHCHECK: NONE, CMD in both forms with options; errors', () => {
    const [n, h, s] = body('FROM x\nHEALTHCHECK NONE\nHEALTHCHECK --interval=5s --retries=3 CMD ["true"]\nHEALTHCHECK cmd curl -f http://x/\n');
    assert.deepEqual(n.kind === 'HEALTHCHECK' && n.none, true);
    assert.ok(h.kind === 'HEALTHCHECK' && !h.none && s.kind === 'HEALTHCHECK' && !s.none);
    assert.deepEqual([h.cmd, h.interval, h.retries], [{ exec: ['true'] }, '5s', '3']);
    assert.deepEqual(s.cmd, { shell: 'curl -f http://x/' });
    fails('FROM x\nHEALTHCHECK RUN x\n', /^Dockerfile:2: Unknown type "RUN" in HEALTHCHECK/);
    fails('FROM x\nHEALTHCHECK CMD\n', /^Dockerfile:2: Missing command after HEALTHCHECK CMD/);
  });
  test('SHELL requires JSON; VOLUME both forms; EXPOSE, WORKDIR, USER, STOPSIGNAL, MAINTAINER', () => {
    const ins = body('FROM x\nSHELL ["/bin/sh", "-ec"]\nVOLUME ["/a", "/b"]\nVOLUME /c /d\nEXPOSE 80 53/udp\nWORKDIR /w\nUSER u:g\nSTOPSIGNAL SIGINT\nMAINTAINER me\n');
    assert.deepEqual(ins.map((i) => i.kind), ['SHELL', 'VOLUME', 'VOLUME', 'EXPOSE', 'WORKDIR', 'USER', 'STOPSIGNAL', 'MAINTAINER']);
    assert.deepEqual(ins[0].kind === 'SHELL' && ins[0].shell, ['/bin/sh', '-ec']);
    assert.deepEqual(ins[2].kind === 'VOLUME' && ins[2].paths, { shell: '/c /d' });
    fails('FROM x\nSHELL /bin/bash -c\n', 'Dockerfile:2: SHELL requires the arguments to be in JSON form');
    fails('FROM x\nWORKDIR\n', 'Dockerfile:2: WORKDIR requires exactly one argument');
  });
  test('ONBUILD keeps its trigger text, checks it, refuses ONBUILD ONBUILD and FROM', () => {
    const [o] = body('FROM x\nONBUILD RUN echo --flag $X\n');
    assert.equal(o.kind === 'ONBUILD' && o.trigger, 'RUN echo --flag $X');
    const t = parseTrigger('COPY --chown=1 a b', 'Dockerfile', 9) as Extract<Instruction, { kind: 'COPY' | 'ADD' }>;
    assert.deepEqual([t.kind, t.chown, t.line], ['COPY', '1', 9]);
    fails('FROM x\nONBUILD ONBUILD RUN x\n', /^Dockerfile:2: Chaining ONBUILD/);
    fails('FROM x\nONBUILD FROM y\n', "Dockerfile:2: FROM isn't allowed as an ONBUILD trigger");
    fails('FROM x\nONBUILD RUNN y\n', 'Dockerfile:2: unknown instruction: RUNN');
  });
  test('unknown instruction, missing FROM, empty file', () => {
    fails('FROM x\n\n\n\n\n\nRUNN echo\n', 'Dockerfile:7: unknown instruction: RUNN');
    fails('ARG A\nRUN echo\n', 'Dockerfile:2: no build stage in current context');
    fails('# just a comment\n', 'Dockerfile: file with no instructions');
  });
});

describe('shellLex: variable substitution', () => {
  const env = new Map<string, string>([['A', 'a'], ['EMPTY', ''], ['SP', 'x y']]);
  const look = (n: string) => env.get(n);
  const x = (s: string) => expandWord(s, look);
  test('$V, ${V}, unset is empty, $ before a non-name is literal', () => {
    assert.equal(x('$A-${A}-$UNSET-${UNSET}-'), 'a-a---');
    assert.equal(x('cost: $ 5 $'), 'cost: $ 5 $');
    assert.equal(x('$A_b ${A}_b'), ' a_b');
  });
  test('${V:-d} ${V-d} ${V:+a} ${V+a}: set, empty, unset', () => {
    assert.deepEqual(['A', 'EMPTY', 'UNSET'].map((v) => x(`\${${v}:-d}|\${${v}-d}|\${${v}:+p}|\${${v}+p}`)), ['a|a|p|p', 'd|||p', 'd|d||']);
    assert.equal(x('${UNSET:-$A/x}'), 'a/x');
    assert.equal(x('${UNSET:-"q w"}'), 'q w');
  });
  test('${V:?msg} and ${V?msg} fail when unset', () => {
    assert.equal(x('${A:?no}'), 'a');
    assert.throws(() => x('${EMPTY:?must be set}'), (e: unknown) => e instanceof LexError && e.message === 'EMPTY: must be set');
    assert.equal(x('${EMPTY?x}'), '');
    assert.throws(() => x('${UNSET?}'), LexError);
  });
  test('escapes: \\$ is literal, \\\\ is one backslash; with backtick escape backslash is plain', () => {
    assert.equal(x('\\$A \\${A} \\\\$A'), '$A ${A} \\a');
    assert.equal(expandWord('`$A c:\\$A', look, '`'), '$A c:\\a');
  });
  test('quotes: single keep everything literal, double expand, both removed', () => {
    assert.equal(x(`'$A "x"' "$A 'y' \\" \\$" z`), `$A "x" a 'y' " $ z`);
    assert.equal(x('"a\\nb"'), 'a\\nb');
    assert.throws(() => x("'open"), LexError);
    assert.throws(() => x('"open'), LexError);
  });
  test('bad substitutions', () => {
    assert.throws(() => x('${A'), LexError);
    assert.throws(() => x('${}'), LexError);
    assert.throws(() => x('${A:x}'), LexError);
  });
  test('expandWords splits at unquoted whitespace, also inside values; quotes group', () => {
    assert.deepEqual(expandWords('80 $SP "a b" ${UNSET}', look), ['80', 'x', 'y', 'a b']);
    assert.deepEqual(expandWords('  ', look), []);
  });
  test('splitWords keeps quotes and escapes for the later expansion', () => {
    assert.deepEqual(splitWords('a="b c" d=e\\ f \'g h\''), ['a="b c"', 'd=e\\ f', "'g h'"]);
  });
});
