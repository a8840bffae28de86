/**
 * Just enough of a Kubernetes CRI client (runtime.v1) to drive containerd's CRI plugin in tests:
 * gRPC over HTTP/2 on a unix socket, with messages encoded by hand (protobuf: varint and
 * length-delimited fields only). Field numbers are those of k8s.io/cri-api's api.proto.
 */
import http2 from 'node:http2';
import net from 'node:net';

/** A message: field number -> value(s). Strings/Buffers/nested messages are length-delimited; numbers and booleans varints. */
export type Msg = [field: number, value: string | number | boolean | Buffer | Msg | undefined][];

function varint(n: number | bigint): Buffer {
  let v = BigInt(n);
  if (v < 0n) v += 1n << 64n;
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return Buffer.from(out);
}

export function encode(m: Msg): Buffer {
  const parts: Buffer[] = [];
  for (const [f, v] of m) {
    if (v === undefined) continue;
    if (typeof v === 'number' || typeof v === 'boolean') {
      parts.push(varint((f << 3) | 0), varint(typeof v === 'boolean' ? Number(v) : v));
      continue;
    }
    const body = Array.isArray(v) ? encode(v) : Buffer.isBuffer(v) ? v : Buffer.from(v);
    parts.push(varint((f << 3) | 2), varint(body.length), body);
  }
  return Buffer.concat(parts);
}

/** field number -> raw values (varints as numbers, length-delimited as Buffers). */
export type Decoded = Map<number, (number | Buffer)[]>;

export function decode(buf: Buffer): Decoded {
  const out: Decoded = new Map();
  let i = 0;
  const readVarint = () => {
    let v = 0n, shift = 0n;
    for (;;) {
      const b = buf[i++];
      v |= BigInt(b & 0x7f) << shift;
      shift += 7n;
      if (!(b & 0x80)) return v;
    }
  };
  while (i < buf.length) {
    const key = Number(readVarint());
    const f = key >> 3, wt = key & 7;
    let val: number | Buffer;
    if (wt === 0) {
      const v = readVarint();
      val = Number(BigInt.asIntN(64, v));
    } else if (wt === 2) {
      const len = Number(readVarint());
      val = buf.subarray(i, i + len);
      i += len;
    } else if (wt === 1) { val = buf.subarray(i, i + 8); i += 8; } else if (wt === 5) { val = buf.subarray(i, i + 4); i += 4; } else throw new Error(`protobuf: wire type ${wt}`);
    out.set(f, [...(out.get(f) ?? []), val]);
  }
  return out;
}

export const str = (d: Decoded, f: number) => ((d.get(f)?.[0] as Buffer | undefined) ?? Buffer.alloc(0)).toString();
export const num = (d: Decoded, f: number) => (d.get(f)?.[0] as number | undefined) ?? 0;
export const sub = (d: Decoded, f: number) => decode((d.get(f)?.[0] as Buffer | undefined) ?? Buffer.alloc(0));

export class CriClient {
  private session: http2.ClientHttp2Session;
  constructor(socket: string) {
    this.session = http2.connect('http://localhost', { createConnection: () => net.connect(socket) });
    this.session.on('error', () => {});
  }

  /** One unary call of runtime.v1.RuntimeService (or ImageService with `service`). */
  call(method: string, req: Msg, service = 'runtime.v1.RuntimeService', timeoutMs = 120_000): Promise<Decoded> {
    const body = encode(req);
    const frame = Buffer.alloc(5 + body.length);
    frame.writeUInt32BE(body.length, 1);
    body.copy(frame, 5);
    return new Promise((resolve, reject) => {
      const s = this.session.request({ ':method': 'POST', ':path': `/${service}/${method}`, 'content-type': 'application/grpc', te: 'trailers' });
      const timer = setTimeout(() => { s.close(); reject(new Error(`CRI ${method}: no answer in ${timeoutMs} ms`)); }, timeoutMs);
      const chunks: Buffer[] = [];
      let status = '', message = '';
      s.on('response', (h) => { status = String(h['grpc-status'] ?? status); message = String(h['grpc-message'] ?? message); });
      s.on('trailers', (h) => { status = String(h['grpc-status'] ?? ''); message = decodeURIComponent(String(h['grpc-message'] ?? '')); });
      s.on('data', (c: Buffer) => chunks.push(c));
      s.on('error', (e) => { clearTimeout(timer); reject(e); });
      s.on('end', () => {
        clearTimeout(timer);
        if (status !== '0') return reject(new Error(`CRI ${method}: grpc-status ${status}: ${message}`));
        const all = Buffer.concat(chunks);
        resolve(decode(all.length >= 5 ? all.subarray(5, 5 + all.readUInt32BE(1)) : Buffer.alloc(0)));
      });
      s.end(frame);
    });
  }

  close(): void {
    this.session.close();
  }
}
