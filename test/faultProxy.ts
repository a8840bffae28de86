import http from 'node:http';
import type net from 'node:net';

/** What the proxy does to one request. */
export type Fault =
  /** Send the headers and the first `after` body bytes, then close the connection. */
  | { kind: 'drop'; after: number }
  /** Flip the low bit of the body byte at offset `at`. */
  | { kind: 'flip'; at: number }
  /** Forward without the `Range` header: the registry sends the whole blob again (200). */
  | { kind: 'ignoreRange' }
  /** Answer with this status (and Retry-After) instead of forwarding. */
  | { kind: 'status'; status: number; retryAfter?: string }
  /** Send the headers and the first `after` body bytes, then nothing more, the connection left open. */
  | { kind: 'stall'; after: number }
  /** Forward, adding these headers to the reply (`OCI-Chunk-Min-Length`). */
  | { kind: 'headers'; headers: Record<string, string> }
  /** Forward only the first `keep` bytes of the request body (Content-Length and Content-Range cut to match): a registry that kept less of a chunk. */
  | { kind: 'truncateBody'; keep: number };

export interface ProxyRequest {
  method: string;
  url: string;
  range?: string;
  /** The request's Content-Range (upload chunks). */
  contentRange?: string;
  /** Request body bytes the proxy received. */
  sent: number;
  /** Date.now() when it arrived. */
  at: number;
  fault?: Fault['kind'];
  status?: number;
  /** Body bytes the proxy sent back. */
  bytes: number;
}

/** `n`: how many requests for this URL came before (0 for the first). */
export type FaultRule = (r: { method: string; url: string; n: number }) => Fault | undefined;

export interface FaultProxy {
  host: string;
  requests: ProxyRequest[];
  /** Replace the rule (between pulls); requests are not cleared. */
  rule: FaultRule;
  /** The requests whose URL contains `s` (a digest). */
  requestsFor(s: string): ProxyRequest[];
  /** Body bytes sent for URLs containing `s`. */
  bytesFor(s: string): number;
  close(): Promise<void>;
}

/**
 * A loopback HTTP proxy in front of a real registry that misbehaves on request: drops a
 * connection mid-body, flips a byte, ignores Range, answers 500/429 (with Retry-After), or
 * stalls. It forwards the Host header unchanged, so the registry's URLs name the proxy.
 */
export async function startFaultProxy(upstream: string, rule: FaultRule = () => undefined): Promise<FaultProxy> {
  const [uhost, uport] = upstream.split(':');
  const requests: ProxyRequest[] = [];
  const seen = new Map<string, number>();
  const sockets = new Set<net.Socket>();
  const p: FaultProxy = {
    host: '',
    requests,
    rule,
    requestsFor: (s) => requests.filter((r) => r.url.includes(s)),
    bytesFor: (s) => p.requestsFor(s).reduce((a, r) => a + r.bytes, 0),
    close: () => new Promise((r) => {
      for (const s of sockets) s.destroy();
      srv.close(() => r());
    }),
  };
  const srv = http.createServer((req, res) => {
    const url = req.url ?? '/';
    const n = seen.get(url) ?? 0;
    seen.set(url, n + 1);
    const fault = p.rule({ method: req.method ?? 'GET', url, n });
    const rec: ProxyRequest = { method: req.method ?? 'GET', url, range: req.headers.range, contentRange: req.headers['content-range'], sent: 0, at: Date.now(), fault: fault?.kind, bytes: 0 };
    req.on('data', (c: Buffer) => (rec.sent += c.length));
    requests.push(rec);
    if (fault?.kind === 'status') {
      rec.status = fault.status;
      req.resume();
      res.writeHead(fault.status, { 'content-type': 'application/json', ...(fault.retryAfter ? { 'retry-after': fault.retryAfter } : {}) });
      res.end(JSON.stringify({ errors: [{ code: fault.status === 429 ? 'TOOMANYREQUESTS' : 'UNKNOWN', message: `fault proxy: ${fault.status}` }] }));
      return;
    }
    const headers = { ...req.headers };
    if (fault?.kind === 'ignoreRange') delete headers.range;
    if (fault?.kind === 'truncateBody') {
      headers['content-length'] = String(fault.keep);
      const start = Number(String(headers['content-range'] ?? '0-').split('-')[0]);
      if (headers['content-range']) headers['content-range'] = `${start}-${start + fault.keep - 1}`;
    }
    const up = http.request({ host: uhost, port: Number(uport), method: req.method, path: url, headers }, (ur) => {
      rec.status = ur.statusCode;
      res.writeHead(ur.statusCode ?? 502, fault?.kind === 'headers' ? { ...ur.headers, ...fault.headers } : ur.headers);
      res.flushHeaders();
      let off = 0;
      let stopped = false;
      ur.on('data', (c0: Buffer) => {
        if (stopped) return;
        let c = c0;
        if (fault?.kind === 'flip' && fault.at >= off && fault.at < off + c.length) {
          c = Buffer.from(c);
          c[fault.at - off] ^= 1;
        }
        if ((fault?.kind === 'drop' || fault?.kind === 'stall') && off + c.length >= fault.after) {
          stopped = true;
          const part = c.subarray(0, fault.after - off);
          rec.bytes += part.length;
          ur.destroy();
          const then = () => (fault.kind === 'drop' ? res.socket?.end() : undefined);
          if (part.length) res.write(part, then);
          else then();
          return;
        }
        off += c.length;
        rec.bytes += c.length;
        if (!res.write(c)) {
          ur.pause();
          res.once('drain', () => ur.resume());
        }
      });
      ur.on('end', () => stopped || res.end());
    });
    up.on('error', () => res.destroy());
    if (fault?.kind === 'truncateBody') {
      let left = fault.keep;
      req.on('data', (c: Buffer) => {
        if (left > 0) up.write(c.subarray(0, left));
        left -= Math.min(left, c.length);
      });
      req.on('end', () => up.end());
    } else req.pipe(up);
  });
  srv.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  p.host = `127.0.0.1:${(srv.address() as net.AddressInfo).port}`;
  return p;
}
