/**
 * `--link NAME[:ALIAS]`, Docker's legacy links, as /etc/hosts entries: at create the target
 * must exist (HostConfig.Links keeps Docker's `/target:/name/alias`); at every start it must
 * be running, and `IP alias hostname name` for its address on this container's network is
 * added to the hosts file. Docker also injects `ALIAS_PORT_*` environment variables and, on
 * user networks, serves the alias from its embedded DNS: berth writes the hosts entry on
 * either kind of network and sets no variables.
 */
import { failedPrecondition, invalidArgument, isBerthError, notFound } from '../errors.js';
import type { ContainerStore } from './ContainerStore.js';
import type { ContainerRecord } from './types.js';

/** `--link` values -> [target name, alias], each target found now (Docker's wording when not). */
export function resolveLinks(store: ContainerStore, links: readonly string[]): [string, string][] {
  return links.map((l) => {
    const [name, alias, extra] = l.split(':');
    if (!name || extra !== undefined || alias === '') throw invalidArgument(`invalid argument "${l}" for "--link" flag: bad format for links: ${l}`);
    let target: ContainerRecord;
    try {
      target = store.find(name);
    } catch (e) {
      if (isBerthError(e, 'NotFound')) throw notFound(`could not get container for ${name}: No such container: ${name}`);
      throw e;
    }
    return [target.Name.replace(/^\//, ''), alias ?? name];
  });
}

/** Docker's HostConfig.Links form. */
export function formatLinks(links: [string, string][], name: string): string[] {
  return links.map(([target, alias]) => `/${target}:/${name}/${alias}`);
}

/** The hosts lines for the record's links: the targets' addresses on `network` (they must be running). */
export function linkHostLines(rec: ContainerRecord, network: string, lookup: (target: string) => { rec: ContainerRecord; running: boolean; ip?: string }): string {
  let out = '';
  for (const l of rec.HostConfig.Links ?? []) {
    const [target, rest] = l.split(':');
    const alias = rest.slice(rest.lastIndexOf('/') + 1);
    const t = lookup(target.slice(1));
    if (!t.running) throw failedPrecondition(`Cannot link to a non running container: ${l.replace(':', ' AS ')}`);
    if (!t.ip) throw failedPrecondition(`Cannot link to ${target}: it has no address on network ${network}`);
    const names = [...new Set([alias, t.rec.Config.Hostname, target.slice(1)])];
    out += `${t.ip}\t${names.join(' ')}\n`;
  }
  return out;
}
