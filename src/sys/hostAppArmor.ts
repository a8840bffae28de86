import fs from 'node:fs';

/** Whether the kernel has AppArmor enabled (its module parameter, or its securityfs directory). */
export function hostHasAppArmor(): boolean {
  try {
    return fs.readFileSync('/sys/module/apparmor/parameters/enabled', 'utf8').trim() === 'Y';
  } catch {
    return fs.existsSync('/sys/kernel/security/apparmor');
  }
}
