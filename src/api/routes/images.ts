/**
 * /images/...: the image store, registry and archive code `berth images|pull|push|tag|rmi|
 * save|load|import|commit` call, answered in Docker's shapes. Image names hold slashes and a
 * registry's `host:port/`: those routes match the rest of the path (`{name*}`).
 */
import { Writable } from 'node:stream';
import { conflict, invalidArgument, isBerthError, notFound } from '../../errors.js';
import { inspectImage } from '../../cli/image/inspectImage.js';
import { imageFilter } from '../../cli/image/images.js';
import type { ImageRecord } from '../../image/ImageRecord.js';
import { ImageStore } from '../../image/ImageStore.js';
import { familiarRepository, familiarString, parseReference } from '../../image/reference.js';
import { badRequest, HttpError } from '../errors.js';
import type { Exchange } from '../exchange.js';
import { JsonStream } from '../jsonStream.js';
import type { Router } from '../router.js';

const storeOf = (x: Exchange) => ImageStore.open(x.ctx.root);

function repoDigests(img: ImageRecord, tags = img.tags): string[] {
  const repos = [...new Set(tags.map((t) => familiarRepository(parseReference(t).repository)))];
  return repos.map((r) => `${r}@${img.manifestDigests[0]}`);
}

/** GET /images/json: one summary per image (not per tag), newest first. */
function list(x: Exchange): void {
  const store = storeOf(x);
  const keep = imageFilter(store, x.filters());
  const all = x.bool('all');
  const used = store.usage();
  // With a reference filter only the matching tags are listed (dockerd's RepoTags then).
  const byRef = x.filters().some((f) => f.startsWith('reference='));
  const tagsOf = (img: ImageRecord) => (byRef ? img.tags.filter((t) => keep(img, t)) : img.tags);
  const out = store.list().filter((img) => (all || !img.buildCache) && (img.tags.length ? img.tags.some((t) => keep(img, t)) : keep(img, undefined))).map((img) => ({
    Id: img.id, ParentId: '', RepoTags: tagsOf(img), RepoDigests: repoDigests(img, tagsOf(img)), Created: Math.floor(img.created), Size: img.size,
    SharedSize: -1, VirtualSize: img.size, Labels: img.config.config?.Labels ?? {}, Containers: used.get(img.id)?.length ?? 0,
  }));
  x.sendJson(200, out);
}

function inspect(x: Exchange): void {
  const store = storeOf(x);
  x.sendJson(200, inspectImage(store, store.resolve(x.params.name)));
}

function history(x: Exchange): void {
  const store = storeOf(x);
  const img = store.resolve(x.params.name);
  const hist = img.config.history?.length ? img.config.history : img.config.rootfs.diff_ids.map(() => ({}) as { created?: string; created_by?: string; comment?: string; empty_layer?: boolean });
  let li = 0;
  const rows = hist.map((h) => ({
    Id: '<missing>', Created: h.created ? Math.floor(Date.parse(h.created) / 1000) : 0, CreatedBy: h.created_by ?? '', Tags: null as string[] | null,
    Size: h.empty_layer ? 0 : store.layers.info(img.config.rootfs.diff_ids[li++])?.size ?? 0, Comment: h.comment ?? '',
  })).reverse();
  if (rows.length) {
    rows[0].Id = img.id;
    rows[0].Tags = img.tags;
  }
  x.sendJson(200, rows);
}

function tag(x: Exchange): void {
  const repo = x.query('repo');
  if (!repo) throw badRequest('repository name is required');
  const t = x.query('tag');
  const target = t ? `${repo}:${t}` : repo;
  try {
    parseReference(target);
  } catch {
    throw badRequest(`invalid reference format: ${target}`);
  }
  storeOf(x).tag(x.params.name, target);
  x.send(201, '');
}

/** DELETE /images/{name}: 404 when missing, 409 when a container uses it (the CLI's rmi logic). */
async function remove(x: Exchange): Promise<void> {
  const store = storeOf(x);
  const name = x.params.name;
  store.resolve(name);
  const { removeImages } = await import('../../image/removeImages.js');
  const r = await removeImages(store, [name], { force: x.bool('force'), noPrune: x.bool('noprune') });
  if (r.errors.length) throw conflict(r.errors[r.errors.length - 1]);
  x.sendJson(200, r.lines.map((l) => (l.startsWith('Untagged: ') ? { Untagged: l.slice(10) } : { Deleted: l.slice(9) })));
}

