/** Running the real `berth` CLI against a throwaway root holding a busybox image. */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { berthBin, tmpDir } from '../helpers.js';
import { createBusyboxImage } from '../imageHelpers.js';

export interface Out { code: number; stdout: string; stderr: string }

/**
 * How the harness reaches berth. By default `node bin/berth.js` (always cold). With
 * BERTH_TEST_VIA=accel (scripts/test.mjs accel) it goes through `bin/berth` — berth-launch and
 * the warm accelerator that scripts/test.mjs started on BERTH_ACCEL_SOCK — so the same engine
 * tests prove both paths give the same output and exit codes.
 */
const viaAccel = process.env.BERTH_TEST_VIA === 'accel';
export function berthCommand(args: string[]): [string, string[]] {
  return viaAccel ? [path.join(path.dirname(berthBin), 'berth'), args] : [process.execPath, [berthBin, ...args]];
}

export class Engine {
  readonly root: string;
  constructor(prefix = 'berth-engine-') {
    this.root = tmpDir(prefix);
  }

  async init(): Promise<this> {
    await createBusyboxImage(this.root);
    return this;
  }

  run(args: string[], input?: string): Out {
    const [bin, argv] = berthCommand(['--root', this.root, ...args]);
    const r = spawnSync(bin, argv, { encoding: 'utf8', input, maxBuffer: 256 << 20 });
    return { code: r.status ?? 128, stdout: r.stdout, stderr: r.stderr };
  }

  /** Like run, but throws with stderr unless it exits 0; returns trimmed stdout. */
  ok(args: string[]): string {
    const r = this.run(args);
    if (r.code !== 0) throw new Error(`berth ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r.stdout.trim();
  }

  async runAsync(args: string[]): Promise<Out> {
    const [bin, argv] = berthCommand(['--root', this.root, ...args]);
    const c = spawn(bin, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d) => (stdout += d));
    c.stderr.on('data', (d) => (stderr += d));
    const code: number = await new Promise((r) => c.on('close', (n) => r(n ?? 128)));
    return { code, stdout, stderr };
  }

  inspect(ref: string): Record<string, any> {
    return JSON.parse(this.ok(['inspect', ref]))[0];
  }

  /** rm -f -v of everything, then the root itself (also on failure). */
  cleanup(): void {
    const ids = this.run(['ps', '-aq', '--no-trunc']).stdout.split('\n').filter(Boolean);
    if (ids.length) this.run(['rm', '-f', '-v', ...ids]);
    // If the CLI itself failed, still end what this test started (by pid) and drop its cgroups.
    const rt = path.join(this.root, 'runtime');
    for (const id of fs.existsSync(rt) ? fs.readdirSync(rt) : []) {
      try {
        const s = JSON.parse(fs.readFileSync(path.join(rt, id, 'state.json'), 'utf8')) as { pid: number; monitorPid: number; cgroupPath?: string };
        for (const pid of [s.monitorPid, s.pid]) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
        // A cgroup can only go once its processes have exited (SIGKILL is not instant).
        const pause = new Int32Array(new SharedArrayBuffer(4));
        const alive = (p: number) => {
          try {
            return p > 0 && !/\) Z /.test(fs.readFileSync(`/proc/${p}/stat`, 'utf8'));
          } catch {
            return false;
          }
        };
        for (let i = 0; i < 250 && [s.monitorPid, s.pid].some(alive); i++) Atomics.wait(pause, 0, 0, 20);
        if (s.cgroupPath) for (const h of fs.readdirSync('/sys/fs/cgroup')) try { fs.rmdirSync(path.join('/sys/fs/cgroup', h, s.cgroupPath)); } catch { /* busy or absent */ }
      } catch { /* not a container */ }
    }
    // The root's own default bridge (a temporary root gets one of its own) goes with it.
    if (fs.existsSync(path.join(this.root, 'networks'))) {
      const mod = new URL('../../src/network/index.js', import.meta.url).href;
      spawnSync(process.execPath, ['--input-type=module', '-e',
        `const { removeNetwork } = await import(${JSON.stringify(mod)}); await removeNetwork(${JSON.stringify(this.root)}, 'bridge', { allowDefault: true }).catch(() => {});`]);
    }
    fs.rmSync(this.root, { recursive: true, force: true });
  }

  containerDirs(): string[] {
    const d = path.join(this.root, 'containers');
    // Container directories (a `.new-*` one is a create killed before its record was in place).
    return fs.existsSync(d) ? fs.readdirSync(d).filter((n) => /^[0-9a-f]{64}$/.test(n)) : [];
  }
}

export { until } from '../helpers.js';
