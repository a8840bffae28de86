/**
 * `pod create`: claim the name, make the pod cgroup with its limits, write the record, then
 * create (not start) the infra container: berth's pause image, the pod's network and
 * published ports, a shareable IPC namespace, the pod's hostname, its cgroup under the pod's.
 * A failure removes what was made.
 */
import { invalidArgument } from '../../errors.js';
import type { ContainerStore } from '../ContainerStore.js';
import { createContainer } from '../createContainer.js';
import { newContainerId, validateName } from '../names.js';
import { parseBytes, parseCpus, parseLabels } from '../parseFlags.js';
import { POD_INFRA_LABEL, POD_LABEL } from '../podLabel.js';
import { emptyRunFlags } from '../runFlags.js';
import { ensurePauseImage } from './pauseImage.js';
import { applyPodCgroup, destroyPodCgroup, podCgroupPath } from './podCgroup.js';
import { DEFAULT_SHARE, PodStore, type PodRecord, type PodShare } from './PodStore.js';

export interface PodCreateOptions {
  name?: string;
  hostname?: string;
  publish?: string[];
  /** `--add-host host:ip`, written into the pod's shared /etc/hosts. */
  addHost?: string[];
  network?: string;
  /** `net,ipc,uts[,pid]` as typed; undefined: the default. */
  share?: string;
  labels?: string[];
  infra?: boolean;
  memory?: string;
  cpus?: string;
}

export function parseShare(v: string | undefined): PodShare[] {
  if (v === undefined) return [...DEFAULT_SHARE];
  const out: PodShare[] = [];
  for (const s of v.split(',').map((x) => x.trim()).filter(Boolean)) {
    if (!['net', 'ipc', 'uts', 'pid'].includes(s)) throw invalidArgument(`--share: invalid namespace "${s}" (one of net, ipc, uts, pid)`);
    if (!out.includes(s as PodShare)) out.push(s as PodShare);
  }
  return out;
}

function podRecord(id: string, o: PodCreateOptions): PodRecord {
  const infra = o.infra !== false;
  const share = parseShare(o.share);
  if (!infra && o.share !== undefined && share.length) throw invalidArgument('--share needs the infra container: namespaces are shared through it (drop --infra=false)');
  if (!infra && o.publish?.length) throw invalidArgument('-p needs the infra container: it publishes the pod\'s ports (drop --infra=false)');
  if (!infra && o.network) throw invalidArgument('--network needs the infra container (drop --infra=false)');
  if (o.addHost?.length && !(infra && share.includes('net'))) throw invalidArgument('--add-host needs the infra container and a shared network namespace');
  if (o.publish?.length && !share.includes('net')) throw invalidArgument('-p needs a shared network namespace (--share net)');
  const name = validateName(o.name ?? `pod_${id.slice(0, 12)}`);
  const memory = o.memory ? parseBytes(o.memory, '--memory') : 0;
  if (o.memory && memory < 6 * 1024 * 1024) throw invalidArgument('--memory: minimum memory limit allowed is 6MB');
  return {
    Id: id, Name: name, Created: new Date().toISOString(), Labels: parseLabels(o.labels ?? []),
    Hostname: o.hostname || name, SharedNamespaces: infra ? share : [], Network: o.network ?? 'bridge', Publish: [...(o.publish ?? [])],
    ...(o.addHost?.length ? { AddHost: [...o.addHost] } : {}),
    Memory: memory, NanoCpus: o.cpus ? parseCpus(o.cpus) : 0, CgroupParent: podCgroupPath(id),
  };
}

export async function createPod(store: ContainerStore, o: PodCreateOptions): Promise<PodRecord> {
  store.init();
  const pods = new PodStore(store.root);
  const pod = podRecord(newContainerId(), o);
  pods.claimName(pod.Name, pod.Id);
  try {
    applyPodCgroup(pod);
    pods.write(pod);
    if (o.infra !== false) {
      const infra = await createContainer(store, { image: await ensurePauseImage(store.root), command: [], flags: infraFlags(pod) });
      pod.InfraContainerId = infra.Id;
      pods.write(pod);
    }
    return pod;
  } catch (e) {
    destroyPodCgroup(pod);
    pods.remove(pod);
    throw e;
  }
}

function infraFlags(pod: PodRecord) {
  const shared = (n: PodShare) => pod.SharedNamespaces.includes(n);
  return {
    ...emptyRunFlags(),
    name: `${pod.Name}-infra`,
    hostname: pod.Hostname,
    network: shared('net') ? pod.Network : 'none',
    publish: [...pod.Publish],
    addHost: [...(pod.AddHost ?? [])],
    ipc: shared('ipc') ? 'shareable' : 'private',
    label: [`${POD_LABEL}=${pod.Id}`, `${POD_INFRA_LABEL}=true`],
    cgroupParent: pod.CgroupParent,
  };
}
