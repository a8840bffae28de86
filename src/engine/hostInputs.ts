/** What building a spec needs from the host: device numbers, the bounding set, profile files. */
import fs from 'node:fs';
import { errnoCode, invalidArgument } from '../errors.js';
import { readHostBoundingSet } from '../sys/hostCaps.js';
import { splitRdev } from '../sys/hostDevices.js';
import type { DeviceInfo } from './buildSpec.js';
import type { ContainerRecord } from './types.js';
import { applyDnsFlags } from '../network/etcFiles.js';
import { dnsFlagsOf } from './containerEtc.js';

export function deviceInfo(p: string): DeviceInfo {
  let st: fs.Stats;
  try {
    st = fs.statSync(p);
  } catch (e) {
    throw invalidArgument(`error gathering device information while adding device "${p}": ${errnoCode(e) === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`);
  }
  if (!st.isCharacterDevice() && !st.isBlockDevice()) throw invalidArgument(`error gathering device information while adding device "${p}": not a device node`);
  return { type: st.isCharacterDevice() ? 'c' : 'b', ...splitRdev(st.rdev), mode: st.mode };
}

export function hostBounding(): bigint | undefined {
  try {
    return readHostBoundingSet();
  } catch {
    return undefined;
  }
}

/** The JSON of a `--security-opt seccomp=<file>` profile, when one is asked for. */
export function seccompProfileFor(rec: ContainerRecord): unknown {
  const opt = (rec.HostConfig.SecurityOpt ?? []).find((o) => /^seccomp[=:]/.test(o));
  const file = opt?.slice('seccomp='.length);
  if (!file || file === 'unconfined' || file === 'builtin') return undefined;
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw invalidArgument(`opening seccomp profile (${file}) failed: ${(e as Error).message}`);
  }
}

/** /etc/hostname and /etc/hosts for a container without a network of its own. */
export function writeEtcFiles(dir: string, rec: ContainerRecord): Record<string, string> {
  const files: Record<string, string> = {};
  const host = rec.Config.Hostname;
  const write = (name: string, text: string) => {
    const p = `${dir}/${name}`;
    fs.writeFileSync(p, text, { mode: 0o644 });
    files[name] = p;
  };
  write('hostname', `${host}\n`);
  write('hosts', `127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n127.0.1.1\t${host}\n`);
  try {
    write('resolv.conf', applyDnsFlags(fs.readFileSync('/etc/resolv.conf', 'utf8'), dnsFlagsOf(rec), false));
  } catch { /* the host has none */ }
  return files;
}