async function prune(x: Exchange): Promise<void> {
  const filters = x.filters();
  const all = filters.includes('dangling=false') || filters.includes('dangling=0');
  const labelKeep = filters.filter((f) => f.startsWith('label='));
  const store = storeOf(x);
  const keep = labelKeep.length ? imageFilter(store, labelKeep) : undefined;
  const { pruneImages } = await import('../../image/pruneImages.js');
  const r = await pruneImages(store, { all, keep: keep ? (i) => !keep(i) : undefined });
  x.sendJson(200, { ImagesDeleted: r.ImagesDeleted.length ? r.ImagesDeleted : null, SpaceReclaimed: r.SpaceReclaimed });
}

/** X-Registry-Auth: base64(url) JSON `{username, password, serveraddress}` (or `{}`). */
function registryAuth(x: Exchange): { username: string; password: string } | undefined {
  const h = x.header('x-registry-auth');
  if (!h) return undefined;
  let v: { username?: unknown; password?: unknown; identitytoken?: unknown };
  try {
    v = JSON.parse(Buffer.from(h.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8')) as typeof v;
  } catch {
    throw badRequest('invalid X-Registry-Auth header: not base64 JSON');
  }
  if (!v || typeof v !== 'object') return undefined;
  if (typeof v.username === 'string' && v.username && typeof v.password === 'string') return { username: v.username, password: v.password };
  return undefined;
}

async function pull(x: Exchange, fromImage: string): Promise<void> {
  const [{ parseRemoteReference }, { RegistryClient }, { pullImage }] = await Promise.all([
    import('../../registry/reference.js'), import('../../registry/client.js'), import('../../registry/pullImage.js'),
  ]);
  const t = x.query('tag');
  const input = t ? (/^sha256:[a-f0-9]{64}$/.test(t) ? `${fromImage}@${t}` : `${fromImage}:${t}`) : fromImage;
  let ref;
  try {
    ref = parseRemoteReference(input, true);
  } catch (e) {
    throw invalidArgument(`invalid reference format: ${input}${isBerthError(e) ? '' : ''}`);
  }
  const platform = x.query('platform');
  const { parsePlatform } = await import('../../image/manifest.js');
  const credentials = registryAuth(x);
  const client = RegistryClient.forRef(ref, credentials ? { credentials } : {});
  const out = new JsonStream(x, true);
  await out.run(async () => {
    const r = await pullImage(storeOf(x), ref, { platform: platform ? parsePlatform(platform) : undefined, report: out, client });
    out.line(`Status: ${r.downloaded ? 'Downloaded newer image' : 'Image is up to date'} for ${familiarString(ref)}`);
  });
}

/** fromSrc=-: the body is a tar to import (`docker import - repo:tag`); a URL source would reach out, which berth does not. */
async function importFrom(x: Exchange, src: string): Promise<void> {
  if (src !== '-') throw invalidArgument('importing from a URL is not supported by berth: send the archive in the body (fromSrc=-)');
  const repo = x.query('repo');
  const t = x.query('tag');
  const target = repo ? (t ? `${repo}:${t}` : repo) : undefined;
  const { importImage } = await import('../../image/importImage.js');
  const changes = x.url.searchParams.getAll('changes');
  const out = new JsonStream(x);
  const id = await importImage(storeOf(x), x.bodyStream() as AsyncIterable<Buffer>, { tag: target, changes, message: x.query('message'), source: '-' });
  out.send({ status: id });
  out.end();
}

async function create(x: Exchange): Promise<void> {
  const fromImage = x.query('fromImage');
  const fromSrc = x.query('fromSrc');
  if (fromImage) return pull(x, fromImage);
  if (fromSrc) return importFrom(x, fromSrc);
  throw badRequest('fromImage or fromSrc is required');
}

async function push(x: Exchange): Promise<void> {
  const [{ parseRemoteReference, toRemote }, { RegistryClient }, { pushImage }] = await Promise.all([
    import('../../registry/reference.js'), import('../../registry/client.js'), import('../../registry/pushImage.js'),
  ]);
  const name = x.params.name;
  const t = x.query('tag') || undefined;
  let ref;
  try {
    ref = parseRemoteReference(t ? `${name}:${t}` : name, true);
  } catch {
    throw invalidArgument(`invalid reference format: ${name}`);
  }
  if (ref.digest) throw invalidArgument('cannot push a digest reference');
  const store = storeOf(x);
  if (!store.tagFor(familiarString(ref))) throw notFound(`An image does not exist locally with the tag: ${familiarString({ repository: ref.repository })}`);
  const credentials = registryAuth(x);
  const client = RegistryClient.forRef(ref, credentials ? { credentials } : {});
  const out = new JsonStream(x);
  await out.run(async () => {
    out.line(`The push refers to repository [${familiarString({ repository: ref.repository })}]`);
    const r = await pushImage(store, { ...toRemote({ repository: ref.repository, tag: ref.tag }), tag: ref.tag! }, { report: out, client });
    out.send({ progressDetail: {}, aux: { Tag: r.tag, Digest: r.digest, Size: r.size } });
  });
}

/** GET /images/get?names=… and /images/{name}/get: a docker-archive tar stream. */
async function save(x: Exchange, names: string[]): Promise<void> {
  if (!names.length) throw badRequest('no image names given');
  const { saveArchive, saveItems } = await import('../../image/saveArchive.js');
  const store = storeOf(x);
  const items = saveItems(store, names);
  const out = x.stream(200, 'application/x-tar');
  const res = x.res ?? x.socket;
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (out.write(chunk) || !res) cb();
      else res.once('drain', () => cb());
    },
  });
  out.closed.then(() => sink.destroy(), () => undefined);
  try {
    await saveArchive(store, items, sink);
  } finally {
    out.end();
  }
}

