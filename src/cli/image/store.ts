import type { Command } from 'commander';
import { ImageStore } from '../../image/ImageStore.js';
import { globalRoot } from '../globals.js';

/** The image store under the command's --root. */
export function storeFor(cmd: Command): ImageStore {
  return ImageStore.open(globalRoot(cmd));
}
