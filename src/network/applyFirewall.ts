import fs from 'node:fs';
import { withLockFile } from '../sys/netLock.js';
import { iptablesRestore, iptablesSaveBoth } from '../sys/netExec.js';
import { firewallText } from './firewall.js';
import type { NetworkState } from './types.js';

/** Machine-wide lock: several berth roots share the iptables tables. */
const FW_LOCK_DIR = '/run/berth';

/**
 * Make the firewall match the networks and drop the chains of `gone`; puts back missing
 * rules. `nets` is read inside the lock, so concurrent berth processes never apply a
 * stale view (one process's sync would otherwise drop another's new port rules).
 */
export function syncFirewall(nets: () => NetworkState[], gone: Pick<NetworkState, 'id'>[] = []): Promise<void> {
  fs.mkdirSync(FW_LOCK_DIR, { recursive: true, mode: 0o700 });
  return withLockFile(`${FW_LOCK_DIR}/firewall.lock`, async () => {
    const saved = await iptablesSaveBoth();
    await iptablesRestore(firewallText(saved, nets(), gone));
  });
}
