/**
 * The little of the DNS wire format (RFC 1035) the embedded server needs: read a
 * query's header and question, write an answer with A records or an error code.
 */

export const TYPE_A = 1;
export const TYPE_AAAA = 28;
export const CLASS_IN = 1;
export const RCODE_OK = 0;
export const RCODE_FORMERR = 1;
export const RCODE_SERVFAIL = 2;
export const RCODE_NXDOMAIN = 3;

export interface Question {
  name: string;
  type: number;
  class: number;
}

export interface Query {
  id: number;
  flags: number;
  question: Question;
  /** Byte offset just past the question (where answers start). */
  end: number;
}

/** Parse a query with exactly one question; undefined if malformed. */
export function parseQuery(buf: Buffer): Query | undefined {
  if (buf.length < 12) return undefined;
  const qd = buf.readUInt16BE(4);
  if (qd !== 1 || buf[2] & 0x80) return undefined;
  const labels: string[] = [];
  let off = 12;
  for (;;) {
    if (off >= buf.length) return undefined;
    const len = buf[off++];
    if (len === 0) break;
    if (len > 63 || off + len > buf.length) return undefined;
    labels.push(buf.toString('latin1', off, off + len));
    off += len;
  }
  if (off + 4 > buf.length) return undefined;
  return {
    id: buf.readUInt16BE(0),
    flags: buf.readUInt16BE(2),
    question: { name: labels.join('.').toLowerCase(), type: buf.readUInt16BE(off), class: buf.readUInt16BE(off + 2) },
    end: off + 4,
  };
}

/** Encode a dotted name as DNS labels. */
export function encodeName(name: string): Buffer {
  const parts = name.split('.').filter(Boolean);
  return Buffer.concat([...parts.map((p) => Buffer.concat([Buffer.from([p.length]), Buffer.from(p, 'latin1')])), Buffer.from([0])]);
}

/** Build a query (used by tests and by clients). */
export function buildQuery(id: number, name: string, type = TYPE_A): Buffer {
  const h = Buffer.alloc(12);
  h.writeUInt16BE(id, 0);
  h.writeUInt16BE(0x0100, 2); // RD
  h.writeUInt16BE(1, 4);
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(type, 0);
  tail.writeUInt16BE(CLASS_IN, 2);
  return Buffer.concat([h, encodeName(name), tail]);
}

/** Answer `q` (whose raw bytes are `raw`) with A records for `addrs`, or rcode. */
export function buildResponse(raw: Buffer, q: Query, addrs: string[], rcode = RCODE_OK, ttl = 600): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(q.id, 0);
  const opcode = q.flags & 0x7800;
  const rd = q.flags & 0x0100;
  header.writeUInt16BE(0x8000 | opcode | 0x0400 | rd | 0x0080 | (rcode & 0xf), 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(addrs.length, 6);
  const answers = addrs.map((a) => {
    const rr = Buffer.alloc(16);
    rr.writeUInt16BE(0xc00c, 0); // pointer to the question's name
    rr.writeUInt16BE(TYPE_A, 2);
    rr.writeUInt16BE(CLASS_IN, 4);
    rr.writeUInt32BE(ttl, 6);
    rr.writeUInt16BE(4, 10);
    a.split('.').forEach((b, i) => rr.writeUInt8(Number(b), 12 + i));
    return rr;
  });
  return Buffer.concat([header, raw.subarray(12, q.end), ...answers]);
}

/** Read A records and rcode from a response (tests, and a client check). */
export function parseResponse(buf: Buffer): { id: number; rcode: number; addrs: string[] } {
  const id = buf.readUInt16BE(0);
  const rcode = buf.readUInt16BE(2) & 0xf;
  const an = buf.readUInt16BE(6);
  let off = 12;
  const skipName = () => {
    for (;;) {
      const len = buf[off];
      if (len === 0) return void off++;
      if ((len & 0xc0) === 0xc0) return void (off += 2);
      off += len + 1;
    }
  };
  skipName();
  off += 4;
  const addrs: string[] = [];
  for (let i = 0; i < an; i++) {
    skipName();
    const type = buf.readUInt16BE(off);
    const rdlen = buf.readUInt16BE(off + 8);
    off += 10;
    if (type === TYPE_A && rdlen === 4) addrs.push([...buf.subarray(off, off + 4)].join('.'));
    off += rdlen;
  }
  return { id, rcode, addrs };
}
