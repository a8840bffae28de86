import { readConfig, registryMirrors } from './config.js';
import { RegistryClient } from './client.js';
import { DOCKER_HUB, type RemoteRef } from './reference.js';

/** One place to pull from: a mirror (`http://127.0.0.1:5000`) or the reference's own registry. */
export interface Endpoint {
  client: RegistryClient;
  mirror?: string;
}

/**
 * Where a pull of `ref` goes, in order: for Docker Hub the config's `registry-mirrors` (each
 * serving the same paths, `library/busybox`), then the origin, as dockerd does; for any
 * other registry only itself. A mirror gets its own credentials, never Docker Hub's.
 */
export function pullEndpoints(ref: RemoteRef): Endpoint[] {
  const origin: Endpoint = { client: RegistryClient.forRef(ref) };
  if (ref.domain !== DOCKER_HUB) return [origin];
  const cfg = readConfig();
  const mirrors = registryMirrors(cfg).map((u) => ({ client: new RegistryClient(u.host, u.host, { schemes: [u.protocol === 'http:' ? 'http' : 'https'] }), mirror: u.origin }));
  return [...mirrors, origin];
}
