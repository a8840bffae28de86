import fs from 'node:fs';
import { withLockFile } from '../sys/netLock.js';
import { bootId, iptablesRestore, iptablesSaveBoth, rulesetGeneration } from '../sys/netExec.js';
import { firewallText } from './firewall.js';
import type { NetworkState } from './types.js';

/** Machine-wide lock: several berth roots share the iptables tables. */
const FW_LOCK_DIR = '/run/berth';
const VERIFIED_FILE = `${FW_LOCK_DIR}/firewall-verified.json`;

/**
 * When an attach that adds no rules (no published ports) may skip the firewall check (one
 * iptables-save, the long pole of a container start). Every sync records, per network, that its
 * chains were checked, and, with iptables-nft, the nf_tables ruleset generation right after
 * its change. Any later change to the ruleset (a flush by hand, another berth's sync, anyone's
 * rule) bumps the generation, so an attach that reads it (in the same helper run as its links:
 * no extra process) and finds it unchanged knows the chains are still in place, exactly; on a
 * mismatch it syncs, which restores anything missing. With legacy iptables (no generation) the
 * record is trusted for FIREWALL_TRUST_MS: rules flushed by hand come back at the first start
 * after it. Either way the record is dropped on reboot (boot id) and when the network's bridge
 * is re-created, and starts with published ports, `network create` and detaches with ports sync.
 */
export const FIREWALL_TRUST_MS = 30_000;

/**
 * The rule set's version: a record written by a berth that planned other chains (before 2: no
 * raw-table loopback guard) is not trusted, so the first attach after an upgrade syncs.
 */
const RULESET_VERSION = 2;

interface Verified {
  bootId: string;
  /** RULESET_VERSION of the berth that wrote it. */
  version?: number;
  /** iptables-nft (trust by generation) or legacy (trust for FIREWALL_TRUST_MS). */
  nft: boolean;
  /** The nf_tables generation right after the last sync. */
  generation?: number;
  /** network id -> when its chains were last checked (ms since the epoch). */
  at: Record<string, number>;
}

function readVerified(): Verified | undefined {
  try {
    return JSON.parse(fs.readFileSync(VERIFIED_FILE, 'utf8')) as Verified;
  } catch {
    return undefined;
  }
}

/** Replaced by rename (readers never see half a file); only written under the firewall lock. */
function writeVerified(v: Verified): void {
  const tmp = `${VERIFIED_FILE}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(v));
  fs.renameSync(tmp, VERIFIED_FILE);
}

/**
 * What an attach without new rules may trust: undefined (sync now), `{}` (a recent check with
 * legacy iptables: skip), or `{ generation }` (skip if the ruleset generation is still this one).
 */
export function firewallTrust(netId: string, now = Date.now()): { generation?: number } | undefined {
  const v = readVerified();
  if (!v || v.bootId !== bootId() || v.version !== RULESET_VERSION) return undefined;
  const t = v.at[netId];
  if (t === undefined) return undefined;
  if (v.nft) return v.generation === undefined ? undefined : { generation: v.generation };
  return now - t >= 0 && now - t < FIREWALL_TRUST_MS ? {} : undefined;
}

/** Drop the trust in a network's chains (its bridge was just (re)created): the next attach syncs. */
export async function forgetFirewallVerified(netId: string): Promise<void> {
  fs.mkdirSync(FW_LOCK_DIR, { recursive: true, mode: 0o700 });
  await withLockFile(`${FW_LOCK_DIR}/firewall.lock`, () => {
    const v = readVerified();
    if (!v?.at[netId]) return;
    delete v.at[netId];
    writeVerified(v);
  });
}

/**
 * After a sync: `verified` nets are checked as of now. Other nets keep their record only if
 * nothing changed the ruleset between the previous record and this sync (`unchanged`): a
 * sync checks only the chains of the networks it is given, so a change it did not look at
 * must not be covered by the generation it records.
 */
function record(verified: string[], gone: string[], nft: boolean, generation: number | undefined, unchanged: boolean): void {
  const boot = bootId();
  const v = readVerified();
  const at = v && v.bootId === boot && v.version === RULESET_VERSION && unchanged ? v.at : {};
  const now = Date.now();
  for (const id of verified) at[id] = now;
  for (const id of gone) delete at[id];
  writeVerified({ bootId: boot, version: RULESET_VERSION, nft, generation, at });
}

/**
 * Make the firewall match the networks and drop the chains of `gone`; puts back missing
 * rules. `nets` is read inside the lock, so concurrent berth processes never apply a
 * stale view (one process's sync would otherwise drop another's new port rules).
 */
export function syncFirewall(nets: () => NetworkState[], gone: Pick<NetworkState, 'id'>[] = []): Promise<void> {
  fs.mkdirSync(FW_LOCK_DIR, { recursive: true, mode: 0o700 });
  return withLockFile(`${FW_LOCK_DIR}/firewall.lock`, async () => {
    const prev = readVerified();
    const [saved, before] = await Promise.all([iptablesSaveBoth(), prev?.nft ? rulesetGeneration() : undefined]);
    const want = nets();
    await iptablesRestore(firewallText(saved, want, gone));
    // Still under the lock: the generation that holds exactly what was just checked (or written).
    const generation = saved.nft ? await rulesetGeneration() : undefined;
    const unchanged = !saved.nft || (before !== undefined && before === prev?.generation);
    record(want.map((n) => n.id), gone.map((g) => g.id), saved.nft, generation, unchanged);
  });
}
