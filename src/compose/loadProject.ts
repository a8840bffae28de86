/**
 * A compose project from its files: find them (`-f`, COMPOSE_FILE, or compose.yaml /
 * docker-compose.yml and its override in the directory or a parent), read the environment
 * (the shell over `.env` or `--env-file`), then per file: YAML -> interpolation -> the
 * compose-spec schema -> `extends` -> `include`; files merged in order; the project name
 * (-p, COMPOSE_PROJECT_NAME, `name:`, the directory); profiles; normalisation. The runner
 * only ever sees the result.
 */
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { configError } from './configError.js';
import { parseDotEnv } from './dotenv.js';
import { resolveExtends } from './extends.js';
import { interpolateTree, type Lookup } from './interpolate.js';
import { isDict, mergeProjects, type Dict } from './merge.js';
import { normalizeProject } from './normalizeProject.js';
import { rebaseService } from './normalizeService.js';
import { validateSchema } from './schema.js';
import type { Project } from './types.js';

export interface LoadOptions {
  /** `-f` files, in order (empty: COMPOSE_FILE or the default names). */
  files?: string[];
  projectName?: string;
  projectDirectory?: string;
  /** `--env-file` (instead of `<project dir>/.env`). */
  envFiles?: string[];
  /** `--profile` (added to COMPOSE_PROFILES). */
  profiles?: string[];
  /** Services named on the command line: their profiles count as enabled. */
  selected?: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Warnings (an unset variable, the obsolete `version`). */
  warn?: (msg: string) => void;
}

const DEFAULT_FILES = ['compose.yaml', 'compose.yml', 'docker-compose.yaml', 'docker-compose.yml'];
const OVERRIDE_FILES = ['compose.override.yaml', 'compose.override.yml', 'docker-compose.override.yaml', 'docker-compose.override.yml'];

/** The default file in `dir` or the nearest parent, with its override file when there is one. */
export function findDefaultFiles(dir: string): string[] {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    const main = DEFAULT_FILES.map((f) => path.join(d, f)).find((f) => fs.existsSync(f));
    if (main) {
      const over = OVERRIDE_FILES.map((f) => path.join(d, f)).find((f) => fs.existsSync(f));
      return over ? [main, over] : [main];
    }
    if (path.dirname(d) === d) break;
  }
  throw configError('no configuration file provided: not found');
}

function readEnvFile(file: string, lookup: Lookup): Record<string, string> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw configError(`couldn't find env file: ${file}`, { cause: e });
  }
  return parseDotEnv(text, file, lookup);
}

/** The environment interpolation sees: `.env` (or the --env-files, later ones winning) under the shell's. */
export function projectEnvironment(dir: string, envFiles: string[] | undefined, shell: NodeJS.ProcessEnv, cwd: string): Record<string, string> {
  const shellVars = Object.fromEntries(Object.entries(shell).filter((e): e is [string, string] => e[1] !== undefined));
  const fromFiles: Record<string, string> = {};
  const lookup: Lookup = (n) => shellVars[n] ?? fromFiles[n];
  if (envFiles?.length) for (const f of envFiles) Object.assign(fromFiles, readEnvFile(path.resolve(cwd, f), lookup));
  else if (fs.existsSync(path.join(dir, '.env')) && fs.statSync(path.join(dir, '.env')).isFile()) Object.assign(fromFiles, readEnvFile(path.join(dir, '.env'), lookup));
  return { ...fromFiles, ...shellVars };
}

/** YAML text -> the tree, or one line naming the file and line. */
export function parseYaml(text: string, file: string): Dict {
  const doc = YAML.parseDocument(text, { merge: true, uniqueKeys: true, prettyErrors: true });
  const err = doc.errors[0];
  if (err) {
    const line = err.linePos?.[0]?.line;
    throw configError(`${file}: yaml: ${line ? `line ${line}: ` : ''}${err.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`);
  }
  const v = doc.toJS({ maxAliasCount: 10_000 }) as unknown;
  if (v === null || v === undefined) throw configError(`${file}: empty compose file`);
  if (!isDict(v)) throw configError(`${file}: Top-level object must be a mapping`);
  return v;
}

/** Docker's project-name rule: lowercase letters, digits, `-` and `_`, starting with a letter or digit. */
export function normalizeProjectName(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9_-]/g, '').replace(/^[^a-z0-9]+/, '');
}

function checkProjectName(s: string, from: string): string {
  if (!/^[a-z0-9][a-z0-9_-]*$/.test(s)) {
    throw configError(`invalid project name "${s}"${from}: must consist only of lowercase alphanumeric characters, hyphens, and underscores as well as start with a letter or number`);
  }
  return s;
}

