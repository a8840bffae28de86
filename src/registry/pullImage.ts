import crypto from 'node:crypto';
import { recordEvent } from '../engine/eventLog.js';
import fs from 'node:fs';
import { invalidArgument, isBerthError } from '../errors.js';
import { shortId, type Digest, type ImageId } from '../image/digest.js';
import type { ImageStore } from '../image/ImageStore.js';
import { ingestLayer } from '../image/ingestLayer.js';
import type { StagedLayer } from '../image/LayerStore.js';
import { parseConfig, parseManifestOrIndex, pickPlatform, type Descriptor, type ImageConfig, type Manifest, type Platform } from '../image/manifest.js';
import { MT } from '../image/mediaTypes.js';
import { familiarString } from '../image/reference.js';
import { blobChunks, retryable } from './blobChunks.js';
import { limited } from './limited.js';
import { recordSource } from './sources.js';
import { RegistryClient, type FetchedManifest } from './client.js';
import { readBody } from './http.js';
import { pullEndpoints } from './mirrors.js';
import { manifestReference, type RemoteRef } from './reference.js';
import { silent, type Reporter } from './Reporter.js';

const MAX_CONFIG = 32 << 20;
const FOREIGN = new Set<string>([MT.dockerForeign, 'application/vnd.oci.image.layer.nondistributable.v1.tar', 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip', 'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd']);

export interface PullOptions {
  platform?: Platform;
  /** Layers downloading at once (default 3). */
  concurrency?: number;
  report?: Reporter;
  client?: RegistryClient;
}

export interface PullResult {
  id: ImageId;
  /** The digest of what the reference named (an index's digest when it named an index). */
  digest: Digest;
  /** Familiar tag recorded (`busybox:latest`), or undefined for a pull by digest. */
  tag?: string;
  /** False when the image was already here under that name. */
  downloaded: boolean;
}

interface Planned {
  manifest: FetchedManifest;
  parsed: Manifest;
  config: { buf: Buffer; digest: Digest; parsed: ImageConfig };
}

/** Resolve the reference to one platform's manifest and its verified config. */
async function plan(client: RegistryClient, ref: RemoteRef, what: string, platform?: Platform): Promise<{ top: Digest; p: Planned }> {
  let m = await client.getManifest(ref.path, manifestReference(ref), what);
  const top = m.digest;
  let parsed = parseManifestOrIndex(m.buf, `manifest for ${what}`);
  for (let depth = 0; 'index' in parsed; depth++) {
    if (depth > 2) throw invalidArgument(`manifest for ${what}: indexes nested too deep`, { exitCode: 1 });
    const d = pickPlatform(parsed.index, what, platform);
    m = await client.getManifest(ref.path, d.digest, what);
    if (m.buf.length !== d.size) throw invalidArgument(`manifest ${d.digest}: ${m.buf.length} bytes, the index says ${d.size}`, { code: 'registry.size', exitCode: 1 });
    parsed = parseManifestOrIndex(m.buf, `manifest ${d.digest}`);
  }
  const man = parsed.manifest;
  const res = await client.getBlob(ref.path, man.config.digest);
  const buf = await readBody(res, Math.min(MAX_CONFIG, man.config.size), `config ${man.config.digest}`);
  const got: Digest = `sha256:${crypto.createHash('sha256').update(buf).digest('hex')}`;
  if (got !== man.config.digest || buf.length !== man.config.size) throw invalidArgument(`config ${man.config.digest}: content has digest ${got} (${buf.length} bytes)`, { code: 'registry.digest', exitCode: 1 });
  const config = parseConfig(buf, `config ${got}`);
  if (config.rootfs.diff_ids.length !== man.layers.length) throw invalidArgument(`manifest ${m.digest} has ${man.layers.length} layers, its config ${config.rootfs.diff_ids.length} diff_ids`, { exitCode: 1 });
  return { top, p: { manifest: m, parsed: man, config: { buf, digest: got, parsed: config } } };
}

interface Fetched {
  desc: Descriptor;
  file?: string;
  staged?: StagedLayer;
  /** The file is the store's partial-<hex> for this digest (kept for a later pull if this one fails). */
  partial?: boolean;
  /** Release the partial file's lock. */
  release?: () => void;
}

/** Content errors (digest, size, corrupt data): the bytes are wrong, not the connection. */
const contentError = (e: unknown) => isBerthError(e) && !retryable(e) && /^(registry\.(digest|size|partial)|layer\.)/.test(e.code);

/**
 * Fetch one layer blob into the store's partial file for its digest (continuing from what a
 * killed or failed pull left there; only the missing bytes are asked for) and unpack it as it
 * arrives. Bytes read back from disk that turn out wrong are dropped and the blob fetched once
 * more from the start. The file stays locked until the caller releases it (after commit).
 */
async function fetchLayer(store: ImageStore, client: RegistryClient, repoPath: string, desc: Descriptor, diffId: Digest | undefined, what: string, report: Reporter): Promise<Fetched> {
  const sid = shortId(desc.digest);
  const claim = store.content.claimPartial(desc.digest);
  const file = claim?.file ?? store.content.ingestPath('pull');
  let shown = 0;
  const ingest = () =>
    ingestLayer((have) => blobChunks(client, repoPath, desc.digest, desc.size, { start: have, onRetry: (_why, ms) => report.layer(sid, `Retrying in ${Math.max(1, Math.round(ms / 1000))} second${Math.round(ms / 1000) > 1 ? 's' : ''}`) }), {
      file,
      digest: desc.digest,
      size: desc.size,
      resume: !!claim,
      unpack: diffId ? { layers: store.layers, diffId } : undefined,
      what,
      onBytes: (n) => {
        if (n - shown >= 512 << 10 || n === desc.size) {
          shown = n;
          report.layer(sid, 'Downloading', { done: n, total: desc.size });
        }
      },
      onVerified: () => {
        report.layer(sid, 'Verifying Checksum');
        report.layer(sid, 'Download complete');
        // the layer was unpacked while it arrived: what is left is the unpacker's tail
        if (diffId) report.layer(sid, 'Extracting', { done: desc.size, total: desc.size });
      },
    });
  try {
    const had = claim && fs.existsSync(file) ? fs.statSync(file).size : 0;
    let r: Awaited<ReturnType<typeof ingestLayer>>;
    try {
      r = await ingest();
    } catch (e) {
      if (!(had > 0 && contentError(e))) throw e;
      shown = 0;
      r = await ingest(); // the partial file was removed: from the start
    }
    return { desc, file: r.file, staged: r.staged, partial: !!claim, release: claim?.release };
  } catch (e) {
    claim?.release();
    throw e;
  }
}

/**
 * `pull`: fetch one reference into the store. Layers download concurrently, each unpacked
 * while it arrives; manifest, config and every blob are verified (digest and size) and
 * every layer's diff_id checked before anything becomes visible. The tag is recorded last.
 */
export async function pullImage(store: ImageStore, ref: RemoteRef, o: PullOptions = {}): Promise<PullResult> {
  const report = o.report ?? silent;
  report.line(`${ref.digest ?? ref.tag}: Pulling from ${ref.path}`);
  const endpoints = o.client ? [{ client: o.client }] : pullEndpoints(ref);
  for (let i = 0; ; i++) {
    try {
      return await pullFrom(store, ref, endpoints[i].client, o, report);
    } catch (e) {
      // a mirror that fails in any way (down, lacks the image, sends bad bytes) hands over to the next, the origin last
      if (i + 1 >= endpoints.length) throw e;
    }
  }
}

async function pullFrom(store: ImageStore, ref: RemoteRef, client: RegistryClient, o: PullOptions, report: Reporter): Promise<PullResult> {
  const what = familiarString(ref);
  const tag = ref.digest ? undefined : familiarString({ repository: ref.repository, tag: ref.tag });
  const { top, p } = await plan(client, ref, what, o.platform);
  const id = p.config.digest;
  const current = tag ? store.tagFor(tag) && safeResolve(store, tag) : undefined;
  const desc = { mediaType: p.manifest.mediaType, digest: p.manifest.digest, size: p.manifest.buf.length };
  // pulled through an index: `repo@<index digest>` names the image afterwards, as with Docker
  const viaIndex = top !== p.manifest.digest ? top : undefined;
  const have = store.content.has(p.manifest.digest) && store.content.has(id) && p.config.parsed.rootfs.diff_ids.every((d) => store.layers.has(d));
  if (have && (tag ? current === id : true)) {
    if (viaIndex && !tag && !safeResolve(store, `${ref.repository}@${viaIndex}`)) store.addManifest(desc, [], viaIndex);
    report.line(`Digest: ${top}`);
    recordEvent(store.root, 'image', 'pull', what, { name: ref.repository });
    return { id, digest: top, tag, downloaded: false };
  }
  return store.lease(async () => {
    const diffIds = p.config.parsed.rootfs.diff_ids;
    const seen = new Set<Digest>();
    const jobs: (() => Promise<Fetched>)[] = [];
    const fetched: Fetched[] = [];
    const waiting: string[] = [];
    let done = false;
    p.parsed.layers.forEach((desc, i) => {
      const sid = shortId(desc.digest);
      if (seen.has(desc.digest)) return;
      seen.add(desc.digest);
      const hasLayer = store.layers.has(diffIds[i]);
      const hasBlob = store.content.has(desc.digest);
      if (FOREIGN.has(desc.mediaType) && !hasBlob && !hasLayer) {
        throw invalidArgument(`layer ${desc.digest} is non-distributable (foreign); berth does not fetch from its URLs`, { code: 'registry.foreign', exitCode: 1 });
      }
      if (hasLayer && hasBlob) {
        report.layer(sid, 'Already exists');
        return;
      }
      report.layer(sid, 'Pulling fs layer');
      waiting.push(sid);
      jobs.push(async () => {
        const f = await fetchLayer(store, client, ref.path, desc, hasLayer ? undefined : diffIds[i], `${i} (${desc.digest})`, report);
        fetched.push(f);
        return f;
      });
    });
    const concurrency = o.concurrency ?? 3;
    waiting.slice(concurrency).forEach((sid) => report.layer(sid, 'Waiting'));
    try {
      await limited(concurrency, jobs);
      // one syncfs for every layer and blob received, then nothing but renames
      store.layers.sync(fetched.flatMap((f) => (f.staged ? [f.staged] : [])), fetched.map((f) => f.file!));
      for (const f of fetched) {
        store.content.commitFile(f.file!, f.desc.digest, f.desc.size, true);
        if (f.staged) store.layers.commit(f.staged);
        recordSource(store.root, f.desc.digest, ref.domain, ref.path);
        report.layer(shortId(f.desc.digest), 'Pull complete');
      }
      store.content.putBuffer(p.config.buf, id);
      store.content.putBuffer(p.manifest.buf, p.manifest.digest);
      store.addManifest(desc, tag ? [tag] : [], viaIndex);
      done = true;
    } finally {
      for (const f of fetched) {
        // a verified partial-<hex> is kept when the pull failed elsewhere: the next pull reads it back instead of fetching it
        if (f.file && (done || !f.partial)) fs.rmSync(f.file, { force: true });
        f.release?.();
        if (f.staged && fs.existsSync(f.staged.dir)) store.layers.discard(f.staged);
      }
    }
    report.line(`Digest: ${top}`);
    recordEvent(store.root, 'image', 'pull', what, { name: ref.repository });
    return { id, digest: top, tag, downloaded: true };
  });
}

function safeResolve(store: ImageStore, ref: string): ImageId | undefined {
  try {
    return store.resolve(ref).id;
  } catch {
    return undefined;
  }
}
