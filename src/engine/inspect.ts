/** `inspect`: Docker's ContainerJSON shape, with the live State. */
import { containerCgroup, type CgroupRecord } from '../runtime/hostCgroupLayout.js';
import fs from 'node:fs';
import path from 'node:path';
import { Snapshotter } from '../image/Snapshotter.js';
import { pidNetns } from '../sys/pidNetns.js';
import type { ContainerStore } from './ContainerStore.js';
import { healthOf, liveState } from './containerState.js';
import { networksOf, readNetworkSettings } from './network.js';
import { netnsFile } from './networkMode.js';
import { withResourceDefaults } from './resourceFlags.js';
import type { ContainerRecord } from './types.js';

function oomFor(cgroup: CgroupRecord): boolean {
  try {
    return !!containerCgroup(cgroup)?.oomKilled();
  } catch {
    return false;
  }
}

export function inspectContainer(store: ContainerStore, rec: ContainerRecord): Record<string, unknown> {
  const st = liveState(store, rec, { oom: oomFor });
  const state = {
    Status: st.Status, Running: st.Running, Paused: st.Paused, Restarting: st.Restarting, OOMKilled: st.OOMKilled || (!st.Running && oomRecorded(rec)),
    Dead: st.Dead, Pid: st.Pid, ExitCode: st.ExitCode, Error: st.Error, StartedAt: st.StartedAt, FinishedAt: st.FinishedAt,
    ...(rec.Config.Healthcheck?.Test && rec.Config.Healthcheck.Test[0] !== 'NONE' ? { Health: healthOf(store, rec.Id) ?? { Status: 'starting', FailingStreak: 0, Log: [] } } : {}),
  };
  const cdir = store.dir(rec.Id);
  const name = (f: string) => path.join(cdir, f);
  return {
    Id: rec.Id,
    Created: rec.Created,
    Path: rec.Path,
    Args: rec.Args,
    State: state,
    Image: rec.Image,
    ResolvConfPath: name('resolv.conf'),
    HostnamePath: name('hostname'),
    HostsPath: name('hosts'),
    LogPath: rec.HostConfig.LogConfig.Type === 'json-file' ? store.logPath(rec.Id) : '', // as Docker: only json-file's file is shown
    Name: rec.Name,
    RestartCount: st.RestartCount,
    Driver: Snapshotter.driver,
    Platform: 'linux',
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: '',
    ExecIDs: null,
    // As Docker: the 64m /dev/shm and a [0, 0] console are shown, not left out.
    HostConfig: { ...withResourceDefaults(rec.HostConfig), ShmSize: rec.HostConfig.ShmSize || 64 << 20, ConsoleSize: rec.HostConfig.ConsoleSize ?? [0, 0] },
    GraphDriver: { Name: Snapshotter.driver, Data: { UpperDir: path.join(store.root, 'snapshots', rec.SnapshotKey, 'upper'), WorkDir: path.join(store.root, 'snapshots', rec.SnapshotKey, 'work') } },
    Mounts: rec.Mounts.map((m) => ({
      Type: m.Type, ...(m.Type === 'volume' ? { Name: m.Name } : {}), Source: m.Source, Destination: m.Destination,
      ...(m.Type === 'volume' ? { Driver: 'local' } : {}), Mode: m.Mode, RW: m.RW, Propagation: m.Propagation,
    })),
    // Docker's create takes the image's Env when -e gave none: an imported image's null stays null
    // (the default PATH is the process's, added at start; see processEnv).
    Config: { ...rec.Config, Env: rec.Config.Env.length ? rec.Config.Env : null },
    NetworkSettings: networkSettings(store, rec, !st.Running ? '' : fs.existsSync(netnsFile(store, rec.Id)) ? netnsFile(store, rec.Id) : pidNetns(st.Pid)),
  };
}

/** Docker's endpoint for `none`/`host`: every field there, empty (so templates print '' not <no value>). */
function emptyEndpoint(): Record<string, unknown> {
  return {
    IPAMConfig: null, Links: null, Aliases: null, MacAddress: '', NetworkID: '', EndpointID: '', Gateway: '', IPAddress: '',
    IPPrefixLen: 0, IPv6Gateway: '', GlobalIPv6Address: '', GlobalIPv6PrefixLen: 0, DriverOpts: null, DNSNames: null,
  };
}

function oomRecorded(rec: ContainerRecord): boolean {
  return (rec.State as { OOMKilled?: boolean }).OOMKilled === true;
}

function networkSettings(store: ContainerStore, rec: ContainerRecord, sandbox: string): Record<string, unknown> {
  const n = readNetworkSettings(store, rec.Id);
  const networks = networksOf(store, rec); // live endpoints: connect/disconnect show at once
  const first = Object.values(networks)[0];
  return {
    Bridge: '', SandboxID: '', SandboxKey: sandbox, Ports: n?.Ports ?? {},
    IPAddress: first?.IPAddress ?? '', IPPrefixLen: first?.IPPrefixLen ?? 0, Gateway: first?.Gateway ?? '', MacAddress: first?.MacAddress ?? '',
    Networks: Object.keys(networks).length ? networks : (rec.HostConfig.NetworkMode === 'none' || rec.HostConfig.NetworkMode === 'host' ? { [rec.HostConfig.NetworkMode]: emptyEndpoint() } : {}),
  };
}