export function loadProject(o: LoadOptions = {}): Project {
  const cwd = o.cwd ?? process.cwd();
  const shell = o.env ?? process.env;
  const warned = new Set<string>();
  const warn = (m: string) => {
    if (!warned.has(m)) o.warn?.(m);
    warned.add(m);
  };
  const envDir = path.resolve(cwd, o.projectDirectory ?? (o.files?.length ? path.dirname(path.resolve(cwd, o.files[0])) : '.'));
  const environment = projectEnvironment(envDir, o.envFiles, shell, cwd);
  const lookup: Lookup = (n) => environment[n];
  const files = configFiles(o, environment, cwd);
  const workingDir = path.resolve(cwd, o.projectDirectory ?? path.dirname(files[0]));
  const cache = new Map<string, Dict>();
  const read = (file: string): Dict => {
    const hit = cache.get(file);
    if (hit) return hit;
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      throw configError(`open ${file}: no such file or directory`, { cause: e });
    }
    const tree = interpolateTree(parseYaml(text, file), { lookup, warn: (n) => warn(`The "${n}" variable is not set. Defaulting to a blank string.`) }) as Dict;
    validateSchema(tree, file);
    cache.set(file, tree);
    return tree;
  };
  let merged: Dict = {};
  for (const f of files) {
    const tree = read(f);
    if (tree.version !== undefined) warn(`${f}: the attribute \`version\` is obsolete, it will be ignored, please remove it to avoid potential confusion`);
    merged = mergeProjects(merged, withIncludes(resolveExtends(tree, f, read), f, read));
  }
  const name = projectName(o, environment, merged, workingDir);
  const profiles = [...(o.profiles ?? []), ...(environment.COMPOSE_PROFILES ?? '').split(',').map((p) => p.trim()).filter(Boolean)];
  const n = normalizeProject({ name, dir: workingDir, lookup, model: merged, profiles, selected: o.selected ?? [] });
  return { name, workingDir, configFiles: files, environment, services: n.services, networks: n.networks, volumes: n.volumes, model: n.model, disabled: n.disabled };
}

function configFiles(o: LoadOptions, env: Record<string, string>, cwd: string): string[] {
  if (o.files?.length) return o.files.map((f) => path.resolve(cwd, f));
  if (env.COMPOSE_FILE) return env.COMPOSE_FILE.split(env.COMPOSE_PATH_SEPARATOR || ':').filter(Boolean).map((f) => path.resolve(cwd, f));
  return findDefaultFiles(path.resolve(cwd, o.projectDirectory ?? '.'));
}

function projectName(o: LoadOptions, env: Record<string, string>, model: Dict, dir: string): string {
  if (o.projectName) return checkProjectName(o.projectName, '');
  if (env.COMPOSE_PROJECT_NAME) return checkProjectName(env.COMPOSE_PROJECT_NAME, ' (COMPOSE_PROJECT_NAME)');
  if (typeof model.name === 'string' && model.name) return checkProjectName(model.name, ' (name:)');
  const n = normalizeProjectName(path.basename(dir));
  if (!n) throw configError(`project name must not be empty: name the project with -p or name:`);
  return n;
}

/**
 * Top-level `include:` — each entry's files loaded as their own part (relative to them), its
 * services, networks and volumes added; one already defined here is a conflict.
 */
function withIncludes(tree: Dict, file: string, read: (f: string) => Dict): Dict {
  if (!Array.isArray(tree.include)) return tree;
  const { include, ...rest } = tree;
  let out: Dict = rest;
  for (const entry of include as unknown[]) {
    const paths = typeof entry === 'string' ? [entry] : [(entry as Dict).path].flat().map(String);
    let part: Dict = {};
    for (const p of paths) {
      const f = path.resolve(path.dirname(file), p);
      const loaded = withIncludes(resolveExtends(read(f), f, read), f, read);
      const services = Object.fromEntries(Object.entries(isDict(loaded.services) ? loaded.services : {}).map(([n, s]) => [n, isDict(s) ? rebaseService(s, path.dirname(f)) : s]));
      part = mergeProjects(part, { ...loaded, services });
    }
    for (const k of ['services', 'networks', 'volumes', 'secrets', 'configs']) {
      const mine = isDict(out[k]) ? (out[k] as Dict) : {};
      const theirs = isDict(part[k]) ? (part[k] as Dict) : {};
      for (const name of Object.keys(theirs)) if (name in mine) throw configError(`${file}: ${k}.${name} conflicts with imported resource`);
      if (Object.keys(theirs).length) out = { ...out, [k]: { ...theirs, ...mine } };
    }
  }
  return out;
}
