/**
 * One request and its answer, for handlers: JSON in and out, streams, and the hijack that
 * attach and exec use. A request arrives either the usual way (a ServerResponse) or, with
 * `Connection: Upgrade` (the docker CLI's attach/exec), as Node's 'upgrade' event with the
 * bare socket; both kinds answer through the same methods.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex, Readable } from 'node:stream';
import { PassThrough } from 'node:stream';
import type { ApiContext } from './context.js';
import { badRequest, HttpError } from './errors.js';

/** Docker's JSON bodies are small; archives, builds and loads stream instead. */
export const MAX_JSON_BODY = 16 << 20;

export interface Hijacked {
  /** The client's bytes after the request (stdin); ends when the client half-closes. */
  input: Readable;
  write(b: Buffer | string): boolean;
  /** Our side is done (the client sees end of stream). */
  end(): void;
  /** Resolves when the connection is gone. */
  closed: Promise<void>;
  destroy(): void;
}

export class Exchange {
  readonly method: string;
  readonly url: URL;
  params: Record<string, string> = {};
  version = '';
  /** The path without its version prefix. */
  path = '';
  status = 0;
  private sent = false;
  private bodyRead?: Promise<Buffer>;
  /** Upgrade mode: the bytes the parser read past the headers, then the socket. */
  private readonly upgradeInput?: PassThrough;

  constructor(readonly ctx: ApiContext, readonly req: IncomingMessage, readonly res?: ServerResponse, readonly socket?: Duplex, head?: Buffer) {
    this.method = (req.method ?? 'GET').toUpperCase();
    this.url = new URL(req.url ?? '/', 'http://berth');
    if (socket) {
      this.upgradeInput = new PassThrough();
      if (head?.length) this.upgradeInput.write(head);
      socket.pipe(this.upgradeInput);
    }
  }

  get upgraded(): boolean {
    return !!this.socket;
  }

  get answered(): boolean {
    return this.sent;
  }

  query(name: string): string | undefined {
    return this.url.searchParams.get(name) ?? undefined;
  }

  /** Docker's boolean query values: 1/true/True (the CLI sends 1, dockerode true). */
  bool(name: string, dflt = false): boolean {
    const v = this.query(name);
    if (v === undefined || v === '') return dflt;
    return !['0', 'false', 'False', 'FALSE', 'no'].includes(v);
  }

  int(name: string): number | undefined {
    const v = this.query(name);
    if (v === undefined || v === '') return undefined;
    const n = Number(v);
    if (!Number.isInteger(n)) throw badRequest(`invalid value for ${name}: ${v}`);
    return n;
  }

  /** `filters={"status":["exited"],"label":{"a=b":true}}` -> `['status=exited', 'label=a=b']` (both of Docker's forms). */
  filters(): string[] {
    const raw = this.query('filters');
    if (!raw) return [];
    let f: unknown;
    try {
      f = JSON.parse(raw);
    } catch {
      throw badRequest(`invalid filter: ${raw}`);
    }
    if (typeof f !== 'object' || f === null || Array.isArray(f)) throw badRequest(`invalid filter: ${raw}`);
    const out: string[] = [];
    for (const [k, v] of Object.entries(f as Record<string, unknown>)) {
      const values = Array.isArray(v) ? v : typeof v === 'object' && v !== null ? Object.entries(v).filter(([, on]) => on).map(([x]) => x) : [];
      for (const x of values) out.push(`${k}=${String(x)}`);
    }
    return out;
  }

  header(name: string): string | undefined {
    const v = this.req.headers[name.toLowerCase()];
    return Array.isArray(v) ? v[0] : v;
  }

  /** The whole body (bounded); in upgrade mode exactly Content-Length bytes, the rest being the stream. */
  body(limit = MAX_JSON_BODY): Promise<Buffer> {
    this.bodyRead ??= this.readBody(limit);
    return this.bodyRead;
  }

