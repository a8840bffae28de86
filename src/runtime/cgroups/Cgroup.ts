import path from 'node:path';
import { failedPrecondition, isBerthError, unavailable } from '../../errors.js';
import { hostCgroupFs, sleepSync, type CgroupFs } from '../../sys/cgroupfs.js';
import type { CgroupLayout } from './detectCgroupLayout.js';
import { readStatsV1, readStatsV2, parseKeyValues } from './readCgroupStats.js';
import { hugetlbV1ToV2, translateResources } from './translateResources.js';
import { validateRelPath } from './cgroupRelPath.js';
import type { CgroupStats, CgroupWrite, LinuxResources } from './types.js';

export interface CgroupOptions {
  /** Effects backend; unit tests pass `fixtureCgroupFs()`. */
  fs?: CgroupFs;
}

/** Controllers berth turns on for its subtree on cgroup v2. */
const V2_CONTROLLERS = ['cpuset', 'cpu', 'io', 'memory', 'pids', 'hugetlb', 'rdma', 'misc'];
/** Files that live under another name on some kernels (BFQ instead of CFQ/iocost). */
const ALIASES: Record<string, string> = {
  'blkio.weight': 'blkio.bfq.weight',
  'blkio.weight_device': 'blkio.bfq.weight_device',
  'io.weight': 'io.bfq.weight',
};

/** Files that older kernels or hosts without swap accounting lack; skipped, reported. */
const OPTIONAL_FILES = new Set(['memory.kmem.tcp.limit_in_bytes', 'memory.memsw.limit_in_bytes', 'memory.swap.max', 'cpu.cfs_burst_us', 'cpu.max.burst', 'cpu.idle', 'memory.swappiness']);

/** What a controller the host lacks costs, for the error (the config asked for it: refused, not skipped). */
const NEEDED_FOR: Record<string, string> = {
  net_cls: 'linux.resources.network.classID', net_prio: 'linux.resources.network.priorities',
};

/**
 * One container's cgroup, on every hierarchy the host has: a directory per v1
 * hierarchy (co-mounted controllers share one), the cgroup2 directory in hybrid
 * mode, or the single v2 directory.
 */
export class Cgroup {
  /** The directories create() made itself (parents included), in the order made. */
  private readonly made: string[] = [];

  private constructor(
    readonly layout: CgroupLayout,
    readonly relPath: string,
    private readonly cgfs: CgroupFs,
  ) {}

  /** Make the directories (parents too), prepare cpuset (v1) and enable controllers (v2). */
  static create(layout: CgroupLayout, relPath: string, opts: CgroupOptions = {}): Cgroup {
    const cg = new Cgroup(layout, validateRelPath(relPath), opts.fs ?? hostCgroupFs);
    for (const base of cg.hierarchies()) cg.makePath(base);
    return cg;
  }

  /** An existing cgroup (e.g. for delete after the monitor died); creates nothing. */
  static open(layout: CgroupLayout, relPath: string, opts: CgroupOptions = {}): Cgroup {
    return new Cgroup(layout, validateRelPath(relPath), opts.fs ?? hostCgroupFs);
  }

  /** The hierarchy roots this cgroup has a directory in. */
  hierarchies(): string[] {
    const roots = new Set(this.layout.mode === 'v2' ? [] : Object.values(this.layout.v1));
    if (this.layout.unified !== null) roots.add(this.layout.unified);
    return [...roots];
  }

  /** The cgroup's directories, one per hierarchy. */
  dirs(): string[] {
    return this.hierarchies().map((h) => path.join(h, this.relPath));
  }

  /** The cgroup.procs file of every directory: what the helper writes the init's pid into. */
  procsFiles(): string[] {
    return this.dirs().map((d) => path.join(d, 'cgroup.procs'));
  }

  /**
   * Where a v2 device filter (compileDeviceFilter) must be attached: the cgroup2
   * directory (v2, and hybrid hosts, where the kernel checks it too), else undefined.
   */
  bpfDeviceTarget(): string | undefined {
    return this.layout.unified === null ? undefined : path.join(this.layout.unified, this.relPath);
  }

