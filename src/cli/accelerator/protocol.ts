/**
 * The accelerator's wire format (native/launch/launch.c is the other end).
 * Request: "BRQ1", u32 length (little endian), then NUL-terminated strings:
 * cwd, umask (octal), tty flags of fds 0/1/2 ("t-t"), columns, rows, context (see
 * contextKey), argc, args, env.
 * Replies: frames of u8 type + u32 length + data.
 */
export const FRAME = { stdout: 1, stderr: 2, exit: 3, cold: 4, signal: 5 } as const;

export interface LaunchRequest {
  cwd: string;
  umask: number;
  tty: { stdin: boolean; stdout: boolean; stderr: boolean };
  columns: number;
  rows: number;
  /** The caller's nice, namespaces, capabilities and rlimits, as berth-launch reads them. */
  context: string;
  argv: string[];
  env: Record<string, string>;
}

const MAGIC = 'BRQ1';
/** Requests are small (arguments and environment); anything bigger is not from berth-launch. */
export const MAX_REQUEST = 4 << 20;

/** The request's total size once its 8-byte header is in, or undefined before that. Throws on a bad header. */
export function requestSize(head: Buffer): number | undefined {
  if (head.length < 8) return undefined;
  if (head.subarray(0, 4).toString('latin1') !== MAGIC) throw new Error('not a berth-launch request');
  const len = head.readUInt32LE(4);
  if (len > MAX_REQUEST) throw new Error(`request of ${len} bytes is too large`);
  return 8 + len;
}

export function parseRequest(buf: Buffer): LaunchRequest {
  const size = requestSize(buf);
  if (size === undefined || buf.length < size) throw new Error('truncated request');
  const fields = buf.subarray(8, size).toString('utf8').split('\0');
  if (fields.at(-1) === '') fields.pop();
  const [cwd, umask, tty, columns, rows, context, argc, ...rest] = fields;
  const n = Number(argc);
  if (!cwd?.startsWith('/') || !/^[0-7]{1,4}$/.test(umask ?? '') || !/^[t-]{3}$/.test(tty ?? '') || !Number.isInteger(n) || n < 0 || n > rest.length) {
    throw new Error('malformed request');
  }
  const env: Record<string, string> = {};
  for (const e of rest.slice(n)) {
    const eq = e.indexOf('=');
    if (eq > 0) env[e.slice(0, eq)] = e.slice(eq + 1);
  }
  return {
    cwd,
    umask: parseInt(umask, 8),
    tty: { stdin: tty[0] === 't', stdout: tty[1] === 't', stderr: tty[2] === 't' },
    columns: Number(columns) || 0,
    rows: Number(rows) || 0,
    context: context ?? '',
    argv: rest.slice(0, n),
    env,
  };
}

export function frame(type: number, data: Buffer | string = Buffer.alloc(0)): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data) : data;
  const head = Buffer.alloc(5);
  head.writeUInt8(type, 0);
  head.writeUInt32LE(body.length, 1);
  return Buffer.concat([head, body]);
}

export function intFrame(type: number, n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32LE(n, 0);
  return frame(type, b);
}

/** Encode a request the way berth-launch does (for tests). */
export function encodeRequest(r: LaunchRequest): Buffer {
  const tty = `${r.tty.stdin ? 't' : '-'}${r.tty.stdout ? 't' : '-'}${r.tty.stderr ? 't' : '-'}`;
  const strings = [r.cwd, r.umask.toString(8), tty, String(r.columns), String(r.rows), r.context, String(r.argv.length), ...r.argv, ...Object.entries(r.env).map(([k, v]) => `${k}=${v}`)];
  const body = Buffer.from(strings.map((s) => s + '\0').join(''));
  const head = Buffer.alloc(8);
  head.write(MAGIC, 0, 'latin1');
  head.writeUInt32LE(body.length, 4);
  return Buffer.concat([head, body]);
}

/**
 * The part of a context that must match for a warm run to equal a cold one: a cold berth
 * (and the containers it starts) inherits nice, namespaces, capabilities and rlimits from
 * its caller. Node raises its own soft open-files limit to the hard one at start-up, so
 * that soft limit is left out (hard limits all count).
 */
export function contextKey(context: string): string {
  const keep: string[] = [];
  for (const line of context.split('\n')) {
    if (/^(nice|ns) /.test(line) || /^(Cap\w+|NoNewPrivs|Seccomp):/.test(line)) keep.push(line.replace(/\s+/g, ' ').trim());
    const m = /^(Max [a-z ]+?)\s{2,}(\S+)\s+(\S+)/.exec(line);
    if (m) keep.push(m[1] === 'Max open files' ? `${m[1]}: hard ${m[3]}` : `${m[1]}: ${m[2]} ${m[3]}`);
  }
  return keep.join('\n');
}

/**
 * What must match between the accelerator and the process at the other end of the socket, as
 * the kernel reports it (src/sys/procContext.ts): the contextKey part, plus the root directory,
 * uids, gids, groups and the number of seccomp filters. A caller's own report cannot be trusted
 * (any process can send any bytes): this is the check that counts.
 */
export function peerKey(context: string): string {
  const extra = context.split('\n').filter((l) => /^root /.test(l) || /^(Uid|Gid|Groups|Seccomp_filters):/.test(l)).map((l) => l.replace(/\s+/g, ' ').trim());
  return [contextKey(context), ...extra].join('\n');
}
