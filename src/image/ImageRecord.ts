import type { Digest, ImageId } from './digest.js';
import type { ImageConfig, Manifest } from './manifest.js';

/** One image as the store knows it (grouped by image ID = config digest). */
export interface ImageRecord {
  id: ImageId;
  /** Manifests whose config is this image's (first is the main one). */
  manifestDigests: Digest[];
  manifest: Manifest;
  config: ImageConfig;
  /** Familiar references, e.g. `busybox:latest`. */
  tags: string[];
  /** Sum of the layers' sizes (uncompressed files). */
  size: number;
  /** Unix seconds. */
  created: number;
  /** Only a build step's cache entry (`berth build`): hidden from `images` without -a, kept by `image prune`. */
  buildCache?: boolean;
}
