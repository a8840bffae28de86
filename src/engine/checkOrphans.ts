/**
 * What deleted roots leave running on the host: monitors whose state directory is gone (the
 * kernel marks their working directory "(deleted)"), cgroups under berth/ whose owner's state
 * directory is gone (runtime/cgroupOwners.ts), nsfs mounts `<root>/netns/<id>` whose root no
 * longer knows the container. Only what can be traced to a gone root is listed; a cgroup with
 * no owner record (made by an older berth) is counted, never touched. Bridges and firewall
 * chains of deleted roots are the network layer's (src/network/orphans.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Cgroup } from '../runtime/cgroups/index.js';
import { DEFAULT_CGROUP_PARENT } from '../runtime/cgroups/cgroupRelPath.js';
import { cgroupOwner, cgroupOwners, forgetCgroup } from '../runtime/cgroupOwners.js';
import { cgroupLayout } from '../runtime/hostCgroupLayout.js';
import { hostCgroupFs } from '../sys/cgroupfs.js';
import { removeNetns } from '../sys/netns.js';
import { processStartTime } from '../sys/procAlive.js';
import { containerMonitors, nsfsMounts, type MonitorProcess } from '../sys/procOrphans.js';
import { signalPid } from '../sys/signal.js';
import type { Finding } from './checkRoot.js';

export interface OrphanOptions {
  /** Only orphans of this (deleted) root. */
  root?: string;
  /** A root checked on its own (checkRoot): its netns files are not orphans here. */
  skipRoot?: string;
}

const ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.+-]{0,127}$/;

export function checkOrphans(o: OrphanOptions = {}): { findings: Finding[]; unknownCgroups: number } {
  const under = (p: string) => !o.root || p === o.root || p.startsWith(`${o.root.replace(/\/+$/, '')}/`);
  const monitors = containerMonitors().filter((m) => m.deleted && ID_RE.test(path.basename(m.stateDir)) && under(m.stateDir));
  const cg = orphanCgroups(monitors);
  return {
    findings: [...monitors.map(monitorFinding), ...cg.findings.filter((f) => under(f.stateDir)).map((f) => f.finding), ...orphanNetns(o, under)],
    unknownCgroups: cg.unknown,
  };
}

function killSame(pid: number, startTicks: number): void {
  if (processStartTime(pid) !== String(startTicks)) return; // gone, or the pid is another process's now
  try {
    signalPid(pid, 'SIGKILL');
  } catch { /* exited meanwhile */ }
}

function monitorFinding(m: MonitorProcess): Finding {
  const kids = m.children.map((c) => c.pid);
  return {
    message: `orphan: container monitor pid ${m.pid} of ${m.stateDir}, which is deleted${kids.length ? ` (its container's process ${kids.join(', ')})` : ''}`,
    repair: {
      action: `killed monitor ${m.pid}${kids.length ? ` and process ${kids.join(', ')}` : ''}`,
      run: async () => {
        killSame(m.pid, m.startTicks); // first: it would restart the container
        for (const c of m.children) killSame(c.pid, c.startTicks);
      },
    },
  };
}

/** Children of berth/ on every hierarchy, with their owners. */
function orphanCgroups(monitors: MonitorProcess[]): { findings: { stateDir: string; finding: Finding }[]; unknown: number } {
  const layout = cgroupLayout();
  const names = new Set<string>();
  for (const dir of Cgroup.open(layout, DEFAULT_CGROUP_PARENT).dirs()) for (const n of hostCgroupFs.children(dir)) names.add(n);
  const byChild = new Map(monitors.flatMap((m) => m.children.map((c) => [c.pid, m.stateDir] as const)));
  const findings: { stateDir: string; finding: Finding }[] = [];
  let unknown = 0;
  for (const n of names) {
    const rel = `${DEFAULT_CGROUP_PARENT}/${n}`;
    const cg = Cgroup.open(layout, rel);
    const pids = cg.pids();
    const stateDir = cgroupOwner(rel)?.stateDir ?? pids.map((p) => byChild.get(p)).find((d) => d !== undefined);
    if (stateDir === undefined) {
      unknown++;
      continue;
    }
    if (fs.existsSync(stateDir)) continue;
    findings.push({
      stateDir,
      finding: {
        message: `orphan: cgroup ${rel} of ${stateDir}, which is deleted${pids.length ? ` (processes ${pids.join(', ')})` : ' (empty)'}`,
        repair: {
          action: `${pids.length ? `killed processes ${pids.join(', ')} and ` : ''}removed cgroup ${rel}`,
          run: async () => {
            cg.destroy({ pruneParents: false });
            forgetCgroup(rel);
          },
        },
      },
    });
  }
  // Owner records of cgroups gone with their owner (a rm killed between the two).
  for (const r of cgroupOwners()) {
    if (names.has(r.relPath.slice(DEFAULT_CGROUP_PARENT.length + 1)) || fs.existsSync(r.stateDir)) continue;
    if (Cgroup.open(layout, r.relPath).dirs().some((d) => hostCgroupFs.exists(d))) continue;
    findings.push({ stateDir: r.stateDir, finding: { message: `orphan: owner record of cgroup ${r.relPath}, gone with ${r.stateDir}`, repair: { action: `forgot cgroup ${r.relPath}`, run: async () => forgetCgroup(r.relPath) } } });
  }
  return { findings, unknown };
}

/** `<X>/netns/<id>` bound while X has neither a record nor runtime state of `id`. */
function orphanNetns(o: OrphanOptions, under: (p: string) => boolean): Finding[] {
  const out: Finding[] = [];
  for (const mp of nsfsMounts()) {
    const m = /^(.*)\/netns\/([0-9a-f]{64})$/.exec(mp);
    if (!m) continue;
    const [, root, id] = m;
    if (root === o.skipRoot || !under(root)) continue;
    if (fs.existsSync(path.join(root, 'containers', id)) || fs.existsSync(path.join(root, 'runtime', id))) continue;
    out.push({
      message: `orphan: network namespace ${mp}: ${root} has no container ${id.slice(0, 12)}`,
      repair: {
        action: `unmounted and removed ${mp}`,
        run: async () => {
          removeNetns(mp);
          try {
            fs.rmdirSync(path.dirname(mp)); // the netns/ of a deleted root, once empty
          } catch { /* others left, or a live root's */ }
        },
      },
    });
  }
  return out;
}