async function load(x: Exchange): Promise<void> {
  const { loadArchive } = await import('../../image/loadArchive.js');
  // quiet (the docker CLI sends it when its output is no terminal) drops progress only; dockerd still names what it loaded.
  const r = await loadArchive(storeOf(x), x.bodyStream() as AsyncIterable<Buffer>);
  const out = new JsonStream(x);
  for (const img of r.images) {
    if (img.tags.length === 0) out.send({ stream: `Loaded image ID: ${img.id}\n` });
    for (const t of img.tags) out.send({ stream: `Loaded image: ${t}\n` });
  }
  out.end();
}

/** berth talks to registries by name only: there is no index service to search. */
function search(): void {
  throw new HttpError(501, 'search is not supported by berth: registries are reached by image name only (no index service)');
}

async function commit(x: Exchange): Promise<void> {
  const container = x.query('container');
  if (!container) throw badRequest('container is required');
  const repo = x.query('repo');
  const t = x.query('tag');
  const target = repo ? (t ? `${repo}:${t}` : repo) : undefined;
  const body = (await x.json<{ Labels?: Record<string, string>; Env?: string[]; Cmd?: string[] }>()) ?? {};
  const changes = [...x.url.searchParams.getAll('changes').flatMap((c) => c.split('\n')).filter(Boolean)];
  if (body.Cmd?.length) changes.push(`CMD ${JSON.stringify(body.Cmd)}`);
  for (const e of body.Env ?? []) changes.push(`ENV ${e}`);
  for (const [k, v] of Object.entries(body.Labels ?? {})) changes.push(`LABEL ${JSON.stringify(k)}=${JSON.stringify(String(v))}`);
  const { commitContainer } = await import('../../engine/commitContainer.js');
  const id = await commitContainer(x.ctx.store, container, { tag: target, author: x.query('author'), comment: x.query('comment'), changes, pause: x.bool('pause', true) });
  x.sendJson(201, { Id: id });
}

export function register(r: Router): void {
  r.add('GET', '/images/json', list);
  r.add('POST', '/images/create', create);
  r.add('POST', '/images/prune', prune);
  r.add('POST', '/images/load', load);
  r.add('GET', '/images/get', (x) => save(x, x.url.searchParams.getAll('names')));
  r.add('GET', '/images/search', search);
  r.add('GET', '/images/{name*}/json', inspect);
  r.add('GET', '/images/{name*}/history', history);
  r.add('GET', '/images/{name*}/get', (x) => save(x, [x.params.name]));
  r.add('POST', '/images/{name*}/push', push);
  r.add('POST', '/images/{name*}/tag', tag);
  r.add('DELETE', '/images/{name*}', remove);
  r.add('POST', '/commit', commit);
}
