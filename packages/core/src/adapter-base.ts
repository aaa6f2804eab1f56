/**
 * The part of an adapter's `auth()` (or plugin) that every framework shares: the call check, the
 * verifier, the frozen request binding, and the handle (`verifier`, `close()`) on the middleware.
 */
import { bindRequest, type RequestBinding } from './binding.js';
import { checkAuthCall } from './option-checks.js';
import type { AuthOptions } from './options.js';
import type { MetadataAnswer } from './resource-metadata.js';
import { adoptResults, createVerifier, type Verifier } from './verifier.js';

/** What every adapter's `auth()` (or plugin) returns besides its middleware. */
export interface AdapterHandle {
  /** The core verifier behind the middleware (e.g. to `warmUp()` at start). */
  readonly verifier: Verifier;
  /** Stops the verifier's background work (JWKS refresh timers, in-flight fetches). */
  close(): void;
}

/** What an adapter builds its middleware on; see {@link createAdapterBase}. */
export interface AdapterBase {
  /** The verifier of the adapter's options. */
  readonly verifier: Verifier;
  /** The `forwardErrors` option. */
  readonly forwardErrors: boolean;
  /**
   * Binds `request` to this adapter: guards called on it run through its `runGuard`. A request
   * that carries a result of this adapter's verifier (`req.auth`, `ctx.state.auth`) is bound by
   * it already; bind the others (no token, a failure passed on).
   */
  bind(request: object): void;
  /** `middleware`, with the verifier and `close()` of {@link AdapterHandle}. */
  expose<M extends object>(middleware: M): M & AdapterHandle;
  /**
   * The answer to a request for the protected resource metadata document (RFC 9728), served
   * without a token; `undefined` when `url` (path and query, as received) is not its path or no
   * document is served.
   */
  metadata(method: string, url: string): MetadataAnswer | undefined;
}

/**
 * The part of `auth()` every adapter shares: refuses `auth` installed without being called,
 * validates the options into a verifier, and makes the frozen binding its requests point at
 * (frozen: it is reachable from every request, and no request may change it).
 *
 * @param options - the adapter's options (core `AuthOptions`).
 * @param args - `auth`'s `arguments`, to tell `app.use(auth)` from `app.use(auth(options))`.
 * @param runGuard - runs a guard as this framework's middleware; see {@link RequestBinding.runGuard}.
 */
export function createAdapterBase(
  options: AuthOptions,
  args: ArrayLike<unknown>,
  runGuard: RequestBinding['runGuard'],
): AdapterBase {
  checkAuthCall(args);
  const verifier = createVerifier(options);
  const binding = Object.freeze<RequestBinding>({ verifier, runGuard });
  adoptResults(verifier, binding);
  const endpoint = verifier.config.resourceMetadata;
  return Object.freeze({
    metadata: (method: string, url: string) => {
      if (!endpoint || !url.startsWith(endpoint.path)) return undefined;
      const rest = url.length === endpoint.path.length ? '' : url[endpoint.path.length];
      return rest === '' || rest === '?' ? endpoint.answer(method) : undefined;
    },
    verifier,
    forwardErrors: verifier.config.forwardErrors,
    bind: (request: object) => bindRequest(request, binding),
    expose: <M extends object>(middleware: M) => Object.assign(middleware, { verifier, close: () => verifier.close() }),
  });
}
