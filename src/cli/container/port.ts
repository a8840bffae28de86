import type { Command } from 'commander';
import { exit1, storeOf } from './common.js';

/** `port CONTAINER [PRIVATE_PORT[/PROTO]]`: the published ports (none until networking is wired). */
export function addPortCommand(parent: Command): Command {
  return parent.command('port').description('List port mappings or a specific mapping for the container')
    .argument('<container>')
    .argument('[private-port]')
    .action(exit1(async (ref: string, priv: string | undefined, _o: unknown, cmd: Command) => {
      const store = await storeOf(cmd);
      const rec = store.find(ref);
      const { readNetworkSettings } = await import('../../engine/network.js');
      const live = readNetworkSettings(store, rec.Id)?.Ports ?? {};
      const ports = Object.entries(live).map(([p, b]) => [p, b ?? []] as const);
      const want = priv && !priv.includes('/') ? `${priv}/tcp` : priv;
      const hits = ports.filter(([p]) => !want || p === want);
      if (want && !hits.length) {
        const { notFound } = await import('../../errors.js');
        throw notFound(`No public port '${want}' published for ${ref}`);
      }
      for (const [p, binds] of hits) for (const b of binds) process.stdout.write(`${want ? '' : `${p} -> `}${b.HostIp || '0.0.0.0'}:${b.HostPort}\n`);
    }));
}
