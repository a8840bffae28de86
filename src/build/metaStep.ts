/**
 * The instructions that only change the image config — ENV LABEL EXPOSE VOLUME WORKDIR USER
 * CMD ENTRYPOINT STOPSIGNAL HEALTHCHECK SHELL ONBUILD MAINTAINER — as pure functions of the
 * config so far, with the history line Docker (BuildKit) writes for each.
 */
import path from 'node:path';
import { parseDuration } from '../engine/parseFlags.js';
import type { ContainerConfig, HealthConfig, ImageConfig } from '../image/manifest.js';
import type { CommandForm, Instruction } from './dockerfile.js';

/** Expands one word / words with the variables in scope (./shellLex.ts bound to this step). */
export interface Expander {
  word(s: string): string;
  words(s: string): string[];
  /** A heredoc body: only `$` expansions (and `\$`), quotes and other text kept. */
  heredoc(s: string): string;
}

export const DEFAULT_SHELL = ['/bin/sh', '-c'];

/** Go's `%q` of a []string: `["a" "b c"]` (how BuildKit prints CMD/ENTRYPOINT in history). */
export const goQuoted = (a: string[]) => `[${a.map((s) => JSON.stringify(s)).join(' ')}]`;

export function argvOf(cmd: CommandForm, shell: string[] | undefined): string[] {
  return 'exec' in cmd ? cmd.exec : [...(shell?.length ? shell : DEFAULT_SHELL), cmd.shell];
}

export function setEnv(env: string[] | undefined, key: string, value: string): string[] {
  const out = (env ?? []).filter((e) => e.split('=')[0] !== key);
  out.push(`${key}=${value}`);
  return out;
}

/** `80`, `80/udp`, `8000-8002/tcp` -> `80/tcp`... */
function exposed(spec: string, fail: (m: string) => never): string[] {
  const m = /^(\d+)(?:-(\d+))?(?:\/([A-Za-z]+))?$/.exec(spec);
  if (!m) fail(`invalid containerPort: ${spec}`);
  const proto = (m[3] ?? 'tcp').toLowerCase();
  if (!['tcp', 'udp', 'sctp'].includes(proto)) fail(`invalid proto: ${proto}`);
  const lo = Number(m[1]);
  const hi = m[2] === undefined ? lo : Number(m[2]);
  if (hi < lo || hi > 65535) fail(`invalid range: ${spec}`);
  return Array.from({ length: hi - lo + 1 }, (_, i) => `${lo + i}/${proto}`);
}

function duration(v: string | undefined, flag: string): number | undefined {
  return v === undefined ? undefined : parseDuration(v, flag);
}

export interface MetaResult { config: ImageConfig; createdBy: string; cmdSet?: boolean }

