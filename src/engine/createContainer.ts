/**
 * `create` (and the first half of `run`): resolve the image, claim a name, write the
 * record, prepare the snapshot, create/seed volumes. The record is written before the
 * snapshot so a killed CLI leaves something `rm` can clean; everything is under the
 * container's lock.
 */
import fs from 'node:fs';
import { isBerthError, notFound } from '../errors.js';
import { ImageStore } from '../image/ImageStore.js';
import type { ContainerStore } from './ContainerStore.js';
import { containerEvent } from './containerEvents.js';
import { deviceInfo, seccompProfileFor } from './hostInputs.js';
import { makeRecord } from './makeRecord.js';
import { newContainerId, randomName, validateName } from './names.js';
import { applyNetworkFlags } from './network.js';
import { parseEnvFile, parseLabelFile } from './parseFlags.js';
import type { RunFlags } from './runFlags.js';
import type { ContainerRecord } from './types.js';
import { VolumeStore } from './volumes.js';

export interface CreateRequest {
  image: string;
  command: string[];
  flags: RunFlags;
}

function readEnvFiles(files: string[]): string[] {
  return files.flatMap((f) => {
    let text: string;
    try {
      text = fs.readFileSync(f, 'utf8');
    } catch (e) {
      throw notFound(`open ${f}: no such file or directory`, { cause: e });
    }
    return parseEnvFile(text, f);
  });
}

function claimName(store: ContainerStore, id: string, wanted: string | undefined): string {
  if (wanted) {
    const n = validateName(wanted);
    store.claimName(n, id);
    return n;
  }
  for (let i = 0; ; i++) {
    const n = randomName(i);
    if (store.reserveName(n, id)) return n;
  }
}

export async function createContainer(store: ContainerStore, req: CreateRequest): Promise<ContainerRecord> {
  if (req.flags.pod) req = { ...req, flags: await (await import('./pods/joinPod.js')).podFlags(store, req.flags) };
  if (!req.flags.cidfile && !req.flags.labelFile?.length) return createRecord(store, req);
  const { claimCidFile, readTextFiles } = await import('../sys/cidFile.js');
  const label = [...readTextFiles(req.flags.labelFile ?? []).flatMap((f) => parseLabelFile(f.text)), ...req.flags.label];
  const cid = req.flags.cidfile ? claimCidFile(req.flags.cidfile) : undefined;
  try {
    const rec = await createRecord(store, { ...req, flags: { ...req.flags, label } });
    cid?.write(rec.Id);
    return rec;
  } catch (e) {
    cid?.release();
    throw e;
  }
}

async function createRecord(store: ContainerStore, req: CreateRequest): Promise<ContainerRecord> {
  store.init();
  const images = new ImageStore(store.root);
  const policy = await import('./imagePolicy.js');
  const pull = policy.parsePullPolicy(req.flags.pull);
  const platform = req.flags.platform ? policy.parsePlatform(req.flags.platform) : undefined;
  let img;
  try {
    img = images.resolve(req.image);
  } catch (e) {
    if (!isBerthError(e, 'NotFound')) throw e;
    return policy.whenMissing(pull, req.image);
  }
  if (platform) policy.checkImagePlatform(platform, req.image, img.config);
  const id = newContainerId();
  const envFiles = readEnvFiles(req.flags.envFile);
  const draft = makeRecord({ id, name: 'x', imageId: img.id, imageRef: req.image, image: img.config.config ?? {}, command: req.command, flags: req.flags, envFiles: [envFiles].flat() });
  const rec: ContainerRecord = { ...draft };
  if (req.flags.volumesFrom?.length) (await import('./volumesFrom.js')).addVolumesFrom(store, rec, req.flags.volumesFrom);
  await applyNetworkFlags(rec, req.flags, store.root);
  await validateForCreate(rec);
  const links = req.flags.link?.length ? (await import('./links.js')).resolveLinks(store, req.flags.link) : undefined;
  rec.Name = `/${claimName(store, id, req.flags.name)}`;
  if (links) rec.HostConfig.Links = (await import('./links.js')).formatLinks(links, rec.Name.slice(1));
  try {
    return await store.withLock(id, async () => {
      store.createDir(rec);
      await images.prepareSnapshot(rec.SnapshotKey, img.id);
      if (rec.Mounts.some((m) => m.Type !== 'tmpfs')) {
        await prepareMounts(store, rec, images);
        store.write(rec);
      }
      containerEvent(store, rec, 'create');
      return rec;
    });
  } catch (e) {
    const { removeContainerFiles } = await import('./removeContainer.js');
    await removeContainerFiles(store, rec, true).catch(() => undefined);
    throw e;
  }
}

