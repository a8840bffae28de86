/** `ps`: records + live state, Docker's filters, rows for the table/template. */
import { invalidArgument } from '../errors.js';
import type { ContainerStore, DamagedRecord } from './ContainerStore.js';
import { healthOf, liveState, statusText, type LiveState } from './containerState.js';
import { humanDuration } from './humanDuration.js';
import { networksOf } from './network.js';
import type { ContainerRecord } from './types.js';

export interface PsOptions {
  all?: boolean;
  last?: number;
  filters?: string[];
}

export interface PsEntry { rec: ContainerRecord; state: LiveState; health?: string }

const FILTER_KEYS = ['id', 'name', 'label', 'status', 'exited', 'ancestor', 'before', 'since', 'volume', 'health', 'is-task', 'network', 'publish', 'expose'];

/** `publish=`/`expose=` values: `80`, `80/udp`, `8000-8080/tcp` (tcp by default) -> `port/proto` keys. */
function portKeys(k: string, v: string): string[] {
  const m = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp|sctp))?$/.exec(v.trim());
  const lo = m ? Number(m[1]) : 0;
  const hi = m?.[2] ? Number(m[2]) : lo;
  if (!m || lo < 1 || hi > 65535 || hi < lo) throw invalidArgument(`invalid filter '${k}=${v}'`);
  const out: string[] = [];
  for (let p = lo; p <= hi; p++) out.push(`${p}/${m[3] ?? 'tcp'}`);
  return out;
}

function parseFilters(list: string[]): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const f of list) {
    const i = f.indexOf('=');
    if (i <= 0) throw invalidArgument(`bad format of filter (expected name=value): ${f}`);
    const k = f.slice(0, i).toLowerCase();
    if (!FILTER_KEYS.includes(k)) throw invalidArgument(`invalid filter '${k}'`);
    m.set(k, [...(m.get(k) ?? []), f.slice(i + 1)]);
  }
  const statuses = ['created', 'restarting', 'running', 'removing', 'paused', 'exited', 'dead'];
  for (const s of m.get('status') ?? []) if (!statuses.includes(s)) throw invalidArgument(`invalid filter 'status=${s}'`);
  for (const v of m.get('is-task') ?? []) if (v !== 'true' && v !== 'false') throw invalidArgument(`invalid filter 'is-task=${v}'`);
  for (const k of ['publish', 'expose']) if (m.has(k)) m.set(k, m.get(k)!.flatMap((v) => portKeys(k, v)));
  return m;
}

