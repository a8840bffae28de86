import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { Command } from 'commander';
import { invalidArgument } from '../../errors.js';
import { exit1 } from '../container/common.js';
import { globalRoot } from '../globals.js';
import { collect } from './collect.js';

interface Opts {
  tag: string[]; file?: string; buildArg: string[]; target?: string; quiet?: boolean; iidfile?: string; cache: boolean;
  label: string[]; network?: string; progress: string; secret: string[]; platform?: string; pull?: boolean;
  cacheFilter?: string[]; addHost: string[]; ulimit: string[]; shmSize?: string;
}

const bad = (m: string) => invalidArgument(m, { exitCode: 1 });

function keyValues(list: string[], flag: string, fromEnv: boolean): Map<string, string> {
  const m = new Map<string, string>();
  for (const a of list) {
    const eq = a.indexOf('=');
    if (eq === 0) throw bad(`invalid argument "${a}" for "${flag}" flag`);
    if (eq > 0) m.set(a.slice(0, eq), a.slice(eq + 1));
    else if (fromEnv && process.env[a] !== undefined) m.set(a, process.env[a]!);
  }
  return m;
}

/** `--secret id=ID[,src=FILE|,env=VAR]` (neither: the variable named ID). */
function secrets(list: string[]) {
  return list.map((s) => {
    const kv = keyValues(s.split(','), '--secret', false);
    const id = kv.get('id');
    if (!id) throw bad(`invalid secret "${s}": id is required`);
    const src = kv.get('src') ?? kv.get('source');
    if (src) {
      if (!fs.existsSync(src)) throw bad(`secret ${id}: ${src}: no such file or directory`);
      return { id, file: path.resolve(src) };
    }
    return { id, env: kv.get('env') ?? id };
  });
}

/** `--shm-size`: a byte size as `run` takes it (b, k, m, g). */
function shmBytes(v: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([bkmg]?)i?b?$/i.exec(v.trim());
  const n = m ? Math.floor(Number(m[1]) * 1024 ** ' kmg'.indexOf((m[2] || ' ').toLowerCase().replace('b', ' '))) : NaN;
  if (!m || !(n > 0)) throw bad(`invalid argument "${v}" for "--shm-size" flag: invalid size: '${v}'`);
  return n;
}

/** `--progress`: auto is tty on a terminal (unless TERM=dumb), plain otherwise. */
function progressMode(p: string): 'plain' | 'tty' | 'quiet' {
  if (p === 'plain' || p === 'tty' || p === 'quiet') return p;
  return process.stderr.isTTY && process.env.TERM !== 'dumb' ? 'tty' : 'plain';
}

/** The first `n` bytes of a stream (fewer at its end) and the rest of it, still streaming. */
async function readHead(input: NodeJS.ReadableStream, n: number): Promise<{ head: Buffer; rest: Readable }> {
  const it = (input as Readable)[Symbol.asyncIterator]();
  const got: Buffer[] = [];
  let len = 0;
  while (len < n) {
    const r = await it.next();
    if (r.done) break;
    got.push(r.value as Buffer);
    len += (r.value as Buffer).length;
  }
  const all = Buffer.concat(got);
  async function* more() {
    if (all.length > n) yield all.subarray(n);
    for (let r = await it.next(); !r.done; r = await it.next()) yield r.value as Buffer;
  }
  return { head: all.subarray(0, n), rest: Readable.from(more()) };
}

