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

type Doc = Record<string, any>;

/**
 * Where dockerd's answer depends on the request's version: each row applies to requests
 * older than `before` (berth's answers are the newest shape). From the Engine API version
 * history and dockerd's routes.
 */
interface Shape { answer: 'containerInspect' | 'containerList'; before: string; why: string; apply(doc: Doc): void }

const SHAPES: Shape[] = [
  {
    // v1.45: Aliases are what create was given; DNSNames has the rest.
    answer: 'containerInspect', before: '1.45', why: 'Aliases on user-defined networks hold the short ID and the hostname',
    apply(doc) {
      const extra = [String(doc.Id ?? '').slice(0, 12), doc.Config?.Hostname].filter((s): s is string => !!s);
      for (const [name, ep] of Object.entries<Doc>(doc.NetworkSettings?.Networks ?? {})) {
        if (['bridge', 'host', 'none', 'default'].includes(name) || !ep) continue;
        ep.Aliases = [...new Set([...(ep.Aliases ?? []), ...extra])];
      }
    },
  },
  {
    // v1.44 moved the MAC address to the endpoint; dockerd fills the old field until v1.52.
    answer: 'containerInspect', before: '1.52', why: "Config.MacAddress is the default network's address",
    apply(doc) {
      const mode = String(doc.HostConfig?.NetworkMode ?? '');
      const ep = doc.NetworkSettings?.Networks?.[mode === 'default' ? 'bridge' : mode];
      if (doc.Config && !doc.Config.MacAddress && ep?.MacAddress && !['host', 'none'].includes(mode) && !mode.startsWith('container:')) doc.Config.MacAddress = ep.MacAddress;
    },
  },
  {
    // v1.44 added Healthcheck.StartInterval: an older client never sees it.
    answer: 'containerInspect', before: '1.44', why: 'no Healthcheck.StartInterval',
    apply(doc) {
      if (doc.Config?.Healthcheck) delete doc.Config.Healthcheck.StartInterval;
    },
  },
  {
    // v1.46 added HostConfig.Annotations to the summary; v1.48 ImageManifestDescriptor.
    answer: 'containerList', before: '1.46', why: 'no HostConfig.Annotations',
    apply(doc) {
      if (doc.HostConfig) delete doc.HostConfig.Annotations;
    },
  },
];

/** `doc` (berth's newest answer) as a client speaking `version` expects it; changed in place. */
export function shapeForVersion<T extends Doc>(answer: Shape['answer'], version: string, doc: T): T {
  for (const s of SHAPES) if (s.answer === answer && compareVersions(version, s.before) < 0) s.apply(doc);
  return doc;
}

/** The rows, for documentation and tests: which answers change below which version. */
export function versionShapes(): readonly { answer: string; before: string; why: string }[] {
  return SHAPES.map(({ answer, before, why }) => ({ answer, before, why }));
}
