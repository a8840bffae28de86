/**
 * For a process that follows the event log (`berth events`, `GET /events`): look at the
 * containers that were running, so the exit of one whose `run` is gone (a `run -d`) is recorded
 * as `die` while someone listens, not only when the next `ps` looks (liveState records it, once).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ContainerStore } from './ContainerStore.js';
import { liveState } from './containerState.js';

/** Returns a function to call now and then (cheap: only containers with runtime state and no noted exit). */
export function watchExits(store: ContainerStore, everyMs = 1000): () => void {
  let last = 0;
  return () => {
    const now = Date.now();
    if (now - last < everyMs) return;
    last = now;
    let ids: string[];
    try {
      ids = fs.readdirSync(store.runtimeRoot).filter((n) => /^[a-f0-9]{64}$/.test(n));
    } catch {
      return;
    }
    for (const id of ids) {
      if (!fs.existsSync(path.join(store.runtimeRoot, id, 'exit.json'))) continue;
      const rec = store.read(id);
      if (!rec) continue;
      try {
        liveState(store, rec);
      } catch { /* removed meanwhile */ }
    }
  };
}