/** `build [OPTIONS] PATH | -`: also `image build`. */
export function addBuildCommand(parent: Command, name: string): Command {
  return parent.command(name).description('Build an image from a Dockerfile')
    .argument('<context>', 'PATH | -')
    .option('-t, --tag <name:tag>', 'Name and optionally a tag (format: "name:tag")', collect, [])
    .option('-f, --file <string>', 'Name of the Dockerfile (default: "PATH/Dockerfile"; "-" reads stdin)')
    .option('--build-arg <stringArray>', 'Set build-time variables', collect, [])
    .option('--target <string>', 'Set the target build stage to build')
    .option('-q, --quiet', 'Suppress the build output and print image ID on success')
    .option('--iidfile <string>', 'Write the image ID to the file')
    .option('--no-cache', 'Do not use cache when building the image')
    .option('--label <stringArray>', 'Set metadata for an image', collect, [])
    .option('--network <string>', 'Set the networking mode for the RUN instructions during build (default|none|host)')
    .option('--progress <string>', 'Type of progress output (auto, plain, tty, quiet)', 'auto')
    .option('--secret <stringArray>', 'Secret to expose to the build (format: "id=mysecret[,src=/local/secret]")', collect, [])
    .option('--platform <string>', 'Set target platform for build (the host\'s only)')
    .option('--pull', 'Always attempt to pull all referenced images')
    // commander files a `--no-` option under its positive name (cacheFilter); with a value it is a plain list.
    .option('--no-cache-filter <stringArray>', 'Do not cache specified stages', collect, [])
    .option('--add-host <list>', 'Add a custom host-to-IP mapping ("host:ip")', collect, [])
    .option('--ulimit <ulimit>', 'Ulimit options', collect, [])
    .option('--shm-size <bytes>', 'Size of "/dev/shm"')
    .action(exit1(async (ctx: string, o: Opts, cmd: Command) => {
      const { buildImage, hostPlatform } = await import('../../build/buildImage.js');
      if (!['auto', 'plain', 'tty', 'quiet'].includes(o.progress)) throw bad(`invalid progress mode "${o.progress}" (auto, plain, tty, quiet)`);
      if (o.network && !['default', 'none', 'host'].includes(o.network)) throw bad(`network mode "${o.network}" not supported by berth build (default, none, host)`);
      const host = hostPlatform();
      if (o.platform && o.platform !== `${host.os}/${host.arch}` && o.platform !== host.os) throw bad(`platform ${o.platform} is not supported: berth builds for ${host.os}/${host.arch} only`);
      let dir: string | undefined;
      let text: string | undefined;
      let dfPath: string | undefined;
      let cleanup: (() => void) | undefined;
      if (ctx === '-') {
        // stdin holds a context archive (tar, gzip, zstd) or, by its content, a Dockerfile.
        if (o.file === '-') throw bad('invalid argument: can\'t use stdin for both build context and dockerfile');
        const { stdinKind, unpackContext } = await import('../../build/tarContext.js');
        const { head, rest } = await readHead(process.stdin, 512);
        if (stdinKind(head) === 'dockerfile') {
          const chunks = [head];
          for await (const c of rest) chunks.push(c as Buffer);
          text = Buffer.concat(chunks).toString('utf8');
        } else {
          const base = path.join(globalRoot(cmd), 'builder');
          fs.mkdirSync(base, { recursive: true });
          dir = fs.mkdtempSync(path.join(base, 'context-'));
          const d = dir;
          cleanup = () => fs.rmSync(d, { recursive: true, force: true });
          try {
            await unpackContext(head, rest, dir);
          } catch (e) {
            cleanup();
            throw e;
          }
        }
      } else {
        if (!fs.existsSync(ctx) || !fs.statSync(ctx).isDirectory()) throw bad(`unable to prepare context: path "${ctx}" not found`);
        dir = path.resolve(ctx);
      }
      if (text === undefined && o.file === '-') text = fs.readFileSync(0, 'utf8');
      else if (text === undefined) {
        dfPath = o.file ? (ctx === '-' ? path.join(dir!, path.posix.normalize(`/${o.file}`)) : path.resolve(o.file)) : path.join(dir!, 'Dockerfile');
        try {
          if (ctx === '-' && path.relative(dir!, dfPath).startsWith('..')) throw new Error('outside');
          text = fs.readFileSync(dfPath, 'utf8');
        } catch {
          cleanup?.();
          throw bad(`failed to read dockerfile: open ${o.file ?? 'Dockerfile'}: no such file or directory`);
        }
      }
      for (const t of o.tag) {
        const { parseTagReference } = await import('../../image/reference.js');
        try { parseTagReference(t); } catch { throw bad(`invalid tag "${t}": invalid reference format`); }
      }
      const quiet = !!o.quiet || o.progress === 'quiet';
      let id: string;
      try {
        id = await buildImage({
        root: globalRoot(cmd), contextDir: dir, contextFromStdin: ctx === '-', dockerfile: { text: text!, name: dfPath ? path.basename(dfPath) : 'Dockerfile', path: dfPath },
        tags: o.tag, buildArgs: keyValues(o.buildArg, '--build-arg', true), target: o.target, noCache: !o.cache,
        labels: Object.fromEntries(keyValues(o.label, '--label', false)), network: o.network, quiet, iidfile: o.iidfile,
        secrets: secrets(o.secret), progressOut: process.stderr, pull: o.pull, progress: progressMode(o.progress),
          noCacheFilter: (Array.isArray(o.cacheFilter) ? o.cacheFilter : []).flatMap((f) => f.split(',')).filter(Boolean),
          runOptions: { addHost: o.addHost, ulimit: o.ulimit, shmSize: o.shmSize === undefined ? undefined : shmBytes(o.shmSize) },
        });
      } finally {
        cleanup?.();
      }
      if (quiet) process.stdout.write(`${id}\n`);
    }));
}

/** `builder prune [-a] [-f]`: the build cache (step images, cache mounts, file hashes). */
export function addBuilderCommand(program: Command): void {
  const g = program.commands.find((c) => c.name() === 'builder') ?? program.command('builder').description('Manage builds');
  g.command('prune').description('Remove build cache')
    .option('-a, --all', 'Remove all unused build cache, not just dangling ones')
    .option('-f, --force', 'Do not prompt for confirmation')
    .action(exit1(async (_o: unknown, cmd: Command) => {
      const { pruneBuildCache } = await import('../../build/pruneBuildCache.js');
      const r = await pruneBuildCache(globalRoot(cmd));
      process.stdout.write(`Total:\t${r.bytes}B\n`);
    }));
}
