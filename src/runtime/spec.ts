/**
 * The OCI runtime spec's config.json: the parts berth reads, and a validator
 * that names the offending field. Hand-written (no schema library) to keep
 * `berth runtime run` quick to start.
 */
import fs from 'node:fs';
import path from 'node:path';
import { errnoCode, invalidArgument, notFound } from '../errors.js';

export interface Mount { destination: string; type?: string; source?: string; options?: string[] }
export interface IdMapping { containerID: number; hostID: number; size: number }
export interface Rlimit { type: string; soft: number; hard: number }
export interface Capabilities { bounding?: string[]; effective?: string[]; inheritable?: string[]; permitted?: string[]; ambient?: string[] }
export interface Hook { path: string; args?: string[]; env?: string[]; timeout?: number }
export interface Hooks {
  prestart?: Hook[]; createRuntime?: Hook[]; createContainer?: Hook[]; startContainer?: Hook[]; poststart?: Hook[]; poststop?: Hook[];
}
export interface Device { type: string; path: string; major?: number; minor?: number; fileMode?: number; uid?: number; gid?: number }
export interface Namespace { type: string; path?: string }
export interface Process {
  terminal?: boolean;
  consoleSize?: { height: number; width: number };
  user: { uid: number; gid: number; umask?: number; additionalGids?: number[] };
  args: string[];
  env?: string[];
  cwd: string;
  capabilities?: Capabilities;
  rlimits?: Rlimit[];
  noNewPrivileges?: boolean;
  apparmorProfile?: string;
  oomScoreAdj?: number;
}
export interface Spec {
  ociVersion: string;
  process?: Process;
  root?: { path: string; readonly?: boolean };
  hostname?: string;
  domainname?: string;
  mounts?: Mount[];
  hooks?: Hooks;
  annotations?: Record<string, string>;
  linux?: {
    namespaces?: Namespace[];
    uidMappings?: IdMapping[];
    gidMappings?: IdMapping[];
    devices?: Device[];
    cgroupsPath?: string;
    resources?: Record<string, unknown>;
    rootfsPropagation?: string;
    seccomp?: Record<string, unknown>;
    sysctl?: Record<string, string>;
    maskedPaths?: string[];
    readonlyPaths?: string[];
    mountLabel?: string;
  };
}

export const NAMESPACE_TYPES = ['pid', 'network', 'mount', 'ipc', 'uts', 'user', 'cgroup', 'time'] as const;

/** Read and validate BUNDLE/config.json. */
export function loadSpec(bundle: string): Spec {
  const file = path.join(bundle, 'config.json');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') throw notFound(`no config.json in bundle \`${bundle}\``, { hint: 'create one with `berth runtime spec`' });
    throw e;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw invalidArgument(`config.json in \`${bundle}\` is not valid JSON: ${(e as Error).message}`);
  }
  return validateSpec(raw);
}

class Checker {
  constructor(private readonly field: string) {}
  fail(what: string): never {
    throw invalidArgument(`invalid config.json: ${this.field}: ${what}`, { code: 'config.invalid' });
  }
  at(sub: string | number): Checker {
    return new Checker(typeof sub === 'number' ? `${this.field}[${sub}]` : this.field ? `${this.field}.${sub}` : sub);
  }
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown, c: Checker, optional = false): void {
  if (v === undefined && optional) return;
  if (typeof v !== 'string') c.fail(optional ? 'must be a string' : 'is required and must be a string');
}
function uint(v: unknown, c: Checker, optional = false): void {
  if (v === undefined && optional) return;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) c.fail('must be a non-negative integer');
}
function strArray(v: unknown, c: Checker, optional = true): void {
  if (v === undefined && optional) return;
  if (!Array.isArray(v)) c.fail('must be an array of strings');
  v.forEach((s, i) => str(s, c.at(i)));
}
function arr(v: unknown, c: Checker, each: (x: unknown, c: Checker) => void): void {
  if (v === undefined) return;
  if (!Array.isArray(v)) c.fail('must be an array');
  v.forEach((x, i) => each(x, c.at(i)));
}
function obj(v: unknown, c: Checker, optional = true): v is Record<string, unknown> {
  if (v === undefined && optional) return false;
  if (!isObj(v)) c.fail('must be an object');
  return true;
}

