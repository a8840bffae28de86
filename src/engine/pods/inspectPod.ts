/** `pod inspect`: the pod record and its containers' live state, in podman's shape. */
import type { ContainerStore } from '../ContainerStore.js';
import { podMembers, podStatus } from './podContainers.js';
import { PodStore } from './PodStore.js';

export function inspectPod(store: ContainerStore, ref: string): Record<string, unknown> {
  const p = new PodStore(store.root).find(ref);
  const ms = podMembers(store, p);
  const infra = ms.find((m) => m.infra);
  return {
    Id: p.Id, Name: p.Name, Created: p.Created, State: podStatus(ms), Hostname: p.Hostname, Labels: p.Labels,
    CreateInfra: !!p.InfraContainerId, InfraContainerID: p.InfraContainerId ?? '',
    InfraConfig: p.InfraContainerId ? { PortBindings: infra?.rec.HostConfig.PortBindings ?? {}, Publish: p.Publish, Networks: p.SharedNamespaces.includes('net') ? [p.Network] : [] } : undefined,
    SharedNamespaces: p.SharedNamespaces, CgroupParent: p.CgroupParent, CgroupPath: p.CgroupParent,
    Memory: p.Memory, NanoCpus: p.NanoCpus, CPUs: p.NanoCpus / 1e9,
    NumContainers: ms.length,
    Containers: ms.map((m) => ({ Id: m.rec.Id, Name: m.rec.Name.slice(1), State: m.state.Status })),
  };
}
