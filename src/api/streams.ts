/** Docker's stream framing at the API edge: 8-byte headers [stream, 0, 0, 0, len u32 BE] unless the container has a TTY. */
export const MULTIPLEXED = 'application/vnd.docker.multiplexed-stream';
export const RAW = 'application/vnd.docker.raw-stream';

export function frame(stream: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h[0] = stream;
  h.writeUInt32BE(payload.length, 4);
  return Buffer.concat([h, payload]);
}

/** Splits frames from a byte stream as they complete; keeps the partial rest between calls. */
export class Deframer {
  private rest = Buffer.alloc(0);
  constructor(private readonly emit: (stream: number, data: Buffer) => void) {}

  push(d: Buffer): void {
    let buf = this.rest.length ? Buffer.concat([this.rest, d]) : d;
    while (buf.length >= 8) {
      const len = buf.readUInt32BE(4);
      if (buf.length < 8 + len) break;
      this.emit(buf[0], buf.subarray(8, 8 + len));
      buf = buf.subarray(8 + len);
    }
    this.rest = Buffer.from(buf);
  }
}
