/**
 * One bounded HTTP GET for a JSON document (a JWKS or a discovery document).
 *
 * The documents come from the network and are parsed on a server's hot path, so every fetch is
 * bounded: in time (one timer covers connect, headers and body), in size (the body is streamed
 * through a byte counter and abandoned past the limit, whatever `Content-Length` claims), and in
 * where it may go (redirects are refused: the configured or discovered URL is the only one ever
 * requested, which keeps a compromised or misconfigured redirect from pointing key retrieval at
 * another host).
 */
import { parseJsonWithoutPrototypes } from './claim-path.js';

/** What went wrong with a fetch; discovery uses it to decide whether to try the next URL. */
export type FetchJsonErrorKind = 'status' | 'too_large' | 'invalid_json' | 'timeout' | 'network' | 'aborted';

/** A failed {@link fetchJson}: the URL, why, and the HTTP status when there was one. */
export class FetchJsonError extends Error {
  /** Category of the failure. */
  readonly kind: FetchJsonErrorKind;
  /** HTTP status of the response, when one arrived. */
  readonly status: number | undefined;
  /** The URL that was requested. */
  readonly url: string;

  constructor(
    url: string,
    kind: FetchJsonErrorKind,
    message: string,
    options: { status?: number; cause?: unknown } = {},
  ) {
    super(`${message} (${url})`, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FetchJsonError';
    this.url = url;
    this.kind = kind;
    this.status = options.status;
  }
}

/** Options of {@link fetchJson}. */
export interface FetchJsonOptions {
  /** Whole-request deadline in milliseconds (connect, headers and body). */
  timeoutMs: number;
  /** Largest body accepted, in bytes. */
  maxBytes: number;
  /** Extra request headers; `accept` defaults to JSON. */
  headers?: Record<string, string> | undefined;
  /** Aborts the request from outside (e.g. `close()`). */
  signal?: AbortSignal | undefined;
  /** Value of the `accept` header. Default `application/json`. */
  accept?: string | undefined;
  /** `GET` (default) or `POST` (introspection). */
  method?: 'GET' | 'POST' | undefined;
  /** The request body, for `POST`. */
  body?: string | undefined;
  /** Statuses whose JSON body is returned; any other is a failure. Default `[200]`. */
  statuses?: readonly number[] | undefined;
}

/** A successful {@link fetchJson}: an expected status and a parsed JSON body. */
export interface FetchJsonResult {
  /** 200, or another of `statuses`. */
  status: number;
  /** Response headers (e.g. `cache-control`). */
  headers: Headers;
  /** The parsed body: any JSON value; callers check its shape. */
  body: unknown;
}

async function readBounded(url: string, response: Response, maxBytes: number): Promise<Buffer> {
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw new FetchJsonError(url, 'too_large', `response of ${declared} bytes exceeds the ${maxBytes}-byte limit`);
  }
  if (!response.body) return Buffer.alloc(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      // Content-Length can lie or be absent (chunked): the counter is what protects memory.
      await reader.cancel().catch(() => undefined);
      throw new FetchJsonError(url, 'too_large', `response exceeds the ${maxBytes}-byte limit`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, total);
}

/**
 * GETs (or POSTs to) `url` and parses its body as JSON, within a deadline and a size limit.
 *
 * Anything but status 200 (or another of `statuses`) is a failure (redirects included: `redirect: 'error'`), as is a body
 * that is too large or not JSON.
 *
 * @throws {@link FetchJsonError} saying what failed.
 */
export async function fetchJson(url: string, options: FetchJsonOptions): Promise<FetchJsonResult> {
  const controller = new AbortController();
  let timedOut = false;
  // Our own timer rather than AbortSignal.timeout(): it is cleared as soon as the fetch settles,
  // so a closed source leaves no timer behind.
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error(`timed out after ${options.timeoutMs} ms`));
  }, options.timeoutMs);
  timer.unref();
  const outer = options.signal;
  const onAbort = (): void => controller.abort(outer?.reason);
  if (outer?.aborted) onAbort();
  else outer?.addEventListener('abort', onAbort, { once: true });
  try {
    const response = await fetch(url, {
      method: options.method ?? 'GET',
      signal: controller.signal,
      redirect: 'error',
      headers: { accept: options.accept ?? 'application/json', ...options.headers },
      ...(options.body === undefined ? {} : { body: options.body }),
    });
    if (!(options.statuses ?? [200]).includes(response.status)) {
      await response.body?.cancel().catch(() => undefined);
      throw new FetchJsonError(url, 'status', `unexpected HTTP status ${response.status}`, { status: response.status });
    }
    const bytes = await readBounded(url, response, options.maxBytes);
    let body: unknown;
    try {
      body = parseJsonWithoutPrototypes(bytes.toString('utf8'));
    } catch (error) {
      throw new FetchJsonError(url, 'invalid_json', 'response is not JSON', { status: response.status, cause: error });
    }
    return { status: response.status, headers: response.headers, body };
  } catch (error) {
    if (error instanceof FetchJsonError) throw error;
    if (timedOut)
      throw new FetchJsonError(url, 'timeout', `no complete response within ${options.timeoutMs} ms`, { cause: error });
    if (outer?.aborted) throw new FetchJsonError(url, 'aborted', 'request aborted', { cause: error });
    // undici reports every network failure as "fetch failed"; the useful part is in `cause`.
    const detail =
      ((error as Error)?.cause as Error | undefined)?.message ?? (error as Error)?.message ?? String(error);
    throw new FetchJsonError(url, 'network', `request failed: ${detail}`, { cause: error });
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', onAbort);
  }
}

/**
 * Remaining freshness of a response in seconds, from `Cache-Control: max-age` less `Age`
 * (RFC 9111 §5.2.2.1, §4.2.3); 0 for `no-store`/`no-cache`; `undefined` when the response says
 * nothing. Callers clamp it: a server must not be able to force a fetch per request.
 */
export function freshnessLifetime(headers: Headers): number | undefined {
  const value = headers.get('cache-control');
  if (!value) return undefined;
  const directives = value
    .toLowerCase()
    .split(',')
    .map((s) => s.trim());
  if (directives.some((d) => d === 'no-store' || d.startsWith('no-cache'))) return 0;
  for (const d of directives) {
    const match = /^max-age\s*=\s*"?(\d+)"?$/.exec(d);
    if (match) return Math.max(0, Number(match[1]) - (Number(headers.get('age')) || 0));
  }
  return undefined;
}
