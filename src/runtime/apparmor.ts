import { failedPrecondition, invalidArgument } from '../errors.js';
import { hostHasAppArmor } from '../sys/hostAppArmor.js';
import type { Spec } from './spec.js';

/**
 * process.apparmorProfile: carried out by the helper (op `apparmor`) where the kernel has AppArmor;
 * refused on a host without it, rather than run the process unconfined (runc and crun refuse too).
 */
export function checkAppArmor(process: Spec['process'], hasAppArmor = hostHasAppArmor): void {
  const profile = process?.apparmorProfile;
  if (profile === undefined || profile === '') return;
  if (typeof profile !== 'string' || !/^[\w.@:/+-]{1,255}$/.test(profile)) {
    throw invalidArgument(`invalid config.json: process.apparmorProfile: ${JSON.stringify(profile)} is not a profile name`);
  }
  if (!hasAppArmor()) {
    throw failedPrecondition(`process.apparmorProfile \`${profile}\`: AppArmor is not enabled on this host`, { hint: 'remove the profile from the config, or run on a kernel with AppArmor' });
  }
}
