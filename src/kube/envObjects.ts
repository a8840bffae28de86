/**
 * A container's env files (the record's EnvFiles) -> ConfigMaps and Secrets referred to by
 * `envFrom`, and the rest of its environment inline. An `--env-file`'s variables become a
 * ConfigMap named after the container and the file; those whose names look secret (PASSWORD,
 * SECRET, TOKEN, KEY) a Secret of the same name. A source `kube play` recorded (a ConfigMap or
 * Secret) keeps its kind and name, so generate → play → generate is stable. A variable stays
 * inline when no source gives its final value (set by -e over the file). Pure.
 */
import path from 'node:path';
import type { ContainerRecord, EnvSource } from '../engine/types.js';
import { kubeName } from './names.js';

type Obj = Record<string, unknown>;

export const SECRET_ENV_NAME = /PASSWORD|SECRET|TOKEN|KEY/i;
/** What a ConfigMap/Secret key may be. */
const DATA_KEY = /^[-._a-zA-Z0-9]+$/;

export interface EnvPlan {
  /** envFrom entries, in the order of the sources. */
  envFrom: Obj[];
  /** The variables still given inline (`name=value`). */
  inline: string[];
}

function vars(s: EnvSource): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of s.Env) {
    const i = e.indexOf('=');
    const [k, v] = i < 0 ? [e, ''] : [e.slice(0, i), e.slice(i + 1)];
    if (DATA_KEY.test(k)) out.set(k, v);
  }
  return out;
}

const split = (e: string): [string, string] => {
  const i = e.indexOf('=');
  return i < 0 ? [e, ''] : [e.slice(0, i), e.slice(i + 1)];
};

function object(kind: 'ConfigMap' | 'Secret', name: string, data: Map<string, string>): Obj {
  if (kind === 'ConfigMap') return { apiVersion: 'v1', kind, metadata: { name }, data: Object.fromEntries(data) };
  return { apiVersion: 'v1', kind, metadata: { name }, type: 'Opaque', data: Object.fromEntries([...data].map(([k, v]) => [k, Buffer.from(v, 'utf8').toString('base64')])) };
}

type Wanted = { kind: 'ConfigMap' | 'Secret'; data: Map<string, string> };

/** Adds the objects under `name` (or `name-2`… when one by that name differs) unless the same is there; returns the name used. */
export function placeObjects(objects: Obj[], wanted: Wanted[], name: string): string {
  for (let n = 1; ; n++) {
    const cand = n === 1 ? name : kubeName(`${name.slice(0, 60)}-${n}`);
    const clash = wanted.some((w) => {
      const have = objects.find((o) => o.kind === w.kind && (o.metadata as Obj).name === cand);
      return have && JSON.stringify(have) !== JSON.stringify(object(w.kind, cand, w.data));
    });
    if (clash) continue;
    for (const w of wanted) if (!objects.some((o) => o.kind === w.kind && (o.metadata as Obj).name === cand)) objects.push(object(w.kind, cand, w.data));
    return cand;
  }
}

/**
 * `objects` collects the ConfigMaps/Secrets of the whole unit (shared by its containers): one with
 * the same kind, name and data is reused; a different one with that name gets a `-2`… suffix.
 */
export function envPlan(rec: Pick<ContainerRecord, 'Config' | 'EnvFiles'>, container: string, imageEnv: readonly string[], objects: Obj[]): EnvPlan {
  const sources = (rec.EnvFiles ?? []).map((s) => ({ s, data: vars(s) }));
  const last = new Map<string, string>();
  for (const { data } of sources) for (const [k, v] of data) last.set(k, v);
  const base = new Set(imageEnv);
  const inline = rec.Config.Env.filter((e) => {
    const [k, v] = split(e);
    return last.get(k) !== v && !base.has(e);
  });
  const envFrom: Obj[] = [];
  const place = (wanted: Wanted[], name: string) => placeObjects(objects, wanted, name);
  for (const { s, data } of sources) {
    if (!data.size) continue;
    if (s.File === undefined) {
      const kind = s.Secret !== undefined ? 'Secret' : 'ConfigMap';
      const pre = s.Prefix ?? '';
      const own = new Map([...data].filter(([k]) => k.startsWith(pre) && DATA_KEY.test(k.slice(pre.length))).map(([k, v]) => [k.slice(pre.length), v]));
      const name = place([{ kind, data: own }], kubeName(s.Secret ?? s.ConfigMap ?? container));
      envFrom.push({ ...(kind === 'Secret' ? { secretRef: { name } } : { configMapRef: { name } }), ...(pre ? { prefix: pre } : {}) });
      continue;
    }
    const plain = new Map([...data].filter(([k]) => !SECRET_ENV_NAME.test(k)));
    const secret = new Map([...data].filter(([k]) => SECRET_ENV_NAME.test(k)));
    const wanted = [...(plain.size ? [{ kind: 'ConfigMap' as const, data: plain }] : []), ...(secret.size ? [{ kind: 'Secret' as const, data: secret }] : [])];
    const name = place(wanted, kubeName(`${container}-${path.basename(s.File)}`));
    if (plain.size) envFrom.push({ configMapRef: { name } });
    if (secret.size) envFrom.push({ secretRef: { name } });
  }
  return { envFrom, inline };
}
