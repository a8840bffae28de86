/**
 * POST /build: the classic builder protocol over berth's builder (src/build, what `berth build`
 * calls). The body is the context as a tar (gzip allowed) and is hostile: it is extracted by the
 * helper's tar-in in `beneath` mode (no entry, link or `..` lands outside the context directory),
 * and the Dockerfile is found inside it the way COPY sources are. The answer is Docker's JSON
 * stream: `{"stream":"Step 1/2 : FROM busybox\n"}` … `{"aux":{"ID":…}}`, `Successfully built/tagged`.
 */
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { Writable } from 'node:stream';
import { invalidArgument } from '../../errors.js';
import { badRequest } from '../errors.js';
import type { Exchange } from '../exchange.js';
import { JsonStream } from '../jsonStream.js';
import type { Router } from '../router.js';

function jsonMap(x: Exchange, name: string): Map<string, string> {
  const raw = x.query(name);
  const m = new Map<string, string>();
  if (!raw) return m;
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    throw badRequest(`invalid ${name}: not JSON`);
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw badRequest(`invalid ${name}: not an object`);
  for (const [k, val] of Object.entries(v as Record<string, unknown>)) if (val !== null && val !== undefined) m.set(k, String(val));
  return m;
}

/** BuildKit-style progress lines -> the classic builder's text (`Step 1/2 : FROM busybox`, the RUN output). */
export function classicLines(): (l: string) => string | undefined {
  const own = new Set<string>(); // berth's own steps (exporting to image): their output is not the build's
  return (l) => {
    const step = /^#(\d+) \[(?:[^\]]*? )?(\d+)\/(\d+)\] (.*)$/.exec(l);
    if (step) return `Step ${step[2]}/${step[3]} : ${step[4]}`;
    const title = /^#(\d+) ([^\d].*)$/.exec(l);
    if (title && !/^(CACHED|DONE |ERROR)/.test(title[2])) own.add(title[1]);
    const out = /^#(\d+) \d+\.\d+ (.*)$/.exec(l);
    if (out) return own.has(out[1]) ? undefined : out[2];
    if (/^#\d+ CACHED$/.test(l)) return ' ---> Using cache';
    return undefined;
  };
}

function progressSink(out: JsonStream): Writable {
  let partial = '';
  const classicLine = classicLines();
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) {
        const c = classicLine(l);
        if (c !== undefined) out.send({ stream: `${c}\n` });
      }
      cb();
    },
  });
}

/** The body, gunzipped when it is gzip (detected from its first bytes, as dockerd does). */
async function* contextBytes(x: Exchange): AsyncGenerator<Buffer> {
  const { detectCompression, decompressor } = await import('../../image/decompress.js');
  const it = (x.bodyStream() as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  const first = await it.next();
  if (first.done) return;
  const rest = { [Symbol.asyncIterator]: () => it };
  const c = detectCompression(first.value);
  if (c === 'none') {
    yield first.value;
    yield* rest as AsyncIterable<Buffer>;
    return;
  }
  const d = decompressor(c);
  const feed = (async () => {
    d.write(first.value);
    for await (const b of rest as AsyncIterable<Buffer>) if (!d.write(b)) await new Promise((r) => d.once('drain', r));
    d.end();
  })();
  feed.catch((e: unknown) => d.destroy(e as Error));
  yield* d as AsyncIterable<Buffer>;
  await feed;
}

async function extractContext(x: Exchange, dir: string): Promise<void> {
  const { tarIn } = await import('../../sys/rootFs.js');
  const t = tarIn({ dir }, '.', 'beneath');
  const sink = t.stream;
  // The helper stops reading at the archive's end marker; clients pad past it (tar-fs to a
  // record), so the rest of the body is read and dropped, never left unread under the answer.
  let open = true;
  sink.on('error', () => (open = false));
  sink.on('close', () => (open = false));
  try {
    for await (const b of contextBytes(x)) {
      if (!open) continue;
      if (!sink.write(b)) await new Promise<void>((r) => { sink.once('drain', r); sink.once('close', r); });
    }
  } catch (e) {
    sink.destroy();
    await t.done.catch(() => undefined);
    throw invalidArgument(`build context: ${(e as Error).message}`);
  }
  if (open) sink.end();
  await t.done.catch((e: unknown) => {
    throw invalidArgument(`build context refused: ${(e as Error).message}`);
  });
}

async function build(x: Exchange): Promise<void> {
  const [{ buildImage, hostPlatform }, { BuildContext }, { parseTagReference }] = await Promise.all([
    import('../../build/buildImage.js'), import('../../build/buildContext.js'), import('../../image/reference.js'),
  ]);
  const tags = x.url.searchParams.getAll('t').filter(Boolean);
  for (const t of tags) {
    try {
      parseTagReference(t);
    } catch {
      throw badRequest(`invalid tag "${t}": invalid reference format`);
    }
  }
  const platform = x.query('platform');
  const host = hostPlatform();
  if (platform && platform !== `${host.os}/${host.arch}` && platform !== host.os) throw badRequest(`platform ${platform} is not supported: berth builds for ${host.os}/${host.arch} only`);
  const nm = x.query('networkmode');
  const network = !nm || nm === 'default' || nm === 'bridge' ? undefined : nm;
  if (network && !['none', 'host'].includes(network)) throw badRequest(`network mode "${nm}" not supported by berth build (default, none, host)`);
  if (x.query('remote')) throw badRequest('a remote build context is not supported by berth: send the context as the body');
  const buildArgs = jsonMap(x, 'buildargs');
  const labels = Object.fromEntries(jsonMap(x, 'labels'));
  const quiet = x.bool('q');
  const dir = path.join(x.ctx.root, 'tmp', `build-${crypto.randomBytes(8).toString('hex')}`);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    await extractContext(x, dir);
    const dfName = x.query('dockerfile') || 'Dockerfile';
    const rel = new BuildContext(dir, undefined).resolve(dfName);
    let text: string;
    try {
      if (rel === undefined) throw new Error('missing');
      text = fs.readFileSync(path.join(dir, rel), 'utf8');
    } catch {
      throw badRequest(`Cannot locate specified Dockerfile: ${dfName}`);
    }
    const out = new JsonStream(x);
    await out.run(async () => {
      const id = await buildImage({
        root: x.ctx.root, contextDir: dir, dockerfile: { text, name: path.basename(rel!), path: path.join(dir, rel!) },
        tags, buildArgs, target: x.query('target') || undefined, noCache: x.bool('nocache'), labels, network, quiet,
        secrets: [], progressOut: progressSink(out), pull: x.bool('pull'),
      });
      out.send({ aux: { ID: id } });
      if (quiet) out.send({ stream: `${id}\n` });
      else {
        out.send({ stream: `Successfully built ${id.slice(7, 19)}\n` });
        for (const t of tags) out.send({ stream: `Successfully tagged ${t}\n` });
      }
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function prune(x: Exchange): Promise<void> {
  const { pruneBuildCache } = await import('../../build/pruneBuildCache.js');
  const r = await pruneBuildCache(x.ctx.root);
  x.sendJson(200, { CachesDeleted: [], SpaceReclaimed: r.bytes });
}

export function register(r: Router): void {
  r.add('POST', '/build', build);
  r.add('POST', '/build/prune', prune);
}
