/**
 * The config and manifest of a new image: a parent image (commit) or none (import) plus one
 * new layer. The one place commit and import build them, as Docker's NewChildImage and
 * ImportImage do: a child takes its parent's platform (architecture, os, variant,
 * os.version, os.features), layers and history, and nothing else of its config (no
 * parent's author or comment); `author` and `comment` are the new image's own.
 */
import type { Digest } from './digest.js';
import type { ContainerConfig, Descriptor, History, ImageConfig, Manifest, Platform } from './manifest.js';
import { MT } from './mediaTypes.js';

export interface NewImage {
  /** The image this one extends (commit); absent for import. */
  parent?: { config: ImageConfig; manifest: Manifest };
  /** The platform of an image without a parent. */
  platform?: Platform;
  config: ContainerConfig;
  /** The new layer's blob (its media type says how it is compressed) and its diff_id. */
  layer: Descriptor & { diffId: Digest };
  created: string;
  /** The new layer's history entry (its `created` is `created`). */
  history: Omit<History, 'created'>;
  author?: string;
  comment?: string;
}

const PLATFORM_KEYS = ['architecture', 'os', 'variant', 'os.version', 'os.features'] as const;

export function newImageConfig(n: NewImage): ImageConfig {
  const from: Record<string, unknown> = n.parent?.config ?? { ...n.platform };
  const platform: Record<string, unknown> = {};
  for (const k of PLATFORM_KEYS) if (from[k] !== undefined) platform[k] = from[k];
  return {
    ...(platform as unknown as Platform),
    created: n.created,
    ...(n.author ? { author: n.author } : {}),
    ...(n.comment ? { comment: n.comment } : {}),
    config: n.config,
    rootfs: { type: 'layers', diff_ids: [...(n.parent?.config.rootfs.diff_ids ?? []), n.layer.diffId] },
    history: [...(n.parent?.config.history ?? []), { created: n.created, ...n.history }],
  };
}

/** The OCI manifest, given the descriptor of the stored config blob. */
export function newImageManifest(n: NewImage, config: { digest: Digest; size: number }): Manifest {
  const { diffId: _, ...layer } = n.layer;
  return {
    schemaVersion: 2,
    mediaType: MT.ociManifest,
    config: { mediaType: MT.ociConfig, ...config },
    layers: [...(n.parent?.manifest.layers ?? []), layer],
  };
}

/** Store the config and manifest blobs; their descriptors (the config's digest is the image id). */
export function putNewImage(content: { putBuffer(buf: Uint8Array): { digest: Digest; size: number } }, n: NewImage): { config: { digest: Digest; size: number }; manifest: Descriptor } {
  const config = content.putBuffer(Buffer.from(JSON.stringify(newImageConfig(n))));
  const manifest = content.putBuffer(Buffer.from(JSON.stringify(newImageManifest(n, config))));
  return { config, manifest: { mediaType: MT.ociManifest, ...manifest } };
}
