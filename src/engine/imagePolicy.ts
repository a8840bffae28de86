/**
 * `run`/`create --pull` and `--platform`: which image a container may be made from. berth has
 * no registry client yet: `pullImage` is the hook it will fill (until then a pull is refused
 * with a clear error), and only the host's platform can run (no emulation).
 */
import { invalidArgument, notFound, unavailable } from '../errors.js';
import { hostPlatform, type ImageConfig } from '../image/manifest.js';

export type PullPolicy = 'missing' | 'always' | 'never';

export function parsePullPolicy(v: string | undefined): PullPolicy {
  const p = v === undefined || v === '' ? 'missing' : v;
  if (p !== 'missing' && p !== 'always' && p !== 'never') throw invalidArgument(`invalid pull option: '${v}': must be one of "always", "missing" or "never"`);
  return p;
}

/** Docker's normalized reference for messages: `busybox` -> `busybox:latest`. */
export function withTag(ref: string): string {
  return ref.includes('@') || /:[^/]+$/.test(ref) ? ref : `${ref}:latest`;
}

/**
 * The registry hook: fetch `ref` into the store under `root`. Replace the body with the
 * registry client's pull once it exists; every caller already goes through here.
 */
export async function pullImage(ref: string, _root: string): Promise<void> {
  throw unavailable(`cannot pull ${withTag(ref)}: berth has no registry support yet`, { hint: 'load (berth load -i) or import the image first' });
}

/** What to do before resolving the image: `always` pulls (the hook); `never` and `missing` use the store. */
export async function beforeResolve(policy: PullPolicy, ref: string, root: string): Promise<void> {
  if (policy === 'always') await pullImage(ref, root);
}

/** The image is not in the store: `never` -> Docker's error; `missing` -> the pull hook. */
export async function whenMissing(policy: PullPolicy, ref: string, root: string): Promise<void> {
  if (policy === 'never') throw notFound(`No such image: ${withTag(ref)}`);
  await pullImage(ref, root).catch((e) => {
    throw notFound(`Unable to find image '${ref}' locally`, { hint: 'load or import it first; berth has no registry access here', cause: e });
  });
}

const ARCH_ALIASES: Record<string, string> = { x86_64: 'amd64', 'x86-64': 'amd64', aarch64: 'arm64', armhf: 'arm', armel: 'arm', i386: '386' };

/** `--platform os[/arch[/variant]]` -> normalized parts; refused unless it is the host's (berth cannot emulate). */
export function parsePlatform(v: string): { os: string; architecture: string; variant?: string } {
  const [os, arch, variant, extra] = v.toLowerCase().split('/');
  if (!os || extra !== undefined || arch === '') throw invalidArgument(`invalid platform ${JSON.stringify(v)}: expected os[/arch[/variant]]`);
  const host = hostPlatform();
  const p = { os, architecture: arch ? ARCH_ALIASES[arch] ?? arch : host.architecture, ...(variant ? { variant } : {}) };
  if (p.os !== host.os || p.architecture !== host.architecture) {
    throw invalidArgument(`--platform ${v}: this host runs ${host.os}/${host.architecture} images only (berth does not emulate other platforms, and cannot pull yet)`);
  }
  return p;
}

/** The local image must be of the asked platform (Docker's words when it is not). */
export function checkImagePlatform(want: { os: string; architecture: string }, ref: string, img: Pick<ImageConfig, 'os' | 'architecture'>): void {
  const arch = ARCH_ALIASES[img.architecture] ?? img.architecture;
  if ((img.os || 'linux') !== want.os || (arch && arch !== want.architecture)) {
    throw notFound(`image with reference ${ref} was found but does not match the specified platform: wanted ${want.os}/${want.architecture}, actual: ${img.os}/${img.architecture}`);
  }
}