/** What Docker refuses at create (so no container is left behind): devices, cgroup parent, security options. */
async function validateForCreate(rec: ContainerRecord): Promise<void> {
  const hc = rec.HostConfig;
  for (const d of hc.Devices) deviceInfo(d.PathOnHost);
  for (const t of [...(hc.BlkioDeviceReadBps ?? []), ...(hc.BlkioDeviceWriteBps ?? [])]) deviceInfo(t.Path);
  if (hc.CpusetCpus || hc.CpusetMems) {
    const [{ checkCpuset }, { onlineList }] = await Promise.all([import('./cpusetCheck.js'), import('../sys/cpuOnline.js')]);
    checkCpuset(hc.CpusetCpus, onlineList('cpus'), 'cpus');
    checkCpuset(hc.CpusetMems, onlineList('mems'), 'mems');
  }
  const { usesTunables, discardUnsupported } = await import('./resourceFlags.js');
  if (usesTunables(hc)) {
    for (const t of [...(hc.BlkioWeightDevice ?? []), ...(hc.BlkioDeviceReadIOps ?? []), ...(hc.BlkioDeviceWriteIOps ?? [])]) deviceInfo(t.Path);
    const { resourceSupport } = await import('./resourceSupport.js');
    for (const w of discardUnsupported(hc, resourceSupport())) process.stderr.write(`WARNING: ${w}\n`); // dockerd's create warnings, as the CLI prints them
  }
  if (hc.CgroupParent) {
    const { validateRelPath } = await import('../runtime/cgroups/index.js');
    validateRelPath(`${hc.CgroupParent.replace(/^\/+|\/+$/g, '')}/${rec.Id}`);
  }
  if (hc.SecurityOpt?.length) {
    const { parseSecurityOpts } = await import('../runtime/securityDefaults.js');
    parseSecurityOpts(hc.SecurityOpt);
    seccompProfileFor(rec);
  }
}

/** Volumes get a source (created and seeded when new); -v bind sources are created when missing. */
async function prepareMounts(store: ContainerStore, rec: ContainerRecord, images: ImageStore): Promise<void> {
  const vols = new VolumeStore(store.root);
  for (const m of rec.Mounts) {
    if (m.Type === 'bind') {
      if (!fs.existsSync(m.Source)) fs.mkdirSync(m.Source, { recursive: true, mode: 0o755 });
      continue;
    }
    if (m.Type !== 'volume' || m.Source) continue; // a source already: another container's (--volumes-from)
    const { volume, created } = vols.create(m.Name || undefined, {}, !m.Name);
    m.Name = volume.Name;
    m.Source = volume.Mountpoint;
    if (created || vols.isEmpty(volume.Name)) await seedVolume(images, rec.SnapshotKey, m.Destination, volume.Mountpoint);
  }
}

/**
 * Docker's volume copy-up: what the image holds at the volume's destination — resolved
 * inside the image's root, so a symlink there can only lead to the image's own files —
 * copied into the new volume with owners, modes and symlinks. Nothing there (or not a
 * directory): the volume stays empty.
 */
async function seedVolume(images: ImageStore, key: string, destination: string, volumeDir: string): Promise<void> {
  const [{ snapshotRoot }, { statInRoot, tarIn, tarOut }, { copyTar }] = await Promise.all([import('./containerFiles.js'), import('../sys/rootFs.js'), import('./copyStream.js')]);
  const root = snapshotRoot(images, key);
  const [type] = statInRoot(root, true, [destination]);
  if (type !== 'dir') return;
  await copyTar(tarOut(root, destination, true), undefined, tarIn({ dir: volumeDir }, '.', 'beneath'));
}
