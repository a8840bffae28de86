/**
 * archive (GET/PUT/HEAD), export, changes: a container's files, through the engine's safe
 * copy code (paths resolved by the kernel inside the container's root; nothing escapes it).
 */
import { Writable } from 'node:stream';
import { copyFromContainerTar, copyToContainerTar } from '../../engine/copyFiles.js';
import { TarParser } from '../../image/tar/TarParser.js';
import type { TarEntry } from '../../image/tar/TarEntry.js';
import { badRequest } from '../errors.js';
import type { Exchange } from '../exchange.js';
import type { Router } from '../router.js';

/** Go's os.FileMode type bits, as dockerd's stat header carries them. */
const GO_MODE: Record<string, number> = { dir: 2 ** 31, symlink: 2 ** 27, char: 2 ** 26 + 2 ** 21, block: 2 ** 26, fifo: 2 ** 25 };

function pathStat(e: TarEntry, asked: string): string {
  const name = asked.replace(/\/+$/, '').split('/').pop() || '/';
  const stat = { name, size: e.size, mode: (e.mode & 0o7777) + (GO_MODE[e.type] ?? 0), mtime: new Date(e.mtime * 1000).toISOString(), linkTarget: e.linkname };
  return Buffer.from(JSON.stringify(stat)).toString('base64');
}

function pathOf(x: Exchange): string {
  const p = x.query('path');
  if (!p) throw badRequest('path is required: give ?path=');
  return p;
}

/**
 * The tar of `path` streamed through: the first entry's header gives the stat header, so
 * nothing is answered before the engine has found the path (its 404 stays a 404).
 */
async function archiveGet(x: Exchange, headOnly: boolean): Promise<void> {
  const p = pathOf(x);
  const rec = x.ctx.store.find(x.params.id);
  // `DIR/.` streams DIR's contents: the stat is DIR's own (the client decides on it whether to merge).
  const contents = /\/\.$/.test(p) && !headOnly;
  const statHeader = contents ? await statOnly(x, rec.Id, p.slice(0, -2) || '/') : undefined;
  let first: TarEntry | undefined;
  const held: Buffer[] = [];
  let out: ReturnType<Exchange['stream']> | undefined;
  const stop = new Error('stat only');
  const parser = new TarParser({ entry: (e) => (first ??= e), data: () => undefined, entryEnd: () => undefined });
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (!first) {
        try {
          parser.write(chunk);
        } catch { /* not parsable: the header stays empty */ }
        held.push(chunk);
        if (!first) return cb();
        if (headOnly) return cb(stop);
        out = x.stream(200, 'application/x-tar', { 'X-Docker-Container-Path-Stat': statHeader ?? pathStat(first, p) });
        for (const h of held.splice(0)) out.write(h);
        return cb();
      }
      if (out!.write(chunk)) return cb();
      x.res?.once('drain', () => cb());
      if (!x.res) cb();
    },
  });
  try {
    await copyFromContainerTar(x.ctx.store, rec.Id, p, sink, { dotted: true });
  } catch (e) {
    if (e !== stop && !(headOnly && first)) throw e;
  }
  if (headOnly) {
    if (!first) throw badRequest(`cannot stat ${p}`);
    return x.send(200, undefined, { 'X-Docker-Container-Path-Stat': pathStat(first, p), 'Content-Type': 'application/x-tar' });
  }
  if (!out) {
    const stat = statHeader ?? (first ? pathStat(first, p) : undefined);
    out = x.stream(200, 'application/x-tar', stat ? { 'X-Docker-Container-Path-Stat': stat } : {});
    for (const h of held) out.write(h);
  }
  out.end();
}

/** The stat header of `p` (a HEAD's work), or undefined when the tar has no entry. */
async function statOnly(x: Exchange, id: string, p: string): Promise<string | undefined> {
  let first: TarEntry | undefined;
  const parser = new TarParser({ entry: (e) => (first ??= e), data: () => undefined, entryEnd: () => undefined });
  const stop = new Error('stat only');
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      try {
        parser.write(chunk);
      } catch { /* not parsable */ }
      cb(first ? stop : undefined);
    },
  });
  await copyFromContainerTar(x.ctx.store, id, p, sink).catch((e) => {
    if (e !== stop && !first) throw e;
  });
  return first ? pathStat(first, p) : undefined;
}

async function archivePut(x: Exchange): Promise<void> {
  const p = pathOf(x);
  await copyToContainerTar(x.ctx.store, x.params.id, x.bodyStream(), p, { archive: x.bool('copyUIDGID') });
  x.send(200, '', { 'Content-Type': 'text/plain' });
}

async function exportContainer(x: Exchange): Promise<void> {
  const store = x.ctx.store;
  const rec = store.find(x.params.id);
  const [{ ImageStore }, { upperOwners }, { whileStill }] = await Promise.all([import('../../image/ImageStore.js'), import('../../engine/copyFiles.js'), import('../../engine/pause.js')]);
  const images = new ImageStore(store.root);
  const s = x.stream(200, 'application/x-tar');
  const sink = new Writable({ write: (c: Buffer, _e, cb) => (s.write(c) ? cb() : x.res ? x.res.once('drain', () => cb()) : cb()) });
  await whileStill(store, rec.Id, () => images.exportSnapshot(rec.SnapshotKey, sink, upperOwners(store, rec)));
  s.end();
}

async function changes(x: Exchange): Promise<void> {
  const store = x.ctx.store;
  const rec = store.find(x.params.id);
  const [{ ImageStore }, { whileStill }] = await Promise.all([import('../../image/ImageStore.js'), import('../../engine/pause.js')]);
  const list = await whileStill(store, rec.Id, () => new ImageStore(store.root).diffSnapshot(rec.SnapshotKey));
  x.sendJson(200, list.length ? list : null);
}

export function registerContainerFiles(r: Router): void {
  r.add('GET', '/containers/{id}/archive', (x) => archiveGet(x, false));
  r.add('HEAD', '/containers/{id}/archive', (x) => archiveGet(x, true));
  r.add('PUT', '/containers/{id}/archive', archivePut);
  r.add('GET', '/containers/{id}/export', exportContainer);
  r.add('GET', '/containers/{id}/changes', changes);
}
