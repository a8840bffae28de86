import type { NetworkState } from '../../network/index.js';

/** Docker's `network inspect` shape (PascalCase stays at this edge). */
export function inspectJson(n: NetworkState): Record<string, unknown> {
  return {
    Name: n.name,
    Id: n.id,
    Created: n.created,
    Scope: 'local',
    Driver: n.driver,
    EnableIPv6: false,
    IPAM: { Driver: 'default', Options: {}, Config: [{ Subnet: n.subnet, Gateway: n.gateway }] },
    Internal: n.internal,
    Attachable: false,
    Ingress: false,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    Containers: Object.fromEntries(
      Object.values(n.endpoints).map((e) => [
        e.containerId,
        { Name: e.name, EndpointID: e.hostIfname, MacAddress: e.mac, IPv4Address: `${e.ip}/${n.subnet.split('/')[1]}`, IPv6Address: '' },
      ]),
    ),
    // As dockerd: the default bridge names its bridge; a user network shows only the options it was
    // created with (none), which docker-compose compares against the file's driver_opts.
    Options: n.isDefault ? { 'com.docker.network.bridge.name': n.bridge, 'com.docker.network.bridge.default_bridge': 'true' } : {},
    Labels: n.labels,
  };
}

/** `network ls` table: Docker's columns, 12-char ids unless --no-trunc. */
export function lsTable(nets: NetworkState[], noTrunc: boolean): string {
  const rows = [['NETWORK ID', 'NAME', 'DRIVER', 'SCOPE'], ...nets.map((n) => [noTrunc ? n.id : n.id.slice(0, 12), n.name, n.driver, 'local'])];
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(w[i] + 3))).join('').trimEnd()).join('\n') + '\n';
}

/** `--label k=v` values into a map. */
export function parseLabels(values: string[]): Record<string, string> {
  return Object.fromEntries(values.map((v) => (v.includes('=') ? [v.slice(0, v.indexOf('=')), v.slice(v.indexOf('=') + 1)] : [v, ''])));
}
