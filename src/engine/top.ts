/** `top`: the processes of a container's cgroup (read from /proc by src/sys/procProcess.ts). */
import fs from 'node:fs';
import { conflict, invalidArgument } from '../errors.js';
import { containerCgroup } from '../runtime/hostCgroupLayout.js';
import { CLOCK_TICKS, readProcess, uptimeSeconds } from '../sys/procProcess.js';
import { runPs } from '../sys/runPs.js';
import type { ContainerStore } from './ContainerStore.js';
import { liveState } from './containerState.js';

export interface TopResult { Titles: string[]; Processes: string[][] }

function userName(uid: string): string {
  try {
    const line = fs.readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.split(':')[2] === uid);
    return line ? line.split(':')[0] : uid;
  } catch {
    return uid;
  }
}

/** Docker's parsePSOutput: the header's titles, the rows whose PID is one of `pids`, overhanging fields joined into the last. */
export function parsePsOutput(out: string, pids: readonly number[]): TopResult {
  const lines = out.split('\n');
  const Titles = (lines[0] ?? '').trim().split(/\s+/).filter(Boolean);
  const pidIndex = Titles.indexOf('PID');
  if (pidIndex < 0) throw invalidArgument("Couldn't find PID field in ps output");
  const want = new Set(pids);
  const Processes: string[][] = [];
  for (const line of lines.slice(1)) {
    const f = line.trim().split(/\s+/).filter(Boolean);
    if (!f.length || !want.has(Number(f[pidIndex]))) continue;
    Processes.push([...f.slice(0, Titles.length - 1), f.slice(Titles.length - 1).join(' ')]);
  }
  return { Titles, Processes };
}

export function topContainer(store: ContainerStore, ref: string, psArgs: readonly string[] = []): TopResult {
  const rec = store.find(ref);
  const st = liveState(store, rec);
  if (!st.Running || !st.cgroupPath) throw conflict(`container ${rec.Id} is not running`);
  if (psArgs.length) {
    const pids = containerCgroup(st)!.pids();
    return parsePsOutput(runPs(psArgs, pids), pids);
  }
  const boot = Date.now() / 1000 - uptimeSeconds();
  const rows: string[][] = [];
  for (const pid of containerCgroup(st)!.pids().sort((a, b) => a - b)) {
    const p = readProcess(pid);
    if (!p) continue; // exited meanwhile
    const start = new Date((boot + p.startTicks / CLOCK_TICKS) * 1000);
    const time = new Date((p.cpuTicks / CLOCK_TICKS) * 1000).toISOString().slice(11, 19);
    rows.push([userName(p.uid), String(pid), p.ppid, '0', start.toTimeString().slice(0, 5), '?', time, p.argv.join(' ') || `[${p.comm}]`]);
  }
  return { Titles: ['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD'], Processes: rows };
}
