/**
 * `run|create --pod NAME`: the flags of a container joining a pod — the infra's network, IPC,
 * UTS (and pid) namespaces as `container:<infra>` modes, the pod's hostname, its cgroup under
 * the pod cgroup, the pod label. Flags that would take a namespace the pod shares are refused,
 * as podman does. A stopped infra is started (its namespaces must exist to be joined).
 */
import { invalidArgument } from '../../errors.js';
import type { ContainerStore } from '../ContainerStore.js';
import { liveState } from '../containerState.js';
import { POD_LABEL } from '../podLabel.js';
import type { RunFlags } from '../runFlags.js';
import { PodStore, type PodRecord } from './PodStore.js';

export async function podFlags(store: ContainerStore, flags: RunFlags): Promise<RunFlags> {
  const pod = new PodStore(store.root).find(flags.pod!);
  const f: RunFlags = { ...flags, label: [...flags.label, `${POD_LABEL}=${pod.Id}`] };
  delete f.pod;
  if (flags.cgroupParent) throw invalidArgument('--cgroup-parent cannot be used with --pod: the container\'s cgroup is under the pod\'s');
  f.cgroupParent = pod.CgroupParent;
  if (!pod.InfraContainerId) return f;
  const infra = `container:${pod.InfraContainerId}`;
  const shared = (n: string) => pod.SharedNamespaces.includes(n as never);
  const refuse = (flag: string, ns: string) => {
    throw invalidArgument(`${flag} cannot be used with --pod ${pod.Name}: the pod shares the ${ns} namespace`);
  };
  if (shared('net')) {
    if (flags.network && flags.network !== 'default') refuse('--network', 'network');
    if (flags.publish.length || flags.publishAll) refuse('-p/-P', 'network (publish ports on the pod: pod create -p)');
    if (flags.macAddress) refuse('--mac-address', 'network');
    if (flags.dns?.length || flags.dnsSearch?.length || flags.dnsOption?.length) refuse('--dns', 'network');
    if (flags.addHost?.length) refuse('--add-host', 'network');
    f.network = infra;
  }
  if (shared('ipc')) {
    if (flags.ipc) refuse('--ipc', 'IPC');
    f.ipc = infra;
  }
  if (shared('uts')) {
    if (flags.uts) refuse('--uts', 'UTS');
    if (flags.hostname) refuse('--hostname', 'UTS');
    f.uts = infra;
    f.hostname = pod.Hostname;
  }
  if (shared('pid')) {
    if (flags.pid) refuse('--pid', 'PID');
    f.pid = infra;
  }
  if (pod.SharedNamespaces.length) await ensureInfraRunning(store, pod);
  return f;
}

export async function ensureInfraRunning(store: ContainerStore, pod: PodRecord): Promise<void> {
  const infra = store.find(pod.InfraContainerId!);
  if (liveState(store, infra).Running) return;
  const { startContainer } = await import('../startContainer.js');
  await startContainer(store, infra.Id);
}
