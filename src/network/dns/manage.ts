import path from 'node:path';
import { projectDir } from '../../sys/paths.js';
import { isDnsServer, spawnDnsServer, stopDnsServer } from '../../sys/netDns.js';
import { hostResolvConf } from '../../sys/netHost.js';
import { parseResolvConf } from '../etcFiles.js';
import type { NetworkState } from '../types.js';

/** The DNS server runs as its own process from tsc's output (the CLI itself may be bundled). */
const serverScript = path.join(projectDir, 'dist', 'src', 'network', 'dns', 'server.js');

/** Does this network get an embedded DNS server? (user networks, like Docker) */
export function hasDns(net: NetworkState): boolean {
  return !net.isDefault;
}

/**
 * Upstream resolvers for forwarding: the network's explicit list (tests point it at
 * a fake resolver on loopback), else the host's. Internal networks forward nothing.
 */
export function upstreamsFor(net: NetworkState & { dnsUpstream?: string[] }): string[] {
  if (net.internal) return [];
  if (net.dnsUpstream) return net.dnsUpstream;
  return parseResolvConf(hostResolvConf()).nameservers.filter((n) => !n.includes(':'));
}

/** Start the server if it is not running; returns the pid to record in the state. */
export async function ensureDns(net: NetworkState, stateFile: string): Promise<number | undefined> {
  if (!hasDns(net)) return undefined;
  if (isDnsServer(net.dnsPid, stateFile)) return net.dnsPid;
  const up = upstreamsFor(net);
  return spawnDnsServer(serverScript, [stateFile, net.gateway, String(net.dnsPort ?? 53), up.length ? up.join(',') : '-'], logFileFor(stateFile));
}

/** The DNS server's stderr, next to the network's state file. */
export function logFileFor(stateFile: string): string {
  return stateFile.replace(/\.json$/, '.dns.log');
}

export function stopDns(net: NetworkState, stateFile: string): void {
  stopDnsServer(net.dnsPid, stateFile);
}
