/**
 * `system check` for one root, beyond the image store: container records, their runtime
 * state, monitors, cgroups, netns mounts, network allocations, volumes in use, names. Each
 * finding says what is wrong and, where berth can fix it, how (`--repair` runs it).
 */
import fs from 'node:fs';
import path from 'node:path';
import { deleteContainer } from '../runtime/lifecycle.js';
import { listIds } from '../runtime/state.js';
import { containerCgroup } from '../runtime/hostCgroupLayout.js';
import { hostCgroupFs } from '../sys/cgroupfs.js';
import { isBoundNetns, removeNetns } from '../sys/netns.js';
import type { ContainerStore } from './ContainerStore.js';
import { liveState, runtimeFiles } from './containerState.js';
import { netnsFile } from './networkMode.js';
import type { ContainerRecord } from './types.js';

export interface Finding {
  message: string;
  /** What --repair does about it; absent when berth cannot fix it. */
  repair?: { action: string; run: () => Promise<unknown> };
}

const short = (id: string) => id.slice(0, 12);
const label = (r: ContainerRecord) => `container ${r.Name.replace(/^\//, '')} (${short(r.Id)})`;

export async function checkRoot(store: ContainerStore): Promise<Finding[]> {
  const { records, damaged } = store.scan();
  const known = new Set([...records.map((r) => r.Id), ...damaged.map((d) => d.id)]);
  const out: Finding[] = damaged.map((d) => ({
    message: `container ${short(d.id)}: its record ${d.file} is damaged: ${d.error}`,
    repair: { action: `removed damaged container ${short(d.id)} and what ran of it`, run: async () => (await import('./removeContainer.js')).removeContainer(store, d.id, { force: true }) },
  }));
  for (const id of listIds(store.runtimeRoot).filter((i) => /^[0-9a-f]{64}$/.test(i) && !known.has(i))) {
    out.push({
      message: `runtime state ${path.join(store.runtimeRoot, id)} belongs to no container`,
      repair: { action: `ended what ran of ${short(id)} and removed its runtime state and cgroup`, run: () => deleteContainer(store.runtimeRoot, id, true, { keepParents: true }) },
    });
  }
  for (const r of records) out.push(...checkContainer(store, r));
  out.push(...leftoverNetns(store, known));
  out.push(...(await leakedAddresses(store, records, known)));
  for (const n of store.staleNames()) {
    out.push({ message: `name ${n} is reserved for a container that was never created`, repair: { action: `released name ${n}`, run: async () => store.releaseName(n, store.nameOwner(n) ?? '') } });
  }
  return out;
}

function checkContainer(store: ContainerStore, r: ContainerRecord): Finding[] {
  const out: Finding[] = [];
  const st = liveState(store, r);
  const rt = runtimeFiles(store, r.Id);
  if (st.Running && st.monitorGone) {
    out.push({ message: `${label(r)}: ${st.Error} (restart it to give it a monitor again)` });
  } else if (st.monitorGone && rt.state && (!rt.exit || rt.exit.restarting)) {
    out.push({
      message: `${label(r)} ended after its monitor died: its exit was never recorded, its cgroup and networks never released`,
      repair: { action: `recorded the exit of ${short(r.Id)} (137) and released its cgroup and networks`, run: async () => (await import('./stopContainer.js')).stopContainer(store, r.Id) },
    });
  } else if (!st.Running && isBoundNetns(netnsFile(store, r.Id))) {
    out.push({
      message: `${label(r)} is not running but its network namespace ${netnsFile(store, r.Id)} is still mounted`,
      repair: { action: `released the networks of ${short(r.Id)}`, run: async () => (await import('./cleanupContainer.js')).cleanupContainer(store, r.Id) },
    });
  }
  if (st.Running && st.cgroupPath && !containerCgroup(st)?.dirs().some((d) => hostCgroupFs.exists(d))) {
    out.push({ message: `${label(r)} runs without its cgroup ${st.cgroupPath} (its limits no longer hold)` });
  }
  for (const m of r.Mounts) {
    if (m.Type === 'volume' && m.Name && !fs.existsSync(path.join(store.volumesDir, m.Name))) out.push({ message: `${label(r)} mounts volume ${m.Name}, which is missing` });
  }
  return out;
}

/** `<root>/netns/<id>` of no container (a create or rm killed half-way). */
function leftoverNetns(store: ContainerStore, known: Set<string>): Finding[] {
  const dir = path.join(store.root, 'netns');
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  return names.filter((n) => !known.has(n)).map((n) => ({
    message: `network namespace ${path.join(dir, n)} belongs to no container`,
    repair: { action: `unmounted and removed ${path.join(dir, n)}`, run: async () => removeNetns(path.join(dir, n)) },
  }));
}

/** Addresses (and their port rules, DNS names) held for containers that are gone or stopped. */
async function leakedAddresses(store: ContainerStore, records: ContainerRecord[], known: Set<string>): Promise<Finding[]> {
  if (!fs.existsSync(path.join(store.root, 'networks'))) return [];
  const byId = new Map(records.map((r) => [r.Id, r]));
  const { NetworkStore } = await import('../network/NetworkStore.js');
  const out: Finding[] = [];
  for (const n of new NetworkStore(store.root).list()) {
    for (const ep of Object.values(n.endpoints)) {
      const r = byId.get(ep.containerId);
      if (r ? liveState(store, r).Running : known.has(ep.containerId)) continue; // a damaged one's goes with its rm -f
      out.push({
        message: `network ${n.name}: address ${ep.ip} is held for container ${short(ep.containerId)}, which ${r ? 'is not running' : 'does not exist'}`,
        repair: {
          action: `released ${ep.ip} on ${n.name}`,
          run: async () => (await import('./network.js')).reconcileNetworks(store, (c) => liveState(store, c).Running),
        },
      });
    }
  }
  return out;
}