export function validateSpec(raw: unknown): Spec {
  const c: Checker = new Checker('');
  if (!isObj(raw)) c.fail('must be a JSON object');
  str(raw.ociVersion, c.at('ociVersion'));
  if (obj(raw.root, c.at('root'))) str(raw.root.path, c.at('root').at('path'));
  else c.at('root').fail('is required');
  str(raw.hostname, c.at('hostname'), true);
  str(raw.domainname, c.at('domainname'), true);
  arr(raw.mounts, c.at('mounts'), (m, mc) => {
    if (!obj(m, mc, false)) return;
    str(m.destination, mc.at('destination'));
    if (!String(m.destination).startsWith('/')) mc.at('destination').fail('must be an absolute path');
    str(m.type, mc.at('type'), true);
    str(m.source, mc.at('source'), true);
    strArray(m.options, mc.at('options'));
  });
  if (obj(raw.process, c.at('process'))) validateProcess(raw.process, c.at('process'));
  if (obj(raw.hooks, c.at('hooks'))) {
    for (const [phase, list] of Object.entries(raw.hooks)) {
      arr(list, c.at('hooks').at(phase), (h, hc) => {
        if (!obj(h, hc, false)) return;
        str(h.path, hc.at('path'));
        if (!String(h.path).startsWith('/')) hc.at('path').fail('must be an absolute path');
        strArray(h.args, hc.at('args'));
        strArray(h.env, hc.at('env'));
        uint(h.timeout, hc.at('timeout'), true);
      });
    }
  }
  if (obj(raw.linux, c.at('linux'))) validateLinux(raw.linux, c.at('linux'));
  return raw as unknown as Spec;
}

function validateProcess(p: Record<string, unknown>, c: Checker): void {
  strArray(p.args, c.at('args'), false);
  if ((p.args as unknown[]).length === 0) c.at('args').fail('must not be empty');
  strArray(p.env, c.at('env'));
  str(p.cwd, c.at('cwd'));
  if (!String(p.cwd).startsWith('/')) c.at('cwd').fail('must be an absolute path');
  if (obj(p.user, c.at('user'), false)) {
    uint(p.user.uid, c.at('user').at('uid'));
    uint(p.user.gid, c.at('user').at('gid'));
    uint(p.user.umask, c.at('user').at('umask'), true);
    arr(p.user.additionalGids, c.at('user').at('additionalGids'), uint);
  }
  if (p.terminal !== undefined && typeof p.terminal !== 'boolean') c.at('terminal').fail('must be a boolean');
  if (obj(p.capabilities, c.at('capabilities'))) {
    for (const [k, v] of Object.entries(p.capabilities)) strArray(v, c.at('capabilities').at(k));
  }
  arr(p.rlimits, c.at('rlimits'), (r, rc) => {
    if (!obj(r, rc, false)) return;
    str(r.type, rc.at('type'));
    uint(r.soft, rc.at('soft'));
    uint(r.hard, rc.at('hard'));
  });
  if (p.oomScoreAdj !== undefined && (typeof p.oomScoreAdj !== 'number' || p.oomScoreAdj < -1000 || p.oomScoreAdj > 1000)) {
    c.at('oomScoreAdj').fail('must be an integer between -1000 and 1000');
  }
}

function validateLinux(l: Record<string, unknown>, c: Checker): void {
  arr(l.namespaces, c.at('namespaces'), (n, nc) => {
    if (!obj(n, nc, false)) return;
    str(n.type, nc.at('type'));
    if (!(NAMESPACE_TYPES as readonly string[]).includes(String(n.type))) nc.at('type').fail(`unknown namespace type \`${String(n.type)}\``);
    str(n.path, nc.at('path'), true);
  });
  const ids = (m: unknown, mc: Checker) => {
    if (!obj(m, mc, false)) return;
    uint(m.containerID, mc.at('containerID'));
    uint(m.hostID, mc.at('hostID'));
    uint(m.size, mc.at('size'));
  };
  arr(l.uidMappings, c.at('uidMappings'), ids);
  arr(l.gidMappings, c.at('gidMappings'), ids);
  arr(l.devices, c.at('devices'), (d, dc) => {
    if (!obj(d, dc, false)) return;
    str(d.path, dc.at('path'));
    if (!['c', 'b', 'u', 'p'].includes(String(d.type))) dc.at('type').fail('must be one of c, b, u, p');
  });
  str(l.cgroupsPath, c.at('cgroupsPath'), true);
  str(l.rootfsPropagation, c.at('rootfsPropagation'), true);
  obj(l.resources, c.at('resources'));
  obj(l.seccomp, c.at('seccomp'));
  if (obj(l.sysctl, c.at('sysctl'))) for (const [k, v] of Object.entries(l.sysctl)) str(v, c.at('sysctl').at(k));
  strArray(l.maskedPaths, c.at('maskedPaths'));
  strArray(l.readonlyPaths, c.at('readonlyPaths'));
}