  /** The directory holding `controller`'s files, or undefined when the host lacks it. */
  dirFor(controller: string): string | undefined {
    const { mode, v1, unified, unifiedControllers } = this.layout;
    if (mode !== 'v2' && v1[controller] !== undefined) return path.join(v1[controller], this.relPath);
    if (unified !== null && (mode === 'v2' || unifiedControllers.includes(controller))) return path.join(unified, this.relPath);
    return undefined;
  }

  private onUnified(controller: string): boolean {
    return this.layout.mode === 'v2' || (this.layout.v1[controller] === undefined && this.layout.unified !== null);
  }

  private makePath(base: string, attempt = 0): void {
    const parts = this.relPath.split('/');
    const isV2 = base === this.layout.unified;
    for (let i = 1; i <= parts.length; i++) {
      const dir = path.join(base, ...parts.slice(0, i));
      if (isV2) this.enableControllers(path.dirname(dir), i === 1);
      try {
        if (this.mkdirRetry(dir)) this.made.push(dir);
      } catch (e) {
        // A concurrent destroy pruned a parent we had just made: make the whole path again.
        if (isBerthError(e, 'NotFound') && attempt < 5) return this.makePath(base, attempt + 1);
        throw e;
      }
      // Also for a parent made by someone else: an empty cpuset takes no tasks.
      if (base === this.layout.v1.cpuset) this.inheritCpuset(dir);
    }
  }

  /**
   * Undo a create that failed: kill what is in it, remove it and every parent directory this
   * create made (e.g. `a/b` of a relative cgroupsPath `a/b/c`), deepest first; parents that
   * existed before, or that another container now uses, stay.
   */
  abandon(): void {
    this.destroy();
    for (const dir of [...this.made].reverse()) {
      if (this.dirs().includes(dir)) continue;
      try {
        this.cgfs.rmdir(dir);
      } catch {
        // Not empty: another container made its cgroup below it meanwhile.
      }
    }
  }

  private mkdirRetry(dir: string): boolean {
    try {
      return this.cgfs.mkdir(dir);
    } catch (e) {
      // A concurrent destroy may have pruned the parent between our mkdirs: once more.
      if (isBerthError(e, 'NotFound')) return this.cgfs.mkdir(dir);
      throw e;
    }
  }

  /** v1 cpuset: a new cgroup starts with empty cpus/mems; copy the parent's. */
  private inheritCpuset(dir: string): void {
    for (const f of ['cpuset.cpus', 'cpuset.mems']) {
      if ((this.cgfs.read(path.join(dir, f)) ?? '').trim() !== '') continue;
      const parent = (this.cgfs.read(path.join(path.dirname(dir), f)) ?? '').trim();
      if (parent !== '') this.cgfs.write(path.join(dir, f), parent);
    }
  }

  /**
   * v2: turn on the controllers for the children of `dir`. Only inside berth's
   * subtree, plus the hierarchy root on a pure v2 host (as every runtime must);
   * a hybrid host's cgroup2 root is left as the host set it.
   */
  private enableControllers(dir: string, isRoot: boolean): void {
    if (isRoot && this.layout.mode !== 'v2') return;
    const available = (this.cgfs.read(path.join(dir, 'cgroup.controllers')) ?? '').split(/\s+/);
    const enabled = (this.cgfs.read(path.join(dir, 'cgroup.subtree_control')) ?? '').split(/\s+/);
    for (const c of V2_CONTROLLERS.filter((c) => available.includes(c) && !enabled.includes(c))) {
      try {
        this.cgfs.write(path.join(dir, 'cgroup.subtree_control'), `+${c}`);
      } catch (e) {
        // One controller the kernel will not delegate here (e.g. cpu with RT tasks
        // elsewhere) must not cost the others; writes needing it fail by name later.
        if (!isBerthError(e, 'FailedPrecondition') && !isBerthError(e, 'InvalidArgument')) throw e;
      }
    }
  }

  /**
   * Translate and apply OCI resources (create time and `berth runtime update`).
   * Returns the writes skipped because this kernel lacks an optional feature
   * (swap accounting, cpu burst, cpu.idle, net_cls/net_prio) so the caller can
   * warn like Docker does.
   */
  update(resources: LinuxResources): CgroupWrite[] {
    return this.apply(translateResources(resources, this.layout.mode));
  }

