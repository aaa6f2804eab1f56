/**
 * Sends one request with node:http, headers as a raw list so that a header can be repeated
 * (two `Authorization` headers) exactly as a client would send them.
 */
import { type Agent, type IncomingMessage, request } from 'node:http';

/** A request as the table writes it. */
export interface RawRequest {
  method: string;
  path: string;
  /** `[name, value]` pairs, in order; a name may repeat. */
  headers: [string, string][];
  body?: string;
}

/** What came back. */
export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
}

/**
 * Sends `req` to `base` (`http://127.0.0.1:port`) over `agent`; rejects when no complete answer
 * came within `timeoutMs` (a hang is a failure, never a wait).
 */
export function send(base: string, req: RawRequest, agent?: Agent, timeoutMs = 10_000): Promise<RawResponse> {
  const url = new URL(base);
  // A row may send its own Host (one header, never two).
  const flat: string[] = req.headers.some(([name]) => name.toLowerCase() === 'host') ? [] : ['host', url.host];
  for (const [name, value] of req.headers) flat.push(name, value);
  if (req.body !== undefined) flat.push('content-length', String(Buffer.byteLength(req.body)));
  return new Promise((resolve, reject) => {
    const r = request(
      { host: url.hostname, port: url.port, method: req.method, path: req.path, headers: flat, agent, setHost: false },
      (res) => readResponse(res).then(resolve, reject),
    );
    r.on('error', reject);
    r.setTimeout(timeoutMs, () => r.destroy(new Error(`no answer within ${timeoutMs} ms: ${req.method} ${req.path}`)));
    r.end(req.body);
  });
}

/** Reads a whole response: status, headers, text, and the text parsed as JSON when it is JSON. */
export function readResponse(res: IncomingMessage): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('error', reject);
    res.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
    });
  });
}