function matches(e: PsEntry, f: Map<string, string[]>, store: ContainerStore): boolean {
  const any = (k: string, pred: (v: string) => boolean) => !f.has(k) || f.get(k)!.some(pred);
  const { rec, state } = e;
  const name = rec.Name.replace(/^\//, '');
  return any('id', (v) => rec.Id.startsWith(v))
    && any('name', (v) => { try { return new RegExp(v).test(name); } catch { return name.includes(v); } })
    && (!f.has('label') || f.get('label')!.every((v) => {
      const [k, val] = v.split('=', 2);
      return k in rec.Config.Labels && (val === undefined || rec.Config.Labels[k] === val);
    }))
    && any('status', (v) => state.Status === v)
    && any('health', (v) => (e.health ?? (e.rec.Config.Healthcheck?.Test ? 'starting' : 'none')) === v)
    && any('exited', (v) => state.Status === 'exited' && state.ExitCode === Number(v))
    && any('ancestor', (v) => rec.Config.Image === v || rec.Image === v || rec.Image.slice(7).startsWith(v) || rec.Config.Image === `${v}:latest`)
    && any('volume', (v) => rec.Mounts.some((m) => m.Name === v || m.Destination === v))
    && (!f.has('network') || onNetwork(store, rec, f.get('network')!))
    // berth has no swarm: no container is a task
    && any('is-task', (v) => v === 'false')
    && any('publish', (v) => v in rec.HostConfig.PortBindings)
    && any('expose', (v) => v in (rec.Config.ExposedPorts ?? {}) || v in rec.HostConfig.PortBindings)
    && any('before', (v) => { const o = store.find(v); return rec.Created < o.Created; })
    && any('since', (v) => { const o = store.find(v); return rec.Created > o.Created; });
}

/**
 * There is no daemon to remove a `run -d --rm` container when it exits: whichever command
 * lists containers next removes the exited ones (their record says AutoRemove).
 */
export async function reapAutoRemoved(store: ContainerStore): Promise<void> {
  for (const rec of store.list()) {
    if (!rec.HostConfig.AutoRemove || rec.State.Status === 'created' || liveState(store, rec).Running) continue;
    const { removeContainer } = await import('./removeContainer.js');
    await removeContainer(store, rec.Id, { volumes: true }).catch(() => undefined);
  }
}

export function listContainers(store: ContainerStore, o: PsOptions = {}): PsEntry[] {
  const f = parseFilters(o.filters ?? []);
  const all = o.all || (o.last !== undefined && o.last > 0) || f.has('status') || f.has('exited');
  let out: PsEntry[] = store.list().map((rec) => ({ rec, state: liveState(store, rec), health: rec.Config.Healthcheck?.Test ? healthOf(store, rec.Id)?.Status : undefined })).reverse();
  if (!all) out = out.filter((e) => e.state.Running);
  out = out.filter((e) => matches(e, f, store));
  if (o.last !== undefined && o.last > 0) out = out.slice(0, o.last);
  return out;
}

/** `network=NAME|ID`: a network the container is configured for, by name or ID prefix (Docker's match). */
function onNetwork(store: ContainerStore, rec: ContainerRecord, wanted: string[]): boolean {
  const names = networkNames(rec);
  if (wanted.some((v) => names.includes(v))) return true;
  const ids = Object.values(networksOf(store, rec)).map((n) => n.NetworkID).filter(Boolean);
  return wanted.some((v) => ids.some((id) => id.startsWith(v)));
}

/** A container whose record is damaged: listed with what the runtime state still tells (liveness, start). */
export interface DamagedEntry { damaged: DamagedRecord; state: LiveState }

/** The damaged containers `ps` lists too: all of them with -a, the running ones without; none under filters or -n (they cannot be matched). */
export function damagedContainers(store: ContainerStore, damaged: DamagedRecord[], o: PsOptions = {}): DamagedEntry[] {
  if (o.filters?.length || (o.last !== undefined && o.last > 0)) return [];
  const out = damaged.map((d) => ({ damaged: d, state: liveState(store, stubRecord(d.id)) }));
  return o.all ? out : out.filter((e) => e.state.Running);
}

function stubRecord(id: string): ContainerRecord {
  const never = '0001-01-01T00:00:00Z';
  return { Id: id, State: { Status: 'running', Running: true, StartedAt: never, FinishedAt: never, Error: '' } } as ContainerRecord;
}

export function damagedRow(e: DamagedEntry, trunc: boolean, now = Date.now()): Record<string, unknown> {
  const d = '<damaged>';
  return {
    ID: trunc ? e.damaged.id.slice(0, 12) : e.damaged.id, Image: d, Command: d, CreatedAt: d, RunningFor: d, Ports: '',
    State: e.state.Status, Status: statusText(e.state, now), Size: '', Names: d, Labels: '', Mounts: '', Networks: '',
  };
}

/** The networks a container is on, by name: its NetworkMode's and those added with `network connect`. */
export function networkNames(rec: ContainerRecord): string[] {
  const m = rec.HostConfig.NetworkMode;
  const primary = !m || m === 'default' ? 'bridge' : m;
  return [...new Set([primary, ...Object.keys(rec.ConnectedNetworks ?? {})])];
}

/** `docker ps`'s COMMAND column: the quoted command, truncated to 20 unless --no-trunc. */
export function commandText(rec: ContainerRecord, trunc: boolean): string {
  const cmd = [rec.Path, ...rec.Args].join(' ');
  const t = trunc && cmd.length > 20 ? `${cmd.slice(0, 19)}…` : cmd;
  return `"${t}"`;
}

export function psRow(e: PsEntry, trunc: boolean, now = Date.now()): Record<string, unknown> {
  const { rec, state } = e;
  const created = Date.parse(rec.Created);
  const labels = Object.entries(rec.Config.Labels).map(([k, v]) => `${k}=${v}`).join(',');
  return {
    ID: trunc ? rec.Id.slice(0, 12) : rec.Id,
    Image: rec.Config.Image,
    Command: commandText(rec, trunc),
    CreatedAt: new Date(created).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' +0000 UTC'),
    RunningFor: `${humanAgo(now - created)} ago`,
    Ports: '',
    State: state.Status,
    Status: statusText(state, now) + healthSuffix(e),
    Size: '',
    Names: rec.Name.replace(/^\//, ''),
    Labels: labels,
    Mounts: rec.Mounts.map((m) => m.Name || m.Source).join(','),
    Networks: networkNames(rec).join(','),
  };
}

function humanAgo(ms: number): string {
  return humanDuration(ms / 1000);
}

function healthSuffix(e: PsEntry): string {
  if (!e.state.Running || e.state.Paused || !e.rec.Config.Healthcheck?.Test || e.rec.Config.Healthcheck.Test[0] === 'NONE') return '';
  const h = e.health ?? 'starting';
  return h === 'starting' ? ' (health: starting)' : ` (${h})`;
}
