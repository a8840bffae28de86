/**
 * `compose events [--json] [service...]`: the project's container events as they happen.
 * berth has no daemon to publish events, so they are read off the store: each look at the
 * project's containers is compared with the one before (create, start, die with its exit
 * code, pause, unpause, health_status, destroy), in docker compose's two formats. Runs until
 * `stop()` says so (Ctrl-C).
 */
import type { ContainerStore } from '../../engine/ContainerStore.js';
import { healthOf } from '../../engine/containerState.js';
import { projectContainers, type ProjectContainer } from './projectContainers.js';

export interface ComposeEvent { time: Date; action: string; id: string; service: string; attributes: Record<string, string> }

interface Seen { running: boolean; paused: boolean; health?: string; c: ProjectContainer }

function look(store: ContainerStore, project: string, services: string[]): Map<string, Seen> {
  const m = new Map<string, Seen>();
  for (const c of projectContainers(store, project)) {
    if (services.length && !services.includes(c.service)) continue;
    m.set(c.rec.Id, { running: c.state.Running && !c.state.Restarting, paused: c.state.Paused, health: healthOf(store, c.rec.Id)?.Status, c });
  }
  return m;
}

/** What changed between two looks, in the order Docker would have sent it. */
export function diffEvents(before: Map<string, Seen>, now: Map<string, Seen>, time = new Date()): ComposeEvent[] {
  const out: ComposeEvent[] = [];
  const ev = (s: Seen, action: string, extra: Record<string, string> = {}) => out.push({
    time, action, id: s.c.rec.Id, service: s.c.service, attributes: { image: s.c.rec.Config.Image, name: s.c.name, ...extra },
  });
  for (const [id, s] of before) {
    const n = now.get(id);
    if (!n) {
      if (s.running) ev(s, 'die', { exitCode: '0' });
      ev(s, 'destroy');
    }
  }
  for (const [id, n] of now) {
    const b = before.get(id);
    if (!b) ev(n, 'create');
    if (!b?.running && n.running) ev(n, 'start');
    if (b && b.paused !== n.paused) ev(n, n.paused ? 'pause' : 'unpause');
    if (n.health && n.health !== b?.health && n.health !== 'starting') ev(n, `health_status: ${n.health}`);
    if (b?.running && !n.running) ev(n, 'die', { exitCode: String(n.c.state.ExitCode) });
  }
  return out;
}

function stamp(d: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}000`;
}

/** One line as docker compose prints it: text (`TIME container ACTION ID (k=v, ...)`) or JSON. */
export function formatEvent(e: ComposeEvent, json: boolean): string {
  if (json) return `${JSON.stringify({ time: e.time.toISOString(), type: 'container', action: e.action, id: e.id, service: e.service, attributes: e.attributes })}\n`;
  const attrs = Object.entries(e.attributes).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${k}=${v}`).join(', ');
  return `${stamp(e.time)} container ${e.action} ${e.id} (${attrs})\n`;
}

export async function watchEvents(store: ContainerStore, project: string, services: string[], o: { json?: boolean; stop: () => boolean; intervalMs?: number; write: (s: string) => void }): Promise<void> {
  let before = look(store, project, services);
  while (!o.stop()) {
    await new Promise((r) => setTimeout(r, o.intervalMs ?? 200));
    const now = look(store, project, services);
    for (const e of diffEvents(before, now)) o.write(formatEvent(e, !!o.json));
    before = now;
  }
}