  private async readBody(limit: number): Promise<Buffer> {
    const declared = Number(this.header('content-length') ?? NaN);
    if (declared > limit) throw new HttpError(413, `request body too large (limit ${limit} bytes)`);
    if (this.upgradeInput) {
      if (!(declared > 0)) return Buffer.alloc(0);
      return readExactly(this.upgradeInput, declared);
    }
    const chunks: Buffer[] = [];
    let n = 0;
    for await (const c of this.req as AsyncIterable<Buffer>) {
      n += c.length;
      if (n > limit) {
        this.req.destroy();
        throw new HttpError(413, `request body too large (limit ${limit} bytes)`);
      }
      chunks.push(c);
    }
    return Buffer.concat(chunks);
  }

  /** The JSON body, or undefined when there is none; malformed JSON is a 400. */
  async json<T = Record<string, unknown>>(): Promise<T | undefined> {
    const b = await this.body();
    const text = b.toString('utf8').trim();
    if (!text) return undefined;
    try {
      return JSON.parse(text) as T;
    } catch (e) {
      throw badRequest(`invalid JSON in request body: ${(e as Error).message}`);
    }
  }

  /** The request body as a stream (archives, tars), unbounded. */
  bodyStream(): Readable {
    return this.upgradeInput ?? this.req;
  }

  send(status: number, body?: string | Buffer, headers: Record<string, string | number> = {}): void {
    if (this.sent) return;
    this.sent = true;
    this.status = status;
    const b = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(body);
    const h: Record<string, string | number> = { ...headers };
    if (b && status !== 204 && status !== 304) h['Content-Length'] = b.length;
    if (this.res) {
      this.res.writeHead(status, h);
      this.res.end(status === 204 || status === 304 ? undefined : b);
      return;
    }
    const lines = [`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`, ...Object.entries({ ...h, Connection: 'close' }).map(([k, v]) => `${k}: ${v}`)];
    this.socket!.end(Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n\r\n'), status === 204 || status === 304 || !b ? Buffer.alloc(0) : b]));
  }

  sendJson(status: number, value: unknown, headers: Record<string, string | number> = {}): void {
    this.send(status, JSON.stringify(value) + '\n', { 'Content-Type': 'application/json', ...headers });
  }

  noContent(status = 204): void {
    this.send(status);
  }

  /** A streamed answer (logs, stats, progress): headers now, then writes; `closed` when the client goes. */
  stream(status: number, contentType: string, headers: Record<string, string> = {}): Hijacked {
    if (this.res) {
      this.sent = true;
      this.status = status;
      this.res.writeHead(status, { 'Content-Type': contentType, ...headers });
      this.res.flushHeaders();
      const res = this.res;
      const closed = new Promise<void>((r) => res.once('close', () => r()));
      return { input: this.req, write: (b) => res.write(b), end: () => res.end(), closed, destroy: () => res.destroy() };
    }
    return this.rawStream(status, contentType, headers);
  }

  /**
   * attach/exec: with an Upgrade request `101 UPGRADED` and a raw byte pipe both ways (the
   * docker CLI); without one, a 200 streamed answer and the request body as input.
   */
  hijack(contentType: string): Hijacked {
    if (this.res) return this.stream(200, contentType);
    return this.rawStream(101, contentType, { Connection: 'Upgrade', Upgrade: 'tcp' });
  }

  private rawStream(status: number, contentType: string, headers: Record<string, string>): Hijacked {
    this.sent = true;
    this.status = status;
    const sock = this.socket!;
    const text = status === 101 ? 'UPGRADED' : STATUS_CODES[status] ?? '';
    const h = { 'Content-Type': contentType, ...headers };
    sock.write(`HTTP/1.1 ${status} ${text}\r\n${Object.entries(h).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n`);
    const closed = new Promise<void>((r) => sock.once('close', () => r()));
    return { input: this.upgradeInput!, write: (b) => sock.write(b), end: () => sock.end(), closed, destroy: () => sock.destroy() };
  }
}

function readExactly(s: PassThrough, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let have = 0;
    const onData = (d: Buffer) => {
      const need = n - have;
      const rest = d.length > need ? d.subarray(need) : undefined;
      parts.push(rest ? d.subarray(0, need) : d);
      have += Math.min(d.length, need);
      if (have < n) return;
      s.off('data', onData);
      s.off('end', onEnd);
      s.pause();
      if (rest) s.unshift(rest);
      resolve(Buffer.concat(parts));
    };
    const onEnd = () => reject(badRequest('request body ended early'));
    s.on('data', onData);
    s.once('end', onEnd);
  });
}
