/**
 * The layers HACKING.md draws, checked on the source: src/sys is the bottom (it imports no
 * other layer), only src/sys reads /proc and /sys or spawns programs, and no two modules
 * import each other (a cycle hidden behind a dynamic import() counts, unless listed below).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';
import { projectDir } from '../helpers.js';

const SRC = path.join(projectDir, 'src');

/** Files outside src/sys allowed to read /proc or /sys or to spawn, with the reason. */
const EFFECT_ALLOWED: Record<string, string> = {};

/** Cycles through a dynamic import() that are there on purpose, with the reason. */
const DYNAMIC_CYCLES_ALLOWED: Record<string, string> = {
  'runtime/seccomp/cache.ts -> runtime/seccomp/compile.ts':
    'start-up speed of run: a cache hit loads only cache.ts; compile.ts (and the profile and codegen) loads on a miss; cache.ts takes only types from it',
};

interface Module {
  rel: string;
  sf: ts.SourceFile;
  /** Value imports (import type and type-only names left out: they are erased). */
  imports: string[];
  dynamicImports: string[];
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

function resolveSpec(from: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  return path.relative(SRC, path.resolve(path.dirname(path.join(SRC, from)), spec.replace(/\.js$/, '.ts')));
}

function isTypeOnly(st: ts.ImportDeclaration | ts.ExportDeclaration): boolean {
  if (ts.isExportDeclaration(st)) return st.isTypeOnly;
  const c = st.importClause;
  if (!c) return false; // a bare `import './x.js'` runs the module
  if (c.isTypeOnly) return true;
  const b = c.namedBindings;
  return !c.name && !!b && ts.isNamedImports(b) && b.elements.length > 0 && b.elements.every((e) => e.isTypeOnly);
}

function load(): Map<string, Module> {
  const mods = new Map<string, Module>();
  for (const file of sourceFiles(SRC)) {
    const rel = path.relative(SRC, file);
    const sf = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
    const imports: string[] = [];
    const dynamicImports: string[] = [];
    for (const st of sf.statements) {
      if ((ts.isImportDeclaration(st) || ts.isExportDeclaration(st)) && st.moduleSpecifier && ts.isStringLiteral(st.moduleSpecifier) && !isTypeOnly(st)) {
        imports.push(st.moduleSpecifier.text);
      }
    }
    const visit = (n: ts.Node): void => {
      if (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.ImportKeyword && n.arguments[0] && ts.isStringLiteral(n.arguments[0])) {
        dynamicImports.push(n.arguments[0].text);
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
    mods.set(rel, { rel, sf, imports, dynamicImports });
  }
  return mods;
}

const mods = load();

/** Strongly connected components of more than one module (Tarjan). */
function cycles(edges: (m: Module) => string[]): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const out: string[][] = [];
  const connect = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    for (const w of edges(mods.get(v)!)) {
      if (!mods.has(w)) continue;
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (stack.includes(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const c: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        c.push(w);
      } while (w !== v);
      if (c.length > 1) out.push(c.sort());
    }
  };
  for (const v of [...mods.keys()].sort()) if (!index.has(v)) connect(v);
  return out;
}

const local = (m: Module, specs: string[]) => specs.map((s) => resolveSpec(m.rel, s)).filter((s): s is string => s !== undefined);

test('src/sys imports no other layer of berth (errors.ts aside)', () => {
  const bad: string[] = [];
  for (const m of mods.values()) {
    if (!m.rel.startsWith('sys/')) continue;
    for (const dep of local(m, [...m.imports, ...m.dynamicImports])) if (!dep.startsWith('sys/') && dep !== 'errors.ts') bad.push(`${m.rel} -> ${dep}`);
  }
  assert.deepEqual(bad, []);
});

/** The text a path argument starts with, when the source says: a literal, a same-file constant, a parameter's default, path.join's first part. */
function pathHead(arg: ts.Expression, sf: ts.SourceFile): string | undefined {
  if (ts.isStringLiteral(arg) || ts.isNoSubstitutionTemplateLiteral(arg)) return arg.text;
  if (ts.isTemplateExpression(arg)) return arg.head.text;
  if (ts.isCallExpression(arg) && /^path\.(join|resolve)$/.test(arg.expression.getText(sf)) && arg.arguments[0]) return pathHead(arg.arguments[0], sf);
  if (ts.isIdentifier(arg)) {
    let found: string | undefined;
    const visit = (n: ts.Node): void => {
      if ((ts.isVariableDeclaration(n) || ts.isParameter(n)) && ts.isIdentifier(n.name) && n.name.text === arg.text && n.initializer) {
        found ??= pathHead(n.initializer, sf);
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
    return found;
  }
  return undefined;
}

function effects(m: Module): string[] {
  const out: string[] = [];
  const fsNames = new Set<string>();
  for (const st of m.sf.statements) {
    if (!ts.isImportDeclaration(st) || !ts.isStringLiteral(st.moduleSpecifier)) continue;
    const spec = st.moduleSpecifier.text;
    if (/^(node:)?child_process$/.test(spec)) out.push(`imports ${spec}`);
    if (/^(node:)?fs(\/promises)?$/.test(spec)) {
      const c = st.importClause;
      if (c?.name) fsNames.add(c.name.text);
      if (c?.namedBindings && ts.isNamespaceImport(c.namedBindings)) fsNames.add(c.namedBindings.name.text);
      if (c?.namedBindings && ts.isNamedImports(c.namedBindings)) for (const e of c.namedBindings.elements) fsNames.add(e.name.text);
    }
  }
  const visit = (n: ts.Node): void => {
    if (ts.isCallExpression(n) && n.arguments[0]) {
      const callee = n.expression.getText(m.sf);
      const root = callee.split('.')[0];
      if (fsNames.has(root)) {
        const head = pathHead(n.arguments[0], m.sf);
        if (head !== undefined && /^\/(proc|sys)(\/|$)/.test(head)) {
          out.push(`line ${m.sf.getLineAndCharacterOfPosition(n.getStart(m.sf)).line + 1}: ${callee}(${n.arguments[0].getText(m.sf)})`);
        }
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(m.sf);
  return out;
}

test('only src/sys reads /proc and /sys through fs or spawns programs', () => {
  const bad: string[] = [];
  for (const m of mods.values()) {
    if (m.rel.startsWith('sys/') || EFFECT_ALLOWED[m.rel]) continue;
    for (const e of effects(m)) bad.push(`${m.rel}: ${e}`);
  }
  assert.deepEqual(bad, []);
});

test('the checks above see what they look for', () => {
  const probe = (rel: string, text: string): Module => ({ rel, sf: ts.createSourceFile(rel, text, ts.ScriptTarget.ES2022, true), imports: [], dynamicImports: [] });
  assert.equal(effects(probe('engine/x.ts', "import fs from 'node:fs';\nconst F = '/proc/self/mountinfo';\nfs.readFileSync(F, 'utf8');\nfs.existsSync(`/proc/${1}/ns/net`);\nfs.readFileSync(path.join('/sys/fs/cgroup', 'x'));")).length, 3);
  assert.deepEqual(effects(probe('engine/y.ts', "import { spawnSync } from 'node:child_process';")), ['imports node:child_process']);
  assert.deepEqual(effects(probe('engine/z.ts', "import fs from 'node:fs';\nfs.readFileSync('/etc/passwd');\nconst p = `/proc/${1}/root`;")), []);
});

test('no static import cycles between modules', () => {
  assert.deepEqual(cycles((m) => local(m, m.imports)), []);
});

test('no cycle hidden behind a dynamic import(), except those kept for start-up speed', () => {
  const found = cycles((m) => local(m, [...m.imports, ...m.dynamicImports]));
  const unexplained: string[] = [];
  for (const c of found) {
    const inCycle = new Set(c);
    // The dynamic edges inside the cycle, each named "from -> to".
    const edges = c.flatMap((rel) => local(mods.get(rel)!, mods.get(rel)!.dynamicImports).filter((d) => inCycle.has(d)).map((d) => `${rel} -> ${d}`));
    if (!edges.length || !edges.every((e) => DYNAMIC_CYCLES_ALLOWED[e])) unexplained.push(c.join(', '));
  }
  assert.deepEqual(unexplained, []);
});
