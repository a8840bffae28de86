/** The Engine API versions berth serves: dockerd's range, the newest answering unversioned paths. */
export const API_VERSION = '1.47';
export const MIN_API_VERSION = '1.24';

/** -1, 0, 1 as `a` is older, equal, newer than `b` (`1.9` < `1.10`). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d) return d < 0 ? -1 : 1;
  }
  return 0;
}

/** dockerd's answers to a version outside the range (400). */
export function versionProblem(v: string): string | undefined {
  if (compareVersions(v, API_VERSION) > 0) return `client version ${v} is too new. Maximum supported API version is ${API_VERSION}`;
  if (compareVersions(v, MIN_API_VERSION) < 0) return `client version ${v} is too old. Minimum supported API version is ${MIN_API_VERSION}, please upgrade your client to a newer version`;
  return undefined;
}
