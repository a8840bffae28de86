import type { ImageRecord } from '../../image/ImageRecord.js';
import type { ImageStore } from '../../image/ImageStore.js';
import { Snapshotter } from '../../image/Snapshotter.js';
import { familiarRepository, parseReference } from '../../image/reference.js';

/** Docker's `image inspect` JSON for one image (PascalCase at the edge). */
export function inspectImage(store: ImageStore, img: ImageRecord): Record<string, unknown> {
  const c = img.config;
  const repos = [...new Set(img.tags.map((t) => familiarRepository(parseReference(t).repository)))];
  const lowers = [...c.rootfs.diff_ids].reverse().map((l) => store.layers.diffDir(l));
  return {
    Id: img.id,
    RepoTags: img.tags,
    RepoDigests: repos.map((r) => `${r}@${img.manifestDigests[0]}`),
    Parent: '',
    Comment: (c.comment as string | undefined) ?? c.history?.[c.history.length - 1]?.comment ?? '',
    Created: c.created ?? '',
    DockerVersion: (c.docker_version as string | undefined) ?? '',
    Author: c.author ?? '',
    Config: { Env: null, Cmd: null, Entrypoint: null, WorkingDir: '', Labels: null, ...(c.config ?? {}) },
    Architecture: c.architecture,
    ...(c.variant ? { Variant: c.variant } : {}),
    Os: c.os,
    Size: img.size,
    GraphDriver: {
      Name: Snapshotter.driver,
      Data: lowers.length > 1 ? { LowerDir: lowers.slice(1).join(':'), UpperDir: lowers[0], MergedDir: '', WorkDir: '' } : { UpperDir: lowers[0] ?? '', MergedDir: '', WorkDir: '' },
    },
    RootFS: { Type: 'layers', Layers: c.rootfs.diff_ids },
    Metadata: { LastTagTime: '0001-01-01T00:00:00Z' },
    Descriptor: { mediaType: img.manifest.mediaType ?? 'application/vnd.oci.image.manifest.v1+json', digest: img.manifestDigests[0], size: store.content.size(img.manifestDigests[0]) },
  };
}

