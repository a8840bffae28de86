/**
 * `run`/`create --pull` and `--platform`: which image a container may be made from (the pull
 * itself is ensureImage's), and only the host's platform can run (no emulation).
 */
import { invalidArgument, notFound } from '../errors.js';
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
 * `always` pulls and `missing` pulls an absent image before create: ensureImage
 * (src/engine/ensureImage.ts, the registry client) does that first, for the CLI and the API.
 * Here, at create, the store decides: `never` gets Docker's error, and an image still absent
 * after a pull attempt gets run's.
 */
export function whenMissing(policy: PullPolicy, ref: string): never {
  if (policy === 'never') throw notFound(`No such image: ${withTag(ref)}`);
  throw notFound(`Unable to find image '${ref}' locally`, { hint: 'pull, load or import it first' });
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
