/**
 * `info` and `version`: what this host and store hold, only what is true of berth: its
 * storage driver is the snapshotter's (overlay), its ID is made once per root (engineId),
 * and there is no Engine API yet, so no API version; Node's version is named as such.
 */
import fs from 'node:fs';
import os from 'node:os';
import { Snapshotter } from '../image/Snapshotter.js';
import { cgroupLayout } from '../runtime/hostCgroupLayout.js';
import type { ContainerStore } from './ContainerStore.js';
import { liveState } from './containerState.js';
import { engineId } from './engineId.js';

export const BERTH_VERSION = '0.1.0';

/** Docker's CgroupVersion: "1" on a v1 or hybrid host, "2" on a unified one; "" without cgroups. */
function cgroupVersion(): string {
  try {
    const l = cgroupLayout();
    if (l.mode !== 'v2') return '1';
    return l.unified !== null ? '2' : '';
  } catch {
    return '';
  }
}

export function systemInfo(store: ContainerStore) {
  const states = store.list().map((r) => liveState(store, r));
  let images = 0;
  try {
    const idx = JSON.parse(fs.readFileSync(`${store.root}/content/index.json`, 'utf8')) as { manifests: { digest: string }[] };
    images = new Set(idx.manifests.map((m) => m.digest)).size;
  } catch { /* no images yet */ }
  return {
    ID: engineId(store.root), Containers: states.length,
    ContainersRunning: states.filter((s) => s.Running && !s.Paused).length,
    ContainersPaused: states.filter((s) => s.Paused).length,
    ContainersStopped: states.filter((s) => !s.Running).length,
    Images: images, Driver: Snapshotter.driver, LoggingDriver: 'json-file', CgroupDriver: 'cgroupfs', CgroupVersion: cgroupVersion(),
    KernelVersion: os.release(), OperatingSystem: osName(), OSType: 'linux', Architecture: os.machine(),
    NCPU: os.cpus().length, MemTotal: os.totalmem(), DockerRootDir: store.root, Name: os.hostname(),
    ServerVersion: BERTH_VERSION, DefaultRuntime: 'berth', Runtimes: { berth: { path: 'berth-helper' } },
    SecurityOptions: ['name=seccomp,profile=builtin'],
  };
}

function osName(): string {
  try {
    return /^PRETTY_NAME="?([^"\n]*)"?/m.exec(fs.readFileSync('/etc/os-release', 'utf8'))?.[1] ?? 'Linux';
  } catch {
    return 'Linux';
  }
}

export function infoText(i: ReturnType<typeof systemInfo>): string {
  return `Client:\n Version:    ${BERTH_VERSION}\n Context:    default\n\nServer:\n`
    + ` Containers: ${i.Containers}\n  Running: ${i.ContainersRunning}\n  Paused: ${i.ContainersPaused}\n  Stopped: ${i.ContainersStopped}\n`
    + ` Images: ${i.Images}\n Server Version: ${i.ServerVersion}\n Storage Driver: ${i.Driver}\n Logging Driver: ${i.LoggingDriver}\n`
    + ` Cgroup Driver: ${i.CgroupDriver}\n Cgroup Version: ${i.CgroupVersion}\n Runtimes: berth\n Default Runtime: berth\n`
    + ` Security Options:\n  seccomp\n   Profile: builtin\n Kernel Version: ${i.KernelVersion}\n Operating System: ${i.OperatingSystem}\n`
    + ` OSType: ${i.OSType}\n Architecture: ${i.Architecture}\n CPUs: ${i.NCPU}\n Total Memory: ${(i.MemTotal / 1024 ** 3).toFixed(2)}GiB\n`
    + ` Name: ${i.Name}\n ID: ${i.ID}\n Docker Root Dir: ${i.DockerRootDir}\n`;
}

export function versionInfo() {
  const arch = os.arch() === 'x64' ? 'amd64' : os.arch();
  return {
    Client: { Version: BERTH_VERSION, NodeVersion: process.version, Os: 'linux', Arch: arch },
    Server: { Version: BERTH_VERSION, NodeVersion: process.version, KernelVersion: os.release(), Os: 'linux', Arch: arch },
  };
}
