import { invalidArgument } from '../errors.js';
import type { ContainerConfig } from './manifest.js';

/** Split `a=b "c d"=e` style words honouring double/single quotes and backslashes. */
function words(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let q: string | undefined;
  let any = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (q) {
      if (c === q) q = undefined;
      else if (c === '\\' && q === '"' && i + 1 < s.length) cur += s[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      q = c;
      any = true;
    } else if (c === '\\' && i + 1 < s.length) cur += s[++i];
    else if (/\s/.test(c)) {
      if (cur || any) out.push(cur);
      cur = '';
      any = false;
    } else cur += c;
  }
  if (q) throw invalidArgument(`unterminated quote in ${JSON.stringify(s)}`);
  if (cur || any) out.push(cur);
  return out;
}

function jsonOrShell(rest: string, shell: boolean): string[] {
  const t = rest.trim();
  if (t.startsWith('[')) {
    try {
      const v = JSON.parse(t) as unknown;
      if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
    } catch {
      /* fall through to shell form */
    }
  }
  return shell ? ['/bin/sh', '-c', t] : words(t);
}

function pairs(rest: string, what: string): [string, string][] {
  const ws = words(rest);
  if (ws.length === 0) throw invalidArgument(`${what} needs at least one argument`);
  if (!ws[0].includes('=')) {
    const m = /^\s*(\S+)\s+(.*)$/.exec(rest);
    if (!m) throw invalidArgument(`${what} needs a value`);
    return [[m[1], words(m[2]).join(' ')]];
  }
  return ws.map((w) => {
    const eq = w.indexOf('=');
    if (eq <= 0) throw invalidArgument(`${what}: ${JSON.stringify(w)} is not NAME=VALUE`);
    return [w.slice(0, eq), w.slice(eq + 1)];
  });
}

/**
 * Apply `--change` Dockerfile instructions (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER,
 * VOLUME, WORKDIR, STOPSIGNAL, ONBUILD) to a container config. Returns a new object.
 */
export function applyChanges(base: ContainerConfig, changes: string[]): ContainerConfig {
  const c: ContainerConfig = structuredClone(base);
  for (const ch of changes) {
    const m = /^\s*(\w+)\s*([\s\S]*)$/.exec(ch);
    if (!m) throw invalidArgument(`invalid --change ${JSON.stringify(ch)}`);
    const op = m[1].toUpperCase();
    const rest = m[2].trim();
    switch (op) {
      case 'CMD': c.Cmd = jsonOrShell(rest, true); break;
      case 'ENTRYPOINT': c.Entrypoint = jsonOrShell(rest, true); break;
      case 'ENV': {
        const env = [...(c.Env ?? [])];
        for (const [k, v] of pairs(rest, 'ENV')) {
          const i = env.findIndex((e) => e.split('=')[0] === k);
          if (i >= 0) env[i] = `${k}=${v}`;
          else env.push(`${k}=${v}`);
        }
        c.Env = env;
        break;
      }
      case 'LABEL':
        c.Labels = { ...(c.Labels ?? {}), ...Object.fromEntries(pairs(rest, 'LABEL')) };
        break;
      case 'EXPOSE':
        c.ExposedPorts = { ...(c.ExposedPorts ?? {}) };
        for (const p of words(rest)) {
          if (!/^\d+(-\d+)?(\/(tcp|udp|sctp))?$/.test(p)) throw invalidArgument(`EXPOSE: invalid port ${JSON.stringify(p)}`);
          c.ExposedPorts[p.includes('/') ? p : `${p}/tcp`] = {};
        }
        break;
      case 'USER': c.User = rest; break;
      case 'WORKDIR': c.WorkingDir = rest; break;
      case 'STOPSIGNAL': c.StopSignal = rest; break;
      case 'VOLUME':
        c.Volumes = { ...(c.Volumes ?? {}) };
        for (const v of jsonOrShell(rest, false)) c.Volumes[v] = {};
        break;
      case 'ONBUILD': c.OnBuild = [...(c.OnBuild ?? []), rest]; break;
      default:
        throw invalidArgument(`${op} is not a valid change command`);
    }
    if (!rest) throw invalidArgument(`Dockerfile parse error line 1: ${op} requires at least one argument`);
  }
  return c;
}