  /**
   * Carry out translator writes. A write the kernel refuses is retried once after
   * the others (memory.limit vs memsw and similar ordering constraints). Writes to
   * optional files the kernel does not have are skipped and returned.
   */
  apply(writes: CgroupWrite[]): CgroupWrite[] {
    const failed: { file: string; value: string; error: unknown }[] = [];
    const skipped: CgroupWrite[] = [];
    for (const wr of writes) {
      const file = this.fileFor(wr);
      if (file === undefined) {
        skipped.push(wr);
        continue;
      }
      try {
        this.cgfs.write(file, wr.value);
      } catch (e) {
        if (!isBerthError(e, 'InvalidArgument') && !isBerthError(e, 'FailedPrecondition')) throw e;
        failed.push({ file, value: wr.value, error: e });
      }
    }
    for (const f of failed) this.cgfs.write(f.file, f.value);
    return skipped;
  }

  /** The file to write, or undefined for a missing optional one. */
  private fileFor(wr: CgroupWrite): string | undefined {
    const dir = this.dirFor(wr.controller);
    if (dir === undefined) {
      const field = NEEDED_FOR[wr.controller] ?? wr.file;
      throw failedPrecondition(`${field}: the \`${wr.controller}\` cgroup controller is not mounted on this host`, { code: 'cgroup.controller', hint: 'remove the setting, or mount the hierarchy' });
    }
    const name = wr.controller === 'hugetlb' && this.onUnified('hugetlb') ? hugetlbV1ToV2(wr.file) : wr.file;
    const file = path.join(dir, name);
    const alias = ALIASES[name];
    if (alias !== undefined && !this.cgfs.exists(file) && this.cgfs.exists(path.join(dir, alias))) return path.join(dir, alias);
    if (!this.cgfs.exists(file)) {
      if (OPTIONAL_FILES.has(name)) return undefined;
      throw failedPrecondition(`cgroup: \`${file}\` does not exist (controller \`${wr.controller}\` not enabled or not supported by this kernel)`, { code: 'cgroup.file' });
    }
    return file;
  }

  /** Move a process (all its threads) into this cgroup on every hierarchy. */
  addPid(pid: number): void {
    for (const dir of this.dirs()) this.cgfs.write(path.join(dir, 'cgroup.procs'), String(pid));
  }

  /** Every pid in this cgroup or its children, on any hierarchy. */
  pids(): number[] {
    const seen = new Set<number>();
    const walk = (dir: string) => {
      for (const l of (this.cgfs.read(path.join(dir, 'cgroup.procs')) ?? '').split('\n')) if (l.trim()) seen.add(Number(l));
      for (const c of this.cgfs.children(dir)) walk(path.join(dir, c));
    };
    for (const dir of this.dirs()) walk(dir);
    return [...seen].sort((a, b) => a - b);
  }

  /** `paused` as Docker shows it. */
  isFrozen(): boolean {
    if (this.onUnified('freezer')) {
      const dir = this.dirFor('freezer') ?? path.join(this.layout.unified as string, this.relPath);
      return parseKeyValues(this.cgfs.read(path.join(dir, 'cgroup.events'))).get('frozen') === 1;
    }
    const dir = this.dirFor('freezer');
    return dir !== undefined && (this.cgfs.read(path.join(dir, 'freezer.state')) ?? '').trim() === 'FROZEN';
  }

  /** Freeze every process (pause); returns once the kernel reports the group frozen. */
  freeze(): void {
    this.setFrozen(true);
  }

  thaw(): void {
    this.setFrozen(false);
  }

