/** `cp` with `-`: the copy as a tar stream on stdout, or a tar stream from stdin extracted into the container. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { invalidArgument } from '../errors.js';
import type { ContainerStore } from './ContainerStore.js';
import { copyFromContainer, copyToContainer } from './copyFiles.js';
import type { CopyOptions } from './copyOwners.js';

function scratch(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'berth-cp-'));
}

/** The tar carries the owners the container sees (Docker's archive API), -a or not. */
export async function copyFromContainerTar(store: ContainerStore, ref: string, src: string, out: NodeJS.WritableStream, opts: CopyOptions = {}): Promise<void> {
  const tmp = scratch();
  try {
    copyFromContainer(store, ref, src, tmp + '/', { ...opts, archive: true });
    const { TarWriter } = await import('../image/tar/TarWriter.js');
    const { upperToTar } = await import('../image/treeToTar.js');
    const w = new TarWriter(out as never);
    await upperToTar({ dir: tmp, opaque: new Set(), xattrs: new Map() }, w);
    await w.finish();
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** The entries keep the tar's owners (the container's ids); -a gives them to the container's user. */
export async function copyToContainerTar(store: ContainerStore, ref: string, input: NodeJS.ReadableStream, dest: string, opts: CopyOptions = {}): Promise<void> {
  const tmp = scratch();
  try {
    const file = path.join(tmp, 'in.tar');
    await pipeline(input, fs.createWriteStream(file));
    const tree = path.join(tmp, 'tree');
    fs.mkdirSync(tree);
    const { unpackLayer } = await import('../image/unpackLayer.js');
    await unpackLayer(file, tree, 'cp input');
    const d = dest.endsWith('/') ? dest : `${dest}/`;
    const names = fs.readdirSync(tree);
    if (!names.length) throw invalidArgument('cp: the tar stream is empty');
    for (const n of names) copyToContainer(store, ref, path.join(tree, n), d, { archive: opts.archive });
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
