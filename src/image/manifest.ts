import { invalidArgument, notFound } from '../errors.js';
import { parseDigest, type Digest } from './digest.js';
import { MT } from './mediaTypes.js';

export interface Platform {
  architecture: string;
  os: string;
  variant?: string;
}

export interface Descriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  annotations?: Record<string, string>;
  platform?: Platform;
  urls?: string[];
}

export interface Manifest {
  schemaVersion: 2;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

export interface ImageIndex {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

export interface HealthConfig {
  Test?: string[];
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  StartInterval?: number;
  Retries?: number;
}

/** The runtime part of an image config (Docker's `Config`). */
export interface ContainerConfig {
  User?: string;
  ExposedPorts?: Record<string, object>;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Volumes?: Record<string, object>;
  WorkingDir?: string;
  Labels?: Record<string, string>;
  StopSignal?: string;
  Healthcheck?: HealthConfig;
  ArgsEscaped?: boolean;
  OnBuild?: string[] | null;
  Shell?: string[];
}

export interface History {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

export interface ImageConfig {
  created?: string;
  author?: string;
  architecture: string;
  os: string;
  variant?: string;
  config?: ContainerConfig;
  rootfs: { type: 'layers'; diff_ids: Digest[] };
  history?: History[];
  [k: string]: unknown;
}

function json(buf: Buffer, what: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(buf.toString('utf8'));
  } catch {
    throw invalidArgument(`${what}: not valid JSON`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalidArgument(`${what}: not a JSON object`);
  return v as Record<string, unknown>;
}

export function parseDescriptor(v: unknown, what: string): Descriptor {
  const d = v as Descriptor;
  if (typeof d !== 'object' || d === null || typeof d.mediaType !== 'string' || !Number.isSafeInteger(d.size) || d.size < 0) {
    throw invalidArgument(`${what}: bad descriptor`);
  }
  parseDigest(d.digest, `${what} digest`);
  return d;
}

export const isIndexType = (mt?: string) => mt === MT.ociIndex || mt === MT.dockerList;
export const isManifestType = (mt?: string) => mt === MT.ociManifest || mt === MT.dockerManifest;

/** Parse an image manifest or an index (OCI or Docker schema2 / manifest list). */
export function parseManifestOrIndex(buf: Buffer, what: string): { manifest: Manifest } | { index: ImageIndex } {
  const o = json(buf, what);
  if (o.schemaVersion !== 2) throw invalidArgument(`${what}: unsupported schemaVersion ${String(o.schemaVersion)} (only schema 2 / OCI)`);
  const mt = o.mediaType as string | undefined;
  if (isIndexType(mt) || (mt === undefined && Array.isArray(o.manifests))) {
    if (!Array.isArray(o.manifests)) throw invalidArgument(`${what}: index without manifests`);
    (o.manifests as unknown[]).forEach((d, i) => parseDescriptor(d, `${what} manifests[${i}]`));
    return { index: o as unknown as ImageIndex };
  }
  if (mt !== undefined && !isManifestType(mt)) throw invalidArgument(`${what}: unsupported media type ${mt}`);
  if (!Array.isArray(o.layers)) throw invalidArgument(`${what}: manifest without layers`);
  parseDescriptor(o.config, `${what} config`);
  (o.layers as unknown[]).forEach((d, i) => parseDescriptor(d, `${what} layers[${i}]`));
  return { manifest: o as unknown as Manifest };
}

export function parseManifest(buf: Buffer, what: string): Manifest {
  const r = parseManifestOrIndex(buf, what);
  if ('index' in r) throw invalidArgument(`${what}: expected an image manifest, got an index`);
  return r.manifest;
}

/** Parse and check an image config: rootfs.diff_ids must be digests. */
export function parseConfig(buf: Buffer, what: string): ImageConfig {
  const o = json(buf, what) as unknown as ImageConfig;
  const r = o.rootfs as { type?: unknown; diff_ids?: unknown } | undefined;
  if (!r || r.type !== 'layers' || !Array.isArray(r.diff_ids)) throw invalidArgument(`${what}: missing rootfs.diff_ids`);
  r.diff_ids.forEach((d, i) => parseDigest(d, `${what} diff_ids[${i}]`));
  if (o.config !== undefined && (typeof o.config !== 'object' || Array.isArray(o.config))) throw invalidArgument(`${what}: bad config`);
  return o;
}

/** The host platform in OCI terms (arm64 is variant v8, as containerd normalises it). */
export function hostPlatform(): Platform {
  const arch: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
  return { architecture: arch[process.arch] ?? process.arch, os: 'linux' };
}

/** `linux/arm64/v8`, `linux/amd64`, `arm64` (os defaults to linux): a `--platform` value. */
export function parsePlatform(s: string): Platform {
  const parts = s.trim().toLowerCase().split('/');
  const bad = () => invalidArgument(`"${s}": unknown operating system or architecture: invalid argument`, { code: 'platform.invalid' });
  if (parts.length > 3 || parts.some((p) => !/^[a-z0-9_-]+$/.test(p))) throw bad();
  const [os, arch, variant] = parts.length === 1 ? ['linux', parts[0]] : parts;
  const alias: Record<string, string> = { x86_64: 'amd64', 'x86-64': 'amd64', aarch64: 'arm64', i386: '386' };
  const architecture = alias[arch] ?? arch;
  return variant ? { os, architecture, variant } : { os, architecture };
}

export function platformString(p: Platform): string {
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`;
}

function platformMatches(have: Platform | undefined, want: Platform): boolean {
  if (!have || have.os !== want.os || have.architecture !== want.architecture) return false;
  if (!want.variant) return true;
  const norm = (p: Platform) => p.variant ?? (p.architecture === 'arm64' ? 'v8' : undefined);
  return norm(have) === norm(want);
}

/** Choose a platform's manifest (default the host's) from an index. */
export function pickPlatform(idx: ImageIndex, _what: string, want: Platform = hostPlatform()): Descriptor {
  const ms = idx.manifests.filter((d) => isManifestType(d.mediaType) || d.mediaType === undefined);
  const m = ms.find((d) => platformMatches(d.platform, want)) ?? (ms.length === 1 && !ms[0].platform ? ms[0] : undefined);
  if (!m) throw notFound(`no matching manifest for ${platformString(want)} in the manifest list entries`, { code: 'platform.missing', exitCode: 1 });
  return m;
}
