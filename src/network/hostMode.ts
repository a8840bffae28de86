import { hostHostname, hostResolvConf } from '../sys/netHost.js';
import { hostsFile, hostnameFile } from './etcFiles.js';
import fs from 'node:fs';

/** /etc files for `--network host`: the host's own (Docker copies them the same way). */
export function hostModeFiles(): { hosts: string; hostname: string; resolvConf: string } {
  let hosts: string;
  try {
    hosts = fs.readFileSync('/etc/hosts', 'utf8');
  } catch {
    hosts = hostsFile([]);
  }
  return { hosts, hostname: hostnameFile(hostHostname()), resolvConf: hostResolvConf() };
}