/** Apply one metadata instruction; `cmdSet`: CMD was set in this stage (ENTRYPOINT resets an inherited CMD only). */
export function applyMeta(img: ImageConfig, ins: Instruction, x: Expander, cmdSet: boolean, fail: (m: string) => never): MetaResult {
  const c: ContainerConfig = { ...(img.config ?? {}) };
  const cfg: ImageConfig = { ...img, config: c };
  switch (ins.kind) {
    case 'ENV': {
      const pairs = ins.pairs.map((p) => [x.word(p.key), x.word(p.value)]);
      for (const [k, v] of pairs) c.Env = setEnv(c.Env, k, v);
      return { config: cfg, createdBy: `ENV ${pairs.map(([k, v]) => `${k}=${v}`).join(' ')}` };
    }
    case 'LABEL': {
      const pairs = ins.pairs.map((p) => [x.word(p.key), x.word(p.value)]);
      c.Labels = { ...(c.Labels ?? {}) };
      for (const [k, v] of pairs) c.Labels[k] = v;
      return { config: cfg, createdBy: `LABEL ${pairs.map(([k, v]) => `${k}=${v}`).join(' ')}` };
    }
    case 'EXPOSE': {
      const ports = x.words(ins.ports).flatMap((p) => exposed(p, fail));
      c.ExposedPorts = { ...(c.ExposedPorts ?? {}) };
      for (const p of ports) c.ExposedPorts[p] = {};
      return { config: cfg, createdBy: `EXPOSE map[${ports.map((p) => `${p}:{}`).join(' ')}]` };
    }
    case 'VOLUME': {
      const paths = 'exec' in ins.paths ? ins.paths.exec.map((p) => x.word(p)) : x.words(ins.paths.shell);
      if (paths.some((p) => !p.trim())) fail('VOLUME specified can not be an empty string');
      c.Volumes = { ...(c.Volumes ?? {}) };
      for (const p of paths) c.Volumes[p] = {};
      return { config: cfg, createdBy: `VOLUME [${paths.join(' ')}]` };
    }
    case 'WORKDIR': {
      const w = x.word(ins.value);
      c.WorkingDir = path.posix.resolve(c.WorkingDir || '/', w);
      return { config: cfg, createdBy: `WORKDIR ${c.WorkingDir}` };
    }
    case 'USER':
      c.User = x.word(ins.value);
      return { config: cfg, createdBy: `USER ${c.User}` };
    case 'STOPSIGNAL':
      c.StopSignal = x.word(ins.value);
      return { config: cfg, createdBy: `STOPSIGNAL ${c.StopSignal}` };
    case 'CMD':
      c.Cmd = argvOf(ins.cmd, c.Shell);
      return { config: cfg, createdBy: `CMD ${goQuoted(c.Cmd)}`, cmdSet: true };
    case 'ENTRYPOINT':
      c.Entrypoint = argvOf(ins.cmd, c.Shell);
      if (!cmdSet) c.Cmd = null;
      return { config: cfg, createdBy: `ENTRYPOINT ${goQuoted(c.Entrypoint)}` };
    case 'SHELL':
      c.Shell = ins.shell;
      return { config: cfg, createdBy: `SHELL [${ins.shell.join(' ')}]` };
    case 'ONBUILD':
      c.OnBuild = [...(c.OnBuild ?? []), ins.trigger];
      return { config: cfg, createdBy: `ONBUILD ${ins.trigger}` };
    case 'MAINTAINER':
      cfg.author = x.word(ins.value);
      return { config: cfg, createdBy: `MAINTAINER ${cfg.author}` };
    case 'HEALTHCHECK': {
      if (ins.none) {
        c.Healthcheck = { Test: ['NONE'] };
        return { config: cfg, createdBy: 'HEALTHCHECK NONE' };
      }
      const test = 'exec' in ins.cmd ? ['CMD', ...ins.cmd.exec] : ['CMD-SHELL', ins.cmd.shell];
      const h: HealthConfig = { Test: test };
      const set = (k: keyof HealthConfig, v: number | undefined) => { if (v) (h as Record<string, unknown>)[k] = v; };
      set('Interval', duration(ins.interval, '--interval'));
      set('Timeout', duration(ins.timeout, '--timeout'));
      set('StartPeriod', duration(ins.startPeriod, '--start-period'));
      set('StartInterval', duration(ins.startInterval, '--start-interval'));
      if (ins.retries !== undefined) {
        const r = Number(ins.retries);
        if (!Number.isInteger(r) || r < 0) fail(`invalid --retries value "${ins.retries}"`);
        set('Retries', r);
      }
      c.Healthcheck = h;
      const ns = (v?: number) => `"${v ? `${v / 1e9}s` : '0s'}"`;
      return { config: cfg, createdBy: `HEALTHCHECK &{${goQuoted(test)} ${ns(h.Interval)} ${ns(h.Timeout)} ${ns(h.StartPeriod)} ${ns(h.StartInterval)} '\\x${(h.Retries ?? 0).toString(16).padStart(2, '0')}'}` };
    }
  }
  return fail(`${ins.kind} is not a metadata instruction`);
}
