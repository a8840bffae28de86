import fs from 'node:fs';
import path from 'node:path';
import { hexOf, type Digest } from '../image/digest.js';
import { writeJsonAtomic } from '../sys/atomicWrite.js';

/**
 * Which repositories of which registries hold a blob, as berth last saw (pulled from or
 * pushed to): `<root>/distribution/<hex>.json` = `{"<domain>": ["ns/repo", ...]}`. Only a
 * hint for cross-repository mounts: a stale entry costs one refused mount, nothing else.
 */
const MAX_PER_REGISTRY = 8;

function file(root: string, d: Digest): string {
  return path.join(root, 'distribution', `${hexOf(d)}.json`);
}

function read(root: string, d: Digest): Record<string, string[]> {
  try {
    const j = JSON.parse(fs.readFileSync(file(root, d), 'utf8')) as unknown;
    return typeof j === 'object' && j !== null && !Array.isArray(j) ? (j as Record<string, string[]>) : {};
  } catch {
    return {};
  }
}

export function knownSources(root: string, d: Digest, domain: string): string[] {
  const v = read(root, d)[domain];
  return Array.isArray(v) ? v.filter((p) => typeof p === 'string') : [];
}

export function recordSource(root: string, d: Digest, domain: string, repoPath: string): void {
  const all = read(root, d);
  const list = knownSources(root, d, domain).filter((p) => p !== repoPath);
  all[domain] = [repoPath, ...list].slice(0, MAX_PER_REGISTRY);
  fs.mkdirSync(path.dirname(file(root, d)), { recursive: true });
  writeJsonAtomic(file(root, d), all, false);
}