  private setFrozen(frozen: boolean): void {
    const v2 = this.onUnified('freezer');
    const dir = v2 ? path.join(this.layout.unified as string, this.relPath) : this.dirFor('freezer');
    if (dir === undefined) throw failedPrecondition('cgroup: the freezer controller is not mounted on this host', { code: 'cgroup.controller' });
    const [file, value] = v2 ? ['cgroup.freeze', frozen ? '1' : '0'] : ['freezer.state', frozen ? 'FROZEN' : 'THAWED'];
    for (let i = 0; i < 200; i++) {
      this.cgfs.write(path.join(dir, file), value);
      if (this.isFrozen() === frozen) return;
      sleepSync(Math.min(1 + i, 20));
    }
    if (frozen) this.cgfs.write(path.join(dir, file), v2 ? '0' : 'THAWED');
    throw unavailable(`cgroup \`${this.relPath}\`: the kernel did not finish ${frozen ? 'freezing' : 'thawing'} it`);
  }

  stats(): CgroupStats {
    const read = (controller: string, file: string) => {
      const dir = this.dirFor(controller);
      return dir === undefined ? undefined : this.cgfs.read(path.join(dir, file));
    };
    return this.layout.mode === 'v2' ? readStatsV2(read) : readStatsV1(read);
  }

  /** How many times the kernel's OOM killer killed a process in this cgroup. */
  oomEvents(): number {
    const dir = this.dirFor('memory');
    if (dir === undefined) return 0;
    const file = this.onUnified('memory') ? 'memory.events' : 'memory.oom_control';
    return parseKeyValues(this.cgfs.read(path.join(dir, file))).get('oom_kill') ?? 0;
  }

  oomKilled(): boolean {
    return this.oomEvents() > 0;
  }

  /**
   * SIGKILL every process in the cgroup (they are all berth's: it made the cgroup)
   * and wait until the cgroup is empty. Freezes first where it can so a fork bomb
   * cannot outrun the kill; uses cgroup.kill when the kernel has it.
   */
  killAll(): void {
    const unifiedDir = this.layout.unified === null ? undefined : path.join(this.layout.unified, this.relPath);
    const cgKill = unifiedDir === undefined ? undefined : path.join(unifiedDir, 'cgroup.kill');
    const canFreeze = this.dirFor('freezer') !== undefined || this.layout.mode === 'v2';
    for (let i = 0; i < 300; i++) {
      const pids = this.pids();
      if (pids.length === 0) return;
      if (cgKill !== undefined && this.cgfs.exists(cgKill)) this.cgfs.write(cgKill, '1');
      if (canFreeze && i === 0) this.tryFreeze(true);
      for (const pid of pids) this.cgfs.kill(pid, 'SIGKILL');
      if (canFreeze && i === 0) this.tryFreeze(false);
      sleepSync(Math.min(1 + i, 20));
    }
    throw unavailable(`cgroup \`${this.relPath}\`: processes ${this.pids().join(', ')} did not exit after SIGKILL`);
  }

  private tryFreeze(frozen: boolean): void {
    try {
      this.setFrozen(frozen);
    } catch {
      // Best effort: killing without the freeze still works, only slower against forks.
    }
  }

  /**
   * Kill what is left and remove the directories, children first. Works without
   * the monitor. `pruneParents` also removes now-empty parents (e.g. `berth/`).
   */
  destroy(opts: { pruneParents?: boolean } = {}): void {
    this.killAll();
    let first: unknown;
    for (const dir of this.dirs()) {
      try {
        this.removeTree(dir);
      } catch (e) {
        first ??= e; // still try the other hierarchies
      }
    }
    if (first !== undefined) throw first;
    if (!opts.pruneParents) return;
    const parts = this.relPath.split('/');
    for (let i = parts.length - 1; i >= 1; i--) {
      for (const h of this.hierarchies()) {
        try {
          this.cgfs.rmdir(path.join(h, ...parts.slice(0, i)));
        } catch {
          // Not empty or busy: another container still lives there.
        }
      }
    }
  }

  private removeTree(dir: string): void {
    for (const c of this.cgfs.children(dir)) this.removeTree(path.join(dir, c));
    for (let i = 0; ; i++) {
      try {
        this.cgfs.rmdir(dir);
        return;
      } catch (e) {
        // EBUSY right after the kill: the last task is still leaving the cgroup.
        if (i >= 100 || !isBerthError(e, 'FailedPrecondition')) throw e;
        sleepSync(Math.min(1 + i, 20));
      }
    }
  }
}
