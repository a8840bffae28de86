/**
 * A client of the monitor's attach socket: Docker stdcopy frames both ways
 * ([stream, 0, 0, 0, len u32 BE]; to the monitor 0 stdin, 3 resize "ROWS COLS", 4 close stdin;
 * from it 1 stdout, 2 stderr). With a TTY, stdin is raw and ctrl-p ctrl-q detaches.
 */
import net from 'node:net';

export interface AttachIo {
  stdin?: NodeJS.ReadStream | null;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  tty: boolean;
  /** Key sequence that detaches (Docker's default ctrl-p,ctrl-q). */
  detachKeys?: number[];
}

export function frame(stream: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h[0] = stream;
  h.writeUInt32BE(payload.length, 4);
  return Buffer.concat([h, payload]);
}

/** Split frames out of a byte stream; returns the unparsed rest. */
export function deframe(buf: Buffer, emit: (stream: number, data: Buffer) => void): Buffer {
  let off = 0;
  while (buf.length - off >= 8) {
    const len = buf.readUInt32BE(off + 4);
    if (buf.length - off - 8 < len) break;
    emit(buf[off], buf.subarray(off + 8, off + 8 + len));
    off += 8 + len;
  }
  return buf.subarray(off);
}

export { parseDetachKeys } from './detachKeys.js';

export function connectAttach(sock: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(sock);
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

/** Pump until the monitor closes the socket ('closed') or the user detaches ('detached'). */
export function attachSession(s: net.Socket, io: AttachIo): Promise<'closed' | 'detached'> {
  const keys = io.detachKeys ?? [16, 17];
  return new Promise((resolve) => {
    let rest: Buffer = Buffer.alloc(0);
    let matched = 0;
    let done = false;
    const finish = (how: 'closed' | 'detached') => {
      if (done) return;
      done = true;
      if (io.stdin) {
        io.stdin.off('data', onIn);
        io.stdin.off('end', onEnd);
        io.stdin.pause();
      }
      process.stdout.off('resize', onResize);
      if (how === 'detached') s.destroy();
      resolve(how);
    };
    s.on('data', (d: Buffer) => {
      rest = deframe(rest.length ? Buffer.concat([rest, d]) : d, (stream, data) => (stream === 2 ? io.stderr : io.stdout).write(data));
    });
    s.on('close', () => finish('closed'));
    s.on('error', () => finish('closed'));
    const onIn = (d: Buffer) => {
      if (io.tty && keys.length) {
        for (const b of d) {
          matched = b === keys[matched] ? matched + 1 : b === keys[0] ? 1 : 0;
          if (matched === keys.length) {
            finish('detached');
            return;
          }
        }
      }
      s.write(frame(0, d));
    };
    const onEnd = () => s.write(frame(4, Buffer.alloc(0)));
    const onResize = () => {
      if (process.stdout.rows && process.stdout.columns) s.write(frame(3, Buffer.from(`${process.stdout.rows} ${process.stdout.columns}`)));
    };
    if (io.tty && process.stdout.isTTY) {
      onResize();
      process.stdout.on('resize', onResize);
    }
    if (io.stdin) {
      io.stdin.on('data', onIn);
      io.stdin.on('end', onEnd);
      io.stdin.resume();
    }
  });
}
